/*
 * config.c - the injector's YAML configuration file (config.h), read with
 * libyaml's event API.
 *
 * The schema is one table, keys[]: a row per key with its type, its field
 * and its range.  The walk is a small recursive descent over the events:
 * the top level is a mapping, "commit", "log" and "frr" are mappings one
 * level down, and the two lists are sequences of scalars, so a valid file
 * is never more than two collections deep; a collection where a scalar is
 * wanted (or the reverse) is a type error at that node, and the walk never
 * descends into it.  Anchors, aliases, tags and a second document are
 * refused.  The first error stops the parse; the result is built in a copy
 * and copied back only when the whole file is valid.  Once it is read,
 * the keys that must agree are checked together (redirect's tables and
 * marks, a hook and its interfaces, order and source), at the value that
 * brings the conflict.
 *
 * Every message reads ORIGIN:LINE:COLUMN: KEYPATH: what is wrong: "VALUE",
 * lines and columns 1-based, VALUE as written.  Errors about a key itself
 * (unknown, duplicate) name the mapping it is in as KEYPATH and the key as
 * VALUE.  The checks of single names and values that the command line
 * shares (chain names, the sequence type) are the fs_config_check_*
 * functions, so both refuse the same.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "flowspec/config.h"
#include "flowspec/ecomm.h"
#include "flowspec/log.h"

#define CONFIG_SIZE_MAX (1024 * 1024) /* bytes of YAML */
#define CONFIG_DEPTH_MAX 8            /* collections inside collections */

_Static_assert(FS_CK__COUNT <= 64, "fs_config.set has one bit per key");
_Static_assert(FS_SEQ_CLEAN == 0 && FS_SEQ_PAPER == 1 && FS_SEQ_NONE == 2,
    "sequence-community words follow enum fs_seq_form");
_Static_assert(FS_LOG_ERR == 0 && FS_LOG_WARN == 1 && FS_LOG_INFO == 2 && FS_LOG_DEBUG == 3,
    "log level words follow enum fs_log_level");
_Static_assert(FS_CFG_LOG_STDERR == 0 && FS_CFG_LOG_SYSLOG == 1,
    "log destination words follow enum fs_cfg_log_dest");

/* ---- the schema -------------------------------------------------------------- */

enum kind {
	K_MAP,      /* a mapping of the keys whose parent is this key */
	K_NAME,     /* a chain name: [A-Za-z0-9_-]{1,20} */
	K_IFACE,    /* an interface name, 0..15 characters, "" = all */
	K_ABSPATH,  /* an absolute path, < 256 */
	K_PATH,     /* any path, < 256, "" allowed */
	K_ENUM,     /* one of words[]; the value is its index */
	K_UINT,     /* decimal or 0x hex in min..max */
	K_BOOL,     /* true/false/yes/no/on/off */
	K_RTS,      /* a sequence of route targets */
	K_PREFIXES, /* a sequence of ADDR/LEN */
	K_RTMAP,    /* a mapping of route target to routing table */
};

struct key {
	const char *parent;        /* NULL: the top level; else the K_MAP key it is under */
	const char *name;          /* the YAML spelling */
	const char *path;          /* the key path in messages */
	int ck;                    /* FS_CK_*, or -1 for a mapping */
	enum kind kind;
	size_t off, size;          /* the field (K_NAME ... K_BOOL) */
	unsigned long min, max;    /* K_UINT */
	bool hex;                  /* K_UINT: show the range in hex */
	const char *const *words;  /* K_ENUM: the allowed words, NULL-terminated */
};

#define F(m) offsetof(struct fs_config, m), sizeof(((struct fs_config *)0)->m)
#define NONE 0, 0

static const char *const w_source[] = { "exabgp", "frr", NULL };
static const char *const w_order[] = { "rfc8955", "sequence", NULL };
static const char *const w_seq[] = { "clean", "paper", "none", NULL };
static const char *const w_accept[] = { "return", "accept", NULL };
static const char *const w_level[] = { "error", "warning", "info", "debug", NULL };
static const char *const w_dest[] = { "stderr", "syslog", NULL };
static const char *const w_peer_down[] = { "flush", "keep", NULL };

