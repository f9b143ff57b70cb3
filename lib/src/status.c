/*
 * status.c - the state file and the status report.
 *
 * The first line is the header:
 *   # flowspec-acl state v2 IPv<N> <rules> <plan-digest> <kernel-digest> <committed>
 * with the number of rules in our filter chains, fs_plan_digest of the
 * plan, the digest of our chains' content as committed (fs_ipt_apply; the
 * status and the injector compare it with the kernel's to notice a hand
 * edit), and the commit's time in ISO 8601 UTC.  Version 1 files stop
 * after the plan digest (or the rule count).  Further lines that start
 * with '#' are ignored.  Then one line per route (tab-separated, applied
 * order):
 *   order  outcome  route-text  action-text  counting  drops
 * where outcome is "installed", "no-match" (matches no packet) or the
 * refusal name, and counting and drops are "chain:pos,chain:pos,..." or
 * "-" (drops: absent in version 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowspec/ipt.h"
#include "flowspec/status.h"
#include "flowspec/text.h"

int fs_status_path(char *buf, size_t cap, const char *dir, const char *chain, int family)
{
	int n = snprintf(buf, cap, "%s/%s.v%d", dir, chain, family);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* "2026-12-07T19:30:00Z" into buf (21 bytes), or "" for 0. */
static void iso_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	buf[0] = '\0';
	if (t != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static time_t parse_iso_time(const char *s)
{
	struct tm tm;
	char z = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* The places of one route's rules of one kind, bucketed by route. */
struct places {
	struct place { const char *chain; size_t pos; int next; } *pl;
	int *head, *tail;
	size_t n, cap;
};

static int places_init(struct places *p, size_t nroutes)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->head = malloc((nroutes + 1) * sizeof(*p->head));
	p->tail = malloc((nroutes + 1) * sizeof(*p->tail));
	if (p->head == NULL || p->tail == NULL)
		return -1;
	for (i = 0; i < nroutes; i++)
		p->head[i] = p->tail[i] = -1;
	return 0;
}

static int places_add(struct places *p, int route, const char *chain, size_t pos)
{
	if (p->n == p->cap) {
		struct place *n2;

		p->cap = p->cap ? p->cap * 2 : 256;
		if ((n2 = realloc(p->pl, p->cap * sizeof(*p->pl))) == NULL)
			return -1;
		p->pl = n2;
	}
	p->pl[p->n].chain = chain;
	p->pl[p->n].pos = pos;
	p->pl[p->n].next = -1;
	if (p->tail[route] >= 0)
		p->pl[p->tail[route]].next = (int)p->n;
	else
		p->head[route] = (int)p->n;
	p->tail[route] = (int)p->n;
	p->n++;
	return 0;
}

static void places_print(const struct places *p, size_t route, FILE *f)
{
	int i;

	for (i = p->head[route]; i >= 0; i = p->pl[i].next)
		fprintf(f, "%s%s:%zu", i == p->head[route] ? "" : ",", p->pl[i].chain, p->pl[i].pos);
	if (p->head[route] < 0)
		fputc('-', f);
}

static void places_free(struct places *p)
{
	free(p->pl);
	free(p->head);
	free(p->tail);
}

int fs_status_write(const struct fs_plan *plan, const char *path,
    const struct fs_status_commit *cm, struct fs_err *err)
{
	char tmp[4096], txt[FS_TEXT_MAX], act[512], when[32];
	struct places cnt, drp;
	size_t i, c, k;
	int rc = -1;
	FILE *f = NULL;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fs_err_set(err, FS_E_VALUE, "state file path too long: %s", path);
	/* one pass over the rules: each route's counting and drop rules, in chain order */
	if (places_init(&cnt, plan->nroutes) < 0 || places_init(&drp, plan->nroutes) < 0)
		goto nomem;
	for (c = 1; c < plan->filter.n; c++)
		for (k = 0; k < plan->filter.chains[c].n; k++) {
			const struct fs_prule *r = &plan->filter.chains[c].rules[k];

			if (r->route < 0 || (size_t)r->route >= plan->nroutes)
				continue;
			if (r->counts && places_add(&cnt, r->route, plan->filter.chains[c].name, k + 1) < 0)
				goto nomem;
			if (r->drops && places_add(&drp, r->route, plan->filter.chains[c].name, k + 1) < 0)
				goto nomem;
		}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot write", tmp);
		goto out;
	}
	iso_time(cm->when, when, sizeof(when));
	/* our filter rules, excluding the hook chain (chains[0]) */
	fprintf(f, "# flowspec-acl state v2 IPv%u %zu %016llx %016llx %s\n", plan->family,
	    fs_ptable_rules(&plan->filter) - (plan->filter.n ? plan->filter.chains[0].n : 0),
	    (unsigned long long)fs_plan_digest(plan), (unsigned long long)cm->kernel_digest,
	    when[0] ? when : "-");
	for (i = 0; i < plan->nroutes; i++) {
		const struct fs_proute *pr = &plan->routes[i];

		fs_route_format(pr->route, txt, sizeof(txt));
		fs_actions_format(pr->route, act, sizeof(act));
		fprintf(f, "%zu\t%s\t%s\t%s\t", i + 1, pr->refusal != FS_R_OK ?
		    fs_refusal_name(pr->refusal) : pr->empty ? "no-match" : "installed", txt, act);
		places_print(&cnt, i, f);
		fputc('\t', f);
		places_print(&drp, i, f);
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		fs_err_set(err, FS_E_SYSTEM, "%s: write failed", tmp);
		goto out;
	}
	fclose(f);
	f = NULL;
	if (rename(tmp, path) != 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot rename into place", path);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	fs_err_set(err, FS_E_NOMEM, "out of memory writing the state file");
out:
	if (f != NULL)
		fclose(f);
	if (rc < 0)
		unlink(tmp);
	places_free(&cnt);
	places_free(&drp);
	return rc;
}

/* The header in line; 0, or -1 when it is not one of this family. */
static int parse_header(const char *line, int family, struct fs_status_header *hdr)
{
	unsigned ver = 0, fam = 0;
	unsigned long long pd = 0, kd = 0;
	char when[32] = "";
	int n;

	memset(hdr, 0, sizeof(*hdr));
	n = sscanf(line, "# flowspec-acl state v%u IPv%u %zu %llx %llx %31s", &ver, &fam,
	    &hdr->rules, &pd, &kd, when);
	if (n < 3 || (int)fam != family || ver < 1 || ver > 2 || (ver == 2 && n < 6))
		return -1;
	hdr->version = ver;
	hdr->plan_digest = n >= 4 ? (uint64_t)pd : 0;
	if (ver == 2) {
		hdr->kernel_digest = (uint64_t)kd;
		hdr->committed = parse_iso_time(when);
	}
	return 0;
}

int fs_status_read_header(const char *path, int family, struct fs_status_header *hdr)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int rc = -1;

	memset(hdr, 0, sizeof(*hdr));
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)
		rc = parse_header(line, family, hdr);
	fclose(f);
	return rc;
}

