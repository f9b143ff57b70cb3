/*
 * fetch_ipt.c - the fetcher's kernel reader: one chain of the legacy filter
 * table, through libip4tc / libip6tc, into struct fx_chain.
 *
 * Each ipt_entry / ip6t_entry is decoded into exactly the fx_rule that
 * fx_read_save() (fetch_save.c) builds from the line iptables-save writes
 * for it: every match instance in entry order (a rule may hold several of
 * one kind, which the mapping intersects), the same fields under the same
 * conditions (iptables-save prints "! -s 0.0.0.0/0", ICMP "any", a single
 * code, "--tcp-flags" with a zero mask when inverted ...), and the first
 * thing FlowSpec cannot carry named the way the save text spells it ("-i
 * eth+", "-m state" for conntrack's state alias, "--tcp-option").  Only
 * fx_rule.text stays empty: the kernel has no text.  The rules go to the
 * caller one at a time; libiptc holds the table's snapshot meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_dscp.h>
#include <linux/netfilter/xt_length.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "flowspec/fetch.h"

/* ---- one interface over libip4tc and libip6tc ------------------------- */

struct rtc {
	int fam;
	struct xtc_handle *(*init)(const char *);
	void (*free)(struct xtc_handle *);
	int (*is_chain)(const char *, struct xtc_handle *);
	const char *(*policy)(const char *, struct xt_counters *, struct xtc_handle *);
	const void *(*first_rule)(const char *, struct xtc_handle *);
	const void *(*next_rule)(const void *, struct xtc_handle *);
	const char *(*target)(const void *, struct xtc_handle *);
	const char *(*strerror)(int);
};

#define WRAP(p, E)                                                              \
	static const void *p##_first(const char *c, struct xtc_handle *h) { return p##_first_rule(c, h); } \
	static const void *p##_next(const void *e, struct xtc_handle *h) { return p##_next_rule((const E *)e, h); } \
	static const char *p##_target(const void *e, struct xtc_handle *h) { return p##_get_target((const E *)e, h); }

WRAP(iptc, struct ipt_entry)
WRAP(ip6tc, struct ip6t_entry)

static const struct rtc rtc4 = {
	4, iptc_init, iptc_free, iptc_is_chain, iptc_get_policy, iptc_first, iptc_next, iptc_target,
	iptc_strerror,
};
static const struct rtc rtc6 = {
	6, ip6tc_init, ip6tc_free, ip6tc_is_chain, ip6tc_get_policy, ip6tc_first, ip6tc_next,
	ip6tc_target, ip6tc_strerror,
};

/* ---- decoding one entry ---------------------------------------------------- */

#define unsupported fx_rule_unsupported

/* An interface as iptables-save writes it ("eth0", "eth+"); false when it prints none. */
static bool iface_text(const char *iface, const unsigned char *mask, char *buf, size_t cap)
{
	size_t i, o = 0;

	if (mask[0] == 0)
		return false;
	for (i = 0; i < IFNAMSIZ && o + 2 < cap; i++) {
		if (mask[i] != 0) {
			if (iface[i] != '\0')
				buf[o++] = iface[i];
		} else {
			if (iface[i - 1] != '\0')
				buf[o++] = '+';
			break;
		}
	}
	buf[o] = '\0';
	return true;
}

/* Adds one port range (a --sport or --dport), unless it is 0:65535: iptables-save prints none then. */
static void port_range(struct fx_rule *r, enum fx_slot s, const uint16_t pts[2], bool inv)
{
	struct fx_ports *p;

	if (pts[0] == 0 && pts[1] == 0xFFFF && !inv)
		return;
	if ((p = fx_rule_slot(r, s)) == NULL)
		return;
	p->inv = inv;
	p->n = 1;
	p->r[0].lo = pts[0];
	p->r[0].hi = pts[1];
}

/*
 * A multiport match (revision 1 has ranges in pflags and an invert flag;
 * revision 0 has neither: pflags NULL) into the port list its flags name.
 */
