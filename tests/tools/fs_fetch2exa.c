/*
 * fs_fetch2exa.c - the fetcher's routes as ExaBGP 4.2 process-API lines, for
 * the crossing test (tests/fetcher/crossing.sh): what flowspec-fetcher
 * exports must be what flowspec-injector installs.
 *
 *   fs_fetch2exa -4|-6 -i SAVEFILE BIRD_OUT JSONL_OUT
 *
 * It reads SAVEFILE through the library exactly as `flowspec-fetcher -i
 * SAVEFILE --skip-unsupported` does (fx_read_save, fx_rule_to_route, the
 * same duplicate-match rule, the chain policy as the last route) and writes:
 *   BIRD_OUT   the routes as fs_bird_route() writes them, which the test
 *              compares with the fetcher's own output: the route objects
 *              here are the ones the fetcher announces;
 *   JSONL_OUT  one ExaBGP "update" line per route (its NLRI as ExaBGP
 *              prints it, its sequence number in the clean community
 *              (generic, 0x80ff0000, SEQ), a discard as rate-limit:0, a
 *              DSCP marking), then the family's end-of-RIB;
 *   stdout     one line per rule: "exported SEQ TEXT" (canonical route
 *              text), "refused NUM WHY" or "warned NUM WHY"; and the
 *              default route as "exported SEQ TEXT".
 * Exit 0, 1 on an error (the message names it), 2 on misuse.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/bird.h"
#include "flowspec/fetch.h"
#include "flowspec/rule.h"

struct ctx {
	int fam;
	FILE *bird, *json;
	struct fs_bird_opts bo;
	uint8_t (*keys)[FS_KEY_MAX];
	int *klen;
	size_t nkeys, cap;
	unsigned counter;
};

static const char *const comp_name4[FS_C_MAX + 1] = {
	[FS_C_DST] = "destination-ipv4", [FS_C_SRC] = "source-ipv4", [FS_C_PROTO] = "protocol",
	[FS_C_PORT] = "port", [FS_C_DPORT] = "destination-port", [FS_C_SPORT] = "source-port",
	[FS_C_ICMP_TYPE] = "icmp-type", [FS_C_ICMP_CODE] = "icmp-code",
	[FS_C_TCP_FLAGS] = "tcp-flags", [FS_C_PKT_LEN] = "packet-length", [FS_C_DSCP] = "dscp",
	[FS_C_FRAGMENT] = "fragment",
};
static const char *const comp_name6[FS_C_MAX + 1] = {
	[FS_C_DST] = "destination-ipv6", [FS_C_SRC] = "source-ipv6", [FS_C_PROTO] = "next-header",
	[FS_C_PORT] = "port", [FS_C_DPORT] = "destination-port", [FS_C_SPORT] = "source-port",
	[FS_C_ICMP_TYPE] = "icmp-type", [FS_C_ICMP_CODE] = "icmp-code",
	[FS_C_TCP_FLAGS] = "tcp-flags", [FS_C_PKT_LEN] = "packet-length",
	[FS_C_DSCP] = "traffic-class", [FS_C_FRAGMENT] = "fragment", [FS_C_FLOW_LABEL] = "flow-label",
};

static const char *const tcp_bit[9] = { "fin", "syn", "rst", "push", "ack", "urg", "ece", "cwr", "ns" };
static const char *const frag_bit[4] = { "dont-fragment", "is-fragment", "first-fragment",
	"last-fragment" };

/* Appends to a bounded buffer; false when it is full. */
static bool put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static bool put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return false;
	*len += (size_t)n;
	return true;
}

