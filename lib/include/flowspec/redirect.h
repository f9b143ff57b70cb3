/*
 * redirect.h - what redirects need besides netfilter: the fwmark of each
 * redirect-map entry and of each redirect-to-IP next hop, and the ip rules
 * and routes (rtnl.h) that send marked packets on.
 *
 * Marks are values of one contiguous bit field (the mask): map entry i
 * (file order) has value i + 1, next-hop slot s has value max - s, so the
 * two never meet.  Slot s uses routing table ip_table_base + s.  A next
 * hop keeps its slot while routes use it; a slot is freed only after the
 * commit that stopped using it, so one commit never gives a mark two
 * meanings.
 */
#ifndef FLOWSPEC_REDIRECT_H
#define FLOWSPEC_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"
#include "flowspec/rtnl.h"
#include "flowspec/rule.h"
#include "flowspec/translate.h"

#define FS_REDIRECT_MAP_MAX   64
#define FS_REDIRECT_SLOTS_MAX 64

struct fs_redirect_slot {
	bool used;        /* holds a next hop (kernel state may exist) */
	bool wanted;      /* a route of the last fs_redirect_plan of its family uses it */
	uint8_t family;
	uint8_t addr[16];
	int error;        /* errno of the last failed route add, or 0 */
};

struct fs_redirect {
	uint32_t mask;             /* contiguous, non-zero */
	uint32_t priority;         /* of our ip rules */
	unsigned shift, maxv;      /* mask == maxv << shift */
	struct fs_xlate_redirect map[FS_REDIRECT_MAP_MAX];
	uint32_t map_table[FS_REDIRECT_MAP_MAX];
	unsigned nmap;
	uint32_t ip_table_base;
	unsigned nslots;           /* 0: redirect-to-IP is off */
	struct fs_redirect_slot slot[FS_REDIRECT_SLOTS_MAX];
	/* for one family, after fs_redirect_plan; nh[i] and routes[i] are one
	 * next hop (nnh == nroutes), in slot route_slot[i] */
	struct fs_xlate_nexthop nh[FS_REDIRECT_SLOTS_MAX];
	unsigned nnh;
	struct fs_rtnl_rule rules[FS_REDIRECT_MAP_MAX + FS_REDIRECT_SLOTS_MAX];
	size_t nrules;
	struct fs_rtnl_route routes[FS_REDIRECT_SLOTS_MAX];
	unsigned route_slot[FS_REDIRECT_SLOTS_MAX];
	size_t nroutes;
};

/*
 * Sets rd up: mask, rule priority, nmap entries (route target rts[i] to
 * table tables[i]), and nslots next-hop tables from ip_table_base.  No
 * slot is in use.  0, or -1 with err set (the mask is not contiguous, or
 * the entries and slots do not fit in its values).
 */
int fs_redirect_init(struct fs_redirect *rd, uint32_t mask, uint32_t priority,
    const uint64_t *rts, const uint32_t *tables, unsigned nmap, uint32_t ip_table_base,
    unsigned nslots, struct fs_err *err);

/* True when rd has anything to do (a map entry or redirect-to-IP). */
bool fs_redirect_active(const struct fs_redirect *rd);

/*
 * For family fam (FS_INET/FS_INET6): gives every next hop that routes[0..n)
 * redirect to a slot (keeping the ones they had; none when all are in use),
 * then fills rd->nh, rd->rules (the map's and the slots') and rd->routes.
 */
void fs_redirect_plan(struct fs_redirect *rd, int fam, const struct fs_route *const *routes,
    size_t n);

/* After fs_rtnl_add on rd->routes: copies each route's error to its slot and to rd->nh. */
void fs_redirect_added(struct fs_redirect *rd);

/* After the commit of fam: frees the slots of fam that fs_redirect_plan did not want. */
void fs_redirect_release(struct fs_redirect *rd, int fam);

/* Points xo's redirect fields at rd (the map, rd->nh, the mask). */
void fs_redirect_xlate(const struct fs_redirect *rd, struct fs_xlate_opts *xo);

#endif
