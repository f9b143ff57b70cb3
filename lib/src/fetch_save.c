/*
 * fetch_save.c - the fetcher's iptables-save reader: one chain of the
 * filter table, rule by rule, read as iptables-restore reads it.
 *
 * A document is read line by line and never held whole: memory stays
 * within one line, one rule and the table of the filter table's chains.
 * Each line is split the way iptables-restore splits it (blanks, double
 * quotes with backslash escapes inside them), and each rule's options are
 * read the way iptables parses a command line: every base option at most
 * once, a match's options going to the latest instance of that match, an
 * option no loaded match owns loading the protocol's match ("-p tcp
 * --dport 80"), and each match checked at the end as its extension and the
 * kernel check it (a tcp match needs -p tcp, an icmp match its
 * --icmp-type ...).  What iptables-restore refuses, this refuses, naming
 * the file, the line and the token; the few things restore accepts and
 * this refuses on purpose are listed in fetcher/flowspec-fetcher.8.
 * Matches of other kinds and targets other than ACCEPT, DROP and REJECT
 * are recorded by name for the mapping to refuse; their options, which
 * only their extension knows, are skipped.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flowspec/fetch.h"

#define TOK_MAX 251     /* iptables-restore's argv: 255 less its own four */
#define TOKLEN_MAX 1023 /* bytes in one token (its "Parameter too long!") */
#define NAME_MAX_ 28    /* chain and target names (XT_EXTENSION_MAXNAMELEN - 1) */

struct toks {
	char *v[TOK_MAX];
	int n;
	char buf[FX_LINE_MAX + TOK_MAX + 1];
};

/* ---- the chain table ------------------------------------------------------ */

struct chainent {
	char name[NAME_MAX_ + 1];
	bool used;
	bool declared;          /* its ":NAME POLICY" line was read (a built-in chain may come
	                         * without one: it exists in every filter table) */
	unsigned nrules;
};

