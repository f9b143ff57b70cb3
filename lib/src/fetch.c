/*
 * fetch.c - iptables-save text to the fetcher's rule model, and one rule
 * to a FlowSpec route with the same meaning.
 *
 * The save parser reads what iptables-save / ip6tables-save write: the
 * filter table, the chain's policy line, and each "-A CHAIN ..." of the
 * chain, tokenised the way iptables-restore does (double quotes, "!"
 * before an option).  Matches FlowSpec can carry are decoded; the first
 * one it cannot is recorded by name, and the mapping refuses the rule.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/fetch.h"

void fx_chain_free(struct fx_chain *c)
{
	if (c == NULL)
		return;
	free(c->rules);
	memset(c, 0, sizeof(*c));
}

struct fx_rule *fx_chain_add(struct fx_chain *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct fx_rule *v = realloc(c->rules, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		c->rules = v;
		c->cap = cap;
	}
	memset(&c->rules[c->n], 0, sizeof(c->rules[0]));
	return &c->rules[c->n++];
}

/* ---- the save parser --------------------------------------------------------- */

#define TOK_MAX 128

struct toks {
	char *v[TOK_MAX];
	int n;
	char buf[4096];
};

/* Splits a line like iptables-restore: blanks, "double quotes", \" inside. 0 or -1. */
static int tokenize(const char *line, size_t len, struct toks *t)
{
	size_t i = 0, o = 0;

	t->n = 0;
	while (i < len) {
		bool q = false;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (t->n == TOK_MAX)
			return -1;
		t->v[t->n++] = t->buf + o;
		while (i < len && (q || (line[i] != ' ' && line[i] != '\t'))) {
			if (line[i] == '"') {
				q = !q;
				i++;
				continue;
			}
			if (line[i] == '\\' && i + 1 < len)
				i++;
			if (o + 2 >= sizeof(t->buf))
				return -1;
			t->buf[o++] = line[i++];
		}
		if (q)
			return -1;
		t->buf[o++] = '\0';
	}
	return 0;
}

static int parse_u(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -1;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{ "all", 0 }, { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 },
	{ "icmpv6", 58 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "sctp", 132 },
	{ "udplite", 136 }, { "igmp", 2 }, { "ipip", 4 }, { "ospf", 89 }, { "vrrp", 112 },
};

static int parse_proto(const char *s, uint8_t *out)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(protos[i].name, s) == 0) {
			*out = protos[i].num;
			return 0;
		}
	if (parse_u(s, 255, &v) < 0)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* "ADDR[/LEN|/MASK]" into address and mask. */
static int parse_addr(const char *s, int family, uint8_t addr[16], uint8_t mask[16])
{
	char a[64];
	const char *slash = strchr(s, '/');
	unsigned maxlen = family == 4 ? 32 : 128, i;
	unsigned long len = maxlen;

	memset(addr, 0, 16);
	memset(mask, 0, 16);
	if ((slash ? (size_t)(slash - s) : strlen(s)) >= sizeof(a))
		return -1;
	snprintf(a, sizeof(a), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, a, addr) != 1)
		return -1;
	if (slash != NULL) {
		if (parse_u(slash + 1, maxlen, &len) < 0) {
			/* a dotted or colon mask */
			if (inet_pton(family == 4 ? AF_INET : AF_INET6, slash + 1, mask) != 1)
				return -1;
			return 0;
		}
	}
	for (i = 0; i < len; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return 0;
}

/* "A", "A:B", "A:" or ":B" into one range. */
static int parse_range(const char *s, unsigned long max, uint16_t *lo, uint16_t *hi)
{
	char a[32];
	const char *colon = strchr(s, ':');
	unsigned long l = 0, h = max;

	if (strlen(s) >= sizeof(a))
		return -1;
	if (colon == NULL) {
		if (parse_u(s, max, &l) < 0)
			return -1;
		h = l;
	} else {
		snprintf(a, sizeof(a), "%.*s", (int)(colon - s), s);
		if (a[0] != '\0' && parse_u(a, max, &l) < 0)
			return -1;
		if (colon[1] != '\0' && parse_u(colon + 1, max, &h) < 0)
			return -1;
	}
	if (l > h)
		return -1;
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

/* multiport "80,443,1000:2000" */
static int parse_portlist(const char *s, struct fx_ports *p)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	p->n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (p->n == FX_PORTS_MAX || parse_range(tok, 65535, &p->r[p->n].lo,
		    &p->r[p->n].hi) < 0)
			return -1;
		p->n++;
	}
	return p->n > 0 ? 0 : -1;
}

