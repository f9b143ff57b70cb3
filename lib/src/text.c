/*
 * text.c - a plan as an iptables-restore document (dry-run backend).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/text.h"

struct out {
	char *buf;
	size_t cap, off;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->cap - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->off) {
		o->full = true;
		return;
	}
	o->off += (size_t)n;
}

static const char *proto_name(unsigned p, unsigned fam)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return fam == 4 ? "58" : "ipv6-icmp";
	default: return NULL;
	}
}

static void put_addr(struct out *o, const struct fs_atom *a, unsigned fam)
{
	char s[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];

	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a->addr, s, sizeof(s));
	if (a->plen != 255) {
		put(o, "%s/%u", s, a->plen);
		return;
	}
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a->mask, m, sizeof(m));
	put(o, "%s/%s", s, m);
}

static void put_ranges(struct out *o, const struct fs_atom *a, const char *sep_range, bool hex)
{
	unsigned i;

	for (i = 0; i < a->nr; i++) {
		if (i > 0)
			put(o, ",");
		if (a->lo[i] == a->hi[i])
			put(o, hex ? "0x%x" : "%u", a->lo[i]);
		else
			put(o, hex ? "0x%x%s0x%x" : "%u%s%u", a->lo[i], sep_range, a->hi[i]);
	}
}

/* FIN..URG: the names iptables' tcp match knows (ECE and CWR are u32 atoms) */
static void put_flags(struct out *o, unsigned v)
{
	static const char *const n[8] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	unsigned b;
	bool first = true;

	if (v == 0) {
		put(o, "NONE");
		return;
	}
	for (b = 0; b < 8; b++)
		if (v & (1u << b)) {
			put(o, "%s%s", first ? "" : ",", n[b]);
			first = false;
		}
}

static const char *const u32_expr[] = {
	[FS_U32_V4_PROTO] = "6&0xFF",
	[FS_U32_V4_LEN] = "0&0xFFFF",
	[FS_U32_V4_DSCP] = "0>>18&0x3F",
	[FS_U32_V4_FRAG] = "4&0x7FFF",
	[FS_U32_V6_LEN] = "4>>16",
	[FS_U32_V6_DSCP] = "0>>22&0x3F",
	[FS_U32_V6_FLOWLABEL] = "0&0xFFFFF",
};

