/*
 * ipt.c - write a plan into the legacy x_tables through libiptc.
 *
 * Entries are built in C from the plan's atoms, in the same order and with
 * the same defaults as iptables' own extensions give the dry-run text, so
 * the kernel ends up with the same bytes whichever way the plan went in
 * (tests/netns/ipt-equiv.sh checks that).  One handle per table: our
 * chains are rebuilt inside it and the table is replaced in one commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/xt_DSCP.h>
#include <linux/netfilter/xt_NFLOG.h>
#include <linux/netfilter/xt_dscp.h>
#include <linux/netfilter/xt_hashlimit.h>
#include <linux/netfilter/xt_length.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/xt_u32.h>
#include <linux/netfilter_ipv6/ip6t_frag.h>
#include <linux/netfilter_ipv6/ip6t_ipv6header.h>

#include "flowspec/ipt.h"
#include "flowspec/log.h"

void fs_ipt_opts_default(struct fs_ipt_opts *o)
{
	const char *env = getenv("XTABLES_LOCKFILE");

	memset(o, 0, sizeof(*o));
	o->lockfile = env != NULL && env[0] != '\0' ? env : "/run/xtables.lock";
	o->lock_wait_ms = 5000;
	o->retries = 10;
}

/* ---- one interface over libip4tc and libip6tc ------------------------- */

struct tc {
	int fam;
	struct xtc_handle *(*init)(const char *);
	void (*free)(struct xtc_handle *);
	int (*commit)(struct xtc_handle *);
	int (*is_chain)(const char *, struct xtc_handle *);
	int (*create)(const char *, struct xtc_handle *);
	int (*flush)(const char *, struct xtc_handle *);
	int (*del)(const char *, struct xtc_handle *);
	int (*del_num)(const char *, unsigned, struct xtc_handle *);
	const char *(*first_chain)(struct xtc_handle *);
	const char *(*next_chain)(struct xtc_handle *);
	const void *(*first_rule)(const char *, struct xtc_handle *);
	const void *(*next_rule)(const void *, struct xtc_handle *);
	const char *(*target)(const void *, struct xtc_handle *);
	int (*append)(const char *, const void *, struct xtc_handle *);
	int (*insert)(const char *, const void *, unsigned, struct xtc_handle *);
	/* the counters in the rule itself (iptc_read_counter finds a rule by number: O(n) each) */
	const struct xt_counters *(*counters)(const void *);
	const char *(*strerror)(int);
};

#define WRAP(p, E)                                                              \
	static int p##_create(const char *c, struct xtc_handle *h) { return p##_create_chain(c, h); } \
	static int p##_flush(const char *c, struct xtc_handle *h) { return p##_flush_entries(c, h); } \
	static int p##_del(const char *c, struct xtc_handle *h) { return p##_delete_chain(c, h); } \
	static int p##_delnum(const char *c, unsigned n, struct xtc_handle *h) { return p##_delete_num_entry(c, n, h); } \
	static const void *p##_first(const char *c, struct xtc_handle *h) { return p##_first_rule(c, h); } \
	static const void *p##_next(const void *e, struct xtc_handle *h) { return p##_next_rule((const E *)e, h); } \
	static const char *p##_target(const void *e, struct xtc_handle *h) { return p##_get_target((const E *)e, h); } \
	static int p##_append(const char *c, const void *e, struct xtc_handle *h) { return p##_append_entry(c, (const E *)e, h); } \
	static int p##_insert(const char *c, const void *e, unsigned n, struct xtc_handle *h) { return p##_insert_entry(c, (const E *)e, n, h); } \
	static const struct xt_counters *p##_counters(const void *e) { return &((const E *)e)->counters; }

WRAP(iptc, struct ipt_entry)
WRAP(ip6tc, struct ip6t_entry)

static const struct tc tc4 = {
	4, iptc_init, iptc_free, iptc_commit, iptc_is_chain, iptc_create, iptc_flush, iptc_del,
	iptc_delnum, iptc_first_chain, iptc_next_chain, iptc_first, iptc_next, iptc_target,
	iptc_append, iptc_insert, iptc_counters, iptc_strerror,
};
static const struct tc tc6 = {
	6, ip6tc_init, ip6tc_free, ip6tc_commit, ip6tc_is_chain, ip6tc_create, ip6tc_flush, ip6tc_del,
	ip6tc_delnum, ip6tc_first_chain, ip6tc_next_chain, ip6tc_first, ip6tc_next, ip6tc_target,
	ip6tc_append, ip6tc_insert, ip6tc_counters, ip6tc_strerror,
};