/* The kernel's counters of one chain: cnt[start .. start + n). */
struct span { const char *chain; size_t start, n; };

static int span_cmp(const void *a, const void *b)
{
	return strcmp(((const struct span *)a)->chain, ((const struct span *)b)->chain);
}

/* Groups the counters by chain (fs_ipt_counters gives each chain's rules together). */
static struct span *spans_make(const struct fs_ipt_counter *cnt, size_t n, size_t *ns)
{
	struct span *s = malloc((n + 1) * sizeof(*s));
	size_t i, k = 0;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (k > 0 && strcmp(s[k - 1].chain, cnt[i].chain) == 0) {
			s[k - 1].n++;
			continue;
		}
		s[k].chain = cnt[i].chain;
		s[k].start = i;
		s[k].n = 1;
		k++;
	}
	qsort(s, k, sizeof(*s), span_cmp);
	*ns = k;
	return s;
}

/*
 * Sums the counters at the places in list ("chain:pos,..." or "-") into
 * *pk, *by.  0, or -1 with err set when a place is not in the kernel.
 */
static int sum_places(char *list, const struct fs_ipt_counter *cnt, const struct span *sp,
    size_t nsp, const char *path, uint64_t *pk, uint64_t *by, struct fs_err *err)
{
	char *save = NULL, *tok;

	*pk = *by = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL && strcmp(tok, "-") != 0;
	    tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':'), *end;
		struct span key, *s;
		unsigned long pos;

		if (colon == NULL)
			return fs_err_set(err, FS_E_SYNTAX, "%s: bad rule place \"%s\"", path, tok);
		*colon = '\0';
		pos = strtoul(colon + 1, &end, 10);
		key.chain = tok;
		s = bsearch(&key, sp, nsp, sizeof(*sp), span_cmp);
		if (*end != '\0' || pos == 0 || s == NULL || pos > s->n)
			return fs_err_set(err, FS_E_VALUE, "%s: rule %s:%s is not in the kernel", path,
			    tok, colon + 1);
		*pk += cnt[s->start + pos - 1].pkts;
		*by += cnt[s->start + pos - 1].bytes;
	}
	return 0;
}

