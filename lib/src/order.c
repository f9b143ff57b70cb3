/*
 * order.c - the precedence order of FlowSpec routes: RFC 8955 §5.1 and
 * RFC 8956 §4 on canonical keys (see encode.c), plus sequence mode and the
 * default-route-last rule on top.
 *
 * fs_key_cmp_rfc parses both keys completely before comparing, so that
 * the result is a total order even over arbitrary bytes: two well-formed
 * keys are ordered by the RFC algorithm, a malformed key sorts after every
 * well-formed one, and two malformed keys are ordered bytewise.  Every
 * length read is bounds-checked.  For well-formed keys the comparison is 0
 * exactly when the keys are byte-identical.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "flowspec/order.h"

struct kcomp {
	uint8_t type;
	const uint8_t *body;  /* the bytes after the type byte */
	size_t len;           /* their count */
};

struct kparsed {
	uint8_t family;
	unsigned n;
	struct kcomp c[FS_C_MAX];
};

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * Parses one prefix component body at p (avail bytes).  Returns its length
 * or 0 if malformed: length or offset out of range (RFC 8956 §3.1: offset <
 * length <= 128 unless both are 0), truncated, or non-zero padding bits.
 */
static size_t parse_prefix(const uint8_t *p, size_t avail, uint8_t family)
{
	size_t hdr = family == FS_INET6 ? 2 : 1;
	unsigned len, off = 0, nbits;
	size_t nbytes;

	if (avail < hdr)
		return 0;
	len = p[0];
	if (family == FS_INET6) {
		off = p[1];
		if (len > 128 || (off >= len && !(len == 0 && off == 0)))
			return 0;
	} else if (len > 32) {
		return 0;
	}
	nbits = len - off;
	nbytes = (nbits + 7) / 8;
	if (avail - hdr < nbytes)
		return 0;
	if (nbits % 8 != 0 &&
	    (p[hdr + nbytes - 1] & (0xff >> (nbits % 8))) != 0)
		return 0;
	return hdr + nbytes;
}

/*
 * Parses one operator list body (RFC 8955 §4.2.1): {op, value}* up to and
 * including the op with the end bit.  Returns its length or 0 if it runs
 * past avail.
 */
static size_t parse_ops(const uint8_t *p, size_t avail)
{
	size_t pos = 0;

	for (;;) {
		uint8_t op;
		size_t vlen;

		if (avail - pos < 1)
			return 0;
		op = p[pos++];
		vlen = (size_t)1 << ((op >> 4) & 3);
		if (avail - pos < vlen)
			return 0;
		pos += vlen;
		if (op & FS_OP_END)
			return pos;
	}
}

/*
 * Splits key k into components.  False if the key is malformed: empty, an
 * unknown family, an unknown or out-of-order component type (RFC 8955
 * §4.2: strictly ascending, each at most once; type 13 is IPv6 only), or a
 * component that does not parse.
 */
static bool parse_key(const uint8_t *k, size_t klen, struct kparsed *out)
{
	size_t pos = 1;
	unsigned prev = 0;

	out->n = 0;
	if (k == NULL || klen < 1)
		return false;
	out->family = k[0];
	if (out->family != FS_INET && out->family != FS_INET6)
		return false;

	while (pos < klen) {
		unsigned t = k[pos++];
		size_t blen;

		if (t <= prev || t > FS_C_MAX ||
		    (t == FS_C_FLOW_LABEL && out->family != FS_INET6))
			return false;
		if (t == FS_C_DST || t == FS_C_SRC)
			blen = parse_prefix(k + pos, klen - pos, out->family);
		else
			blen = parse_ops(k + pos, klen - pos);
		if (blen == 0)
			return false;
		out->c[out->n].type = (uint8_t)t;
		out->c[out->n].body = k + pos;
		out->c[out->n].len = blen;
		out->n++;
		pos += blen;
		prev = t;
	}
	return true;
}

/* Compares the first nbits bits of two bit strings, MSB first. */
static int bits_cmp(const uint8_t *a, const uint8_t *b, unsigned nbits)
{
	size_t full = nbits / 8;
	int c = full ? memcmp(a, b, full) : 0;

	if (c != 0)
		return sign(c);
	if (nbits % 8 != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - nbits % 8));
		uint8_t x = a[full] & mask, y = b[full] & mask;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * RFC 8956 §4 / App. A: the lower offset wins; then the lower pattern over
 * the common length; then the longer (more specific) prefix.  IPv4 is the
 * same with offset 0 (RFC 8955 §5.1).  Both patterns start at address bit
 * `offset`, so comparing them from bit 0 compares the addresses.
 */
