/*
 * bench_floor - the floor for convergence: one libiptc commit of the final
 * table, nothing else.  Reads an ExaBGP feed, builds the plan (not timed),
 * then times only writing it into the kernel (iptc_init, appends, commit),
 * best of REPEATS.  Run it as root inside a scratch network namespace.
 *
 * usage: bench_floor FEED [REPEATS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowspec/feed.h"
#include "flowspec/ipt.h"
#include "flowspec/log.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct fs_exabgp_opts ex;
	struct fs_xlate_opts xo;
	struct fs_ipt_opts io;
	struct fs_feed feed;
	struct fs_plan plan;
	struct fs_err err;
	const struct fs_route **sorted;
	size_t n, cap = 0;
	char *line = NULL;
	ssize_t len;
	double best = 1e9;
	int r, repeats = argc > 2 ? atoi(argv[2]) : 3;
	FILE *in;

	if (argc < 2 || (in = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: bench_floor FEED [REPEATS]\n");
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
	for (r = 0; r < repeats; r++) {
		double t0;

		/* start from an empty table each time, as the injector's first commit does */
		if (fs_ipt_remove(FS_INET, &xo, &io, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t0 = now();
		if (fs_ipt_apply(&plan, &xo, &io, NULL, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		if (now() - t0 < best)
			best = now() - t0;
	}
	printf("floor: %zu routes, %zu rules, one libiptc commit: %.3f s (best of %d)\n", n,
	    fs_ptable_rules(&plan.filter), best, repeats);
	fs_plan_free(&plan);
	free(sorted);
	free(line);
	fs_feed_free(&feed);
	return 0;
}
