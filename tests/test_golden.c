/*
 * test_golden.c - every real ExaBGP and FRR fixture through reader,
 * ruleset, order and translator, compared with reviewed golden files.
 *
 * Each golden file holds the log lines (refusals, flushes) and the
 * iptables-restore document for one fixture and one family.  Run with
 * FS_REGEN_GOLDEN=1 to rewrite them after a reviewed change; the diff is
 * then the review.
 */
#define _GNU_SOURCE
#include <check.h>

#include "check_main.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/feed.h"
#include "flowspec/frr.h"
#include "flowspec/log.h"
#include "flowspec/text.h"
#include "flowspec/translate.h"

static void sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	static const char *const name[] = { "error", "warning", "info", "debug" };

	fprintf((FILE *)ctx, "# %s: %s\n", name[lvl], msg);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long sz;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(buf);
	*n = fread(buf, 1, (size_t)sz, f);
	buf[*n] = '\0';
	fclose(f);
	return buf;
}

/* The routes of rs, ordered and translated: refusals, routes, document. */
static void render_plan(FILE *mem, struct fs_ruleset *rs, enum fs_family fam)
{
	struct fs_xlate_opts xo;
	struct fs_plan plan;
	struct fs_err err;
	const struct fs_route **sorted = NULL;
	size_t nsorted, i;

	fs_xlate_opts_default(&xo);
	ck_assert_int_eq(fs_ruleset_sorted(rs, fam, FS_ORDER_RFC, &sorted, &nsorted, &err), 0);
	ck_assert_int_eq(fs_plan_build(&plan, fam, sorted, nsorted, &xo, &err), 0);
	for (i = 0; i < plan.nroutes; i++) {
		char txt[FS_TEXT_MAX], act[512];

		fs_route_format(plan.routes[i].route, txt, sizeof(txt));
		fs_actions_format(plan.routes[i].route, act, sizeof(act));
		if (plan.routes[i].refusal != FS_R_OK)
			fprintf(mem, "# refused: %s => %s: %s: %s\n", txt, act,
			    fs_refusal_name(plan.routes[i].refusal), plan.routes[i].why);
		else
			fprintf(mem, "# route %zu: %s => %s%s\n", i, txt, act,
			    plan.routes[i].empty ? " (matches no packet)" : "");
	}
	ck_assert_int_eq(fs_plan_write_restore(&plan, mem), 0);
	fs_plan_free(&plan);
	free(sorted);
}

/* Runs one fixture for one family; returns the golden text (caller frees). */
static char *render(const char *path, enum fs_family fam, unsigned long *errors)
{
	struct fs_exabgp_opts ex;
	struct fs_xlate_opts xo;
	struct fs_feed feed;
	struct fs_err err;
	size_t len = 0;
	char *out = NULL, *line = NULL, origin[256];
	size_t cap = 0;
	ssize_t n;
	FILE *mem = open_memstream(&out, &len);
	FILE *in = fopen(path, "r");
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	ck_assert_ptr_nonnull(mem);
	ck_assert_ptr_nonnull(in);
	fs_log_set_sink(sink, mem);
	fs_exabgp_opts_default(&ex);
	fs_xlate_opts_default(&xo);
	ck_assert_int_eq(fs_feed_init(&feed, &ex), 0);
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		snprintf(origin, sizeof(origin), "%s:%lu", base, feed.st.lines + 1);
		if (fs_feed_line(&feed, line, (size_t)n, origin, &err) < 0)
			fprintf(mem, "# input error: %s\n", err.msg);
	}
	*errors = feed.st.errors;
	render_plan(mem, feed.rs, fam);
	free(line);
	fs_feed_free(&feed);
	fclose(in);
	fs_log_set_sink(NULL, NULL);
	fclose(mem);
	return out;
}

static char **fixtures;
static size_t nfixtures;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_fixtures(void)
{
	DIR *d = opendir(FS_FIXTURES_DIR "/exabgp");
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 7 || strcmp(e->d_name + l - 6, ".jsonl") != 0)
			continue;
		fixtures = realloc(fixtures, (nfixtures + 1) * sizeof(*fixtures));
		fixtures[nfixtures++] = strndup(e->d_name, l - 6);
	}
	closedir(d);
	qsort(fixtures, nfixtures, sizeof(*fixtures), by_name);
}

