/*
 * test_ecomm.c - extended community decoding (lib/src/ecomm.c): one
 * community at a time against the expected actions, sequences of
 * communities for conflicts and limits, and fs_rt_format.
 *
 * Values are the raw 8 bytes as ExaBGP's "value" carries them; most come
 * from tests/fixtures/exabgp (see the README's decoding table).
 */
#include <check.h>

#include "check_main.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ecomm.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What one community must produce on an empty route. */
struct exp {
	bool rate_b, rate_p, action, redirect, mark, seq;
	float rate_bytes, rate_pkts;
	uint16_t rate_bytes_id, rate_pkts_id;
	bool sample, terminal;
	uint64_t redir;
	uint8_t dscp;
	uint32_t seqno;
	enum fs_redir_ip_kind rip;
	uint8_t rip_family;
	uint8_t rip_addr[4];
	bool rip_copy;
	uint8_t nrts;
};

static const struct one_case {
	const char *name;
	uint64_t value;
	enum fs_seq_form form;
	int rc;                 /* 0 or -1 */
	enum fs_err_code code;  /* when rc == -1 */
	struct exp e;
} one_cases[] = {
	/* RFC 8955 §7.1 traffic-rate-bytes: ID bits 47..32, float in the low 32. */
	{ "rate 1e6 as 65000 (R03)", 0x8006fde849742400ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_b = true, .rate_bytes = 1e6f, .rate_bytes_id = 65000 } },
	{ "rate 0 = discard", 0x8006000000000000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_b = true, .rate_bytes = 0 } },
	{ "rate 1.5 B/s", 0x800600003fc00000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_b = true, .rate_bytes = 1.5f } },
	{ "rate 125000 as 65002", 0x8006fdea47f42400ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_b = true, .rate_bytes = 125000.0f, .rate_bytes_id = 65002 } },
	{ "rate -0.0 is a discard", 0x8006000080000000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_b = true, .rate_bytes = 0 } },
	{ "rate NaN", 0x800600007fc00000ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	{ "rate +inf", 0x800600007f800000ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	{ "rate -inf", 0x80060000ff800000ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	{ "rate -1", 0x80060000bf800000ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	{ "rate smallest negative subnormal", 0x8006000080000001ULL,
	  FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	/* RFC 8955 §7.2 traffic-rate-packets. */
	{ "rate-packets 1000 (R04)", 0x800c0000447a0000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rate_p = true, .rate_pkts = 1000.0f } },
	{ "rate-packets NaN", 0x800c00007fc00001ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	{ "rate-packets -2", 0x800c0001c0000000ULL, FS_SEQ_CLEAN, -1, FS_E_VALUE, { 0 } },
	/* RFC 8955 §7.3 traffic-action. */
	{ "action sample+terminal", 0x8007000000000003ULL, FS_SEQ_CLEAN, 0, 0,
	  { .action = true, .sample = true, .terminal = true } },
	{ "action terminal", 0x8007000000000001ULL, FS_SEQ_CLEAN, 0, 0,
	  { .action = true, .terminal = true } },
	{ "action sample", 0x8007000000000002ULL, FS_SEQ_CLEAN, 0, 0,
	  { .action = true, .sample = true } },
	{ "action no bit", 0x8007000000000000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .action = true } },
	/* RFC 8955 §7.4 redirect: kept raw. */
	{ "redirect AS2 65000:100", 0x8008fde800000064ULL, FS_SEQ_CLEAN, 0, 0,
	  { .redirect = true, .redir = 0x8008fde800000064ULL } },
	{ "redirect IPv4 198.18.9.9:100", 0x8108c61209090064ULL, FS_SEQ_CLEAN, 0, 0,
	  { .redirect = true, .redir = 0x8108c61209090064ULL } },
	{ "redirect AS4 4200000001:100", 0x8208fa56ea010064ULL, FS_SEQ_CLEAN, 0, 0,
	  { .redirect = true, .redir = 0x8208fa56ea010064ULL } },
	/* RFC 8955 §7.5 traffic-marking and the paper's SEQ sharing its type. */
	{ "mark 46", 0x800900000000002eULL, FS_SEQ_CLEAN, 0, 0,
	  { .mark = true, .dscp = 46 } },
	{ "mark 46 paper mode", 0x800900000000002eULL, FS_SEQ_PAPER, 0, 0,
	  { .mark = true, .dscp = 46 } },
	{ "0x8009 value 63 paper: still a mark", 0x800900000000003fULL, FS_SEQ_PAPER, 0, 0,
	  { .mark = true, .dscp = 63 } },
	{ "0x8009 value 64 paper: SEQ", 0x8009000000000040ULL, FS_SEQ_PAPER, 0, 0,
	  { .seq = true, .seqno = 64 } },
	{ "0x8009 1001 paper: SEQ 1001", 0x80090000000003e9ULL, FS_SEQ_PAPER, 0, 0,
	  { .seq = true, .seqno = 1001 } },
	{ "0x8009 1001 clean: reserved bits ignored, dscp 41", 0x80090000000003e9ULL,
	  FS_SEQ_CLEAN, 0, 0, { .mark = true, .dscp = 41 } },
	{ "0x8009 1001 no SEQ form: dscp 41", 0x80090000000003e9ULL, FS_SEQ_NONE, 0, 0,
	  { .mark = true, .dscp = 41 } },
	{ "0x8009 SEQ above 32 bits paper", 0x8009000100000000ULL, FS_SEQ_PAPER,
	  -1, FS_E_VALUE, { 0 } },
	{ "0x8009 largest SEQ paper", 0x80090000ffffffffULL, FS_SEQ_PAPER, 0, 0,
	  { .seq = true, .seqno = 0xffffffffu } },
	/* The clean SEQ form (generic, 0x80ff0000, SEQ). */
	{ "clean SEQ 1001", 0x80ff0000000003e9ULL, FS_SEQ_CLEAN, 0, 0,
	  { .seq = true, .seqno = 1001 } },
	{ "clean SEQ 0", 0x80ff000000000000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .seq = true, .seqno = 0 } },
	{ "clean SEQ with bytes 2-3 set", 0x80ff000100000005ULL, FS_SEQ_CLEAN,
	  -1, FS_E_VALUE, { 0 } },
	{ "clean type in paper mode: unknown, ignored", 0x80ff0000000003e9ULL,
	  FS_SEQ_PAPER, 0, 0, { 0 } },
	{ "clean type in no-SEQ mode: ignored", 0x80ff0000000003e9ULL,
	  FS_SEQ_NONE, 0, 0, { 0 } },
	/* Plain route targets. */
	{ "RT AS2", 0x0002fde800000064ULL, FS_SEQ_CLEAN, 0, 0, { .nrts = 1 } },
	{ "RT IPv4", 0x0102c61200010064ULL, FS_SEQ_CLEAN, 0, 0, { .nrts = 1 } },
	{ "RT AS4", 0x0202fa56ea010007ULL, FS_SEQ_CLEAN, 0, 0, { .nrts = 1 } },
	/* Redirect to IP. */
	{ "redirect-to-nexthop 0x0800", 0x0800000000000000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rip = FS_REDIR_IP_NEXTHOP } },
	{ "copy-to-nexthop 0x0800 C", 0x0800000000000001ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rip = FS_REDIR_IP_NEXTHOP, .rip_copy = true } },
	{ "redirect-to-ip IETF 198.18.9.9", 0x010cc61209090000ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rip = FS_REDIR_IP_IETF4, .rip_family = FS_INET,
	    .rip_addr = { 198, 18, 9, 9 } } },
	{ "copy-to-ip IETF 10.0.0.1", 0x010c0a0000010001ULL, FS_SEQ_CLEAN, 0, 0,
	  { .rip = FS_REDIR_IP_IETF4, .rip_family = FS_INET,
	    .rip_addr = { 10, 0, 0, 1 }, .rip_copy = true } },
	/* Unknown communities are ignored. */
	{ "route origin 0x0003", 0x0003fde800000064ULL, FS_SEQ_CLEAN, 0, 0, { 0 } },
	{ "encapsulation 0x030c", 0x030c000000000008ULL, FS_SEQ_CLEAN, 0, 0, { 0 } },
	{ "all ones", 0xffffffffffffffffULL, FS_SEQ_CLEAN, 0, 0, { 0 } },
	{ "zero", 0, FS_SEQ_CLEAN, 0, 0, { 0 } },
};

