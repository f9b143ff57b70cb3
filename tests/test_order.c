/*
 * test_order.c - Check suite for the canonical encoding (encode.c) and the
 * route order (order.c).
 *
 * Encoding vectors come from the examples of RFC 8955 §4.3 and RFC 8956
 * §3.8, order vectors from RFC 8955 §5.1 and the test cases published with
 * the reference code of RFC 8956 Appendix A.  A seeded property test
 * checks that the order is total and consistent and agrees with an
 * independent comparator written on the route struct, and a truncation
 * sweep feeds every prefix of valid keys (in exactly-sized heap buffers,
 * so ASan/valgrind see any over-read) to the key comparator.
 */
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/order.h"
#include "flowspec/rule.h"

#define MAXT 12

#define O_EQ  FS_OP_EQ
#define O_GT  FS_OP_GT
#define O_LT  FS_OP_LT
#define O_GE  (FS_OP_GT | FS_OP_EQ)
#define O_LE  (FS_OP_LT | FS_OP_EQ)
#define O_NE  (FS_OP_LT | FS_OP_GT)
#define O_AND FS_OP_AND
#define O_M   FS_OP_MATCH
#define O_NOT FS_OP_NOT

#define T(ty, o, v) { FS_C_##ty, (o), (v) }

struct tterm {
	uint8_t type, op;
	uint32_t value;
};

/* A route written out in a table: prefixes as "addr/len", terms in add order. */
struct tspec {
	enum fs_family fam;
	const char *dst;
	unsigned dst_off;
	const char *src;
	unsigned src_off;
	struct tterm t[MAXT]; /* ends at type 0 */
};

/* ---------------------------------------------------------------- helpers */

static void parse_pfx(const char *s, enum fs_family fam, uint8_t addr[16],
    unsigned *len)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t n;

	ck_assert_msg(slash != NULL, "bad prefix %s", s);
	n = (size_t)(slash - s);
	ck_assert_uint_lt(n, sizeof(tmp));
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(addr, 0, 16);
	ck_assert_msg(inet_pton(fam == FS_INET ? AF_INET : AF_INET6, tmp, addr) == 1,
	    "bad address %s", tmp);
	*len = (unsigned)strtoul(slash + 1, NULL, 10);
}

static struct fs_route *build(const struct tspec *s)
{
	struct fs_err err = { 0 };
	struct fs_route *r = fs_route_new(s->fam);
	uint8_t addr[16];
	unsigned len;

	ck_assert_ptr_nonnull(r);
	if (s->dst != NULL) {
		parse_pfx(s->dst, s->fam, addr, &len);
		ck_assert_msg(fs_route_set_prefix(r, FS_C_DST, addr, len, s->dst_off,
		    &err) == 0, "dst %s: %s", s->dst, err.msg);
	}
	if (s->src != NULL) {
		parse_pfx(s->src, s->fam, addr, &len);
		ck_assert_msg(fs_route_set_prefix(r, FS_C_SRC, addr, len, s->src_off,
		    &err) == 0, "src %s: %s", s->src, err.msg);
	}
	for (int i = 0; i < MAXT && s->t[i].type != 0; i++)
		ck_assert_msg(fs_route_add_term(r, s->t[i].type, s->t[i].op,
		    s->t[i].value, &err) == 0, "term %d: %s", i, err.msg);
	return r;
}

/* Parses "01 18 c0" into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	char *end;

	for (;;) {
		unsigned long v;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			return n;
		v = strtoul(s, &end, 16);
		ck_assert_msg(end != s && v <= 0xff, "bad hex at \"%s\"", s);
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)v;
		s = end;
	}
}

static void hexdump(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && off + 4 < cap; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s%02x", i ? " " : "", b[i]);
}

static size_t key_of(const struct fs_route *r, uint8_t *buf)
{
	int n = fs_route_key(r, buf, FS_KEY_MAX);

	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* ------------------------------------------------------ encoding vectors */

struct enc_case {
	const char *name;
	struct tspec r;
	const char *hex; /* the components, without family byte or NLRI length */
};

