/*
 * translate.c - FlowSpec routes to an exact netfilter plan.
 *
 * Per route: each component becomes an exact value set (valueset.c); each
 * set becomes a positive cover (atoms whose OR is exactly the set) and, on
 * demand, a negative cover (atoms whose OR is exactly the complement).
 *
 * Inline form: the cross product of the positive covers, one rule per
 * product row.  Rows are pairwise disjoint unless a cover overlaps; an
 * overlapping cover is allowed only where the route stops evaluation
 * (first match wins), never for a route whose action continues (it would
 * sample or count a packet twice).
 *
 * Cascade form: a sub-chain entered on the single-atom covers, which
 * RETURNs on every term of the other components' negative covers, then
 * applies the action.  A route that must stop with a non-terminal target
 * (RETURN-accept, rate limit within rate) cannot RETURN two chain levels,
 * so the list is split: the sub-chain is entered by goto, non-matching
 * packets goto a continuation chain holding the rest of the routes, and a
 * matching packet falls off the end, which returns to the hook (FORWARD).
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ecomm.h"
#include "flowspec/log.h"
#include "flowspec/translate.h"
#include "valueset.h"

static const char *const refusal_names[FS_R__COUNT] = {
	[FS_R_OK] = "ok",
	[FS_R_REDIRECT] = "redirect-unmapped",
	[FS_R_REDIRECT_IP] = "redirect-ip-unmapped",
	[FS_R_CONFLICT] = "conflicting-actions",
	[FS_R_RATE] = "rate-not-expressible",
	[FS_R_TCP_FLAGS_HIGH] = "tcp-flags-beyond-cwr",
	[FS_R_TOO_COMPLEX] = "too-complex",
	[FS_R_FRAGMENT6] = "ipv6-fragment-set",
	[FS_R_FAMILY] = "wrong-family",
	[FS_R_INVALID] = "invalid",
	[FS_R_NOMEM] = "out-of-memory",
	[FS_R_SOURCE_LOSS] = "source-lost-information",
	[FS_R_NOT_FOR_HOST] = "not-for-this-host",
	[FS_R_PROTECTED] = "protected-prefix",
	[FS_R_TCP_FLAGS_ECE_CWR6] = "tcp-flags-ece-cwr-ipv6",
};

const char *fs_refusal_name(enum fs_refusal r)
{
	if ((unsigned)r >= FS_R__COUNT)
		return "?";
	return refusal_names[r];
}

void fs_xlate_opts_default(struct fs_xlate_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->chain, sizeof(o->chain), "FLOWSPEC");
	snprintf(o->hook, sizeof(o->hook), "FORWARD");
	o->accept = FS_ACCEPT_RETURN;
	o->nflog_group = 0;
	o->dnf_max = 64;
	o->cascade_max = 256;
	o->dscp_mark_mask = 0x007f0000u;
	snprintf(o->mangle_hook, sizeof(o->mangle_hook), "POSTROUTING");
	o->redirect_mark_mask = 0x0000ff00u;
	snprintf(o->pre_hook, sizeof(o->pre_hook), "PREROUTING");
}

/* ---- covers ---------------------------------------------------------- */

#define CT_ATOMS 2

/* A conjunction of atoms (one for every cover but type 4's complement). */
struct cterm {
	struct fs_atom a[CT_ATOMS];
	uint8_t n;
};

struct cover {
	struct cterm *t;
	unsigned n, cap;
	bool disjoint;
	bool ok;     /* false: this cover could not be built */
};

static void cover_init(struct cover *c)
{
	memset(c, 0, sizeof(*c));
	c->disjoint = true;
	c->ok = true;
}

static void cover_free(struct cover *c)
{
	free(c->t);
	memset(c, 0, sizeof(*c));
}

static struct cterm *cover_add(struct cover *c)
{
	struct cterm *nt;

	if (!c->ok)
		return NULL;
	if (c->n == c->cap) {
		unsigned ncap = c->cap ? c->cap * 2 : 4;

		nt = realloc(c->t, ncap * sizeof(*nt));
		if (nt == NULL) {
			c->ok = false;
			return NULL;
		}
		c->t = nt;
		c->cap = ncap;
	}
	nt = &c->t[c->n++];
	memset(nt, 0, sizeof(*nt));
	nt->n = 1;
	return nt;
}

/* Chunks a set into atoms of at most per ranges (multiport: slots). */
static void cover_ranges(struct cover *c, const struct fs_ivset *s,
    const struct fs_atom *proto_atom, unsigned per, bool slots)
{
	unsigned i = 0;

	while (i < s->n) {
		struct cterm *ct = cover_add(c);
		struct fs_atom *a;
		unsigned used = 0;

		if (ct == NULL)
			return;
		a = &ct->a[0];
		*a = *proto_atom;
		a->nr = 0;
		while (i < s->n) {
			unsigned cost = slots ? (s->r[i].lo == s->r[i].hi ? 1 : 2) : 1;

			if (used + cost > per || a->nr == FS_ATOM_RANGES_MAX)
				break;
			a->lo[a->nr] = s->r[i].lo;
			a->hi[a->nr] = s->r[i].hi;
			a->nr++;
			used += cost;
			i++;
		}
	}
}

/* ---- per-component covers -------------------------------------------- */

struct xctx {
	const struct fs_route *r;
	uint8_t fam;
	uint32_t tag;      /* unique in the plan: names sub-chains */
	enum fs_refusal refusal;
	char why[256];
};

