/*
 * translate.h - FlowSpec routes to an exact netfilter plan.
 *
 * A plan is a list of chains per table (filter, and mangle when a route
 * marks DSCP), each a list of rules made of match atoms and one target.
 * Every decision is taken in filter, in route order, on the packet as it
 * arrived; a traffic-marking route tags the packet in reserved fwmark bits,
 * and mangle POSTROUTING, which runs after filter FORWARD, rewrites DSCP.
 * Backends render a plan as an iptables-restore document (text.h) or as
 * libiptc entries; eval.h simulates a plan on a packet, which is how the
 * translation is tested against the reference evaluator.
 *
 * Each component becomes an exact set of values; each set becomes a cover
 * of netfilter atoms.  A route is emitted either inline (the cross product
 * of its covers, disjoint where the action is not idempotent), or as a
 * sub-chain that RETURNs on every atom of the complement.  A route that
 * neither form can express exactly is refused with a named reason.
 */
#ifndef FLOWSPEC_TRANSLATE_H
#define FLOWSPEC_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"
#include "flowspec/order.h"
#include "flowspec/rule.h"

#define FS_ATOM_RANGES_MAX 15 /* multiport's 15 slots; u32 takes 11 */
#define FS_RULE_ATOMS_MAX  16
#define FS_CHAIN_NAME_MAX  29 /* XT_EXTENSION_MAXNAMELEN */

enum fs_atom_kind {
	FS_A_SRC = 1,    /* -s addr/mask */
	FS_A_DST,        /* -d addr/mask */
	FS_A_PROTO,      /* -p N (inv: ! -p N) */
	FS_A_L4,         /* -p P -m tcp|udp (bare) or -m icmp --icmp-type any: L4 header present */
	FS_A_PORT,       /* -p P, tcp/udp --sport/--dport lo:hi, or multiport --sports/--dports/--ports */
	FS_A_TCPFLAGS,   /* -p tcp -m tcp --tcp-flags MASK COMP */
	FS_A_ICMP,       /* -p icmp|ipv6-icmp [!] --icmp(v6)-type T[/C] (code lo..hi: all or one);
			  * inverted, it still requires the ICMP header of a first fragment */
	FS_A_LENGTH,     /* -m length --length lo:hi */
	FS_A_DSCP,       /* -m dscp --dscp N */
	FS_A_U32,        /* -m u32 on a fixed header field, ranges */
	FS_A_FRAG6,      /* IPv6 fragment header tests */
	FS_A_MARK,       /* -m mark [!] --mark VALUE/MASK (lo[0], hi[0]) */
	FS_A_IIF,        /* -i NAME (the hook jump only; name in addr[]) */
	FS_A_OIF,        /* -o NAME (the filter hook jump only; name in addr[]) */
};

/* Which field a FS_A_U32 atom reads. */
enum fs_u32_field {
	FS_U32_V4_PROTO = 1, /* "6&0xFF" */
	FS_U32_V4_LEN,       /* "0&0xFFFF" total length */
	FS_U32_V4_DSCP,      /* "0>>18&0x3F" */
	FS_U32_V4_FRAG,      /* "4&0x7FFF": DF, MF, fragment offset */
	FS_U32_V6_LEN,       /* "4>>16" payload length (length - 40) */
	FS_U32_V6_DSCP,      /* "0>>22&0x3F" */
	FS_U32_V6_FLOWLABEL, /* "0&0xFFFFF" */
	FS_U32_V4_ICMP,      /* proto 1, offset 0, type in lo/hi, code in lo2/hi2 */
	FS_U32_V4_TCPFLAGS,  /* proto 6, offset 0, "0>>22&0x3C@12>>16&MASK" = COMP: a --tcp-flags
			      * cube whose mask has ECE or CWR (the tcp match's text names only
			      * FIN..URG); mask in a, comp in lo[0] = hi[0] */
};

