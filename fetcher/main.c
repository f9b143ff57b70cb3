/*
 * flowspec-fetcher - a firewall chain (FORWARD by default) as BIRD 2
 * flow4/flow6 configuration, so that a BIRD controller distributes the
 * same policy to every leaf by BGP FlowSpec.
 *
 * Rules are read from the kernel's legacy filter table through libiptc, or
 * from an iptables-save file (-i, "-" for stdin), one at a time.  Each rule
 * becomes a route with the same meaning; its position becomes its sequence
 * number (the community the injector reads with --order sequence), the
 * chain policy becomes the default route, last.  A rule FlowSpec cannot
 * carry is refused by number and match; any refusal means exit 1 and no
 * output, unless --skip-unsupported.  The routes are written to a
 * temporary file as they come and copied to stdout only when everything
 * was read: memory stays near the reader's bound plus the keys of the
 * routes written (duplicate detection), whatever the number of rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowspec/bird.h"
#include "flowspec/fetch.h"
#include "flowspec/host.h"
#include "flowspec/log.h"

#define FS_VERSION "0.1.0"

struct opts {
	bool family_set, skip, four, six;
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
	    "                           instead of the kernel (\"-\": stdin)\n"
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
	opterr = 0; /* fs_log_bad_option says it, in one line */
	while ((c = getopt_long(argc, argv, ":46i:qhV", lo, &li)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case '4': o->family = 4; o->family_set = o->four = true; break;
		case '6': o->family = 6; o->family_set = o->six = true; break;
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
			fs_log_bad_option("flowspec-fetcher", c, argv);
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
	if (o->four && o->six) {
		fprintf(stderr, "flowspec-fetcher: -4 and -6 together: give one, or neither for both "
		    "families (from the kernel)\n");
		return -1;
	}
	o->bird.name = o->name;
	return 0;
}

/*
 * The keys of the routes written, to skip a rule whose match equals an
 * earlier one's: open addressing over one arena of key bytes, about 16
 * bytes of slot (two per key, at most) plus the key per route.
 */
struct keyset {
	struct kslot {
		uint64_t h;
		uint32_t off, len;  /* len 0: empty slot (a key is never empty) */
	} *slot;
	size_t cap, n;
	uint8_t *arena;
	size_t alen, acap;
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

static struct kslot *ks_find(struct kslot *slot, size_t cap, const uint8_t *arena, uint64_t h,
    const uint8_t *key, size_t len)
{
	size_t i;

	for (i = h & (cap - 1); slot[i].len != 0; i = (i + 1) & (cap - 1))
		if (slot[i].h == h && slot[i].len == len && arena != NULL &&
		    memcmp(arena + slot[i].off, key, len) == 0)
			break;
	return &slot[i];
}

/* 1 if key was already there, 0 if added, -1 when out of memory. */
static int keyset_add(struct keyset *s, const uint8_t *key, size_t len)
{
	uint64_t h = key_hash(key, len);
	struct kslot *e;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024, i;
		struct kslot *v = calloc(cap, sizeof(*v));

		if (v == NULL)
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i].len != 0)
				*ks_find(v, cap, NULL, s->slot[i].h, NULL, 0) = s->slot[i];
		free(s->slot);
		s->slot = v;
		s->cap = cap;
	}
	e = ks_find(s->slot, s->cap, s->arena, h, key, len);
	if (e->len != 0)
		return 1;
	if (s->alen + len > UINT32_MAX)
		return -1;
	if (s->alen + len > s->acap) {
		size_t acap = s->acap ? 2 * s->acap : 65536;
		uint8_t *a;

		while (acap < s->alen + len)
			acap *= 2;
		if ((a = realloc(s->arena, acap)) == NULL)
			return -1;
		s->arena = a;
		s->acap = acap;
	}
	memcpy(s->arena + s->alen, key, len);
	e->h = h;
	e->off = (uint32_t)s->alen;
	e->len = (uint32_t)len;
	s->alen += len;
	s->n++;
	return 0;
}

static void keyset_free(struct keyset *s)
{
	free(s->slot);
	free(s->arena);
	memset(s, 0, sizeof(*s));
}

