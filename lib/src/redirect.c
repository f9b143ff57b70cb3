/*
 * redirect.c - fwmarks, tables and next-hop slots of redirects (redirect.h).
 */
#include <string.h>

#include "flowspec/redirect.h"

int fs_redirect_init(struct fs_redirect *rd, uint32_t mask, uint32_t priority,
    const uint64_t *rts, const uint32_t *tables, unsigned nmap, uint32_t ip_table_base,
    unsigned nslots, struct fs_err *err)
{
	unsigned i, shift;
	uint32_t maxv;

	memset(rd, 0, sizeof(*rd));
	if (mask == 0)
		return fs_err_set(err, FS_E_VALUE, "redirect mark mask 0x0: no bits");
	shift = (unsigned)__builtin_ctz(mask);
	maxv = mask >> shift;
	if ((maxv & (maxv + 1)) != 0)
		return fs_err_set(err, FS_E_VALUE, "redirect mark mask 0x%x: bits not contiguous", mask);
	if (nmap > FS_REDIRECT_MAP_MAX || nslots > FS_REDIRECT_SLOTS_MAX)
		return fs_err_set(err, FS_E_LIMIT, "more than %d redirect-map entries or %d "
		    "redirect-ip tables", FS_REDIRECT_MAP_MAX, FS_REDIRECT_SLOTS_MAX);
	if ((uint64_t)nmap + nslots > maxv)
		return fs_err_set(err, FS_E_VALUE, "redirect mark mask 0x%x has %u values, fewer than "
		    "the %u redirect-map entries and %u redirect-ip tables", mask, maxv, nmap, nslots);
	rd->mask = mask;
	rd->priority = priority;
	rd->shift = shift;
	rd->maxv = maxv;
	for (i = 0; i < nmap; i++) {
		rd->map[i].rt = rts[i];
		rd->map[i].mark = (i + 1u) << shift;
		rd->map_table[i] = tables[i];
	}
	rd->nmap = nmap;
	rd->ip_table_base = ip_table_base;
	rd->nslots = nslots;
	return 0;
}

bool fs_redirect_active(const struct fs_redirect *rd)
{
	return rd != NULL && (rd->nmap > 0 || rd->nslots > 0);
}

static uint32_t slot_mark(const struct fs_redirect *rd, unsigned s)
{
	return (rd->maxv - s) << rd->shift;
}

/* The slot of (fam, addr), taking a free one if needed; -1 when none is free. */
static int slot_of(struct fs_redirect *rd, int fam, const uint8_t *addr)
{
	size_t alen = fam == FS_INET ? 4 : 16;
	unsigned s;

	for (s = 0; s < rd->nslots; s++)
		if (rd->slot[s].used && rd->slot[s].family == fam &&
		    memcmp(rd->slot[s].addr, addr, alen) == 0)
			return (int)s;
	for (s = 0; s < rd->nslots; s++)
		if (!rd->slot[s].used) {
			memset(&rd->slot[s], 0, sizeof(rd->slot[s]));
			rd->slot[s].used = true;
			rd->slot[s].family = (uint8_t)fam;
			memcpy(rd->slot[s].addr, addr, alen);
			return (int)s;
		}
	return -1;
}

void fs_redirect_plan(struct fs_redirect *rd, int fam, const struct fs_route *const *routes,
    size_t n)
{
	size_t i;
	unsigned s;

	for (s = 0; s < rd->nslots; s++)
		if (rd->slot[s].family == fam)
			rd->slot[s].wanted = false;
	for (i = 0; i < n && rd->nslots > 0; i++) {
		const struct fs_actions *a = &routes[i]->act;
		int k;

		if (routes[i]->family != fam || a->redirect_ip == FS_REDIR_IP_NONE ||
		    a->redirect_ip_copy || a->redirect_ip_family != fam || a->has_redirect ||
		    fs_actions_discard(a))
			continue;
		k = slot_of(rd, fam, a->redirect_ip_addr);
		if (k >= 0)
			rd->slot[k].wanted = true;
	}
	rd->nnh = 0;
	rd->nrules = 0;
	rd->nroutes = 0;
	for (i = 0; i < rd->nmap; i++) {
		struct fs_rtnl_rule *r = &rd->rules[rd->nrules++];

		r->priority = rd->priority;
		r->mark = rd->map[i].mark;
		r->mask = rd->mask;
		r->table = rd->map_table[i];
	}
	for (s = 0; s < rd->nslots; s++) {
		struct fs_redirect_slot *sl = &rd->slot[s];
		struct fs_xlate_nexthop *nh;
		struct fs_rtnl_route *ro;
		struct fs_rtnl_rule *r;

		if (!sl->used || !sl->wanted || sl->family != fam)
			continue;
		nh = &rd->nh[rd->nnh++];
		memset(nh, 0, sizeof(*nh));
		nh->family = sl->family;
		memcpy(nh->addr, sl->addr, sizeof(nh->addr));
		nh->mark = slot_mark(rd, s);
		nh->error = sl->error;
		r = &rd->rules[rd->nrules++];
		r->priority = rd->priority;
		r->mark = nh->mark;
		r->mask = rd->mask;
		r->table = rd->ip_table_base + s;
		ro = &rd->routes[rd->nroutes];
		memset(ro, 0, sizeof(*ro));
		ro->table = rd->ip_table_base + s;
		memcpy(ro->gw, sl->addr, sizeof(ro->gw));
		rd->route_slot[rd->nroutes++] = s;
	}
}

void fs_redirect_added(struct fs_redirect *rd)
{
	size_t i;

	for (i = 0; i < rd->nroutes; i++) {
		rd->slot[rd->route_slot[i]].error = rd->routes[i].error;
		rd->nh[i].error = rd->routes[i].error;
	}
}

void fs_redirect_release(struct fs_redirect *rd, int fam)
{
	unsigned s;

	for (s = 0; s < rd->nslots; s++)
		if (rd->slot[s].used && rd->slot[s].family == fam && !rd->slot[s].wanted)
			memset(&rd->slot[s], 0, sizeof(rd->slot[s]));
}

void fs_redirect_xlate(const struct fs_redirect *rd, struct fs_xlate_opts *xo)
{
	xo->redirects = rd->map;
	xo->nredirects = rd->nmap;
	xo->nexthops = rd->nh;
	xo->nnexthops = rd->nnh;
	xo->redirect_mark_mask = rd->mask;
	xo->redirect_ip = rd->nslots > 0;
}