/* FS_A_FRAG6 forms. */
enum fs_frag6 {
	FS_F6_NONE = 1,  /* -m ipv6header ! --header ipv6-frag --soft */
	FS_F6_ANY,       /* -m ipv6header --header ipv6-frag --soft */
	FS_F6_FIRST,     /* -m frag --fragfirst   (offset 0) */
	FS_F6_MORE,      /* -m frag --fragmore    (M set) */
	FS_F6_LAST,      /* -m frag --fraglast    (M clear) */
	FS_F6_FIRST_MORE,/* --fragfirst --fragmore */
	FS_F6_FIRST_LAST,/* --fragfirst --fraglast (atomic fragment) */
};

struct fs_atom {
	uint8_t kind;    /* enum fs_atom_kind */
	uint8_t inv;     /* only for SRC, DST, PROTO, ICMP (and MARK) */
	uint8_t proto;   /* L4, PORT, TCPFLAGS, ICMP: 6, 17, 1 or 58 */
	uint8_t field;   /* PORT: FS_C_PORT/DPORT/SPORT; U32: fs_u32_field; FRAG6: fs_frag6 */
	uint8_t nr;      /* ranges used */
	uint8_t plen;    /* SRC/DST: contiguous prefix length, or 255 if the mask is not contiguous */
	uint16_t a, b;   /* TCPFLAGS mask, comp; ICMP type, -; PROTO/DSCP value */
	uint16_t c, d;   /* ICMP code lo, hi */
	uint8_t addr[16], mask[16];
	uint32_t lo[FS_ATOM_RANGES_MAX], hi[FS_ATOM_RANGES_MAX];
	uint8_t nr2;     /* FS_U32_V4_ICMP codes; 0 = any code */
	uint32_t lo2[11], hi2[11];
};

enum fs_target {
	FS_T_NONE = 0,  /* count only: no -j */
	FS_T_DROP,
	FS_T_ACCEPT,
	FS_T_RETURN,
	FS_T_JUMP,      /* -j chain */
	FS_T_GOTO,      /* -g chain */
	FS_T_NFLOG,     /* -j NFLOG --nflog-group G */
	FS_T_DSCP,      /* -j DSCP --set-dscp N (mangle) */
	FS_T_MARK,      /* -j MARK --set-xmark VALUE/MASK */
};

/* --hashlimit-htable-size of every rate limit (aggregate: one bucket in use). */
#define FS_HASHLIMIT_HTABLE_SIZE 16

struct fs_hashlimit {
	bool bytes;          /* byte mode (b/s) or packets */
	uint64_t rate;       /* per unit below */
	char unit;           /* 's', 'm', 'h', 'd' (packets); 's' for bytes */
	uint32_t burst;      /* packets; 0 in byte mode: no --hashlimit-burst (the bucket holds
			      * one second at the rate; iptables-save prints a byte burst cut
			      * to whole KiB or MiB, which iptables-restore then refuses) */
	char name[16];       /* from the route and this configuration: a changed rate gets a
			      * new table (the kernel keeps a table's config for its name) */
};

struct fs_prule {
	struct fs_atom *atoms;  /* owned */
	uint8_t natoms;
	bool has_limit;
	struct fs_hashlimit limit; /* -m hashlimit --hashlimit-above ... */
	uint8_t target;         /* enum fs_target */
	uint16_t arg;           /* NFLOG group, DSCP value */
	uint32_t mark, mask;    /* MARK */
	char chain[FS_CHAIN_NAME_MAX]; /* JUMP/GOTO */
	int route;              /* index into the plan's route list, -1 for glue */
	bool counts;            /* sees each packet the route matches exactly once */
	bool drops;             /* a rate limit's DROP rule: sees each packet the route drops
				 * over its rate exactly once (status: dropped counters) */
};

struct fs_pchain {
	char name[FS_CHAIN_NAME_MAX];
	bool hook;              /* a chain we only insert jumps into (FORWARD, ...) */
	struct fs_prule *rules;
	size_t n, cap;
};

