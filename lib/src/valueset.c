/*
 * valueset.c - interval-set algebra and direct term evaluation.
 */
#include <string.h>

#include "valueset.h"

void fs_ivset_empty(struct fs_ivset *s) { s->n = 0; }

void fs_ivset_full(struct fs_ivset *s, uint32_t max)
{
	s->n = 1;
	s->r[0].lo = 0;
	s->r[0].hi = max;
}

static void push(struct fs_ivset *s, uint32_t lo, uint32_t hi)
{
	if (s->n > 0 && (uint64_t)s->r[s->n - 1].hi + 1 >= lo) {
		if (hi > s->r[s->n - 1].hi)
			s->r[s->n - 1].hi = hi;
		return;
	}
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
}

void fs_ivset_term(struct fs_ivset *s, uint8_t op, uint32_t v, uint32_t max)
{
	bool lt = op & FS_OP_LT, gt = op & FS_OP_GT, eq = op & FS_OP_EQ;

	s->n = 0;
	if (v > max) {
		/* Every value is below v. */
		if (lt)
			push(s, 0, max);
		return;
	}
	if (lt && v > 0)
		push(s, 0, v - 1);
	if (eq)
		push(s, v, v);
	if (gt && v < max)
		push(s, v + 1, max);
}

void fs_ivset_and(struct fs_ivset *out, const struct fs_ivset *a, const struct fs_ivset *b)
{
	struct fs_ivset t;
	unsigned i = 0, j = 0;

	t.n = 0;
	while (i < a->n && j < b->n) {
		uint32_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
		uint32_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;

		if (lo <= hi)
			push(&t, lo, hi);
		if (a->r[i].hi < b->r[j].hi)
			i++;
		else
			j++;
	}
	*out = t;
}

int fs_ivset_or(struct fs_ivset *out, const struct fs_ivset *a, const struct fs_ivset *b)
{
	struct fs_ivset t;
	unsigned i = 0, j = 0;

	t.n = 0;
	while (i < a->n || j < b->n) {
		const struct fs_iv *x;

		if (j >= b->n || (i < a->n && a->r[i].lo <= b->r[j].lo))
			x = &a->r[i++];
		else
			x = &b->r[j++];
		if (t.n == FS_IVSET_MAX && !((uint64_t)t.r[t.n - 1].hi + 1 >= x->lo))
			return -1;
		push(&t, x->lo, x->hi);
	}
	*out = t;
	return 0;
}

int fs_ivset_not(struct fs_ivset *out, const struct fs_ivset *a, uint32_t max)
{
	struct fs_ivset t;
	uint64_t next = 0;
	unsigned i;

	t.n = 0;
	for (i = 0; i < a->n; i++) {
		if (a->r[i].lo > next) {
			if (t.n == FS_IVSET_MAX)
				return -1;
			push(&t, (uint32_t)next, a->r[i].lo - 1);
		}
		next = (uint64_t)a->r[i].hi + 1;
	}
	if (next <= max) {
		if (t.n == FS_IVSET_MAX)
			return -1;
		push(&t, (uint32_t)next, max);
	}
	*out = t;
	return 0;
}

bool fs_ivset_has(const struct fs_ivset *s, uint32_t v)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (v >= s->r[i].lo && v <= s->r[i].hi)
			return true;
	return false;
}

uint64_t fs_ivset_count(const struct fs_ivset *s)
{
	uint64_t c = 0;
	unsigned i;

	for (i = 0; i < s->n; i++)
		c += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return c;
}

int fs_ivset_from_terms(struct fs_ivset *s, const struct fs_term *tm, unsigned n, uint32_t max)
{
	struct fs_ivset group, t;
	unsigned i;

	fs_ivset_empty(s);
	for (i = 0; i < n; i++) {
		fs_ivset_term(&t, tm[i].op, tm[i].value, max);
		if (i == 0 || !(tm[i].op & FS_OP_AND)) {
			if (i > 0 && fs_ivset_or(s, s, &group) < 0)
				return -1;
			group = t;
		} else {
			fs_ivset_and(&group, &group, &t);
		}
	}
	if (n > 0 && fs_ivset_or(s, s, &group) < 0)
		return -1;
	return 0;
}

static bool numeric_term(uint8_t op, uint32_t term, uint32_t v)
{
	return ((op & FS_OP_LT) && v < term) || ((op & FS_OP_GT) && v > term) ||
	    ((op & FS_OP_EQ) && v == term);
}

static bool bitmask_term(uint8_t op, uint32_t term, uint32_t data)
{
	bool r = (op & FS_OP_MATCH) ? (data & term) == term : (data & term) != 0;

	return (op & FS_OP_NOT) ? !r : r;
}

/* Left to right; AND binds tighter than OR (RFC 8955 §4.2.1). */
#define EVAL_TERMS(fn)                                                   \
	bool any = false, group = false;                                 \
	unsigned i;                                                      \
	for (i = 0; i < n; i++) {                                        \
		bool t = fn(tm[i].op, tm[i].value, v);                   \
		if (i == 0 || !(tm[i].op & FS_OP_AND)) {                 \
			any = any || (i > 0 && group);                   \
			group = t;                                       \
		} else {                                                 \
			group = group && t;                              \
		}                                                        \
	}                                                                \
	return any || (n > 0 && group)

bool fs_numeric_eval(const struct fs_term *tm, unsigned n, uint32_t v)
{
	EVAL_TERMS(numeric_term);
}

bool fs_bitmask_eval(const struct fs_term *tm, unsigned n, uint32_t v)
{
	EVAL_TERMS(bitmask_term);
}
