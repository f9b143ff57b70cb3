/*
 * batch.h - when to commit: one kernel commit per burst, never per line.
 *
 * A commit is due at end-of-RIB, when the input has been idle for the
 * window, when the pending changes reach the cap, or when the oldest
 * pending change has waited max_delay (a steady stream never goes idle).
 *
 * Start-up hold, per family: until the family's state is complete nothing
 * of it is committed, so the rules an earlier run left keep protecting
 * until they are replaced in one commit.  A family is complete at end of
 * input, or when every neighbor it waits for is done with it: has sent
 * its end-of-RIB since it came up, or has been up and sent no route of the
 * family for hold_ms (GoBGP sends no end-of-RIB).  It waits for the
 * neighbors that are up and, until hold_ms after fs_batch_start, also for
 * those the previous run knew for the family (feed.h, prev) that are not
 * back yet; when that time is over, those still missing are logged and no
 * longer waited for (their rules go with the family's first commit).
 * With nobody to wait for (no neighbor up, none known), a family stays
 * held, however long.
 */
#ifndef FLOWSPEC_BATCH_H
#define FLOWSPEC_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/feed.h"

struct fs_batch_family {
	bool synced;               /* the first complete state has been seen */
	bool first_done;           /* and committed (replacing what an earlier run left) */
	bool missing_said;         /* the neighbors missing at the end of the hold were logged */
};

struct fs_batch {
	unsigned window_ms;        /* idle window; default 50 */
	unsigned hold_ms;          /* start-up hold (see above); default 1000 */
	unsigned long max_pending; /* pending-change cap; default 10000 */
	unsigned max_delay_ms;     /* the oldest pending change waits at most this; default 200 */
	unsigned families;         /* FS_FEED_DIRTY4 | FS_FEED_DIRTY6: those handled; default both */
	uint64_t start_ms;         /* fs_batch_start */
	uint64_t pending_since;    /* when the oldest pending change arrived (0: none) */
	unsigned long committed;   /* feed->changes at the last commit */
	unsigned long eors;        /* feed->st.eors at the last check */
	bool eor;                  /* an end-of-RIB arrived since the last commit */
	uint64_t last_input_ms;    /* when input last arrived */
	struct fs_batch_family fam[2]; /* IPv4, IPv6 (FS_FEED_FI) */
};

/* Fills the defaults; nothing synced. */
void fs_batch_init(struct fs_batch *b);

/* Starts the hold for the previous run's neighbors at now_ms. */
void fs_batch_start(struct fs_batch *b, uint64_t now_ms);

/* Records that input arrived at now_ms (call after feeding it). */
void fs_batch_input(struct fs_batch *b, uint64_t now_ms);

/*
 * The families (FS_FEED_DIRTY4/6 bits) whose commit is due at now_ms, 0
 * when none: a family's first commit as soon as it is complete (even with
 * nothing pending), then the dirty ones when the policy says so.  Calling
 * it again before fs_batch_done gives the same answer.  *wait_ms is how
 * long poll may sleep before asking again (-1: until input).  eof: input
 * has ended (every family is complete).
 */
unsigned fs_batch_due(struct fs_batch *b, const struct fs_feed *f, uint64_t now_ms, bool eof,
    int *wait_ms);

/* The families whose first commit is done (FS_FEED_DIRTY4/6 bits). */
unsigned fs_batch_committed(const struct fs_batch *b);

/*
 * Records a successful commit of the families in done, made from
 * everything fed so far; the caller has cleared their bits in f->dirty.
 * The pending count restarts once no committed family is dirty.
 */
void fs_batch_done(struct fs_batch *b, const struct fs_feed *f, unsigned done);

#endif
