/*
 * ruleset.c - desired state as a hash of (peer, key) -> route, and a
 * hash of the peers that have routes, each with the list of its routes.
 *
 * A peer exists while it has at least one route, so the peer map is
 * bounded by the route cap and shrinks when a neighbor's last route goes;
 * a peer's count, flush and sync cost its own routes, not the table's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ruleset.h"

struct peer;

struct entry {
	struct entry *next;    /* in the route hash's bucket */
	struct entry *pnext;   /* in its peer's list */
	struct entry **pprev;  /* what points to it in its peer's list */
	uint32_t hash;
	struct peer *peer;
	uint8_t *key;
	size_t klen;
	struct fs_route *route;
	unsigned gen;        /* fs_ruleset_sync's mark */
};

struct peer {
	struct peer *next;     /* in the peer hash's bucket */
	uint32_t fnv;          /* FNV-1a state after the name (and a separator) */
	size_t n;              /* routes stored */
	struct entry *head;    /* its routes */
	char name[];           /* canonical (fs_peer_canon) when it is an address */
};

#define PEER_BUCKETS_MIN 16

struct fs_ruleset {
	struct entry **b;
	size_t nb, n, max, max_peer;
	unsigned gen;
	struct peer **pb;      /* the peers with routes */
	size_t npb, npeers;
};

int fs_peer_canon(const char *s, char *out, size_t cap)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];
	int fam;

	if (inet_pton(AF_INET, s, a) == 1) {
		fam = FS_INET;
		inet_ntop(AF_INET, a, buf, sizeof(buf));
	} else if (inet_pton(AF_INET6, s, a) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			/* ::ffff:a.b.c.d is the IPv4 neighbor a.b.c.d */
			fam = FS_INET;
			inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
		} else {
			fam = FS_INET6;
			inet_ntop(AF_INET6, a, buf, sizeof(buf));
		}
	} else {
		return 0;
	}
	if (strlen(buf) >= cap)
		return 0;
	memcpy(out, buf, strlen(buf) + 1);
	return fam;
}

/* The name a peer is stored under: the canonical address, or s itself. */
static const char *peer_name(const char *s, char *buf, size_t cap)
{
	return fs_peer_canon(s, buf, cap) != 0 ? buf : s;
}

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t name_fnv(const char *name)
{
	uint32_t h = fnv(2166136261u, (const uint8_t *)name, strlen(name));

	return fnv(h, (const uint8_t[]){ 0xff }, 1);
}

/* The peer stored as name (canonical), or NULL. */
static struct peer *peer_find(const struct fs_ruleset *rs, const char *name, uint32_t h)
{
	struct peer *p;

