/*
 * batch.c - the commit policy (see batch.h).
 */
#include "flowspec/batch.h"

void fs_batch_init(struct fs_batch *b)
{
	b->window_ms = 50;
	b->hold_ms = 1000;
	b->max_pending = 10000;
	b->max_delay_ms = 200;
	b->pending_since = 0;
	b->synced = false;
	b->first_done = false;
	b->committed = 0;
	b->eors = 0;
	b->last_input_ms = 0;
}

void fs_batch_input(struct fs_batch *b, uint64_t now_ms)
{
	b->last_input_ms = now_ms;
}

bool fs_batch_due(struct fs_batch *b, const struct fs_feed *f, uint64_t now_ms, bool eof,
    int *wait_ms)
{
	unsigned long pending = f->changes - b->committed;
	bool eor = f->st.eors != b->eors;
	uint64_t idle = now_ms - b->last_input_ms;

	b->eors = f->st.eors;
	*wait_ms = -1;
	if (eor || eof)
		b->synced = true;
	if (!b->synced) {
		/* GoBGP sends no end-of-RIB: a quiet session that is up is complete */
		if (f->peers_up > 0 && idle >= b->hold_ms)
			b->synced = true;
		else if (f->peers_up > 0)
			*wait_ms = (int)(b->hold_ms - idle);
		if (!b->synced)
			return false;
	}
	if (!b->first_done)
		return true; /* replace the old rules in one commit, even with nothing pending */
	if (pending == 0)
		return false;
	if (b->pending_since == 0)
		b->pending_since = b->last_input_ms ? b->last_input_ms : now_ms;
	if (eor || eof || pending >= b->max_pending || idle >= b->window_ms ||
	    now_ms - b->pending_since >= b->max_delay_ms)
		return true;
	{
		uint64_t to_idle = b->window_ms - idle;
		uint64_t to_age = b->max_delay_ms - (now_ms - b->pending_since);

		*wait_ms = (int)(to_idle < to_age ? to_idle : to_age);
	}
	return false;
}

void fs_batch_done(struct fs_batch *b, const struct fs_feed *f)
{
	b->committed = f->changes;
	b->first_done = true;
	b->pending_since = 0;
}