static const struct key keys[] = {
	/* parent, name, path, bit, kind, field, min, max, hex, words */
	{ NULL, "source", "source", FS_CK_SOURCE, K_ENUM, F(source), 0, 0, false, w_source },
	{ NULL, "chain", "chain", FS_CK_CHAIN, K_NAME, F(chain), 0, 0, false, NULL },
	{ NULL, "hook", "hook", FS_CK_HOOK, K_NAME, F(hook), 0, 0, false, NULL },
	{ NULL, "mangle-hook", "mangle-hook", FS_CK_MANGLE_HOOK, K_NAME, F(mangle_hook), 0, 0, false,
	  NULL },
	{ NULL, "in-interface", "in-interface", FS_CK_IN_INTERFACE, K_IFACE, F(in_interface), 0, 0,
	  false, NULL },
	{ NULL, "out-interface", "out-interface", FS_CK_OUT_INTERFACE, K_IFACE, F(out_interface), 0,
	  0, false, NULL },
	{ NULL, "order", "order", FS_CK_ORDER, K_ENUM, F(order), 0, 0, false, w_order },
	{ NULL, "sequence-community", "sequence-community", FS_CK_SEQ_COMMUNITY, K_ENUM, F(seq_form),
	  0, 0, false, w_seq },
	{ NULL, "sequence-type", "sequence-type", FS_CK_SEQ_TYPE, K_UINT, F(seq_type), 0, 0xffff,
	  true, NULL },
	{ NULL, "accept", "accept", FS_CK_ACCEPT, K_ENUM, F(accept), 0, 0, false, w_accept },
	{ NULL, "nflog-group", "nflog-group", FS_CK_NFLOG_GROUP, K_UINT, F(nflog_group), 0, 65535,
	  false, NULL },
	{ NULL, "commit", "commit", -1, K_MAP, NONE, 0, 0, false, NULL },
	{ "commit", "window-ms", "commit: window-ms", FS_CK_WINDOW, K_UINT, F(window_ms), 0, 60000,
	  false, NULL },
	{ "commit", "max-pending", "commit: max-pending", FS_CK_MAX_PENDING, K_UINT, F(max_pending),
	  1, 10000000, false, NULL },
	{ "commit", "max-delay-ms", "commit: max-delay-ms", FS_CK_MAX_DELAY, K_UINT, F(max_delay_ms),
	  0, 600000, false, NULL },
	{ "commit", "hold-ms", "commit: hold-ms", FS_CK_HOLD, K_UINT, F(hold_ms), 0, 600000, false,
	  NULL },
	{ NULL, "lock-wait-ms", "lock-wait-ms", FS_CK_LOCK_WAIT, K_UINT, F(lock_wait_ms), 0, 600000,
	  false, NULL },
	{ NULL, "state-dir", "state-dir", FS_CK_STATE_DIR, K_ABSPATH, F(state_dir), 0, 0, false,
	  NULL },
	{ NULL, "metrics-file", "metrics-file", FS_CK_METRICS_FILE, K_ABSPATH, F(metrics_file), 0, 0,
	  false, NULL },
	{ NULL, "log", "log", -1, K_MAP, NONE, 0, 0, false, NULL },
	{ "log", "level", "log: level", FS_CK_LOG_LEVEL, K_ENUM, F(log_level), 0, 0, false, w_level },
	{ "log", "destination", "log: destination", FS_CK_LOG_DEST, K_ENUM, F(log_dest), 0, 0, false,
	  w_dest },
	{ NULL, "import-route-targets", "import-route-targets", FS_CK_IMPORT_RTS, K_RTS, NONE, 0, 0,
	  false, NULL },
	{ NULL, "apply-untargeted", "apply-untargeted", FS_CK_APPLY_UNTARGETED, K_BOOL,
	  F(apply_untargeted), 0, 0, false, NULL },
	{ NULL, "max-routes", "max-routes", FS_CK_MAX_ROUTES, K_UINT, F(max_routes), 1, 1000000,
	  false, NULL },
	{ NULL, "max-routes-per-neighbor", "max-routes-per-neighbor", FS_CK_MAX_ROUTES_PEER, K_UINT,
	  F(max_routes_per_neighbor), 0, 1000000, false, NULL },
	{ NULL, "protected-prefixes", "protected-prefixes", FS_CK_PROTECTED, K_PREFIXES, NONE, 0, 0,
	  false, NULL },
	{ NULL, "protect-bgp-peers", "protect-bgp-peers", FS_CK_PROTECT_PEERS, K_BOOL,
	  F(protect_peers), 0, 0, false, NULL },
	{ NULL, "frr", "frr", -1, K_MAP, NONE, 0, 0, false, NULL },
	{ "frr", "vtysh", "frr: vtysh", FS_CK_VTYSH, K_ABSPATH, F(vtysh), 0, 0, false, NULL },
	{ "frr", "vtysh-socket", "frr: vtysh-socket", FS_CK_VTYSH_SOCKET, K_PATH, F(vtysh_socket), 0,
	  0, false, NULL },
	{ "frr", "vtysh-timeout", "frr: vtysh-timeout", FS_CK_VTYSH_TIMEOUT, K_UINT,
	  F(vtysh_timeout_s), 1, 3600, false, NULL },
	{ "frr", "peer-down", "frr: peer-down", FS_CK_PEER_DOWN, K_ENUM, F(peer_down_keep), 0, 0,
	  false, w_peer_down },
	{ "frr", "interval", "frr: interval", FS_CK_INTERVAL, K_UINT, F(interval_s), 1, 86400, false,
	  NULL },
	{ NULL, "redirect", "redirect", -1, K_MAP, NONE, 0, 0, false, NULL },
	{ "redirect", "mark-mask", "redirect: mark-mask", FS_CK_RDR_MASK, K_UINT,
	  F(redirect_mark_mask), 1, 0xffffffff, true, NULL },
	{ "redirect", "rule-priority", "redirect: rule-priority", FS_CK_RDR_PRIORITY, K_UINT,
	  F(redirect_rule_priority), 1, 32765, false, NULL },
	{ "redirect", "map", "redirect: map", FS_CK_RDR_MAP, K_RTMAP, NONE, 0, 0, false, NULL },
	{ "redirect", "ip-tables", "redirect: ip-tables", FS_CK_RDR_IP_TABLES, K_UINT,
	  F(redirect_ip_tables), 0, 64, false, NULL },
	{ "redirect", "ip-table-base", "redirect: ip-table-base", FS_CK_RDR_IP_BASE, K_UINT,
	  F(redirect_ip_table_base), 1, 0xfffffe00, false, NULL },
};

/* The DSCP tag bits of the translator (fs_xlate_opts.dscp_mark_mask). */
#define DSCP_TAG_BITS 0x007f0000u

/* Routing tables a redirect may not use: unspec, default, main, local. */
static bool table_reserved(uint64_t t)
{
	return t == 0 || (t >= 253 && t <= 255);
}

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void fs_config_default(struct fs_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->source, sizeof(c->source), "exabgp");
	snprintf(c->chain, sizeof(c->chain), "FLOWSPEC");
	snprintf(c->hook, sizeof(c->hook), "FORWARD");
	snprintf(c->mangle_hook, sizeof(c->mangle_hook), "POSTROUTING");
	c->order = 0;
	c->seq_form = FS_SEQ_CLEAN;
	c->seq_type = FS_SEQ_CLEAN_TYPE_DEFAULT;
	c->accept = 0;
	c->nflog_group = 0;
	c->window_ms = 50;
	c->max_pending = 10000;
	c->max_delay_ms = 200;
	c->hold_ms = 1000;
	c->lock_wait_ms = 5000;
	snprintf(c->state_dir, sizeof(c->state_dir), "/run/flowspec-acl");
	c->log_level = FS_LOG_INFO;
	c->log_dest = FS_CFG_LOG_STDERR;
	c->nimport_rts = 0;
	c->apply_untargeted = false;
	c->max_routes = 100000;
	c->max_routes_per_neighbor = 0;
	c->nprotected = 0;
	c->protect_peers = false; /* off until a guard design (README) */
	snprintf(c->vtysh, sizeof(c->vtysh), "/usr/bin/vtysh");
	c->vtysh_timeout_s = 10;
	c->peer_down_keep = false;
	c->interval_s = 0;
	c->redirect_mark_mask = 0x0000ff00u;
	c->redirect_rule_priority = 1000;
	c->nredirects = 0;
	c->redirect_ip_tables = 0;
	c->redirect_ip_table_base = 2000;
}

/* ---- the checks the command line shares --------------------------------------- */

/* Chains the kernel's tables have built in: never ours to create or delete. */
static const char *const builtin_chains[] = {
	"INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING", NULL,
};

/*
 * iptables 1.8.9's targets: "iptables -N" refuses a chain of one of these
 * names ("chain name may not clash with target name"), and "-j NAME" in a
 * saved table would mean the target, not the chain.
 */
