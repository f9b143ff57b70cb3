/*
 * batch.h - when to commit: one kernel commit per burst, never per line.
 *
 * A commit is due at end-of-RIB, when the input has been idle for the
 * window, when the pending changes reach the cap, or when the oldest
 * pending change has waited max_delay (a steady stream never goes idle).  Until the first
 * complete state (the first end-of-RIB, or quiet for hold_ms while a
 * neighbor is up, or end of input) nothing is committed, so rules already in the kernel from
 * an earlier run keep protecting until they are replaced in one commit.
 */
#ifndef FLOWSPEC_BATCH_H
#define FLOWSPEC_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/feed.h"

struct fs_batch {
	unsigned window_ms;        /* idle window; default 50 */
	unsigned hold_ms;          /* start-up: quiet this long while up = complete; default 1000 */
	unsigned long max_pending; /* pending-change cap; default 10000 */
	unsigned max_delay_ms;     /* the oldest pending change waits at most this; default 200 */
	uint64_t pending_since;    /* when the oldest pending change arrived (0: none) */
	bool synced;               /* the first complete state has been seen */
	bool first_done;           /* and committed (replacing what an earlier run left) */
	unsigned long committed;   /* feed->changes at the last commit */
	unsigned long eors;        /* feed->st.eors at the last check */
	uint64_t last_input_ms;    /* when input last arrived */
};

/* Fills the defaults; synced false. */
void fs_batch_init(struct fs_batch *b);

/* Records that input arrived at now_ms (call after feeding it). */
void fs_batch_input(struct fs_batch *b, uint64_t now_ms);

/*
 * True when a commit is due at now_ms.  *wait_ms is set to how long poll
 * may sleep before asking again (-1: until input).  eof: input has ended.
 */
bool fs_batch_due(struct fs_batch *b, const struct fs_feed *f, uint64_t now_ms, bool eof,
    int *wait_ms);

/* Records a successful commit of everything fed so far. */
void fs_batch_done(struct fs_batch *b, const struct fs_feed *f);

#endif
