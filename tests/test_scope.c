/*
 * test_scope.c - route-target scoping and protected prefixes in the
 * translator: which routes a host installs, which are "not for this host",
 * which are refused for touching a protected prefix, and that the others
 * are unaffected.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "flowspec/ecomm.h"
#include "flowspec/log.h"
#include "flowspec/translate.h"

/* dst (NULL: none), src (NULL: none), rt list "a b" (NULL: none), drop or accept */
static struct fs_route *mk(const char *dst, const char *src, const char *rts, bool drop)
{
	struct fs_route *r = fs_route_new(strchr(dst ? dst : src ? src : "", ':') ? FS_INET6 : FS_INET);
	struct fs_seq_opts so;
	struct fs_err e;
	int k;

	fs_seq_opts_default(&so);
	for (k = 0; k < 2; k++) {
		const char *p = k == 0 ? dst : src;
		char a[64];
		uint8_t addr[16] = { 0 };
		const char *sl;

		if (p == NULL)
			continue;
		sl = strchr(p, '/');
		snprintf(a, sizeof(a), "%.*s", (int)(sl - p), p);
		ck_assert_int_eq(inet_pton(r->family == FS_INET ? AF_INET : AF_INET6, a, addr), 1);
		ck_assert_int_eq(fs_route_set_prefix(r, k == 0 ? FS_C_DST : FS_C_SRC, addr,
		    (unsigned)atoi(sl + 1), 0, &e), 0);
	}
	if (dst == NULL && src == NULL)
		ck_assert_int_eq(fs_route_add_term(r, FS_C_PROTO, FS_OP_EQ, 17, &e), 0);
	if (rts != NULL) {
		char buf[256], *save = NULL, *t;

		snprintf(buf, sizeof(buf), "%s", rts);
		for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			uint64_t v;

			ck_assert_int_eq(fs_rt_parse(t, &v), 0);
			ck_assert_int_eq(fs_ecomm_apply(r, v, &so, &e), 0);
		}
	}
	if (drop)
		ck_assert_int_eq(fs_ecomm_apply(r, 0x8006000000000000ULL, &so, &e), 0);
	return r;
}

static enum fs_refusal outcome(struct fs_route *r, const struct fs_xlate_opts *o)
{
	struct fs_plan plan;
	struct fs_err e;
	const struct fs_route *v[1] = { r };
	enum fs_refusal out;

	ck_assert_int_eq(fs_plan_build(&plan, (enum fs_family)r->family, v, 1, o, &e), 0);
	out = plan.routes[0].refusal;
	fs_plan_free(&plan);
	fs_route_free(r);
	return out;
}

START_TEST(test_scoping)
{
	struct fs_xlate_opts o;
	uint64_t rts[2];

	fs_xlate_opts_default(&o);
	/* no scoping: everything applies */
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65000:99", true), &o), FS_R_OK);
	ck_assert_int_eq(fs_rt_parse("65000:10", &rts[0]), 0);
	ck_assert_int_eq(fs_rt_parse("192.0.2.1:7", &rts[1]), 0);
	o.import_rts = rts;
	o.nimport_rts = 2;
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65000:10", true), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65000:11", true), &o), FS_R_NOT_FOR_HOST);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65001:10", true), &o), FS_R_NOT_FOR_HOST);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65000:11 192.0.2.1:7", true), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "192.0.2.2:7", true), &o), FS_R_NOT_FOR_HOST);
	/* untargeted routes: only with apply-untargeted */
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, NULL, true), &o), FS_R_NOT_FOR_HOST);
	o.apply_untargeted = true;
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, NULL, true), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", NULL, "65000:11", true), &o), FS_R_NOT_FOR_HOST);
	/* the AS2 and AS4 encodings of one target are the same target */
	ck_assert(fs_rt_equal((0x0002ULL << 48) | (65000ULL << 32) | 10,
	    (0x0202ULL << 48) | (65000ULL << 16) | 10));
	ck_assert(!fs_rt_equal((0x0002ULL << 48) | (65000ULL << 32) | 10,
	    (0x0102ULL << 48) | (65000ULL << 16) | 10));
}
END_TEST

START_TEST(test_protected)
{
	struct fs_xlate_opts o;
	struct fs_xlate_prefix p[2] = {
		{ FS_INET, 32, { 198, 18, 0, 1 } },
		{ FS_INET6, 64, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 } },
	};

	fs_xlate_opts_default(&o);
	o.protected = p;
	o.nprotected = 2;
	/* drops to or from the peer, or covering it: refused */
	ck_assert_int_eq(outcome(mk("198.18.0.1/32", NULL, NULL, true), &o), FS_R_PROTECTED);
	ck_assert_int_eq(outcome(mk("198.18.0.0/24", NULL, NULL, true), &o), FS_R_PROTECTED);
	ck_assert_int_eq(outcome(mk("10.0.0.0/8", "198.18.0.0/15", NULL, true), &o), FS_R_PROTECTED);
	/* a route that names no prefix targets no address in particular */
	ck_assert_int_eq(outcome(mk(NULL, NULL, NULL, true), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("0.0.0.0/0", NULL, NULL, true), &o), FS_R_PROTECTED);
	ck_assert_int_eq(outcome(mk("2001:db8:0:1::5/128", NULL, NULL, true), &o), FS_R_PROTECTED);
	/* elsewhere, or not dropping: installed */
	ck_assert_int_eq(outcome(mk("198.18.0.2/32", "10.0.0.0/8", NULL, true), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("198.18.0.1/32", NULL, NULL, false), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mk("2001:db8:0:2::/64", "2001:db9::/32", NULL, true), &o), FS_R_OK);
	ck_assert_str_eq(fs_refusal_name(FS_R_PROTECTED), "protected-prefix");
	ck_assert_str_eq(fs_refusal_name(FS_R_NOT_FOR_HOST), "not-for-this-host");
}
END_TEST

static void quiet_sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	(void)lvl;
	(void)msg;
	(void)ctx;
}

int main(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("scope");

	tcase_add_test(tc, test_scoping);
	tcase_add_test(tc, test_protected);
	suite_add_tcase(s, tc);
	fs_log_set_sink(quiet_sink, NULL);
	return fs_check_run(s);
}