static void multiport(struct fx_rule *r, uint8_t flags, unsigned count, const uint16_t *ports,
    const uint8_t *pflags, bool inv)
{
	struct fx_ports *p;
	unsigned i;

	r->l4 = true;
	if (flags != XT_MULTIPORT_SOURCE && flags != XT_MULTIPORT_DESTINATION &&
	    flags != XT_MULTIPORT_EITHER) {
		unsupported(r, false, "-m", "multiport");
		return;
	}
	p = fx_rule_slot(r, flags == XT_MULTIPORT_SOURCE ? FX_S_SPORT :
	    flags == XT_MULTIPORT_DESTINATION ? FX_S_DPORT : FX_S_PORT);
	if (p == NULL)
		return;
	for (i = 0; i < count && i < XT_MULTI_PORTS && p->n < FX_PORTS_MAX; i++) {
		p->r[p->n].lo = p->r[p->n].hi = ports[i];
		if (pflags != NULL && pflags[i] && i + 1 < count && i + 1 < XT_MULTI_PORTS)
			p->r[p->n].hi = ports[++i];
		p->n++;
	}
	p->inv = inv;
}

/* One ICMP match: type 0xFF is IPv4's "any" (icmp_type_code_match), whatever the codes. */
static void icmp(struct fx_rule *r, uint8_t type, const uint8_t code[2], bool inv)
{
	struct fx_icmp *ic = fx_rule_slot(r, FX_S_ICMP);

	if (ic == NULL)
		return;
	ic->inv = inv;
	ic->any = r->family == 4 && type == 0xFF;
	ic->type = type;
	ic->code_lo = code[0];
	ic->code_hi = code[1];
}

/* Decodes one match (name, revision, data of dlen bytes) into r. */
static void decode_match(struct fx_rule *r, const char *name, uint8_t rev, const void *data,
    size_t dlen)
{
	if (strcmp(name, "tcp") == 0 && dlen >= sizeof(struct xt_tcp)) {
		const struct xt_tcp *t = data;

		r->l4 = true;
		port_range(r, FX_S_SPORT, t->spts, t->invflags & XT_TCP_INV_SRCPT);
		port_range(r, FX_S_DPORT, t->dpts, t->invflags & XT_TCP_INV_DSTPT);
		if (t->option != 0 || (t->invflags & XT_TCP_INV_OPTION))
			unsupported(r, t->invflags & XT_TCP_INV_OPTION, "--tcp-option", NULL);
		/* (flags & mask) == cmp always holds for a zero mask and zero cmp, and never
		 * for a zero mask and any other cmp */
		if (t->flg_mask != 0 || t->flg_cmp != 0 || (t->invflags & XT_TCP_INV_FLAGS)) {
			struct fx_tcpflags *f = fx_rule_slot(r, FX_S_FLAGS);

			if (f != NULL) {
				f->inv = t->invflags & XT_TCP_INV_FLAGS;
				f->mask = t->flg_mask;
				f->comp = t->flg_cmp;
			}
		}
	} else if (strcmp(name, "udp") == 0 && dlen >= sizeof(struct xt_udp)) {
		const struct xt_udp *u = data;

		r->l4 = true;
		port_range(r, FX_S_SPORT, u->spts, u->invflags & XT_UDP_INV_SRCPT);
		port_range(r, FX_S_DPORT, u->dpts, u->invflags & XT_UDP_INV_DSTPT);
	} else if (strcmp(name, "multiport") == 0 && rev == 1 &&
	    dlen >= sizeof(struct xt_multiport_v1)) {
		const struct xt_multiport_v1 *m = data;

		multiport(r, m->flags, m->count, m->ports, m->pflags, m->invert);
	} else if (strcmp(name, "multiport") == 0 && rev == 0 &&
	    dlen >= sizeof(struct xt_multiport)) {
		const struct xt_multiport *m = data;

		multiport(r, m->flags, m->count, m->ports, NULL, false);
	} else if (strcmp(name, "icmp") == 0 && r->family == 4 && dlen >= sizeof(struct ipt_icmp)) {
		const struct ipt_icmp *ic = data;

		icmp(r, ic->type, ic->code, ic->invflags & IPT_ICMP_INV);
	} else if (strcmp(name, "icmp6") == 0 && r->family == 6 &&
	    dlen >= sizeof(struct ip6t_icmp)) {
		const struct ip6t_icmp *ic = data;

		icmp(r, ic->type, ic->code, ic->invflags & IP6T_ICMP_INV);
	} else if (strcmp(name, "length") == 0 && dlen >= sizeof(struct xt_length_info)) {
		const struct xt_length_info *l = data;
		struct fx_length *x = fx_rule_slot(r, FX_S_LENGTH);

		if (x != NULL) {
			x->inv = l->invert;
			x->lo = l->min;
			x->hi = l->max;
		}
	} else if (strcmp(name, "dscp") == 0 && dlen >= sizeof(struct xt_dscp_info)) {
		const struct xt_dscp_info *d = data;
		struct fx_dscp *x = fx_rule_slot(r, FX_S_DSCP);

		if (x != NULL) {
			x->inv = d->invert;
			x->dscp = d->dscp;
		}
	} else if (strcmp(name, "conntrack") == 0 && rev >= 1 && rev <= 3 &&
	    dlen >= sizeof(struct xt_conntrack_mtinfo1) &&
	    (((const struct xt_conntrack_mtinfo1 *)data)->match_flags &
	    XT_CONNTRACK_STATE_ALIAS)) {
		/* "-m state" is conntrack's alias in the kernel; iptables-save names it state */
		unsupported(r, false, "-m", "state");
	} else if (strcmp(name, "comment") != 0) {
		unsupported(r, false, "-m", name);
	}
}

