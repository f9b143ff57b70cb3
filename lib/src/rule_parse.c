/*
 * rule_parse.c - read a route's canonical text (fs_route_format) back.
 *
 * The grammar is exactly what the formatter prints (docs/translation.md, "Canonical
 * route text"), with two liberties that change nothing about the route: the
 * components may come in any order, and the bits of a bitmask term in any
 * order.  Anything else is refused with the column and the text that is
 * wrong: a host bit outside the prefix, a value out of range, a component
 * twice, an unknown word.  parse(format(r)) has r's key, and
 * format(parse(t)) is t whenever t is canonical; the route fuzz target
 * checks both.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "flowspec/rule.h"

struct cur {
	const char *s;   /* the text */
	size_t n, i;     /* its length, the read position */
	const char *origin;
	struct fs_err *err;
};

/* "origin: column N: what: "token"" with the token at s[at..at+len). */
static int bad(struct cur *c, size_t at, size_t len, const char *what)
{
	char q[FS_ERR_QUOTE_MAX * 4 + 8];

	if (at > c->n)
		at = c->n;
	if (len > c->n - at)
		len = c->n - at;
	fs_err_quote(q, sizeof(q), c->s + at, len);
	return fs_err_set(c->err, FS_E_SYNTAX, "%s%scolumn %zu: %s: \"%s\"",
	    c->origin ? c->origin : "", c->origin && c->origin[0] ? ": " : "",
	    at + 1, what, q);
}

/* Length of the word at the read position (up to a space or the end). */
static size_t word_len(const struct cur *c)
{
	size_t k = c->i;

	while (k < c->n && c->s[k] != ' ')
		k++;
	return k - c->i;
}

static bool word_is(const struct cur *c, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(c->s + c->i, w, len) == 0;
}

/* A decimal number without sign or leading zeros, at most max. */
static int number(struct cur *c, uint32_t max, uint32_t *out)
{
	size_t at = c->i;
	uint64_t v = 0;

	while (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
		v = v * 10 + (uint64_t)(c->s[c->i] - '0');
		c->i++;
		if (v > max) {
			while (c->i < c->n && isdigit((unsigned char)c->s[c->i]))
				c->i++;
			return bad(c, at, c->i - at, "number out of range");
		}
	}
	if (c->i == at)
		return bad(c, at, word_len(c) ? word_len(c) : 1, "expected a number");
	if (c->s[at] == '0' && c->i - at > 1)
		return bad(c, at, c->i - at, "number with a leading zero");
	*out = (uint32_t)v;
	return 0;
}

static int prefix(struct cur *c, struct fs_route *r, int t)
{
	size_t at = c->i, wl = word_len(c), slash;
	char a[INET6_ADDRSTRLEN];
	uint8_t addr[16] = { 0 };
	unsigned maxlen = r->family == FS_INET ? 32 : 128, b;
	uint32_t len, off = 0;
	struct fs_err e2;

	for (slash = 0; slash < wl && c->s[at + slash] != '/'; slash++)
		;
	if (slash == wl)
		return bad(c, at, wl, "expected ADDRESS/LENGTH");
	if (slash >= sizeof(a))
		return bad(c, at, slash, "not an address");
	memcpy(a, c->s + at, slash);
	a[slash] = '\0';
	if (inet_pton(r->family == FS_INET ? AF_INET : AF_INET6, a, addr) != 1)
		return bad(c, at, slash, r->family == FS_INET ? "not an IPv4 address" :
		    "not an IPv6 address");
	c->i = at + slash + 1;
	if (number(c, maxlen, &len) < 0)
		return -1;
	if (c->i < at + wl && c->s[c->i] == '/') {
		size_t oat = c->i + 1;

		c->i++;
		if (r->family == FS_INET)
			return bad(c, oat - 1, at + wl - oat + 1, "an offset on an IPv4 prefix");
		if (number(c, 127, &off) < 0)
			return -1;
		if (off == 0)
			return bad(c, oat, 1, "offset 0 is written without /0");
		if (off >= len)
			return bad(c, oat, c->i - oat, "offset not below the prefix length");
	}
	if (c->i != at + wl)
		return bad(c, c->i, at + wl - c->i, "unexpected text after the prefix");
	for (b = 0; b < 128; b++)
		if ((b < off || b >= len) && (addr[b / 8] & (0x80 >> (b % 8))))
			return bad(c, at, wl, "address bits set outside the prefix");
	if (fs_route_set_prefix(r, t, addr, len, off, &e2) < 0)
		return bad(c, at, wl, e2.msg);
	return 0;
}

