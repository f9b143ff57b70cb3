/*
 * feed.c - apply ExaBGP events to the desired state, and follow the
 * neighbors for the start-up hold (batch.c) and for protection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowspec/feed.h"
#include "flowspec/log.h"

int fs_feed_init(struct fs_feed *f, const struct fs_exabgp_opts *ex)
{
	memset(f, 0, sizeof(*f));
	f->ex = *ex;
	f->rs = fs_ruleset_new();
	return f->rs == NULL ? -1 : 0;
}

void fs_feed_free(struct fs_feed *f)
{
	if (f == NULL)
		return;
	fs_feed_report(f);
	fs_event_list_free(&f->ev);
	free(f->peers);
	free(f->peer_slot);
	f->peers = NULL;
	f->peer_slot = NULL;
	f->npeers = f->peers_cap = f->nslots = 0;
	fs_ruleset_free(f->rs);
	f->rs = NULL;
	free(f->known_text[0]);
	free(f->known_text[1]);
	f->known_text[0] = f->known_text[1] = NULL;
}

static uint32_t addr_hash(const char *addr)
{
	uint32_t h = 2166136261u;

	for (; *addr != '\0'; addr++) {
		h ^= (uint8_t)*addr;
		h *= 16777619u;
	}
	return h;
}

/* The slot of canonical addr in the index: its peer's, or the free one where it goes. */
static unsigned *slot_of(const struct fs_feed *f, const char *addr)
{
	unsigned i = addr_hash(addr) & (f->nslots - 1);

	for (;; i = (i + 1) & (f->nslots - 1))
		if (f->peer_slot[i] == 0 || strcmp(f->peers[f->peer_slot[i] - 1].addr, addr) == 0)
			return &f->peer_slot[i];
}

/* The neighbor of canonical addr, or NULL. */
static struct fs_feed_peer *peer_find(const struct fs_feed *f, const char *addr)
{
	unsigned *s;

	if (f->nslots == 0)
		return NULL;
	s = slot_of(f, addr);
	return *s != 0 ? &f->peers[*s - 1] : NULL;
}

/*
 * The neighbor of canonical addr, added when new; NULL when addr is empty,
 * the table is full (FS_FEED_PEERS_MAX) or memory is out.
 */
static struct fs_feed_peer *peer_get(struct fs_feed *f, const char *addr)
{
	struct fs_feed_peer *p;
	unsigned *s, i;

	if (addr[0] == '\0')
		return NULL;
	if ((p = peer_find(f, addr)) != NULL)
		return p;
	if (f->npeers == FS_FEED_PEERS_MAX)
		return NULL;
	if (f->npeers == f->peers_cap) {
		unsigned cap = f->peers_cap ? f->peers_cap * 2 : 16;

		if (cap > FS_FEED_PEERS_MAX)
			cap = FS_FEED_PEERS_MAX;
		if ((p = realloc(f->peers, cap * sizeof(*p))) == NULL)
			return NULL;
		f->peers = p;
		f->peers_cap = cap;
	}
	if (2 * (f->npeers + 1) > f->nslots) {
		/* at most half full, so that probes stay short */
		unsigned n = f->nslots ? f->nslots * 2 : 32, *old = f->peer_slot;
		unsigned *v = calloc(n, sizeof(*v));

		if (v == NULL)
			return NULL;
		f->peer_slot = v;
		f->nslots = n;
		for (i = 0; i < f->npeers; i++)
			*slot_of(f, f->peers[i].addr) = i + 1;
		free(old);
	}
	p = &f->peers[f->npeers];
	memset(p, 0, sizeof(*p));
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	s = slot_of(f, p->addr);
	*s = ++f->npeers;
	return p;
}

/* A neighbor that speaks is up, even when its "up" came before this process started. */
static void peer_active(struct fs_feed *f, struct fs_feed_peer *p)
{
	if (p->up)
		return;
	p->up = true;
	p->eor[0] = p->eor[1] = false;
	p->last[0] = p->last[1] = f->now_ms;
}

