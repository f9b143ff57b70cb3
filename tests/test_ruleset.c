/*
 * test_ruleset.c - the desired state: replace, withdraw, flush, the lowest
 * peer wins a shared NLRI, ordering, neighbors compared as addresses, the
 * per-neighbor map that shrinks; and the feed's lifecycle on real ExaBGP
 * sessions (change in place, withdraw, peer down, shutdown), its neighbor
 * spellings and its summarised warnings.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>

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

/* fs_peer_canon: one spelling per address, and nothing else is an address. */
START_TEST(peer_canon_table)
{
	static const struct { const char *in, *out; int fam; } t[] = {
		{ "192.0.2.1", "192.0.2.1", FS_INET },
		{ "2001:db8::1", "2001:db8::1", FS_INET6 },
		{ "2001:DB8::1", "2001:db8::1", FS_INET6 },
		{ "2001:0db8:0000::0001", "2001:db8::1", FS_INET6 },
		{ "::ffff:192.0.2.1", "192.0.2.1", FS_INET },
		{ "::FFFF:c000:0201", "192.0.2.1", FS_INET },
		{ "::192.0.2.1", "::192.0.2.1", FS_INET6 }, /* IPv4-compatible is not mapped */
		{ "fe80::1", "fe80::1", FS_INET6 },
		{ "01.2.3.4", NULL, 0 },
		{ "192.0.2.1 ", NULL, 0 },
		{ "fe80::1%eth0", NULL, 0 },
		{ "frr", NULL, 0 },
		{ "", NULL, 0 },
	};
	char out[46];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		strcpy(out, "untouched");
		ck_assert_msg(fs_peer_canon(t[i].in, out, sizeof(out)) == t[i].fam, "%s", t[i].in);
		ck_assert_str_eq(out, t[i].out != NULL ? t[i].out : "untouched");
	}
}
END_TEST

/* issue 15 §4: neighbors are compared as addresses, not as text. */
START_TEST(peers_compared_as_addresses)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_route *w, *v[1];
	struct fs_sync_counts c;
	struct fs_err e;

	ck_assert_int_eq(fs_ruleset_announce(rs, "2001:db8::1", route(1, 32, 0), &e), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "2001:DB8:0::1", route(1, 32, 5), &e), 1); /* replaces */
	ck_assert_uint_eq(fs_ruleset_peers(rs), 1);
	ck_assert_uint_eq(fs_ruleset_flush(rs, "2001:DB8::1"), 1);
	ck_assert_uint_eq(fs_ruleset_count(rs), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "::ffff:192.0.2.7", route(2, 32, 0), &e), 0);
	w = route(2, 32, 0);
	ck_assert_int_eq(fs_ruleset_withdraw(rs, "192.0.2.7", w), 1);
	fs_route_free(w);
	/* sync under another spelling is the same neighbor's table */
	ck_assert_int_eq(fs_ruleset_announce(rs, "2001:db8::a", route(3, 32, 0), &e), 0);
	v[0] = route(4, 32, 0);
	ck_assert_int_eq(fs_ruleset_sync(rs, "2001:DB8::A", FS_INET, v, 1, &c, &e), 0);
	ck_assert_uint_eq(c.added, 1);
	ck_assert_uint_eq(c.removed, 1);
	ck_assert_uint_eq(fs_ruleset_count(rs), 1);
	ck_assert_uint_eq(fs_ruleset_peers(rs), 1);
	/* a name that is no address is compared as text, and not cut */
	ck_assert_int_eq(fs_ruleset_announce(rs, "frr", route(5, 32, 0), &e), 0);
	ck_assert_uint_eq(fs_ruleset_flush(rs, "FRR"), 0);
	{
		char a[80], b[80];

		memset(a, 'x', sizeof(a) - 1);
		a[sizeof(a) - 1] = '\0';
		memcpy(b, a, sizeof(b));
		b[70] = 'y'; /* differs after the 48th byte */
		ck_assert_int_eq(fs_ruleset_announce(rs, a, route(6, 32, 0), &e), 0);
		ck_assert_uint_eq(fs_ruleset_flush(rs, b), 0);
		ck_assert_uint_eq(fs_ruleset_flush(rs, a), 1);
	}
	fs_ruleset_free(rs);
}
END_TEST

