/*
 * fetch.c - the fetcher's rule model, and one rule to a FlowSpec route
 * with the same meaning.
 *
 * A rule holds every instance of each match it has (fetch_save.c and
 * fetch_ipt.c fill it); the mapping intersects them as the kernel does
 * (every match of a rule must hold): the port, length and DSCP values a
 * rule allows become one value set per component, the TCP flag bytes one
 * set written as few bitmask terms as it takes, the ICMP (type, code)
 * pairs a type set and a code set when they are a product of the two, and
 * a refusal by name when they are not.  A rule that allows nothing is
 * reported as matching no packet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/fetch.h"

void fx_chain_free(struct fx_chain *c)
{
	if (c == NULL)
		return;
	free(c->rules);
	memset(c, 0, sizeof(*c));
}

struct fx_rule *fx_chain_add(struct fx_chain *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct fx_rule *v = realloc(c->rules, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		c->rules = v;
		c->cap = cap;
	}
	memset(&c->rules[c->n], 0, sizeof(c->rules[0]));
	return &c->rules[c->n++];
}

void fx_rule_unsupported(struct fx_rule *r, bool inv, const char *opt, const char *arg)
{
	if (r->unsupported[0] != '\0')
		return;
	snprintf(r->unsupported, sizeof(r->unsupported), "%s%s%s%s", inv ? "! " : "", opt,
	    arg ? " " : "", arg ? arg : "");
}

void *fx_rule_slot(struct fx_rule *r, enum fx_slot s)
{
	static const char *const what[] = { "source port", "destination port", "--ports",
		"--tcp-flags", "ICMP type", "--length", "--dscp" };
	uint8_t *n = NULL;
	void *v = NULL;
	size_t sz = 0;

	switch (s) {
	case FX_S_SPORT: n = &r->nsport; v = r->sport; sz = sizeof(r->sport[0]); break;
	case FX_S_DPORT: n = &r->ndport; v = r->dport; sz = sizeof(r->dport[0]); break;
	case FX_S_PORT: n = &r->nport; v = r->port; sz = sizeof(r->port[0]); break;
	case FX_S_FLAGS: n = &r->nflags; v = r->flags; sz = sizeof(r->flags[0]); break;
	case FX_S_ICMP: n = &r->nicmp; v = r->icmp; sz = sizeof(r->icmp[0]); break;
	case FX_S_LENGTH: n = &r->nlength; v = r->length; sz = sizeof(r->length[0]); break;
	case FX_S_DSCP: n = &r->ndscp; v = r->dscp; sz = sizeof(r->dscp[0]); break;
	}
	if (n == NULL)
		return NULL;
	if (*n == FX_MATCH_MAX) {
		char m[64];

		snprintf(m, sizeof(m), "more than %d %s matches", FX_MATCH_MAX, what[s]);
		fx_rule_unsupported(r, false, m, NULL);
		return NULL;
	}
	v = (char *)v + sz * (*n)++;
	memset(v, 0, sz);
	return v;
}

/* ---- one rule to a route --------------------------------------------------- */

static int prefix_len(const uint8_t *mask, unsigned bytes)
{
	unsigned i, len = 0;
	bool zero = false;

	for (i = 0; i < bytes * 8; i++) {
		bool bit = (mask[i / 8] & (0x80 >> (i % 8))) != 0;

		if (bit && zero)
			return -1;
		if (bit)
			len++;
		else
			zero = true;
	}
	return (int)len;
}

/* A set of values 0..max as sorted, disjoint, non-adjacent ranges. */
#define RS_MAX (FX_MATCH_MAX * (FX_PORTS_MAX + 1) + 2)

struct rset {
	unsigned n;
	struct fx_range r[RS_MAX];
};

