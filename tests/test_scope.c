/*
 * test_scope.c - route-target scoping and protected prefixes in the
 * translator: which routes a host installs, which are "not for this host",
 * which are refused for touching a protected prefix, and that the others
 * are unaffected; which redirects are mapped to a mark and which are
 * refused, with what reason.
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

/* A redirecting route: community values applied to an accept route. */
static struct fs_route *mkr(const char *dst, uint64_t c1, uint64_t c2)
{
	struct fs_route *r = mk(dst, NULL, NULL, false);
	struct fs_seq_opts so;
	struct fs_err e;

	fs_seq_opts_default(&so);
	ck_assert_int_eq(fs_ecomm_apply(r, c1, &so, &e), 0);
	if (c2 != 0)
		ck_assert_int_eq(fs_ecomm_apply(r, c2, &so, &e), 0);
	return r;
}

/* Which redirects map, which are refused and why; the mark a route gets. */
START_TEST(test_redirect)
{
	struct fs_xlate_opts o;
	struct fs_xlate_redirect map[1] = { { 0, 0x100 } };
	struct fs_xlate_nexthop nh[2] = { { FS_INET, { 192, 0, 2, 1 }, 0xff00, 0 },
					  { FS_INET, { 192, 0, 2, 2 }, 0xfe00, 101 } };
	const uint64_t as2 = 0x8008fde800000064ULL;               /* redirect 65000:100 */
	const uint64_t as4 = (0x8208ULL << 48) | (65000ULL << 16) | 100; /* the same, AS4 form */
	const uint64_t ip1 = 0x010cc00002010000ULL;               /* redirect-to-IP 192.0.2.1 */
	const uint64_t ip1c = 0x010cc00002010001ULL;              /* copy to 192.0.2.1 */
	const uint64_t ip2 = 0x010cc00002020000ULL;               /* 192.0.2.2: kernel said no */
	const uint64_t ip3 = 0x010cc00002030000ULL;               /* 192.0.2.3: no slot */
	struct fs_plan plan;
	struct fs_err e;
	struct fs_route *r;
	const struct fs_route *v[1];

	fs_xlate_opts_default(&o);
	ck_assert_int_eq(fs_rt_parse("65000:100", &map[0].rt), 0);
	/* nothing configured: both kinds refused, by name */
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as2, 0), &o), FS_R_REDIRECT);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", ip1, 0), &o), FS_R_REDIRECT_IP);
	o.redirects = map;
	o.nredirects = 1;
	o.nexthops = nh;
	o.nnexthops = 2;
	o.redirect_ip = true;
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as2, 0), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as4, 0), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as2 + 1, 0), &o), FS_R_REDIRECT);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", ip1, 0), &o), FS_R_OK);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", ip1c, 0), &o), FS_R_REDIRECT_IP);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", ip2, 0), &o), FS_R_REDIRECT_IP);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", ip3, 0), &o), FS_R_REDIRECT_IP);
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as2, ip1), &o), FS_R_CONFLICT);
	/* a discard with a redirect is a discard: installed, nothing to mark */
	r = mkr("10.0.0.0/8", as2, 0x8006000000000000ULL);
	v[0] = r;
	ck_assert_int_eq(fs_plan_build(&plan, FS_INET, v, 1, &o, &e), 0);
	ck_assert_int_eq(plan.routes[0].refusal, FS_R_OK);
	ck_assert_uint_eq(plan.routes[0].fwmark, 0);
	ck_assert_int_eq(plan.mangle_pre, -1);
	fs_plan_free(&plan);
	fs_route_free(r);
	/* the marks and the refusal texts */
	r = mkr("10.0.0.0/8", ip1, 0);
	v[0] = r;
	ck_assert_int_eq(fs_plan_build(&plan, FS_INET, v, 1, &o, &e), 0);
	ck_assert_uint_eq(plan.routes[0].fwmark, 0xff00);
	ck_assert_int_ge(plan.mangle_pre, 0);
	fs_plan_free(&plan);
	fs_route_free(r);
	r = mkr("10.0.0.0/8", ip2, 0);
	v[0] = r;
	ck_assert_int_eq(fs_plan_build(&plan, FS_INET, v, 1, &o, &e), 0);
	ck_assert_str_eq(plan.routes[0].why,
	    "the kernel refused the policy route to 192.0.2.2: Network is unreachable");
	fs_plan_free(&plan);
	fs_route_free(r);
	/* out-interface: redirects refused */
	snprintf(o.out_iface, sizeof(o.out_iface), "eth1");
	ck_assert_int_eq(outcome(mkr("10.0.0.0/8", as2, 0), &o), FS_R_REDIRECT);
	o.out_iface[0] = '\0';
	/* a redirect mark outside the mask is a configuration error */
	map[0].mark = 0x10000;
	r = mkr("10.0.0.0/8", as2, 0);
	v[0] = r;
	ck_assert_int_eq(fs_plan_build(&plan, FS_INET, v, 1, &o, &e), -1);
	fs_route_free(r);
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
	tcase_add_test(tc, test_redirect);
	suite_add_tcase(s, tc);
	fs_log_set_sink(quiet_sink, NULL);
	return fs_check_run(s);
}
