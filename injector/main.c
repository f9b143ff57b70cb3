/*
 * flowspec-injector - BGP FlowSpec routes from ExaBGP's process API to an
 * exact netfilter ruleset.
 *
 * This version implements --dry-run: read ExaBGP JSON lines on stdin, keep
 * the desired state per neighbor, and at end of input print one complete
 * iptables-restore document (IPv4, or IPv6 with -6).  It changes nothing on
 * the host.  Refusals and input errors go to stderr, one line each.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/exabgp.h"
#include "flowspec/feed.h"
#include "flowspec/host.h"
#include "flowspec/log.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"
#include "flowspec/translate.h"

#define FS_VERSION "0.1.0"

struct opts {
	bool dry_run;
	enum fs_family family;
	enum fs_order_mode order;
	struct fs_exabgp_opts ex;
	struct fs_xlate_opts xl;
	int verbose;
	const char *input;
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: flowspec-injector --dry-run [options] < exabgp.jsonl\n"
	    "\n"
	    "Reads ExaBGP 4.2 process-API JSON (encoder json) and prints the\n"
	    "iptables-restore document for the routes received.\n"
	    "\n"
	    "  -n, --dry-run            change nothing; print the document at end of input\n"
	    "  -4, --ipv4               the IPv4 document (default)\n"
	    "  -6, --ipv6               the IPv6 document\n"
	    "  -i, --input FILE         read FILE instead of stdin\n"
	    "      --order MODE         rfc8955 (default) or sequence\n"
	    "      --seq-community FORM clean (default), paper or none\n"
	    "      --seq-type HEX       type and sub-type of the clean form (default 0x80ff)\n"
	    "      --accept TARGET      return (default) or accept\n"
	    "      --chain NAME         the FlowSpec chain (default FLOWSPEC)\n"
	    "      --hook NAME          the chain that jumps to it (default FORWARD)\n"
	    "      --nflog-group N      NFLOG group for the sample action (default 0)\n"
	    "  -v, --verbose            more log output (repeatable)\n"
	    "  -q, --quiet              only errors\n"
	    "  -h, --help               this text\n"
	    "  -V, --version            print the version\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_ORDER = 256, O_SEQ, O_SEQTYPE, O_ACCEPT, O_CHAIN, O_HOOK, O_NFLOG };
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "input", required_argument, NULL, 'i' },
		{ "order", required_argument, NULL, O_ORDER },
		{ "seq-community", required_argument, NULL, O_SEQ },
		{ "seq-type", required_argument, NULL, O_SEQTYPE },
		{ "accept", required_argument, NULL, O_ACCEPT },
		{ "chain", required_argument, NULL, O_CHAIN },
		{ "hook", required_argument, NULL, O_HOOK },
		{ "nflog-group", required_argument, NULL, O_NFLOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c, li = 0;

	memset(o, 0, sizeof(*o));
	o->family = FS_INET;
	o->order = FS_ORDER_RFC;
	fs_exabgp_opts_default(&o->ex);
	fs_xlate_opts_default(&o->xl);
	while ((c = getopt_long(argc, argv, "n46i:vqhV", lo, &li)) != -1) {
		switch (c) {
		case 'n': o->dry_run = true; break;
		case '4': o->family = FS_INET; break;
		case '6': o->family = FS_INET6; break;
		case 'i': o->input = optarg; break;
		case 'v': o->verbose++; break;
		case 'q': o->verbose = -1; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("flowspec-injector %s\n", FS_VERSION); exit(0);
		case O_ORDER:
			if (strcmp(optarg, "rfc8955") == 0 || strcmp(optarg, "rfc") == 0)
				o->order = FS_ORDER_RFC;
			else if (strcmp(optarg, "sequence") == 0)
				o->order = FS_ORDER_SEQUENCE;
			else
				goto bad;
			break;
		case O_SEQ:
			if (strcmp(optarg, "clean") == 0)
				o->ex.seq.form = FS_SEQ_CLEAN;
			else if (strcmp(optarg, "paper") == 0)
				o->ex.seq.form = FS_SEQ_PAPER;
			else if (strcmp(optarg, "none") == 0)
				o->ex.seq.form = FS_SEQ_NONE;
			else
				goto bad;
			break;
		case O_SEQTYPE:
			if (parse_uint(optarg, 0xffff, &v) < 0)
				goto bad;
			o->ex.seq.clean_type = (uint16_t)v;
			break;
		case O_ACCEPT:
			if (strcmp(optarg, "return") == 0)
				o->xl.accept = FS_ACCEPT_RETURN;
			else if (strcmp(optarg, "accept") == 0)
				o->xl.accept = FS_ACCEPT_ACCEPT;
			else
				goto bad;
			break;
		case O_CHAIN:
		case O_HOOK:
			if (optarg[0] == '\0' || strlen(optarg) > 20 || strspn(optarg,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
			    strlen(optarg))
				goto bad;
			snprintf(c == O_CHAIN ? o->xl.chain : o->xl.hook, FS_CHAIN_NAME_MAX, "%s", optarg);
			break;
		case O_NFLOG:
			if (parse_uint(optarg, 65535, &v) < 0)
				goto bad;
			o->xl.nflog_group = (uint16_t)v;
			break;
		default:
			usage(stderr);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "flowspec-injector: invalid value \"%s\" for --%s\n", optarg,
		    lo[li].name);
		return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "flowspec-injector: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (strcmp(o->xl.chain, o->xl.hook) == 0) {
		fprintf(stderr, "flowspec-injector: --chain and --hook must differ (both \"%s\")\n",
		    o->xl.chain);
		return -1;
	}
	if (!o->dry_run) {
		fprintf(stderr, "flowspec-injector: this version only implements --dry-run\n");
		return -1;
	}
	return 0;
}

/*
 * Reads one line of at most cap bytes into *buf.  Returns its length, -1 at
 * EOF, or -2 for an over-long line (the rest of it is consumed).
 */
