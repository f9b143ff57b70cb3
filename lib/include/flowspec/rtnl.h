/*
 * rtnl.h - the policy routing of redirects, written through rtnetlink.
 *
 * A redirect marks packets in mangle PREROUTING (translate.h); an ip rule
 * "fwmark MARK/MASK lookup TABLE" sends them to a routing table.  For
 * redirect-to-IP the table is ours too and holds one route, "default via
 * NEXTHOP".  Everything this module adds carries the protocol number
 * FS_RTNL_PROTO ("proto 249" in ip rule / ip route), which is how it finds
 * its own entries again (after a crash too) and never touches others'.
 * No shell and no ip(8): one NETLINK_ROUTE socket per call.
 */
#ifndef FLOWSPEC_RTNL_H
#define FLOWSPEC_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"

#define FS_RTNL_PROTO 249  /* rtm_protocol / FRA_PROTOCOL of our rules and routes */

/* ip rule [family] priority P fwmark MARK/MASK lookup TABLE proto 249 */
struct fs_rtnl_rule {
	uint32_t priority, mark, mask, table;
};

/* ip route add default via GW table TABLE proto 249 */
struct fs_rtnl_route {
	uint32_t table;
	uint8_t gw[16];   /* 4 bytes for IPv4 */
	int error;        /* set by fs_rtnl_add: 0, or the errno the kernel refused it with */
};

/*
 * Adds, in family (FS_INET or FS_INET6), every rule and route of the lists
 * that the kernel does not have yet.  A route the kernel refuses (next hop
 * unreachable, say) records its errno in routes[i].error and the others
 * go on.  0, or -1 with err set when netlink fails or a rule is refused.
 */
int fs_rtnl_add(int family, const struct fs_rtnl_rule *rules, size_t nrules,
    struct fs_rtnl_route *routes, size_t nroutes, struct fs_err *err);

/*
 * Deletes every rule and route of ours (FS_RTNL_PROTO) in family that is
 * not in the lists (routes with a non-zero error count as absent); empty
 * lists delete all of ours.  0, or -1 with err set.
 */
int fs_rtnl_prune(int family, const struct fs_rtnl_rule *rules, size_t nrules,
    const struct fs_rtnl_route *routes, size_t nroutes, struct fs_err *err);

#endif
