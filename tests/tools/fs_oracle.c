/*
 * fs_oracle.c - the reference evaluator (lib/src/eval.c: fs_route_match and
 * the RFC 8955 order logic of fs_ref_eval) as a command, for the stateful
 * test (tests/stateful/).  It reads a desired state as ExaBGP JSON lines
 * through the library's feed, builds each family's plan with the
 * configuration the injector would use (refusals, scoping, protection,
 * redirect marks), and prints what each described packet meets.  It never
 * touches the kernel.
 *
 *   fs_oracle [-c CONFIG] -i ROUTES.jsonl [-p]
 *
 * Output, one record a line:
 *   nlri LINE K TEXT       the K-th announced NLRI (from 0) of input line LINE
 *                          (from 1), as canonical route text
 *   route FAM IDX STATE\tTEXT\tACTION
 *                          the plan's routes in applied order; STATE is
 *                          installed, no-match, or the refusal name
 *   verdict ID under=V/DSCP/MARK/STOP over=V/DSCP/MARK/STOP match=I,J,...
 *                          with -p, one per packet line on stdin: the outcome
 *                          when no rate limit is exceeded and when every one
 *                          is (V pass, accept or drop; DSCP -1 when unchanged;
 *                          MARK the redirect fwmark routing sees, 0 none;
 *                          STOP the route index that ended evaluation, -1
 *                          none), and every route index the packet matches
 *
 * A packet line is "ID FAM KEY=VALUE ..." with the keys src dst proto sport
 * dport type code flags len dscp df mf off fh fl (numbers decimal; df, mf, fh
 * 0 or 1; fh: IPv6 fragment header).  A route line the reader rejects is
 * skipped (stderr says why), as the injector does.  Exit 0, 1 on a bad
 * packet line or configuration (the message names it), 2 on misuse.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/config.h"
#include "flowspec/eval.h"
#include "flowspec/exabgp.h"
#include "flowspec/feed.h"
#include "flowspec/log.h"
#include "flowspec/order.h"
#include "flowspec/redirect.h"
#include "flowspec/rule.h"
#include "flowspec/ruleset.h"
#include "flowspec/translate.h"

struct oracle {
	struct fs_config cfg;
	struct fs_xlate_opts xl;
	struct fs_xlate_prefix prot[FS_CONFIG_LIST_MAX];
	struct fs_redirect rd;
	enum fs_order_mode order;
	struct fs_plan plan[2];
	const struct fs_route **sorted[2];
	bool built[2];
};

/* The injector's apply_config (injector/main.c), for the keys a plan depends on. */
static int apply_config(struct oracle *o, struct fs_exabgp_opts *ex, struct fs_err *err)
{
	const struct fs_config *c = &o->cfg;
	unsigned i;

	fs_xlate_opts_default(&o->xl);
	snprintf(o->xl.chain, sizeof(o->xl.chain), "%s", c->chain);
	snprintf(o->xl.hook, sizeof(o->xl.hook), "%s", c->hook);
	snprintf(o->xl.mangle_hook, sizeof(o->xl.mangle_hook), "%s", c->mangle_hook);
	snprintf(o->xl.in_iface, sizeof(o->xl.in_iface), "%s", c->in_interface);
	snprintf(o->xl.out_iface, sizeof(o->xl.out_iface), "%s", c->out_interface);
	o->order = c->order == 1 ? FS_ORDER_SEQUENCE : FS_ORDER_RFC;
	ex->seq.form = (enum fs_seq_form)c->seq_form;
	ex->seq.clean_type = c->seq_type;
	o->xl.accept = c->accept == 1 ? FS_ACCEPT_ACCEPT : FS_ACCEPT_RETURN;
	o->xl.nflog_group = c->nflog_group;
	o->xl.import_rts = c->import_rts;
	o->xl.nimport_rts = c->nimport_rts;
	o->xl.apply_untargeted = c->apply_untargeted;
	for (i = 0; i < c->nprotected; i++) {
		o->prot[i].family = c->protected[i].family == 4 ? FS_INET : FS_INET6;
		o->prot[i].len = c->protected[i].len;
		memcpy(o->prot[i].addr, c->protected[i].addr, 16);
	}
	o->xl.protected = o->prot;
	o->xl.nprotected = c->nprotected;
	return fs_redirect_init(&o->rd, c->redirect_mark_mask, c->redirect_rule_priority,
	    c->redirect_rts, c->redirect_tables, c->nredirects, c->redirect_ip_table_base,
	    c->redirect_ip_tables, err);
}

