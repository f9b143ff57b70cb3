/*
 * flowspec-injector - BGP FlowSpec routes from ExaBGP's process API, or
 * from FRR's vtysh, to an exact netfilter ruleset.
 *
 * ExaBGP (the default source): read ExaBGP JSON lines on stdin, keep the
 * desired state per neighbor, and write it into the legacy tables through
 * libiptc, one commit per burst.  FRR (--source frr): poll vtysh once
 * (--once) or every --interval seconds and reconcile the kernel to FRR's
 * table, committing only when it changed.  --dry-run: print one
 * iptables-restore document instead, changing nothing.  Refusals and input
 * errors are logged, one line each.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/config.h"
#include "flowspec/exabgp.h"
#include "flowspec/batch.h"
#include "flowspec/feed.h"
#include "flowspec/frr.h"
#include "flowspec/host.h"
#include "flowspec/instance.h"
#include "flowspec/ipt.h"
#include "flowspec/log.h"
#include "flowspec/metrics.h"
#include "flowspec/proc.h"
#include "flowspec/redirect.h"
#include "flowspec/rtnl.h"
#include "flowspec/ruleset.h"
#include "flowspec/status.h"
#include "flowspec/text.h"
#include "flowspec/translate.h"

#define FS_VERSION "0.1.0"

struct opts {
	bool dry_run;
	bool status, json, prometheus;
	const char *metrics_file;  /* NULL: no metrics file */
	const char *state_dir;
	bool keep_on_exit;
	bool family_set;     /* -4 or -6 given: live mode handles only that family */
	unsigned window_ms, lock_wait_ms, hold_ms, max_delay_ms;
	unsigned long max_pending;
	enum fs_family family;
	enum fs_order_mode order;
	struct fs_exabgp_opts ex;
	struct fs_xlate_opts xl;
	int verbose;
	const char *input;
	/* --source frr */
	bool frr, once, peer_down_keep;
	unsigned interval_s, vtysh_timeout_ms;
	const char *vtysh, *vtysh_socket;
	/* the configuration file (-c); the command line overrides what it names */
	const char *config_path;
	bool config_given, check_config;
	uint64_t cli_set;            /* FS_CK_* bits of the options given on the command line */
	struct fs_config cfg;        /* owns the lists xl points into */
	struct fs_xlate_prefix prot[FS_CONFIG_LIST_MAX]; /* protected prefixes of the file */
	unsigned nprot_cfg;          /* how many of prot come from the file */
	unsigned nprot_fed;          /* feed neighbors protected so far (protect_feed_peers) */
	bool protect_peers;
	unsigned long max_routes, max_routes_peer;
	struct fs_redirect *rd;      /* redirect marks, tables and next-hop slots (mutable) */
};

static struct fs_redirect redirect_state;


static void usage(FILE *f)
{
	fprintf(f,
	    "usage: flowspec-injector [options] < exabgp.jsonl       (as an ExaBGP process)\n"
	    "       flowspec-injector --dry-run [-4|-6] [options] < exabgp.jsonl\n"
	    "       flowspec-injector --source frr --once|--interval SEC [options]\n"
	    "       flowspec-injector --source frr --dry-run [-4|-6] [-i DETAIL.json] [options]\n"
	    "       flowspec-injector status [--json|--prometheus] [-4|-6] [--state-dir DIR]\n"
	    "\n"
	    "Reads ExaBGP 4.2 process-API JSON (encoder json), or polls FRR's vtysh,\n"
	    "and keeps the FlowSpec chains in the kernel's legacy tables equal to the\n"
	    "routes received; with --dry-run it changes nothing and prints the\n"
	    "iptables-restore document instead.\n"
	    "\n"
	    "  -c, --config FILE        the configuration (default " FS_CONFIG_DEFAULT_PATH ";\n"
	    "                           options given here override it)\n"
	    "      --check-config       validate the configuration and exit\n"
	    "  -n, --dry-run            change nothing; print the document at end of input\n"
	    "      --source SRC         exabgp (default: JSON lines on stdin) or frr (vtysh)\n"
	    "      --once               frr: one poll, then exit (0 done, 1 failed)\n"
	    "      --interval SEC       frr: poll every SEC seconds until SIGTERM\n"
	    "      --vtysh PATH         frr: the vtysh binary (default /usr/bin/vtysh)\n"
	    "      --vtysh-socket DIR   frr: pass --vty_socket DIR to vtysh\n"
	    "      --vtysh-timeout SEC  frr: kill vtysh after SEC seconds (default 10)\n"
	    "      --peer-down MODE     frr, no FlowSpec session up: flush (default) or keep\n"
	    "  -4, --ipv4               IPv4 only (dry run: the IPv4 document, the default)\n"
	    "  -6, --ipv6               IPv6 only (dry run: the IPv6 document)\n"
	    "      --window MS          commit after input is idle this long (default 50)\n"
	    "      --max-pending N      commit when this many changes wait (default 10000)\n"
	    "      --max-delay MS       commit when the oldest change has waited this long (default 200)\n"
	    "      --hold MS            start-up: a session up and quiet this long is complete\n"
	    "                           when it sends no end-of-RIB (default 1000)\n"
	    "      --keep-on-exit       leave the rules in place at end of input or SIGTERM\n"
	    "      --lock-wait MS       wait this long for the xtables lock (default 5000)\n"
	    "      --state-dir DIR      where the state for status is kept (default /run/flowspec-acl)\n"
	    "      --json               status: print JSON\n"
	    "      --prometheus         status: print the Prometheus metrics (docs/metrics.md)\n"
	    "      --metrics-file PATH  write the Prometheus metrics there (node_exporter's\n"
	    "                           textfile format) after each commit and poll\n"
	    "  -i, --input FILE         read FILE instead of stdin (frr: a detail json, dry run)\n"
	    "      --order MODE         rfc8955 (default) or sequence\n"
	    "      --seq-community FORM clean (default), paper or none\n"
	    "      --seq-type HEX       type and sub-type of the clean form (default 0x80ff)\n"
	    "      --accept TARGET      return (default) or accept\n"
	    "      --chain NAME         the FlowSpec chain (default FLOWSPEC)\n"
	    "      --hook NAME          the chain that jumps to it (default FORWARD)\n"
	    "      --in-interface IF    jump only for packets that came in on IF (default all)\n"
	    "      --out-interface IF   filter's jump only for packets going out on IF (default all)\n"
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
	enum { O_ORDER = 256, O_SEQ, O_SEQTYPE, O_ACCEPT, O_CHAIN, O_HOOK, O_NFLOG, O_WINDOW,
		O_PENDING, O_KEEP, O_LOCKWAIT, O_HOLD, O_STATEDIR, O_JSON, O_DELAY, O_IIF, O_OIF,
		O_SOURCE, O_ONCE, O_INTERVAL, O_VTYSH, O_VTYSOCK, O_VTYTIMEOUT, O_PEERDOWN,
		O_CHECKCFG, O_PROMETHEUS, O_METRICS };
	/* option -> the configuration key it overrides */
	static const struct { int opt, key; } keyof[] = {
		{ O_ORDER, FS_CK_ORDER }, { O_SEQ, FS_CK_SEQ_COMMUNITY }, { O_SEQTYPE, FS_CK_SEQ_TYPE },
		{ O_ACCEPT, FS_CK_ACCEPT }, { O_CHAIN, FS_CK_CHAIN }, { O_HOOK, FS_CK_HOOK },
		{ O_NFLOG, FS_CK_NFLOG_GROUP }, { O_WINDOW, FS_CK_WINDOW },
		{ O_PENDING, FS_CK_MAX_PENDING }, { O_STATEDIR, FS_CK_STATE_DIR },
		{ O_METRICS, FS_CK_METRICS_FILE },
		{ O_IIF, FS_CK_IN_INTERFACE }, { O_OIF, FS_CK_OUT_INTERFACE }, { O_DELAY, FS_CK_MAX_DELAY }, { O_HOLD, FS_CK_HOLD },
		{ O_LOCKWAIT, FS_CK_LOCK_WAIT }, { O_SOURCE, FS_CK_SOURCE },
		{ O_INTERVAL, FS_CK_INTERVAL }, { O_VTYSH, FS_CK_VTYSH },
		{ O_VTYSOCK, FS_CK_VTYSH_SOCKET }, { O_VTYTIMEOUT, FS_CK_VTYSH_TIMEOUT },
		{ O_PEERDOWN, FS_CK_PEER_DOWN }, { 'v', FS_CK_LOG_LEVEL }, { 'q', FS_CK_LOG_LEVEL },
	};
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
		{ "window", required_argument, NULL, O_WINDOW },
		{ "max-pending", required_argument, NULL, O_PENDING },
		{ "keep-on-exit", no_argument, NULL, O_KEEP },
		{ "lock-wait", required_argument, NULL, O_LOCKWAIT },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "max-delay", required_argument, NULL, O_DELAY },
		{ "in-interface", required_argument, NULL, O_IIF },
		{ "out-interface", required_argument, NULL, O_OIF },
		{ "state-dir", required_argument, NULL, O_STATEDIR },
		{ "json", no_argument, NULL, O_JSON },
		{ "prometheus", no_argument, NULL, O_PROMETHEUS },
		{ "metrics-file", required_argument, NULL, O_METRICS },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "once", no_argument, NULL, O_ONCE },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "vtysh", required_argument, NULL, O_VTYSH },
		{ "vtysh-socket", required_argument, NULL, O_VTYSOCK },
		{ "vtysh-timeout", required_argument, NULL, O_VTYTIMEOUT },
		{ "peer-down", required_argument, NULL, O_PEERDOWN },
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, O_CHECKCFG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c, li = 0;
	char why[320] = ""; /* what is wrong with a value, when there is more to say */

	memset(o, 0, sizeof(*o));
	o->family = FS_INET;
	o->order = FS_ORDER_RFC;
	o->window_ms = 50;
	o->hold_ms = 1000;
	o->max_delay_ms = 200;
	o->state_dir = "/run/flowspec-acl";
	o->lock_wait_ms = 5000;
	o->max_pending = 10000;
	o->vtysh = "/usr/bin/vtysh";
	o->vtysh_timeout_ms = 10000;
	fs_exabgp_opts_default(&o->ex);
	fs_xlate_opts_default(&o->xl);
	o->config_path = FS_CONFIG_DEFAULT_PATH;
	opterr = 0; /* fs_log_bad_option says it, in one line */
	while ((c = getopt_long(argc, argv, ":n46i:c:vqhV", lo, &li)) != -1) {
		size_t k;

		for (k = 0; k < sizeof(keyof) / sizeof(keyof[0]); k++)
			if (keyof[k].opt == c)
				o->cli_set |= 1ULL << keyof[k].key;
		switch (c) {
		case 'c':
			o->config_path = optarg;
			o->config_given = true;
			break;
		case O_CHECKCFG:
			o->check_config = true;
			break;
		case 'n': o->dry_run = true; break;
		case '4': o->family = FS_INET; o->family_set = true; break;
		case '6': o->family = FS_INET6; o->family_set = true; break;
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
			if (fs_config_seq_type_collision(v) != NULL) {
				snprintf(why, sizeof(why), "0x%04lx is the type and sub-type of %s: those "
				    "communities would be read as sequence numbers", v,
				    fs_config_seq_type_collision(v));
				goto bad;
			}
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
			/* the configuration's check (config.h), for chain: and hook: alike */
			if (fs_config_check_chain(c == O_CHAIN ? FS_CHAIN_OURS : FS_CHAIN_HOOK, optarg,
			    strlen(optarg), why, sizeof(why)) < 0)
				goto bad;
			snprintf(c == O_CHAIN ? o->xl.chain : o->xl.hook, FS_CHAIN_NAME_MAX, "%s", optarg);
			break;
		case O_NFLOG:
			if (parse_uint(optarg, 65535, &v) < 0)
				goto bad;
			o->xl.nflog_group = (uint16_t)v;
			break;
		case O_WINDOW:
			if (parse_uint(optarg, 60000, &v) < 0)
				goto bad;
			o->window_ms = (unsigned)v;
			break;
		case O_PENDING:
			if (parse_uint(optarg, 10000000, &v) < 0 || v == 0)
				goto bad;
			o->max_pending = v;
			break;
		case O_KEEP:
			o->keep_on_exit = true;
			break;
		case O_STATEDIR:
			if (optarg[0] == '\0')
				goto bad;
			o->state_dir = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_PROMETHEUS:
			o->prometheus = true;
			break;
		case O_METRICS:
			/* as metrics-file: in the file (config.c K_ABSPATH) */
			if (optarg[0] != '/' || strlen(optarg) > 255) {
				snprintf(why, sizeof(why), "an absolute path of at most 255 characters is "
				    "needed");
				goto bad;
			}
			o->metrics_file = optarg;
			break;
		case O_IIF:
		case O_OIF: {
			/* an interface name as the configuration takes it (config.c
			 * K_IFACE): 1..15 characters, no '/', ':', blank or control
			 * character; a trailing '+' is iptables' prefix wildcard */
			size_t ci, len = strlen(optarg);

			if (len == 0 || len > 15 || strcmp(optarg, ".") == 0 || strcmp(optarg, "..") == 0)
				goto bad;
			for (ci = 0; ci < len; ci++)
				if (optarg[ci] == '/' || optarg[ci] == ':' ||
				    (unsigned char)optarg[ci] <= ' ' || optarg[ci] == 0x7f)
					goto bad;
			snprintf(c == O_IIF ? o->xl.in_iface : o->xl.out_iface, sizeof(o->xl.in_iface),
			    "%s", optarg);
			break;
		}
		case O_DELAY:
			if (parse_uint(optarg, 600000, &v) < 0)
				goto bad;
			o->max_delay_ms = (unsigned)v;
			break;
		case O_HOLD:
			if (parse_uint(optarg, 600000, &v) < 0)
				goto bad;
			o->hold_ms = (unsigned)v;
			break;
		case O_LOCKWAIT:
			if (parse_uint(optarg, 600000, &v) < 0)
				goto bad;
			o->lock_wait_ms = (unsigned)v;
			break;
		case O_SOURCE:
			if (strcmp(optarg, "frr") == 0)
				o->frr = true;
			else if (strcmp(optarg, "exabgp") == 0)
				o->frr = false;
			else
				goto bad;
			break;
		case O_ONCE:
			o->once = true;
			break;
		case O_INTERVAL:
			if (parse_uint(optarg, 86400, &v) < 0 || v == 0)
				goto bad;
			o->interval_s = (unsigned)v;
			break;
		case O_VTYSH:
			/* a path, run with execv: no PATH search, no shell */
			if (optarg[0] != '/') {
				snprintf(why, sizeof(why), "an absolute path is needed (vtysh is run by its "
				    "path, without a PATH search), e.g. /usr/bin/vtysh");
				goto bad;
			}
			o->vtysh = optarg;
			break;
		case O_VTYSOCK:
			if (optarg[0] == '\0')
				goto bad;
			o->vtysh_socket = optarg;
			break;
		case O_VTYTIMEOUT:
			if (parse_uint(optarg, 3600, &v) < 0 || v == 0)
				goto bad;
			o->vtysh_timeout_ms = (unsigned)v * 1000u;
			break;
		case O_PEERDOWN:
			if (strcmp(optarg, "flush") == 0)
				o->peer_down_keep = false;
			else if (strcmp(optarg, "keep") == 0)
				o->peer_down_keep = true;
			else
				goto bad;
			break;
		default:
			fs_log_bad_option("flowspec-injector", c, argv);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "flowspec-injector: invalid value \"%s\" for --%s%s%s\n", optarg,
		    lo[li].name, why[0] ? ": " : "", why);
		return -1;
	}
	if (optind < argc && strcmp(argv[optind], "status") == 0) {
		o->status = true;
		optind++;
	}
	if (optind != argc) {
		fprintf(stderr, "flowspec-injector: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if ((o->json || o->prometheus) && !o->status) {
		fprintf(stderr, "flowspec-injector: --%s goes with the status subcommand\n",
		    o->json ? "json" : "prometheus");
		return -1;
	}
	if (o->json && o->prometheus) {
		fprintf(stderr, "flowspec-injector: --json and --prometheus exclude each other: "
		    "choose one\n");
		return -1;
	}
	return 0;
}

