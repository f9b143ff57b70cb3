/*
 * bench_commit - what one fs_ipt_apply costs with N routes installed: the
 * first load into empty tables, the same plan again, the plan with one
 * route withdrawn (the middle one), and with it back.  Reads an ExaBGP
 * feed and builds the plans (not timed); times each apply in wall-clock
 * and in CPU time of this process (user + system: the kernel's work on
 * the commit is done in it), best of REPEATS.  Run it as root inside a
 * scratch network namespace.
 *
 * usage: bench_commit FEED [REPEATS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowspec/feed.h"
#include "flowspec/ipt.h"
#include "flowspec/log.h"

static double clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FS_BENCH_OLD_APPLY: the signature before the digest (to measure an older library) */
static int apply(const struct fs_plan *p, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, struct fs_err *err)
{
#ifdef FS_BENCH_OLD_APPLY
	return fs_ipt_apply(p, xo, io, err);
#else
	uint64_t d;

	return fs_ipt_apply(p, xo, io, &d, err);
#endif
}

int main(int argc, char **argv)
{
	static const char *const what[] = { "first load", "same plan", "one withdrawn",
		"one announced" };
	struct fs_exabgp_opts ex;
	struct fs_xlate_opts xo;
	struct fs_ipt_opts io;
	struct fs_feed feed;
	struct fs_plan plan, less;
	struct fs_err err;
	const struct fs_route **sorted;
	double wall[4], cpu[4];
	size_t n, cap = 0, i;
	char *line = NULL;
	ssize_t len;
	int r, k, repeats = argc > 2 ? atoi(argv[2]) : 3;
	FILE *in;

	if (argc < 2 || (in = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: bench_commit FEED [REPEATS]\n");
		return 2;
	}
	fs_log_set_level(FS_LOG_ERR);
	fs_exabgp_opts_default(&ex);
	fs_xlate_opts_default(&xo);
	fs_ipt_opts_default(&io);
	fs_feed_init(&feed, &ex);
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (fs_feed_line(&feed, line, (size_t)len, "feed", &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	fclose(in);
	if (fs_ruleset_sorted(feed.rs, FS_INET, FS_ORDER_RFC, &sorted, &n, &err) < 0 ||
	    fs_plan_build(&plan, FS_INET, sorted, n, &xo, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	/* the middle route withdrawn */
	for (i = n / 2; i + 1 < n; i++)
		sorted[i] = sorted[i + 1];
	if (fs_plan_build(&less, FS_INET, sorted, n - 1, &xo, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (k = 0; k < 4; k++)
		wall[k] = cpu[k] = 1e9;
	for (r = 0; r < repeats; r++) {
		if (fs_ipt_remove(FS_INET, &xo, &io, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		for (k = 0; k < 4; k++) {
			double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID), w, c;

			if (apply(k == 2 ? &less : &plan, &xo, &io, &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				return 1;
			}
			w = clk(CLOCK_MONOTONIC) - w0;
			c = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
			wall[k] = w < wall[k] ? w : wall[k];
			cpu[k] = c < cpu[k] ? c : cpu[k];
		}
	}
	printf("%zu routes, %zu filter rules; one fs_ipt_apply, best of %d:\n", n,
	    fs_ptable_rules(&plan.filter), repeats);
	for (k = 0; k < 4; k++)
		printf("  %-14s %8.1f ms wall %8.1f ms cpu\n", what[k], wall[k] * 1e3, cpu[k] * 1e3);
	fs_plan_free(&plan);
	fs_plan_free(&less);
	free(sorted);
	free(line);
	fs_feed_free(&feed);
	return 0;
}