static const struct enc_case enc_cases[] = {
	/* RFC 8955 §4.3, example 1: all packets to 192.0.2.0/24 and TCP port 25. */
	{ "rfc8955 ex1", { .fam = FS_INET, .dst = "192.0.2.0/24",
	    .t = { T(PROTO, O_EQ, 6), T(PORT, O_EQ, 25) } },
	  "01 18 c0 00 02 03 81 06 04 81 19" },
	/* Example 2: to 192.0.2.0/24 from 203.0.113.0/24, port [137,139] or 8080. */
	{ "rfc8955 ex2", { .fam = FS_INET, .dst = "192.0.2.0/24",
	    .src = "203.0.113.0/24",
	    .t = { T(PORT, O_GE, 137), T(PORT, O_AND | O_LE, 139),
		   T(PORT, O_EQ, 8080) } },
	  "01 18 c0 00 02 02 18 cb 00 71 04 03 89 45 8b 91 1f 90" },
	/* Example 3: to 192.0.2.1/32 and fragment {DF or FF}. */
	{ "rfc8955 ex3", { .fam = FS_INET, .dst = "192.0.2.1/32",
	    .t = { T(FRAGMENT, 0, FS_FRAG_DF | FS_FRAG_FF) } },
	  "01 20 c0 00 02 01 0c 80 05" },
	/* RFC 8956 §3.8.1: to 2001:db8::/32 from ::1234:5678:9a00:0/64-104, tcp. */
	{ "rfc8956 ex1", { .fam = FS_INET6, .dst = "2001:db8::/32",
	    .src = "::1234:5678:9a00:0/104", .src_off = 64,
	    .t = { T(PROTO, O_EQ, 6) } },
	  "01 20 00 20 01 0d b8 02 68 40 12 34 56 78 9a 03 81 06" },
	/* RFC 8956 §3.8.2: the same source at offset 65, pattern shifted a bit. */
	{ "rfc8956 ex2 src", { .fam = FS_INET6, .src = "::1234:5678:9a00:0/104",
	    .src_off = 65 },
	  "02 68 41 24 68 ac f1 34" },
	/* Offset inside a byte (the BIRD 072821e test vector, RFC 8956 §3.1). */
	{ "v6 offset 60", { .fam = FS_INET6, .dst = "::1:1234:5678:9800:0/104",
	    .dst_off = 60 },
	  "01 68 3c 11 23 45 67 89 80" },
	{ "v6 offset 8 len 16, bits before offset cleared",
	  { .fam = FS_INET6, .dst = "ffab::/16", .dst_off = 8 }, "01 10 08 ab" },
	{ "v6 /128", { .fam = FS_INET6, .dst = "2001:db8::1/128" },
	  "01 80 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01" },
	{ "v4 /0", { .fam = FS_INET, .dst = "0.0.0.0/0" }, "01 00" },
	{ "v6 ::/0", { .fam = FS_INET6, .dst = "::/0" }, "01 00 00" },
	{ "v4 /25", { .fam = FS_INET, .dst = "10.0.0.128/25" }, "01 19 0a 00 00 80" },
	{ "v4 host bits cleared", { .fam = FS_INET, .dst = "10.0.0.255/25" },
	  "01 19 0a 00 00 80" },
	{ "v4 /9 src", { .fam = FS_INET, .src = "10.255.0.0/9" }, "02 09 0a 80" },
	{ "value 255: 1 byte", { .fam = FS_INET, .t = { T(DPORT, O_EQ, 255) } },
	  "05 81 ff" },
	{ "value 256: 2 bytes", { .fam = FS_INET, .t = { T(DPORT, O_EQ, 256) } },
	  "05 91 01 00" },
	{ "value 65535: 2 bytes", { .fam = FS_INET, .t = { T(PKT_LEN, O_LT, 65535) } },
	  "0a 94 ff ff" },
	{ "value 65536: 4 bytes", { .fam = FS_INET6,
	    .t = { T(FLOW_LABEL, O_EQ, 65536) } }, "0d a1 00 01 00 00" },
	{ "flow label max", { .fam = FS_INET6, .t = { T(FLOW_LABEL, O_NE, 0xfffff) } },
	  "0d a6 00 0f ff ff" },
	{ "mixed value lengths in one list", { .fam = FS_INET,
	    .t = { T(PORT, O_EQ, 80), T(PORT, O_EQ, 443), T(PORT, O_GE, 1024),
		   T(PORT, O_AND | O_LE, 65535) } },
	  "04 01 50 11 01 bb 13 04 00 d5 ff ff" },
	{ "tcp flags =syn&!ack", { .fam = FS_INET,
	    .t = { T(TCP_FLAGS, O_M, FS_TCP_SYN),
		   T(TCP_FLAGS, O_AND | O_NOT | O_M, FS_TCP_ACK) } },
	  "09 01 02 c3 10" },
	{ "tcp flags ns: 2-byte bitmask", { .fam = FS_INET,
	    .t = { T(TCP_FLAGS, O_M, FS_TCP_NS) } }, "09 91 01 00" },
	{ "bitmask any-of and not", { .fam = FS_INET,
	    .t = { T(TCP_FLAGS, 0, FS_TCP_SYN | FS_TCP_ACK),
		   T(TCP_FLAGS, O_AND | O_NOT, FS_TCP_RST) } },
	  "09 00 12 c2 04" },
	{ "false and true operators", { .fam = FS_INET,
	    .t = { T(PROTO, 0, 0), T(PROTO, O_LT | O_GT | O_EQ, 0) } },
	  "03 00 00 87 00" },
	/* Added out of type order; the key is in ascending type order. */
	{ "components sorted by type", { .fam = FS_INET,
	    .t = { T(DSCP, O_EQ, 46), T(ICMP_CODE, O_EQ, 0), T(ICMP_TYPE, O_EQ, 8),
		   T(PROTO, O_EQ, 1), T(PKT_LEN, O_LT, 100), T(SPORT, O_GT, 1023),
		   T(PKT_LEN, O_EQ, 1500) } },
	  "03 81 01 06 92 03 ff 07 81 08 08 81 00 0a 04 64 91 05 dc 0b 81 2e" },
	{ "every IPv4 component", { .fam = FS_INET, .dst = "10.0.0.0/8",
	    .src = "192.168.0.0/16",
	    .t = { T(PROTO, O_EQ, 17), T(PORT, O_EQ, 53), T(DPORT, O_EQ, 53),
		   T(SPORT, O_GT, 1023), T(ICMP_TYPE, O_EQ, 0), T(ICMP_CODE, O_EQ, 0),
		   T(TCP_FLAGS, O_M, FS_TCP_SYN), T(PKT_LEN, O_GE, 512),
		   T(DSCP, O_EQ, 0), T(FRAGMENT, O_M, FS_FRAG_ISF) } },
	  "01 08 0a 02 10 c0 a8 03 81 11 04 81 35 05 81 35 06 92 03 ff 07 81 00 "
	  "08 81 00 09 81 02 0a 93 02 00 0b 81 00 0c 81 02" },
	{ "no components: family byte only", { .fam = FS_INET6 }, "" },
};

#define NENC (sizeof(enc_cases) / sizeof(enc_cases[0]))

START_TEST(test_encode_vectors)
{
	const struct enc_case *c = &enc_cases[_i];
	uint8_t want[FS_KEY_MAX], key[FS_KEY_MAX], comp[FS_KEY_MAX];
	char gotx[3 * FS_KEY_MAX], wantx[3 * FS_KEY_MAX];
	struct fs_route *r = build(&c->r);
	size_t wn, kn, sum = 1;

	want[0] = (uint8_t)c->r.fam;
	wn = 1 + unhex(c->hex, want + 1, sizeof(want) - 1);
	kn = key_of(r, key);
	hexdump(key + 1, kn - 1, gotx, sizeof(gotx));
	hexdump(want + 1, wn - 1, wantx, sizeof(wantx));
	ck_assert_msg(kn == wn && memcmp(key, want, wn) == 0,
	    "%s: key [%s], want [%s]", c->name, gotx, wantx);

	/* The key is exactly the family byte plus each fs_comp_encode output. */
	for (int t = 0; t <= FS_C_MAX + 2; t++) {
		int n = fs_comp_encode(r, t, comp, sizeof(comp));

		ck_assert_int_ge(n, 0);
		if (t < FS_C_DST || t > FS_C_MAX || !fs_route_has(r, t)) {
			ck_assert_int_eq(n, 0);
			continue;
		}
		ck_assert_int_gt(n, 0);
		ck_assert_uint_eq(comp[0], (unsigned)t);
		ck_assert_msg(sum + (size_t)n <= kn &&
		    memcmp(comp, key + sum, (size_t)n) == 0, "%s: type %d", c->name, t);
		sum += (size_t)n;
	}
	ck_assert_uint_eq(sum, kn);
	ck_assert_int_eq(fs_comp_encode(r, -1, comp, sizeof(comp)), 0);
	ck_assert_int_eq(fs_comp_encode(r, 99, comp, sizeof(comp)), 0);
	fs_route_free(r);
}
END_TEST

/* Every cap below the key length fails with -1 and writes nothing past cap. */
START_TEST(test_encode_cap_sweep)
{
	const struct enc_case *c = &enc_cases[_i];
	struct fs_route *r = build(&c->r);
	uint8_t key[FS_KEY_MAX], buf[FS_KEY_MAX], canary[FS_KEY_MAX];
	size_t kn = key_of(r, key), span = kn + 16;

	memset(canary, 0xa5, sizeof(canary));
	for (size_t cap = 0; cap <= kn; cap++) {
		int n;

		memset(buf, 0xa5, span);
		n = fs_route_key(r, buf, cap);
		ck_assert_int_eq(n, cap < kn ? -1 : (int)kn);
		ck_assert_msg(memcmp(buf + cap, canary, span - cap) == 0,
		    "%s: cap %zu wrote past the cap", c->name, cap);
	}
	for (int t = FS_C_DST; t <= FS_C_MAX; t++) {
		int full = fs_comp_encode(r, t, buf, sizeof(buf));

		for (int cap = 0; cap < full; cap++) {
			memset(buf, 0xa5, span);
			ck_assert_int_eq(fs_comp_encode(r, t, buf, (size_t)cap), -1);
			ck_assert(memcmp(buf + cap, canary, span - (size_t)cap) == 0);
		}
	}
	fs_route_free(r);
}
END_TEST

