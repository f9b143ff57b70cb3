/*
 * frr.c - FRR 8.4 FlowSpec JSON (vtysh) to routes.
 *
 * Components arrive as display strings:
 *   numeric  "= 6 , = 17 ", ">= 1024 , <= 2048 ", " 0 " (the false operator)
 *            - flag characters < > =, a space, the value, a space; ", "
 *            between terms; the AND/OR bit is not printed.
 *   bitmask  "= 2,&∋ ! 16" - "=" (match bit) or "∋" (any), optional "! ",
 *            the value; ",&" (AND) or ",|" (OR) between terms.
 *   prefix   "203.0.113.0/24", "2001:db8::/48/off 0".
 *
 * The AND/OR rule for numeric components (README "FRR as a source"):
 *   1. a lower bound (> or >=) immediately followed by an upper bound
 *      (< or <=) whose intersection is not empty is one range (AND);
 *   2. every other term stands alone, and the groups are OR-ed;
 *   3. if any two groups overlap, another reading is as plausible as this
 *      one (an overlapping OR list is what an AND chain looks like), so the
 *      route is refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "flowspec/ecomm.h"
#include "flowspec/frr.h"

#define ANY_OP "\xe2\x88\x8b" /* U+220B CONTAINS AS MEMBER: FRR's "any of these bits" */

/* ---- small helpers -------------------------------------------------------- */

static void quote(char *dst, size_t cap, const char *s)
{
	fs_err_quote(dst, cap, s, strlen(s));
}

/* Where we are, for errors. */
struct px {
	const char *origin;
	size_t nlri;        /* 1-based */
	const char *key;    /* JSON key, or NULL */
	struct fs_err *err;
};

