/*
 * frr.h - FRR 8.4's FlowSpec JSON (vtysh "show bgp ipv4|ipv6 flowspec
 * detail json" and "... summary json") to routes and session states.
 *
 * The detail output is not one JSON document but a stream of arrays, one
 * per NLRI, each holding per path an NLRI object, an optional ecomlist
 * object and a time object.  Components and communities arrive as FRR's
 * display strings, which lose information: the AND/OR bit of numeric
 * operators, the traffic-action bits, all but the last byte of a marking,
 * the tail of long redirect targets, unknown communities' values.  The
 * reader rebuilds what the strings determine; a route that depends on what
 * was lost keeps a reason in route->source_loss and is refused by the
 * translator by name, never guessed (see docs/frr.md).
 *
 * Output the reader does not recognise (malformed JSON, an unknown key, a
 * string not in FRR's format) fails the whole snapshot: a half-read table
 * must never replace the installed rules.
 */
#ifndef FLOWSPEC_FRR_H
#define FLOWSPEC_FRR_H

#include <stdbool.h>
#include <stddef.h>

#include "flowspec/err.h"
#include "flowspec/rule.h"

#define FS_FRR_OUTPUT_MAX    (256u << 20) /* bytes of one vtysh answer */
#define FS_FRR_DEPTH_MAX     8            /* JSON nesting depth */
#define FS_FRR_NLRI_MAX      1000000      /* NLRIs in one snapshot */
#define FS_FRR_NLRI_TEXT_MAX (4u << 20)   /* bytes of one NLRI array (all its paths) */

struct fs_frr_stats {
	size_t nlri;        /* top-level arrays */
	size_t paths;       /* paths over all NLRIs */
	size_t lossy;       /* routes marked with a source_loss reason */
};

/* One family's table as FRR shows it. */
struct fs_frr_snapshot {
	struct fs_route **routes; /* owned; one per NLRI, keys unique */
	size_t n, cap;
	struct fs_frr_stats st;
};

/* Frees every route and the array; s may be NULL.  Leaves s empty. */
void fs_frr_snapshot_free(struct fs_frr_snapshot *s);

/*
 * Every answer first passes the library's strictness check (lib/src/
 * json_strict.h): a key given twice in any object, a raw or escaped NUL,
 * a control character, invalid UTF-8, a word or number outside JSON
 * refuses the whole answer, naming the NLRI, the byte, the JSON path and
 * the key.  Strings FRR prints are read only in FRR's own formats (a rate
 * only as printf's %f of a float, for example).
 */

/* Limits the reader checks while it reads (not after). */
struct fs_frr_limits {
	size_t max_routes;  /* distinct routes in the answer; more refuses it.  0: none */
	const char *name;   /* the setting it comes from, for the error ("max-routes") */
};

/*
 * Parses one "show bgp ipv4|ipv6 flowspec detail json" answer (len bytes;
 * empty means no routes) into out, which must be empty.  origin
 * ("vtysh ipv4 detail") names the source in errors, with the NLRI number
 * and key.  lim may be NULL (only FS_FRR_NLRI_MAX applies).  0, or -1
 * with err set and out empty.
 */
int fs_frr_parse_detail_lim(const char *buf, size_t len, enum fs_family family,
    const char *origin, const struct fs_frr_limits *lim, struct fs_frr_snapshot *out,
    struct fs_err *err);

/* fs_frr_parse_detail_lim() without limits. */
int fs_frr_parse_detail(const char *buf, size_t len, enum fs_family family,
    const char *origin, struct fs_frr_snapshot *out, struct fs_err *err);

/*
 * The same reader fed in pieces, for an answer read from a file or a pipe:
 * new, feed as the bytes come (any split), finish once, free.
 *
 * Memory bound: the reader never holds the answer.  It holds the text of
 * one NLRI array (at most FS_FRR_NLRI_TEXT_MAX, refused beyond) plus the
 * piece being fed when an NLRI spans two feeds (64 KiB), that array's
 * json-c tree, the strictness check's state (the depth, the keys of the
 * open objects), and the distinct routes read so far with a hash set over
 * them: about 0.6 KiB per route of a few terms, and never more than
 * lim->max_routes routes, because the route over the limit refuses the
 * answer as it arrives.  The caller's buffer adds to this for
 * fs_frr_parse_detail(), which feeds one whole answer.
 */
struct fs_frr_reader;

/* A reader for one answer; origin and lim are borrowed (lim may be NULL).  NULL on allocation failure. */
struct fs_frr_reader *fs_frr_reader_new(enum fs_family family, const char *origin,
    const struct fs_frr_limits *lim);

/* Reads buf[0..len), the next bytes of the answer.  0, or -1 with err set (the answer is refused). */
int fs_frr_reader_feed(struct fs_frr_reader *r, const char *buf, size_t len, struct fs_err *err);

/* The answer ended: out gets the routes (as fs_frr_parse_detail).  0, or -1 with err set and out empty. */
int fs_frr_reader_finish(struct fs_frr_reader *r, struct fs_frr_snapshot *out, struct fs_err *err);

/* Frees r and what it holds; r may be NULL. */
void fs_frr_reader_free(struct fs_frr_reader *r);

#define FS_FRR_PEERS_MAX 4096

struct fs_frr_peer {
	char addr[64];
	char state[32];       /* "Established", "Active", "Idle", ... */
	char peer_state[32];  /* "OK", "Policy", ... ("" when absent) */
	unsigned long pfx_rcd;
};

/* One family's sessions, from "show bgp ... flowspec summary json". */
struct fs_frr_summary {
	struct fs_frr_peer *peers; /* owned */
	size_t n;
	size_t established;         /* peers in state Established */
	unsigned long pfx_established; /* pfxRcd summed over those */
};

/* Frees the peers; s may be NULL.  Leaves s empty. */
void fs_frr_summary_free(struct fs_frr_summary *s);

/*
 * Parses one summary answer.  An empty answer or one without "peers" (no
 * neighbor is configured for the family) gives zero peers.  0, or -1 with
 * err set and out empty.
 */
int fs_frr_parse_summary(const char *buf, size_t len, const char *origin,
    struct fs_frr_summary *out, struct fs_err *err);

/*
 * True when two summaries show the same sessions: the same peers in the
 * same states with the same prefix counts.  The reconciler reads the
 * summary before and after the detail and accepts the detail only when
 * they agree (nothing happened in between).
 */
bool fs_frr_summary_same(const struct fs_frr_summary *a, const struct fs_frr_summary *b);

#endif
