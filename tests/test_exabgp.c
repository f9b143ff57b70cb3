/*
 * test_exabgp.c - the ExaBGP JSON reader (lib/src/exabgp.c) against the
 * real captures in tests/fixtures/exabgp, a truncation sweep (every strict
 * prefix of real lines must fail cleanly), the generated bad-input corpus
 * in tests/bad-input/exabgp (EXPECT.tsv), caps and line atomicity; and
 * the strictness check every JSON reader shares (lib/src/json_strict.c):
 * duplicate keys against a reference over random documents, its scale.
 */
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/exabgp.h"
#include "flowspec/log.h"
#include "json_strict.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIXDIR FS_FIXTURES_DIR "/exabgp"
#define BADDIR FS_FIXTURES_DIR "/../bad-input/exabgp"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* The whole file, NUL-terminated for convenience; *len excludes the NUL. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	ck_assert_int_ge(sz, 0);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	buf[sz] = '\0';
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

/* Line n (1-based) of a fixture file, without its newline; caller frees. */
static char *fixture_line(const char *file, int n, size_t *len)
{
	char path[512];
	size_t flen, start = 0, end;
	char *all, *line;
	int i;

	snprintf(path, sizeof(path), "%s/%s", FIXDIR, file);
	all = read_file(path, &flen);
	for (i = 1; i < n; i++) {
		char *nl = memchr(all + start, '\n', flen - start);

		ck_assert_msg(nl != NULL, "%s has no line %d", file, n);
		start = (size_t)(nl - all) + 1;
	}
	for (end = start; end < flen && all[end] != '\n'; end++)
		;
	ck_assert_msg(end > start, "%s line %d is empty", file, n);
	*len = end - start;
	line = malloc(*len + 1);
	ck_assert_ptr_nonnull(line);
	memcpy(line, all + start, *len);
	line[*len] = '\0';
	free(all);
	return line;
}

/* Parses line n of a fixture into l; the line must be accepted. */
static void parse_fixture(const char *file, int n,
    const struct fs_exabgp_opts *o, struct fs_event_list *l)
{
	struct fs_err err = { 0 };
	size_t len;
	char *line = fixture_line(file, n, &len);
	char origin[128];
	int rc;

	snprintf(origin, sizeof(origin), "%s:%d", file, n);
	rc = fs_exabgp_parse_line(o, line, len, origin, l, &err);
	ck_assert_msg(rc == 0, "%s: %s", origin, err.msg);
	ck_assert_int_eq(err.code, FS_E_OK);
	free(line);
}

/* The event of kind whose route has destination prefix dst ("a/len"). */
static const struct fs_route *find_route(const struct fs_event_list *l,
    enum fs_ev_kind kind, const char *dst)
{
	char addr[64];
	uint8_t a[16] = { 0 };
	unsigned plen;
	const char *sl = strchr(dst, '/');
	int af = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;
	size_t i;

	ck_assert_ptr_nonnull(sl);
	snprintf(addr, sizeof(addr), "%.*s", (int)(sl - dst), dst);
	ck_assert_int_eq(inet_pton(af, addr, a), 1);
	plen = (unsigned)atoi(sl + 1);
	for (i = 0; i < l->n; i++) {
		const struct fs_route *r = l->ev[i].route;

		if (l->ev[i].kind != kind || r == NULL ||
		    !fs_route_has(r, FS_C_DST))
			continue;
		if (r->family == (af == AF_INET ? FS_INET : FS_INET6) &&
		    r->dst.len == plen &&
		    memcmp(r->dst.addr, a, af == AF_INET ? 4 : 16) == 0)
			return r;
	}
	ck_abort_msg("no route with destination %s", dst);
	return NULL;
}

struct want_term {
	uint8_t op;
	uint32_t value;
};

/* Component t of r has exactly the n terms in want. */
static void check_terms(const struct fs_route *r, int t,
    const struct want_term *want, unsigned n, const char *what)
{
	const struct fs_term *tm;
	unsigned got, i;

	ck_assert_msg(fs_route_has(r, t), "%s: component %d missing", what, t);
	tm = fs_route_terms(r, t, &got);
	ck_assert_msg(got == n, "%s: %u terms, want %u", what, got, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(tm[i].op == want[i].op,
		    "%s: term %u op 0x%02x, want 0x%02x", what, i, tm[i].op,
		    want[i].op);
		ck_assert_msg(tm[i].value == want[i].value,
		    "%s: term %u value %u, want %u", what, i, tm[i].value,
		    want[i].value);
	}
}

#define TERMS(r_, t_, what_, ...) do { \
	static const struct want_term w_[] = { __VA_ARGS__ }; \
	check_terms((r_), (t_), w_, (unsigned)NELEM(w_), (what_)); \
} while (0)

static bool no_actions(const struct fs_route *r)
{
	const struct fs_actions *a = &r->act;

	return !a->has_rate_bytes && !a->has_rate_pkts && !a->has_action &&
	    !a->has_redirect && !a->has_mark &&
	    a->redirect_ip == FS_REDIR_IP_NONE && a->conflict[0] == '\0' &&
	    r->nrts == 0 && !r->has_seq;
}

/* A placeholder event, to check that a failed line leaves out unchanged. */
static void prefill(struct fs_event_list *l)
{
	struct fs_err err = { 0 };
	size_t len;
	char *line = fixture_line("gobgp-discard.jsonl", 1, &len);

	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, "prefill", l,
	    &err), 0);
	ck_assert_uint_eq(l->n, 1);
	free(line);
}

static void check_prefill(const struct fs_event_list *l)
{
	ck_assert_uint_eq(l->n, 1);
	ck_assert_int_eq(l->ev[0].kind, FS_EV_ANNOUNCE);
	ck_assert_ptr_nonnull(l->ev[0].route);
	ck_assert(l->ev[0].route->act.has_rate_bytes);
}

/* ------------------------------------------------------------------ */
/* Every fixture line parses, with independently counted events        */

/*
 * Counts made once with python3, independently of this parser:
 *
 * cd tests/fixtures/exabgp && python3 -c "
 * import json,glob
 * for f in sorted(glob.glob('*.jsonl')):
 *     a=w=s=e=sh=no=0
 *     for l in open(f):
 *         d=json.loads(l);t=d['type'];n=d.get('neighbor',{})
 *         if t=='state': s+=1
 *         elif t=='notification':
 *             if isinstance(d.get('notification'),str): sh+=1
 *             else: no+=1
 *         elif t=='update':
 *             m=n['message']
 *             if 'eor' in m: e+=1
 *             u=m.get('update',{})
 *             a+=sum(len(x) for fam in u.get('announce',{}).values() for x in fam.values())
 *             w+=sum(len(x) for x in u.get('withdraw',{}).values())
 *     print(f,sum(1 for _ in open(f)),a,w,s,e,sh,no)"
 */