static const struct {
	const char *name;
	uint8_t bits;
} tcpflag_names[] = {
	{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 }, { "ACK", 0x10 },
	{ "URG", 0x20 }, { "ECE", 0x40 }, { "CWR", 0x80 }, { "ALL", 0x3f }, { "NONE", 0 },
};

static int parse_tcpflags(const char *s, uint8_t *out)
{
	char buf[128], *save = NULL, *tok;
	size_t i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(tcpflag_names) / sizeof(tcpflag_names[0]); i++)
			if (strcasecmp(tok, tcpflag_names[i].name) == 0)
				break;
		if (i == sizeof(tcpflag_names) / sizeof(tcpflag_names[0]))
			return -1;
		*out |= tcpflag_names[i].bits;
	}
	return 0;
}

static void unsupported(struct fx_rule *r, bool inv, const char *opt, const char *arg)
{
	if (r->unsupported[0] != '\0')
		return;
	snprintf(r->unsupported, sizeof(r->unsupported), "%s%s%s%s", inv ? "! " : "", opt,
	    arg ? " " : "", arg ? arg : "");
}

static bool known_match(const char *m)
{
	static const char *const k[] = { "tcp", "udp", "multiport", "icmp", "icmp6", "length",
		"dscp", "comment" };
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(k[i], m) == 0)
			return true;
	return false;
}

