/*
 * eval.c - reference FlowSpec evaluation and a netfilter plan simulator.
 *
 * The reference side reads the route's operator terms directly
 * (valueset.c's fs_numeric_eval / fs_bitmask_eval); the simulator only
 * reads plan atoms.  Neither calls the translator.
 */
#include <string.h>

#include "flowspec/eval.h"
#include "valueset.h"

bool fs_packet_has_l4(const struct fs_packet *p)
{
	return !(p->frag && p->frag_off != 0);
}

/*
 * RFC 8955 §4.2.2.12 (RFC 8956 §3.6 for IPv6, without DF): IsF is a
 * fragment other than the first (offset not 0); FF is offset 0 with MF set;
 * LF is offset not 0 with MF clear.  A first fragment is not IsF, and an
 * IPv6 atomic fragment (offset 0, M clear) has no fragment bit at all.
 */
uint8_t fs_packet_fragbits(const struct fs_packet *p)
{
	uint8_t b = 0;

	if (p->family == FS_INET && p->df)
		b |= FS_FRAG_DF;
	if (p->frag && p->frag_off != 0) {
		b |= FS_FRAG_ISF;
		if (!p->mf)
			b |= FS_FRAG_LF;
	}
	if (p->frag && p->frag_off == 0 && p->mf)
		b |= FS_FRAG_FF;
	return b;
}

static bool prefix_match(const struct fs_prefix *pf, const uint8_t *addr)
{
	unsigned i;

	for (i = pf->offset; i < pf->len; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if ((addr[i / 8] & m) != (pf->addr[i / 8] & m))
			return false;
	}
	return true;
}

static bool comp_num(const struct fs_route *r, int t, uint32_t v)
{
	unsigned n;
	const struct fs_term *tm = fs_route_terms(r, t, &n);

	return fs_numeric_eval(tm, n, v);
}

bool fs_route_match(const struct fs_route *r, const struct fs_packet *p)
{
	bool l4 = fs_packet_has_l4(p);
	bool tcpudp = (p->proto == 6 || p->proto == 17) && l4;
	bool icmp = p->proto == (p->family == FS_INET ? 1 : 58) && l4;
	unsigned n;
	const struct fs_term *tm;

	if (r->family != p->family)
		return false;
	if (fs_route_has(r, FS_C_DST) && !prefix_match(&r->dst, p->dst))
		return false;
	if (fs_route_has(r, FS_C_SRC) && !prefix_match(&r->src, p->src))
		return false;
	if (fs_route_has(r, FS_C_PROTO) && !comp_num(r, FS_C_PROTO, p->proto))
		return false;
	/* Port components match only TCP and UDP (RFC 8955 §4.2.2.4-6). */
	if (fs_route_has(r, FS_C_PORT) &&
	    !(tcpudp && (comp_num(r, FS_C_PORT, p->sport) || comp_num(r, FS_C_PORT, p->dport))))
		return false;
	if (fs_route_has(r, FS_C_DPORT) && !(tcpudp && comp_num(r, FS_C_DPORT, p->dport)))
		return false;
	if (fs_route_has(r, FS_C_SPORT) && !(tcpudp && comp_num(r, FS_C_SPORT, p->sport)))
		return false;
	if (fs_route_has(r, FS_C_ICMP_TYPE) && !(icmp && comp_num(r, FS_C_ICMP_TYPE, p->icmp_type)))
		return false;
	if (fs_route_has(r, FS_C_ICMP_CODE) && !(icmp && comp_num(r, FS_C_ICMP_CODE, p->icmp_code)))
		return false;
	if (fs_route_has(r, FS_C_TCP_FLAGS)) {
		tm = fs_route_terms(r, FS_C_TCP_FLAGS, &n);
		if (!(p->proto == 6 && l4 && fs_bitmask_eval(tm, n, p->tcp_flags)))
			return false;
	}
	if (fs_route_has(r, FS_C_PKT_LEN) && !comp_num(r, FS_C_PKT_LEN, p->length))
		return false;
	if (fs_route_has(r, FS_C_DSCP) && !comp_num(r, FS_C_DSCP, p->dscp))
		return false;
	if (fs_route_has(r, FS_C_FRAGMENT)) {
		tm = fs_route_terms(r, FS_C_FRAGMENT, &n);
		if (!fs_bitmask_eval(tm, n, fs_packet_fragbits(p)))
			return false;
	}
	if (fs_route_has(r, FS_C_FLOW_LABEL) && !comp_num(r, FS_C_FLOW_LABEL, p->flow_label))
		return false;
	return true;
}

