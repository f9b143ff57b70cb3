/*
 * exabgp.h - ExaBGP 4.2 process-API JSON (API format "4.0.1", encoder
 * json) to events: announce, withdraw, neighbor state, end-of-RIB and
 * shutdown.
 *
 * One call parses one line.  A line is accepted whole or not at all: when
 * any NLRI of an UPDATE is malformed, no event is produced for that line,
 * and the error names the line number, the JSON path and the bad value.
 */
#ifndef FLOWSPEC_EXABGP_H
#define FLOWSPEC_EXABGP_H

#include <stddef.h>
#include <stdint.h>

#include "flowspec/ecomm.h"
#include "flowspec/err.h"
#include "flowspec/rule.h"

#define FS_EXABGP_LINE_MAX  (4u << 20) /* bytes in one JSON line */
#define FS_EXABGP_DEPTH_MAX 16         /* JSON nesting depth */
#define FS_EXABGP_NLRI_MAX  4096       /* NLRIs in one UPDATE line */

#define FS_PEER_ADDR_MAX 46

struct fs_peer {
	char addr[FS_PEER_ADDR_MAX];  /* neighbor.address.peer */
	char local[FS_PEER_ADDR_MAX]; /* neighbor.address.local */
	uint32_t asn, local_asn;
};

enum fs_ev_kind {
	FS_EV_ANNOUNCE,  /* route: owned by the event */
	FS_EV_WITHDRAW,  /* route: the NLRI only (no actions) */
	FS_EV_STATE,     /* state + reason */
	FS_EV_EOR,       /* family */
	FS_EV_SHUTDOWN,  /* {"type":"notification","notification":"shutdown"} */
	FS_EV_NOTIFICATION, /* a received/sent NOTIFICATION: code, subcode */
};

enum fs_peer_state { FS_PEER_CONNECTED, FS_PEER_UP, FS_PEER_DOWN };

struct fs_event {
	enum fs_ev_kind kind;
	struct fs_peer peer;           /* empty for FS_EV_SHUTDOWN */
	enum fs_peer_state state;      /* FS_EV_STATE */
	char reason[256];              /* FS_EV_STATE down reason, truncated */
	enum fs_family family;         /* FS_EV_EOR, ANNOUNCE, WITHDRAW */
	uint8_t code, subcode;         /* FS_EV_NOTIFICATION */
	struct fs_route *route;        /* ANNOUNCE, WITHDRAW: owned */
};

struct fs_event_list {
	struct fs_event *ev;
	size_t n, cap;
};

/* Frees every event's route and resets n to 0 (keeps the buffer). */
void fs_event_list_clear(struct fs_event_list *l);
/* Frees everything; l may be NULL. */
void fs_event_list_free(struct fs_event_list *l);

struct fs_exabgp_opts {
	struct fs_seq_opts seq;
	size_t line_max;  /* default FS_EXABGP_LINE_MAX */
};

void fs_exabgp_opts_default(struct fs_exabgp_opts *o);

/*
 * Parses one line (without its newline; len bytes, need not be NUL
 * terminated) and appends its events to out.  origin ("stdin:42") is used
 * in the error message.  Message types that carry nothing for us (open,
 * keepalive, negotiated, refresh, operational) append no event and return 0.
 * Returns 0 on success, -1 with err set when the line is malformed,
 * over a cap, carries an unknown component, or an unsupported family (by
 * name, e.g. "ipv4 flow-vpn"); on -1, out is unchanged.
 */
int fs_exabgp_parse_line(const struct fs_exabgp_opts *o, const char *line,
    size_t len, const char *origin, struct fs_event_list *out,
    struct fs_err *err);

#endif
