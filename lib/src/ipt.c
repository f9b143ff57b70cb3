/*
 * ipt.c - write a plan into the legacy x_tables through libiptc.
 *
 * Entries are built in C from the plan's atoms, in the same order and with
 * the same defaults as iptables' own extensions give the dry-run text, so
 * the kernel ends up with the same bytes whichever way the plan went in
 * (tests/netns/ipt-equiv.sh checks that).  One handle per table: our
 * chains are brought to the plan inside it, changing only the rules that
 * differ (so the others keep their counters), and the table is replaced
 * in one commit.  The same content comparison gives the digest that tells
 * a hand edit of our chains.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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
	int (*builtin)(const char *, struct xtc_handle *const);
	const char *(*get_policy)(const char *, struct xt_counters *, struct xtc_handle *);
	int (*set_policy)(const char *, const char *, struct xt_counters *, struct xtc_handle *);
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
	iptc_append, iptc_insert, iptc_counters, iptc_strerror, iptc_builtin, iptc_get_policy,
	iptc_set_policy,
};
static const struct tc tc6 = {
	6, ip6tc_init, ip6tc_free, ip6tc_commit, ip6tc_is_chain, ip6tc_create, ip6tc_flush, ip6tc_del,
	ip6tc_delnum, ip6tc_first_chain, ip6tc_next_chain, ip6tc_first, ip6tc_next, ip6tc_target,
	ip6tc_append, ip6tc_insert, ip6tc_counters, ip6tc_strerror, ip6tc_builtin,
	ip6tc_get_policy, ip6tc_set_policy,
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

/*
 * The structs we build whose tail is padding, which an initialiser leaves
 * undefined: only the bytes up to their last member are data.  Zeroing
 * the rest makes equal rules equal bytes (a commit keeps a rule whose
 * bytes are unchanged).
 */
static const struct { const char *name; uint8_t rev; size_t used; } padded[] = {
	{ "udp", 0, offsetof(struct xt_udp, invflags) + 1 },
	{ "length", 0, offsetof(struct xt_length_info, invert) + 1 },
	{ "mark", 1, offsetof(struct xt_mark_mtinfo1, invert) + 1 },
	{ "frag", 0, offsetof(struct ip6t_frag, invflags) + 1 },
};

