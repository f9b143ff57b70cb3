/*
 * fetch.h - firewall rules back to FlowSpec: the fetcher's model.
 *
 * A chain of the filter table (FORWARD by default) is read either from the
 * kernel through libip4tc/libip6tc (fetch_ipt.c) or from an
 * iptables-save / ip6tables-save file (fetch.c), into one plain struct per
 * rule holding exactly the matches FlowSpec can carry.  Anything else a
 * rule has (an interface, conntrack, a mark, a rate limit, an unknown
 * target...) is recorded by name in fx_rule.unsupported, so the mapping can
 * refuse that rule, naming its number and the offending match.
 *
 * fx_rule_to_route() maps one rule to an fs_route with the same meaning;
 * fx_chain_to_routes() maps a chain, in order, plus its policy as the
 * default route.  bird.h writes the result as BIRD 2 configuration.
 */
#ifndef FLOWSPEC_FETCH_H
#define FLOWSPEC_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"
#include "flowspec/rule.h"

#define FX_PORTS_MAX 15 /* multiport's limit */

struct fx_range {
	uint16_t lo, hi;
};

/* A set of ports: --sport/--dport (one range) or multiport (up to 15). */
struct fx_ports {
	bool has, inv;
	uint8_t n;
	struct fx_range r[FX_PORTS_MAX];
};

enum fx_target {
	FX_T_NONE = 0,  /* no target: the rule only counts */
	FX_T_ACCEPT,
	FX_T_DROP,
	FX_T_REJECT,
	FX_T_OTHER,     /* anything else: a jump, RETURN, LOG, ...; see target_name */
};

struct fx_rule {
	unsigned num;               /* 1-based position in the chain */
	uint8_t family;             /* 4 or 6 */
	/* -s / -d: address and mask, network order */
	bool has_src, has_dst, inv_src, inv_dst;
	uint8_t src[16], smsk[16], dst[16], dmsk[16];
	/* -p N (0 = all) */
	bool has_proto, inv_proto;
	uint8_t proto;
	/* -f: IPv4 fragments other than the first */
	bool has_frag, inv_frag;
	/* -m tcp|udp --sport/--dport, -m multiport --sports/--dports/--ports */
	struct fx_ports sport, dport, port;
	/* a tcp or udp match with no option: the L4 header must be there */
	bool l4_bare;
	/* --tcp-flags MASK COMP (and --syn) */
	bool has_tcpflags, inv_tcpflags;
	uint8_t tcp_mask, tcp_comp;
	/* --icmp-type / --icmpv6-type TYPE[/CODE]; icmp_any: "any" */
	bool has_icmp, inv_icmp, icmp_any;
	uint8_t icmp_type, icmp_code_lo, icmp_code_hi;
	/* -m length --length LO:HI (the IP packet, header included) */
	bool has_length, inv_length;
	uint16_t len_lo, len_hi;
	/* -m dscp --dscp N */
	bool has_dscp, inv_dscp;
	uint8_t dscp;
	enum fx_target target;
	char target_name[32];       /* "ACCEPT", "LOG", a chain name ... */
	/* the first match FlowSpec cannot carry ("-i eth0", "-m conntrack"); "" if none */
	char unsupported[96];
	char text[512];             /* the rule as iptables-save wrote it, when known */
};

struct fx_chain {
	uint8_t family;
	char name[32];
	enum fx_target policy;      /* ACCEPT or DROP for a built-in chain, NONE otherwise */
	struct fx_rule *rules;      /* owned, in chain order */
	size_t n, cap;
};

/* Frees the rules; c may be NULL.  Leaves c empty. */
void fx_chain_free(struct fx_chain *c);

/* Appends a zeroed rule and returns it, or NULL on allocation failure. */
struct fx_rule *fx_chain_add(struct fx_chain *c);

/*
 * Reads chain `chain` of the filter table from an iptables-save (family 4)
 * or ip6tables-save (6) document.  origin names the file in errors, with
 * the line number and the token.  0, or -1 with err set (syntax, no filter
 * table, no such chain).
 */
int fx_parse_save(const char *text, size_t len, int family, const char *chain,
    const char *origin, struct fx_chain *out, struct fs_err *err);

/*
 * Reads chain `chain` of the kernel's filter table through libiptc.  0, or
 * -1 with err set (not root, no legacy tables, no such chain).
 */
int fx_read_kernel(int family, const char *chain, struct fx_chain *out, struct fs_err *err);

/*
 * Maps one rule to a route with the same meaning (no actions are set but
 * the discard of DROP/REJECT).  *out is caller-freed.  0; 1 when the rule
 * matches no packet (nothing to export; why says so); or -1 with why
 * naming the rule number and the match or target FlowSpec cannot carry.
 */
int fx_rule_to_route(const struct fx_rule *r, struct fs_route **out, char *why, size_t cap);

#endif