/* Prints the canonical text of every NLRI a line announces.  0 or -1 (err). */
static int print_nlris(const struct fs_exabgp_opts *ex, const char *line, size_t len,
    unsigned long lineno, struct fs_err *err)
{
	struct fs_event_list ev = { 0 };
	char origin[64], txt[FS_TEXT_MAX];
	size_t i, k = 0;

	snprintf(origin, sizeof(origin), "routes:%lu", lineno);
	if (fs_exabgp_parse_line(ex, line, len, origin, &ev, err) < 0) {
		fs_event_list_free(&ev);
		return -1;
	}
	for (i = 0; i < ev.n; i++)
		if (ev.ev[i].kind == FS_EV_ANNOUNCE) {
			fs_route_format(ev.ev[i].route, txt, sizeof(txt));
			printf("nlri %lu %zu %s\n", lineno, k++, txt);
		}
	fs_event_list_free(&ev);
	return 0;
}

static const char *verdict_name(enum fs_verdict v)
{
	return v == FS_V_DROP ? "drop" : v == FS_V_ACCEPT ? "accept" : "pass";
}

/* Reads "KEY=VALUE" into the packet.  0, or -1 on an unknown key or bad value. */
static int packet_field(struct fs_packet *p, const char *tok)
{
	const char *eq = strchr(tok, '=');
	char *end;
	unsigned long v;
	size_t kl;

	if (eq == NULL)
		return -1;
	kl = (size_t)(eq - tok);
	if ((kl == 3 && strncmp(tok, "src", 3) == 0) || (kl == 3 && strncmp(tok, "dst", 3) == 0)) {
		uint8_t *a = tok[0] == 's' ? p->src : p->dst;

		return inet_pton(p->family == FS_INET ? AF_INET : AF_INET6, eq + 1, a) == 1 ? 0 : -1;
	}
	v = strtoul(eq + 1, &end, 10);
	if (eq[1] == '\0' || *end != '\0')
		return -1;
#define KEY(k) (kl == strlen(k) && strncmp(tok, k, kl) == 0)
	if (KEY("proto") && v <= 255)
		p->proto = (uint8_t)v;
	else if (KEY("sport") && v <= 65535)
		p->sport = (uint16_t)v;
	else if (KEY("dport") && v <= 65535)
		p->dport = (uint16_t)v;
	else if (KEY("type") && v <= 255)
		p->icmp_type = (uint8_t)v;
	else if (KEY("code") && v <= 255)
		p->icmp_code = (uint8_t)v;
	else if (KEY("flags") && v <= 255)
		p->tcp_flags = (uint8_t)v;
	else if (KEY("len") && v <= 65535 + 40)
		p->length = (uint32_t)v;
	else if (KEY("dscp") && v <= 63)
		p->dscp = (uint8_t)v;
	else if (KEY("df") && v <= 1)
		p->df = v != 0;
	else if (KEY("mf") && v <= 1)
		p->mf = v != 0;
	else if (KEY("off") && v <= 8191)
		p->frag_off = (uint16_t)v;
	else if (KEY("fh") && v <= 1)
		p->frag = v != 0;
	else if (KEY("fl") && v <= 0xfffff)
		p->flow_label = (uint32_t)v;
	else
		return -1;
#undef KEY
	return 0;
}

static void print_outcome(const char *name, const struct fs_outcome *out)
{
	printf(" %s=%s/%d/0x%x/%d", name, verdict_name(out->verdict), out->dscp,
	    (unsigned)out->redirect, out->stopped_by);
}

/* One packet line; 0, or -1 (message on stderr) when malformed. */
static int packet_line(struct oracle *o, char *line, unsigned long lineno)
{
	struct fs_packet p;
	struct fs_outcome under, over;
	char *save = NULL, *id, *fam, *tok;
	const struct fs_plan *plan;
	size_t i;
	bool first = true;

	memset(&p, 0, sizeof(p));
	id = strtok_r(line, " \t", &save);
	fam = strtok_r(NULL, " \t", &save);
	if (id == NULL)
		return 0;
	if (fam == NULL || (strcmp(fam, "4") != 0 && strcmp(fam, "6") != 0)) {
		fprintf(stderr, "fs_oracle: packets:%lu: family must be 4 or 6\n", lineno);
		return -1;
	}
	p.family = fam[0] == '4' ? FS_INET : FS_INET6;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if (packet_field(&p, tok) < 0) {
			fprintf(stderr, "fs_oracle: packets:%lu: bad field \"%s\"\n", lineno, tok);
			return -1;
		}
	if (p.family == FS_INET)
		p.frag = p.mf || p.frag_off != 0;
	plan = &o->plan[p.family == FS_INET ? 0 : 1];
	fs_ref_eval(plan, &p, false, o->xl.accept, &under);
	fs_ref_eval(plan, &p, true, o->xl.accept, &over);
	printf("verdict %s", id);
	print_outcome("under", &under);
	print_outcome("over", &over);
	printf(" match=");
	for (i = 0; i < plan->nroutes; i++) {
		if (plan->routes[i].refusal != FS_R_OK || plan->routes[i].empty ||
		    !fs_route_match(plan->routes[i].route, &p))
			continue;
		printf("%s%zu", first ? "" : ",", i);
		first = false;
	}
	printf("%s\n", first ? "-" : "");
	return 0;
}

