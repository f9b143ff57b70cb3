/*
 * status.h - what is installed, route by route, with the kernel's counters.
 *
 * After each commit the injector writes a state file per family: one line
 * per route in applied order with its canonical text, its action, its
 * outcome and the positions of its counting rules (the rules that see each
 * matching packet exactly once).  `flowspec-injector status` joins that
 * file with the counters libiptc reads from the kernel.
 */
#ifndef FLOWSPEC_STATUS_H
#define FLOWSPEC_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "flowspec/err.h"
#include "flowspec/translate.h"

/* The state file of a family in dir: "<dir>/<chain>.v4" or ".v6". */
int fs_status_path(char *buf, size_t cap, const char *dir, const char *chain, int family);

/*
 * Writes the plan's state file atomically (a temporary file, then rename).
 * 0, or -1 with err set.
 */
int fs_status_write(const struct fs_plan *plan, const char *path, struct fs_err *err);

/*
 * Reads a state file's first line: the number of rules in our filter
 * chains and the plan digest (fs_plan_digest; 0 in files written before
 * it was recorded).  0, or -1 when the file is missing or not a state file
 * of this family.
 */
int fs_status_read_header(const char *path, int family, size_t *rules, uint64_t *digest);

/*
 * Prints the status of one family to f: routes in order, with action,
 * outcome and packet/byte counters summed over their counting rules; JSON
 * (an array of objects) when json.  Checks that the kernel's chains still
 * have the rules the state file names.  0, or -1 with err set (no state
 * file, kernel unreadable, file and kernel disagree).
 */
int fs_status_print(const char *path, int family, const struct fs_xlate_opts *xo, bool json,
    FILE *f, struct fs_err *err);

#endif