/* One "-A CHAIN ..." line's tokens (from index 2) into r.  0, or -1 with *bad the token. */
static int parse_rule(struct toks *t, int family, struct fx_rule *r, const char **bad,
    const char **why)
{
	const char *match = NULL;
	bool inv = false;
	int i;

	for (i = 2; i < t->n; i++) {
		const char *o = t->v[i], *a = i + 1 < t->n ? t->v[i + 1] : NULL;

		*bad = o;
		if (strcmp(o, "!") == 0) {
			inv = true;
			continue;
		}
#define NEED_ARG() do { if (a == NULL) { *why = "missing value"; return -1; } i++; } while (0)
		if (strcmp(o, "-s") == 0 || strcmp(o, "--source") == 0 ||
		    strcmp(o, "-d") == 0 || strcmp(o, "--destination") == 0) {
			bool src = o[1] == 's' || strcmp(o, "--source") == 0;

			NEED_ARG();
			*bad = a;
			if (parse_addr(a, family, src ? r->src : r->dst, src ? r->smsk : r->dmsk) < 0) {
				*why = "not an address";
				return -1;
			}
			if (src) {
				r->has_src = true;
				r->inv_src = inv;
			} else {
				r->has_dst = true;
				r->inv_dst = inv;
			}
		} else if (strcmp(o, "-p") == 0 || strcmp(o, "--protocol") == 0) {
			NEED_ARG();
			*bad = a;
			if (parse_proto(a, &r->proto) < 0) {
				*why = "unknown protocol";
				return -1;
			}
			r->has_proto = r->proto != 0;
			r->inv_proto = inv;
		} else if (strcmp(o, "-f") == 0 || strcmp(o, "--fragment") == 0) {
			if (family != 4) {
				*why = "-f is IPv4 only";
				return -1;
			}
			r->has_frag = true;
			r->inv_frag = inv;
		} else if (strcmp(o, "-i") == 0 || strcmp(o, "-o") == 0 ||
		    strcmp(o, "--in-interface") == 0 || strcmp(o, "--out-interface") == 0) {
			NEED_ARG();
			unsupported(r, inv, o, a);
		} else if (strcmp(o, "-m") == 0 || strcmp(o, "--match") == 0) {
			NEED_ARG();
			match = a;
			if (!known_match(a))
				unsupported(r, false, "-m", a);
			else if (strcmp(a, "tcp") == 0 || strcmp(a, "udp") == 0)
				r->l4_bare = true; /* until an option says more */
		} else if (strcmp(o, "-j") == 0 || strcmp(o, "--jump") == 0 || strcmp(o, "-g") == 0 ||
		    strcmp(o, "--goto") == 0) {
			NEED_ARG();
			snprintf(r->target_name, sizeof(r->target_name), "%s", a);
			if (o[1] == 'g' || strcmp(o, "--goto") == 0)
				r->target = FX_T_OTHER;
			else if (strcmp(a, "ACCEPT") == 0)
				r->target = FX_T_ACCEPT;
			else if (strcmp(a, "DROP") == 0)
				r->target = FX_T_DROP;
			else if (strcmp(a, "REJECT") == 0)
				r->target = FX_T_REJECT;
			else
				r->target = FX_T_OTHER;
			return 0; /* target options follow: none matter */
		} else if (strcmp(o, "-c") == 0 || strcmp(o, "--set-counters") == 0) {
			if (i + 2 >= t->n) {
				*why = "missing value";
				return -1;
			}
			i += 2;
		} else if (strncmp(o, "--", 2) == 0 && match != NULL && !known_match(match)) {
			/* an option of a match we do not carry: already refused */
			while (i + 1 < t->n && strncmp(t->v[i + 1], "-", 1) != 0)
				i++;
		} else if ((strcmp(o, "--sport") == 0 || strcmp(o, "--source-port") == 0 ||
		    strcmp(o, "--dport") == 0 || strcmp(o, "--destination-port") == 0) &&
		    match != NULL && (strcmp(match, "tcp") == 0 || strcmp(match, "udp") == 0)) {
			struct fx_ports *p = strstr(o, "s") == o + 2 ? &r->sport : &r->dport;

			if (strcmp(o, "--source-port") == 0)
				p = &r->sport;
			NEED_ARG();
			*bad = a;
			if (parse_range(a, 65535, &p->r[0].lo, &p->r[0].hi) < 0) {
				*why = "bad port or range";
				return -1;
			}
			p->has = true;
			p->inv = inv;
			p->n = 1;
			r->l4_bare = false;
		} else if ((strcmp(o, "--sports") == 0 || strcmp(o, "--dports") == 0 ||
		    strcmp(o, "--ports") == 0 || strcmp(o, "--source-ports") == 0 ||
		    strcmp(o, "--destination-ports") == 0) && match != NULL &&
		    strcmp(match, "multiport") == 0) {
			struct fx_ports *p = o[2] == 's' ? &r->sport : o[2] == 'd' ? &r->dport : &r->port;

			NEED_ARG();
			*bad = a;
			if (parse_portlist(a, p) < 0) {
				*why = "bad port list";
				return -1;
			}
			p->has = true;
			p->inv = inv;
		} else if ((strcmp(o, "--tcp-flags") == 0 || strcmp(o, "--syn") == 0) && match != NULL &&
		    strcmp(match, "tcp") == 0) {
			if (o[2] == 's') {
				r->tcp_mask = 0x17;
				r->tcp_comp = 0x02;
			} else {
				if (a == NULL || i + 2 >= t->n) {
					*why = "--tcp-flags needs MASK and COMP";
					return -1;
				}
				*bad = a;
				if (parse_tcpflags(a, &r->tcp_mask) < 0) {
					*why = "unknown TCP flag";
					return -1;
				}
				*bad = t->v[i + 2];
				if (parse_tcpflags(t->v[i + 2], &r->tcp_comp) < 0) {
					*why = "unknown TCP flag";
					return -1;
				}
				i += 2;
			}
			r->has_tcpflags = true;
			r->inv_tcpflags = inv;
			r->l4_bare = false;
		} else if ((strcmp(o, "--icmp-type") == 0 || strcmp(o, "--icmpv6-type") == 0) &&
		    match != NULL && (strcmp(match, "icmp") == 0 || strcmp(match, "icmp6") == 0)) {
			const char *sl;
			unsigned long ty, co;

			NEED_ARG();
			*bad = a;
			r->has_icmp = true;
			r->inv_icmp = inv;
			if (strcmp(a, "any") == 0) {
				r->icmp_any = true;
			} else {
				char tb[16];

				sl = strchr(a, '/');
				snprintf(tb, sizeof(tb), "%.*s", sl ? (int)(sl - a) : (int)strlen(a), a);
				if (parse_u(tb, 255, &ty) < 0 || (sl && parse_u(sl + 1, 255, &co) < 0)) {
					*why = "ICMP type[/code] expected as numbers (as iptables-save writes)";
					return -1;
				}
				r->icmp_type = (uint8_t)ty;
				r->icmp_code_lo = sl ? (uint8_t)co : 0;
				r->icmp_code_hi = sl ? (uint8_t)co : 255;
			}
		} else if (strcmp(o, "--length") == 0 && match != NULL && strcmp(match, "length") == 0) {
			NEED_ARG();
			*bad = a;
			if (parse_range(a, 65535, &r->len_lo, &r->len_hi) < 0) {
				*why = "bad length range";
				return -1;
			}
			r->has_length = true;
			r->inv_length = inv;
		} else if (strcmp(o, "--dscp") == 0 && match != NULL && strcmp(match, "dscp") == 0) {
			unsigned long v;

			NEED_ARG();
			*bad = a;
			if (parse_u(a, 63, &v) < 0) {
				*why = "DSCP 0..63 expected";
				return -1;
			}
			r->has_dscp = true;
			r->inv_dscp = inv;
			r->dscp = (uint8_t)v;
		} else if (strcmp(o, "--comment") == 0 && match != NULL && strcmp(match, "comment") == 0) {
			NEED_ARG();
		} else if (strncmp(o, "--", 2) == 0 && match != NULL) {
			/* an option of a known match that FlowSpec cannot carry */
			unsupported(r, inv, o, NULL);
			while (i + 1 < t->n && strncmp(t->v[i + 1], "-", 1) != 0)
				i++;
		} else {
			*why = "unknown option";
			return -1;
		}
#undef NEED_ARG
		inv = false;
	}
	return 0;
}