static int refuse(struct xctx *x, enum fs_refusal why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static int refuse(struct xctx *x, enum fs_refusal why, const char *fmt, ...)
{
	va_list ap;

	if (x->refusal == FS_R_OK) {
		x->refusal = why;
		va_start(ap, fmt);
		vsnprintf(x->why, sizeof(x->why), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void prefix_atom(struct fs_atom *a, int kind, const struct fs_prefix *p)
{
	unsigned i;

	memset(a, 0, sizeof(*a));
	a->kind = (uint8_t)kind;
	memcpy(a->addr, p->addr, 16);
	for (i = p->offset; i < p->len; i++)
		a->mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	a->plen = p->offset == 0 ? p->len : 255;
}

/* The IPv6 next-header values ip6tables never reports as the upper layer. */
static bool v6_ext_header(uint32_t v)
{
	return v == 0 || v == 43 || v == 44 || v == 51 || v == 60;
}

/* Protocol set without L4 components: native -p, u32 (IPv4) or -p per value (IPv6). */
static void cover_proto(struct cover *c, const struct fs_ivset *s, uint8_t fam)
{
	struct fs_atom a;
	unsigned i;
	uint32_t v;

	memset(&a, 0, sizeof(a));
	if (fam == FS_INET) {
		if (s->n == 1 && s->r[0].lo == s->r[0].hi && s->r[0].lo != 0) {
			struct cterm *ct = cover_add(c);

			if (ct == NULL)
				return;
			ct->a[0].kind = FS_A_PROTO;
			ct->a[0].a = (uint16_t)s->r[0].lo;
			return;
		}
		a.kind = FS_A_U32;
		a.field = FS_U32_V4_PROTO;
		cover_ranges(c, s, &a, 11, false);
		return;
	}
	for (i = 0; i < s->n; i++)
		for (v = s->r[i].lo; v <= s->r[i].hi; v++) {
			struct cterm *ct;

			if (v6_ext_header(v))
				continue;
			ct = cover_add(c);
			if (ct == NULL)
				return;
			ct->a[0].kind = FS_A_PROTO;
			ct->a[0].a = (uint16_t)v;
		}
}

/* Ports of one protocol: type 5/6 native or multiport; type 4 multiport --ports. */
static void cover_ports(struct cover *c, const struct fs_ivset *s, int t, uint8_t proto)
{
	struct fs_atom a;

	memset(&a, 0, sizeof(a));
	a.kind = FS_A_PORT;
	a.proto = proto;
	a.field = (uint8_t)t;
	cover_ranges(c, s, &a, 15, true);
	if (t == FS_C_PORT && c->n > 1)
		c->disjoint = false; /* sport in one chunk, dport in another */
}

/* Type 4's complement: sport AND dport both outside the set. */
static void cover_port_neg(struct cover *c, const struct fs_ivset *comp, uint8_t proto)
{
	struct cover cs, cd;
	unsigned i, j;

	cover_init(&cs);
	cover_init(&cd);
	cover_ports(&cs, comp, FS_C_SPORT, proto);
	cover_ports(&cd, comp, FS_C_DPORT, proto);
	if (!cs.ok || !cd.ok)
		c->ok = false;
	/* multiport --sports / --dports: force the multiport form */
	for (i = 0; c->ok && i < cs.n; i++)
		for (j = 0; j < cd.n; j++) {
			struct cterm *ct = cover_add(c);

			if (ct == NULL)
				break;
			ct->a[0] = cs.t[i].a[0];
			ct->a[1] = cd.t[j].a[0];
			ct->n = 2;
		}
	cover_free(&cs);
	cover_free(&cd);
}

/*
 * IPv4 ICMP by u32 (type 255 is the native icmp match's wildcard, and its
 * text form has no code ranges): chunks of types x chunks of codes.
 */
static void cover_icmp_u32(struct cover *c, const struct fs_ivset *types,
    const struct fs_ivset *codes)
{
	unsigned i = 0, j;

	while (i < types->n) {
		unsigned ti = i, tn = 0;

		while (i < types->n && tn < 11) {
			i++;
			tn++;
		}
		j = 0;
		do {
			struct cterm *ct = cover_add(c);
			struct fs_atom *a;
			unsigned k;

			if (ct == NULL)
				return;
			a = &ct->a[0];
			a->kind = FS_A_U32;
			a->field = FS_U32_V4_ICMP;
			for (k = 0; k < tn; k++) {
				a->lo[k] = types->r[ti + k].lo;
				a->hi[k] = types->r[ti + k].hi;
			}
			a->nr = (uint8_t)tn;
			for (k = 0; codes != NULL && j < codes->n && k < 11; k++, j++) {
				a->lo2[k] = codes->r[j].lo;
				a->hi2[k] = codes->r[j].hi;
			}
			a->nr2 = (uint8_t)k;
		} while (codes != NULL && j < codes->n);
	}
}

/* An ICMP atom: type t, codes lo..hi (0..255: any code; else one code), inverted if inv. */
static bool icmp_atom(struct cover *c, uint8_t proto, uint32_t t, uint32_t lo, uint32_t hi,
    bool inv)
{
	struct cterm *ct = cover_add(c);

	if (ct == NULL)
		return false;
	ct->a[0].kind = FS_A_ICMP;
	ct->a[0].proto = proto;
	ct->a[0].inv = inv ? 1 : 0;
	ct->a[0].a = (uint16_t)t;
	ct->a[0].c = (uint16_t)lo;
	ct->a[0].d = (uint16_t)hi;
	return true;
}

/*
 * ICMPv6 sets the icmp6 match's negation says in one or two atoms.  The
 * kernel's icmp6_match is false for a packet without the ICMPv6 header (or
 * a non-first fragment) before it applies the inversion, so
 * "! --icmpv6-type T[/C]" means: an ICMPv6 header whose type (and code) is
 * not T (T/C).  A set whose complement is one type (every code) is that
 * one inverted atom; a route's set is types x codes, so its complement is
 * never one type/code pair.  The full set (every type and code: only the
 * header is required) is "! --icmpv6-type 255" or "--icmpv6-type 255",
 * which are disjoint.  True when c got the atoms (or ran out of memory:
 * c->ok says which), false when the set has no such form.
 */
static bool icmp6_inverted(struct cover *c, const struct fs_ivset *types,
    const struct fs_ivset *codes)
{
	struct fs_ivset ct, cc;

	if (fs_ivset_not(&ct, types, 255) < 0 || fs_ivset_not(&cc, codes, 255) < 0)
		return false;
	if (ct.n == 0 && cc.n == 0) {
		if (icmp_atom(c, 58, 255, 0, 255, true))
			icmp_atom(c, 58, 255, 0, 255, false);
		return true;
	}
	if (ct.n == 1 && ct.r[0].lo == ct.r[0].hi && cc.n == 0) {
		icmp_atom(c, 58, ct.r[0].lo, 0, 255, true);
		return true;
	}
	return false;
}

/* ICMP type x code product.  v4 type 255 is the icmp match's wildcard. */
static int cover_icmp(struct xctx *x, struct cover *c, const struct fs_ivset *types,
    const struct fs_ivset *codes, uint8_t proto, unsigned cap)
{
	bool anycode = codes->n == 1 && codes->r[0].lo == 0 && codes->r[0].hi == 255;
	uint64_t nt = fs_ivset_count(types), nc = anycode ? 1 : fs_ivset_count(codes);
	unsigned i, j;
	uint32_t t, cd;

	if (proto == 1 && (nt * nc > cap || fs_ivset_has(types, 255))) {
		cover_icmp_u32(c, types, anycode ? NULL : codes);
		return 0;
	}
	if (proto == 58 && icmp6_inverted(c, types, codes))
		return 0;
	if (nt * nc > cap) {
		c->ok = false;
		return 0;
	}
	for (i = 0; i < types->n; i++)
		for (t = types->r[i].lo; t <= types->r[i].hi; t++) {
			if (anycode) {
				struct cterm *ct = cover_add(c);

				if (ct == NULL)
					return 0;
				ct->a[0].kind = FS_A_ICMP;
				ct->a[0].proto = proto;
				ct->a[0].a = (uint16_t)t;
				ct->a[0].c = 0;
				ct->a[0].d = 255;
				continue;
			}
			for (j = 0; j < codes->n; j++)
				for (cd = codes->r[j].lo; cd <= codes->r[j].hi; cd++) {
					struct cterm *ct = cover_add(c);

					if (ct == NULL)
						return 0;
					ct->a[0].kind = FS_A_ICMP;
					ct->a[0].proto = proto;
					ct->a[0].a = (uint16_t)t;
					ct->a[0].c = (uint16_t)cd;
					ct->a[0].d = (uint16_t)cd;
				}
		}
	return 0;
}

/*
 * Disjoint cube cover of an 8-bit truth table: each cube is one
 * --tcp-flags MASK COMP.  Shannon split on the lowest bit the function
 * still depends on inside the cube.  iptables' tcp match names only
 * FIN..URG (a mask with ECE or CWR makes iptables -S and -save crash, and
 * its text is refused by iptables-restore), so a cube testing ECE or CWR
 * is a u32 test of the flags byte instead; IPv4 only (build_parts refuses
 * an IPv6 route whose flags depend on those bits).
 */
static void cubes(struct cover *c, const uint8_t *tt, uint8_t mask, uint8_t comp)
{
	unsigned x, b;
	bool all = true, none = true;

	for (x = 0; x < 256; x++) {
		if ((x & mask) != comp)
			continue;
		if (tt[x])
			none = false;
		else
			all = false;
	}
	if (none)
		return;
	if (all) {
		struct cterm *ct = cover_add(c);

		if (ct == NULL)
			return;
		if (mask & (FS_TCP_ECE | FS_TCP_CWR)) {
			ct->a[0].kind = FS_A_U32;
			ct->a[0].field = FS_U32_V4_TCPFLAGS;
			ct->a[0].a = mask;
			ct->a[0].lo[0] = comp;
			ct->a[0].hi[0] = comp;
			ct->a[0].nr = 1;
			return;
		}
		ct->a[0].kind = FS_A_TCPFLAGS;
		ct->a[0].proto = 6;
		ct->a[0].a = mask;
		ct->a[0].b = comp;
		return;
	}
	for (b = 0; b < 8; b++) {
		uint8_t bit = (uint8_t)(1u << b);
		bool depends = false;

		if (mask & bit)
			continue;
		for (x = 0; x < 256 && !depends; x++)
			if ((x & mask) == comp && !(x & bit) && tt[x] != tt[x | bit])
				depends = true;
		if (!depends)
			continue;
		cubes(c, tt, mask | bit, comp);
		cubes(c, tt, mask | bit, comp | bit);
		return;
	}
}

/* IPv4 fragment states: DF x {not, first, middle, last} as "4&0x7FFF" ranges. */
static uint8_t v4_fragbits(unsigned st)
{
	/* RFC 8955 §4.2.2.12: IsF is offset != 0, so a first fragment is FF only */
	static const uint8_t kind[4] = { 0, FS_FRAG_FF, FS_FRAG_ISF, FS_FRAG_ISF | FS_FRAG_LF };

	return (uint8_t)(kind[st & 3] | ((st & 4) ? FS_FRAG_DF : 0));
}

static void v4_frag_ranges(struct fs_ivset *s, unsigned stmask)
{
	static const struct fs_iv base[4] = {
		{ 0x0000, 0x0000 }, { 0x2000, 0x2000 }, { 0x2001, 0x3fff }, { 0x0001, 0x1fff },
	};
	struct fs_ivset one;
	unsigned st;

	fs_ivset_empty(s);
	for (st = 0; st < 8; st++) {
		if (!(stmask & (1u << st)))
			continue;
		one.n = 1;
		one.r[0].lo = base[st & 3].lo + ((st & 4) ? 0x4000 : 0);
		one.r[0].hi = base[st & 3].hi + ((st & 4) ? 0x4000 : 0);
		fs_ivset_or(s, s, &one);
	}
}

/* IPv6 fragment states: N not, F first, M middle, L last, A atomic. */
enum { S6_N = 1, S6_F = 2, S6_M = 4, S6_L = 8, S6_A = 16 };
static const struct { uint8_t form, states; } frag6_atoms[] = {
	{ FS_F6_NONE, S6_N },
	{ FS_F6_ANY, S6_F | S6_M | S6_L | S6_A },
	{ FS_F6_FIRST, S6_F | S6_A },
	{ FS_F6_MORE, S6_F | S6_M },
	{ FS_F6_LAST, S6_L | S6_A },
	{ FS_F6_FIRST_MORE, S6_F },
	{ FS_F6_FIRST_LAST, S6_A },
};
#define NFRAG6 (sizeof(frag6_atoms) / sizeof(frag6_atoms[0]))

static uint8_t v6_fragbits(unsigned s)
{
	/* RFC 8956 §3.6 with RFC 8955's bits: an atomic fragment has none */
	switch (s) {
	case S6_F: return FS_FRAG_FF;
	case S6_M: return FS_FRAG_ISF;
	case S6_L: return FS_FRAG_ISF | FS_FRAG_LF;
	default: return 0;
	}
}

/* Smallest set of frag6 atoms covering exactly `want`; disjoint if asked. */
static void cover_frag6(struct cover *c, unsigned want, bool disjoint)
{
	unsigned best = 0, bestn = 99, sub, i;

	for (sub = 1; sub < (1u << NFRAG6); sub++) {
		unsigned u = 0, cnt = 0;
		bool overlap = false;

		for (i = 0; i < NFRAG6; i++) {
			if (!(sub & (1u << i)))
				continue;
			if (u & frag6_atoms[i].states)
				overlap = true;
			u |= frag6_atoms[i].states;
			cnt++;
		}
		if (u != want || (disjoint && overlap) || cnt >= bestn)
			continue;
		best = sub;
		bestn = cnt;
	}
	if (best == 0) {
		c->ok = false;
		return;
	}
	for (i = 0; i < NFRAG6; i++) {
		struct cterm *ct;

		if (!(best & (1u << i)))
			continue;
		ct = cover_add(c);
		if (ct == NULL)
			return;
		ct->a[0].kind = FS_A_FRAG6;
		ct->a[0].field = frag6_atoms[i].form;
	}
	if (bestn > 1 && !disjoint)
		c->disjoint = false;
}

/* ---- dimensions -------------------------------------------------------- */

enum dim_kind {
	D_PREFIX, D_PROTO, D_PORTS, D_ICMP, D_TCPF, D_LEN, D_DSCP, D_FRAG, D_FLOWLABEL,
};

struct dim {
	enum dim_kind kind;
	int ctype;               /* D_PREFIX, D_PORTS */
	struct fs_ivset set;     /* values (not for D_ICMP, D_TCPF, D_FRAG) */
	struct fs_ivset set2;    /* D_ICMP: codes */
	uint8_t tt[256];         /* D_TCPF truth table */
	unsigned states;         /* D_FRAG: bit per state */
	struct cover pos, neg;
	bool neg_built;
	/* D_ICMP of ICMPv6 in a sub-chain: the cascade is entered once per
	 * atom here (each requires the ICMPv6 header; icmp6_neg), and neg is
	 * the rest of the complement */
	struct fs_atom hdr[2];
	unsigned nhdr;
};

struct xlim { unsigned dnf_max, cascade_max; };

static void u32_cover(struct cover *c, const struct fs_ivset *s, uint8_t field)
{
	struct fs_atom a;

	memset(&a, 0, sizeof(a));
	a.kind = FS_A_U32;
	a.field = field;
	cover_ranges(c, s, &a, 11, false);
}

/* Length, DSCP, flow label sets to atoms. */
static void cover_field(struct cover *c, const struct dim *d, const struct fs_ivset *s, uint8_t fam)
{
	struct cterm *ct;

	switch (d->kind) {
	case D_LEN:
		if (fam == FS_INET) {
			if (s->n == 1) {
				ct = cover_add(c);
				if (ct == NULL)
					return;
				ct->a[0].kind = FS_A_LENGTH;
				ct->a[0].lo[0] = s->r[0].lo;
				ct->a[0].hi[0] = s->r[0].hi;
				ct->a[0].nr = 1;
				return;
			}
			u32_cover(c, s, FS_U32_V4_LEN);
		} else {
			/* payload length = length - 40; lengths below 40 do not exist */
			struct fs_ivset p;
			unsigned i;

			fs_ivset_empty(&p);
			for (i = 0; i < s->n; i++) {
				if (s->r[i].hi < 40)
					continue;
				p.r[p.n].lo = (s->r[i].lo < 40 ? 40 : s->r[i].lo) - 40;
				p.r[p.n].hi = s->r[i].hi - 40;
				p.n++;
			}
			u32_cover(c, &p, FS_U32_V6_LEN);
		}
		return;
	case D_DSCP:
		if (s->n == 1 && s->r[0].lo == s->r[0].hi) {
			ct = cover_add(c);
			if (ct == NULL)
				return;
			ct->a[0].kind = FS_A_DSCP;
			ct->a[0].a = (uint16_t)s->r[0].lo;
			return;
		}
		u32_cover(c, s, fam == FS_INET ? FS_U32_V4_DSCP : FS_U32_V6_DSCP);
		return;
	case D_FLOWLABEL:
		u32_cover(c, s, FS_U32_V6_FLOWLABEL);
		return;
	default:
		return;
	}
}

static int dim_pos(struct xctx *x, struct dim *d, uint8_t proto, const struct xlim *lim)
{
	struct cterm *ct;
	struct fs_ivset s;

	cover_init(&d->pos);
	switch (d->kind) {
	case D_PREFIX:
		ct = cover_add(&d->pos);
		if (ct == NULL)
			break;
		prefix_atom(&ct->a[0], d->ctype == FS_C_DST ? FS_A_DST : FS_A_SRC,
		    d->ctype == FS_C_DST ? &x->r->dst : &x->r->src);
		break;
	case D_PROTO:
		cover_proto(&d->pos, &d->set, x->fam);
		break;
	case D_PORTS:
		cover_ports(&d->pos, &d->set, d->ctype, proto);
		break;
	case D_ICMP:
		if (cover_icmp(x, &d->pos, &d->set, &d->set2, proto, lim->dnf_max) < 0)
			return -1;
		break;
	case D_TCPF:
		cubes(&d->pos, d->tt, 0, 0);
		break;
	case D_FRAG:
		if (x->fam == FS_INET) {
			v4_frag_ranges(&s, d->states);
			u32_cover(&d->pos, &s, FS_U32_V4_FRAG);
		} else {
			cover_frag6(&d->pos, d->states, true);
			if (!d->pos.ok) {
				cover_init(&d->pos);
				cover_frag6(&d->pos, d->states, false);
			}
		}
		break;
	default:
		cover_field(&d->pos, d, &d->set, x->fam);
		break;
	}
	return 0;
}

/*
 * The sub-chain form of an ICMPv6 set S (types x codes): ip6tables has no
 * "any type" ICMPv6 match, so the jump into the sub-chain requires the
 * header with an inverted atom that also leaves out one part X of the
 * complement: "! --icmpv6-type T" for a type T outside S, or "!
 * --icmpv6-type T/C" for a pair outside S when S has every type.  The
 * sub-chain RETURNs on the complement without X.  The full set needs only
 * the header: two jumps, on "! --icmpv6-type 255" and "--icmpv6-type 255".
 */
static int icmp6_neg(struct xctx *x, struct dim *d, const struct xlim *lim)
{
	struct fs_ivset ct, cc, rest, one, all;
	uint32_t t;

	if (fs_ivset_not(&ct, &d->set, 255) < 0 || fs_ivset_not(&cc, &d->set2, 255) < 0) {
		d->neg.ok = false;
		return 0;
	}
	memset(d->hdr, 0, sizeof(d->hdr));
	d->hdr[0].kind = d->hdr[1].kind = FS_A_ICMP;
	d->hdr[0].proto = d->hdr[1].proto = 58;
	d->hdr[0].inv = 1;
	if (ct.n == 0 && cc.n == 0) {
		d->hdr[0].a = d->hdr[1].a = 255;
		d->hdr[0].d = d->hdr[1].d = 255;
		d->nhdr = 2;
		return 0;
	}
	d->nhdr = 1;
	fs_ivset_full(&all, 255);
	one.n = 1;
	if (ct.n > 0) {
		/* X = type t, any code; RETURN on the other types outside and on
		 * the types inside with a code outside */
		t = ct.r[0].lo;
		d->hdr[0].a = (uint16_t)t;
		d->hdr[0].d = 255;
		one.r[0].lo = one.r[0].hi = t;
		if (fs_ivset_not(&rest, &one, 255) < 0) {
			d->neg.ok = false;
			return 0;
		}
		fs_ivset_and(&rest, &rest, &ct);
		if (rest.n > 0 && cover_icmp(x, &d->neg, &rest, &all, 58, lim->cascade_max) < 0)
			return -1;
		if (cc.n > 0 && cover_icmp(x, &d->neg, &d->set, &cc, 58, lim->cascade_max) < 0)
			return -1;
		return 0;
	}
	/* every type: X = type 0 code c; RETURN on type 0 with the other codes
	 * outside and on types 1..255 with every code outside */
	t = cc.r[0].lo;
	d->hdr[0].a = 0;
	d->hdr[0].c = d->hdr[0].d = (uint16_t)t;
	one.r[0].lo = one.r[0].hi = t;
	if (fs_ivset_not(&rest, &one, 255) < 0) {
		d->neg.ok = false;
		return 0;
	}
	fs_ivset_and(&rest, &rest, &cc);
	one.r[0].lo = one.r[0].hi = 0;
	if (rest.n > 0 && cover_icmp(x, &d->neg, &one, &rest, 58, lim->cascade_max) < 0)
		return -1;
	one.r[0].lo = 1;
	one.r[0].hi = 255;
	if (cover_icmp(x, &d->neg, &one, &cc, 58, lim->cascade_max) < 0)
		return -1;
	return 0;
}

static int dim_neg(struct xctx *x, struct dim *d, uint8_t proto, const struct xlim *lim)
{
	struct fs_ivset comp, all;
	unsigned i;

	if (d->neg_built)
		return 0;
	d->neg_built = true;
	cover_init(&d->neg);
	switch (d->kind) {
	case D_PREFIX: {
		struct cterm *ct = cover_add(&d->neg);

		if (ct == NULL)
			break;
		ct->a[0] = d->pos.t[0].a[0];
		ct->a[0].inv = 1;
		break;
	}
	case D_PROTO:
		if (fs_ivset_not(&comp, &d->set, 255) < 0) {
			d->neg.ok = false;
			break;
		}
		cover_proto(&d->neg, &comp, x->fam);
		break;
	case D_PORTS:
		if (fs_ivset_not(&comp, &d->set, 65535) < 0) {
			d->neg.ok = false;
			break;
		}
		if (d->ctype == FS_C_PORT)
			cover_port_neg(&d->neg, &comp, proto);
		else
			cover_ports(&d->neg, &comp, d->ctype, proto);
		break;
	case D_ICMP:
		if (proto == 58)
			return icmp6_neg(x, d, lim);
		/* (types outside) x any code, plus (types inside) x (codes outside) */
		if (fs_ivset_not(&comp, &d->set, 255) < 0) {
			d->neg.ok = false;
			break;
		}
		fs_ivset_full(&all, 255);
		if (cover_icmp(x, &d->neg, &comp, &all, proto, lim->cascade_max) < 0)
			return -1;
		if (fs_ivset_not(&comp, &d->set2, 255) < 0) {
			d->neg.ok = false;
			break;
		}
		if (comp.n > 0 && cover_icmp(x, &d->neg, &d->set, &comp, proto,
		    lim->cascade_max) < 0)
			return -1;
		break;
	case D_TCPF: {
		uint8_t inv[256];

		for (i = 0; i < 256; i++)
			inv[i] = !d->tt[i];
		cubes(&d->neg, inv, 0, 0);
		break;
	}
	case D_FRAG:
		if (x->fam == FS_INET) {
			v4_frag_ranges(&comp, 0xffu & ~d->states);
			u32_cover(&d->neg, &comp, FS_U32_V4_FRAG);
		} else {
			cover_frag6(&d->neg, 0x1fu & ~d->states, false);
		}
		break;
	default: {
		uint32_t max = d->kind == D_DSCP ? 63 : d->kind == D_FLOWLABEL ? 0xfffff :
		    x->fam == FS_INET ? 65535 : 65575;

		if (fs_ivset_not(&comp, &d->set, max) < 0) {
			d->neg.ok = false;
			break;
		}
		cover_field(&d->neg, d, &comp, x->fam);
		break;
	}
	}
	return 0;
}

/* ---- plan building ------------------------------------------------------ */

/* Appends a chain; names made from unique tags never clash.  NULL on ENOMEM. */
static struct fs_pchain *chain_new(struct fs_ptable *t, const char *name)
{
	struct fs_pchain *c;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4;
		struct fs_pchain *nc = realloc(t->chains, ncap * sizeof(*nc));

		if (nc == NULL)
			return NULL;
		t->chains = nc;
		t->cap = ncap;
	}
	c = &t->chains[t->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

static struct fs_prule *chain_add(struct fs_pchain *c, const struct fs_atom *const *atoms,
    unsigned natoms, int route)
{
	struct fs_prule *r;
	unsigned i;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		struct fs_prule *nr = realloc(c->rules, ncap * sizeof(*nr));

		if (nr == NULL)
			return NULL;
		c->rules = nr;
		c->cap = ncap;
	}
	r = &c->rules[c->n];
	memset(r, 0, sizeof(*r));
	if (natoms > 0) {
		r->atoms = malloc(natoms * sizeof(*r->atoms));
		if (r->atoms == NULL)
			return NULL;
		for (i = 0; i < natoms; i++)
			r->atoms[i] = *atoms[i];
	}
	r->natoms = (uint8_t)natoms;
	r->route = route;
	c->n++;
	return r;
}

/* What one route does in one table. */
struct act {
	bool nflog;
	bool dscp;
	uint8_t dscp_val;
	bool drop;
	unsigned nlimit;
	struct fs_hashlimit limit[2];
	bool stop;          /* evaluation stops here after the action */
	uint8_t stop_target; /* FS_T_RETURN or FS_T_ACCEPT */
	uint32_t fwmark;    /* redirect mark to set (mangle pre_hook), 0 = none */
};

struct builder {
	struct fs_plan *plan;
	const struct fs_xlate_opts *o;
	struct fs_ptable *tab;
	size_t cur;   /* index of the chain routes are appended to */
};

/* The current chain; re-derived after every chain is added (realloc). */
static struct fs_pchain *cur_chain(struct builder *b)
{
	return &b->tab->chains[b->cur];
}

#define FNV1A_INIT 2166136261u

/* FNV-1a of p[0..n) continued from h (FNV1A_INIT to start). */
static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t route_hash(const struct fs_route *r);

/* Open-addressing set of the tags given out in one plan. */
struct tagset {
	uint32_t *v;     /* 0 marks an empty slot; tag 0 is never given out */
	size_t cap, n;
};

static void tagset_free(struct tagset *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Inserts h if absent: 1 if inserted, 0 if present, -1 on allocation failure. */
static int tagset_add(struct tagset *t, uint32_t h)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		struct tagset g = { 0 };
		size_t k;

		g.cap = t->cap ? t->cap * 2 : 64;
		g.v = calloc(g.cap, sizeof(*g.v));
		if (g.v == NULL)
			return -1;
		for (k = 0; k < t->cap; k++)
			if (t->v[k] != 0)
				tagset_add(&g, t->v[k]);
		free(t->v);
		*t = g;
	}
	for (i = h & (t->cap - 1); t->v[i] != 0; i = (i + 1) & (t->cap - 1))
		if (t->v[i] == h)
			return 0;
	t->v[i] = h;
	t->n++;
	return 1;
}

/* h, or the next value not yet given out in t: 0, or -1 on allocation failure. */
static int claim_tag(struct tagset *t, uint32_t h, uint32_t *tag)
{
	int rc;

	for (;;) {
		if (h == 0)
			h = 1;
		rc = tagset_add(t, h);
		if (rc < 0)
			return -1;
		if (rc == 1)
			break;
		h++;
	}
	*tag = h;
	return 0;
}

/*
 * A tag for the route, unique in the plan: the hash of its key, so its
 * sub-chain names stay the same across re-renders, moved on to the next
 * free value on a collision.
 */
static int unique_tag(struct tagset *t, const struct fs_route *r, uint32_t *tag)
{
	return claim_tag(t, route_hash(r), tag);
}

static uint32_t route_hash(const struct fs_route *r)
{
	uint8_t key[FS_KEY_MAX];
	int n = fs_route_key(r, key, sizeof(key));

	return n > 0 ? fnv1a(FNV1A_INIT, key, (size_t)n) : 0;
}

/*
 * Names a route's rate limit, unique in the plan (t holds the limit names
 * given out): the hash of the route's key and of the limit's
 * configuration.  xt_hashlimit keeps an existing table, with the
 * configuration it was created with, for every rule that names it, so a
 * rate changed in place must get a new name; an unchanged limit keeps its
 * name, and its bucket, across re-renders.  Two rules share a name only
 * when they carry the same route's same limit (its TCP and UDP rows).
 * 0, or -1 on allocation failure.
 */
static int limit_name(struct tagset *t, const struct fs_route *r, uint8_t fam,
    struct fs_hashlimit *hl)
{
	uint8_t cfg[15];
	uint32_t h = route_hash(r), tag;
	unsigned i;

	cfg[0] = fam;
	cfg[1] = hl->bytes;
	cfg[2] = (uint8_t)hl->unit;
	for (i = 0; i < 8; i++)
		cfg[3 + i] = (uint8_t)(hl->rate >> (8 * i));
	for (i = 0; i < 4; i++)
		cfg[11 + i] = (uint8_t)(hl->burst >> (8 * i));
	if (claim_tag(t, fnv1a(h, cfg, sizeof(cfg)), &tag) < 0)
		return -1;
	snprintf(hl->name, sizeof(hl->name), "fs%c%c%08x", fam == FS_INET ? '4' : '6',
	    hl->bytes ? 'b' : 'p', tag);
	return 0;
}

/* Emits the action rules with the given match atoms. */
static int emit_actions(struct builder *b, struct fs_pchain *c, const struct fs_atom *const *atoms,
    unsigned natoms, const struct act *a, int route, bool count_if_silent)
{
	struct fs_prule *r;
	size_t first = c->n;
	unsigned i;
	bool emitted = false;

	if (a->nflog) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_NFLOG;
		r->arg = b->o->nflog_group;
		emitted = true;
	}
	if (a->dscp) {
		/* tag for mangle POSTROUTING: DSCP + 1 in the reserved bits */
		uint32_t mask = b->o->dscp_mark_mask;

		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_MARK;
		r->mask = mask;
		r->mark = ((uint32_t)a->dscp_val + 1u) << __builtin_ctz(mask);
		emitted = true;
	}
	if (a->fwmark != 0) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_MARK;
		r->mask = b->o->redirect_mark_mask;
		r->mark = a->fwmark;
		emitted = true;
	}
	if (a->drop) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_DROP;
		c->rules[first].counts = true;
		return 0;
	}
	/* a limit rule sees only what is over its rate: count in front of it */
	if (a->nlimit > 0 && c->n == first) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_NONE;
	}
	for (i = 0; i < a->nlimit; i++) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->has_limit = true;
		r->limit = a->limit[i];
		r->target = FS_T_DROP;
		r->drops = true;
		emitted = true;
	}
	if (a->stop && (natoms > 0 || a->stop_target == FS_T_ACCEPT || count_if_silent)) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = a->stop_target;
		emitted = true;
	}
	if (!emitted && count_if_silent) {
		if ((r = chain_add(c, atoms, natoms, route)) == NULL)
			return -1;
		r->target = FS_T_NONE;
	}
	if (c->n > first)
		c->rules[first].counts = true;
	return 0;
}

