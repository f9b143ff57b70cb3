/*
 * valueset.h - exact value sets of FlowSpec components (internal).
 *
 * A numeric component's operator terms (RFC 8955 §4.2.1.1: AND binds
 * tighter than OR, terms left to right) denote a set of values; here it is
 * a sorted list of disjoint, non-adjacent closed intervals.  A bitmask
 * component (§4.2.1.2) over a small domain is a truth table.
 */
#ifndef FS_VALUESET_H
#define FS_VALUESET_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/rule.h"

#define FS_IVSET_MAX 192

struct fs_iv { uint32_t lo, hi; };

struct fs_ivset {
	unsigned n;
	struct fs_iv r[FS_IVSET_MAX];
};

/* The set of values in 0..max satisfied by one numeric term (AND bit ignored). */
void fs_ivset_term(struct fs_ivset *s, uint8_t op, uint32_t v, uint32_t max);
void fs_ivset_full(struct fs_ivset *s, uint32_t max);
void fs_ivset_empty(struct fs_ivset *s);
/* out = a ∩ b; out may alias a or b. */
void fs_ivset_and(struct fs_ivset *out, const struct fs_ivset *a, const struct fs_ivset *b);
/* out = a ∪ b; 0, or -1 when the result would exceed FS_IVSET_MAX. */
int fs_ivset_or(struct fs_ivset *out, const struct fs_ivset *a, const struct fs_ivset *b);
/* out = [0,max] \ a; 0, or -1 on overflow. */
int fs_ivset_not(struct fs_ivset *out, const struct fs_ivset *a, uint32_t max);
bool fs_ivset_has(const struct fs_ivset *s, uint32_t v);
uint64_t fs_ivset_count(const struct fs_ivset *s);

/*
 * Evaluates the numeric terms of component t of r into s over 0..max.
 * 0, or -1 if the interval list overflows FS_IVSET_MAX.
 */
int fs_ivset_from_terms(struct fs_ivset *s, const struct fs_term *tm, unsigned n, uint32_t max);

/* True when bitmask terms tm[0..n) accept data (RFC 8955 §4.2.1.2). */
bool fs_bitmask_eval(const struct fs_term *tm, unsigned n, uint32_t data);

/* True when numeric terms tm[0..n) accept v (reference semantics). */
bool fs_numeric_eval(const struct fs_term *tm, unsigned n, uint32_t v);

#endif
