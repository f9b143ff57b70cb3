/*
 * test_config.c - the YAML configuration: defaults, a file setting every
 * key, every error class with its exact file:line:column, key path and
 * value (and the configuration left untouched), booleans, hex, the bounds
 * of every integer key, prefixes, route targets, list and size caps,
 * layering one file over another, fs_config_load, and examples/injector.yaml
 * (every key at its default).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "flowspec/config.h"
#include "flowspec/ecomm.h"
#include "flowspec/log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ALL_KEYS ((1ULL << FS_CK__COUNT) - 1)
#define BIT(k) (1ULL << (k))
#define EXAMPLE FS_FIXTURES_DIR "/../../examples/injector.yaml"

static int parse(const char *doc, struct fs_config *c, struct fs_err *err)
{
	return fs_config_parse(doc, strlen(doc), "t.yaml", c, err);
}

/* Asserts that every field but set is equal. */
static void assert_same(const struct fs_config *a, const struct fs_config *b)
{
	unsigned i;

	ck_assert_str_eq(a->source, b->source);
	ck_assert_str_eq(a->chain, b->chain);
	ck_assert_str_eq(a->hook, b->hook);
	ck_assert_str_eq(a->mangle_hook, b->mangle_hook);
	ck_assert_str_eq(a->in_interface, b->in_interface);
	ck_assert_str_eq(a->out_interface, b->out_interface);
	ck_assert_int_eq(a->order, b->order);
	ck_assert_int_eq(a->seq_form, b->seq_form);
	ck_assert_uint_eq(a->seq_type, b->seq_type);
	ck_assert_int_eq(a->accept, b->accept);
	ck_assert_uint_eq(a->nflog_group, b->nflog_group);
	ck_assert_uint_eq(a->window_ms, b->window_ms);
	ck_assert_uint_eq(a->max_pending, b->max_pending);
	ck_assert_uint_eq(a->max_delay_ms, b->max_delay_ms);
	ck_assert_uint_eq(a->hold_ms, b->hold_ms);
	ck_assert_uint_eq(a->lock_wait_ms, b->lock_wait_ms);
	ck_assert_str_eq(a->state_dir, b->state_dir);
	ck_assert_int_eq(a->log_level, b->log_level);
	ck_assert_int_eq(a->log_dest, b->log_dest);
	ck_assert_uint_eq(a->nimport_rts, b->nimport_rts);
	for (i = 0; i < a->nimport_rts; i++)
		ck_assert_uint_eq(a->import_rts[i], b->import_rts[i]);
	ck_assert(a->apply_untargeted == b->apply_untargeted);
	ck_assert_uint_eq(a->max_routes, b->max_routes);
	ck_assert_uint_eq(a->max_routes_per_neighbor, b->max_routes_per_neighbor);
	ck_assert_uint_eq(a->nprotected, b->nprotected);
	for (i = 0; i < a->nprotected; i++) {
		ck_assert_uint_eq(a->protected[i].family, b->protected[i].family);
		ck_assert_uint_eq(a->protected[i].len, b->protected[i].len);
		ck_assert_mem_eq(a->protected[i].addr, b->protected[i].addr, 16);
	}
	ck_assert(a->protect_peers == b->protect_peers);
	ck_assert_str_eq(a->vtysh, b->vtysh);
	ck_assert_str_eq(a->vtysh_socket, b->vtysh_socket);
	ck_assert_uint_eq(a->vtysh_timeout_s, b->vtysh_timeout_s);
	ck_assert(a->peer_down_keep == b->peer_down_keep);
	ck_assert_uint_eq(a->interval_s, b->interval_s);
	ck_assert_uint_eq(a->redirect_mark_mask, b->redirect_mark_mask);
	ck_assert_uint_eq(a->redirect_rule_priority, b->redirect_rule_priority);
	ck_assert_uint_eq(a->nredirects, b->nredirects);
	for (i = 0; i < a->nredirects; i++) {
		ck_assert_uint_eq(a->redirect_rts[i], b->redirect_rts[i]);
		ck_assert_uint_eq(a->redirect_tables[i], b->redirect_tables[i]);
	}
	ck_assert_uint_eq(a->redirect_ip_tables, b->redirect_ip_tables);
	ck_assert_uint_eq(a->redirect_ip_table_base, b->redirect_ip_table_base);
}

/* ---- defaults and a file setting everything ----------------------------------- */

START_TEST(test_defaults)
{
	struct fs_config c;

	memset(&c, 0xa5, sizeof(c));
	fs_config_default(&c);
	ck_assert_uint_eq(c.set, 0);
	ck_assert_str_eq(c.source, "exabgp");
	ck_assert_str_eq(c.chain, "FLOWSPEC");
	ck_assert_str_eq(c.hook, "FORWARD");
	ck_assert_str_eq(c.mangle_hook, "POSTROUTING");
	ck_assert_str_eq(c.in_interface, "");
	ck_assert_str_eq(c.out_interface, "");
	ck_assert_int_eq(c.order, 0);
	ck_assert_int_eq(c.seq_form, FS_SEQ_CLEAN);
	ck_assert_uint_eq(c.seq_type, 0x80ff);
	ck_assert_int_eq(c.accept, 0);
	ck_assert_uint_eq(c.nflog_group, 0);
	ck_assert_uint_eq(c.window_ms, 50);
	ck_assert_uint_eq(c.max_pending, 10000);
	ck_assert_uint_eq(c.max_delay_ms, 200);
	ck_assert_uint_eq(c.hold_ms, 1000);
	ck_assert_uint_eq(c.lock_wait_ms, 5000);
	ck_assert_str_eq(c.state_dir, "/run/flowspec-acl");
	ck_assert_int_eq(c.log_level, FS_LOG_INFO);
	ck_assert_int_eq(c.log_dest, FS_CFG_LOG_STDERR);
	ck_assert_uint_eq(c.nimport_rts, 0);
	ck_assert(!c.apply_untargeted);
	ck_assert_uint_eq(c.max_routes, 100000);
	ck_assert_uint_eq(c.max_routes_per_neighbor, 0);
	ck_assert_uint_eq(c.nprotected, 0);
	ck_assert(!c.protect_peers);
	ck_assert_str_eq(c.vtysh, "/usr/bin/vtysh");
	ck_assert_str_eq(c.vtysh_socket, "");
	ck_assert_uint_eq(c.vtysh_timeout_s, 10);
	ck_assert(!c.peer_down_keep);
	ck_assert_uint_eq(c.interval_s, 0);
	ck_assert_uint_eq(c.redirect_mark_mask, 0x0000ff00);
	ck_assert_uint_eq(c.redirect_rule_priority, 1000);
	ck_assert_uint_eq(c.nredirects, 0);
	ck_assert_uint_eq(c.redirect_ip_tables, 0);
	ck_assert_uint_eq(c.redirect_ip_table_base, 2000);
}
END_TEST

