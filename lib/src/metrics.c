/*
 * metrics.c - the Prometheus exposition (metrics.h).
 *
 * A stats file is:
 *   # flowspec-acl stats v1 IPv<N>
 *   pid <pid>
 *   commits <n>
 *   ...
 * one "name value" line per counter of struct fs_metrics_proc; unknown
 * names are ignored (a later version may add some).
 *
 * The exposition groups each metric's samples under one HELP and one TYPE
 * line, as the text format requires, so it is printed metric by metric,
 * family by family inside each.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flowspec/metrics.h"
#include "flowspec/status.h"

int fs_metrics_proc_path(char *buf, size_t cap, const char *dir, const char *chain, int family)
{
	int n = snprintf(buf, cap, "%s/%s.v%d.stats", dir, chain, family);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static const char *const poll_word[FS_POLL__COUNT] = { "changed", "unchanged", "failed" };

/* Creates path.tmp (mode 0644 whatever the umask) for writing; NULL with err set. */
static FILE *tmp_open(const char *path, char *tmp, size_t cap, struct fs_err *err)
{
	int fd;
	FILE *f;

	if ((size_t)snprintf(tmp, cap, "%s.tmp", path) >= cap) {
		fs_err_set(err, FS_E_VALUE, "path too long: %s", path);
		return NULL;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot write: %s", tmp, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		fs_err_set(err, FS_E_SYSTEM, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return NULL;
	}
	return f;
}

/* Closes f and renames tmp to path; 0, or -1 with err set (tmp removed). */
static int tmp_commit(FILE *f, const char *tmp, const char *path, struct fs_err *err)
{
	bool bad = fflush(f) != 0 || ferror(f);

	if (fclose(f) != 0 || bad) {
		unlink(tmp);
		return fs_err_set(err, FS_E_SYSTEM, "%s: write failed", tmp);
	}
	if (rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return fs_err_set(err, FS_E_SYSTEM, "%s: cannot rename into place: %s", path,
		    strerror(e));
	}
	return 0;
}

int fs_metrics_proc_write(const char *path, int family, const struct fs_metrics_proc *p,
    struct fs_err *err)
{
	char tmp[4096];
	FILE *f = tmp_open(path, tmp, sizeof(tmp), err);
	int i;

	if (f == NULL)
		return -1;
	fprintf(f, "# flowspec-acl stats v1 IPv%d\n", family);
	fprintf(f, "pid %ld\ncommits %" PRIu64 "\ncommit_failures %" PRIu64 "\n"
	    "last_commit_ms %" PRIu64 "\ninput_lines %" PRIu64 "\ninput_errors %" PRIu64 "\n",
	    p->pid, p->commits, p->commit_failures, p->last_commit_ms, p->input_lines,
	    p->input_errors);
	for (i = 0; i < FS_POLL__COUNT; i++)
		fprintf(f, "polls_%s %" PRIu64 "\n", poll_word[i], p->polls[i]);
	return tmp_commit(f, tmp, path, err);
}

int fs_metrics_proc_read(const char *path, int family, struct fs_metrics_proc *p)
{
	char line[256], name[64];
	unsigned fam = 0, ver = 0;
	unsigned long long v;
	FILE *f;
	int i;

	memset(p, 0, sizeof(*p));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "# flowspec-acl stats v%u IPv%u", &ver, &fam) != 2 || ver != 1 ||
	    (int)fam != family) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		if (strcmp(name, "pid") == 0)
			p->pid = (long)v;
		else if (strcmp(name, "commits") == 0)
			p->commits = v;
		else if (strcmp(name, "commit_failures") == 0)
			p->commit_failures = v;
		else if (strcmp(name, "last_commit_ms") == 0)
			p->last_commit_ms = v;
		else if (strcmp(name, "input_lines") == 0)
			p->input_lines = v;
		else if (strcmp(name, "input_errors") == 0)
			p->input_errors = v;
		else
			for (i = 0; i < FS_POLL__COUNT; i++)
				if (strncmp(name, "polls_", 6) == 0 && strcmp(name + 6, poll_word[i]) == 0)
					p->polls[i] = v;
	}
	fclose(f);
	return 0;
}