/* One term as ExaBGP prints it ("&" before an AND-ed term); false if it has no form. */
static bool term_text(int t, const struct fs_term *tm, char *buf, size_t cap, size_t *len)
{
	uint8_t op = tm->op & (uint8_t)~(FS_OP_AND | FS_OP_END);
	unsigned b, nb;

	if (fs_ctype_is_bitmask(t)) {
		const char *const *names = t == FS_C_TCP_FLAGS ? tcp_bit : frag_bit;

		nb = t == FS_C_TCP_FLAGS ? 9 : 4;
		if (!put(buf, cap, len, "%s%s", (tm->op & FS_OP_AND) ? "&" : "",
		    op == (FS_OP_NOT | FS_OP_MATCH) ? "!=" : op == FS_OP_MATCH ? "=" :
		    op == FS_OP_NOT ? "!" : ""))
			return false;
		if (tm->value == 0)
			return t == FS_C_FRAGMENT && put(buf, cap, len, "not-a-fragment");
		for (b = 0; b < nb; b++)
			if ((tm->value & (1u << b)) &&
			    !put(buf, cap, len, "%s%s", (tm->value & ((1u << b) - 1)) ? "+" : "", names[b]))
				return false;
		return (tm->value >> nb) == 0;
	}
	if (op == (FS_OP_LT | FS_OP_GT | FS_OP_EQ) || op == 0)
		return put(buf, cap, len, "%s%s", (tm->op & FS_OP_AND) ? "&" : "", op ? "true" : "false");
	return put(buf, cap, len, "%s%s%u", (tm->op & FS_OP_AND) ? "&" : "",
	    op == (FS_OP_GT | FS_OP_EQ) ? ">=" : op == (FS_OP_LT | FS_OP_EQ) ? "<=" :
	    op == (FS_OP_LT | FS_OP_GT) ? "!=" : op == FS_OP_EQ ? "=" : op == FS_OP_GT ? ">" : "<",
	    tm->value);
}