	for (p = rs->pb[h & (rs->npb - 1)]; p != NULL; p = p->next)
		if (p->fnv == h && strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Rehashes the peers into nb buckets; keeps the old table when out of memory. */
static void peer_rehash(struct fs_ruleset *rs, size_t nb)
{
	struct peer **b = calloc(nb, sizeof(*b));
	size_t i;

	if (b == NULL)
		return; /* longer chains, still correct */
	for (i = 0; i < rs->npb; i++) {
		struct peer *p = rs->pb[i], *next;

		for (; p != NULL; p = next) {
			next = p->next;
			p->next = b[p->fnv & (nb - 1)];
			b[p->fnv & (nb - 1)] = p;
		}
	}
	free(rs->pb);
	rs->pb = b;
	rs->npb = nb;
}

/* The peer of name (canonical), created with no routes when absent; NULL when out of memory. */
static struct peer *peer_get(struct fs_ruleset *rs, const char *name)
{
	uint32_t h = name_fnv(name);
	struct peer *p = peer_find(rs, name, h);
	size_t len = strlen(name);

	if (p != NULL)
		return p;
	if ((p = calloc(1, sizeof(*p) + len + 1)) == NULL)
		return NULL;
	memcpy(p->name, name, len + 1);
	p->fnv = h;
	p->next = rs->pb[h & (rs->npb - 1)];
	rs->pb[h & (rs->npb - 1)] = p;
	if (++rs->npeers > rs->npb)
		peer_rehash(rs, rs->npb * 2);
	return p;
}

/* Frees p when it has no routes left (the map shrinks with it). */
static void peer_release(struct fs_ruleset *rs, struct peer *p)
{
	struct peer **pp;

	if (p == NULL || p->n > 0)
		return;
	for (pp = &rs->pb[p->fnv & (rs->npb - 1)]; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	free(p);
	rs->npeers--;
	if (rs->npb > PEER_BUCKETS_MIN && rs->npeers < rs->npb / 4)
		peer_rehash(rs, rs->npb / 2);
}

static uint32_t hash_of(const struct peer *p, const uint8_t *key, size_t klen)
{
	return fnv(p->fnv, key, klen);
}

struct fs_ruleset *fs_ruleset_new(void)
{
	struct fs_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->nb = 1024;
	rs->b = calloc(rs->nb, sizeof(*rs->b));
	rs->npb = PEER_BUCKETS_MIN;
	rs->pb = calloc(rs->npb, sizeof(*rs->pb));
	if (rs->b == NULL || rs->pb == NULL) {
		free(rs->b);
		free(rs->pb);
		free(rs);
		return NULL;
	}
	rs->max = FS_RULESET_MAX_DEFAULT;
	return rs;
}

void fs_ruleset_free(struct fs_ruleset *rs)
{
	if (rs == NULL)
		return;
	fs_ruleset_flush(rs, NULL);
	free(rs->b);
	free(rs->pb);
	free(rs);
}

void fs_ruleset_set_max(struct fs_ruleset *rs, size_t max)
{
	rs->max = max;
}

void fs_ruleset_set_max_per_peer(struct fs_ruleset *rs, size_t max)
{
	rs->max_peer = max;
}

size_t fs_ruleset_count(const struct fs_ruleset *rs)
{
	return rs->n;
}

size_t fs_ruleset_peers(const struct fs_ruleset *rs)
{
	return rs->npeers;
}

static void grow(struct fs_ruleset *rs)
{
	size_t nb = rs->nb * 2, i;
	struct entry **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return; /* keep the old table: longer chains, still correct */
	for (i = 0; i < rs->nb; i++) {
		struct entry *e = rs->b[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(rs->b);
	rs->b = b;
	rs->nb = nb;
}

static struct entry **find(const struct fs_ruleset *rs, const struct peer *p, const uint8_t *key,
    size_t klen, uint32_t h)
{
	struct entry **pe = &rs->b[h & (rs->nb - 1)];

	for (; *pe != NULL; pe = &(*pe)->next)
		if ((*pe)->hash == h && (*pe)->peer == p && (*pe)->klen == klen &&
		    memcmp((*pe)->key, key, klen) == 0)
			return pe;
	return pe;
}

/* Unlinks e from both lists and frees it; its peer stays (peer_release). */
static void entry_remove(struct fs_ruleset *rs, struct entry *e)
{
	struct entry **pe = &rs->b[e->hash & (rs->nb - 1)];

	while (*pe != e)
		pe = &(*pe)->next;
	*pe = e->next;
	*e->pprev = e->pnext;
	if (e->pnext != NULL)
		e->pnext->pprev = e->pprev;
	e->peer->n--;
	rs->n--;
	fs_route_free(e->route);
	free(e->key);
	free(e);
}

/* Stores route (owned on success) for p under key; NULL when out of memory. */
static struct entry *entry_add(struct fs_ruleset *rs, struct peer *p, struct entry **pe,
    const uint8_t *key, size_t klen, uint32_t h, struct fs_route *route)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->key = malloc(klen)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->key, key, klen);
	e->klen = klen;
	e->hash = h;
	e->route = route;
	e->peer = p;
	*pe = e;
	e->pnext = p->head;
	if (p->head != NULL)
		p->head->pprev = &e->pnext;
	p->head = e;
	e->pprev = &p->head;
	p->n++;
	rs->n++;
	if (rs->n > rs->nb)
		grow(rs);
	return e;
}

int fs_ruleset_announce(struct fs_ruleset *rs, const char *peer, struct fs_route *route,
    struct fs_err *err)
{
	uint8_t key[FS_KEY_MAX];
	int klen = fs_route_key(route, key, sizeof(key));
	char buf[INET6_ADDRSTRLEN];
	struct entry **pe;
	struct peer *p;
	uint32_t h;

	if (klen < 0) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_LIMIT, "route NLRI longer than %d bytes", FS_KEY_MAX);
	}
	if ((p = peer_get(rs, peer_name(peer, buf, sizeof(buf)))) == NULL) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
	}
	h = hash_of(p, key, (size_t)klen);
	pe = find(rs, p, key, (size_t)klen, h);
	if (*pe != NULL) {
		fs_route_free((*pe)->route);
		(*pe)->route = route;
		return 1;
	}
	if (rs->max != 0 && rs->n >= rs->max) {
		fs_route_free(route);
		peer_release(rs, p);
		return fs_err_set(err, FS_E_LIMIT, "route limit of %zu reached", rs->max);
	}
	if (rs->max_peer != 0 && p->n >= rs->max_peer) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_LIMIT, "per-neighbor route limit of %zu reached",
		    rs->max_peer);
	}
	if (entry_add(rs, p, pe, key, (size_t)klen, h, route) == NULL) {
		fs_route_free(route);
		peer_release(rs, p);
		return fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
	}
	return 0;
}