/* One protocol part of a route: its dimensions. */
struct part {
	uint8_t proto;      /* 0: no L4 dims */
	struct dim *dims[12];
	unsigned nd;
	bool empty;
};

static void chain_name(char *out, const struct fs_xlate_opts *o, uint8_t fam, uint32_t h,
    const char *suffix)
{
	/* at most 14 + 1 + 1 + 8 + 3 characters: always fits */
	if (snprintf(out, FS_CHAIN_NAME_MAX, "%.14s%s-%08x%.3s", o->chain,
	    fam == FS_INET ? "4" : "6", h, suffix) < 0)
		out[0] = '\0';
}

static int emit_dnf(struct builder *b, struct part *parts, unsigned nparts, const struct act *a,
    int route)
{
	unsigned p, i;

	for (p = 0; p < nparts; p++) {
		struct part *pt = &parts[p];
		unsigned idx[12] = { 0 };
		const struct fs_atom *atoms[FS_RULE_ATOMS_MAX * 2];

		struct fs_atom l4;
		bool bound = false;

		if (pt->empty)
			continue;
		/* an L4 part whose L4 sets are full still requires the L4 header */
		memset(&l4, 0, sizeof(l4));
		l4.kind = FS_A_L4;
		l4.proto = pt->proto;
		for (i = 0; i < pt->nd; i++)
			if (pt->dims[i]->kind == D_PORTS || pt->dims[i]->kind == D_ICMP ||
			    pt->dims[i]->kind == D_TCPF)
				bound = true;
		for (;;) {
			unsigned na = 0;

			if (pt->proto != 0 && !bound)
				atoms[na++] = &l4;

			for (i = 0; i < pt->nd; i++) {
				const struct cterm *ct = &pt->dims[i]->pos.t[idx[i]];
				unsigned k;

				for (k = 0; k < ct->n; k++)
					atoms[na++] = &ct->a[k];
			}
			if (emit_actions(b, cur_chain(b), atoms, na, a, route, true) < 0)
				return -1;
			/* next row of the cross product */
			for (i = 0; i < pt->nd; i++) {
				if (++idx[i] < pt->dims[i]->pos.n)
					break;
				idx[i] = 0;
			}
			if (i == pt->nd)
				break;
		}
	}
	return 0;
}