void fs_metrics_label(FILE *f, const char *s)
{
	size_t n = strlen(s), keep = n, i;

	if (n > FS_METRICS_LABEL_MAX) {
		keep = FS_METRICS_LABEL_MAX;
		/* not inside a UTF-8 character: back over its continuation bytes */
		while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
			keep--;
	}
	for (i = 0; i < keep; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else
			fputc(s[i], f);
	}
	if (keep < n)
		fputs("...", f);
}

/* What one family brings. */
struct fam {
	int family;
	struct fs_status *st;        /* NULL: not loaded */
	struct fs_status_header hdr; /* valid when have_hdr */
	bool have_hdr, have_proc;
	struct fs_metrics_proc proc;
	char (*id)[24];              /* st->routes[i]'s id label */
};

/* FNV-1a, 64 bits. */
static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct idx { uint64_t h; size_t i; };

static int idx_cmp(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The route ids of a family: the 16 hex digits of the FNV-1a hash of the
 * route's canonical text; a text seen again in the family (two neighbors'
 * routes alike) gets "-2", "-3", ... in applied order, so that no two
 * series are alike.  0, or -1 when out of memory.
 */
static int make_ids(struct fam *fm)
{
	size_t n = fm->st->nroutes, k, dup = 1;
	struct idx *ix;

	fm->id = calloc(n + 1, sizeof(*fm->id));
	ix = malloc((n + 1) * sizeof(*ix));
	if (fm->id == NULL || ix == NULL) {
		free(ix);
		return -1;
	}
	for (k = 0; k < n; k++) {
		ix[k].h = fnv(fm->st->routes[k].route);
		ix[k].i = k;
	}
	qsort(ix, n, sizeof(*ix), idx_cmp);
	for (k = 0; k < n; k++) {
		const struct fs_status_route *r = &fm->st->routes[ix[k].i];

		if (k > 0 && ix[k].h == ix[k - 1].h &&
		    strcmp(r->route, fm->st->routes[ix[k - 1].i].route) == 0)
			dup++;
		else
			dup = 1;
		if (dup == 1)
			snprintf(fm->id[ix[k].i], sizeof(fm->id[0]), "%016" PRIx64, ix[k].h);
		else
			snprintf(fm->id[ix[k].i], sizeof(fm->id[0]), "%016" PRIx64 "-%zu", ix[k].h, dup);
	}
	free(ix);
	return 0;
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One per-route sample: name{family,id,route} value. */
static void route_sample(FILE *f, const char *name, const struct fam *fm, size_t k, uint64_t v)
{
	fprintf(f, "%s{family=\"%d\",id=\"%s\",route=\"", name, fm->family, fm->id[k]);
	fs_metrics_label(f, fm->st->routes[k].route);
	fprintf(f, "\"} %" PRIu64 "\n", v);
}

static void render(struct fam *fm, size_t n, const char *chain, FILE *f)
{
	static const char *const states[] = { "installed", "no-match", "refused" };
	size_t i, k, s;
	int r;

	head(f, "flowspec_backend_info", "gauge",
	    "The firewall backend the rules are written with (always 1).");
	fprintf(f, "flowspec_backend_info{backend=\"iptc\",chain=\"");
	fs_metrics_label(f, chain);
	fprintf(f, "\"} 1\n");

	head(f, "flowspec_state_ok", "gauge", "1 when the family's state file was read and the "
	    "kernel holds what it describes (the per-route metrics are then present), else 0.");
	for (i = 0; i < n; i++)
		fprintf(f, "flowspec_state_ok{family=\"%d\"} %d\n", fm[i].family, fm[i].st != NULL);

	head(f, "flowspec_routes", "gauge", "Routes by state: installed, no-match (matches no "
	    "packet) or refused.");
	for (i = 0; i < n; i++) {
		size_t v[3];

		if (fm[i].st == NULL)
			continue;
		v[0] = fm[i].st->installed;
		v[1] = fm[i].st->no_match;
		v[2] = fm[i].st->refused;
		for (s = 0; s < 3; s++)
			fprintf(f, "flowspec_routes{family=\"%d\",state=\"%s\"} %zu\n", fm[i].family,
			    states[s], v[s]);
	}

	head(f, "flowspec_routes_refused", "gauge", "Refused routes by reason.");
	for (i = 0; i < n; i++) {
		if (fm[i].st == NULL)
			continue;
		for (r = 1; r < FS_R__COUNT; r++) {
			const char *name = fs_refusal_name((enum fs_refusal)r);
			size_t cnt = 0;

			for (k = 0; k < fm[i].st->nroutes; k++)
				cnt += strcmp(fm[i].st->routes[k].state, name) == 0;
			fprintf(f, "flowspec_routes_refused{family=\"%d\",reason=\"%s\"} %zu\n",
			    fm[i].family, name, cnt);
		}
	}

	head(f, "flowspec_rules", "gauge", "Rules in the family's filter chains.");
	for (i = 0; i < n; i++)
		if (fm[i].st != NULL)
			fprintf(f, "flowspec_rules{family=\"%d\"} %zu\n", fm[i].family,
			    fm[i].st->hdr.rules);

	head(f, "flowspec_route_info", "gauge", "One per route (always 1): its state and action.");
	for (i = 0; i < n; i++)
		for (k = 0; fm[i].st != NULL && k < fm[i].st->nroutes; k++) {
			const struct fs_status_route *rt = &fm[i].st->routes[k];

			fprintf(f, "flowspec_route_info{family=\"%d\",id=\"%s\",order=\"%u\",state=\"",
			    fm[i].family, fm[i].id[k], rt->order);
			fs_metrics_label(f, rt->state);
			fprintf(f, "\",route=\"");
			fs_metrics_label(f, rt->route);
			fprintf(f, "\",action=\"");
			fs_metrics_label(f, rt->action);
			fprintf(f, "\"} 1\n");
		}

	head(f, "flowspec_route_packets_total", "counter",
	    "Packets that matched the route (its counting rules; reset when its rules are replaced).");
	for (i = 0; i < n; i++)
		for (k = 0; fm[i].st != NULL && k < fm[i].st->nroutes; k++)
			route_sample(f, "flowspec_route_packets_total", &fm[i], k,
			    fm[i].st->routes[k].packets);
	head(f, "flowspec_route_bytes_total", "counter",
	    "Bytes that matched the route (its counting rules; reset when its rules are replaced).");
	for (i = 0; i < n; i++)
		for (k = 0; fm[i].st != NULL && k < fm[i].st->nroutes; k++)
			route_sample(f, "flowspec_route_bytes_total", &fm[i], k, fm[i].st->routes[k].bytes);
	head(f, "flowspec_route_dropped_packets_total", "counter",
	    "Rate-limited routes: packets dropped over the rate.");
	for (i = 0; i < n; i++)
		for (k = 0; fm[i].st != NULL && k < fm[i].st->nroutes; k++)
			if (fm[i].st->routes[k].rate_limited)
				route_sample(f, "flowspec_route_dropped_packets_total", &fm[i], k,
				    fm[i].st->routes[k].dropped_packets);
	head(f, "flowspec_route_dropped_bytes_total", "counter",
	    "Rate-limited routes: bytes dropped over the rate.");
	for (i = 0; i < n; i++)
		for (k = 0; fm[i].st != NULL && k < fm[i].st->nroutes; k++)
			if (fm[i].st->routes[k].rate_limited)
				route_sample(f, "flowspec_route_dropped_bytes_total", &fm[i], k,
				    fm[i].st->routes[k].dropped_bytes);

	head(f, "flowspec_last_commit_timestamp_seconds", "gauge",
	    "When the family's rules were last committed (Unix time).");
	for (i = 0; i < n; i++)
		if (fm[i].have_hdr && fm[i].hdr.committed != 0)
			fprintf(f, "flowspec_last_commit_timestamp_seconds{family=\"%d\"} %lld\n",
			    fm[i].family, (long long)fm[i].hdr.committed);

	head(f, "flowspec_commits_total", "counter",
	    "Commits by result, since the injector started.");
	for (i = 0; i < n; i++)
		if (fm[i].have_proc)
			fprintf(f, "flowspec_commits_total{family=\"%d\",result=\"ok\"} %" PRIu64 "\n"
			    "flowspec_commits_total{family=\"%d\",result=\"failed\"} %" PRIu64 "\n",
			    fm[i].family, fm[i].proc.commits, fm[i].family, fm[i].proc.commit_failures);
	head(f, "flowspec_last_commit_duration_seconds", "gauge",
	    "How long the last successful commit took, translation included.");
	for (i = 0; i < n; i++)
		if (fm[i].have_proc && fm[i].proc.commits > 0)
			fprintf(f, "flowspec_last_commit_duration_seconds{family=\"%d\"} %" PRIu64
			    ".%03" PRIu64 "\n", fm[i].family, fm[i].proc.last_commit_ms / 1000,
			    fm[i].proc.last_commit_ms % 1000);
	head(f, "flowspec_frr_polls_total", "counter",
	    "FRR polls by result, since the injector started (source frr).");
	for (i = 0; i < n; i++)
		if (fm[i].have_proc)
			for (s = 0; s < FS_POLL__COUNT; s++)
				fprintf(f, "flowspec_frr_polls_total{family=\"%d\",result=\"%s\"} %" PRIu64
				    "\n", fm[i].family, poll_word[s], fm[i].proc.polls[s]);

	/* one process may count both families: its input once */
	head(f, "flowspec_input_errors_total", "counter",
	    "Input lines refused (not JSON, or not ExaBGP's), since the injector started.");
	{
		uint64_t errs = 0;
		bool any = false;

		for (i = 0; i < n; i++) {
			if (!fm[i].have_proc || (i > 0 && fm[0].have_proc && fm[0].proc.pid == fm[i].proc.pid))
				continue;
			errs += fm[i].proc.input_errors;
			any = true;
		}
		if (any)
			fprintf(f, "flowspec_input_errors_total %" PRIu64 "\n", errs);
	}
}

int fs_metrics_collect(const char *dir, const struct fs_xlate_opts *xo, unsigned mask, FILE *f,
    struct fs_err err[2])
{
	struct fam fm[2];
	size_t n = 0, i;
	int fam, bad = 0;

	memset(fm, 0, sizeof(fm));
	memset(err, 0, 2 * sizeof(*err));
	for (fam = 4; fam <= 6; fam += 2) {
		char path[4096];
		struct fs_err *e = &err[fam == 4 ? 0 : 1];

		if (!(mask & (fam == 4 ? FS_METRICS_V4 : FS_METRICS_V6)))
			continue;
		fm[n].family = fam;
		if (fs_status_path(path, sizeof(path), dir, xo->chain, fam) < 0) {
			fs_err_set(e, FS_E_VALUE, "state directory path too long: %s", dir);
			bad++;
			n++;
			continue;
		}
		fm[n].have_hdr = fs_status_read_header(path, fam, &fm[n].hdr) == 0;
		if (fs_status_load(path, fam, xo, &fm[n].st, e) < 0) {
			bad++;
		} else if (make_ids(&fm[n]) < 0) {
			fs_status_free(fm[n].st);
			fm[n].st = NULL;
			fs_err_set(e, FS_E_NOMEM, "out of memory");
			bad++;
		}
		if (fs_metrics_proc_path(path, sizeof(path), dir, xo->chain, fam) == 0)
			fm[n].have_proc = fs_metrics_proc_read(path, fam, &fm[n].proc) == 0;
		n++;
	}
	render(fm, n, xo->chain, f);
	for (i = 0; i < n; i++) {
		fs_status_free(fm[i].st);
		free(fm[i].id);
	}
	return bad;
}

int fs_metrics_write_file(const char *path, const char *dir, const struct fs_xlate_opts *xo,
    unsigned mask, struct fs_err *err)
{
	char tmp[4096];
	struct fs_err ignored[2];
	FILE *f = tmp_open(path, tmp, sizeof(tmp), err);

	if (f == NULL)
		return -1;
	fs_metrics_collect(dir, xo, mask, f, ignored);
	return tmp_commit(f, tmp, path, err);
}
