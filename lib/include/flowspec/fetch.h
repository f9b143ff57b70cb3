/*
 * fetch.h - firewall rules back to FlowSpec: the fetcher's model.
 *
 * A chain of the filter table (FORWARD by default) is read either from the
 * kernel through libip4tc/libip6tc (fetch_ipt.c) or from an
 * iptables-save / ip6tables-save document (fetch_save.c), one rule at a
 * time, into one plain struct per rule holding exactly the matches
 * FlowSpec can carry.  A rule may repeat a match ("-m tcp --dport
 * 1000:2000 -m tcp ! --dport 1500"): every instance is kept, and the
 * mapping intersects them, as the kernel does.  Anything else a rule has
 * (an interface, conntrack, a mark, a rate limit, an unknown target...) is
 * recorded by name in fx_rule.unsupported, so the mapping can refuse that
 * rule, naming its number and the offending match.
 *
 * fx_rule_to_route() maps one rule to an fs_route with the same meaning.
 * bird.h writes the result as BIRD 2 configuration.
 */
#ifndef FLOWSPEC_FETCH_H
#define FLOWSPEC_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flowspec/err.h"
#include "flowspec/rule.h"

#define FX_PORTS_MAX 15  /* multiport's limit */
#define FX_MATCH_MAX 16  /* instances of one kind of match in one rule; more is refused by name */
#define FX_LINE_MAX 10240 /* bytes in one save line, newline included (iptables-restore's own) */

struct fx_range {
	uint16_t lo, hi;
};

/* One port option: --sport/--dport (one range) or a multiport list. */
struct fx_ports {
	bool inv;
	uint8_t n;
	struct fx_range r[FX_PORTS_MAX];
};

/* --tcp-flags MASK COMP (--syn is FIN,SYN,RST,ACK SYN): (flags & mask) == comp */
struct fx_tcpflags {
	bool inv;
	uint8_t mask, comp;
};

/* --icmp-type / --icmpv6-type TYPE[/CODE]; any: IPv4's "any" (type 255) */
struct fx_icmp {
	bool inv, any;
	uint8_t type, code_lo, code_hi;
};

/* -m length --length LO:HI (the IP packet, header included); LO > HI matches nothing */
struct fx_length {
	bool inv;
	uint16_t lo, hi;
};

/* -m dscp --dscp N (or --dscp-class, read as its value) */
struct fx_dscp {
	bool inv;
	uint8_t dscp;
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
	/*
	 * A tcp, udp or multiport match is there: only packets with the L4
	 * header (unfragmented, or the first fragment) can match, whatever
	 * its options.
	 */
	bool l4;
	/* each match instance's options, in rule order; all of them must hold */
	uint8_t nsport, ndport, nport, nflags, nicmp, nlength, ndscp;
	struct fx_ports sport[FX_MATCH_MAX];  /* --sport, multiport --sports */
	struct fx_ports dport[FX_MATCH_MAX];  /* --dport, multiport --dports */
	struct fx_ports port[FX_MATCH_MAX];   /* multiport --ports: either port */
	struct fx_tcpflags flags[FX_MATCH_MAX];
	struct fx_icmp icmp[FX_MATCH_MAX];    /* icmp or icmp6, by family */
	struct fx_length length[FX_MATCH_MAX];
	struct fx_dscp dscp[FX_MATCH_MAX];
	enum fx_target target;
	char target_name[32];       /* "ACCEPT", "LOG", a chain name ... */
	/* the first match FlowSpec cannot carry ("-i eth0", "-m conntrack"); "" if none */
	char unsupported[96];
	char text[512];             /* the rule as the save file wrote it, when known */
};

/* Which list of a rule fx_rule_slot() extends. */
enum fx_slot { FX_S_SPORT, FX_S_DPORT, FX_S_PORT, FX_S_FLAGS, FX_S_ICMP, FX_S_LENGTH, FX_S_DSCP };

/*
 * A zeroed new entry at the end of list `s` of r (a struct fx_ports,
 * fx_tcpflags, fx_icmp, fx_length or fx_dscp), or NULL when the list
 * already holds FX_MATCH_MAX: then r->unsupported names the excess.
 */
void *fx_rule_slot(struct fx_rule *r, enum fx_slot s);

/* Records the first thing FlowSpec cannot carry ("! -i eth0"); later calls keep the first. */
void fx_rule_unsupported(struct fx_rule *r, bool inv, const char *opt, const char *arg);

/* What a read found besides the rules. */
struct fx_chain_info {
	uint8_t family;
	char name[32];
	enum fx_target policy;      /* ACCEPT or DROP for a built-in chain, NONE otherwise */
	size_t nrules;              /* rules of the chain, all passed to the callback */
};

/*
 * Called once per rule of the chain, in chain order.  r is borrowed for
 * the call only.  0 to go on, or -1 with err set to end the read with that
 * error.
 */
typedef int (*fx_rule_fn)(const struct fx_rule *r, void *ctx, struct fs_err *err);

/*
 * Reads chain `chain` of the filter table from an iptables-save (family 4)
 * or ip6tables-save (6) document on `in`, as a stream: memory stays
 * within one line (FX_LINE_MAX), one rule and about 80 bytes per chain
 * the filter table declares, whatever the number of rules.  The document must
 * be one iptables-restore accepts (see fetcher/flowspec-fetcher.8 for the
 * few it accepts and this refuses); origin names it in errors, with the
 * line number and the token.  Each rule of the chain goes to fn as it is
 * read, so fn may have seen rules before an error further down: the caller
 * throws its output away then.  0 with *info filled, or -1 with err set
 * (syntax, a read error, no filter table, no such chain, or fn's error).
 */
int fx_read_save(FILE *in, int family, const char *chain, const char *origin, fx_rule_fn fn,
    void *ctx, struct fx_chain_info *info, struct fs_err *err);

/* The same over the kernel's filter table, through libiptc: 0, or -1 with err set (not root, no legacy tables, no such chain, or fn's error). */
int fx_walk_kernel(int family, const char *chain, fx_rule_fn fn, void *ctx,
    struct fx_chain_info *info, struct fs_err *err);

/* ---- the whole chain in memory (tests, the fuzz target, small inputs) ---- */

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
 * fx_read_save() over text[0..len) (no NUL needed), collecting the rules
 * into *out.  0, or -1 with err set and *out empty.
 */
int fx_parse_save(const char *text, size_t len, int family, const char *chain,
    const char *origin, struct fx_chain *out, struct fs_err *err);

/* fx_walk_kernel() collecting the rules into *out.  0, or -1 with err set and *out empty. */
int fx_read_kernel(int family, const char *chain, struct fx_chain *out, struct fs_err *err);

/*
 * Maps one rule to a route with the same meaning (no actions are set but
 * the discard of DROP/REJECT).  *out is caller-freed.  0; 1 when the rule
 * matches no packet (nothing to export; why says so); or -1 with why
 * naming the rule number and the match or target FlowSpec cannot carry.
 */
int fx_rule_to_route(const struct fx_rule *r, struct fs_route **out, char *why, size_t cap);

#endif