static long read_line(FILE *f, char **buf, size_t *bufcap, size_t cap)
{
	size_t n = 0;
	int c;
	bool over = false;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (over)
			continue;
		if (n + 1 >= *bufcap) {
			size_t nc = *bufcap ? *bufcap * 2 : 4096;
			char *nb;

			if (nc > cap + 1)
				nc = cap + 1;
			if (n + 1 >= nc) {
				over = true;
				continue;
			}
			nb = realloc(*buf, nc);
			if (nb == NULL) {
				over = true;
				continue;
			}
			*buf = nb;
			*bufcap = nc;
		}
		(*buf)[n++] = (char)c;
	}
	if (c == EOF && n == 0 && !over)
		return -1;
	if (over)
		return -2;
	(*buf)[n] = '\0';
	return (long)n;
}

static void report(const struct fs_plan *plan)
{
	char txt[FS_TEXT_MAX], act[512];
	size_t i;

	for (i = 0; i < plan->nroutes; i++) {
		const struct fs_proute *pr = &plan->routes[i];

		if (pr->refusal == FS_R_OK && !pr->empty)
			continue;
		fs_route_format(pr->route, txt, sizeof(txt));
		fs_actions_format(pr->route, act, sizeof(act));
		if (pr->refusal == FS_R_OK)
			log_info("installed, but matches no packet: %s => %s", txt, act);
		else
			fs_log(FS_LOG_WARN, "refused: %s => %s: %s: %s", txt, act,
			    fs_refusal_name(pr->refusal), pr->why);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct fs_feed feed;
	struct fs_plan plan;
	const struct fs_route **sorted = NULL;
	size_t nsorted = 0, refused = 0, i;
	struct fs_err err;
	char *line = NULL;
	size_t linecap = 0;
	char origin[64];
	FILE *in = stdin;
	long len;
	int rc = 1;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.verbose < 0)
		fs_log_set_level(FS_LOG_ERR);
	else if (o.verbose > 0)
		fs_log_set_level(FS_LOG_DEBUG);
	{
		char path[256];

		if (fs_host_iptables_is_nft(path, sizeof(path)))
			log_warnx("this host's iptables is the nft variant (%s): it does not show "
			    "the legacy tables flowspec-acl uses; use iptables-legacy and "
			    "iptables-legacy-restore (see README, \"legacy vs nft\")", path);
	}
	if (o.input != NULL && (in = fopen(o.input, "r")) == NULL) {
		log_errx("%s: %s", o.input, strerror(errno));
		return 1;
	}
	if (fs_feed_init(&feed, &o.ex) < 0) {
		log_errx("out of memory");
		goto out;
	}
	while ((len = read_line(in, &line, &linecap, o.ex.line_max)) != -1) {
		snprintf(origin, sizeof(origin), "%s:%lu", o.input ? o.input : "stdin",
		    feed.st.lines + 1);
		if (len == -2) {
			feed.st.lines++;
			feed.st.errors++;
			log_warnx("%s: line longer than %zu bytes, ignored", origin, o.ex.line_max);
			continue;
		}
		if (len == 0) {
			feed.st.lines++;
			continue;
		}
		if (fs_feed_line(&feed, line, (size_t)len, origin, &err) < 0)
			log_warnx("%s", err.msg);
	}
	if (ferror(in)) {
		log_errx("reading input: %s", strerror(errno));
		goto out;
	}
	if (fs_ruleset_sorted(feed.rs, o.family, o.order, &sorted, &nsorted, &err) < 0 ||
	    fs_plan_build(&plan, o.family, sorted, nsorted, &o.xl, &err) < 0) {
		log_errx("%s", err.msg);
		goto out;
	}
	report(&plan);
	for (i = 0; i < plan.nroutes; i++)
		if (plan.routes[i].refusal != FS_R_OK)
			refused++;
	if (fs_plan_write_restore(&plan, stdout) < 0 || fflush(stdout) != 0) {
		log_errx("writing the document failed");
		fs_plan_free(&plan);
		goto out;
	}
	log_info("summary: %lu lines, %lu input errors, %lu announces, %lu withdraws; "
	    "IPv%d: %zu routes, %zu installed, %zu refused, %zu filter rules, %zu mangle rules",
	    feed.st.lines, feed.st.errors, feed.st.announces, feed.st.withdraws, o.family, nsorted,
	    nsorted - refused, refused, fs_ptable_rules(&plan.filter), fs_ptable_rules(&plan.mangle));
	for (i = 1; i < FS_R__COUNT; i++)
		if (plan.refused[i] > 0)
			log_info("refused %s: %u", fs_refusal_name((enum fs_refusal)i), plan.refused[i]);
	fs_plan_free(&plan);
	rc = 0;
out:
	free(sorted);
	free(line);
	fs_feed_free(&feed);
	if (in != stdin)
		fclose(in);
	return rc;
}
