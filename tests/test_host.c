/*
 * test_host.c - nft-variant detection through real symlink chains, the way
 * Debian's alternatives point /usr/sbin/iptables at its implementation.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "flowspec/host.h"

START_TEST(symlink_chains)
{
	char dir[] = "/tmp/fs-host-XXXXXX", p[512], q[512], r[512], buf[512];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/xtables-nft-multi", dir);
	snprintf(q, sizeof(q), "%s/xtables-legacy-multi", dir);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(q, "w"));
	fclose(f);
	/* iptables -> alternatives -> xtables-nft-multi */
	snprintf(r, sizeof(r), "%s/alt", dir);
	ck_assert_int_eq(symlink(p, r), 0);
	snprintf(buf, sizeof(buf), "%s/iptables", dir);
	ck_assert_int_eq(symlink(r, buf), 0);
	ck_assert_int_eq(fs_host_cmd_is_nft(buf, r, sizeof(r)), 1);
	ck_assert_str_eq(r, p); /* names the resolved file */
	unlink(buf);
	snprintf(r, sizeof(r), "%s/alt", dir);
	unlink(r);
	/* iptables -> xtables-legacy-multi */
	ck_assert_int_eq(symlink(q, buf), 0);
	ck_assert_int_eq(fs_host_cmd_is_nft(buf, NULL, 0), 0);
	unlink(buf);
	ck_assert_int_eq(fs_host_cmd_is_nft(buf, NULL, 0), -1); /* missing */
	unlink(p);
	unlink(q);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, symlink_chains);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
