/*
 * metrics.h - the Prometheus exposition (node_exporter's textfile format)
 * of the injector: what status knows (the state files joined with the
 * kernel's counters) and the injector's process counters (commits, input
 * errors, FRR polls).
 *
 * The process counters of a family are kept in a small file next to its
 * state file, "<dir>/<chain>.v<N>.stats", rewritten atomically by the
 * injector after every commit and every FRR poll.  One function,
 * fs_metrics_collect, reads the state files, the stats files and the
 * kernel and prints the exposition: the injector's metrics-file and
 * `flowspec-injector status --prometheus` both print through it.  The
 * metrics are documented in docs/metrics.md.
 */
#ifndef FLOWSPEC_METRICS_H
#define FLOWSPEC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "flowspec/err.h"
#include "flowspec/translate.h"

/* A route label's value keeps at most this many bytes of the route's text. */
#define FS_METRICS_LABEL_MAX 128

enum fs_poll_result { FS_POLL_CHANGED = 0, FS_POLL_UNCHANGED, FS_POLL_FAILED, FS_POLL__COUNT };

/* The process counters of one family (one injector process). */
struct fs_metrics_proc {
	long pid;                    /* the process that counts them */
	uint64_t commits;            /* successful commits */
	uint64_t commit_failures;    /* commits the kernel refused */
	uint64_t last_commit_ms;     /* the last successful commit, translation included */
	uint64_t input_lines;        /* ExaBGP: lines read */
	uint64_t input_errors;       /* ExaBGP: lines refused (not JSON, not ExaBGP's) */
	uint64_t polls[FS_POLL__COUNT]; /* FRR: polls by result */
};

/* "<dir>/<chain>.v<family>.stats".  0, or -1 when it does not fit. */
int fs_metrics_proc_path(char *buf, size_t cap, const char *dir, const char *chain, int family);

/* Writes p atomically (a temporary file, then rename).  0, or -1 with err set. */
int fs_metrics_proc_write(const char *path, int family, const struct fs_metrics_proc *p,
    struct fs_err *err);

/* Reads a stats file of family.  0, or -1 when missing or not one (p zeroed). */
int fs_metrics_proc_read(const char *path, int family, struct fs_metrics_proc *p);

/* The families to collect: bits of these. */
#define FS_METRICS_V4 1u
#define FS_METRICS_V6 2u

/*
 * Prints the exposition of the families in mask: their state files in dir
 * joined with the kernel's counters (fs_status_load), their stats files,
 * and the backend.  A family whose status cannot be loaded still has its
 * process counters and flowspec_state_ok 0.  Returns how many families'
 * status could not be loaded, so 0 when all could; err[0] (IPv4) and
 * err[1] (IPv6) say why (code FS_E_OK for a family loaded or not asked).
 */
int fs_metrics_collect(const char *dir, const struct fs_xlate_opts *xo, unsigned mask, FILE *f,
    struct fs_err err[2]);

/*
 * fs_metrics_collect into path, atomically: path.tmp (mode 0644), then
 * rename.  0, or -1 with err set (the file is then left as it was); a
 * family whose status cannot be loaded is not an error here.
 */
int fs_metrics_write_file(const char *path, const char *dir, const struct fs_xlate_opts *xo,
    unsigned mask, struct fs_err *err);

/*
 * Writes a label value: the text (len bytes) cut to FS_METRICS_LABEL_MAX
 * bytes (at a UTF-8 character boundary, with "..." after a cut) and
 * escaped as the exposition format wants (\\, \" and \n).
 */
void fs_metrics_label(FILE *f, const char *s);

#endif