static const struct fix_count {
	const char *file;
	unsigned lines, ann, wd, state, eor, shut, notif;
} fix_counts[] = {
	{ "bird-all-message-types.jsonl", 21, 4, 0, 7, 2, 1, 1 },
	{ "bird-announce-all-components.jsonl", 31, 39, 0, 2, 2, 0, 0 },
	{ "bird-announce-with-raw-packets.jsonl", 31, 39, 0, 2, 2, 0, 0 },
	{ "bird-change-in-place.jsonl", 2, 2, 0, 0, 0, 0, 0 },
	{ "bird-eor.jsonl", 2, 0, 0, 0, 2, 0, 0 },
	{ "bird-full-session.jsonl", 43, 41, 3, 9, 2, 1, 0 },
	{ "bird-ipv6-offset.jsonl", 7, 1, 0, 2, 2, 0, 0 },
	{ "bird-packed-many-routes.jsonl", 7, 460, 0, 2, 2, 0, 0 },
	{ "bird-redirect-as4-crash.jsonl", 20, 5, 0, 15, 0, 0, 0 },
	{ "bird-withdraw-many-packed.jsonl", 3, 0, 460, 0, 0, 0, 0 },
	{ "bird-withdraw.jsonl", 2, 0, 3, 0, 0, 0, 0 },
	{ "exabgp-announce-all.jsonl", 21, 17, 0, 2, 2, 0, 0 },
	{ "exabgp-api-announce.jsonl", 2, 2, 0, 0, 0, 0, 0 },
	{ "exabgp-api-change-in-place.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "exabgp-api-withdraw.jsonl", 2, 0, 2, 0, 0, 0, 0 },
	{ "exabgp-full-session.jsonl", 34, 20, 2, 9, 2, 1, 0 },
	{ "exabgp-session-down.jsonl", 7, 0, 0, 7, 0, 0, 0 },
	{ "gobgp-accept.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-action.jsonl", 3, 3, 0, 0, 0, 0, 0 },
	{ "gobgp-all-components.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-change-in-place.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-discard.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-fragment.jsonl", 5, 5, 0, 0, 0, 0, 0 },
	{ "gobgp-full-session.jsonl", 134, 108, 2, 23, 0, 1, 0 },
	{ "gobgp-ipv6-offset.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-ipv6-redirect-notification.jsonl", 55, 49, 0, 6, 0, 0, 0 },
	{ "gobgp-ipv6.jsonl", 4, 4, 0, 0, 0, 0, 0 },
	{ "gobgp-mark.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-multi-action.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-operators.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-rate-limit-with-as.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-rate-limit.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-redirect-as2.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-redirect-as4-crash.jsonl", 45, 31, 0, 14, 0, 0, 0 },
	{ "gobgp-redirect-as4-plain-notation.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-redirect-ipv4.jsonl", 1, 1, 0, 0, 0, 0, 0 },
	{ "gobgp-session-down.jsonl", 1, 0, 0, 1, 0, 0, 0 },
	{ "gobgp-session-up.jsonl", 2, 0, 0, 2, 0, 0, 0 },
	{ "gobgp-tcp-flags.jsonl", 3, 3, 0, 0, 0, 0, 0 },
	{ "gobgp-withdraw.jsonl", 2, 0, 2, 0, 0, 0, 0 },
	{ "receiver-shutdown.jsonl", 2, 0, 0, 1, 0, 1, 0 },
	{ "session-down-peer-killed.jsonl", 7, 0, 0, 7, 0, 0, 0 },
	{ "session-down.jsonl", 7, 0, 0, 7, 0, 0, 0 },
	{ "session-up.jsonl", 2, 0, 0, 2, 0, 0, 0 },
};

static void check_event(const struct fs_event *ev, const char *origin)
{
	switch (ev->kind) {
	case FS_EV_ANNOUNCE:
	case FS_EV_WITHDRAW:
		ck_assert_msg(ev->route != NULL, "%s: no route", origin);
		ck_assert_msg(ev->route->family == ev->family, "%s: family",
		    origin);
		ck_assert_msg(ev->peer.addr[0] != '\0', "%s: no peer", origin);
		ck_assert_msg(ev->route->present != 0, "%s: empty route", origin);
		if (ev->kind == FS_EV_WITHDRAW)
			ck_assert_msg(no_actions(ev->route) &&
			    ev->route->nexthop_family == 0,
			    "%s: withdraw with actions", origin);
		break;
	case FS_EV_EOR:
		ck_assert_msg(ev->family == FS_INET || ev->family == FS_INET6,
		    "%s: EOR family", origin);
		/* FALLTHROUGH */
	case FS_EV_STATE:
	case FS_EV_NOTIFICATION:
		ck_assert_msg(ev->route == NULL, "%s: route", origin);
		ck_assert_msg(ev->peer.addr[0] != '\0' && ev->peer.asn != 0,
		    "%s: no peer", origin);
		break;
	case FS_EV_SHUTDOWN:
		ck_assert_msg(ev->route == NULL && ev->peer.addr[0] == '\0',
		    "%s: shutdown has a peer", origin);
		break;
	}
}

START_TEST(test_fixture_counts)
{
	const struct fix_count *fc = &fix_counts[_i];
	struct fs_event_list l = { 0 };
	struct fs_exabgp_opts o;
	unsigned cnt[FS_EV_NOTIFICATION + 1] = { 0 };
	unsigned n;
	size_t i, before;

	fs_exabgp_opts_default(&o);
	for (n = 1; n <= fc->lines; n++) {
		char origin[128];

		snprintf(origin, sizeof(origin), "%s:%u", fc->file, n);
		before = l.n;
		parse_fixture(fc->file, (int)n, &o, &l);
		for (i = before; i < l.n; i++)
			check_event(&l.ev[i], origin);
	}
	for (i = 0; i < l.n; i++)
		cnt[l.ev[i].kind]++;
	ck_assert_msg(cnt[FS_EV_ANNOUNCE] == fc->ann, "%s: %u announces",
	    fc->file, cnt[FS_EV_ANNOUNCE]);
	ck_assert_msg(cnt[FS_EV_WITHDRAW] == fc->wd, "%s: %u withdraws",
	    fc->file, cnt[FS_EV_WITHDRAW]);
	ck_assert_msg(cnt[FS_EV_STATE] == fc->state, "%s: %u states", fc->file,
	    cnt[FS_EV_STATE]);
	ck_assert_msg(cnt[FS_EV_EOR] == fc->eor, "%s: %u EORs", fc->file,
	    cnt[FS_EV_EOR]);
	ck_assert_msg(cnt[FS_EV_SHUTDOWN] == fc->shut, "%s: %u shutdowns",
	    fc->file, cnt[FS_EV_SHUTDOWN]);
	ck_assert_msg(cnt[FS_EV_NOTIFICATION] == fc->notif,
	    "%s: %u notifications", fc->file, cnt[FS_EV_NOTIFICATION]);
	fs_event_list_free(&l);
	ck_assert_ptr_null(l.ev);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

/* The table above covers every fixture file and each has its line count. */
START_TEST(test_fixture_table_complete)
{
	DIR *d = opendir(FIXDIR);
	struct dirent *de;
	unsigned files = 0;
	size_t i, len, k, nl;
	char path[512], *all;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
			continue;
		files++;
		for (i = 0; i < NELEM(fix_counts); i++)
			if (strcmp(fix_counts[i].file, de->d_name) == 0)
				break;
		ck_assert_msg(i < NELEM(fix_counts), "fixture %s not counted",
		    de->d_name);
		snprintf(path, sizeof(path), "%s/%s", FIXDIR, de->d_name);
		all = read_file(path, &len);
		for (k = 0, nl = 0; k < len; k++)
			nl += all[k] == '\n';
		ck_assert_msg(nl == fix_counts[i].lines && len > 0 &&
		    all[len - 1] == '\n', "%s: %zu lines", de->d_name, nl);
		free(all);
	}
	closedir(d);
	ck_assert_uint_eq(files, NELEM(fix_counts));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

#define EQ(v)   { FS_OP_EQ, (v) }
#define AEQ(v)  { FS_OP_AND | FS_OP_EQ, (v) }

START_TEST(test_bird_all_components)
{
	struct fs_event_list l = { 0 };
	const struct fs_route *r;
	int n;

	for (n = 1; n <= 31; n++)
		parse_fixture("bird-announce-all-components.jsonl", n, NULL, &l);

	/* R03: sport 1024..2048, rate 1e6 B/s with AS 65000 in the community. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.1/32");
	TERMS(r, FS_C_PROTO, "R03 proto", EQ(17));
	TERMS(r, FS_C_SPORT, "R03 sport", { FS_OP_GT | FS_OP_EQ, 1024 },
	    { FS_OP_AND | FS_OP_LT | FS_OP_EQ, 2048 });
	ck_assert(r->act.has_rate_bytes && r->act.rate_bytes == 1e6f);
	ck_assert_uint_eq(r->act.rate_bytes_id, 65000);

	/* R04: port 22, 80, 443 (OR); 1000 packets/s. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.2/32");
	TERMS(r, FS_C_PORT, "R04 port", EQ(22), EQ(80), EQ(443));
	ck_assert(r->act.has_rate_pkts && r->act.rate_pkts == 1000.0f);
	ck_assert(!r->act.has_rate_bytes);

	/* R05: AND-ed ranges OR-ed together. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.3/32");
	TERMS(r, FS_C_DPORT, "R05 dport", { FS_OP_GT, 1024 },
	    { FS_OP_AND | FS_OP_LT, 2048 }, { FS_OP_GT | FS_OP_EQ, 8000 },
	    { FS_OP_AND | FS_OP_LT | FS_OP_EQ, 9000 });
	ck_assert(r->act.has_action && r->act.sample && r->act.terminal);

	/* R06: != and <=. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.4/32");
	TERMS(r, FS_C_DPORT, "R06 dport", { FS_OP_LT | FS_OP_GT, 22 });
	TERMS(r, FS_C_SPORT, "R06 sport", { FS_OP_LT | FS_OP_EQ, 1023 });

	/* R07 / R08: ICMP names back to numbers. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.5/32");
	TERMS(r, FS_C_PROTO, "R07 proto", EQ(1));
	TERMS(r, FS_C_ICMP_TYPE, "R07 type", EQ(8));
	TERMS(r, FS_C_ICMP_CODE, "R07 code", EQ(0));
	ck_assert(r->act.has_redirect && r->act.redirect == 0x8008fde800000064ULL);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.6/32");
	TERMS(r, FS_C_ICMP_TYPE, "R08 type", EQ(3), EQ(11));
	TERMS(r, FS_C_ICMP_CODE, "R08 code", { FS_OP_LT, 4 });
	ck_assert(r->act.has_redirect && r->act.redirect == 0x8108c61209090064ULL);

	/* tcp-flags from "string": the JSON list would split these up. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.11/32");
	TERMS(r, FS_C_TCP_FLAGS, "=fin+syn&!rst+push", { FS_OP_MATCH, 0x03 },
	    { FS_OP_AND | FS_OP_NOT, 0x0c });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.10/32");
	TERMS(r, FS_C_TCP_FLAGS, "fin+syn+rst+push+ack+urg", { 0, 0x3f });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.9/32");
	TERMS(r, FS_C_TCP_FLAGS, "[ !=rst&=syn+ack =fin ]",
	    { FS_OP_NOT | FS_OP_MATCH, FS_TCP_RST },
	    { FS_OP_AND | FS_OP_MATCH, FS_TCP_SYN | FS_TCP_ACK },
	    { FS_OP_MATCH, FS_TCP_FIN });
	/* ... and its rate: 0x800600003fc00000 is 1.5 bytes/s. */
	ck_assert(r->act.has_rate_bytes && r->act.rate_bytes == 1.5f);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.8/32");
	TERMS(r, FS_C_TCP_FLAGS, "=syn&!ack", { FS_OP_MATCH, FS_TCP_SYN },
	    { FS_OP_AND | FS_OP_NOT, FS_TCP_ACK });

	/* Fragments: BIRD's !is_fragment reads "not-a-fragment" in JSON. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.19/32");
	TERMS(r, FS_C_FRAGMENT, "!is-fragment", { FS_OP_NOT, FS_FRAG_ISF });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.20/32");
	TERMS(r, FS_C_FRAGMENT, "=is-fragment&!dont-fragment",
	    { FS_OP_MATCH, FS_FRAG_ISF }, { FS_OP_AND | FS_OP_NOT, FS_FRAG_DF });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.18/32");
	TERMS(r, FS_C_FRAGMENT, "=first =last", { FS_OP_MATCH, FS_FRAG_FF },
	    { FS_OP_MATCH, FS_FRAG_LF });

	/* Protocol names and "unknown protocol type 41". */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.23/32");
	TERMS(r, FS_C_PROTO, "proto names", EQ(132), EQ(47), EQ(50), EQ(89),
	    EQ(41));
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.21/32");
	TERMS(r, FS_C_PROTO, "!=tcp&!=udp", { FS_OP_LT | FS_OP_GT, 6 },
	    { FS_OP_AND | FS_OP_LT | FS_OP_GT, 17 });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.15/32");
	TERMS(r, FS_C_DSCP, "dscp", { FS_OP_GT | FS_OP_EQ, 8 },
	    { FS_OP_AND | FS_OP_LT | FS_OP_EQ, 15 }, EQ(32));

	/* R28: the numeric "true" operator carries no value. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.26/32");
	TERMS(r, FS_C_PKT_LEN, "true", { FS_OP_LT | FS_OP_GT | FS_OP_EQ, 0 });

	/* IPv6: ICMPv6 as "unknown protocol type 58" and type 128. */
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:2::/48");
	TERMS(r, FS_C_PROTO, "next-header 58", EQ(58));
	TERMS(r, FS_C_ICMP_TYPE, "icmpv6 128", EQ(128));
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:7::/48");
	TERMS(r, FS_C_DSCP, "traffic-class", EQ(46));
	TERMS(r, FS_C_PKT_LEN, "length", { FS_OP_GT, 1280 });
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:5:1::/64");
	TERMS(r, FS_C_FLOW_LABEL, "BIRD truncated label", EQ(9029));

	ck_assert_int_eq(l.ev[0].kind, FS_EV_STATE);
	ck_assert_int_eq(l.ev[0].state, FS_PEER_CONNECTED);
	ck_assert_int_eq(l.ev[1].state, FS_PEER_UP);
	ck_assert_int_eq(l.ev[l.n - 1].kind, FS_EV_EOR);
	ck_assert_int_eq(l.ev[l.n - 1].family, FS_INET);
	ck_assert_int_eq(l.ev[l.n - 2].family, FS_INET6);
	fs_event_list_free(&l);
}
END_TEST

/* R26: several actions, two RTs and SEQ 1026 in paper mode; conflict otherwise. */
START_TEST(test_r26_seq_modes)
{
	struct fs_event_list l = { 0 };
	struct fs_exabgp_opts o;
	const struct fs_route *r;
	int n;

	fs_exabgp_opts_default(&o);
	o.seq.form = FS_SEQ_PAPER;
	for (n = 3; n <= 29; n++)
		parse_fixture("bird-announce-all-components.jsonl", n, &o, &l);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.24/32");
	ck_assert(r->has_seq);
	ck_assert_uint_eq(r->seq, 1026);
	ck_assert(r->act.has_mark);
	ck_assert_uint_eq(r->act.dscp, 10);
	ck_assert(r->act.has_rate_bytes && r->act.rate_bytes == 1e6f);
	ck_assert(r->act.has_redirect && r->act.redirect == 0x8008fde800000064ULL);
	ck_assert_uint_eq(r->nrts, 2);
	ck_assert(r->rts[0] == 0x0102c61200010064ULL);
	ck_assert(r->rts[1] == 0x0202fa56ea010007ULL);
	ck_assert_str_eq(r->act.conflict, "");
	/* R28 carries SEQ 1028 next to a terminal action. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.26/32");
	ck_assert(r->has_seq && r->seq == 1028 && !r->act.has_mark);
	fs_event_list_free(&l);

	fs_exabgp_opts_default(&o);
	for (n = 3; n <= 29; n++)
		parse_fixture("bird-announce-all-components.jsonl", n, &o, &l);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.24/32");
	ck_assert(!r->has_seq);
	ck_assert_str_eq(r->act.conflict,
	    "two traffic-marking communities: dscp 10 and 2");
	fs_event_list_free(&l);
}
END_TEST

START_TEST(test_gobgp_components)
{
	struct fs_event_list l = { 0 };
	const struct fs_route *r;
	uint8_t want[16] = { 0 };
	int n;

	parse_fixture("gobgp-all-components.jsonl", 1, NULL, &l);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.128/25");
	ck_assert_uint_eq(r->present, 0x1ffe); /* types 1..12 */
	ck_assert_uint_eq(r->src.len, 24);
	TERMS(r, FS_C_ICMP_TYPE, "echo-reply", EQ(0));
	TERMS(r, FS_C_TCP_FLAGS, "=syn", { FS_OP_MATCH, FS_TCP_SYN });
	TERMS(r, FS_C_FRAGMENT, "!is-fragment", { FS_OP_NOT, FS_FRAG_ISF });
	TERMS(r, FS_C_DSCP, "dscp", EQ(0));
	ck_assert(r->act.rate_bytes == 125000.0f);
	fs_event_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_nonnull(l.ev); /* clear keeps the buffer */

	for (n = 1; n <= 5; n++)
		parse_fixture("gobgp-fragment.jsonl", n, NULL, &l);
	TERMS(find_route(&l, FS_EV_ANNOUNCE, "192.0.2.16/32"), FS_C_FRAGMENT,
	    "=dont-fragment", { FS_OP_MATCH, FS_FRAG_DF });
	TERMS(find_route(&l, FS_EV_ANNOUNCE, "192.0.2.17/32"), FS_C_FRAGMENT,
	    "is-fragment", { 0, FS_FRAG_ISF });
	/* Same JSON ("not-a-fragment"), different wire encodings. */
	TERMS(find_route(&l, FS_EV_ANNOUNCE, "192.0.2.19/32"), FS_C_FRAGMENT,
	    "!is-fragment", { FS_OP_NOT, FS_FRAG_ISF });
	TERMS(find_route(&l, FS_EV_ANNOUNCE, "192.0.2.20/32"), FS_C_FRAGMENT,
	    "not-a-fragment", { 0, 0 });
	fs_event_list_clear(&l);

	for (n = 1; n <= 3; n++)
		parse_fixture("gobgp-tcp-flags.jsonl", n, NULL, &l);
	TERMS(find_route(&l, FS_EV_ANNOUNCE, "192.0.2.11/32"), FS_C_TCP_FLAGS,
	    "syn+ack any-of", { 0, FS_TCP_SYN | FS_TCP_ACK });
	fs_event_list_clear(&l);

	/* IPv6 offset: ::1234:5678:9800:0/104/64. */
	parse_fixture("gobgp-ipv6-offset.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	r = l.ev[0].route;
	ck_assert_int_eq(r->family, FS_INET6);
	ck_assert_uint_eq(r->dst.len, 104);
	ck_assert_uint_eq(r->dst.offset, 64);
	want[8] = 0x12; want[9] = 0x34; want[10] = 0x56; want[11] = 0x78;
	want[12] = 0x98;
	ck_assert_mem_eq(r->dst.addr, want, 16);
	fs_event_list_clear(&l);

	parse_fixture("gobgp-ipv6.jsonl", 2, NULL, &l);
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:2::/48");
	TERMS(r, FS_C_PROTO, "=unknown protocol type 58", EQ(58));
	TERMS(r, FS_C_ICMP_TYPE, "=unknown icmp type type 128", EQ(128));
	TERMS(r, FS_C_ICMP_CODE, "=0", EQ(0));
	fs_event_list_clear(&l);

	/* Accept: no extended-community at all, so no action. */
	parse_fixture("gobgp-accept.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(no_actions(l.ev[0].route));
	fs_event_list_clear(&l);

	parse_fixture("gobgp-multi-action.jsonl", 1, NULL, &l);
	r = l.ev[0].route;
	ck_assert(r->act.has_rate_bytes && r->act.rate_bytes == 1e6f);
	ck_assert(r->act.has_redirect && r->act.redirect == 0x8008fde800000064ULL);
	ck_assert(r->act.has_mark && r->act.dscp == 10);
	ck_assert(r->act.has_action && r->act.sample && !r->act.terminal);
	ck_assert_str_eq(r->act.conflict, "");
	fs_event_list_clear(&l);

	parse_fixture("gobgp-rate-limit-with-as.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.ev[0].route->act.rate_bytes_id, 65002);
	ck_assert(l.ev[0].route->act.rate_bytes == 125000.0f);
	fs_event_list_free(&l);
}
END_TEST

START_TEST(test_exabgp_redirects)
{
	struct fs_event_list l = { 0 };
	const struct fs_route *r;
	uint8_t v6[16];
	int n;

	for (n = 1; n <= 21; n++)
		parse_fixture("exabgp-announce-all.jsonl", n, NULL, &l);

	/* redirect-to-nexthop (0x0800): the address is the UPDATE's next hop. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.6/32");
	ck_assert_int_eq(r->act.redirect_ip, FS_REDIR_IP_NEXTHOP);
	ck_assert_uint_eq(r->act.redirect_ip_family, FS_INET);
	ck_assert_mem_eq(r->act.redirect_ip_addr, "\xc6\x12\x09\x09", 4);
	ck_assert(!r->act.redirect_ip_copy);
	ck_assert_uint_eq(r->nexthop_family, FS_INET);
	ck_assert_mem_eq(r->nexthop, "\xc6\x12\x09\x09", 4);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.12/32");
	ck_assert_mem_eq(r->act.redirect_ip_addr, "\xc6\x12\x03\x01", 4);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.14/32");
	ck_assert_int_eq(r->act.redirect_ip, FS_REDIR_IP_NEXTHOP);
	ck_assert(r->act.redirect_ip_copy);
	ck_assert_mem_eq(r->act.redirect_ip_addr, "\xc6\x12\x09\x0a", 4);

	/* 0x010c redirect-to-ip (IETF), IPv4 in the community, no next hop. */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.13/32");
	ck_assert_int_eq(r->act.redirect_ip, FS_REDIR_IP_IETF4);
	ck_assert_uint_eq(r->act.redirect_ip_family, FS_INET);
	ck_assert_mem_eq(r->act.redirect_ip_addr, "\xc6\x12\x09\x09", 4);
	ck_assert_uint_eq(r->nexthop_family, 0);

	/* IPv6 redirect-to-ip from attribute 25 ("attribute-0x19-0xC0"). */
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:5::/48");
	ck_assert_int_eq(r->act.redirect_ip, FS_REDIR_IP_IETF6);
	ck_assert_uint_eq(r->act.redirect_ip_family, FS_INET6);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", v6), 1);
	ck_assert_mem_eq(r->act.redirect_ip_addr, v6, 16);

	/* ExaBGP's own offset prefix and flow label / traffic class. */
	r = find_route(&l, FS_EV_ANNOUNCE, "::1234:5678:9800:0/104");
	ck_assert_uint_eq(r->dst.offset, 64);
	r = find_route(&l, FS_EV_ANNOUNCE, "2001:db8:4::/48");
	TERMS(r, FS_C_FLOW_LABEL, "flow-label", EQ(48879));
	TERMS(r, FS_C_DSCP, "traffic-class", EQ(46));

	/* Bitmasks without operator (ExaBGP config "tcp-flags [ syn ]"). */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.8/32");
	TERMS(r, FS_C_TCP_FLAGS, "[ syn&!ack rst ]", { 0, FS_TCP_SYN },
	    { FS_OP_AND | FS_OP_NOT, FS_TCP_ACK }, { 0, FS_TCP_RST });
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.15/32");
	TERMS(r, FS_C_FRAGMENT, "[ is-fragment first-fragment ]",
	    { 0, FS_FRAG_ISF }, { 0, FS_FRAG_FF });
	ck_assert(r->act.rate_bytes == 9600.0f);
	ck_assert(r->act.redirect == 0x8008fde8000000c8ULL);
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.19/32");
	TERMS(r, FS_C_FRAGMENT, "not-a-fragment", { 0, 0 });
	ck_assert(no_actions(r)); /* only a standard community */
	r = find_route(&l, FS_EV_ANNOUNCE, "192.0.2.0/24");
	ck_assert_uint_eq(r->nrts, 1);
	ck_assert(r->rts[0] == 0x0002fde800000064ULL);
	fs_event_list_free(&l);
}
END_TEST

START_TEST(test_states_and_notifications)
{
	struct fs_event_list l = { 0 };

	parse_fixture("session-down.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, FS_EV_STATE);
	ck_assert_int_eq(l.ev[0].state, FS_PEER_DOWN);
	ck_assert_str_eq(l.ev[0].reason, "peer reset, message (notification "
	    "received (6,2)) error(Cease / Administrative Shutdown)");
	ck_assert_str_eq(l.ev[0].peer.addr, "198.18.1.1");
	ck_assert_str_eq(l.ev[0].peer.local, "198.18.1.2");
	ck_assert_uint_eq(l.ev[0].peer.asn, 65001);
	ck_assert_uint_eq(l.ev[0].peer.local_asn, 65000);
	fs_event_list_clear(&l);

	parse_fixture("receiver-shutdown.jsonl", 1, NULL, &l);
	parse_fixture("receiver-shutdown.jsonl", 2, NULL, &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.ev[0].state, FS_PEER_DOWN);
	ck_assert_str_eq(l.ev[0].reason, "stop, message (shutting down)");
	ck_assert_int_eq(l.ev[1].kind, FS_EV_SHUTDOWN);
	ck_assert_str_eq(l.ev[1].peer.addr, "");
	fs_event_list_clear(&l);

	parse_fixture("session-up.jsonl", 1, NULL, &l);
	parse_fixture("session-up.jsonl", 2, NULL, &l);
	ck_assert_int_eq(l.ev[0].state, FS_PEER_CONNECTED);
	ck_assert_int_eq(l.ev[1].state, FS_PEER_UP);
	ck_assert_str_eq(l.ev[1].reason, "");
	fs_event_list_clear(&l);

	parse_fixture("gobgp-session-down.jsonl", 1, NULL, &l);
	ck_assert_ptr_nonnull(strstr(l.ev[0].reason, "(6,3)"));
	ck_assert_uint_eq(l.ev[0].peer.asn, 65002);
	fs_event_list_clear(&l);

	/* open, negotiated, keepalive: nothing; then the received Cease. */
	parse_fixture("bird-all-message-types.jsonl", 2, NULL, &l);
	parse_fixture("bird-all-message-types.jsonl", 3, NULL, &l);
	parse_fixture("bird-all-message-types.jsonl", 4, NULL, &l);
	ck_assert_uint_eq(l.n, 0);
	parse_fixture("bird-all-message-types.jsonl", 15, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, FS_EV_NOTIFICATION);
	ck_assert_uint_eq(l.ev[0].code, 6);
	ck_assert_uint_eq(l.ev[0].subcode, 2);
	ck_assert_str_eq(l.ev[0].peer.addr, "198.18.1.1");
	fs_event_list_clear(&l);

	parse_fixture("bird-eor.jsonl", 1, NULL, &l);
	parse_fixture("bird-eor.jsonl", 2, NULL, &l);
	ck_assert_int_eq(l.ev[0].kind, FS_EV_EOR);
	ck_assert_int_eq(l.ev[0].family, FS_INET6);
	ck_assert_int_eq(l.ev[1].family, FS_INET);
	fs_event_list_free(&l);
}
END_TEST

START_TEST(test_withdraws_and_packing)
{
	struct fs_event_list l = { 0 };
	const struct fs_route *r;

	parse_fixture("bird-withdraw.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.n, 2);
	r = find_route(&l, FS_EV_WITHDRAW, "192.0.2.1/32");
	TERMS(r, FS_C_SPORT, "withdraw sport", { FS_OP_GT | FS_OP_EQ, 1024 },
	    { FS_OP_AND | FS_OP_LT | FS_OP_EQ, 2048 });
	r = find_route(&l, FS_EV_WITHDRAW, "192.0.2.6/32");
	TERMS(r, FS_C_ICMP_TYPE, "withdraw icmp", EQ(3), EQ(11));
	fs_event_list_clear(&l);

	/* ExaBGP's withdraws carry an attribute object: still match only. */
	parse_fixture("exabgp-api-withdraw.jsonl", 1, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, FS_EV_WITHDRAW);
	ck_assert(no_actions(l.ev[0].route));
	fs_event_list_clear(&l);

	/* 256 NLRIs in one UPDATE, each its own event with its own route. */
	parse_fixture("bird-packed-many-routes.jsonl", 3, NULL, &l);
	ck_assert_uint_eq(l.n, 256);
	ck_assert_ptr_ne(l.ev[0].route, l.ev[1].route);
	ck_assert(l.ev[255].route->act.has_rate_bytes);
	fs_event_list_clear(&l);

	/* UPDATEs with only "attribute" (BIRD offset NLRIs dropped by ExaBGP). */
	parse_fixture("bird-ipv6-offset.jsonl", 4, NULL, &l);
	parse_fixture("bird-ipv6-offset.jsonl", 6, NULL, &l);
	ck_assert_uint_eq(l.n, 0);
	fs_event_list_free(&l);
}
END_TEST

/* One UPDATE may withdraw and announce; withdrawals come first. */
START_TEST(test_withdraw_and_announce)
{
	static const char line[] =
	    "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", \"neighbor\": "
	    "{ \"address\": { \"local\": \"2001:db8::2\", \"peer\": \"2001:db8::1\" }, "
	    "\"asn\": { \"local\": 4200000000, \"peer\": 65001 }, "
	    "\"direction\": \"receive\", \"message\": { \"update\": { "
	    "\"attribute\": { \"extended-community\": [ { \"value\": 9225905311645171722 } ] }, "
	    "\"announce\": { \"ipv4 flow\": { \"2001:db8::9\": [ "
	    "{ \"destination-ipv4\": [ \"10.0.0.0/8\" ], \"string\": \"flow destination-ipv4 10.0.0.0/8\" } ] } }, "
	    "\"withdraw\": { \"ipv4 flow\": [ "
	    "{ \"destination-ipv4\": [ \"10.0.0.0/8\" ], \"string\": \"flow destination-ipv4 10.0.0.0/8\" } ] } "
	    "} } } }";
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	uint8_t nh[16];

	ck_assert_msg(fs_exabgp_parse_line(NULL, line, strlen(line), "t", &l,
	    &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.ev[0].kind, FS_EV_WITHDRAW);
	ck_assert_int_eq(l.ev[1].kind, FS_EV_ANNOUNCE);
	ck_assert(no_actions(l.ev[0].route));
	ck_assert(l.ev[1].route->act.has_mark && l.ev[1].route->act.dscp == 10);
	ck_assert_uint_eq(l.ev[1].peer.local_asn, 4200000000u);
	/* An IPv6 next hop on an IPv4 flow route is kept as such. */
	ck_assert_uint_eq(l.ev[1].route->nexthop_family, FS_INET6);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::9", nh), 1);
	ck_assert_mem_eq(l.ev[1].route->nexthop, nh, 16);
	fs_event_list_free(&l);
}
END_TEST

/* Message types that carry nothing for us; one unknown type. */
START_TEST(test_quiet_and_unknown_types)
{
	static const char *const quiet[] = {
		"open", "keepalive", "negotiated", "refresh", "operational",
	};
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	char line[512];
	size_t i;
	int n;

	for (i = 0; i < NELEM(quiet); i++) {
		n = snprintf(line, sizeof(line), "{ \"exabgp\": \"4.0.1\", "
		    "\"type\": \"%s\", \"neighbor\": { } }", quiet[i]);
		ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, (size_t)n,
		    "q", &l, &err), 0);
	}
	ck_assert_uint_eq(l.n, 0);
	n = snprintf(line, sizeof(line), "{ \"type\": \"signal\" }");
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, (size_t)n, "stdin:3",
	    &l, &err), -1);
	ck_assert_int_eq(err.code, FS_E_UNKNOWN);
	ck_assert_str_eq(err.msg, "stdin:3: unknown message type: type: \"signal\"");
	fs_event_list_free(&l);
}
END_TEST

/* The exact message layout: "<origin>: <what>: <path>: <value>". */
START_TEST(test_error_message_format)
{
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	char path[512];
	size_t len;
	char *line;

	snprintf(path, sizeof(path), "%s/unknown-component.jsonl", BADDIR);
	line = read_file(path, &len);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len - 1, "stdin:7",
	    &l, &err), -1);
	ck_assert_str_eq(err.msg, "stdin:7: unknown component: "
	    "neighbor.message.update.announce.\"ipv6 flow\".\"no-nexthop\"[0]: "
	    "\"foo-bar\"");
	free(line);

	/* Bad values are escaped (a JSON "\t" in the state) ... */
	line = fixture_line("session-down.jsonl", 1, &len);
	memcpy(strstr(line, "\"down\""), "\"d\\tn\"", 6);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, NULL, &l,
	    &err), -1);
	ck_assert_str_eq(err.msg, "unknown neighbor state: neighbor.state: "
	    "\"d\\x09n\"");
	free(line);

	/* ... and cut at 64 bytes (a 300-byte state name). */
	line = fixture_line("session-up.jsonl", 1, &len);
	{
		char *p = strstr(line, "\"connected\"");
		char *big;
		int n;

		ck_assert_ptr_nonnull(p);
		big = malloc(len + 400);
		ck_assert_ptr_nonnull(big);
		n = snprintf(big, len + 400, "%.*s\"%0300d\"%s",
		    (int)(p - line), line, 0, p + 11);
		ck_assert_int_gt(n, (int)len);
		ck_assert_int_eq(fs_exabgp_parse_line(NULL, big, (size_t)n,
		    "o", &l, &err), -1);
		ck_assert_int_eq(err.code, FS_E_UNKNOWN);
		ck_assert_msg(strstr(err.msg, ": \"00000000000000000000000000000000"
		    "00000000000000000000000000000000...\"") != NULL, "%s", err.msg);
		free(big);
	}
	free(line);
	ck_assert_uint_eq(l.n, 0);
	fs_event_list_free(&l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Truncation sweep                                                    */

static const struct sweep_line {
	const char *file;
	int line; /* 0: every line of the file */
} sweep_lines[] = {
	{ "bird-announce-all-components.jsonl", 0 },
	{ "exabgp-announce-all.jsonl", 0 },
	{ "gobgp-all-components.jsonl", 0 },
	{ "session-down.jsonl", 0 },
	{ "receiver-shutdown.jsonl", 0 },
	{ "bird-all-message-types.jsonl", 15 },  /* notification */
	{ "bird-withdraw.jsonl", 1 },
	{ "gobgp-ipv6.jsonl", 0 },
};

static unsigned file_lines(const char *file)
{
	size_t i;

	for (i = 0; i < NELEM(fix_counts); i++)
		if (strcmp(fix_counts[i].file, file) == 0)
			return fix_counts[i].lines;
	ck_abort_msg("unknown fixture %s", file);
	return 0;
}

static void sweep_one(const char *file, int n)
{
	struct fs_event_list l = { 0 };
	struct fs_err err;
	size_t len, k;
	char *line = fixture_line(file, n, &len);

	prefill(&l);
	for (k = 0; k < len; k++) {
		/* An exact-size copy: reading past the prefix is an ASan error. */
		char *p = malloc(k > 0 ? k : 1);

		ck_assert_ptr_nonnull(p);
		memcpy(p, line, k);
		memset(&err, 0, sizeof(err));
		ck_assert_msg(fs_exabgp_parse_line(NULL, p, k, "sweep", &l,
		    &err) == -1, "%s:%d: prefix of %zu bytes accepted", file, n, k);
		ck_assert_msg(err.code != FS_E_OK && err.msg[0] != '\0',
		    "%s:%d: prefix %zu: no error message", file, n, k);
		ck_assert_msg(strncmp(err.msg, "sweep: ", 7) == 0,
		    "%s:%d: prefix %zu: %s", file, n, k, err.msg);
		check_prefill(&l);
		free(p);
	}
	/* ... and the whole line parses. */
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, "sweep", &l,
	    &err), 0);
	ck_assert_uint_ge(l.n, 1);
	fs_event_list_free(&l);
	free(line);
}