static void *add_ext(struct ebuf *b, bool target, const char *name, uint8_t rev,
    const void *data, size_t dlen)
{
	size_t hdr = target ? sizeof(struct xt_entry_target) : sizeof(struct xt_entry_match);
	size_t sz = XT_ALIGN(hdr + dlen), i;
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
	for (i = 0; i < sizeof(padded) / sizeof(padded[0]) && !target; i++)
		if (rev == padded[i].rev && strcmp(name, padded[i].name) == 0 && dlen > padded[i].used)
			memset((unsigned char *)m + hdr + padded[i].used, 0, dlen - padded[i].used);
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
	static const uint32_t one = 1, six = 6, zero = 0;
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
	case FS_U32_V4_TCPFLAGS: {
		/* the flags byte (13) behind the IP header, masked: "...@12>>16&MASK" */
		const struct u32loc flags[] = { { 0, 0 }, { 22, XT_U32_RIGHTSH },
			{ 0x3C, XT_U32_AND }, { 12, XT_U32_AT }, { 16, XT_U32_RIGHTSH },
			{ a->a, XT_U32_AND } };

		u32_test(&u.tests[0], proto, 2, &six, &six, 1);
		u32_test(&u.tests[1], fragoff, 2, &zero, &zero, 1);
		u32_test(&u.tests[2], flags, 6, a->lo, a->hi, a->nr);
		u.ntests = 3;
		add_match(b, "u32", 0, &u, sizeof(u));
		return;
	}
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
			struct ipt_icmp ic = { (uint8_t)a->a, { (uint8_t)a->c, (uint8_t)a->d },
					       a->inv ? IPT_ICMP_INV : 0 };

			add_match(b, "icmp", 0, &ic, sizeof(ic));
		} else {
			struct ip6t_icmp ic = { (uint8_t)a->a, { (uint8_t)a->c, (uint8_t)a->d },
						a->inv ? IP6T_ICMP_INV : 0 };

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
		/* the cost of a 16-byte chunk (XT_HASHLIMIT_BYTE_SHIFT), as
		 * iptables parses "RATEb/s"; no --hashlimit-burst (fs_hashlimit):
		 * cfg.burst 0, and the expiry iptables then sets (15 s) */
		uint64_t r = h->rate >> XT_HASHLIMIT_BYTE_SHIFT;

		hl.cfg.mode |= XT_HASHLIMIT_BYTES;
		hl.cfg.avg = UINT32_MAX / (r + 1);
		hl.cfg.burst = 0;
		hl.cfg.expire = 15 * 1000;
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

/*
 * An interface name and its mask, as iptables fills them for -i NAME
 * (xtables_parse_interface): a trailing '+' is a wildcard, kept in the name
 * and left out of the mask, so the characters before it are a prefix ("+"
 * alone: every interface); otherwise the terminating NUL is compared too,
 * an exact name.
 */
static void set_iface(const char *name, char *iface, unsigned char *mask)
{
	size_t n = strnlen(name, IFNAMSIZ - 1);

	memset(iface, 0, IFNAMSIZ);
	memset(mask, 0, IFNAMSIZ);
	memcpy(iface, name, n);
	if (n > 0 && name[n - 1] == '+')
		memset(mask, 0xff, n - 1);
	else
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

/* The hook chains our jumps sit in, in one table: 1 or 2 names into hooks. */
static size_t table_hooks(const char *table, const struct fs_xlate_opts *xo, const char *hooks[2])
{
	if (strcmp(table, "filter") == 0) {
		hooks[0] = xo->hook;
		return 1;
	}
	hooks[0] = xo->mangle_hook;
	hooks[1] = xo->pre_hook;
	return strcmp(hooks[0], hooks[1]) == 0 ? 1 : 2;
}

/* ---- an entry's content: equality and digest ------------------------------ */

/*
 * An entry is compared by a normal form: its address part, each match's
 * name (up to its NUL: the kernel returns the padding after it with
 * pointer bytes), revision, size and data, and the target's name as
 * iptc_get_target gives it, with revision, size and data for a target
 * extension.  A standard target's data is a verdict or a jump offset that
 * libiptc computes at commit, so its name says all.  The counters,
 * nfcache, comefrom and offsets are not content.
 */
#define NORM_MAX (ENTRY_MAX + 512)

struct norm {
	unsigned char b[NORM_MAX];
	size_t len;
};

static void nput(struct norm *n, const void *p, size_t len)
{
	if (n->len + len > sizeof(n->b)) {
		/* cannot happen for an entry of at most ENTRY_MAX bytes; still deterministic */
		len = sizeof(n->b) - n->len;
	}
	memcpy(n->b + n->len, p, len);
	n->len += len;
}

/*
 * An extension's data (its size already put) without its trailing zeros,
 * after the length kept: equal forms still mean equal bytes, and a u32
 * match, ~2 KiB of mostly zeros, hashes fast.
 */
static void nput_data(struct norm *n, const unsigned char *d, size_t len)
{
	uint16_t kept;

	while (len > 0 && d[len - 1] == 0)
		len--;
	kept = (uint16_t)len;
	nput(n, &kept, sizeof(kept));
	nput(n, d, len);
}

static size_t e_hdr(int fam)
{
	return fam == 4 ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
}

static uint16_t e_toff(int fam, const void *e)
{
	return fam == 4 ? ((const struct ipt_entry *)e)->target_offset :
	    ((const struct ip6t_entry *)e)->target_offset;
}

static uint16_t e_noff(int fam, const void *e)
{
	return fam == 4 ? ((const struct ipt_entry *)e)->next_offset :
	    ((const struct ip6t_entry *)e)->next_offset;
}

static struct xt_counters *e_counters(int fam, void *e)
{
	return fam == 4 ? &((struct ipt_entry *)e)->counters : &((struct ip6t_entry *)e)->counters;
}

/*
 * A verdict, a fall-through or a jump: the target's data is not content.
 * uname is the name in the entry: "" for a standard target as the kernel
 * returns it, a label or one of our chains in an entry built here (libiptc
 * keeps a jump's name until it commits); only a target extension has
 * another.
 */
static bool standard_target(int fam, const struct fs_xlate_opts *xo, const char *uname,
    const char *tname)
{
	return uname[0] == '\0' || strcmp(tname, IPTC_LABEL_ACCEPT) == 0 ||
	    strcmp(tname, IPTC_LABEL_DROP) == 0 || strcmp(tname, IPTC_LABEL_RETURN) == 0 ||
	    strcmp(tname, IPTC_LABEL_QUEUE) == 0 || ours(tname, xo, fam);
}

/*
 * The normal form of entry e into n.  tname is the target's name: what
 * iptc_get_target returns for an entry of the handle, the target's own
 * name for an entry built here (libiptc maps it the same way).
 */
static void norm_entry(const struct tc *t, const struct fs_xlate_opts *xo, const void *e,
    const char *tname, struct norm *n)
{
	const unsigned char *p = e;
	size_t off = e_hdr(t->fam), toff = e_toff(t->fam, e), noff = e_noff(t->fam, e);
	const struct xt_entry_target *tg;

	n->len = 0;
	if (t->fam == 4)
		nput(n, &((const struct ipt_entry *)e)->ip, sizeof(struct ipt_ip));
	else /* up to invflags: not the struct's tail padding */
		nput(n, &((const struct ip6t_entry *)e)->ipv6, offsetof(struct ip6t_ip6, invflags) + 1);
	while (off + sizeof(struct xt_entry_match) <= toff) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(p + off);
		uint16_t sz = m->u.user.match_size;

		if (sz < sizeof(*m) || off + sz > toff) {
			nput(n, "\xff", 1); /* malformed: differs from anything we build */
			break;
		}
		nput(n, m->u.user.name, strnlen(m->u.user.name, sizeof(m->u.user.name)));
		nput(n, "", 1);
		nput(n, &m->u.user.revision, 1);
		nput(n, &sz, sizeof(sz));
		nput_data(n, m->data, sz - sizeof(*m));
		off += sz;
	}
	nput(n, "\0T", 2);
	nput(n, tname, strlen(tname) + 1);
	if (toff + sizeof(*tg) > noff)
		return;
	tg = (const struct xt_entry_target *)(p + toff);
	{
		char uname[sizeof(tg->u.user.name) + 1];

		snprintf(uname, sizeof(uname), "%.*s", (int)sizeof(tg->u.user.name), tg->u.user.name);
		if (standard_target(t->fam, xo, uname, tname))
			return;
	}
	{
		uint16_t sz = tg->u.user.target_size;

		if (sz < sizeof(*tg) || toff + sz > noff) {
			nput(n, "\xff", 1);
			return;
		}
		nput(n, &tg->u.user.revision, 1);
		nput(n, &sz, sizeof(sz));
		nput_data(n, tg->data, sz - sizeof(*tg));
	}
}

/* A 64-bit mix of bytes, eight at a time (not cryptographic: digests and buckets). */
static uint64_t hmix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w, v[4] = { h, h ^ 0xa0761d6478bd642fULL, h + 0xe7037ed1a0b428dbULL, ~h }, x[4];
	size_t i;

	/* four independent lanes over 32-byte blocks (u32 matches are ~2 KiB), then words */
	if (n >= 32) {
		for (; n >= 32; b += 32, n -= 32) {
			memcpy(x, b, 32);
			for (i = 0; i < 4; i++) {
				v[i] = (v[i] ^ x[i]) * 0x9e3779b97f4a7c15ULL;
				v[i] ^= v[i] >> 29;
			}
		}
		h = v[0] ^ (v[1] << 16 | v[1] >> 48) ^ (v[2] << 32 | v[2] >> 32) ^
		    (v[3] << 48 | v[3] >> 16);
	}
	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, b, n);
	h = (h ^ w ^ ((uint64_t)n << 59)) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

