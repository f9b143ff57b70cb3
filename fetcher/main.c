/*
 * flowspec-fetcher - a firewall chain (FORWARD by default) as BIRD 2
 * flow4/flow6 configuration, so that a BIRD controller distributes the
 * same policy to every leaf by BGP FlowSpec.
 *
 * Rules are read from the kernel's legacy filter table through libiptc, or
 * from an iptables-save file (-i).  Each rule becomes a route with the same
 * meaning; its position becomes its sequence number (the community the
 * injector reads with --order sequence), the chain policy becomes the
 * default route, last.  A rule FlowSpec cannot carry is refused by number
 * and match; any refusal means exit 1 and no output, unless
 * --skip-unsupported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/bird.h"
#include "flowspec/fetch.h"
#include "flowspec/host.h"
#include "flowspec/log.h"

#define FS_VERSION "0.1.0"

struct opts {
	bool family_set, skip;
	int family;
	const char *chain, *input, *name;
	struct fs_bird_opts bird;
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: flowspec-fetcher [-4|-6] [-i SAVEFILE] [options] > flowspec.conf\n"
	    "\n"
	    "Prints a chain of the filter table (default FORWARD) as BIRD 2 flow4/flow6\n"
	    "configuration: each rule a FlowSpec route with its position as sequence\n"
	    "number, the chain policy as the default route, last.\n"
	    "\n"
	    "  -4, -6                   one family only (default both; with -i: -4)\n"
	    "  -i, --input FILE         read an iptables-save (-4) / ip6tables-save (-6) file\n"
	    "                           instead of the kernel\n"
	    "      --chain NAME         the chain (default FORWARD)\n"
	    "      --seq-community FORM clean (default: (generic, 0x80ff0000, SEQ)) or paper\n"
	    "                           ((generic, 0x80090000, SEQ), SEQ from 64)\n"
	    "      --seq-type HEX       type and sub-type of the clean form (default 0x80ff)\n"
	    "      --route-target RT    add (rt, ASN, N) or (rt, IPv4, N) to every route; repeatable\n"
	    "      --skip-unsupported   skip rules FlowSpec cannot carry (each on stderr)\n"
	    "      --name PREFIX        BIRD names PREFIX_t4/_t6 (tables), PREFIX_s4/_s6\n"
	    "                           (protocols); default fsfetch\n"
	    "  -q, --quiet              errors only\n"
	    "  -h, --help / -V, --version\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_CHAIN = 256, O_SEQ, O_SEQTYPE, O_RT, O_SKIP, O_NAME };
	static const struct option lo[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "input", required_argument, NULL, 'i' },
		{ "chain", required_argument, NULL, O_CHAIN },
		{ "seq-community", required_argument, NULL, O_SEQ },
		{ "seq-type", required_argument, NULL, O_SEQTYPE },
		{ "route-target", required_argument, NULL, O_RT },
		{ "skip-unsupported", no_argument, NULL, O_SKIP },
		{ "name", required_argument, NULL, O_NAME },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, li = 0;

	memset(o, 0, sizeof(*o));
	o->family = 4;
	o->chain = "FORWARD";
	o->name = "fsfetch";
	o->bird.seq = FS_SEQ_CLEAN;
	o->bird.clean_type = FS_SEQ_CLEAN_TYPE_DEFAULT;
	while ((c = getopt_long(argc, argv, "46i:qhV", lo, &li)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case '4': o->family = 4; o->family_set = true; break;
		case '6': o->family = 6; o->family_set = true; break;
		case 'i': o->input = optarg; break;
		case 'q': fs_log_set_level(FS_LOG_ERR); break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("flowspec-fetcher %s\n", FS_VERSION); exit(0);
		case O_CHAIN:
			if (optarg[0] == '\0' || strlen(optarg) >= 29)
				goto bad;
			o->chain = optarg;
			break;
		case O_SEQ:
			if (strcmp(optarg, "clean") == 0)
				o->bird.seq = FS_SEQ_CLEAN;
			else if (strcmp(optarg, "paper") == 0)
				o->bird.seq = FS_SEQ_PAPER;
			else
				goto bad;
			break;
		case O_SEQTYPE:
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || v > 0xffff || optarg[0] == '-')
				goto bad;
			o->bird.clean_type = (uint16_t)v;
			break;
		case O_RT:
			if (o->bird.nrts == FS_BIRD_RTS_MAX ||
			    fs_rt_parse(optarg, &o->bird.rts[o->bird.nrts]) < 0)
				goto bad;
			o->bird.nrts++;
			break;
		case O_SKIP:
			o->skip = true;
			break;
		case O_NAME:
			if (optarg[0] == '\0' || strlen(optarg) > 40 ||
			    strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
			    strlen(optarg) || (optarg[0] >= '0' && optarg[0] <= '9'))
				goto bad;
			o->name = optarg;
			break;
		default:
			usage(stderr);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "flowspec-fetcher: invalid value \"%s\" for --%s\n", optarg, lo[li].name);
		return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "flowspec-fetcher: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	o->bird.name = o->name;
	return 0;
}

/* An open-addressing set of route keys: the first rule with a match wins. */
struct keyset {
	struct { uint64_t h; uint8_t *key; size_t len; } *slot;
	size_t cap;
};