static const char *const target_names[] = {
	"ACCEPT", "DROP", "QUEUE", "RETURN", "standard", "AUDIT", "CHECKSUM", "CLASSIFY",
	"CLUSTERIP", "CONNMARK", "CONNSECMARK", "CT", "DNAT", "DNPT", "DSCP", "ECN", "HL", "HMARK",
	"IDLETIMER", "LED", "LOG", "MARK", "MASQUERADE", "NETMAP", "NFLOG", "NFQUEUE", "NOTRACK",
	"RATEEST", "REDIRECT", "REJECT", "SECMARK", "SET", "SNAT", "SNPT", "SYNPROXY", "TCPMSS",
	"TCPOPTSTRIP", "TEE", "TOS", "TPROXY", "TRACE", "TTL", "ULOG", NULL,
};

static bool in_list(const char *const *list, const char *s, size_t n)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

int fs_config_check_chain(enum fs_chain_role role, const char *s, size_t n, char *why,
    size_t cap)
{
	static const char *const filter_hooks[] = { "INPUT", "FORWARD", "OUTPUT", NULL };

	switch (role) {
	case FS_CHAIN_HOOK:
		if (!in_list(filter_hooks, s, n)) {
			snprintf(why, cap, "expected INPUT, FORWARD or OUTPUT, a built-in chain of the "
			    "filter table (the kernel runs only those; the jump to our chain goes there)");
			return -1;
		}
		return 0;
	case FS_CHAIN_MANGLE_HOOK:
		if (n != 11 || memcmp(s, "POSTROUTING", 11) != 0) {
			snprintf(why, cap, "expected POSTROUTING: the DSCP is rewritten after filter has "
			    "decided, and POSTROUTING is the one mangle chain that runs after filter's "
			    "FORWARD and OUTPUT");
			return -1;
		}
		return 0;
	case FS_CHAIN_OURS:
		break;
	}
	if (n == 0 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	    != n) {
		snprintf(why, cap, "expected 1 to %d characters of A-Z, a-z, 0-9, _ and -",
		    FS_CONFIG_CHAIN_MAX);
		return -1;
	}
	if (n > FS_CONFIG_CHAIN_MAX) {
		snprintf(why, cap, "longer than %d characters (its sub-chains, <chain>4-<8 hex "
		    "digits>..., keep %d characters of it and must fit iptables' 28)",
		    FS_CONFIG_CHAIN_MAX, FS_CONFIG_CHAIN_MAX);
		return -1;
	}
	if (s[0] == '-') {
		snprintf(why, cap, "starts with '-': iptables reads such a name as an option");
		return -1;
	}
	if (in_list(builtin_chains, s, n)) {
		snprintf(why, cap, "a built-in chain: our chain must be one of our own, which we create "
		    "and delete (hook names the built-in chain that jumps to it)");
		return -1;
	}
	if (in_list(target_names, s, n)) {
		snprintf(why, cap, "an iptables target: \"-j %.*s\" would mean the target, not the chain",
		    (int)n, s);
		return -1;
	}
	if (memmem(s, n, "4-", 2) != NULL || memmem(s, n, "6-", 2) != NULL) {
		snprintf(why, cap, "\"4-\" and \"6-\" begin the names of sub-chains (<chain>4-<8 hex "
		    "digits>): a chain named so could be another chain's sub-chain");
		return -1;
	}
	return 0;
}

/*
 * The extended community types and sub-types ecomm.c decodes: the
 * FlowSpec actions of RFC 8955 section 7 (RFC 8956 uses the same), the
 * redirect-to-IP drafts and route targets.  A clean sequence community
 * of one of these types would take those communities for sequence numbers
 * (a rate-limit 0, a discard, would become a sequence number: no action),
 * or refuse them (bytes 2-3 of a route target are not zero).
 */
static const struct {
	uint16_t type;
	const char *name;
} ecomm_types[] = {
	{ 0x8006, "the traffic-rate-bytes action (RFC 8955 7.1)" },
	{ 0x800c, "the traffic-rate-packets action (RFC 8955 7.2)" },
	{ 0x8007, "the traffic-action action (RFC 8955 7.3)" },
	{ 0x8008, "the redirect action, AS2 form (RFC 8955 7.4)" },
	{ 0x8108, "the redirect action, IPv4 form (RFC 8955 7.4)" },
	{ 0x8208, "the redirect action, AS4 form (RFC 8955 7.4)" },
	{ 0x8009, "the traffic-marking action (RFC 8955 7.5)" },
	{ 0x010c, "redirect-to-IPv4 (draft-ietf-idr-flowspec-redirect-ip)" },
	{ 0x0800, "redirect to the next hop (draft-simpson-idr-flowspec-redirect)" },
	{ 0x0002, "the route target, AS2 form (RFC 4360 4)" },
	{ 0x0102, "the route target, IPv4 form (RFC 4360 4)" },
	{ 0x0202, "the route target, AS4 form (RFC 5668)" },
};

const char *fs_config_seq_type_collision(unsigned long type)
{
	size_t i;

	for (i = 0; i < sizeof(ecomm_types) / sizeof(ecomm_types[0]); i++)
		if (ecomm_types[i].type == type)
			return ecomm_types[i].name;
	return NULL;
}

int fs_config_check_hook_iface(const char *hook, const char *in_iface, const char *out_iface,
    char *why, size_t cap)
{
	char q[FS_ERR_QUOTE_MAX * 4 + 8];

	/* "" and "+" put no interface in the jump (translate.c hook_jump) */
	if (strcmp(hook, "OUTPUT") == 0 && in_iface[0] != '\0' && strcmp(in_iface, "+") != 0) {
		fs_err_quote(q, sizeof(q), in_iface, strlen(in_iface));
		snprintf(why, cap, "the hook OUTPUT sees the packets this host sends, which come in on no "
		    "interface: in-interface \"%s\" cannot match there (iptables: \"Can't use -i with "
		    "OUTPUT\")", q);
		return 1;
	}
	if (strcmp(hook, "INPUT") == 0 && out_iface[0] != '\0' && strcmp(out_iface, "+") != 0) {
		fs_err_quote(q, sizeof(q), out_iface, strlen(out_iface));
		snprintf(why, cap, "the hook INPUT sees the packets delivered to this host, which go out "
		    "on no interface: out-interface \"%s\" cannot match there (iptables: \"Can't use -o "
		    "with INPUT\")", q);
		return 2;
	}
	return 0;
}

const char *fs_config_key_path(int k)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].ck == k && k >= 0)
			return keys[i].path;
	return "?";
}

/* The row for name (n bytes) under parent (NULL: top level), or NULL. */
static const struct key *lookup(const char *parent, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if ((parent == NULL) != (k->parent == NULL))
			continue;
		if (parent != NULL && strcmp(parent, k->parent) != 0)
			continue;
		if (strlen(k->name) == n && memcmp(k->name, name, n) == 0)
			return k;
	}
	return NULL;
}