#define HSEED 0x6a09e667f3bcc908ULL

static uint64_t norm_hash(const struct norm *n)
{
	return hmix(HSEED, n->b, n->len);
}

/* An entry of the handle: its normal form into n, and its hash. */
static uint64_t have_norm(const struct tc *t, struct xtc_handle *h, const struct fs_xlate_opts *xo,
    const void *e, struct norm *n)
{
	norm_entry(t, xo, e, t->target(e, h), n);
	return norm_hash(n);
}

/* An entry built here: its normal form into n, and its hash. */
static uint64_t built_norm(const struct tc *t, const struct fs_xlate_opts *xo, const unsigned char *e,
    struct norm *n)
{
	const struct xt_entry_target *tg =
	    (const struct xt_entry_target *)(e + e_toff(t->fam, e));
	char tname[sizeof(tg->u.user.name) + 1];

	snprintf(tname, sizeof(tname), "%.*s", (int)sizeof(tg->u.user.name), tg->u.user.name);
	norm_entry(t, xo, e, tname, n);
	return norm_hash(n);
}

static bool norm_eq(const struct norm *a, const struct norm *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/*
 * The digest of our part of one table in handle h: our jumps in the hook
 * chains with their positions, then our chains (in libiptc's order, which
 * is by name) with their entries in order.  A table without anything of
 * ours digests to the same value whether it is loaded or not.
 */
static uint64_t table_digest(const struct tc *t, struct xtc_handle *h, const char *table,
    const struct fs_xlate_opts *xo, struct norm *n)
{
	const char *hooks[2], *c;
	size_t nhooks = table_hooks(table, xo, hooks), k;
	uint64_t d = hmix(HSEED, table, strlen(table) + 1);

	if (h == NULL)
		return d;
	for (k = 0; k < nhooks; k++) {
		const void *e;
		uint32_t pos = 0;

		if (!t->is_chain(hooks[k], h))
			continue;
		for (e = t->first_rule(hooks[k], h); e != NULL; e = t->next_rule(e, h), pos++) {
			uint64_t eh;

			if (!ours(t->target(e, h), xo, t->fam))
				continue;
			eh = have_norm(t, h, xo, e, n);
			d = hmix(d, hooks[k], strlen(hooks[k]) + 1);
			d = hmix(d, &pos, sizeof(pos));
			d = hmix(d, &eh, sizeof(eh));
		}
	}
	for (c = t->first_chain(h); c != NULL; c = t->next_chain(h)) {
		const void *e;
		uint64_t cnt = 0;

		if (!ours(c, xo, t->fam))
			continue;
		d = hmix(d, "C", 1);
		d = hmix(d, c, strlen(c) + 1);
		for (e = t->first_rule(c, h); e != NULL; e = t->next_rule(e, h), cnt++) {
			uint64_t eh = have_norm(t, h, xo, e, n);

			d = hmix(d, &eh, sizeof(eh));
		}
		d = hmix(d, &cnt, sizeof(cnt));
	}
	return d;
}

static uint64_t family_digest(uint64_t filter, uint64_t mangle)
{
	uint64_t v[2] = { filter, mangle };
	uint64_t d = hmix(HSEED, v, sizeof(v));

	return d == 0 ? 1 : d; /* 0 means "not recorded" in a state file */
}

/* ---- one chain: keep what is unchanged ------------------------------------ */

/* An installed rule of a chain being brought to its plan. */
struct have {
	const void *e;          /* in the handle; stale once the chain is changed */
	uint64_t hash;          /* of its normal form */
	struct xt_counters ct;  /* as read */
	long match;             /* the plan rule it stays as, or -1 */
};

/* A plan rule of that chain. */
struct want {
	uint64_t hash;
	long match;             /* the installed rule it is, or -1 */
	bool same_head;         /* equal to the installed rule as far from the head */
	bool same_tail;         /* ... as far from the tail */
};

/* Hunt-Szymanski's list of matching pairs. */
struct pair { long have, want, prev; };

/* (hash, installed index), sorted: the installed rules of one content. */
struct bucket { uint64_t hash; long have; };

static int bucket_cmp(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->have < y->have ? -1 : x->have > y->have;
}

/*
 * The counters of the installed rules a commit does not keep in place (in
 * chains that change, and in chains that go), by content: a rule the plan
 * inserts or appends anywhere in the table takes the counters of an
 * orphan with the same content, once.  So a route whose rules only move,
 * to a continuation chain for one, keeps its counts (as read: short of the
 * packets counted during the commit itself).
 */
struct orphan { uint64_t hash; struct xt_counters ct; bool taken; };
struct pool { struct orphan *v; size_t n, cap; bool sorted; };

static int pool_add(struct pool *p, uint64_t hash, const struct xt_counters *ct)
{
	if (ct->pcnt == 0 && ct->bcnt == 0)
		return 0; /* nothing to carry */
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 256;
		struct orphan *v = realloc(p->v, nc * sizeof(*v));

		if (v == NULL)
			return -1;
		p->v = v;
		p->cap = nc;
	}
	p->v[p->n].hash = hash;
	p->v[p->n].ct = *ct;
	p->v[p->n].taken = false;
	p->n++;
	p->sorted = false;
	return 0;
}

