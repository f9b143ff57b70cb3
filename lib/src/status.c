/*
 * status.c - the state file and the status report.
 *
 * State file lines (tab-separated, one per route, applied order):
 *   order  outcome  route-text  action-text  chain:pos,chain:pos,...
 * where outcome is "installed", "no-match" (matches no packet) or the
 * refusal name.  The first line is "# flowspec-acl state v1 IPv<N> <rules>"
 * with the number of rules in our filter chains, to detect a stale file.
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

/* One counting rule's place, bucketed by route. */
struct place { const char *chain; size_t pos; int next; };

int fs_status_write(const struct fs_plan *plan, const char *path, struct fs_err *err)
{
	char tmp[4096], txt[FS_TEXT_MAX], act[512];
	struct place *pl = NULL;
	int *head = NULL, *tail = NULL;
	size_t i, c, k, np = 0, cap = 0;
	int rc = -1;
	FILE *f = NULL;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fs_err_set(err, FS_E_VALUE, "state file path too long: %s", path);
	/* one pass over the rules: each route's counting rules, in chain order */
	head = malloc((plan->nroutes + 1) * sizeof(*head));
	tail = malloc((plan->nroutes + 1) * sizeof(*tail));
	if (head == NULL || tail == NULL)
		goto nomem;
	for (i = 0; i < plan->nroutes; i++)
		head[i] = tail[i] = -1;
	for (c = 1; c < plan->filter.n; c++)
		for (k = 0; k < plan->filter.chains[c].n; k++) {
			const struct fs_prule *r = &plan->filter.chains[c].rules[k];

			if (!r->counts || r->route < 0 || (size_t)r->route >= plan->nroutes)
				continue;
			if (np == cap) {
				struct place *n2;

				cap = cap ? cap * 2 : 256;
				if ((n2 = realloc(pl, cap * sizeof(*pl))) == NULL)
					goto nomem;
				pl = n2;
			}
			pl[np].chain = plan->filter.chains[c].name;
			pl[np].pos = k + 1;
			pl[np].next = -1;
			if (tail[r->route] >= 0)
				pl[tail[r->route]].next = (int)np;
			else
				head[r->route] = (int)np;
			tail[r->route] = (int)np;
			np++;
		}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot write", tmp);
		goto out;
	}
	/* our filter rules, excluding the hook chain (chains[0]) */
	fprintf(f, "# flowspec-acl state v1 IPv%u %zu %016llx\n", plan->family,
	    fs_ptable_rules(&plan->filter) - (plan->filter.n ? plan->filter.chains[0].n : 0),
	    (unsigned long long)fs_plan_digest(plan));
	for (i = 0; i < plan->nroutes; i++) {
		const struct fs_proute *pr = &plan->routes[i];
		int p;

		fs_route_format(pr->route, txt, sizeof(txt));
		fs_actions_format(pr->route, act, sizeof(act));
		fprintf(f, "%zu\t%s\t%s\t%s\t", i + 1, pr->refusal != FS_R_OK ?
		    fs_refusal_name(pr->refusal) : pr->empty ? "no-match" : "installed", txt, act);
		for (p = head[i]; p >= 0; p = pl[p].next)
			fprintf(f, "%s%s:%zu", p == head[i] ? "" : ",", pl[p].chain, pl[p].pos);
		fprintf(f, "%s\n", head[i] < 0 ? "-" : "");
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
	free(pl);
	free(head);
	free(tail);
	return rc;
}

int fs_status_read_header(const char *path, int family, size_t *rules, uint64_t *digest)
{
	char line[256];
	unsigned fam = 0;
	unsigned long long d = 0;
	FILE *f = fopen(path, "r");
	int n;

	*rules = 0;
	*digest = 0;
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = sscanf(line, "# flowspec-acl state v1 IPv%u %zu %llx", &fam, rules, &d);
	if (n < 2 || (int)fam != family)
		return -1;
	*digest = n == 3 ? (uint64_t)d : 0;
	return 0;
}