static void check_route(const struct fs_route *r, const struct exp *e,
    const char *name)
{
	const struct fs_actions *a = &r->act;

	ck_assert_msg(a->has_rate_bytes == e->rate_b, "%s: has_rate_bytes", name);
	ck_assert_msg(a->has_rate_pkts == e->rate_p, "%s: has_rate_pkts", name);
	ck_assert_msg(a->has_action == e->action, "%s: has_action", name);
	ck_assert_msg(a->has_redirect == e->redirect, "%s: has_redirect", name);
	ck_assert_msg(a->has_mark == e->mark, "%s: has_mark", name);
	ck_assert_msg(r->has_seq == e->seq, "%s: has_seq", name);
	if (e->rate_b) {
		ck_assert_msg(a->rate_bytes == e->rate_bytes, "%s: rate %g",
		    name, (double)a->rate_bytes);
		ck_assert_msg(!signbit(a->rate_bytes), "%s: negative zero", name);
		ck_assert_uint_eq(a->rate_bytes_id, e->rate_bytes_id);
	}
	if (e->rate_p) {
		ck_assert_msg(a->rate_pkts == e->rate_pkts, "%s: rate %g",
		    name, (double)a->rate_pkts);
		ck_assert_uint_eq(a->rate_pkts_id, e->rate_pkts_id);
	}
	ck_assert_msg(a->sample == e->sample, "%s: sample", name);
	ck_assert_msg(a->terminal == e->terminal, "%s: terminal", name);
	if (e->redirect)
		ck_assert_msg(a->redirect == e->redir, "%s: redirect", name);
	if (e->mark)
		ck_assert_uint_eq(a->dscp, e->dscp);
	if (e->seq)
		ck_assert_uint_eq(r->seq, e->seqno);
	ck_assert_msg(a->redirect_ip == e->rip, "%s: redirect_ip %d", name,
	    a->redirect_ip);
	ck_assert_msg(a->redirect_ip_copy == e->rip_copy, "%s: copy", name);
	if (e->rip == FS_REDIR_IP_IETF4) {
		ck_assert_uint_eq(a->redirect_ip_family, e->rip_family);
		ck_assert_msg(memcmp(a->redirect_ip_addr, e->rip_addr, 4) == 0,
		    "%s: redirect-to-ip address", name);
	}
	if (e->rip == FS_REDIR_IP_NEXTHOP)
		ck_assert_msg(a->redirect_ip_family == 0,
		    "%s: next-hop address is the caller's job", name);
	ck_assert_uint_eq(r->nrts, e->nrts);
	ck_assert_msg(a->conflict[0] == '\0', "%s: conflict %s", name,
	    a->conflict);
}

