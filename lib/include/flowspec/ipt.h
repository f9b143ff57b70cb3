/*
 * ipt.h - the kernel backend: a plan written into the legacy x_tables
 * through libip4tc / libip6tc, as ipt_entry / ip6t_entry blobs built in C.
 *
 * We own the base chain, the sub-chains named after it ("<base>4-..." or
 * "<base>6-..."), and exactly one jump to the base chain at position 1 of
 * the hook chain, in filter and (when a route marks DSCP) mangle.  Nothing
 * else in any table is read for changing or touched.  Each table is
 * replaced in one commit under the xtables lock; a commit that loses a
 * race with another writer (EAGAIN) is re-read and retried.
 */
#ifndef FLOWSPEC_IPT_H
#define FLOWSPEC_IPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"
#include "flowspec/translate.h"

struct fs_ipt_opts {
	const char *lockfile;   /* default $XTABLES_LOCKFILE or /run/xtables.lock */
	unsigned lock_wait_ms;  /* bounded wait for the lock; default 5000 */
	unsigned retries;       /* commits retried on EAGAIN; default 10 */
};

/* Fills the defaults. */
void fs_ipt_opts_default(struct fs_ipt_opts *o);

/*
 * Makes the kernel's tables hold exactly the plan's chains, and the hook
 * chains exactly one jump each, at position 1.  Our chains that the plan
 * no longer has are removed; a table the plan does not use (mangle) loses
 * our chains and jump.
 *
 * Counters: a rule the plan has again, unchanged, keeps its counters (the
 * desired rules of each chain are aligned with the installed ones by
 * content, and only the difference is deleted and inserted; a chain whose
 * difference is large is refilled with the kept rules' counters carried
 * over).  The built-in chains' policy counters are kept too.  A table with
 * no difference is not written at all.
 *
 * digest (may be NULL) receives the content digest of our part of the
 * family's tables as committed (see fs_ipt_counters).  0 on success; -1
 * with err set (not root, lock busy past the wait, no legacy tables,
 * kernel refused the commit).  A failed commit leaves the table as it was.
 */
int fs_ipt_apply(const struct fs_plan *plan, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, uint64_t *digest, struct fs_err *err);

/* Removes our chains and jumps from filter and mangle of one family. */
int fs_ipt_remove(enum fs_family family, const struct fs_xlate_opts *xo,
    const struct fs_ipt_opts *io, struct fs_err *err);

/* One rule's counters as the kernel has them. */
struct fs_ipt_counter {
	char chain[FS_CHAIN_NAME_MAX];
	unsigned rule;          /* 1-based position in the chain */
	uint64_t pkts, bytes;
};

/*
 * Reads the counters of every rule in our filter chains of one family, in
 * chain order.  *out is caller-freed.
 *
 * digest (may be NULL) receives the content digest of our part of the
 * family's filter and mangle tables: our chains' names and rules in order,
 * and our jumps in the hook chains with their positions.  A rule counts by
 * its address part, its matches (name, revision, size, data) and its
 * target (name, and data for a target extension), not its counters; it is
 * the value fs_ipt_apply returns for the same tables, so a difference
 * means someone else changed our rules.  A table the kernel has not
 * loaded is read as holding nothing of ours (and is not loaded by this).
 * 0, or -1 with err set.
 */
int fs_ipt_counters(enum fs_family family, const struct fs_xlate_opts *xo,
    struct fs_ipt_counter **out, size_t *n, uint64_t *digest, struct fs_err *err);

/*
 * Takes the xtables lock, waiting at most wait_ms.  Returns the lock fd
 * (close it to release), or -1 with err set.
 */
int fs_xtables_lock(const char *path, unsigned wait_ms, struct fs_err *err);

#endif
