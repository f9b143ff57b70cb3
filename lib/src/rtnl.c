/*
 * rtnl.c - ip rules and routes of redirects over one NETLINK_ROUTE socket
 * (rtnl.h): dump what is ours (protocol FS_RTNL_PROTO), add what is
 * missing, delete what is no longer wanted.  Requests are acknowledged one
 * by one, so each failure is known and named.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "flowspec/rtnl.h"
#include "flowspec/rule.h"

#define NL_BUF 32768

struct nl {
	int fd;
	uint32_t seq;
	uint8_t *buf;
};

struct req {
	struct nlmsghdr h;
	union {
		struct fib_rule_hdr frh;
		struct rtmsg rtm;
	} u;
	uint8_t attrs[256];
};

static int nl_open(struct nl *n, struct fs_err *err)
{
	struct sockaddr_nl sa;

	memset(n, 0, sizeof(*n));
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0)
		return fs_err_set(err, FS_E_SYSTEM, "rtnetlink socket: %s", strerror(errno));
	{
		/* let the kernel filter dumps (protocol); older kernels ignore it */
		int one = 1;

		(void)setsockopt(n->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (n->buf = malloc(NL_BUF)) == NULL) {
		int e = errno;

		close(n->fd);
		n->fd = -1;
		return fs_err_set(err, FS_E_SYSTEM, "rtnetlink socket: %s", strerror(e));
	}
	n->seq = 1;
	return 0;
}

static void nl_close(struct nl *n)
{
	if (n->fd >= 0)
		close(n->fd);
	free(n->buf);
	n->fd = -1;
	n->buf = NULL;
}

static void add_attr(struct req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((uint8_t *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void add_u32(struct req *r, unsigned short type, uint32_t v)
{
	add_attr(r, type, &v, sizeof(v));
}

/*
 * Sends r and reads until its answer ends.  For a dump, cb sees every
 * message; otherwise the kernel's acknowledgement is the result.
 * 0, a positive errno from the kernel, or -1 with err set (socket failure).
 */
static int nl_talk(struct nl *n, struct req *r, int (*cb)(const struct nlmsghdr *, void *),
    void *arg, struct fs_err *err)
{
	struct sockaddr_nl sa;
	uint32_t seq = n->seq++;
	int result = 0;

	r->h.nlmsg_seq = seq;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(n->fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fs_err_set(err, FS_E_SYSTEM, "rtnetlink send: %s", strerror(errno));
	for (;;) {
		ssize_t len = recv(n->fd, n->buf, NL_BUF, 0);
		struct nlmsghdr *h;
		size_t left;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return fs_err_set(err, FS_E_SYSTEM, "rtnetlink receive: %s", strerror(errno));
		}
		left = (size_t)len;
		for (h = (struct nlmsghdr *)n->buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return result;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return fs_err_set(err, FS_E_SYSTEM, "rtnetlink: short error message");
				return e->error < 0 ? -e->error : result;
			}
			if (cb != NULL && result == 0)
				result = cb(h, arg);
		}
	}
}

static void req_init(struct req *r, uint16_t type, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
}

/* Room for one more element of size sz in *v (n used of *cap).  0 or ENOMEM. */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if ((nv = realloc(*v, nc * sz)) == NULL)
		return ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* ---- rules ------------------------------------------------------------------ */

struct rules_seen {
	struct fs_rtnl_rule *v;
	size_t n, cap;
};

static int seen_rule(const struct nlmsghdr *h, void *arg)
{
	struct rules_seen *s = arg;
	const struct fib_rule_hdr *frh = NLMSG_DATA(h);
	const struct rtattr *a;
	struct fs_rtnl_rule r = { 0 };
	bool ours = false;
	int len;

	if (h->nlmsg_type != RTM_NEWRULE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return 0;
	r.table = frh->table;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*frh)));
	for (a = (const struct rtattr *)((const uint8_t *)frh + NLMSG_ALIGN(sizeof(*frh)));
	    RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		const void *d = RTA_DATA(a);

		switch (a->rta_type) {
		case FRA_PRIORITY: memcpy(&r.priority, d, 4); break;
		case FRA_FWMARK: memcpy(&r.mark, d, 4); break;
		case FRA_FWMASK: memcpy(&r.mask, d, 4); break;
		case FRA_TABLE: memcpy(&r.table, d, 4); break;
		case FRA_PROTOCOL: ours = *(const uint8_t *)d == FS_RTNL_PROTO; break;
		default: break;
		}
	}
	if (!ours)
		return 0;
	if (grow((void **)&s->v, s->n, &s->cap, sizeof(*s->v)) != 0)
		return ENOMEM;
	s->v[s->n++] = r;
	return 0;
}

