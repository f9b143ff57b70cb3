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
 * The AND/OR rule for numeric components (docs/frr.md):
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
#include "json_strict.h"

#define ANY_OP "\xe2\x88\x8b" /* U+220B CONTAINS AS MEMBER: FRR's "any of these bits" */

/* ---- small helpers -------------------------------------------------------- */

static void quote(char *dst, size_t cap, const char *s)
{
	fs_err_quote(dst, cap, s, strlen(s));
}

/*
 * The text of a JSON string, or NULL when it holds a NUL (json-c keeps
 * "\u0000" inside, and a C string would end there: "65000:1\u0000 FS:rate
 * 0.000000" would read as "65000:1").  The strictness check refuses such
 * text before json-c sees it; this keeps the readers from ever cutting.
 */
static const char *jstring(json_object *v)
{
	const char *s = json_object_get_string(v);

	if (s == NULL || strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
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
		if ((s = jstring(val)) == NULL)
			return perr(p, NULL, "a NUL character in the string");
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

/*
 * True when num is what FRR's "FS:rate %f" prints for a float
 * (bgpd/bgp_ecommunity.c, ecommunity_ecom2str): an optional "-", the
 * integer part without leading zeros, a point and six decimals; or "inf",
 * "nan" with an optional "-".  strtod() would also take "1e3", "0x1p4",
 * "+16", " 16" and "infinity", none of which FRR prints.
 */
static bool frr_float_text(const char *num)
{
	const char *q = num;
	size_t n = 0;

	if (*q == '-')
		q++;
	if (strcmp(q, "inf") == 0 || strcmp(q, "nan") == 0)
		return true;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (is_digit(*q))
			q++;
	else
		return false;
	if (*q++ != '.')
		return false;
	while (is_digit(q[n]))
		n++;
	return n == 6 && q[n] == '\0';
}

static void apply_rate(struct px *p, struct fs_route *r, const char *tok, const char *num)
{
	char again[64];
	double d;
	float f;
	uint32_t bits;

	(void)p;
	if (!frr_float_text(num)) {
		loss(r, "\"%s\": not a rate as FRR prints it (%%f: digits, a point, six decimals)",
		    tok);
		return;
	}
	d = strtod(num, NULL);
	if (isnan(d) || isinf(d) || d < 0) {
		loss(r, "\"%s\": a traffic-rate must be a finite number >= 0", tok);
		return;
	}
	/* FRR prints a float: the text must be what %f makes of one */
	f = (float)d;
	snprintf(again, sizeof(again), "%f", (double)f);
	if (isinf(f) || strcmp(again, num) != 0) {
		loss(r, "\"%s\": no float prints as %s with %%f, so FRR did not print it", tok, num);
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
		 * FRR prints the same way (docs/frr.md) */
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

static bool only_key(json_object *o, const char *k1, const char *k2)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, k1) != 0 && (k2 == NULL || strcmp(key, k2) != 0))
			return false;
	}
	return true;
}

