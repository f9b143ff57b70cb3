/*
 * test_status.c - the state file and the report, without a kernel: a plan
 * of real routes is written, read back with counters given by the test
 * (fs_status_read), and printed; the digest and rule-count checks refuse
 * a kernel that differs, and the JSON is one document (read by json-c).
 */
#include <check.h>

#include "check_main.h"
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flowspec/metrics.h"
#include "flowspec/status.h"
#include "flowspec/text.h"

/* Three routes: rate-limited (1,000 B/s), discard, redirect to an unmapped RT (refused). */
static const char *const texts[] = {
	"inet dst 192.0.2.1/32 proto =17 dport =9",
	"inet dst 192.0.2.2/32",
	"inet dst 192.0.2.3/32",
};

struct fx {
	struct fs_route *r[3];
	struct fs_plan plan;
	char dir[64], path[128];
	struct fs_ipt_counter *cnt;   /* one per rule of our filter chains, as the kernel would */
	size_t ncnt;
};

static void fx_init(struct fx *x)
{
	struct fs_xlate_opts o;
	struct fs_err e;
	size_t i, c, k;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fs_route_parse(texts[i], strlen(texts[i]), "test", &x->r[i], &e), 0);
	x->r[0]->act.has_rate_bytes = true;
	x->r[0]->act.rate_bytes = 1000;
	x->r[1]->act.has_rate_bytes = true;
	x->r[1]->act.rate_bytes = 0;
	x->r[2]->act.has_redirect = true;
	x->r[2]->act.redirect = 0x8008fde800000064ULL; /* 65000:100, not mapped */
	fs_xlate_opts_default(&o);
	ck_assert_int_eq(fs_plan_build(&x->plan, FS_INET, (const struct fs_route *const *)x->r, 3, &o,
	    &e), 0);
	snprintf(x->dir, sizeof(x->dir), "/tmp/fs-test-status-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(x->dir));
	ck_assert_int_eq(fs_status_path(x->path, sizeof(x->path), x->dir, "FLOWSPEC", 4), 0);
	/* counters: rule k of chain c counts 1000 * c + k packets and 100 bytes per packet */
	for (c = 1; c < x->plan.filter.n; c++)
		x->ncnt += x->plan.filter.chains[c].n;
	x->cnt = calloc(x->ncnt + 1, sizeof(*x->cnt));
	for (c = 1, i = 0; c < x->plan.filter.n; c++)
		for (k = 0; k < x->plan.filter.chains[c].n; k++, i++) {
			snprintf(x->cnt[i].chain, sizeof(x->cnt[i].chain), "%s", x->plan.filter.chains[c].name);
			x->cnt[i].rule = (unsigned)k + 1;
			x->cnt[i].pkts = 1000 * c + k + 1;
			x->cnt[i].bytes = 100 * x->cnt[i].pkts;
		}
}

static void fx_free(struct fx *x)
{
	size_t i;

	unlink(x->path);
	rmdir(x->dir);
	free(x->cnt);
	fs_plan_free(&x->plan);
	for (i = 0; i < 3; i++)
		fs_route_free(x->r[i]);
}

/* The counter the plan's rule with flag counts (or drops) of route i has in x->cnt. */
static uint64_t want_pkts(const struct fx *x, int route, bool drops)
{
	size_t c, k, j = 0;
	uint64_t sum = 0;

	for (c = 1; c < x->plan.filter.n; c++)
		for (k = 0; k < x->plan.filter.chains[c].n; k++, j++) {
			const struct fs_prule *r = &x->plan.filter.chains[c].rules[k];

			if (r->route == route && (drops ? r->drops : r->counts))
				sum += x->cnt[j].pkts;
		}
	return sum;
}

START_TEST(write_read_join)
{
	struct fs_status_commit cm = { 0x1234567890abcdefULL, 1796671230 }; /* 2026-12-07T19:20:30Z */
	struct fs_status_header h;
	struct fs_status *st = NULL;
	struct fs_err e;
	struct fx x;

	fx_init(&x);
	ck_assert_int_eq(fs_status_write(&x.plan, x.path, &cm, &e), 0);
	ck_assert_int_eq(fs_status_read_header(x.path, 4, &h), 0);
	ck_assert_uint_eq(h.version, 2);
	ck_assert_uint_eq(h.rules, x.ncnt);
	ck_assert(h.kernel_digest == cm.kernel_digest);
	ck_assert(h.plan_digest == fs_plan_digest(&x.plan));
	ck_assert(h.committed == cm.when);
	ck_assert_int_eq(fs_status_read_header(x.path, 6, &h), -1);

	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt, cm.kernel_digest, &st, &e), 0);
	ck_assert_uint_eq(st->nroutes, 3);
	ck_assert_uint_eq(st->installed, 2);
	ck_assert_uint_eq(st->refused, 1);
	ck_assert_uint_eq(st->no_match, 0);
	/* the rate-limited route: matched = its counting rule, dropped = its DROP rule */
	ck_assert(st->routes[0].rate_limited);
	ck_assert_uint_gt(want_pkts(&x, 0, true), 0);
	ck_assert_uint_eq(st->routes[0].packets, want_pkts(&x, 0, false));
	ck_assert_uint_eq(st->routes[0].dropped_packets, want_pkts(&x, 0, true));
	ck_assert_uint_eq(st->routes[0].dropped_bytes, 100 * want_pkts(&x, 0, true));
	ck_assert_uint_ne(st->routes[0].packets, st->routes[0].dropped_packets);
	/* the discard: counted, no dropped counters; the refused one: nothing */
	ck_assert(!st->routes[1].rate_limited);
	ck_assert_uint_eq(st->routes[1].packets, want_pkts(&x, 1, false));
	ck_assert_str_eq(st->routes[2].state, "redirect-unmapped");
	ck_assert_uint_eq(st->routes[2].packets, 0);
	fs_status_free(st);

	/* another digest: the kernel was changed by hand */
	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt, cm.kernel_digest ^ 1, &st, &e), -1);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(e.msg, "changed by hand"));
	/* a rule the file names that the kernel does not have */
	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt - 1, cm.kernel_digest, &st, &e), -1);
	fx_free(&x);
}
END_TEST