static int orphan_cmp(const void *a, const void *b)
{
	const struct orphan *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* Sets the counters of built entry e (normal form hash) from an untaken orphan, if any. */
static void pool_take(struct pool *p, int fam, uint64_t hash, void *e)
{
	size_t a = 0, b;

	if (p == NULL || p->n == 0)
		return;
	if (!p->sorted) {
		qsort(p->v, p->n, sizeof(*p->v), orphan_cmp);
		p->sorted = true;
	}
	for (b = p->n; a < b;) {
		size_t mid = a + (b - a) / 2;

		if (p->v[mid].hash < hash)
			a = mid + 1;
		else
			b = mid;
	}
	for (; a < p->n && p->v[a].hash == hash; a++)
		if (!p->v[a].taken) {
			p->v[a].taken = true;
			*e_counters(fam, e) = p->v[a].ct;
			return;
		}
}

/* Scratch space for one table's commit. */
struct scratch {
	const struct fs_xlate_opts *xo;
	unsigned char *ebuf;    /* ENTRY_MAX: a built entry */
	struct norm *na, *nb;   /* two normal forms */
};

/*
 * Builds plan rule r into s->ebuf; its size, or 0 (err set) when it does
 * not fit one entry.
 */
static size_t build(const struct fs_pchain *pc, size_t j, int fam, struct scratch *s,
    struct fs_err *err)
{
	size_t n = build_entry(&pc->rules[j], fam, s->ebuf);

	if (n == 0)
		fs_err_set(err, FS_E_LIMIT, "rule %zu of %s is too large for one entry", j + 1,
		    pc->name);
	return n;
}

/* Installed rule hv[i] and the plan rule in s->ebuf (normal form in s->nb) are the same. */
static bool same(const struct tc *t, struct xtc_handle *h, const struct have *hv,
    struct scratch *s)
{
	norm_entry(t, s->xo, hv->e, t->target(hv->e, h), s->na);
	return norm_eq(s->na, s->nb);
}

/*
 * Marks the longest in-order common subsequence of hv[lo..n) and the plan
 * rules w[lo..m) (Hunt-Szymanski over content hashes, each pair checked in
 * full).  Pairs beyond a cap (many identical rules) are left out: the
 * result is then a common subsequence, not always the longest.
 */
static int lcs(const struct tc *t, struct xtc_handle *h, const struct fs_pchain *pc,
    struct have *hv, size_t lo, size_t n, struct want *w, size_t m, struct scratch *s,
    struct fs_err *err)
{
	struct bucket *bk = NULL;
	struct pair *pr = NULL;
	long *thr = NULL;       /* thr[k]: the pair ending a common subsequence of length k+1 */
	size_t nb = n - lo, np = 0, cap = 0, len = 0, i, cap_pairs = 4 * (n + m) + 4096;
	int rc = -1;

	if (nb == 0 || m == lo)
		return 0;
	bk = malloc(nb * sizeof(*bk));
	thr = malloc((nb < m - lo ? nb : m - lo) * sizeof(*thr) + sizeof(*thr));
	if (bk == NULL || thr == NULL)
		goto nomem;
	for (i = 0; i < nb; i++) {
		bk[i].hash = hv[lo + i].hash;
		bk[i].have = (long)(lo + i);
	}
	qsort(bk, nb, sizeof(*bk), bucket_cmp);
	for (i = lo; i < m; i++) {
		size_t a = 0, b = nb, c;
		bool built = false;

		/* the first bucket entry with this hash */
		while (a < b) {
			size_t mid = a + (b - a) / 2;

			if (bk[mid].hash < w[i].hash)
				a = mid + 1;
			else
				b = mid;
		}
		for (c = a; c < nb && bk[c].hash == w[i].hash; c++)
			;
		/* installed candidates from the last: one pair per plan rule and length */
		while (c > a && np < cap_pairs) {
			long j = bk[--c].have;
			size_t k0 = 0, k1 = len;

			if (!built) {
				if (build(pc, i, t->fam, s, err) == 0)
					goto out;
				built_norm(t, s->xo, s->ebuf, s->nb);
				built = true;
			}
			if (!same(t, h, &hv[j], s))
				continue;
			while (k0 < k1) { /* the first k with pair thr[k] at or after j */
				size_t mid = k0 + (k1 - k0) / 2;

				if (pr[thr[mid]].have < j)
					k0 = mid + 1;
				else
					k1 = mid;
			}
			if (np == cap) {
				struct pair *p2;

				cap = cap ? cap * 2 : 256;
				if ((p2 = realloc(pr, cap * sizeof(*pr))) == NULL)
					goto nomem;
				pr = p2;
			}
			pr[np].have = j;
			pr[np].want = (long)i;
			pr[np].prev = k0 > 0 ? thr[k0 - 1] : -1;
			thr[k0] = (long)np++;
			if (k0 == len)
				len++;
		}
	}
	if (len > 0) {
		long p;

		for (p = thr[len - 1]; p >= 0; p = pr[p].prev) {
			hv[pr[p].have].match = pr[p].want;
			w[pr[p].want].match = pr[p].have;
		}
	}
	rc = 0;
	goto out;
nomem:
	fs_err_set(err, FS_E_NOMEM, "out of memory");
out:
	free(bk);
	free(pr);
	free(thr);
	return rc;
}

/*
 * libiptc finds a rule by number walking its list from the nearer end;
 * past this many steps for the difference, refilling the chain is cheaper.
 */
#ifndef WALK_PER_RULE
#define WALK_PER_RULE 32
#endif
#ifndef WALK_MIN
#define WALK_MIN 65536
#endif

/* One existing chain of ours aligned with its plan (align_chain), to apply (apply_chain). */
struct align {
	const struct fs_pchain *pc;
	struct have *hv;        /* the installed rules */
	struct want *w;         /* the plan's */
	size_t n, m, kept;
};

static void align_free(struct align *al)
{
	free(al->hv);
	free(al->w);
	memset(al, 0, sizeof(*al));
}

/*
 * Aligns our existing chain pc->name in handle h with the plan's rules:
 * the rules that stay (the longest in-order run of unchanged ones) are
 * marked; the installed rules that do not stay go into the pool.  Nothing
 * in the handle changes.  0, or -1 with err set.
 */
static int align_chain(const struct tc *t, struct xtc_handle *h, const struct fs_pchain *pc,
    struct scratch *s, struct align *al, struct pool *pool, struct fs_err *err)
{
	struct have *hv = NULL;
	struct want *w = NULL;
	size_t n = 0, cap = 0, m = pc->n, pre, suf, kept = 0, i;
	const void *e;
	int rc = -1;

	for (e = t->first_rule(pc->name, h); e != NULL; e = t->next_rule(e, h), n++) {
		if (n == cap) {
			struct have *h2;

			cap = cap ? cap * 2 : 64;
			if ((h2 = realloc(hv, cap * sizeof(*hv))) == NULL)
				goto nomem;
			hv = h2;
		}
		hv[n].e = e;
		hv[n].hash = have_norm(t, h, s->xo, e, s->na);
		hv[n].ct = *t->counters(e);
		hv[n].match = -1;
	}
	if ((w = calloc(m + 1, sizeof(*w))) == NULL)
		goto nomem;
	for (i = 0; i < m; i++) {
		size_t j = i + n - m; /* as far from the tail, when i + n >= m */

		if (build(pc, i, t->fam, s, err) == 0)
			goto out;
		w[i].hash = built_norm(t, s->xo, s->ebuf, s->nb);
		w[i].match = -1;
		/* compared in full now, while the built form is at hand */
		if (i < n && hv[i].hash == w[i].hash)
			w[i].same_head = same(t, h, &hv[i], s);
		if (i + n >= m)
			w[i].same_tail = j == i ? w[i].same_head :
			    hv[j].hash == w[i].hash && same(t, h, &hv[j], s);
	}
	/* the unchanged head and tail, then the best alignment of the middle */
	for (pre = 0; pre < n && pre < m && w[pre].same_head; pre++) {
		hv[pre].match = (long)pre;
		w[pre].match = (long)pre;
	}
	for (suf = 0; suf < n - pre && suf < m - pre && w[m - 1 - suf].same_tail; suf++) {
		hv[n - 1 - suf].match = (long)(m - 1 - suf);
		w[m - 1 - suf].match = (long)(n - 1 - suf);
	}
	if (lcs(t, h, pc, hv, pre, n - suf, w, m - suf, s, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		kept += hv[i].match >= 0;
		if (hv[i].match < 0 && pool_add(pool, hv[i].hash, &hv[i].ct) < 0)
			goto nomem;
	}
	al->pc = pc;
	al->hv = hv;
	al->w = w;
	al->n = n;
	al->m = m;
	al->kept = kept;
	return 0;
nomem:
	fs_err_set(err, FS_E_NOMEM, "out of memory");
out:
	free(hv);
	free(w);
	return rc;
}

/*
 * Brings an aligned chain to the plan's rules in the handle: the rules
 * that stay are left in place and keep their kernel counters; the others
 * are deleted and the new ones inserted, each with an orphan's counters
 * when one has its content.  A large difference refills the chain
 * instead, carrying the counters the same way.  *changed is set when the
 * handle was changed.  0, or -1 with err set.
 */
static int apply_chain(const struct tc *t, struct xtc_handle *h, const char *table,
    struct align *al, struct scratch *s, struct pool *pool, bool *changed, struct fs_err *err)
{
	const struct fs_pchain *pc = al->pc;
	struct have *hv = al->hv;
	struct want *w = al->w;
	size_t n = al->n, m = al->m, kept = al->kept, i, len;
	uint64_t walk = 0;

	if (kept == n && kept == m)
		return 0;
	*changed = true;
	/* the walking the positional edits would cost */
	for (i = n, len = n; i-- > 0;)
		if (hv[i].match < 0) {
			walk += i < len - 1 - i ? i : len - 1 - i;
			len--;
		}
	for (i = 0; i < m; i++)
		if (w[i].match < 0) {
			walk += i < len - i ? i : len - i;
			len++;
		}
	if (walk <= (uint64_t)WALK_PER_RULE * (n + m) + WALK_MIN) {
		log_debug("IPv%d %s %s: %zu of %zu rules kept in place, %zu deleted, %zu inserted",
		    t->fam, table, pc->name, kept, n, n - kept, m - kept);
		for (i = n; i-- > 0;)
			if (hv[i].match < 0 && !t->del_num(pc->name, (unsigned)i, h))
				return tc_fail(t, err, "deleting a changed rule in", table);
		for (i = 0; i < m; i++) {
			if (w[i].match >= 0)
				continue;
			if (build(pc, i, t->fam, s, err) == 0)
				return -1;
			pool_take(pool, t->fam, w[i].hash, s->ebuf);
			if (!t->insert(pc->name, s->ebuf, (unsigned)i, h))
				return tc_fail(t, err, "inserting a rule in", table);
		}
	} else {
		log_debug("IPv%d %s %s: %zu of %zu rules kept, refilled with their counters "
		    "(%zu deleted, %zu new)", t->fam, table, pc->name, kept, n, n - kept, m - kept);
		/* hv[].e is gone after the flush; the counters were copied */
		if (!t->flush(pc->name, h))
			return tc_fail(t, err, "flushing our chain in", table);
		for (i = 0; i < m; i++) {
			if (build(pc, i, t->fam, s, err) == 0)
				return -1;
			if (w[i].match >= 0)
				*e_counters(t->fam, s->ebuf) = hv[w[i].match].ct;
			else
				pool_take(pool, t->fam, w[i].hash, s->ebuf);
			if (!t->append(pc->name, s->ebuf, h))
				return tc_fail(t, err, "appending a rule in", table);
		}
	}
	return 0;
}

/*
 * The jumps of hook chain `hook` are already the plan's (pc, or none when
 * pc is NULL): exactly pc's rules, equal, at the top, and no other jump to
 * one of our chains.
 */
static bool hook_ok(const struct tc *t, struct xtc_handle *h, const char *hook,
    const struct fs_pchain *pc, const struct fs_xlate_opts *xo, struct scratch *s)
{
	const void *e;
	size_t pos = 0, k = 0;
	struct fs_err err;

	for (e = t->first_rule(hook, h); e != NULL; e = t->next_rule(e, h), pos++) {
		if (!ours(t->target(e, h), xo, t->fam))
			continue;
		if (pc == NULL || k != pos || k >= pc->n || build(pc, k, t->fam, s, &err) == 0)
			return false;
		built_norm(t, s->xo, s->ebuf, s->nb);
		have_norm(t, h, s->xo, e, s->na);
		if (!norm_eq(s->na, s->nb))
			return false;
		k++;
	}
	return k == (pc != NULL ? pc->n : 0);
}

/*
 * Brings our part of one table in handle h to pt: the jumps from its hook
 * chains hooks[0..nhooks) and our chains.  pt may be NULL (the plan has
 * nothing for this table).  *changed is set when the handle was changed.
 */
static int rebuild(const struct tc *t, struct xtc_handle *h, const char *table,
    const struct fs_ptable *pt, const char *const *hooks, size_t nhooks,
    const struct fs_xlate_opts *xo, bool *changed, struct fs_err *err)
{
	struct scratch s = { xo, NULL, NULL, NULL };
	const struct fs_pchain *hookpc[2] = { NULL, NULL };
	bool keep_jump[2] = { false, false };
	const char *c;
	char **del = NULL;
	bool *had = NULL;
	struct align *al = NULL;
	struct pool pool = { NULL, 0, 0, false };
	size_t ndel = 0, i, j, k;
	const void *e;
	unsigned pos;
	int rc = -1;

	s.ebuf = malloc(ENTRY_MAX);
	s.na = malloc(sizeof(*s.na));
	s.nb = malloc(sizeof(*s.nb));
	if (s.ebuf == NULL || s.na == NULL || s.nb == NULL ||
	    (had = calloc(pt != NULL ? pt->n + 1 : 1, sizeof(*had))) == NULL ||
	    (al = calloc(pt != NULL ? pt->n + 1 : 1, sizeof(*al))) == NULL) {
		fs_err_set(err, FS_E_NOMEM, "out of memory");
		goto out;
	}
	/* 1. a hook chain keeps its jump when it is already the plan's, at the
	 * top; otherwise every jump to one of our chains goes */
	for (k = 0; k < nhooks; k++) {
		const char *hook = hooks[k];

		for (i = 0; pt != NULL && i < pt->n; i++)
			if (pt->chains[i].hook && strcmp(pt->chains[i].name, hook) == 0)
				hookpc[k] = &pt->chains[i];
		if (!t->is_chain(hook, h)) {
			if (hookpc[k] != NULL) {
				fs_err_set(err, FS_E_VALUE, "IPv%d %s table has no chain %s", t->fam,
				    table, hook);
				goto out;
			}
			continue;
		}
		if (hook_ok(t, h, hook, hookpc[k], xo, &s)) {
			keep_jump[k] = true;
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
			*changed = true;
		}
	}
	/* 2. our chains as they are */
	for (c = t->first_chain(h); c != NULL; c = t->next_chain(h)) {
		char **d2;

		if (!ours(c, xo, t->fam))
			continue;
		if ((d2 = realloc(del, (ndel + 1) * sizeof(*del))) == NULL) {
			fs_err_set(err, FS_E_NOMEM, "out of memory");
			goto out;
		}
		del = d2;
		if ((del[ndel] = strdup(c)) == NULL) {
			fs_err_set(err, FS_E_NOMEM, "out of memory");
			goto out;
		}
		ndel++;
	}
	/* 3. the plan's chains that are missing; the ones it no longer has are
	 * emptied (they may jump to each other) and deleted at the end */
	for (i = 0; pt != NULL && i < pt->n; i++) {
		if (pt->chains[i].hook)
			continue;
		if (t->is_chain(pt->chains[i].name, h)) {
			had[i] = true;
		} else {
			if (!t->create(pt->chains[i].name, h)) {
				tc_fail(t, err, "creating a chain in", table);
				goto out;
			}
			*changed = true;
		}
	}
	for (i = 0; i < ndel; i++) {
		bool keep = false;

		for (j = 0; pt != NULL && j < pt->n && !keep; j++)
			keep = !pt->chains[j].hook && strcmp(pt->chains[j].name, del[i]) == 0;
		if (keep) {
			free(del[i]);
			del[i] = NULL;
		} else if (t->first_rule(del[i], h) != NULL) {
			/* its rules' counters may move on with their content */
			for (e = t->first_rule(del[i], h); e != NULL; e = t->next_rule(e, h))
				if (pool_add(&pool, have_norm(t, h, xo, e, s.na), t->counters(e)) < 0) {
					fs_err_set(err, FS_E_NOMEM, "out of memory");
					goto out;
				}
			if (!t->flush(del[i], h)) {
				tc_fail(t, err, "flushing our chain in", table);
				goto out;
			}
			*changed = true;
		}
	}
	/* 4. each of our chains: an existing one keeps what did not change
	 * (all aligned first, so that every orphan is known), a new one is
	 * filled; a new rule takes an orphan's counters */
	for (i = 0; pt != NULL && i < pt->n; i++)
		if (!pt->chains[i].hook && had[i] &&
		    align_chain(t, h, &pt->chains[i], &s, &al[i], &pool, err) < 0)
			goto out;
	for (i = 0; pt != NULL && i < pt->n; i++) {
		const struct fs_pchain *pc = &pt->chains[i];

		if (pc->hook)
			continue;
		if (had[i]) {
			if (apply_chain(t, h, table, &al[i], &s, &pool, changed, err) < 0)
				goto out;
			continue;
		}
		for (j = 0; j < pc->n; j++) {
			if (build(pc, j, t->fam, &s, err) == 0)
				goto out;
			if (pool.n > 0) /* a first load has no orphans: no hash to compute */
				pool_take(&pool, t->fam, built_norm(t, xo, s.ebuf, s.nb), s.ebuf);
			if (!t->append(pc->name, s.ebuf, h)) {
				tc_fail(t, err, "appending a rule in", table);
				goto out;
			}
		}
	}
	/* 5. the chains the plan no longer has (nothing jumps to them now) */
	for (i = 0; i < ndel; i++)
		if (del[i] != NULL) {
			if (!t->del(del[i], h)) {
				tc_fail(t, err, "deleting our chain in", table);
				goto out;
			}
			*changed = true;
		}
	/* 6. the jumps, at the top of each hook chain */
	for (k = 0; k < nhooks; k++) {
		if (keep_jump[k] || hookpc[k] == NULL)
			continue;
		for (j = 0; j < hookpc[k]->n; j++) {
			if (build(hookpc[k], j, t->fam, &s, err) == 0)
				goto out;
			if (!t->insert(hookpc[k]->name, s.ebuf, (unsigned)j, h)) {
				tc_fail(t, err, "inserting the jump in", table);
				goto out;
			}
			*changed = true;
		}
	}
	rc = 0;
out:
	for (i = 0; i < ndel; i++)
		free(del[i]);
	for (i = 0; al != NULL && pt != NULL && i < pt->n; i++)
		align_free(&al[i]);
	free(al);
	free(pool.v);
	free(del);
	free(had);
	free(s.ebuf);
	free(s.na);
	free(s.nb);
	return rc;
}

/*
 * libiptc 1.8.9 and older read a built-in chain's policy counters as
 * "zeroed" (COUNTER_MAP_ZEROED): every commit sets them to what they
 * counted between the read and the commit, about nothing (netfilter
 * bugzilla 912, fixed in 1.8.10).  Setting the policy again with the
 * counters as read puts them back, short of the packets counted during the
 * commit itself, with any libiptc.
 */
static int keep_policy_counters(const struct tc *t, struct xtc_handle *h, const char *table,
    struct fs_err *err)
{
	const char *c;

	for (c = t->first_chain(h); c != NULL; c = t->next_chain(h)) {
		struct xt_counters ct;
		const char *pol;

		if (!t->builtin(c, h))
			continue;
		memset(&ct, 0, sizeof(ct));
		if ((pol = t->get_policy(c, &ct, h)) == NULL)
			continue;
		if (!t->set_policy(c, pol, &ct, h))
			return tc_fail(t, err, "keeping the policy counters of the", table);
	}
	return 0;
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

/*
 * One table: init, rebuild, commit when something changed; re-read and
 * retry when another writer won.  *digest: our part of the table as
 * committed.
 */
static int apply_table(const struct tc *t, const char *table, const struct fs_ptable *pt,
    const struct fs_xlate_opts *xo, const struct fs_ipt_opts *io, uint64_t *digest,
    struct fs_err *err)
{
	const char *hooks[2];
	size_t nhooks = table_hooks(table, xo, hooks);
	unsigned attempt;

	if ((pt == NULL || pt->n == 0) && !table_loaded(t->fam, table)) {
		*digest = table_digest(t, NULL, table, xo, NULL);
		return 0;
	}
	for (attempt = 0;; attempt++) {
		struct xtc_handle *h = t->init(table);
		struct norm *n;
		bool changed = false;
		int ok;

		if (h == NULL) {
			if (errno == ENOENT || errno == ENOPROTOOPT || errno == EINVAL)
				return fs_err_set(err, FS_E_SYSTEM,
				    "the kernel has no legacy IPv%d %s table (ip%s_tables): %s", t->fam,
				    table, t->fam == 4 ? "" : "6", t->strerror(errno));
			return tc_fail(t, err, "opening the", table);
		}
		if (rebuild(t, h, table, pt, hooks, nhooks, xo, &changed, err) < 0 ||
		    (changed && keep_policy_counters(t, h, table, err) < 0)) {
			t->free(h);
			return -1;
		}
		if ((n = malloc(sizeof(*n))) == NULL) {
			t->free(h);
			return fs_err_set(err, FS_E_NOMEM, "out of memory");
		}
		*digest = table_digest(t, h, table, xo, n);
		free(n);
		ok = !changed || t->commit(h);
		t->free(h);
		if (ok)
			return 0;
		if (errno != EAGAIN || attempt + 1 >= io->retries)
			return tc_fail(t, err, "committing the", table);
		log_debug("IPv%d %s: commit raced another writer, retrying", t->fam, table);
	}
}

int fs_ipt_apply(const struct fs_plan *plan, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, uint64_t *digest, struct fs_err *err)
{
	const struct tc *t = plan->family == FS_INET ? &tc4 : &tc6;
	uint64_t df = 0, dm = 0;
	int lock, rc;

	if ((lock = fs_xtables_lock(io->lockfile, io->lock_wait_ms, err)) < 0)
		return -1;
	/* mangle first when it gains chains (the tag is read once it is set),
	 * filter first when mangle loses them */
	if (plan->mangle.n > 0)
		rc = apply_table(t, "mangle", &plan->mangle, xo, io, &dm, err) < 0 ||
		    apply_table(t, "filter", &plan->filter, xo, io, &df, err) < 0 ? -1 : 0;
	else
		rc = apply_table(t, "filter", &plan->filter, xo, io, &df, err) < 0 ||
		    apply_table(t, "mangle", NULL, xo, io, &dm, err) < 0 ? -1 : 0;
	close(lock);
	if (rc == 0 && digest != NULL)
		*digest = family_digest(df, dm);
	return rc;
}

int fs_ipt_remove(enum fs_family family, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, struct fs_err *err)
{
	const struct tc *t = family == FS_INET ? &tc4 : &tc6;
	uint64_t d;
	int lock, rc;

	if ((lock = fs_xtables_lock(io->lockfile, io->lock_wait_ms, err)) < 0)
		return -1;
	rc = apply_table(t, "filter", NULL, xo, io, &d, err) < 0 ||
	    apply_table(t, "mangle", NULL, xo, io, &d, err) < 0 ? -1 : 0;
	close(lock);
	return rc;
}

int fs_ipt_counters(enum fs_family family, const struct fs_xlate_opts *xo,
    struct fs_ipt_counter **out, size_t *n, uint64_t *digest, struct fs_err *err)
{
	const struct tc *t = family == FS_INET ? &tc4 : &tc6;
	struct xtc_handle *h = t->init("filter");
	struct fs_ipt_counter *v = NULL;
	struct norm *nb = NULL;
	size_t k = 0, cap = 0;
	uint64_t df = 0, dm = 0;
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
				if (nv == NULL)
					goto nomem;
				v = nv;
			}
			snprintf(v[k].chain, sizeof(v[k].chain), "%s", c);
			v[k].rule = pos;
			v[k].pkts = ct ? ct->pcnt : 0;
			v[k].bytes = ct ? ct->bcnt : 0;
			k++;
		}
	}
	if (digest != NULL) {
		struct xtc_handle *hm = NULL;

		if ((nb = malloc(sizeof(*nb))) == NULL)
			goto nomem;
		df = table_digest(t, h, "filter", xo, nb);
		if (table_loaded(t->fam, "mangle") && (hm = t->init("mangle")) == NULL) {
			free(nb);
			free(v);
			t->free(h);
			return tc_fail(t, err, "opening the", "mangle");
		}
		dm = table_digest(t, hm, "mangle", xo, nb);
		if (hm != NULL)
			t->free(hm);
		free(nb);
		*digest = family_digest(df, dm);
	}
	t->free(h);
	*out = v;
	*n = k;
	return 0;
nomem:
	free(v);
	t->free(h);
	return fs_err_set(err, FS_E_NOMEM, "out of memory");
}
