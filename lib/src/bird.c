/*
 * bird.c - routes to BIRD 2 flow4/flow6 configuration.
 *
 * Components are written term by term, in wire order, joined by "&&" (the
 * term's AND bit) or "||", which is how BIRD encodes them back.  Numeric
 * operators are = != < <= > >=.  BIRD writes bitmask terms as value/mask
 * ((data & mask) == value) with an optional "!", and allows "!" only on a
 * single-term form, so each term is written on its own:
 *   match v      -> v/v        not-match v -> !v/v
 *   none-of v    -> 0/v        any-of v    -> !0/v
 * and a match of a followed by AND none-of b (disjoint) as a/(a|b).
 * Fragment terms use BIRD's names for single bits.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/bird.h"

static const char *comp_name(int t, int family)
{
	switch (t) {
	case FS_C_DST: return "dst";
	case FS_C_SRC: return "src";
	case FS_C_PROTO: return family == 4 ? "proto" : "next header";
	case FS_C_PORT: return "port";
	case FS_C_DPORT: return "dport";
	case FS_C_SPORT: return "sport";
	case FS_C_ICMP_TYPE: return "icmp type";
	case FS_C_ICMP_CODE: return "icmp code";
	case FS_C_TCP_FLAGS: return "tcp flags";
	case FS_C_PKT_LEN: return "length";
	case FS_C_DSCP: return "dscp";
	case FS_C_FRAGMENT: return "fragment";
	case FS_C_FLOW_LABEL: return "label";
	}
	return NULL;
}

static const char *num_op(uint8_t op)
{
	switch (op & (FS_OP_LT | FS_OP_GT | FS_OP_EQ)) {
	case FS_OP_EQ: return "=";
	case FS_OP_LT: return "<";
	case FS_OP_GT: return ">";
	case FS_OP_LT | FS_OP_EQ: return "<=";
	case FS_OP_GT | FS_OP_EQ: return ">=";
	case FS_OP_LT | FS_OP_GT: return "!=";
	}
	return NULL; /* true and false have no BIRD notation */
}

static const char *frag_name(uint32_t bit)
{
	switch (bit) {
	case FS_FRAG_DF: return "dont_fragment";
	case FS_FRAG_ISF: return "is_fragment";
	case FS_FRAG_FF: return "first_fragment";
	case FS_FRAG_LF: return "last_fragment";
	}
	return NULL;
}