/* The largest route the caps allow still fits FS_KEY_MAX and compares. */
START_TEST(test_encode_max_route)
{
	static const int types[] = { FS_C_PORT, FS_C_DPORT, FS_C_SPORT, FS_C_FLOW_LABEL };
	struct fs_err err = { 0 };
	struct fs_route *a = fs_route_new(FS_INET6), *b;
	uint8_t addr[16], key[FS_KEY_MAX];
	size_t want = 1 + 2 * (3 + 16);

	memset(addr, 0xff, sizeof(addr));
	ck_assert_int_eq(fs_route_set_prefix(a, FS_C_DST, addr, 128, 0, &err), 0);
	ck_assert_int_eq(fs_route_set_prefix(a, FS_C_SRC, addr, 128, 0, &err), 0);
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		want += 1;
		for (unsigned i = 0; i < FS_MAX_TERMS; i++) {
			uint32_t v = types[k] == FS_C_FLOW_LABEL ? 0x10000 + i : 0x100 + i;

			ck_assert_msg(fs_route_add_term(a, types[k], O_EQ, v, &err) == 0,
			    "%s", err.msg);
			want += types[k] == FS_C_FLOW_LABEL ? 5 : 3;
		}
	}
	ck_assert_uint_eq(a->nterm_total, FS_MAX_ROUTE_TERMS);
	ck_assert_uint_eq(key_of(a, key), want);
	b = fs_route_dup(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(fs_route_cmp_rfc(a, b), 0);
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), 0);
	fs_route_free(a);
	fs_route_free(b);
}
END_TEST

/* ------------------------------------------------------- order vectors */

struct pair_case {
	const char *name;
	struct tspec a, b;
	int exp; /* fs_route_cmp_rfc(a, b) */
};

static const struct pair_case pair_cases[] = {
	/* RFC 8955 §5.1: the lowest component type present in only one wins. */
	{ "dst beats no dst", { .fam = FS_INET, .dst = "10.0.0.0/8" },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } }, -1 },
	{ "lower type wins at the second component",
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .t = { T(PORT, O_EQ, 80) } }, -1 },
	{ "src beats a higher type",
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .src = "192.0.2.0/24" },
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .t = { T(PROTO, O_EQ, 6) } }, -1 },
	{ "any prefix beats a long operator list",
	  { .fam = FS_INET, .src = "203.0.113.7/32" },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6), T(PORT, O_EQ, 22),
	    T(DSCP, O_EQ, 0) } }, -1 },
	/* Prefixes: the more specific of two nested prefixes wins. */
	{ "more specific wins", { .fam = FS_INET, .dst = "10.1.0.0/16" },
	  { .fam = FS_INET, .dst = "10.0.0.0/8" }, -1 },
	{ "more specific wins (b inside a)", { .fam = FS_INET, .dst = "10.0.0.0/8" },
	  { .fam = FS_INET, .dst = "10.1.2.0/24" }, 1 },
	{ "/32 inside /31", { .fam = FS_INET, .dst = "192.0.2.1/32" },
	  { .fam = FS_INET, .dst = "192.0.2.0/31" }, -1 },
	{ "/1 inside /0", { .fam = FS_INET, .dst = "0.0.0.0/0", .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .dst = "128.0.0.0/1", .t = { T(PROTO, O_EQ, 6) } }, 1 },
	/* Otherwise the lower address over the common length wins. */
	{ "lower address wins", { .fam = FS_INET, .dst = "10.0.0.0/8" },
	  { .fam = FS_INET, .dst = "11.0.0.0/8" }, -1 },
	{ "lower address beats a more specific one",
	  { .fam = FS_INET, .dst = "192.0.2.0/24" },
	  { .fam = FS_INET, .dst = "192.0.3.0/25" }, -1 },
	{ "higher address loses although longer",
	  { .fam = FS_INET, .dst = "192.0.3.0/32" },
	  { .fam = FS_INET, .dst = "192.0.2.0/24" }, 1 },
	{ "difference in the last common bit",
	  { .fam = FS_INET, .dst = "10.0.0.0/9" },
	  { .fam = FS_INET, .dst = "10.128.0.0/9" }, -1 },
	{ "equal dst, src decides",
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .src = "1.2.3.0/24" },
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .src = "1.2.0.0/16" }, -1 },
	/* Other components: memcmp of the encoded operator/value bytes. */
	{ "proto =6 before =17", { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 17) } }, -1 },
	/* 81 50 vs 01 50 91 01 bb: the end bit makes the OR-list the lower string. */
	{ "=80 vs =80,=443", { .fam = FS_INET, .t = { T(PORT, O_EQ, 80) } },
	  { .fam = FS_INET, .t = { T(PORT, O_EQ, 80), T(PORT, O_EQ, 443) } }, 1 },
	/* 91 01 bb vs 81 50: the length bits order before the value. */
	{ "=443 vs =80", { .fam = FS_INET, .t = { T(PORT, O_EQ, 443) } },
	  { .fam = FS_INET, .t = { T(PORT, O_EQ, 80) } }, 1 },
	{ ">=1024&<=2048 vs =80",
	  { .fam = FS_INET, .t = { T(PORT, O_GE, 1024), T(PORT, O_AND | O_LE, 2048) } },
	  { .fam = FS_INET, .t = { T(PORT, O_EQ, 80) } }, -1 },
	{ "=syn vs =syn&!ack",
	  { .fam = FS_INET, .t = { T(TCP_FLAGS, O_M, FS_TCP_SYN) } },
	  { .fam = FS_INET, .t = { T(TCP_FLAGS, O_M, FS_TCP_SYN),
	    T(TCP_FLAGS, O_AND | O_NOT | O_M, FS_TCP_ACK) } }, 1 },
	/* RFC 8956 App. A: the route with more components wins. */
	{ "more components wins",
	  { .fam = FS_INET, .dst = "10.0.0.0/8", .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .dst = "10.0.0.0/8" }, -1 },
	{ "more components wins (high type)",
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6), T(DSCP, O_EQ, 0) } }, 1 },
	{ "identical routes", { .fam = FS_INET, .dst = "192.0.2.0/24",
	    .t = { T(PORT, O_GE, 137), T(PORT, O_AND | O_LE, 139), T(PORT, O_EQ, 8080) } },
	  { .fam = FS_INET, .dst = "192.0.2.0/24",
	    .t = { T(PORT, O_GE, 137), T(PORT, O_AND | O_LE, 139), T(PORT, O_EQ, 8080) } }, 0 },
	{ "host bits do not matter", { .fam = FS_INET, .dst = "10.0.0.255/24" },
	  { .fam = FS_INET, .dst = "10.0.0.0/24" }, 0 },
	{ "term add order across components does not matter",
	  { .fam = FS_INET, .t = { T(DPORT, O_EQ, 80), T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6), T(DPORT, O_EQ, 80) } }, 0 },
	/* RFC 8956 App. A test vectors (offset 4 unless noted). */
	{ "6A same common part: longer wins",
	  { .fam = FS_INET6, .dst = "200::/8", .dst_off = 4 },
	  { .fam = FS_INET6, .dst = "201::/16", .dst_off = 4 }, 1 },
	{ "6A same common part, src",
	  { .fam = FS_INET6, .src = "200::/8", .src_off = 4 },
	  { .fam = FS_INET6, .src = "201::/16", .src_off = 4 }, 1 },
	{ "6A different common part: lower wins",
	  { .fam = FS_INET6, .dst = "200::/8", .dst_off = 4 },
	  { .fam = FS_INET6, .dst = "301::/16", .dst_off = 4 }, -1 },
	{ "6A different common part, src",
	  { .fam = FS_INET6, .src = "200::/8", .src_off = 4 },
	  { .fam = FS_INET6, .src = "301::/16", .src_off = 4 }, -1 },
	{ "6A lower offset wins",
	  { .fam = FS_INET6, .dst = "200::/8", .dst_off = 3 },
	  { .fam = FS_INET6, .dst = "301::/16", .dst_off = 4 }, -1 },
	{ "6A lower offset wins, src",
	  { .fam = FS_INET6, .src = "200::/8", .src_off = 3 },
	  { .fam = FS_INET6, .src = "301::/16", .src_off = 4 }, -1 },
	{ "6A equal",
	  { .fam = FS_INET6, .dst = "200::/16", .dst_off = 4, .src = "100::/16",
	    .src_off = 4, .t = { T(PORT, O_EQ, 1), T(DPORT, O_EQ, 2) } },
	  { .fam = FS_INET6, .dst = "200::/16", .dst_off = 4, .src = "100::/16",
	    .src_off = 4, .t = { T(PORT, O_EQ, 1), T(DPORT, O_EQ, 2) } }, 0 },
	{ "6A fewer components loses",
	  { .fam = FS_INET6, .t = { T(PORT, O_EQ, 1), T(DPORT, O_EQ, 2) } },
	  { .fam = FS_INET6, .t = { T(PORT, O_EQ, 1) } }, -1 },
	{ "6A lower type wins",
	  { .fam = FS_INET6, .t = { T(PORT, O_EQ, 1) } },
	  { .fam = FS_INET6, .t = { T(DPORT, O_EQ, 1), T(SPORT, O_EQ, 1) } }, -1 },
	/* More IPv6. */
	{ "v6 offset decides before the address",
	  { .fam = FS_INET6, .dst = "ff00::/8" },
	  { .fam = FS_INET6, .dst = "::1/128", .dst_off = 8 }, -1 },
	{ "v6 pattern at offset 60, lower wins",
	  { .fam = FS_INET6, .dst = "::1:1234:5678:9800:0/104", .dst_off = 60 },
	  { .fam = FS_INET6, .dst = "::1:1234:5678:9900:0/104", .dst_off = 60 }, -1 },
	{ "v6 nested at offset 60, more specific wins",
	  { .fam = FS_INET6, .dst = "::1:1234:5678:0:0/96", .dst_off = 60 },
	  { .fam = FS_INET6, .dst = "::1:1234:5678:9800:0/104", .dst_off = 60 }, 1 },
	{ "v6 nested at offset 65, pattern bits shifted",
	  { .fam = FS_INET6, .src = "::1234:5678:9a00:0/104", .src_off = 65 },
	  { .fam = FS_INET6, .src = "::1234:5678:8000:0/97", .src_off = 65 }, -1 },
	{ "v6 /48 inside /32", { .fam = FS_INET6, .dst = "2001:db8::/32" },
	  { .fam = FS_INET6, .dst = "2001:db8:1::/48" }, 1 },
	{ "v6 RFC 8956 example 1 vs its dst alone",
	  { .fam = FS_INET6, .dst = "2001:db8::/32", .src = "::1234:5678:9a00:0/104",
	    .src_off = 64, .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET6, .dst = "2001:db8::/32" }, -1 },
	/* Not RFC: the two families never share a chain, but the order is total. */
	{ "inet before inet6", { .fam = FS_INET6, .t = { T(PROTO, O_EQ, 6) } },
	  { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } }, 1 },
};