/* The edit distance between a and b, a transposition counting one; 99 when either is long. */
static unsigned distance(const char *a, const char *b)
{
	unsigned char d[64][64];
	unsigned i, j, la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (la >= 64 || lb >= 64)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1u < best)
				best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
			    && d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)best;
		}
	return d[la][lb];
}

/* Writes a hint for an unknown key into buf ("" when there is none). */
static void hint(const char *parent, const char *name, size_t n, char *buf, size_t cap)
{
	const struct key *best = NULL;
	unsigned bestd = n >= 6 ? 3 : 2, i; /* a hint only within 1 edit, 2 for longer names */

	buf[0] = '\0';
	if (memchr(name, '\0', n) != NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		bool here = (parent == NULL) ? k->parent == NULL
		    : (k->parent != NULL && strcmp(parent, k->parent) == 0);
		unsigned d;

		if (!here) {
			if (strlen(k->name) == n && memcmp(k->name, name, n) == 0) {
				snprintf(buf, cap, " (it belongs %s%s%s)",
				    k->parent ? "under " : "at the top level",
				    k->parent ? k->parent : "", k->parent ? ":" : "");
				return;
			}
			continue;
		}
		d = distance(name, k->name);
		if (d < bestd) {
			bestd = d;
			best = k;
		}
	}
	if (best != NULL)
		snprintf(buf, cap, " (did you mean %s?)", best->name);
}

/* ---- the parser state and its messages --------------------------------------- */

struct ps {
	yaml_parser_t yp;
	yaml_event_t ev;          /* the current event, valid when have_ev */
	bool have_ev;
	const char *text;
	size_t len;
	const char *origin;
	const char *path;         /* the key path of what is being read; "" at the top */
	int depth;
	struct fs_config *c;      /* the copy being filled */
	struct fs_err *err;
	yaml_mark_t redirect_at;  /* where the redirect key is, for checks across its keys */
	bool redirect_seen;
	/* for checks across keys, once the file is read: the keys this text
	 * set (c->set also holds an earlier layer's), where their values are,
	 * and a scalar's text as written (quoted in the message) */
	uint64_t here;
	yaml_mark_t at[FS_CK__COUNT];
	char raw[FS_CK__COUNT][FS_ERR_QUOTE_MAX + 16];
};

/*
 * Sets err to "ORIGIN:LINE:COLUMN: PATH: WHAT" and, when val is not NULL,
 * ": \"VALUE\"" (val, n bytes, as written).  Always returns -1.
 */