static int dump_rules(struct nl *n, int af, struct rules_seen *s, struct fs_err *err)
{
	struct req r;
	int rc;

	memset(s, 0, sizeof(*s));
	req_init(&r, RTM_GETRULE, NLM_F_DUMP);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.frh));
	r.u.frh.family = (uint8_t)af;
	rc = nl_talk(n, &r, seen_rule, s, err);
	if (rc > 0)
		return fs_err_set(err, FS_E_SYSTEM, "listing the ip rules: %s", strerror(rc));
	return rc;
}

static bool rule_eq(const struct fs_rtnl_rule *a, const struct fs_rtnl_rule *b)
{
	return a->priority == b->priority && a->mark == b->mark && a->mask == b->mask &&
	    a->table == b->table;
}

/* RTM_NEWRULE or RTM_DELRULE of one rule.  0 or a positive errno; -1 with err set. */
static int rule_msg(struct nl *n, int af, uint16_t type, const struct fs_rtnl_rule *ru,
    struct fs_err *err)
{
	struct req r;
	uint8_t proto = FS_RTNL_PROTO;

	req_init(&r, type, NLM_F_ACK | (type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.frh));
	r.u.frh.family = (uint8_t)af;
	r.u.frh.action = FR_ACT_TO_TBL;
	r.u.frh.table = ru->table < 256 ? (uint8_t)ru->table : RT_TABLE_UNSPEC;
	add_u32(&r, FRA_TABLE, ru->table);
	add_u32(&r, FRA_PRIORITY, ru->priority);
	add_u32(&r, FRA_FWMARK, ru->mark);
	add_u32(&r, FRA_FWMASK, ru->mask);
	add_attr(&r, FRA_PROTOCOL, &proto, 1);
	return nl_talk(n, &r, NULL, NULL, err);
}

/* ---- routes ------------------------------------------------------------------ */

struct routes_seen {
	struct fs_rtnl_route *v;
	size_t n, cap;
	size_t alen;
};

static int seen_route(const struct nlmsghdr *h, void *arg)
{
	struct routes_seen *s = arg;
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *a;
	struct fs_rtnl_route r = { 0 };
	int len;

	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    rtm->rtm_protocol != FS_RTNL_PROTO)
		return 0;
	r.table = rtm->rtm_table;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm)));
	for (a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) >= 4)
			memcpy(&r.table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) >= s->alen)
			memcpy(r.gw, RTA_DATA(a), s->alen);
	}
	if (grow((void **)&s->v, s->n, &s->cap, sizeof(*s->v)) != 0)
		return ENOMEM;
	s->v[s->n++] = r;
	return 0;
}

static int dump_routes(struct nl *n, int af, struct routes_seen *s, struct fs_err *err)
{
	struct req r;
	int rc;

	memset(s, 0, sizeof(*s));
	s->alen = af == AF_INET ? 4 : 16;
	req_init(&r, RTM_GETROUTE, NLM_F_DUMP);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.u.rtm.rtm_family = (uint8_t)af;
	r.u.rtm.rtm_protocol = FS_RTNL_PROTO; /* only ours, where the kernel filters */
	rc = nl_talk(n, &r, seen_route, s, err);
	if (rc > 0)
		return fs_err_set(err, FS_E_SYSTEM, "listing the routes: %s", strerror(rc));
	return rc;
}

static bool route_eq(const struct fs_rtnl_route *a, const struct fs_rtnl_route *b, size_t alen)
{
	return a->table == b->table && memcmp(a->gw, b->gw, alen) == 0;
}

static int route_msg(struct nl *n, int af, uint16_t type, const struct fs_rtnl_route *ro,
    struct fs_err *err)
{
	struct req r;