/*
 * How a message names key k's value v: "--hook OUTPUT" when the command
 * line set it, "hook: OUTPUT (FILE:LINE:COLUMN)" when the file c did,
 * "hook: FORWARD (the default)" otherwise.
 */
static void named(const struct opts *o, const struct fs_config *c, int k, const char *opt,
    const char *v, char *buf, size_t cap)
{
	char q[FS_ERR_QUOTE_MAX * 4 + 8];

	fs_err_quote(q, sizeof(q), v, strlen(v));
	if ((o->cli_set >> k) & 1)
		snprintf(buf, cap, "%s %s", opt, q);
	else if ((c->set >> k) & 1)
		snprintf(buf, cap, "%s: %s (%s:%u:%u)", fs_config_key_path(k), q, o->config_path,
		    c->at[k].line, c->at[k].column);
	else
		snprintf(buf, cap, "%s: %s (the default)", fs_config_key_path(k), q);
}

/*
 * Checks that the options fit together: the command line's (o->cli_set)
 * over the file c's (a conflict inside the file is config.c's, with its
 * file:line:column).  Only what was given counts: the file's frr: keys
 * wait unused with source exabgp.  With --check-config, the choices that
 * only the run makes (--once, --interval or --dry-run; -i) are not asked
 * for.  0, or -1 with the message in msg.
 */
static int check_opts(const struct opts *o, const struct fs_config *c, char *msg, size_t cap)
{
#define CLI(k) ((o->cli_set >> (k)) & 1)
	bool frr = CLI(FS_CK_SOURCE) ? o->frr : strcmp(c->source, "frr") == 0;
	bool seq = CLI(FS_CK_ORDER) ? o->order == FS_ORDER_SEQUENCE : c->order == 1;
	bool file_interval = !CLI(FS_CK_INTERVAL) && ((c->set >> FS_CK_INTERVAL) & 1);
	const char *hook = CLI(FS_CK_HOOK) ? o->xl.hook : c->hook;
	const char *in = CLI(FS_CK_IN_INTERFACE) ? o->xl.in_iface : c->in_interface;
	const char *out = CLI(FS_CK_OUT_INTERFACE) ? o->xl.out_iface : c->out_interface;
	const char *given[3];
	char a[400], b[400], why[400];
	int n = 0, r;

	if (o->status)
		return 0;
	named(o, c, FS_CK_SOURCE, "--source", frr ? "frr" : "exabgp", a, sizeof(a));
	if (o->once)
		given[n++] = "--once";
	if (CLI(FS_CK_INTERVAL))
		given[n++] = "--interval";
	if (frr) {
		if (o->dry_run)
			given[n++] = "--dry-run";
		if (n > 1) {
			snprintf(msg, cap, "%s and %s%s%s exclude each other: choose one", given[0],
			    given[1], n > 2 ? " and " : "", n > 2 ? given[2] : "");
			return -1;
		}
		if (n == 0 && !file_interval && !o->check_config) {
			snprintf(msg, cap, "%s needs one of --once, --interval SEC (or frr: interval in "
			    "the file) and --dry-run", a);
			return -1;
		}
		if (seq) {
			named(o, c, FS_CK_ORDER, "--order", "sequence", b, sizeof(b));
			snprintf(msg, cap, "%s cannot work with %s: " FS_CONFIG_FRR_SEQUENCE_WHY, b, a);
			return -1;
		}
		if (o->input != NULL && !o->dry_run && !o->check_config) {
			snprintf(msg, cap, "with %s, -i FILE goes with --dry-run only", a);
			return -1;
		}
	} else {
		if (CLI(FS_CK_VTYSH_SOCKET))
			given[n++] = "--vtysh-socket";
		if (n > 0) {
			snprintf(msg, cap, "%s%s%s%s%s go%s with source frr, not with %s", given[0],
			    n > 1 ? (n > 2 ? ", " : " and ") : "", n > 1 ? given[1] : "",
			    n > 2 ? " and " : "", n > 2 ? given[2] : "", n == 1 ? "es" : "", a);
			return -1;
		}
	}
	r = fs_config_check_hook_iface(hook, in, out, why, sizeof(why));
	if (r != 0) {
		named(o, c, r == 1 ? FS_CK_IN_INTERFACE : FS_CK_OUT_INTERFACE,
		    r == 1 ? "--in-interface" : "--out-interface", r == 1 ? in : out, a, sizeof(a));
		named(o, c, FS_CK_HOOK, "--hook", hook, b, sizeof(b));
		snprintf(msg, cap, "%s with %s: %s", a, b, why);
		return -1;
	}
	return 0;
#undef CLI
}

/* check_opts on the configuration in effect, at start-up: 0, or -1 (printed). */
static int validate_opts(struct opts *o)
{
	char msg[1024];

	if (check_opts(o, &o->cfg, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "flowspec-injector: %s\n", msg);
		return -1;
	}
	return 0;
}

static enum fs_log_level level_of(int v)
{
	return (enum fs_log_level)v;
}

/*
 * Takes every key the command line did not set from the configuration
 * (its value, or its default), and points the translator at its lists.
 */
/*
 * The redirect part of the configuration.  A reload that leaves it as it
 * was keeps the next hops in their slots; a changed one starts afresh (the
 * next commit's prune removes what the old one installed).
 */
static void apply_redirect(struct opts *o)
{
	const struct fs_config *c = &o->cfg;
	struct fs_redirect *n = malloc(sizeof(*n));
	struct fs_err err;
	bool same;

	o->rd = &redirect_state;
	if (n == NULL)
		return;
	if (fs_redirect_init(n, c->redirect_mark_mask, c->redirect_rule_priority, c->redirect_rts,
	    c->redirect_tables, c->nredirects, c->redirect_ip_table_base, c->redirect_ip_tables,
	    &err) < 0) {
		/* config.c checked the same: this cannot happen with a parsed file */
		log_errx("redirect: %s; redirects are refused", err.msg);
		fs_redirect_init(n, 0x0000ff00u, 1000, NULL, NULL, 0, 2000, 0, &err);
	}
	same = n->mask == o->rd->mask && n->priority == o->rd->priority && n->nmap == o->rd->nmap &&
	    n->nslots == o->rd->nslots && n->ip_table_base == o->rd->ip_table_base &&
	    memcmp(n->map, o->rd->map, sizeof(n->map)) == 0 &&
	    memcmp(n->map_table, o->rd->map_table, sizeof(n->map_table)) == 0;
	if (!same)
		*o->rd = *n;
	free(n);
}