static int vfail(struct ps *p, enum fs_err_code code, yaml_mark_t m, const char *val, size_t n,
    const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static int vfail(struct ps *p, enum fs_err_code code, yaml_mark_t m, const char *val, size_t n,
    const char *fmt, va_list ap)
{
	char what[320], q[FS_ERR_QUOTE_MAX * 4 + 8];

	vsnprintf(what, sizeof(what), fmt, ap);
	q[0] = '\0';
	if (val != NULL)
		fs_err_quote(q, sizeof(q), val, n);
	return fs_err_set(p->err, code, "%s:%zu:%zu: %s%s%s%s%s%s", p->origin, m.line + 1,
	    m.column + 1, p->path, p->path[0] ? ": " : "", what, val != NULL ? ": \"" : "", q,
	    val != NULL ? "\"" : "");
}

/* vfail with the value of val when it is a scalar event.  -1. */
static int fail(struct ps *p, enum fs_err_code code, yaml_mark_t m, const yaml_event_t *val,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct ps *p, enum fs_err_code code, yaml_mark_t m, const yaml_event_t *val,
    const char *fmt, ...)
{
	bool scalar = val != NULL && val->type == YAML_SCALAR_EVENT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(p, code, m, scalar ? (const char *)val->data.scalar.value : NULL,
	    scalar ? val->data.scalar.length : 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* Turns libyaml's error into err, with its mark (or its byte offset, for a reader error).  -1. */
static int yaml_fail(struct ps *p)
{
	const yaml_parser_t *y = &p->yp;
	const char *problem = y->problem ? y->problem : "unknown error";
	size_t line = y->problem_mark.line + 1, col = y->problem_mark.column + 1, i;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return fs_err_set(p->err, FS_E_NOMEM, "%s: out of memory reading YAML", p->origin);
	case YAML_READER_ERROR:
		line = col = 1;
		for (i = 0; i < y->problem_offset && i < p->len; i++) {
			if (p->text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		if (y->problem_value != -1)
			return fs_err_set(p->err, FS_E_SYNTAX, "%s:%zu:%zu: YAML: %s (#x%X)", p->origin,
			    line, col, problem, (unsigned)y->problem_value);
		return fs_err_set(p->err, FS_E_SYNTAX, "%s:%zu:%zu: YAML: %s", p->origin, line, col,
		    problem);
	default:
		break;
	}
	if (y->context != NULL)
		return fs_err_set(p->err, FS_E_SYNTAX, "%s:%zu:%zu: YAML: %s (%s at line %zu, column %zu)",
		    p->origin, line, col, problem, y->context, y->context_mark.line + 1,
		    y->context_mark.column + 1);
	return fs_err_set(p->err, FS_E_SYNTAX, "%s:%zu:%zu: YAML: %s", p->origin, line, col, problem);
}

/*
 * Replaces the current event with the next one, refusing aliases, anchors,
 * tags and nesting deeper than CONFIG_DEPTH_MAX.  0, or -1 with err set.
 */
static int ps_next(struct ps *p)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	yaml_event_t *ev = &p->ev;

	if (p->have_ev) {
		yaml_event_delete(ev);
		p->have_ev = false;
	}
	if (!yaml_parser_parse(&p->yp, ev))
		return yaml_fail(p);
	p->have_ev = true;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return fail(p, FS_E_UNSUPPORTED, ev->start_mark, NULL,
		    "anchors and aliases are not supported: \"*%.64s\"", (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		p->depth++;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		p->depth++;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		p->depth--;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return fail(p, FS_E_UNSUPPORTED, ev->start_mark, NULL,
		    "anchors and aliases are not supported: \"&%.64s\"", (const char *)anchor);
	if (tag != NULL)
		return fail(p, FS_E_UNSUPPORTED, ev->start_mark, NULL,
		    "tags are not supported: \"%.64s\"", (const char *)tag);
	if (p->depth > CONFIG_DEPTH_MAX)
		return fail(p, FS_E_LIMIT, ev->start_mark, NULL, "nested deeper than %d levels",
		    CONFIG_DEPTH_MAX);
	return 0;
}

/* True for a plain scalar YAML reads as null: empty, "~", "null", "Null", "NULL". */
static bool is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return strcmp(s, "") == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0
	    || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* What a node is, for a wrong-type message. */
static const char *node_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_SEQUENCE_START_EVENT: return "a sequence";
	case YAML_SCALAR_EVENT:
		if (is_null(ev))
			return "null";
		return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "a scalar" : "a quoted string";
	default: return "something else";
	}
}

/* Writes "a or b" / "a, b or c" for an enum's words. */
static void word_list(const char *const *w, char *buf, size_t cap)
{
	size_t n = 0, i, o = 0;

	while (w[n] != NULL)
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    w[i]);
}

/* What a scalar key wants, for messages ("an integer", "rfc8955 or sequence"). */
static void expected(const struct key *k, char *buf, size_t cap)
{
	switch (k->kind) {
	case K_NAME: snprintf(buf, cap, "a chain name"); break;
	case K_IFACE: snprintf(buf, cap, "an interface name"); break;
	case K_ABSPATH: snprintf(buf, cap, "an absolute path"); break;
	case K_PATH: snprintf(buf, cap, "a path"); break;
	case K_ENUM: word_list(k->words, buf, cap); break;
	case K_UINT: snprintf(buf, cap, "an integer"); break;
	case K_BOOL: snprintf(buf, cap, "true or false"); break;
	case K_MAP: snprintf(buf, cap, "a mapping"); break;
	case K_RTS:
	case K_PREFIXES: snprintf(buf, cap, "a sequence (write [] for none)"); break;
	case K_RTMAP: snprintf(buf, cap, "a mapping of route target to table (write {} for none)");
		break;
	}
}

/* The type error for the current event where k's value was expected.  -1. */
static int wrong_type(struct ps *p, const struct key *k)
{
	char want[96];

	expected(k, want, sizeof(want));
	return fail(p, FS_E_VALUE, p->ev.start_mark, &p->ev, "expected %s, got %s", want,
	    node_kind(&p->ev));
}

/* ---- scalar values ------------------------------------------------------------- */

enum { NUM_OK = 0, NUM_BAD = -1, NUM_ZERO = -2, NUM_BIG = -3 };

/* "123" or "0x7b", no sign, no leading zero: NUM_OK, or why not. */
static int parse_num(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	bool big = false;

	if (*d == '\0')
		return NUM_BAD;
	if (!hex && d[0] == '0' && d[1] != '\0')
		return strspn(d, "0123456789") == strlen(d) ? NUM_ZERO : NUM_BAD;
	for (; *d != '\0'; d++) {
		unsigned digit;

		if (*d >= '0' && *d <= '9')
			digit = (unsigned)(*d - '0');
		else if (hex && *d >= 'a' && *d <= 'f')
			digit = (unsigned)(*d - 'a' + 10);
		else if (hex && *d >= 'A' && *d <= 'F')
			digit = (unsigned)(*d - 'A' + 10);
		else
			return NUM_BAD;
		if (v > (~0ULL - digit) / (hex ? 16 : 10))
			big = true;
		else
			v = v * (hex ? 16 : 10) + digit;
	}
	if (big)
		return NUM_BIG;
	*out = v;
	return NUM_OK;
}

/* YAML 1.1 booleans, any case: 1 true, 0 false, -1 neither. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Stores an enum's index into its field. */
static void store_enum(struct fs_config *c, const struct key *k, int v)
{
	switch (k->ck) {
	case FS_CK_SOURCE:
		snprintf(c->source, sizeof(c->source), "%s", k->words[v]);
		break;
	case FS_CK_LOG_DEST:
		c->log_dest = (enum fs_cfg_log_dest)v;
		break;
	case FS_CK_PEER_DOWN:
		c->peer_down_keep = v == 1;
		break;
	default: /* an int field */
		memcpy((char *)c + k->off, &v, sizeof(v));
		break;
	}
}

/* Stores v into an unsigned field of k->size bytes. */
static void store_uint(struct fs_config *c, const struct key *k, unsigned long v)
{
	char *dst = (char *)c + k->off;

	if (k->size == sizeof(uint16_t)) {
		uint16_t x = (uint16_t)v;

		memcpy(dst, &x, sizeof(x));
	} else if (k->size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)v;

		memcpy(dst, &x, sizeof(x));
	} else {
		uint64_t x = v;

		memcpy(dst, &x, sizeof(x));
	}
}

/* Checks and stores the current scalar event as k's value.  0, or -1 with err set. */
static int parse_scalar(struct ps *p, const struct key *k)
{
	const yaml_event_t *ev = &p->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length, i;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	yaml_mark_t m = ev->start_mark;
	char *dst = (char *)p->c + k->off;
	unsigned long long v;
	int b;

	if (is_null(ev))
		return wrong_type(p, k);
	if (memchr(s, '\0', n) != NULL)
		return fail(p, FS_E_VALUE, m, ev, "contains a NUL character");
	/* as written, for the checks across keys once the file is read */
	snprintf(p->raw[k->ck], sizeof(p->raw[k->ck]), "%s", s);
	switch (k->kind) {
	case K_NAME: {
		char why[256];

		if (fs_config_check_chain(k->ck == FS_CK_CHAIN ? FS_CHAIN_OURS : k->ck == FS_CK_HOOK ?
		    FS_CHAIN_HOOK : FS_CHAIN_MANGLE_HOOK, s, n, why, sizeof(why)) < 0)
			return fail(p, FS_E_VALUE, m, ev, "%s", why);
		memcpy(dst, s, n + 1);
		return 0;
	}
	case K_IFACE:
		/* the kernel's characters (the command line checks the same); a
		 * trailing '+' is iptables' prefix wildcard, "+" every interface */
		if (n >= k->size)
			return fail(p, FS_E_VALUE, m, ev, "longer than %zu characters", k->size - 1);
		for (i = 0; i < n; i++)
			if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' || s[i] == 0x7f)
				return fail(p, FS_E_VALUE, m, ev, "not an interface name ('/', ':', "
				    "blanks and control characters are not allowed)");
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			return fail(p, FS_E_VALUE, m, ev, "not an interface name");
		memcpy(dst, s, n + 1);
		return 0;
	case K_ABSPATH:
		if (s[0] != '/')
			return fail(p, FS_E_VALUE, m, ev, "expected an absolute path");
		/* fall through */
	case K_PATH:
		if (n >= k->size)
			return fail(p, FS_E_VALUE, m, ev, "longer than %zu characters", k->size - 1);
		memcpy(dst, s, n + 1);
		return 0;
	case K_ENUM:
		for (i = 0; k->words[i] != NULL; i++)
			if (strcmp(s, k->words[i]) == 0) {
				store_enum(p->c, k, (int)i);
				return 0;
			}
		return wrong_type(p, k);
	case K_UINT:
		if (!plain)
			return wrong_type(p, k);
		switch (parse_num(s, &v)) {
		case NUM_OK:
			break;
		case NUM_ZERO:
			return fail(p, FS_E_VALUE, m, ev,
			    "a leading zero is ambiguous (YAML 1.1 reads octal); write decimal or 0x hex");
		case NUM_BIG:
			v = ~0ULL;
			break;
		default:
			return fail(p, FS_E_VALUE, m, ev,
			    "expected an unsigned integer (decimal or 0x hex)");
		}
		if (v < k->min || v > k->max) {
			if (k->hex)
				return fail(p, FS_E_VALUE, m, ev, "out of range 0x%lx..0x%lx", k->min, k->max);
			return fail(p, FS_E_VALUE, m, ev, "out of range %lu..%lu", k->min, k->max);
		}
		if (k->ck == FS_CK_SEQ_TYPE && fs_config_seq_type_collision((unsigned long)v) != NULL)
			return fail(p, FS_E_VALUE, m, ev, "0x%04llx is the type and sub-type of %s: those "
			    "communities would be read as sequence numbers", v,
			    fs_config_seq_type_collision((unsigned long)v));
		if (k->ck == FS_CK_RDR_MASK) {
			unsigned long long f = v >> __builtin_ctzll(v);

			if ((f & (f + 1)) != 0)
				return fail(p, FS_E_VALUE, m, ev, "the mask's bits must be contiguous");
			if ((v & DSCP_TAG_BITS) != 0)
				return fail(p, FS_E_VALUE, m, ev,
				    "overlaps the DSCP tag bits 0x%08x the translator reserves",
				    DSCP_TAG_BITS);
		}
		store_uint(p->c, k, (unsigned long)v);
		return 0;
	case K_BOOL:
		b = plain ? parse_bool(s) : -1;
		if (b < 0)
			return fail(p, FS_E_VALUE, m, ev, "expected true or false (or yes/no, on/off), got %s",
			    node_kind(ev));
		{
			bool x = b == 1;

			memcpy(dst, &x, sizeof(x));
		}
		return 0;
	default:
		return wrong_type(p, k);
	}
}

/* "ADDR/LEN" into *out; 0, or -1 with why filled. */
static int parse_prefix(const char *s, struct fs_cfg_prefix *out, char *why, size_t cap)
{
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN + 1], net[INET6_ADDRSTRLEN + 1];
	unsigned long long len;
	unsigned max, i;
	bool host = false;

	memset(out, 0, sizeof(*out));
	if (slash == NULL) {
		snprintf(why, cap, "expected ADDRESS/LENGTH");
		return -1;
	}
	if ((size_t)(slash - s) >= sizeof(a)) {
		snprintf(why, cap, "not an IPv4 or IPv6 address");
		return -1;
	}
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	out->family = strchr(a, ':') != NULL ? 6 : 4;
	max = out->family == 4 ? 32 : 128;
	if (inet_pton(out->family == 4 ? AF_INET : AF_INET6, a, out->addr) != 1) {
		snprintf(why, cap, "not an IPv4 or IPv6 address");
		return -1;
	}
	if (slash[1] == '\0' || strspn(slash + 1, "0123456789") != strlen(slash + 1)
	    || strlen(slash + 1) > 3 || parse_num(slash + 1, &len) != NUM_OK || len > max) {
		snprintf(why, cap, "the prefix length must be 0..%u", max);
		return -1;
	}
	out->len = (uint8_t)len;
	for (i = out->len; i < max; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if (out->addr[i / 8] & bit) {
			host = true;
			out->addr[i / 8] &= (uint8_t)~bit;
		}
	}
	if (host) {
		inet_ntop(out->family == 4 ? AF_INET : AF_INET6, out->addr, net, sizeof(net));
		snprintf(why, cap, "host bits set (the network is %s/%u)", net, out->len);
		return -1;
	}
	return 0;
}