/* One top-level array: every path of one NLRI, as one route (*res, caller frees). */
static int parse_nlri_array(struct px *p, enum fs_family fam, json_object *arr,
    struct fs_route **res, size_t *paths)
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
				if (jstring(val) == NULL) {
					perr(p, NULL, "a NUL character in the string");
					goto fail;
				}
				if (parse_ecomlist(p, cur, jstring(val),
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
	*paths = npaths;
	*res = first;
	return 0;
fail:
	if (cur != first)
		fs_route_free(cur);
	fs_route_free(first);
	return -1;
}

/*
 * The reader streams: it holds the text of one NLRI at a time (the
 * strictness check frames the top-level arrays), turns it into a route,
 * and keeps the distinct routes in a hash set by canonical key.  Two NLRI
 * arrays that read the same differ only in what FRR does not print (the
 * AND/OR bits): the first is kept, refused, the others dropped.  The
 * route limit is checked as each route arrives, so an answer over it
 * costs at most the limit's worth of routes.
 */
#define PIECE 65536 /* bytes appended at a time when an NLRI spans feeds */

struct seen {
	uint64_t h;  /* fs_js_hash of the route's key */
	size_t idx;  /* index + 1 into the routes; 0 empty */
};

struct fs_frr_reader {
	enum fs_family family;
	const char *origin;
	struct fs_frr_limits lim;
	struct fs_js *js;
	struct json_tokener *tok;
	char *pend;              /* the NLRI's text, when it spans feeds */
	size_t plen, pcap;
	size_t base;             /* offset in the answer of the text's first byte */
	size_t total;            /* bytes fed */
	struct fs_frr_snapshot snap;
	size_t *same;            /* per route: NLRIs that read as it (1: itself) */
	struct seen *set;
	size_t nset;             /* a power of two, or 0 */
	bool failed;
	uint8_t ka[FS_KEY_MAX], kb[FS_KEY_MAX];
};

struct fs_frr_reader *fs_frr_reader_new(enum fs_family family, const char *origin,
    const struct fs_frr_limits *lim)
{
	struct fs_frr_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->family = family;
	r->origin = origin;
	if (lim != NULL)
		r->lim = *lim;
	r->js = fs_js_new(FS_FRR_DEPTH_MAX);
	r->tok = json_tokener_new_ex(FS_FRR_DEPTH_MAX);
	if (r->js == NULL || r->tok == NULL) {
		fs_frr_reader_free(r);
		return NULL;
	}
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return r;
}

void fs_frr_reader_free(struct fs_frr_reader *r)
{
	if (r == NULL)
		return;
	fs_js_free(r->js);
	if (r->tok != NULL)
		json_tokener_free(r->tok);
	free(r->pend);
	fs_frr_snapshot_free(&r->snap);
	free(r->same);
	free(r->set);
	free(r);
}

/* Marks the answer refused (err is set); -1. */
static int refused(struct fs_frr_reader *r)
{
	r->failed = true;
	return -1;
}

/* A fault the strictness check found, as "<origin>: NLRI n: invalid JSON: <what> at byte B: <path>: <value>". */
static int js_fault(struct fs_frr_reader *r, const char *text, size_t len, struct fs_err *err)
{
	struct fs_js_report rep;
	char q[FS_ERR_QUOTE_MAX * 4 + 16] = "";
	/* outside a value the fault is where the next NLRI would start */
	size_t nlri = fs_js_values(r->js) + (fs_js_in_value(r->js) ? 0 : 1);

	fs_js_report(r->js, text, len, &rep);
	if (rep.val != NULL)
		fs_err_quote(q, sizeof(q), rep.val, rep.vlen);
	fs_err_set(err, rep.code, "%s: NLRI %zu: %s%s at byte %zu%s%s%s%s%s", r->origin, nlri,
	    rep.code == FS_E_SYNTAX ? "invalid JSON: " : "", rep.what, r->base + rep.off,
	    rep.path[0] != '\0' ? ": " : "", rep.path, rep.val != NULL ? ": \"" : "", q,
	    rep.val != NULL ? "\"" : "");
	return refused(r);
}

/* The set's slot for key k (hash h): where it is, or the empty slot it would take. */
static size_t seen_find(struct fs_frr_reader *r, uint64_t h, const uint8_t *k, int klen)
{
	size_t mask = r->nset - 1, j;

	for (j = h & mask; r->set[j].idx != 0; j = (j + 1) & mask) {
		int l;

		if (r->set[j].h != h)
			continue;
		l = fs_route_key(r->snap.routes[r->set[j].idx - 1], r->kb, sizeof(r->kb));
		if (l == klen && memcmp(r->kb, k, (size_t)klen) == 0)
			break;
	}
	return j;
}

static int seen_grow(struct fs_frr_reader *r)
{
	size_t n = r->nset ? r->nset * 2 : 1024, i, j;
	struct seen *v;

	if ((r->snap.n + 1) * 2 <= r->nset)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < r->nset; i++) {
		if (r->set[i].idx == 0)
			continue;
		for (j = r->set[i].h & (n - 1); v[j].idx != 0; j = (j + 1) & (n - 1))
			;
		v[j] = r->set[i];
	}
	free(r->set);
	r->set = v;
	r->nset = n;
	return 0;
}