/* The per-neighbor bookkeeping holds only neighbors with routes. */
START_TEST(peer_map_shrinks)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_sync_counts c;
	struct fs_err e;
	char peer[64];
	unsigned i;

	for (i = 0; i < 20000; i++) {
		snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		ck_assert_int_eq(fs_ruleset_announce(rs, peer, route((uint8_t)i, 32, 0), &e), 0);
	}
	ck_assert_uint_eq(fs_ruleset_peers(rs), 20000);
	for (i = 0; i < 20000; i += 2) {
		struct fs_route *w = route((uint8_t)i, 32, 0);

		snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		ck_assert_int_eq(fs_ruleset_withdraw(rs, peer, w), 1);
		fs_route_free(w);
	}
	ck_assert_uint_eq(fs_ruleset_peers(rs), 10000);
	for (i = 1; i < 20000; i += 2) {
		snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		ck_assert_uint_eq(fs_ruleset_flush(rs, peer), 1);
	}
	ck_assert_uint_eq(fs_ruleset_peers(rs), 0);
	ck_assert_uint_eq(fs_ruleset_count(rs), 0);
	/* a refused announce or an empty sync leaves no neighbor behind */
	fs_ruleset_set_max(rs, 1);
	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.1", route(1, 32, 0), &e), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "10.0.0.2", route(2, 32, 0), &e), -1);
	ck_assert_int_eq(fs_ruleset_sync(rs, "10.0.0.3", FS_INET, NULL, 0, &c, &e), 0);
	ck_assert_uint_eq(fs_ruleset_peers(rs), 1);
	fs_ruleset_free(rs);
}
END_TEST

/* fs_ruleset_sync's caps hold for the result: the other family counts. */
START_TEST(sync_caps_the_result)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_route *v[2], *r6 = fs_route_new(FS_INET6);
	struct fs_sync_counts c;
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct fs_err e;

	ck_assert_int_eq(fs_route_set_prefix(r6, FS_C_DST, a6, 32, 0, &e), 0);
	fs_ruleset_set_max_per_peer(rs, 2);
	ck_assert_int_eq(fs_ruleset_announce(rs, "frr", r6, &e), 0);
	v[0] = route(1, 32, 0);
	v[1] = route(2, 32, 0);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 2, &c, &e), -1);
	ck_assert_msg(strstr(e.msg, "3 routes would exceed the per-neighbor route limit of 2") != NULL,
	    "%s", e.msg);
	ck_assert_uint_eq(fs_ruleset_count(rs), 1); /* nothing changed */
	fs_ruleset_free(rs);
}
END_TEST

#define LINE_FMT \
    "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": { \"address\": { \"local\": " \
    "\"198.18.1.2\", \"peer\": \"%s\" }, \"asn\": { \"local\": 65000, \"peer\": 65001 }, " \
    "\"direction\": \"receive\", \"message\": { \"update\": { \"attribute\": { \"origin\": " \
    "\"igp\", \"extended-community\": [ { \"value\": 9225060886715039744, \"string\": " \
    "\"rate-limit:0\" } ] }, \"announce\": { \"ipv4 flow\": { \"no-nexthop\": [ { " \
    "\"destination-ipv4\": [ \"10.9.%u.%u/32\" ], \"string\": " \
    "\"flow destination-ipv4 10.9.%u.%u/32\" } ] } } } } } }"

static int feed_fmt(struct fs_feed *f, const char *origin, struct fs_err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int feed_fmt(struct fs_feed *f, const char *origin, struct fs_err *e, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return fs_feed_line(f, buf, strlen(buf), origin, e);
}

static void announce(struct fs_feed *f, const char *peer, unsigned i)
{
	struct fs_err e;

	ck_assert_msg(feed_fmt(f, "test", &e, LINE_FMT, peer, i >> 8 & 255, i & 255, i >> 8 & 255,
	    i & 255) == 0, "%s", e.msg);
}

static void state(struct fs_feed *f, const char *peer, const char *st)
{
	struct fs_err e;

	ck_assert_msg(feed_fmt(f, "test", &e, "{ \"exabgp\": \"4.0.1\", \"type\": \"state\", "
	    "\"neighbor\": { \"address\": { \"local\": \"198.18.1.2\", \"peer\": \"%s\" }, "
	    "\"asn\": { \"local\": 65000, \"peer\": 65001 }, \"state\": \"%s\" } }", peer, st) == 0,
	    "%s", e.msg);
}

/* issue 15 §4: "2001:DB8::1" going down takes "2001:db8::1"'s routes with it. */
START_TEST(feed_neighbor_spellings)
{
	struct fs_exabgp_opts ex;
	struct fs_feed f;

	fs_log_set_level(FS_LOG_ERR);
	fs_exabgp_opts_default(&ex);
	ck_assert_int_eq(fs_feed_init(&f, &ex), 0);
	state(&f, "2001:db8::1", "up");
	announce(&f, "2001:db8::1", 1);
	announce(&f, "2001:DB8::1", 2);
	announce(&f, "::ffff:192.0.2.1", 3);
	announce(&f, "192.0.2.2", 4);
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 4);
	ck_assert_uint_eq(f.npeers, 3);
	ck_assert_str_eq(f.peers[0].addr, "2001:db8::1");
	ck_assert_str_eq(f.peers[1].addr, "192.0.2.1");
	state(&f, "2001:DB8:0:0::1", "down");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 2);
	ck_assert(!f.peers[0].up);
	state(&f, "192.0.2.1", "down");
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 1);
	fs_feed_free(&f);
}
END_TEST