/* The NLRI object and its "string"; false if a component has no ExaBGP form. */
static bool nlri_json(const struct fs_route *r, char *out, size_t cap)
{
	char str[4096];
	size_t ol = 0, sl = 0;
	int t;

	if (!put(out, cap, &ol, "{ ") || !put(str, sizeof(str), &sl, "flow"))
		return false;
	for (t = 1; t <= FS_C_MAX; t++) {
		const char *name = r->family == FS_INET ? comp_name4[t] : comp_name6[t];
		unsigned n, i;
		const struct fs_term *tm;

		if (!fs_route_has(r, t))
			continue;
		if (name == NULL)
			return false;
		if (!put(out, cap, &ol, "\"%s\": [ ", name) || !put(str, sizeof(str), &sl, " %s ", name))
			return false;
		if (t == FS_C_DST || t == FS_C_SRC) {
			const struct fs_prefix *p = t == FS_C_DST ? &r->dst : &r->src;
			char a[INET6_ADDRSTRLEN], pf[80];

			inet_ntop(r->family == FS_INET ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
			if (r->family == FS_INET)
				snprintf(pf, sizeof(pf), "%s/%u", a, p->len);
			else
				snprintf(pf, sizeof(pf), "%s/%u/%u", a, p->len, p->offset);
			if (!put(out, cap, &ol, "\"%s\" ], ", pf) || !put(str, sizeof(str), &sl, "%s", pf))
				return false;
			continue;
		}
		tm = fs_route_terms(r, t, &n);
		if (n > 1 && !put(str, sizeof(str), &sl, "[ "))
			return false;
		/* one list element per OR-ed group; the string the same, space-separated */
		for (i = 0; i < n; i++) {
			char g[256];
			size_t gl = 0;

			if (!term_text(t, &tm[i], g, sizeof(g), &gl))
				return false;
			if (!(tm[i].op & FS_OP_AND) && i > 0 &&
			    (!put(out, cap, &ol, "\", ") || !put(str, sizeof(str), &sl, " ")))
				return false;
			if (!(tm[i].op & FS_OP_AND) && !put(out, cap, &ol, "\""))
				return false;
			if (!put(out, cap, &ol, "%s", g) || !put(str, sizeof(str), &sl, "%s", g))
				return false;
		}
		if (!put(out, cap, &ol, "\" ], ") || (n > 1 && !put(str, sizeof(str), &sl, " ]")))
			return false;
	}
	return put(out, cap, &ol, "\"string\": \"%s\" }", str);
}

static int announce(struct ctx *c, const struct fs_route *r, uint32_t seq)
{
	char nlri[16384], ec[512];
	size_t el = 0;
	const struct fs_actions *a = &r->act;

	if (!nlri_json(r, nlri, sizeof(nlri))) {
		fprintf(stderr, "fs_fetch2exa: route %u has no ExaBGP form\n", (unsigned)seq);
		return -1;
	}
	if (a->has_rate_pkts || a->has_action || a->has_redirect || a->redirect_ip != FS_REDIR_IP_NONE ||
	    (a->has_rate_bytes && a->rate_bytes != 0) || r->nrts > 0) {
		fprintf(stderr, "fs_fetch2exa: route %u: an action this tool does not write\n",
		    (unsigned)seq);
		return -1;
	}
	put(ec, sizeof(ec), &el, "{ \"value\": %llu, \"string\": \"0x80ff0000:%u\" }",
	    (unsigned long long)((0x80ffULL << 48) | seq), (unsigned)seq);
	if (a->has_rate_bytes)
		put(ec, sizeof(ec), &el, ", { \"value\": %llu, \"string\": \"rate-limit:0\" }",
		    (unsigned long long)(0x8006ULL << 48));
	if (a->has_mark)
		put(ec, sizeof(ec), &el, ", { \"value\": %llu, \"string\": \"mark %u\" }",
		    (unsigned long long)((0x8009ULL << 48) | a->dscp), a->dscp);
	fprintf(c->json, "{ \"exabgp\": \"4.0.1\", \"time\": %u.5, \"host\" : \"vm\", \"pid\" : 4242, "
	    "\"ppid\" : 4241, \"counter\": %u, \"type\": \"update\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 } , \"direction\": \"receive\", \"message\": { \"update\": { \"attribute\": "
	    "{ \"origin\": \"igp\", \"as-path\": [ 65001 ], \"confederation-path\": [], "
	    "\"extended-community\": [ %s ] }, \"announce\": { \"ipv%d flow\": { \"no-nexthop\": [ %s ] "
	    "} } } } } }\n", 1795460000u + c->counter, c->counter + 1, ec, c->fam, nlri);
	c->counter++;
	return 0;
}

static void print_route(const char *what, uint32_t seq, const struct fs_route *r)
{
	char text[8192];

	if (fs_route_format(r, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "(too long)");
	printf("%s %u %s\n", what, (unsigned)seq, text);
}

static int on_rule(const struct fx_rule *x, void *ctxp, struct fs_err *err)
{
	struct ctx *c = ctxp;
	struct fs_route *r = NULL;
	char why[256], comment[600];
	uint8_t key[FS_KEY_MAX];
	int k = fx_rule_to_route(x, &r, why, sizeof(why)), kl;
	size_t i;

	if (k < 0) {
		printf("refused %u %s\n", x->num, why);
		return 0;
	}
	if (k > 0) {
		printf("warned %u %s\n", x->num, why);
		return 0;
	}
	kl = fs_route_key(r, key, sizeof(key));
	if (kl < 0) {
		fs_route_free(r);
		return fs_err_set(err, FS_E_NOMEM, "rule %u: no key", x->num);
	}
	for (i = 0; i < c->nkeys; i++)
		if (c->klen[i] == kl && memcmp(c->keys[i], key, (size_t)kl) == 0) {
			printf("warned %u the same match as an earlier exported rule\n", x->num);
			fs_route_free(r);
			return 0;
		}
	if (c->nkeys == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		void *nk = realloc(c->keys, ncap * sizeof(*c->keys)), *nl;

		if (nk == NULL)
			return fs_err_set(err, FS_E_NOMEM, "out of memory");
		c->keys = nk;
		nl = realloc(c->klen, ncap * sizeof(*c->klen));
		if (nl == NULL)
			return fs_err_set(err, FS_E_NOMEM, "out of memory");
		c->klen = nl;
		c->cap = ncap;
	}
	memcpy(c->keys[c->nkeys], key, (size_t)kl);
	c->klen[c->nkeys++] = kl;
	snprintf(comment, sizeof(comment), "rule %u: %s", x->num, x->text[0] ? x->text : "(kernel)");
	if (fs_bird_route(c->bird, c->fam, r, x->num, comment, &c->bo, err) < 0 ||
	    announce(c, r, x->num) < 0) {
		fs_route_free(r);
		return -1;
	}
	print_route("exported", x->num, r);
	fs_route_free(r);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct fx_chain_info info;
	struct fs_err err;
	FILE *in;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	if (argc != 6 || (strcmp(argv[1], "-4") != 0 && strcmp(argv[1], "-6") != 0) ||
	    strcmp(argv[2], "-i") != 0) {
		fprintf(stderr, "usage: fs_fetch2exa -4|-6 -i SAVEFILE BIRD_OUT JSONL_OUT\n");
		return 2;
	}
	c.fam = argv[1][1] - '0';
	c.bo.name = "fsfetch";
	c.bo.seq = FS_SEQ_CLEAN;
	c.bo.clean_type = 0x80ff;
	in = fopen(argv[3], "r");
	c.bird = fopen(argv[4], "w");
	c.json = fopen(argv[5], "w");
	if (in == NULL || c.bird == NULL || c.json == NULL) {
		perror("fs_fetch2exa");
		goto out;
	}
	fprintf(c.json, "{ \"exabgp\": \"4.0.1\", \"time\": 1795459999.0, \"host\" : \"vm\", \"pid\" : "
	    "4242, \"ppid\" : 4241, \"counter\": 0, \"type\": \"state\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 } , \"state\": \"up\" } }\n");
	if (fs_bird_begin(c.bird, c.fam, &c.bo, &err) < 0 ||
	    fx_read_save(in, c.fam, "FORWARD", argv[3], on_rule, &c, &info, &err) < 0) {
		fprintf(stderr, "fs_fetch2exa: %s\n", err.msg);
		goto out;
	}
	if (info.policy == FX_T_ACCEPT || info.policy == FX_T_DROP) {
		struct fs_route *d = fs_route_new(c.fam == 4 ? FS_INET : FS_INET6);
		uint8_t zero[16] = { 0 };
		uint32_t seq = (uint32_t)info.nrules + 1;
		char comment[64];

		if (d == NULL || fs_route_set_prefix(d, FS_C_DST, zero, 0, 0, &err) < 0 ||
		    fs_route_set_prefix(d, FS_C_SRC, zero, 0, 0, &err) < 0) {
			fs_route_free(d);
			goto out;
		}
		if (info.policy == FX_T_DROP) {
			d->act.has_rate_bytes = true;
			d->act.rate_bytes = 0;
		}
		snprintf(comment, sizeof(comment), "policy %s (the default route, last)",
		    info.policy == FX_T_DROP ? "DROP" : "ACCEPT");
		if (fs_bird_route(c.bird, c.fam, d, seq, comment, &c.bo, &err) < 0 ||
		    announce(&c, d, seq) < 0) {
			fs_route_free(d);
			goto out;
		}
		print_route("exported", seq, d);
		fs_route_free(d);
	}
	if (fs_bird_end(c.bird, &err) < 0)
		goto out;
	fprintf(c.json, "{ \"exabgp\": \"4.0.1\", \"time\": 1795469999.0, \"host\" : \"vm\", \"pid\" : "
	    "4242, \"ppid\" : 4241, \"counter\": %u, \"type\": \"update\", \"neighbor\": { \"address\": "
	    "{ \"local\": \"198.18.1.2\", \"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, "
	    "\"peer\": 65001 } , \"direction\": \"receive\", \"message\": { \"eor\": { \"afi\" : "
	    "\"ipv%d\", \"safi\" : \"flow\" } } } }\n", c.counter + 1, c.fam);
	rc = 0;
out:
	if (in != NULL)
		fclose(in);
	if (c.bird != NULL && fclose(c.bird) != 0)
		rc = 1;
	if (c.json != NULL && fclose(c.json) != 0)
		rc = 1;
	free(c.keys);
	free(c.klen);
	return rc;
}