/* Keeps route rt (taking it), or counts it on the route it reads as. */
static int add_route(struct fs_frr_reader *r, struct px *p, struct fs_route *rt)
{
	struct fs_frr_snapshot *s = &r->snap;
	int klen = fs_route_key(rt, r->ka, sizeof(r->ka));
	uint64_t h = 0;
	size_t j = 0;

	if (seen_grow(r) < 0)
		goto nomem;
	if (klen >= 0) {
		h = fs_js_hash(r->ka, (size_t)klen);
		j = seen_find(r, h, r->ka, klen);
		if (r->set[j].idx != 0) {
			r->same[r->set[j].idx - 1]++;
			fs_route_free(rt);
			return 0;
		}
	}
	if (r->lim.max_routes != 0 && s->n >= r->lim.max_routes) {
		fs_route_free(rt);
		fs_err_set(p->err, FS_E_LIMIT, "%s: NLRI %zu: more than %zu routes, the limit %s",
		    p->origin, p->nlri, r->lim.max_routes,
		    r->lim.name != NULL ? r->lim.name : "");
		return refused(r);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct fs_route **v = realloc(s->routes, cap * sizeof(*v));
		size_t *same;

		if (v == NULL)
			goto nomem;
		s->routes = v;
		if ((same = realloc(r->same, cap * sizeof(*same))) == NULL)
			goto nomem;
		r->same = same;
		s->cap = cap;
	}
	if (klen >= 0) {
		r->set[j].h = h;
		r->set[j].idx = s->n + 1;
	}
	r->same[s->n] = 1;
	s->routes[s->n++] = rt;
	return 0;
nomem:
	fs_route_free(rt);
	fs_err_set(p->err, FS_E_NOMEM, "out of memory");
	return refused(r);
}

/* One top-level value, text[0..n) at byte at of the answer: an NLRI array. */
static int one_nlri(struct fs_frr_reader *r, const char *text, size_t n, size_t at,
    struct fs_err *err)
{
	struct px p = { .origin = r->origin, .nlri = fs_js_values(r->js), .err = err };
	struct fs_route *rt = NULL;
	enum json_tokener_error je;
	json_object *o;
	size_t paths = 0;
	int rc;

	if (n > FS_FRR_NLRI_TEXT_MAX) {
		fs_err_set(err, FS_E_LIMIT, "%s: NLRI %zu: more than %u bytes of text", r->origin,
		    p.nlri, FS_FRR_NLRI_TEXT_MAX);
		return refused(r);
	}
	if (p.nlri > FS_FRR_NLRI_MAX) {
		fs_err_set(err, FS_E_LIMIT, "%s: more than %d NLRIs", r->origin, FS_FRR_NLRI_MAX);
		return refused(r);
	}
	if (text[0] != '[') {
		char q[FS_ERR_QUOTE_MAX * 4 + 16];

		fs_err_quote(q, sizeof(q), text, n);
		fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: expected one JSON array per NLRI: \"%s\"",
		    r->origin, p.nlri, q);
		return refused(r);
	}
	json_tokener_reset(r->tok);
	o = json_tokener_parse_ex(r->tok, text, (int)n);
	je = json_tokener_get_error(r->tok);
	if (je != json_tokener_success || o == NULL) {
		size_t end = json_tokener_get_parse_end(r->tok);
		char q[64];

		if (end > n)
			end = n;
		fs_err_quote(q, sizeof(q), text + end, n - end);
		json_object_put(o);
		fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: invalid JSON at byte %zu (%s) near \"%s\"",
		    r->origin, p.nlri, at + end, json_tokener_error_desc(je), q);
		return refused(r);
	}
	r->snap.st.nlri++;
	rc = parse_nlri_array(&p, r->family, o, &rt, &paths);
	json_object_put(o);
	if (rc < 0)
		return refused(r);
	r->snap.st.paths += paths;
	return add_route(r, &p, rt);
}