	req_init(&r, type, NLM_F_ACK | (type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.u.rtm.rtm_family = (uint8_t)af;
	r.u.rtm.rtm_dst_len = 0;
	r.u.rtm.rtm_table = ro->table < 256 ? (uint8_t)ro->table : RT_TABLE_UNSPEC;
	r.u.rtm.rtm_protocol = FS_RTNL_PROTO;
	r.u.rtm.rtm_scope = RT_SCOPE_UNIVERSE;
	r.u.rtm.rtm_type = RTN_UNICAST;
	add_u32(&r, RTA_TABLE, ro->table);
	add_attr(&r, RTA_GATEWAY, ro->gw, af == AF_INET ? 4 : 16);
	return nl_talk(n, &r, NULL, NULL, err);
}

/* ---- entry points --------------------------------------------------------- */

static int family_af(int family)
{
	return family == FS_INET ? AF_INET : AF_INET6;
}

/* What is ours in the kernel now.  0 with n open, or -1 with err set (n closed). */
struct ours {
	struct nl n;
	struct rules_seen rs;
	struct routes_seen ro;
};

static int ours_read(struct ours *o, int af, struct fs_err *err)
{
	memset(o, 0, sizeof(*o));
	if (nl_open(&o->n, err) < 0)
		return -1;
	if (dump_rules(&o->n, af, &o->rs, err) < 0 || dump_routes(&o->n, af, &o->ro, err) < 0) {
		free(o->rs.v);
		free(o->ro.v);
		nl_close(&o->n);
		return -1;
	}
	return 0;
}

static void ours_free(struct ours *o)
{
	free(o->rs.v);
	free(o->ro.v);
	nl_close(&o->n);
}

int fs_rtnl_add(int family, const struct fs_rtnl_rule *rules, size_t nrules,
    struct fs_rtnl_route *routes, size_t nroutes, struct fs_err *err)
{
	int af = family_af(family);
	size_t alen = af == AF_INET ? 4 : 16, i, k;
	struct ours o;
	int rc = -1, e;

	for (i = 0; i < nroutes; i++)
		routes[i].error = 0;
	if (nrules == 0 && nroutes == 0)
		return 0;
	if (ours_read(&o, af, err) < 0)
		return -1;
	for (i = 0; i < nrules; i++) {
		for (k = 0; k < o.rs.n && !rule_eq(&o.rs.v[k], &rules[i]); k++)
			;
		if (k < o.rs.n)
			continue;
		e = rule_msg(&o.n, af, RTM_NEWRULE, &rules[i], err);
		if (e < 0)
			goto out;
		if (e > 0 && e != EEXIST) {
			fs_err_set(err, FS_E_SYSTEM,
			    "adding the IPv%d rule \"priority %u fwmark 0x%x/0x%x lookup %u\": %s",
			    family, rules[i].priority, rules[i].mark, rules[i].mask, rules[i].table,
			    strerror(e));
			goto out;
		}
	}
	for (i = 0; i < nroutes; i++) {
		for (k = 0; k < o.ro.n && !route_eq(&o.ro.v[k], &routes[i], alen); k++)
			;
		if (k < o.ro.n)
			continue;
		e = route_msg(&o.n, af, RTM_NEWROUTE, &routes[i], err);
		if (e < 0)
			goto out;
		routes[i].error = e;
	}
	rc = 0;
out:
	ours_free(&o);
	return rc;
}

int fs_rtnl_prune(int family, const struct fs_rtnl_rule *rules, size_t nrules,
    const struct fs_rtnl_route *routes, size_t nroutes, struct fs_err *err)
{
	int af = family_af(family);
	size_t alen = af == AF_INET ? 4 : 16, i, k;
	struct ours o;
	int rc = -1, e;

	if (ours_read(&o, af, err) < 0)
		return -1;
	/* rules first: nothing is sent to a table while its route goes */
	for (i = 0; i < o.rs.n; i++) {
		const struct fs_rtnl_rule *ru = &o.rs.v[i];

		for (k = 0; k < nrules && !rule_eq(ru, &rules[k]); k++)
			;
		if (k < nrules)
			continue;
		e = rule_msg(&o.n, af, RTM_DELRULE, ru, err);
		if (e < 0)
			goto out;
		if (e > 0 && e != ENOENT) {
			fs_err_set(err, FS_E_SYSTEM, "deleting the IPv%d rule \"priority %u fwmark "
			    "0x%x/0x%x lookup %u\": %s", family, ru->priority, ru->mark, ru->mask,
			    ru->table, strerror(e));
			goto out;
		}
	}
	for (i = 0; i < o.ro.n; i++) {
		const struct fs_rtnl_route *rt = &o.ro.v[i];

		for (k = 0; k < nroutes && (routes[k].error != 0 || !route_eq(rt, &routes[k], alen)); k++)
			;
		if (k < nroutes)
			continue;
		e = route_msg(&o.n, af, RTM_DELROUTE, rt, err);
		if (e < 0)
			goto out;
		if (e > 0 && e != ESRCH && e != ENOENT) {
			char gw[INET6_ADDRSTRLEN];

			inet_ntop(af, rt->gw, gw, sizeof(gw));
			fs_err_set(err, FS_E_SYSTEM, "deleting the route \"default via %s table %u\": %s",
			    gw, rt->table, strerror(e));
			goto out;
		}
	}
	rc = 0;
out:
	ours_free(&o);
	return rc;
}
