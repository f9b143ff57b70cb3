/*
 * test_text.c - each atom and target as iptables-restore text.
 * (Whether the kernel accepts the text is checked by tests/netns.)
 */
#include <check.h>

#include "check_main.h"
#include <string.h>

#include "flowspec/text.h"

struct tcase {
	const char *name;
	unsigned fam;
	struct fs_atom a;
	uint8_t target;
	const char *want;
};

static const struct tcase cases[] = {
	{ "dst prefix", 4, { .kind = FS_A_DST, .plen = 24, .addr = { 192, 0, 2 }, .mask = { 255, 255, 255 } },
	  FS_T_DROP, "-d 192.0.2.0/24 -j DROP" },
	{ "negated src", 4, { .kind = FS_A_SRC, .inv = 1, .plen = 8, .addr = { 10 }, .mask = { 255 } },
	  FS_T_RETURN, "! -s 10.0.0.0/8 -j RETURN" },
	{ "v6 offset mask", 6, { .kind = FS_A_DST, .plen = 255, .addr = { [10] = 0x12, [11] = 0x34 },
	  .mask = { [10] = 0xff, [11] = 0xff } }, FS_T_DROP, "-d ::1234:0:0/::ffff:0.0.0.0 -j DROP" },
	{ "proto number", 4, { .kind = FS_A_PROTO, .a = 47 }, FS_T_DROP, "-p 47 -j DROP" },
	{ "dport range", 4, { .kind = FS_A_PORT, .proto = 17, .field = FS_C_DPORT, .nr = 1, .lo = { 1024 }, .hi = { 2048 } },
	  FS_T_NONE, "-p udp -m udp --dport 1024:2048" },
	{ "ports multiport", 4, { .kind = FS_A_PORT, .proto = 6, .field = FS_C_PORT, .nr = 2, .lo = { 22, 80 }, .hi = { 22, 90 } },
	  FS_T_ACCEPT, "-p tcp -m multiport --ports 22,80:90 -j ACCEPT" },
	{ "tcp flags", 4, { .kind = FS_A_TCPFLAGS, .proto = 6, .a = 0x12, .b = 0x02 }, FS_T_DROP,
	  "-p tcp -m tcp --tcp-flags SYN,ACK SYN -j DROP" },
	{ "icmp type/code", 4, { .kind = FS_A_ICMP, .proto = 1, .a = 3, .c = 1, .d = 1 }, FS_T_DROP,
	  "-p icmp -m icmp --icmp-type 3/1 -j DROP" },
	{ "icmpv6 any code", 6, { .kind = FS_A_ICMP, .proto = 58, .a = 128, .c = 0, .d = 255 }, FS_T_DROP,
	  "-p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP" },
	{ "tcp flags with CWR by u32", 4, { .kind = FS_A_U32, .field = FS_U32_V4_TCPFLAGS, .a = 0x82, .nr = 1,
	  .lo = { 0x80 }, .hi = { 0x80 } }, FS_T_DROP,
	  "-m u32 --u32 \"6&0xFF=0x6&&4&0x1FFF=0x0&&0>>22&0x3C@12>>16&0x82=0x80\" -j DROP" },
	{ "u32 dscp", 4, { .kind = FS_A_U32, .field = FS_U32_V4_DSCP, .nr = 2, .lo = { 8, 32 }, .hi = { 15, 32 } },
	  FS_T_DROP, "-m u32 --u32 \"0>>18&0x3F=0x8:0xf,0x20\" -j DROP" },
	{ "frag6 none", 6, { .kind = FS_A_FRAG6, .field = FS_F6_NONE }, FS_T_DROP,
	  "-m ipv6header ! --header ipv6-frag --soft -j DROP" },
	{ "mark match", 4, { .kind = FS_A_MARK, .inv = 1, .lo = { 0 }, .hi = { 0x7f0000 } }, FS_T_NFLOG,
	  "-m mark ! --mark 0x0/0x7f0000 -j NFLOG --nflog-group 5" },
};

START_TEST(atoms)
{
	const struct tcase *c = &cases[_i];
	struct fs_atom a = c->a;
	struct fs_prule r;
	char buf[512];

	memset(&r, 0, sizeof(r));
	r.atoms = &a;
	r.natoms = 1;
	r.target = c->target;
	r.arg = 5;
	ck_assert_int_ge(fs_prule_format(&r, c->fam, buf, sizeof(buf)), 0);
	ck_assert_msg(strcmp(buf, c->want) == 0, "%s: got \"%s\"", c->name, buf);
	/* too small a buffer is an error, not a cut rule */
	ck_assert_int_eq(fs_prule_format(&r, c->fam, buf, 8), -1);
}
END_TEST

START_TEST(hashlimit_and_targets)
{
	struct fs_prule r;
	char buf[512];

	memset(&r, 0, sizeof(r));
	r.has_limit = true;
	r.limit.bytes = true;
	r.limit.rate = 125000;
	r.limit.unit = 's';
	snprintf(r.limit.name, sizeof(r.limit.name), "fs4b00000001");
	r.target = FS_T_DROP;
	ck_assert_int_ge(fs_prule_format(&r, 4, buf, sizeof(buf)), 0);
	/* byte mode has no burst: iptables-save's byte bursts do not restore */
	ck_assert_str_eq(buf, "-m hashlimit --hashlimit-above 125000b/s "
	    "--hashlimit-name fs4b00000001 --hashlimit-htable-size 16 -j DROP");
	r.limit.bytes = false;
	r.limit.rate = 30;
	r.limit.unit = 'm';
	r.limit.burst = 1;
	snprintf(r.limit.name, sizeof(r.limit.name), "fs4p00000002");
	ck_assert_int_ge(fs_prule_format(&r, 4, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "-m hashlimit --hashlimit-above 30/min --hashlimit-burst 1 "
	    "--hashlimit-name fs4p00000002 --hashlimit-htable-size 16 -j DROP");
	memset(&r, 0, sizeof(r));
	r.target = FS_T_MARK;
	r.mark = 0x2f0000;
	r.mask = 0x7f0000;
	ck_assert_int_ge(fs_prule_format(&r, 4, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "-j MARK --set-xmark 0x2f0000/0x7f0000");
	r.target = FS_T_GOTO;
	snprintf(r.chain, sizeof(r.chain), "FLOWSPEC4-0000abcd-a");
	ck_assert_int_ge(fs_prule_format(&r, 4, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "-g FLOWSPEC4-0000abcd-a");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_loop_test(tc, atoms, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, hashlimit_and_targets);
	suite_add_tcase(s, tc);
	return fs_check_run(s);
}