/*
 * Scans text[0..len) on from where the scanner stopped, reading each NLRI
 * that ends in it; *keep: where the text still needed starts (the NLRI
 * not yet ended).  0 or -1.
 */
static int drain(struct fs_frr_reader *r, const char *text, size_t len, bool final, size_t *keep,
    struct fs_err *err)
{
	int rc;

	while ((rc = fs_js_scan(r->js, text, len, final)) == FS_JS_VALUE) {
		size_t s = fs_js_value_start(r->js), e = fs_js_value_end(r->js);

		if (one_nlri(r, text + s, e - s, r->base + s, err) < 0)
			return -1;
	}
	if (rc == FS_JS_FAULT)
		return js_fault(r, text, len, err);
	if (!fs_js_in_value(r->js)) {
		*keep = fs_js_pos(r->js);
		return 0;
	}
	*keep = fs_js_value_start(r->js);
	if (len - *keep > FS_FRR_NLRI_TEXT_MAX) {
		fs_err_set(err, FS_E_LIMIT, "%s: NLRI %zu: more than %u bytes of text", r->origin,
		    fs_js_values(r->js), FS_FRR_NLRI_TEXT_MAX);
		return refused(r);
	}
	return 0;
}

static int keep_tail(struct fs_frr_reader *r, const char *text, size_t len, size_t keep)
{
	size_t n = len - keep;

	fs_js_rebase(r->js, keep);
	r->base += keep;
	r->plen = n;
	if (n == 0)
		return 0;
	if (n > r->pcap) {
		char *v = realloc(r->pend, n);

		if (v == NULL)
			return -1;
		r->pend = v;
		r->pcap = n;
	}
	memmove(r->pend, text + keep, n);
	return 0;
}

int fs_frr_reader_feed(struct fs_frr_reader *r, const char *buf, size_t len, struct fs_err *err)
{
	size_t keep;

	if (r->failed)
		return fs_err_set(err, FS_E_VALUE, "%s: the answer was refused already", r->origin);
	if (len > FS_FRR_OUTPUT_MAX - r->total) {
		fs_err_set(err, FS_E_LIMIT, "%s: more than %u bytes, over the cap", r->origin,
		    FS_FRR_OUTPUT_MAX);
		return refused(r);
	}
	r->total += len;
	while (len > 0) {
		size_t k = len < PIECE ? len : PIECE;

		if (r->plen == 0) {
			/* straight from the caller's buffer; only an unended NLRI is copied */
			if (drain(r, buf, len, false, &keep, err) < 0)
				return -1;
			if (keep_tail(r, buf, len, keep) < 0)
				goto nomem;
			return 0;
		}
		if (r->plen + k > r->pcap) {
			char *v = realloc(r->pend, r->plen + k);

			if (v == NULL)
				goto nomem;
			r->pend = v;
			r->pcap = r->plen + k;
		}
		memcpy(r->pend + r->plen, buf, k);
		r->plen += k;
		buf += k;
		len -= k;
		if (drain(r, r->pend, r->plen, false, &keep, err) < 0)
			return -1;
		if (keep_tail(r, r->pend, r->plen, keep) < 0)
			goto nomem;
	}
	return 0;
nomem:
	fs_err_set(err, FS_E_NOMEM, "out of memory");
	return refused(r);
}