/* Follows neighbor e->peer through event e (called before e is applied). */
static void track(struct fs_feed *f, const struct fs_event *e)
{
	struct fs_feed_peer *p = peer_get(f, e->peer.addr);
	int fi;

	if (e->kind == FS_EV_SHUTDOWN) {
		for (unsigned i = 0; i < f->npeers; i++)
			f->peers[i].up = false;
		return;
	}
	if (p == NULL)
		return;
	switch (e->kind) {
	case FS_EV_ANNOUNCE:
	case FS_EV_WITHDRAW:
		fi = FS_FEED_FI(e->route->family);
		peer_active(f, p);
		p->known[fi] = true;
		p->last[fi] = f->now_ms;
		break;
	case FS_EV_EOR:
		fi = FS_FEED_FI(e->family);
		peer_active(f, p);
		p->known[fi] = true;
		p->eor[fi] = true;
		break;
	case FS_EV_STATE:
		if (e->state == FS_PEER_UP) {
			p->up = true;
			p->last[0] = p->last[1] = f->now_ms;
		} else if (e->state == FS_PEER_DOWN) {
			p->up = false;
		} else {
			break;
		}
		p->eor[0] = p->eor[1] = false;
		break;
	default:
		break;
	}
}

/* The summary slot of reason (the last one takes every reason beyond the others). */
static struct fs_feed_warn *warn_slot(struct fs_feed *f, const char *reason)
{
	unsigned i;

	for (i = 0; i < FS_FEED_WARN_REASONS; i++) {
		struct fs_feed_warn *w = &f->warn[i];

		if (w->reason[0] == '\0')
			snprintf(w->reason, sizeof(w->reason), "%s",
			    i + 1 < FS_FEED_WARN_REASONS ? reason : "other reasons");
		if (strcmp(w->reason, reason) == 0 || i + 1 == FS_FEED_WARN_REASONS)
			return w;
	}
	return &f->warn[FS_FEED_WARN_REASONS - 1];
}

/* A route of neighbor peer (line origin) was not stored for reason: logged, or counted. */
static void warn_not_stored(struct fs_feed *f, const char *origin, const char *peer,
    const char *reason)
{
	struct fs_feed_warn *w;
	unsigned i;

	if (f->now_ms >= f->warn_window_ms + FS_FEED_WARN_WINDOW_MS || f->now_ms < f->warn_window_ms) {
		f->warn_window_ms = f->now_ms;
		for (i = 0; i < FS_FEED_WARN_REASONS; i++)
			f->warn[i].shown = 0;
	}
	w = warn_slot(f, reason);
	if (w->shown < FS_FEED_WARN_FULL) {
		w->shown++;
		log_warnx("%s: neighbor %s: route not stored: %s%s", origin, peer, reason,
		    w->shown == FS_FEED_WARN_FULL ? " (more for this reason are counted, not "
		    "listed)" : "");
	} else {
		w->held++;
	}
}

void fs_feed_report(struct fs_feed *f)
{
	unsigned i;

	for (i = 0; i < FS_FEED_WARN_REASONS; i++) {
		struct fs_feed_warn *w = &f->warn[i];

		if (w->held == 0)
			continue;
		log_warnx("%lu more route%s not stored: %s", w->held, w->held == 1 ? "" : "s",
		    w->reason);
		w->held = 0;
	}
	if (f->ups_held > 0)
		log_info("%lu more neighbor%s up", f->ups_held, f->ups_held == 1 ? "" : "s");
	f->ups_held = 0;
	f->warn_said_ms = f->now_ms;
}

/*
 * Logs neighbor e->peer going down or coming up (n: its routes removed),
 * without repeating itself (feed.h).
 */
