/*
 * bird.h - FlowSpec routes as BIRD 2 configuration: a flow4/flow6 table
 * and a static protocol holding the routes, ready to `include` in a
 * bird.conf whose BGP protocol exports that table.
 */
#ifndef FLOWSPEC_BIRD_H
#define FLOWSPEC_BIRD_H

#include <stdint.h>
#include <stdio.h>

#include "flowspec/ecomm.h"
#include "flowspec/err.h"
#include "flowspec/rule.h"

#define FS_BIRD_RTS_MAX 16

struct fs_bird_opts {
	const char *name;           /* prefix of the table (NAME_t4) and protocol (NAME_s4) */
	enum fs_seq_form seq;       /* FS_SEQ_CLEAN (default) or FS_SEQ_PAPER */
	uint16_t clean_type;        /* high 16 bits of the clean form; default 0x80ff */
	uint64_t rts[FS_BIRD_RTS_MAX]; /* raw route-target communities added to every route */
	unsigned nrts;
};

/*
 * Writes the table and the static protocol for routes[0..n) of one family.
 * seq[i] is route i's sequence number; comment[i] (may be NULL) is written
 * above it.  The sequence community, a discard (rate 0), a DSCP marking and
 * the route targets become bgp_ext_community.add() calls.  0, or -1 with
 * err set when a route has a form BIRD's syntax cannot write (a bitmask
 * term it has no notation for, another action) or on a write error.
 */
int fs_bird_write(FILE *f, int family, const struct fs_route *const *routes,
    const uint32_t *seq, const char *const *comment, size_t n,
    const struct fs_bird_opts *o, struct fs_err *err);

/*
 * The same in three steps, for a writer that streams: the table and the
 * protocol's head, then each route (comment may be NULL), then the close.
 * Each returns 0, or -1 with err set (a route BIRD's syntax cannot write,
 * a write error); after an error the output is incomplete.
 */
int fs_bird_begin(FILE *f, int family, const struct fs_bird_opts *o, struct fs_err *err);
int fs_bird_route(FILE *f, int family, const struct fs_route *r, uint32_t seq,
    const char *comment, const struct fs_bird_opts *o, struct fs_err *err);
int fs_bird_end(FILE *f, struct fs_err *err);

#endif