START_TEST(test_truncation_sweep)
{
	const struct sweep_line *sl = &sweep_lines[_i];
	unsigned n, last;

	if (sl->line > 0) {
		sweep_one(sl->file, sl->line);
		return;
	}
	last = file_lines(sl->file);
	for (n = 1; n <= last; n++)
		sweep_one(sl->file, (int)n);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad-input corpus                                                    */

START_TEST(test_bad_input_corpus)
{
	struct fs_event_list l = { 0 };
	struct fs_err err;
	char path[1024], *tsv, *row, *save = NULL, *fn, *code, *sub, *data;
	size_t tlen, dlen;
	unsigned rows = 0, files = 0;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/EXPECT.tsv", BADDIR);
	tsv = read_file(path, &tlen);
	prefill(&l);
	for (row = strtok_r(tsv, "\n", &save); row != NULL;
	    row = strtok_r(NULL, "\n", &save)) {
		if (row[0] == '#')
			continue;
		fn = row;
		code = strchr(fn, '\t');
		ck_assert_ptr_nonnull(code);
		*code++ = '\0';
		sub = strchr(code, '\t');
		ck_assert_ptr_nonnull(sub);
		*sub++ = '\0';
		ck_assert_msg(sub[0] != '\0', "%s: empty substring", fn);

		snprintf(path, sizeof(path), "%s/%s", BADDIR, fn);
		data = read_file(path, &dlen);
		ck_assert_msg(dlen > 0 && data[dlen - 1] == '\n' &&
		    memchr(data, '\n', dlen - 1) == NULL,
		    "%s: not exactly one line", fn);
		memset(&err, 0, sizeof(err));
		ck_assert_msg(fs_exabgp_parse_line(NULL, data, dlen - 1, fn, &l,
		    &err) == -1, "%s: accepted", fn);
		ck_assert_msg(strcmp(fs_err_code_name(err.code), code) == 0,
		    "%s: code %s, want %s (%s)", fn, fs_err_code_name(err.code),
		    code, err.msg);
		ck_assert_msg(strstr(err.msg, sub) != NULL,
		    "%s: message \"%s\" lacks \"%s\"", fn, err.msg, sub);
		ck_assert_msg(strncmp(err.msg, fn, strlen(fn)) == 0 &&
		    strncmp(err.msg + strlen(fn), ": ", 2) == 0,
		    "%s: message does not start with the origin: %s", fn, err.msg);
		check_prefill(&l);
		free(data);
		rows++;
	}
	free(tsv);
	ck_assert_uint_ge(rows, 60);

	/* Every corpus file has its row. */
	d = opendir(BADDIR);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 6 && strcmp(de->d_name + n - 6, ".jsonl") == 0)
			files++;
	}
	closedir(d);
	ck_assert_uint_eq(files, rows);
	fs_event_list_free(&l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Caps, atomicity, API edges                                          */

START_TEST(test_line_cap)
{
	struct fs_event_list l = { 0 };
	struct fs_exabgp_opts o;
	struct fs_err err = { 0 };
	size_t len;
	char *line = fixture_line("session-up.jsonl", 2, &len), *huge;

	fs_exabgp_opts_default(&o);
	ck_assert_uint_eq(o.line_max, FS_EXABGP_LINE_MAX);
	ck_assert_int_eq(o.seq.form, FS_SEQ_CLEAN);
	o.line_max = len;
	ck_assert_int_eq(fs_exabgp_parse_line(&o, line, len, "c", &l, &err), 0);
	o.line_max = len - 1;
	ck_assert_int_eq(fs_exabgp_parse_line(&o, line, len, "c", &l, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_uint_eq(l.n, 1);

	/* The default cap: checked before anything is read. */
	huge = malloc(FS_EXABGP_LINE_MAX + 1);
	ck_assert_ptr_nonnull(huge);
	memset(huge, ' ', FS_EXABGP_LINE_MAX + 1);
	memcpy(huge, line, len);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, huge, FS_EXABGP_LINE_MAX + 1,
	    "c", &l, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	/* Trailing blanks are fine under the cap. */
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, huge, FS_EXABGP_LINE_MAX,
	    "c", &l, &err), 0);
	ck_assert_uint_eq(l.n, 2);
	free(huge);
	free(line);
	fs_event_list_free(&l);
}
END_TEST

/* An UPDATE of n withdrawn NLRIs. */
static char *many_nlri(unsigned n, size_t *len)
{
	static const char head[] =
	    "{ \"type\": \"update\", \"neighbor\": { \"address\": { \"local\": "
	    "\"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 }, \"message\": { \"update\": { \"withdraw\": { "
	    "\"ipv4 flow\": [ ";
	size_t cap = sizeof(head) + (size_t)n * 96 + 16, off;
	char *buf = malloc(cap);
	unsigned i;

	ck_assert_ptr_nonnull(buf);
	off = (size_t)snprintf(buf, cap, "%s", head);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off,
		    "%s{ \"destination-port\": [ \"=%u\" ], \"string\": "
		    "\"flow destination-port =%u\" }", i > 0 ? ", " : "",
		    i % 65536, i % 65536);
	off += (size_t)snprintf(buf + off, cap - off, " ] } } } } }");
	ck_assert_uint_lt(off, cap);
	*len = off;
	return buf;
}