static uint64_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* 1 if key was already there, 0 if added, -1 on allocation failure. */
static int keyset_add(struct keyset *s, const uint8_t *key, size_t len)
{
	uint64_t h = key_hash(key, len);
	size_t i;

	for (i = h & (s->cap - 1); s->slot[i].key != NULL; i = (i + 1) & (s->cap - 1))
		if (s->slot[i].h == h && s->slot[i].len == len && memcmp(s->slot[i].key, key, len) == 0)
			return 1;
	if ((s->slot[i].key = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(s->slot[i].key, key, len);
	s->slot[i].len = len;
	s->slot[i].h = h;
	return 0;
}

static const char *target_word(enum fx_target t)
{
	return t == FX_T_ACCEPT ? "ACCEPT" : t == FX_T_DROP ? "DROP" : "none";
}

/* One family: read, map, write into out.  Returns the number of refusals, or -1. */
static int one_family(const struct opts *o, int fam, FILE *out)
{
	struct fx_chain ch;
	struct fs_err err;
	struct fs_route **routes = NULL;
	uint32_t *seq = NULL;
	char **comment = NULL;
	size_t n = 0, i;
	int refused = 0, rc = -1;
	struct keyset ks = { NULL, 0 };
	uint8_t key[FS_KEY_MAX];

	if (o->input != NULL) {
		size_t len;
		char *text;

		if (fs_read_file(o->input, 64u << 20, "64 MiB", &text, &len, &err) < 0) {
			log_errx("%s", err.msg);
			return -1;
		}
		rc = fx_parse_save(text, len, fam, o->chain, o->input, &ch, &err);
		free(text);
	} else {
		rc = fx_read_kernel(fam, o->chain, &ch, &err);
	}
	if (rc < 0) {
		log_errx("%s", err.msg);
		return -1;
	}
	rc = -1;
	routes = calloc(ch.n + 1, sizeof(*routes));
	seq = calloc(ch.n + 1, sizeof(*seq));
	comment = calloc(ch.n + 1, sizeof(*comment));
	for (ks.cap = 16; ks.cap < 2 * (ch.n + 1); ks.cap *= 2)
		;
	ks.slot = calloc(ks.cap, sizeof(*ks.slot));
	if (routes == NULL || seq == NULL || comment == NULL || ks.slot == NULL) {
		log_errx("out of memory");
		goto out;
	}
	for (i = 0; i < ch.n; i++) {
		const struct fx_rule *x = &ch.rules[i];
		char why[256];
		struct fs_route *r = NULL;
		int k = fx_rule_to_route(x, &r, why, sizeof(why));
		int kl;

		if (k < 0) {
			/* always shown, -q or not: each skipped rule is part of the answer */
			if (o->skip)
				fprintf(stderr, "skipped: IPv%d %s %s%s%s%s\n", fam, o->chain, why,
				    x->text[0] ? " (" : "", x->text, x->text[0] ? ")" : "");
			else
				log_errx("IPv%d %s %s%s%s%s", fam, o->chain, why, x->text[0] ? " (" : "",
				    x->text, x->text[0] ? ")" : "");
			refused++;
			continue;
		}
		if (k > 0) {
			log_warnx("IPv%d %s %s; not exported", fam, o->chain, why);
			continue;
		}
		kl = fs_route_key(r, key, sizeof(key));
		if (kl < 0 || (k = keyset_add(&ks, key, (size_t)kl)) < 0) {
			log_errx("rule %u: out of memory", x->num);
			fs_route_free(r);
			goto out;
		}
		if (k > 0) {
			/* the same match as an earlier rule, which takes every such packet */
			log_warnx("IPv%d %s rule %u: the same match as an earlier exported rule, so it "
			    "never decides; not exported", fam, o->chain, x->num);
			fs_route_free(r);
			continue;
		}
		routes[n] = r;
		seq[n] = x->num + (o->bird.seq == FS_SEQ_PAPER ? 63u : 0u);
		if (asprintf(&comment[n], "rule %u: %s", x->num, x->text[0] ? x->text : "(kernel)") < 0)
			comment[n] = NULL;
		n++;
	}
	if (ch.policy == FX_T_ACCEPT || ch.policy == FX_T_DROP) {
		struct fs_route *d = fs_route_new(fam == 4 ? FS_INET : FS_INET6);
		uint8_t zero[16] = { 0 };

		if (d == NULL || fs_route_set_prefix(d, FS_C_DST, zero, 0, 0, &err) < 0 ||
		    fs_route_set_prefix(d, FS_C_SRC, zero, 0, 0, &err) < 0) {
			fs_route_free(d);
			log_errx("out of memory");
			goto out;
		}
		if (ch.policy == FX_T_DROP) {
			d->act.has_rate_bytes = true;
			d->act.rate_bytes = 0;
		}
		routes[n] = d;
		seq[n] = (unsigned)ch.n + 1 + (o->bird.seq == FS_SEQ_PAPER ? 63u : 0u);
		if (asprintf(&comment[n], "policy %s (the default route, last)",
		    target_word(ch.policy)) < 0)
			comment[n] = NULL;
		n++;
	} else {
		log_warnx("IPv%d %s is not a built-in chain: it has no policy, so no default route",
		    fam, o->chain);
	}
	fprintf(out, "# flowspec-fetcher %s: filter %s, IPv%d, from %s: %zu rules, %zu routes, "
	    "policy %s\n", FS_VERSION, o->chain, fam, o->input ? o->input : "the kernel", ch.n, n,
	    target_word(ch.policy));
	if (fs_bird_write(out, fam, (const struct fs_route *const *)routes, seq,
	    (const char *const *)comment, n, &o->bird, &err) < 0) {
		log_errx("IPv%d: %s", fam, err.msg);
		goto out;
	}
	rc = refused;
out:
	for (i = 0; i < n; i++) {
		fs_route_free(routes[i]);
		free(comment[i]);
	}
	free(routes);
	free(seq);
	free(comment);
	for (i = 0; i < ks.cap && ks.slot != NULL; i++)
		free(ks.slot[i].key);
	free(ks.slot);
	fx_chain_free(&ch);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	char path[256], *doc = NULL;
	size_t doclen = 0;
	FILE *out;
	int f, refused = 0, bad = 0;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.input == NULL && fs_host_iptables_is_nft(path, sizeof(path)))
		log_warnx("this host's iptables is the nft variant (%s): flowspec-fetcher reads the "
		    "legacy tables, which it does not show; see README, \"legacy vs nft\"", path);
	out = open_memstream(&doc, &doclen);
	if (out == NULL) {
		log_errx("out of memory");
		return 1;
	}
	for (f = 4; f <= 6; f += 2) {
		int r;

		if ((o.family_set || o.input != NULL) && o.family != f)
			continue;
		r = one_family(&o, f, out);
		if (r < 0)
			bad = 1;
		else
			refused += r;
		fprintf(out, "\n");
	}
	fclose(out);
	if (bad || (refused > 0 && !o.skip)) {
		if (refused > 0 && !o.skip)
			log_errx("%d rule%s FlowSpec cannot carry: nothing written (--skip-unsupported "
			    "exports the rest)", refused, refused == 1 ? "" : "s");
		free(doc);
		return 1;
	}
	if (fwrite(doc, 1, doclen, stdout) != doclen || fflush(stdout) != 0) {
		log_errx("writing the configuration failed");
		free(doc);
		return 1;
	}
	free(doc);
	return 0;
}
