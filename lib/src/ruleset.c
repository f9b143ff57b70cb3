/*
 * ruleset.c - desired state as a hash of (peer, key) -> route.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ruleset.h"

struct entry {
	struct entry *next;
	uint32_t hash;
	char peer[48];
	uint8_t *key;
	size_t klen;
	struct fs_route *route;
	unsigned gen;        /* fs_ruleset_sync's mark */
};

struct peercount {
	char peer[48];
	size_t n;
};

struct fs_ruleset {
	struct entry **b;
	size_t nb, n, max, max_peer;
	unsigned gen;
	struct peercount *pc;   /* routes stored per peer */
	size_t npc;
};

/* The count of peer, created at 0 when absent; NULL on allocation failure. */
static struct peercount *pc_get(struct fs_ruleset *rs, const char *peer)
{
	struct peercount *v;
	size_t i;

	for (i = 0; i < rs->npc; i++)
		if (strcmp(rs->pc[i].peer, peer) == 0)
			return &rs->pc[i];
	v = realloc(rs->pc, (rs->npc + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	rs->pc = v;
	snprintf(v[rs->npc].peer, sizeof(v[rs->npc].peer), "%s", peer);
	v[rs->npc].n = 0;
	return &rs->pc[rs->npc++];
}

static void pc_drop(struct fs_ruleset *rs, const char *peer)
{
	struct peercount *p = pc_get(rs, peer);

	if (p != NULL && p->n > 0)
		p->n--;
}

static uint32_t hash_of(const char *peer, const uint8_t *key, size_t klen)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; peer[i] != '\0'; i++) {
		h ^= (uint8_t)peer[i];
		h *= 16777619u;
	}
	h ^= 0xff;
	h *= 16777619u;
	for (i = 0; i < klen; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h;
}

struct fs_ruleset *fs_ruleset_new(void)
{
	struct fs_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->nb = 1024;
	rs->b = calloc(rs->nb, sizeof(*rs->b));
	if (rs->b == NULL) {
		free(rs);
		return NULL;
	}
	rs->max = FS_RULESET_MAX_DEFAULT;
	return rs;
}

static void entry_free(struct entry *e)
{
	fs_route_free(e->route);
	free(e->key);
	free(e);
}

void fs_ruleset_free(struct fs_ruleset *rs)
{
	if (rs == NULL)
		return;
	fs_ruleset_flush(rs, NULL);
	free(rs->b);
	free(rs->pc);
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

static struct entry **find(const struct fs_ruleset *rs, const char *peer, const uint8_t *key,
    size_t klen, uint32_t h)
{
	struct entry **pe = &rs->b[h & (rs->nb - 1)];

	for (; *pe != NULL; pe = &(*pe)->next)
		if ((*pe)->hash == h && (*pe)->klen == klen && memcmp((*pe)->key, key, klen) == 0 &&
		    strcmp((*pe)->peer, peer) == 0)
			return pe;
	return pe;
}

int fs_ruleset_announce(struct fs_ruleset *rs, const char *peer, struct fs_route *route,
    struct fs_err *err)
{
	uint8_t key[FS_KEY_MAX];
	int klen = fs_route_key(route, key, sizeof(key));
	struct entry **pe, *e;
	struct peercount *pc;
	uint32_t h;

	if (klen < 0) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_LIMIT, "route NLRI longer than %d bytes", FS_KEY_MAX);
	}
	h = hash_of(peer, key, (size_t)klen);
	pe = find(rs, peer, key, (size_t)klen, h);
	if (*pe != NULL) {
		fs_route_free((*pe)->route);
		(*pe)->route = route;
		return 1;
	}
	if (rs->max != 0 && rs->n >= rs->max) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_LIMIT, "route limit of %zu reached", rs->max);
	}
	pc = pc_get(rs, peer);
	if (pc == NULL) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
	}
	if (rs->max_peer != 0 && pc->n >= rs->max_peer) {
		fs_route_free(route);
		return fs_err_set(err, FS_E_LIMIT, "per-neighbor route limit of %zu reached",
		    rs->max_peer);
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->key = malloc((size_t)klen)) == NULL) {
		free(e);
		fs_route_free(route);
		return fs_err_set(err, FS_E_NOMEM, "out of memory storing a route");
	}
	memcpy(e->key, key, (size_t)klen);
	e->klen = (size_t)klen;
	e->hash = h;
	e->route = route;
	snprintf(e->peer, sizeof(e->peer), "%s", peer);
	*pe = e;
	rs->n++;
	pc->n++;
	if (rs->n > rs->nb)
		grow(rs);
	return 0;
}