static int prefix_cmp(uint8_t family, const struct kcomp *a,
    const struct kcomp *b)
{
	unsigned alen = a->body[0], blen = b->body[0];
	unsigned aoff = 0, boff = 0;
	size_t hdr = 1;
	int c;

	if (family == FS_INET6) {
		aoff = a->body[1];
		boff = b->body[1];
		hdr = 2;
	}
	if (aoff != boff)
		return aoff < boff ? -1 : 1;
	c = bits_cmp(a->body + hdr, b->body + hdr,
	    (alen < blen ? alen : blen) - aoff);
	if (c != 0)
		return c;
	if (alen != blen)
		return alen > blen ? -1 : 1;
	return 0;
}

/*
 * RFC 8955 §5.1: memcmp over the common length, the lower wins; if equal,
 * the longer wins.  (The tie-break cannot fire for two well-formed operator
 * lists, since the end bit differs first, but it keeps the order total.)
 */
static int bytes_cmp(const struct kcomp *a, const struct kcomp *b)
{
	size_t common = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->body, b->body, common);

	if (c != 0)
		return sign(c);
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return 0;
}

/* Lexicographic byte order, shorter first: the order among malformed keys. */
static int raw_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	size_t common = alen < blen ? alen : blen;
	int c = common ? memcmp(a, b, common) : 0;

	if (c != 0)
		return sign(c);
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

/* -1 if key a has precedence, 1 if key b has, 0 if equal; malformed keys last. */
int fs_key_cmp_rfc(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct kparsed pa, pb;
	bool va = parse_key(a, alen, &pa), vb = parse_key(b, blen, &pb);

	if (!va || !vb) {
		if (va != vb)
			return va ? -1 : 1;
		return raw_cmp(a, a ? alen : 0, b, b ? blen : 0);
	}
	/* Different families never meet in one chain; order them anyway. */
	if (pa.family != pb.family)
		return pa.family < pb.family ? -1 : 1;

	for (unsigned i = 0;; i++) {
		const struct kcomp *ca, *cb;
		int c;

		/* RFC 8956 App. A: the route that runs out first loses. */
		if (i == pa.n || i == pb.n) {
			if (pa.n == pb.n)
				return 0;
			return i == pb.n ? -1 : 1;
		}
		ca = &pa.c[i];
		cb = &pb.c[i];
		/* The lower type, present only in one of them, wins. */
		if (ca->type != cb->type)
			return ca->type < cb->type ? -1 : 1;
		if (ca->type == FS_C_DST || ca->type == FS_C_SRC)
			c = prefix_cmp(pa.family, ca, cb);
		else
			c = bytes_cmp(ca, cb);
		if (c != 0)
			return c;
	}
}

/* -1 if route a has RFC precedence, 1 if b has, 0 if their keys are equal. */
int fs_route_cmp_rfc(const struct fs_route *a, const struct fs_route *b)
{
	uint8_t ka[FS_KEY_MAX], kb[FS_KEY_MAX];
	int la = fs_route_key(a, ka, sizeof(ka));
	int lb = fs_route_key(b, kb, sizeof(kb));

	/* A key that does not fit is compared as the empty (malformed) key. */
	return fs_key_cmp_rfc(ka, la < 0 ? 0 : (size_t)la,
	    kb, lb < 0 ? 0 : (size_t)lb);
}

/* -1 if a is applied first, 1 if b is, 0 if they are equal in this mode. */
int fs_route_cmp_keyed(const struct fs_route *a, const uint8_t *ka, size_t la,
    const struct fs_route *b, const uint8_t *kb, size_t lb, enum fs_order_mode mode)
{
	bool da = fs_route_is_default(a), db = fs_route_is_default(b);

	if (da != db)
		return da ? 1 : -1;
	if (mode == FS_ORDER_SEQUENCE) {
		if (a->has_seq != b->has_seq)
			return a->has_seq ? -1 : 1;
		if (a->has_seq && a->seq != b->seq)
			return a->seq < b->seq ? -1 : 1;
	}
	return fs_key_cmp_rfc(ka, la, kb, lb);
}

int fs_route_cmp(const struct fs_route *a, const struct fs_route *b,
    enum fs_order_mode mode)
{
	uint8_t ka[FS_KEY_MAX], kb[FS_KEY_MAX];
	int la = fs_route_key(a, ka, sizeof(ka));
	int lb = fs_route_key(b, kb, sizeof(kb));

	return fs_route_cmp_keyed(a, ka, la < 0 ? 0 : (size_t)la, b, kb, lb < 0 ? 0 : (size_t)lb, mode);
}
