/*
 * test_rule.c - the route builder, validation, canonical text (and reading
 * it back: fs_route_parse) and copies.
 */
#include <check.h>

#include "check_main.h"
#include <string.h>

#include "flowspec/rule.h"

static const uint8_t v4a[4] = { 192, 0, 2, 77 };
static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xff };

START_TEST(prefix_bits_cleared)
{
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err e;
	char txt[256];

	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, v4a, 24, 0, &e), 0);
	ck_assert_uint_eq(r->dst.addr[3], 0); /* host bits gone: same NLRI, same key */
	fs_route_format(r, txt, sizeof(txt));
	ck_assert_str_eq(txt, "inet dst 192.0.2.0/24");
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, v4a, 24, 0, &e), -1); /* twice */
	ck_assert_ptr_nonnull(strstr(e.msg, "duplicate dst"));
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_SRC, v4a, 33, 0, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "33"));
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_SRC, v4a, 24, 8, &e), -1); /* offset on IPv4 */
	fs_route_free(r);
}
END_TEST

START_TEST(ipv6_offset)
{
	struct fs_route *r = fs_route_new(FS_INET6);
	struct fs_err e;
	char txt[256];

	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, v6a, 48, 16, &e), 0);
	/* bits before the offset are not part of the pattern */
	ck_assert_uint_eq(r->dst.addr[0], 0);
	ck_assert_uint_eq(r->dst.addr[1], 0);
	ck_assert_uint_eq(r->dst.addr[2], 0x0d);
	fs_route_format(r, txt, sizeof(txt));
	ck_assert_str_eq(txt, "inet6 dst 0:db8:1::/48/16");
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_SRC, v6a, 48, 48, &e), -1); /* offset == len */
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_SRC, v6a, 129, 0, &e), -1);
	fs_route_free(r);
}
END_TEST

START_TEST(terms_and_text)
{
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err e;
	char txt[512];

	/* added out of type order: the text and key are still in type order */
	ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_GT | FS_OP_EQ, 1024, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_AND | FS_OP_LT | FS_OP_EQ, 2048, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_EQ, 8080, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_PROTO, FS_OP_EQ, 6, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_MATCH, FS_TCP_SYN, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_AND | FS_OP_NOT, FS_TCP_ACK | FS_TCP_RST, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_FRAGMENT, FS_OP_NOT | FS_OP_MATCH, FS_FRAG_ISF, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_PKT_LEN, FS_OP_LT | FS_OP_GT | FS_OP_EQ, 0, &e), 0);
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, v4a, 32, 0, &e), 0);
	fs_route_format(r, txt, sizeof(txt));
	ck_assert_str_eq(txt, "inet dst 192.0.2.77/32 proto =6 dport >=1024&<=2048,=8080 "
	    "tcp-flags =syn&!rst+ack length true fragment !=isf");
	/* a short buffer fails cleanly and stays terminated */
	ck_assert_int_eq(fs_route_format(r, txt, 20), -1);
	ck_assert_uint_lt(strlen(txt), 20);
	fs_route_free(r);
}
END_TEST

START_TEST(term_errors)
{
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err e;
	unsigned i;

	ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_EQ, 65536, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "65536"));
	ck_assert_int_eq(fs_route_add_term(r, FS_C_DSCP, FS_OP_EQ, 64, &e), -1);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_PROTO, FS_OP_AND | FS_OP_EQ, 6, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "first term"));
	ck_assert_int_eq(fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_LT, 2, &e), -1); /* numeric op on a bitmask */
	ck_assert_int_eq(fs_route_add_term(r, FS_C_FLOW_LABEL, FS_OP_EQ, 1, &e), -1); /* IPv4 */
	for (i = 0; i < FS_MAX_TERMS; i++)
		ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_EQ, i, &e), 0);
	ck_assert_int_eq(fs_route_add_term(r, FS_C_DPORT, FS_OP_EQ, 1, &e), -1);
	ck_assert_int_eq(e.code, FS_E_LIMIT);
	fs_route_free(r);
}
END_TEST

