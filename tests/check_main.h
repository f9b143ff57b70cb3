/*
 * check_main.h - the one way every suite runs: all test cases, fork mode
 * as Check chooses, exit status 0 only when nothing failed.
 */
#ifndef FS_CHECK_MAIN_H
#define FS_CHECK_MAIN_H

#include <check.h>

static inline int fs_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