static const char full_doc[] =
    "# every key, none at its default\n"
    "source: frr\n"
    "chain: FS_test-1\n"
    "hook: INPUT\n"
    "mangle-hook: PREROUTING\n"
    "in-interface: eth0.100\n"
    "out-interface: bond1\n"
    "order: sequence\n"
    "sequence-community: paper\n"
    "sequence-type: 0x8123\n"
    "accept: accept\n"
    "nflog-group: 7\n"
    "commit:\n"
    "  window-ms: 10\n"
    "  max-pending: 500\n"
    "  max-delay-ms: 300\n"
    "  hold-ms: 2500\n"
    "lock-wait-ms: 0\n"
    "state-dir: /var/lib/fs\n"
    "log: {level: debug, destination: syslog}\n"
    "import-route-targets:\n"
    "  - 65000:10\n"
    "  - \"4200000000:7\"\n"
    "  - '192.0.2.1:9'\n"
    "apply-untargeted: yes\n"
    "max-routes: 2000\n"
    "max-routes-per-neighbor: 300\n"
    "protected-prefixes: [ 192.0.2.0/24, \"2001:db8::/32\" ]\n"
    "protect-bgp-peers: off\n"
    "frr:\n"
    "  vtysh: /opt/frr/bin/vtysh\n"
    "  vtysh-socket: /run/frr/ns1\n"
    "  vtysh-timeout: 30\n"
    "  peer-down: keep\n"
    "  interval: 15\n"
    "redirect:\n"
    "  mark-mask: 0x0f000000\n"
    "  rule-priority: 77\n"
    "  map:\n"
    "    \"65000:100\": 100\n"
    "    4200000000:7: 4000000000\n"
    "  ip-tables: 12\n"
    "  ip-table-base: 300\n";