static int perr(struct px *p, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct px *p, const char *val, const char *fmt, ...)
{
	char msg[256], q[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quote(q, sizeof(q), val != NULL ? val : "");
	if (p->key != NULL)
		return fs_err_set(p->err, FS_E_SYNTAX, "%s: NLRI %zu, \"%s\": %s: \"%s\"", p->origin,
		    p->nlri, p->key, msg, q);
	return fs_err_set(p->err, FS_E_SYNTAX, "%s: NLRI %zu: %s%s%s%s", p->origin, p->nlri, msg,
	    val != NULL ? ": \"" : "", q, val != NULL ? "\"" : "");
}

/* Records the first reason a route cannot be used as shown. */
static void loss(struct fs_route *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void loss(struct fs_route *r, const char *fmt, ...)
{
	va_list ap;

	if (r->source_loss[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->source_loss, sizeof(r->source_loss), fmt, ap);
	va_end(ap);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits at *s into *v (at most max); advances *s.  0 or -1. */
static int read_uint(const char **s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = *s;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return -1;
	}
	*s = p;
	*v = x;
	return 0;
}

/* ---- components --------------------------------------------------------------- */

struct nterm {
	uint8_t op;      /* FS_OP_LT | FS_OP_GT | FS_OP_EQ */
	uint32_t v;
};

static int parse_numeric_terms(struct px *p, int t, const char *s, struct nterm *out,
    unsigned *n)
{
	const char *q = s;
	uint32_t max = fs_ctype_max_value(t);

	*n = 0;
	for (;;) {
		uint8_t op = 0;
		uint64_t v;

		while (*q == ' ')
			q++;
		while (*q == '<' || *q == '>' || *q == '=') {
			uint8_t bit = *q == '<' ? FS_OP_LT : *q == '>' ? FS_OP_GT : FS_OP_EQ;

			if (op & bit)
				return perr(p, s, "operator repeated");
			op |= bit;
			q++;
		}
		if (op != 0 && *q++ != ' ')
			return perr(p, s, "expected a space after the operator");
		if (read_uint(&q, max, &v) < 0)
			return perr(p, s, "expected a value 0..%u", (unsigned)max);
		if (*n == FS_MAX_TERMS)
			return perr(p, s, "more than %d terms", FS_MAX_TERMS);
		out[*n].op = op;
		out[(*n)++].v = (uint32_t)v;
		while (*q == ' ')
			q++;
		if (*q == '\0')
			return 0;
		if (*q++ != ',')
			return perr(p, s, "expected \",\" between terms");
	}
}

struct ivl {
	uint32_t lo, hi;
};

/* The values one term matches, as at most 3 intervals; returns how many. */
static unsigned term_set(const struct nterm *t, uint32_t max, struct ivl *o)
{
	unsigned n = 0;

	if ((t->op & FS_OP_LT) && t->v > 0)
		o[n++] = (struct ivl){ 0, t->v - 1 };
	if (t->op & FS_OP_EQ)
		o[n++] = (struct ivl){ t->v, t->v };
	if ((t->op & FS_OP_GT) && t->v < max)
		o[n++] = (struct ivl){ t->v + 1, max };
	return n;
}

static bool is_lower(uint8_t op)
{
	return (op & FS_OP_GT) && !(op & FS_OP_LT);
}

static bool is_upper(uint8_t op)
{
	return (op & FS_OP_LT) && !(op & FS_OP_GT);
}

/*
 * Applies the AND/OR rule to terms[0..n) of component t and appends them to
 * r with the AND bits it implies.  A route whose reading is ambiguous gets
 * a source_loss reason.  0, or -1 (err set) when a term is refused by the
 * route model.
 */
static int add_numeric(struct px *p, struct fs_route *r, int t, const char *s,
    const struct nterm *terms, unsigned n)
{
	uint32_t max = fs_ctype_max_value(t);
	struct ivl set[FS_MAX_TERMS][3];
	unsigned nset[FS_MAX_TERMS], ng = 0, i, j, a, b;
	bool and_next[FS_MAX_TERMS] = { false };
	struct fs_err e;

	for (i = 0; i < n; i++) {
		if (i + 1 < n && is_lower(terms[i].op) && is_upper(terms[i + 1].op)) {
			uint32_t lo = terms[i].v, hi = terms[i + 1].v;
			bool ok = true;

			if (!(terms[i].op & FS_OP_EQ)) {
				if (lo == max)
					ok = false;
				else
					lo++;
			}
			if (!(terms[i + 1].op & FS_OP_EQ)) {
				if (hi == 0)
					ok = false;
				else
					hi--;
			}
			if (ok && lo <= hi) {
				set[ng][0] = (struct ivl){ lo, hi };
				nset[ng++] = 1;
				and_next[i + 1] = true;
				i++;
				continue;
			}
		}
		nset[ng] = term_set(&terms[i], max, set[ng]);
		ng++;
	}
	for (i = 0; i < ng; i++)
		for (j = i + 1; j < ng; j++)
			for (a = 0; a < nset[i]; a++)
				for (b = 0; b < nset[j]; b++)
					if (set[i][a].lo <= set[j][b].hi && set[j][b].lo <= set[i][a].hi)
						loss(r, "%s \"%s\": FRR does not print the AND/OR bits and "
						    "this list has more than one plausible reading",
						    fs_ctype_name(t), s);
	for (i = 0; i < n; i++)
		if (fs_route_add_term(r, t, (uint8_t)(terms[i].op | (and_next[i] ? FS_OP_AND : 0)),
		    terms[i].v, &e) < 0)
			return perr(p, s, "%s", e.msg);
	return 0;
}

static int parse_bitmask(struct px *p, struct fs_route *r, int t, const char *s)
{
	const char *q = s;
	uint32_t max = fs_ctype_max_value(t);
	uint8_t and_bit = 0;
	struct fs_err e;

	for (;;) {
		uint8_t op = and_bit;
		uint64_t v;

		if (*q == '=') {
			op |= FS_OP_MATCH;
			q++;
		} else if (strncmp(q, ANY_OP, 3) == 0) {
			q += 3;
		} else {
			return perr(p, s, "expected \"=\" or \"" ANY_OP "\"");
		}
		if (*q++ != ' ')
			return perr(p, s, "expected a space after the operator");
		if (strncmp(q, "! ", 2) == 0) {
			op |= FS_OP_NOT;
			q += 2;
		}
		if (read_uint(&q, max, &v) < 0)
			return perr(p, s, "expected a value 0..%u", (unsigned)max);
		if (fs_route_add_term(r, t, op, (uint32_t)v, &e) < 0)
			return perr(p, s, "%s", e.msg);
		if (*q == '\0')
			return 0;
		if (strncmp(q, ",&", 2) == 0)
			and_bit = FS_OP_AND;
		else if (strncmp(q, ",|", 2) == 0)
			and_bit = 0;
		else
			return perr(p, s, "expected \",&\" or \",|\" between terms");
		q += 2;
	}
}

static int parse_prefix(struct px *p, struct fs_route *r, int t, const char *s)
{
	char addr[64];
	uint8_t bytes[16] = { 0 };
	const char *slash = strchr(s, '/'), *q;
	uint64_t len, off = 0;
	unsigned maxlen = r->family == FS_INET ? 32 : 128;
	struct fs_err e;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return perr(p, s, "expected ADDRESS/LENGTH");
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(r->family == FS_INET ? AF_INET : AF_INET6, addr, bytes) != 1)
		return perr(p, s, "not an IPv%d address", r->family);
	q = slash + 1;
	if (read_uint(&q, maxlen, &len) < 0)
		return perr(p, s, "prefix length out of range 0..%u", maxlen);
	if (r->family == FS_INET6 && strncmp(q, "/off ", 5) == 0) {
		q += 5;
		if (read_uint(&q, 127, &off) < 0)
			return perr(p, s, "prefix offset out of range 0..127");
	}
	if (*q != '\0')
		return perr(p, s, "unexpected text after the prefix");
	if (off > 0) {
		/* FRR 8.4 reads prefix-length bytes after the offset byte instead
		 * of RFC 8956's (length - offset) bits: what it shows may not be
		 * what was sent (fixtures README, note 28) */
		loss(r, "%s %s: FRR 8.4 decodes RFC 8956 prefix offsets wrongly, so the prefix "
		    "shown may not be the one sent", fs_ctype_name(t), s);
		if (off > len)
			off = 0;
	}
	if (fs_route_set_prefix(r, t, bytes, (unsigned)len, (unsigned)off, &e) < 0)
		return perr(p, s, "%s", e.msg);
	return 0;
}

static const struct {
	const char *key;
	int type;
} comp_keys[] = {
	{ "to", FS_C_DST }, { "from", FS_C_SRC }, { "proto", FS_C_PROTO },
	{ "port", FS_C_PORT }, { "dstp", FS_C_DPORT }, { "srcp", FS_C_SPORT },
	{ "type", FS_C_ICMP_TYPE }, { "code", FS_C_ICMP_CODE }, { "tcp", FS_C_TCP_FLAGS },
	{ "pktlen", FS_C_PKT_LEN }, { "dscp", FS_C_DSCP }, { "pktfrag", FS_C_FRAGMENT },
	{ "flwlbl", FS_C_FLOW_LABEL },
};

static int comp_type(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(comp_keys) / sizeof(comp_keys[0]); i++)
		if (strcmp(comp_keys[i].key, key) == 0)
			return comp_keys[i].type;
	return 0;
}

static int parse_nlri_obj(struct px *p, struct fs_route *r, json_object *o)
{
	int last = 0;

	json_object_object_foreach(o, key, val) {
		int t = comp_type(key);
		const char *s;

		p->key = key;
		if (t == 0)
			return perr(p, NULL, "unknown component key \"%s\"", key);
		if (!json_object_is_type(val, json_type_string))
			return perr(p, json_object_to_json_string(val), "expected a string");
		if (t <= last)
			return perr(p, NULL, "component out of order or repeated");
		last = t;
		s = json_object_get_string(val);
		if (t == FS_C_DST || t == FS_C_SRC) {
			if (parse_prefix(p, r, t, s) < 0)
				return -1;
		} else if (fs_ctype_is_bitmask(t)) {
			if (parse_bitmask(p, r, t, s) < 0)
				return -1;
		} else {
			struct nterm terms[FS_MAX_TERMS];
			unsigned n;

			if (parse_numeric_terms(p, t, s, terms, &n) < 0 ||
			    add_numeric(p, r, t, s, terms, n) < 0)
				return -1;
		}
	}
	p->key = NULL;
	if (last == 0)
		return perr(p, NULL, "an NLRI object without components");
	return 0;
}

/* ---- extended communities --------------------------------------------------- */

static const struct fs_seq_opts no_seq = { .form = FS_SEQ_NONE, .clean_type = 0x80ff };

static void apply_raw(struct fs_route *r, uint64_t v, const char *tok)
{
	struct fs_err e;

	if (fs_ecomm_apply(r, v, &no_seq, &e) < 0)
		loss(r, "extended community \"%s\": %s", tok, e.msg);
}

/* True when tok looks like the start of a community in FRR's list. */
static bool token_start(const char *w, size_t n)
{
	size_t i, colons = 0;

	if ((n >= 3 && strncmp(w, "FS:", 3) == 0) || (n >= 4 && strncmp(w, "UNK:", 4) == 0) ||
	    (n >= 3 && strncmp(w, "NH:", 3) == 0))
		return true;
	/* bare route target / route origin: digits and dots, one colon, digits */
	for (i = 0; i < n; i++) {
		if (w[i] == ':')
			colons++;
		else if (!is_digit(w[i]) && w[i] != '.')
			return false;
	}
	return colons == 1;
}

static void apply_rate(struct px *p, struct fs_route *r, const char *tok, const char *num)
{
	char *end;
	double d;
	float f;
	uint32_t bits;

	(void)p;
	errno = 0;
	d = strtod(num, &end);
	if (end == num || *end != '\0') {
		loss(r, "\"%s\": not a rate", tok);
		return;
	}
	if (isnan(d) || isinf(d) || d < 0) {
		loss(r, "\"%s\": a traffic-rate must be a finite number >= 0", tok);
		return;
	}
	if (d != 0 && d < 16) {
		/* %f keeps six decimals: below 16 two floats can print the same */
		loss(r, "\"%s\": FRR prints rates with six decimals, which below 16 do not "
		    "identify the rate that was sent", tok);
		return;
	}
	f = (float)d;
	if (d == 0)
		f = 0;
	memcpy(&bits, &f, sizeof(bits));
	/* the 2-byte AS of the community is not shown; RFC 8955 gives it no meaning */
	apply_raw(r, (0x8006ULL << 48) | bits, tok);
}

/* One community token, e.g. "FS:rate 0.000000" or "65000:100". */
static int apply_token(struct px *p, struct fs_route *r, const char *tok, bool v6list)
{
	uint64_t v;

	if (v6list) {
		loss(r, "IPv6-address-specific extended community \"%s\": FRR does not show its "
		    "value (redirect to an IPv6 address)", tok);
		return 0;
	}
	if (strncmp(tok, "FS:rate ", 8) == 0) {
		apply_rate(p, r, tok, tok + 8);
	} else if (strncmp(tok, "FS:action ", 10) == 0) {
		/* FRR 8.4 tests byte 3 instead of byte 5 of the value */
		loss(r, "\"%s\": FRR 8.4 prints the traffic-action without its terminal and sample "
		    "bits", tok);
	} else if (strncmp(tok, "FS:marking ", 11) == 0) {
		const char *q = tok + 11;

		if (read_uint(&q, 255, &v) < 0 || *q != '\0')
			return perr(p, tok, "expected FS:marking 0..255");
		/* the last byte holds the 6 DSCP bits; the rest is reserved (RFC 8955 §7.5) */
		apply_raw(r, (0x8009ULL << 48) | v, tok);
	} else if (strncmp(tok, "FS:redirect VRF RT:", 19) == 0) {
		const char *rt = tok + 16;

		if (strlen(rt) >= 15) {
			loss(r, "\"%s\": FRR 8.4 cuts redirect targets to 15 characters, so this one "
			    "may be truncated", tok);
			return 0;
		}
		if (fs_ecomm_admin_parse(rt + 3, 0x8008, 0x8108, 0x8208, &v) < 0)
			return perr(p, tok, "expected a redirect target ASN:NN or IPv4:NN");
		apply_raw(r, v, tok);
	} else if (strncmp(tok, "FS:redirect IP ", 15) == 0) {
		loss(r, "\"%s\": redirect to the next hop, which FRR's detail JSON does not show",
		    tok);
	} else if (strncmp(tok, "NH:", 3) == 0) {
		const char *colon = strrchr(tok + 3, ':'), *q;
		char a[32];
		struct in_addr ip;

		if (colon == NULL || (size_t)(colon - tok - 3) >= sizeof(a))
			return perr(p, tok, "expected NH:IPv4:N");
		memcpy(a, tok + 3, (size_t)(colon - tok - 3));
		a[colon - tok - 3] = '\0';
		q = colon + 1;
		if (inet_pton(AF_INET, a, &ip) != 1 || read_uint(&q, 0xffff, &v) < 0 || *q != '\0')
			return perr(p, tok, "expected NH:IPv4:N");
		apply_raw(r, (0x010cULL << 48) | ((uint64_t)ntohl(ip.s_addr) << 16) | v, tok);
	} else if (strncmp(tok, "UNK:", 4) == 0) {
		const char *q = tok + 4;
		uint64_t ty, st;

		if (read_uint(&q, 255, &ty) < 0 || strncmp(q, ", ", 2) != 0)
			return perr(p, tok, "expected UNK:TYPE, SUBTYPE");
		q += 2;
		if (read_uint(&q, 255, &st) < 0 || *q != '\0')
			return perr(p, tok, "expected UNK:TYPE, SUBTYPE");
		if (ty == 0x80 && st == 0xff)
			return 0; /* the clean sequence community: unused in RFC order */
		if (ty >= 0x80 && ty <= 0x82)
			loss(r, "\"%s\": FRR does not show the value of this FlowSpec community "
			    "(0x%02x%02x%s)", tok, (unsigned)ty, (unsigned)st,
			    ty == 0x80 && st == 0x0c ? ", traffic-rate-packets" : "");
		/* any other type is no FlowSpec action: ignored, as in ExaBGP mode */
	} else if (strncmp(tok, "FS:", 3) == 0) {
		loss(r, "\"%s\": a FlowSpec community this reader does not know", tok);
	} else {
		/* bare ASN:NN / IPv4:NN: a route target, or a route origin, which
		 * FRR prints the same way (README "FRR as a source") */
		if (fs_rt_parse(tok, &v) < 0)
			return perr(p, tok, "unrecognised extended community");
		apply_raw(r, v, tok);
	}
	return 0;
}

static int parse_ecomlist(struct px *p, struct fs_route *r, const char *s, bool v6list)
{
	char tok[256];
	size_t tl = 0;
	const char *q = s;

	while (*q == ' ')
		q++;
	while (*q != '\0') {
		const char *w = q;
		size_t n;

		while (*q != '\0' && *q != ' ')
			q++;
		n = (size_t)(q - w);
		while (*q == ' ')
			q++;
		if (tl > 0 && token_start(w, n)) {
			tok[tl] = '\0';
			if (apply_token(p, r, tok, v6list) < 0)
				return -1;
			tl = 0;
		}
		if (tl + n + 2 > sizeof(tok))
			return perr(p, s, "community text too long");
		if (tl > 0)
			tok[tl++] = ' ';
		memcpy(tok + tl, w, n);
		tl += n;
	}
	if (tl > 0) {
		tok[tl] = '\0';
		if (apply_token(p, r, tok, v6list) < 0)
			return -1;
	}
	return 0;
}

/* ---- the detail stream ----------------------------------------------------- */

void fs_frr_snapshot_free(struct fs_frr_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		fs_route_free(s->routes[i]);
	free(s->routes);
	memset(s, 0, sizeof(*s));
}

static int push(struct fs_frr_snapshot *s, struct fs_route *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct fs_route **v = realloc(s->routes, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->routes = v;
		s->cap = cap;
	}
	s->routes[s->n++] = r;
	return 0;
}

static bool only_key(json_object *o, const char *k1, const char *k2)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, k1) != 0 && (k2 == NULL || strcmp(key, k2) != 0))
			return false;
	}
	return true;
}