/* "[PACKETS:BYTES]" exactly (n bytes, brackets included) */
static bool counters(const char *s, size_t n)
{
	size_t i = 1, d1 = 0, d2 = 0;

	if (n < 5 || s[0] != '[' || s[n - 1] != ']')
		return false;
	while (i < n - 1 && s[i] >= '0' && s[i] <= '9')
		i++, d1++;
	if (i >= n - 1 || s[i++] != ':')
		return false;
	while (i < n - 1 && s[i] >= '0' && s[i] <= '9')
		i++, d2++;
	return i == n - 1 && d1 > 0 && d1 <= 20 && d2 > 0 && d2 <= 20;
}

/*
 * A chain line, ":NAME POLICY [PACKETS:BYTES]" (the counters optional):
 * FX_T_ACCEPT or FX_T_DROP for a built-in chain's policy, FX_T_NONE for a
 * user chain's "-", -1 for anything else.  The line need not be
 * NUL-terminated (found by fuzz_save).
 */
static int chain_line(const char *line, size_t ll)
{
	const char *name = line + 1, *sp = memchr(name, ' ', ll - 1), *pol, *end;
	size_t pl;

	if (sp == NULL || sp == name)
		return -1;
	pol = sp + 1;
	end = line + ll;
	sp = memchr(pol, ' ', (size_t)(end - pol));
	pl = (size_t)((sp != NULL ? sp : end) - pol);
	if (sp != NULL && !counters(sp + 1, (size_t)(end - sp - 1)))
		return -1;
	if (pl == 6 && memcmp(pol, "ACCEPT", 6) == 0)
		return FX_T_ACCEPT;
	if (pl == 4 && memcmp(pol, "DROP", 4) == 0)
		return FX_T_DROP;
	if (pl == 1 && pol[0] == '-')
		return FX_T_NONE;
	return -1;
}