/* Reads the sequence whose start is the current event into k's list.  0, or -1 with err set. */
static int parse_list(struct ps *p, const struct key *k)
{
	unsigned n = 0;
	char why[128];

	for (;;) {
		const yaml_event_t *ev = &p->ev;
		const char *s;

		if (ps_next(p) < 0)
			return -1;
		if (ev->type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ev->type != YAML_SCALAR_EVENT || is_null(ev))
			return fail(p, FS_E_VALUE, ev->start_mark, ev, "expected %s, got %s",
			    k->kind == K_RTS ? "a route target" : "a prefix", node_kind(ev));
		if (n == FS_CONFIG_LIST_MAX)
			return fail(p, FS_E_LIMIT, ev->start_mark, NULL, "more than %d entries",
			    FS_CONFIG_LIST_MAX);
		s = (const char *)ev->data.scalar.value;
		if (memchr(s, '\0', ev->data.scalar.length) != NULL)
			return fail(p, FS_E_VALUE, ev->start_mark, ev, "contains a NUL character");
		if (k->kind == K_RTS) {
			if (fs_rt_parse(s, &p->c->import_rts[n]) < 0)
				return fail(p, FS_E_VALUE, ev->start_mark, ev,
				    "not a route target (ASN:N or IPv4:N)");
		} else if (parse_prefix(s, &p->c->protected[n], why, sizeof(why)) < 0) {
			return fail(p, FS_E_VALUE, ev->start_mark, ev, "%s", why);
		}
		n++;
	}
	if (k->kind == K_RTS)
		p->c->nimport_rts = n;
	else
		p->c->nprotected = n;
	return 0;
}

/*
 * Reads the mapping whose start is the current event: route target to
 * routing table, into the redirect map.  0, or -1 with err set.
 */