START_TEST(test_full)
{
	static const uint8_t net4[16] = { 192, 0, 2, 0 };
	static const uint8_t net6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct fs_config c;
	struct fs_err err;

	fs_config_default(&c);
	ck_assert_msg(parse(full_doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.set, ALL_KEYS);
	ck_assert_str_eq(c.source, "frr");
	ck_assert_str_eq(c.chain, "FS_test-1");
	ck_assert_str_eq(c.hook, "INPUT");
	ck_assert_str_eq(c.mangle_hook, "PREROUTING");
	ck_assert_str_eq(c.in_interface, "eth0.100");
	ck_assert_str_eq(c.out_interface, "bond1");
	ck_assert_int_eq(c.order, 1);
	ck_assert_int_eq(c.seq_form, FS_SEQ_PAPER);
	ck_assert_uint_eq(c.seq_type, 0x8123);
	ck_assert_int_eq(c.accept, 1);
	ck_assert_uint_eq(c.nflog_group, 7);
	ck_assert_uint_eq(c.window_ms, 10);
	ck_assert_uint_eq(c.max_pending, 500);
	ck_assert_uint_eq(c.max_delay_ms, 300);
	ck_assert_uint_eq(c.hold_ms, 2500);
	ck_assert_uint_eq(c.lock_wait_ms, 0);
	ck_assert_str_eq(c.state_dir, "/var/lib/fs");
	ck_assert_int_eq(c.log_level, FS_LOG_DEBUG);
	ck_assert_int_eq(c.log_dest, FS_CFG_LOG_SYSLOG);
	ck_assert_uint_eq(c.nimport_rts, 3);
	ck_assert_uint_eq(c.import_rts[0], 0x0002fde80000000aULL);
	ck_assert_uint_eq(c.import_rts[1], (0x0202ULL << 48) | (4200000000ULL << 16) | 7);
	ck_assert_uint_eq(c.import_rts[2], 0x0102c00002010009ULL);
	ck_assert(c.apply_untargeted);
	ck_assert_uint_eq(c.max_routes, 2000);
	ck_assert_uint_eq(c.max_routes_per_neighbor, 300);
	ck_assert_uint_eq(c.nprotected, 2);
	ck_assert_uint_eq(c.protected[0].family, 4);
	ck_assert_uint_eq(c.protected[0].len, 24);
	ck_assert_mem_eq(c.protected[0].addr, net4, 16);
	ck_assert_uint_eq(c.protected[1].family, 6);
	ck_assert_uint_eq(c.protected[1].len, 32);
	ck_assert_mem_eq(c.protected[1].addr, net6, 16);
	ck_assert(!c.protect_peers);
	ck_assert_str_eq(c.vtysh, "/opt/frr/bin/vtysh");
	ck_assert_str_eq(c.vtysh_socket, "/run/frr/ns1");
	ck_assert_uint_eq(c.vtysh_timeout_s, 30);
	ck_assert(c.peer_down_keep);
	ck_assert_uint_eq(c.interval_s, 15);
	ck_assert_uint_eq(c.redirect_mark_mask, 0x0f000000);
	ck_assert_uint_eq(c.redirect_rule_priority, 77);
	ck_assert_uint_eq(c.nredirects, 2);
	ck_assert_uint_eq(c.redirect_rts[0], 0x0002fde800000064ULL);
	ck_assert_uint_eq(c.redirect_tables[0], 100);
	ck_assert_uint_eq(c.redirect_rts[1], (0x0202ULL << 48) | (4200000000ULL << 16) | 7);
	ck_assert_uint_eq(c.redirect_tables[1], 4000000000u);
	ck_assert_uint_eq(c.redirect_ip_tables, 12);
	ck_assert_uint_eq(c.redirect_ip_table_base, 300);
}
END_TEST

/* Documents that set nothing: all defaults, set = 0. */
static const char *const empty_docs[] = {
	"", "\n\n", "# only a comment\n", "# one\n\n   # two\n", "---\n", "---\n...\n", "{}\n", "~\n",
	"commit:\n", "commit: ~\n", "log: {}\nfrr:\n  # interval: 5\n", "%YAML 1.1\n---\n{}\n",
	"\xef\xbb\xbf# a byte-order mark\n",
};

START_TEST(test_empty)
{
	struct fs_config c, d;
	struct fs_err err;

	fs_config_default(&c);
	fs_config_default(&d);
	ck_assert_msg(parse(empty_docs[_i], &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.set, 0);
	assert_same(&c, &d);
}
END_TEST

/* A second file over the first: keys it does not name keep the first's values. */
START_TEST(test_layering)
{
	struct fs_config c;
	struct fs_err err;

	fs_config_default(&c);
	ck_assert_int_eq(parse("chain: ONE\nimport-route-targets: [1:1, 2:2]\ncommit: {hold-ms: 5}\n",
	    &c, &err), 0);
	ck_assert_int_eq(parse("hook: TWO\nimport-route-targets: [3:3]\ncommit: {window-ms: 9}\n",
	    &c, &err), 0);
	ck_assert_str_eq(c.chain, "ONE");
	ck_assert_str_eq(c.hook, "TWO");
	ck_assert_uint_eq(c.hold_ms, 5);
	ck_assert_uint_eq(c.window_ms, 9);
	ck_assert_uint_eq(c.nimport_rts, 1); /* a list is replaced, not appended to */
	ck_assert_uint_eq(c.import_rts[0], 0x0002000300000003ULL);
	ck_assert_uint_eq(c.set, BIT(FS_CK_CHAIN) | BIT(FS_CK_HOOK) | BIT(FS_CK_IMPORT_RTS)
	    | BIT(FS_CK_HOLD) | BIT(FS_CK_WINDOW));
	/* an empty list empties it */
	ck_assert_int_eq(parse("import-route-targets: []\n", &c, &err), 0);
	ck_assert_uint_eq(c.nimport_rts, 0);
}
END_TEST

/* ---- errors: exact message, and c untouched ------------------------------------- */

static const struct {
	const char *doc;
	enum fs_err_code code;
	const char *want; /* the whole message */
} errors[] = {
	/* unknown keys */
	{ "foo: 1\n", FS_E_UNKNOWN, "t.yaml:1:1: unknown key: \"foo\"" },
	{ "chain: A\nchian: B\n", FS_E_UNKNOWN, "t.yaml:2:1: unknown key (did you mean chain?): \"chian\"" },
	{ "commit:\n  windw-ms: 5\n", FS_E_UNKNOWN,
	  "t.yaml:2:3: commit: unknown key (did you mean window-ms?): \"windw-ms\"" },
	{ "window-ms: 5\n", FS_E_UNKNOWN,
	  "t.yaml:1:1: unknown key (it belongs under commit:): \"window-ms\"" },
	{ "frr:\n  chain: A\n", FS_E_UNKNOWN,
	  "t.yaml:2:3: frr: unknown key (it belongs at the top level): \"chain\"" },
	{ "log: {level: info, color: red}\n", FS_E_UNKNOWN, "t.yaml:1:20: log: unknown key: \"color\"" },
	{ "Chain: A\n", FS_E_UNKNOWN, "t.yaml:1:1: unknown key (did you mean chain?): \"Chain\"" },
	{ "<<: {chain: A}\n", FS_E_UNKNOWN, "t.yaml:1:1: unknown key: \"<<\"" },
	/* duplicate keys */
	{ "chain: A\nhook: B\nchain: C\n", FS_E_VALUE,
	  "t.yaml:3:1: duplicate key (first at line 1, column 1): \"chain\"" },
	{ "commit:\n  hold-ms: 1\n  hold-ms: 2\n", FS_E_VALUE,
	  "t.yaml:3:3: commit: duplicate key (first at line 2, column 3): \"hold-ms\"" },
	{ "commit: {}\nlog: {}\ncommit: {}\n", FS_E_VALUE,
	  "t.yaml:3:1: duplicate key (first at line 1, column 1): \"commit\"" },
	{ "chain: A\n\"chain\": B\n", FS_E_VALUE,
	  "t.yaml:2:1: duplicate key (first at line 1, column 1): \"chain\"" },
	/* wrong types */
	{ "chain: {a: 1}\n", FS_E_VALUE, "t.yaml:1:8: chain: expected a chain name, got a mapping" },
	{ "commit:\n  window-ms: [1]\n", FS_E_VALUE,
	  "t.yaml:2:14: commit: window-ms: expected an integer, got a sequence" },
	{ "commit: 5\n", FS_E_VALUE, "t.yaml:1:9: commit: expected a mapping, got a scalar: \"5\"" },
	{ "log: [info]\n", FS_E_VALUE, "t.yaml:1:6: log: expected a mapping, got a sequence" },
	{ "protected-prefixes: 192.0.2.0/24\n", FS_E_VALUE,
	  "t.yaml:1:21: protected-prefixes: expected a sequence (write [] for none), got a scalar: "
	  "\"192.0.2.0/24\"" },
	{ "import-route-targets:\n", FS_E_VALUE,
	  "t.yaml:1:22: import-route-targets: expected a sequence (write [] for none), got null: \"\"" },
	{ "import-route-targets:\n  - {a: 1}\n", FS_E_VALUE,
	  "t.yaml:2:5: import-route-targets: expected a route target, got a mapping" },
	{ "protected-prefixes: [[10.0.0.0/8]]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: expected a prefix, got a sequence" },
	{ "protected-prefixes: [~]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: expected a prefix, got null: \"~\"" },
	{ "nflog-group: \"5\"\n", FS_E_VALUE,
	  "t.yaml:1:14: nflog-group: expected an integer, got a quoted string: \"5\"" },
	{ "chain:\nhook: B\n", FS_E_VALUE, "t.yaml:1:7: chain: expected a chain name, got null: \"\"" },
	{ "state-dir: null\n", FS_E_VALUE,
	  "t.yaml:1:12: state-dir: expected an absolute path, got null: \"null\"" },
	{ "? [a]\n: 1\n", FS_E_VALUE, "t.yaml:1:3: a key must be a scalar, got a sequence" },
	/* out of range, bad numbers */
	{ "commit:\n  window-ms: 70000\n", FS_E_VALUE,
	  "t.yaml:2:14: commit: window-ms: out of range 0..60000: \"70000\"" },
	{ "sequence-type: 0x10000\n", FS_E_VALUE,
	  "t.yaml:1:16: sequence-type: out of range 0x0..0xffff: \"0x10000\"" },
	{ "max-routes: 99999999999999999999999999\n", FS_E_VALUE,
	  "t.yaml:1:13: max-routes: out of range 1..1000000: \"99999999999999999999999999\"" },
	{ "lock-wait-ms: -1\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"-1\"" },
	{ "lock-wait-ms: +1\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"+1\"" },
	{ "lock-wait-ms: 1_000\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"1_000\"" },
	{ "lock-wait-ms: 1.5\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"1.5\"" },
	{ "lock-wait-ms: 0x\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"0x\"" },
	{ "lock-wait-ms: 0x1g\n", FS_E_VALUE,
	  "t.yaml:1:15: lock-wait-ms: expected an unsigned integer (decimal or 0x hex): \"0x1g\"" },
	{ "nflog-group: 010\n", FS_E_VALUE,
	  "t.yaml:1:14: nflog-group: a leading zero is ambiguous (YAML 1.1 reads octal); write "
	  "decimal or 0x hex: \"010\"" },
	/* enums: exact spelling, the allowed words listed */
	{ "order: rfc8956\n", FS_E_VALUE,
	  "t.yaml:1:8: order: expected rfc8955 or sequence, got a scalar: \"rfc8956\"" },
	{ "source: FRR\n", FS_E_VALUE, "t.yaml:1:9: source: expected exabgp or frr, got a scalar: \"FRR\"" },
	{ "sequence-community: clear\n", FS_E_VALUE,
	  "t.yaml:1:21: sequence-community: expected clean, paper or none, got a scalar: \"clear\"" },
	{ "accept: drop\n", FS_E_VALUE, "t.yaml:1:9: accept: expected return or accept, got a scalar: \"drop\"" },
	{ "log:\n  level: verbose\n", FS_E_VALUE,
	  "t.yaml:2:10: log: level: expected error, warning, info or debug, got a scalar: \"verbose\"" },
	{ "log:\n  destination: [syslog]\n", FS_E_VALUE,
	  "t.yaml:2:16: log: destination: expected stderr or syslog, got a sequence" },
	{ "frr:\n  peer-down: drop\n", FS_E_VALUE,
	  "t.yaml:2:14: frr: peer-down: expected flush or keep, got a scalar: \"drop\"" },
	/* booleans */
	{ "apply-untargeted: maybe\n", FS_E_VALUE,
	  "t.yaml:1:19: apply-untargeted: expected true or false (or yes/no, on/off), got a scalar: "
	  "\"maybe\"" },
	{ "protect-bgp-peers: \"yes\"\n", FS_E_VALUE,
	  "t.yaml:1:20: protect-bgp-peers: expected true or false (or yes/no, on/off), got a quoted "
	  "string: \"yes\"" },
	/* strings */
	{ "chain: FLOW SPEC\n", FS_E_VALUE,
	  "t.yaml:1:8: chain: expected 1 to 20 characters of A-Z, a-z, 0-9, _ and -: \"FLOW SPEC\"" },
	{ "hook: \"\"\n", FS_E_VALUE,
	  "t.yaml:1:7: hook: expected 1 to 20 characters of A-Z, a-z, 0-9, _ and -: \"\"" },
	{ "mangle-hook: ABCDEFGHIJKLMNOPQRSTUVWXYZabc\n", FS_E_VALUE,
	  "t.yaml:1:14: mangle-hook: expected 1 to 20 characters of A-Z, a-z, 0-9, _ and -: "
	  "\"ABCDEFGHIJKLMNOPQRSTUVWXYZabc\"" },
	{ "in-interface: abcdefghijklmnop\n", FS_E_VALUE,
	  "t.yaml:1:15: in-interface: longer than 15 characters: \"abcdefghijklmnop\"" },
	{ "in-interface: eth0/1\n", FS_E_VALUE,
	  "t.yaml:1:15: in-interface: not an interface name ('/', ':', blanks and control characters "
	  "are not allowed): \"eth0/1\"" },
	{ "in-interface: \"eth0:1\"\n", FS_E_VALUE,
	  "t.yaml:1:15: in-interface: not an interface name ('/', ':', blanks and control characters "
	  "are not allowed): \"eth0:1\"" },
	{ "in-interface: \"eth 0\"\n", FS_E_VALUE,
	  "t.yaml:1:15: in-interface: not an interface name ('/', ':', blanks and control characters "
	  "are not allowed): \"eth 0\"" },
	{ "state-dir: run/fs\n", FS_E_VALUE, "t.yaml:1:12: state-dir: expected an absolute path: \"run/fs\"" },
	{ "frr:\n  vtysh: vtysh\n", FS_E_VALUE,
	  "t.yaml:2:10: frr: vtysh: expected an absolute path: \"vtysh\"" },
	{ "chain: \"A\\0B\"\n", FS_E_VALUE, "t.yaml:1:8: chain: contains a NUL character: \"A\\x00B\"" },
	/* prefixes */
	{ "protected-prefixes:\n  - 192.0.2.0/24\n  - 192.0.2.1/24\n", FS_E_VALUE,
	  "t.yaml:3:5: protected-prefixes: host bits set (the network is 192.0.2.0/24): \"192.0.2.1/24\"" },
	{ "protected-prefixes: [\"2001:db8::1/32\"]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: host bits set (the network is 2001:db8::/32): "
	  "\"2001:db8::1/32\"" },
	{ "protected-prefixes: [10.0.0.0/33]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: the prefix length must be 0..32: \"10.0.0.0/33\"" },
	{ "protected-prefixes: [\"::/129\"]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: the prefix length must be 0..128: \"::/129\"" },
	{ "protected-prefixes: [10.0.0.0/0x8]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: the prefix length must be 0..32: \"10.0.0.0/0x8\"" },
	{ "protected-prefixes: [10.0.0.0/]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: the prefix length must be 0..32: \"10.0.0.0/\"" },
	{ "protected-prefixes: [10.0.0.0]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: expected ADDRESS/LENGTH: \"10.0.0.0\"" },
	{ "protected-prefixes: [10.0.0.256/32]\n", FS_E_VALUE,
	  "t.yaml:1:22: protected-prefixes: not an IPv4 or IPv6 address: \"10.0.0.256/32\"" },
	/* route targets */
	{ "import-route-targets: [\"65000\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"65000\"" },
	{ "import-route-targets: [\"4200000000:70000\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"4200000000:70000\"" },
	{ "import-route-targets: [\"192.0.2.1:70000\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"192.0.2.1:70000\"" },
	{ "import-route-targets: [\"65000:4294967296\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"65000:4294967296\"" },
	{ "import-route-targets: [\" 65000:1\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \" 65000:1\"" },
	{ "import-route-targets: [\"65000:+1\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"65000:+1\"" },
	{ "import-route-targets: [\"300.0.0.1:1\"]\n", FS_E_VALUE,
	  "t.yaml:1:24: import-route-targets: not a route target (ASN:N or IPv4:N): \"300.0.0.1:1\"" },
	/* the document */
	{ "- a\n- b\n", FS_E_VALUE, "t.yaml:1:1: the top level must be a mapping of keys, got a sequence" },
	{ "hello\n", FS_E_VALUE,
	  "t.yaml:1:1: the top level must be a mapping of keys, got a scalar: \"hello\"" },
	{ "chain: A\n---\nhook: B\n", FS_E_UNSUPPORTED,
	  "t.yaml:2:1: a second YAML document; the file must hold one" },
	{ "---\n...\n---\n", FS_E_UNSUPPORTED, "t.yaml:3:1: a second YAML document; the file must hold one" },
	{ "chain: &c A\nhook: *c\n", FS_E_UNSUPPORTED,
	  "t.yaml:1:8: chain: anchors and aliases are not supported: \"&c\"" },
	{ "hook: *c\n", FS_E_UNSUPPORTED, "t.yaml:1:7: hook: anchors and aliases are not supported: \"*c\"" },
	{ "commit: &m {hold-ms: 1}\n", FS_E_UNSUPPORTED,
	  "t.yaml:1:9: commit: anchors and aliases are not supported: \"&m\"" },
	{ "nflog-group: !!int 5\n", FS_E_UNSUPPORTED,
	  "t.yaml:1:14: nflog-group: tags are not supported: \"tag:yaml.org,2002:int\"" },
	/* YAML syntax, libyaml's words with its mark */
	{ "import-route-targets: [1:1\n", FS_E_SYNTAX,
	  "t.yaml:2:1: YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, "
	  "column 23)" },
	{ "commit:\n  window-ms: 5\n hold-ms: 1\n", FS_E_SYNTAX,
	  "t.yaml:3:2: YAML: did not find expected key (while parsing a block mapping at line 1, "
	  "column 1)" },
	{ "chain: A\nchain", FS_E_SYNTAX,
	  "t.yaml:3:1: YAML: could not find expected ':' (while scanning a simple key at line 2, "
	  "column 1)" },
	{ "commit:\n\twindow-ms: 5\n", FS_E_SYNTAX,
	  "t.yaml:2:1: YAML: found character that cannot start any token (while scanning for the next "
	  "token at line 2, column 1)" },
	{ "chain: A\nhook: B: C\n", FS_E_SYNTAX,
	  "t.yaml:2:8: YAML: mapping values are not allowed in this context" },
	{ "chain: A\nhook: \"B\n", FS_E_SYNTAX,
	  "t.yaml:3:1: YAML: found unexpected end of stream (while scanning a quoted scalar at line 2, "
	  "column 7)" },
	{ "chain: \xff\n", FS_E_SYNTAX, "t.yaml:1:8: YAML: invalid leading UTF-8 octet (#xFF)" },
	{ "chain: A\nhook: B\x01\n", FS_E_SYNTAX,
	  "t.yaml:2:8: YAML: control characters are not allowed (#x1)" },
	/* redirect */
	{ "redirect:\n  mark-mask: 0x0f0f\n", FS_E_VALUE,
	  "t.yaml:2:14: redirect: mark-mask: the mask's bits must be contiguous: \"0x0f0f\"" },
	{ "redirect:\n  mark-mask: 0x00ff0000\n", FS_E_VALUE,
	  "t.yaml:2:14: redirect: mark-mask: overlaps the DSCP tag bits 0x007f0000 the translator "
	  "reserves: \"0x00ff0000\"" },
	{ "redirect:\n  map:\n    65000:1: 254\n", FS_E_VALUE,
	  "t.yaml:3:14: redirect: map: expected a routing table number 1..4294967295 other than 253 "
	  "(default), 254 (main) and 255 (local): \"254\"" },
	{ "redirect:\n  map:\n    65000:1: 4294967296\n", FS_E_VALUE,
	  "t.yaml:3:14: redirect: map: expected a routing table number 1..4294967295 other than 253 "
	  "(default), 254 (main) and 255 (local): \"4294967296\"" },
	{ "redirect:\n  map:\n    65000:1: 100\n    \"65000:1\": 101\n", FS_E_VALUE,
	  "t.yaml:4:5: redirect: map: route target given twice: \"65000:1\"" },
	{ "redirect:\n  map:\n    65000: 100\n", FS_E_VALUE,
	  "t.yaml:3:5: redirect: map: not a route target (ASN:N or IPv4:N): \"65000\"" },
	{ "redirect:\n  map:\n    65000:1: [100]\n", FS_E_VALUE,
	  "t.yaml:3:14: redirect: map: expected a routing table number, got a sequence" },
	{ "redirect:\n  map: [ 65000:1 ]\n", FS_E_VALUE,
	  "t.yaml:2:8: redirect: map: expected a mapping of route target to table (write {} for none), "
	  "got a sequence" },
	{ "redirect:\n  mark-mask: 0x3\n  map: {1:1: 100, 1:2: 101}\n  ip-tables: 2\n", FS_E_VALUE,
	  "t.yaml:1:1: redirect: mark-mask 0x3 has 3 marks, fewer than the 2 map entries and 2 "
	  "ip-tables need" },
	{ "redirect:\n  ip-tables: 3\n  ip-table-base: 252\n", FS_E_VALUE,
	  "t.yaml:1:1: redirect: ip-table-base 252: its tables include the reserved table 253" },
	{ "redirect:\n  map: {1:1: 2001}\n  ip-tables: 2\n  ip-table-base: 2000\n", FS_E_VALUE,
	  "t.yaml:1:1: redirect: ip-table-base 2000: table 2001 is also in the map" },
	{ "redirect:\n  ip-tables: 65\n", FS_E_VALUE,
	  "t.yaml:2:14: redirect: ip-tables: out of range 0..64: \"65\"" },
};

START_TEST(test_errors)
{
	struct fs_config c, before;
	struct fs_err err;

	/* start from a non-default configuration: a failing parse must leave it all */
	fs_config_default(&c);
	ck_assert_int_eq(parse(full_doc, &c, &err), 0);
	memcpy(&before, &c, sizeof(c));
	ck_assert_int_eq(parse(errors[_i].doc, &c, &err), -1);
	ck_assert_str_eq(err.msg, errors[_i].want);
	ck_assert_msg(err.code == errors[_i].code, "code %s for %s", fs_err_code_name(err.code),
	    err.msg);
	ck_assert_msg(memcmp(&c, &before, sizeof(c)) == 0, "c changed by %s", err.msg);
}
END_TEST

/* An error after valid keys: nothing of the valid part is applied either. */
START_TEST(test_error_after_valid_keys)
{
	struct fs_config c, before;
	struct fs_err err;

	fs_config_default(&c);
	memcpy(&before, &c, sizeof(c));
	ck_assert_int_eq(parse("chain: NEW\nimport-route-targets: [1:2]\nprotected-prefixes: "
	    "[10.0.0.0/8]\ncommit: {window-ms: 1}\nhook: B\nhook: C\n", &c, &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:6:1: duplicate key (first at line 5, column 1): \"hook\"");
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
	ck_assert_str_eq(c.chain, "FLOWSPEC");
	ck_assert_uint_eq(c.set, 0);
}
END_TEST

/* A long value is cut in the message; the message names the key and the place. */
START_TEST(test_long_values)
{
	struct fs_config c;
	struct fs_err err;
	char doc[600], want[300];

	fs_config_default(&c);
	/* 255 characters fit state-dir and vtysh, 256 do not */
	snprintf(doc, sizeof(doc), "state-dir: /%0254d\n", 0);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(strlen(c.state_dir), 255);
	snprintf(doc, sizeof(doc), "state-dir: /%0255d\n", 0);
	ck_assert_int_eq(parse(doc, &c, &err), -1);
	snprintf(want, sizeof(want), "t.yaml:1:12: state-dir: longer than 255 characters: \"/%063d...\"", 0);
	ck_assert_str_eq(err.msg, want);
	snprintf(doc, sizeof(doc), "frr:\n  vtysh-socket: %0256d\n", 0);
	ck_assert_int_eq(parse(doc, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.yaml:2:17: frr: vtysh-socket: longer than 255 characters"));
	snprintf(doc, sizeof(doc), "frr:\n  vtysh-socket: %0255d\n", 0);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(strlen(c.vtysh_socket), 255);
	snprintf(doc, sizeof(doc), "frr:\n  vtysh: /%0255d\n", 0);
	ck_assert_int_eq(parse(doc, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.yaml:2:10: frr: vtysh: longer than 255 characters"));
	/* the chain name limit: 20, as --chain */
	ck_assert_int_eq(parse("chain: ABCDEFGHIJKLMNOPQRST\n", &c, &err), 0);
	ck_assert_str_eq(c.chain, "ABCDEFGHIJKLMNOPQRST");
	ck_assert_int_eq(parse("chain: ABCDEFGHIJKLMNOPQRSTU\n", &c, &err), -1);
	ck_assert_int_eq(parse("in-interface: abcdefghijklmno\n", &c, &err), 0);
	ck_assert_str_eq(c.in_interface, "abcdefghijklmno");
	ck_assert_int_eq(parse("in-interface: \"\"\n", &c, &err), 0);
	ck_assert_str_eq(c.in_interface, "");
	ck_assert_int_eq(parse("in-interface: eth+\n", &c, &err), 0);
	ck_assert_str_eq(c.in_interface, "eth+");
}
END_TEST

/* ---- booleans and integers ------------------------------------------------------ */

static const struct {
	const char *word;
	int want; /* 1 true, 0 false, -1 an error */
} bools[] = {
	{ "true", 1 }, { "True", 1 }, { "TRUE", 1 }, { "tRuE", 1 }, { "yes", 1 }, { "Yes", 1 },
	{ "YES", 1 }, { "on", 1 }, { "On", 1 }, { "ON", 1 },
	{ "false", 0 }, { "False", 0 }, { "FALSE", 0 }, { "no", 0 }, { "No", 0 }, { "NO", 0 },
	{ "off", 0 }, { "Off", 0 }, { "OFF", 0 },
	{ "y", -1 }, { "n", -1 }, { "1", -1 }, { "0", -1 }, { "t", -1 }, { "\"true\"", -1 },
	{ "'no'", -1 }, { "truee", -1 }, { "enabled", -1 }, { "~", -1 }, { "[true]", -1 },
};

START_TEST(test_bools)
{
	struct fs_config c;
	struct fs_err err;
	char doc[128];

	fs_config_default(&c);
	snprintf(doc, sizeof(doc), "apply-untargeted: %s\nprotect-bgp-peers: %s\n", bools[_i].word,
	    bools[_i].word);
	if (bools[_i].want < 0) {
		ck_assert_int_eq(parse(doc, &c, &err), -1);
		ck_assert_msg(strncmp(err.msg, "t.yaml:1:19: apply-untargeted: expected true or false",
		    53) == 0, "%s", err.msg);
		return;
	}
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert(c.apply_untargeted == (bools[_i].want == 1));
	ck_assert(c.protect_peers == (bools[_i].want == 1));
	ck_assert_uint_eq(c.set, BIT(FS_CK_APPLY_UNTARGETED) | BIT(FS_CK_PROTECT_PEERS));
}
END_TEST

/* Every integer key: where it is, its bounds, how to read it back. */
static const struct {
	int ck;
	const char *pre;          /* the document up to the value */
	unsigned long min, max;
	const char *path, *range; /* in the message */
	int col;
	int line;
} ints[] = {
	{ FS_CK_SEQ_TYPE, "sequence-type: ", 0, 0xffff, "sequence-type", "0x0..0xffff", 16, 1 },
	{ FS_CK_NFLOG_GROUP, "nflog-group: ", 0, 65535, "nflog-group", "0..65535", 14, 1 },
	{ FS_CK_WINDOW, "commit:\n  window-ms: ", 0, 60000, "commit: window-ms", "0..60000", 14, 2 },
	{ FS_CK_MAX_PENDING, "commit:\n  max-pending: ", 1, 10000000, "commit: max-pending",
	  "1..10000000", 16, 2 },
	{ FS_CK_MAX_DELAY, "commit:\n  max-delay-ms: ", 0, 600000, "commit: max-delay-ms",
	  "0..600000", 17, 2 },
	{ FS_CK_HOLD, "commit:\n  hold-ms: ", 0, 600000, "commit: hold-ms", "0..600000", 12, 2 },
	{ FS_CK_LOCK_WAIT, "lock-wait-ms: ", 0, 600000, "lock-wait-ms", "0..600000", 15, 1 },
	{ FS_CK_MAX_ROUTES, "max-routes: ", 1, 1000000, "max-routes", "1..1000000", 13, 1 },
	{ FS_CK_MAX_ROUTES_PEER, "max-routes-per-neighbor: ", 0, 1000000,
	  "max-routes-per-neighbor", "0..1000000", 26, 1 },
	{ FS_CK_VTYSH_TIMEOUT, "frr:\n  vtysh-timeout: ", 1, 3600, "frr: vtysh-timeout",
	  "1..3600", 18, 2 },
	{ FS_CK_INTERVAL, "frr:\n  interval: ", 1, 86400, "frr: interval", "1..86400", 13, 2 },
};

static unsigned long get_uint(const struct fs_config *c, int ck)
{
	switch (ck) {
	case FS_CK_SEQ_TYPE: return c->seq_type;
	case FS_CK_NFLOG_GROUP: return c->nflog_group;
	case FS_CK_WINDOW: return c->window_ms;
	case FS_CK_MAX_PENDING: return c->max_pending;
	case FS_CK_MAX_DELAY: return c->max_delay_ms;
	case FS_CK_HOLD: return c->hold_ms;
	case FS_CK_LOCK_WAIT: return c->lock_wait_ms;
	case FS_CK_MAX_ROUTES: return c->max_routes;
	case FS_CK_MAX_ROUTES_PEER: return c->max_routes_per_neighbor;
	case FS_CK_VTYSH_TIMEOUT: return c->vtysh_timeout_s;
	case FS_CK_INTERVAL: return c->interval_s;
	}
	ck_abort_msg("no such integer key %d", ck);
	return 0;
}

/* Parses value into ints[i]'s key: 0 with it read back, or -1 with the message. */
static int set_int(unsigned i, const char *value, struct fs_config *c, struct fs_err *err)
{
	char doc[128];

	snprintf(doc, sizeof(doc), "%s%s\n", ints[i].pre, value);
	fs_config_default(c);
	return parse(doc, c, err);
}

START_TEST(test_int_bounds)
{
	struct fs_config c;
	struct fs_err err;
	char v[32], want[200];

	/* the minimum and the maximum are accepted, decimal and hex */
	snprintf(v, sizeof(v), "%lu", ints[_i].min);
	ck_assert_msg(set_int(_i, v, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(get_uint(&c, ints[_i].ck), ints[_i].min);
	ck_assert_uint_eq(c.set, BIT(ints[_i].ck));
	snprintf(v, sizeof(v), "%lu", ints[_i].max);
	ck_assert_msg(set_int(_i, v, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(get_uint(&c, ints[_i].ck), ints[_i].max);
	snprintf(v, sizeof(v), "0x%lx", ints[_i].max);
	ck_assert_msg(set_int(_i, v, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(get_uint(&c, ints[_i].ck), ints[_i].max);
	snprintf(v, sizeof(v), "0X%lX", ints[_i].min);
	ck_assert_msg(set_int(_i, v, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(get_uint(&c, ints[_i].ck), ints[_i].min);
	/* one beyond each end is refused, with the key, the range and the value */
	snprintf(v, sizeof(v), "%lu", ints[_i].max + 1);
	ck_assert_int_eq(set_int(_i, v, &c, &err), -1);
	snprintf(want, sizeof(want), "t.yaml:%d:%d: %s: out of range %s: \"%s\"", ints[_i].line,
	    ints[_i].col, ints[_i].path, ints[_i].range, v);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(err.code, FS_E_VALUE);
	if (ints[_i].min > 0) {
		snprintf(v, sizeof(v), "%lu", ints[_i].min - 1);
		ck_assert_int_eq(set_int(_i, v, &c, &err), -1);
		snprintf(want, sizeof(want), "t.yaml:%d:%d: %s: out of range %s: \"%s\"", ints[_i].line,
		    ints[_i].col, ints[_i].path, ints[_i].range, v);
		ck_assert_str_eq(err.msg, want);
	} else {
		ck_assert_int_eq(set_int(_i, "-1", &c, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "expected an unsigned integer"));
	}
}
END_TEST

static const struct {
	const char *text;
	unsigned long want; /* sequence-type */
} hexes[] = {
	{ "0x80ff", 0x80ff }, { "0X80FF", 0x80ff }, { "0x00ff", 0xff }, { "0xAbCd", 0xabcd },
	{ "0x0", 0 }, { "0", 0 }, { "33023", 0x80ff }, { "0xffff", 0xffff },
};

START_TEST(test_hex)
{
	struct fs_config c;
	struct fs_err err;
	char doc[64];

	fs_config_default(&c);
	snprintf(doc, sizeof(doc), "sequence-type: %s\n", hexes[_i].text);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.seq_type, hexes[_i].want);
}
END_TEST

/* ---- prefixes and route targets --------------------------------------------------- */

static const struct {
	const char *text;
	uint8_t family, len;
	uint8_t addr[16];
} prefixes[] = {
	{ "192.0.2.0/24", 4, 24, { 192, 0, 2, 0 } },
	{ "0.0.0.0/0", 4, 0, { 0 } },
	{ "10.1.2.3/32", 4, 32, { 10, 1, 2, 3 } },
	{ "172.16.0.0/12", 4, 12, { 172, 16 } },
	{ "2001:db8::/32", 6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },
	{ "::/0", 6, 0, { 0 } },
	{ "2001:db8::1/128", 6, 128, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
	{ "fe80::/10", 6, 10, { 0xfe, 0x80 } },
	{ "::ffff:192.0.2.0/120", 6, 120, { [10] = 0xff, [11] = 0xff, [12] = 192, [14] = 2 } },
};

START_TEST(test_prefixes)
{
	struct fs_config c;
	struct fs_err err;
	char doc[128];

	fs_config_default(&c);
	snprintf(doc, sizeof(doc), "protected-prefixes:\n  - \"%s\"\n", prefixes[_i].text);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.nprotected, 1);
	ck_assert_uint_eq(c.protected[0].family, prefixes[_i].family);
	ck_assert_uint_eq(c.protected[0].len, prefixes[_i].len);
	ck_assert_mem_eq(c.protected[0].addr, prefixes[_i].addr, 16);
	ck_assert_uint_eq(c.set, BIT(FS_CK_PROTECTED));
}
END_TEST

static const struct {
	const char *text;
	uint64_t want;
} rts[] = {
	{ "65000:10", 0x0002fde80000000aULL },                  /* AS2:N32 */
	{ "0:0", 0x0002000000000000ULL },
	{ "65535:4294967295", 0x0002ffffffffffffULL },
	{ "65536:1", 0x0202000100000001ULL },                   /* AS4:N16 */
	{ "4200000000:65535", (0x0202ULL << 48) | (4200000000ULL << 16) | 0xffff },
	{ "192.0.2.1:7", 0x0102c00002010007ULL },               /* IPv4:N16 */
	{ "10.0.0.1:65535", 0x01020a000001ffffULL },
};

START_TEST(test_rts)
{
	struct fs_config c;
	struct fs_err err;
	char doc[128];

	fs_config_default(&c);
	snprintf(doc, sizeof(doc), "import-route-targets: [ %s ]\n", rts[_i].text);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.nimport_rts, 1);
	ck_assert_uint_eq(c.import_rts[0], rts[_i].want);
	ck_assert_uint_eq(c.set, BIT(FS_CK_IMPORT_RTS));
}
END_TEST

/* ---- caps ---------------------------------------------------------------------------- */

/* FS_CONFIG_LIST_MAX entries are accepted, one more is an error at that entry. */
START_TEST(test_list_cap)
{
	struct fs_config c, before;
	struct fs_err err;
	size_t cap = 64 + (FS_CONFIG_LIST_MAX + 1) * 32;
	char *doc = malloc(cap), want[128];
	size_t o;
	int i;

	ck_assert_ptr_nonnull(doc);
	fs_config_default(&c);
	/* prefixes (the loop index is the list) */
	o = (size_t)snprintf(doc, cap, "protected-prefixes:\n");
	for (i = 0; i < FS_CONFIG_LIST_MAX; i++)
		o += (size_t)snprintf(doc + o, cap - o, "  - 10.%d.%d.0/24\n", i / 256, i % 256);
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.nprotected, FS_CONFIG_LIST_MAX);
	ck_assert_uint_eq(c.protected[FS_CONFIG_LIST_MAX - 1].addr[2], (FS_CONFIG_LIST_MAX - 1) % 256);
	memcpy(&before, &c, sizeof(c));
	snprintf(doc + o, cap - o, "  - 10.255.0.0/24\n");
	ck_assert_int_eq(parse(doc, &c, &err), -1);
	snprintf(want, sizeof(want), "t.yaml:%d:5: protected-prefixes: more than %d entries",
	    FS_CONFIG_LIST_MAX + 2, FS_CONFIG_LIST_MAX);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
	/* route targets, in flow style */
	o = (size_t)snprintf(doc, cap, "import-route-targets: [");
	for (i = 0; i < FS_CONFIG_LIST_MAX; i++)
		o += (size_t)snprintf(doc + o, cap - o, "%s%d:%d", i ? ", " : "", 65000, i);
	snprintf(doc + o, cap - o, "]\n");
	ck_assert_msg(parse(doc, &c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.nimport_rts, FS_CONFIG_LIST_MAX);
	ck_assert_uint_eq(c.import_rts[FS_CONFIG_LIST_MAX - 1],
	    0x0002fde800000000ULL | (FS_CONFIG_LIST_MAX - 1));
	snprintf(doc + o, cap - o, ", 1:1]\n");
	ck_assert_int_eq(parse(doc, &c, &err), -1);
	snprintf(want, sizeof(want), "t.yaml:1:%zu: import-route-targets: more than %d entries",
	    o + 3, FS_CONFIG_LIST_MAX);
	ck_assert_str_eq(err.msg, want);
	free(doc);
}
END_TEST

#define MIB (1024 * 1024)

/* Fills buf[0..n) with a valid document: a key, then comment lines. */
static void fill_comments(char *buf, size_t n)
{
	size_t i;

	memset(buf, '#', n);
	memcpy(buf, "hook: BIG\n", 10);
	for (i = 79; i < n; i += 80)
		buf[i] = '\n';
	buf[n - 1] = '\n';
}

START_TEST(test_size_cap)
{
	struct fs_config c;
	struct fs_err err;
	char *buf = malloc(MIB + 1);

	ck_assert_ptr_nonnull(buf);
	fs_config_default(&c);
	fill_comments(buf, MIB);
	ck_assert_msg(fs_config_parse(buf, MIB, "big.yaml", &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.hook, "BIG");
	fs_config_default(&c);
	fill_comments(buf, MIB + 1);
	ck_assert_int_eq(fs_config_parse(buf, MIB + 1, "big.yaml", &c, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_str_eq(err.msg, "big.yaml: 1048577 bytes is larger than the limit, 1 MiB");
	ck_assert_str_eq(c.hook, "FORWARD");
	free(buf);
}
END_TEST

/* ---- fs_config_load ------------------------------------------------------------------- */

static char tmpdir[64];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fs-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	static const char *const names[] = { "ok.yaml", "bad.yaml", "big.yaml", "empty.yaml" };
	char p[128];
	size_t i;

	for (i = 0; i < NELEM(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_load)
{
	struct fs_config c, before;
	struct fs_err err;
	char path[128], want[256], *buf;
	const char *doc;

	fs_config_default(&c);
	c.window_ms = 77; /* something to keep */
	memcpy(&before, &c, sizeof(c));

	/* missing: 1 and c kept when allowed, an error naming the path when not */
	snprintf(path, sizeof(path), "%s/nope.yaml", tmpdir);
	ck_assert_int_eq(fs_config_load(path, true, &c, &err), 1);
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
	ck_assert_int_eq(fs_config_load(path, false, &c, &err), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(err.code, FS_E_SYSTEM);
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);

	/* a directory is not "missing", even with missing_ok */
	ck_assert_int_eq(fs_config_load(tmpdir, true, &c, &err), -1);
	ck_assert_msg(strncmp(err.msg, tmpdir, strlen(tmpdir)) == 0, "%s", err.msg);

	/* a valid file */
	snprintf(path, sizeof(path), "%s/ok.yaml", tmpdir);
	doc = "hook: LOADED\nfrr:\n  interval: 30\n";
	write_file(path, doc, strlen(doc));
	ck_assert_msg(fs_config_load(path, false, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.hook, "LOADED");
	ck_assert_uint_eq(c.interval_s, 30);
	ck_assert_uint_eq(c.window_ms, 77);
	ck_assert_uint_eq(c.set, BIT(FS_CK_HOOK) | BIT(FS_CK_INTERVAL));

	/* only "does not exist" is forgiven: a path through a file is an error */
	snprintf(path, sizeof(path), "%s/ok.yaml/sub.yaml", tmpdir);
	ck_assert_int_eq(fs_config_load(path, true, &c, &err), -1);
	snprintf(want, sizeof(want), "%s: Not a directory", path);
	ck_assert_str_eq(err.msg, want);

	/* an invalid one: the path is the origin, c is kept */
	memcpy(&before, &c, sizeof(c));
	snprintf(path, sizeof(path), "%s/bad.yaml", tmpdir);
	doc = "hook: X\ncommit:\n  window-ms: 70000\n";
	write_file(path, doc, strlen(doc));
	ck_assert_int_eq(fs_config_load(path, true, &c, &err), -1);
	snprintf(want, sizeof(want), "%s:3:14: commit: window-ms: out of range 0..60000: \"70000\"", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);

	/* the size cap: 1 MiB is read, one byte more is refused */
	buf = malloc(MIB + 1);
	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	fill_comments(buf, MIB);
	write_file(path, buf, MIB);
	ck_assert_msg(fs_config_load(path, false, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.hook, "BIG");
	fill_comments(buf, MIB + 1);
	write_file(path, buf, MIB + 1);
	ck_assert_int_eq(fs_config_load(path, false, &c, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	snprintf(want, sizeof(want), "%s: larger than the limit, 1 MiB", path);
	ck_assert_str_eq(err.msg, want);
	free(buf);

	/* an empty file: all defaults */
	snprintf(path, sizeof(path), "%s/empty.yaml", tmpdir);
	write_file(path, "", 0);
	fs_config_default(&c);
	ck_assert_int_eq(fs_config_load(path, false, &c, &err), 0);
	ck_assert_uint_eq(c.set, 0);
}
END_TEST

/* examples/injector.yaml sets every key (but interval, which has no default) to its default. */
START_TEST(test_example)
{
	struct fs_config c, d;
	struct fs_err err;

	fs_config_default(&c);
	fs_config_default(&d);
	ck_assert_msg(fs_config_load(EXAMPLE, false, &c, &err) == 0, "%s", err.msg);
	assert_same(&c, &d);
	ck_assert_uint_eq(c.set, ALL_KEYS & ~BIT(FS_CK_INTERVAL));
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	TCase *tl = tcase_create("load");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full);
	tcase_add_loop_test(tc, test_empty, 0, NELEM(empty_docs));
	tcase_add_test(tc, test_layering);
	tcase_add_loop_test(tc, test_errors, 0, NELEM(errors));
	tcase_add_test(tc, test_error_after_valid_keys);
	tcase_add_test(tc, test_long_values);
	tcase_add_loop_test(tc, test_bools, 0, NELEM(bools));
	tcase_add_loop_test(tc, test_int_bounds, 0, NELEM(ints));
	tcase_add_loop_test(tc, test_hex, 0, NELEM(hexes));
	tcase_add_loop_test(tc, test_prefixes, 0, NELEM(prefixes));
	tcase_add_loop_test(tc, test_rts, 0, NELEM(rts));
	tcase_add_test(tc, test_list_cap);
	tcase_add_test(tc, test_size_cap);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, tmp_setup, tmp_teardown);
	tcase_add_test(tl, test_load);
	tcase_add_test(tl, test_example);
	suite_add_tcase(s, tl);
	return s;
}

static void quiet_sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	(void)lvl;
	(void)msg;
	(void)ctx;
}

int main(void)
{
	fs_log_set_sink(quiet_sink, NULL);
	return fs_check_run(config_suite());
}