START_TEST(test_nlri_cap)
{
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	size_t len;
	char *line;

	line = many_nlri(FS_EXABGP_NLRI_MAX, &len);
	ck_assert_msg(fs_exabgp_parse_line(NULL, line, len, "n", &l, &err) == 0,
	    "%s", err.msg);
	ck_assert_uint_eq(l.n, FS_EXABGP_NLRI_MAX);
	free(line);
	fs_event_list_clear(&l);

	line = many_nlri(FS_EXABGP_NLRI_MAX + 1, &len);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, "n", &l, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "4096"));
	ck_assert_uint_eq(l.n, 0);
	free(line);
	fs_event_list_free(&l);
}
END_TEST

/* A bad second NLRI: no event at all for the line, out untouched. */
START_TEST(test_line_atomic)
{
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	size_t len;
	char *line = fixture_line("bird-withdraw.jsonl", 1, &len), *p;

	/* "=icmp" only occurs in the second NLRI (list and string). */
	ck_assert_ptr_nonnull(strstr(line, "=icmp\""));
	while ((p = strstr(line, "=icmp")) != NULL)
		memcpy(p, "=icmq", 5);
	prefill(&l);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, "a", &l, &err), -1);
	ck_assert_int_eq(err.code, FS_E_VALUE);
	ck_assert_msg(strstr(err.msg, "\"ipv4 flow\"[1].protocol[0]: \"=icmq\"")
	    != NULL, "%s", err.msg);
	check_prefill(&l);

	/* err may be NULL; opts may be NULL. */
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, line, len, NULL, &l, NULL), -1);
	check_prefill(&l);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, NULL, 0, "x", &l, &err), -1);
	ck_assert_int_eq(fs_exabgp_parse_line(NULL, "{}", 2, "x", NULL, &err), -1);
	check_prefill(&l);
	free(line);
	fs_event_list_free(&l);
	fs_event_list_free(NULL);
	fs_event_list_clear(NULL);
}
END_TEST

