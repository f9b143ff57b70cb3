/*
 * test_batch.c - when the injector commits: held until the first complete
 * state, then once per burst (end-of-RIB, idle window, pending cap), never
 * per line.
 */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "flowspec/batch.h"

static struct fs_feed feed(unsigned long changes, unsigned long eors, unsigned up)
{
	struct fs_feed f;

	memset(&f, 0, sizeof(f));
	f.changes = changes;
	f.st.eors = eors;
	f.peers_up = up;
	return f;
}

START_TEST(hold_until_eor)
{
	struct fs_batch b;
	struct fs_feed f = feed(0, 0, 0);
	int wait;

	fs_batch_init(&b);
	fs_batch_input(&b, 1000);
	/* lines arrive, no session up yet: the old rules stay, however long */
	f.changes = 500;
	ck_assert(!fs_batch_due(&b, &f, 1000, false, &wait));
	ck_assert(!fs_batch_due(&b, &f, 999999, false, &wait));
	ck_assert_int_eq(wait, -1);
	/* end-of-RIB: one commit of everything */
	f.st.eors = 1;
	ck_assert(fs_batch_due(&b, &f, 1000000, false, &wait));
	fs_batch_done(&b, &f);
	ck_assert(!fs_batch_due(&b, &f, 1000001, false, &wait));
}
END_TEST

START_TEST(idle_after_up_without_eor)
{
	struct fs_batch b;
	struct fs_feed f = feed(3, 0, 1); /* GoBGP: up, routes, never an EOR */
	int wait;

	fs_batch_init(&b);
	fs_batch_input(&b, 1000);
	/* a burst window is not enough to call a fresh session complete */
	ck_assert(!fs_batch_due(&b, &f, 1050, false, &wait));
	ck_assert_int_eq(wait, 950);
	ck_assert(!fs_batch_due(&b, &f, 1999, false, &wait));
	ck_assert(fs_batch_due(&b, &f, 2000, false, &wait));
}
END_TEST

START_TEST(first_commit_even_when_empty)
{
	struct fs_batch b;
	struct fs_feed f = feed(0, 0, 0);
	int wait;

	fs_batch_init(&b);
	/* an EOR with no routes must still replace what an earlier run left */
	f.st.eors = 2;
	ck_assert(fs_batch_due(&b, &f, 10, false, &wait));
}
END_TEST

START_TEST(burst_window_and_cap)
{
	struct fs_batch b;
	struct fs_feed f = feed(10, 1, 1);
	int wait;

	fs_batch_init(&b);
	b.max_pending = 100;
	ck_assert(fs_batch_due(&b, &f, 0, false, &wait));
	fs_batch_done(&b, &f);
	/* a burst of lines 1 ms apart: no commit while they keep coming */
	for (unsigned i = 1; i <= 50; i++) {
		f.changes++;
		fs_batch_input(&b, i);
		ck_assert(!fs_batch_due(&b, &f, i, false, &wait));
		ck_assert_int_eq(wait, 50);
	}
	/* quiet for the window: one commit */
	ck_assert(fs_batch_due(&b, &f, 100, false, &wait));
	fs_batch_done(&b, &f);
	/* under load the cap forces a commit without waiting for quiet */
	f.changes += 100;
	fs_batch_input(&b, 101);
	ck_assert(fs_batch_due(&b, &f, 101, false, &wait));
	fs_batch_done(&b, &f);
	/* a steady stream that never goes quiet: the oldest change waits max_delay at most */
	b.max_pending = 1000000;
	for (unsigned t = 200; t < 450; t++) {
		f.changes++;
		fs_batch_input(&b, t);
		if (fs_batch_due(&b, &f, t, false, &wait)) {
			ck_assert_uint_eq(t - 200, b.max_delay_ms); /* due exactly at max_delay */
			fs_batch_done(&b, &f);
			break;
		}
		ck_assert_int_le(wait, (int)b.max_delay_ms);
		ck_assert_msg(t < 449, "no commit in a 250 ms steady stream");
	}
	/* end of input: what is pending goes now */
	f.changes += 1;
	fs_batch_input(&b, 102);
	ck_assert(fs_batch_due(&b, &f, 102, true, &wait));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_test(tc, hold_until_eor);
	tcase_add_test(tc, idle_after_up_without_eor);
	tcase_add_test(tc, first_commit_even_when_empty);
	tcase_add_test(tc, burst_window_and_cap);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