int fs_ruleset_withdraw(struct fs_ruleset *rs, const char *peer, const struct fs_route *nlri)
{
	uint8_t key[FS_KEY_MAX];
	int klen = fs_route_key(nlri, key, sizeof(key));
	char buf[INET6_ADDRSTRLEN];
	const char *name = peer_name(peer, buf, sizeof(buf));
	struct peer *p = peer_find(rs, name, name_fnv(name));
	struct entry **pe;

	if (klen < 0 || p == NULL)
		return 0;
	pe = find(rs, p, key, (size_t)klen, hash_of(p, key, (size_t)klen));
	if (*pe == NULL)
		return 0;
	entry_remove(rs, *pe);
	peer_release(rs, p);
	return 1;
}

size_t fs_ruleset_flush(struct fs_ruleset *rs, const char *peer)
{
	char buf[INET6_ADDRSTRLEN];
	const char *name;
	struct peer *p;
	size_t i, n = 0;

	if (peer == NULL) {
		for (i = 0; i < rs->nb; i++) {
			struct entry *e = rs->b[i], *next;

			for (; e != NULL; e = next) {
				next = e->next;
				fs_route_free(e->route);
				free(e->key);
				free(e);
				n++;
			}
			rs->b[i] = NULL;
		}
		for (i = 0; i < rs->npb; i++) {
			struct peer *q = rs->pb[i], *next;

			for (; q != NULL; q = next) {
				next = q->next;
				free(q);
			}
			rs->pb[i] = NULL;
		}
		rs->n = 0;
		rs->npeers = 0;
		return n;
	}
	name = peer_name(peer, buf, sizeof(buf));
	if ((p = peer_find(rs, name, name_fnv(name))) == NULL)
		return 0;
	while (p->head != NULL) {
		entry_remove(rs, p->head);
		n++;
	}
	peer_release(rs, p);
	return n;
}