static const struct fs_ipt_counter *find(const struct fs_ipt_counter *v, size_t n,
    const char *chain, unsigned pos)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].rule == pos && strcmp(v[i].chain, chain) == 0)
			return &v[i];
	return NULL;
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

int fs_status_print(const char *path, int family, const struct fs_xlate_opts *xo, bool json,
    FILE *out, struct fs_err *err)
{
	struct fs_ipt_counter *cnt = NULL;
	size_t ncnt = 0, total = 0, cap = 0;
	char *line = NULL;
	unsigned fam = 0;
	ssize_t len;
	bool first = true;
	FILE *f;
	int rc = -1;

	f = fopen(path, "r");
	if (f == NULL)
		return fs_err_set(err, FS_E_SYSTEM,
		    "%s: no state file (is flowspec-injector running, with this --state-dir?)", path);
	if ((len = getline(&line, &cap, f)) < 0 ||
	    sscanf(line, "# flowspec-acl state v1 IPv%u %zu", &fam, &total) != 2 ||
	    (int)fam != family) {
		fs_err_set(err, FS_E_SYNTAX, "%s: not a flowspec-acl state file", path);
		goto out;
	}
	if (fs_ipt_counters((enum fs_family)family, xo, &cnt, &ncnt, err) < 0)
		goto out;
	if (ncnt != total) {
		fs_err_set(err, FS_E_VALUE, "%s describes %zu rules but the kernel's chains hold %zu: "
		    "the state file is stale or the chains were changed by hand", path, total, ncnt);
		goto out;
	}
	if (json)
		fprintf(out, "[");
	else
		fprintf(out, "%-5s %-20s %12s %14s  %s => %s\n", "order", "state", "packets", "bytes",
		    "route", "action");
	while ((len = getline(&line, &cap, f)) > 0) {
		char *fld[5], *save = NULL, *p, *tok;
		uint64_t pk = 0, by = 0;
		int i;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = line; i < 5; i++, p = NULL)
			if ((fld[i] = strtok_r(p, "\t", &save)) == NULL)
				break;
		if (i < 5) {
			fs_err_set(err, FS_E_SYNTAX, "%s: malformed line", path);
			goto out;
		}
		for (tok = strtok_r(fld[4], ",", &save); tok != NULL && strcmp(tok, "-") != 0;
		    tok = strtok_r(NULL, ",", &save)) {
			char *colon = strrchr(tok, ':');
			const struct fs_ipt_counter *c;

			if (colon == NULL)
				continue;
			*colon = '\0';
			c = find(cnt, ncnt, tok, (unsigned)strtoul(colon + 1, NULL, 10));
			if (c == NULL) {
				fs_err_set(err, FS_E_VALUE, "%s: rule %s:%s is not in the kernel", path, tok,
				    colon + 1);
				goto out;
			}
			pk += c->pkts;
			by += c->bytes;
		}
		if (json) {
			fprintf(out, "%s\n  {\"order\": %s, \"state\": ", first ? "" : ",", fld[0]);
			json_str(out, fld[1]);
			fprintf(out, ", \"route\": ");
			json_str(out, fld[2]);
			fprintf(out, ", \"action\": ");
			json_str(out, fld[3]);
			fprintf(out, ", \"packets\": %llu, \"bytes\": %llu}", (unsigned long long)pk,
			    (unsigned long long)by);
		} else {
			fprintf(out, "%-5s %-20s %12llu %14llu  %s => %s\n", fld[0], fld[1],
			    (unsigned long long)pk, (unsigned long long)by, fld[2], fld[3]);
		}
		first = false;
	}
	if (json)
		fprintf(out, "%s]\n", first ? "" : "\n");
	rc = 0;
out:
	free(line);
	free(cnt);
	fclose(f);
	return rc;
}