static void apply_config(struct opts *o)
{
	const struct fs_config *c = &o->cfg;
	unsigned i;

#define FROM_FILE(k) (!(o->cli_set & (1ULL << (k))))
	if (FROM_FILE(FS_CK_SOURCE))
		o->frr = strcmp(c->source, "frr") == 0;
	if (FROM_FILE(FS_CK_CHAIN))
		snprintf(o->xl.chain, sizeof(o->xl.chain), "%s", c->chain);
	if (FROM_FILE(FS_CK_HOOK))
		snprintf(o->xl.hook, sizeof(o->xl.hook), "%s", c->hook);
	snprintf(o->xl.mangle_hook, sizeof(o->xl.mangle_hook), "%s", c->mangle_hook);
	if (FROM_FILE(FS_CK_IN_INTERFACE))
		snprintf(o->xl.in_iface, sizeof(o->xl.in_iface), "%s", c->in_interface);
	if (FROM_FILE(FS_CK_OUT_INTERFACE))
		snprintf(o->xl.out_iface, sizeof(o->xl.out_iface), "%s", c->out_interface);
	if (FROM_FILE(FS_CK_ORDER))
		o->order = c->order == 1 ? FS_ORDER_SEQUENCE : FS_ORDER_RFC;
	if (FROM_FILE(FS_CK_SEQ_COMMUNITY))
		o->ex.seq.form = (enum fs_seq_form)c->seq_form;
	if (FROM_FILE(FS_CK_SEQ_TYPE))
		o->ex.seq.clean_type = c->seq_type;
	if (FROM_FILE(FS_CK_ACCEPT))
		o->xl.accept = c->accept == 1 ? FS_ACCEPT_ACCEPT : FS_ACCEPT_RETURN;
	if (FROM_FILE(FS_CK_NFLOG_GROUP))
		o->xl.nflog_group = c->nflog_group;
	if (FROM_FILE(FS_CK_WINDOW))
		o->window_ms = c->window_ms;
	if (FROM_FILE(FS_CK_MAX_PENDING))
		o->max_pending = c->max_pending;
	if (FROM_FILE(FS_CK_MAX_DELAY))
		o->max_delay_ms = c->max_delay_ms;
	if (FROM_FILE(FS_CK_HOLD))
		o->hold_ms = c->hold_ms;
	if (FROM_FILE(FS_CK_LOCK_WAIT))
		o->lock_wait_ms = c->lock_wait_ms;
	if (FROM_FILE(FS_CK_STATE_DIR))
		o->state_dir = c->state_dir;
	if (FROM_FILE(FS_CK_METRICS_FILE))
		o->metrics_file = c->metrics_file[0] ? c->metrics_file : NULL;
	if (FROM_FILE(FS_CK_LOG_LEVEL))
		fs_log_set_level(level_of(c->log_level));
	if (c->log_dest == FS_CFG_LOG_SYSLOG)
		fs_log_use_syslog("flowspec-injector");
	if (FROM_FILE(FS_CK_VTYSH))
		o->vtysh = c->vtysh;
	if (FROM_FILE(FS_CK_VTYSH_SOCKET))
		o->vtysh_socket = c->vtysh_socket[0] ? c->vtysh_socket : NULL;
	if (FROM_FILE(FS_CK_VTYSH_TIMEOUT))
		o->vtysh_timeout_ms = c->vtysh_timeout_s * 1000u;
	if (FROM_FILE(FS_CK_PEER_DOWN))
		o->peer_down_keep = c->peer_down_keep;
	if (FROM_FILE(FS_CK_INTERVAL) && (c->set & (1ULL << FS_CK_INTERVAL)) && !o->once &&
	    !o->dry_run)
		o->interval_s = c->interval_s;
#undef FROM_FILE
	o->xl.import_rts = c->import_rts;
	o->xl.nimport_rts = c->nimport_rts;
	o->xl.apply_untargeted = c->apply_untargeted;
	for (i = 0; i < c->nprotected; i++) {
		o->prot[i].family = c->protected[i].family == 4 ? FS_INET : FS_INET6;
		o->prot[i].len = c->protected[i].len;
		memcpy(o->prot[i].addr, c->protected[i].addr, 16);
	}
	o->nprot_cfg = c->nprotected;
	o->xl.protected = o->prot;
	o->xl.nprotected = o->nprot_cfg;
	o->protect_peers = c->protect_peers;
	o->max_routes = c->max_routes;
	o->max_routes_peer = c->max_routes_per_neighbor;
	apply_redirect(o);
}

/*
 * SIGHUP: reads the configuration again.  A bad file keeps the running
 * configuration (logged, with why).  Keys that need a restart (source,
 * chain names, state-dir, log destination) keep their running values.
 * 0 when the new configuration is in effect, -1 when the old one stays.
 */
static int reload_config(struct opts *o)
{
	static const int restart_only[] = { FS_CK_SOURCE, FS_CK_CHAIN, FS_CK_HOOK,
		FS_CK_MANGLE_HOOK, FS_CK_STATE_DIR, FS_CK_LOG_DEST };
	struct fs_config *n = malloc(sizeof(*n));
	struct fs_err err;
	char msg[1024];
	size_t i;
	int rc;

	if (n == NULL)
		return -1;
	fs_config_default(n);
	rc = fs_config_load(o->config_path, !o->config_given, n, &err);
	if (rc < 0) {
		log_errx("SIGHUP: %s; the running configuration stays", err.msg);
		free(n);
		return -1;
	}
	if (strcmp(n->source, o->cfg.source) != 0 || strcmp(n->chain, o->cfg.chain) != 0 ||
	    strcmp(n->hook, o->cfg.hook) != 0 || strcmp(n->mangle_hook, o->cfg.mangle_hook) != 0 ||
	    strcmp(n->state_dir, o->cfg.state_dir) != 0 || n->log_dest != o->cfg.log_dest) {
		log_warnx("SIGHUP: source, chain, hook, mangle-hook, state-dir and log destination "
		    "change only with a restart; they keep their running values");
		memcpy(n->source, o->cfg.source, sizeof(n->source));
		memcpy(n->chain, o->cfg.chain, sizeof(n->chain));
		memcpy(n->hook, o->cfg.hook, sizeof(n->hook));
		memcpy(n->mangle_hook, o->cfg.mangle_hook, sizeof(n->mangle_hook));
		memcpy(n->state_dir, o->cfg.state_dir, sizeof(n->state_dir));
		n->log_dest = o->cfg.log_dest;
		/* and where the running values came from, for the check below */
		for (i = 0; i < sizeof(restart_only) / sizeof(restart_only[0]); i++) {
			int k = restart_only[i];

			n->set = (n->set & ~(1ULL << k)) | (o->cfg.set & (1ULL << k));
			n->at[k] = o->cfg.at[k];
		}
	}
	/* the new file with the running values and the command line, as at start-up */
	if (check_opts(o, n, msg, sizeof(msg)) < 0) {
		log_errx("SIGHUP: %s; the running configuration stays", msg);
		free(n);
		return -1;
	}
	o->cfg = *n;
	free(n);
	apply_config(o);
	log_info("SIGHUP: configuration %s %s", o->config_path,
	    rc == 1 ? "is not there: the defaults apply" : "loaded");
	return 0;
}

/*
 * With protect-bgp-peers, the protected prefixes are the file's and then
 * every BGP peer's, in prot_all (xl.protected), which grows without a cap
 * of its own: ExaBGP's neighbors are bounded by FS_FEED_PEERS_MAX (feed.h:
 * a line from one more is refused, so no neighbor has routes unprotected),
 * FRR's by FS_FRR_PEERS_MAX a poll (frr.h).  apply_config points
 * xl.protected back at the file's (o->prot); the peers are added again
 * before the next commit.  Static, like redirect_state: it lives as long
 * as the process.
 */
static struct fs_xlate_prefix *prot_all;
static size_t prot_all_cap;

/* Room in prot_all for one more prefix; 0, or -1 when out of memory. */
static int prot_room(struct opts *o)
{
	if (o->xl.protected != prot_all) {
		/* a new configuration: its prefixes first, then every peer again */
		if (prot_all_cap < (size_t)o->nprot_cfg + 1) {
			struct fs_xlate_prefix *v = realloc(prot_all, ((size_t)o->nprot_cfg + 64) * sizeof(*v));

			if (v == NULL)
				return -1;
			prot_all = v;
			prot_all_cap = (size_t)o->nprot_cfg + 64;
		}
		memcpy(prot_all, o->prot, o->nprot_cfg * sizeof(*prot_all));
		o->xl.protected = prot_all;
		o->xl.nprotected = o->nprot_cfg;
		o->nprot_fed = 0;
	}
	if (o->xl.nprotected == prot_all_cap) {
		struct fs_xlate_prefix *v;

		if (prot_all_cap >= ~0u / 2 ||
		    (v = realloc(prot_all, prot_all_cap * 2 * sizeof(*v))) == NULL)
			return -1;
		prot_all = v;
		prot_all_cap *= 2;
		o->xl.protected = prot_all;
	}
	return 0;
}

/*
 * Adds the prefix of peer address addr unless one of the first `check`
 * protected prefixes is the same.  1 when added, 0 when already there or
 * addr is no address, -1 when out of memory (logged).
 */
static int protect_add(struct opts *o, const char *addr, unsigned check)
{
	struct fs_xlate_prefix p = { 0 };
	char canon[INET6_ADDRSTRLEN];
	unsigned i;

	switch (fs_peer_canon(addr, canon, sizeof(canon))) {
	case FS_INET:
		p.family = FS_INET;
		p.len = 32;
		inet_pton(AF_INET, canon, p.addr);
		break;
	case FS_INET6:
		p.family = FS_INET6;
		p.len = 128;
		inet_pton(AF_INET6, canon, p.addr);
		break;
	default:
		log_debug("BGP peer %s has no address to protect", addr);
		return 0;
	}
	if (prot_room(o) < 0) {
		log_errx("out of memory protecting BGP peer %s (protect-bgp-peers)", canon);
		return -1;
	}
	for (i = 0; i < check && i < o->xl.nprotected; i++)
		if (o->xl.protected[i].family == p.family && o->xl.protected[i].len == p.len &&
		    memcmp(o->xl.protected[i].addr, p.addr, 16) == 0)
			return 0;
	prot_all[o->xl.nprotected++] = p;
	return 1;
}

/* FRR: adds a BGP peer's address to the protected prefixes (once). */
static void protect_peer(struct opts *o, const char *addr)
{
	if (o->protect_peers && protect_add(o, addr, ~0u) == 1)
		log_info("BGP peer %s is protected: routes that drop or rate-limit its traffic are "
		    "refused (protect-bgp-peers)", addr);
}

/*
 * Before each commit (and the dry run's document): protects the feed's
 * neighbors not protected yet, and logs the summary of the "route not
 * stored" warnings the feed held back (fs_feed_report).  The feed's
 * neighbors are distinct addresses, so each is compared only with the
 * file's prefixes.  A neighbor not added (out of memory) is tried again
 * at the next commit.
 */
static void protect_feed_peers(struct opts *o, struct fs_feed *f)
{
	unsigned added = 0;
	int rc;

	fs_feed_report(f);
	if (!o->protect_peers)
		return;
	if (o->xl.protected != prot_all || o->nprot_fed > f->npeers)
		o->nprot_fed = 0; /* a new configuration: prot_room starts again */
	for (; o->nprot_fed < f->npeers; o->nprot_fed++) {
		const char *addr = f->peers[o->nprot_fed].addr;

		if ((rc = protect_add(o, addr, o->nprot_cfg)) < 0)
			return;
		if (rc == 1 && ++added <= 5)
			log_info("BGP peer %s is protected: routes that drop or rate-limit its traffic "
			    "are refused (protect-bgp-peers)", addr);
	}
	if (added > 5)
		log_info("%u more BGP peers are protected (protect-bgp-peers), %u in all", added - 5,
		    o->xl.nprotected - o->nprot_cfg);
}

/*
 * Input, for both modes: raw reads from fd into a buffer, taken out one
 * complete line at a time.  A line over o->ex.line_max is dropped as it
 * streams in and counted as one input error.  Reading and feeding are
 * apart so that the live loop can feed in bounded slices and look at the
 * batch and the signals between them, however fast the input comes.
 */