static void put_atom(struct out *o, const struct fs_atom *a, unsigned fam)
{
	const char *l4 = a->proto == 17 ? "udp" : "tcp";

	switch (a->kind) {
	case FS_A_SRC:
	case FS_A_DST:
		put(o, " %s-%c ", a->inv ? "! " : "", a->kind == FS_A_SRC ? 's' : 'd');
		put_addr(o, a, fam);
		break;
	case FS_A_L4:
		if (a->proto == 1)
			put(o, " -m icmp --icmp-type any");
		else
			put(o, " -m %s", l4);
		break;
	case FS_A_PORT:
		if (a->field == FS_C_PORT || a->nr > 1) {
			put(o, " -m multiport --%s ", a->field == FS_C_PORT ? "ports" :
			    a->field == FS_C_DPORT ? "dports" : "sports");
			put_ranges(o, a, ":", false);
		} else {
			put(o, " -m %s --%s ", l4, a->field == FS_C_DPORT ? "dport" : "sport");
			put_ranges(o, a, ":", false);
		}
		break;
	case FS_A_TCPFLAGS:
		put(o, " -m tcp --tcp-flags ");
		put_flags(o, a->a);
		put(o, " ");
		put_flags(o, a->b);
		break;
	case FS_A_ICMP:
		if (fam == 4)
			put(o, " -m icmp %s--icmp-type %u", a->inv ? "! " : "", a->a);
		else
			put(o, " -m icmp6 %s--icmpv6-type %u", a->inv ? "! " : "", a->a);
		if (!(a->c == 0 && a->d == 255))
			put(o, "/%u", a->c);
		break;
	case FS_A_LENGTH:
		put(o, " -m length --length ");
		put_ranges(o, a, ":", false);
		break;
	case FS_A_DSCP:
		put(o, " -m dscp --dscp %u", a->a);
		break;
	case FS_A_U32:
		if (a->field == FS_U32_V4_ICMP) {
			struct fs_atom codes = *a;

			/* protocol 1, fragment offset 0, type and code behind the IP header */
			put(o, " -m u32 --u32 \"6&0xFF=0x1&&4&0x1FFF=0x0&&0>>22&0x3C@0>>24=");
			put_ranges(o, a, ":", true);
			if (a->nr2 > 0) {
				memcpy(codes.lo, a->lo2, sizeof(a->lo2));
				memcpy(codes.hi, a->hi2, sizeof(a->hi2));
				codes.nr = a->nr2;
				put(o, "&&0>>22&0x3C@0>>16&0xFF=");
				put_ranges(o, &codes, ":", true);
			}
			put(o, "\"");
			break;
		}
		if (a->field == FS_U32_V4_TCPFLAGS) {
			/* protocol 6, fragment offset 0, the flags byte behind the IP header */
			put(o, " -m u32 --u32 \"6&0xFF=0x6&&4&0x1FFF=0x0&&0>>22&0x3C@12>>16&0x%X=", a->a);
			put_ranges(o, a, ":", true);
			put(o, "\"");
			break;
		}
		put(o, " -m u32 --u32 \"%s=", u32_expr[a->field]);
		put_ranges(o, a, ":", true);
		put(o, "\"");
		break;
	case FS_A_FRAG6:
		switch (a->field) {
		case FS_F6_NONE:
			put(o, " -m ipv6header ! --header ipv6-frag --soft");
			break;
		case FS_F6_ANY:
			put(o, " -m ipv6header --header ipv6-frag --soft");
			break;
		case FS_F6_FIRST:
			put(o, " -m frag --fragfirst");
			break;
		case FS_F6_MORE:
			put(o, " -m frag --fragmore");
			break;
		case FS_F6_LAST:
			put(o, " -m frag --fraglast");
			break;
		case FS_F6_FIRST_MORE:
			put(o, " -m frag --fragfirst --fragmore");
			break;
		case FS_F6_FIRST_LAST:
			put(o, " -m frag --fragfirst --fraglast");
			break;
		}
		break;
	case FS_A_MARK:
		put(o, " -m mark %s--mark 0x%x/0x%x", a->inv ? "! " : "", a->lo[0], a->hi[0]);
		break;
	default:
		break;
	}
}

