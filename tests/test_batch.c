/*
 * test_batch.c - when the injector commits: each family held until its
 * first complete state (every neighbor it waits for has sent end-of-RIB or
 * been quiet, the previous run's neighbors included until the hold is
 * over), then once per burst (end-of-RIB, idle window, pending cap, oldest
 * change's age), never per line.  The feed is driven with real ExaBGP lines.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "flowspec/batch.h"

#define A "192.0.2.1"
#define B "192.0.2.2"
#define C "2001:db8::3"
#define D4 FS_FEED_DIRTY4
#define D6 FS_FEED_DIRTY6

static void line(struct fs_feed *f, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Feeds one line at now (ms). */
static void line(struct fs_feed *f, uint64_t now, const char *fmt, ...)
{
	char buf[2048];
	struct fs_err err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->now_ms = now;
	ck_assert_msg(fs_feed_line(f, buf, strlen(buf), "test", &err) == 0, "%s", err.msg);
}

#define NB(peer) "\"neighbor\": { \"address\": { \"local\": \"198.18.1.2\", \"peer\": \"" peer \
	"\" }, \"asn\": { \"local\": 65000, \"peer\": 65001 }"

static void state(struct fs_feed *f, uint64_t now, const char *peer, const char *st)
{
	line(f, now, "{ \"exabgp\": \"4.0.1\", \"type\": \"state\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"%s\" }, \"asn\": { \"local\": 65000, \"peer\": "
	    "65001 }, \"state\": \"%s\" } }", peer, st);
}

static void eor(struct fs_feed *f, uint64_t now, const char *peer, int family)
{
	line(f, now, "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"%s\" }, \"asn\": { \"local\": 65000, \"peer\": "
	    "65001 }, \"direction\": \"receive\", \"message\": { \"eor\": { \"afi\": \"ipv%d\", "
	    "\"safi\": \"flow\" } } } }", peer, family);
}

/* Announces (or withdraws) "dst 10.0.0.i/32 udp" or "dst 2001:db8:i::/48". */
static void route(struct fs_feed *f, uint64_t now, const char *peer, int family, unsigned i,
    bool withdraw)
{
	char nlri[512];

	if (family == 4)
		snprintf(nlri, sizeof(nlri), "{ \"destination-ipv4\": [ \"10.0.%u.%u/32\" ], "
		    "\"protocol\": [ \"=udp\" ], \"string\": \"flow destination-ipv4 10.0.%u.%u/32 "
		    "protocol =udp\" }", i >> 8 & 255, i & 255, i >> 8 & 255, i & 255);
	else
		snprintf(nlri, sizeof(nlri), "{ \"destination-ipv6\": [ \"2001:db8:%x::/48/0\" ], "
		    "\"string\": \"flow destination-ipv6 2001:db8:%x::/48/0\" }", i, i);
	if (withdraw)
		line(f, now, "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": { "
		    "\"address\": { \"local\": \"198.18.1.2\", \"peer\": \"%s\" }, \"asn\": { \"local\": "
		    "65000, \"peer\": 65001 }, \"direction\": \"receive\", \"message\": { \"update\": { "
		    "\"withdraw\": { \"ipv%d flow\": [ %s ] } } } } }", peer, family, nlri);
	else
		line(f, now, "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": { "
		    "\"address\": { \"local\": \"198.18.1.2\", \"peer\": \"%s\" }, \"asn\": { \"local\": "
		    "65000, \"peer\": 65001 }, \"direction\": \"receive\", \"message\": { \"update\": { "
		    "\"attribute\": { \"origin\": \"igp\", \"extended-community\": [ { \"value\": "
		    "9225060886715039744, \"string\": \"rate-limit:0\" } ] }, \"announce\": { "
		    "\"ipv%d flow\": { \"no-nexthop\": [ %s ] } } } } } }", peer, family, nlri);
}

static void setup(struct fs_feed *f, struct fs_batch *b)
{
	struct fs_exabgp_opts ex;

	fs_exabgp_opts_default(&ex);
	ck_assert_int_eq(fs_feed_init(f, &ex), 0);
	fs_batch_init(b);
	fs_batch_start(b, 0);
}

/* What the live loop does after a successful commit of mask. */
static void commit(struct fs_batch *b, struct fs_feed *f, unsigned mask)
{
	f->dirty &= ~mask;
	fs_batch_done(b, f, mask);
}

static void mark_prev(struct fs_feed *f, const char *dir, int family, const char *body)
{
	char path[512];
	FILE *fp;
	struct fs_err err;

	ck_assert_int_eq(fs_feed_known_path(path, sizeof(path), dir, "FLOWSPEC", family), 0);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "# flowspec-acl neighbors v1 IPv%d\n%s", family, body);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(f, family == 4 ? FS_INET : FS_INET6, path, &err), 0);
	unlink(path);
}