START_TEST(golden)
{
	bool regen = getenv("FS_REGEN_GOLDEN") != NULL;
	unsigned checked = 0, changed = 0;
	size_t i;
	int f;

	list_fixtures();
	ck_assert_uint_ge(nfixtures, 40);
	for (i = 0; i < nfixtures; i++)
		for (f = 0; f < 2; f++) {
			enum fs_family fam = f ? FS_INET6 : FS_INET;
			char in[1024], gold[1024];
			unsigned long errors;
			char *got, *want;
			size_t wn;

			snprintf(in, sizeof(in), FS_FIXTURES_DIR "/exabgp/%s.jsonl", fixtures[i]);
			snprintf(gold, sizeof(gold), FS_GOLDEN_DIR "/exabgp/%s.v%d.txt", fixtures[i], fam);
			got = render(in, fam, &errors);
			/* every fixture is real daemon output: not one line may be rejected */
			ck_assert_msg(errors == 0, "%s: %lu input errors:\n%s", fixtures[i], errors, got);
			if (regen) {
				FILE *g = fopen(gold, "w");

				ck_assert_msg(g != NULL, "cannot write %s", gold);
				fputs(got, g);
				fclose(g);
				changed++;
			} else {
				want = slurp(gold, &wn);
				ck_assert_msg(want != NULL, "missing golden %s (run with FS_REGEN_GOLDEN=1)", gold);
				ck_assert_msg(strcmp(got, want) == 0,
				    "%s differs from the golden file; got:\n%s", gold, got);
				free(want);
			}
			checked++;
			free(got);
		}
	fprintf(stderr, "golden: %u documents %s\n", checked, regen ? "rewritten" : "checked");
	(void)changed;
	for (i = 0; i < nfixtures; i++)
		free(fixtures[i]);
	free(fixtures);
}
END_TEST


/* One FRR detail capture: the golden text (caller frees). */
static char *render_frr(const char *path, enum fs_family fam)
{
	struct fs_frr_snapshot snap;
	struct fs_sync_counts c;
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_err err;
	size_t n, len = 0;
	char *out = NULL, *buf = slurp(path, &n);
	FILE *mem = open_memstream(&out, &len);
	const char *base = strrchr(path, '/') + 1;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(mem);
	fs_log_set_sink(sink, mem);
	ck_assert_msg(fs_frr_parse_detail(buf, n, fam, base, &snap, &err) == 0, "%s", err.msg);
	fprintf(mem, "# %zu NLRIs, %zu paths, %zu routes, %zu with lost information\n", snap.st.nlri,
	    snap.st.paths, snap.n, snap.st.lossy);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", fam, snap.routes, snap.n, &c, &err), 0);
	free(snap.routes);
	render_plan(mem, rs, fam);
	fs_log_set_sink(NULL, NULL);
	fclose(mem);
	fs_ruleset_free(rs);
	free(buf);
	return out;
}

/* Compares got with the golden file (or rewrites it). */
static void check_golden(const char *gold, const char *got, bool regen)
{
	char *want;
	size_t wn;

	if (regen) {
		FILE *g = fopen(gold, "w");

		ck_assert_msg(g != NULL, "cannot write %s", gold);
		fputs(got, g);
		fclose(g);
		return;
	}
	want = slurp(gold, &wn);
	ck_assert_msg(want != NULL, "missing golden %s (run with FS_REGEN_GOLDEN=1)", gold);
	ck_assert_msg(strcmp(got, want) == 0, "%s differs from the golden file; got:\n%s", gold, got);
	free(want);
}

START_TEST(golden_frr)
{
	static const char *const caps[] = { "all-components", "after-withdraw", "exabgp",
		"multipath", "empty" };
	bool regen = getenv("FS_REGEN_GOLDEN") != NULL;
	size_t i;
	int f;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		for (f = 4; f <= 6; f += 2) {
			char in[1024], gold[1024], *got;

			snprintf(in, sizeof(in), FS_FIXTURES_DIR "/frr/detail-%s.v%d.json", caps[i], f);
			snprintf(gold, sizeof(gold), FS_GOLDEN_DIR "/frr/detail-%s.v%d.txt", caps[i], f);
			got = render_frr(in, (enum fs_family)f);
			check_golden(gold, got, regen);
			free(got);
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("fixtures");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, golden);
	tcase_add_test(tc, golden_frr);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