/* One top-level array: every path of one NLRI.  Appends one route. */
static int parse_nlri_array(struct px *p, enum fs_family fam, json_object *arr,
    struct fs_frr_snapshot *out)
{
	size_t i, n = json_object_array_length(arr), npaths = 0;
	struct fs_route *first = NULL, *cur = NULL;
	json_object *first_nlri = NULL;
	bool differ = false, have_ecom = false;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v;

		if (!json_object_is_type(o, json_type_object)) {
			perr(p, json_object_to_json_string(o), "expected an object in the NLRI array");
			goto fail;
		}
		if (json_object_object_get_ex(o, "time", &v) && only_key(o, "time", NULL)) {
			if (cur == NULL) {
				perr(p, NULL, "a \"time\" object before any NLRI object");
				goto fail;
			}
			continue; /* ends the path; nothing in it for us */
		}
		if ((json_object_object_get_ex(o, "ecomlist", &v) ||
		    json_object_object_get_ex(o, "ecom6list", &v)) &&
		    only_key(o, "ecomlist", "ecom6list")) {
			if (cur == NULL || have_ecom) {
				perr(p, NULL, "a community object without its NLRI object");
				goto fail;
			}
			have_ecom = true;
			json_object_object_foreach(o, key, val) {
				p->key = key;
				if (!json_object_is_type(val, json_type_string)) {
					perr(p, json_object_to_json_string(val), "expected a string");
					goto fail;
				}
				if (parse_ecomlist(p, cur, json_object_get_string(val),
				    strcmp(key, "ecom6list") == 0) < 0)
					goto fail;
			}
			p->key = NULL;
			continue;
		}
		/* an NLRI object starts a path */
		if (cur != NULL && cur != first) {
			if (!fs_route_same(first, cur))
				differ = true;
			fs_route_free(cur);
		}
		if (first_nlri != NULL && !json_object_equal(first_nlri, o)) {
			perr(p, NULL, "paths of one NLRI array show different NLRIs");
			cur = NULL;
			goto fail;
		}
		if ((cur = fs_route_new(fam)) == NULL) {
			fs_err_set(p->err, FS_E_NOMEM, "out of memory");
			goto fail;
		}
		have_ecom = false;
		npaths++;
		if (parse_nlri_obj(p, cur, o) < 0)
			goto fail;
		if (first == NULL) {
			first = cur;
			first_nlri = o;
		}
	}
	if (cur != NULL && cur != first) {
		if (!fs_route_same(first, cur))
			differ = true;
		fs_route_free(cur);
	}
	cur = NULL;
	if (first == NULL) {
		perr(p, NULL, "an NLRI array without an NLRI object");
		return -1;
	}
	if (differ)
		loss(first, "FRR has %zu paths for this NLRI with different actions and its detail "
		    "JSON does not say which one is best", npaths);
	out->st.paths += npaths;
	if (push(out, first) < 0) {
		fs_route_free(first);
		return fs_err_set(p->err, FS_E_NOMEM, "out of memory");
	}
	return 0;