struct reader {
	int fd;
	const char *name;   /* for error origins: "stdin" or the -i file */
	char *buf;
	size_t start, len, cap; /* unconsumed input: buf[start..len) */
	size_t scan;        /* no newline in buf[start..scan) */
	bool overlong, eof;
};

static int reader_init(struct reader *rd, int fd, const char *name)
{
	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	rd->name = name;
	rd->cap = 1u << 20;
	rd->buf = malloc(rd->cap);
	return rd->buf == NULL ? -1 : 0;
}

static void feed_one(const struct opts *o, struct fs_feed *feed, struct reader *rd,
    const char *line, size_t n)
{
	struct fs_err err;
	char origin[300];

	snprintf(origin, sizeof(origin), "%s:%lu", rd->name, feed->st.lines + 1);
	if (rd->overlong) {
		feed->st.lines++;
		feed->st.errors++;
		log_warnx("%s: line longer than %zu bytes, ignored", origin, o->ex.line_max);
		rd->overlong = false;
	} else if (n == 0) {
		feed->st.lines++;
	} else if (fs_feed_line(feed, line, n, origin, &err) < 0) {
		log_warnx("%s", err.msg);
	}
}

/*
 * The next complete line in the buffer (without its newline), consumed;
 * false when there is none yet.  A partial line that has grown past the
 * limit is dropped here (rd->overlong: its tail is counted as one error).
 */
static bool reader_next(const struct opts *o, struct reader *rd, const char **line, size_t *n)
{
	char *nl = memchr(rd->buf + rd->scan, '\n', rd->len - rd->scan);

	if (nl == NULL) {
		rd->scan = rd->len;
		if (rd->len - rd->start > o->ex.line_max) {
			rd->overlong = true;
			rd->start = rd->len = rd->scan = 0;
		}
		return false;
	}
	*line = rd->buf + rd->start;
	*n = (size_t)(nl - *line);
	rd->start = rd->scan = (size_t)(nl - rd->buf) + 1;
	return true;
}

/*
 * One read() into the buffer (it blocks only when fd does).  1 when bytes
 * came, 0 when none (EAGAIN, EINTR, or end of input: rd->eof), -1 on a
 * read error or out of memory (logged; rd->eof set).
 */