/* A version 1 file (before the digest and the drop places): read, checked by the rule count. */
START_TEST(version1)
{
	struct fs_ipt_counter c[2] = { { "FLOWSPEC", 1, 5, 500 }, { "FLOWSPEC", 2, 7, 700 } };
	struct fs_status *st = NULL;
	struct fs_err e;
	char dir[] = "/tmp/fs-test-status-XXXXXX", path[128];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/FLOWSPEC.v4", dir);
	f = fopen(path, "w");
	fprintf(f, "# flowspec-acl state v1 IPv4 2 00000000000000aa\n"
	    "1\tinstalled\tinet dst 192.0.2.1/32\trate-bytes 0\tFLOWSPEC:2\n");
	fclose(f);
	ck_assert_int_eq(fs_status_read(path, 4, c, 2, 0x99, &st, &e), 0);
	ck_assert_uint_eq(st->routes[0].packets, 7);
	ck_assert(!st->routes[0].rate_limited);
	ck_assert(st->hdr.committed == 0);
	fs_status_free(st);
	ck_assert_int_eq(fs_status_read(path, 4, c, 1, 0x99, &st, &e), -1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(json_one_document)
{
	struct fs_status_commit cm = { 0x42, 1796671230 };
	struct fs_status *st[2] = { NULL, NULL };
	struct json_object *doc, *v, *fams, *routes, *r0;
	struct json_tokener *tok;
	struct fs_err e;
	struct fx x;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fx_init(&x);
	ck_assert_int_eq(fs_status_write(&x.plan, x.path, &cm, &e), 0);
	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt, 0x42, &st[0], &e), 0);
	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt, 0x42, &st[1], &e), 0);
	st[1]->family = 6; /* stands in for an IPv6 state */
	f = open_memstream(&buf, &len);
	fs_status_json((const struct fs_status *const *)st, 2, "FLOWSPEC", f);
	fclose(f);
	/* exactly one document: the tokener stops at its end, and only whitespace follows */
	tok = json_tokener_new();
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(strspn(buf + json_tokener_get_parse_end(tok), " \n"),
	    len - json_tokener_get_parse_end(tok));
	json_tokener_free(tok);
	ck_assert(json_object_object_get_ex(doc, "version", &v) && json_object_get_int(v) == 1);
	ck_assert(json_object_object_get_ex(doc, "chain", &v));
	ck_assert_str_eq(json_object_get_string(v), "FLOWSPEC");
	ck_assert(json_object_object_get_ex(doc, "backend", &v));
	ck_assert_str_eq(json_object_get_string(v), "iptc");
	ck_assert(json_object_object_get_ex(doc, "families", &fams));
	ck_assert_uint_eq(json_object_array_length(fams), 2);
	v = json_object_array_get_idx(fams, 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "last_commit")),
	    "2026-12-07T19:20:30Z");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "routes")), 3);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "installed")), 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "refused")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "no_match")), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "rules")), (int)x.ncnt);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(json_object_array_get_idx(fams, 1),
	    "family")), 6);
	ck_assert(json_object_object_get_ex(doc, "routes", &routes));
	ck_assert_uint_eq(json_object_array_length(routes), 6);
	r0 = json_object_array_get_idx(routes, 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(r0, "family")), 4);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(r0, "order")), 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r0, "route")), texts[0]);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r0, "action")), "rate-bytes 1000");
	ck_assert(json_object_get_int64(json_object_object_get(r0, "dropped_packets")) ==
	    (int64_t)want_pkts(&x, 0, true));
	ck_assert(!json_object_object_get_ex(json_object_array_get_idx(routes, 1), "dropped_packets", &v));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(json_object_array_get_idx(routes, 5),
	    "family")), 6);
	json_object_put(doc);
	free(buf);
	/* no family: still one document */
	buf = NULL;
	f = open_memstream(&buf, &len);
	fs_status_json(NULL, 0, "FLOWSPEC", f);
	fclose(f);
	doc = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(doc);
	json_object_put(doc);
	free(buf);
	fs_status_free(st[0]);
	fs_status_free(st[1]);
	fx_free(&x);
}
END_TEST

