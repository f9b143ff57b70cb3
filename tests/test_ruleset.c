/*
 * test_ruleset.c - the desired state: replace, withdraw, flush, the lowest
 * peer wins a shared NLRI, ordering; and the feed's lifecycle on real
 * ExaBGP sessions (change in place, withdraw, peer down, shutdown).
 */
#define _GNU_SOURCE
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/feed.h"
#include "flowspec/log.h"
#include "flowspec/ruleset.h"

static struct fs_route *route(uint8_t last, uint8_t len, float rate)
{
	struct fs_route *r = fs_route_new(FS_INET);
	uint8_t a[4] = { 192, 0, 2, last };
	struct fs_err e;

	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, len, 0, &e), 0);
	r->act.has_rate_bytes = true;
	r->act.rate_bytes = rate;
	return r;
}

START_TEST(replace_withdraw_flush)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	const struct fs_route **v;
	struct fs_route *w;
	struct fs_err e;
	size_t n;

	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.1", route(1, 32, 0), &e), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.1", route(1, 32, 1000), &e), 1); /* replace */
	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.1", route(0, 24, 0), &e), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.2", route(9, 32, 0), &e), 0);
	ck_assert_uint_eq(fs_ruleset_count(rs), 3);
	ck_assert_int_eq(fs_ruleset_sorted(rs, FS_INET, FS_ORDER_RFC, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 3);
	/* RFC order: the /32s inside 192.0.2.0/24 come before it */
	ck_assert_uint_eq(v[0]->dst.len, 32);
	ck_assert_uint_eq(v[0]->dst.addr[3], 1);
	ck_assert(v[0]->act.rate_bytes == 1000); /* the replacement, not the original */
	ck_assert_uint_eq(v[2]->dst.len, 24);
	free(v);
	w = route(1, 32, 5); /* a withdraw matches on the NLRI only */
	ck_assert_int_eq(fs_ruleset_withdraw(rs, "10.0.0.2", w), 0); /* other peer */
	ck_assert_int_eq(fs_ruleset_withdraw(rs, "10.0.0.1", w), 1);
	ck_assert_int_eq(fs_ruleset_withdraw(rs, "10.0.0.1", w), 0);
	fs_route_free(w);
	ck_assert_uint_eq(fs_ruleset_flush(rs, "10.0.0.1"), 1);
	ck_assert_uint_eq(fs_ruleset_count(rs), 1);
	ck_assert_uint_eq(fs_ruleset_flush(rs, NULL), 1);
	ck_assert_uint_eq(fs_ruleset_count(rs), 0);
	fs_ruleset_free(rs);
}
END_TEST

START_TEST(shared_nlri_lowest_peer)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	const struct fs_route **v;
	struct fs_err e;
	size_t n;

	ck_assert_int_eq(fs_ruleset_announce(rs, "198.18.1.9", route(1, 32, 0), &e), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "198.18.1.1", route(1, 32, 777), &e), 0);
	ck_assert_int_eq(fs_ruleset_sorted(rs, FS_INET, FS_ORDER_RFC, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0]->act.rate_bytes == 777);
	free(v);
	/* the lower peer goes away: the other's route takes over */
	fs_ruleset_flush(rs, "198.18.1.1");
	ck_assert_int_eq(fs_ruleset_sorted(rs, FS_INET, FS_ORDER_RFC, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0]->act.rate_bytes == 0);
	free(v);
	fs_ruleset_free(rs);
}
END_TEST

START_TEST(limit_and_growth)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_err e;
	unsigned i;

	fs_ruleset_set_max(rs, 5000);
	for (i = 0; i < 5000; i++) {
		struct fs_route *r = fs_route_new(FS_INET);
		uint8_t a[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 1 };

		ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, 32, 0, &e), 0);
		ck_assert_int_eq(fs_ruleset_announce(rs, "p", r, &e), 0);
	}
	ck_assert_int_eq(fs_ruleset_announce(rs, "p", route(1, 32, 0), &e), -1);
	ck_assert_int_eq(e.code, FS_E_LIMIT);
	ck_assert_uint_eq(fs_ruleset_count(rs), 5000);
	fs_ruleset_free(rs);
}
END_TEST

/* The per-neighbor cap: one peer's excess is refused, another peer and
 * replacements are unaffected, a withdraw frees a place. */