static const char *const tcp_bits[] = {
	"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
};
static const char *const frag_bits[] = { "df", "isf", "ff", "lf" };

/* bits := "0" | bit ("+" bit)*; bit := name | 0xHEX (one bit, beyond the names) */
static int bits(struct cur *c, int t, uint32_t *out)
{
	const char *const *names = t == FS_C_TCP_FLAGS ? tcp_bits : frag_bits;
	unsigned nnames = t == FS_C_TCP_FLAGS ? 9 : 4, k;
	uint32_t v = 0, bit;
	size_t at;

	if (c->i < c->n && c->s[c->i] == '0' &&
	    (c->i + 1 >= c->n || c->s[c->i + 1] != 'x')) {
		c->i++;
		*out = 0;
		return 0;
	}
	for (;;) {
		at = c->i;
		while (c->i < c->n && (isalnum((unsigned char)c->s[c->i])))
			c->i++;
		bit = 0;
		for (k = 0; k < nnames; k++)
			if (strlen(names[k]) == c->i - at && memcmp(c->s + at, names[k], c->i - at) == 0)
				bit = 1u << k;
		if (bit == 0 && c->i - at > 2 && c->s[at] == '0' && c->s[at + 1] == 'x') {
			/* as printed: 0x, lowercase hex, no leading zero */
			uint32_t h = 0;
			size_t j;
			bool ok = c->i - at <= 10 && c->s[at + 2] != '0';

			for (j = at + 2; ok && j < c->i; j++) {
				char d = c->s[j];

				if (d >= '0' && d <= '9')
					h = h * 16 + (uint32_t)(d - '0');
				else if (d >= 'a' && d <= 'f')
					h = h * 16 + (uint32_t)(d - 'a' + 10);
				else
					ok = false;
			}
			if (!ok || (h & (h - 1)) != 0 || h < (1u << nnames) ||
			    h > fs_ctype_max_value(t))
				return bad(c, at, c->i - at, "not a single bit beyond the named ones");
			bit = h;
		}
		if (bit == 0)
			return bad(c, at, c->i - at ? c->i - at : 1,
			    t == FS_C_TCP_FLAGS ? "not a TCP flag" : "not a fragment bit");
		if (v & bit)
			return bad(c, at, c->i - at, "a bit named twice");
		v |= bit;
		if (c->i < c->n && c->s[c->i] == '+') {
			c->i++;
			continue;
		}
		break;
	}
	*out = v;
	return 0;
}

static int term(struct cur *c, struct fs_route *r, int t, uint8_t and)
{
	size_t at = c->i;
	uint32_t v = 0;
	uint8_t op = 0;
	struct fs_err e2;

	if (fs_ctype_is_bitmask(t)) {
		if (c->i + 1 < c->n && c->s[c->i] == '!' && c->s[c->i + 1] == '=') {
			op = FS_OP_NOT | FS_OP_MATCH;
			c->i += 2;
		} else if (c->i < c->n && c->s[c->i] == '!') {
			op = FS_OP_NOT;
			c->i++;
		} else if (c->i < c->n && c->s[c->i] == '=') {
			op = FS_OP_MATCH;
			c->i++;
		}
		if (bits(c, t, &v) < 0)
			return -1;
	} else if (c->i < c->n && (c->s[c->i] == 't' || c->s[c->i] == 'f')) {
		const char *w = c->s[c->i] == 't' ? "true" : "false";
		size_t wl = strlen(w);

		if (c->n - c->i < wl || memcmp(c->s + c->i, w, wl) != 0)
			return bad(c, at, word_len(c), "not an operator");
		op = c->s[c->i] == 't' ? (FS_OP_LT | FS_OP_GT | FS_OP_EQ) : 0;
		c->i += wl;
		if (c->i < c->n && c->s[c->i] == '(') {
			size_t vat = c->i + 1;

			c->i++;
			if (number(c, fs_ctype_max_value(t), &v) < 0)
				return -1;
			if (v == 0)
				return bad(c, vat, 1, "a value of 0 is written without (0)");
			if (c->i >= c->n || c->s[c->i] != ')')
				return bad(c, c->i, 1, "expected )");
			c->i++;
		}
	} else {
		static const struct { const char *s; uint8_t op; } ops[] = {
			{ ">=", FS_OP_GT | FS_OP_EQ }, { "<=", FS_OP_LT | FS_OP_EQ },
			{ "!=", FS_OP_LT | FS_OP_GT }, { "=", FS_OP_EQ },
			{ ">", FS_OP_GT }, { "<", FS_OP_LT },
		};
		unsigned k;

		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			size_t ol = strlen(ops[k].s);

			if (c->n - c->i >= ol && memcmp(c->s + c->i, ops[k].s, ol) == 0) {
				op = ops[k].op;
				c->i += ol;
				break;
			}
		}
		if (k == sizeof(ops) / sizeof(ops[0]))
			return bad(c, at, word_len(c) ? word_len(c) : 1, "expected an operator");
		if (number(c, fs_ctype_max_value(t), &v) < 0)
			return -1;
	}
	if (fs_route_add_term(r, t, op | and, v, &e2) < 0)
		return bad(c, at, c->i - at, e2.msg);
	return 0;
}