/* ---- the xtables lock -------------------------------------------------- */

int fs_xtables_lock(const char *path, unsigned wait_ms, struct fs_err *err)
{
	struct timespec start, now;
	int fd;

	fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fs_err_set(err, FS_E_SYSTEM, "xtables lock %s: %s", path, strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fs_err_set(err, FS_E_SYSTEM, "xtables lock %s: %s", path, strerror(errno));
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)wait_ms) {
			fs_err_set(err, FS_E_SYSTEM,
			    "xtables lock %s is held by another process for more than %u ms", path,
			    wait_ms);
			break;
		}
		usleep(10000);
	}
	close(fd);
	return -1;
}

/* ---- entries ------------------------------------------------------------- */

#define ENTRY_MAX 16384

struct ebuf {
	unsigned char m[ENTRY_MAX];   /* matches, then the target */
	size_t len;
	bool full;
};

static void *add_ext(struct ebuf *b, bool target, const char *name, uint8_t rev,
    const void *data, size_t dlen)
{
	size_t hdr = target ? sizeof(struct xt_entry_target) : sizeof(struct xt_entry_match);
	size_t sz = XT_ALIGN(hdr + dlen);
	struct xt_entry_match *m;

	if (b->len + sz > sizeof(b->m)) {
		b->full = true;
		return NULL;
	}
	m = (struct xt_entry_match *)(b->m + b->len);
	memset(m, 0, sz);
	m->u.user.match_size = (uint16_t)sz;
	snprintf(m->u.user.name, sizeof(m->u.user.name), "%s", name);
	m->u.user.revision = rev;
	if (data != NULL)
		memcpy((unsigned char *)m + hdr, data, dlen);
	b->len += sz;
	return m;
}

static void add_match(struct ebuf *b, const char *name, uint8_t rev, const void *d, size_t n)
{
	add_ext(b, false, name, rev, d, n);
}

/* u32 location element list for one of our field expressions. */
struct u32loc { uint32_t num; uint8_t op; };

static void u32_test(struct xt_u32_test *t, const struct u32loc *loc, unsigned nloc,
    const uint32_t *lo, const uint32_t *hi, unsigned nr)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < nloc; i++) {
		t->location[i].number = loc[i].num;
		t->location[i].nextop = loc[i].op;
	}
	t->nnums = (uint8_t)nloc;
	for (i = 0; i < nr; i++) {
		t->value[i].min = lo[i];
		t->value[i].max = hi[i];
	}
	t->nvalues = (uint8_t)nr;
}