static void say_state(struct fs_feed *f, const struct fs_event *e, size_t n)
{
	struct fs_feed_peer *p = peer_find(f, e->peer.addr);
	const char *a = e->peer.addr;

	if (p == NULL) { /* not followed (the table is full): as it comes */
		log_info("neighbor %s %s: %zu routes removed", a, e->state == FS_PEER_DOWN ? "down" :
		    "up", n);
		return;
	}
	if (e->state == FS_PEER_DOWN) {
		if (p->down_said_ms != 0 && f->now_ms >= p->down_said_ms &&
		    f->now_ms - p->down_said_ms < FS_FEED_DOWN_REPEAT_MS) {
			p->downs_held++;
			log_debug("neighbor %s down again (%s): %zu routes removed", a, e->reason, n);
			return;
		}
		if (p->downs_held > 0)
			log_info("neighbor %s down (%s): %zu routes removed; down %lu more time%s in the "
			    "last %llu s", a, e->reason, n, p->downs_held, p->downs_held == 1 ? "" : "s",
			    (unsigned long long)(f->now_ms - p->down_said_ms) / 1000);
		else
			log_info("neighbor %s down (%s): %zu routes removed", a, e->reason, n);
		p->said = FS_FEED_SAID_DOWN;
		p->down_said_ms = f->now_ms != 0 ? f->now_ms : 1;
		p->downs_held = 0;
		return;
	}
	if (p->said == FS_FEED_SAID_UP) {
		log_debug("neighbor %s up again: %zu stale routes removed", a, n);
		return;
	}
	p->said = FS_FEED_SAID_UP;
	if (f->now_ms >= f->up_window_ms + FS_FEED_WARN_WINDOW_MS || f->now_ms < f->up_window_ms) {
		f->up_window_ms = f->now_ms;
		f->ups_shown = 0;
	}
	if (f->ups_shown >= FS_FEED_UP_FULL && n == 0) {
		f->ups_held++;
		log_debug("neighbor %s up", a);
		return;
	}
	f->ups_shown++;
	if (n > 0)
		log_info("neighbor %s up: %zu stale routes removed", a, n);
	else
		log_info("neighbor %s up%s", a, f->ups_shown == FS_FEED_UP_FULL ?
		    " (more neighbors coming up are counted, not named)" : "");
}

static void apply(struct fs_feed *f, struct fs_event *e, const char *origin)
{
	struct fs_err err;
	size_t n;

	track(f, e);

	switch (e->kind) {
	case FS_EV_ANNOUNCE:
		f->st.announces++;
		f->changes++;
		f->dirty |= e->route->family == FS_INET ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6;
		if (fs_ruleset_announce(f->rs, e->peer.addr, e->route, &err) < 0)
			warn_not_stored(f, origin, e->peer.addr, err.msg);
		e->route = NULL; /* the ruleset took it */
		break;
	case FS_EV_WITHDRAW:
		f->st.withdraws++;
		if (fs_ruleset_withdraw(f->rs, e->peer.addr, e->route) == 0) {
			log_debug("neighbor %s: withdraw of a route it does not have", e->peer.addr);
		} else {
			f->changes++;
			f->dirty |= e->route->family == FS_INET ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6;
		}
		break;
	case FS_EV_STATE:
		if (e->state != FS_PEER_DOWN && e->state != FS_PEER_UP)
			break;
		/* ExaBGP sends no withdraws when a session ends: flush the peer */
		n = fs_ruleset_flush(f->rs, e->peer.addr);
		f->st.flushed += n;
		if (n > 0) {
			f->changes += n;
			f->dirty |= FS_FEED_DIRTY4 | FS_FEED_DIRTY6;
		}
		if (e->state == FS_PEER_UP)
			f->peers_up++;
		else if (f->peers_up > 0)
			f->peers_up--;
		if (e->state == FS_PEER_DOWN)
			f->st.downs++;
		say_state(f, e, n);
		break;
	case FS_EV_SHUTDOWN:
		n = fs_ruleset_flush(f->rs, NULL);
		f->st.flushed += n;
		f->changes += n;
		f->dirty |= FS_FEED_DIRTY4 | FS_FEED_DIRTY6;
		f->shutdown = true;
		log_info("ExaBGP is shutting down: %zu routes removed", n);
		break;
	case FS_EV_EOR:
		f->st.eors++;
		log_debug("neighbor %s: end-of-RIB for IPv%d flow", e->peer.addr, e->family);
		break;
	case FS_EV_NOTIFICATION:
		log_info("neighbor %s: NOTIFICATION %u/%u", e->peer.addr, e->code, e->subcode);
		break;
	}
}

int fs_feed_line(struct fs_feed *f, const char *line, size_t len, const char *origin,
    struct fs_err *err)
{
	char canon[FS_PEER_ADDR_MAX], q[FS_ERR_QUOTE_MAX + 8];
	size_t i;