START_TEST(validate_and_default)
{
	struct fs_route *r = fs_route_new(FS_INET6), *d;
	struct fs_err e;
	uint8_t zero[16] = { 0 };

	ck_assert_int_eq(fs_route_validate(r, &e), -1); /* no component */
	ck_assert_int_eq(fs_route_add_term(r, FS_C_FRAGMENT, FS_OP_MATCH, FS_FRAG_DF, &e), 0);
	ck_assert_int_eq(fs_route_validate(r, &e), -1); /* DF on IPv6 */
	ck_assert_ptr_nonnull(strstr(e.msg, "IPv6"));
	fs_route_free(r);

	r = fs_route_new(FS_INET);
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_DST, zero, 0, 0, &e), 0);
	ck_assert_int_eq(fs_route_set_prefix(r, FS_C_SRC, zero, 0, 0, &e), 0);
	ck_assert(fs_route_is_default(r));
	d = fs_route_dup(r);
	ck_assert(fs_route_is_default(d));
	ck_assert_int_eq(fs_route_add_term(d, FS_C_PROTO, FS_OP_EQ, 17, &e), 0);
	ck_assert(!fs_route_is_default(d));
	ck_assert(fs_route_is_default(r)); /* the copy is deep */
	fs_route_free(d);
	fs_route_free(r);
	fs_route_free(NULL);
}
END_TEST

START_TEST(actions_text)
{
	struct fs_route *r = fs_route_new(FS_INET);
	char txt[256];

	fs_actions_format(r, txt, sizeof(txt));
	ck_assert_str_eq(txt, "accept");
	r->act.has_rate_bytes = true;
	r->act.rate_bytes = 1.5f;
	r->act.has_action = true;
	r->act.sample = true;
	r->act.has_mark = true;
	r->act.dscp = 46;
	r->has_seq = true;
	r->seq = 7;
	fs_actions_format(r, txt, sizeof(txt));
	ck_assert_str_eq(txt, "rate-bytes 1.5, action sample, mark 46, seq 7");
	fs_route_free(r);
}
END_TEST

/* parse(format(r)) for a text of every component and operator form */
START_TEST(parse_roundtrip)
{
	static const char *const texts[] = {
		"inet dst 192.0.2.0/24 src 198.51.100.0/24 proto =6 dport >=1024&<=2048,=8080",
		"inet dst 0.0.0.0/0",
		"inet proto !=6&!=17 port =22,=80 sport <=1023 icmp-type =3,=11 icmp-code <4",
		"inet tcp-flags !=rst&=syn+ack,=fin,0,!0x200 length true,false(5),true(64) dscp >=8&<=15,=32",
		"inet fragment =df,!isf&ff+lf dst 192.0.2.1/32",
		"inet6 dst 2001:db8:1::/48 src ::/0 flow-label >=100&<=200,=1048575 proto =58",
		"inet6 dst ::1:0:0/96/64 src 1:db8::/32/8 fragment =ff&!isf tcp-flags syn+0x8000",
	};
	static const char *const canon[] = {
		NULL, NULL, NULL, NULL,
		"inet dst 192.0.2.1/32 fragment =df,!isf&ff+lf",
		"inet6 dst 2001:db8:1::/48 src ::/0 proto =58 flow-label >=100&<=200,=1048575",
		"inet6 dst ::1:0:0/96/64 src 1:db8::/32/8 tcp-flags syn+0x8000 fragment =ff&!isf",
	};
	char t1[FS_TEXT_MAX], t2[FS_TEXT_MAX];
	uint8_t k1[FS_KEY_MAX], k2[FS_KEY_MAX];
	struct fs_route *r, *b;
	struct fs_err e;
	unsigned i;
	int l1, l2;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_msg(fs_route_parse(texts[i], strlen(texts[i]), "t", &r, &e) == 0,
		    "%s: %s", texts[i], e.msg);
		fs_route_format(r, t1, sizeof(t1));
		ck_assert_str_eq(t1, canon[i] ? canon[i] : texts[i]);
		ck_assert_int_eq(fs_route_parse(t1, strlen(t1), "t", &b, &e), 0);
		fs_route_format(b, t2, sizeof(t2));
		ck_assert_str_eq(t1, t2);
		l1 = fs_route_key(r, k1, sizeof(k1));
		l2 = fs_route_key(b, k2, sizeof(k2));
		ck_assert_int_eq(l1, l2);
		ck_assert_int_eq(memcmp(k1, k2, (size_t)l1), 0);
		ck_assert_uint_eq(r->nterm_total, b->nterm_total);
		fs_route_free(r);
		fs_route_free(b);
	}
}
END_TEST