static int reader_fill(struct reader *rd)
{
	ssize_t r;

	if (rd->start > 0) {
		memmove(rd->buf, rd->buf + rd->start, rd->len - rd->start);
		rd->len -= rd->start;
		rd->scan -= rd->start;
		rd->start = 0;
	}
	if (rd->len == rd->cap) {
		char *nb = realloc(rd->buf, rd->cap * 2);

		if (nb == NULL) {
			log_errx("out of memory reading input");
			rd->eof = true;
			return -1;
		}
		rd->buf = nb;
		rd->cap *= 2;
	}
	r = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
	if (r > 0) {
		rd->len += (size_t)r;
		return 1;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	rd->eof = true;
	if (r < 0) {
		log_errx("reading %s: %s", rd->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* At end of input: feeds the last, unterminated line, if any. */
static void reader_tail(const struct opts *o, struct fs_feed *feed, struct reader *rd)
{
	if (rd->len > rd->start || rd->overlong)
		feed_one(o, feed, rd, rd->buf + rd->start, rd->len - rd->start);
	rd->start = rd->len = rd->scan = 0;
}

/*
 * Reads fd to its end and feeds every line (the dry run: fd blocks).
 * 0, or -1 when out of memory or on a read error.
 */
static int reader_pull(const struct opts *o, struct fs_feed *feed, struct reader *rd)
{
	for (;;) {
		const char *line;
		size_t n;

		while (reader_next(o, rd, &line, &n))
			feed_one(o, feed, rd, line, n);
		if (rd->eof) {
			reader_tail(o, feed, rd);
			return 0;
		}
		switch (reader_fill(rd)) {
		case -1:
			return -1;
		case 0:
			if (!rd->eof) {
				/* an fd left non-blocking by whoever started us: wait, do not spin */
				struct pollfd pfd = { rd->fd, POLLIN, 0 };

				poll(&pfd, 1, -1);
			}
			break;
		}
	}
}

static int build_plan(const struct opts *o, enum fs_family fam, const struct fs_route **sorted,
    size_t n, bool kernel, struct fs_plan *plan, struct fs_err *err);

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

/*
 * The dry run's output for one family of rs: each refusal logged, the
 * iptables-restore document on stdout, then a summary line ("summary:
 * INPUT; IPv4: ...") and the counts by reason.  0, or -1 (logged).
 */
static int print_document(const struct opts *o, const struct fs_ruleset *rs, const char *input)
{
	const struct fs_route **sorted = NULL;
	struct fs_plan plan;
	struct fs_err err;
	size_t n = 0, refused = 0, i;
	int rc = -1;

	if (fs_ruleset_sorted(rs, o->family, o->order, &sorted, &n, &err) < 0 ||
	    build_plan(o, o->family, sorted, n, false, &plan, &err) < 0) {
		log_errx("%s", err.msg);
		free(sorted);
		return -1;
	}
	report(&plan);
	for (i = 0; i < plan.nroutes; i++)
		if (plan.routes[i].refusal != FS_R_OK)
			refused++;
	if (fs_plan_write_restore(&plan, stdout) < 0 || fflush(stdout) != 0) {
		log_errx("writing the document failed");
		goto out;
	}
	log_info("summary: %s; IPv%d: %zu routes, %zu installed, %zu refused, %zu filter rules, "
	    "%zu mangle rules", input, o->family, n, n - refused, refused,
	    fs_ptable_rules(&plan.filter), fs_ptable_rules(&plan.mangle));
	for (i = 1; i < FS_R__COUNT; i++)
		if (plan.refused[i] > 0)
			log_info("refused %s: %u", fs_refusal_name((enum fs_refusal)i), plan.refused[i]);
	rc = 0;
out:
	fs_plan_free(&plan);
	free(sorted);
	return rc;
}

/* --dry-run: read to end of input, print one document. */
static int dry_run(struct opts *o)
{
	struct fs_feed feed;
	struct reader rd = { .fd = -1 };
	char input[160];
	int fd = STDIN_FILENO, rc = 1;

	if (o->input != NULL && (fd = open(o->input, O_RDONLY | O_CLOEXEC)) < 0) {
		log_errx("%s: %s", o->input, strerror(errno));
		return 1;
	}
	if (fs_feed_init(&feed, &o->ex) < 0 ||
	    reader_init(&rd, fd, o->input != NULL ? o->input : "stdin") < 0) {
		log_errx("out of memory");
		goto out;
	}
	fs_ruleset_set_max(feed.rs, o->max_routes);
	fs_ruleset_set_max_per_peer(feed.rs, o->max_routes_peer);
	if (reader_pull(o, &feed, &rd) < 0)
		goto out;
	protect_feed_peers(o, &feed);
	snprintf(input, sizeof(input), "%lu lines, %lu input errors, %lu announces, %lu withdraws",
	    feed.st.lines, feed.st.errors, feed.st.announces, feed.st.withdraws);
	if (print_document(o, feed.rs, input) < 0)
		goto out;
	rc = 0;
out:
	free(rd.buf);
	fs_feed_free(&feed);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

/* ---- live mode ----------------------------------------------------------- */

static int sigpipe_fd[2] = { -1, -1 };
static struct fs_instance instance = { { -1, -1 } }; /* held by the live modes (main) */

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sigpipe_fd[1], &c, 1) < 0) {
		/* the pipe is full: a signal of this kind is pending anyway */
	}
	errno = saved;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The process counters of each family (metrics.h), written to their stats
 * files by metrics_flush after every commit and FRR poll; the metrics file
 * (metrics-file, --metrics-file) is rendered from them, the state files
 * and the kernel, as `status --prometheus` renders it.
 */
static struct fs_metrics_proc procm[2];
#define METRICS_REFRESH_MS 15000 /* a long-running injector refreshes the file this often */

static void metrics_flush(const struct opts *o)
{
	static bool failing; /* the last write failed: said once */
	struct fs_err err;
	char path[4096];
	unsigned mask = 0;
	int f, bad = 0;

	for (f = 4; f <= 6; f += 2) {
		if (o->family_set && o->family != (enum fs_family)f)
			continue;
		mask |= f == 4 ? FS_METRICS_V4 : FS_METRICS_V6;
		procm[f == 4 ? 0 : 1].pid = (long)getpid();
		if (fs_metrics_proc_path(path, sizeof(path), o->state_dir, o->xl.chain, f) < 0 ||
		    fs_metrics_proc_write(path, f, &procm[f == 4 ? 0 : 1], &err) < 0) {
			if (!failing)
				log_warnx("IPv%d: the metrics will be incomplete: %s", f, err.msg);
			bad = 1;
		}
	}
	if (o->metrics_file != NULL &&
	    fs_metrics_write_file(o->metrics_file, o->state_dir, &o->xl, mask, &err) < 0) {
		if (!failing)
			log_warnx("metrics file: %s", err.msg);
		bad = 1;
	}
	if (failing && !bad)
		log_info("metrics: written again");
	failing = bad;
}

/*
 * Builds the plan of one family.  With redirects configured, the next hops
 * get their slots first and, when kernel is set, the ip rules and routes
 * they need are added (make before break: nothing marks packets for them
 * yet); a next hop whose route the kernel refuses makes its routes refused.
 * 0, or -1 with err set.
 */
static int build_plan(const struct opts *o, enum fs_family fam, const struct fs_route **sorted,
    size_t n, bool kernel, struct fs_plan *plan, struct fs_err *err)
{
	struct fs_xlate_opts xl = o->xl;
	struct fs_redirect *rd = o->rd;

	if (fs_redirect_active(rd)) {
		fs_redirect_plan(rd, (int)fam, sorted, n);
		if (kernel) {
			int before[FS_REDIRECT_SLOTS_MAX];
			size_t i;

			for (i = 0; i < rd->nroutes; i++)
				before[i] = rd->slot[rd->route_slot[i]].error;
			if (fs_rtnl_add((int)fam, rd->rules, rd->nrules, rd->routes, rd->nroutes, err) < 0)
				return -1;
			fs_redirect_added(rd);
			for (i = 0; i < rd->nroutes; i++) {
				char gw[INET6_ADDRSTRLEN];

				if (rd->routes[i].error == before[i])
					continue;
				inet_ntop(fam == FS_INET ? AF_INET : AF_INET6, rd->routes[i].gw, gw,
				    sizeof(gw));
				if (rd->routes[i].error != 0)
					log_warnx("IPv%d redirect-ip: the kernel refuses \"default via %s table "
					    "%u\": %s; routes redirecting to %s are refused", fam, gw,
					    rd->routes[i].table, strerror(rd->routes[i].error), gw);
				else
					log_info("IPv%d redirect-ip: \"default via %s table %u\" is in place",
					    fam, gw, rd->routes[i].table);
			}
		}
		fs_redirect_xlate(rd, &xl);
	}
	return fs_plan_build(plan, fam, sorted, n, &xl, err);
}

/*
 * After a successful commit of fam: our ip rules and routes become exactly
 * the ones its plan uses, and unused next-hop slots are freed.
 */
static void redirect_settle(const struct opts *o, enum fs_family fam)
{
	static bool swept[2];
	struct fs_redirect *rd = o->rd;
	struct fs_err err;

	if (!fs_redirect_active(rd)) {
		/* none configured: once, sweep what an earlier run may have left */
		if (!swept[fam == FS_INET ? 0 : 1] && fs_rtnl_prune((int)fam, NULL, 0, NULL, 0, &err) < 0)
			log_warnx("IPv%d redirect: %s", fam, err.msg);
		swept[fam == FS_INET ? 0 : 1] = true;
		return;
	}
	if (fs_rtnl_prune((int)fam, rd->rules, rd->nrules, rd->routes, rd->nroutes, &err) < 0)
		log_warnx("IPv%d redirect: %s", fam, err.msg);
	fs_redirect_release(rd, (int)fam);
}

/* Removes every ip rule and route of ours in the families handled.  0 or 1 (logged). */
static int redirect_remove_all(const struct opts *o)
{
	struct fs_err err;
	int f, bad = 0;

	for (f = 4; f <= 6; f += 2)
		if (!o->family_set || o->family == (enum fs_family)f) {
			if (fs_rtnl_prune(f, NULL, 0, NULL, 0, &err) < 0) {
				log_errx("removing the IPv%d redirect rules and routes: %s", f, err.msg);
				bad = 1;
			}
		}
	return bad;
}

/*
 * Writes a built plan into the kernel and its state file, and logs the
 * outcome; ctx says what the commit covers.  *kdigest (may be NULL): the
 * digest of our chains as committed (fs_ipt_apply).  0, or -1 (logged; the
 * kernel keeps its previous rules).
 */
static int commit_plan_digest(const struct opts *o, const struct fs_plan *plan,
    const struct fs_ipt_opts *io, uint64_t t0, const char *ctx, uint64_t *kdigest)
{
	struct fs_err err;
	struct fs_status_commit sc;
	struct timespec wall;
	char path[4096], when[FS_LOG_TIME_MAX];
	size_t refused = 0, i;

	if (fs_ipt_apply(plan, &o->xl, io, &sc.kernel_digest, &err) < 0) {
		log_errx("IPv%d commit failed, the kernel keeps its previous rules: %s", plan->family,
		    err.msg);
		procm[plan->family == FS_INET ? 0 : 1].commit_failures++;
		return -1;
	}
	procm[plan->family == FS_INET ? 0 : 1].commits++;
	procm[plan->family == FS_INET ? 0 : 1].last_commit_ms = now_ms() - t0;
	if (kdigest != NULL)
		*kdigest = sc.kernel_digest;
	clock_gettime(CLOCK_REALTIME, &wall);
	sc.when = wall.tv_sec;
	if (fs_status_path(path, sizeof(path), o->state_dir, o->xl.chain, plan->family) < 0 ||
	    fs_status_write(plan, path, &sc, &err) < 0)
		log_warnx("status will be unavailable: %s", err.msg);
	for (i = 0; i < plan->nroutes; i++)
		if (plan->routes[i].refusal != FS_R_OK)
			refused++;
	log_info("IPv%d committed: %zu routes, %zu installed, %zu refused, %zu rules, %llu ms "
	    "(%s, at %s)", plan->family, plan->nroutes, plan->nroutes - refused, refused,
	    fs_ptable_rules(&plan->filter) + fs_ptable_rules(&plan->mangle),
	    (unsigned long long)(now_ms() - t0), ctx, fs_log_iso_time(&wall, when, sizeof(when)));
	return 0;
}

static int commit_plan(const struct opts *o, const struct fs_plan *plan,
    const struct fs_ipt_opts *io, uint64_t t0, const char *ctx)
{
	return commit_plan_digest(o, plan, io, t0, ctx, NULL);
}

/*
 * Refused routes are logged at warning level once each, with the route
 * and the reason's detail: a refusal (route, actions, reason) is new when
 * it was not in the previous commit of its family.  The memory is the
 * set of the last commit's refusals (hashes), so it is bounded by the
 * plan.  Past REFUSALS_FULL new refusals in one commit, the others are
 * counted by reason, one line each.  A --once run keeps the set in the
 * state directory (CHAIN.vN.refused), or every run of its timer would
 * repeat them.
 */
#define REFUSALS_FULL 200
#define REFUSALS_FILE_MAX 4000000 /* hashes a --once run reads back */

static struct refusal_memo {
	uint64_t *seen;         /* sorted */
	size_t n;
	bool loaded;            /* --once: read from the state directory */
} refusal_memo[2];

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The file of family's logged refusals in the state directory; 0, or -1 if it does not fit. */
static int refusal_path(const struct opts *o, int family, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s.v%d.refused", o->state_dir, o->xl.chain, family);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* --once: the refusals the previous run logged (none if the file is missing or unreadable). */
static void refusal_load(const struct opts *o, struct refusal_memo *m, int family)
{
	char path[4096], line[128];
	size_t cap = 0;
	FILE *f;

	m->loaded = true;
	if (refusal_path(o, family, path, sizeof(path)) < 0 || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && m->n < REFUSALS_FILE_MAX) {
		char *end;
		uint64_t h;

		if (line[0] == '#')
			continue;
		errno = 0;
		h = strtoull(line, &end, 16);
		if (errno != 0 || end == line || *end != '\n')
			break; /* not ours: what is read so far is enough */
		if (m->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *v = realloc(m->seen, nc * sizeof(*v));

			if (v == NULL)
				break;
			m->seen = v;
			cap = nc;
		}
		m->seen[m->n++] = h;
	}
	fclose(f);
	qsort(m->seen, m->n, sizeof(*m->seen), u64cmp);
}

/* --once: writes the set atomically; a failure only means the next run logs them again. */
static void refusal_save(const struct opts *o, const struct refusal_memo *m, int family)
{
	char path[4096], tmp[4200];
	size_t i;
	FILE *f;
	int fd;

	if (refusal_path(o, family, path, sizeof(path)) < 0)
		return;
	if (m->n == 0) {
		unlink(path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return;
	}
	fprintf(f, "# refused routes flowspec-injector --once logged (hashes)\n");
	for (i = 0; i < m->n; i++)
		fprintf(f, "%016llx\n", (unsigned long long)m->seen[i]);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

/*
 * Logs, at level lvl, each refusal of the plan that the previous commit of
 * its family did not have (see above), and remembers the plan's.
 */
static void log_refusals(const struct opts *o, const struct fs_plan *plan, enum fs_log_level lvl)
{
	struct refusal_memo *m = &refusal_memo[FS_FEED_FI(plan->family)];
	unsigned long held[FS_R__COUNT] = { 0 };
	uint64_t *now = malloc((plan->nroutes + 1) * sizeof(*now));
	size_t i, n = 0, shown = 0;
	bool same;

	if (now == NULL)
		return;
	if (o->once && !m->loaded)
		refusal_load(o, m, plan->family);
	for (i = 0; i < plan->nroutes; i++) {
		const struct fs_proute *pr = &plan->routes[i];
		char txt[FS_TEXT_MAX], act[512];
		uint64_t h;

		if (pr->refusal == FS_R_OK)
			continue;
		fs_route_format(pr->route, txt, sizeof(txt));
		fs_actions_format(pr->route, act, sizeof(act));
		h = fnv(pr->why, fnv(fs_refusal_name(pr->refusal), fnv(act, fnv(txt,
		    14695981039346656037ULL))));
		now[n++] = h;
		if (m->n > 0 && bsearch(&h, m->seen, m->n, sizeof(h), u64cmp) != NULL)
			continue;
		if (shown++ < REFUSALS_FULL)
			fs_log(lvl, "IPv%d refused: %s => %s: %s: %s", plan->family, txt, act,
			    fs_refusal_name(pr->refusal), pr->why);
		else
			held[pr->refusal]++;
	}
	for (i = 0; i < FS_R__COUNT; i++)
		if (held[i] > 0)
			fs_log(lvl, "IPv%d: %lu more route%s refused: %s (counted, not listed; "
			    "`flowspec-injector status` lists every refused route)", plan->family, held[i],
			    held[i] == 1 ? "" : "s", fs_refusal_name((enum fs_refusal)i));
	qsort(now, n, sizeof(*now), u64cmp);
	same = n == m->n && (n == 0 || memcmp(now, m->seen, n * sizeof(*now)) == 0);
	free(m->seen);
	m->seen = now;
	m->n = n;
	if (o->once && !same)
		refusal_save(o, m, plan->family);
}

/* Translates and writes one family; 0 or -1 (logged). */
static int commit_family(const struct opts *o, struct fs_feed *feed, enum fs_family fam,
    const struct fs_ipt_opts *io)
{
	const struct fs_route **sorted = NULL;
	struct fs_plan plan;
	struct fs_err err;
	size_t n = 0;
	uint64_t t0 = now_ms();
	int rc = -1;

	if (fs_ruleset_sorted(feed->rs, fam, o->order, &sorted, &n, &err) < 0 ||
	    build_plan(o, fam, sorted, n, true, &plan, &err) < 0) {
		log_errx("IPv%d: %s", fam, err.msg);
		free(sorted);
		return -1;
	}
	{
		char ctx[64];

		snprintf(ctx, sizeof(ctx), "through input line %lu", feed->st.lines);
		rc = commit_plan(o, &plan, io, t0, ctx);
		if (rc == 0) {
			redirect_settle(o, fam);
			log_refusals(o, &plan, FS_LOG_WARN);
		}
	}
	fs_plan_free(&plan);
	free(sorted);
	return rc;
}

static bool want(const struct opts *o, enum fs_family fam)
{
	return !o->family_set || o->family == fam;
}

/*
 * Commits the families in mask (FS_FEED_DIRTY4/6), each whole, and clears
 * their dirty bits.  Returns the mask of those committed (logged when not).
 */
static unsigned commit_all(const struct opts *o, struct fs_feed *feed, const struct fs_ipt_opts *io,
    unsigned mask)
{
	unsigned ok = 0;

	if (want(o, FS_INET) && (mask & FS_FEED_DIRTY4) && commit_family(o, feed, FS_INET, io) == 0)
		ok |= FS_FEED_DIRTY4;
	if (want(o, FS_INET6) && (mask & FS_FEED_DIRTY6) && commit_family(o, feed, FS_INET6, io) == 0)
		ok |= FS_FEED_DIRTY6;
	feed->dirty &= ~ok;
	return ok;
}

/*
 * A kernel we cannot write is a start-up error, not a runtime surprise.
 * Our chains that are not what the last commit (the state file) installed
 * are worth a warning: someone changed them while no injector ran.  0 or
 * -1 (logged).
 */
static int kernel_usable(const struct opts *o, const struct fs_ipt_opts *io)
{
	struct fs_ipt_counter *c = NULL;
	struct fs_status_header hdr;
	struct fs_err err;
	char path[4096];
	uint64_t kd;
	size_t n;
	int f;

	for (f = 4; f <= 6; f += 2) {
		if (!want(o, (enum fs_family)f))
			continue;
		if (fs_ipt_counters((enum fs_family)f, &o->xl, &c, &n, &kd, &err) < 0) {
			log_errx("cannot use the IPv%d legacy tables: %s", f, err.msg);
			return -1;
		}
		free(c);
		if (fs_status_path(path, sizeof(path), o->state_dir, o->xl.chain, f) == 0 &&
		    fs_status_read_header(path, f, &hdr) == 0 && hdr.kernel_digest != 0 &&
		    hdr.kernel_digest != kd)
			log_warnx("IPv%d: our chains in the kernel (%zu rules) are not what the last "
			    "commit installed (%zu rules, %s): changed by hand or by another program; "
			    "the next commit replaces them", f, n, hdr.rules, path);
	}
	f = fs_xtables_lock(io->lockfile, o->lock_wait_ms, &err);
	if (f < 0) {
		log_errx("%s", err.msg);
		return -1;
	}
	close(f);
	return 0;
}

/* Reads the signals that arrived (never blocks): SIGHUP sets *hup, the others *term. */
static void signals_read(bool *hup, bool *term)
{
	unsigned char sig;

	while (read(sigpipe_fd[0], &sig, 1) == 1) {
		if (sig == SIGHUP)
			*hup = true;
		else
			*term = true;
	}
}

/* Installs the signal handlers that write to the self-pipe.  0 or -1 (logged). */
static int signals_init(void)
{
	struct sigaction sa;

	if (pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_errx("pipe: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Removes our chains, jump and state file of every family handled.  0 or 1. */
static int remove_all(const struct opts *o, const struct fs_ipt_opts *io)
{
	struct fs_err err;
	int f, bad = 0;

	for (f = 4; f <= 6; f += 2)
		if (want(o, (enum fs_family)f)) {
			char path[4096];

			if (fs_ipt_remove((enum fs_family)f, &o->xl, io, &err) < 0) {
				log_errx("removing the IPv%d rules: %s", f, err.msg);
				bad = 1;
			} else if (fs_status_path(path, sizeof(path), o->state_dir, o->xl.chain, f) == 0) {
				unlink(path);
			}
		}
	return bad | redirect_remove_all(o);
}

/*
 * A slice of input: feeds the complete lines already buffered until a
 * commit is due (when until_due), SLICE_LINES lines, or SLICE_MS, so that
 * the loop looks at the batch and the signals at least that often, however
 * fast the input comes.  Returns the lines fed.
 */
#define SLICE_LINES 1024
#define SLICE_MS    20

static unsigned feed_slice(const struct opts *o, struct fs_feed *feed, struct reader *rd,
    struct fs_batch *b, bool until_due)
{
	uint64_t t0 = now_ms(), t = t0;
	const char *line;
	size_t len;
	unsigned n = 0;
	int wait;

	while (n < SLICE_LINES && !feed->shutdown && reader_next(o, rd, &line, &len)) {
		feed->now_ms = t;
		feed_one(o, feed, rd, line, len);
		n++;
		t = now_ms();
		fs_batch_input(b, t);
		if (t - t0 >= SLICE_MS || (until_due && fs_batch_due(b, feed, t, false, &wait)))
			break;
	}
	return n;
}

/* The previous run's neighbors, per family handled: what the start-up hold waits for. */
static void load_neighbors(const struct opts *o, struct fs_feed *feed)
{
	int f;

	for (f = 4; f <= 6; f += 2) {
		char path[4096], list[512];
		struct fs_err err;
		size_t len = 0;
		unsigned i, n = 0;
		int rc;

		if (!want(o, (enum fs_family)f) ||
		    fs_feed_known_path(path, sizeof(path), o->state_dir, o->xl.chain, f) < 0)
			continue;
		rc = fs_feed_known_load(feed, (enum fs_family)f, path, &err);
		if (rc < 0)
			log_warnx("%s; the start-up hold waits for no neighbor of the previous run", err.msg);
		if (rc != 0)
			continue;
		for (i = 0; i < feed->npeers; i++)
			if (feed->peers[i].prev[FS_FEED_FI(f)]) {
				if (len < sizeof(list))
					len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					    n ? ", " : "", feed->peers[i].addr);
				n++;
			}
		if (n > 0)
			log_info("IPv%d: the previous run had %u neighbor%s (%s): the rules stay until %s "
			    "back and done, %u ms at most", f, n, n == 1 ? "" : "s", list,
			    n == 1 ? "it is" : "they are", o->hold_ms);
	}
}

/* After a commit of the families in done: record their neighbors for the next run. */
static void save_neighbors(const struct opts *o, struct fs_feed *feed, unsigned done)
{
	int f;

	for (f = 4; f <= 6; f += 2) {
		char path[4096];
		struct fs_err err;

		if (!(done & (f == 4 ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6)) ||
		    fs_feed_known_path(path, sizeof(path), o->state_dir, o->xl.chain, f) < 0)
			continue;
		if (fs_feed_known_save(feed, (enum fs_family)f, true, path, &err) < 0)
			log_warnx("%s; a restart will not wait for this run's neighbors", err.msg);
	}
}

/* Removes the neighbors files of the families handled. */
static void forget_neighbors(const struct opts *o)
{
	char path[4096];
	int f;

	for (f = 4; f <= 6; f += 2)
		if (want(o, (enum fs_family)f) &&
		    fs_feed_known_path(path, sizeof(path), o->state_dir, o->xl.chain, f) == 0)
			unlink(path);
}

/* metrics_flush with the feed's input counters (ExaBGP). */
static void live_metrics(const struct opts *o, const struct fs_feed *feed)
{
	int i;

	for (i = 0; i < 2; i++) {
		procm[i].input_lines = feed->st.lines;
		procm[i].input_errors = feed->st.errors;
	}
	metrics_flush(o);
}

static int live(struct opts *o)
{
	struct fs_ipt_opts io;
	struct fs_feed feed;
	struct fs_batch batch;
	struct reader rd = { .fd = -1 };
	bool term = false;
	uint64_t retry_at = 0; /* after a failed commit: not before this (now_ms) */
	bool recommit = false;  /* SIGHUP: commit everything committed before (until it succeeds) */
	uint64_t metrics_at;    /* the next refresh of the metrics (now_ms) */
	int rc = 1;

	fs_ipt_opts_default(&io);
	io.lock_wait_ms = o->lock_wait_ms;
	if (mkdir(o->state_dir, 0755) < 0 && errno != EEXIST)
		log_warnx("%s: %s; status will be unavailable", o->state_dir, strerror(errno));
	if (kernel_usable(o, &io) < 0)
		return 1;
	if (signals_init() < 0)
		return 1;
	if (fs_feed_init(&feed, &o->ex) < 0 || reader_init(&rd, STDIN_FILENO, "stdin") < 0) {
		log_errx("out of memory");
		goto out;
	}
	fs_ruleset_set_max(feed.rs, o->max_routes);
	fs_ruleset_set_max_per_peer(feed.rs, o->max_routes_peer);
	fs_batch_init(&batch);
	batch.window_ms = o->window_ms;
	batch.hold_ms = o->hold_ms;
	batch.max_delay_ms = o->max_delay_ms;
	batch.max_pending = o->max_pending;
	batch.families = (want(o, FS_INET) ? FS_FEED_DIRTY4 : 0) | (want(o, FS_INET6) ? FS_FEED_DIRTY6 : 0);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	log_info("flowspec-injector %s: reading ExaBGP JSON on stdin; existing rules stay until "
	    "the first complete state of their family", FS_VERSION);
	load_neighbors(o, &feed);
	fs_batch_start(&batch, now_ms());
	live_metrics(o, &feed);
	metrics_at = now_ms() + METRICS_REFRESH_MS;
	for (;;) {
		struct pollfd pfd[4] = {
			{ STDIN_FILENO, POLLIN, 0 }, { sigpipe_fd[0], POLLIN, 0 },
			{ fs_instance_fd(&instance, 0), POLLIN, 0 }, { fs_instance_fd(&instance, 1), POLLIN, 0 },
		};
		int wait = -1, n;
		bool hup = false;
		uint64_t t = now_ms();

		/* between slices: signals first, then the batch */
		signals_read(&hup, &term);
		if (term)
			break;
		if (hup) {
			reload_config(o);
			fs_ruleset_set_max(feed.rs, o->max_routes);
			fs_ruleset_set_max_per_peer(feed.rs, o->max_routes_peer);
			if (fs_batch_committed(&batch) != 0) {
				log_info("SIGHUP: re-rendering and re-committing everything");
				recommit = true; /* by the loop's one commit path, retried like any other */
			}
		}
		if (t < retry_at) {
			/* a failed commit: keep reading input and signals, retry at retry_at */
			wait = (int)(retry_at - t);
		} else {
			unsigned due = fs_batch_due(&batch, &feed, t, false, &wait), done;

			if (recommit)
				due |= fs_batch_committed(&batch);
			if (due != 0) {
				protect_feed_peers(o, &feed);
				done = commit_all(o, &feed, &io, due);
				fs_batch_done(&batch, &feed, done);
				save_neighbors(o, &feed, done);
				live_metrics(o, &feed);
				metrics_at = now_ms() + METRICS_REFRESH_MS;
				if (done == due) {
					retry_at = 0;
					recommit = false;
				} else {
					retry_at = now_ms() + 1000; /* retry the commit in a second */
				}
				continue;
			}
		}
		if (feed.shutdown)
			break;
		/* complete lines already buffered go first, without waiting in poll */
		if (feed_slice(o, &feed, &rd, &batch, t >= retry_at) > 0)
			continue;
		if (rd.eof) {
			feed.now_ms = now_ms();
			reader_tail(o, &feed, &rd);
			break;
		}
		/* the kernel's counters move between commits: refresh the metrics */
		if (t >= metrics_at) {
			live_metrics(o, &feed);
			metrics_at = now_ms() + METRICS_REFRESH_MS;
			continue;
		}
		if (wait < 0 || (uint64_t)wait > metrics_at - t)
			wait = (int)(metrics_at - t);
		n = poll(pfd, 4, wait);
		if (n < 0 && errno != EINTR) {
			log_errx("poll: %s", strerror(errno));
			goto out;
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && reader_fill(&rd) < 0)
			goto out;
		if (n > 0 && ((pfd[2].revents | pfd[3].revents) & POLLIN))
			fs_instance_serve(&instance);
	}
	/* end of input or SIGTERM: apply what is pending, then leave or clean up */
	if (o->keep_on_exit) {
		const char *line;
		size_t len;
		unsigned due;
		int wait;

		if (term) {
			/* what is buffered, and a partial last line */
			feed.now_ms = now_ms();
			while (!feed.shutdown && reader_next(o, &rd, &line, &len))
				feed_one(o, &feed, &rd, line, len);
			if (!feed.shutdown)
				reader_tail(o, &feed, &rd);
		}
		protect_feed_peers(o, &feed);
		/* what is pending goes now; a family still in its start-up hold at
		 * SIGTERM keeps the old rules (at end of input every family is complete) */
		due = fs_batch_due(&batch, &feed, now_ms(), !term, &wait);
		due |= feed.dirty & fs_batch_committed(&batch);
		if (recommit)
			due |= fs_batch_committed(&batch);
		if (due != 0)
			save_neighbors(o, &feed, commit_all(o, &feed, &io, due));
		log_info("%s: keeping the rules in place (--keep-on-exit)", term ? "SIGTERM" : "end of input");
		rc = 0;
	} else {
		rc = remove_all(o, &io);
		if (rc == 0)
			forget_neighbors(o); /* no rules left: a restart has nothing to keep */
		log_info("%s: rules removed", term ? "SIGTERM" : "end of input");
	}
	live_metrics(o, &feed);
out:
	free(rd.buf);
	fs_feed_free(&feed);
	return rc;
}

/* ---- FRR as the source ----------------------------------------------------- */

#define FRR_PEER "frr"  /* the one "neighbor" of FRR mode: FRR's table */
#define FI(f) ((f) == FS_INET ? 0 : 1)

struct frr_state {
	struct fs_ruleset *rs;
	bool known[2];          /* what is installed is known: digest and rules */
	bool mine[2];           /* ... because this process committed it from st->rs */
	uint64_t digest[2];     /* fs_plan_digest of the installed plan */
	uint64_t kdigest[2];    /* fs_ipt_apply's digest of our chains as installed */
	char unchanged[128];    /* --once: the families found unchanged, for its one line */
	int sessions[2];        /* Established sessions at the last poll; -1 unknown */
	bool failing[2];        /* the last poll failed */
	bool quiet[2];          /* "unchanged" already said since the last change */
	unsigned long polls;
};

static const char *fam_word(enum fs_family fam)
{
	return fam == FS_INET ? "ipv4" : "ipv6";
}

/* Runs vtysh -c "show bgp <fam> flowspec <what> json" with a fixed argv. */
static int vtysh(const struct opts *o, enum fs_family fam, const char *what,
    struct fs_proc_result *res, uint64_t *ms, struct fs_err *err)
{
	char cmd[96];
	char *argv[10];
	int n = 0, rc;
	uint64_t t0 = now_ms();

	snprintf(cmd, sizeof(cmd), "show bgp %s flowspec %s json", fam_word(fam), what);
	argv[n++] = (char *)o->vtysh;
	if (o->vtysh_socket != NULL) {
		argv[n++] = (char *)"--vty_socket";
		argv[n++] = (char *)o->vtysh_socket;
	}
	argv[n++] = (char *)"-H";         /* no "show" lines in ~/.history_frr */
	argv[n++] = (char *)"/dev/null";
	argv[n++] = (char *)"-c";
	argv[n++] = cmd;
	argv[n] = NULL;
	rc = fs_proc_run(argv, o->vtysh_timeout_ms, FS_FRR_OUTPUT_MAX, res, err);
	*ms += now_ms() - t0;
	if (rc < 0)
		fs_err_prefix(err, "vtysh -c '%s'", cmd);
	return rc;
}

/*
 * The route limits the FRR reader applies while it reads (FRR's table is
 * one neighbor: the stricter of max-routes and max-routes-per-neighbor), so
 * an answer over them is refused before its routes are spent in memory.
 */
static struct fs_frr_limits frr_limits(const struct opts *o)
{
	struct fs_frr_limits lim = { o->max_routes, "max-routes" };

	if (o->max_routes_peer != 0 && (lim.max_routes == 0 || o->max_routes_peer < lim.max_routes)) {
		lim.max_routes = o->max_routes_peer;
		lim.name = "max-routes-per-neighbor";
	}
	return lim;
}

static int read_summary(const struct opts *o, enum fs_family fam, struct fs_frr_summary *sum,
    uint64_t *vt_ms, struct fs_err *err)
{
	struct fs_proc_result r;
	char origin[64];
	int rc;

	snprintf(origin, sizeof(origin), "vtysh %s summary", fam_word(fam));
	if (vtysh(o, fam, "summary", &r, vt_ms, err) < 0) {
		free(r.out);
		return -1;
	}
	rc = fs_frr_parse_summary(r.out, r.len, origin, sum, err);
	free(r.out);
	return rc;
}

/*
 * Reads one family from FRR: the summary, the detail, the summary again.
 * The detail is accepted when both summaries agree and the paths it shows
 * match the prefixes the Established peers sent (retried twice otherwise).
 * 0 with *snap and *sum filled, or -1 with err set.
 */
static int frr_read(const struct opts *o, enum fs_family fam, struct fs_frr_snapshot *snap,
    struct fs_frr_summary *sum, uint64_t *vt_ms, uint64_t *parse_ms, struct fs_err *err)
{
	char origin[64];
	int attempt;

	snprintf(origin, sizeof(origin), "vtysh %s detail", fam_word(fam));
	for (attempt = 1;; attempt++) {
		struct fs_frr_summary s1;
		struct fs_proc_result r;
		uint64_t t0;
		int rc;

		if (read_summary(o, fam, &s1, vt_ms, err) < 0)
			return -1;
		if (vtysh(o, fam, "detail", &r, vt_ms, err) < 0) {
			free(r.out);
			fs_frr_summary_free(&s1);
			return -1;
		}
		if (read_summary(o, fam, sum, vt_ms, err) < 0) {
			free(r.out);
			fs_frr_summary_free(&s1);
			return -1;
		}
		if (!fs_frr_summary_same(&s1, sum) && attempt < 3) {
			log_debug("IPv%d: FRR's sessions changed while reading; reading again", fam);
			free(r.out);
			fs_frr_summary_free(&s1);
			fs_frr_summary_free(sum);
			continue;
		}
		fs_frr_summary_free(&s1);
		t0 = now_ms();
		{
			struct fs_frr_limits lim = frr_limits(o);

			rc = fs_frr_parse_detail_lim(r.out, r.len, fam, origin, &lim, snap, err);
		}
		*parse_ms += now_ms() - t0;
		free(r.out);
		if (rc < 0) {
			fs_frr_summary_free(sum);
			return -1;
		}
		if (snap->st.paths == sum->pfx_established)
			return 0;
		if (attempt < 3) {
			log_debug("IPv%d: FRR shows %zu paths but counts %lu received; reading again", fam,
			    snap->st.paths, sum->pfx_established);
			fs_frr_snapshot_free(snap);
			fs_frr_summary_free(sum);
			continue;
		}
		if (snap->n == 0) {
			fs_err_set(err, FS_E_VALUE, "%s is empty but the summary counts %lu prefixes from "
			    "Established peers; not applying an empty table", origin,
			    sum->pfx_established);
			fs_frr_summary_free(sum);
			return -1;
		}
		log_warnx("IPv%d: FRR shows %zu paths but its summary counts %lu received; applying "
		    "what the detail shows", fam, snap->st.paths, sum->pfx_established);
		return 0;
	}
}

/*
 * The digest of our chains as the kernel has them (fs_ipt_counters) into
 * *d, and the rules in our filter chains into *rules; 0, or -1 if
 * unreadable.
 */
static int kernel_digest(const struct opts *o, enum fs_family fam, uint64_t *d, size_t *rules)
{
	struct fs_ipt_counter *c = NULL;
	struct fs_err err;

	if (fs_ipt_counters(fam, &o->xl, &c, rules, d, &err) < 0)
		return -1;
	free(c);
	return 0;
}

/*
 * One poll of one family: read FRR, bring the desired state to the
 * snapshot, and commit when what would be installed differs from what is.
 * force: commit even if nothing changed (SIGHUP).  0, or -1 (logged; the
 * installed rules are kept).
 */
static int frr_poll_family(struct opts *o, struct frr_state *st, enum fs_family fam,
    const struct fs_ipt_opts *io, bool force)
{
	struct fs_frr_snapshot snap;
	struct fs_frr_summary sum;
	struct fs_sync_counts c;
	struct fs_err err;
	const struct fs_route **sorted = NULL;
	struct fs_plan plan;
	uint64_t vt = 0, pt = 0, t0 = now_ms(), digest, kd = 0, committed = 0;
	size_t n = 0, krules = 0;
	int fi = FI(fam), rc;
	bool changed, kernel_same, warned = false;
	char ctx[64];

	if (frr_read(o, fam, &snap, &sum, &vt, &pt, &err) < 0) {
		log_errx("IPv%d: %s; the installed rules are kept", fam, err.msg);
		procm[fi].polls[FS_POLL_FAILED]++;
		st->failing[fi] = true;
		st->quiet[fi] = false;
		return -1;
	}
	if (st->failing[fi])
		log_info("IPv%d: FRR answers again", fam);
	st->failing[fi] = false;
	if (sum.established == 0 && o->peer_down_keep) {
		if (st->sessions[fi] != 0)
			log_warnx("IPv%d: no FlowSpec session is Established (%zu configured); keeping "
			    "the installed rules (--peer-down keep)", fam, sum.n);
		st->sessions[fi] = 0;
		fs_frr_snapshot_free(&snap);
		fs_frr_summary_free(&sum);
		procm[fi].polls[FS_POLL_UNCHANGED]++;
		return 0;
	}
	if (sum.established == 0 && st->sessions[fi] != 0 && snap.n == 0)
		log_warnx("IPv%d: no FlowSpec session is Established (%zu configured): FRR's table is "
		    "empty and the rules go (--peer-down flush)", fam, sum.n);
	else if (sum.established == 0 && st->sessions[fi] != 0)
		log_warnx("IPv%d: no FlowSpec session is Established (%zu configured), but FRR's table "
		    "still shows %zu routes: they are applied (--peer-down flush applies what FRR "
		    "shows)", fam, sum.n, snap.n);
	else if (sum.established > 0 && st->sessions[fi] != (int)sum.established)
		fs_log(o->once ? FS_LOG_DEBUG : FS_LOG_INFO, "IPv%d: %zu of %zu FlowSpec sessions "
		    "Established", fam, sum.established, sum.n);
	for (size_t i = 0; i < sum.n; i++)
		if (strcmp(sum.peers[i].peer_state, "Policy") == 0 && st->sessions[fi] != (int)sum.established)
			log_warnx("IPv%d: FRR refuses every route of %s (peerState Policy: "
			    "\"bgp ebgp-requires-policy\" is on and no inbound policy is set)", fam,
			    sum.peers[i].addr);
	st->sessions[fi] = (int)sum.established;
	for (size_t i = 0; i < sum.n; i++)
		protect_peer(o, sum.peers[i].addr);
	fs_frr_summary_free(&sum);

	rc = fs_ruleset_sync(st->rs, FRR_PEER, fam, snap.routes, snap.n, &c, &err);
	free(snap.routes); /* the routes now belong to the ruleset */
	if (rc < 0) {
		log_errx("IPv%d: %s; the installed rules are kept", fam, err.msg);
		procm[fi].polls[FS_POLL_FAILED]++;
		return -1;
	}
	changed = c.added + c.changed + c.removed > 0;
	if (changed)
		st->quiet[fi] = false;
	t0 = now_ms(); /* from here: compare, translate and commit */
	if (o->once) /* its commit line, or its one "unchanged" line, says enough */
		log_debug("IPv%d poll: %zu paths, %zu routes; vtysh %llu ms, parse %llu ms", fam,
		    snap.st.paths, c.added, (unsigned long long)vt, (unsigned long long)pt);
	else
		fs_log(changed || !st->quiet[fi] ? FS_LOG_INFO : FS_LOG_DEBUG,
		    "IPv%d poll: %zu paths, %zu routes (%zu new, %zu changed, %zu gone); vtysh %llu ms, "
		    "parse %llu ms", fam, snap.st.paths, c.added + c.changed + c.same, c.added,
		    c.changed, c.removed, (unsigned long long)vt, (unsigned long long)pt);
	/* the kernel compared by content with what was committed: a hand edit
	 * that keeps the rule count is seen too */
	kernel_same = st->kdigest[fi] != 0 && kernel_digest(o, fam, &kd, &krules) == 0 &&
	    kd == st->kdigest[fi];
	if (!changed && !force && st->mine[fi]) {
		if (kernel_same)
			goto unchanged;
		log_warnx("IPv%d: our chains in the kernel (%zu rules) are not what was committed "
		    "(changed by hand?): committing again", fam, krules);
		warned = true;
	}
	if (fs_ruleset_sorted(st->rs, fam, o->order, &sorted, &n, &err) < 0 ||
	    build_plan(o, fam, sorted, n, true, &plan, &err) < 0) {
		log_errx("IPv%d: %s; the installed rules are kept", fam, err.msg);
		procm[fi].polls[FS_POLL_FAILED]++;
		free(sorted);
		return -1;
	}
	digest = fs_plan_digest(&plan);
	if (!force && st->known[fi] && digest == st->digest[fi]) {
		if (kernel_same) {
			/* the same rules; a refused route may still have a new reason */
			log_refusals(o, &plan, FS_LOG_WARN);
			fs_plan_free(&plan);
			free(sorted);
			goto unchanged;
		}
		if (!warned)
			log_warnx("IPv%d: our chains in the kernel (%zu rules) are not what the last "
			    "commit installed (changed by hand?): committing again", fam, krules);
	}
	st->polls++;
	snprintf(ctx, sizeof(ctx), "FRR poll %lu", st->polls);
	rc = commit_plan_digest(o, &plan, io, t0, ctx, &committed);
	if (rc == 0) {
		redirect_settle(o, fam);
		st->known[fi] = true;
		st->mine[fi] = true;
		st->digest[fi] = digest;
		st->kdigest[fi] = committed;
		st->quiet[fi] = false;
		log_refusals(o, &plan, FS_LOG_WARN);
	}
	procm[fi].polls[rc == 0 ? FS_POLL_CHANGED : FS_POLL_FAILED]++;
	fs_plan_free(&plan);
	free(sorted);
	return rc;
unchanged:
	fs_log(!o->once && !st->quiet[fi] ? FS_LOG_INFO : FS_LOG_DEBUG,
	    "IPv%d unchanged: no commit (compared in %llu ms)", fam,
	    (unsigned long long)(now_ms() - t0));
	if (o->once) {
		size_t k = strlen(st->unchanged);

		snprintf(st->unchanged + k, sizeof(st->unchanged) - k,
		    "%sIPv%d unchanged: no commit (%zu route%s)", k ? "; " : "", fam,
		    c.added + c.changed + c.same, c.added + c.changed + c.same == 1 ? "" : "s");
	}
	st->quiet[fi] = true;
	procm[fi].polls[FS_POLL_UNCHANGED]++;
	return 0;
}

static int frr_poll(struct opts *o, struct frr_state *st, const struct fs_ipt_opts *io,
    bool force)
{
	int rc = 0;

	if (want(o, FS_INET))
		rc |= frr_poll_family(o, st, FS_INET, io, force);
	if (want(o, FS_INET6))
		rc |= frr_poll_family(o, st, FS_INET6, io, force);
	metrics_flush(o);
	return rc == 0 ? 0 : -1;
}

/* --source frr --once / --interval SEC */
static int frr_live(struct opts *o)
{
	struct frr_state st;
	struct fs_ipt_opts io;
	uint64_t next, metrics_at;
	bool term = false;
	int rc = 1, f;

	memset(&st, 0, sizeof(st));
	st.sessions[0] = st.sessions[1] = -1;
	fs_ipt_opts_default(&io);
	io.lock_wait_ms = o->lock_wait_ms;
	if (mkdir(o->state_dir, 0755) < 0 && errno != EEXIST)
		log_warnx("%s: %s; status will be unavailable", o->state_dir, strerror(errno));
	if (kernel_usable(o, &io) < 0)
		return 1;
	if ((st.rs = fs_ruleset_new()) == NULL) {
		log_errx("out of memory");
		return 1;
	}
	fs_ruleset_set_max(st.rs, o->max_routes);
	fs_ruleset_set_max_per_peer(st.rs, o->max_routes_peer);
	/* what an earlier run installed: an unchanged table then costs no commit */
	for (f = 4; f <= 6; f += 2) {
		char path[4096];
		struct fs_status_header hdr;

		if (fs_status_path(path, sizeof(path), o->state_dir, o->xl.chain, f) == 0 &&
		    fs_status_read_header(path, f, &hdr) == 0 && hdr.plan_digest != 0 &&
		    hdr.kernel_digest != 0) {
			st.known[FI(f)] = true;
			st.digest[FI(f)] = hdr.plan_digest;
			st.kdigest[FI(f)] = hdr.kernel_digest;
		}
	}
	if (o->once) {
		rc = frr_poll(o, &st, &io, false) == 0 ? 0 : 1;
		/* a timer runs it every few seconds: nothing changed, one line */
		if (st.unchanged[0] != '\0')
			log_info("%s", st.unchanged);
		goto out;
	}
	if (signals_init() < 0)
		goto out;
	log_info("flowspec-injector %s: polling FRR (%s) every %u s", FS_VERSION, o->vtysh,
	    o->interval_s);
	next = now_ms();
	metrics_at = next + METRICS_REFRESH_MS;
	while (!term) {
		struct pollfd pfd = { sigpipe_fd[0], POLLIN, 0 };
		bool hup = false;
		uint64_t now = now_ms();
		int n;

		fs_instance_serve(&instance); /* what refused instances left in its queue */
		if (now >= next) {
			next = now + (uint64_t)o->interval_s * 1000u;
			frr_poll(o, &st, &io, false); /* and the metrics */
			metrics_at = now_ms() + METRICS_REFRESH_MS;
			continue;
		}
		if (now >= metrics_at) {
			/* the kernel's counters move between polls */
			metrics_flush(o);
			metrics_at = now_ms() + METRICS_REFRESH_MS;
			continue;
		}
		n = poll(&pfd, 1, (int)((next < metrics_at ? next : metrics_at) - now));
		if (n < 0 && errno != EINTR) {
			log_errx("poll: %s", strerror(errno));
			goto out;
		}
		if (n > 0) {
			unsigned char sig;

			while (read(sigpipe_fd[0], &sig, 1) == 1) {
				if (sig == SIGHUP)
					hup = true;
				else
					term = true;
			}
		}
		if (hup && !term) {
			reload_config(o);
			fs_ruleset_set_max(st.rs, o->max_routes);
			fs_ruleset_set_max_per_peer(st.rs, o->max_routes_peer);
			log_info("SIGHUP: polling now and committing again");
			next = now_ms() + (uint64_t)o->interval_s * 1000u;
			frr_poll(o, &st, &io, true);
		}
	}
	if (o->keep_on_exit) {
		log_info("SIGTERM: keeping the rules in place (--keep-on-exit)");
		rc = 0;
	} else {
		rc = remove_all(o, &io);
		log_info("SIGTERM: rules removed");
	}
	metrics_flush(o);
out:
	fs_ruleset_free(st.rs);
	return rc;
}

/* --source frr --dry-run: one family from vtysh, or from -i FILE; print the document. */
static int frr_dry_run(const struct opts *o)
{
	struct fs_frr_snapshot snap;
	struct fs_frr_summary sum = { 0 };
	struct fs_sync_counts c;
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_err err;
	uint64_t vt = 0, pt = 0;
	char input[96];
	int rc = 1;
	/* the limits of --once, checked by the reader as it reads (frr.h) */
	struct fs_frr_limits lim = frr_limits(o);

	if (rs == NULL) {
		log_errx("out of memory");
		return 1;
	}
	fs_ruleset_set_max(rs, o->max_routes);
	fs_ruleset_set_max_per_peer(rs, o->max_routes_peer);
	if (o->input != NULL) {
		/* streamed: the reader never holds the whole answer */
		struct fs_frr_reader *r = fs_frr_reader_new(o->family, o->input, &lim);
		FILE *f = fopen(o->input, "r");
		static char buf[65536];
		size_t n;
		int ok = r != NULL && f != NULL;

		if (r == NULL)
			log_errx("out of memory");
		else if (f == NULL)
			log_errx("%s: %s", o->input, strerror(errno));
		while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			if (fs_frr_reader_feed(r, buf, n, &err) < 0) {
				log_errx("%s", err.msg);
				ok = 0;
			}
		if (ok && ferror(f)) {
			log_errx("%s: %s", o->input, strerror(errno));
			ok = 0;
		}
		if (ok && fs_frr_reader_finish(r, &snap, &err) < 0) {
			log_errx("%s", err.msg);
			ok = 0;
		}
		if (f != NULL)
			fclose(f);
		fs_frr_reader_free(r);
		if (!ok)
			goto out;
	} else if (frr_read(o, o->family, &snap, &sum, &vt, &pt, &err) < 0) {
		log_errx("IPv%d: %s", o->family, err.msg);
		goto out;
	}
	fs_frr_summary_free(&sum);
	if (fs_ruleset_sync(rs, FRR_PEER, o->family, snap.routes, snap.n, &c, &err) < 0) {
		free(snap.routes);
		log_errx("%s", err.msg);
		goto out;
	}
	free(snap.routes);
	snprintf(input, sizeof(input), "%zu NLRIs, %zu paths", snap.st.nlri, snap.st.paths);
	if (print_document(o, rs, input) < 0)
		goto out;
	rc = 0;
out:
	fs_ruleset_free(rs);
	return rc;
}

/*
 * One live injector per chain and family in this network namespace
 * (instance.h), taken before anything touches the kernel: a second one
 * would replace the first one's rules, and remove them when it ends.
 * 0, or -1 (logged: the PID of the one running).
 */
static int take_instance(const struct opts *o)
{
	struct fs_err err;

	if (fs_instance_take(&instance, o->xl.chain, (want(o, FS_INET) ? FS_INSTANCE_V4 : 0) |
	    (want(o, FS_INET6) ? FS_INSTANCE_V6 : 0), NULL, &err) == 0)
		return 0;
	log_errx("%s; not starting, nothing was changed (a dry run, --check-config and status are "
	    "always allowed)", err.msg);
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	char path[256];

	struct fs_err err;
	int loaded;

	fs_log_set_ident("flowspec-injector");
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	fs_config_default(&o.cfg);
	loaded = fs_config_load(o.config_path, !o.config_given, &o.cfg, &err);
	if (loaded < 0) {
		log_errx("%s", err.msg);
		return 1;
	}
	apply_config(&o);
	if (o.verbose < 0)
		fs_log_set_level(FS_LOG_ERR);
	else if (o.verbose > 0)
		fs_log_set_level(FS_LOG_DEBUG);
	if (validate_opts(&o) < 0)
		return 2;
	if (o.check_config) {
		printf("%s: %s\n", o.config_path, loaded == 1 ? "not there; the defaults apply" : "ok");
		return 0;
	}
	if (o.status && o.prometheus) {
		/* the exposition of metrics-file (metrics.h), of every family asked;
		 * nothing on stdout when none can be read */
		struct fs_err fe[2];
		char *buf = NULL;
		size_t blen = 0;
		FILE *mf = open_memstream(&buf, &blen);
		unsigned mask = (want(&o, FS_INET) ? FS_METRICS_V4 : 0) |
		    (want(&o, FS_INET6) ? FS_METRICS_V6 : 0);
		int bad, f;

		if (mf == NULL) {
			log_errx("out of memory");
			return 1;
		}
		bad = fs_metrics_collect(o.state_dir, &o.xl, mask, mf, fe);
		fclose(mf);
		for (f = 0; f < 2; f++)
			if (fe[f].code != FS_E_OK)
				log_errx("IPv%d: %s", f ? 6 : 4, fe[f].msg);
		if (bad < (mask == (FS_METRICS_V4 | FS_METRICS_V6) ? 2 : 1))
			fwrite(buf, 1, blen, stdout);
		free(buf);
		return bad ? 1 : 0;
	}
	if (o.status) {
		/* each family that can be read; one JSON document for all of them */
		struct fs_status *st[2] = { NULL, NULL };
		size_t ns = 0, i;
		int f, rc = 0;

		for (f = 4; f <= 6; f += 2) {
			char spath[4096];

			if (!want(&o, (enum fs_family)f))
				continue;
			if (fs_status_path(spath, sizeof(spath), o.state_dir, o.xl.chain, f) < 0 ||
			    fs_status_load(spath, f, &o.xl, &st[ns], &err) < 0) {
				log_errx("IPv%d: %s", f, err.msg);
				rc = 1;
				continue;
			}
			ns++;
		}
		if (o.json && ns > 0)
			fs_status_json((const struct fs_status *const *)st, ns, o.xl.chain, stdout);
		for (i = 0; i < ns; i++) {
			if (!o.json)
				fs_status_text(st[i], stdout);
			fs_status_free(st[i]);
		}
		return rc;
	}
	if (!o.dry_run && take_instance(&o) < 0)
		return 1;
	/* once per run, by the runs that write the kernel: a --once run from a
	 * timer says it at debug level, or its journal would repeat it every poll */
	if (!o.dry_run && fs_host_iptables_is_nft(path, sizeof(path)))
		fs_log(o.frr && o.once ? FS_LOG_DEBUG : FS_LOG_WARN, "this host's iptables is the nft "
		    "variant (%s): it does not show the legacy tables flowspec-acl uses; use "
		    "iptables-legacy and iptables-legacy-restore (see README, \"legacy vs nft\")", path);
	if (o.frr)
		return o.dry_run ? frr_dry_run(&o) : frr_live(&o);
	return o.dry_run ? dry_run(&o) : live(&o);
}
