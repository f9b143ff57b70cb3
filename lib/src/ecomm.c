/*
 * ecomm.c - BGP extended communities (RFC 4360) to FlowSpec actions
 * (RFC 8955 §7), plain route targets, redirect-to-IP
 * (draft-ietf-idr-flowspec-redirect-ip, draft-simpson-idr-flowspec-redirect)
 * and the sequence number used by sequence-mode ordering.
 *
 * Everything is decoded from the raw 64-bit value (type in the high bytes),
 * never from a display string.  Two communities of one action type that
 * disagree are not an input error: the route is kept with a conflict
 * reason so that the translator can refuse it by name.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "flowspec/ecomm.h"
#include "flowspec/log.h"

/* Community types (high 16 bits: type and sub-type). */
#define EC_RATE_BYTES    0x8006 /* RFC 8955 §7.1 */
#define EC_ACTION        0x8007 /* RFC 8955 §7.3 */
#define EC_REDIR_AS2     0x8008 /* RFC 8955 §7.4 */
#define EC_REDIR_IP4     0x8108
#define EC_REDIR_AS4     0x8208
#define EC_MARK          0x8009 /* RFC 8955 §7.5 */
#define EC_RATE_PKTS     0x800c /* RFC 8955 §7.2 */
#define EC_RT_AS2        0x0002 /* RFC 4360 §4 */
#define EC_RT_IP4        0x0102
#define EC_RT_AS4        0x0202 /* RFC 5668 */
#define EC_REDIR_NH      0x0800 /* draft-simpson: redirect to the next hop */
#define EC_REDIR_IETF4   0x010c /* draft-ietf-idr-flowspec-redirect-ip */

#define LOW48(v) ((v) & 0xffffffffffffULL)
#define LOW32(v) ((uint32_t)((v) & 0xffffffffULL))
#define BITS47_32(v) ((uint16_t)(((v) >> 32) & 0xffff))

void fs_seq_opts_default(struct fs_seq_opts *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->form = FS_SEQ_CLEAN;
	o->clean_type = FS_SEQ_CLEAN_TYPE_DEFAULT;
}