	f->st.lines++;
	if (fs_exabgp_parse_line(&f->ex, line, len, origin, &f->ev, err) < 0) {
		f->st.errors++;
		return -1;
	}
	/* every neighbor as an address, in one spelling, and one the table can follow */
	for (i = 0; i < f->ev.n; i++) {
		struct fs_peer *pe = &f->ev.ev[i].peer;

		if (pe->addr[0] == '\0')
			continue;
		if (fs_peer_canon(pe->addr, canon, sizeof(canon)) == 0) {
			fs_err_quote(q, sizeof(q), pe->addr, strlen(pe->addr));
			fs_err_set(err, FS_E_VALUE, "%s: neighbor.address.peer: not an IP address: \"%s\"",
			    origin, q);
			goto refuse;
		}
		memcpy(pe->addr, canon, strlen(canon) + 1);
		/* followed before anything of it is applied (a line has one neighbor) */
		if (peer_get(f, pe->addr) == NULL) {
			if (f->npeers >= FS_FEED_PEERS_MAX)
				fs_err_set(err, FS_E_LIMIT, "%s: neighbor %s: more than %u neighbors; its "
				    "line is refused (its routes are not stored)", origin, pe->addr,
				    FS_FEED_PEERS_MAX);
			else
				fs_err_set(err, FS_E_NOMEM, "%s: neighbor %s: out of memory following it",
				    origin, pe->addr);
			goto refuse;
		}
	}
	for (i = 0; i < f->ev.n; i++)
		apply(f, &f->ev.ev[i], origin);
	fs_event_list_clear(&f->ev);
	if (f->now_ms >= f->warn_said_ms + FS_FEED_WARN_SUMMARY_MS)
		fs_feed_report(f);
	return 0;
refuse:
	fs_event_list_clear(&f->ev);
	f->st.errors++;
	return -1;
}