/*
 * True when a cascade's prefix already requires the L4 header: one of the
 * part's ports, ICMP or TCP-flags dimensions is a single atom, which goes
 * into the prefix, and every such atom matches only packets that carry the
 * header (as the bare L4 atom does; an inverted ICMP atom too: the icmp and
 * icmp6 matches are false without the header before they apply "!").
 */
static bool prefix_needs_l4(const struct part *pt)
{
	unsigned i;

	for (i = 0; i < pt->nd; i++) {
		const struct dim *d = pt->dims[i];

		if ((d->kind == D_PORTS || d->kind == D_ICMP || d->kind == D_TCPF) && d->pos.ok &&
		    d->pos.n == 1 && d->pos.t[0].n == 1)
			return true;
	}
	return false;
}

static int emit_cascade(struct builder *b, struct xctx *x, struct part *parts, unsigned nparts,
    const struct act *a, int route, bool split)
{
	uint32_t h = x->tag;
	char after[FS_CHAIN_NAME_MAX];
	unsigned p, i, k;

	chain_name(after, b->o, x->fam, h, "-a");
	for (p = 0; p < nparts; p++) {
		struct part *pt = &parts[p];
		const struct fs_atom *pre[FS_RULE_ATOMS_MAX];
		struct fs_atom l4;
		unsigned npre = 0;
		char sub[FS_CHAIN_NAME_MAX];
		struct fs_pchain *sc;
		struct fs_prule *r;
		const struct dim *hd;
		char sfx[8];

		if (pt->empty)
			continue;
		snprintf(sfx, sizeof(sfx), "%s", pt->proto == 6 ? "-t" : pt->proto == 17 ? "-u" :
		    pt->proto ? "-i" : "");
		chain_name(sub, b->o, x->fam, h, sfx);
		/* the L4 header is required by the prefix: by a one-atom L4
		 * dimension there (each of them needs the header), else by a bare
		 * L4 atom (which ip6tables cannot write for ICMPv6: the caller
		 * refuses that case) */
		hd = NULL;
		for (i = 0; i < pt->nd; i++)
			if (pt->dims[i]->nhdr > 0)
				hd = pt->dims[i];
		if (pt->proto != 0 && !prefix_needs_l4(pt) && hd == NULL) {
			memset(&l4, 0, sizeof(l4));
			l4.kind = FS_A_L4;
			l4.proto = pt->proto;
			pre[npre++] = &l4;
		}
		for (i = 0; i < pt->nd; i++)
			if (pt->dims[i]->pos.ok && pt->dims[i]->pos.n == 1 &&
			    pt->dims[i]->pos.t[0].n == 1)
				pre[npre++] = &pt->dims[i]->pos.t[0].a[0];
		if ((sc = chain_new(b->tab, sub)) == NULL)
			return -1;
		/* an ICMPv6 set's jump requires the header through its own
		 * atoms (icmp6_neg): one jump per atom, which are disjoint */
		for (k = 0; k < (hd != NULL ? hd->nhdr : 1); k++) {
			if (hd != NULL)
				pre[npre] = &hd->hdr[k];
			if ((r = chain_add(cur_chain(b), pre, npre + (hd != NULL), route)) == NULL)
				return -1;
			r->target = split ? FS_T_GOTO : FS_T_JUMP;
			snprintf(r->chain, sizeof(r->chain), "%s", sub);
		}
		sc = &b->tab->chains[b->tab->n - 1];
		for (i = 0; i < pt->nd; i++) {
			struct dim *d = pt->dims[i];

			if (d->pos.ok && d->pos.n == 1 && d->pos.t[0].n == 1)
				continue;
			for (k = 0; k < d->neg.n; k++) {
				const struct fs_atom *na[CT_ATOMS];
				unsigned j;

				for (j = 0; j < d->neg.t[k].n; j++)
					na[j] = &d->neg.t[k].a[j];
				if ((r = chain_add(sc, na, d->neg.t[k].n, route)) == NULL)
					return -1;
				r->target = split ? FS_T_GOTO : FS_T_RETURN;
				if (split)
					snprintf(r->chain, sizeof(r->chain), "%s", after);
			}
		}
		if (split) {
			struct act a2 = *a;

			a2.stop = false; /* falling off the end returns to the hook */
			if (emit_actions(b, sc, NULL, 0, &a2, route, true) < 0)
				return -1;
		} else if (emit_actions(b, sc, NULL, 0, a, route, true) < 0) {
			return -1;
		}
	}
	if (split) {
		struct fs_prule *r;

		if (chain_new(b->tab, after) == NULL)
			return -1;
		if ((r = chain_add(cur_chain(b), NULL, 0, -1)) == NULL)
			return -1;
		r->target = FS_T_GOTO;
		snprintf(r->chain, sizeof(r->chain), "%s", after);
		b->cur = b->tab->n - 1;
	}
	return 0;
}

