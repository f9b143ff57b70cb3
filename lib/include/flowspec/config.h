/*
 * config.h - the injector's YAML configuration (libyaml), one plain struct.
 *
 * Every key has a default (fs_config_default); a file sets some of them.
 * An unknown key, a value of the wrong type, a value out of range, or two
 * keys that cannot go together is an error naming file:line:column, the
 * key and the value as written.  The schema is documented in
 * docs/configuration.md and in flowspec-injector(8).
 */
#ifndef FLOWSPEC_CONFIG_H
#define FLOWSPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"

#define FS_CONFIG_DEFAULT_PATH "/etc/flowspec-acl/injector.yaml"
#define FS_CONFIG_LIST_MAX 256     /* entries in one list */
#define FS_CONFIG_REDIRECT_MAX 64  /* redirect: map entries (FS_REDIRECT_MAP_MAX) */

enum fs_cfg_log_dest { FS_CFG_LOG_STDERR = 0, FS_CFG_LOG_SYSLOG };

/* Bits of fs_config.set, one per key (the YAML spelling in the comment). */
enum fs_config_key {
	FS_CK_SOURCE,           /* source */
	FS_CK_CHAIN,            /* chain */
	FS_CK_HOOK,             /* hook */
	FS_CK_MANGLE_HOOK,      /* mangle-hook */
	FS_CK_IN_INTERFACE,     /* in-interface */
	FS_CK_ORDER,            /* order: rfc8955 | sequence */
	FS_CK_SEQ_COMMUNITY,    /* sequence-community: clean | paper | none */
	FS_CK_SEQ_TYPE,         /* sequence-type: 0x80ff */
	FS_CK_ACCEPT,           /* accept: return | accept */
	FS_CK_NFLOG_GROUP,      /* nflog-group */
	FS_CK_WINDOW,           /* commit: window-ms */
	FS_CK_MAX_PENDING,      /* commit: max-pending */
	FS_CK_MAX_DELAY,        /* commit: max-delay-ms */
	FS_CK_HOLD,             /* commit: hold-ms */
	FS_CK_LOCK_WAIT,        /* lock-wait-ms */
	FS_CK_STATE_DIR,        /* state-dir */
	FS_CK_LOG_LEVEL,        /* log: level: error | warning | info | debug */
	FS_CK_LOG_DEST,         /* log: destination: stderr | syslog */
	FS_CK_IMPORT_RTS,       /* import-route-targets: [ "65000:10", "192.0.2.1:7" ] */
	FS_CK_APPLY_UNTARGETED, /* apply-untargeted: true | false */
	FS_CK_MAX_ROUTES,       /* max-routes */
	FS_CK_MAX_ROUTES_PEER,  /* max-routes-per-neighbor */
	FS_CK_PROTECTED,        /* protected-prefixes: [ "192.0.2.0/24", "2001:db8::/32" ] */
	FS_CK_PROTECT_PEERS,    /* protect-bgp-peers: true | false */
	FS_CK_VTYSH,            /* frr: vtysh */
	FS_CK_VTYSH_SOCKET,     /* frr: vtysh-socket */
	FS_CK_VTYSH_TIMEOUT,    /* frr: vtysh-timeout */
	FS_CK_PEER_DOWN,        /* frr: peer-down: flush | keep */
	FS_CK_INTERVAL,         /* frr: interval */
	FS_CK_RDR_MASK,         /* redirect: mark-mask */
	FS_CK_RDR_PRIORITY,     /* redirect: rule-priority */
	FS_CK_RDR_MAP,          /* redirect: map: { "65000:666": 100 } */
	FS_CK_RDR_IP_TABLES,    /* redirect: ip-tables */
	FS_CK_RDR_IP_BASE,      /* redirect: ip-table-base */
	FS_CK_OUT_INTERFACE,    /* out-interface */
	FS_CK_METRICS_FILE,     /* metrics-file */
	FS_CK__COUNT
};

/*
 * The longest name of our chain (chain, --chain).  Its sub-chains are named
 * "<chain>4-<8 hex digits><up to 3 more>" (translate.c chain_name(); "6" for
 * IPv6, and "<chain>4-pre" in mangle), which must fit iptables' 28
 * characters, and they keep only the chain's first 14 characters: with a
 * longer name, two chains that begin alike would own each other's
 * sub-chains.  So 14 is the true maximum, and 14 + 13 = 27 fits.
 */
#define FS_CONFIG_CHAIN_MAX 14

/* Where the file set a key: its value's line and column, 1-based (0: not set). */
struct fs_config_pos {
	unsigned line, column;
};

struct fs_cfg_prefix {
	uint8_t family;      /* 4 or 6 */
	uint8_t addr[16];    /* network order, host bits zero */
	uint8_t len;
};

struct fs_config {
	/* which keys the file set (bit per FS_CK_*), so the command line can
	 * override only what it names and the rest keeps the file's value */
	uint64_t set;
	struct fs_config_pos at[FS_CK__COUNT]; /* where, for messages across keys */