static void add_u32(struct ebuf *b, const struct fs_atom *a)
{
	static const struct u32loc proto[] = { { 6, 0 }, { 0xFF, XT_U32_AND } };
	static const struct u32loc len4[] = { { 0, 0 }, { 0xFFFF, XT_U32_AND } };
	static const struct u32loc dscp4[] = { { 0, 0 }, { 18, XT_U32_RIGHTSH }, { 0x3F, XT_U32_AND } };
	static const struct u32loc frag4[] = { { 4, 0 }, { 0x7FFF, XT_U32_AND } };
	static const struct u32loc len6[] = { { 4, 0 }, { 16, XT_U32_RIGHTSH } };
	static const struct u32loc dscp6[] = { { 0, 0 }, { 22, XT_U32_RIGHTSH }, { 0x3F, XT_U32_AND } };
	static const struct u32loc fl6[] = { { 0, 0 }, { 0xFFFFF, XT_U32_AND } };
	static const struct u32loc fragoff[] = { { 4, 0 }, { 0x1FFF, XT_U32_AND } };
	static const struct u32loc itype[] = { { 0, 0 }, { 22, XT_U32_RIGHTSH }, { 0x3C, XT_U32_AND },
		{ 0, XT_U32_AT }, { 24, XT_U32_RIGHTSH } };
	static const struct u32loc icode[] = { { 0, 0 }, { 22, XT_U32_RIGHTSH }, { 0x3C, XT_U32_AND },
		{ 0, XT_U32_AT }, { 16, XT_U32_RIGHTSH }, { 0xFF, XT_U32_AND } };
	static const uint32_t one = 1, zero = 0;
	struct xt_u32 u;
	const struct u32loc *loc = NULL;
	unsigned n = 0;

	memset(&u, 0, sizeof(u));
	switch (a->field) {
	case FS_U32_V4_PROTO: loc = proto; n = 2; break;
	case FS_U32_V4_LEN: loc = len4; n = 2; break;
	case FS_U32_V4_DSCP: loc = dscp4; n = 3; break;
	case FS_U32_V4_FRAG: loc = frag4; n = 2; break;
	case FS_U32_V6_LEN: loc = len6; n = 2; break;
	case FS_U32_V6_DSCP: loc = dscp6; n = 3; break;
	case FS_U32_V6_FLOWLABEL: loc = fl6; n = 2; break;
	case FS_U32_V4_ICMP:
		u32_test(&u.tests[0], proto, 2, &one, &one, 1);
		u32_test(&u.tests[1], fragoff, 2, &zero, &zero, 1);
		u32_test(&u.tests[2], itype, 5, a->lo, a->hi, a->nr);
		u.ntests = 3;
		if (a->nr2 > 0) {
			u32_test(&u.tests[3], icode, 6, a->lo2, a->hi2, a->nr2);
			u.ntests = 4;
		}
		add_match(b, "u32", 0, &u, sizeof(u));
		return;
	}
	u32_test(&u.tests[0], loc, n, a->lo, a->hi, a->nr);
	u.ntests = 1;
	add_match(b, "u32", 0, &u, sizeof(u));
}

static void add_ports(struct ebuf *b, const struct fs_atom *a)
{
	if (a->field == FS_C_PORT || a->nr > 1) {
		struct xt_multiport_v1 mp;
		unsigned i, c = 0;

		memset(&mp, 0, sizeof(mp));
		mp.flags = a->field == FS_C_PORT ? XT_MULTIPORT_EITHER :
		    a->field == FS_C_DPORT ? XT_MULTIPORT_DESTINATION : XT_MULTIPORT_SOURCE;
		for (i = 0; i < a->nr && c < XT_MULTI_PORTS; i++) {
			mp.ports[c] = (uint16_t)a->lo[i];
			if (a->lo[i] != a->hi[i]) {
				mp.pflags[c++] = 1;
				mp.ports[c] = (uint16_t)a->hi[i];
			}
			c++;
		}
		mp.count = (uint8_t)c;
		add_match(b, "multiport", 1, &mp, sizeof(mp));
		return;
	}
	if (a->proto == 6) {
		struct xt_tcp t = { { 0, 0xFFFF }, { 0, 0xFFFF }, 0, 0, 0, 0 };

		if (a->field == FS_C_DPORT) {
			t.dpts[0] = (uint16_t)a->lo[0];
			t.dpts[1] = (uint16_t)a->hi[0];
		} else {
			t.spts[0] = (uint16_t)a->lo[0];
			t.spts[1] = (uint16_t)a->hi[0];
		}
		add_match(b, "tcp", 0, &t, sizeof(t));
	} else {
		struct xt_udp u = { { 0, 0xFFFF }, { 0, 0xFFFF }, 0 };

		if (a->field == FS_C_DPORT) {
			u.dpts[0] = (uint16_t)a->lo[0];
			u.dpts[1] = (uint16_t)a->hi[0];
		} else {
			u.spts[0] = (uint16_t)a->lo[0];
			u.spts[1] = (uint16_t)a->hi[0];
		}
		add_match(b, "udp", 0, &u, sizeof(u));
	}
}