void fs_status_free(struct fs_status *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nroutes; i++) {
		free(st->routes[i].state);
		free(st->routes[i].route);
		free(st->routes[i].action);
	}
	free(st->routes);
	free(st);
}

int fs_status_read(const char *path, int family, const struct fs_ipt_counter *cnt, size_t ncnt,
    uint64_t kd, struct fs_status **out, struct fs_err *err)
{
	struct fs_status *st = NULL;
	struct span *sp = NULL;
	size_t nsp = 0, cap = 0, rcap = 0;
	char *line = NULL, when[32];
	ssize_t len;
	FILE *f;
	int rc = -1;

	*out = NULL;
	f = fopen(path, "r");
	if (f == NULL)
		return fs_err_set(err, FS_E_SYSTEM,
		    "%s: no state file (is flowspec-injector running, with this --state-dir?)", path);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto nomem;
	st->family = family;
	if ((len = getline(&line, &cap, f)) < 0 || parse_header(line, family, &st->hdr) < 0) {
		fs_err_set(err, FS_E_SYNTAX, "%s: not a flowspec-acl state file of IPv%d", path,
		    family);
		goto out;
	}
	iso_time(st->hdr.committed, when, sizeof(when));
	if (st->hdr.kernel_digest != 0 && kd != st->hdr.kernel_digest) {
		fs_err_set(err, FS_E_VALUE, "%s: our chains in the kernel (%zu rules) are not what "
		    "the commit of %s installed (%zu rules): changed by hand or by another program",
		    path, ncnt, when[0] ? when : "?", st->hdr.rules);
		goto out;
	}
	if (ncnt != st->hdr.rules) {
		fs_err_set(err, FS_E_VALUE, "%s describes %zu rules but the kernel's chains hold %zu: "
		    "the state file is stale or the chains were changed by hand", path, st->hdr.rules,
		    ncnt);
		goto out;
	}
	if ((sp = spans_make(cnt, ncnt, &nsp)) == NULL)
		goto nomem;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct fs_status_route *r;
		char *fld[6], *save = NULL, *p;
		int i;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (i = 0, p = line; i < 6; i++, p = NULL)
			if ((fld[i] = strtok_r(p, "\t", &save)) == NULL)
				break;
		if (i < 5 || (st->hdr.version >= 2 && i < 6)) {
			fs_err_set(err, FS_E_SYNTAX, "%s: malformed line %zu", path, st->nroutes + 2);
			goto out;
		}
		if (st->nroutes == rcap) {
			struct fs_status_route *r2;

			rcap = rcap ? rcap * 2 : 64;
			if ((r2 = realloc(st->routes, rcap * sizeof(*r2))) == NULL)
				goto nomem;
			st->routes = r2;
		}
		r = &st->routes[st->nroutes];
		memset(r, 0, sizeof(*r));
		r->order = (unsigned)strtoul(fld[0], NULL, 10);
		r->state = strdup(fld[1]);
		r->route = strdup(fld[2]);
		r->action = strdup(fld[3]);
		st->nroutes++;
		if (r->state == NULL || r->route == NULL || r->action == NULL)
			goto nomem;
		r->rate_limited = i == 6 && strcmp(fld[5], "-") != 0;
		if (sum_places(fld[4], cnt, sp, nsp, path, &r->packets, &r->bytes, err) < 0 ||
		    (r->rate_limited && sum_places(fld[5], cnt, sp, nsp, path, &r->dropped_packets,
		    &r->dropped_bytes, err) < 0))
			goto out;
		if (strcmp(r->state, "installed") == 0)
			st->installed++;
		else if (strcmp(r->state, "no-match") == 0)
			st->no_match++;
		else
			st->refused++;
	}
	*out = st;
	st = NULL;
	rc = 0;
	goto out;
