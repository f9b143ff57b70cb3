/*
 * feed.h - ExaBGP lines in, desired state out: the injector's input side.
 *
 * Each line is parsed (exabgp.h) and its events applied to a ruleset:
 * announce replaces, withdraw removes, a neighbor going down (or coming up
 * again without having gone down) loses all its routes, and ExaBGP's own
 * shutdown flushes everything.  A bad line changes nothing.
 *
 * It also follows each neighbor: whether it is up, which families it
 * sent an end-of-RIB for since it came up, when it last sent a route of
 * each family, and which families it has routes or an end-of-RIB for in
 * this run.  That last set is what the next run waits for at start-up
 * (batch.h); it is kept in the state directory, one small file per family
 * (fs_feed_known_load/save).
 *
 * A neighbor address is canonicalised as it enters (fs_peer_canon: parsed,
 * printed by inet_ntop, ::ffff:a.b.c.d as a.b.c.d), so "2001:DB8::1" and
 * "2001:db8::1" are one neighbor everywhere: in the ruleset, in this
 * table, in the neighbors file and in protection.  The table holds up to
 * FS_FEED_PEERS_MAX distinct neighbors per run (about 100 bytes each); a
 * line from one more is refused as an input error that names it, so that
 * no neighbor has routes stored without being followed and protected.
 *
 * "route not stored" warnings (the route caps) are summarised: the first
 * FS_FEED_WARN_FULL of each reason per FS_FEED_WARN_WINDOW_MS are logged
 * in full (with the line), the others counted and logged as one line per
 * reason by fs_feed_report (before each commit), or by fs_feed_line once
 * FS_FEED_WARN_SUMMARY_MS have passed since the last summary.
 *
 * Neighbor states are logged at info level without repeating themselves:
 * a neighbor going down is logged, and then, while ExaBGP retries the
 * session and reports it down again every few seconds, at most once per
 * FS_FEED_DOWN_REPEAT_MS with the count of the reports in between (which
 * go to debug level).  Coming up is logged once, when the log last said
 * down or nothing: a neighbor that flaps makes at most two lines a minute.
 * Of many neighbors coming up at once, FS_FEED_UP_FULL per
 * FS_FEED_WARN_WINDOW_MS are named, and the rest counted in one line by
 * fs_feed_report.
 */
#ifndef FLOWSPEC_FEED_H
#define FLOWSPEC_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/exabgp.h"
#include "flowspec/ruleset.h"

#define FS_FEED_PEERS_MAX 100000      /* distinct neighbors in one run */
#define FS_FEED_WARN_FULL 5           /* warnings of one reason logged in full per window */
#define FS_FEED_WARN_WINDOW_MS 60000
#define FS_FEED_WARN_SUMMARY_MS 10000 /* a held-back count waits at most this for a commit */
#define FS_FEED_WARN_REASONS 8        /* distinct reasons counted apart; more share the last */
#define FS_FEED_DOWN_REPEAT_MS 60000  /* a neighbor's going down logged at most this often */
#define FS_FEED_UP_FULL 20            /* neighbors coming up named per window */

struct fs_feed_stats {
	unsigned long lines, errors, announces, withdraws, flushed, eors, downs;
};

/* One neighbor; index 0 is IPv4, 1 is IPv6. */
struct fs_feed_peer {
	char addr[FS_PEER_ADDR_MAX];  /* canonical (fs_peer_canon) */
	bool up;                      /* its last state was up, or it spoke since it went down */
	bool eor[2];                  /* end-of-RIB of the family since it came up */
	bool known[2];                /* routes or an end-of-RIB of the family in this run */
	bool prev[2];                 /* the previous run knew it (fs_feed_known_load) */
	uint64_t last[2];             /* now_ms when it came up or last sent a route of the family */
	uint8_t said;                 /* the state last logged: FS_FEED_SAID_* */
	uint64_t down_said_ms;        /* now_ms when its going down was last logged */
	unsigned long downs_held;     /* down reports since then, not logged */
};

/* what the log last said of a neighbor */
#define FS_FEED_SAID_NOTHING 0
#define FS_FEED_SAID_UP 1
#define FS_FEED_SAID_DOWN 2

struct fs_feed {
	struct fs_ruleset *rs;        /* owned */
	struct fs_exabgp_opts ex;
	struct fs_feed_stats st;
	struct fs_event_list ev;
	bool shutdown;                /* ExaBGP said it is shutting down */
	unsigned dirty;               /* FS_FEED_DIRTY4/6: changed since cleared */
	unsigned long changes;        /* routes added, replaced or removed, ever */
	unsigned peers_up;            /* neighbors whose last state was up */
	/* every neighbor seen or loaded (fs_feed_known_load), in the order first
	 * seen, never removed in a run: what protection covers (owned) */
	struct fs_feed_peer *peers;
	unsigned npeers, peers_cap;
	unsigned *peer_slot;          /* open-addressing index: 1 + index in peers, 0 free (owned) */
	unsigned nslots;
	struct fs_feed_warn {
		char reason[160];         /* the ruleset's message */
		unsigned long shown;      /* logged in full in this window */
		unsigned long held;       /* counted since the last summary */
	} warn[FS_FEED_WARN_REASONS];
	uint64_t warn_window_ms;      /* now_ms when the window began */
	uint64_t warn_said_ms;        /* now_ms of the last summary */
	uint64_t up_window_ms;        /* now_ms when the window of "up" lines began */
	unsigned long ups_shown;      /* "up" lines in this window */
	unsigned long ups_held;       /* neighbors up, not named, since the last summary */
	uint64_t now_ms;              /* the caller's clock, set before fs_feed_line */
	char *known_text[2];          /* the neighbors file as last read or written (owned) */
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
 * changed): malformed, or from a neighbor beyond FS_FEED_PEERS_MAX.
 * Storage failures of single routes are logged (summarised, see above),
 * not returned.
 */
int fs_feed_line(struct fs_feed *f, const char *line, size_t len, const char *origin,
    struct fs_err *err);

/*
 * Logs one line per reason for the "route not stored" warnings held back
 * since the last call, and one for the neighbors that came up unnamed
 * (nothing when none).  Call it before each commit;
 * fs_feed_free calls it too.
 */
void fs_feed_report(struct fs_feed *f);

/* The index of family in fs_feed_peer's arrays: 0 for IPv4, 1 for IPv6. */
#define FS_FEED_FI(family) ((family) == FS_INET ? 0 : 1)

/* The neighbors file of chain and family in dir ("DIR/CHAIN.v4.neighbors"); 0, or -1 if it does not fit. */
int fs_feed_known_path(char *buf, size_t cap, const char *dir, const char *chain, int family);

/*
 * Reads the neighbors the previous run knew for family from path and marks
 * them prev.  Addresses are compared canonically (a neighbor listed twice
 * in two spellings is listed twice).  1 when there is no such file
 * (nothing marked), 0 when read, -1 (err set: the file, the line and the
 * bad value; nothing marked) when it is not a neighbors file of that
 * family or lists more than FS_FEED_PEERS_MAX neighbors.
 */
int fs_feed_known_load(struct fs_feed *f, enum fs_family family, const char *path,
    struct fs_err *err);

/*
 * Writes, atomically and only when it changed, the neighbors of family that
 * may have rules in the kernel: those known in this run, and, unless
 * committed (this run has replaced the family's rules), also the previous
 * run's.  0, or -1 with err set (the file is left as it was).
 */
int fs_feed_known_save(struct fs_feed *f, enum fs_family family, bool committed,
    const char *path, struct fs_err *err);

#endif
