/*
 * eval.h - what a packet meets: the reference FlowSpec semantics (RFC 8955
 * §4.2 match, §5.1 order, §7 actions) evaluated directly on the routes, and
 * a simulator of a translated plan under netfilter's semantics.  Tests
 * compare the two on many packets; they share no matching code.
 */
#ifndef FLOWSPEC_EVAL_H
#define FLOWSPEC_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/rule.h"
#include "flowspec/translate.h"

/* A packet, reduced to the fields FlowSpec and our atoms can see. */
struct fs_packet {
	uint8_t family;        /* FS_INET or FS_INET6 */
	uint8_t src[16], dst[16];
	uint8_t proto;         /* IPv4 protocol; IPv6 upper-layer (last) next header */
	uint16_t sport, dport; /* TCP/UDP, when the L4 header is present */
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;     /* FIN..CWR */
	uint32_t length;       /* total length including the IP header */
	uint8_t dscp;
	bool df;               /* IPv4 don't-fragment */
	bool frag;             /* IPv4: MF or offset; IPv6: a fragment header */
	bool mf;               /* more fragments */
	uint16_t frag_off;     /* fragment offset, 8-byte units */
	uint32_t flow_label;   /* IPv6 */
	uint32_t mark;         /* skb->mark on arrival */
	char iif[16], oif[16]; /* the interfaces it comes in on and goes out on */
};

/*
 * Reference: does interface name match pattern as fs_xlate_opts reads it
 * ("" all, a trailing '+' a prefix, otherwise the exact name)?
 */
bool fs_iface_match(const char *pattern, const char *name);

/* True when the L4 header is in this packet (not a non-first fragment). */
bool fs_packet_has_l4(const struct fs_packet *p);

/* RFC 8955 §4.2.2.12 fragment bits of the packet: DF, IsF (offset != 0), FF, LF. */
uint8_t fs_packet_fragbits(const struct fs_packet *p);

/* Reference: does route r match packet p (RFC 8955 §4.2 / RFC 8956 §3)? */
bool fs_route_match(const struct fs_route *r, const struct fs_packet *p);

enum fs_verdict {
	FS_V_CONTINUE = 0, /* left the FlowSpec chain: normal forwarding */
	FS_V_ACCEPT,       /* ACCEPT target (accept option) */
	FS_V_DROP,
};

#define FS_OUTCOME_SAMPLES 16

struct fs_outcome {
	enum fs_verdict verdict;
	int dscp;                        /* DSCP on leaving, or -1 if unchanged */
	unsigned nsamples;
	int samples[FS_OUTCOME_SAMPLES]; /* route index of each sample, in order */
	int stopped_by;                  /* route index that ended evaluation, or -1 */
	uint32_t redirect;               /* redirect mark routing saw (0: none, or dropped) */
	unsigned ncounted;
	int counted[FS_OUTCOME_SAMPLES]; /* each route the packet met, in order (plan: the
					  * route of each fs_prule.counts rule it matched) */
	int limit_drop;                  /* the route whose rate limit dropped it (plan: the
					  * fs_prule.drops rule that did), or -1 */
};

/*
 * Reference outcome of the installed routes of plan (refused and empty ones
 * skipped) for p.  over_limit says whether every rate limit is exceeded.
 * A packet that does not come in on the plan's in_iface (or go out on its
 * out_iface) meets no route, and keeps the fwmark it came with.
 */
void fs_ref_eval(const struct fs_plan *plan, const struct fs_packet *p, bool over_limit,
    enum fs_accept_target accept, struct fs_outcome *out);

/*
 * Simulates the plan's mangle PREROUTING (redirect marks, read by routing),
 * filter FORWARD, then mangle POSTROUTING chains on p, as netfilter would.
 * 0, or -1 if the plan is malformed (unknown chain, loop deeper than 32).
 */
int fs_plan_eval(const struct fs_plan *plan, const struct fs_packet *p, bool over_limit,
    struct fs_outcome *out);

#endif