int fx_parse_save(const char *text, size_t len, int family, const char *chain,
    const char *origin, struct fx_chain *out, struct fs_err *err)
{
	struct toks *t = malloc(sizeof(*t));
	size_t off = 0, lineno = 0;
	bool in_filter = false, seen_filter = false, seen_chain = false;
	char q[96]; /* a quoted token or line for an error */

	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	snprintf(out->name, sizeof(out->name), "%s", chain);
	if (t == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	{
		const char *nul = memchr(text, '\0', len);

		if (nul != NULL) {
			size_t ln = 1;

			for (const char *c = text; c < nul; c++)
				ln += *c == '\n';
			free(t);
			return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: a NUL byte (byte %zu): not "
			    "iptables-save output", origin, ln, (size_t)(nul - text));
		}
	}
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - line) : len - off;

		off += ll + (nl ? 1 : 0);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || line[0] == '#')
			continue;
		if (line[0] == '*') {
			if (in_filter) {
				fs_err_quote(q, sizeof(q), line, ll > 40 ? 40 : ll);
				fs_err_set(err, FS_E_SYNTAX, "%s:%zu: \"%s\" before the filter table's "
				    "COMMIT", origin, lineno, q);
				goto fail;
			}
			in_filter = ll == 7 && memcmp(line, "*filter", 7) == 0;
			seen_filter |= in_filter;
			continue;
		}
		if (!in_filter)
			continue;
		if (ll == 6 && memcmp(line, "COMMIT", 6) == 0) {
			in_filter = false;
			continue;
		}
		if (line[0] == ':') {
			size_t cl = strlen(chain);
			int pol = chain_line(line, ll);

			if (pol < 0) {
				fs_err_quote(q, sizeof(q), line, ll > 60 ? 60 : ll);
				fs_err_set(err, FS_E_SYNTAX, "%s:%zu: expected \":CHAIN ACCEPT|DROP|- "
				    "[PACKETS:BYTES]\": \"%s\"", origin, lineno, q);
				goto fail;
			}
			if (ll > cl + 1 && memcmp(line + 1, chain, cl) == 0 && line[cl + 1] == ' ') {
				seen_chain = true;
				out->policy = (enum fx_target)pol;
			}
			continue;
		}
		if (line[0] == '[') {
			/* "[pkts:bytes] -A ..." from iptables-save -c */
			const char *rb = memchr(line, ']', ll);

			if (rb == NULL || !counters(line, (size_t)(rb + 1 - line)))
				goto syntax;
			ll -= (size_t)(rb + 1 - line);
			line = rb + 1;
		}
		if (tokenize(line, ll, t) < 0) {
			fs_err_set(err, FS_E_SYNTAX, "%s:%zu: unbalanced quotes or too many tokens", origin,
			    lineno);
			goto fail;
		}
		if (t->n < 2 || strcmp(t->v[0], "-A") != 0)
			goto syntax;
		if (strcmp(t->v[1], chain) == 0) {
			struct fx_rule *r = fx_chain_add(out);
			const char *bad = NULL, *why = "unknown option";

			if (r == NULL) {
				fs_err_set(err, FS_E_NOMEM, "out of memory");
				goto fail;
			}
			r->num = (unsigned)out->n;
			r->family = (uint8_t)family;
			while (ll > 0 && (*line == ' ' || *line == '\t')) {
				line++;
				ll--;
			}
			snprintf(r->text, sizeof(r->text), "%.*s", (int)ll, line);
			if (parse_rule(t, family, r, &bad, &why) < 0) {
				fs_err_quote(q, sizeof(q), bad ? bad : "", bad ? strlen(bad) : 0);
				fs_err_set(err, FS_E_SYNTAX, "%s:%zu: rule %u: %s: \"%s\"", origin, lineno,
				    r->num, why, q);
				goto fail;
			}
		}
		continue;