fail:
	if (cur != first)
		fs_route_free(cur);
	fs_route_free(first);
	return -1;
}

struct keyed {
	uint8_t *key;
	int len;
	size_t idx;
};

static int by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int l = x->len < y->len ? x->len : y->len, c = memcmp(x->key, y->key, (size_t)l);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Two NLRI arrays that read the same differ only in what FRR does not
 * print (the AND/OR bits): keep the first, refused, drop the others.
 */
static int dedup(struct fs_frr_snapshot *s, struct fs_err *err)
{
	struct keyed *k;
	uint8_t buf[FS_KEY_MAX];
	size_t i, j, m = 0, n0 = s->n;
	bool *drop;

	if (s->n < 2)
		return 0;
	k = calloc(s->n, sizeof(*k));
	drop = calloc(s->n, sizeof(*drop));
	if (k == NULL || drop == NULL)
		goto nomem;
	for (i = 0; i < s->n; i++) {
		k[i].len = fs_route_key(s->routes[i], buf, sizeof(buf));
		if (k[i].len < 0)
			k[i].len = 0;
		k[i].idx = i;
		if ((k[i].key = malloc((size_t)k[i].len + 1)) == NULL)
			goto nomem;
		memcpy(k[i].key, buf, (size_t)k[i].len);
	}
	qsort(k, s->n, sizeof(*k), by_key);
	for (i = 0; i < s->n; i = j) {
		for (j = i + 1; j < s->n && k[j].len == k[i].len &&
		    memcmp(k[j].key, k[i].key, (size_t)k[i].len) == 0; j++)
			drop[k[j].idx] = true;
		if (j > i + 1) {
			struct fs_route *r = s->routes[k[i].idx];

			r->source_loss[0] = '\0';
			loss(r, "FRR shows %zu NLRIs that read the same; the AND/OR bits that tell "
			    "them apart are not printed", j - i);
		}
	}
	for (i = 0; i < s->n; i++) {
		if (drop[i])
			fs_route_free(s->routes[i]);
		else
			s->routes[m++] = s->routes[i];
	}
	s->n = m;
	for (i = 0; i < n0; i++)
		free(k[i].key);
	free(k);
	free(drop);
	return 0;
nomem:
	if (k != NULL)
		for (i = 0; i < s->n; i++)
			free(k[i].key);
	free(k);
	free(drop);
	return fs_err_set(err, FS_E_NOMEM, "out of memory");
}