START_TEST(test_one_community)
{
	const struct one_case *tc = &one_cases[_i];
	struct fs_seq_opts o;
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err err = { 0 };
	int rc;

	ck_assert_ptr_nonnull(r);
	fs_seq_opts_default(&o);
	o.form = tc->form;
	rc = fs_ecomm_apply(r, tc->value, &o, &err);
	ck_assert_msg(rc == tc->rc, "%s: rc %d, want %d (%s)", tc->name, rc,
	    tc->rc, err.msg);
	if (rc < 0) {
		char hex[32];

		ck_assert_msg(err.code == tc->code, "%s: code %s", tc->name,
		    fs_err_code_name(err.code));
		/* The message names the community. */
		snprintf(hex, sizeof(hex), "0x%016llx",
		    (unsigned long long)tc->value);
		ck_assert_msg(strstr(err.msg, hex) != NULL, "%s: msg %s",
		    tc->name, err.msg);
	} else {
		check_route(r, &tc->e, tc->name);
		if (tc->e.nrts == 1)
			ck_assert_msg(r->rts[0] == tc->value, "%s: rt raw", tc->name);
	}
	fs_route_free(r);
}
END_TEST

/* A sequence of communities on one route. */
static const struct seq_case {
	const char *name;
	enum fs_seq_form form;
	uint64_t v[20];
	unsigned n;
	int rc;               /* of the last apply */
	const char *conflict; /* substring, NULL = no conflict */
} seq_cases[] = {
	{ "two different marks", FS_SEQ_CLEAN,
	  { 0x800900000000000aULL, 0x8009000000000002ULL }, 2, 0,
	  "two traffic-marking communities: dscp 10 and 2" },
	{ "same mark twice", FS_SEQ_CLEAN,
	  { 0x800900000000000aULL, 0x800900000000000aULL }, 2, 0, NULL },
	{ "two byte rates", FS_SEQ_CLEAN,
	  { 0x8006fde849742400ULL, 0x8006000000000000ULL }, 2, 0,
	  "two traffic-rate-bytes communities" },
	{ "same byte rate, other ID", FS_SEQ_CLEAN,
	  { 0x8006fde849742400ULL, 0x8006000049742400ULL }, 2, 0, NULL },
	{ "byte rate and packet rate", FS_SEQ_CLEAN,
	  { 0x8006fde849742400ULL, 0x800c0000447a0000ULL }, 2, 0, NULL },
	{ "two packet rates", FS_SEQ_CLEAN,
	  { 0x800c0000447a0000ULL, 0x800c000047f42400ULL }, 2, 0,
	  "two traffic-rate-packets communities" },
	{ "two redirects", FS_SEQ_CLEAN,
	  { 0x8008fde800000064ULL, 0x8008fde8000000c8ULL }, 2, 0,
	  "two redirect communities: 65000:100 and 65000:200" },
	{ "same redirect twice", FS_SEQ_CLEAN,
	  { 0x8008fde800000064ULL, 0x8008fde800000064ULL }, 2, 0, NULL },
	{ "two traffic actions", FS_SEQ_CLEAN,
	  { 0x8007000000000001ULL, 0x8007000000000002ULL }, 2, 0,
	  "two traffic-action communities" },
	{ "two SEQs paper", FS_SEQ_PAPER,
	  { 0x8009000000000402ULL, 0x80090000000003efULL }, 2, 0,
	  "two sequence communities: 1026 and 1007" },
	{ "two SEQs clean", FS_SEQ_CLEAN,
	  { 0x80ff000000000001ULL, 0x80ff000000000002ULL }, 2, 0,
	  "two sequence communities: 1 and 2" },
	{ "next-hop redirect and IETF redirect", FS_SEQ_CLEAN,
	  { 0x0800000000000000ULL, 0x010cc61209090000ULL }, 2, 0,
	  "redirect-to-ip" },
	{ "redirect and copy to next hop", FS_SEQ_CLEAN,
	  { 0x0800000000000000ULL, 0x0800000000000001ULL }, 2, 0,
	  "redirect-to-ip" },
	/* R26 of bird-announce-all-components: paper mode reads SEQ 1026. */
	{ "R26 paper", FS_SEQ_PAPER,
	  { 0x8006fde849742400ULL, 0x8008fde800000064ULL, 0x800900000000000aULL,
	    0x0102c61200010064ULL, 0x0202fa56ea010007ULL, 0x8009000000000402ULL },
	  6, 0, NULL },
	/* ... while outside paper mode 1026 is a second marking (dscp 2). */
	{ "R26 clean", FS_SEQ_CLEAN,
	  { 0x8006fde849742400ULL, 0x8008fde800000064ULL, 0x800900000000000aULL,
	    0x0102c61200010064ULL, 0x0202fa56ea010007ULL, 0x8009000000000402ULL },
	  6, 0, "two traffic-marking communities: dscp 10 and 2" },
	{ "16 RTs fit", FS_SEQ_CLEAN,
	  { 0x0002fde800000000ULL, 0x0002fde800000001ULL, 0x0002fde800000002ULL,
	    0x0002fde800000003ULL, 0x0002fde800000004ULL, 0x0002fde800000005ULL,
	    0x0002fde800000006ULL, 0x0002fde800000007ULL, 0x0002fde800000008ULL,
	    0x0002fde800000009ULL, 0x0002fde80000000aULL, 0x0002fde80000000bULL,
	    0x0002fde80000000cULL, 0x0002fde80000000dULL, 0x0002fde80000000eULL,
	    0x0002fde80000000fULL, 0x0002fde80000000fULL }, 17, 0, NULL },
	{ "17 RTs do not", FS_SEQ_CLEAN,
	  { 0x0002fde800000000ULL, 0x0002fde800000001ULL, 0x0002fde800000002ULL,
	    0x0002fde800000003ULL, 0x0002fde800000004ULL, 0x0002fde800000005ULL,
	    0x0002fde800000006ULL, 0x0002fde800000007ULL, 0x0002fde800000008ULL,
	    0x0002fde800000009ULL, 0x0002fde80000000aULL, 0x0002fde80000000bULL,
	    0x0002fde80000000cULL, 0x0002fde80000000dULL, 0x0002fde80000000eULL,
	    0x0002fde80000000fULL, 0x0002fde800000010ULL }, 17, -1, NULL },
};