int fs_frr_reader_finish(struct fs_frr_reader *r, struct fs_frr_snapshot *out, struct fs_err *err)
{
	size_t keep, i;

	memset(out, 0, sizeof(*out));
	if (r->failed)
		return fs_err_set(err, FS_E_VALUE, "%s: the answer was refused already", r->origin);
	if (drain(r, r->pend, r->plen, true, &keep, err) < 0)
		return -1;
	if (fs_js_in_value(r->js)) {
		/* the answer ends inside an NLRI: json-c says whether it went wrong before */
		size_t s = fs_js_value_start(r->js), end;
		enum json_tokener_error je;
		json_object *o;

		json_tokener_reset(r->tok);
		o = json_tokener_parse_ex(r->tok, r->pend + s, (int)(r->plen - s));
		je = json_tokener_get_error(r->tok);
		end = json_tokener_get_parse_end(r->tok);
		json_object_put(o);
		if (je != json_tokener_continue && je != json_tokener_success) {
			char q[64];

			if (end > r->plen - s)
				end = r->plen - s;
			fs_err_quote(q, sizeof(q), r->pend + s + end, r->plen - s - end);
			fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: invalid JSON at byte %zu (%s) near "
			    "\"%s\"", r->origin, fs_js_values(r->js), r->base + s + end,
			    json_tokener_error_desc(je), q);
		} else {
			fs_err_set(err, FS_E_SYNTAX, "%s: NLRI %zu: the output ends inside a JSON value "
			    "(byte %zu)", r->origin, fs_js_values(r->js), r->total);
		}
		return refused(r);
	}
	for (i = 0; i < r->snap.n; i++) {
		struct fs_route *rt = r->snap.routes[i];

		if (r->same[i] > 1) {
			rt->source_loss[0] = '\0';
			loss(rt, "FRR shows %zu NLRIs that read the same; the AND/OR bits that tell "
			    "them apart are not printed", r->same[i]);
		}
		if (rt->source_loss[0] != '\0')
			r->snap.st.lossy++;
	}
	*out = r->snap;
	memset(&r->snap, 0, sizeof(r->snap));
	r->failed = true; /* finished: nothing more to feed */
	return 0;
}

int fs_frr_parse_detail_lim(const char *buf, size_t len, enum fs_family family,
    const char *origin, const struct fs_frr_limits *lim, struct fs_frr_snapshot *out,
    struct fs_err *err)
{
	struct fs_frr_reader *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > FS_FRR_OUTPUT_MAX)
		return fs_err_set(err, FS_E_LIMIT, "%s: %zu bytes, over the cap of %u", origin, len,
		    FS_FRR_OUTPUT_MAX);
	if ((r = fs_frr_reader_new(family, origin, lim)) == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	rc = fs_frr_reader_feed(r, buf, len, err) == 0 && fs_frr_reader_finish(r, out, err) == 0 ?
	    0 : -1;
	fs_frr_reader_free(r);
	return rc;
}

int fs_frr_parse_detail(const char *buf, size_t len, enum fs_family family,
    const char *origin, struct fs_frr_snapshot *out, struct fs_err *err)
{
	return fs_frr_parse_detail_lim(buf, len, family, origin, NULL, out, err);
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
	if (!json_object_is_type(v, json_type_string) || (s = jstring(v)) == NULL)
		return -1;
	if (strlen(s) >= cap)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int fs_frr_parse_summary(const char *buf, size_t len, const char *origin,
    struct fs_frr_summary *out, struct fs_err *err)
{
	struct fs_js_report rep;
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
	if (fs_js_check(buf, len, FS_FRR_DEPTH_MAX, &rep) < 0) {
		char q[FS_ERR_QUOTE_MAX * 4 + 16] = "";

		if (rep.val != NULL)
			fs_err_quote(q, sizeof(q), rep.val, rep.vlen);
		return fs_err_set(err, rep.code, "%s: %s%s at byte %zu%s%s%s%s%s", origin,
		    rep.code == FS_E_SYNTAX ? "invalid JSON: " : "", rep.what, rep.off,
		    rep.path[0] != '\0' ? ": " : "", rep.path, rep.val != NULL ? ": \"" : "", q,
		    rep.val != NULL ? "\"" : "");
	}
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