int fs_feed_known_path(char *buf, size_t cap, const char *dir, const char *chain, int family)
{
	int n = snprintf(buf, cap, "%s/%s.v%d.neighbors", dir, chain, family);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

#define KNOWN_HEADER "# flowspec-acl neighbors v1 IPv%d\n"
/* the header and FS_FEED_PEERS_MAX of the longest addresses, each on its line */
#define KNOWN_FILE_MAX (64u + (size_t)FS_FEED_PEERS_MAX * FS_PEER_ADDR_MAX)

struct known_line {
	char addr[FS_PEER_ADDR_MAX];  /* canonical */
	unsigned lineno;
};

static int by_addr_line(const void *a, const void *b)
{
	const struct known_line *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);

	return c != 0 ? c : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

int fs_feed_known_load(struct fs_feed *f, enum fs_family family, const char *path,
    struct fs_err *err)
{
	char header[64], limit[64], *buf = NULL, *work = NULL, *line, *next;
	char q[FS_ERR_QUOTE_MAX + 8];
	struct known_line *v = NULL, *sorted = NULL, *nv;
	unsigned n = 0, cap = 0, i, lineno = 1, lost = 0, dup = 0;
	int fi = FS_FEED_FI(family);
	size_t len;

	snprintf(limit, sizeof(limit), "%zu bytes (%u neighbors)", (size_t)KNOWN_FILE_MAX,
	    FS_FEED_PEERS_MAX);
	if (fs_read_file(path, KNOWN_FILE_MAX, limit, &buf, &len, err) < 0)
		return errno == ENOENT ? 1 : -1;
	snprintf(header, sizeof(header), KNOWN_HEADER, family);
	if (strlen(buf) != len || strncmp(buf, header, strlen(header)) != 0) {
		fs_err_quote(q, sizeof(q), buf, strcspn(buf, "\n"));
		fs_err_set(err, FS_E_SYNTAX, "%s:1: not a neighbors file of IPv%d: \"%s\"", path, family,
		    q);
		goto bad;
	}
	if ((work = strdup(buf)) == NULL) {
		fs_err_set(err, FS_E_NOMEM, "out of memory reading %s", path);
		goto bad;
	}
	for (line = work + strlen(header); *line != '\0'; line = next) {
		char *nl = strchr(line, '\n');

		lineno++;
		if (nl == NULL) {
			fs_err_quote(q, sizeof(q), line, strlen(line));
			fs_err_set(err, FS_E_SYNTAX, "%s:%u: the last line has no newline: \"%s\"", path,
			    lineno, q);
			goto bad;
		}
		*nl = '\0';
		next = nl + 1;
		if (n == FS_FEED_PEERS_MAX) {
			fs_err_set(err, FS_E_LIMIT, "%s:%u: more than %u neighbors", path, lineno,
			    FS_FEED_PEERS_MAX);
			goto bad;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				fs_err_set(err, FS_E_NOMEM, "out of memory reading %s", path);
				goto bad;
			}
			v = nv;
		}
		if (fs_peer_canon(line, v[n].addr, sizeof(v[n].addr)) == 0) {
			fs_err_quote(q, sizeof(q), line, strlen(line));
			fs_err_set(err, FS_E_VALUE, "%s:%u: not a neighbor address: \"%s\"", path, lineno, q);
			goto bad;
		}
		v[n++].lineno = lineno;
	}
	/* twice, in any spelling: the first line (in file order) that repeats one */
	if (n > 1) {
		if ((sorted = malloc(n * sizeof(*sorted))) == NULL) {
			fs_err_set(err, FS_E_NOMEM, "out of memory reading %s", path);
			goto bad;
		}
		memcpy(sorted, v, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), by_addr_line);
		for (i = 1; i < n; i++)
			if (strcmp(sorted[i - 1].addr, sorted[i].addr) == 0 &&
			    (dup == 0 || sorted[i].lineno < sorted[dup].lineno))
				dup = i;
		if (dup != 0) {
			unsigned first = dup;

			while (first > 0 && strcmp(sorted[first - 1].addr, sorted[dup].addr) == 0)
				first--;
			fs_err_set(err, FS_E_VALUE, "%s:%u: neighbor %s is listed twice (first on line %u)",
			    path, sorted[dup].lineno, sorted[dup].addr, sorted[first].lineno);
			goto bad;
		}
	}
	/* the whole file is good: mark */
	for (i = 0; i < n; i++) {
		struct fs_feed_peer *p = peer_get(f, v[i].addr);

		if (p == NULL)
			lost++;
		else
			p->prev[fi] = true;
	}
	if (lost > 0)
		log_warnx("%s: %u neighbors beyond the %u this run can follow are not waited for",
		    path, lost, FS_FEED_PEERS_MAX);
	/* what is on disk now: rewritten only when it changes */
	free(f->known_text[fi]);
	f->known_text[fi] = buf;
	free(work);
	free(v);
	free(sorted);
	return 0;
bad:
	free(work);
	free(buf);
	free(v);
	free(sorted);
	return -1;
}

int fs_feed_known_save(struct fs_feed *f, enum fs_family family, bool committed,
    const char *path, struct fs_err *err)
{
	int fi = FS_FEED_FI(family);
	size_t cap = 64 + (size_t)f->npeers * (FS_PEER_ADDR_MAX + 1), len;
	char *text = malloc(cap), tmp[4200];
	FILE *fp = NULL;
	unsigned i;
	int rc = -1;

	if (text == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory writing %s", path);
	len = (size_t)snprintf(text, cap, KNOWN_HEADER, family);
	for (i = 0; i < f->npeers; i++) {
		const struct fs_feed_peer *p = &f->peers[i];

		if (p->known[fi] || (!committed && p->prev[fi]))
			len += (size_t)snprintf(text + len, cap - len, "%s\n", p->addr);
	}
	if (f->known_text[fi] != NULL && strcmp(f->known_text[fi], text) == 0) {
		free(text);
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fs_err_set(err, FS_E_LIMIT, "%s: path too long", path);
		goto out;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	if (fputs(text, fp) == EOF || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		fs_err_set(err, FS_E_SYSTEM, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) != 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot rename into place: %s", path, strerror(errno));
		goto out;
	}
	free(f->known_text[fi]);
	f->known_text[fi] = text;
	text = NULL;
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	if (rc < 0)
		unlink(tmp);
	free(text);
	return rc;
}
