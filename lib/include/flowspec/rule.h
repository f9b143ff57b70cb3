/*
 * rule.h - the FlowSpec route as a value type (RFC 8955 for IPv4, RFC 8956
 * for IPv6): match components with their operator terms, actions decoded
 * from extended communities, route targets and an optional sequence number.
 *
 * A route owns its term array.  fs_route_free(NULL) is safe.  Two routes
 * with the same NLRI have the same canonical key (fs_route_key) and the
 * same canonical text (fs_route_format), whatever the source spelled.
 */
#ifndef FLOWSPEC_RULE_H
#define FLOWSPEC_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"

/* Hard caps: exceeding one is an error, never silent truncation. */
#define FS_MAX_TERMS       64   /* operator terms in one component */
#define FS_MAX_ROUTE_TERMS 256  /* operator terms in one route */
#define FS_MAX_RTS         16   /* route-target communities on one route */
#define FS_KEY_MAX         4096 /* encoded NLRI (RFC 8955 §4.1: < 4096) */
#define FS_TEXT_MAX        8192 /* canonical text, including NUL */

enum fs_family { FS_INET = 4, FS_INET6 = 6 };

/* Component types, RFC 8955 §4.2.2 and RFC 8956 §3. */
enum fs_ctype {
	FS_C_DST = 1,
	FS_C_SRC = 2,
	FS_C_PROTO = 3,      /* IPv6: upper-layer protocol (last next header) */
	FS_C_PORT = 4,       /* source OR destination port */
	FS_C_DPORT = 5,
	FS_C_SPORT = 6,
	FS_C_ICMP_TYPE = 7,  /* IPv6: ICMPv6 */
	FS_C_ICMP_CODE = 8,
	FS_C_TCP_FLAGS = 9,  /* bitmask */
	FS_C_PKT_LEN = 10,   /* total length incl. the IP header */
	FS_C_DSCP = 11,
	FS_C_FRAGMENT = 12,  /* bitmask */
	FS_C_FLOW_LABEL = 13 /* IPv6 only */
};
#define FS_C_MAX 13

/* Operator byte bits (the length bits are not stored; see fs_comp_encode). */
#define FS_OP_END   0x80
#define FS_OP_AND   0x40
#define FS_OP_LT    0x04 /* numeric */
#define FS_OP_GT    0x02 /* numeric */
#define FS_OP_EQ    0x01 /* numeric */
#define FS_OP_NOT   0x02 /* bitmask */
#define FS_OP_MATCH 0x01 /* bitmask */

/* Fragment bitmask values, RFC 8955 §4.2.2.12. */
#define FS_FRAG_DF  0x01 /* don't fragment (IPv4 only) */
#define FS_FRAG_ISF 0x02 /* a fragment other than the first: offset != 0 */
#define FS_FRAG_FF  0x04 /* first fragment: offset 0, MF set */
#define FS_FRAG_LF  0x08 /* last fragment: offset != 0, MF clear */

/* TCP flag bits as carried in component type 9. */
#define FS_TCP_FIN 0x01
#define FS_TCP_SYN 0x02
#define FS_TCP_RST 0x04
#define FS_TCP_PSH 0x08
#define FS_TCP_ACK 0x10
#define FS_TCP_URG 0x20
#define FS_TCP_ECE 0x40
#define FS_TCP_CWR 0x80
#define FS_TCP_NS  0x100

struct fs_term {
	uint8_t op;     /* FS_OP_AND | (LT|GT|EQ) or (NOT|MATCH); END is implied */
	uint32_t value;
};

struct fs_prefix {
	uint8_t addr[16]; /* network order; bits outside [offset,len) are zero */
	uint8_t len;      /* 0..32 or 0..128 */
	uint8_t offset;   /* IPv6 only (RFC 8956 §3.1); 0 for IPv4 */
};

/* Decoded actions, RFC 8955 §7 and draft-ietf-idr-flowspec-redirect-ip. */
enum fs_redir_ip_kind {
	FS_REDIR_IP_NONE = 0,
	FS_REDIR_IP_NEXTHOP,  /* 0x0800 draft-simpson: target is the BGP next hop */
	FS_REDIR_IP_IETF4,    /* 0x010c: IPv4 address in the community */
	FS_REDIR_IP_IETF6,    /* IPv6 address-specific community (attribute 25) */
};

struct fs_actions {
	bool has_rate_bytes, has_rate_pkts, has_action, has_redirect, has_mark;
	float rate_bytes;       /* 0x8006, bytes/s; 0 = discard */
	uint16_t rate_bytes_id; /* the 2-byte AS/ID field */
	float rate_pkts;        /* 0x800c, packets/s */
	uint16_t rate_pkts_id;
	bool sample;            /* 0x8007 bit S */
	bool terminal;          /* 0x8007 bit T: set = keep evaluating (§7.3) */
	uint64_t redirect;      /* raw 0x8008 / 0x8108 / 0x8208 community */
	uint8_t dscp;           /* 0x8009 low 6 bits */
	enum fs_redir_ip_kind redirect_ip;
	uint8_t redirect_ip_family; /* FS_INET or FS_INET6 */
	uint8_t redirect_ip_addr[16];
	bool redirect_ip_copy;
	/* Set when two communities of one action type disagree; names it. */
	char conflict[96];
};