struct chains {
	struct chainent *v;
	size_t cap, n;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct chainent *chains_find(const struct chains *c, const char *name)
{
	size_t i;

	if (c->cap == 0)
		return NULL;
	for (i = name_hash(name) & (c->cap - 1); c->v[i].used; i = (i + 1) & (c->cap - 1))
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

/* Adds name (not there yet).  The entry, or NULL on allocation failure. */
static struct chainent *chains_add(struct chains *c, const char *name)
{
	size_t i;

	if (2 * (c->n + 1) > c->cap) {
		struct chains g = { NULL, c->cap ? 2 * c->cap : 16, 0 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (g.v == NULL)
			return NULL;
		for (i = 0; i < c->cap; i++) {
			if (c->v[i].used) {
				struct chainent *e = chains_add(&g, c->v[i].name);

				e->nrules = c->v[i].nrules;
				e->declared = c->v[i].declared;
			}
		}
		free(c->v);
		*c = g;
	}
	for (i = name_hash(name) & (c->cap - 1); c->v[i].used; i = (i + 1) & (c->cap - 1))
		;
	snprintf(c->v[i].name, sizeof(c->v[i].name), "%s", name);
	c->v[i].used = true;
	c->v[i].declared = false;
	c->v[i].nrules = 0;
	c->n++;
	return &c->v[i];
}

static bool builtin_chain(const char *name)
{
	return strcmp(name, "INPUT") == 0 || strcmp(name, "FORWARD") == 0 ||
	    strcmp(name, "OUTPUT") == 0;
}

/* ---- small parsers, each as iptables' own ------------------------------------ */

/*
 * An unsigned number as xtables_strtoui reads it: leading blanks, an
 * optional '+', decimal, 0x hex or 0 octal, nothing after.  0 or -1.
 */
static int parse_u(const char *s, unsigned long max, unsigned long *out)
{
	const char *p = s;
	char *end;
	unsigned long long v;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v > max)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

static void lower(char *dst, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

/* libxtables' own protocol names, after the system's (xtables_chain_protos) */
static const struct {
	const char *name;
	uint8_t num;
} chain_protos[] = {
	{ "tcp", 6 }, { "sctp", 132 }, { "udp", 17 }, { "udplite", 136 }, { "icmp", 1 },
	{ "icmpv6", 58 }, { "ipv6-icmp", 58 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-mh", 135 },
	{ "mh", 135 }, { "all", 0 },
};

/* -p's value (lowercased) as xtables_parse_protocol reads it: 0..255, or -1. */
static int parse_proto(const char *lname)
{
	unsigned long v;
	const struct protoent *pe;
	size_t i;

	if (parse_u(lname, 255, &v) == 0)
		return (int)v;
	if (strcmp(lname, "all") == 0)
		return 0;
	pe = getprotobyname(lname);
	if (pe != NULL && pe->p_proto >= 0 && pe->p_proto <= 255)
		return pe->p_proto;
	for (i = 0; i < sizeof(chain_protos) / sizeof(chain_protos[0]); i++)
		if (strcmp(lname, chain_protos[i].name) == 0)
			return chain_protos[i].num;
	return -1;
}

/* The name iptables loads a protocol's match by (find_proto), "" if none. */
static void proto_match_name(const char *lname, char *out, size_t cap)
{
	unsigned long v;
	size_t i;

	if (parse_u(lname, 255, &v) < 0) {
		snprintf(out, cap, "%s", lname);
		return;
	}
	for (i = 0; i < sizeof(chain_protos) / sizeof(chain_protos[0]); i++)
		if (chain_protos[i].num == v && v != 0) {
			snprintf(out, cap, "%s", chain_protos[i].name);
			return;
		}
	{
		const struct protoent *pe = v ? getprotobynumber((int)v) : NULL;

		snprintf(out, cap, "%s", pe ? pe->p_name : "");
	}
}

/* "ADDR[/LEN|/MASK]" into address and mask (iptables masks the address itself). */
static int parse_addr(const char *s, int family, uint8_t addr[16], uint8_t mask[16])
{
	char a[64];
	const char *slash = strrchr(s, '/');
	int af = family == 4 ? AF_INET : AF_INET6;
	unsigned maxlen = family == 4 ? 32 : 128, i;
	unsigned long len = maxlen;
	size_t al = slash ? (size_t)(slash - s) : strlen(s);

	memset(addr, 0, 16);
	memset(mask, 0, 16);
	if (al >= sizeof(a))
		return -1;
	memcpy(a, s, al);
	a[al] = '\0';
	if (inet_pton(af, a, addr) != 1)
		return -1;
	if (slash != NULL) {
		if (strchr(slash + 1, family == 4 ? '.' : ':') != NULL)
			return inet_pton(af, slash + 1, mask) == 1 ? 0 : -1;
		if (parse_u(slash + 1, maxlen, &len) < 0)
			return -1;
	}
	for (i = 0; i < len; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return 0;
}

/* One port: a number, or a service name of protocol proto (xtables_parse_port). */
static int parse_port(const char *s, const char *proto, uint16_t *out)
{
	unsigned long v;
	const struct servent *se;

	if (parse_u(s, 65535, &v) == 0) {
		*out = (uint16_t)v;
		return 0;
	}
	if (*s == '\0' || proto == NULL || proto[0] == '\0')
		return -1;
	se = getservbyname(s, proto);
	if (se == NULL)
		return -1;
	*out = ntohs((uint16_t)se->s_port);
	return 0;
}

/*
 * One port as libxtables' xtables_getportbyname reads it for the udp match
 * (getaddrinfo's service lookup: a decimal number, or a service of any
 * protocol).  0, 1 when it is a number above 65535 (which getaddrinfo
 * wraps: refused, as surely not what was meant), or -1.
 */
static int parse_port_any(const char *s, uint16_t *out)
{
	struct addrinfo *res = NULL, *a;
	const char *d = s;
	int rc = -1;

	while (*d == ' ' || *d == '\t')
		d++;
	if (*d == '+')
		d++;
	if (*d >= '0' && *d <= '9' && strspn(d, "0123456789") == strlen(d)) {
		unsigned long v;

		errno = 0;
		v = strtoul(d, NULL, 10);
		if (errno == ERANGE || v > 65535)
			return 1;
	}
	if (getaddrinfo(NULL, s, NULL, &res) != 0)
		return -1;
	for (a = res; a != NULL; a = a->ai_next) {
		if (a->ai_family == AF_INET6) {
			*out = ntohs(((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_port);
			rc = 0;
			break;
		}
		if (a->ai_family == AF_INET) {
			*out = ntohs(((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_port);
			rc = 0;
			break;
		}
	}
	freeaddrinfo(res);
	return rc;
}

/*
 * The udp match's "--dport A", "A:B", "A:", ":B", ":" (XTTYPE_PORTRC): A
 * above B is kept, and matches nothing.  NULL, or the reason.
 */
static const char *parse_udp_range(const char *s, struct fx_range *r)
{
	char a[256];
	const char *colon = strchr(s, ':');
	int k;

	if (strlen(s) >= sizeof(a))
		return "not a port or range";
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return "more than two ports in a range";
	snprintf(a, sizeof(a), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	r->lo = 0;
	r->hi = 65535;
	if (a[0] != '\0' || colon == NULL) {
		if ((k = parse_port_any(a, &r->lo)) != 0)
			return k > 0 ? "a port above 65535 (iptables would wrap it to another port)" :
			    "not a port or service";
		r->hi = r->lo;
	}
	if (colon != NULL && colon[1] != '\0') {
		if ((k = parse_port_any(colon + 1, &r->hi)) != 0)
			return k > 0 ? "a port above 65535 (iptables would wrap it to another port)" :
			    "not a port or service";
	} else if (colon != NULL) {
		r->hi = 65535;
	}
	return NULL;
}

/* tcp "--dport A", "A:B", "A:", ":B", ":" (libxt_tcp's parse_tcp_ports). */
static int parse_port_range(const char *s, const char *proto, struct fx_range *r)
{
	char a[256];
	const char *colon = strchr(s, ':');

	if (colon == NULL) {
		if (parse_port(s, proto, &r->lo) < 0)
			return -1;
		r->hi = r->lo;
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	r->lo = 0;
	r->hi = 65535;
	if ((a[0] != '\0' && parse_port(a, proto, &r->lo) < 0) ||
	    (colon[1] != '\0' && parse_port(colon + 1, proto, &r->hi) < 0))
		return -1;
	return r->lo <= r->hi ? 0 : -1;
}

/*
 * multiport's "80,443,1000:2000" (parse_multi_ports_v1): at most 15 slots,
 * a range taking two, its low end below its high end.  NULL, or the
 * reason.
 */
static const char *parse_portlist(const char *s, const char *proto, struct fx_ports *p)
{
	char buf[1024], *cp, *next;
	unsigned slots = 0;

	if (strlen(s) >= sizeof(buf))
		return "too long";
	snprintf(buf, sizeof(buf), "%s", s);
	p->n = 0;
	for (cp = buf; cp != NULL; cp = next) {
		char *range;

		if (slots == FX_PORTS_MAX)
			return "more than 15 ports (a range counts as two)";
		next = strchr(cp, ',');
		if (next != NULL)
			*next++ = '\0';
		range = strchr(cp, ':');
		if (range != NULL) {
			if (slots == FX_PORTS_MAX - 1)
				return "more than 15 ports (a range counts as two)";
			*range++ = '\0';
		}
		if (parse_port(cp, proto, &p->r[p->n].lo) < 0)
			return "not a port or service";
		p->r[p->n].hi = p->r[p->n].lo;
		slots++;
		if (range != NULL) {
			if (parse_port(range, proto, &p->r[p->n].hi) < 0)
				return "not a port or service";
			if (p->r[p->n].lo >= p->r[p->n].hi)
				return "a range whose low end is not below its high end";
			slots++;
		}
		p->n++;
	}
	return NULL;
}

/* libxt_tcp's flag names (no ECE or CWR) */
static const struct {
	const char *name;
	uint8_t bits;
} tcpflag_names[] = {
	{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 }, { "ACK", 0x10 },
	{ "URG", 0x20 }, { "ALL", 0x3f }, { "NONE", 0 },
};

static int parse_tcpflags(const char *s, uint8_t *out)
{
	char buf[256], *save = NULL, *tok;
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

struct icmpname {
	const char *name;
	uint8_t type, lo, hi;
};

/* iptables -p icmp -h, aliases included */
static const struct icmpname icmp4_names[] = {
	{ "any", 255, 0, 255 },
	{ "echo-reply", 0, 0, 255 }, { "pong", 0, 0, 255 },
	{ "destination-unreachable", 3, 0, 255 },
	{ "network-unreachable", 3, 0, 0 }, { "host-unreachable", 3, 1, 1 },
	{ "protocol-unreachable", 3, 2, 2 }, { "port-unreachable", 3, 3, 3 },
	{ "fragmentation-needed", 3, 4, 4 }, { "source-route-failed", 3, 5, 5 },
	{ "network-unknown", 3, 6, 6 }, { "host-unknown", 3, 7, 7 },
	{ "network-prohibited", 3, 9, 9 }, { "host-prohibited", 3, 10, 10 },
	{ "TOS-network-unreachable", 3, 11, 11 }, { "TOS-host-unreachable", 3, 12, 12 },
	{ "communication-prohibited", 3, 13, 13 }, { "host-precedence-violation", 3, 14, 14 },
	{ "precedence-cutoff", 3, 15, 15 },
	{ "source-quench", 4, 0, 255 },
	{ "redirect", 5, 0, 255 },
	{ "network-redirect", 5, 0, 0 }, { "host-redirect", 5, 1, 1 },
	{ "TOS-network-redirect", 5, 2, 2 }, { "TOS-host-redirect", 5, 3, 3 },
	{ "echo-request", 8, 0, 255 }, { "ping", 8, 0, 255 },
	{ "router-advertisement", 9, 0, 255 }, { "router-solicitation", 10, 0, 255 },
	{ "time-exceeded", 11, 0, 255 }, { "ttl-exceeded", 11, 0, 255 },
	{ "ttl-zero-during-transit", 11, 0, 0 }, { "ttl-zero-during-reassembly", 11, 1, 1 },
	{ "parameter-problem", 12, 0, 255 },
	{ "ip-header-bad", 12, 0, 0 }, { "required-option-missing", 12, 1, 1 },
	{ "timestamp-request", 13, 0, 255 }, { "timestamp-reply", 14, 0, 255 },
	{ "address-mask-request", 17, 0, 255 }, { "address-mask-reply", 18, 0, 255 },
};

/* ip6tables -p ipv6-icmp -h, aliases included */
static const struct icmpname icmp6_names[] = {
	{ "destination-unreachable", 1, 0, 255 },
	{ "no-route", 1, 0, 0 }, { "communication-prohibited", 1, 1, 1 },
	{ "beyond-scope", 1, 2, 2 }, { "address-unreachable", 1, 3, 3 },
	{ "port-unreachable", 1, 4, 4 }, { "failed-policy", 1, 5, 5 },
	{ "reject-route", 1, 6, 6 },
	{ "packet-too-big", 2, 0, 255 },
	{ "time-exceeded", 3, 0, 255 }, { "ttl-exceeded", 3, 0, 255 },
	{ "ttl-zero-during-transit", 3, 0, 0 }, { "ttl-zero-during-reassembly", 3, 1, 1 },
	{ "parameter-problem", 4, 0, 255 },
	{ "bad-header", 4, 0, 0 }, { "unknown-header-type", 4, 1, 1 },
	{ "unknown-option", 4, 2, 2 },
	{ "echo-request", 128, 0, 255 }, { "ping", 128, 0, 255 },
	{ "echo-reply", 129, 0, 255 }, { "pong", 129, 0, 255 },
	{ "router-solicitation", 133, 0, 255 }, { "router-advertisement", 134, 0, 255 },
	{ "neighbour-solicitation", 135, 0, 255 }, { "neighbor-solicitation", 135, 0, 255 },
	{ "neighbour-advertisement", 136, 0, 255 }, { "neighbor-advertisement", 136, 0, 255 },
	{ "redirect", 137, 0, 255 },
};

/*
 * --icmp-type / --icmpv6-type as libipt_icmp / libip6t_icmp6 read it: a
 * name or an unambiguous beginning of one (any case), else TYPE[/CODE]
 * in numbers.  NULL, or the reason.
 */
static const char *parse_icmp(const char *s, int family, struct fx_icmp *ic)
{
	const struct icmpname *tab = family == 4 ? icmp4_names : icmp6_names;
	size_t n = family == 4 ? sizeof(icmp4_names) / sizeof(icmp4_names[0]) :
	    sizeof(icmp6_names) / sizeof(icmp6_names[0]);
	size_t i, len = strlen(s), match = n;
	unsigned long ty, co;
	char tb[64];
	const char *sl;

	for (i = 0; i < n; i++) {
		if (strncasecmp(tab[i].name, s, len) != 0)
			continue;
		if (match != n)
			return "an ambiguous ICMP type name";
		match = i;
	}
	if (match != n) {
		ic->type = tab[match].type;
		ic->code_lo = tab[match].lo;
		ic->code_hi = tab[match].hi;
	} else {
		sl = strchr(s, '/');
		if ((sl ? (size_t)(sl - s) : len) >= sizeof(tb))
			return "not an ICMP type";
		snprintf(tb, sizeof(tb), "%.*s", sl ? (int)(sl - s) : (int)len, s);
		if (parse_u(tb, 255, &ty) < 0)
			return family == 4 ? "not an ICMP type (a name of iptables -p icmp -h, or "
			    "TYPE[/CODE])" : "not an ICMPv6 type (a name of ip6tables -p ipv6-icmp -h, "
			    "or TYPE[/CODE])";
		if (sl != NULL && parse_u(sl + 1, 255, &co) < 0)
			return "not an ICMP code";
		ic->type = (uint8_t)ty;
		ic->code_lo = sl ? (uint8_t)co : 0;
		ic->code_hi = sl ? (uint8_t)co : 255;
	}
	/* IPv4's type 255 is the kernel's "any", whatever the code (icmp_type_code_match) */
	ic->any = family == 4 && ic->type == 255;
	return NULL;
}

/* libxt_dscp's class names: the value starts with one (class_to_dscp) */
static int parse_dscp_class(const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t v;
	} cl[] = {
		{ "CS0", 0x00 }, { "CS1", 0x08 }, { "CS2", 0x10 }, { "CS3", 0x18 }, { "CS4", 0x20 },
		{ "CS5", 0x28 }, { "CS6", 0x30 }, { "CS7", 0x38 }, { "BE", 0x00 }, { "AF11", 0x0a },
		{ "AF12", 0x0c }, { "AF13", 0x0e }, { "AF21", 0x12 }, { "AF22", 0x14 },
		{ "AF23", 0x16 }, { "AF31", 0x1a }, { "AF32", 0x1c }, { "AF33", 0x1e },
		{ "AF41", 0x22 }, { "AF42", 0x24 }, { "AF43", 0x26 }, { "EF", 0x2e },
	};
	size_t i;

	for (i = 0; i < sizeof(cl) / sizeof(cl[0]); i++)
		if (strncasecmp(s, cl[i].name, strlen(cl[i].name)) == 0) {
			*out = cl[i].v;
			return 0;
		}
	return -1;
}

/* --length as XTTYPE_UINT16RC: "A", "A:B", "A:", ":B", ":" (A > B is kept: it matches nothing) */
static int parse_length(const char *s, struct fx_length *l)
{
	char a[64];
	const char *colon = strchr(s, ':');
	unsigned long lo = 0, hi = 65535;

	if (colon == NULL) {
		if (parse_u(s, 65535, &lo) < 0)
			return -1;
		l->lo = l->hi = (uint16_t)lo;
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(a) || strchr(colon + 1, ':') != NULL)
		return -1;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	if ((a[0] != '\0' && parse_u(a, 65535, &lo) < 0) ||
	    (colon[1] != '\0' && parse_u(colon + 1, 65535, &hi) < 0))
		return -1;
	l->lo = (uint16_t)lo;
	l->hi = (uint16_t)hi;
	return 0;
}

/* REJECT --reject-with: a name or alias, or the beginning of one (the first wins, as in libipt_REJECT) */
static int parse_reject(const char *s, int family, bool *tcp_reset)
{
	static const char *const v4[][2] = {
		{ "icmp-net-unreachable", "net-unreach" }, { "icmp-host-unreachable", "host-unreach" },
		{ "icmp-proto-unreachable", "proto-unreach" },
		{ "icmp-port-unreachable", "port-unreach" }, { "icmp-net-prohibited", "net-prohib" },
		{ "icmp-host-prohibited", "host-prohib" }, { "tcp-reset", "tcp-rst" },
		{ "icmp-admin-prohibited", "admin-prohib" },
	};
	static const char *const v6[][2] = {
		{ "icmp6-no-route", "no-route" }, { "icmp6-adm-prohibited", "adm-prohibited" },
		{ "icmp6-addr-unreachable", "addr-unreach" },
		{ "icmp6-port-unreachable", "port-unreach" }, { "icmp6-policy-fail", "policy-fail" },
		{ "icmp6-reject-route", "reject-route" }, { "tcp-reset", "tcp-rst" },
	};
	const char *const (*t)[2] = family == 4 ? v4 : v6;
	size_t n = family == 4 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]), i;
	size_t len = strlen(s);

	for (i = 0; i < n; i++)
		if (strncasecmp(t[i][0], s, len) == 0 || strncasecmp(t[i][1], s, len) == 0) {
			*tcp_reset = strcmp(t[i][0], "tcp-reset") == 0;
			return 0;
		}
	return -1;
}

/*
 * Splits a line as iptables-restore does (add_param_to_argv): blanks
 * separate tokens; a double quote opens a quoted part, in which a
 * backslash takes the next byte as it is; a closing quote ends the token
 * (an empty one too).  0, or -1 with *why.
 */
static int tokenize(const char *line, size_t len, struct toks *t, int max, const char **why)
{
	size_t i, o = 0, start = 0;
	bool quote = false, esc = false;

	t->n = 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? line[i] : ' ';

		if (quote && i == len) {
			/* restore takes the rest of the line; a cut file is more likely */
			*why = "unbalanced quotes (a quote opened and never closed)";
			return -1;
		}
		if (quote) {
			if (esc) {
				esc = false;
			} else if (c == '\\') {
				esc = true;
				continue;
			} else if (c == '"') {
				quote = false;
				goto emit;
			}
			t->buf[o++] = c;
			continue;
		}
		if (c == '"') {
			quote = true;
			continue;
		}
		if (c != ' ' && c != '\t') {
			t->buf[o++] = c;
			continue;
		}
		if (o == start)
			continue;
emit:
		if (o - start > TOKLEN_MAX) {
			*why = "a token longer than 1023 bytes (iptables-restore's limit)";
			return -1;
		}
		if (t->n == max) {
			*why = "too many tokens (iptables-restore takes 251)";
			return -1;
		}
		t->buf[o++] = '\0';
		t->v[t->n++] = t->buf + start;
		start = o;
	}
	return 0;
}

/* ---- one rule ------------------------------------------------------------------- */

enum mkind { MK_TCP, MK_UDP, MK_MPORT, MK_ICMP, MK_ICMP6, MK_LENGTH, MK_DSCP, MK_COMMENT,
	MK_OTHER, MK_N };

static const char *const mk_name[MK_N] = { "tcp", "udp", "multiport", "icmp", "icmp6", "length",
	"dscp", "comment", "?" };

/* option bits within one match instance */
#define O_SPORT  0x01
#define O_DPORT  0x02
#define O_FLAGS  0x04
#define O_TCPOPT 0x08
#define O_MAIN   0x10 /* the option of a one-option match (icmp, length, dscp, comment, multiport) */

struct minst {
	uint8_t kind;
	uint8_t opts;
	char name[32];          /* as written (-m NAME) or loaded (-p NAME) */
	char mpwhich;           /* multiport: 'S', 'D' or 'E' */
	struct fx_ports sp, dp, mp;
	struct fx_tcpflags fl;
	struct fx_icmp ic;
	struct fx_length ln;
	struct fx_dscp ds;
};

#define MINST_MAX (TOK_MAX / 2 + 1)

#define OW_BASE   MK_N       /* iptables' own options */
#define OW_REJECT (MK_N + 1) /* the REJECT target's */
#define OW_N      (MK_N + 2)

/*
 * The long options a rule line can name, as getopt_long sees them: the
 * base options (iptables' original_opts: id is the short letter), then the
 * options of each match and target this reader knows (aliases share an
 * id).  getopt_long takes an exact name, else an unambiguous beginning of
 * one, which this reader does too.
 */
static const struct odef {
	const char *name;
	uint8_t owner;          /* MK_*, OW_BASE or OW_REJECT */
	uint8_t id;
	uint8_t nargs;          /* 0, 1, or 2 (--tcp-flags MASK COMP) */
	uint8_t bit;            /* O_* within a match instance */
	char which;             /* multiport: 'S', 'D' or 'E' */
} odefs[] = {
	{ "append", OW_BASE, 'A', 1, 0, 0 }, { "delete", OW_BASE, 'D', 1, 0, 0 },
	{ "check", OW_BASE, 'C', 1, 0, 0 }, { "insert", OW_BASE, 'I', 1, 0, 0 },
	{ "replace", OW_BASE, 'R', 1, 0, 0 }, { "list", OW_BASE, 'L', 1, 0, 0 },
	{ "list-rules", OW_BASE, 'S', 1, 0, 0 }, { "flush", OW_BASE, 'F', 1, 0, 0 },
	{ "zero", OW_BASE, 'Z', 1, 0, 0 }, { "new-chain", OW_BASE, 'N', 1, 0, 0 },
	{ "delete-chain", OW_BASE, 'X', 1, 0, 0 }, { "rename-chain", OW_BASE, 'E', 1, 0, 0 },
	{ "policy", OW_BASE, 'P', 1, 0, 0 }, { "source", OW_BASE, 's', 1, 0, 0 },
	{ "destination", OW_BASE, 'd', 1, 0, 0 }, { "src", OW_BASE, 's', 1, 0, 0 },
	{ "dst", OW_BASE, 'd', 1, 0, 0 }, { "protocol", OW_BASE, 'p', 1, 0, 0 },
	{ "in-interface", OW_BASE, 'i', 1, 0, 0 }, { "jump", OW_BASE, 'j', 1, 0, 0 },
	{ "table", OW_BASE, 't', 1, 0, 0 }, { "match", OW_BASE, 'm', 1, 0, 0 },
	{ "numeric", OW_BASE, 'n', 0, 0, 0 }, { "out-interface", OW_BASE, 'o', 1, 0, 0 },
	{ "verbose", OW_BASE, 'v', 0, 0, 0 }, { "wait", OW_BASE, 'w', 0, 0, 0 },
	{ "wait-interval", OW_BASE, 'W', 1, 0, 0 }, { "exact", OW_BASE, 'x', 0, 0, 0 },
	{ "fragments", OW_BASE, 'f', 0, 0, 0 }, { "version", OW_BASE, 'V', 0, 0, 0 },
	{ "help", OW_BASE, 'h', 0, 0, 0 }, { "line-numbers", OW_BASE, '0', 0, 0, 0 },
	{ "modprobe", OW_BASE, 'M', 1, 0, 0 }, { "set-counters", OW_BASE, 'c', 1, 0, 0 },
	{ "goto", OW_BASE, 'g', 1, 0, 0 }, { "ipv4", OW_BASE, '4', 0, 0, 0 },
	{ "ipv6", OW_BASE, '6', 0, 0, 0 },
	{ "source-port", MK_TCP, 1, 1, O_SPORT, 0 }, { "sport", MK_TCP, 1, 1, O_SPORT, 0 },
	{ "destination-port", MK_TCP, 2, 1, O_DPORT, 0 }, { "dport", MK_TCP, 2, 1, O_DPORT, 0 },
	{ "syn", MK_TCP, 3, 0, O_FLAGS, 0 }, { "tcp-flags", MK_TCP, 4, 2, O_FLAGS, 0 },
	{ "tcp-option", MK_TCP, 5, 1, O_TCPOPT, 0 },
	{ "source-port", MK_UDP, 1, 1, O_SPORT, 0 }, { "sport", MK_UDP, 1, 1, O_SPORT, 0 },
	{ "destination-port", MK_UDP, 2, 1, O_DPORT, 0 }, { "dport", MK_UDP, 2, 1, O_DPORT, 0 },
	{ "source-ports", MK_MPORT, 1, 1, O_MAIN, 'S' }, { "sports", MK_MPORT, 1, 1, O_MAIN, 'S' },
	{ "destination-ports", MK_MPORT, 2, 1, O_MAIN, 'D' },
	{ "dports", MK_MPORT, 2, 1, O_MAIN, 'D' }, { "ports", MK_MPORT, 3, 1, O_MAIN, 'E' },
	{ "icmp-type", MK_ICMP, 1, 1, O_MAIN, 0 }, { "icmpv6-type", MK_ICMP6, 1, 1, O_MAIN, 0 },
	{ "length", MK_LENGTH, 1, 1, O_MAIN, 0 },
	{ "dscp", MK_DSCP, 1, 1, O_MAIN, 0 }, { "dscp-class", MK_DSCP, 2, 1, O_MAIN, 0 },
	{ "comment", MK_COMMENT, 1, 1, O_MAIN, 0 },
	{ "reject-with", OW_REJECT, 1, 1, 0, 0 },
};

static const struct odef ambiguous_ = { "", OW_N, 0, 0, 0, 0 };
#define ODEF_AMBIGUOUS (&ambiguous_)

/*
 * The protocol matches iptables has but this reader does not read, with
 * their options' names: enough to tell an option of theirs from an unknown
 * one (their values are not read: a rule with one is refused by name).
 */
static const struct pmatch {
	const char *name;
	uint8_t family;         /* 0: both */
	const char *opts[6];
} pmatches[] = {
	{ "sctp", 0, { "source-port", "sport", "destination-port", "dport", "chunk-types", NULL } },
	{ "dccp", 0, { "source-port", "sport", "destination-port", "dport", "dccp-types",
		"dccp-option" } },
	{ "udplite", 0, { "source-port", "sport", "destination-port", "dport", NULL } },
	{ "esp", 0, { "espspi", NULL } },
	{ "ah", 0, { "ahspi", "ahlen", "ahres", NULL } },
	{ "mh", 6, { "mh-type", NULL } },
	{ "ipv6-mh", 6, { "mh-type", NULL } },
};

/* The protocol match named name, or NULL. */
static const struct pmatch *pmatch_find(const char *name, int family)
{
	size_t i;

	for (i = 0; i < sizeof(pmatches) / sizeof(pmatches[0]); i++)
		if (strcmp(name, pmatches[i].name) == 0 &&
		    (pmatches[i].family == 0 || pmatches[i].family == family))
			return &pmatches[i];
	return NULL;
}

static bool other_proto_match(const char *name, int family)
{
	return pmatch_find(name, family) != NULL;
}

/* The protocol a protocol match this reader does not read needs (the kernel's check), or 255. */
static uint8_t other_proto_num(const char *name, int family)
{
	static const struct {
		const char *name;
		uint8_t num;
	} k[] = { { "sctp", 132 }, { "dccp", 33 }, { "udplite", 136 }, { "esp", 50 }, { "ah", 51 } };
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(name, k[i].name) == 0)
			return k[i].num;
	if (family == 6 && (strcmp(name, "mh") == 0 || strcmp(name, "ipv6-mh") == 0))
		return 135;
	return 255;
}

/* The match kind iptables loads for -m NAME (or -p's name), MK_N when it has none for the family. */
static int match_kind(const char *name, int family)
{
	int k;

	if (strcmp(name, "icmpv6") == 0 || strcmp(name, "ipv6-icmp") == 0 ||
	    strcmp(name, "icmp6") == 0)
		return family == 6 ? MK_ICMP6 : MK_N;
	if (strcmp(name, "icmp") == 0)
		return family == 4 ? MK_ICMP : MK_N;
	for (k = 0; k < MK_OTHER; k++)
		if (strcmp(name, mk_name[k]) == 0)
			return k;
	return MK_OTHER;
}

/* the state of one rule line being read */
struct rp {
	int family;
	const struct chains *chains;
	struct fx_rule *r;
	const char *bad;            /* the token an error names */
	char why[160];
	/* base options given */
	bool s, d, p, i, o, f, c;
	char proto_name[32];        /* -p as written, lowercased */
	bool proto_used;            /* the protocol's match was loaded implicitly */
	struct minst *m;            /* MINST_MAX */
	int nm;
	int first_load[OW_N];       /* 1 + order in which a kind's options were merged, 0 if not */
	const char *inl;            /* the value after "=" in "--opt=value", until taken */
	int nloads;
	bool other_loaded;          /* a match this reader does not read */
	bool other_unknown;         /* one whose options it does not even know */
	enum { TG_NONE, TG_STD, TG_CHAIN, TG_REJECT, TG_EXT } tg;
	bool reject_with, tcp_reset;
};

static int fail(struct rp *p, const char *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rp *p, const char *tok, const char *fmt, ...)
{
	va_list ap;

	p->bad = tok;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Loads a match instance (explicit or implicit).  The instance, or NULL (p->why set). */
static struct minst *load(struct rp *p, int kind, const char *name, const char *tok)
{
	struct minst *m;

	if (p->nm == MINST_MAX) {
		fail(p, tok, "too many matches");
		return NULL;
	}
	m = &p->m[p->nm++];
	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)kind;
	snprintf(m->name, sizeof(m->name), "%s", name);
	if (p->first_load[kind] == 0)
		p->first_load[kind] = ++p->nloads;
	if (kind == MK_OTHER) {
		p->other_loaded = true;
		p->other_unknown |= pmatch_find(name, p->family) == NULL;
	}
	return m;
}

/* The latest instance of kind, or NULL. */
static struct minst *latest(struct rp *p, int kind)
{
	int i;

	for (i = p->nm - 1; i >= 0; i--)
		if (p->m[i].kind == kind)
			return &p->m[i];
	return NULL;
}

/* The rule's protocol name for the services of a multiport list (check_proto). */
static const char *mport_proto(const struct rp *p)
{
	if (!p->r->has_proto)
		return NULL;
	switch (p->r->proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 136: return "udplite";
	case 132: return "sctp";
	case 33: return "dccp";
	}
	return NULL;
}

/* An option's value: after its "=", or the next token.  NULL (p->why set) if none. */
static const char *value(struct rp *p, char **v, int n, int *i)
{
	const char *a = p->inl;

	if (a != NULL) {
		p->inl = NULL;
		return a;
	}
	if (*i + 1 >= n) {
		fail(p, v[*i], "missing value");
		return NULL;
	}
	return v[++*i];
}

/* One option of a known match, given to instance m: its value(s) from tokens [*i+1..). */
static int match_opt(struct rp *p, struct minst *m, const struct odef *d, char **v, int n,
    int *i, bool inv)
{
	const char *o = v[*i], *a = NULL;

	if (d->nargs > 0 && (a = value(p, v, n, i)) == NULL)
		return -1;
	if (m->opts & d->bit) {
		if (m->kind == MK_TCP && d->bit == O_FLAGS)
			return fail(p, o, "one of --syn and --tcp-flags per tcp match");
		if (m->kind == MK_MPORT)
			return fail(p, o, "one of --sports, --dports and --ports per multiport match");
		if (m->kind == MK_DSCP)
			return fail(p, o, "one of --dscp and --dscp-class per dscp match");
		return fail(p, o, "--%s twice in one %s match (the kernel would keep one)", d->name,
		    mk_name[m->kind]);
	}
	m->opts |= d->bit;
	switch (m->kind) {
	case MK_TCP:
	case MK_UDP: {
		const char *proto = m->kind == MK_TCP ? "tcp" : "udp";

		if (d->bit == O_SPORT || d->bit == O_DPORT) {
			struct fx_ports *pp = d->bit == O_SPORT ? &m->sp : &m->dp;

			if (m->kind == MK_UDP) {
				const char *why = parse_udp_range(a, &pp->r[0]);

				if (why != NULL)
					return fail(p, a, "bad port or range: %s", why);
			} else if (parse_port_range(a, proto, &pp->r[0]) < 0) {
				return fail(p, a, "bad port or range");
			}
			pp->n = 1;
			pp->inv = inv;
		} else if (d->bit == O_FLAGS && d->nargs == 0) {
			m->fl.mask = 0x17; /* --syn: FIN,SYN,RST,ACK SYN */
			m->fl.comp = 0x02;
			m->fl.inv = inv;
		} else if (d->bit == O_FLAGS) {
			if (*i + 1 >= n || v[*i + 1][0] == '-' || v[*i + 1][0] == '!')
				return fail(p, o, "--tcp-flags needs MASK and COMP");
			if (parse_tcpflags(a, &m->fl.mask) < 0)
				return fail(p, a, "unknown TCP flag (FIN SYN RST PSH ACK URG ALL NONE)");
			a = v[++*i];
			if (parse_tcpflags(a, &m->fl.comp) < 0)
				return fail(p, a, "unknown TCP flag (FIN SYN RST PSH ACK URG ALL NONE)");
			m->fl.inv = inv;
		} else {
			unsigned long opt;

			if (parse_u(a, 255, &opt) < 0 || opt == 0)
				return fail(p, a, "not a TCP option number (1..255)");
			fx_rule_unsupported(p->r, inv, "--tcp-option", NULL);
		}
		return 0;
	}
	case MK_MPORT: {
		const char *why;

		/* libxt_multiport reads the protocol with each option: -p comes first */
		if (mport_proto(p) == NULL || p->r->inv_proto)
			return fail(p, o, "-m multiport needs -p tcp, udp, udplite, sctp or dccp before it");
		why = parse_portlist(a, mport_proto(p), &m->mp);

		if (why != NULL)
			return fail(p, a, "bad port list: %s", why);
		m->mp.inv = inv;
		m->mpwhich = d->which;
		return 0;
	}
	case MK_ICMP:
	case MK_ICMP6: {
		const char *why = parse_icmp(a, p->family, &m->ic);

		if (why != NULL)
			return fail(p, a, "%s", why);
		m->ic.inv = inv;
		return 0;
	}
	case MK_LENGTH:
		if (parse_length(a, &m->ln) < 0)
			return fail(p, a, "bad length range (0..65535)");
		m->ln.inv = inv;
		return 0;
	case MK_DSCP: {
		unsigned long dv;

		if (d->id == 2) {
			if (parse_dscp_class(a, &m->ds.dscp) < 0)
				return fail(p, a, "not a DSCP class (CS0..CS7, BE, AF11..AF43, EF)");
		} else if (parse_u(a, 63, &dv) < 0) {
			return fail(p, a, "DSCP 0..63 expected");
		} else {
			m->ds.dscp = (uint8_t)dv;
		}
		m->ds.inv = inv;
		return 0;
	}
	case MK_COMMENT:
		if (inv)
			return fail(p, o, "--comment cannot be negated");
		return 0;
	}
	return fail(p, o, "unknown option");
}

/* Skips the values of an option only an unknown match or target knows. */
static void skip_values(struct rp *p, char **v, int n, int *i)
{
	p->inl = NULL;
	while (*i + 1 < n && v[*i + 1][0] != '-' && strcmp(v[*i + 1], "!") != 0)
		++*i;
}

/*
 * The option "--NAME" (namelen bytes of it) as getopt_long finds it in the
 * table iptables has merged so far: the base options first, then those of
 * each match and target kind, the last merged first; an exact name wins,
 * else the one option NAME begins.  NULL when none, ODEF_AMBIGUOUS when
 * it begins several.
 */
static const struct odef *resolve(const struct rp *p, const char *name, size_t namelen)
{
	const struct odef *found = NULL;
	int order[OW_N], no = 0, j, k;
	size_t x;

	order[no++] = OW_BASE;
	for (j = p->nloads; j >= 1; j--)
		for (k = 0; k < OW_N; k++)
			if (k != OW_BASE && p->first_load[k] == j)
				order[no++] = k;
	for (j = 0; j < no; j++)
		for (x = 0; x < sizeof(odefs) / sizeof(odefs[0]); x++)
			if (odefs[x].owner == order[j] && strlen(odefs[x].name) == namelen &&
			    memcmp(odefs[x].name, name, namelen) == 0)
				return &odefs[x];
	for (j = 0; j < no; j++) {
		for (x = 0; x < sizeof(odefs) / sizeof(odefs[0]); x++) {
			const struct odef *d = &odefs[x];

			if (d->owner != order[j] || strncmp(d->name, name, namelen) != 0)
				continue;
			if (found == NULL)
				found = d;
			else if (found->owner != d->owner || found->id != d->id)
				return ODEF_AMBIGUOUS;
		}
	}
	return found;
}

/*
 * Whether an option no match of ours owns is one of an extension this
 * reader does not read (then skipped, with its values): of a loaded
 * protocol match whose options it knows (sctp's --dport), or, when a match
 * or target whose options it does not know is there, any name but those
 * of our matches and of REJECT, which no other extension has.  1 when it
 * is (2: one taking a value), 0 when not.
 */
static int skippable(const struct rp *p, const char *name, size_t namelen)
{
	int j, k;
	size_t x;

	for (j = 0; j < p->nm; j++) {
		const struct pmatch *pm;

		if (p->m[j].kind != MK_OTHER || (pm = pmatch_find(p->m[j].name, p->family)) == NULL)
			continue;
		for (k = 0; k < 6 && pm->opts[k] != NULL; k++)
			if (strlen(pm->opts[k]) == namelen && memcmp(pm->opts[k], name, namelen) == 0)
				return strcmp(pm->opts[k], "ahres") == 0 ? 1 : 2;
	}
	for (x = 0; x < sizeof(odefs) / sizeof(odefs[0]); x++)
		if (odefs[x].owner != OW_BASE && strlen(odefs[x].name) == namelen &&
		    memcmp(odefs[x].name, name, namelen) == 0)
			return 0;
	return p->other_unknown || p->tg == TG_EXT;
}

/*
 * A "--" option of a match or target: to the latest instance of the kind
 * that owns it, or to the protocol's match, which the option loads when no
 * loaded one owns it (iptables' load_proto).  *base gets the letter of a
 * base option instead (0 otherwise), for the caller to read.
 */
static int long_opt(struct rp *p, char **v, int n, int *i, bool inv, char *base)
{
	const char *o = v[*i], *name = o + 2, *eq = strchr(name, '=');
	size_t namelen = eq ? (size_t)(eq - name) : strlen(name);
	const struct odef *d;
	char pname[32];
	int k;

	*base = 0;
	p->inl = eq ? eq + 1 : NULL;
	if (namelen == 0)
		return fail(p, o, "unknown option");
	d = resolve(p, name, namelen);
	if (d == NULL && p->p && !p->proto_used) {
		/* no loaded match owns it: the protocol's match, which getopt is then
		 * asked again with */
		int pk;

		proto_match_name(p->proto_name, pname, sizeof(pname));
		pk = pname[0] ? match_kind(pname, p->family) : MK_N;
		if (pk == MK_OTHER && !other_proto_match(pname, p->family))
			pk = MK_N;
		if (pk != MK_N) {
			if (load(p, pk, pname, o) == NULL)
				return -1;
			p->proto_used = true;
			d = resolve(p, name, namelen);
		}
	}
	if (d == ODEF_AMBIGUOUS)
		return fail(p, o, "an abbreviation of more than one option");
	if (d != NULL && d->owner == OW_BASE) {
		*base = (char)d->id;
		return 0;
	}
	if (d != NULL && d->nargs == 0 && p->inl != NULL)
		return fail(p, o, "--%s takes no value", d->name);
	if (d != NULL && d->owner == OW_REJECT) {
		const char *a;

		if (inv)
			return fail(p, o, "--reject-with cannot be negated");
		if (p->reject_with)
			return fail(p, o, "--reject-with twice");
		if ((a = value(p, v, n, i)) == NULL)
			return -1;
		p->reject_with = true;
		if (parse_reject(a, p->family, &p->tcp_reset) < 0)
			return fail(p, a, "not a REJECT type of IPv%d", p->family);
		return 0;
	}
	if (d != NULL)
		return match_opt(p, latest(p, d->owner), d, v, n, i, inv);
	if ((k = skippable(p, name, namelen)) > 0) {
		/* an option of a match or target only its extension reads: the rule is
		 * refused by that name when it is in the chain */
		if (k == 2 && *i + 1 >= n && p->inl == NULL)
			return fail(p, o, "%s needs a value", o);
		skip_values(p, v, n, i);
		return 0;
	}
	return fail(p, o, "unknown option");
}

/* A target or chain name as xt_parse_target checks it. */
static bool name_ok(const char *s)
{
	size_t i, l = strlen(s);

	if (l < 1 || l > NAME_MAX_)
		return false;
	for (i = 0; i < l; i++)
		if (isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* A base option given a second time: iptables refuses it ("multiple -s flags not allowed"). */
static int twice(struct rp *p, bool *seen, const char *tok, const char *what)
{
	if (*seen)
		return fail(p, tok, "a second %s (iptables takes one)", what);
	*seen = true;
	return 0;
}

/* Moves the matches read into the rule, in order, and checks each as iptables and the kernel do. */
static int finish(struct rp *p)
{
	struct fx_rule *r = p->r;
	int j;

	for (j = 0; j < p->nm; j++) {
		struct minst *m = &p->m[j];
		uint8_t need = 255;
		const char *mn = m->name;

		switch (m->kind) {
		case MK_TCP: need = 6; break;
		case MK_UDP: need = 17; break;
		case MK_ICMP: need = 1; break;
		case MK_ICMP6: need = 58; break;
		case MK_MPORT:
			if (!(m->opts & O_MAIN))
				return fail(p, mn, "-m multiport needs --sports, --dports or --ports");
			if (mport_proto(p) == NULL || r->inv_proto)
				return fail(p, mn, "-m multiport needs -p tcp, udp, udplite, sctp or dccp");
			break;
		case MK_LENGTH:
		case MK_DSCP:
		case MK_COMMENT:
			if (!(m->opts & O_MAIN))
				return fail(p, mn, "-m %s needs %s", mk_name[m->kind],
				    m->kind == MK_LENGTH ? "--length" : m->kind == MK_DSCP ? "--dscp" :
				    "--comment");
			break;
		default:
			need = other_proto_num(m->name, p->family);
			break;
		}
		if ((m->kind == MK_ICMP || m->kind == MK_ICMP6) && !(m->opts & O_MAIN))
			return fail(p, mn, "-m %s needs --%s-type", mk_name[m->kind],
			    m->kind == MK_ICMP ? "icmp" : "icmpv6");
		if (need != 255 && (!r->has_proto || r->proto != need || r->inv_proto))
			return fail(p, mn, "the %s match needs -p %s (the kernel refuses it otherwise)",
			    m->kind == MK_OTHER ? m->name : mk_name[m->kind],
			    m->kind == MK_ICMP6 ? "ipv6-icmp" : m->kind == MK_OTHER ? m->name :
			    mk_name[m->kind]);
	}
	if (p->tcp_reset && (!r->has_proto || r->proto != 6 || r->inv_proto))
		return fail(p, "tcp-reset", "REJECT --reject-with tcp-reset needs -p tcp (the kernel "
		    "refuses it otherwise)");
	for (j = 0; j < p->nm; j++) {
		struct minst *m = &p->m[j];
		struct fx_ports *pp;

		switch (m->kind) {
		case MK_TCP:
		case MK_UDP:
			r->l4 = true;
			if ((m->opts & O_SPORT) && (pp = fx_rule_slot(r, FX_S_SPORT)) != NULL)
				*pp = m->sp;
			if ((m->opts & O_DPORT) && (pp = fx_rule_slot(r, FX_S_DPORT)) != NULL)
				*pp = m->dp;
			if (m->kind == MK_TCP && (m->opts & O_FLAGS)) {
				struct fx_tcpflags *f = fx_rule_slot(r, FX_S_FLAGS);

				if (f != NULL)
					*f = m->fl;
			}
			break;
		case MK_MPORT:
			r->l4 = true;
			pp = fx_rule_slot(r, m->mpwhich == 'S' ? FX_S_SPORT : m->mpwhich == 'D' ?
			    FX_S_DPORT : FX_S_PORT);
			if (pp != NULL)
				*pp = m->mp;
			break;
		case MK_ICMP:
		case MK_ICMP6: {
			struct fx_icmp *ic = fx_rule_slot(r, FX_S_ICMP);

			if (ic != NULL)
				*ic = m->ic;
			break;
		}
		case MK_LENGTH: {
			struct fx_length *l = fx_rule_slot(r, FX_S_LENGTH);

			if (l != NULL)
				*l = m->ln;
			break;
		}
		case MK_DSCP: {
			struct fx_dscp *d = fx_rule_slot(r, FX_S_DSCP);

			if (d != NULL)
				*d = m->ds;
			break;
		}
		case MK_COMMENT:
			break;
		default:
			fx_rule_unsupported(r, false, "-m", m->name);
			break;
		}
	}
	return 0;
}

/*
 * One rule's tokens v[2..n) into r (zeroed, num and family set).  0, or -1
 * with p->bad the token and p->why the reason.
 */
static int parse_rule(struct rp *p, char **v, int n)
{
	struct fx_rule *r = p->r;
	bool inv = false;
	const char *inv_tok = NULL;
	int i;

	for (i = 2; i < n; i++) {
		const char *o = v[i], *a;
		char c = 0;

		if (strcmp(o, "!") == 0) {
			if (inv)
				return fail(p, o, "two \"!\" in a row");
			inv = true;
			inv_tok = o;
			continue;
		}
		if (o[0] != '-' || o[1] == '\0')
			return fail(p, o, "a word where an option belongs");
		p->inl = NULL;
		if (o[1] != '-') {
			if (o[2] != '\0')
				return fail(p, o, "unknown option (write each option on its own)");
			c = o[1];
		} else {
			if (long_opt(p, v, n, &i, inv, &c) < 0)
				return -1;
			if (c == 0) {
				inv = false;
				continue;
			}
			if (p->inl != NULL && strchr("sdpiojmgc", c) == NULL)
				return fail(p, o, "takes no value");
		}
		switch (c) {
		case 's':
		case 'd': {
			bool src = c == 's';

			if (twice(p, src ? &p->s : &p->d, o, src ? "-s" : "-d") < 0 ||
			    (a = value(p, v, n, &i)) == NULL)
				return -1;
			if (parse_addr(a, p->family, src ? r->src : r->dst, src ? r->smsk : r->dmsk) < 0) {
				uint8_t x[16], y[16];

				return fail(p, a, "not an IPv%d address%s", p->family,
				    parse_addr(a, p->family == 4 ? 6 : 4, x, y) == 0 ?
				    p->family == 4 ? " (an IPv6 one)" : " (an IPv4 one)" : "");
			}
			if (src) {
				r->has_src = true;
				r->inv_src = inv;
			} else {
				r->has_dst = true;
				r->inv_dst = inv;
			}
			break;
		}
		case 'p': {
			int pr;

			if (twice(p, &p->p, o, "-p") < 0 || (a = value(p, v, n, &i)) == NULL)
				return -1;
			lower(p->proto_name, sizeof(p->proto_name), a);
			pr = strlen(a) < sizeof(p->proto_name) ? parse_proto(p->proto_name) : -1;
			if (pr < 0)
				return fail(p, a, "unknown protocol");
			if (pr == 0 && inv)
				return fail(p, a, "! -p all matches no packet (iptables refuses it)");
			r->proto = (uint8_t)pr;
			r->has_proto = pr != 0;
			r->inv_proto = inv;
			break;
		}
		case 'i':
		case 'o':
			if (twice(p, c == 'i' ? &p->i : &p->o, o, c == 'i' ? "-i" : "-o") < 0 ||
			    (a = value(p, v, n, &i)) == NULL)
				return -1;
			if (strlen(a) > 15)
				return fail(p, a, "an interface name longer than 15 characters");
			fx_rule_unsupported(r, inv, c == 'i' ? "-i" : "-o", a);
			break;
		case 'f':
			if (p->family != 4)
				return fail(p, o, "-f is IPv4 only");
			if (twice(p, &p->f, o, "-f") < 0)
				return -1;
			r->has_frag = true;
			r->inv_frag = inv;
			break;
		case 'm': {
			int kind;

			if (inv)
				return fail(p, inv_tok, "\"!\" before -m (iptables refuses it)");
			if ((a = value(p, v, n, &i)) == NULL)
				return -1;
			kind = match_kind(a, p->family);
			if (kind == MK_N)
				return fail(p, a, "no such match in IPv%d%s", p->family, p->family == 4 ?
				    " (icmp6 is ip6tables')" : " (icmp is iptables')");
			if (!name_ok(a))
				return fail(p, a, "not a match name");
			if (load(p, kind, a, a) == NULL)
				return -1;
			break;
		}
		case 'j':
		case 'g':
			if (inv)
				return fail(p, inv_tok, "\"!\" before -%c (iptables refuses it)", c);
			if (p->tg != TG_NONE)
				return fail(p, o, "a second -j or -g (iptables takes one)");
			if (c == 'j' && strcmp(p->inl ? p->inl : i + 1 < n ? v[i + 1] : "", "REJECT") == 0)
				p->first_load[OW_REJECT] = ++p->nloads; /* its options merged now */
			if ((a = value(p, v, n, &i)) == NULL)
				return -1;
			if (!name_ok(a))
				return fail(p, a, "not a target or chain name (1 to 28 characters, no "
				    "blanks)");
			snprintf(r->target_name, sizeof(r->target_name), "%s", a);
			if (c == 'g') {
				if (builtin_chain(a))
					return fail(p, a, "a jump to a built-in chain (iptables refuses it)");
				if (chains_find(p->chains, a) == NULL)
					return fail(p, a, "-g to a chain the table does not declare");
				p->tg = TG_CHAIN;
				r->target = FX_T_OTHER;
			} else if (strcmp(a, "ACCEPT") == 0 || strcmp(a, "DROP") == 0 ||
			    strcmp(a, "RETURN") == 0 || strcmp(a, "QUEUE") == 0) {
				p->tg = TG_STD;
				r->target = a[0] == 'A' ? FX_T_ACCEPT : a[0] == 'D' ? FX_T_DROP :
				    FX_T_OTHER;
			} else if (strcmp(a, "REJECT") == 0) {
				p->tg = TG_REJECT;
				r->target = FX_T_REJECT;
			} else if (builtin_chain(a)) {
				return fail(p, a, "a jump to a built-in chain (iptables refuses it)");
			} else if (chains_find(p->chains, a) != NULL) {
				p->tg = TG_CHAIN;
				r->target = FX_T_OTHER;
			} else if (strpbrk(a, "abcdefghijklmnopqrstuvwxyz") != NULL) {
				/* iptables' targets are upper case (its matches lower) */
				return fail(p, a, "no such target, nor a chain the table declares");
			} else {
				p->tg = TG_EXT; /* LOG, MARK, ...: only their extension knows them */
				r->target = FX_T_OTHER;
			}
			break;
		case 'c': {
			char *end;
			int k;

			if (inv)
				return fail(p, inv_tok, "\"!\" before -c");
			if (twice(p, &p->c, o, "-c") < 0)
				return -1;
			for (k = 0; k < 2; k++) {
				if (k == 0 && p->inl != NULL)
					a = value(p, v, n, &i);
				else if (i + 1 >= n)
					return fail(p, o, "-c needs PACKETS and BYTES");
				else
					a = v[++i];
				errno = 0;
				(void)strtoull(a, &end, 10);
				if (a[0] < '0' || a[0] > '9' || *end != '\0' || errno == ERANGE)
					return fail(p, a, "-c needs PACKETS and BYTES as numbers");
			}
			break;
		}
		default:
			return fail(p, o, "unknown option");
		}
		inv = false;
	}
	if (inv)
		return fail(p, inv_tok, "\"!\" with nothing after it");
	return finish(p);
}

/* ---- the document ------------------------------------------------------------ */

struct sv {
	int family;
	const char *chain, *origin;
	fx_rule_fn fn;
	void *ctx;
	struct fx_chain_info *info;
	size_t lineno, offset;
	enum { SV_OUT, SV_FILTER, SV_OTHER } where;
	size_t filter_line;         /* where *filter was, 0 if not yet */
	char table[16];
	bool chain_declared, chain_builtin;
	size_t chain_line;
	struct chains chains;
	struct toks t;
	struct fx_rule rule, probe;
	struct minst m[MINST_MAX];
};

static int sv_err(struct sv *s, struct fs_err *err, const char *tok, size_t tl, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));

/* "ORIGIN:LINE: WHAT: "TOKEN"" (the token left out when tok is NULL). */
static int sv_err(struct sv *s, struct fs_err *err, const char *tok, size_t tl, const char *fmt,
    ...)
{
	char m[300], q[FS_ERR_QUOTE_MAX * 4 + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (tok == NULL)
		return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: %s", s->origin, s->lineno, m);
	fs_err_quote(q, sizeof(q), tok, tl);
	return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: %s: \"%s\"", s->origin, s->lineno, m, q);
}

/* ":NAME POLICY [PACKETS:BYTES]" in the filter table. */
static int chain_line(struct sv *s, const char *line, size_t ll, struct fs_err *err)
{
	const char *name = line + 1, *end = line + ll, *sp, *pol, *cnt = NULL;
	size_t nl, pl;
	char nm[NAME_MAX_ + 1];
	bool builtin;
	struct chainent *e;
	enum fx_target policy;

	sp = memchr(name, ' ', (size_t)(end - name));
	if (sp == NULL || sp == name)
		return sv_err(s, err, line, ll > 60 ? 60 : ll, "expected \":CHAIN ACCEPT|DROP|- "
		    "[PACKETS:BYTES]\"");
	nl = (size_t)(sp - name);
	pol = sp + 1;
	sp = memchr(pol, ' ', (size_t)(end - pol));
	pl = (size_t)((sp != NULL ? sp : end) - pol);
	if (sp != NULL) {
		size_t i = 1, d1 = 0, d2 = 0, n;

		cnt = sp + 1;
		n = (size_t)(end - cnt);
		/* "[PACKETS:BYTES]" exactly */
		if (n >= 5 && cnt[0] == '[' && cnt[n - 1] == ']') {
			while (i < n - 1 && cnt[i] >= '0' && cnt[i] <= '9')
				i++, d1++;
			if (i < n - 1 && cnt[i] == ':') {
				i++;
				while (i < n - 1 && cnt[i] >= '0' && cnt[i] <= '9')
					i++, d2++;
			}
		}
		if (i != n - 1 || d1 == 0 || d1 > 20 || d2 == 0 || d2 > 20)
			return sv_err(s, err, cnt, n, "expected \":CHAIN ACCEPT|DROP|- "
			    "[PACKETS:BYTES]\", not these counters");
	}
	if (pl == 6 && memcmp(pol, "ACCEPT", 6) == 0)
		policy = FX_T_ACCEPT;
	else if (pl == 4 && memcmp(pol, "DROP", 4) == 0)
		policy = FX_T_DROP;
	else if (pl == 1 && pol[0] == '-')
		policy = FX_T_NONE;
	else
		return sv_err(s, err, pol, pl, "expected \":CHAIN ACCEPT|DROP|- [PACKETS:BYTES]\", "
		    "not this policy");
	if (nl > NAME_MAX_ || memchr(name, '\t', nl) != NULL || name[0] == '-' || name[0] == '!')
		return sv_err(s, err, name, nl, "not a chain name (1 to 28 characters, not "
		    "starting with - or !)");
	memcpy(nm, name, nl);
	nm[nl] = '\0';
	builtin = builtin_chain(nm);
	if (!builtin && policy != FX_T_NONE)
		return sv_err(s, err, pol, pl, "a policy for %s, which is no built-in chain "
		    "(iptables refuses it)", nm);
	e = chains_find(&s->chains, nm);
	if (e != NULL && e->declared)
		return sv_err(s, err, name, nl, "the chain is declared twice");
	if (e == NULL && (e = chains_add(&s->chains, nm)) == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	e->declared = true;
	if (strcmp(nm, s->chain) == 0) {
		if (builtin && policy == FX_T_NONE)
			return sv_err(s, err, pol, pl, "%s is a built-in chain: its policy must be "
			    "ACCEPT or DROP (with \"-\" it would be whatever the kernel had)", nm);
		s->chain_declared = true;
		s->chain_builtin = builtin;
		s->info->policy = policy;
	}
	return 0;
}

/* A rule line (its counters prefix, if any, included). */
static int rule_line(struct sv *s, const char *line, size_t ll, struct fs_err *err)
{
	const char *why = NULL, *body = line;
	size_t bl = ll;
	struct chainent *e;
	struct rp p;
	bool mine;
	int max = TOK_MAX;

	if (line[0] == '[') {
		/* "[PACKETS:BYTES] -A ..." from iptables-save -c (restore -c's tokenize_rule_counters) */
		const char *rb = memchr(line, ']', ll), *colon;
		size_t k;

		colon = rb ? memchr(line, ':', (size_t)(rb - line)) : NULL;
		for (k = 1; rb != NULL && colon != NULL && line + k < rb; k++)
			if (line + k != colon && (line[k] < '0' || line[k] > '9'))
				break;
		if (rb == NULL || colon == NULL || line + k != rb || colon == line + 1 ||
		    colon + 1 == rb || rb - line > 42)
			return sv_err(s, err, line, rb ? (size_t)(rb + 1 - line) : (ll > 30 ? 30 : ll),
			    "expected \"[PACKETS:BYTES]\" before the rule");
		body = rb + 1;
		bl = ll - (size_t)(body - line);
		max -= 3;
	}
	if (tokenize(body, bl, &s->t, max, &why) < 0)
		return sv_err(s, err, NULL, 0, "%s", why);
	if (s->t.n == 0)
		return sv_err(s, err, NULL, 0, "a line of blanks (iptables-restore refuses it)");
	if (strcmp(s->t.v[0], "-A") != 0 && strcmp(s->t.v[0], "--append") != 0)
		return sv_err(s, err, line, ll > 60 ? 60 : ll, "not an iptables-save line");
	if (s->t.n < 2)
		return sv_err(s, err, s->t.v[0], strlen(s->t.v[0]), "-A needs a chain");
	e = chains_find(&s->chains, s->t.v[1]);
	if (e == NULL && builtin_chain(s->t.v[1])) {
		/* a built-in chain exists without its line; its policy is then the kernel's */
		if ((e = chains_add(&s->chains, s->t.v[1])) == NULL)
			return fs_err_set(err, FS_E_NOMEM, "out of memory");
	}
	if (e == NULL)
		return sv_err(s, err, s->t.v[1], strlen(s->t.v[1]), "a rule in a chain the table "
		    "does not declare (no \":%.28s - [0:0]\" line before it)", s->t.v[1]);
	mine = strcmp(e->name, s->chain) == 0;
	e->nrules++;
	memset(&s->rule, 0, sizeof(s->rule));
	s->rule.num = e->nrules;
	s->rule.family = (uint8_t)s->family;
	if (mine) {
		while (bl > 0 && (*body == ' ' || *body == '\t')) {
			body++;
			bl--;
		}
		snprintf(s->rule.text, sizeof(s->rule.text), "%.*s", (int)bl, body);
	}
	memset(&p, 0, sizeof(p));
	p.family = s->family;
	p.chains = &s->chains;
	p.r = &s->rule;
	p.m = s->m;
	if (parse_rule(&p, s->t.v, s->t.n) < 0) {
		char hint[120] = "";
		struct rp q;

		/* the line may read fine as the other family: say so */
		memset(&q, 0, sizeof(q));
		q.family = s->family == 4 ? 6 : 4;
		q.chains = &s->chains;
		memset(&s->probe, 0, sizeof(s->probe));
		q.r = &s->probe;
		q.m = s->m;
		if (parse_rule(&q, s->t.v, s->t.n) == 0)
			snprintf(hint, sizeof(hint), " (the line reads as IPv%d: is this %s output? "
			    "read it with %s)", q.family, q.family == 6 ? "ip6tables-save" :
			    "iptables-save", q.family == 6 ? "-6" : "-4");
		{
			char tq[FS_ERR_QUOTE_MAX * 4 + 8];

			fs_err_quote(tq, sizeof(tq), p.bad ? p.bad : "", p.bad ? strlen(p.bad) : 0);
			return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: %s%.28s%srule %u: %s: \"%s\"%s",
			    s->origin, s->lineno, mine ? "" : "chain ", mine ? "" : e->name,
			    mine ? "" : " ", s->rule.num, p.why, tq, hint);
		}
	}
	if (!mine)
		return 0;
	s->info->nrules++;
	return s->fn(&s->rule, s->ctx, err);
}

static const char *const tables[] = { "filter", "nat", "mangle", "raw", "security" };

/* One line without its newline.  0, or -1 with err set. */
static int sv_line(struct sv *s, const char *line, size_t ll, struct fs_err *err)
{
	const char *nul = memchr(line, '\0', ll);

	s->lineno++;
	if (nul != NULL)
		return sv_err(s, err, NULL, 0, "a NUL byte (byte %zu): not iptables-save output",
		    s->offset + (size_t)(nul - line));
	s->offset += ll + 1;
	if (ll > 0 && line[ll - 1] == '\r')
		return sv_err(s, err, NULL, 0, "a carriage return at the end of the line (CRLF "
		    "line ends?): iptables-restore refuses it");
	if (ll == 0)
		return 0;
	if (line[0] == '#') {
		static const char g6[] = "# Generated by ip6tables", g4[] = "# Generated by iptables";

		if (s->family == 4 && ll >= sizeof(g6) - 1 && memcmp(line, g6, sizeof(g6) - 1) == 0)
			return sv_err(s, err, NULL, 0, "written by ip6tables-save: this is IPv6 (read it "
			    "with -6)");
		if (s->family == 6 && ll >= sizeof(g4) - 1 && memcmp(line, g4, sizeof(g4) - 1) == 0)
			return sv_err(s, err, NULL, 0, "written by iptables-save: this is IPv4 (read it "
			    "with -4)");
		return 0;
	}
	if (s->where == SV_OUT) {
		size_t i;

		if (line[0] != '*')
			return sv_err(s, err, line, ll > 60 ? 60 : ll, "outside a table (no \"*filter\" "
			    "line before it)");
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (ll - 1 == strlen(tables[i]) && memcmp(line + 1, tables[i], ll - 1) == 0)
				break;
		if (i == sizeof(tables) / sizeof(tables[0]))
			return sv_err(s, err, line, ll > 40 ? 40 : ll, "not a table of iptables");
		if (i == 0 && s->filter_line != 0)
			return sv_err(s, err, line, ll, "a second filter table (the first at line %zu); "
			    "iptables-restore would keep only this one", s->filter_line);
		snprintf(s->table, sizeof(s->table), "%s", tables[i]);
		if (i == 0)
			s->filter_line = s->lineno;
		s->where = i == 0 ? SV_FILTER : SV_OTHER;
		return 0;
	}
	if (ll == 6 && memcmp(line, "COMMIT", 6) == 0) {
		s->where = SV_OUT;
		return 0;
	}
	if (line[0] == '*') {
		char q[FS_ERR_QUOTE_MAX * 4 + 8];

		fs_err_quote(q, sizeof(q), line, ll > 40 ? 40 : ll);
		return sv_err(s, err, NULL, 0, "\"%s\" before the %s table's COMMIT", q, s->table);
	}
	if (s->where == SV_OTHER)
		return 0; /* another table: not read */
	if (line[0] == ':')
		return chain_line(s, line, ll, err);
	return rule_line(s, line, ll, err);
}

static int sv_end(struct sv *s, struct fs_err *err)
{
	if (s->where != SV_OUT)
		return fs_err_set(err, FS_E_SYNTAX, "%s:%zu: the %s table ends without COMMIT (a "
		    "truncated file?)", s->origin, s->lineno, s->table);
	if (s->filter_line == 0)
		return fs_err_set(err, FS_E_SYNTAX, "%s: no *filter table", s->origin);
	if (!s->chain_declared) {
		struct chainent *e = chains_find(&s->chains, s->chain);

		if (e != NULL)
			return fs_err_set(err, FS_E_SYNTAX, "%s: chain %s has rules but no "
			    "\":%s POLICY\" line, so its policy is not in the file", s->origin,
			    s->chain, s->chain);
		return fs_err_set(err, FS_E_UNKNOWN, "%s: the filter table has no chain %s",
		    s->origin, s->chain);
	}
	return 0;
}

static struct sv *sv_new(int family, const char *chain, const char *origin, fx_rule_fn fn,
    void *ctx, struct fx_chain_info *info)
{
	struct sv *s = calloc(1, sizeof(*s));

	memset(info, 0, sizeof(*info));
	info->family = (uint8_t)family;
	snprintf(info->name, sizeof(info->name), "%s", chain);
	if (s == NULL)
		return NULL;
	s->family = family;
	s->chain = chain;
	s->origin = origin;
	s->fn = fn;
	s->ctx = ctx;
	s->info = info;
	return s;
}

static void sv_free(struct sv *s)
{
	if (s != NULL)
		free(s->chains.v);
	free(s);
}

int fx_read_save(FILE *in, int family, const char *chain, const char *origin, fx_rule_fn fn,
    void *ctx, struct fx_chain_info *info, struct fs_err *err)
{
	struct sv *s = sv_new(family, chain, origin, fn, ctx, info);
	char *buf = malloc(FX_LINE_MAX);
	size_t have = 0;
	bool eof = false;
	int rc = -1;

	if (s == NULL || buf == NULL) {
		fs_err_set(err, FS_E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		char *nl;
		size_t ll;

		if (!eof && have < FX_LINE_MAX) {
			size_t got = fread(buf + have, 1, FX_LINE_MAX - have, in);

			have += got;
			if (got == 0) {
				if (ferror(in)) {
					fs_err_set(err, FS_E_SYSTEM, "%s: read error: %s", origin,
					    strerror(errno));
					goto out;
				}
				eof = true;
			}
		}
		if (have == 0 && eof)
			break;
		nl = memchr(buf, '\n', have);
		if (nl == NULL && !eof) {
			if (have < FX_LINE_MAX)
				continue;
			s->lineno++;
			sv_err(s, err, NULL, 0, "a line longer than %d bytes (iptables-restore's limit)",
			    FX_LINE_MAX - 1);
			goto out;
		}
		ll = nl ? (size_t)(nl - buf) : have;
		if (sv_line(s, buf, ll, err) < 0)
			goto out;
		ll += nl ? 1 : 0;
		memmove(buf, buf + ll, have - ll);
		have -= ll;
	}
	rc = sv_end(s, err);
out:
	free(buf);
	sv_free(s);
	return rc;
}

/* ---- the whole chain in memory ---------------------------------------------------- */

static int collect(const struct fx_rule *r, void *ctx, struct fs_err *err)
{
	struct fx_rule *c = fx_chain_add(ctx);

	if (c == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	*c = *r;
	return 0;
}

int fx_parse_save(const char *text, size_t len, int family, const char *chain,
    const char *origin, struct fx_chain *out, struct fs_err *err)
{
	struct fx_chain_info info;
	struct sv *s;
	size_t off = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	s = sv_new(family, chain, origin, collect, out, &info);
	if (s == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - line) : len - off;

		if (ll >= FX_LINE_MAX) {
			s->lineno++;
			sv_err(s, err, NULL, 0, "a line longer than %d bytes (iptables-restore's limit)",
			    FX_LINE_MAX - 1);
			goto out;
		}
		if (sv_line(s, line, ll, err) < 0)
			goto out;
		off += ll + (nl ? 1 : 0);
	}
	rc = sv_end(s, err);
out:
	sv_free(s);
	if (rc < 0) {
		fx_chain_free(out);
		return -1;
	}
	out->family = info.family;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->policy = info.policy;
	return 0;
}