static void sample(struct fs_outcome *out, int route)
{
	if (out->nsamples < FS_OUTCOME_SAMPLES)
		out->samples[out->nsamples] = route;
	out->nsamples++;
}

static void counted(struct fs_outcome *out, int route)
{
	if (out->ncounted < FS_OUTCOME_SAMPLES)
		out->counted[out->ncounted] = route;
	out->ncounted++;
}

bool fs_iface_match(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n == 0)
		return true;
	if (pattern[n - 1] == '+')
		return strncmp(name, pattern, n - 1) == 0;
	return strcmp(name, pattern) == 0;
}

void fs_ref_eval(const struct fs_plan *plan, const struct fs_packet *p, bool over_limit,
    enum fs_accept_target accept, struct fs_outcome *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->dscp = -1;
	out->stopped_by = -1;
	out->limit_drop = -1;
	/* not ours: a packet in on another interface keeps the mark it came
	 * with, which routing reads when redirects are in use */
	if (!fs_iface_match(plan->in_iface, p->iif)) {
		if (plan->mangle_pre >= 0)
			out->redirect = p->mark & plan->redirect_mark_mask;
		return;
	}
	if (!fs_iface_match(plan->out_iface, p->oif))
		return; /* (out-interface refuses redirects: no redirect chain) */
	for (i = 0; i < plan->nroutes; i++) {
		const struct fs_route *r = plan->routes[i].route;
		const struct fs_actions *a = &r->act;
		bool drop = fs_actions_discard(a);

		if (plan->routes[i].refusal != FS_R_OK || plan->routes[i].empty)
			continue;
		if (!fs_route_match(r, p))
			continue;
		counted(out, (int)i);
		if (a->has_action && a->sample)
			sample(out, (int)i);
		if (a->has_mark && !drop)
			out->dscp = a->dscp;
		if (plan->routes[i].fwmark != 0)
			out->redirect = plan->routes[i].fwmark;
		if (drop || ((a->has_rate_bytes || a->has_rate_pkts) && over_limit)) {
			if (!drop)
				out->limit_drop = (int)i;
			out->verdict = FS_V_DROP;
			out->dscp = -1;
			out->redirect = 0;
			out->stopped_by = (int)i;
			return;
		}
		if (!(a->has_action && a->terminal)) {
			out->verdict = accept == FS_ACCEPT_ACCEPT ? FS_V_ACCEPT : FS_V_CONTINUE;
			out->stopped_by = (int)i;
			return;
		}
	}
}

/* ---- simulator ----------------------------------------------------------- */

static bool in_ranges(const struct fs_atom *a, uint32_t v)
{
	unsigned i;

	for (i = 0; i < a->nr; i++)
		if (v >= a->lo[i] && v <= a->hi[i])
			return true;
	return false;
}

static bool addr_match(const struct fs_atom *a, const uint8_t *addr, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if ((addr[i] & a->mask[i]) != (a->addr[i] & a->mask[i]))
			return false;
	return true;
}

static uint32_t u32_field(const struct fs_packet *p, unsigned field)
{
	switch (field) {
	case FS_U32_V4_PROTO: return p->proto;
	case FS_U32_V4_LEN: return p->length & 0xffff;
	case FS_U32_V4_DSCP: return p->dscp;
	case FS_U32_V4_FRAG:
		return (p->df ? 0x4000u : 0) | (p->mf ? 0x2000u : 0) | (p->frag_off & 0x1fffu);
	case FS_U32_V6_LEN: return p->length - 40;
	case FS_U32_V6_DSCP: return p->dscp;
	case FS_U32_V6_FLOWLABEL: return p->flow_label;
	default: return 0xffffffffu;
	}
}

/*
 * An interface atom as the kernel compares it: the name and mask iptables
 * makes of the text (a trailing '+' leaves itself and the NUL out of the
 * mask), then the packet's interface name byte by byte under the mask.
 */