struct fs_ptable {
	struct fs_pchain *chains; /* hook chains (hook set) come before the chains they jump to */
	size_t n, cap;
};

/* A closed list of reasons a route is refused; each has a name string. */
enum fs_refusal {
	FS_R_OK = 0,
	FS_R_REDIRECT,           /* redirect to VRF: no mapping configured */
	FS_R_REDIRECT_IP,        /* redirect-to-IP: no mapping configured */
	FS_R_CONFLICT,           /* two communities of one action disagree */
	FS_R_RATE,               /* rate not expressible by hashlimit */
	FS_R_TCP_FLAGS_HIGH,     /* TCP flag bits beyond CWR (NS, reserved) */
	FS_R_TOO_COMPLEX,        /* more rules than the caps allow */
	FS_R_FRAGMENT6,          /* IPv6 fragment set not expressible */
	FS_R_FAMILY,             /* route family does not match the plan */
	FS_R_INVALID,            /* failed validation */
	FS_R_NOMEM,
	FS_R_SOURCE_LOSS,        /* the source lost what the route needs (route->source_loss) */
	FS_R_NOT_FOR_HOST,       /* route-target scoping: none of this host's RTs */
	FS_R_PROTECTED,          /* would drop or rate-limit traffic of a protected prefix */
	FS_R_TCP_FLAGS_ECE_CWR6, /* IPv6 tcp-flags that test ECE or CWR: the tcp match's text
				  * cannot name them, u32 cannot skip extension headers */
	FS_R__COUNT
};

/* The name of a refusal reason, e.g. "redirect-unmapped"; never NULL. */
const char *fs_refusal_name(enum fs_refusal r);

enum fs_accept_target { FS_ACCEPT_RETURN = 0, FS_ACCEPT_ACCEPT };

/* redirect (RT) to a routing table: the fwmark that selects it (fs_xlate_opts.redirects). */
struct fs_xlate_redirect {
	uint64_t rt;          /* the redirect community's raw value (AS2/AS4 forms equal) */
	uint32_t mark;        /* non-zero, inside redirect_mark_mask */
};

/* redirect-to-IP: the fwmark whose policy route leads to a next hop. */
struct fs_xlate_nexthop {
	uint8_t family;       /* FS_INET or FS_INET6 */
	uint8_t addr[16];
	uint32_t mark;        /* non-zero, inside redirect_mark_mask */
	int error;            /* non-zero: the kernel refused its route (errno); refused */
};

/* A protected prefix (fs_xlate_opts.protected). */
struct fs_xlate_prefix {
	uint8_t family;       /* FS_INET or FS_INET6 */
	uint8_t len;
	uint8_t addr[16];     /* network order */
};