syntax:
		fs_err_quote(q, sizeof(q), line, ll > 60 ? 60 : ll);
		fs_err_set(err, FS_E_SYNTAX, "%s:%zu: not an iptables-save line: \"%s\"", origin,
		    lineno, q);
		goto fail;
	}
	free(t);
	if (in_filter)
		return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: the filter table ends without COMMIT "
		    "(a truncated file?)", origin, lineno), fx_chain_free(out), -1;
	if (!seen_filter)
		return fs_err_set(err, FS_E_SYNTAX, "%s: no *filter table", origin), fx_chain_free(out),
		    -1;
	if (!seen_chain) {
		fx_chain_free(out);
		return fs_err_set(err, FS_E_UNKNOWN, "%s: the filter table has no chain %s", origin,
		    chain);
	}
	return 0;
fail:
	free(t);
	fx_chain_free(out);
	return -1;
}

/* ---- one rule to a route --------------------------------------------------- */

static int prefix_len(const uint8_t *mask, unsigned bytes)
{
	unsigned i, len = 0;
	bool zero = false;

	for (i = 0; i < bytes * 8; i++) {
		bool bit = (mask[i / 8] & (0x80 >> (i % 8))) != 0;

		if (bit && zero)
			return -1;
		if (bit)
			len++;
		else
			zero = true;
	}
	return (int)len;
}

struct rset {
	struct fx_range r[FX_PORTS_MAX + 2];
	unsigned n;
};

static int by_lo(const void *a, const void *b)
{
	const struct fx_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and merges ranges (adjacent ones too). */
static void normalise(struct rset *s)
{
	unsigned i, m = 0;

	qsort(s->r, s->n, sizeof(s->r[0]), by_lo);
	for (i = 0; i < s->n; i++) {
		if (m > 0 && (uint32_t)s->r[i].lo <= (uint32_t)s->r[m - 1].hi + 1) {
			if (s->r[i].hi > s->r[m - 1].hi)
				s->r[m - 1].hi = s->r[i].hi;
		} else {
			s->r[m++] = s->r[i];
		}
	}
	s->n = m;
}

/* The complement within 0..max; at most n+1 ranges. */
static void complement(const struct rset *in, uint32_t max, struct rset *out)
{
	uint32_t next = 0;
	unsigned i;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		if (in->r[i].lo > next)
			out->r[out->n++] = (struct fx_range){ (uint16_t)next, (uint16_t)(in->r[i].lo - 1) };
		next = (uint32_t)in->r[i].hi + 1;
	}
	if (next <= max)
		out->r[out->n++] = (struct fx_range){ (uint16_t)next, (uint16_t)max };
}

/* Adds the OR of ranges as terms of numeric component t.  0 or -1 (err). */
static int add_ranges(struct fs_route *r, int t, const struct rset *s, uint32_t max,
    struct fs_err *e)
{
	unsigned i;