/* json-c holds the communities above INT64_MAX as uint64: all 64 bits survive. */
START_TEST(test_ecomm_uint64)
{
	static const char fmt[] =
	    "{ \"type\": \"update\", \"neighbor\": { \"address\": { \"local\": "
	    "\"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 }, \"message\": { \"update\": { \"attribute\": { "
	    "\"extended-community\": [ { \"value\": %s } ] }, \"announce\": { "
	    "\"ipv4 flow\": { \"no-nexthop\": [ { \"protocol\": [ \"=tcp\" ], "
	    "\"string\": \"flow protocol =tcp\" } ] } } } } } }";
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "9225905311645171758", 0 },      /* 0x800900000000002e mark 46 */
		{ "18446744073709551614", 0 },     /* 0xfffffffffffffffe: ignored */
		{ "9223372036854775807", 0 },      /* INT64_MAX: type 0x7fff */
		{ "18446744073709551615", -1 },    /* json-c's clamp value */
		{ "18446744073709551616", -1 },    /* clamped by json-c */
		{ "-9225905311645171758", -1 },
		{ "9.225905311645171758e18", -1 },
		{ "\"0x800900000000002e\"", -1 },
		{ "true", -1 },
		{ "null", -1 },
	};
	struct fs_event_list l = { 0 };
	struct fs_err err = { 0 };
	char line[1024];
	size_t i;
	int n;

	for (i = 0; i < NELEM(cases); i++) {
		n = snprintf(line, sizeof(line), fmt, cases[i].text);
		ck_assert_msg(fs_exabgp_parse_line(NULL, line, (size_t)n, "u",
		    &l, &err) == cases[i].rc, "%s: %s", cases[i].text, err.msg);
	}
	ck_assert_uint_eq(l.n, 3);
	ck_assert(l.ev[0].route->act.has_mark && l.ev[0].route->act.dscp == 46);
	ck_assert(no_actions(l.ev[1].route));
	ck_assert(no_actions(l.ev[2].route));
	fs_event_list_free(&l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The strictness check (json_strict.c)                                */

/* Keys as json-c reads them (decoded), and two JSON spellings of each. */
static const struct {
	const char *dec, *sp[2];
} jkeys[] = {
	{ "a", { "a", "\\u0061" } }, { "b", { "b", "\\u0062" } }, { "ab", { "ab", "a\\u0062" } },
	{ "type", { "type", "t\\u0079pe" } },
	{ "\xc3\xa9", { "\xc3\xa9", "\\u00e9" } }, { "\xc3\xa9", { "\\u00E9", "\\u00e9" } },
	{ "\xf0\x9f\x98\x80", { "\xf0\x9f\x98\x80", "\\ud83d\\ude00" } },
	{ "q\"", { "q\\\"", "q\\u0022" } }, { "s/", { "s/", "s\\/" } },
	{ "t\n", { "t\\n", "t\\u000a" } }, { "t\\n", { "t\\\\n", "t\\u005cn" } },
	{ "x y", { "x y", "x\\u0020y" } }, { "", { "", "" } },
};

struct jgen {
	char buf[1 << 16];
	size_t n;
	unsigned seed;
	bool found;            /* the reference: the first key given twice */
	size_t dup_at;
	const char *dup_key;
};

static unsigned jrand(struct jgen *g, unsigned n)
{
	g->seed = g->seed * 1103515245u + 12345u;
	return (g->seed >> 16) % n;
}

static void jput(struct jgen *g, const char *s)
{
	size_t l = strlen(s);

	ck_assert_uint_lt(g->n + l, sizeof(g->buf));
	memcpy(g->buf + g->n, s, l);
	g->n += l;
}

static void jvalue(struct jgen *g, int depth);

static void jobject(struct jgen *g, int depth)
{
	const char *seen[8];
	unsigned m = jrand(g, 7), i, j;

	jput(g, "{");
	for (i = 0; i < m; i++) {
		unsigned k = jrand(g, NELEM(jkeys));

		if (i > 0)
			jput(g, jrand(g, 2) ? "," : " , ");
		for (j = 0; j < i; j++)
			if (strcmp(seen[j], jkeys[k].dec) == 0 && !g->found) {
				g->found = true;
				g->dup_at = g->n;
				g->dup_key = jkeys[k].dec;
			}
		seen[i] = jkeys[k].dec;
		jput(g, "\"");
		jput(g, jkeys[k].sp[jrand(g, 2)]);
		jput(g, jrand(g, 3) ? "\":" : "\" : ");
		jvalue(g, depth + 1);
	}
	jput(g, "}");
}

static void jvalue(struct jgen *g, int depth)
{
	unsigned v = jrand(g, depth < 5 ? 7 : 4), i, m;

	switch (v) {
	case 0: jput(g, "-12.5e+3"); break;
	case 1: jput(g, "\"a\""); break;  /* a value spelled as a key is no key */
	case 2: jput(g, "true"); break;
	case 3: jput(g, "null"); break;
	case 4: case 5:
		jobject(g, depth);
		break;
	default:
		m = jrand(g, 4);
		jput(g, "[");
		for (i = 0; i < m; i++) {
			if (i > 0)
				jput(g, ",");
			jvalue(g, depth + 1);
		}
		jput(g, "]");
	}
}

/*
 * Random documents of nested objects whose keys repeat, in different
 * spellings: the check finds a key given twice exactly when the document
 * has one, the first in the text, with its offset and its decoded name;
 * and json-c reads every document the check passes.
 */
START_TEST(test_strict_dup_property)
{
	struct jgen *g = malloc(sizeof(*g));
	struct fs_js_report r;
	unsigned iter, dups = 0;

	ck_assert_ptr_nonnull(g);
	g->seed = 15;
	for (iter = 0; iter < 3000; iter++) {
		int rc;

		g->n = 0;
		g->found = false;
		jobject(g, 0);
		rc = fs_js_check(g->buf, g->n, 16, &r);
		if (!g->found) {
			ck_assert_msg(rc == 0, "%.*s: %s at %zu", (int)g->n, g->buf, r.what, r.off);
			continue;
		}
		dups++;
		ck_assert_msg(rc == -1 && r.fault == FS_JSF_DUP, "%.*s: not refused", (int)g->n, g->buf);
		ck_assert_msg(r.off == g->dup_at, "%.*s: at %zu, want %zu", (int)g->n, g->buf, r.off,
		    g->dup_at);
		ck_assert_uint_eq(r.vlen, strlen(g->dup_key));
		ck_assert(memcmp(r.val, g->dup_key, r.vlen) == 0);
	}
	ck_assert_uint_gt(dups, 300);
	ck_assert_uint_lt(dups, 2900);
	free(g);
}
END_TEST

/* Linear and bounded: many keys, many objects, the cap on keys held at once. */
START_TEST(test_strict_scale)
{
	size_t cap = 80 * (FS_JS_KEYS_MAX + 16), n, i;
	char *b = malloc(cap);
	struct fs_js_report r;

	ck_assert_ptr_nonnull(b);
	/* one object of FS_JS_KEYS_MAX keys: fine; one more: a limit */
	n = (size_t)snprintf(b, cap, "{");
	for (i = 0; i < FS_JS_KEYS_MAX; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s\"k%zu\":%zu", i ? "," : "", i, i);
	memcpy(b + n, "}", 2);
	ck_assert_int_eq(fs_js_check(b, n + 1, 16, &r), 0);
	n += (size_t)snprintf(b + n, cap - n, ",\"k0\":0}");
	ck_assert_int_eq(fs_js_check(b, n, 16, &r), -1);
	ck_assert_int_eq(r.fault, FS_JSF_DUP);
	memcpy(b + n - 7, "\"z\":0}", 6);
	ck_assert_int_eq(fs_js_check(b, n - 1, 16, &r), -1);
	ck_assert_int_eq(r.fault, FS_JSF_KEYS);
	ck_assert_int_eq(r.code, FS_E_LIMIT);
	/* 100,000 objects with the same keys, one after the other: their keys go as they close */
	n = (size_t)snprintf(b, cap, "[");
	for (i = 0; i < 100000; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s{\"a\":{\"a\":1},\"b\":2}", i ? "," : "");
	n += (size_t)snprintf(b + n, cap - n, ",{\"a\":1,\"b\":2,\"a\":3}]");
	ck_assert_int_eq(fs_js_check(b, n, 16, &r), -1);
	ck_assert_int_eq(r.fault, FS_JSF_DUP);
	ck_assert_str_eq(r.path, "[100000]");
	ck_assert_uint_eq(r.off, n - 7);
	/* nesting: 16 deep is fine, 17 a limit */
	ck_assert_int_eq(fs_js_check("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]", 32, 16, &r), 0);
	ck_assert_int_eq(fs_js_check("[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", 35, 16, &r), -1);
	ck_assert_int_eq(r.fault, FS_JSF_DEPTH);
	free(b);
}
END_TEST

/* What json-c lets through, refused by the check; what JSON allows, kept. */
START_TEST(test_strict_values)
{
	static const struct {
		const char *doc;
		enum fs_js_fault f;
	} t[] = {
		{ "{\"a\":\"\\u0000\"}", FS_JSF_ESC_NUL },
		{ "{\"a\\u0000\":1}", FS_JSF_ESC_NUL },
		{ "{\"a\":\"\\ud800\"}", FS_JSF_SURROGATE },
		{ "{\"a\":\"\\ud800\\u0041\"}", FS_JSF_SURROGATE },
		{ "{\"a\":\"\\udfff\"}", FS_JSF_SURROGATE },
		{ "{\"a\":\"\\x41\"}", FS_JSF_ESCAPE },
		{ "{\"a\":\"\\u00g1\"}", FS_JSF_ESCAPE },
		{ "{\"a\":\"\t\"}", FS_JSF_CTRL },
		{ "{\"a\":\"\xed\xa0\x80\"}", FS_JSF_UTF8 },
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", FS_JSF_UTF8 },
		{ "{\"a\":\"\xe0\x80\xaf\"}", FS_JSF_UTF8 },
		{ "{\"a\":\"\x80\"}", FS_JSF_UTF8 },
		{ "{\"a\":NaN}", FS_JSF_LITERAL },
		{ "{\"a\":Infinity}", FS_JSF_LITERAL },
		{ "{\"a\":01}", FS_JSF_LITERAL },
		{ "{\"a\":1.}", FS_JSF_LITERAL },
		{ "{\"a\":.5}", FS_JSF_LITERAL },
		{ "{\"a\":+1}", FS_JSF_LITERAL },
		{ "{\"a\":1e}", FS_JSF_LITERAL },
		{ "{\"a\":truefalse}", FS_JSF_LITERAL },
		{ "{\"a\":True}", FS_JSF_LITERAL },
		{ "{'a':1}", FS_JSF_CHAR },
		{ "{\"a\":1]", FS_JSF_CHAR },
		{ "{\"a\":1}}", FS_JSF_CHAR },
		{ "{\"a\":1}\v", FS_JSF_CHAR },
		{ "{\"a\":[1,2],\"b\":{\"a\":[]},\"\xf0\x9f\x98\x80\":\"\\ud83d\\ude00\\n\\\"\"}", FS_JSF_NONE },
		{ "{\"a\":-0.5E-7,\"b\":0,\"c\":-0,\"d\":1e5,\"e\":false,\"f\":null}", FS_JSF_NONE },
		{ "{\"a\":1,\"A\":2,\"a \":3,\"\\u00e9\":4,\"e\\u0301\":5}", FS_JSF_NONE },
	};
	struct fs_js_report r;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		int rc = fs_js_check(t[i].doc, strlen(t[i].doc), 16, &r);

		ck_assert_msg(rc == (t[i].f == FS_JSF_NONE ? 0 : -1) &&
		    (rc == 0 || r.fault == t[i].f), "%s: %d %s", t[i].doc, rc, rc ? r.what : "");
	}
}
END_TEST

static Suite *exabgp_suite(void)
{
	Suite *s = suite_create("exabgp");
	TCase *tc = tcase_create("fixtures");
	TCase *tb = tcase_create("bad-input");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_fixture_counts, 0, (int)NELEM(fix_counts));
	tcase_add_test(tc, test_fixture_table_complete);
	tcase_add_test(tc, test_bird_all_components);
	tcase_add_test(tc, test_r26_seq_modes);
	tcase_add_test(tc, test_gobgp_components);
	tcase_add_test(tc, test_exabgp_redirects);
	tcase_add_test(tc, test_states_and_notifications);
	tcase_add_test(tc, test_withdraws_and_packing);
	tcase_add_test(tc, test_withdraw_and_announce);
	tcase_add_test(tc, test_quiet_and_unknown_types);
	suite_add_tcase(s, tc);

	/* The sweep is slow under valgrind. */
	tcase_set_timeout(tb, 600);
	tcase_add_test(tb, test_error_message_format);
	tcase_add_loop_test(tb, test_truncation_sweep, 0, (int)NELEM(sweep_lines));
	tcase_add_test(tb, test_bad_input_corpus);
	tcase_add_test(tb, test_line_cap);
	tcase_add_test(tb, test_nlri_cap);
	tcase_add_test(tb, test_line_atomic);
	tcase_add_test(tb, test_ecomm_uint64);
	tcase_add_test(tb, test_strict_dup_property);
	tcase_add_test(tb, test_strict_scale);
	tcase_add_test(tb, test_strict_values);
	suite_add_tcase(s, tb);
	return s;
}

static void quiet_sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	(void)lvl;
	(void)msg;
	(void)ctx;
}

int main(void)
{
	fs_log_set_sink(quiet_sink, NULL);
	return fs_check_run(exabgp_suite());
}