nomem:
	fs_err_set(err, FS_E_NOMEM, "out of memory reading %s", path);
out:
	fs_status_free(st);
	free(line);
	free(sp);
	fclose(f);
	return rc;
}

int fs_status_load(const char *path, int family, const struct fs_xlate_opts *xo,
    struct fs_status **out, struct fs_err *err)
{
	struct fs_ipt_counter *cnt = NULL;
	size_t ncnt = 0;
	uint64_t kd = 0;
	int rc;

	*out = NULL;
	if (access(path, F_OK) != 0)
		return fs_err_set(err, FS_E_SYSTEM,
		    "%s: no state file (is flowspec-injector running, with this --state-dir?)", path);
	if (fs_ipt_counters((enum fs_family)family, xo, &cnt, &ncnt, &kd, err) < 0)
		return -1;
	rc = fs_status_read(path, family, cnt, ncnt, kd, out, err);
	free(cnt);
	return rc;
}

void fs_status_text(const struct fs_status *st, FILE *f)
{
	char when[32];
	size_t i;

	iso_time(st->hdr.committed, when, sizeof(when));
	fprintf(f, "IPv%d: last commit %s; %zu routes: %zu installed, %zu refused, %zu no-match; "
	    "%zu rules\n", st->family, when[0] ? when : "(not recorded)", st->nroutes,
	    st->installed, st->refused, st->no_match, st->hdr.rules);
	fprintf(f, "%-5s %-20s %12s %14s  %s => %s\n", "order", "state", "packets", "bytes",
	    "route", "action");
	for (i = 0; i < st->nroutes; i++) {
		const struct fs_status_route *r = &st->routes[i];

		fprintf(f, "%-5u %-20s %12llu %14llu  %s => %s\n", r->order, r->state,
		    (unsigned long long)r->packets, (unsigned long long)r->bytes, r->route,
		    r->action);
		if (r->rate_limited)
			fprintf(f, "%-5s %-20s %12llu %14llu\n", "", "dropped",
			    (unsigned long long)r->dropped_packets,
			    (unsigned long long)r->dropped_bytes);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void fs_status_json(const struct fs_status *const *st, size_t n, const char *chain, FILE *f)
{
	size_t i, k;
	bool first = true;

	fprintf(f, "{\"version\": 1, \"chain\": ");
	json_str(f, chain);
	fprintf(f, ", \"backend\": \"iptc\",\n \"families\": [");
	for (i = 0; i < n; i++) {
		char when[32];

		iso_time(st[i]->hdr.committed, when, sizeof(when));
		fprintf(f, "%s\n  {\"family\": %d, \"last_commit\": ", i ? "," : "", st[i]->family);
		if (when[0])
			json_str(f, when);
		else
			fprintf(f, "null");
		fprintf(f, ", \"routes\": %zu, \"installed\": %zu, \"refused\": %zu, \"no_match\": %zu, "
		    "\"rules\": %zu}", st[i]->nroutes, st[i]->installed, st[i]->refused,
		    st[i]->no_match, st[i]->hdr.rules);
	}
	fprintf(f, "%s],\n \"routes\": [", n ? "\n " : "");
	for (i = 0; i < n; i++)
		for (k = 0; k < st[i]->nroutes; k++) {
			const struct fs_status_route *r = &st[i]->routes[k];

			fprintf(f, "%s\n  {\"family\": %d, \"order\": %u, \"state\": ", first ? "" : ",",
			    st[i]->family, r->order);
			json_str(f, r->state);
			fprintf(f, ", \"route\": ");
			json_str(f, r->route);
			fprintf(f, ", \"action\": ");
			json_str(f, r->action);
			fprintf(f, ", \"packets\": %llu, \"bytes\": %llu", (unsigned long long)r->packets,
			    (unsigned long long)r->bytes);
			if (r->rate_limited)
				fprintf(f, ", \"dropped_packets\": %llu, \"dropped_bytes\": %llu",
				    (unsigned long long)r->dropped_packets,
				    (unsigned long long)r->dropped_bytes);
			fputc('}', f);
			first = false;
		}
	fprintf(f, "%s]}\n", first ? "" : "\n ");
}