static int build(struct oracle *o, const struct fs_ruleset *rs, int fi, struct fs_err *err)
{
	enum fs_family fam = fi == 0 ? FS_INET : FS_INET6;
	struct fs_xlate_opts xl = o->xl;
	char txt[FS_TEXT_MAX], act[512];
	size_t n = 0, i;

	if (fs_ruleset_sorted(rs, fam, o->order, &o->sorted[fi], &n, err) < 0)
		return -1;
	if (fs_redirect_active(&o->rd)) {
		fs_redirect_plan(&o->rd, (int)fam, o->sorted[fi], n);
		fs_redirect_xlate(&o->rd, &xl);
	}
	if (fs_plan_build(&o->plan[fi], fam, o->sorted[fi], n, &xl, err) < 0)
		return -1;
	o->built[fi] = true;
	for (i = 0; i < o->plan[fi].nroutes; i++) {
		const struct fs_proute *pr = &o->plan[fi].routes[i];

		fs_route_format(pr->route, txt, sizeof(txt));
		fs_actions_format(pr->route, act, sizeof(act));
		printf("route %d %zu %s\t%s\t%s\n", (int)fam, i,
		    pr->refusal != FS_R_OK ? fs_refusal_name(pr->refusal) :
		    pr->empty ? "no-match" : "installed", txt, act);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fs_oracle [-c CONFIG] -i ROUTES.jsonl [-p]\n"
	    "  -c FILE  the injector's configuration (default: all defaults)\n"
	    "  -i FILE  the desired state as ExaBGP 4.2 JSON lines\n"
	    "  -p       read packet lines on stdin, print a verdict for each\n");
}

int main(int argc, char **argv)
{
	static struct oracle o;
	struct fs_exabgp_opts ex;
	struct fs_feed feed;
	struct fs_err err;
	const char *cfg = NULL, *in = NULL;
	bool packets = false, feed_ok = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	FILE *f = NULL;
	int c, rc = 1, i;

	while ((c = getopt(argc, argv, "c:i:ph")) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'i': in = optarg; break;
		case 'p': packets = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (in == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	fs_log_set_level(FS_LOG_ERR);
	fs_config_default(&o.cfg);
	if (cfg != NULL && fs_config_load(cfg, false, &o.cfg, &err) < 0) {
		fprintf(stderr, "fs_oracle: %s\n", err.msg);
		return 1;
	}
	fs_exabgp_opts_default(&ex);
	if (apply_config(&o, &ex, &err) < 0) {
		fprintf(stderr, "fs_oracle: %s: %s\n", cfg, err.msg);
		return 1;
	}
	if (fs_feed_init(&feed, &ex) < 0) {
		fprintf(stderr, "fs_oracle: out of memory\n");
		return 1;
	}
	feed_ok = true;
	fs_ruleset_set_max(feed.rs, o.cfg.max_routes);
	fs_ruleset_set_max_per_peer(feed.rs, o.cfg.max_routes_per_neighbor);
	if ((f = fopen(in, "r")) == NULL) {
		fprintf(stderr, "fs_oracle: %s: cannot open\n", in);
		goto out;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char origin[300];

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		snprintf(origin, sizeof(origin), "%s:%lu", in, lineno);
		/* a rejected line changes nothing, as in the injector */
		if (print_nlris(&ex, line, (size_t)len, lineno, &err) < 0 ||
		    fs_feed_line(&feed, line, (size_t)len, origin, &err) < 0)
			fprintf(stderr, "fs_oracle: rejected: %s\n", err.msg);
	}
	for (i = 0; i < 2; i++)
		if (build(&o, feed.rs, i, &err) < 0) {
			fprintf(stderr, "fs_oracle: IPv%d: %s\n", i == 0 ? 4 : 6, err.msg);
			goto out;
		}
	if (packets) {
		lineno = 0;
		while ((len = getline(&line, &cap, stdin)) >= 0) {
			lineno++;
			if (len > 0 && line[len - 1] == '\n')
				line[--len] = '\0';
			if (packet_line(&o, line, lineno) < 0)
				goto out;
		}
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	for (i = 0; i < 2; i++) {
		if (o.built[i])
			fs_plan_free(&o.plan[i]);
		free(o.sorted[i]);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	if (feed_ok)
		fs_feed_free(&feed);
	return rc;
}