static bool iface_atom(const struct fs_atom *a, const char *ifname)
{
	unsigned char want[16] = { 0 }, mask[16] = { 0 }, have[16] = { 0 };
	size_t n = strnlen((const char *)a->addr, 15), i;

	memcpy(want, a->addr, n);
	memset(mask, 0xff, n > 0 && want[n - 1] == '+' ? n - 1 : n + 1);
	memcpy(have, ifname, strnlen(ifname, 15));
	for (i = 0; i < 16; i++)
		if ((have[i] ^ want[i]) & mask[i])
			return false;
	return true;
}

static bool frag6(const struct fs_packet *p, unsigned form)
{
	bool first = p->frag_off == 0;

	if (form == FS_F6_NONE)
		return !p->frag;
	if (!p->frag)
		return false;
	switch (form) {
	case FS_F6_ANY: return true;
	case FS_F6_FIRST: return first;
	case FS_F6_MORE: return p->mf;
	case FS_F6_LAST: return !p->mf;
	case FS_F6_FIRST_MORE: return first && p->mf;
	case FS_F6_FIRST_LAST: return first && !p->mf;
	default: return false;
	}
}

static bool atom_match(const struct fs_atom *a, const struct fs_packet *p)
{
	unsigned alen = p->family == FS_INET ? 4 : 16;
	bool l4 = fs_packet_has_l4(p);
	bool r;

	switch (a->kind) {
	case FS_A_SRC:
		r = addr_match(a, p->src, alen);
		return a->inv ? !r : r;
	case FS_A_DST:
		r = addr_match(a, p->dst, alen);
		return a->inv ? !r : r;
	case FS_A_PROTO:
		r = p->proto == a->a;
		return a->inv ? !r : r;
	case FS_A_L4:
		return p->proto == a->proto && l4;
	case FS_A_PORT:
		if (p->proto != a->proto || !l4)
			return false;
		if (a->field == FS_C_DPORT)
			return in_ranges(a, p->dport);
		if (a->field == FS_C_SPORT)
			return in_ranges(a, p->sport);
		return in_ranges(a, p->sport) || in_ranges(a, p->dport);
	case FS_A_TCPFLAGS:
		return p->proto == 6 && l4 && (p->tcp_flags & a->a) == a->b;
	case FS_A_ICMP:
		/* ipt_icmp reads type 255 as "any type"; icmp_match and
		 * icmp6_match return false without the header (or on a non-first
		 * fragment) before they apply the inversion */
		if (p->proto != a->proto || !l4)
			return false;
		if (p->family == FS_INET && a->a == 255)
			r = true;
		else
			r = p->icmp_type == a->a && p->icmp_code >= a->c && p->icmp_code <= a->d;
		return a->inv ? !r : r;
	case FS_A_LENGTH:
		return in_ranges(a, p->length);
	case FS_A_DSCP:
		return p->dscp == a->a;
	case FS_A_U32:
		if (a->field == FS_U32_V4_ICMP) {
			struct fs_atom codes = *a;

			if (p->proto != 1 || p->frag_off != 0 || !in_ranges(a, p->icmp_type))
				return false;
			if (a->nr2 == 0)
				return true;
			memcpy(codes.lo, a->lo2, sizeof(a->lo2));
			memcpy(codes.hi, a->hi2, sizeof(a->hi2));
			codes.nr = a->nr2;
			return in_ranges(&codes, p->icmp_code);
		}
		if (a->field == FS_U32_V4_TCPFLAGS)
			return p->proto == 6 && p->frag_off == 0 &&
			    in_ranges(a, p->tcp_flags & a->a);
		return in_ranges(a, u32_field(p, a->field));
	case FS_A_FRAG6:
		return frag6(p, a->field);
	case FS_A_MARK:
		r = (p->mark & a->hi[0]) == a->lo[0];
		return a->inv ? !r : r;
	case FS_A_IIF:
		return iface_atom(a, p->iif);
	case FS_A_OIF:
		return iface_atom(a, p->oif);
	default:
		return false;
	}
}