START_TEST(test_sequence)
{
	const struct seq_case *tc = &seq_cases[_i];
	struct fs_seq_opts o;
	struct fs_route *r = fs_route_new(FS_INET6);
	struct fs_err err = { 0 };
	unsigned i;
	int rc = 0;

	ck_assert_ptr_nonnull(r);
	fs_seq_opts_default(&o);
	o.form = tc->form;
	for (i = 0; i < tc->n; i++) {
		rc = fs_ecomm_apply(r, tc->v[i], &o, &err);
		if (i + 1 < tc->n)
			ck_assert_msg(rc == 0, "%s: community %u failed: %s",
			    tc->name, i, err.msg);
	}
	ck_assert_msg(rc == tc->rc, "%s: rc %d (%s)", tc->name, rc, err.msg);
	if (rc < 0) {
		ck_assert_int_eq(err.code, FS_E_LIMIT);
		ck_assert_uint_eq(r->nrts, FS_MAX_RTS);
	}
	if (tc->conflict == NULL)
		ck_assert_msg(r->act.conflict[0] == '\0', "%s: conflict \"%s\"",
		    tc->name, r->act.conflict);
	else
		ck_assert_msg(strstr(r->act.conflict, tc->conflict) != NULL,
		    "%s: conflict \"%s\"", tc->name, r->act.conflict);
	fs_route_free(r);
}
END_TEST