static const char *target_word(enum fx_target t)
{
	return t == FX_T_ACCEPT ? "ACCEPT" : t == FX_T_DROP ? "DROP" : "none";
}

/* One family's reading, rule by rule. */
struct fam {
	const struct opts *o;
	int fam;
	FILE *body;                 /* the BIRD routes, spooled */
	struct keyset ks;
	size_t routes;
	int refused;
};

static int on_rule(const struct fx_rule *x, void *ctx, struct fs_err *err)
{
	struct fam *f = ctx;
	const struct opts *o = f->o;
	char why[256], comment[600];
	uint8_t key[FS_KEY_MAX];
	struct fs_route *r = NULL;
	int k = fx_rule_to_route(x, &r, why, sizeof(why)), kl, rc;

	if (k < 0) {
		/* always shown, -q or not: each skipped rule is part of the answer */
		if (o->skip)
			fprintf(stderr, "skipped: IPv%d %s %s%s%s%s\n", f->fam, o->chain, why,
			    x->text[0] ? " (" : "", x->text, x->text[0] ? ")" : "");
		else
			log_errx("IPv%d %s %s%s%s%s", f->fam, o->chain, why, x->text[0] ? " (" : "",
			    x->text, x->text[0] ? ")" : "");
		f->refused++;
		return 0;
	}
	if (k > 0) {
		log_warnx("IPv%d %s %s; not exported", f->fam, o->chain, why);
		return 0;
	}
	kl = fs_route_key(r, key, sizeof(key));
	if (kl < 0 || (k = keyset_add(&f->ks, key, (size_t)kl)) < 0) {
		fs_route_free(r);
		return fs_err_set(err, FS_E_NOMEM, "rule %u: out of memory", x->num);
	}
	if (k > 0) {
		/* the same match as an earlier rule, which takes every such packet */
		log_warnx("IPv%d %s rule %u: the same match as an earlier exported rule, so it "
		    "never decides; not exported", f->fam, o->chain, x->num);
		fs_route_free(r);
		return 0;
	}
	snprintf(comment, sizeof(comment), "rule %u: %s", x->num, x->text[0] ? x->text : "(kernel)");
	rc = fs_bird_route(f->body, f->fam, r, x->num + (o->bird.seq == FS_SEQ_PAPER ? 63u : 0u),
	    comment, &o->bird, err);
	fs_route_free(r);
	if (rc < 0)
		return fs_err_prefix(err, "rule %u", x->num);
	f->routes++;
	return 0;
}

/*
 * One family: read and map into body, and its header line into head.
 * Returns the number of refusals, or -1.
 */