START_TEST(test_order_pairs)
{
	const struct pair_case *c = &pair_cases[_i];
	struct fs_route *a = build(&c->a), *b = build(&c->b);
	uint8_t ka[FS_KEY_MAX], kb[FS_KEY_MAX];
	size_t la = key_of(a, ka), lb = key_of(b, kb);

	ck_assert_msg(fs_route_cmp_rfc(a, b) == c->exp, "%s: cmp(a,b) = %d, want %d",
	    c->name, fs_route_cmp_rfc(a, b), c->exp);
	ck_assert_msg(fs_route_cmp_rfc(b, a) == -c->exp, "%s: cmp(b,a)", c->name);
	ck_assert_int_eq(fs_key_cmp_rfc(ka, la, kb, lb), c->exp);
	ck_assert_int_eq(fs_key_cmp_rfc(kb, lb, ka, la), -c->exp);
	ck_assert_int_eq(fs_route_cmp_rfc(a, a), 0);
	ck_assert_int_eq(fs_route_cmp_rfc(b, b), 0);
	/* None of these is a default route or has a sequence number. */
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_RFC), c->exp);
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), c->exp);
	/* 0 exactly when the keys are the same bytes. */
	ck_assert_int_eq(c->exp == 0, la == lb && memcmp(ka, kb, la) == 0);
	fs_route_free(a);
	fs_route_free(b);
}
END_TEST

/* -------------------------------------------- sequence mode and default */

struct seq_route {
	const char *name;
	struct tspec r;
	int has_seq;
	uint32_t seq;
};

static const struct seq_route seq_routes[] = {
	{ "def4", { .fam = FS_INET, .dst = "0.0.0.0/0" }, 1, 0 },
	{ "proto", { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } }, 0, 0 },
	{ "net10", { .fam = FS_INET, .dst = "10.0.0.0/8" }, 1, 10 },
	{ "net11", { .fam = FS_INET, .dst = "11.0.0.0/8" }, 1, 5 },
	{ "net10.1", { .fam = FS_INET, .dst = "10.1.0.0/16" }, 0, 0 },
	{ "net10.2-seq10", { .fam = FS_INET, .dst = "10.2.0.0/16" }, 1, 10 },
	{ "def4-both", { .fam = FS_INET, .dst = "0.0.0.0/0", .src = "0.0.0.0/0" }, 0, 0 },
	{ "dport-seq0", { .fam = FS_INET, .t = { T(DPORT, O_EQ, 22) } }, 1, 0 },
};
#define NSEQ (sizeof(seq_routes) / sizeof(seq_routes[0]))

static enum fs_order_mode sort_mode;

static int qcmp_route(const void *x, const void *y)
{
	return fs_route_cmp(*(struct fs_route *const *)x,
	    *(struct fs_route *const *)y, sort_mode);
}

static const char *seq_name(struct fs_route *const *orig, const struct fs_route *r)
{
	for (size_t i = 0; i < NSEQ; i++)
		if (orig[i] == r)
			return seq_routes[i].name;
	return "?";
}