static void add_atom(struct ebuf *b, const struct fs_atom *a, int fam)
{
	switch (a->kind) {
	case FS_A_L4:
		if (a->proto == 6) {
			struct xt_tcp t = { { 0, 0xFFFF }, { 0, 0xFFFF }, 0, 0, 0, 0 };

			add_match(b, "tcp", 0, &t, sizeof(t));
		} else if (a->proto == 17) {
			struct xt_udp u = { { 0, 0xFFFF }, { 0, 0xFFFF }, 0 };

			add_match(b, "udp", 0, &u, sizeof(u));
		} else {
			struct ipt_icmp ic = { 0xFF, { 0, 0xFF }, 0 };

			add_match(b, "icmp", 0, &ic, sizeof(ic));
		}
		break;
	case FS_A_PORT:
		add_ports(b, a);
		break;
	case FS_A_TCPFLAGS: {
		struct xt_tcp t = { { 0, 0xFFFF }, { 0, 0xFFFF }, 0, (uint8_t)a->a, (uint8_t)a->b, 0 };

		add_match(b, "tcp", 0, &t, sizeof(t));
		break;
	}
	case FS_A_ICMP:
		if (fam == 4) {
			struct ipt_icmp ic = { (uint8_t)a->a, { (uint8_t)a->c, (uint8_t)a->d }, 0 };

			add_match(b, "icmp", 0, &ic, sizeof(ic));
		} else {
			struct ip6t_icmp ic = { (uint8_t)a->a, { (uint8_t)a->c, (uint8_t)a->d }, 0 };

			add_match(b, "icmp6", 0, &ic, sizeof(ic));
		}
		break;
	case FS_A_LENGTH: {
		struct xt_length_info l = { (uint16_t)a->lo[0], (uint16_t)a->hi[0], 0 };

		add_match(b, "length", 0, &l, sizeof(l));
		break;
	}
	case FS_A_DSCP: {
		struct xt_dscp_info d = { (uint8_t)a->a, 0 };

		add_match(b, "dscp", 0, &d, sizeof(d));
		break;
	}
	case FS_A_U32:
		add_u32(b, a);
		break;
	case FS_A_FRAG6:
		if (a->field == FS_F6_NONE || a->field == FS_F6_ANY) {
			struct ip6t_ipv6header_info h = { MASK_FRAGMENT, 0, 1 };

			if (a->field == FS_F6_NONE)
				h.invflags = 0xFF;
			add_match(b, "ipv6header", 0, &h, sizeof(h));
		} else {
			struct ip6t_frag f = { { 0, 0xFFFFFFFF }, 0, 0, 0 };

			switch (a->field) {
			case FS_F6_FIRST: f.flags = IP6T_FRAG_FST; break;
			case FS_F6_MORE: f.flags = IP6T_FRAG_MF; break;
			case FS_F6_LAST: f.flags = IP6T_FRAG_NMF; break;
			case FS_F6_FIRST_MORE: f.flags = IP6T_FRAG_FST | IP6T_FRAG_MF; break;
			case FS_F6_FIRST_LAST: f.flags = IP6T_FRAG_FST | IP6T_FRAG_NMF; break;
			}
			add_match(b, "frag", 0, &f, sizeof(f));
		}
		break;
	case FS_A_MARK: {
		struct xt_mark_mtinfo1 m = { a->lo[0], a->hi[0], a->inv };

		add_match(b, "mark", 1, &m, sizeof(m));
		break;
	}
	default:
		break;
	}
}

/* hashlimit revision 3 as iptables fills it for our options. */
static void add_hashlimit(struct ebuf *b, const struct fs_hashlimit *h, int fam)
{
	static const uint32_t mult[] = { ['s'] = 1, ['m'] = 60, ['h'] = 3600, ['d'] = 86400 };
	struct xt_hashlimit_mtinfo3 hl;

	memset(&hl, 0, sizeof(hl));
	snprintf(hl.name, sizeof(hl.name), "%s", h->name);
	hl.cfg.mode = XT_HASHLIMIT_INVERT; /* --hashlimit-above */
	hl.cfg.size = FS_HASHLIMIT_HTABLE_SIZE;
	hl.cfg.gc_interval = 1000;
	hl.cfg.srcmask = fam == 4 ? 32 : 128;
	hl.cfg.dstmask = hl.cfg.srcmask;
	if (h->bytes) {
		/* cost per byte, as xt_hashlimit counts it (XT_HASHLIMIT_BYTE_SHIFT) */
		uint64_t r = h->rate >> XT_HASHLIMIT_BYTE_SHIFT;
		uint64_t cost = UINT32_MAX / (r + 1);
		uint64_t per = (cost ? UINT32_MAX / cost : UINT32_MAX);

		per = (per - 1) << XT_HASHLIMIT_BYTE_SHIFT;
		hl.cfg.mode |= XT_HASHLIMIT_BYTES;
		hl.cfg.avg = cost;
		hl.cfg.burst = per ? (h->burst + per - 1) / per : 0;
		hl.cfg.expire = 60 * 1000;
	} else {
		uint32_t m = mult[(unsigned char)h->unit] ? mult[(unsigned char)h->unit] : 1;

		hl.cfg.avg = XT_HASHLIMIT_SCALE_v2 * m / h->rate;
		hl.cfg.burst = h->burst;
		hl.cfg.expire = m * 1000;
	}
	add_match(b, "hashlimit", 3, &hl, sizeof(hl));
}