/*
 * json-c keeps the last of two equal keys in an object and says nothing, so
 * an NLRI printed with "port" twice would quietly become a filter on the
 * second value.  FRR never repeats a key; this scans the raw text of one
 * NLRI (valid JSON, already read, so its objects are flat and their keys
 * are component names) and refuses the answer when a key repeats, naming
 * it.  Keys are compared decoded (simple and \u00XX escapes), as json-c
 * compares them.
 */
#define DUP_KEYS 32
#define DUP_KEYLEN 24

static int dup_key(struct px *p, const char *s, size_t n)
{
	char keys[DUP_KEYS][DUP_KEYLEN];
	size_t nkeys = 0, i = 0, k;
	int depth = 0;
	bool obj[FS_FRR_DEPTH_MAX + 2] = { false }, want_key = false;

	while (i < n) {
		char c = s[i];
		char key[DUP_KEYLEN];
		size_t kl = 0;
		bool is_key, long_key = false;

		if (c == '[' || c == '{') {
			if (depth < FS_FRR_DEPTH_MAX + 1)
				obj[++depth] = c == '{';
			want_key = c == '{';
			if (c == '{')
				nkeys = 0;
			i++;
			continue;
		}
		if (c == ']' || c == '}') {
			if (depth > 0)
				depth--;
			want_key = false;
			i++;
			continue;
		}
		if (c == ',') {
			want_key = obj[depth];
			i++;
			continue;
		}
		if (c != '"') {
			i++;
			continue;
		}
		/* a string: decode it when it is a key */
		is_key = want_key;
		want_key = false;
		for (i++; i < n && s[i] != '"'; i++) {
			char d = s[i];

			if (d == '\\' && i + 1 < n) {
				char e = s[++i];

				if (e == 'u' && i + 4 < n) {
					unsigned v = 0;

					for (k = 1; k <= 4; k++) {
						char h = s[i + k];

						v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 :
						    h >= 'A' ? h - 'A' + 10 : h - '0');
					}
					i += 4;
					d = v < 0x80 ? (char)v : '?';
				} else {
					d = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' :
					    e == 'b' ? '\b' : e == 'f' ? '\f' : e;
				}
			}
			if (is_key) {
				if (kl + 1 < sizeof(key))
					key[kl++] = d;
				else
					long_key = true;
			}
		}
		i++; /* the closing quote */
		if (!is_key || long_key)
			continue; /* a value; or a key no component has (already refused) */
		key[kl] = '\0';
		for (k = 0; k < nkeys; k++)
			if (strcmp(keys[k], key) == 0) {
				p->key = NULL;
				return perr(p, key, "a key given twice in one object");
			}
		if (nkeys < DUP_KEYS)
			memcpy(keys[nkeys++], key, kl + 1);
	}
	return 0;
}