static void check_sorted(enum fs_order_mode mode, const char *const *want)
{
	struct fs_route *orig[NSEQ], *rs[NSEQ];
	char got[512];
	size_t off = 0;

	for (size_t i = 0; i < NSEQ; i++) {
		orig[i] = build(&seq_routes[i].r);
		orig[i]->has_seq = seq_routes[i].has_seq;
		orig[i]->seq = seq_routes[i].seq;
	}
	memcpy(rs, orig, sizeof(rs));
	sort_mode = mode;
	qsort(rs, NSEQ, sizeof(rs[0]), qcmp_route);
	got[0] = '\0';
	for (size_t i = 0; i < NSEQ && off < sizeof(got); i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s ",
		    seq_name(orig, rs[i]));
	for (size_t i = 0; i < NSEQ; i++)
		ck_assert_msg(strcmp(seq_name(orig, rs[i]), want[i]) == 0,
		    "mode %d position %zu: got order %s", (int)mode, i, got);
	for (size_t i = 0; i < NSEQ; i++)
		fs_route_free(orig[i]);
}

START_TEST(test_order_modes)
{
	/* RFC: prefixes by specificity/address, proto-only after them, defaults last. */
	static const char *const rfc[NSEQ] = {
		"net10.1", "net10.2-seq10", "net10", "net11", "proto", "dport-seq0",
		"def4-both", "def4",
	};
	/*
	 * Sequence: numbered first by number (ties: RFC), the rest in RFC
	 * order; the defaults stay last, and among themselves follow the same
	 * rules (def4 carries a number, def4-both does not).
	 */
	static const char *const seq[NSEQ] = {
		"dport-seq0", "net11", "net10.2-seq10", "net10", "net10.1", "proto",
		"def4", "def4-both",
	};

	check_sorted(FS_ORDER_RFC, rfc);
	check_sorted(FS_ORDER_SEQUENCE, seq);
}
END_TEST

START_TEST(test_default_last)
{
	static const struct tspec specs[] = {
		{ .fam = FS_INET, .dst = "0.0.0.0/0" },
		{ .fam = FS_INET, .src = "0.0.0.0/0" },
		{ .fam = FS_INET6, .dst = "::/0" },
		{ .fam = FS_INET6, .dst = "::/0", .src = "::/0" },
	};
	static const struct tspec others[] = {
		{ .fam = FS_INET, .t = { T(FRAGMENT, O_M, FS_FRAG_LF) } },
		{ .fam = FS_INET, .dst = "0.0.0.0/0", .t = { T(PROTO, O_EQ, 6) } },
		{ .fam = FS_INET6, .t = { T(FLOW_LABEL, O_EQ, 1) } },
		{ .fam = FS_INET6, .dst = "::/0", .src = "::/1" },
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct fs_route *d = build(&specs[i]);

		ck_assert(fs_route_is_default(d));
		for (size_t j = 0; j < sizeof(others) / sizeof(others[0]); j++) {
			struct fs_route *o = build(&others[j]);

			if (o->family != d->family) {
				fs_route_free(o);
				continue;
			}
			ck_assert(!fs_route_is_default(o));
			/* Sequence numbers do not lift the default route either. */
			d->has_seq = true;
			d->seq = 0;
			for (int m = FS_ORDER_RFC; m <= FS_ORDER_SEQUENCE; m++) {
				ck_assert_int_eq(fs_route_cmp(d, o, (enum fs_order_mode)m), 1);
				ck_assert_int_eq(fs_route_cmp(o, d, (enum fs_order_mode)m), -1);
			}
			fs_route_free(o);
		}
		fs_route_free(d);
	}
}
END_TEST

/* By the RFC key alone the default would win; fs_route_cmp overrides that. */
START_TEST(test_default_overrides_rfc)
{
	struct tspec ds = { .fam = FS_INET, .dst = "0.0.0.0/0" };
	struct tspec ps = { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } };
	struct fs_route *d = build(&ds), *p = build(&ps);

	ck_assert_int_eq(fs_route_cmp_rfc(d, p), -1);
	ck_assert_int_eq(fs_route_cmp(d, p, FS_ORDER_RFC), 1);
	ck_assert_int_eq(fs_route_cmp(d, p, FS_ORDER_SEQUENCE), 1);
	ck_assert_int_eq(fs_route_cmp(d, d, FS_ORDER_RFC), 0);
	fs_route_free(d);
	fs_route_free(p);
}
END_TEST

START_TEST(test_sequence_pairs)
{
	struct tspec s10 = { .fam = FS_INET, .dst = "10.0.0.0/8" };
	struct tspec s11 = { .fam = FS_INET, .dst = "11.0.0.0/8" };
	struct fs_route *a = build(&s10), *b = build(&s11);

	/* No numbers: RFC order in both modes. */
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), -1);
	/* A number beats none. */
	b->has_seq = true;
	b->seq = 4000000000u;
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), 1);
	ck_assert_int_eq(fs_route_cmp(b, a, FS_ORDER_SEQUENCE), -1);
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_RFC), -1);
	/* Lower number first, whatever the RFC says. */
	a->has_seq = true;
	a->seq = 4000000001u;
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), 1);
	/* Equal numbers fall back to RFC order. */
	a->seq = b->seq;
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), -1);
	ck_assert_int_eq(fs_route_cmp(b, a, FS_ORDER_SEQUENCE), 1);
	/* The number is ignored in RFC mode. */
	a->seq = 1;
	b->seq = 0;
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_RFC), -1);
	/* Without has_seq a stale seq field means nothing, in either mode. */
	a->has_seq = b->has_seq = false;
	a->seq = 7;
	b->seq = 3;
	ck_assert_int_eq(fs_route_cmp(a, b, FS_ORDER_SEQUENCE), -1);
	ck_assert_int_eq(fs_route_cmp(b, a, FS_ORDER_SEQUENCE), 1);
	fs_route_free(a);
	fs_route_free(b);
}
END_TEST

/* ------------------------------------------------------- property test */

#define NPROP   2000
#define NPAIRS  30000
#define NTRIPLE 30000

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic across platforms for a fixed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t pick(const uint32_t *pool, size_t n)
{
	return pool[rnd() % n];
}
#define PICK(pool) pick(pool, sizeof(pool) / sizeof(pool[0]))

/* Small pools on purpose: equal and nested prefixes and terms are common. */
static void rand_prefix(struct fs_route *r, int t)
{
	static const uint32_t b0[] = { 0x0a, 0x0b, 0xc0, 0x00, 0x20 };
	static const uint32_t bx[] = { 0x00, 0x01, 0x80, 0xff, 0xa8 };
	static const uint32_t len4[] = { 0, 1, 7, 8, 9, 16, 24, 25, 32 };
	static const uint32_t len6[] = { 0, 3, 8, 16, 32, 48, 60, 64, 65, 104, 128 };
	static const uint32_t off6[] = { 0, 0, 0, 3, 4, 8, 60, 64, 65 };
	struct fs_err err = { 0 };
	uint8_t addr[16];
	unsigned len, off = 0;

	addr[0] = (uint8_t)PICK(b0);
	for (int i = 1; i < 16; i++)
		addr[i] = (uint8_t)PICK(bx);
	if (r->family == FS_INET) {
		len = PICK(len4);
	} else {
		len = PICK(len6);
		off = PICK(off6);
		if (off >= len)
			off = 0; /* RFC 8956 §3.1: offset < length */
	}
	ck_assert_int_eq(fs_route_set_prefix(r, t, addr, len, off, &err), 0);
}