/*
 * Rates to hashlimit specs (named later, by limit_name); refuses what
 * hashlimit cannot express.
 */
static int rate_limit(struct xctx *x, struct fs_hashlimit *hl, float rate, bool bytes)
{
	static const struct { char unit; double mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned i;

	memset(hl, 0, sizeof(*hl));
	hl->bytes = bytes;
	if (bytes) {
		if (rate != floorf(rate) || rate > 4000000000.0f)
			return refuse(x, FS_R_RATE,
			    "traffic-rate-bytes %.9g: hashlimit takes whole bytes/s up to 4e9", (double)rate);
		if (rate < 16.0f)
			return refuse(x, FS_R_RATE,
			    "traffic-rate-bytes %.9g: below hashlimit's 16-byte unit, which iptables-save "
			    "prints as 0b/s and iptables-restore refuses", (double)rate);
		hl->rate = (uint64_t)rate;
		hl->unit = 's';
		/*
		 * No burst: the bucket holds one second at the rate (xt_hashlimit
		 * starts a byte-mode entry with one second of credit and caps it
		 * there).  A byte-mode burst is a count of extra one-second
		 * refills, which iptables-save prints as rate x count cut down to
		 * whole KiB or MiB; iptables-restore rounds that back up only if
		 * the cut lost less than one rate, and refuses it ("burst cannot
		 * be smaller than ...") when it did: at 9600, 500000 or 1000000
		 * B/s, for instance.  Without one, the rate alone round-trips:
		 * iptables-save prints (UINT32_MAX / cost - 1) * 16 bytes/s (or
		 * kb/mb when exact), which parses back to the same cost for every
		 * cost of the form UINT32_MAX / n, as every parsed rate is.
		 */
		hl->burst = 0;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		double v = (double)rate * units[i].mul;

		if (v == floor(v) && v >= 1) {
			if (i == 0 && v > 1000000)
				return refuse(x, FS_R_RATE,
				    "traffic-rate-packets %.9g: above hashlimit's 1000000/s", (double)rate);
			hl->rate = (uint64_t)v;
			hl->unit = units[i].unit;
			hl->burst = i == 0 ? (uint32_t)(v < 10000 ? (v < 1 ? 1 : v) : 10000) : 1;
			return 0;
		}
	}
	return refuse(x, FS_R_RATE,
	    "traffic-rate-packets %.9g: not a whole number per second, minute, hour or day",
	    (double)rate);
}

/* The filter-table meaning of the route's actions. */
static int filter_act(struct xctx *x, const struct fs_xlate_opts *o, struct act *a)
{
	const struct fs_actions *ac = &x->r->act;

	memset(a, 0, sizeof(*a));
	a->nflog = ac->has_action && ac->sample;
	a->stop = !(ac->has_action && ac->terminal); /* RFC 8955 §7.3: T set = continue */
	a->stop_target = o->accept == FS_ACCEPT_ACCEPT ? FS_T_ACCEPT : FS_T_RETURN;
	if (fs_actions_discard(ac)) {
		a->drop = true;
		return 0;
	}
	a->dscp = ac->has_mark;
	a->dscp_val = ac->dscp;
	if (ac->has_rate_bytes && rate_limit(x, &a->limit[a->nlimit++], ac->rate_bytes, true) < 0)
		return -1;
	if (ac->has_rate_pkts && rate_limit(x, &a->limit[a->nlimit++], ac->rate_pkts, false) < 0)
		return -1;
	return 0;
}

static int build_parts(struct xctx *x, struct dim *dims, unsigned *ndims, struct part *parts,
    unsigned *nparts)
{
	const struct fs_route *r = x->r;
	bool ports = fs_route_has(r, FS_C_PORT) || fs_route_has(r, FS_C_DPORT) ||
	    fs_route_has(r, FS_C_SPORT);
	bool icmp = fs_route_has(r, FS_C_ICMP_TYPE) || fs_route_has(r, FS_C_ICMP_CODE);
	bool tcpf = fs_route_has(r, FS_C_TCP_FLAGS);
	uint8_t protos[2];
	unsigned nprotos = 0, nd = 0, i, p;
	struct fs_ivset pset;
	const struct fs_term *tm;
	unsigned n;
	int t;

	if (fs_route_has(r, FS_C_PROTO)) {
		tm = fs_route_terms(r, FS_C_PROTO, &n);
		if (fs_ivset_from_terms(&pset, tm, n, 255) < 0)
			return refuse(x, FS_R_TOO_COMPLEX, "protocol: too many intervals");
	} else {
		fs_ivset_full(&pset, 255);
	}
	if (icmp && !(ports || tcpf)) {
		uint8_t ip = x->fam == FS_INET ? 1 : 58;

		if (fs_ivset_has(&pset, ip))
			protos[nprotos++] = ip;
	} else if (tcpf && !icmp) {
		if (fs_ivset_has(&pset, 6))
			protos[nprotos++] = 6;
	} else if (ports && !icmp) {
		if (fs_ivset_has(&pset, 6))
			protos[nprotos++] = 6;
		if (fs_ivset_has(&pset, 17))
			protos[nprotos++] = 17;
	}
	bool l4 = ports || icmp || tcpf;

	/* Dimensions that do not depend on the protocol. */
	for (t = FS_C_DST; t <= FS_C_FLOW_LABEL; t++) {
		struct dim *d;

		if (!fs_route_has(r, t))
			continue;
		d = &dims[nd];
		memset(d, 0, sizeof(*d));
		d->ctype = t;
		tm = fs_route_terms(r, t, &n);
		switch (t) {
		case FS_C_DST:
		case FS_C_SRC:
			d->kind = D_PREFIX;
			if ((t == FS_C_DST ? r->dst.len : r->src.len) == 0)
				continue; /* /0 matches every packet */
			break;
		case FS_C_PROTO:
			if (l4)
				continue; /* folded into the L4 protocol split */
			d->kind = D_PROTO;
			d->set = pset;
			break;
		case FS_C_PORT:
		case FS_C_DPORT:
		case FS_C_SPORT:
			d->kind = D_PORTS;
			if (fs_ivset_from_terms(&d->set, tm, n, 65535) < 0)
				return refuse(x, FS_R_TOO_COMPLEX, "%s: too many intervals", fs_ctype_name(t));
			break;
		case FS_C_ICMP_TYPE:
		case FS_C_ICMP_CODE:
			/* one ICMP dimension for both */
			if (t == FS_C_ICMP_CODE && fs_route_has(r, FS_C_ICMP_TYPE))
				continue;
			d->kind = D_ICMP;
			fs_ivset_full(&d->set, 255);
			fs_ivset_full(&d->set2, 255);
			if (fs_route_has(r, FS_C_ICMP_TYPE)) {
				tm = fs_route_terms(r, FS_C_ICMP_TYPE, &n);
				fs_ivset_from_terms(&d->set, tm, n, 255);
			}
			if (fs_route_has(r, FS_C_ICMP_CODE)) {
				tm = fs_route_terms(r, FS_C_ICMP_CODE, &n);
				fs_ivset_from_terms(&d->set2, tm, n, 255);
			}
			if (d->set.n == 0 || d->set2.n == 0)
				d->set.n = 0;
			break;
		case FS_C_TCP_FLAGS:
			d->kind = D_TCPF;
			for (i = 0; i < n; i++)
				if (tm[i].value > 0xff)
					return refuse(x, FS_R_TCP_FLAGS_HIGH,
					    "tcp-flags value 0x%x: the tcp match covers FIN..CWR only",
					    tm[i].value);
			d->set.n = 0;
			for (i = 0; i < 256; i++) {
				d->tt[i] = fs_bitmask_eval(tm, n, i);
				if (d->tt[i])
					d->set.n = 1; /* non-empty marker */
			}
			if (x->fam == FS_INET6)
				for (i = 0; i < 256; i++)
					if (d->tt[i] != d->tt[i ^ FS_TCP_ECE] ||
					    d->tt[i] != d->tt[i ^ FS_TCP_CWR])
						return refuse(x, FS_R_TCP_FLAGS_ECE_CWR6,
						    "tcp-flags test ECE or CWR: ip6tables' tcp match "
						    "cannot name them (iptables-save would crash), and u32 "
						    "cannot skip IPv6 extension headers to reach them");
			break;
		case FS_C_PKT_LEN:
			d->kind = D_LEN;
			if (fs_ivset_from_terms(&d->set, tm, n, x->fam == FS_INET ? 65535 : 65575) < 0)
				return refuse(x, FS_R_TOO_COMPLEX, "length: too many intervals");
			break;
		case FS_C_DSCP:
			d->kind = D_DSCP;
			fs_ivset_from_terms(&d->set, tm, n, 63);
			break;
		case FS_C_FRAGMENT: {
			unsigned st;

			d->kind = D_FRAG;
			d->states = 0;
			if (x->fam == FS_INET) {
				for (st = 0; st < 8; st++)
					if (fs_bitmask_eval(tm, n, v4_fragbits(st)))
						d->states |= 1u << st;
				if (d->states == 0xff)
					continue;
			} else {
				for (st = 1; st <= S6_A; st <<= 1)
					if (fs_bitmask_eval(tm, n, v6_fragbits(st)))
						d->states |= st;
				if (d->states == 0x1f)
					continue;
			}
			d->set.n = d->states ? 1 : 0;
			break;
		}
		case FS_C_FLOW_LABEL:
			d->kind = D_FLOWLABEL;
			if (fs_ivset_from_terms(&d->set, tm, n, 0xfffff) < 0)
				return refuse(x, FS_R_TOO_COMPLEX, "flow-label: too many intervals");
			break;
		}
		if (d->kind == D_ICMP && x->fam == FS_INET && d->set.n == 1 && d->set2.n == 1 &&
		    d->set.r[0].lo == 0 && d->set.r[0].hi == 255 && d->set2.r[0].lo == 0 &&
		    d->set2.r[0].hi == 255)
			continue; /* any ICMP: the part's L4 atom says it */
		if ((d->kind == D_PORTS || d->kind == D_LEN || d->kind == D_DSCP ||
		    d->kind == D_FLOWLABEL || d->kind == D_PROTO) && d->set.n == 1 &&
		    d->set.r[0].lo == 0 && d->set.r[0].hi == (d->kind == D_PORTS ? 65535u :
		    d->kind == D_DSCP ? 63u : d->kind == D_FLOWLABEL ? 0xfffffu :
		    d->kind == D_PROTO ? 255u : x->fam == FS_INET ? 65535u : 65575u))
			continue; /* the whole domain: no constraint (L4 presence stays) */
		if (d->kind != D_PREFIX && d->set.n == 0) {
			/* an empty set: the route matches no packet */
			*ndims = 0;
			*nparts = 0;
			return 0;
		}
		nd++;
	}
	*ndims = nd;
	*nparts = 0;
	if (l4 && nprotos == 0)
		return 0;
	for (p = 0; p < (l4 ? nprotos : 1u); p++) {
		struct part *pt = &parts[(*nparts)++];

		memset(pt, 0, sizeof(*pt));
		pt->proto = l4 ? protos[p] : 0;
	}
	return 0;
}

static void dims_free(struct dim *dims, unsigned nd)
{
	unsigned i;

	for (i = 0; i < nd; i++) {
		cover_free(&dims[i].pos);
		cover_free(&dims[i].neg);
	}
}

/*
 * Emits one route into the builder's current chain for a table role.
 * The covers depend on the protocol part, so they are rebuilt per part.
 */
static int emit_route(struct builder *b, struct xctx *x, const struct act *a, int route)
{
	struct dim dims[FS_C_MAX + 1];
	struct dim pdims[2][FS_C_MAX + 1];
	struct part parts[2];
	unsigned nd = 0, np = 0, p, i;
	struct xlim lim = { b->o->dnf_max, b->o->cascade_max };
	uint64_t rows = 0;
	bool disjoint = true, cascade = false;
	int rc = -1;

	if (build_parts(x, dims, &nd, parts, &np) < 0)
		return -1;
	if (np == 0) {
		b->plan->routes[route].empty = true;
		return 0;
	}
	for (p = 0; p < np; p++) {
		uint64_t prod = 1;

		parts[p].nd = nd;
		for (i = 0; i < nd; i++) {
			pdims[p][i] = dims[i];
			parts[p].dims[i] = &pdims[p][i];
			if (dim_pos(x, &pdims[p][i], parts[p].proto, &lim) < 0)
				goto out;
			if (!pdims[p][i].pos.ok) {
				prod = UINT64_MAX;
				continue;
			}
			if (pdims[p][i].pos.n == 0) {
				/* e.g. an IPv6 extension header as upper layer: no packet */
				parts[p].empty = true;
				continue;
			}
			if (!pdims[p][i].pos.disjoint)
				disjoint = false;
			if (prod != UINT64_MAX)
				prod *= pdims[p][i].pos.n ? pdims[p][i].pos.n : 1;
		}
		rows = prod == UINT64_MAX || rows == UINT64_MAX ? UINT64_MAX : rows + prod;
	}
	for (p = 0; p < np && parts[p].empty; p++)
		;
	if (p == np) {
		b->plan->routes[route].empty = true;
		rc = 0;
		goto out;
	}
	if (rows > lim.dnf_max || (!disjoint && !(a->stop || a->drop)))
		cascade = true;
	if (!cascade) {
		rc = emit_dnf(b, parts, np, a, route);
		goto out;
	}
	/* Cascade: every multi-term dimension needs its negative cover. */
	{
		uint64_t total = 0;

		for (p = 0; p < np; p++) {
			for (i = 0; i < nd; i++) {
				struct dim *d = &pdims[p][i];

				if (d->pos.ok && d->pos.n == 1 && d->pos.t[0].n == 1)
					continue;
				if (dim_neg(x, d, parts[p].proto, &lim) < 0)
					goto out;
				if (!d->neg.ok) {
					if (d->kind == D_FRAG)
						refuse(x, FS_R_FRAGMENT6,
						    "IPv6 fragment set: ip6tables' frag match cannot single out non-first fragments");
					else
						refuse(x, FS_R_TOO_COMPLEX,
						    "%s: neither the set nor its complement fits the rule caps",
						    fs_ctype_name(d->ctype));
					goto out;
				}
				total += d->neg.n;
			}
		}
		/* an ICMPv6 part's jump can require the ICMPv6 header only
		 * through icmp6 atoms (a one-atom set, or icmp6_neg's): ip6tables
		 * has no "any type", the bare L4 atom IPv4 writes as "--icmp-type
		 * any"; every ICMPv6 part has its ICMP dimension, so this holds */
		for (p = 0; p < np; p++) {
			bool hdr = false;

			for (i = 0; i < nd; i++)
				hdr = hdr || pdims[p][i].nhdr > 0;
			if (!parts[p].empty && parts[p].proto == 58 && !prefix_needs_l4(&parts[p]) &&
			    !hdr) {
				refuse(x, FS_R_TOO_COMPLEX,
				    "an ICMPv6 route in a sub-chain without an ICMPv6 type or code set: "
				    "ip6tables cannot require the ICMPv6 header otherwise");
				goto out;
			}
		}
		if (total > lim.cascade_max) {
			refuse(x, FS_R_TOO_COMPLEX, "needs %llu sub-chain rules (cap %u)",
			    (unsigned long long)total, lim.cascade_max);
			goto out;
		}
	}
	rc = emit_cascade(b, x, parts, np, a,
	    route, (a->stop && !a->drop && a->stop_target == FS_T_RETURN));
out:
	for (p = 0; p < np; p++)
		dims_free(pdims[p], nd);
	return rc;
}

/* ---- entry points ------------------------------------------------------- */

/* True when bits [from, min(la, lb)) of a and b agree: the prefixes overlap. */
static bool bits_overlap(const uint8_t *a, unsigned la, const uint8_t *b, unsigned lb,
    unsigned from)
{
	unsigned n = la < lb ? la : lb, i;

	for (i = from; i < n; i++)
		if (((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8))) != 0)
			return false;
	return true;
}

