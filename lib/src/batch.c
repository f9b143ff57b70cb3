/*
 * batch.c - the commit policy and the per-family start-up hold (see batch.h).
 */
#include <limits.h>
#include <stdio.h>

#include "flowspec/batch.h"
#include "flowspec/log.h"

static unsigned bit(int fi)
{
	return fi == 0 ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6;
}

/* now - t, or 0 when t is later. */
static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* Lowers *wait (-1: none yet) to the time until at. */
static void wait_until(int *wait, uint64_t now, uint64_t at)
{
	uint64_t d = at > now ? at - now : 0;

	if (d > INT_MAX)
		d = INT_MAX;
	if (*wait < 0 || (int)d < *wait)
		*wait = (int)d;
}

void fs_batch_init(struct fs_batch *b)
{
	b->window_ms = 50;
	b->hold_ms = 1000;
	b->max_pending = 10000;
	b->max_delay_ms = 200;
	b->families = FS_FEED_DIRTY4 | FS_FEED_DIRTY6;
	b->start_ms = 0;
	b->pending_since = 0;
	b->committed = 0;
	b->eors = 0;
	b->eor = false;
	b->last_input_ms = 0;
	for (int i = 0; i < 2; i++) {
		b->fam[i].synced = false;
		b->fam[i].first_done = false;
		b->fam[i].missing_said = false;
	}
}

void fs_batch_start(struct fs_batch *b, uint64_t now_ms)
{
	b->start_ms = now_ms;
}

void fs_batch_input(struct fs_batch *b, uint64_t now_ms)
{
	b->last_input_ms = now_ms;
}

/* Logs, once, the previous run's neighbors of family fi not back when the hold ended. */
static void say_missing(struct fs_batch *b, const struct fs_feed *f, int fi)
{
	char list[512];
	size_t len = 0;
	unsigned i, n = 0;

	for (i = 0; i < f->npeers; i++) {
		const struct fs_feed_peer *p = &f->peers[i];

		if (!p->prev[fi] || p->up)
			continue;
		if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", n ? ", " : "",
			    p->addr);
		n++;
	}
	if (n > 0)
		log_warnx("IPv%d: the start-up hold (%u ms) is over and %u neighbor%s of the previous "
		    "run %s not back (%s): not waiting for %s, %s rules go with the first commit",
		    fi == 0 ? 4 : 6, b->hold_ms, n, n == 1 ? "" : "s", n == 1 ? "is" : "are", list,
		    n == 1 ? "it" : "them", n == 1 ? "its" : "their");
	b->fam[fi].missing_said = true;
}

/*
 * Whether family fi is complete at now (batch.h); when not, *wait is
 * lowered to when the answer can change without input.
 */
static bool complete(struct fs_batch *b, const struct fs_feed *f, int fi, uint64_t now,
    int *wait, unsigned *members)
{
	bool over = now >= b->start_ms + b->hold_ms;
	unsigned i, done = 0;

	*members = 0;
	if (over && !b->fam[fi].missing_said)
		say_missing(b, f, fi);
	for (i = 0; i < f->npeers; i++) {
		const struct fs_feed_peer *p = &f->peers[i];

		if (p->up) {
			(*members)++;
			if (p->eor[fi] || since(now, p->last[fi]) >= b->hold_ms)
				done++;
			else
				wait_until(wait, now, p->last[fi] + b->hold_ms);
		} else if (p->prev[fi] && !over) {
			(*members)++;
			wait_until(wait, now, b->start_ms + b->hold_ms);
		}
	}
	return *members > 0 && done == *members;
}

unsigned fs_batch_due(struct fs_batch *b, const struct fs_feed *f, uint64_t now_ms, bool eof,
    int *wait_ms)
{
	unsigned due = 0, committed = 0, members;
	unsigned long pending = f->changes - b->committed;
	int fi;

	*wait_ms = -1;
	if (f->st.eors != b->eors) {
		b->eors = f->st.eors;
		b->eor = true;
	}
	for (fi = 0; fi < 2; fi++) {
		struct fs_batch_family *fam = &b->fam[fi];

		if (!(b->families & bit(fi)))
			continue;
		if (!fam->synced) {
			if (eof) {
				log_info("IPv%d start-up state complete: end of input", fi == 0 ? 4 : 6);
			} else if (complete(b, f, fi, now_ms, wait_ms, &members)) {
				log_info("IPv%d start-up state complete: %u neighbor%s up, each has sent its "
				    "end-of-RIB or been quiet for %u ms", fi == 0 ? 4 : 6, members,
				    members == 1 ? "" : "s", b->hold_ms);
			} else {
				continue;
			}
			fam->synced = true;
		}
		if (!fam->first_done)
			due |= bit(fi); /* replace the old rules in one commit, even with nothing pending */
		else
			committed |= bit(fi);
	}
	if (!(f->dirty & committed)) {
		/* nothing waits; what held families changed goes into their first commit */
		b->committed = f->changes;
		b->pending_since = 0;
		b->eor = false;
		return due;
	}
	if (b->pending_since == 0)
		b->pending_since = b->last_input_ms ? b->last_input_ms : now_ms;
	if (b->eor || eof || pending >= b->max_pending ||
	    since(now_ms, b->last_input_ms) >= b->window_ms ||
	    since(now_ms, b->pending_since) >= b->max_delay_ms)
		return due | (f->dirty & committed);
	wait_until(wait_ms, now_ms, b->last_input_ms + b->window_ms);
	wait_until(wait_ms, now_ms, b->pending_since + b->max_delay_ms);
	return due;
}

unsigned fs_batch_committed(const struct fs_batch *b)
{
	return (b->fam[0].first_done ? FS_FEED_DIRTY4 : 0) | (b->fam[1].first_done ? FS_FEED_DIRTY6 : 0);
}

void fs_batch_done(struct fs_batch *b, const struct fs_feed *f, unsigned done)
{
	int fi;

	for (fi = 0; fi < 2; fi++)
		if (done & bit(fi)) {
			b->fam[fi].synced = true;
			b->fam[fi].first_done = true;
		}
	if (!(f->dirty & fs_batch_committed(b))) {
		b->committed = f->changes;
		b->pending_since = 0;
		b->eor = false;
	}
}
