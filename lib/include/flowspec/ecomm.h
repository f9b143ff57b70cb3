/*
 * ecomm.h - BGP extended communities (RFC 4360) to FlowSpec actions
 * (RFC 8955 §7), route targets and the sequence number.
 *
 * Communities are decoded from their 8 raw bytes as one uint64 (high byte
 * first), never from a display string.
 */
#ifndef FLOWSPEC_ECOMM_H
#define FLOWSPEC_ECOMM_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/err.h"
#include "flowspec/rule.h"

enum fs_seq_form {
	/* Default: (generic, 0x80ff0000, SEQ): type 0x80, sub-type 0xff, two
	 * zero bytes, SEQ in the low 32 bits.  Type and sub-type configurable. */
	FS_SEQ_CLEAN = 0,
	/* The paper's (generic, 0x80090000, SEQ): shares type 0x8009 with
	 * traffic-marking; a value above 63 is a SEQ, 0..63 stays a marking. */
	FS_SEQ_PAPER,
	FS_SEQ_NONE,  /* recognise no sequence community */
};

struct fs_seq_opts {
	enum fs_seq_form form;
	uint16_t clean_type; /* high 16 bits of the clean form; default 0x80ff */
};

#define FS_SEQ_CLEAN_TYPE_DEFAULT 0x80ff

/* Fills the defaults: FS_SEQ_CLEAN with type 0x80ff. */
void fs_seq_opts_default(struct fs_seq_opts *o);

/*
 * Applies one extended community to r: an action, a route target or the
 * sequence number.  Unknown communities are ignored (debug log).  Two
 * communities of one action type that disagree record a conflict in
 * r->act.conflict (the translator refuses such a route).  0 on success,
 * -1 (err set) when a known community carries an invalid value (e.g. a
 * negative, NaN or infinite rate) or FS_MAX_RTS is exceeded.
 */
int fs_ecomm_apply(struct fs_route *r, uint64_t value,
    const struct fs_seq_opts *seq, struct fs_err *err);

/*
 * True when two route-target or redirect communities name the same target:
 * the same kind (AS number or IPv4 address) and numbers, so the 2-octet-AS
 * and 4-octet-AS forms of 65000:100 are equal, and so are a redirect to
 * 65000:100 and the route target 65000:100 (a redirect-map entry).
 */
bool fs_rt_equal(uint64_t a, uint64_t b);

/*
 * Parses "ASN:N" or "IPv4:N" (decimal digits only) into a raw 8-byte
 * community of the given type: as2_type when ASN fits in 16 bits (N in 32),
 * as4_type otherwise (N in 16), ip4_type for an IPv4 address (N in 16).
 * 0, or -1 when s is not of that form or a number is out of range.
 */
int fs_ecomm_admin_parse(const char *s, uint16_t as2_type, uint16_t ip4_type, uint16_t as4_type,
    uint64_t *out);

/* Parses a route target "ASN:N" or "IPv4:N" (fs_ecomm_admin_parse, RT types).  0 or -1. */
int fs_rt_parse(const char *s, uint64_t *out);

/* Writes "65000:100", "198.18.0.1:100" or "4200000001:7" for an RT or redirect community. */
int fs_rt_format(uint64_t value, char *buf, size_t cap);

#endif