int fs_ruleset_sync(struct fs_ruleset *rs, const char *peer, enum fs_family family,
    struct fs_route **routes, size_t n, struct fs_sync_counts *c, struct fs_err *err)
{
	uint8_t key[FS_KEY_MAX];
	char buf[INET6_ADDRSTRLEN];
	const char *name = peer_name(peer, buf, sizeof(buf));
	struct peer *p = peer_find(rs, name, name_fnv(name));
	struct entry *e, *next;
	size_t i, have = 0;
	unsigned g = ++rs->gen;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	for (e = p != NULL ? p->head : NULL; e != NULL; e = e->pnext)
		if (e->route->family == family)
			have++;
	/* the caps hold for the result (the peer's other family included), so
	 * that nothing changes when they would not */
	if (rs->max_peer != 0 && (p != NULL ? p->n - have : 0) + n > rs->max_peer) {
		size_t total = (p != NULL ? p->n - have : 0) + n;

		for (i = 0; i < n; i++)
			fs_route_free(routes[i]);
		return fs_err_set(err, FS_E_LIMIT, "%zu routes would exceed the per-neighbor route "
		    "limit of %zu", total, rs->max_peer);
	}
	if (rs->max != 0 && rs->n - have + n > rs->max) {
		for (i = 0; i < n; i++)
			fs_route_free(routes[i]);
		return fs_err_set(err, FS_E_LIMIT, "%zu routes would exceed the route limit of %zu",
		    rs->n - have + n, rs->max);
	}
	if (p == NULL && n > 0 && (p = peer_get(rs, name)) == NULL) {
		for (i = 0; i < n; i++)
			fs_route_free(routes[i]);
		return fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
	}
	for (i = 0; i < n; i++) {
		int klen = fs_route_key(routes[i], key, sizeof(key));
		struct entry **pe;
		uint32_t h;

		if (klen < 0 || routes[i]->family != family) {
			fs_route_free(routes[i]);
			continue;
		}
		h = hash_of(p, key, (size_t)klen);
		pe = find(rs, p, key, (size_t)klen, h);
		if (*pe != NULL) {
			(*pe)->gen = g;
			if (fs_route_same((*pe)->route, routes[i])) {
				fs_route_free(routes[i]);
				c->same++;
			} else {
				fs_route_free((*pe)->route);
				(*pe)->route = routes[i];
				c->changed++;
			}
			continue;
		}
		/* the caps were checked for the whole set above */
		if ((e = entry_add(rs, p, pe, key, (size_t)klen, h, routes[i])) == NULL) {
			fs_route_free(routes[i]);
			fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
			rc = -1;
			continue;
		}
		e->gen = g;
		c->added++;
	}
	if (rc < 0) {
		/* keep what was not re-announced: the next sync completes the job */
		peer_release(rs, p);
		return -1;
	}
	for (e = p != NULL ? p->head : NULL; e != NULL; e = next) {
		next = e->pnext;
		if (e->gen != g && e->route->family == family) {
			entry_remove(rs, e);
			c->removed++;
		}
	}
	peer_release(rs, p);
	return 0;
}

static int by_key_peer(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	size_t l = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, l);

	if (c != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return strcmp(x->peer->name, y->peer->name);
}

static int by_order(const void *a, const void *b, void *ctx)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return fs_route_cmp_keyed(x->route, x->key, x->klen, y->route, y->key, y->klen,
	    *(const enum fs_order_mode *)ctx);
}

int fs_ruleset_sorted(const struct fs_ruleset *rs, enum fs_family family,
    enum fs_order_mode mode, const struct fs_route ***out, size_t *n, struct fs_err *err)
{
	struct entry **v;
	const struct fs_route **r;
	size_t i, k = 0, m = 0;

	v = malloc((rs->n ? rs->n : 1) * sizeof(*v));
	if (v == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory sorting routes");
	for (i = 0; i < rs->nb; i++) {
		struct entry *e;

		for (e = rs->b[i]; e != NULL; e = e->next)
			if (e->route->family == family)
				v[k++] = e;
	}
	/* one route per NLRI: the lowest peer (canonical text, string order) wins */
	qsort(v, k, sizeof(*v), by_key_peer);
	for (i = 0; i < k; i++)
		if (m == 0 || v[m - 1]->klen != v[i]->klen ||
		    memcmp(v[m - 1]->key, v[i]->key, v[i]->klen) != 0)
			v[m++] = v[i];
	qsort_r(v, m, sizeof(*v), by_order, &mode);
	r = malloc((m ? m : 1) * sizeof(*r));
	if (r == NULL) {
		free(v);
		return fs_err_set(err, FS_E_NOMEM, "out of memory sorting routes");
	}
	for (i = 0; i < m; i++)
		r[i] = v[i]->route;
	free(v);
	*out = r;
	*n = m;
	return 0;
}
