/*
 * ruleset.h - the desired state: every route received, per neighbor.
 *
 * A route is identified by (neighbor, canonical key).  An announce of a
 * key the neighbor already has replaces it; a withdraw removes it; a
 * neighbor going down flushes all of its routes.  When two neighbors
 * announce the same NLRI, the one with the lowest address (the string
 * order of the canonical text) is applied and the other is kept in
 * reserve.
 *
 * Neighbors are compared as addresses: every function here takes a peer
 * that is an IPv4 or IPv6 address in any form inet_pton reads, and stores
 * it in canonical form (fs_peer_canon), so "2001:DB8::1", "2001:db8::1"
 * and "2001:db8:0::1" are one neighbor, and "::ffff:192.0.2.1" is
 * "192.0.2.1".  A peer that is not an address (FRR's one table, "frr") is
 * compared as text.  The per-neighbor bookkeeping is a hash that holds only
 * the neighbors with routes: it is bounded by the route cap and shrinks
 * when a neighbor's last route goes.
 */
#ifndef FLOWSPEC_RULESET_H
#define FLOWSPEC_RULESET_H

#include <stddef.h>

#include "flowspec/err.h"
#include "flowspec/order.h"
#include "flowspec/rule.h"

struct fs_ruleset;

/*
 * The canonical text of the neighbor address s in out (cap bytes; 46 hold
 * any): inet_ntop's form, and an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * as the IPv4 address.  FS_INET or FS_INET6 (the family of the canonical
 * form) when s is an address, 0 when it is not (out untouched).
 */
int fs_peer_canon(const char *s, char *out, size_t cap);

/* An empty ruleset, or NULL on allocation failure. */
struct fs_ruleset *fs_ruleset_new(void);

/* Frees the ruleset and every route in it; rs may be NULL. */
void fs_ruleset_free(struct fs_ruleset *rs);

/*
 * Takes ownership of route (also on failure) and stores it for peer,
 * replacing the peer's route with the same key.  1 if it replaced a route,
 * 0 if it was new, -1 (err set) on allocation failure or when max routes
 * (fs_ruleset_set_max) would be exceeded.
 */
int fs_ruleset_announce(struct fs_ruleset *rs, const char *peer, struct fs_route *route,
    struct fs_err *err);

/* Removes peer's route with the NLRI of nlri (borrowed).  1 if removed, 0 if absent. */
int fs_ruleset_withdraw(struct fs_ruleset *rs, const char *peer, const struct fs_route *nlri);

/* Removes every route of peer (NULL: of every peer).  Returns how many. */
size_t fs_ruleset_flush(struct fs_ruleset *rs, const char *peer);

struct fs_sync_counts {
	size_t added, changed, removed, same;
};

/*
 * Makes peer's routes of family exactly routes[0..n), the way wg's
 * syncconf does: a route equal to the stored one (fs_route_same) is left
 * alone, a changed one replaced, a new one added, and every other route
 * of peer and family removed.  Takes ownership of every route, also on
 * failure; keys must be unique within routes.  Fills *c.  0, or -1 (err
 * set): when the result would be over the route cap or the per-neighbor
 * cap (the peer's routes of the other family count; nothing changed), or
 * out of memory (partly applied; calling again with the same routes
 * completes it).
 */
int fs_ruleset_sync(struct fs_ruleset *rs, const char *peer, enum fs_family family,
    struct fs_route **routes, size_t n, struct fs_sync_counts *c, struct fs_err *err);

/* Routes stored, over all peers and families. */
size_t fs_ruleset_count(const struct fs_ruleset *rs);

/* Neighbors with at least one route stored. */
size_t fs_ruleset_peers(const struct fs_ruleset *rs);

/* Caps the number of routes stored (0: no cap; default FS_RULESET_MAX_DEFAULT). */
#define FS_RULESET_MAX_DEFAULT 1000000
void fs_ruleset_set_max(struct fs_ruleset *rs, size_t max);

/*
 * Caps the routes stored for any one peer (0: no per-peer cap, the
 * default).  An announce of a new NLRI over it fails with FS_E_LIMIT;
 * replacing a route the peer has is always allowed.
 */
void fs_ruleset_set_max_per_peer(struct fs_ruleset *rs, size_t max);

/*
 * The routes of one family to apply, one per NLRI, in applied order.
 * *out is a caller-freed array of borrowed pointers, valid until the next
 * change to rs.  0, or -1 (err set) on allocation failure.
 */
int fs_ruleset_sorted(const struct fs_ruleset *rs, enum fs_family family,
    enum fs_order_mode mode, const struct fs_route ***out, size_t *n, struct fs_err *err);

#endif