static const struct fs_pchain *find_chain(const struct fs_ptable *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

/* Runs one table from hook chain start: 0 with *v set, -1 on a malformed plan. */
static int run_table(const struct fs_ptable *t, size_t start, struct fs_packet *p,
    bool over_limit, struct fs_outcome *out, enum fs_verdict *v)
{
	struct { const struct fs_pchain *c; size_t i; } stack[32];
	const struct fs_pchain *c;
	size_t i = 0;
	int depth = 0;
	unsigned steps = 0;

	*v = FS_V_CONTINUE;
	if (start >= t->n)
		return 0;
	c = &t->chains[start];
	for (;;) {
		const struct fs_prule *r;
		unsigned k;
		bool m = true;

		if (++steps > 1000000)
			return -1;
		if (i >= c->n) {
			/* falling off a user chain returns; off the hook: its policy (ACCEPT) */
			if (depth == 0)
				return 0;
			depth--;
			c = stack[depth].c;
			i = stack[depth].i;
			continue;
		}
		r = &c->rules[i++];
		for (k = 0; k < r->natoms && m; k++)
			m = atom_match(&r->atoms[k], p);
		if (m && r->has_limit)
			m = over_limit; /* --hashlimit-above: true only over the rate */
		if (!m)
			continue;
		if (r->counts)
			counted(out, r->route);
		if (r->drops)
			out->limit_drop = r->route;
		switch (r->target) {
		case FS_T_NONE:
			break;
		case FS_T_DROP:
			*v = FS_V_DROP;
			out->stopped_by = r->route;
			return 0;
		case FS_T_ACCEPT:
			*v = FS_V_ACCEPT;
			out->stopped_by = r->route;
			return 0;
		case FS_T_RETURN:
			if (depth == 0)
				return 0;
			depth--;
			c = stack[depth].c;
			i = stack[depth].i;
			break;
		case FS_T_JUMP:
		case FS_T_GOTO: {
			const struct fs_pchain *to = find_chain(t, r->chain);

			if (to == NULL)
				return -1;
			if (r->target == FS_T_JUMP) {
				if (depth == 32)
					return -1;
				stack[depth].c = c;
				stack[depth].i = i;
				depth++;
			}
			c = to;
			i = 0;
			break;
		}
		case FS_T_NFLOG:
			sample(out, r->route);
			break;
		case FS_T_DSCP:
			p->dscp = (uint8_t)r->arg;
			out->dscp = r->arg;
			break;
		case FS_T_MARK:
			p->mark = (p->mark & ~r->mask) ^ r->mark;
			break;
		default:
			return -1;
		}
	}
}

int fs_plan_eval(const struct fs_plan *plan, const struct fs_packet *p, bool over_limit,
    struct fs_outcome *out)
{
	struct fs_packet q = *p;
	enum fs_verdict v, mv;

	memset(out, 0, sizeof(*out));
	out->dscp = -1;
	out->stopped_by = -1;
	out->limit_drop = -1;
	/* mangle PREROUTING marks what routing redirects; it never decides */
	if (plan->mangle_pre >= 0) {
		struct fs_outcome pre = { 0 };

		pre.limit_drop = -1;
		if (run_table(&plan->mangle, (size_t)plan->mangle_pre, &q, over_limit, &pre, &mv) < 0 ||
		    mv != FS_V_CONTINUE || pre.nsamples > 0 || pre.ncounted > 0 ||
		    pre.limit_drop >= 0)
			return -1;
		out->redirect = q.mark & plan->redirect_mark_mask;
	}
	/* filter FORWARD decides; mangle POSTROUTING only sees what it let through */
	if (run_table(&plan->filter, 0, &q, over_limit, out, &v) < 0)
		return -1;
	out->verdict = v;
	if (v == FS_V_DROP) {
		out->dscp = -1;
		out->redirect = 0;
		return 0;
	}
	if (plan->mangle_post >= 0) {
		if (run_table(&plan->mangle, (size_t)plan->mangle_post, &q, over_limit, out, &mv) < 0)
			return -1;
		if (mv == FS_V_DROP)
			return -1; /* mangle never drops */
		if ((q.mark & plan->dscp_mark_mask) != 0)
			return -1; /* the tag must not leave the box */
	}
	return 0;
}