START_TEST(text_form)
{
	struct fs_status_commit cm = { 0x42, 1796671230 };
	struct fs_status *st = NULL;
	struct fs_err e;
	struct fx x;
	char *buf = NULL, line[512];
	size_t len = 0;
	FILE *f;

	fx_init(&x);
	ck_assert_int_eq(fs_status_write(&x.plan, x.path, &cm, &e), 0);
	ck_assert_int_eq(fs_status_read(x.path, 4, x.cnt, x.ncnt, 0x42, &st, &e), 0);
	f = open_memstream(&buf, &len);
	fs_status_text(st, f);
	fclose(f);
	f = fmemopen(buf, len, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_str_eq(line, "IPv4: last commit 2026-12-07T19:20:30Z; 3 routes: 2 installed, 1 refused, "
	    "0 no-match; 4 rules\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* column heads */
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_ptr_nonnull(strstr(line, "=> rate-bytes 1000"));
	ck_assert_int_eq(strncmp(line, "1     installed", 15), 0);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	{
		char want[128];

		snprintf(want, sizeof(want), "%-5s %-20s %12llu %14llu\n", "", "dropped",
		    (unsigned long long)want_pkts(&x, 0, true),
		    (unsigned long long)(100 * want_pkts(&x, 0, true)));
		ck_assert_str_eq(line, want);
	}
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_int_eq(strncmp(line, "2     installed", 15), 0);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_int_eq(strncmp(line, "3     redirect-unmapped", 23), 0);
	ck_assert_ptr_null(fgets(line, sizeof(line), f));
	fclose(f);
	free(buf);
	fs_status_free(st);
	fx_free(&x);
}
END_TEST

/* ---- the metrics (metrics.h): label values and the stats file -------------------- */

static char *label_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fs_metrics_label(f, in);
	fclose(f);
	return buf;
}

START_TEST(metrics_label)
{
	char long_text[400], want[200], *got;

	/* escaped as the exposition format wants: backslash, double quote, newline */
	got = label_of("a\\b\"c\nd");
	ck_assert_str_eq(got, "a\\\\b\\\"c\\nd");
	free(got);
	/* 128 bytes stay whole; one more is cut to 128 and "..." */
	memset(long_text, 'x', sizeof(long_text));
	long_text[FS_METRICS_LABEL_MAX] = '\0';
	got = label_of(long_text);
	ck_assert_str_eq(got, long_text);
	free(got);
	long_text[FS_METRICS_LABEL_MAX] = 'y';
	long_text[FS_METRICS_LABEL_MAX + 1] = '\0';
	got = label_of(long_text);
	snprintf(want, sizeof(want), "%.*s...", FS_METRICS_LABEL_MAX, long_text);
	ck_assert_str_eq(got, want);
	free(got);
	/* never inside a UTF-8 character: "é" across byte 128 goes whole */
	long_text[FS_METRICS_LABEL_MAX - 1] = (char)0xc3;
	long_text[FS_METRICS_LABEL_MAX] = (char)0xa9;
	got = label_of(long_text);
	snprintf(want, sizeof(want), "%.*s...", FS_METRICS_LABEL_MAX - 1, long_text);
	ck_assert_str_eq(got, want);
	free(got);
}
END_TEST

START_TEST(metrics_stats_file)
{
	struct fs_metrics_proc p, q;
	struct fs_err e;
	char dir[64] = "/tmp/fs-test-metrics-XXXXXX", path[128];
	struct stat sb;
	mode_t old = umask(077);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(fs_metrics_proc_path(path, sizeof(path), dir, "FLOWSPEC", 6), 0);
	ck_assert_int_eq(fs_metrics_proc_read(path, 6, &q), -1); /* not there */
	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	p.commits = 7;
	p.commit_failures = 1;
	p.last_commit_ms = 1234;
	p.input_lines = 1ULL << 40;
	p.input_errors = 3;
	p.polls[FS_POLL_CHANGED] = 2;
	p.polls[FS_POLL_UNCHANGED] = 5;
	p.polls[FS_POLL_FAILED] = 9;
	ck_assert_int_eq(fs_metrics_proc_write(path, 6, &p, &e), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0644); /* whatever the umask */
	ck_assert_int_eq(fs_metrics_proc_read(path, 6, &q), 0);
	ck_assert_mem_eq(&p, &q, sizeof(p));
	ck_assert_int_eq(fs_metrics_proc_read(path, 4, &q), -1); /* another family's */
	unlink(path);
	rmdir(dir);
	umask(old);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_test(tc, write_read_join);
	tcase_add_test(tc, version1);
	tcase_add_test(tc, json_one_document);
	tcase_add_test(tc, text_form);
	tcase_add_test(tc, metrics_label);
	tcase_add_test(tc, metrics_stats_file);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