static void add_target(struct ebuf *b, const struct fs_prule *r)
{
	switch (r->target) {
	case FS_T_NFLOG: {
		struct xt_nflog_info n;

		memset(&n, 0, sizeof(n));
		n.group = r->arg;
		n.threshold = XT_NFLOG_DEFAULT_THRESHOLD;
		add_ext(b, true, "NFLOG", 0, &n, sizeof(n));
		return;
	}
	case FS_T_DSCP: {
		struct xt_DSCP_info d = { (uint8_t)r->arg };

		add_ext(b, true, "DSCP", 0, &d, sizeof(d));
		return;
	}
	case FS_T_MARK: {
		struct xt_mark_tginfo2 m = { r->mark, r->mask };

		add_ext(b, true, "MARK", 2, &m, sizeof(m));
		return;
	}
	default: {
		/* the standard target: libiptc maps the name to a verdict or a jump */
		int verdict = 0;
		const char *name = "";

		switch (r->target) {
		case FS_T_DROP: name = IPTC_LABEL_DROP; break;
		case FS_T_ACCEPT: name = IPTC_LABEL_ACCEPT; break;
		case FS_T_RETURN: name = IPTC_LABEL_RETURN; break;
		case FS_T_JUMP:
		case FS_T_GOTO: name = r->chain; break;
		default: break;
		}
		add_ext(b, true, name, 0, &verdict, sizeof(verdict));
	}
	}
}

/* An exact interface name and its mask, as iptables fills them for -i NAME. */
static void set_iface(const char *name, char *iface, unsigned char *mask)
{
	size_t n = strnlen(name, IFNAMSIZ - 1);

	memset(iface, 0, IFNAMSIZ);
	memset(mask, 0, IFNAMSIZ);
	memcpy(iface, name, n);
	/* the terminating NUL is compared too: an exact name, not a prefix */
	memset(mask, 0xff, n + 1);
}

/*
 * Builds the entry for one rule into out (ENTRY_MAX bytes); returns its
 * size, or 0 if it does not fit.
 */
