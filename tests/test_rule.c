/*
 * test_rule.c - the route builder, validation, canonical text and copies.
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
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