int fs_frr_parse_detail(const char *buf, size_t len, enum fs_family family,
    const char *origin, struct fs_frr_snapshot *out, struct fs_err *err)
{
	struct json_tokener *tok = NULL;
	struct px p = { .origin = origin, .err = err };
	size_t off = 0, start, i;

	memset(out, 0, sizeof(*out));
	if (len > FS_FRR_OUTPUT_MAX)
		return fs_err_set(err, FS_E_LIMIT, "%s: %zu bytes, over the cap of %u", origin, len,
		    FS_FRR_OUTPUT_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return fs_err_set(err, FS_E_SYNTAX, "%s: a NUL byte in the output", origin);
	tok = json_tokener_new_ex(FS_FRR_DEPTH_MAX);
	if (tok == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	for (;;) {
		json_object *o;
		enum json_tokener_error je;
		size_t chunk;

		while (off < len && (buf[off] == ' ' || buf[off] == '\n' || buf[off] == '\t' ||
		    buf[off] == '\r'))
			off++;
		if (off == len)
			break;
		p.nlri++;
		if (p.nlri > FS_FRR_NLRI_MAX) {
			fs_err_set(err, FS_E_LIMIT, "%s: more than %d NLRIs", origin, FS_FRR_NLRI_MAX);
			goto fail;
		}
		chunk = len - off > 0x7fffffff ? 0x7fffffff : len - off;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, buf + off, (int)chunk);
		je = json_tokener_get_error(tok);
		if (je == json_tokener_continue) {
			json_object_put(o);
			fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: the output ends inside a JSON value "
			    "(byte %zu)", origin, p.nlri, len);
			goto fail;
		}
		if (je != json_tokener_success || o == NULL) {
			char q[64];

			size_t at = off + json_tokener_get_parse_end(tok);

			fs_err_quote(q, sizeof(q), buf + at, at < len ? len - at : 0);
			fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: invalid JSON at byte %zu (%s) near "
			    "\"%s\"", origin, p.nlri, off + json_tokener_get_parse_end(tok),
			    json_tokener_error_desc(je), q);
			goto fail;
		}
		start = off;
		off += json_tokener_get_parse_end(tok);
		if (!json_object_is_type(o, json_type_array)) {
			perr(&p, json_object_to_json_string(o), "expected one JSON array per NLRI");
			json_object_put(o);
			goto fail;
		}
		out->st.nlri++;
		if (parse_nlri_array(&p, family, o, out) < 0 || dup_key(&p, buf + start, off - start) < 0) {
			json_object_put(o);
			goto fail;
		}
		json_object_put(o);
	}
	json_tokener_free(tok);
	if (dedup(out, err) < 0)
		goto fail_notok;
	for (i = 0; i < out->n; i++)
		if (out->routes[i]->source_loss[0] != '\0')
			out->st.lossy++;
	return 0;