	char source[8];             /* "exabgp" (default) or "frr" */
	char chain[29];             /* "FLOWSPEC"; fs_config_check_chain(FS_CHAIN_OURS) */
	char hook[29];              /* "FORWARD"; INPUT, FORWARD or OUTPUT */
	char mangle_hook[29];       /* "POSTROUTING", the one it can be */
	char in_interface[16];      /* "" = all */
	char out_interface[16];     /* "" = all */
	int order;                  /* 0 rfc8955 (default), 1 sequence */
	int seq_form;               /* enum fs_seq_form: 0 clean (default), 1 paper, 2 none */
	uint16_t seq_type;          /* 0x80ff; never an action's or a route target's type */
	int accept;                 /* 0 return (default), 1 accept */
	uint16_t nflog_group;       /* 0 */
	unsigned window_ms;         /* 50;   0..60000 */
	unsigned long max_pending;  /* 10000; 1..10000000 */
	unsigned max_delay_ms;      /* 200;  0..600000 */
	unsigned hold_ms;           /* 1000; 0..600000 */
	unsigned lock_wait_ms;      /* 5000; 0..600000 */
	char state_dir[256];        /* "/run/flowspec-acl" */
	char metrics_file[256];     /* "" (off); the Prometheus textfile (docs/metrics.md) */
	int log_level;              /* enum fs_log_level: 2 info (default) */
	enum fs_cfg_log_dest log_dest;

	/* route-target scoping: apply only routes carrying one of these */
	uint64_t import_rts[FS_CONFIG_LIST_MAX]; /* raw RT communities (fs_rt_parse) */
	unsigned nimport_rts;       /* 0 = no scoping: every route applies */
	bool apply_untargeted;      /* with scoping: routes with no RT apply; default false */

	/* protection */
	unsigned long max_routes;              /* total; default 100000; 1..1000000 */
	unsigned long max_routes_per_neighbor; /* 0..1000000; default 0 = no per-neighbor cap */
	struct fs_cfg_prefix protected[FS_CONFIG_LIST_MAX];
	unsigned nprotected;
	bool protect_peers;         /* the BGP session's addresses are protected; default false (README) */

	/* redirects (redirect.h) */
	uint32_t redirect_mark_mask;          /* 0x0000ff00: contiguous, apart from 0x007f0000 */
	uint32_t redirect_rule_priority;      /* 1000; 1..32765 */
	uint64_t redirect_rts[FS_CONFIG_REDIRECT_MAX];   /* map: route target ... */
	uint32_t redirect_tables[FS_CONFIG_REDIRECT_MAX]; /* ... to routing table */
	unsigned nredirects;
	unsigned redirect_ip_tables;          /* 0 (off); 0..64 next hops at a time */
	uint32_t redirect_ip_table_base;      /* 2000; their tables base..base+n-1 */

	/* FRR source */
	char vtysh[256];            /* "/usr/bin/vtysh" */
	char vtysh_socket[256];     /* "" */
	unsigned vtysh_timeout_s;   /* 10; 1..3600 */
	bool peer_down_keep;        /* "peer-down: keep"; default flush */
	unsigned interval_s;        /* 0 = not set (no default: --once or --interval decide); 1..86400 */
};

/* Fills every default above; set = 0. */
void fs_config_default(struct fs_config *c);

/*
 * Parses YAML text (len bytes) into c, which must hold the defaults (or a
 * previous configuration to start from; lists the text names replace the
 * earlier ones).  origin names the file in errors ("injector.yaml:12:5:
 * commit: window-ms: out of range 0..60000: \"70000\"").  A key given twice
 * is an error.  0, or -1 with err set and c unchanged.
 */
int fs_config_parse(const char *text, size_t len, const char *origin, struct fs_config *c,
    struct fs_err *err);

/*
 * Reads and parses a file.  0; 1 when the file does not exist and
 * missing_ok (c keeps its defaults); -1 with err set.
 */
int fs_config_load(const char *path, bool missing_ok, struct fs_config *c, struct fs_err *err);

/*
 * The checks the file and the command line share (one place, so that
 * --chain and chain: refuse the same names).
 */

/* What a chain name is for. */
enum fs_chain_role {
	FS_CHAIN_OURS,        /* chain, --chain: our own chain, created and deleted by us */
	FS_CHAIN_HOOK,        /* hook, --hook: the filter chain that jumps to it */
	FS_CHAIN_MANGLE_HOOK, /* mangle-hook: the mangle chain that jumps to it */
};

/*
 * Checks name (len bytes) as a chain of role: our chain is 1 to
 * FS_CONFIG_CHAIN_MAX of A-Z, a-z, 0-9, _ and -, neither a built-in chain
 * nor an iptables target, not starting with '-', without "4-" or "6-" (how
 * sub-chain names go on); hook is a built-in chain of filter (INPUT, FORWARD,
 * OUTPUT); mangle-hook is POSTROUTING.  0, or -1 with why (the reason,
 * without the value) written to why.
 */
int fs_config_check_chain(enum fs_chain_role role, const char *name, size_t len, char *why,
    size_t cap);

/*
 * The community a clean sequence type would be taken from, by name ("the
 * traffic-rate-bytes action (RFC 8955 7.1)"), when type is one the project
 * decodes as an action, a redirect or a route target; NULL when it is free.
 */
const char *fs_config_seq_type_collision(unsigned long type);

/*
 * Whether the hook chain's jump can match the interfaces: OUTPUT has no
 * incoming interface and INPUT no outgoing one ("" and "+" mean all).
 * 0; 1 when in_iface cannot be matched, 2 when out_iface cannot, with why.
 */
int fs_config_check_hook_iface(const char *hook, const char *in_iface, const char *out_iface,
    char *why, size_t cap);

/* Why order sequence cannot work with source frr (both in one message). */
#define FS_CONFIG_FRR_SEQUENCE_WHY "FRR shows the clean sequence community as \"UNK:128, 255\" " \
	"without its value and keeps only the last byte of the paper form"

/* A key's path in messages ("commit: window-ms"); "?" for an unknown k. */
const char *fs_config_key_path(int k);

#endif