/* A route-target scoping or protection refusal, or 0. */
static int policy_refusal(struct xctx *x, const struct fs_xlate_opts *o)
{
	const struct fs_route *r = x->r;
	unsigned i, k;

	if (o->nimport_rts > 0) {
		bool mine = r->nrts == 0 && o->apply_untargeted;

		for (i = 0; i < r->nrts && !mine; i++)
			for (k = 0; k < o->nimport_rts && !mine; k++)
				mine = fs_rt_equal(r->rts[i], o->import_rts[k]);
		if (!mine)
			return refuse(x, FS_R_NOT_FOR_HOST, "%s", r->nrts == 0 ?
			    "no route target, and apply-untargeted is off" :
			    "none of its route targets is imported here");
	}
	if (r->act.has_rate_bytes || r->act.has_rate_pkts) {
		for (i = 0; i < o->nprotected; i++) {
			const struct fs_xlate_prefix *p = &o->protected[i];
			char a[64];

			if (p->family != r->family)
				continue;
			for (k = 0; k < 2; k++) {
				int t = k == 0 ? FS_C_DST : FS_C_SRC;
				const struct fs_prefix *rp = k == 0 ? &r->dst : &r->src;
				bool has = fs_route_has(r, t);

				/* a route targets the prefixes it names; an absent
				 * component targets nothing in particular */
				if (!has || !bits_overlap(rp->addr, rp->len, p->addr, p->len, rp->offset))
					continue;
				inet_ntop(p->family == FS_INET ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
				return refuse(x, FS_R_PROTECTED, "it %s traffic %s the protected prefix %s/%u",
				    fs_actions_discard(&r->act) ? "drops" : "rate-limits",
				    k == 0 ? "to" : "from", a, p->len);
			}
		}
	}
	return 0;
}

static int route_refusal(struct xctx *x)
{
	const struct fs_actions *a = &x->r->act;
	struct fs_err e;

	if (fs_route_validate(x->r, &e) < 0)
		return refuse(x, FS_R_INVALID, "%s", e.msg);
	if (x->r->source_loss[0] != '\0')
		return refuse(x, FS_R_SOURCE_LOSS, "%s", x->r->source_loss);
	if (a->conflict[0] != '\0')
		return refuse(x, FS_R_CONFLICT, "%s", a->conflict);
	return 0;
}

/*
 * The redirect mark of a route that redirects (0 if it does not, or if it
 * discards: a drop needs no routing), or a refusal when none is mapped.
 */
static int redirect_mark(struct xctx *x, const struct fs_xlate_opts *o, uint32_t *mark)
{
	const struct fs_actions *a = &x->r->act;
	char rt[40], ip[INET6_ADDRSTRLEN];
	unsigned i;

	*mark = 0;
	if (fs_actions_discard(a) || (!a->has_redirect && a->redirect_ip == FS_REDIR_IP_NONE))
		return 0;
	if (o->out_iface[0] != '\0')
		return refuse(x, a->has_redirect ? FS_R_REDIRECT : FS_R_REDIRECT_IP,
		    "out-interface %s is set: a redirect is decided before routing chooses an interface",
		    o->out_iface);
	if (a->has_redirect && a->redirect_ip != FS_REDIR_IP_NONE)
		return refuse(x, FS_R_CONFLICT,
		    "both redirect (route target) and redirect-to-IP: one packet takes one path");
	if (a->has_redirect) {
		for (i = 0; i < o->nredirects; i++)
			if (fs_rt_equal(o->redirects[i].rt, a->redirect)) {
				*mark = o->redirects[i].mark;
				return 0;
			}
		if (fs_rt_format(a->redirect, rt, sizeof(rt)) < 0)
			snprintf(rt, sizeof(rt), "0x%016llx", (unsigned long long)a->redirect);
		return refuse(x, FS_R_REDIRECT, "no redirect-map entry for route target %s (configuration)",
		    rt);
	}
	if (a->redirect_ip == FS_REDIR_IP_NEXTHOP && a->redirect_ip_family == 0)
		return refuse(x, FS_R_REDIRECT_IP,
		    "redirect-to-nexthop without a next hop in the UPDATE");
	if (inet_ntop(a->redirect_ip_family == FS_INET ? AF_INET : AF_INET6, a->redirect_ip_addr,
	    ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	if (a->redirect_ip_copy)
		return refuse(x, FS_R_REDIRECT_IP,
		    "copy to %s: duplicating traffic is not supported, only redirecting it", ip);
	if (a->redirect_ip_family != x->fam)
		return refuse(x, FS_R_REDIRECT_IP, "next hop %s is not of the route's family", ip);
	for (i = 0; i < o->nnexthops; i++) {
		const struct fs_xlate_nexthop *nh = &o->nexthops[i];

		if (nh->family != a->redirect_ip_family ||
		    memcmp(nh->addr, a->redirect_ip_addr, nh->family == FS_INET ? 4 : 16) != 0)
			continue;
		if (nh->error != 0)
			return refuse(x, FS_R_REDIRECT_IP,
			    "the kernel refused the policy route to %s: %s", ip, strerror(nh->error));
		*mark = nh->mark;
		return 0;
	}
	return refuse(x, FS_R_REDIRECT_IP, "no policy route to %s: %s", ip, !o->redirect_ip ?
	    "redirect-ip is not enabled in the configuration" :
	    "every redirect-ip table is in use");
}

void fs_plan_free(struct fs_plan *plan)
{
	struct fs_ptable *tabs[2];
	size_t t, i, j;

	if (plan == NULL)
		return;
	tabs[0] = &plan->filter;
	tabs[1] = &plan->mangle;
	for (t = 0; t < 2; t++) {
		for (i = 0; i < tabs[t]->n; i++) {
			for (j = 0; j < tabs[t]->chains[i].n; j++)
				free(tabs[t]->chains[i].rules[j].atoms);
			free(tabs[t]->chains[i].rules);
		}
		free(tabs[t]->chains);
	}
	free(plan->routes);
	memset(plan, 0, sizeof(*plan));
}

size_t fs_ptable_rules(const struct fs_ptable *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->chains[i].n;
	return n;
}

/* True when the route's traffic-marking takes effect (it is not a drop). */
static bool marks(const struct fs_route *r)
{
	const struct fs_actions *a = &r->act;

	return a->has_mark && !fs_actions_discard(a);
}

/* The jump rule of a hook chain, limited to in-interface (and out-interface when out). */
static struct fs_prule *hook_jump(struct fs_pchain *c, const struct fs_xlate_opts *o, bool out)
{
	struct fs_atom ifs[2];
	const struct fs_atom *ip[2] = { &ifs[0], &ifs[1] };
	unsigned n = 0;

	memset(ifs, 0, sizeof(ifs));
	/* "+" is iptables' wildcard for every interface: no match at all (its
	 * entry would have an empty mask, which iptables-save does not print) */
	if (o->in_iface[0] != '\0' && strcmp(o->in_iface, "+") != 0) {
		ifs[n].kind = FS_A_IIF;
		memcpy(ifs[n++].addr, o->in_iface, sizeof(o->in_iface));
	}
	if (out && o->out_iface[0] != '\0' && strcmp(o->out_iface, "+") != 0) {
		ifs[n].kind = FS_A_OIF;
		memcpy(ifs[n++].addr, o->out_iface, sizeof(o->out_iface));
	}
	return chain_add(c, ip, n, -1);
}

static int build_filter(struct fs_plan *plan, const struct fs_xlate_opts *o, bool any_mark)
{
	struct fs_ptable *tab = &plan->filter;
	struct tagset tags = { 0 }, limits = { 0 };
	struct builder b = { 0 };
	struct fs_prule *r;
	size_t i;
	unsigned k;

	b.plan = plan;
	b.o = o;
	b.tab = tab;
	if (chain_new(tab, o->hook) == NULL || chain_new(tab, o->chain) == NULL)
		return -1;
	/* chains[0] is the hook, chains[1] the base chain */
	tab->chains[0].hook = true;
	if ((r = hook_jump(&tab->chains[0], o, true)) == NULL)
		return -1;
	r->target = FS_T_JUMP;
	snprintf(r->chain, sizeof(r->chain), "%s", o->chain);
	b.cur = 1;
	if (any_mark) {
		/* the DSCP tag bits are ours: clear whatever arrived in them */
		if ((r = chain_add(&tab->chains[1], NULL, 0, -1)) == NULL)
			return -1;
		r->target = FS_T_MARK;
		r->mark = 0;
		r->mask = o->dscp_mark_mask;
	}
	for (i = 0; i < plan->nroutes; i++) {
		struct fs_proute *pr = &plan->routes[i];
		struct xctx x = { 0 };
		struct act fa;
		size_t cur_idx;

		if (pr->refusal != FS_R_OK)
			continue;
		x.r = pr->route;
		x.fam = plan->family;
		if (unique_tag(&tags, x.r, &x.tag) < 0)
			goto fail;
		if (filter_act(&x, o, &fa) < 0)
			continue; /* refused in the first pass */
		for (k = 0; k < fa.nlimit; k++)
			if (limit_name(&limits, x.r, x.fam, &fa.limit[k]) < 0)
				goto fail;
		cur_idx = b.cur;
		if (emit_route(&b, &x, &fa, (int)i) < 0) {
			if (x.refusal == FS_R_OK)
				goto fail;
			pr->refusal = x.refusal;
			pr->fwmark = 0;
			snprintf(pr->why, sizeof(pr->why), "%s", x.why);
			plan->refused[x.refusal]++;
			b.cur = cur_idx;
		}
	}
	tagset_free(&tags);
	tagset_free(&limits);
	return 0;
fail:
	tagset_free(&tags);
	tagset_free(&limits);
	return -1;
}

/* mangle POSTROUTING: tagged packets get their DSCP, then the tag is cleared. */
static int build_mangle(struct fs_plan *plan, const struct fs_xlate_opts *o)
{
	struct fs_ptable *tab = &plan->mangle;
	struct fs_atom at;
	const struct fs_atom *ap = &at;
	struct fs_prule *r;
	bool used[64] = { false };
	unsigned shift = (unsigned)__builtin_ctz(o->dscp_mark_mask);
	size_t i;

	for (i = 0; i < plan->nroutes; i++)
		if (plan->routes[i].refusal == FS_R_OK && !plan->routes[i].empty &&
		    marks(plan->routes[i].route))
			used[plan->routes[i].route->act.dscp & 63] = true;
	if (chain_new(tab, o->mangle_hook) == NULL || chain_new(tab, o->chain) == NULL)
		return -1;
	tab->chains[0].hook = true;
	plan->mangle_post = 0;
	memset(&at, 0, sizeof(at));
	at.kind = FS_A_MARK;
	at.inv = 1;
	at.lo[0] = 0;
	at.hi[0] = o->dscp_mark_mask;
	if ((r = chain_add(&tab->chains[0], &ap, 1, -1)) == NULL)
		return -1;
	r->target = FS_T_JUMP;
	snprintf(r->chain, sizeof(r->chain), "%s", o->chain);
	at.inv = 0;
	for (i = 0; i < 64; i++) {
		if (!used[i])
			continue;
		at.lo[0] = (uint32_t)(i + 1) << shift;
		if ((r = chain_add(&tab->chains[1], &ap, 1, -1)) == NULL)
			return -1;
		r->target = FS_T_DSCP;
		r->arg = (uint16_t)i;
	}
	if ((r = chain_add(&tab->chains[1], NULL, 0, -1)) == NULL)
		return -1;
	r->target = FS_T_MARK;
	r->mark = 0;
	r->mask = o->dscp_mark_mask;
	return 0;
}

/*
 * mangle pre_hook: the routes up to the last redirecting one, in order; a
 * route that stops evaluation RETURNs (its packets keep their path), a
 * redirecting one sets its mark first.  Routes that continue and do not
 * redirect cannot change the path and are left out.  Filter FORWARD still
 * takes every other decision, on the same routes, after routing.
 */
static int build_pre(struct fs_plan *plan, const struct fs_xlate_opts *o)
{
	struct fs_ptable *tab = &plan->mangle;
	struct tagset tags = { 0 };
	struct builder b = { 0 };
	struct fs_prule *r;
	char base[FS_CHAIN_NAME_MAX];
	size_t i, last = 0, hook;
	bool any = false;

	for (i = 0; i < plan->nroutes; i++)
		if (plan->routes[i].refusal == FS_R_OK && !plan->routes[i].empty &&
		    plan->routes[i].fwmark != 0) {
			any = true;
			last = i;
		}
	if (!any)
		return 0;
	snprintf(base, sizeof(base), "%.14s%d-pre", o->chain, plan->family == FS_INET ? 4 : 6);
	hook = tab->n;
	if (chain_new(tab, o->pre_hook) == NULL || chain_new(tab, base) == NULL)
		return -1;
	tab->chains[hook].hook = true;
	plan->mangle_pre = (int)hook;
	if ((r = hook_jump(&tab->chains[hook], o, false)) == NULL)
		return -1;
	r->target = FS_T_JUMP;
	snprintf(r->chain, sizeof(r->chain), "%s", base);
	/* the redirect bits are ours: clear whatever arrived in them */
	if ((r = chain_add(&tab->chains[hook + 1], NULL, 0, -1)) == NULL)
		return -1;
	r->target = FS_T_MARK;
	r->mark = 0;
	r->mask = o->redirect_mark_mask;
	b.plan = plan;
	b.o = o;
	b.tab = tab;
	b.cur = hook + 1;
	for (i = 0; i <= last; i++) {
		struct fs_proute *pr = &plan->routes[i];
		const struct fs_actions *ac = &pr->route->act;
		struct xctx x = { 0 };
		struct act pa;
		if (pr->refusal != FS_R_OK || pr->empty)
			continue;
		memset(&pa, 0, sizeof(pa));
		pa.stop = fs_actions_discard(ac) || !(ac->has_action && ac->terminal);
		pa.stop_target = FS_T_RETURN;
		pa.fwmark = pr->fwmark;
		if (!pa.stop && pa.fwmark == 0)
			continue;
		x.r = pr->route;
		x.fam = plan->family;
		if (unique_tag(&tags, x.r, &x.tag) < 0)
			goto fail;
		/* filter took the same route with the same covers and caps, so a
		 * refusal here cannot happen: treat it as the failure it would be */
		if (emit_route(&b, &x, &pa, (int)i) < 0)
			goto fail;
	}
	for (i = hook + 1; i < tab->n; i++)
		for (size_t j = 0; j < tab->chains[i].n; j++)
			tab->chains[i].rules[j].counts = false; /* filter's rules count */
	tagset_free(&tags);
	return 0;
fail:
	tagset_free(&tags);
	return -1;
}

int fs_plan_build(struct fs_plan *plan, enum fs_family family,
    const struct fs_route *const *routes, size_t n,
    const struct fs_xlate_opts *o, struct fs_err *err)
{
	size_t i;
	bool any_mark = false;
	uint32_t m = o->dscp_mark_mask;

	if (m == 0 || (m >> __builtin_ctz(m)) != 0x7f)
		return fs_err_set(err, FS_E_VALUE,
		    "dscp mark mask 0x%x: need 7 contiguous bits", m);
	if ((o->nredirects > 0 || o->nnexthops > 0) &&
	    (o->redirect_mark_mask == 0 || (o->redirect_mark_mask & m) != 0))
		return fs_err_set(err, FS_E_VALUE,
		    "redirect mark mask 0x%x: must be non-zero and apart from the dscp bits 0x%x",
		    o->redirect_mark_mask, m);
	for (i = 0; i < o->nredirects + o->nnexthops; i++) {
		uint32_t mk = i < o->nredirects ? o->redirects[i].mark :
		    o->nexthops[i - o->nredirects].mark;

		if (mk == 0 || (mk & ~o->redirect_mark_mask) != 0)
			return fs_err_set(err, FS_E_VALUE,
			    "redirect mark 0x%x: must be non-zero and inside the mask 0x%x", mk,
			    o->redirect_mark_mask);
	}
	memset(plan, 0, sizeof(*plan));
	plan->family = (uint8_t)family;
	snprintf(plan->in_iface, sizeof(plan->in_iface), "%s", o->in_iface);
	snprintf(plan->out_iface, sizeof(plan->out_iface), "%s", o->out_iface);
	plan->dscp_mark_mask = o->dscp_mark_mask;
	plan->redirect_mark_mask = o->redirect_mark_mask;
	plan->mangle_post = -1;
	plan->mangle_pre = -1;
	plan->routes = calloc(n ? n : 1, sizeof(*plan->routes));
	if (plan->routes == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory building the plan");
	plan->nroutes = n;
	for (i = 0; i < n; i++) {
		struct fs_proute *pr = &plan->routes[i];
		struct xctx x = { 0 };
		struct act fa;

		pr->route = routes[i];
		x.r = routes[i];
		x.fam = (uint8_t)family;
		if (routes[i]->family != family)
			refuse(&x, FS_R_FAMILY, "IPv%d route in an IPv%d plan", routes[i]->family, family);
		else if (policy_refusal(&x, o) == 0 && route_refusal(&x) == 0 &&
		    redirect_mark(&x, o, &pr->fwmark) == 0)
			filter_act(&x, o, &fa);
		if (x.refusal != FS_R_OK) {
			pr->refusal = x.refusal;
			pr->fwmark = 0;
			snprintf(pr->why, sizeof(pr->why), "%s", x.why);
			plan->refused[x.refusal]++;
		} else if (marks(routes[i])) {
			any_mark = true;
		}
	}
	if (build_filter(plan, o, any_mark) < 0)
		goto nomem;
	any_mark = false;
	for (i = 0; i < n; i++)
		if (plan->routes[i].refusal == FS_R_OK && !plan->routes[i].empty && marks(routes[i]))
			any_mark = true;
	if (any_mark && build_mangle(plan, o) < 0)
		goto nomem;
	if (build_pre(plan, o) < 0)
		goto nomem;
	return 0;
nomem:
	fs_plan_free(plan);
	return fs_err_set(err, FS_E_NOMEM, "out of memory building the plan");
}