/* R26 in detail: every action survives next to the SEQ in paper mode. */
START_TEST(test_r26_paper_fields)
{
	static const uint64_t v[] = {
		0x8006fde849742400ULL, 0x8008fde800000064ULL, 0x800900000000000aULL,
		0x0102c61200010064ULL, 0x0202fa56ea010007ULL, 0x8009000000000402ULL,
	};
	struct fs_seq_opts o;
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err err = { 0 };
	size_t i;

	fs_seq_opts_default(&o);
	o.form = FS_SEQ_PAPER;
	for (i = 0; i < NELEM(v); i++)
		ck_assert_int_eq(fs_ecomm_apply(r, v[i], &o, &err), 0);
	ck_assert(r->act.has_rate_bytes);
	ck_assert(r->act.rate_bytes == 1e6f);
	ck_assert_uint_eq(r->act.rate_bytes_id, 65000);
	ck_assert(r->act.has_redirect && r->act.redirect == 0x8008fde800000064ULL);
	ck_assert(r->act.has_mark);
	ck_assert_uint_eq(r->act.dscp, 10);
	ck_assert(r->has_seq);
	ck_assert_uint_eq(r->seq, 1026);
	ck_assert_uint_eq(r->nrts, 2);
	ck_assert(r->rts[0] == 0x0102c61200010064ULL);
	ck_assert(r->rts[1] == 0x0202fa56ea010007ULL);
	ck_assert_str_eq(r->act.conflict, "");
	fs_route_free(r);
}
END_TEST