struct fs_xlate_opts {
	char chain[FS_CHAIN_NAME_MAX];  /* base chain, default "FLOWSPEC" */
	char hook[FS_CHAIN_NAME_MAX];   /* chain that jumps to it, default "FORWARD" */
	char in_iface[16];              /* the jump only for packets in on it; "" = all; a
					 * trailing '+' is iptables' wildcard: every name
					 * that begins with what precedes it ("+": all) */
	char out_iface[16];             /* the filter jump only for packets out on it; "" = all,
					 * '+' as above (redirects are refused with it: routing
					 * has not chosen the interface when they are decided) */
	enum fs_accept_target accept;   /* default RETURN */
	uint16_t nflog_group;           /* sample: default 0 */
	/*
	 * traffic-marking: filter tags the packet in these fwmark bits with
	 * DSCP+1; mangle POSTROUTING (after filter) rewrites the DSCP and
	 * clears them.  Seven contiguous bits; default 0x007f0000.
	 */
	uint32_t dscp_mark_mask;
	char mangle_hook[FS_CHAIN_NAME_MAX]; /* default "POSTROUTING" */
	unsigned dnf_max;               /* inline rules per route, default 64 */
	unsigned cascade_max;           /* RETURN rules per sub-chain, default 256 */
	/*
	 * Route-target scoping (borrowed; none by default): when nimport_rts
	 * > 0, a route is installed only if it carries one of import_rts (raw
	 * RT communities; AS2 and AS4 forms of one ASN:N are the same), or
	 * carries no RT and apply_untargeted; otherwise it is refused as
	 * not-for-this-host.
	 */
	const uint64_t *import_rts;
	unsigned nimport_rts;
	bool apply_untargeted;
	/*
	 * Protection (borrowed; none by default): a route that discards or
	 * rate-limits and whose destination or source prefix covers or falls
	 * inside one of these is refused as protected-prefix.  A route with
	 * no prefix component names no address and is not refused.
	 */
	const struct fs_xlate_prefix *protected;
	unsigned nprotected;
	/*
	 * Redirects (borrowed; none by default).  Routing happens before
	 * filter FORWARD, so a redirecting route's decision is repeated in
	 * mangle pre_hook (PREROUTING): the chain "<chain>4-pre" (or 6) runs
	 * the routes in order up to the last redirect, RETURNs where a route
	 * stops evaluation and sets the route's mark in redirect_mark_mask
	 * where it redirects; ip rules (rtnl.h) send marked packets to their
	 * table.  A redirect whose RT has no entry in redirects, or a
	 * redirect-to-IP whose next hop has none in nexthops, is refused.
	 */
	const struct fs_xlate_redirect *redirects;
	unsigned nredirects;
	const struct fs_xlate_nexthop *nexthops;
	unsigned nnexthops;
	bool redirect_ip;               /* redirect-to-IP is configured (for the refusal's why) */
	uint32_t redirect_mark_mask;    /* default 0x0000ff00; must not overlap dscp_mark_mask */
	char pre_hook[FS_CHAIN_NAME_MAX]; /* default "PREROUTING" */
};

/* Fills the defaults above. */
void fs_xlate_opts_default(struct fs_xlate_opts *o);

/* One route's outcome in a plan. */
struct fs_proute {
	const struct fs_route *route;  /* borrowed */
	enum fs_refusal refusal;       /* FS_R_OK if installed */
	char why[256];                 /* detail for a refusal; empty when installed */
	bool empty;                    /* installed, but matches no packet (no rules) */
	uint32_t fwmark;               /* the redirect mark it sets, or 0 */
};

struct fs_plan {
	uint8_t family;
	char in_iface[16], out_iface[16]; /* fs_xlate_opts' (the hook jumps'; "+" or "" = all) */
	uint32_t dscp_mark_mask;         /* the tag bits the plan uses (fs_xlate_opts) */
	uint32_t redirect_mark_mask;     /* the redirect bits (fs_xlate_opts) */
	struct fs_ptable filter, mangle; /* mangle.n == 0 when no route marks or redirects */
	int mangle_post, mangle_pre;     /* index in mangle of the POSTROUTING (DSCP) and
					  * PREROUTING (redirect) hook chain, or -1 */
	struct fs_proute *routes;        /* in applied order */
	size_t nroutes;
	unsigned refused[FS_R__COUNT];   /* counters by reason */
};

/*
 * Builds the plan for routes[0..n) of one family, which must already be in
 * applied order (see order.h).  Routes are borrowed and must outlive the
 * plan.  Every refusal is recorded in plan->routes[i] and counted.
 * Returns 0, or -1 (err set) only on allocation failure.
 */
int fs_plan_build(struct fs_plan *plan, enum fs_family family,
    const struct fs_route *const *routes, size_t n,
    const struct fs_xlate_opts *o, struct fs_err *err);

/* Frees everything the plan owns (not the routes); plan may be NULL. */
void fs_plan_free(struct fs_plan *plan);

/* Number of rules in all chains of a table. */
size_t fs_ptable_rules(const struct fs_ptable *t);

#endif