/* Records the first conflict only: it is the one the operator sees. */
static void set_conflict(struct fs_route *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_conflict(struct fs_route *r, const char *fmt, ...)
{
	va_list ap;

	if (r->act.conflict[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->act.conflict, sizeof(r->act.conflict), fmt, ap);
	va_end(ap);
}

static int apply_seq(struct fs_route *r, uint32_t seq)
{
	if (r->has_seq && r->seq != seq) {
		set_conflict(r, "two sequence communities: %u and %u",
		    (unsigned)r->seq, (unsigned)seq);
		return 0;
	}
	r->has_seq = true;
	r->seq = seq;
	return 0;
}

/* RFC 8955 §7.1/§7.2: 2-byte ID, then an IEEE-754 single-precision rate. */
static int apply_rate(struct fs_route *r, uint64_t v, bool pkts,
    struct fs_err *err)
{
	const char *name = pkts ? "traffic-rate-packets" : "traffic-rate-bytes";
	uint32_t bits = LOW32(v);
	uint16_t id = BITS47_32(v);
	bool *has = pkts ? &r->act.has_rate_pkts : &r->act.has_rate_bytes;
	float *rate = pkts ? &r->act.rate_pkts : &r->act.rate_bytes;
	uint16_t *rid = pkts ? &r->act.rate_pkts_id : &r->act.rate_bytes_id;
	float f;

	memcpy(&f, &bits, sizeof(f));
	if (isnan(f))
		return fs_err_set(err, FS_E_VALUE,
		    "%s community 0x%016llx: rate is NaN", name,
		    (unsigned long long)v);
	if (isinf(f))
		return fs_err_set(err, FS_E_VALUE,
		    "%s community 0x%016llx: rate is infinite", name,
		    (unsigned long long)v);
	if (f < 0)
		return fs_err_set(err, FS_E_VALUE,
		    "%s community 0x%016llx: rate %g is negative", name,
		    (unsigned long long)v, (double)f);
	if (f == 0)
		f = 0; /* -0.0 is a discard like +0.0 */

	if (*has) {
		/* The ID is informational (RFC 8955 §7.1); only the rate counts. */
		if (*rate != f)
			set_conflict(r, "two %s communities: %g and %g", name,
			    (double)*rate, (double)f);
		return 0;
	}
	*has = true;
	*rate = f;
	*rid = id;
	return 0;
}

/* RFC 8955 §7.3: S (0x02) and T (0x01) in the last byte, rest reserved. */
static int apply_action(struct fs_route *r, uint64_t v)
{
	bool sample = (v & 0x02) != 0, terminal = (v & 0x01) != 0;

	if (r->act.has_action) {
		if (r->act.sample != sample || r->act.terminal != terminal)
			set_conflict(r, "two traffic-action communities: "
			    "0x%02x and 0x%02x",
			    (unsigned)((r->act.sample ? 2 : 0) |
			    (r->act.terminal ? 1 : 0)), (unsigned)(v & 0x03));
		return 0;
	}
	r->act.has_action = true;
	r->act.sample = sample;
	r->act.terminal = terminal;
	return 0;
}

static int apply_redirect(struct fs_route *r, uint64_t v)
{
	char a[40], b[40];

	if (r->act.has_redirect) {
		if (r->act.redirect != v) {
			if (fs_rt_format(r->act.redirect, a, sizeof(a)) < 0)
				snprintf(a, sizeof(a), "?");
			if (fs_rt_format(v, b, sizeof(b)) < 0)
				snprintf(b, sizeof(b), "?");
			set_conflict(r, "two redirect communities: %s and %s",
			    a, b);
		}
		return 0;
	}
	r->act.has_redirect = true;
	r->act.redirect = v;
	return 0;
}

/* RFC 8955 §7.5: DSCP in the low 6 bits; the reserved bits are ignored. */
static int apply_mark(struct fs_route *r, uint64_t v)
{
	uint8_t dscp = (uint8_t)(v & 0x3f);

	if (LOW48(v) > 0x3f)
		log_debug("traffic-marking community 0x%016llx has reserved "
		    "bits set; using dscp %u", (unsigned long long)v,
		    (unsigned)dscp);
	if (r->act.has_mark) {
		if (r->act.dscp != dscp)
			set_conflict(r, "two traffic-marking communities: "
			    "dscp %u and %u", (unsigned)r->act.dscp,
			    (unsigned)dscp);
		return 0;
	}
	r->act.has_mark = true;
	r->act.dscp = dscp;
	return 0;
}

static int apply_rt(struct fs_route *r, uint64_t v, struct fs_err *err)
{
	char buf[40];
	unsigned i;

	for (i = 0; i < r->nrts; i++)
		if (r->rts[i] == v)
			return 0;
	if (r->nrts >= FS_MAX_RTS) {
		if (fs_rt_format(v, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "?");
		return fs_err_set(err, FS_E_LIMIT,
		    "more than %d route-target communities: %s (0x%016llx)",
		    FS_MAX_RTS, buf, (unsigned long long)v);
	}
	r->rts[r->nrts++] = v;
	return 0;
}

/* Sets the redirect-to-IP action unless a different one is already set. */
static int apply_redirect_ip(struct fs_route *r, enum fs_redir_ip_kind kind,
    uint8_t family, const uint8_t *addr, size_t alen, bool copy)
{
	struct fs_actions *a = &r->act;

	if (a->redirect_ip != FS_REDIR_IP_NONE) {
		if (a->redirect_ip != kind || a->redirect_ip_copy != copy ||
		    a->redirect_ip_family != family ||
		    (alen > 0 && memcmp(a->redirect_ip_addr, addr, alen) != 0))
			set_conflict(r, "two redirect-to-ip communities "
			    "with different targets");
		return 0;
	}
	a->redirect_ip = kind;
	a->redirect_ip_copy = copy;
	a->redirect_ip_family = family;
	memset(a->redirect_ip_addr, 0, sizeof(a->redirect_ip_addr));
	if (alen > 0)
		memcpy(a->redirect_ip_addr, addr, alen);
	return 0;
}

/*
 * The sequence number, if v is one in the configured form.  Returns 1 if
 * it was consumed (*rc holds the result), 0 if v is not a SEQ community.
 */
static int try_seq(struct fs_route *r, uint64_t v,
    const struct fs_seq_opts *o, struct fs_err *err, int *rc)
{
	uint16_t type = (uint16_t)(v >> 48);

	switch (o->form) {
	case FS_SEQ_CLEAN:
		if (type != o->clean_type)
			return 0;
		/* (generic, 0xTTSS0000, SEQ): the two bytes must be zero. */
		if (BITS47_32(v) != 0) {
			*rc = fs_err_set(err, FS_E_VALUE,
			    "sequence community 0x%016llx: bytes 2-3 are not "
			    "zero", (unsigned long long)v);
			return 1;
		}
		*rc = apply_seq(r, LOW32(v));
		return 1;
	case FS_SEQ_PAPER:
		if (type != EC_MARK || LOW48(v) <= 0x3f)
			return 0;
		/* A SEQ that does not fit the paper's 32-bit field would be
		 * silently truncated: refuse it instead. */
		if (BITS47_32(v) != 0) {
			*rc = fs_err_set(err, FS_E_VALUE,
			    "sequence community 0x%016llx: bytes 2-3 are not "
			    "zero", (unsigned long long)v);
			return 1;
		}
		*rc = apply_seq(r, LOW32(v));
		return 1;
	case FS_SEQ_NONE:
		return 0;
	}
	return 0;
}

int fs_ecomm_apply(struct fs_route *r, uint64_t v,
    const struct fs_seq_opts *seq, struct fs_err *err)
{
	struct fs_seq_opts def;
	uint8_t a4[4];
	uint32_t ip;
	int rc = 0;

	if (seq == NULL) {
		fs_seq_opts_default(&def);
		seq = &def;
	}
	if (try_seq(r, v, seq, err, &rc))
		return rc;

	switch ((uint16_t)(v >> 48)) {
	case EC_RATE_BYTES:
		return apply_rate(r, v, false, err);
	case EC_RATE_PKTS:
		return apply_rate(r, v, true, err);
	case EC_ACTION:
		return apply_action(r, v);
	case EC_REDIR_AS2:
	case EC_REDIR_IP4:
	case EC_REDIR_AS4:
		return apply_redirect(r, v);
	case EC_MARK:
		return apply_mark(r, v);
	case EC_RT_AS2:
	case EC_RT_IP4:
	case EC_RT_AS4:
		return apply_rt(r, v, err);
	case EC_REDIR_NH:
		/* The address is the UPDATE's next hop, filled by the caller. */
		return apply_redirect_ip(r, FS_REDIR_IP_NEXTHOP, 0, NULL, 0,
		    (v & 1) != 0);
	case EC_REDIR_IETF4:
		ip = (uint32_t)((v >> 16) & 0xffffffff);
		a4[0] = (uint8_t)(ip >> 24);
		a4[1] = (uint8_t)(ip >> 16);
		a4[2] = (uint8_t)(ip >> 8);
		a4[3] = (uint8_t)ip;
		return apply_redirect_ip(r, FS_REDIR_IP_IETF4, FS_INET, a4,
		    sizeof(a4), (v & 1) != 0);
	default:
		log_debug("ignoring extended community 0x%016llx",
		    (unsigned long long)v);
		return 0;
	}
}

/*
 * Formats an RT or redirect community (types 0x00/0x01/0x02 sub-type 0x02,
 * types 0x80/0x81/0x82 sub-type 0x08).  Returns the length written
 * (excluding NUL), or -1 if v is of another type or cap is too small; buf
 * is always terminated when cap > 0.
 */
int fs_rt_format(uint64_t v, char *buf, size_t cap)
{
	uint16_t type = (uint16_t)(v >> 48);
	uint32_t ip;
	int n;

	if (buf == NULL || cap == 0)
		return -1;
	buf[0] = '\0';
	switch (type) {
	case EC_RT_AS2:
	case EC_REDIR_AS2:
		n = snprintf(buf, cap, "%u:%u", (unsigned)BITS47_32(v),
		    (unsigned)LOW32(v));
		break;
	case EC_RT_IP4:
	case EC_REDIR_IP4:
		ip = (uint32_t)((v >> 16) & 0xffffffff);
		n = snprintf(buf, cap, "%u.%u.%u.%u:%u", (unsigned)(ip >> 24),
		    (unsigned)((ip >> 16) & 0xff), (unsigned)((ip >> 8) & 0xff),
		    (unsigned)(ip & 0xff), (unsigned)(v & 0xffff));
		break;
	case EC_RT_AS4:
	case EC_REDIR_AS4:
		n = snprintf(buf, cap, "%u:%u",
		    (unsigned)((v >> 16) & 0xffffffff), (unsigned)(v & 0xffff));
		break;
	default:
		return -1;
	}
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

/* Decodes an RT into (is_ip, admin, assigned); false if it is not an RT. */
static bool rt_parts(uint64_t v, bool *ip, uint32_t *admin, uint32_t *num)
{
	switch ((uint16_t)(v >> 48)) {
	case EC_RT_AS2:
	case EC_REDIR_AS2:
		*ip = false;
		*admin = (uint32_t)((v >> 32) & 0xffff);
		*num = LOW32(v);
		return true;
	case EC_RT_AS4:
	case EC_REDIR_AS4:
		*ip = false;
		*admin = (uint32_t)((v >> 16) & 0xffffffff);
		*num = (uint32_t)(v & 0xffff);
		return true;
	case EC_RT_IP4:
	case EC_REDIR_IP4:
		*ip = true;
		*admin = (uint32_t)((v >> 16) & 0xffffffff);
		*num = (uint32_t)(v & 0xffff);
		return true;
	}
	return false;
}

bool fs_rt_equal(uint64_t a, uint64_t b)
{
	bool ia, ib;
	uint32_t aa, ab, na, nb;

	if (!rt_parts(a, &ia, &aa, &na) || !rt_parts(b, &ib, &ab, &nb))
		return a == b;
	return ia == ib && aa == ab && na == nb;
}

/* Decimal digits s[0..n) into *v, at most max.  0 or -1. */
static int digits(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

int fs_ecomm_admin_parse(const char *s, uint16_t as2_type, uint16_t ip4_type, uint16_t as4_type,
    uint64_t *out)
{
	const char *colon = strrchr(s, ':');
	char a[32];
	uint64_t asn, nn;
	struct in_addr ip;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(a) ||
	    digits(colon + 1, strlen(colon + 1), 0xffffffffu, &nn) < 0)
		return -1;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	if (strchr(a, '.') != NULL) {
		if (inet_pton(AF_INET, a, &ip) != 1 || nn > 0xffff)
			return -1;
		*out = ((uint64_t)ip4_type << 48) | ((uint64_t)ntohl(ip.s_addr) << 16) | nn;
		return 0;
	}
	if (digits(a, strlen(a), 0xffffffffu, &asn) < 0)
		return -1;
	if (asn <= 0xffff) {
		*out = ((uint64_t)as2_type << 48) | (asn << 32) | nn;
		return 0;
	}
	if (nn > 0xffff)
		return -1;
	*out = ((uint64_t)as4_type << 48) | (asn << 16) | nn;
	return 0;
}

int fs_rt_parse(const char *s, uint64_t *out)
{
	return fs_ecomm_admin_parse(s, EC_RT_AS2, EC_RT_IP4, EC_RT_AS4, out);
}