START_TEST(per_peer_limit)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_err e;
	unsigned i;

	fs_ruleset_set_max_per_peer(rs, 3);
	for (i = 0; i < 3; i++) {
		struct fs_route *r = fs_route_new(FS_INET);
		uint8_t a[4] = { 10, 0, 0, (uint8_t)i };

		ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, 32, 0, &e), 0);
		ck_assert_int_eq(fs_ruleset_announce(rs, "p1", r, &e), 0);
	}
	{
		struct fs_route *r = fs_route_new(FS_INET);
		uint8_t a[4] = { 10, 0, 0, 9 };

		ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, 32, 0, &e), 0);
		ck_assert_int_eq(fs_ruleset_announce(rs, "p1", r, &e), -1);
		ck_assert_int_eq(e.code, FS_E_LIMIT);
		ck_assert_ptr_nonnull(strstr(e.msg, "per-neighbor route limit of 3"));
	}
	/* a replacement of a route p1 has is not a new one */
	{
		struct fs_route *r = fs_route_new(FS_INET);
		uint8_t a[4] = { 10, 0, 0, 1 };

		ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, 32, 0, &e), 0);
		ck_assert_int_eq(fs_ruleset_announce(rs, "p1", r, &e), 1);
	}
	/* another peer has its own allowance */
	ck_assert_int_eq(fs_ruleset_announce(rs, "p2", route(1, 32, 0), &e), 0);
	ck_assert_uint_eq(fs_ruleset_count(rs), 4);
	/* flushing p1 frees its places */
	ck_assert_uint_eq(fs_ruleset_flush(rs, "p1"), 3);
	for (i = 0; i < 3; i++) {
		struct fs_route *r = fs_route_new(FS_INET);
		uint8_t a[4] = { 10, 0, 1, (uint8_t)i };

		ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, a, 32, 0, &e), 0);
		ck_assert_int_eq(fs_ruleset_announce(rs, "p1", r, &e), 0);
	}
	fs_ruleset_free(rs);
}
END_TEST

/* Feeds a fixture file; returns the feed (caller frees). */
static void feed_file(struct fs_feed *f, const char *name)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct fs_exabgp_opts ex;
	struct fs_err e;
	FILE *in;

	snprintf(path, sizeof(path), FS_FIXTURES_DIR "/exabgp/%s", name);
	in = fopen(path, "r");
	ck_assert_ptr_nonnull(in);
	fs_exabgp_opts_default(&ex);
	if (f->rs == NULL)
		ck_assert_int_eq(fs_feed_init(f, &ex), 0);
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		ck_assert_msg(fs_feed_line(f, line, (size_t)n, name, &e) == 0, "%s: %s", name, e.msg);
	}
	free(line);
	fclose(in);
}

START_TEST(session_lifecycle)
{
	struct fs_feed f = { 0 };

	fs_log_set_level(FS_LOG_ERR);
	feed_file(&f, "bird-announce-all-components.jsonl");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 39); /* 28 flow4 + 11 flow6 */
	ck_assert_uint_eq(f.st.eors, 2);
	feed_file(&f, "bird-withdraw.jsonl");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 36); /* three rules withdrawn */
	feed_file(&f, "bird-change-in-place.jsonl");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 36); /* replaced, not added */
	feed_file(&f, "session-down.jsonl");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 0); /* peer down flushes it */
	ck_assert_uint_ge(f.st.downs, 1);
	fs_feed_free(&f);
}
END_TEST

START_TEST(receiver_shutdown)
{
	struct fs_feed f = { 0 };

	fs_log_set_level(FS_LOG_ERR);
	feed_file(&f, "gobgp-full-session.jsonl");
	feed_file(&f, "bird-announce-all-components.jsonl");
	ck_assert_uint_gt(fs_ruleset_count(f.rs), 0);
	feed_file(&f, "receiver-shutdown.jsonl");
	ck_assert(f.shutdown);
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 0);
	fs_feed_free(&f);
}
END_TEST

START_TEST(bad_line_changes_nothing)
{
	struct fs_feed f = { 0 };
	struct fs_err e;
	const char *bad = "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 }, \"direction\": \"receive\", \"message\": { \"update\": { \"withdraw\": "
	    "{ \"ipv4 flow\": [ { \"destination-ipv4\": [ \"192.0.2.1/32\" ], \"string\": \"x\" }, "
	    "{ \"destination-ipv4\": [ \"192.0.2.0/33\" ], \"string\": \"y\" } ] } } } } }";

	fs_log_set_level(FS_LOG_ERR);
	feed_file(&f, "bird-announce-all-components.jsonl");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 39);
	/* the first NLRI is fine, the second is not: nothing of the line applies */
	ck_assert_int_eq(fs_feed_line(&f, bad, strlen(bad), "stdin:40", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "stdin:40"));
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 39);
	ck_assert_uint_eq(f.st.errors, 1);
	fs_feed_free(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("ruleset");

	tcase_add_test(tc, replace_withdraw_flush);
	tcase_add_test(tc, shared_nlri_lowest_peer);
	tcase_add_test(tc, limit_and_growth);
	tcase_add_test(tc, session_lifecycle);
	tcase_add_test(tc, per_peer_limit);
	tcase_add_test(tc, receiver_shutdown);
	tcase_add_test(tc, bad_line_changes_nothing);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