static size_t build_entry(const struct fs_prule *r, int fam, unsigned char *out)
{
	struct ebuf b;
	size_t i, hdr = fam == 4 ? XT_ALIGN(sizeof(struct ipt_entry)) : XT_ALIGN(sizeof(struct ip6t_entry));
	unsigned proto = 0;
	bool pinv = false, sinv = false, dinv = false;
	const struct fs_atom *src = NULL, *dst = NULL, *iif = NULL, *oif = NULL;

	b.len = 0;
	b.full = false;
	for (i = 0; i < r->natoms; i++) {
		const struct fs_atom *a = &r->atoms[i];

		if (a->kind == FS_A_SRC) {
			src = a;
			sinv = a->inv;
		} else if (a->kind == FS_A_DST) {
			dst = a;
			dinv = a->inv;
		} else if (a->kind == FS_A_IIF) {
			iif = a;
		} else if (a->kind == FS_A_OIF) {
			oif = a;
		} else if (a->kind == FS_A_PROTO) {
			proto = a->a;
			pinv = a->inv;
		} else if (a->kind == FS_A_L4 || a->kind == FS_A_PORT || a->kind == FS_A_TCPFLAGS ||
		    a->kind == FS_A_ICMP) {
			proto = a->proto;
		}
	}
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind != FS_A_SRC && r->atoms[i].kind != FS_A_DST &&
		    r->atoms[i].kind != FS_A_PROTO && r->atoms[i].kind != FS_A_IIF &&
		    r->atoms[i].kind != FS_A_OIF)
			add_atom(&b, &r->atoms[i], fam);
	if (r->has_limit)
		add_hashlimit(&b, &r->limit, fam);
	{
		size_t tstart = b.len;

		add_target(&b, r);
		if (b.full || hdr + b.len > ENTRY_MAX)
			return 0;
		memset(out, 0, hdr);
		memcpy(out + hdr, b.m, b.len);
		if (fam == 4) {
			struct ipt_entry *e = (struct ipt_entry *)out;

			if (src != NULL) {
				memcpy(&e->ip.src, src->addr, 4);
				memcpy(&e->ip.smsk, src->mask, 4);
			}
			if (dst != NULL) {
				memcpy(&e->ip.dst, dst->addr, 4);
				memcpy(&e->ip.dmsk, dst->mask, 4);
			}
			if (iif != NULL)
				set_iface((const char *)iif->addr, e->ip.iniface, e->ip.iniface_mask);
			if (oif != NULL)
				set_iface((const char *)oif->addr, e->ip.outiface, e->ip.outiface_mask);
			e->ip.proto = (uint16_t)proto;
			e->ip.invflags = (uint8_t)((sinv ? IPT_INV_SRCIP : 0) | (dinv ? IPT_INV_DSTIP : 0) |
			    (pinv ? XT_INV_PROTO : 0));
			if (r->target == FS_T_GOTO)
				e->ip.flags |= IPT_F_GOTO;
			e->target_offset = (uint16_t)(hdr + tstart);
			e->next_offset = (uint16_t)(hdr + b.len);
		} else {
			struct ip6t_entry *e = (struct ip6t_entry *)out;

			if (src != NULL) {
				memcpy(&e->ipv6.src, src->addr, 16);
				memcpy(&e->ipv6.smsk, src->mask, 16);
			}
			if (dst != NULL) {
				memcpy(&e->ipv6.dst, dst->addr, 16);
				memcpy(&e->ipv6.dmsk, dst->mask, 16);
			}
			if (iif != NULL)
				set_iface((const char *)iif->addr, e->ipv6.iniface, e->ipv6.iniface_mask);
			if (oif != NULL)
				set_iface((const char *)oif->addr, e->ipv6.outiface, e->ipv6.outiface_mask);
			if (proto != 0) {
				e->ipv6.proto = (uint16_t)proto;
				e->ipv6.flags |= IP6T_F_PROTO;
			}
			e->ipv6.invflags = (uint8_t)((sinv ? IP6T_INV_SRCIP : 0) |
			    (dinv ? IP6T_INV_DSTIP : 0) | (pinv ? XT_INV_PROTO : 0));
			if (r->target == FS_T_GOTO)
				e->ipv6.flags |= IP6T_F_GOTO;
			e->target_offset = (uint16_t)(hdr + tstart);
			e->next_offset = (uint16_t)(hdr + b.len);
		}
		return hdr + b.len;
	}
}

/* ---- ownership ------------------------------------------------------------ */

/* True for the chains this program owns in a family's table. */
static bool ours(const char *chain, const struct fs_xlate_opts *xo, int fam)
{
	char pre[FS_CHAIN_NAME_MAX + 4];

	if (strcmp(chain, xo->chain) == 0)
		return true;
	snprintf(pre, sizeof(pre), "%.14s%d-", xo->chain, fam);
	return strncmp(chain, pre, strlen(pre)) == 0;
}

static int tc_fail(const struct tc *t, struct fs_err *err, const char *what, const char *table)
{
	int e = errno;

	if (e == EPERM || e == EACCES)
		return fs_err_set(err, FS_E_SYSTEM, "%s %s table: permission denied (needs root or "
		    "CAP_NET_ADMIN)", what, table);
	return fs_err_set(err, FS_E_SYSTEM, "%s IPv%d %s table: %s", what, t->fam, table,
	    t->strerror(e));
}

/*
 * Rebuilds our part of one table in handle h: the jumps from its hook
 * chains hooks[0..nhooks) and our chains.  pt may be NULL (the plan has
 * nothing for this table).
 */