/* Walks the matches between byte off and end of entry e into r. */
static void decode_matches(struct fx_rule *r, const unsigned char *e, size_t off, size_t end)
{
	while (off + sizeof(struct xt_entry_match) <= end) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(e + off);
		char name[XT_EXTENSION_MAXNAMELEN + 1];
		size_t sz = m->u.match_size;

		if (sz < sizeof(*m) || off + sz > end)
			break; /* libiptc checked the blob; never loop on a bad size */
		snprintf(name, sizeof(name), "%.*s", (int)XT_EXTENSION_MAXNAMELEN, m->u.user.name);
		decode_match(r, name, m->u.user.revision, m->data, sz - sizeof(*m));
		off += sz;
	}
}

/* Sets the target fields from libiptc's target name (NULL or "" when none). */
static void decode_target(struct fx_rule *r, const char *name, bool go)
{
	if (name == NULL)
		name = "";
	snprintf(r->target_name, sizeof(r->target_name), "%s", name);
	if (name[0] == '\0')
		r->target = FX_T_NONE;
	else if (go)
		r->target = FX_T_OTHER;
	else if (strcmp(name, "ACCEPT") == 0)
		r->target = FX_T_ACCEPT;
	else if (strcmp(name, "DROP") == 0)
		r->target = FX_T_DROP;
	else if (strcmp(name, "REJECT") == 0)
		r->target = FX_T_REJECT;
	else
		r->target = FX_T_OTHER;
}

/* Decodes one IPv4 entry into r (num and family already set). */
static void decode4(struct fx_rule *r, const struct ipt_entry *e, const char *target)
{
	const struct ipt_ip *ip = &e->ip;
	char ifn[IFNAMSIZ + 2];

	if (ip->src.s_addr != 0 || ip->smsk.s_addr != 0 || (ip->invflags & IPT_INV_SRCIP)) {
		r->has_src = true;
		r->inv_src = ip->invflags & IPT_INV_SRCIP;
		memcpy(r->src, &ip->src, 4);
		memcpy(r->smsk, &ip->smsk, 4);
	}
	if (ip->dst.s_addr != 0 || ip->dmsk.s_addr != 0 || (ip->invflags & IPT_INV_DSTIP)) {
		r->has_dst = true;
		r->inv_dst = ip->invflags & IPT_INV_DSTIP;
		memcpy(r->dst, &ip->dst, 4);
		memcpy(r->dmsk, &ip->dmsk, 4);
	}
	if (iface_text(ip->iniface, ip->iniface_mask, ifn, sizeof(ifn)))
		unsupported(r, ip->invflags & IPT_INV_VIA_IN, "-i", ifn);
	if (iface_text(ip->outiface, ip->outiface_mask, ifn, sizeof(ifn)))
		unsupported(r, ip->invflags & IPT_INV_VIA_OUT, "-o", ifn);
	if (ip->proto != 0) {
		r->has_proto = true;
		r->inv_proto = ip->invflags & IPT_INV_PROTO;
		r->proto = ip->proto;
	}
	if (ip->flags & IPT_F_FRAG) {
		r->has_frag = true;
		r->inv_frag = ip->invflags & IPT_INV_FRAG;
	}
	decode_matches(r, (const unsigned char *)e, sizeof(*e), e->target_offset);
	decode_target(r, target, ip->flags & IPT_F_GOTO);
}

