/*
 * test_valueset.c - exact value sets of operator terms, table-driven, and
 * checked value by value against direct evaluation of the terms.
 */
#include <check.h>

#include "check_main.h"
#include <stdlib.h>

#include "valueset.h"

#define A FS_OP_AND
#define LT FS_OP_LT
#define GT FS_OP_GT
#define EQ FS_OP_EQ

struct vcase {
	const char *name;
	struct fs_term t[6];
	unsigned n;
	uint32_t max;
	struct fs_iv want[6];
	unsigned nwant;
};

static const struct vcase vcases[] = {
	{ "=80", { { EQ, 80 } }, 1, 65535, { { 80, 80 } }, 1 },
	{ ">=1024&<=2048", { { GT | EQ, 1024 }, { A | LT | EQ, 2048 } }, 2, 65535, { { 1024, 2048 } }, 1 },
	{ "!=22", { { LT | GT, 22 } }, 1, 65535, { { 0, 21 }, { 23, 65535 } }, 2 },
	{ "<64,>9000", { { LT, 64 }, { GT, 9000 } }, 2, 65535, { { 0, 63 }, { 9001, 65535 } }, 2 },
	{ ">1024&<2048,>=8000&<=9000", { { GT, 1024 }, { A | LT, 2048 }, { GT | EQ, 8000 }, { A | LT | EQ, 9000 } }, 4, 65535,
	  { { 1025, 2047 }, { 8000, 9000 } }, 2 },
	{ "!=6&!=17", { { LT | GT, 6 }, { A | LT | GT, 17 } }, 2, 255, { { 0, 5 }, { 7, 16 }, { 18, 255 } }, 3 },
	{ "true", { { LT | GT | EQ, 0 } }, 1, 255, { { 0, 255 } }, 1 },
	{ "false", { { 0, 0 } }, 1, 255, { { 0, 0 } }, 0 },
	{ "<0 is empty", { { LT, 0 } }, 1, 255, { { 0, 0 } }, 0 },
	{ ">255 of 255 is empty", { { GT, 255 } }, 1, 255, { { 0, 0 } }, 0 },
	/* AND binds tighter than OR: =1,>5&<3 is {1} */
	{ "=1,>5&<3", { { EQ, 1 }, { GT, 5 }, { A | LT, 3 } }, 3, 255, { { 1, 1 } }, 1 },
	/* adjacent values merge into one interval */
	{ "=1,=2,=3", { { EQ, 1 }, { EQ, 2 }, { EQ, 3 } }, 3, 255, { { 1, 3 } }, 1 },
	{ "flow label >1000&<2000", { { GT, 1000 }, { A | LT, 2000 } }, 2, 0xfffff, { { 1001, 1999 } }, 1 },
};

START_TEST(intervals)
{
	const struct vcase *c = &vcases[_i];
	struct fs_ivset s, comp, back;
	unsigned i;
	uint32_t v;

	ck_assert_int_eq(fs_ivset_from_terms(&s, c->t, c->n, c->max), 0);
	ck_assert_msg(s.n == c->nwant, "%s: %u intervals, want %u", c->name, s.n, c->nwant);
	for (i = 0; i < s.n; i++) {
		ck_assert_msg(s.r[i].lo == c->want[i].lo && s.r[i].hi == c->want[i].hi,
		    "%s: interval %u is %u..%u", c->name, i, s.r[i].lo, s.r[i].hi);
	}
	/* value by value against the direct evaluator (independent code) */
	for (v = 0; v <= c->max && v <= 70000; v++)
		ck_assert_msg(fs_ivset_has(&s, v) == fs_numeric_eval(c->t, c->n, v), "%s: value %u", c->name, v);
	/* complement twice is the identity, and partitions the domain */
	ck_assert_int_eq(fs_ivset_not(&comp, &s, c->max), 0);
	ck_assert_int_eq(fs_ivset_not(&back, &comp, c->max), 0);
	ck_assert_uint_eq(back.n, s.n);
	ck_assert_uint_eq(fs_ivset_count(&s) + fs_ivset_count(&comp), (uint64_t)c->max + 1);
}
END_TEST

START_TEST(random_terms)
{
	unsigned seed = 12345, k, i;

	for (k = 0; k < 2000; k++) {
		struct fs_term t[8];
		struct fs_ivset s;
		unsigned n = 1 + (unsigned)rand_r(&seed) % 8;
		uint32_t v;

		for (i = 0; i < n; i++) {
			t[i].op = (uint8_t)(rand_r(&seed) % 8);
			if (i > 0 && rand_r(&seed) % 2)
				t[i].op |= A;
			t[i].value = (uint32_t)rand_r(&seed) % 300;
		}
		ck_assert_int_eq(fs_ivset_from_terms(&s, t, n, 299), 0);
		for (v = 0; v < 300; v++)
			ck_assert_msg(fs_ivset_has(&s, v) == fs_numeric_eval(t, n, v), "case %u value %u", k, v);
		/* intervals are sorted, disjoint and not adjacent */
		for (i = 1; i < s.n; i++)
			ck_assert_uint_gt(s.r[i].lo, s.r[i - 1].hi + 1);
	}
}
END_TEST

START_TEST(bitmask)
{
	/* RFC 8955 §4.2.1.2: m: (data & v) == v; no m: (data & v) != 0; not negates */
	struct fs_term any = { 0, 0x12 }, all = { FS_OP_MATCH, 0x12 }, none = { FS_OP_NOT, 0x12 },
	    notall = { FS_OP_NOT | FS_OP_MATCH, 0x12 };

	ck_assert(fs_bitmask_eval(&any, 1, 0x02));
	ck_assert(!fs_bitmask_eval(&any, 1, 0x01));
	ck_assert(fs_bitmask_eval(&all, 1, 0x13));
	ck_assert(!fs_bitmask_eval(&all, 1, 0x02));
	ck_assert(fs_bitmask_eval(&none, 1, 0x01));
	ck_assert(!fs_bitmask_eval(&none, 1, 0x10));
	ck_assert(fs_bitmask_eval(&notall, 1, 0x10));
	ck_assert(!fs_bitmask_eval(&notall, 1, 0x12));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("valueset");
	TCase *tc = tcase_create("sets");

	tcase_add_loop_test(tc, intervals, 0, sizeof(vcases) / sizeof(vcases[0]));
	tcase_add_test(tc, random_terms);
	tcase_add_test(tc, bitmask);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