static int by_lo(const void *a, const void *b)
{
	const struct fx_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The set of ranges rs[0..n) (in any order, overlapping or not; LO > HI is empty). */
static void rs_from(struct rset *s, const struct fx_range *rs, unsigned n)
{
	unsigned i, m = 0;

	s->n = 0;
	for (i = 0; i < n; i++)
		if (rs[i].lo <= rs[i].hi)
			s->r[s->n++] = rs[i];
	qsort(s->r, s->n, sizeof(s->r[0]), by_lo);
	for (i = 0; i < s->n; i++) {
		if (m > 0 && (uint32_t)s->r[i].lo <= (uint32_t)s->r[m - 1].hi + 1) {
			if (s->r[i].hi > s->r[m - 1].hi)
				s->r[m - 1].hi = s->r[i].hi;
		} else {
			s->r[m++] = s->r[i];
		}
	}
	s->n = m;
}

static void rs_all(struct rset *s, uint32_t max)
{
	s->n = 1;
	s->r[0] = (struct fx_range){ 0, (uint16_t)max };
}

static bool rs_is_all(const struct rset *s, uint32_t max)
{
	return s->n == 1 && s->r[0].lo == 0 && s->r[0].hi == max;
}

/* The complement within 0..max. */
static void rs_complement(const struct rset *in, uint32_t max, struct rset *out)
{
	uint32_t next = 0;
	unsigned i;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		if (in->r[i].lo > next)
			out->r[out->n++] = (struct fx_range){ (uint16_t)next, (uint16_t)(in->r[i].lo - 1) };
		next = (uint32_t)in->r[i].hi + 1;
	}
	if (next <= max)
		out->r[out->n++] = (struct fx_range){ (uint16_t)next, (uint16_t)max };
}

/* a := a ∩ b.  Each range of the result starts where one of a or b starts. */
static void rs_intersect(struct rset *a, const struct rset *b)
{
	struct rset o;
	unsigned i = 0, j = 0;

	o.n = 0;
	while (i < a->n && j < b->n) {
		uint16_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
		uint16_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;

		if (lo <= hi && o.n < RS_MAX)
			o.r[o.n++] = (struct fx_range){ lo, hi };
		if (a->r[i].hi < b->r[j].hi)
			i++;
		else
			j++;
	}
	*a = o;
}

/* a := a ∩ (the set of ranges rs[0..n), or its complement when inv). */
static void rs_and(struct rset *a, const struct fx_range *rs, unsigned n, bool inv, uint32_t max)
{
	struct rset s, c;

	rs_from(&s, rs, n);
	if (inv) {
		rs_complement(&s, max, &c);
		rs_intersect(a, &c);
	} else {
		rs_intersect(a, &s);
	}
}

static bool rs_equal(const struct rset *a, const struct rset *b)
{
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(a->r[0])) == 0;
}

/* a ⊆ b */
static bool rs_subset(const struct rset *a, const struct rset *b)
{
	struct rset x = *a;

	rs_intersect(&x, b);
	return rs_equal(&x, a);
}

/* Adds the OR of the set's ranges as terms of numeric component t.  0 or -1 (err). */
static int add_ranges(struct fs_route *r, int t, const struct rset *s, uint32_t max,
    struct fs_err *e)
{
	unsigned i;