int fs_ruleset_withdraw(struct fs_ruleset *rs, const char *peer, const struct fs_route *nlri)
{
	uint8_t key[FS_KEY_MAX];
	int klen = fs_route_key(nlri, key, sizeof(key));
	struct entry **pe, *e;

	if (klen < 0)
		return 0;
	pe = find(rs, peer, key, (size_t)klen, hash_of(peer, key, (size_t)klen));
	if (*pe == NULL)
		return 0;
	e = *pe;
	*pe = e->next;
	pc_drop(rs, e->peer);
	entry_free(e);
	rs->n--;
	return 1;
}

size_t fs_ruleset_flush(struct fs_ruleset *rs, const char *peer)
{
	size_t i, n = 0;

	for (i = 0; i < rs->nb; i++) {
		struct entry **pe = &rs->b[i];

		while (*pe != NULL) {
			struct entry *e = *pe;

			if (peer == NULL || strcmp(e->peer, peer) == 0) {
				*pe = e->next;
				pc_drop(rs, e->peer);
				entry_free(e);
				n++;
			} else {
				pe = &e->next;
			}
		}
	}
	rs->n -= n;
	return n;
}

int fs_ruleset_sync(struct fs_ruleset *rs, const char *peer, enum fs_family family,
    struct fs_route **routes, size_t n, struct fs_sync_counts *c, struct fs_err *err)
{
	uint8_t key[FS_KEY_MAX];
	size_t i, have = 0;
	unsigned g = ++rs->gen;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < rs->nb; i++) {
		const struct entry *e;

		for (e = rs->b[i]; e != NULL; e = e->next)
			if (e->route->family == family && strcmp(e->peer, peer) == 0)
				have++;
	}
	if (rs->max_peer != 0 && n > rs->max_peer) {
		for (i = 0; i < n; i++)
			fs_route_free(routes[i]);
		return fs_err_set(err, FS_E_LIMIT, "%zu routes would exceed the per-neighbor route "
		    "limit of %zu", n, rs->max_peer);
	}
	if (rs->max != 0 && rs->n - have + n > rs->max) {
		for (i = 0; i < n; i++)
			fs_route_free(routes[i]);
		return fs_err_set(err, FS_E_LIMIT, "%zu routes would exceed the route limit of %zu",
		    rs->n - have + n, rs->max);
	}
	for (i = 0; i < n; i++) {
		int klen = fs_route_key(routes[i], key, sizeof(key));
		struct entry **pe;
		uint32_t h;

		if (klen < 0 || routes[i]->family != family) {
			fs_route_free(routes[i]);
			continue;
		}
		h = hash_of(peer, key, (size_t)klen);
		pe = find(rs, peer, key, (size_t)klen, h);
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
		if (fs_ruleset_announce(rs, peer, routes[i], err) < 0) {
			rc = -1;
			continue;
		}
		pe = find(rs, peer, key, (size_t)klen, hash_of(peer, key, (size_t)klen));
		if (*pe != NULL)
			(*pe)->gen = g;
		c->added++;
	}
	if (rc < 0) {
		/* keep what was not re-announced: the next sync completes the job */
		return -1;
	}
	for (i = 0; i < rs->nb; i++) {
		struct entry **pe = &rs->b[i];

		while (*pe != NULL) {
			struct entry *e = *pe;

			if (e->gen != g && e->route->family == family && strcmp(e->peer, peer) == 0) {
				*pe = e->next;
				pc_drop(rs, e->peer);
				entry_free(e);
				rs->n--;
				c->removed++;
			} else {
				pe = &e->next;
			}
		}
	}
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
	return strcmp(x->peer, y->peer);
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
	/* one route per NLRI: the lowest peer address wins */
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