static int write_prefix(FILE *f, const struct fs_route *r, int t)
{
	const struct fs_prefix *p = t == FS_C_DST ? &r->dst : &r->src;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(r->family == FS_INET ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	fprintf(f, " %s %s/%u", comp_name(t, r->family), a, p->len);
	if (p->offset)
		fprintf(f, " offset %u", p->offset);
	fprintf(f, ";");
	return 0;
}

static int write_terms(FILE *f, const struct fs_route *r, int t, struct fs_err *err)
{
	unsigned n, i;
	const struct fs_term *tm = fs_route_terms(r, t, &n);

	fprintf(f, " %s", comp_name(t, r->family));
	for (i = 0; i < n; i++) {
		uint8_t op = tm[i].op;

		if (i > 0)
			fprintf(f, " %s", (op & FS_OP_AND) ? "&&" : "||");
		if (!fs_ctype_is_bitmask(t)) {
			const char *s = num_op(op);

			if (s == NULL)
				return fs_err_set(err, FS_E_UNSUPPORTED, "%s: the true/false operator has "
				    "no BIRD notation", fs_ctype_name(t));
			fprintf(f, " %s %u", s, (unsigned)tm[i].value);
			continue;
		}
		if (t == FS_C_FRAGMENT) {
			const char *nm = frag_name(tm[i].value);

			if (nm == NULL || !(op & FS_OP_MATCH))
				return fs_err_set(err, FS_E_UNSUPPORTED, "fragment term 0x%x: BIRD names "
				    "single bits only", (unsigned)tm[i].value);
			fprintf(f, " %s%s", (op & FS_OP_NOT) ? "!" : "", nm);
			continue;
		}
		/* tcp flags */
		if ((op & FS_OP_MATCH) && !(op & FS_OP_NOT) && i + 1 < n &&
		    (tm[i + 1].op & (FS_OP_AND | FS_OP_NOT | FS_OP_MATCH)) == (FS_OP_AND | FS_OP_NOT) &&
		    (tm[i].value & tm[i + 1].value) == 0) {
			fprintf(f, " 0x%x/0x%x", (unsigned)tm[i].value,
			    (unsigned)(tm[i].value | tm[i + 1].value));
			i++;
		} else if (op & FS_OP_MATCH) {
			fprintf(f, " %s0x%x/0x%x", (op & FS_OP_NOT) ? "!" : "", (unsigned)tm[i].value,
			    (unsigned)tm[i].value);
		} else {
			fprintf(f, " %s0x0/0x%x", (op & FS_OP_NOT) ? "" : "!", (unsigned)tm[i].value);
		}
	}
	fprintf(f, ";");
	return 0;
}

static void write_rt(FILE *f, uint64_t v)
{
	uint16_t type = (uint16_t)(v >> 48);

	if (type == 0x0002)
		fprintf(f, " bgp_ext_community.add((rt, %u, %u));", (unsigned)((v >> 32) & 0xffff),
		    (unsigned)(v & 0xffffffff));
	else if (type == 0x0102)
		fprintf(f, " bgp_ext_community.add((rt, %u.%u.%u.%u, %u));",
		    (unsigned)((v >> 40) & 0xff), (unsigned)((v >> 32) & 0xff),
		    (unsigned)((v >> 24) & 0xff), (unsigned)((v >> 16) & 0xff), (unsigned)(v & 0xffff));
	else
		fprintf(f, " bgp_ext_community.add((rt, %u, %u));",
		    (unsigned)((v >> 16) & 0xffffffff), (unsigned)(v & 0xffff));
}

int fs_bird_begin(FILE *f, int family, const struct fs_bird_opts *o, struct fs_err *err)
{
	char fam = family == 4 ? '4' : '6';

	fprintf(f, "flow%c table %s_t%c;\n\nprotocol static %s_s%c {\n  flow%c { table %s_t%c; };\n",
	    fam, o->name, fam, o->name, fam, fam, o->name, fam);
	if (ferror(f))
		return fs_err_set(err, FS_E_SYSTEM, "write error");
	return 0;
}

int fs_bird_route(FILE *f, int family, const struct fs_route *r, uint32_t seq,
    const char *comment, const struct fs_bird_opts *o, struct fs_err *err)
{
	char fam = family == 4 ? '4' : '6';
	const struct fs_actions *a = &r->act;
	unsigned k;
	int t;

	if (a->has_rate_pkts || a->has_action || a->has_redirect ||
	    a->redirect_ip != FS_REDIR_IP_NONE || (a->has_rate_bytes && a->rate_bytes != 0))
		return fs_err_set(err, FS_E_UNSUPPORTED, "only discard and marking are written");
	if (comment != NULL)
		fprintf(f, "  # %s\n", comment);
	fprintf(f, "  route flow%c {", fam);
	for (t = 1; t <= FS_C_MAX; t++) {
		if (!fs_route_has(r, t))
			continue;
		if (t == FS_C_DST || t == FS_C_SRC)
			write_prefix(f, r, t);
		else if (write_terms(f, r, t, err) < 0)
			return -1;
	}
	fprintf(f, " } {");
	if (o->seq == FS_SEQ_PAPER)
		fprintf(f, " bgp_ext_community.add((generic, 0x80090000, %u));", (unsigned)seq);
	else
		fprintf(f, " bgp_ext_community.add((generic, 0x%04x0000, %u));",
		    (unsigned)o->clean_type, (unsigned)seq);
	if (a->has_rate_bytes)
		fprintf(f, " bgp_ext_community.add((generic, 0x80060000, 0));");
	if (a->has_mark)
		fprintf(f, " bgp_ext_community.add((generic, 0x80090000, %u));", a->dscp);
	for (k = 0; k < o->nrts; k++)
		write_rt(f, o->rts[k]);
	fprintf(f, " };\n");
	if (ferror(f))
		return fs_err_set(err, FS_E_SYSTEM, "write error");
	return 0;
}

int fs_bird_end(FILE *f, struct fs_err *err)
{
	fprintf(f, "}\n");
	if (ferror(f))
		return fs_err_set(err, FS_E_SYSTEM, "write error");
	return 0;
}

int fs_bird_write(FILE *f, int family, const struct fs_route *const *routes,
    const uint32_t *seq, const char *const *comment, size_t n,
    const struct fs_bird_opts *o, struct fs_err *err)
{
	size_t i;

	if (fs_bird_begin(f, family, o, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (fs_bird_route(f, family, routes[i], seq[i], comment ? comment[i] : NULL, o,
		    err) < 0)
			return fs_err_prefix(err, "route %zu", i + 1);
	return fs_bird_end(f, err);
}