struct captured {
	unsigned lines, full, summaries;
	char last[1024];
};

static void capture(enum fs_log_level lvl, const char *msg, void *ctx)
{
	struct captured *c = ctx;

	(void)lvl;
	c->lines++;
	if (strstr(msg, ": route not stored: ") != NULL)
		c->full++;
	if (strstr(msg, "more routes not stored: ") != NULL)
		c->summaries++;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

/* issue 15 §4: 2,000 routes over max-routes are not 2,000 warning lines. */
START_TEST(feed_warnings_summarised)
{
	struct fs_exabgp_opts ex;
	struct captured c = { 0 };
	struct fs_feed f;
	char origin[32];
	struct fs_err e;
	unsigned i;

	fs_log_set_level(FS_LOG_WARN);
	fs_log_set_sink(capture, &c);
	fs_exabgp_opts_default(&ex);
	ck_assert_int_eq(fs_feed_init(&f, &ex), 0);
	fs_ruleset_set_max(f.rs, 10);
	f.now_ms = 1000000;
	for (i = 0; i < 2010; i++) {
		snprintf(origin, sizeof(origin), "stdin:%u", i + 1);
		ck_assert_int_eq(feed_fmt(&f, origin, &e, LINE_FMT, "192.0.2.1", i >> 8 & 255, i & 255,
		    i >> 8 & 255, i & 255), 0);
	}
	ck_assert_uint_eq(c.full, FS_FEED_WARN_FULL);
	ck_assert_uint_eq(c.lines, FS_FEED_WARN_FULL);
	ck_assert_uint_eq(fs_ruleset_count(f.rs), 10);
	fs_feed_report(&f); /* the commit */
	ck_assert_uint_eq(c.summaries, 1);
	ck_assert_str_eq(c.last, "1995 more routes not stored: route limit of 10 reached");
	fs_feed_report(&f); /* nothing new: nothing said */
	ck_assert_uint_eq(c.lines, FS_FEED_WARN_FULL + 1);
	/* without a commit, at most once per FS_FEED_WARN_SUMMARY_MS; a new window lists again */
	f.now_ms += 1000;
	announce(&f, "192.0.2.1", 3000);
	ck_assert_uint_eq(c.lines, FS_FEED_WARN_FULL + 1);
	f.now_ms += FS_FEED_WARN_SUMMARY_MS;
	announce(&f, "192.0.2.1", 3001);
	ck_assert_uint_eq(c.summaries, 2);
	ck_assert_str_eq(c.last, "2 more routes not stored: route limit of 10 reached");
	f.now_ms += FS_FEED_WARN_WINDOW_MS;
	announce(&f, "192.0.2.1", 3002);
	ck_assert_uint_eq(c.full, FS_FEED_WARN_FULL + 1);
	ck_assert_msg(strstr(c.last, "test: neighbor 192.0.2.1: route not stored: route limit of 10") ==
	    c.last, "%s", c.last);
	/* another reason is counted apart, and what is held is said at the end */
	fs_ruleset_set_max(f.rs, 0);
	fs_ruleset_set_max_per_peer(f.rs, 10);
	for (i = 0; i < 8; i++)
		announce(&f, "192.0.2.1", 4000 + i);
	ck_assert_uint_eq(c.full, FS_FEED_WARN_FULL + 6);
	fs_feed_free(&f);
	ck_assert_str_eq(c.last, "3 more routes not stored: per-neighbor route limit of 10 reached");
	fs_log_set_sink(NULL, NULL);
	fs_log_set_level(FS_LOG_ERR);
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
	tcase_add_test(tc, peer_canon_table);
	tcase_add_test(tc, peers_compared_as_addresses);
	tcase_add_test(tc, peer_map_shrinks);
	tcase_add_test(tc, sync_caps_the_result);
	tcase_add_test(tc, feed_neighbor_spellings);
	tcase_add_test(tc, feed_warnings_summarised);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
