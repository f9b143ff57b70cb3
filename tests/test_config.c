/*
 * test_config.c - the YAML configuration: defaults, a file setting every
 * key, every error class with its exact file:line:column, key path and
 * value (and the configuration left untouched), booleans, hex, the bounds
 * of every integer key, prefixes, route targets, list and size caps,
 * layering one file over another, fs_config_load, examples/injector.yaml
 * (every key at its default), the refused sequence types against every type
 * ecomm.c decodes, and flowspec-injector --check-config with options over a
 * file (injector/main.c: the same checks, naming option and file:line:column).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/*
 * Every key, none at its default but three that cannot be otherwise here:
 * mangle-hook has one value, order sequence cannot go with source frr, and
 * hook INPUT takes no out-interface but "+" (all).
 */
static const char full_doc[] =
    "# every key\n"
    "source: frr\n"
    "chain: FS_test-1\n"
    "hook: INPUT\n"
    "mangle-hook: POSTROUTING\n"
    "in-interface: eth0.100\n"
    "out-interface: \"+\"\n"
    "order: rfc8955\n"
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
    "  ip-table-base: 300\n"
    "metrics-file: /var/lib/prometheus/node-exporter/flowspec.prom\n";

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
	ck_assert_str_eq(c.mangle_hook, "POSTROUTING");
	ck_assert_str_eq(c.in_interface, "eth0.100");
	ck_assert_str_eq(c.out_interface, "+");
	ck_assert_int_eq(c.order, 0);
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
	ck_assert_str_eq(c.metrics_file, "/var/lib/prometheus/node-exporter/flowspec.prom");
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
	/* where each value is, for messages across keys (the command line's) */
	ck_assert_uint_eq(c.at[FS_CK_SOURCE].line, 2);
	ck_assert_uint_eq(c.at[FS_CK_SOURCE].column, 9);
	ck_assert_uint_eq(c.at[FS_CK_IN_INTERFACE].line, 6);
	ck_assert_uint_eq(c.at[FS_CK_IN_INTERFACE].column, 15);
	ck_assert_uint_eq(c.at[FS_CK_RDR_IP_BASE].line, 43);
	ck_assert_uint_eq(c.at[FS_CK_RDR_IP_BASE].column, 18);
	/* and order sequence, with the source it can go with */
	ck_assert_msg(parse("order: sequence\nsource: exabgp\n", &c, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(c.order, 1);
	ck_assert_str_eq(c.source, "exabgp");
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
	ck_assert_int_eq(parse("hook: OUTPUT\nimport-route-targets: [3:3]\ncommit: {window-ms: 9}\n",
	    &c, &err), 0);
	ck_assert_str_eq(c.chain, "ONE");
	ck_assert_str_eq(c.hook, "OUTPUT");
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

#define W_OURS "expected 1 to 14 characters of A-Z, a-z, 0-9, _ and -"
#define W_LONG "longer than 14 characters (its sub-chains, <chain>4-<8 hex digits>..., keep 14 " \
	"characters of it and must fit iptables' 28)"
#define W_BUILTIN "a built-in chain: our chain must be one of our own, which we create and " \
	"delete (hook names the built-in chain that jumps to it)"
#define W_DASH "starts with '-': iptables reads such a name as an option"
#define W_SUB "\"4-\" and \"6-\" begin the names of sub-chains (<chain>4-<8 hex digits>): a " \
	"chain named so could be another chain's sub-chain"
#define W_HOOK "expected INPUT, FORWARD or OUTPUT, a built-in chain of the filter table (the " \
	"kernel runs only those; the jump to our chain goes there)"
#define W_MHOOK "expected POSTROUTING: the DSCP is rewritten after filter has decided, and " \
	"POSTROUTING is the one mangle chain that runs after filter's FORWARD and OUTPUT"
#define W_OUT_IN "the hook OUTPUT sees the packets this host sends, which come in on no " \
	"interface: in-interface "
#define W_OUT_IN_END " cannot match there (iptables: \"Can't use -i with OUTPUT\")"

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
	{ "chain: A\nhook: INPUT\nchain: C\n", FS_E_VALUE,
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
	{ "chain:\nhook: INPUT\n", FS_E_VALUE, "t.yaml:1:7: chain: expected a chain name, got null: \"\"" },
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
	/* chain names: ours (fs_config_check_chain, shared with --chain), the hooks */
	{ "chain: FLOW SPEC\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_OURS ": \"FLOW SPEC\"" },
	{ "chain: \"\"\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_OURS ": \"\"" },
	{ "chain: ABCDEFGHIJKLMNO\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_LONG ": \"ABCDEFGHIJKLMNO\"" },
	{ "chain: INPUT\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_BUILTIN ": \"INPUT\"" },
	{ "chain: OUTPUT\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_BUILTIN ": \"OUTPUT\"" },
	{ "chain: FORWARD\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_BUILTIN ": \"FORWARD\"" },
	{ "chain: PREROUTING\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_BUILTIN ": \"PREROUTING\"" },
	{ "chain: POSTROUTING\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_BUILTIN ": \"POSTROUTING\"" },
	{ "chain: -j\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_DASH ": \"-j\"" },
	{ "chain: \"-FLOWSPEC\"\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_DASH ": \"-FLOWSPEC\"" },
	{ "chain: \"!x\"\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_OURS ": \"!x\"" },
	{ "chain: DROP\n", FS_E_VALUE, "t.yaml:1:8: chain: an iptables target: \"-j DROP\" would mean "
	  "the target, not the chain: \"DROP\"" },
	{ "chain: LOG\n", FS_E_VALUE, "t.yaml:1:8: chain: an iptables target: \"-j LOG\" would mean "
	  "the target, not the chain: \"LOG\"" },
	{ "chain: standard\n", FS_E_VALUE, "t.yaml:1:8: chain: an iptables target: \"-j standard\" "
	  "would mean the target, not the chain: \"standard\"" },
	{ "chain: FLOWSPEC4-pre\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_SUB ": \"FLOWSPEC4-pre\"" },
	{ "chain: A6-\n", FS_E_VALUE, "t.yaml:1:8: chain: " W_SUB ": \"A6-\"" },
	{ "hook: \"\"\n", FS_E_VALUE, "t.yaml:1:7: hook: " W_HOOK ": \"\"" },
	{ "hook: MYCHAIN\n", FS_E_VALUE, "t.yaml:1:7: hook: " W_HOOK ": \"MYCHAIN\"" },
	{ "hook: PREROUTING\n", FS_E_VALUE, "t.yaml:1:7: hook: " W_HOOK ": \"PREROUTING\"" },
	{ "hook: forward\n", FS_E_VALUE, "t.yaml:1:7: hook: " W_HOOK ": \"forward\"" },
	{ "mangle-hook: PREROUTING\n", FS_E_VALUE,
	  "t.yaml:1:14: mangle-hook: " W_MHOOK ": \"PREROUTING\"" },
	{ "mangle-hook: ABCDEFGHIJKLMNOPQRSTUVWXYZabc\n", FS_E_VALUE,
	  "t.yaml:1:14: mangle-hook: " W_MHOOK ": \"ABCDEFGHIJKLMNOPQRSTUVWXYZabc\"" },
	/* a sequence type that is an action's or a route target's (all of them: test_seq_types) */
	{ "sequence-type: 0x8006\n", FS_E_VALUE, "t.yaml:1:16: sequence-type: 0x8006 is the type and "
	  "sub-type of the traffic-rate-bytes action (RFC 8955 7.1): those communities would be read "
	  "as sequence numbers: \"0x8006\"" },
	{ "sequence-type: 2\n", FS_E_VALUE, "t.yaml:1:16: sequence-type: 0x0002 is the type and "
	  "sub-type of the route target, AS2 form (RFC 4360 4): those communities would be read as "
	  "sequence numbers: \"2\"" },
	/* keys that cannot go together, at the one further down, naming the other's place */
	{ "hook: OUTPUT\nin-interface: eth0\n", FS_E_VALUE, "t.yaml:2:15: in-interface: " W_OUT_IN
	  "\"eth0\"" W_OUT_IN_END " (hook at line 1, column 7): \"eth0\"" },
	{ "in-interface: eth0\nhook: OUTPUT\n", FS_E_VALUE, "t.yaml:2:7: hook: " W_OUT_IN
	  "\"eth0\"" W_OUT_IN_END " (in-interface at line 1, column 15): \"OUTPUT\"" },
	{ "hook: INPUT\nout-interface: eth+\n", FS_E_VALUE, "t.yaml:2:16: out-interface: the hook INPUT "
	  "sees the packets delivered to this host, which go out on no interface: out-interface "
	  "\"eth+\" cannot match there (iptables: \"Can't use -o with INPUT\") (hook at line 1, "
	  "column 7): \"eth+\"" },
	{ "source: frr\norder: sequence\n", FS_E_VALUE, "t.yaml:2:8: order: cannot work with source "
	  "frr: " FS_CONFIG_FRR_SEQUENCE_WHY " (source at line 1, column 9): \"sequence\"" },
	{ "order: sequence\ncommit: {}\nsource: frr\n", FS_E_VALUE, "t.yaml:3:9: source: cannot work "
	  "with order sequence: " FS_CONFIG_FRR_SEQUENCE_WHY " (order at line 1, column 8): \"frr\"" },
	/* numbers, quoted as written */
	{ "nflog-group: 18446744073709551616\n", FS_E_VALUE,
	  "t.yaml:1:14: nflog-group: out of range 0..65535: \"18446744073709551616\"" },
	{ "nflog-group: 0x10000000000000000\n", FS_E_VALUE,
	  "t.yaml:1:14: nflog-group: out of range 0..65535: \"0x10000000000000000\"" },
	/* strings */
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
	{ "metrics-file: flowspec.prom\n", FS_E_VALUE,
	  "t.yaml:1:15: metrics-file: expected an absolute path: \"flowspec.prom\"" },
	{ "metrics-file: \"\"\n", FS_E_VALUE, "t.yaml:1:15: metrics-file: expected an absolute path: \"\"" },
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
	{ "chain: A\nhook: INPUT: C\n", FS_E_SYNTAX,
	  "t.yaml:2:12: YAML: mapping values are not allowed in this context" },
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
	/* redirect keys together: at the value that brings the conflict, as written */
	{ "redirect:\n  mark-mask: 0x3\n  map: {1:1: 100, 1:2: 101}\n  ip-tables: 2\n", FS_E_VALUE,
	  "t.yaml:2:14: redirect: mark-mask: has 3 marks, fewer than the 2 map entries and 2 "
	  "ip-tables need: \"0x3\"" },
	{ "redirect:\n  ip-tables: 3\n  ip-table-base: 252\n", FS_E_VALUE,
	  "t.yaml:3:18: redirect: ip-table-base: the ip-tables 252..254 include the reserved table "
	  "253: \"252\"" },
	{ "redirect:\n  ip-tables: 3\n  ip-table-base: 0xfc\n", FS_E_VALUE,
	  "t.yaml:3:18: redirect: ip-table-base: the ip-tables 252..254 include the reserved table "
	  "253: \"0xfc\"" },
	{ "redirect:\n  map: {1:1: 2001}\n  ip-tables: 2\n  ip-table-base: 2000\n", FS_E_VALUE,
	  "t.yaml:4:18: redirect: ip-table-base: the ip-tables 2000..2001 include table 2001, which "
	  "the map gives to 1:1: \"2000\"" },
	/* (test_errors starts from full_doc: ip-table-base 300 is an earlier layer's) */
	{ "redirect:\n  map: {1:1: 301}\n  ip-tables: 0x2\n", FS_E_VALUE,
	  "t.yaml:3:14: redirect: ip-tables: with ip-table-base 300, the ip-tables 300..301 "
	  "include table 301, which the map gives to 1:1: \"0x2\"" },
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
	    "[10.0.0.0/8]\ncommit: {window-ms: 1}\nhook: INPUT\nhook: OUTPUT\n", &c, &err), -1);
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
	/* the chain name limit: 14 (FS_CONFIG_CHAIN_MAX), as --chain */
	ck_assert_int_eq(FS_CONFIG_CHAIN_MAX, 14);
	ck_assert_int_eq(parse("chain: ABCDEFGHIJKLMN\n", &c, &err), 0);
	ck_assert_str_eq(c.chain, "ABCDEFGHIJKLMN");
	ck_assert_int_eq(parse("chain: ABCDEFGHIJKLMNO\n", &c, &err), -1);
	ck_assert_int_eq(parse("chain: ABCDEFGHIJKLMNOPQRSTUVWXYZ12\n", &c, &err), -1);
	/* names iptables takes that are not one of the refused kinds */
	ck_assert_int_eq(parse("chain: drop\n", &c, &err), 0);
	ck_assert_int_eq(parse("chain: input\n", &c, &err), 0);
	ck_assert_int_eq(parse("chain: FS-edge_2\n", &c, &err), 0);
	ck_assert_int_eq(parse("chain: x-\n", &c, &err), 0);
	ck_assert_int_eq(parse("chain: F4\n", &c, &err), 0);
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

/*
 * The sequence types refused are exactly the types ecomm.c decodes: every
 * one of the 65536 types is applied to an empty route (no sequence form),
 * and a type that changes the route (an action, a redirect, a route
 * target) or is refused as invalid must be refused as a sequence type, by
 * name, and every other type must be accepted.
 */
START_TEST(test_seq_types)
{
	struct fs_seq_opts none = { .form = FS_SEQ_NONE, .clean_type = 0x80ff };
	struct fs_route *empty = fs_route_new(FS_INET), *r;
	struct fs_config c;
	struct fs_err err;
	unsigned long t;
	unsigned refused = 0;
	char doc[64];

	ck_assert_ptr_nonnull(empty);
	for (t = 0; t <= 0xffff; t++) {
		uint64_t v = ((uint64_t)t << 48) | 0x0000000100000001ULL;
		bool decoded;

		r = fs_route_new(FS_INET);
		ck_assert_ptr_nonnull(r);
		decoded = fs_ecomm_apply(r, v, &none, &err) < 0 || !fs_route_same(r, empty);
		fs_route_free(r);
		ck_assert_msg(decoded == (fs_config_seq_type_collision(t) != NULL),
		    "type 0x%04lx: ecomm.c %s it, the configuration %s it", t,
		    decoded ? "decodes" : "ignores", decoded ? "accepts" : "refuses");
		if (!decoded)
			continue;
		refused++;
		snprintf(doc, sizeof(doc), "sequence-type: 0x%04lx\n", t);
		fs_config_default(&c);
		ck_assert_int_eq(parse(doc, &c, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, fs_config_seq_type_collision(t)));
		ck_assert_uint_eq(c.seq_type, 0x80ff);
	}
	ck_assert_uint_eq(refused, 12);
	fs_route_free(empty);
	/* the neighbours of refused types, and the default, are accepted */
	fs_config_default(&c);
	ck_assert_int_eq(parse("sequence-type: 0x8005\n", &c, &err), 0);
	ck_assert_int_eq(parse("sequence-type: 0x800a\n", &c, &err), 0);
	ck_assert_int_eq(parse("sequence-type: 0x0003\n", &c, &err), 0);
	ck_assert_int_eq(parse("sequence-type: 0x80ff\n", &c, &err), 0);
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
	memcpy(buf, "chain: BIG\n", 11);
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
	ck_assert_str_eq(c.chain, "BIG");
	fs_config_default(&c);
	fill_comments(buf, MIB + 1);
	ck_assert_int_eq(fs_config_parse(buf, MIB + 1, "big.yaml", &c, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_str_eq(err.msg, "big.yaml: 1048577 bytes is larger than the limit, 1 MiB");
	ck_assert_str_eq(c.chain, "FLOWSPEC");
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
	static const char *const names[] = { "ok.yaml", "bad.yaml", "big.yaml", "empty.yaml",
		"cli.yaml" };
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
	doc = "hook: OUTPUT\nfrr:\n  interval: 30\n";
	write_file(path, doc, strlen(doc));
	ck_assert_msg(fs_config_load(path, false, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.hook, "OUTPUT");
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
	doc = "hook: INPUT\ncommit:\n  window-ms: 70000\n";
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
	ck_assert_str_eq(c.chain, "BIG");
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

/*
 * examples/injector.yaml sets every key to its default, but interval (no
 * default) and metrics-file (off by default: the example shows it commented).
 */
START_TEST(test_example)
{
	struct fs_config c, d;
	struct fs_err err;

	fs_config_default(&c);
	fs_config_default(&d);
	ck_assert_msg(fs_config_load(EXAMPLE, false, &c, &err) == 0, "%s", err.msg);
	assert_same(&c, &d);
	ck_assert_uint_eq(c.set, ALL_KEYS & ~BIT(FS_CK_INTERVAL) & ~BIT(FS_CK_METRICS_FILE));
}
END_TEST

/* ---- the command line over the file: the injector's own checks ---------------------- */

/*
 * flowspec-injector --check-config (injector/main.c) with a file and
 * options: each case's exit status and a substring of its output (FILE
 * stands for the file's path).  FS_TEST_INJECTOR in the environment runs
 * another binary (the unchanged one, to see the cases fail there).
 */
static const struct {
	const char *yaml;
	const char *args[5];
	int rc;
	const char *want;
} cli[] = {
	/* every valid file on its own: source frr with no run mode, frr keys with exabgp */
	{ "source: frr\n", { NULL }, 0, "FILE: ok" },
	{ "source: frr\nfrr:\n  vtysh-socket: /run/frr\n", { NULL }, 0, "FILE: ok" },
	{ "frr:\n  interval: 5\n  vtysh-socket: /run/frr\n", { NULL }, 0, "FILE: ok" },
	{ "source: frr\n", { "--dry-run", NULL }, 0, "FILE: ok" },
	/* options that were given are still checked, naming where each value came from */
	{ "source: frr\n", { "--once", "--dry-run", NULL }, 2,
	  "--once and --dry-run exclude each other" },
	{ "", { "--once", NULL }, 2, "--once goes with source frr, not with source: exabgp (the "
	  "default)" },
	{ "source: exabgp\n", { "--interval", "5", "--vtysh-socket", "/x", NULL }, 2,
	  "--interval and --vtysh-socket go with source frr, not with source: exabgp (FILE:1:9)" },
	{ "order: sequence\n", { "--source", "frr", NULL }, 2,
	  "order: sequence (FILE:1:8) cannot work with --source frr: FRR shows" },
	{ "in-interface: eth0\n", { "--hook", "OUTPUT", NULL }, 2,
	  "in-interface: eth0 (FILE:1:15) with --hook OUTPUT: the hook OUTPUT sees" },
	{ "hook: INPUT\n", { "--out-interface", "eth1", NULL }, 2,
	  "--out-interface eth1 with hook: INPUT (FILE:1:7): the hook INPUT sees" },
	/* a conflict inside the file: file:line:column */
	{ "source: frr\norder: sequence\n", { NULL }, 1,
	  "FILE:2:8: order: cannot work with source frr" },
	{ "chain: OUTPUT\n", { NULL }, 1, "FILE:1:8: chain: a built-in chain" },
	{ "sequence-type: 0x8009\n", { NULL }, 1,
	  "FILE:1:16: sequence-type: 0x8009 is the type and sub-type of the traffic-marking action" },
	/* the options' own checks, shared with the file's */
	{ "", { "--seq-type", "0x8006", NULL }, 2, "invalid value \"0x8006\" for --seq-type: 0x8006 "
	  "is the type and sub-type of the traffic-rate-bytes action" },
	{ "", { "--seq-type", "0x0202", NULL }, 2, "route target, AS4 form" },
	{ "", { "--seq-type", "0x8007", NULL }, 2, "traffic-action" },
	{ "", { "--chain", "INPUT", NULL }, 2, "invalid value \"INPUT\" for --chain: a built-in chain" },
	{ "", { "--chain", "-j", NULL }, 2, "invalid value \"-j\" for --chain: starts with '-'" },
	{ "", { "--chain", "ABCDEFGHIJKLMNO", NULL }, 2, "longer than 14 characters" },
	{ "", { "--chain", "ABCDEFGHIJKLMN", NULL }, 0, "FILE: ok" },
	{ "", { "--hook", "FLOWSPEC2", NULL }, 2, "invalid value \"FLOWSPEC2\" for --hook: expected "
	  "INPUT, FORWARD or OUTPUT" },
	{ "", { "--vtysh", "vtysh", NULL }, 2, "invalid value \"vtysh\" for --vtysh: an absolute path "
	  "is needed" },
};

/* Runs the injector with args, output into out (cap bytes); its exit status, or -1. */
static int run_injector(const char *const *args, char *out, size_t cap)
{
	const char *bin = getenv("FS_TEST_INJECTOR") ? getenv("FS_TEST_INJECTOR") : FS_INJECTOR_BIN;
	char *argv[16];
	int fd[2], st;
	size_t n = 0, i;
	ssize_t r;
	pid_t pid;

	argv[0] = (char *)bin;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(fd[1]);
	while (n + 1 < cap && (r = read(fd[0], out + n, cap - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
	const char *args[16];
	char path[128], out[4096], want[512];
	const char *w = cli[_i].want, *f;
	size_t i, n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/cli.yaml", tmpdir);
	write_file(path, cli[_i].yaml, strlen(cli[_i].yaml));
	args[n++] = "--check-config";
	args[n++] = "-c";
	args[n++] = path;
	for (i = 0; cli[_i].args[i] != NULL; i++)
		args[n++] = cli[_i].args[i];
	args[n] = NULL;
	rc = run_injector(args, out, sizeof(out));
	/* FILE in want is the path */
	if ((f = strstr(w, "FILE")) != NULL)
		snprintf(want, sizeof(want), "%.*s%s%s", (int)(f - w), w, path, f + 4);
	else
		snprintf(want, sizeof(want), "%s", w);
	ck_assert_msg(rc == cli[_i].rc && strstr(out, want) != NULL,
	    "case %d: exit %d (want %d), output: %s(want: %s)", _i, rc, cli[_i].rc, out, want);
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
	tcase_add_test(tc, test_seq_types);
	tcase_add_loop_test(tc, test_prefixes, 0, NELEM(prefixes));
	tcase_add_loop_test(tc, test_rts, 0, NELEM(rts));
	tcase_add_test(tc, test_list_cap);
	tcase_add_test(tc, test_size_cap);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, tmp_setup, tmp_teardown);
	tcase_add_test(tl, test_load);
	tcase_add_test(tl, test_example);
	tcase_add_loop_test(tl, test_cli, 0, NELEM(cli));
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