static int parse_rtmap(struct ps *p)
{
	unsigned n = 0, i;

	for (;;) {
		const yaml_event_t *ev = &p->ev;
		yaml_mark_t km;
		uint64_t rt;
		unsigned long long t;
		const char *s;

		if (ps_next(p) < 0)
			return -1;
		if (ev->type == YAML_MAPPING_END_EVENT)
			break;
		if (ev->type != YAML_SCALAR_EVENT || is_null(ev))
			return fail(p, FS_E_VALUE, ev->start_mark, ev, "expected a route target, got %s",
			    node_kind(ev));
		s = (const char *)ev->data.scalar.value;
		km = ev->start_mark;
		if (memchr(s, '\0', ev->data.scalar.length) != NULL || fs_rt_parse(s, &rt) < 0)
			return fail(p, FS_E_VALUE, km, ev, "not a route target (ASN:N or IPv4:N)");
		for (i = 0; i < n; i++)
			if (fs_rt_equal(p->c->redirect_rts[i], rt))
				return fail(p, FS_E_VALUE, km, ev, "route target given twice");
		if (n == FS_CONFIG_REDIRECT_MAX)
			return fail(p, FS_E_LIMIT, km, NULL, "more than %d entries", FS_CONFIG_REDIRECT_MAX);
		if (ps_next(p) < 0)
			return -1;
		if (ev->type != YAML_SCALAR_EVENT || is_null(ev) ||
		    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return fail(p, FS_E_VALUE, ev->start_mark, ev,
			    "expected a routing table number, got %s", node_kind(ev));
		s = (const char *)ev->data.scalar.value;
		if (parse_num(s, &t) != NUM_OK || t > 0xffffffffULL || table_reserved(t))
			return fail(p, FS_E_VALUE, ev->start_mark, ev, "expected a routing table number "
			    "1..4294967295 other than 253 (default), 254 (main) and 255 (local)");
		p->c->redirect_rts[n] = rt;
		p->c->redirect_tables[n] = (uint32_t)t;
		n++;
	}
	p->c->nredirects = n;
	return 0;
}

/* ---- checks across keys, once the whole file is read ----------------------------- */

#define HERE(p, k) (((p)->here >> (k)) & 1)

/*
 * Fails at the value of key k, which this text set: PATH is k's path and
 * a scalar is quoted as written.  k < 0: at the redirect key (the values
 * came from an earlier layer).  -1.
 */
static int fail_key(struct ps *p, int k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail_key(struct ps *p, int k, const char *fmt, ...)
{
	const char *raw = NULL;
	yaml_mark_t m = p->redirect_at;
	va_list ap;
	size_t i;
	int rc;

	p->path = "redirect";
	if (k >= 0) {
		p->path = fs_config_key_path(k);
		m = p->at[k];
		for (i = 0; i < NKEYS; i++)
			if (keys[i].ck == k && keys[i].kind != K_RTS && keys[i].kind != K_PREFIXES &&
			    keys[i].kind != K_RTMAP)
				raw = p->raw[k];
	}
	va_start(ap, fmt);
	rc = vfail(p, FS_E_VALUE, m, raw, raw != NULL ? strlen(raw) : 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* The first of the n keys that this text set, or -1. */
static int first_here(const struct ps *p, const int *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (HERE(p, k[i]))
			return k[i];
	return -1;
}

/* Of two keys, the one this text set further down (the conflict shows there), or -1. */
static int later_here(const struct ps *p, int a, int b)
{
	if (!HERE(p, a))
		return HERE(p, b) ? b : -1;
	if (!HERE(p, b))
		return a;
	return p->at[b].index > p->at[a].index ? b : a;
}

/* " (KEY at line L, column C)", or " (KEY: the default)", for the other key of a conflict. */
static void other_at(const struct ps *p, int k, char *buf, size_t cap)
{
	if (HERE(p, k))
		snprintf(buf, cap, " (%s at line %zu, column %zu)", fs_config_key_path(k),
		    p->at[k].line + 1, p->at[k].column + 1);
	else if ((p->c->set >> k) & 1)
		snprintf(buf, cap, " (%s set earlier)", fs_config_key_path(k));
	else
		snprintf(buf, cap, " (%s: the default)", fs_config_key_path(k));
}

/*
 * The redirect keys together: the marks they need, and their tables.
 * The error is at the value that brings the conflict (the mask, then the
 * number of tables, then the map), quoted as written.  0, or -1 with err set.
 */
static int check_redirect(struct ps *p)
{
	static const int for_marks[] = { FS_CK_RDR_MASK, FS_CK_RDR_IP_TABLES, FS_CK_RDR_MAP };
	static const int for_tables[] = { FS_CK_RDR_IP_BASE, FS_CK_RDR_IP_TABLES, FS_CK_RDR_MAP };
	const struct fs_config *c = p->c;
	uint32_t m = c->redirect_mark_mask, maxv = m >> __builtin_ctz(m);
	unsigned long long base = c->redirect_ip_table_base, last, t;
	char pre[64], rt[40];
	unsigned i;
	int k;

	if (!p->redirect_seen)
		return 0;
	if ((uint64_t)c->nredirects + c->redirect_ip_tables > maxv) {
		k = first_here(p, for_marks, 3);
		if (k == FS_CK_RDR_MASK)
			return fail_key(p, k, "has %u marks, fewer than the %u map entries and %u "
			    "ip-tables need", maxv, c->nredirects, c->redirect_ip_tables);
		return fail_key(p, k, "mark-mask 0x%x has %u marks, fewer than the %u map entries and "
		    "%u ip-tables need", m, maxv, c->nredirects, c->redirect_ip_tables);
	}
	if (c->redirect_ip_tables == 0)
		return 0;
	last = base + c->redirect_ip_tables - 1;
	for (t = base; t <= last; t++) {
		/* at ip-table-base when the file set it; the map is not the cause of a reserved one */
		k = first_here(p, for_tables, table_reserved(t) ? 2 : 3);
		pre[0] = '\0';
		if (k != FS_CK_RDR_IP_BASE)
			snprintf(pre, sizeof(pre), "with ip-table-base %llu, ", base);
		if (table_reserved(t))
			return fail_key(p, k, "%sthe ip-tables %llu..%llu include the reserved table %llu",
			    pre, base, last, t);
		for (i = 0; i < c->nredirects; i++)
			if (c->redirect_tables[i] == t) {
				if (fs_rt_format(c->redirect_rts[i], rt, sizeof(rt)) < 0)
					snprintf(rt, sizeof(rt), "a route target");
				return fail_key(p, k, "%sthe ip-tables %llu..%llu include table %llu, which "
				    "the map gives to %s", pre, base, last, t, rt);
			}
	}
	return 0;
}

/*
 * The keys that cannot go together in one file: an interface the hook
 * cannot match, and order sequence with source frr.  The command line's
 * options are checked against the file with the same functions
 * (injector/main.c).  0, or -1 with err set.
 */
static int check_across(struct ps *p)
{
	const struct fs_config *c = p->c;
	char why[320], other[96];
	int r, k, ki;

	r = fs_config_check_hook_iface(c->hook, c->in_interface, c->out_interface, why, sizeof(why));
	if (r != 0) {
		ki = r == 1 ? FS_CK_IN_INTERFACE : FS_CK_OUT_INTERFACE;
		k = later_here(p, ki, FS_CK_HOOK);
		if (k < 0) /* an earlier layer's, checked when it was read */
			return 0;
		other_at(p, k == ki ? FS_CK_HOOK : ki, other, sizeof(other));
		return fail_key(p, k, "%s%s", why, other);
	}
	if (strcmp(c->source, "frr") == 0 && c->order == 1) {
		k = later_here(p, FS_CK_SOURCE, FS_CK_ORDER);
		if (k < 0)
			return 0;
		other_at(p, k == FS_CK_ORDER ? FS_CK_SOURCE : FS_CK_ORDER, other, sizeof(other));
		return fail_key(p, k, "%s: " FS_CONFIG_FRR_SEQUENCE_WHY "%s", k == FS_CK_ORDER ?
		    "cannot work with source frr" : "cannot work with order sequence", other);
	}
	return 0;
}

/* ---- the walk ------------------------------------------------------------------ */

static int parse_map(struct ps *p, const char *parent);

/* Reads the value of key k (the next event on).  0, or -1 with err set. */
static int parse_value(struct ps *p, const struct key *k)
{
	if (ps_next(p) < 0)
		return -1;
	if (k->ck >= 0)
		p->at[k->ck] = p->ev.start_mark;
	switch (k->kind) {
	case K_MAP:
		if (p->ev.type == YAML_MAPPING_START_EVENT)
			return parse_map(p, k->name);
		if (is_null(&p->ev)) /* "commit:" with every sub-key commented out */
			return 0;
		return wrong_type(p, k);
	case K_RTS:
	case K_PREFIXES:
		if (p->ev.type != YAML_SEQUENCE_START_EVENT)
			return wrong_type(p, k);
		return parse_list(p, k);
	case K_RTMAP:
		if (p->ev.type == YAML_MAPPING_START_EVENT)
			return parse_rtmap(p);
		if (is_null(&p->ev)) { /* "map:" with every entry commented out */
			p->c->nredirects = 0;
			return 0;
		}
		return wrong_type(p, k);
	default:
		if (p->ev.type != YAML_SCALAR_EVENT)
			return wrong_type(p, k);
		return parse_scalar(p, k);
	}
}

/*
 * Reads the mapping whose start is the current event: the top level
 * (parent NULL) or the mapping of key parent.  0, or -1 with err set.
 */
static int parse_map(struct ps *p, const char *parent)
{
	yaml_mark_t first[NKEYS];
	bool seen[NKEYS] = { false };
	const char *path = parent != NULL ? parent : "";

	for (;;) {
		const yaml_event_t *ev = &p->ev;
		const char *name;
		const struct key *k;
		size_t n, i;
		char h[64];

		p->path = path;
		if (ps_next(p) < 0)
			return -1;
		if (ev->type == YAML_MAPPING_END_EVENT)
			return 0;
		if (ev->type != YAML_SCALAR_EVENT)
			return fail(p, FS_E_VALUE, ev->start_mark, NULL, "a key must be a scalar, got %s",
			    node_kind(ev));
		name = (const char *)ev->data.scalar.value;
		n = ev->data.scalar.length;
		k = lookup(parent, name, n);
		if (k == NULL) {
			hint(parent, name, n, h, sizeof(h));
			return fail(p, FS_E_UNKNOWN, ev->start_mark, ev, "unknown key%s", h);
		}
		i = (size_t)(k - keys);
		if (seen[i])
			return fail(p, FS_E_VALUE, ev->start_mark, ev,
			    "duplicate key (first at line %zu, column %zu)", first[i].line + 1,
			    first[i].column + 1);
		seen[i] = true;
		first[i] = ev->start_mark;
		if (parent == NULL && strcmp(k->name, "redirect") == 0) {
			p->redirect_at = ev->start_mark;
			p->redirect_seen = true;
		}
		p->path = k->path;
		if (parse_value(p, k) < 0)
			return -1;
		if (k->ck >= 0) {
			p->c->set |= 1ULL << k->ck;
			p->here |= 1ULL << k->ck;
			p->c->at[k->ck].line = (unsigned)p->at[k->ck].line + 1;
			p->c->at[k->ck].column = (unsigned)p->at[k->ck].column + 1;
		}
	}
}

/* Reads the whole stream: nothing, or one document whose top level is a mapping.  0 or -1. */
static int parse_stream(struct ps *p)
{
	if (ps_next(p) < 0) /* STREAM-START */
		return -1;
	if (ps_next(p) < 0)
		return -1;
	if (p->ev.type == YAML_STREAM_END_EVENT) /* empty, or only comments */
		return 0;
	if (ps_next(p) < 0) /* after DOCUMENT-START: the top node */
		return -1;
	if (p->ev.type == YAML_MAPPING_START_EVENT) {
		if (parse_map(p, NULL) < 0)
			return -1;
	} else if (!is_null(&p->ev)) {
		return fail(p, FS_E_VALUE, p->ev.start_mark, &p->ev,
		    "the top level must be a mapping of keys, got %s", node_kind(&p->ev));
	}
	p->path = "";
	if (ps_next(p) < 0) /* DOCUMENT-END */
		return -1;
	if (ps_next(p) < 0)
		return -1;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return fail(p, FS_E_UNSUPPORTED, p->ev.start_mark, NULL,
		    "a second YAML document; the file must hold one");
	return 0;
}

int fs_config_parse(const char *text, size_t len, const char *origin, struct fs_config *c,
    struct fs_err *err)
{
	struct fs_config tmp = *c;
	struct ps p;
	int rc;

	if (origin == NULL)
		origin = "config";
	if (text == NULL)
		text = "";
	if (len > CONFIG_SIZE_MAX)
		return fs_err_set(err, FS_E_LIMIT, "%s: %zu bytes is larger than the limit, 1 MiB",
		    origin, len);
	memset(&p, 0, sizeof(p));
	if (!yaml_parser_initialize(&p.yp))
		return fs_err_set(err, FS_E_NOMEM, "%s: out of memory", origin);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
	p.text = text;
	p.len = len;
	p.origin = origin;
	p.path = "";
	p.c = &tmp;
	p.err = err;
	rc = parse_stream(&p);
	if (rc == 0)
		rc = check_redirect(&p);
	if (rc == 0)
		rc = check_across(&p);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	if (rc == 0)
		*c = tmp;
	return rc;
}

int fs_config_load(const char *path, bool missing_ok, struct fs_config *c, struct fs_err *err)
{
	char *buf;
	size_t n;
	int rc;

	if (fs_read_file(path, CONFIG_SIZE_MAX, "1 MiB", &buf, &n, err) < 0)
		return errno == ENOENT && missing_ok ? 1 : -1;
	rc = fs_config_parse(buf, n, path, c, err);
	free(buf);
	return rc;
}