START_TEST(held_with_nobody)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	/* no neighbor has spoken, none is known: the old rules stay, however long */
	state(&f, 10, A, "connected");
	ck_assert_uint_eq(fs_batch_due(&b, &f, 10, false, &wait), 0);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 999999, false, &wait), 0);
	ck_assert_int_eq(wait, -1);
	/* end of input completes both */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 1000000, true, &wait), D4 | D6);
	fs_feed_free(&f);
}
END_TEST

START_TEST(eor_ends_its_family_only)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	state(&f, 0, A, "up");
	route(&f, 5, A, 4, 1, false);
	route(&f, 6, A, 6, 1, false);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 7, false, &wait), 0);
	eor(&f, 8, A, 4);
	/* the IPv4 end-of-RIB ends the IPv4 hold, not the IPv6 one */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 8, false, &wait), D4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 8, false, &wait), D4); /* asking again: the same */
	commit(&b, &f, D4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 9, false, &wait), 0);
	ck_assert_int_eq(wait, 6 + 1000 - 9); /* A quiet for IPv6 since its last IPv6 route */
	eor(&f, 20, A, 6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 20, false, &wait), D6);
	commit(&b, &f, D6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 21, false, &wait), 0);
	fs_feed_free(&f);
}
END_TEST

START_TEST(quiet_after_up_without_eor)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	fs_batch_start(&b, 1000);
	/* GoBGP: up, routes, never an end-of-RIB */
	state(&f, 1000, A, "up");
	route(&f, 1000, A, 4, 1, false);
	fs_batch_input(&b, 1000);
	/* a burst window is not enough to call a fresh session complete */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 1050, false, &wait), 0);
	ck_assert_int_eq(wait, 950);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 1999, false, &wait), 0);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 2000, false, &wait), D4 | D6);
	fs_feed_free(&f);
}
END_TEST

START_TEST(a_streaming_neighbor_is_not_complete)
{
	struct fs_batch b;
	struct fs_feed f;
	unsigned t;
	int wait;

	setup(&f, &b);
	state(&f, 0, A, "up");
	/* IPv4 routes keep coming for 3 s, no end-of-RIB: IPv4 is not complete; IPv6 is quiet */
	for (t = 0; t < 3000; t += 10) {
		route(&f, t, A, 4, t, false);
		fs_batch_input(&b, t);
		ck_assert_uint_eq(fs_batch_due(&b, &f, t, false, &wait) & D4, 0);
		if (t < 1000)
			ck_assert_uint_eq(fs_batch_due(&b, &f, t, false, &wait), 0);
	}
	ck_assert_uint_eq(fs_batch_due(&b, &f, 3000, false, &wait), D6);
	commit(&b, &f, D6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 3989, false, &wait), 0);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 3990, false, &wait), D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(restart_waits_for_the_known_neighbors)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	b.hold_ms = 5000;
	/* the previous run: A with IPv4 and IPv6, B with IPv4 only */
	mark_prev(&f, "/tmp", 4, A "\n" B "\n");
	mark_prev(&f, "/tmp", 6, A "\n");
	ck_assert_uint_eq(fs_batch_due(&b, &f, 0, false, &wait), 0);
	ck_assert_int_eq(wait, 5000);
	/* A comes back with both families */
	state(&f, 100, A, "up");
	route(&f, 110, A, 4, 1, false);
	route(&f, 110, A, 6, 1, false);
	eor(&f, 120, A, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 120, false, &wait), 0); /* IPv4 waits for B */
	eor(&f, 130, A, 6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 130, false, &wait), D6); /* IPv6 does not */
	commit(&b, &f, D6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 140, false, &wait), 0);
	ck_assert_int_eq(wait, 5000 - 140);
	/* a new neighbor C that comes up is waited for too */
	state(&f, 200, C, "up");
	/* B comes back: IPv4 complete once C is done (end-of-RIB, or quiet) as well */
	state(&f, 300, B, "up");
	route(&f, 310, B, 4, 2, false);
	eor(&f, 320, B, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 320, false, &wait), 0);
	ck_assert_int_eq(wait, 200 + 5000 - 320); /* C quiet for --hold */
	eor(&f, 400, C, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 400, false, &wait) & D4, D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(restart_hold_is_bounded)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	b.hold_ms = 5000;
	mark_prev(&f, "/tmp", 4, A "\n" B "\n");
	state(&f, 100, A, "up");
	route(&f, 110, A, 4, 1, false);
	eor(&f, 120, A, 4);
	/* B never comes back: IPv4 waits for it until 5000 ms after the start, not longer */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 4999, false, &wait) & D4, 0);
	ck_assert_int_eq(wait, 1);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 5000, false, &wait) & D4, D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(after_the_hold_an_up_neighbor_is_still_waited_for)
{
	struct fs_batch b;
	struct fs_feed f;
	unsigned t;
	int wait;

	setup(&f, &b);
	mark_prev(&f, "/tmp", 4, A "\n");
	/* A is back just before the hold ends and sends its table for a while */
	state(&f, 900, A, "up");
	for (t = 900; t < 2500; t += 10) {
		route(&f, t, A, 4, t, false);
		ck_assert_uint_eq(fs_batch_due(&b, &f, t, false, &wait) & D4, 0);
	}
	eor(&f, 2500, A, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 2500, false, &wait) & D4, D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(down_again_before_it_was_done)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	b.hold_ms = 5000;
	mark_prev(&f, "/tmp", 4, A "\n" B "\n");
	state(&f, 100, A, "up");
	eor(&f, 110, A, 4);
	state(&f, 200, B, "up");
	state(&f, 300, B, "down");
	/* B known and down: still waited for within the hold; after it, A alone is enough */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 400, false, &wait) & D4, 0);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 5000, false, &wait) & D4, D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(first_commit_even_when_empty)
{
	struct fs_batch b;
	struct fs_feed f;
	int wait;

	setup(&f, &b);
	/* an end-of-RIB with no routes must still replace what an earlier run left */
	state(&f, 0, A, "up");
	eor(&f, 1, A, 4);
	eor(&f, 2, A, 6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 10, false, &wait), D4 | D6);
	fs_feed_free(&f);
}
END_TEST