static void rand_terms(struct fs_route *r, int t)
{
	static const uint32_t nops[] = { O_EQ, O_EQ, O_GE, O_LE, O_GT, O_LT, O_NE };
	static const uint32_t bops[] = { 0, O_M, O_NOT, O_NOT | O_M };
	static const uint32_t vals[] = { 0, 1, 2, 6, 17, 46, 80, 443, 1024, 65535, 70000 };
	unsigned n = 1 + rnd() % 3;
	struct fs_err err = { 0 };

	for (unsigned i = 0; i < n; i++) {
		uint8_t op = (uint8_t)(fs_ctype_is_bitmask(t) ? PICK(bops) : PICK(nops));
		uint32_t v = PICK(vals) % (fs_ctype_max_value(t) + 1);

		if (i > 0 && rnd() % 2)
			op |= O_AND;
		ck_assert_msg(fs_route_add_term(r, t, op, v, &err) == 0, "%s", err.msg);
	}
}

static struct fs_route *rand_route(void)
{
	struct fs_route *r = fs_route_new(rnd() % 3 == 0 ? FS_INET6 : FS_INET);

	ck_assert_ptr_nonnull(r);
	if (rnd() % 4 != 0)
		rand_prefix(r, FS_C_DST);
	if (rnd() % 5 < 2)
		rand_prefix(r, FS_C_SRC);
	/* Add in random type order to exercise the term array bookkeeping. */
	for (int k = 0; k < 6; k++) {
		int t = FS_C_PROTO + (int)(rnd() % (FS_C_MAX - FS_C_PROTO + 1));

		if (t == FS_C_FLOW_LABEL && r->family != FS_INET6)
			continue;
		if (rnd() % 3 == 0)
			rand_terms(r, t);
	}
	r->has_seq = rnd() % 2;
	r->seq = rnd() % 6;
	return r;
}

static int bit_at(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/*
 * An independent comparator on the route struct, after RFC 8956 App. A:
 * prefixes are compared bit by bit on the stored address (bits before the
 * offset are zero in both), other components on their fs_comp_encode bytes.
 */
static int ref_cmp(const struct fs_route *a, const struct fs_route *b)
{
	int ta[FS_C_MAX], tb[FS_C_MAX], na = 0, nb = 0;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (int t = 1; t <= FS_C_MAX; t++) {
		if (fs_route_has(a, t))
			ta[na++] = t;
		if (fs_route_has(b, t))
			tb[nb++] = t;
	}
	for (int k = 0;; k++) {
		if (k == na || k == nb)
			return na == nb ? 0 : (k == nb ? -1 : 1);
		if (ta[k] != tb[k])
			return ta[k] < tb[k] ? -1 : 1;
		if (ta[k] == FS_C_DST || ta[k] == FS_C_SRC) {
			const struct fs_prefix *pa = ta[k] == FS_C_DST ? &a->dst : &a->src;
			const struct fs_prefix *pb = ta[k] == FS_C_DST ? &b->dst : &b->src;
			unsigned common = pa->len < pb->len ? pa->len : pb->len;

			if (pa->offset != pb->offset)
				return pa->offset < pb->offset ? -1 : 1;
			for (unsigned i = 0; i < common; i++)
				if (bit_at(pa->addr, i) != bit_at(pb->addr, i))
					return bit_at(pa->addr, i) < bit_at(pb->addr, i) ? -1 : 1;
			if (pa->len != pb->len)
				return pa->len > pb->len ? -1 : 1;
		} else {
			uint8_t ea[FS_KEY_MAX], eb[FS_KEY_MAX];
			int la = fs_comp_encode(a, ta[k], ea, sizeof(ea));
			int lb = fs_comp_encode(b, tb[k], eb, sizeof(eb));
			int common = la < lb ? la : lb;
			int c = memcmp(ea, eb, (size_t)common);

			if (c != 0)
				return c < 0 ? -1 : 1;
			if (la != lb)
				return la > lb ? -1 : 1;
		}
	}
}

static struct fs_route *prop[NPROP];
static uint8_t prop_key[NPROP][FS_KEY_MAX];
static size_t prop_klen[NPROP];

static void prop_setup(void)
{
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < NPROP; i++) {
		prop[i] = rand_route();
		prop_klen[i] = key_of(prop[i], prop_key[i]);
	}
}

static void prop_teardown(void)
{
	for (size_t i = 0; i < NPROP; i++) {
		fs_route_free(prop[i]);
		prop[i] = NULL;
	}
}

START_TEST(test_prop_reflexive_and_reference)
{
	char ta[FS_TEXT_MAX], tb[FS_TEXT_MAX];
	unsigned zeros = 0;

	for (size_t i = 0; i < NPROP; i++) {
		ck_assert_int_eq(fs_route_cmp_rfc(prop[i], prop[i]), 0);
		ck_assert_int_eq(fs_route_cmp(prop[i], prop[i], FS_ORDER_RFC), 0);
		ck_assert_int_eq(fs_route_cmp(prop[i], prop[i], FS_ORDER_SEQUENCE), 0);
	}
	for (unsigned n = 0; n < NPAIRS; n++) {
		size_t i = rnd() % NPROP, j = rnd() % NPROP;
		int c = fs_key_cmp_rfc(prop_key[i], prop_klen[i], prop_key[j], prop_klen[j]);
		int same = prop_klen[i] == prop_klen[j] &&
		    memcmp(prop_key[i], prop_key[j], prop_klen[i]) == 0;

		int ref = ref_cmp(prop[i], prop[j]);

		if (c != ref || (c == 0) != same) {
			fs_route_format(prop[i], ta, sizeof(ta));
			fs_route_format(prop[j], tb, sizeof(tb));
			ck_abort_msg("cmp %d, reference %d, same key %d:\n  %s\n  %s",
			    c, ref, same, ta, tb);
		}
		ck_assert_int_eq(c, fs_route_cmp_rfc(prop[i], prop[j]));
		zeros += c == 0 && i != j;
		for (int m = FS_ORDER_RFC; m <= FS_ORDER_SEQUENCE; m++) {
			int x = fs_route_cmp(prop[i], prop[j], (enum fs_order_mode)m);
			int y = fs_route_cmp(prop[j], prop[i], (enum fs_order_mode)m);

			ck_assert(x >= -1 && x <= 1);
			ck_assert_msg(x == -y, "antisymmetry, mode %d: %zu %zu", m, i, j);
		}
	}
	/* The pools are small enough that equal routes do occur. */
	ck_assert_uint_gt(zeros, 0);
}
END_TEST

static int cmp_mode(size_t i, size_t j, int m)
{
	if (m < 0)
		return fs_key_cmp_rfc(prop_key[i], prop_klen[i], prop_key[j], prop_klen[j]);
	return fs_route_cmp(prop[i], prop[j], (enum fs_order_mode)m);
}