	for (i = 0; i < s->n; i++) {
		uint32_t lo = s->r[i].lo, hi = s->r[i].hi;

		if (lo == hi) {
			if (fs_route_add_term(r, t, FS_OP_EQ, lo, e) < 0)
				return -1;
		} else if (lo == 0 && hi < max) {
			if (fs_route_add_term(r, t, FS_OP_LT | FS_OP_EQ, hi, e) < 0)
				return -1;
		} else if (hi == max && lo > 0) {
			if (fs_route_add_term(r, t, FS_OP_GT | FS_OP_EQ, lo, e) < 0)
				return -1;
		} else if (fs_route_add_term(r, t, FS_OP_GT | FS_OP_EQ, lo, e) < 0 ||
		    fs_route_add_term(r, t, FS_OP_AND | FS_OP_LT | FS_OP_EQ, hi, e) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Adds a value set (inverted or not) to component t; false when it is empty. */
static int add_set(struct fs_route *r, int t, const struct fx_range *rs, unsigned n, bool inv,
    uint32_t max, bool *empty, struct fs_err *e)
{
	struct rset s, c;

	s.n = n;
	memcpy(s.r, rs, n * sizeof(rs[0]));
	normalise(&s);
	if (inv) {
		complement(&s, max, &c);
		s = c;
	}
	*empty = s.n == 0;
	return s.n == 0 ? 0 : add_ranges(r, t, &s, max, e);
}

static int refuse(const struct fx_rule *x, char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(const struct fx_rule *x, char *why, size_t cap, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(why, cap, "rule %u: %s", x->num, m);
	return -1;
}

int fx_rule_to_route(const struct fx_rule *x, struct fs_route **out, char *why, size_t cap)
{
	struct fs_route *r;
	struct fs_err e;
	unsigned bytes = x->family == 4 ? 4 : 16;
	bool empty = false;
	int len;

	*out = NULL;
	if (x->unsupported[0] != '\0')
		return refuse(x, why, cap, "FlowSpec cannot carry \"%s\"", x->unsupported);
	if (x->target != FX_T_ACCEPT && x->target != FX_T_DROP && x->target != FX_T_REJECT)
		return refuse(x, why, cap, "target \"%s\": only ACCEPT, DROP and REJECT map to "
		    "FlowSpec", x->target == FX_T_NONE ? "(none)" : x->target_name);
	if (x->inv_src || x->inv_dst)
		return refuse(x, why, cap, "%s: FlowSpec has no negated prefix",
		    x->inv_src ? "! -s" : "! -d");
	r = fs_route_new(x->family == 4 ? FS_INET : FS_INET6);
	if (r == NULL)
		return refuse(x, why, cap, "%s", "out of memory");
	if (x->has_dst || x->has_src) {
		int k;

		for (k = 0; k < 2; k++) {
			bool has = k == 0 ? x->has_dst : x->has_src;

			if (!has)
				continue;
			len = prefix_len(k == 0 ? x->dmsk : x->smsk, bytes);
			if (len < 0) {
				fs_route_free(r);
				return refuse(x, why, cap, "%s: a non-contiguous mask is no prefix",
				    k == 0 ? "-d" : "-s");
			}
			if (fs_route_set_prefix(r, k == 0 ? FS_C_DST : FS_C_SRC, k == 0 ? x->dst : x->src,
			    (unsigned)len, 0, &e) < 0)
				goto model;
		}
	}
	if (x->has_proto) {
		struct fx_range p = { x->proto, x->proto };

		if (add_set(r, FS_C_PROTO, &p, 1, x->inv_proto, 255, &empty, &e) < 0)
			goto model;
		if (empty)
			goto never;
	}
	if (x->has_frag) {
		/* -f: offset != 0, which is RFC 8955's is-fragment */
		if (fs_route_add_term(r, FS_C_FRAGMENT, (uint8_t)(FS_OP_MATCH |
		    (x->inv_frag ? FS_OP_NOT : 0)), FS_FRAG_ISF, &e) < 0)
			goto model;
	}
	if (x->sport.has || x->dport.has || x->port.has || x->l4_bare || x->has_tcpflags) {
		if (!x->has_proto || x->inv_proto || (x->proto != 6 && x->proto != 17)) {
			fs_route_free(r);
			return refuse(x, why, cap, "%s", "ports and TCP flags map to FlowSpec only with "
			    "-p tcp or -p udp");
		}
	}
	{
		const struct fx_ports *ps[3] = { &x->sport, &x->dport, &x->port };
		const int ts[3] = { FS_C_SPORT, FS_C_DPORT, FS_C_PORT };
		int k;

		if (x->port.has && x->port.inv) {
			/* ! --ports S: neither port in S, i.e. sport and dport both in
			 * the complement (FlowSpec's port is "either in the set") */
			if (x->sport.has || x->dport.has) {
				fs_route_free(r);
				return refuse(x, why, cap, "%s", "! --ports together with --sport/--dport");
			}
			if (add_set(r, FS_C_SPORT, x->port.r, x->port.n, true, 65535, &empty, &e) < 0 ||
			    (!empty && add_set(r, FS_C_DPORT, x->port.r, x->port.n, true, 65535, &empty,
			    &e) < 0))
				goto model;
			if (empty)
				goto never;
		}
		for (k = 0; k < 3; k++) {
			if (!ps[k]->has || (k == 2 && ps[k]->inv))
				continue;
			if (add_set(r, ts[k], ps[k]->r, ps[k]->n, ps[k]->inv, 65535, &empty, &e) < 0)
				goto model;
			if (empty)
				goto never;
		}
	}
	if (x->l4_bare && !x->sport.has && !x->dport.has && !x->port.has && !x->has_tcpflags) {
		/* a bare tcp/udp match still needs the L4 header: any port */
		struct fx_range all = { 0, 65535 };

		if (add_set(r, FS_C_DPORT, &all, 1, false, 65535, &empty, &e) < 0)
			goto model;
	}
	if (x->has_tcpflags) {
		uint8_t comp = x->tcp_comp & x->tcp_mask, off = x->tcp_mask & (uint8_t)~x->tcp_comp;

		if (x->tcp_mask == 0) {
			fs_route_free(r);
			return refuse(x, why, cap, "%s", "--tcp-flags with an empty mask");
		}
		if (x->tcp_comp & ~x->tcp_mask)
			goto never; /* COMP outside MASK: iptables never matches */
		if (!x->inv_tcpflags) {
			/* all of comp set AND none of the other masked bits */
			if ((comp && fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_MATCH, comp, &e) < 0) ||
			    (off && fs_route_add_term(r, FS_C_TCP_FLAGS, (uint8_t)(FS_OP_NOT |
			    (comp ? FS_OP_AND : 0)), off, &e) < 0))
				goto model;
		} else {
			/* not all of comp set OR any of the other masked bits */
			if ((comp && fs_route_add_term(r, FS_C_TCP_FLAGS, FS_OP_MATCH | FS_OP_NOT, comp,
			    &e) < 0) || (off && fs_route_add_term(r, FS_C_TCP_FLAGS, 0, off, &e) < 0))
				goto model;
		}
	}
	if (x->has_icmp) {
		uint8_t want = x->family == 4 ? 1 : 58;

		if (!x->has_proto || x->inv_proto || x->proto != want) {
			fs_route_free(r);
			return refuse(x, why, cap, "%s", "an ICMP type maps to FlowSpec only with "
			    "-p icmp / -p ipv6-icmp");
		}
		if (x->icmp_any) {
			struct fx_range all = { 0, 255 };

			if (x->inv_icmp)
				goto never;
			if (add_set(r, FS_C_ICMP_TYPE, &all, 1, false, 255, &empty, &e) < 0)
				goto model;
		} else {
			struct fx_range ty = { x->icmp_type, x->icmp_type };
			struct fx_range co = { x->icmp_code_lo, x->icmp_code_hi };
			bool all_codes = co.lo == 0 && co.hi == 255;

			if (x->inv_icmp && !all_codes) {
				fs_route_free(r);
				return refuse(x, why, cap, "%s", "! --icmp-type TYPE/CODE is an OR across "
				    "two components, which one FlowSpec route cannot carry");
			}
			if (add_set(r, FS_C_ICMP_TYPE, &ty, 1, x->inv_icmp, 255, &empty, &e) < 0)
				goto model;
			if (!all_codes && add_set(r, FS_C_ICMP_CODE, &co, 1, false, 255, &empty, &e) < 0)
				goto model;
		}
	}
	if (x->has_length) {
		struct fx_range l = { x->len_lo, x->len_hi };

		if (add_set(r, FS_C_PKT_LEN, &l, 1, x->inv_length, 65535, &empty, &e) < 0)
			goto model;
		if (empty)
			goto never;
	}
	if (x->has_dscp) {
		struct fx_range d = { x->dscp, x->dscp };

		if (add_set(r, FS_C_DSCP, &d, 1, x->inv_dscp, 63, &empty, &e) < 0)
			goto model;
	}
	if (r->present == 0) {
		/* matches every packet: the whole address space */
		uint8_t zero[16] = { 0 };

		if (fs_route_set_prefix(r, FS_C_DST, zero, 0, 0, &e) < 0)
			goto model;
	}
	if (x->target == FX_T_DROP || x->target == FX_T_REJECT) {
		r->act.has_rate_bytes = true;
		r->act.rate_bytes = 0;
	}
	*out = r;
	return 0;
never:
	fs_route_free(r);
	snprintf(why, cap, "rule %u: matches no packet", x->num);
	return 1;
model:
	fs_route_free(r);
	return refuse(x, why, cap, "%s", e.msg);
}