START_TEST(burst_window_and_cap)
{
	struct fs_batch b;
	struct fs_feed f;
	unsigned t, i = 100;
	int wait;

	setup(&f, &b);
	b.max_pending = 100;
	state(&f, 0, A, "up");
	eor(&f, 0, A, 4);
	eor(&f, 0, A, 6);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 0, false, &wait), D4 | D6);
	commit(&b, &f, D4 | D6);
	/* a burst of lines 1 ms apart: no commit while they keep coming */
	for (t = 1; t <= 50; t++) {
		route(&f, t, A, 4, i++, false);
		fs_batch_input(&b, t);
		ck_assert_uint_eq(fs_batch_due(&b, &f, t, false, &wait), 0);
		ck_assert_int_eq(wait, 50);
	}
	/* quiet for the window: one commit, of the family that changed */
	ck_assert_uint_eq(fs_batch_due(&b, &f, 100, false, &wait), D4);
	commit(&b, &f, D4);
	/* under load the cap forces a commit without waiting for quiet */
	for (t = 0; t < 100; t++)
		route(&f, 101, A, 6, i++, false);
	fs_batch_input(&b, 101);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 101, false, &wait), D6);
	commit(&b, &f, D6);
	/* a steady stream that never goes quiet: the oldest change waits max_delay at most */
	b.max_pending = 1000000;
	for (t = 200; t < 450; t++) {
		route(&f, t, A, 4, i++, false);
		fs_batch_input(&b, t);
		if (fs_batch_due(&b, &f, t, false, &wait)) {
			ck_assert_uint_eq(t - 200, b.max_delay_ms); /* due exactly at max_delay */
			commit(&b, &f, D4);
			break;
		}
		ck_assert_int_le(wait, (int)b.max_delay_ms);
		ck_assert_msg(t < 449, "no commit in a 250 ms steady stream");
	}
	/* an end-of-RIB flushes what is pending at once */
	route(&f, 500, A, 4, i++, false);
	fs_batch_input(&b, 500);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 500, false, &wait), 0);
	eor(&f, 501, A, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 501, false, &wait), D4);
	commit(&b, &f, D4);
	/* end of input: what is pending goes now */
	route(&f, 600, A, 4, 100, true); /* the burst's first route */
	fs_batch_input(&b, 600);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 600, true, &wait), D4);
	fs_feed_free(&f);
}
END_TEST