static int rebuild(const struct tc *t, struct xtc_handle *h, const char *table,
    const struct fs_ptable *pt, const char *const *hooks, size_t nhooks,
    const struct fs_xlate_opts *xo, struct fs_err *err)
{
	unsigned char *ebuf = malloc(ENTRY_MAX);
	const char *c;
	char **del = NULL;
	size_t ndel = 0, i, j, k;
	const void *e;
	unsigned pos;
	int rc = -1;

	if (ebuf == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	/* 1. every jump to one of our chains from a hook chain goes */
	for (k = 0; k < nhooks; k++) {
		const char *hook = hooks[k];

		if (!t->is_chain(hook, h)) {
			for (i = 0; pt != NULL && i < pt->n; i++)
				if (pt->chains[i].hook && strcmp(pt->chains[i].name, hook) == 0) {
					fs_err_set(err, FS_E_VALUE, "IPv%d %s table has no chain %s",
					    t->fam, table, hook);
					goto out;
				}
			continue;
		}
		for (;;) {
			bool found = false;

			for (e = t->first_rule(hook, h), pos = 0; e != NULL; e = t->next_rule(e, h), pos++)
				if (ours(t->target(e, h), xo, t->fam)) {
					found = true;
					break;
				}
			if (!found)
				break;
			if (!t->del_num(hook, pos, h)) {
				tc_fail(t, err, "removing the old jump from", table);
				goto out;
			}
		}
	}
/* 2. flush all our chains, then delete the sub-chains (and the base if unused) */
	for (c = t->first_chain(h); c != NULL; c = t->next_chain(h)) {
		if (!ours(c, xo, t->fam))
			continue;
		del = realloc(del, (ndel + 1) * sizeof(*del));
		if (del == NULL || (del[ndel] = strdup(c)) == NULL) {
			fs_err_set(err, FS_E_NOMEM, "out of memory");
			goto out;
		}
		ndel++;
	}
	for (i = 0; i < ndel; i++)
		if (!t->flush(del[i], h)) {
			tc_fail(t, err, "flushing our chain in", table);
			goto out;
		}
	for (i = 0; i < ndel; i++) {
		bool keep = false;

		/* chains the plan has again are refilled, not deleted and recreated */
		for (j = 0; pt != NULL && j < pt->n && !keep; j++)
			keep = strcmp(pt->chains[j].name, del[i]) == 0;
		if (!keep && !t->del(del[i], h)) {
			tc_fail(t, err, "deleting our chain in", table);
			goto out;
		}
	}
	if (pt == NULL || pt->n == 0) {
		rc = 0;
		goto out;
	}
	/* 3. our chains, then their rules (not the hook chains') */
	for (i = 0; i < pt->n; i++)
		if (!pt->chains[i].hook && !t->is_chain(pt->chains[i].name, h) &&
		    !t->create(pt->chains[i].name, h)) {
			tc_fail(t, err, "creating a chain in", table);
			goto out;
		}
	for (i = 0; i < pt->n; i++)
		for (j = 0; j < pt->chains[i].n && !pt->chains[i].hook; j++) {
			size_t n = build_entry(&pt->chains[i].rules[j], t->fam, ebuf);

			if (n == 0) {
				fs_err_set(err, FS_E_LIMIT, "rule %zu of %s is too large for one entry",
				    j + 1, pt->chains[i].name);
				goto out;
			}
			if (!t->append(pt->chains[i].name, ebuf, h)) {
				tc_fail(t, err, "appending a rule in", table);
				goto out;
			}
		}
	/* 4. the jumps, at the top of each hook chain */
	for (i = 0; i < pt->n; i++)
		for (j = 0; j < pt->chains[i].n && pt->chains[i].hook; j++) {
			size_t n = build_entry(&pt->chains[i].rules[j], t->fam, ebuf);

			if (n == 0 || !t->insert(pt->chains[i].name, ebuf, (unsigned)j, h)) {
				tc_fail(t, err, "inserting the jump in", table);
				goto out;
			}
		}
	rc = 0;
out:
	for (i = 0; i < ndel; i++)
		free(del[i]);
	free(del);
	free(ebuf);
	return rc;
}

/*
 * True when the kernel has instantiated the table in this namespace.  A
 * table nobody opened cannot hold anything of ours, and opening it would
 * create it: removing from it is then skipped.
 */
static bool table_loaded(int fam, const char *table)
{
	FILE *f = fopen(fam == 4 ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names", "r");
	char line[64];
	bool found = false;

	if (f == NULL)
		return true; /* cannot tell: look inside */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		found = strcmp(line, table) == 0;
	}
	fclose(f);
	return found;
}

/* One table: init, rebuild, commit; re-read and retry when another writer won. */
static int apply_table(const struct tc *t, const char *table, const struct fs_ptable *pt,
    const struct fs_xlate_opts *xo, const struct fs_ipt_opts *io, struct fs_err *err)
{
	const char *hooks[2];
	size_t nhooks;
	unsigned attempt;

	if ((pt == NULL || pt->n == 0) && !table_loaded(t->fam, table))
		return 0;
	if (strcmp(table, "filter") == 0) {
		hooks[0] = xo->hook;
		nhooks = 1;
	} else {
		hooks[0] = xo->mangle_hook;
		hooks[1] = xo->pre_hook;
		nhooks = strcmp(hooks[0], hooks[1]) == 0 ? 1 : 2;
	}
	for (attempt = 0;; attempt++) {
		struct xtc_handle *h = t->init(table);
		int ok;

		if (h == NULL) {
			if (errno == ENOENT || errno == ENOPROTOOPT || errno == EINVAL)
				return fs_err_set(err, FS_E_SYSTEM,
				    "the kernel has no legacy IPv%d %s table (ip%s_tables): %s", t->fam,
				    table, t->fam == 4 ? "" : "6", t->strerror(errno));
			return tc_fail(t, err, "opening the", table);
		}
		if (rebuild(t, h, table, pt, hooks, nhooks, xo, err) < 0) {
			t->free(h);
			return -1;
		}
		ok = t->commit(h);
		t->free(h);
		if (ok)
			return 0;
		if (errno != EAGAIN || attempt + 1 >= io->retries)
			return tc_fail(t, err, "committing the", table);
		log_debug("IPv%d %s: commit raced another writer, retrying", t->fam, table);
	}
}

int fs_ipt_apply(const struct fs_plan *plan, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, struct fs_err *err)
{
	const struct tc *t = plan->family == FS_INET ? &tc4 : &tc6;
	int lock, rc;

	if ((lock = fs_xtables_lock(io->lockfile, io->lock_wait_ms, err)) < 0)
		return -1;
	/* mangle first when it gains chains (the tag is read once it is set),
	 * filter first when mangle loses them */
	if (plan->mangle.n > 0)
		rc = apply_table(t, "mangle", &plan->mangle, xo, io, err) < 0 ||
		    apply_table(t, "filter", &plan->filter, xo, io, err) < 0 ? -1 : 0;
	else
		rc = apply_table(t, "filter", &plan->filter, xo, io, err) < 0 ||
		    apply_table(t, "mangle", NULL, xo, io, err) < 0 ? -1 : 0;
	close(lock);
	return rc;
}

int fs_ipt_remove(enum fs_family family, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, struct fs_err *err)
{
	const struct tc *t = family == FS_INET ? &tc4 : &tc6;
	int lock, rc;

	if ((lock = fs_xtables_lock(io->lockfile, io->lock_wait_ms, err)) < 0)
		return -1;
	rc = apply_table(t, "filter", NULL, xo, io, err) < 0 ||
	    apply_table(t, "mangle", NULL, xo, io, err) < 0 ? -1 : 0;
	close(lock);
	return rc;
}

int fs_ipt_counters(enum fs_family family, const struct fs_xlate_opts *xo,
    struct fs_ipt_counter **out, size_t *n, struct fs_err *err)
{
	const struct tc *t = family == FS_INET ? &tc4 : &tc6;
	struct xtc_handle *h = t->init("filter");
	struct fs_ipt_counter *v = NULL;
	size_t k = 0, cap = 0;
	const char *c;

	*out = NULL;
	*n = 0;
	if (h == NULL)
		return tc_fail(t, err, "opening the", "filter");
	for (c = t->first_chain(h); c != NULL; c = t->next_chain(h)) {
		const void *e;
		unsigned pos = 1;

		if (!ours(c, xo, t->fam))
			continue;
		for (e = t->first_rule(c, h); e != NULL; e = t->next_rule(e, h), pos++) {
			const struct xt_counters *ct = t->counters(e);

			if (k == cap) {
				struct fs_ipt_counter *nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (nv == NULL) {
					free(v);
					t->free(h);
					return fs_err_set(err, FS_E_NOMEM, "out of memory");
				}
				v = nv;
			}
			snprintf(v[k].chain, sizeof(v[k].chain), "%s", c);
			v[k].rule = pos;
			v[k].pkts = ct ? ct->pcnt : 0;
			v[k].bytes = ct ? ct->bcnt : 0;
			k++;
		}
	}
	t->free(h);
	*out = v;
	*n = k;
	return 0;
}