int fs_prule_format(const struct fs_prule *r, unsigned family, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, false };
	unsigned i, proto = 0;
	bool proto_inv = false;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	/* addresses, the interface, then the one -p, then the matches (iptables-save order) */
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind == FS_A_SRC)
			put_atom(&o, &r->atoms[i], family);
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind == FS_A_DST)
			put_atom(&o, &r->atoms[i], family);
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind == FS_A_IIF)
			put(&o, " -i %.16s", (const char *)r->atoms[i].addr);
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind == FS_A_OIF)
			put(&o, " -o %.16s", (const char *)r->atoms[i].addr);
	for (i = 0; i < r->natoms; i++) {
		const struct fs_atom *a = &r->atoms[i];

		if (a->kind == FS_A_PROTO) {
			proto = a->a;
			proto_inv = a->inv;
		} else if (a->kind == FS_A_L4 || a->kind == FS_A_PORT ||
		    a->kind == FS_A_TCPFLAGS || a->kind == FS_A_ICMP) {
			proto = a->proto;
		}
	}
	if (proto != 0) {
		const char *n = proto_name(proto, family);

		if (n != NULL)
			put(&o, " %s-p %s", proto_inv ? "! " : "", n);
		else
			put(&o, " %s-p %u", proto_inv ? "! " : "", proto);
	}
	for (i = 0; i < r->natoms; i++)
		if (r->atoms[i].kind != FS_A_SRC && r->atoms[i].kind != FS_A_DST &&
		    r->atoms[i].kind != FS_A_PROTO && r->atoms[i].kind != FS_A_IIF &&
		    r->atoms[i].kind != FS_A_OIF)
			put_atom(&o, &r->atoms[i], family);
	if (r->has_limit) {
		const struct fs_hashlimit *h = &r->limit;
		static const char *const unit[] = { "sec", "min", "hour", "day" };
		const char *u = h->unit == 'm' ? unit[1] : h->unit == 'h' ? unit[2] :
		    h->unit == 'd' ? unit[3] : unit[0];

		if (h->bytes)
			/* no burst in byte mode (fs_hashlimit) */
			put(&o, " -m hashlimit --hashlimit-above %llub/s",
			    (unsigned long long)h->rate);
		else
			put(&o, " -m hashlimit --hashlimit-above %llu/%s --hashlimit-burst %u",
			    (unsigned long long)h->rate, u, h->burst);
		put(&o, " --hashlimit-name %s --hashlimit-htable-size %u", h->name,
		    FS_HASHLIMIT_HTABLE_SIZE);
	}
	switch (r->target) {
	case FS_T_DROP: put(&o, " -j DROP"); break;
	case FS_T_ACCEPT: put(&o, " -j ACCEPT"); break;
	case FS_T_RETURN: put(&o, " -j RETURN"); break;
	case FS_T_JUMP: put(&o, " -j %s", r->chain); break;
	case FS_T_GOTO: put(&o, " -g %s", r->chain); break;
	case FS_T_NFLOG: put(&o, " -j NFLOG --nflog-group %u", r->arg); break;
	case FS_T_DSCP: put(&o, " -j DSCP --set-dscp %u", r->arg); break;
	case FS_T_MARK: put(&o, " -j MARK --set-xmark 0x%x/0x%x", r->mark, r->mask); break;
	default: break;
	}
	if (o.full)
		return -1;
	/* drop the leading space */
	if (o.off > 0 && buf[0] == ' ') {
		memmove(buf, buf + 1, o.off);
		o.off--;
	}
	return (int)o.off;
}

static bool builtin(const char *name)
{
	static const char *const b[] = { "INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING" };
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (strcmp(name, b[i]) == 0)
			return true;
	return false;
}

static int write_table(const struct fs_ptable *t, const char *name, unsigned fam, FILE *f)
{
	char line[8192];
	size_t i, j;

	if (t->n == 0)
		return 0;
	fprintf(f, "*%s\n", name);
	for (i = 0; i < t->n; i++)
		fprintf(f, ":%s %s [0:0]\n", t->chains[i].name,
		    builtin(t->chains[i].name) ? "ACCEPT" : "-");
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->chains[i].n; j++) {
			if (fs_prule_format(&t->chains[i].rules[j], fam, line, sizeof(line)) < 0)
				return -1;
			fprintf(f, "-A %s%s%s\n", t->chains[i].name, line[0] ? " " : "", line);
		}
	fprintf(f, "COMMIT\n");
	return 0;
}

int fs_plan_write_restore(const struct fs_plan *plan, FILE *f)
{
	size_t i, inst = 0, refused = 0;

	for (i = 0; i < plan->nroutes; i++) {
		if (plan->routes[i].refusal == FS_R_OK)
			inst++;
		else
			refused++;
	}
	fprintf(f, "# flowspec-injector dry-run: IPv%u, %zu routes installed, %zu refused\n",
	    plan->family, inst, refused);
	if (write_table(&plan->filter, "filter", plan->family, f) < 0 ||
	    write_table(&plan->mangle, "mangle", plan->family, f) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

uint64_t fs_plan_digest(const struct fs_plan *plan)
{
	char *buf = NULL;
	size_t len = 0, i;
	uint64_t h = 14695981039346656037ULL;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return 0;
	if (fs_plan_write_restore(plan, f) < 0) {
		fclose(f);
		free(buf);
		return 0;
	}
	fclose(f);
	for (i = 0; i < len; i++) {
		h ^= (uint8_t)buf[i];
		h *= 1099511628211ULL;
	}
	free(buf);
	return h == 0 ? 1 : h;
}