START_TEST(test_prop_transitive)
{
	for (int m = -1; m <= FS_ORDER_SEQUENCE; m++) {
		for (unsigned n = 0; n < NTRIPLE; n++) {
			size_t i = rnd() % NPROP, j = rnd() % NPROP, k = rnd() % NPROP;
			int ab = cmp_mode(i, j, m), bc = cmp_mode(j, k, m);
			int ac = cmp_mode(i, k, m);

			if (ab <= 0 && bc <= 0)
				ck_assert_msg(ac <= 0, "mode %d: %zu<=%zu<=%zu but not %zu<=%zu",
				    m, i, j, k, i, k);
			if (ab == 0)
				ck_assert_int_eq(ac, bc);
			if (ab < 0 && bc < 0)
				ck_assert_int_eq(ac, -1);
		}
	}
}
END_TEST

START_TEST(test_prop_qsort)
{
	struct fs_route *rs[NPROP];

	for (int m = FS_ORDER_RFC; m <= FS_ORDER_SEQUENCE; m++) {
		size_t ndef = 0;

		memcpy(rs, prop, sizeof(rs));
		sort_mode = (enum fs_order_mode)m;
		qsort(rs, NPROP, sizeof(rs[0]), qcmp_route);
		for (size_t i = 0; i + 1 < NPROP; i++)
			ck_assert_int_le(fs_route_cmp(rs[i], rs[i + 1], sort_mode), 0);
		/* Not only neighbours: any i < j must be in order. */
		for (unsigned n = 0; n < NPAIRS; n++) {
			size_t i = rnd() % NPROP, j = rnd() % NPROP;

			if (i > j) {
				size_t x = i;

				i = j;
				j = x;
			}
			ck_assert_int_le(fs_route_cmp(rs[i], rs[j], sort_mode), 0);
		}
		/* Default routes form the tail. */
		for (size_t i = 0; i < NPROP; i++) {
			if (fs_route_is_default(rs[i]))
				ndef++;
			else
				ck_assert_uint_eq(ndef, 0);
		}
	}
}
END_TEST

/* ------------------------------------------------------ malformed keys */

static int kcmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int x = fs_key_cmp_rfc(a, al, b, bl), y = fs_key_cmp_rfc(b, bl, a, al);

	ck_assert(x >= -1 && x <= 1);
	ck_assert_int_eq(x, -y);
	return x;
}

/* Each prefix of a valid key, alone in a heap block of its exact size. */
START_TEST(test_truncation_sweep)
{
	const struct enc_case *c = &enc_cases[_i];
	struct fs_route *r = build(&c->r);
	uint8_t key[FS_KEY_MAX], comp[FS_KEY_MAX];
	size_t kn;
	char bound[FS_KEY_MAX + 1] = { 0 };
	uint8_t *other[NENC];
	size_t olen[NENC], pos = 1;

	for (size_t j = 0; j < NENC; j++) {
		struct fs_route *o = build(&enc_cases[j].r);

		olen[j] = key_of(o, key);
		other[j] = malloc(olen[j]);
		ck_assert_ptr_nonnull(other[j]);
		memcpy(other[j], key, olen[j]);
		fs_route_free(o);
	}
	kn = key_of(r, key);

	/* Component boundaries: there a truncated key is still well-formed. */
	bound[1] = 1;
	for (int t = FS_C_DST; t <= FS_C_MAX; t++) {
		int n = fs_comp_encode(r, t, comp, sizeof(comp));

		pos += (size_t)n;
		bound[pos] = 1;
	}
	ck_assert_uint_eq(pos, kn);

	for (size_t cut = 0; cut <= kn; cut++) {
		uint8_t *k = cut ? malloc(cut) : NULL;

		if (cut)
			memcpy(k, key, cut);
		ck_assert_int_eq(fs_key_cmp_rfc(k, cut, k, cut), 0);
		for (size_t j = 0; j < NENC; j++) {
			int x = kcmp(k, cut, other[j], olen[j]);

			if (!bound[cut])
				ck_assert_msg(x == 1, "%s cut at %zu/%zu vs %s: %d", c->name,
				    cut, kn, enc_cases[j].name, x);
		}
		/* Against the full key: a proper prefix at a boundary has fewer components. */
		if (cut < kn)
			ck_assert_int_eq(kcmp(k, cut, key, kn), 1);
		free(k);
	}
	for (size_t j = 0; j < NENC; j++)
		free(other[j]);
	fs_route_free(r);
}
END_TEST

static const char *const bad_keys[] = {
	"",                          /* no family byte */
	"05 03 81 06",               /* unknown family */
	"04 00 81 06",               /* type 0 */
	"04 0e 81 06",               /* type 14 */
	"04 0d 81 06",               /* flow label on IPv4 */
	"04 04 81 50 03 81 06",      /* types out of order */
	"04 03 81 06 03 81 11",      /* duplicate type */
	"04 01 21 0a 00 00 00 00",   /* IPv4 /33 */
	"04 01 18 0a 00",            /* prefix bytes missing */
	"04 01",                     /* prefix length missing */
	"04 01 19 0a 00 00 ff",      /* padding bits set */
	"06 01 40 40",               /* IPv6 offset == length */
	"06 01 40 48 00",            /* IPv6 offset > length */
	"06 01 00 08",               /* IPv6 length 0, offset 8 */
	"06 01 81 00 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff", /* /129 */
	"06 01 10",                  /* IPv6 offset missing */
	"04 03",                     /* no operator */
	"04 03 81",                  /* value missing */
	"04 03 91 01",               /* 2-byte value cut */
	"04 03 01 06",               /* no end bit */
	"04 03 01 06 02 07 40",      /* runs off the end mid-list */
	"04 03 b1 00 00 00 00 00 00 00", /* 8-byte value cut */
	"04 03 81 06 ff",            /* trailing junk */
};

static const char *const good_keys[] = {
	"04",                        /* no components: well-formed, sorts last of these */
	"04 03 81 06",
	"04 01 00",
	"04 01 20 c0 00 02 01 0c 80 05",
	"04 03 b1 00 00 00 00 00 00 00 06", /* 8-byte value (len 11) is structurally valid */
	"04 03 89 06",               /* reserved bit set: ignored on decoding, not malformed */
	"04 03 c1 06",               /* AND on the first term: treated as unset, not malformed */
};

static size_t key_from_hex(const char *h, uint8_t **out)
{
	uint8_t tmp[64];
	size_t n = unhex(h, tmp, sizeof(tmp));

	*out = n ? malloc(n) : NULL;
	if (n)
		memcpy(*out, tmp, n);
	return n;
}