/* every refusal names the column and the text */
START_TEST(parse_errors)
{
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "t: column 1: expected the family inet or inet6: \"\"" },
		{ "inet", "column 1: " },
		{ "ipv4 dst 192.0.2.0/24", "column 1: expected the family inet or inet6: \"ipv4\"" },
		{ "inet dst 192.0.2.1/24", "column 10: address bits set outside the prefix: \"192.0.2.1/24\"" },
		{ "inet dst 192.0.2.0/33", "column 20: number out of range: \"33\"" },
		{ "inet dst 192.0.2.0", "column 10: expected ADDRESS/LENGTH: \"192.0.2.0\"" },
		{ "inet dst 2001:db8::/32", "column 10: not an IPv4 address: \"2001:db8::\"" },
		{ "inet dst 192.0.2.0/24/8", "an offset on an IPv4 prefix: \"/8\"" },
		{ "inet6 dst 2001:db8::/32/32", "offset not below the prefix length: \"32\"" },
		{ "inet6 dst 2001:db8::/32/0", "offset 0 is written without /0" },
		{ "inet proto =256", "column 13: number out of range: \"256\"" },
		{ "inet proto =06", "number with a leading zero: \"06\"" },
		{ "inet proto 6", "column 12: expected an operator: \"6\"" },
		{ "inet proto =6 proto =17", "column 15: component given twice: \"proto\"" },
		{ "inet proto =6  dport =1", "column 14: expected one space and a component" },
		{ "inet colour =6", "column 6: unknown component: \"colour\"" },
		{ "inet dport", "a component without its value: \"dport\"" },
		{ "inet dport =1;=2", "unexpected text in a term list: \";=2\"" },
		{ "inet dport =1,", "column 15: expected an operator" },
		{ "inet tcp-flags =syn+syn", "a bit named twice: \"syn\"" },
		{ "inet tcp-flags =xmas", "not a TCP flag: \"xmas\"" },
		{ "inet tcp-flags 0x100", "not a single bit beyond the named ones: \"0x100\"" },
		{ "inet tcp-flags 0x300", "not a single bit beyond the named ones: \"0x300\"" },
		{ "inet fragment =0x1000", "not a single bit beyond the named ones" },
		{ "inet length true(0)", "a value of 0 is written without (0)" },
		{ "inet length true(5", "expected ): \"\"" },
		{ "inet length tru", "not an operator: \"tru\"" },
		{ "inet flow-label =1", "flow-label on an IPv4 route" },
		{ "inet6 fragment =df", "DF" },
		{ "inet6 src 2001:db8::/32/8", "column 11: address bits set outside the prefix" },
		{ "inet dst 192.0.2.0/24\n", "unexpected text after the prefix: \"\\x0a\"" },
	};
	static char big[FS_TEXT_MAX + 1];
	struct fs_route *r = NULL;
	struct fs_err e;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(fs_route_parse(bad[i].in, strlen(bad[i].in), "t", &r, &e) == -1,
		    "accepted: %s", bad[i].in);
		ck_assert_ptr_null(r);
		ck_assert_msg(strstr(e.msg, bad[i].msg) != NULL, "%s: got \"%s\", want \"%s\"",
		    bad[i].in, e.msg, bad[i].msg);
	}
	/* a NUL inside the text, and a text of FS_TEXT_MAX bytes */
	ck_assert_int_eq(fs_route_parse("inet\0 dst", 9, "t", &r, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "column 5: a NUL byte"));
	memset(big, 'x', FS_TEXT_MAX);
	ck_assert_int_eq(fs_route_parse(big, FS_TEXT_MAX, "t", &r, &e), -1);
	ck_assert_int_eq(e.code, FS_E_LIMIT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("rule");

	tcase_add_test(tc, prefix_bits_cleared);
	tcase_add_test(tc, ipv6_offset);
	tcase_add_test(tc, terms_and_text);
	tcase_add_test(tc, term_errors);
	tcase_add_test(tc, validate_and_default);
	tcase_add_test(tc, actions_text);
	tcase_add_test(tc, parse_roundtrip);
	tcase_add_test(tc, parse_errors);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