int fs_route_parse(const char *text, size_t len, const char *origin, struct fs_route **out,
    struct fs_err *err)
{
	struct cur c = { text, len, 0, origin, err };
	struct fs_route *r;
	struct fs_err e2;
	size_t wl;
	int t;

	*out = NULL;
	if (len >= FS_TEXT_MAX)
		return fs_err_set(err, FS_E_LIMIT, "%s%sroute text of %zu bytes, more than %u",
		    origin ? origin : "", origin && origin[0] ? ": " : "", len, FS_TEXT_MAX - 1);
	if (memchr(text, '\0', len) != NULL)
		return bad(&c, (size_t)((const char *)memchr(text, '\0', len) - text), 1,
		    "a NUL byte");
	wl = word_len(&c);
	if (word_is(&c, wl, "inet"))
		r = fs_route_new(FS_INET);
	else if (word_is(&c, wl, "inet6"))
		r = fs_route_new(FS_INET6);
	else
		return bad(&c, 0, wl ? wl : 1, "expected the family inet or inet6");
	if (r == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	c.i = wl;
	while (c.i < c.n) {
		size_t at;

		if (c.s[c.i] != ' ' || c.i + 1 >= c.n || c.s[c.i + 1] == ' ') {
			bad(&c, c.i, 1, "expected one space and a component");
			goto fail;
		}
		c.i++;
		at = c.i;
		wl = word_len(&c);
		for (t = 1; t <= FS_C_MAX; t++)
			if (word_is(&c, wl, fs_ctype_name(t)))
				break;
		if (t > FS_C_MAX) {
			bad(&c, at, wl, "unknown component");
			goto fail;
		}
		if (fs_route_has(r, t)) {
			bad(&c, at, wl, "component given twice");
			goto fail;
		}
		c.i += wl;
		if (c.i >= c.n || c.s[c.i] != ' ' || c.i + 1 >= c.n || c.s[c.i + 1] == ' ') {
			bad(&c, at, wl, "a component without its value");
			goto fail;
		}
		c.i++;
		if (t == FS_C_DST || t == FS_C_SRC) {
			if (prefix(&c, r, t) < 0)
				goto fail;
			continue;
		}
		if (term(&c, r, t, 0) < 0)
			goto fail;
		while (c.i < c.n && (c.s[c.i] == '&' || c.s[c.i] == ',')) {
			uint8_t and = c.s[c.i] == '&' ? FS_OP_AND : 0;

			c.i++;
			if (term(&c, r, t, and) < 0)
				goto fail;
		}
		if (c.i < c.n && c.s[c.i] != ' ') {
			bad(&c, c.i, word_len(&c) ? word_len(&c) : 1, "unexpected text in a term list");
			goto fail;
		}
	}
	if (fs_route_validate(r, &e2) < 0) {
		bad(&c, 0, c.n, e2.msg);
		goto fail;
	}
	*out = r;
	return 0;
fail:
	fs_route_free(r);
	return -1;
}