START_TEST(test_seq_opts)
{
	struct fs_seq_opts o;
	struct fs_route *r = fs_route_new(FS_INET);
	struct fs_err err = { 0 };

	memset(&o, 0xa5, sizeof(o));
	fs_seq_opts_default(&o);
	ck_assert_int_eq(o.form, FS_SEQ_CLEAN);
	ck_assert_uint_eq(o.clean_type, 0x80ff);
	ck_assert_uint_eq(FS_SEQ_CLEAN_TYPE_DEFAULT, 0x80ff);

	/* A configured clean type moves the SEQ to it. */
	o.clean_type = 0x8aff;
	ck_assert_int_eq(fs_ecomm_apply(r, 0x80ff000000000009ULL, &o, &err), 0);
	ck_assert(!r->has_seq);
	ck_assert_int_eq(fs_ecomm_apply(r, 0x8aff000000000007ULL, &o, &err), 0);
	ck_assert(r->has_seq);
	ck_assert_uint_eq(r->seq, 7);

	/* NULL options mean the defaults. */
	fs_route_free(r);
	r = fs_route_new(FS_INET);
	ck_assert_int_eq(fs_ecomm_apply(r, 0x80ff00000000002aULL, NULL, &err), 0);
	ck_assert(r->has_seq);
	ck_assert_uint_eq(r->seq, 42);
	/* err may be NULL. */
	ck_assert_int_eq(fs_ecomm_apply(r, 0x800600007fc00000ULL, NULL, NULL), -1);
	fs_route_free(r);
}
END_TEST

static const struct rt_case {
	uint64_t v;
	const char *text; /* NULL: not an RT or redirect */
} rt_cases[] = {
	{ 0x0002fde800000064ULL, "65000:100" },
	{ 0x0102c61200010064ULL, "198.18.0.1:100" },
	{ 0x0202fa56ea010007ULL, "4200000001:7" },
	{ 0x8008fde800000064ULL, "65000:100" },
	{ 0x8008ffff00000064ULL, "65535:100" },
	{ 0x8108c61209090064ULL, "198.18.9.9:100" },
	{ 0x8208fa56ea010064ULL, "4200000001:100" },
	{ 0x0002ffffffffffffULL, "65535:4294967295" },
	{ 0x0102ffffffffffffULL, "255.255.255.255:65535" },
	{ 0x0202ffffffffffffULL, "4294967295:65535" },
	{ 0x0002000000000000ULL, "0:0" },
	{ 0x8006fde849742400ULL, NULL },
	{ 0x8009000000000002ULL, NULL },
	{ 0x0003fde800000064ULL, NULL },
	{ 0x0008fde800000064ULL, NULL },
};

START_TEST(test_rt_format)
{
	const struct rt_case *tc = &rt_cases[_i];
	char buf[64];
	int n;

	memset(buf, 'x', sizeof(buf));
	n = fs_rt_format(tc->v, buf, sizeof(buf));
	if (tc->text == NULL) {
		ck_assert_int_eq(n, -1);
		ck_assert_str_eq(buf, "");
		return;
	}
	ck_assert_int_eq(n, (int)strlen(tc->text));
	ck_assert_str_eq(buf, tc->text);

	/* Exactly enough room, then one byte short: -1 and terminated. */
	ck_assert_int_eq(fs_rt_format(tc->v, buf, strlen(tc->text) + 1), n);
	ck_assert_str_eq(buf, tc->text);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(fs_rt_format(tc->v, buf, strlen(tc->text)), -1);
	ck_assert_uint_lt(strlen(buf), strlen(tc->text));
	ck_assert_int_eq(fs_rt_format(tc->v, buf, 0), -1);
}
END_TEST

static Suite *ecomm_suite(void)
{
	Suite *s = suite_create("ecomm");
	TCase *tc = tcase_create("decode");

	tcase_add_loop_test(tc, test_one_community, 0, (int)NELEM(one_cases));
	tcase_add_loop_test(tc, test_sequence, 0, (int)NELEM(seq_cases));
	tcase_add_test(tc, test_r26_paper_fields);
	tcase_add_test(tc, test_seq_opts);
	tcase_add_loop_test(tc, test_rt_format, 0, (int)NELEM(rt_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fs_check_run(ecomm_suite());
}
