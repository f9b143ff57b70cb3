/*
 * rule.c - build, copy, validate and print FlowSpec routes.
 *
 * The route keeps one heap array of operator terms; component t owns the
 * slice terms[first[t] .. first[t] + nterms[t]).  Terms of one component
 * are always contiguous because the readers add components in type order;
 * adding to an earlier component later shifts the array (rare, correct).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ecomm.h"
#include "flowspec/rule.h"

static const char *const ctype_names[FS_C_MAX + 1] = {
	NULL, "dst", "src", "proto", "port", "dport", "sport", "icmp-type",
	"icmp-code", "tcp-flags", "length", "dscp", "fragment", "flow-label",
};

const char *fs_ctype_name(int t)
{
	if (t < 1 || t > FS_C_MAX)
		return NULL;
	return ctype_names[t];
}

bool fs_ctype_is_bitmask(int t)
{
	return t == FS_C_TCP_FLAGS || t == FS_C_FRAGMENT;
}

uint32_t fs_ctype_max_value(int t)
{
	switch (t) {
	case FS_C_PROTO:
	case FS_C_ICMP_TYPE:
	case FS_C_ICMP_CODE:
		return 0xff;
	case FS_C_PORT:
	case FS_C_DPORT:
	case FS_C_SPORT:
	case FS_C_PKT_LEN:
		return 0xffff;
	case FS_C_TCP_FLAGS:
		return 0xffff; /* 2-byte bitmask; bits above 0x1ff are reserved */
	case FS_C_DSCP:
		return 0x3f;
	case FS_C_FRAGMENT:
		return 0xff;
	case FS_C_FLOW_LABEL:
		return 0xfffff;
	default:
		return 0;
	}
}

struct fs_route *fs_route_new(enum fs_family family)
{
	struct fs_route *r;

	if (family != FS_INET && family != FS_INET6)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->family = (uint8_t)family;
	return r;
}

void fs_route_free(struct fs_route *r)
{
	if (r == NULL)
		return;
	free(r->terms);
	free(r);
}

struct fs_route *fs_route_dup(const struct fs_route *r)
{
	struct fs_route *d;

	if (r == NULL)
		return NULL;
	d = malloc(sizeof(*d));
	if (d == NULL)
		return NULL;
	*d = *r;
	d->terms = NULL;
	if (r->nterm_total > 0) {
		d->terms = malloc(r->nterm_total * sizeof(*d->terms));
		if (d->terms == NULL) {
			free(d);
			return NULL;
		}
		memcpy(d->terms, r->terms, r->nterm_total * sizeof(*d->terms));
	}
	return d;
}

static bool actions_same(const struct fs_actions *a, const struct fs_actions *b)
{
	return a->has_rate_bytes == b->has_rate_bytes && a->has_rate_pkts == b->has_rate_pkts &&
	    a->has_action == b->has_action && a->has_redirect == b->has_redirect &&
	    a->has_mark == b->has_mark &&
	    memcmp(&a->rate_bytes, &b->rate_bytes, sizeof(a->rate_bytes)) == 0 &&
	    a->rate_bytes_id == b->rate_bytes_id &&
	    memcmp(&a->rate_pkts, &b->rate_pkts, sizeof(a->rate_pkts)) == 0 &&
	    a->rate_pkts_id == b->rate_pkts_id && a->sample == b->sample &&
	    a->terminal == b->terminal && a->redirect == b->redirect && a->dscp == b->dscp &&
	    a->redirect_ip == b->redirect_ip && a->redirect_ip_family == b->redirect_ip_family &&
	    memcmp(a->redirect_ip_addr, b->redirect_ip_addr, sizeof(a->redirect_ip_addr)) == 0 &&
	    a->redirect_ip_copy == b->redirect_ip_copy && strcmp(a->conflict, b->conflict) == 0;
}