START_TEST(test_malformed_keys)
{
	size_t nb = sizeof(bad_keys) / sizeof(bad_keys[0]);
	size_t ng = sizeof(good_keys) / sizeof(good_keys[0]);

	for (size_t i = 0; i < nb; i++) {
		uint8_t *bk;
		size_t bl = key_from_hex(bad_keys[i], &bk);

		ck_assert_int_eq(fs_key_cmp_rfc(bk, bl, bk, bl), 0);
		for (size_t j = 0; j < ng; j++) {
			uint8_t *gk;
			size_t gl = key_from_hex(good_keys[j], &gk);

			ck_assert_msg(kcmp(bk, bl, gk, gl) == 1, "bad [%s] vs good [%s]",
			    bad_keys[i], good_keys[j]);
			free(gk);
		}
		/* Two malformed keys: a deterministic, antisymmetric order. */
		for (size_t j = 0; j < nb; j++) {
			uint8_t *ok;
			size_t ol = key_from_hex(bad_keys[j], &ok);
			int x = kcmp(bk, bl, ok, ol);

			ck_assert_int_eq(x == 0, i == j);
			ck_assert_int_eq(x, fs_key_cmp_rfc(bk, bl, ok, ol));
			free(ok);
		}
		free(bk);
	}
	for (size_t i = 0; i < ng; i++) {
		uint8_t *gk;
		size_t gl = key_from_hex(good_keys[i], &gk);

		ck_assert_int_eq(fs_key_cmp_rfc(gk, gl, gk, gl), 0);
		for (size_t j = 0; j < ng; j++) {
			uint8_t *ok;
			size_t ol = key_from_hex(good_keys[j], &ok);

			ck_assert_int_eq(kcmp(gk, gl, ok, ol) == 0, i == j);
			free(ok);
		}
		free(gk);
	}
	/* NULL with length 0 is the empty (malformed) key, not a crash. */
	ck_assert_int_eq(fs_key_cmp_rfc(NULL, 0, NULL, 0), 0);
}
END_TEST

/* A struct whose term bookkeeping is broken encodes without reading past it. */
START_TEST(test_encode_inconsistent_struct)
{
	struct tspec s = { .fam = FS_INET, .t = { T(PROTO, O_EQ, 6) } };
	struct tspec ok = { .fam = FS_INET, .t = { T(PROTO, O_EQ, 17) } };
	struct fs_route *r = build(&s), *g = build(&ok);
	uint8_t key[FS_KEY_MAX];

	r->nterms[FS_C_PROTO] = 200; /* beyond nterm_total */
	ck_assert_int_eq(fs_route_key(r, key, sizeof(key)), 2); /* family, bare type */
	ck_assert_int_eq(fs_route_cmp_rfc(r, g), 1);
	r->nterms[FS_C_PROTO] = 1;
	r->dst.len = 200;               /* out of range for IPv4 */
	r->present |= 1u << FS_C_DST;
	ck_assert_int_gt(fs_route_key(r, key, sizeof(key)), 0);
	ck_assert_int_eq(fs_route_cmp_rfc(r, g), 1);
	ck_assert_int_eq(fs_route_cmp_rfc(r, r), 0);
	fs_route_free(r);
	fs_route_free(g);
}
END_TEST

/* Stray address bits outside [offset, len) never reach the key. */
START_TEST(test_encode_stray_bits)
{
	struct tspec s4 = { .fam = FS_INET, .dst = "10.0.0.0/9", .src = "0.0.0.0/0" };
	struct tspec s6 = { .fam = FS_INET6, .dst = "::1:1234:5678:9800:0/104",
	    .dst_off = 60, .src = "::1234:5678:9a00:0/104", .src_off = 65 };
	const struct tspec *specs[] = { &s4, &s6 };

	for (size_t i = 0; i < 2; i++) {
		struct fs_route *clean = build(specs[i]), *dirty = build(specs[i]);
		uint8_t kc[FS_KEY_MAX], kd[FS_KEY_MAX];
		size_t lc, ld;

		memset(dirty->dst.addr, 0xff, sizeof(dirty->dst.addr));
		memset(dirty->src.addr, 0xff, sizeof(dirty->src.addr));
		for (unsigned b = 0; b < 128; b++) {
			/* Restore the bits inside [offset, len) from the clean copy. */
			const struct fs_prefix *cp[2] = { &clean->dst, &clean->src };
			struct fs_prefix *dp[2] = { &dirty->dst, &dirty->src };

			for (int k = 0; k < 2; k++) {
				uint8_t m = (uint8_t)(0x80 >> (b % 8));

				if (b >= cp[k]->offset && b < cp[k]->len)
					dp[k]->addr[b / 8] = (uint8_t)((dp[k]->addr[b / 8] & ~m) |
					    (cp[k]->addr[b / 8] & m));
			}
		}
		lc = key_of(clean, kc);
		ld = key_of(dirty, kd);
		ck_assert_uint_eq(lc, ld);
		ck_assert_mem_eq(kc, kd, lc);
		ck_assert_int_eq(fs_route_cmp_rfc(clean, dirty), 0);
		fs_route_free(clean);
		fs_route_free(dirty);
	}
}
END_TEST

START_TEST(test_mixed_sort_malformed_last)
{
	size_t nb = sizeof(bad_keys) / sizeof(bad_keys[0]);
	size_t ng = sizeof(good_keys) / sizeof(good_keys[0]);
	size_t n = nb + ng;
	struct hkey { uint8_t *k; size_t l; int good; } *v = calloc(n, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	/* Bad keys first, good keys last: the sort has to move every one. */
	for (size_t i = 0; i < nb; i++)
		v[i].l = key_from_hex(bad_keys[i], &v[i].k);
	for (size_t i = 0; i < ng; i++) {
		v[nb + i].l = key_from_hex(good_keys[i], &v[nb + i].k);
		v[nb + i].good = 1;
	}
	/* Insertion sort: the check does not depend on qsort's algorithm. */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 &&
		    fs_key_cmp_rfc(v[j - 1].k, v[j - 1].l, v[j].k, v[j].l) > 0; j--) {
			struct hkey x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(v[i].good, i < ng);
	for (size_t i = 0; i + 1 < n; i++)
		ck_assert_int_le(fs_key_cmp_rfc(v[i].k, v[i].l, v[i + 1].k, v[i + 1].l), 0);
	for (size_t i = 0; i < n; i++)
		free(v[i].k);
	free(v);
}
END_TEST

static Suite *order_suite(void)
{
	Suite *s = suite_create("order");
	TCase *tc;
	int nenc = (int)NENC;
	int npair = (int)(sizeof(pair_cases) / sizeof(pair_cases[0]));

	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_encode_vectors, 0, nenc);
	tcase_add_loop_test(tc, test_encode_cap_sweep, 0, nenc);
	tcase_add_test(tc, test_encode_max_route);
	tcase_add_test(tc, test_encode_inconsistent_struct);
	tcase_add_test(tc, test_encode_stray_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc");
	tcase_add_loop_test(tc, test_order_pairs, 0, npair);
	suite_add_tcase(s, tc);

	tc = tcase_create("modes");
	tcase_add_test(tc, test_order_modes);
	tcase_add_test(tc, test_default_last);
	tcase_add_test(tc, test_default_overrides_rfc);
	tcase_add_test(tc, test_sequence_pairs);
	suite_add_tcase(s, tc);

	tc = tcase_create("property");
	tcase_add_unchecked_fixture(tc, prop_setup, prop_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_prop_reflexive_and_reference);
	tcase_add_test(tc, test_prop_transitive);
	tcase_add_test(tc, test_prop_qsort);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_truncation_sweep, 0, nenc);
	tcase_add_test(tc, test_malformed_keys);
	tcase_add_test(tc, test_mixed_sort_malformed_last);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fs_check_run(order_suite());
}