fail:
	json_tokener_free(tok);
fail_notok:
	fs_frr_snapshot_free(out);
	return -1;
}

/* ---- the summary ----------------------------------------------------------- */

void fs_frr_summary_free(struct fs_frr_summary *s)
{
	if (s == NULL)
		return;
	free(s->peers);
	memset(s, 0, sizeof(*s));
}

static int copy_str(json_object *o, const char *key, char *dst, size_t cap, bool need)
{
	json_object *v;
	const char *s;

	dst[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v))
		return need ? -1 : 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) >= cap)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int fs_frr_parse_summary(const char *buf, size_t len, const char *origin,
    struct fs_frr_summary *out, struct fs_err *err)
{
	struct json_tokener *tok;
	json_object *root, *peers;
	enum json_tokener_error je;
	size_t end;

	memset(out, 0, sizeof(*out));
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	if (len > FS_FRR_OUTPUT_MAX || len > 0x7fffffff)
		return fs_err_set(err, FS_E_LIMIT, "%s: %zu bytes, over the cap", origin, len);
	tok = json_tokener_new_ex(FS_FRR_DEPTH_MAX);
	if (tok == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je != json_tokener_success || root == NULL || end != len) {
		char q[64];

		fs_err_quote(q, sizeof(q), buf + (end < len ? end : len), end < len ? len - end : 0);
		json_object_put(root);
		return fs_err_set(err, FS_E_SYNTAX, "%s: invalid JSON at byte %zu (%s) near \"%s\"",
		    origin, end, je == json_tokener_success ? "trailing data" :
		    json_tokener_error_desc(je), q);
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return fs_err_set(err, FS_E_SYNTAX, "%s: expected a JSON object", origin);
	}
	if (!json_object_object_get_ex(root, "peers", &peers)) {
		json_object_put(root);
		return 0; /* no neighbor configured for the family */
	}
	if (!json_object_is_type(peers, json_type_object) ||
	    json_object_object_length(peers) > FS_FRR_PEERS_MAX) {
		json_object_put(root);
		return fs_err_set(err, FS_E_SYNTAX, "%s: \"peers\" is not an object of at most %d "
		    "peers", origin, FS_FRR_PEERS_MAX);
	}
	out->peers = calloc((size_t)json_object_object_length(peers) + 1, sizeof(*out->peers));
	if (out->peers == NULL) {
		json_object_put(root);
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	}
	json_object_object_foreach(peers, addr, pv) {
		struct fs_frr_peer *pe = &out->peers[out->n];
		json_object *pfx;
		int64_t n;

		if (strlen(addr) >= sizeof(pe->addr) || !json_object_is_type(pv, json_type_object) ||
		    copy_str(pv, "state", pe->state, sizeof(pe->state), true) < 0 ||
		    copy_str(pv, "peerState", pe->peer_state, sizeof(pe->peer_state), false) < 0 ||
		    !json_object_object_get_ex(pv, "pfxRcd", &pfx) ||
		    !json_object_is_type(pfx, json_type_int) ||
		    (n = json_object_get_int64(pfx)) < 0) {
			char q[80];

			quote(q, sizeof(q), addr);
			fs_err_set(err, FS_E_SYNTAX, "%s: peers.\"%s\": expected \"state\" (string) and "
			    "\"pfxRcd\" (integer >= 0)", origin, q);
			json_object_put(root);
			fs_frr_summary_free(out);
			return -1;
		}
		memcpy(pe->addr, addr, strlen(addr) + 1);
		pe->pfx_rcd = (unsigned long)n;
		if (strcmp(pe->state, "Established") == 0) {
			out->established++;
			out->pfx_established += pe->pfx_rcd;
		}
		out->n++;
	}
	json_object_put(root);
	return 0;
}

bool fs_frr_summary_same(const struct fs_frr_summary *a, const struct fs_frr_summary *b)
{
	size_t i, j;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++)
			if (strcmp(a->peers[i].addr, b->peers[j].addr) == 0)
				break;
		if (j == b->n || strcmp(a->peers[i].state, b->peers[j].state) != 0 ||
		    a->peers[i].pfx_rcd != b->peers[j].pfx_rcd)
			return false;
	}
	return true;
}
