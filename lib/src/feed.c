/*
 * feed.c - apply ExaBGP events to the desired state.
 */
#include <stdio.h>
#include <string.h>

#include "flowspec/feed.h"
#include "flowspec/log.h"

int fs_feed_init(struct fs_feed *f, const struct fs_exabgp_opts *ex)
{
	memset(f, 0, sizeof(*f));
	f->ex = *ex;
	f->rs = fs_ruleset_new();
	return f->rs == NULL ? -1 : 0;
}

void fs_feed_free(struct fs_feed *f)
{
	if (f == NULL)
		return;
	fs_event_list_free(&f->ev);
	fs_ruleset_free(f->rs);
	f->rs = NULL;
}

static void note_peer(struct fs_feed *f, const char *addr)
{
	unsigned i;

	if (addr[0] == '\0')
		return;
	for (i = 0; i < f->npeer_addrs; i++)
		if (strcmp(f->peer_addrs[i], addr) == 0)
			return;
	if (f->npeer_addrs < FS_FEED_PEERS_MAX)
		snprintf(f->peer_addrs[f->npeer_addrs++], FS_PEER_ADDR_MAX, "%s", addr);
}

static void apply(struct fs_feed *f, struct fs_event *e)
{
	struct fs_err err;
	size_t n;

	note_peer(f, e->peer.addr);

	switch (e->kind) {
	case FS_EV_ANNOUNCE:
		f->st.announces++;
		f->changes++;
		f->dirty |= e->route->family == FS_INET ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6;
		if (fs_ruleset_announce(f->rs, e->peer.addr, e->route, &err) < 0)
			log_warnx("neighbor %s: route not stored: %s", e->peer.addr, err.msg);
		e->route = NULL; /* the ruleset took it */
		break;
	case FS_EV_WITHDRAW:
		f->st.withdraws++;
		if (fs_ruleset_withdraw(f->rs, e->peer.addr, e->route) == 0) {
			log_debug("neighbor %s: withdraw of a route it does not have", e->peer.addr);
		} else {
			f->changes++;
			f->dirty |= e->route->family == FS_INET ? FS_FEED_DIRTY4 : FS_FEED_DIRTY6;
		}
		break;
	case FS_EV_STATE:
		if (e->state != FS_PEER_DOWN && e->state != FS_PEER_UP)
			break;
		/* ExaBGP sends no withdraws when a session ends: flush the peer */
		n = fs_ruleset_flush(f->rs, e->peer.addr);
		f->st.flushed += n;
		if (n > 0) {
			f->changes += n;
			f->dirty |= FS_FEED_DIRTY4 | FS_FEED_DIRTY6;
		}
		if (e->state == FS_PEER_UP)
			f->peers_up++;
		else if (f->peers_up > 0)
			f->peers_up--;
		if (e->state == FS_PEER_DOWN) {
			f->st.downs++;
			log_info("neighbor %s down (%s): %zu routes removed", e->peer.addr,
			    e->reason, n);
		} else if (n > 0) {
			log_info("neighbor %s up again: %zu stale routes removed", e->peer.addr, n);
		}
		break;
	case FS_EV_SHUTDOWN:
		n = fs_ruleset_flush(f->rs, NULL);
		f->st.flushed += n;
		f->changes += n;
		f->dirty |= FS_FEED_DIRTY4 | FS_FEED_DIRTY6;
		f->shutdown = true;
		log_info("ExaBGP is shutting down: %zu routes removed", n);
		break;
	case FS_EV_EOR:
		f->st.eors++;
		log_debug("neighbor %s: end-of-RIB for IPv%d flow", e->peer.addr, e->family);
		break;
	case FS_EV_NOTIFICATION:
		log_info("neighbor %s: NOTIFICATION %u/%u", e->peer.addr, e->code, e->subcode);
		break;
	}
}

int fs_feed_line(struct fs_feed *f, const char *line, size_t len, const char *origin,
    struct fs_err *err)
{
	size_t i;

	f->st.lines++;
	if (fs_exabgp_parse_line(&f->ex, line, len, origin, &f->ev, err) < 0) {
		f->st.errors++;
		return -1;
	}
	for (i = 0; i < f->ev.n; i++)
		apply(f, &f->ev.ev[i]);
	fs_event_list_clear(&f->ev);
	return 0;
}
