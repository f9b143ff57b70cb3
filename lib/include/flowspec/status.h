/*
 * status.h - what is installed, route by route, with the kernel's counters.
 *
 * After each commit the injector writes a state file per family: a header
 * with the commit's time and digests, then one line per route in applied
 * order with its canonical text, its action, its outcome, the positions of
 * its counting rules (the rules that see each matching packet exactly
 * once) and of its drop rules (a rate limit's hashlimit DROP rules, which
 * see each packet dropped over the rate exactly once).  `flowspec-injector
 * status` joins that file with the counters libiptc reads from the kernel,
 * after checking by content that the kernel still holds what the file
 * describes.
 */
#ifndef FLOWSPEC_STATUS_H
#define FLOWSPEC_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "flowspec/err.h"
#include "flowspec/ipt.h"
#include "flowspec/translate.h"

/* The state file of a family in dir: "<dir>/<chain>.v4" or ".v6". */
int fs_status_path(char *buf, size_t cap, const char *dir, const char *chain, int family);

/* What a commit leaves for the state file besides the plan. */
struct fs_status_commit {
	uint64_t kernel_digest; /* fs_ipt_apply's digest of what was committed */
	time_t when;            /* wall-clock time of the commit */
};

/*
 * Writes the plan's state file atomically (a temporary file, then rename).
 * 0, or -1 with err set.
 */
int fs_status_write(const struct fs_plan *plan, const char *path,
    const struct fs_status_commit *c, struct fs_err *err);

/* A state file's first line. */
struct fs_status_header {
	unsigned version;       /* 1 or 2 */
	size_t rules;           /* rules in our filter chains */
	uint64_t plan_digest;   /* fs_plan_digest; 0 when not recorded */
	uint64_t kernel_digest; /* fs_ipt_apply's digest; 0 when not recorded (v1) */
	time_t committed;       /* 0 when not recorded (v1) */
};

/*
 * Reads a state file's header.  0, or -1 when the file is missing or not
 * a state file of this family.
 */
int fs_status_read_header(const char *path, int family, struct fs_status_header *hdr);

/* One route of a status report. */
struct fs_status_route {
	unsigned order;         /* 1-based, applied order */
	char *state;            /* "installed", "no-match" or a refusal name */
	char *route, *action;   /* canonical text */
	uint64_t packets, bytes;        /* summed over its counting rules */
	bool rate_limited;              /* it has drop rules: the dropped_* are meaningful */
	uint64_t dropped_packets, dropped_bytes; /* summed over its drop rules */
};

/* One family's status: the state file joined with the kernel's counters. */
struct fs_status {
	int family;
	struct fs_status_header hdr;
	struct fs_status_route *routes;
	size_t nroutes, installed, refused, no_match;
};

/*
 * Loads one family's status: reads the state file at path and the
 * counters of our chains, and checks that the kernel holds what the file
 * describes (the digest of our chains' content; the rule count for a v1
 * file).  *out is caller-freed (fs_status_free).  0, or -1 with err set
 * (no state file, kernel unreadable, file and kernel disagree).
 */
int fs_status_load(const char *path, int family, const struct fs_xlate_opts *xo,
    struct fs_status **out, struct fs_err *err);

/*
 * fs_status_load's join, with the counters cnt[0..ncnt) and the digest kd
 * given (fs_ipt_counters reads them from the kernel).  0, or -1 with err
 * set.
 */
int fs_status_read(const char *path, int family, const struct fs_ipt_counter *cnt, size_t ncnt,
    uint64_t kd, struct fs_status **out, struct fs_err *err);

/* Frees a status; st may be NULL. */
void fs_status_free(struct fs_status *st);

/*
 * Prints one family as text: a heading with the last commit and the
 * counts, then one line per route (order, state, packets, bytes, route =>
 * action), and under a rate-limited route a "dropped" line with its
 * dropped packets and bytes.
 */
void fs_status_text(const struct fs_status *st, FILE *f);

/*
 * Prints the families st[0..n) as one JSON document (schema in
 * flowspec-injector(8)): {"version", "chain", "backend", "families": [...],
 * "routes": [...]}.
 */
void fs_status_json(const struct fs_status *const *st, size_t n, const char *chain, FILE *f);

#endif