START_TEST(a_held_family_does_not_make_the_other_commit)
{
	struct fs_batch b;
	struct fs_feed f;
	unsigned t;
	int wait;

	setup(&f, &b);
	b.hold_ms = 5000;
	mark_prev(&f, "/tmp", 6, B "\n");
	state(&f, 0, A, "up");
	eor(&f, 1, A, 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 1, false, &wait), D4);
	commit(&b, &f, D4);
	/* IPv6 routes while IPv6 waits for B: nothing due, and poll is not told to spin */
	for (t = 10; t < 400; t += 10) {
		route(&f, t, A, 6, t, false);
		fs_batch_input(&b, t);
		ck_assert_uint_eq(fs_batch_due(&b, &f, t + 300, false, &wait), 0);
		ck_assert_int_gt(wait, 0);
	}
	/* an IPv4 change afterwards is one change, not four dozen */
	route(&f, 500, A, 4, 7, false);
	fs_batch_input(&b, 500);
	b.max_pending = 2;
	ck_assert_uint_eq(fs_batch_due(&b, &f, 500, false, &wait), 0);
	fs_feed_free(&f);
}
END_TEST

START_TEST(neighbors_file)
{
	char dir[] = "/tmp/fs-test-batch-XXXXXX", path[512], *text = NULL;
	struct fs_feed f, g;
	struct fs_batch b;
	struct fs_err err;
	size_t len;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setup(&f, &b);
	setup(&g, &b);
	ck_assert_int_eq(fs_feed_known_path(path, sizeof(path), dir, "FLOWSPEC", 4), 0);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET, path, &err), 1); /* none yet */
	state(&f, 0, A, "up");
	route(&f, 1, A, 4, 1, false);
	state(&f, 2, B, "up");
	eor(&f, 3, B, 6); /* B: IPv6 only */
	state(&f, 4, C, "up"); /* C: nothing */
	ck_assert_int_eq(fs_feed_known_save(&f, FS_INET, true, path, &err), 0);
	ck_assert_int_eq(fs_read_file(path, 4096, "4 KiB", &text, &len, &err), 0);
	ck_assert_str_eq(text, "# flowspec-acl neighbors v1 IPv4\n" A "\n");
	free(text);
	/* the next run reads it */
	ck_assert_int_eq(fs_feed_known_load(&g, FS_INET, path, &err), 0);
	ck_assert_uint_eq(g.npeers, 1);
	ck_assert_str_eq(g.peers[0].addr, A);
	ck_assert(g.peers[0].prev[0] && !g.peers[0].prev[1]);
	/* before its first commit it keeps the previous run's, then only its own */
	state(&g, 0, B, "up");
	route(&g, 1, B, 4, 1, false);
	ck_assert_int_eq(fs_feed_known_save(&g, FS_INET, false, path, &err), 0);
	ck_assert_int_eq(fs_read_file(path, 4096, "4 KiB", &text, &len, &err), 0);
	ck_assert_str_eq(text, "# flowspec-acl neighbors v1 IPv4\n" A "\n" B "\n");
	free(text);
	ck_assert_int_eq(fs_feed_known_save(&g, FS_INET, true, path, &err), 0);
	ck_assert_int_eq(fs_read_file(path, 4096, "4 KiB", &text, &len, &err), 0);
	ck_assert_str_eq(text, "# flowspec-acl neighbors v1 IPv4\n" B "\n");
	free(text);
	/* a bad file is refused whole, naming the line and the value */
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv4\n192.0.2.9\nnot-an-address\n", fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET, path, &err), -1);
	ck_assert_msg(strstr(err.msg, ":3: not a neighbor address: \"not-an-address\"") != NULL, "%s",
	    err.msg);
	ck_assert_uint_eq(f.npeers, 3); /* nothing added */
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv6\n" A "\n", fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET, path, &err), -1);
	ck_assert_msg(strstr(err.msg, "not a neighbors file of IPv4") != NULL, "%s", err.msg);
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv4\n" A "\n" A "\n", fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET, path, &err), -1);
	ck_assert_msg(strstr(err.msg, "listed twice") != NULL, "%s", err.msg);
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv4\n" A, fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET, path, &err), -1);
	ck_assert_msg(strstr(err.msg, "no newline") != NULL, "%s", err.msg);
	unlink(path);
	rmdir(dir);
	fs_feed_free(&f);
	fs_feed_free(&g);
}
END_TEST