	for (i = 0; i < s->n; i++) {
		uint32_t lo = s->r[i].lo, hi = s->r[i].hi;

		if (lo == hi) {
			if (fs_route_add_term(r, t, FS_OP_EQ, lo, e) < 0)
				return -1;
		} else if (lo == 0 && hi < max) {
			if (fs_route_add_term(r, t, FS_OP_LT | FS_OP_EQ, hi, e) < 0)
				return -1;
		} else if (hi == max && lo > 0) {
			if (fs_route_add_term(r, t, FS_OP_GT | FS_OP_EQ, lo, e) < 0)
				return -1;
		} else if (fs_route_add_term(r, t, FS_OP_GT | FS_OP_EQ, lo, e) < 0 ||
		    fs_route_add_term(r, t, FS_OP_AND | FS_OP_LT | FS_OP_EQ, hi, e) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- TCP flags: the set of flag bytes a rule allows ------------------------------ */

struct cube {
	uint8_t mask, comp; /* the flag bytes v with (v & mask) == comp */
};

/* The cube (mask, comp) holding every value of set (256 bools), if set is exactly one. */
static bool one_cube(const bool set[256], uint8_t *mask, uint8_t *comp)
{
	unsigned v, n = 0, first = 256, bits = 0;
	uint8_t same = 0xff;

	for (v = 0; v < 256; v++) {
		if (!set[v])
			continue;
		if (first == 256)
			first = v;
		same &= (uint8_t)~(v ^ first);
		n++;
	}
	if (n == 0)
		return false;
	for (v = 0; v < 8; v++)
		bits += (same >> v) & 1;
	if (n != 256u >> bits)
		return false;
	*mask = same;
	*comp = (uint8_t)(first & same);
	return true;
}

/* The terms of cube (mask, comp): all of comp set AND none of mask's other bits. */
static int cube_terms(struct fs_route *r, uint8_t mask, uint8_t comp, struct fs_err *e)
{
	uint8_t off = mask & (uint8_t)~comp;

	if (comp && fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_MATCH, comp, e) < 0)
		return -1;
	if (off && fs_route_add_term(r, FS_C_TCP_FLAGS, (uint8_t)(FS_OP_NOT | (comp ? FS_OP_AND : 0)),
	    off, e) < 0)
		return -1;
	return 0;
}

/* Every value of cube (mask, comp) in set?  Only values within u are looked at: set
 * depends on no bit outside it. */
static bool cube_in(const bool set[256], unsigned u, unsigned mask, unsigned comp)
{
	unsigned v;

	for (v = u;; v = (v - 1) & u) {
		if ((v & mask) == comp && !set[v])
			return false;
		if (v == 0)
			return true;
	}
}

/*
 * Writes the set (neither empty nor all; no bit outside u matters to it)
 * as few cubes as a greedy cover of its prime cubes takes: exact, since
 * every cube lies in the set and every value of the set is covered.
 */
static int flag_terms(struct fs_route *r, const bool set[256], unsigned u, struct fs_err *e)
{
	struct cube prime[6561];
	unsigned np = 0, mask, comp, i, v;
	bool covered[256] = { false };
	uint8_t m, c;

	if (one_cube(set, &m, &c))
		return cube_terms(r, m, c, e);
	{
		bool inv[256];

		for (v = 0; v < 256; v++)
			inv[v] = !set[v];
		if (one_cube(inv, &m, &c)) {
			/* not all of comp set, OR any of mask's other bits set */
			uint8_t off = m & (uint8_t)~c;

			if ((c && fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_MATCH | FS_OP_NOT, c, e) < 0) ||
			    (off && fs_route_add_term(r, FS_C_TCP_FLAGS, 0, off, e) < 0))
				return -1;
			return 0;
		}
	}
	for (mask = u;; mask = (mask - 1) & u) {
		for (comp = mask;; comp = (comp - 1) & mask) {
			bool prime_ = cube_in(set, u, mask, comp);

			for (i = 0; prime_ && i < 8; i++)
				if ((mask >> i) & 1)
					prime_ = !cube_in(set, u, mask & ~(1u << i), comp & ~(1u << i));
			if (prime_)
				prime[np++] = (struct cube){ (uint8_t)mask, (uint8_t)comp };
			if (comp == 0)
				break;
		}
		if (mask == 0)
			break;
	}
	for (;;) {
		unsigned best = np, best_n = 0;

		for (i = 0; i < np; i++) {
			unsigned n = 0;

			for (v = u;; v = (v - 1) & u) {
				n += set[v] && !covered[v] && (v & prime[i].mask) == prime[i].comp;
				if (v == 0)
					break;
			}
			if (n > best_n) {
				best_n = n;
				best = i;
			}
		}
		if (best == np)
			break;
		for (v = 0; v < 256; v++)
			if ((v & prime[best].mask) == prime[best].comp)
				covered[v] = true;
		if (cube_terms(r, prime[best].mask, prime[best].comp, e) < 0)
			return -1;
	}
	return 0;
}

static int refuse(const struct fx_rule *x, char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(const struct fx_rule *x, char *why, size_t cap, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(why, cap, "rule %u: %s", x->num, m);
	return -1;
}

/* ---- the route ------------------------------------------------------------------ */

/* Ports: 0 done, 1 matches nothing, -1 refused (why set) or a model error (e set, why empty). */
static int map_ports(const struct fx_rule *x, struct fs_route *r, bool *emitted, char *why,
    size_t cap, struct fs_err *e)
{
	struct rset S, D, P, t;
	bool has_p = false;
	unsigned k;

	rs_all(&S, 65535);
	rs_all(&D, 65535);
	for (k = 0; k < x->nsport; k++)
		rs_and(&S, x->sport[k].r, x->sport[k].n, x->sport[k].inv, 65535);
	for (k = 0; k < x->ndport; k++)
		rs_and(&D, x->dport[k].r, x->dport[k].n, x->dport[k].inv, 65535);
	for (k = 0; k < x->nport; k++) {
		const struct fx_ports *pp = &x->port[k];

		if (pp->inv) {
			/* ! --ports S: neither port in S */
			rs_and(&S, pp->r, pp->n, true, 65535);
			rs_and(&D, pp->r, pp->n, true, 65535);
			continue;
		}
		rs_from(&t, pp->r, pp->n);
		if (!has_p || rs_subset(&t, &P)) {
			P = t;
		} else if (!rs_subset(&P, &t)) {
			/* (s in P1 or d in P1) and (s in P2 or d in P2): FlowSpec has one port component */
			return refuse(x, why, cap, "%s", "two multiport --ports with different sets, "
			    "neither inside the other: FlowSpec has one port component");
		}
		has_p = true;
	}
	if (S.n == 0 || D.n == 0)
		return 1;
	if (has_p) {
		struct rset ps = P, pd = P;

		rs_intersect(&ps, &S);
		rs_intersect(&pd, &D);
		if (ps.n == 0 && pd.n == 0)
			return 1;
		if (rs_is_all(&P, 65535))
			has_p = false;
	}
	if (!rs_is_all(&D, 65535)) {
		if (add_ranges(r, FS_C_DPORT, &D, 65535, e) < 0)
			return -1;
		*emitted = true;
	}
	if (!rs_is_all(&S, 65535)) {
		if (add_ranges(r, FS_C_SPORT, &S, 65535, e) < 0)
			return -1;
		*emitted = true;
	}
	if (has_p) {
		if (add_ranges(r, FS_C_PORT, &P, 65535, e) < 0)
			return -1;
		*emitted = true;
	}
	return 0;
}

/* TCP flags: as map_ports. */
static int map_flags(const struct fx_rule *x, struct fs_route *r, bool *emitted,
    struct fs_err *e)
{
	bool set[256];
	unsigned v, k, n = 0, u = 0;

	if (x->nflags == 0)
		return 0;
	for (k = 0; k < x->nflags; k++)
		u |= x->flags[k].mask | x->flags[k].comp;
	for (v = 0; v < 256; v++) {
		set[v] = true;
		for (k = 0; k < x->nflags && set[v]; k++)
			set[v] = ((v & x->flags[k].mask) == x->flags[k].comp) != x->flags[k].inv;
		n += set[v];
	}
	if (n == 0)
		return 1;
	if (n == 256)
		return 0; /* no constraint but the TCP header, which l4 asks for */
	if (flag_terms(r, set, u, e) < 0)
		return -1;
	*emitted = true;
	return 0;
}

/* ICMP types and codes: as map_ports. */
static int map_icmp(const struct fx_rule *x, struct fs_route *r, char *why, size_t cap,
    struct fs_err *e)
{
	uint64_t rows[256][4], code_union[4] = { 0 }, want[4];
	struct fx_range tr[256], cr[256];
	struct rset T, C;
	unsigned t, c, k, nt = 0, nc = 0;
	bool product = true, any_row = false;

	memset(rows, 0xff, sizeof(rows));
	for (k = 0; k < x->nicmp; k++) {
		const struct fx_icmp *ic = &x->icmp[k];

		for (t = 0; t < 256; t++) {
			for (c = 0; c < 256; c++) {
				bool m = ic->any || (t == ic->type && c >= ic->code_lo && c <= ic->code_hi);

				if (m == ic->inv)
					rows[t][c / 64] &= ~(1ULL << (c % 64));
			}
		}
	}
	for (t = 0; t < 256; t++) {
		bool empty = !(rows[t][0] | rows[t][1] | rows[t][2] | rows[t][3]);

		if (empty)
			continue;
		if (any_row && memcmp(rows[t], want, sizeof(want)) != 0)
			product = false;
		memcpy(want, rows[t], sizeof(want));
		any_row = true;
		for (c = 0; c < 4; c++)
			code_union[c] |= rows[t][c];
		if (nt > 0 && tr[nt - 1].hi + 1u == t)
			tr[nt - 1].hi = (uint16_t)t;
		else
			tr[nt++] = (struct fx_range){ (uint16_t)t, (uint16_t)t };
	}
	if (!any_row)
		return 1;
	if (!product)
		return refuse(x, why, cap, "%s", "the ICMP types and codes it allows are no type set "
		    "times a code set (! --icmp-type TYPE/CODE is an OR across two components), "
		    "which one FlowSpec route cannot carry");
	for (c = 0; c < 256; c++) {
		if (!((code_union[c / 64] >> (c % 64)) & 1))
			continue;
		if (nc > 0 && cr[nc - 1].hi + 1u == c)
			cr[nc - 1].hi = (uint16_t)c;
		else
			cr[nc++] = (struct fx_range){ (uint16_t)c, (uint16_t)c };
	}
	rs_from(&T, tr, nt);
	rs_from(&C, cr, nc);
	if (!rs_is_all(&C, 255) && add_ranges(r, FS_C_ICMP_CODE, &C, 255, e) < 0)
		return -1;
	/* the type component also says the ICMP header is there, as the match needs */
	if ((!rs_is_all(&T, 255) || rs_is_all(&C, 255)) &&
	    add_ranges(r, FS_C_ICMP_TYPE, &T, 255, e) < 0)
		return -1;
	return 0;
}

int fx_rule_to_route(const struct fx_rule *x, struct fs_route **out, char *why, size_t cap)
{
	struct fs_route *r;
	struct fs_err e;
	unsigned bytes = x->family == 4 ? 4 : 16, k;
	bool emitted = false;
	int len, rc;

	*out = NULL;
	e.msg[0] = '\0';
	if (x->unsupported[0] != '\0')
		return refuse(x, why, cap, "FlowSpec cannot carry \"%s\"", x->unsupported);
	if (x->target != FX_T_ACCEPT && x->target != FX_T_DROP && x->target != FX_T_REJECT)
		return refuse(x, why, cap, "target \"%s\": only ACCEPT, DROP and REJECT map to "
		    "FlowSpec", x->target == FX_T_NONE ? "(none)" : x->target_name);
	if ((x->inv_src && prefix_len(x->smsk, bytes) == 0) ||
	    (x->inv_dst && prefix_len(x->dmsk, bytes) == 0))
		goto never; /* ! -s 0.0.0.0/0: no address */
	if (x->inv_src || x->inv_dst)
		return refuse(x, why, cap, "%s: FlowSpec has no negated prefix",
		    x->inv_src ? "! -s" : "! -d");
	if (x->l4 || x->nflags > 0) {
		if (!x->has_proto || x->inv_proto || (x->proto != 6 && x->proto != 17))
			return refuse(x, why, cap, "%s", "ports and TCP flags map to FlowSpec only with "
			    "-p tcp or -p udp");
	}
	if (x->nicmp > 0) {
		uint8_t want = x->family == 4 ? 1 : 58;

		if (!x->has_proto || x->inv_proto || x->proto != want)
			return refuse(x, why, cap, "%s", "an ICMP type maps to FlowSpec only with "
			    "-p icmp / -p ipv6-icmp");
	}
	if (x->has_frag && !x->inv_frag && (x->l4 || x->nicmp > 0))
		goto never; /* -f: no L4 header, which the port, flag and ICMP matches need */
	r = fs_route_new(x->family == 4 ? FS_INET : FS_INET6);
	if (r == NULL)
		return refuse(x, why, cap, "%s", "out of memory");
	for (k = 0; k < 2; k++) {
		bool has = k == 0 ? x->has_dst : x->has_src;

		if (!has)
			continue;
		len = prefix_len(k == 0 ? x->dmsk : x->smsk, bytes);
		if (len < 0) {
			fs_route_free(r);
			return refuse(x, why, cap, "%s: a non-contiguous mask is no prefix",
			    k == 0 ? "-d" : "-s");
		}
		if (fs_route_set_prefix(r, k == 0 ? FS_C_DST : FS_C_SRC, k == 0 ? x->dst : x->src,
		    (unsigned)len, 0, &e) < 0)
			goto model;
	}
	if (x->has_proto) {
		struct rset p;
		struct fx_range one = { x->proto, x->proto };

		rs_all(&p, 255);
		rs_and(&p, &one, 1, x->inv_proto, 255);
		if (add_ranges(r, FS_C_PROTO, &p, 255, &e) < 0)
			goto model;
	}
	if (x->has_frag) {
		/* -f: offset != 0, which is RFC 8955's is-fragment */
		if (fs_route_add_term(r, FS_C_FRAGMENT, (uint8_t)(FS_OP_MATCH |
		    (x->inv_frag ? FS_OP_NOT : 0)), FS_FRAG_ISF, &e) < 0)
			goto model;
	}
	why[0] = '\0';
	rc = map_ports(x, r, &emitted, why, cap, &e);
	if (rc == 0)
		rc = map_flags(x, r, &emitted, &e);
	if (rc < 0 && why[0] != '\0') {
		fs_route_free(r);
		return -1;
	}
	if (rc < 0)
		goto model;
	if (rc > 0)
		goto never_r;
	if (x->l4 && !emitted) {
		/* a tcp/udp/multiport match still needs the L4 header: any port */
		struct rset all;

		rs_all(&all, 65535);
		if (add_ranges(r, FS_C_DPORT, &all, 65535, &e) < 0)
			goto model;
	}
	if (x->nicmp > 0) {
		rc = map_icmp(x, r, why, cap, &e);
		if (rc < 0 && why[0] != '\0') {
			fs_route_free(r);
			return -1;
		}
		if (rc < 0)
			goto model;
		if (rc > 0)
			goto never_r;
	}
	if (x->nlength > 0) {
		struct rset l;

		rs_all(&l, 65535);
		for (k = 0; k < x->nlength; k++) {
			const struct fx_length *ln = &x->length[k];

			if (ln->lo > ln->hi) {
				if (!ln->inv)
					l.n = 0; /* LO > HI matches nothing; negated, everything */
				continue;
			}
			rs_and(&l, &(struct fx_range){ ln->lo, ln->hi }, 1, ln->inv, 65535);
		}
		if (l.n == 0)
			goto never_r;
		if (!rs_is_all(&l, 65535) && add_ranges(r, FS_C_PKT_LEN, &l, 65535, &e) < 0)
			goto model;
	}
	if (x->ndscp > 0) {
		struct rset d;

		rs_all(&d, 63);
		for (k = 0; k < x->ndscp; k++)
			rs_and(&d, &(struct fx_range){ x->dscp[k].dscp, x->dscp[k].dscp }, 1,
			    x->dscp[k].inv, 63);
		if (d.n == 0)
			goto never_r;
		if (!rs_is_all(&d, 63) && add_ranges(r, FS_C_DSCP, &d, 63, &e) < 0)
			goto model;
	}
	if (r->present == 0) {
		/* matches every packet: the whole address space */
		uint8_t zero[16] = { 0 };

		if (fs_route_set_prefix(r, FS_C_DST, zero, 0, 0, &e) < 0)
			goto model;
	}
	if (x->target == FX_T_DROP || x->target == FX_T_REJECT) {
		r->act.has_rate_bytes = true;
		r->act.rate_bytes = 0;
	}
	*out = r;
	return 0;
never_r:
	fs_route_free(r);
never:
	snprintf(why, cap, "rule %u: matches no packet", x->num);
	return 1;
model:
	fs_route_free(r);
	return refuse(x, why, cap, "%s", e.msg);
}
