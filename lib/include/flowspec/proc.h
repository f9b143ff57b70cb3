/*
 * proc.h - run a program with a fixed argv (fork and exec, never a shell)
 * and collect its output, with a deadline.
 *
 * Nothing from a route or a peer ever reaches argv: the injector builds it
 * from its own options (the vtysh path, its socket directory and fixed
 * "show" commands).
 */
#ifndef FLOWSPEC_PROC_H
#define FLOWSPEC_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "flowspec/err.h"

struct fs_proc_result {
	char *out;            /* stdout, NUL-terminated; caller frees (also on failure) */
	size_t len;
	char errtext[512];    /* the start of stderr, control characters replaced */
	int status;           /* exit status; -1 when killed or not run */
};

/*
 * Runs argv[0] (a path; no PATH search) with argv, stdin from /dev/null,
 * and waits at most timeout_ms.  0 when it exited with status 0.  -1 with
 * err set (naming argv[0] and, from stderr, what it said) when it could
 * not be started, exited non-zero, was killed, ran past the deadline (it
 * is then killed), or wrote more than out_max bytes to stdout.
 */
int fs_proc_run(char *const argv[], unsigned timeout_ms, size_t out_max,
    struct fs_proc_result *res, struct fs_err *err);

#endif
