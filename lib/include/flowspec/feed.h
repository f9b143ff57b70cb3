/*
 * feed.h - ExaBGP lines in, desired state out: the injector's input side.
 *
 * Each line is parsed (exabgp.h) and its events applied to a ruleset:
 * announce replaces, withdraw removes, a neighbor going down (or coming up
 * again without having gone down) loses all its routes, and ExaBGP's own
 * shutdown flushes everything.  A bad line changes nothing.
 */
#ifndef FLOWSPEC_FEED_H
#define FLOWSPEC_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "flowspec/exabgp.h"
#include "flowspec/ruleset.h"

#define FS_FEED_PEERS_MAX 64

struct fs_feed_stats {
	unsigned long lines, errors, announces, withdraws, flushed, eors, downs;
};

struct fs_feed {
	struct fs_ruleset *rs;        /* owned */
	struct fs_exabgp_opts ex;
	struct fs_feed_stats st;
	struct fs_event_list ev;
	bool shutdown;                /* ExaBGP said it is shutting down */
	unsigned dirty;               /* FS_FEED_DIRTY4/6: changed since cleared */
	unsigned long changes;        /* routes added, replaced or removed, ever */
	unsigned peers_up;            /* neighbors whose last state was up */
	/* every neighbor address seen, for protection (the first FS_FEED_PEERS_MAX) */
	char peer_addrs[FS_FEED_PEERS_MAX][FS_PEER_ADDR_MAX];
	unsigned npeer_addrs;
};

#define FS_FEED_DIRTY4 1u
#define FS_FEED_DIRTY6 2u

/* Initialises f with an empty ruleset.  0, or -1 on allocation failure. */
int fs_feed_init(struct fs_feed *f, const struct fs_exabgp_opts *ex);

/* Frees everything f owns; f may be NULL. */
void fs_feed_free(struct fs_feed *f);

/*
 * Parses one line and applies it.  Returns 0 when applied, -1 when the
 * line was rejected (err set: it names origin and the bad value; nothing
 * changed).  Storage failures of single routes are logged, not returned.
 */
int fs_feed_line(struct fs_feed *f, const char *line, size_t len, const char *origin,
    struct fs_err *err);

#endif