/* issue 15 §4: the hold follows every neighbor, not the first 64. */
START_TEST(seventy_neighbors_are_all_waited_for)
{
	struct fs_batch b;
	struct fs_feed f;
	char peer[32];
	unsigned i;
	int wait;

	setup(&f, &b);
	for (i = 0; i < 70; i++) {
		snprintf(peer, sizeof(peer), "192.0.2.%u", i + 1);
		state(&f, 0, peer, "up");
	}
	for (i = 0; i < 69; i++) {
		snprintf(peer, sizeof(peer), "192.0.2.%u", i + 1);
		eor(&f, 10, peer, 4);
	}
	ck_assert_uint_eq(f.npeers, 70);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 10, false, &wait) & D4, 0); /* the 70th is not done */
	eor(&f, 20, "192.0.2.70", 4);
	ck_assert_uint_eq(fs_batch_due(&b, &f, 20, false, &wait) & D4, D4);
	fs_feed_free(&f);
}
END_TEST

/* issue 15 §4: the neighbors file compares addresses, and holds more than 64. */
START_TEST(neighbors_file_addresses)
{
	char dir[] = "/tmp/fs-test-batch-XXXXXX", path[512], *text = NULL;
	struct fs_feed f;
	struct fs_batch b;
	struct fs_err err;
	unsigned i;
	size_t len;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setup(&f, &b);
	ck_assert_int_eq(fs_feed_known_path(path, sizeof(path), dir, "FLOWSPEC", 6), 0);
	/* two spellings of one neighbor are one neighbor listed twice */
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv6\n2001:db8::1\n2001:db8::2\n2001:DB8:0::1\n", fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET6, path, &err), -1);
	ck_assert_msg(strstr(err.msg, ":4: neighbor 2001:db8::1 is listed twice (first on line 2)") !=
	    NULL, "%s", err.msg);
	ck_assert_uint_eq(f.npeers, 0);
	/* read in any spelling, the neighbor is the one ExaBGP names in another */
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv6\n2001:DB8::1\n::ffff:192.0.2.1\n", fp);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET6, path, &err), 0);
	ck_assert_uint_eq(f.npeers, 2);
	state(&f, 0, "2001:db8::1", "up");
	state(&f, 0, "192.0.2.1", "up");
	ck_assert_uint_eq(f.npeers, 2);
	ck_assert(f.peers[0].prev[1] && f.peers[0].up);
	ck_assert(f.peers[1].prev[1] && f.peers[1].up);
	/* written back canonical */
	ck_assert_int_eq(fs_feed_known_save(&f, FS_INET6, false, path, &err), 0);
	ck_assert_int_eq(fs_read_file(path, 4096, "4 KiB", &text, &len, &err), 0);
	ck_assert_str_eq(text, "# flowspec-acl neighbors v1 IPv6\n2001:db8::1\n192.0.2.1\n");
	free(text);
	fs_feed_free(&f);
	/* 1,000 neighbors: every one is marked */
	setup(&f, &b);
	fp = fopen(path, "w");
	fputs("# flowspec-acl neighbors v1 IPv6\n", fp);
	for (i = 0; i < 1000; i++)
		fprintf(fp, "2001:db8::%x\n", i + 1);
	fclose(fp);
	ck_assert_int_eq(fs_feed_known_load(&f, FS_INET6, path, &err), 0);
	ck_assert_uint_eq(f.npeers, 1000);
	for (i = 0; i < 1000; i++)
		ck_assert(f.peers[i].prev[1]);
	unlink(path);
	rmdir(dir);
	fs_feed_free(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_test(tc, held_with_nobody);
	tcase_add_test(tc, eor_ends_its_family_only);
	tcase_add_test(tc, quiet_after_up_without_eor);
	tcase_add_test(tc, a_streaming_neighbor_is_not_complete);
	tcase_add_test(tc, restart_waits_for_the_known_neighbors);
	tcase_add_test(tc, restart_hold_is_bounded);
	tcase_add_test(tc, after_the_hold_an_up_neighbor_is_still_waited_for);
	tcase_add_test(tc, down_again_before_it_was_done);
	tcase_add_test(tc, first_commit_even_when_empty);
	tcase_add_test(tc, burst_window_and_cap);
	tcase_add_test(tc, a_held_family_does_not_make_the_other_commit);
	tcase_add_test(tc, neighbors_file);
	tcase_add_test(tc, seventy_neighbors_are_all_waited_for);
	tcase_add_test(tc, neighbors_file_addresses);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