/* Decodes one IPv6 entry into r (num and family already set). */
static void decode6(struct fx_rule *r, const struct ip6t_entry *e, const char *target)
{
	const struct ip6t_ip6 *ip = &e->ipv6;
	static const struct in6_addr zero;
	char ifn[IFNAMSIZ + 2];

	if (memcmp(&ip->src, &zero, 16) != 0 || memcmp(&ip->smsk, &zero, 16) != 0 ||
	    (ip->invflags & IP6T_INV_SRCIP)) {
		r->has_src = true;
		r->inv_src = ip->invflags & IP6T_INV_SRCIP;
		memcpy(r->src, &ip->src, 16);
		memcpy(r->smsk, &ip->smsk, 16);
	}
	if (memcmp(&ip->dst, &zero, 16) != 0 || memcmp(&ip->dmsk, &zero, 16) != 0 ||
	    (ip->invflags & IP6T_INV_DSTIP)) {
		r->has_dst = true;
		r->inv_dst = ip->invflags & IP6T_INV_DSTIP;
		memcpy(r->dst, &ip->dst, 16);
		memcpy(r->dmsk, &ip->dmsk, 16);
	}
	if (iface_text(ip->iniface, ip->iniface_mask, ifn, sizeof(ifn)))
		unsupported(r, ip->invflags & IP6T_INV_VIA_IN, "-i", ifn);
	if (iface_text(ip->outiface, ip->outiface_mask, ifn, sizeof(ifn)))
		unsupported(r, ip->invflags & IP6T_INV_VIA_OUT, "-o", ifn);
	/* ip6tables-save prints -p for any non-zero proto (IP6T_F_PROTO or not) */
	if (ip->proto != 0) {
		r->has_proto = true;
		r->inv_proto = ip->invflags & IP6T_INV_PROTO;
		r->proto = ip->proto;
	}
	decode_matches(r, (const unsigned char *)e, sizeof(*e), e->target_offset);
	decode_target(r, target, ip->flags & IP6T_F_GOTO);
}

/* ---- the chain ------------------------------------------------------------ */

int fx_walk_kernel(int family, const char *chain, fx_rule_fn fn, void *ctx,
    struct fx_chain_info *info, struct fs_err *err)
{
	const struct rtc *t = family == 6 ? &rtc6 : &rtc4;
	struct xtc_handle *h;
	struct xt_counters cnt;
	struct fx_rule *r;
	const char *pol;
	const void *e;
	int rc = 0;

	memset(info, 0, sizeof(*info));
	if (family != 4 && family != 6)
		return fs_err_set(err, FS_E_VALUE, "family %d: 4 or 6 expected", family);
	info->family = (uint8_t)family;
	snprintf(info->name, sizeof(info->name), "%s", chain);
	h = t->init("filter");
	if (h == NULL)
		return fs_err_set(err, FS_E_SYSTEM, "IPv%d filter table: %s", family,
		    t->strerror(errno));
	if (!t->is_chain(chain, h)) {
		fs_err_set(err, FS_E_SYSTEM, "IPv%d filter table: chain %s: %s", family, chain,
		    t->strerror(ENOENT));
		t->free(h);
		return -1;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		t->free(h);
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	}
	pol = t->policy(chain, &cnt, h);
	info->policy = pol == NULL ? FX_T_NONE : strcmp(pol, "ACCEPT") == 0 ? FX_T_ACCEPT :
	    strcmp(pol, "DROP") == 0 ? FX_T_DROP : FX_T_NONE;
	for (e = t->first_rule(chain, h); e != NULL && rc == 0; e = t->next_rule(e, h)) {
		memset(r, 0, sizeof(*r));
		r->num = (unsigned)++info->nrules;
		r->family = (uint8_t)family;
		if (family == 4)
			decode4(r, e, t->target(e, h));
		else
			decode6(r, e, t->target(e, h));
		rc = fn(r, ctx, err);
	}
	free(r);
	t->free(h);
	return rc;
}

static int collect(const struct fx_rule *r, void *ctx, struct fs_err *err)
{
	struct fx_rule *c = fx_chain_add(ctx);

	if (c == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	*c = *r;
	return 0;
}

int fx_read_kernel(int family, const char *chain, struct fx_chain *out, struct fs_err *err)
{
	struct fx_chain_info info;

	memset(out, 0, sizeof(*out));
	if (fx_walk_kernel(family, chain, collect, out, &info, err) < 0) {
		fx_chain_free(out);
		return -1;
	}
	out->family = info.family;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->policy = info.policy;
	return 0;
}