static bool prefix_same(const struct fs_prefix *a, const struct fs_prefix *b)
{
	return a->len == b->len && a->offset == b->offset &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

bool fs_route_same(const struct fs_route *a, const struct fs_route *b)
{
	unsigned i;

	if (a->family != b->family || a->present != b->present ||
	    a->nterm_total != b->nterm_total || !prefix_same(&a->dst, &b->dst) ||
	    !prefix_same(&a->src, &b->src) || !actions_same(&a->act, &b->act) ||
	    a->nrts != b->nrts || a->has_seq != b->has_seq || (a->has_seq && a->seq != b->seq) ||
	    a->nexthop_family != b->nexthop_family ||
	    memcmp(a->nexthop, b->nexthop, sizeof(a->nexthop)) != 0 ||
	    strcmp(a->source_loss, b->source_loss) != 0)
		return false;
	for (i = 0; i <= FS_C_MAX; i++)
		if (a->first[i] != b->first[i] || a->nterms[i] != b->nterms[i])
			return false;
	for (i = 0; i < a->nterm_total; i++)
		if (a->terms[i].op != b->terms[i].op || a->terms[i].value != b->terms[i].value)
			return false;
	for (i = 0; i < a->nrts; i++)
		if (a->rts[i] != b->rts[i])
			return false;
	return true;
}

const struct fs_term *fs_route_terms(const struct fs_route *r, int t, unsigned *n)
{
	if (t < 1 || t > FS_C_MAX || !fs_route_has(r, t) || r->terms == NULL) {
		*n = 0;
		return NULL;
	}
	*n = r->nterms[t];
	return &r->terms[r->first[t]];
}

int fs_route_set_prefix(struct fs_route *r, int t, const uint8_t *addr,
    unsigned len, unsigned offset, struct fs_err *err)
{
	struct fs_prefix *p;
	unsigned maxlen = r->family == FS_INET ? 32 : 128;
	unsigned i;

	if (t != FS_C_DST && t != FS_C_SRC)
		return fs_err_set(err, FS_E_VALUE, "component %d is not a prefix", t);
	if (fs_route_has(r, t))
		return fs_err_set(err, FS_E_VALUE, "duplicate %s prefix", fs_ctype_name(t));
	if (len > maxlen)
		return fs_err_set(err, FS_E_VALUE, "%s prefix length %u exceeds %u",
		    fs_ctype_name(t), len, maxlen);
	if (offset != 0 && r->family == FS_INET)
		return fs_err_set(err, FS_E_VALUE, "%s prefix offset %u on an IPv4 route",
		    fs_ctype_name(t), offset);
	if (offset != 0 && offset >= len)
		return fs_err_set(err, FS_E_VALUE,
		    "%s prefix offset %u is not below its length %u (RFC 8956 §3.1)",
		    fs_ctype_name(t), offset, len);
	p = t == FS_C_DST ? &r->dst : &r->src;
	memset(p, 0, sizeof(*p));
	for (i = offset; i < len; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			p->addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	p->len = (uint8_t)len;
	p->offset = (uint8_t)offset;
	r->present |= (uint16_t)(1u << t);
	return 0;
}

int fs_route_add_term(struct fs_route *r, int t, uint8_t op, uint32_t value,
    struct fs_err *err)
{
	struct fs_term *nt;
	unsigned pos, k;
	uint8_t allowed;

	if (t < FS_C_PROTO || t > FS_C_MAX)
		return fs_err_set(err, FS_E_VALUE, "component %d takes no operator terms", t);
	if (t == FS_C_FLOW_LABEL && r->family != FS_INET6)
		return fs_err_set(err, FS_E_VALUE, "flow-label on an IPv4 route");
	allowed = FS_OP_AND | (fs_ctype_is_bitmask(t) ? (FS_OP_NOT | FS_OP_MATCH) :
	    (FS_OP_LT | FS_OP_GT | FS_OP_EQ));
	if (op & ~allowed)
		return fs_err_set(err, FS_E_VALUE, "%s: operator bits 0x%02x not allowed",
		    fs_ctype_name(t), op);
	if (value > fs_ctype_max_value(t))
		return fs_err_set(err, FS_E_VALUE, "%s value %u out of range 0..%u",
		    fs_ctype_name(t), value, fs_ctype_max_value(t));
	if (!fs_route_has(r, t) && (op & FS_OP_AND))
		return fs_err_set(err, FS_E_VALUE,
		    "%s: the first term cannot be AND-ed to a previous one", fs_ctype_name(t));
	if (fs_route_has(r, t) && r->nterms[t] >= FS_MAX_TERMS)
		return fs_err_set(err, FS_E_LIMIT, "%s: more than %d terms",
		    fs_ctype_name(t), FS_MAX_TERMS);
	if (r->nterm_total >= FS_MAX_ROUTE_TERMS)
		return fs_err_set(err, FS_E_LIMIT, "route: more than %d terms",
		    FS_MAX_ROUTE_TERMS);

	nt = realloc(r->terms, (r->nterm_total + 1u) * sizeof(*nt));
	if (nt == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	r->terms = nt;

	if (!fs_route_has(r, t)) {
		/* Insert the new component after every component of lower type. */
		pos = 0;
		for (k = 1; k < (unsigned)t; k++)
			if (fs_route_has(r, (int)k) && k > FS_C_SRC)
				pos = r->first[k] + r->nterms[k];
		r->first[t] = (uint16_t)pos;
		r->nterms[t] = 0;
		r->present |= (uint16_t)(1u << t);
	} else {
		pos = r->first[t] + r->nterms[t];
	}
	memmove(&r->terms[pos + 1], &r->terms[pos],
	    (r->nterm_total - pos) * sizeof(*nt));
	r->terms[pos].op = op;
	r->terms[pos].value = value;
	for (k = (unsigned)t + 1; k <= FS_C_MAX; k++)
		if (fs_route_has(r, (int)k))
			r->first[k]++;
	r->nterms[t]++;
	r->nterm_total++;
	return 0;
}

int fs_route_validate(const struct fs_route *r, struct fs_err *err)
{
	unsigned n, i;
	const struct fs_term *tm;

	if (r->present == 0)
		return fs_err_set(err, FS_E_VALUE, "route has no match component");
	if (r->family == FS_INET && fs_route_has(r, FS_C_FLOW_LABEL))
		return fs_err_set(err, FS_E_VALUE, "flow-label on an IPv4 route");
	if (r->family == FS_INET6 && fs_route_has(r, FS_C_FRAGMENT)) {
		tm = fs_route_terms(r, FS_C_FRAGMENT, &n);
		for (i = 0; i < n; i++)
			if (tm[i].value & FS_FRAG_DF)
				return fs_err_set(err, FS_E_VALUE,
				    "fragment dont-fragment (DF) on an IPv6 route (RFC 8956 §3.6)");
	}
	return 0;
}

bool fs_actions_discard(const struct fs_actions *a)
{
	return (a->has_rate_bytes && a->rate_bytes == 0) || (a->has_rate_pkts && a->rate_pkts == 0);
}

bool fs_route_is_default(const struct fs_route *r)
{
	uint16_t allowed = (1u << FS_C_DST) | (1u << FS_C_SRC);

	if (r->present == 0 || (r->present & ~allowed) != 0)
		return false;
	if (fs_route_has(r, FS_C_DST) && r->dst.len != 0)
		return false;
	if (fs_route_has(r, FS_C_SRC) && r->src.len != 0)
		return false;
	return true;
}

/* Appends printf output at *off; returns -1 once the buffer is full. */
static int app(char *buf, size_t cap, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static int app(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= cap)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *off) {
		*off = cap;
		return -1;
	}
	*off += (size_t)n;
	return 0;
}

static int fmt_prefix(const struct fs_route *r, const struct fs_prefix *p,
    char *buf, size_t cap, size_t *off)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(r->family == FS_INET ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->offset)
		return app(buf, cap, off, "%s/%u/%u", a, p->len, p->offset);
	return app(buf, cap, off, "%s/%u", a, p->len);
}

static const char *const tcp_names[] = {
	"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
};
static const char *const frag_names[] = { "df", "isf", "ff", "lf" };

static int fmt_bits(int t, uint32_t v, char *buf, size_t cap, size_t *off)
{
	const char *const *names = t == FS_C_TCP_FLAGS ? tcp_names : frag_names;
	unsigned nnames = t == FS_C_TCP_FLAGS ? 9 : 4;
	unsigned b;
	int first = 1;

	if (v == 0)
		return app(buf, cap, off, "0");
	for (b = 0; b < 32; b++) {
		if (!(v & (1u << b)))
			continue;
		if (!first && app(buf, cap, off, "+") < 0)
			return -1;
		first = 0;
		if (b < nnames) {
			if (app(buf, cap, off, "%s", names[b]) < 0)
				return -1;
		} else if (app(buf, cap, off, "0x%x", 1u << b) < 0) {
			return -1;
		}
	}
	return 0;
}

static int fmt_term(int t, const struct fs_term *tm, char *buf, size_t cap, size_t *off)
{
	static const char *const numop[8] = {
		"false", "=", ">", ">=", "<", "<=", "!=", "true",
	};
	unsigned cmp = tm->op & 7u;

	if (fs_ctype_is_bitmask(t)) {
		const char *o = "";

		if ((tm->op & FS_OP_NOT) && (tm->op & FS_OP_MATCH))
			o = "!=";
		else if (tm->op & FS_OP_NOT)
			o = "!";
		else if (tm->op & FS_OP_MATCH)
			o = "=";
		if (app(buf, cap, off, "%s", o) < 0)
			return -1;
		return fmt_bits(t, tm->value, buf, cap, off);
	}
	if (cmp == 0 || cmp == 7) {
		if (tm->value == 0)
			return app(buf, cap, off, "%s", numop[cmp]);
		return app(buf, cap, off, "%s(%u)", numop[cmp], tm->value);
	}
	return app(buf, cap, off, "%s%u", numop[cmp], tm->value);
}

int fs_route_format(const struct fs_route *r, char *buf, size_t cap)
{
	size_t off = 0;
	int t;
	unsigned i, n;
	const struct fs_term *tm;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if (app(buf, cap, &off, "%s", r->family == FS_INET ? "inet" : "inet6") < 0)
		return -1;
	for (t = 1; t <= FS_C_MAX; t++) {
		if (!fs_route_has(r, t))
			continue;
		if (app(buf, cap, &off, " %s ", fs_ctype_name(t)) < 0)
			return -1;
		if (t == FS_C_DST || t == FS_C_SRC) {
			if (fmt_prefix(r, t == FS_C_DST ? &r->dst : &r->src, buf, cap, &off) < 0)
				return -1;
			continue;
		}
		tm = fs_route_terms(r, t, &n);
		for (i = 0; i < n; i++) {
			if (i > 0 && app(buf, cap, &off, "%s",
			    (tm[i].op & FS_OP_AND) ? "&" : ",") < 0)
				return -1;
			if (fmt_term(t, &tm[i], buf, cap, &off) < 0)
				return -1;
		}
	}
	return (int)off;
}

/* Prints a float rate without trailing noise: 1000000, 1.5, 0.25. */
static int fmt_rate(float v, char *buf, size_t cap, size_t *off)
{
	return app(buf, cap, off, "%.9g", (double)v);
}

int fs_actions_format(const struct fs_route *r, char *buf, size_t cap)
{
	const struct fs_actions *a = &r->act;
	size_t off = 0;
	char rt[64];
	char ip[INET6_ADDRSTRLEN];
	unsigned i;
	int any = 0;

#define SEP() do { if (any && app(buf, cap, &off, ", ") < 0) return -1; any = 1; } while (0)
	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if (a->has_rate_bytes) {
		SEP();
		if (app(buf, cap, &off, "rate-bytes ") < 0 ||
		    fmt_rate(a->rate_bytes, buf, cap, &off) < 0)
			return -1;
	}
	if (a->has_rate_pkts) {
		SEP();
		if (app(buf, cap, &off, "rate-packets ") < 0 ||
		    fmt_rate(a->rate_pkts, buf, cap, &off) < 0)
			return -1;
	}
	if (a->has_action) {
		SEP();
		if (app(buf, cap, &off, "action%s%s%s", a->sample ? " sample" : "",
		    a->terminal ? " terminal" : "",
		    (!a->sample && !a->terminal) ? " none" : "") < 0)
			return -1;
	}
	if (a->has_redirect) {
		SEP();
		fs_rt_format(a->redirect, rt, sizeof(rt));
		if (app(buf, cap, &off, "redirect %s", rt) < 0)
			return -1;
	}
	if (a->has_mark) {
		SEP();
		if (app(buf, cap, &off, "mark %u", a->dscp) < 0)
			return -1;
	}
	if (a->redirect_ip != FS_REDIR_IP_NONE) {
		SEP();
		if (a->redirect_ip_family == 0) {
			if (app(buf, cap, &off, "redirect-ip (no address)") < 0)
				return -1;
		} else {
			inet_ntop(a->redirect_ip_family == FS_INET ? AF_INET : AF_INET6,
			    a->redirect_ip_addr, ip, sizeof(ip));
			if (app(buf, cap, &off, "%s %s", a->redirect_ip_copy ?
			    "copy-ip" : "redirect-ip", ip) < 0)
				return -1;
		}
	}
	if (!any && app(buf, cap, &off, "accept") < 0)
		return -1;
	any = 1;
	for (i = 0; i < r->nrts; i++) {
		fs_rt_format(r->rts[i], rt, sizeof(rt));
		if (app(buf, cap, &off, ", rt %s", rt) < 0)
			return -1;
	}
	if (r->has_seq && app(buf, cap, &off, ", seq %u", r->seq) < 0)
		return -1;
#undef SEP
	return (int)off;
}