struct fs_route {
	uint8_t family;           /* enum fs_family */
	uint16_t present;         /* bit (1 << type) for each present component */
	struct fs_prefix dst, src;
	/* Terms of numeric/bitmask component t are terms[first[t] .. +nterms[t]). */
	uint16_t first[FS_C_MAX + 1];
	uint16_t nterms[FS_C_MAX + 1];
	uint16_t nterm_total;
	struct fs_term *terms;    /* owned */

	struct fs_actions act;
	uint64_t rts[FS_MAX_RTS]; /* plain route targets (0x0002/0x0102/0x0202), raw */
	uint8_t nrts;
	bool has_seq;
	uint32_t seq;             /* sequence number for sequence-mode order */
	uint8_t nexthop_family;   /* 0 if the UPDATE had no next hop */
	uint8_t nexthop[16];
	/*
	 * Set by a reader when its source lost information this route needs
	 * (FRR's display strings, for example); the translator refuses the
	 * route by name with this text.  Empty otherwise.
	 */
	char source_loss[160];
};

/*
 * True when a and b are the same route: the same NLRI, actions, route
 * targets, sequence number, next hop and source_loss.
 */
bool fs_route_same(const struct fs_route *a, const struct fs_route *b);

/* Allocates an empty route of the family.  NULL on allocation failure. */
struct fs_route *fs_route_new(enum fs_family family);

/* Frees r and its terms; r may be NULL. */
void fs_route_free(struct fs_route *r);

/* A deep copy; caller frees.  NULL on allocation failure or when r is NULL. */
struct fs_route *fs_route_dup(const struct fs_route *r);

/* True when component type t is present. */
static inline bool fs_route_has(const struct fs_route *r, int t)
{
	return (r->present & (1u << t)) != 0;
}

/* Borrowed pointer to the terms of component t and their count in *n. */
const struct fs_term *fs_route_terms(const struct fs_route *r, int t, unsigned *n);

/*
 * Sets prefix component t (FS_C_DST or FS_C_SRC).  Bits outside
 * [offset, len) are cleared.  0 on success, -1 (err set) if the length or
 * offset is out of range for the family or the component is already set.
 */
int fs_route_set_prefix(struct fs_route *r, int t, const uint8_t *addr,
    unsigned len, unsigned offset, struct fs_err *err);

/*
 * Appends one operator term to numeric or bitmask component t.  Terms must
 * be added in wire order; the first term of a component may not carry
 * FS_OP_AND.  0 on success, -1 (err set) on a value out of range for the
 * component, a bad operator, or when FS_MAX_TERMS / FS_MAX_ROUTE_TERMS is
 * exceeded.
 */
int fs_route_add_term(struct fs_route *r, int t, uint8_t op, uint32_t value,
    struct fs_err *err);

/* Largest value component t may carry (e.g. 255 for protocol). */
uint32_t fs_ctype_max_value(int t);

/* True for the bitmask components (tcp flags, fragment). */
bool fs_ctype_is_bitmask(int t);

/* Canonical short name of a component type ("dst", "dport", ...), or NULL. */
const char *fs_ctype_name(int t);

/*
 * Checks cross-component rules (flow label only for IPv6, DF only for IPv4,
 * at least one component).  0 if valid, -1 with err naming the problem.
 */
int fs_route_validate(const struct fs_route *r, struct fs_err *err);

/*
 * Encodes component t in the RFC 8955 wire format (type byte included):
 * prefixes as type,len[,offset],bytes; operator terms with the end bit on
 * the last term and the shortest value length that holds each value.
 * Returns the number of bytes written, 0 if t is absent, or -1 if cap is
 * too small.
 */
int fs_comp_encode(const struct fs_route *r, int t, uint8_t *buf, size_t cap);

/*
 * The canonical key: the family byte followed by every present component
 * encoded in type order.  Equal keys mean the same NLRI.  Returns the key
 * length, or -1 if cap is too small.
 */
int fs_route_key(const struct fs_route *r, uint8_t *buf, size_t cap);

/*
 * The canonical one-line text of the match, for example
 *   "inet dst 192.0.2.0/24 proto =6 dport >=1024&<=2048,=80"
 * (see docs/translation.md, "Canonical route text").  Returns the length written
 * (excluding NUL) or -1 if cap is too small; buf is always terminated.
 */
int fs_route_format(const struct fs_route *r, char *buf, size_t cap);

/*
 * Reads canonical text back (the inverse of fs_route_format; components
 * and bits may come in any order).  *out is a new route with no actions.
 * 0, or -1 with err naming the column and the text that is wrong:
 * "ORIGIN: column N: what: \"text\"".
 */
int fs_route_parse(const char *text, size_t len, const char *origin, struct fs_route **out,
    struct fs_err *err);

/* Canonical text of the actions, e.g. "rate-bytes 0" or "accept". */
int fs_actions_format(const struct fs_route *r, char *buf, size_t cap);

/* True when the actions discard: a traffic rate of 0, in bytes or packets (RFC 8955 §7.1). */
bool fs_actions_discard(const struct fs_actions *a);

/* True when this is the all-zero default route (dst and src /0 or absent, nothing else). */
bool fs_route_is_default(const struct fs_route *r);

#endif