static int one_family(const struct opts *o, int fam, FILE *body, char *head, size_t hcap)
{
	struct fam f = { .o = o, .fam = fam, .body = body };
	struct fx_chain_info info;
	struct fs_err err;
	int rc;

	if (fs_bird_begin(body, fam, &o->bird, &err) < 0) {
		log_errx("IPv%d: %s", fam, err.msg);
		return -1;
	}
	if (o->input != NULL) {
		bool std = strcmp(o->input, "-") == 0;
		FILE *in = std ? stdin : fopen(o->input, "r");

		if (in == NULL) {
			log_errx("%s: %s", o->input, strerror(errno));
			return -1;
		}
		rc = fx_read_save(in, fam, o->chain, std ? "stdin" : o->input, on_rule, &f, &info,
		    &err);
		if (!std)
			fclose(in);
	} else {
		rc = fx_walk_kernel(fam, o->chain, on_rule, &f, &info, &err);
	}
	if (rc < 0) {
		log_errx("%s", err.msg);
		goto fail;
	}
	if (info.policy == FX_T_ACCEPT || info.policy == FX_T_DROP) {
		struct fs_route *d = fs_route_new(fam == 4 ? FS_INET : FS_INET6);
		uint8_t zero[16] = { 0 };
		char comment[64];

		if (d == NULL || fs_route_set_prefix(d, FS_C_DST, zero, 0, 0, &err) < 0 ||
		    fs_route_set_prefix(d, FS_C_SRC, zero, 0, 0, &err) < 0) {
			fs_route_free(d);
			log_errx("out of memory");
			goto fail;
		}
		if (info.policy == FX_T_DROP) {
			d->act.has_rate_bytes = true;
			d->act.rate_bytes = 0;
		}
		snprintf(comment, sizeof(comment), "policy %s (the default route, last)",
		    target_word(info.policy));
		rc = fs_bird_route(body, fam, d, (uint32_t)info.nrules + 1 +
		    (o->bird.seq == FS_SEQ_PAPER ? 63u : 0u), comment, &o->bird, &err);
		fs_route_free(d);
		if (rc < 0) {
			log_errx("IPv%d: the default route: %s", fam, err.msg);
			goto fail;
		}
		f.routes++;
	} else {
		log_warnx("IPv%d %s is not a built-in chain: it has no policy, so no default route",
		    fam, o->chain);
	}
	if (fs_bird_end(body, &err) < 0) {
		log_errx("IPv%d: %s", fam, err.msg);
		goto fail;
	}
	snprintf(head, hcap, "# flowspec-fetcher %s: filter %s, IPv%d, from %s: %zu rules, %zu "
	    "routes, policy %s\n", FS_VERSION, o->chain, fam, o->input ? (strcmp(o->input, "-") ?
	    o->input : "stdin") : "the kernel", info.nrules, f.routes, target_word(info.policy));
	keyset_free(&f.ks);
	return f.refused;
fail:
	keyset_free(&f.ks);
	return -1;
}

/* An unlinked temporary file in $TMPDIR (or /tmp) for one family's routes, or NULL. */
static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/flowspec-fetcher.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		log_errx("a temporary file in %s for the routes: %s (TMPDIR names another directory)",
		    dir, strerror(errno));
		return NULL;
	}
	unlink(path);
	if ((f = fdopen(fd, "w+")) == NULL) {
		log_errx("a temporary file in %s: %s", dir, strerror(errno));
		close(fd);
	}
	return f;
}

/* Copies the spooled routes to out.  0 or -1. */
static int spool_copy(FILE *sp, FILE *out)
{
	char buf[65536];
	size_t n;

	if (fflush(sp) != 0 || fseek(sp, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), sp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return -1;
	return ferror(sp) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	char path[256], head[2][400];
	FILE *body[2] = { NULL, NULL };
	int f, refused = 0, bad = 0, rc = 1;

	fs_log_set_ident("flowspec-fetcher");
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.input == NULL && fs_host_iptables_is_nft(path, sizeof(path)))
		log_warnx("this host's iptables is the nft variant (%s): flowspec-fetcher reads the "
		    "legacy tables, which it does not show; see README, \"legacy vs nft\"", path);
	for (f = 0; f < 2; f++) {
		int fam = f == 0 ? 4 : 6, r;

		if ((o.family_set || o.input != NULL) && o.family != fam)
			continue;
		if ((body[f] = spool_open()) == NULL) {
			bad = 1;
			break;
		}
		r = one_family(&o, fam, body[f], head[f], sizeof(head[f]));
		if (r < 0)
			bad = 1;
		else
			refused += r;
	}
	if (bad || (refused > 0 && !o.skip)) {
		if (refused > 0 && !o.skip)
			log_errx("%d rule%s FlowSpec cannot carry: nothing written (--skip-unsupported "
			    "exports the rest)", refused, refused == 1 ? "" : "s");
		goto out;
	}
	for (f = 0; f < 2; f++) {
		if (body[f] == NULL)
			continue;
		if (fputs(head[f], stdout) == EOF || spool_copy(body[f], stdout) < 0 ||
		    fputs("\n", stdout) == EOF) {
			log_errx("writing the configuration failed");
			goto out;
		}
	}
	if (fflush(stdout) != 0) {
		log_errx("writing the configuration failed");
		goto out;
	}
	rc = 0;
out:
	for (f = 0; f < 2; f++)
		if (body[f] != NULL)
			fclose(body[f]);
	return rc;
}
