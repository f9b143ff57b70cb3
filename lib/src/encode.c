/*
 * encode.c - the RFC 8955 / RFC 8956 wire encoding of a route's match
 * components, and the canonical key built from it.
 *
 * The key is the family byte followed by every present component in
 * ascending type order, exactly as it would appear in an NLRI (without the
 * NLRI length prefix).  It is canonical: operator bytes carry the end bit
 * on the last term only and the shortest value length that holds each
 * value, and prefix padding bits are zero.  Two routes with the same match
 * therefore have byte-identical keys, and order.c compares keys directly.
 *
 * Robustness: this file reads struct fields directly and never trusts
 * them for memory safety.  A prefix length beyond the address size encodes
 * as zero bits past the address (the key comparator then treats it as
 * malformed), and a term range outside the term array encodes as a bare
 * type byte (likewise malformed).  Neither can read out of bounds.
 */
#include <stdint.h>
#include <string.h>

#include "flowspec/rule.h"

/* RFC 8955 §4.2.1.1/§4.2.1.2: operator byte layout e|a|len(2)|0|lt|gt|eq. */
#define OP_LEN_SHIFT 4
#define OP_NUM_BITS  (FS_OP_AND | FS_OP_LT | FS_OP_GT | FS_OP_EQ)
#define OP_BIT_BITS  (FS_OP_AND | FS_OP_NOT | FS_OP_MATCH)

/* Types 9 and 12 carry bitmask operators (RFC 8955 §4.2.2.9, §4.2.2.12). */
static int is_bitmask(int t)
{
	return t == FS_C_TCP_FLAGS || t == FS_C_FRAGMENT;
}

/* Byte i of an address of asz bytes; bytes past the address read as zero. */
static uint8_t addr_byte(const uint8_t *addr, unsigned asz, unsigned i)
{
	return i < asz ? addr[i] : 0;
}

/*
 * Writes the pattern bits [off, len) of addr packed from bit 0 of out
 * (RFC 8956 §3.1; with off = 0 this is the RFC 4271 prefix layout used by
 * IPv4), with zero padding.  Returns the number of bytes written.
 */
static size_t put_pattern(uint8_t *out, const uint8_t *addr, unsigned asz,
    unsigned len, unsigned off)
{
	unsigned nbits = len > off ? len - off : 0;
	size_t nbytes = (nbits + 7) / 8;
	unsigned first = off / 8, shift = off % 8;

	for (size_t j = 0; j < nbytes; j++) {
		unsigned hi = addr_byte(addr, asz, first + (unsigned)j);
		unsigned lo = addr_byte(addr, asz, first + (unsigned)j + 1);

		out[j] = (uint8_t)(shift == 0 ? hi :
		    (hi << shift) | (lo >> (8 - shift)));
	}
	if (nbits % 8 != 0)
		out[nbytes - 1] &= (uint8_t)(0xff << (8 - nbits % 8));
	return nbytes;
}

static int encode_prefix(const struct fs_route *r, int t, uint8_t *buf,
    size_t cap)
{
	const struct fs_prefix *p = t == FS_C_DST ? &r->dst : &r->src;
	int v6 = r->family == FS_INET6;
	unsigned off = v6 ? p->offset : 0;
	unsigned nbits = p->len > off ? p->len - off : 0;
	size_t hdr = v6 ? 3 : 2;
	size_t need = hdr + (nbits + 7) / 8;

	if (need > cap)
		return -1;
	buf[0] = (uint8_t)t;
	buf[1] = p->len;
	if (v6)
		buf[2] = p->offset;
	put_pattern(buf + hdr, p->addr, v6 ? 16 : 4, p->len, off);
	return (int)need;
}

/* Shortest RFC 8955 value length code (0: 1 byte, 1: 2, 2: 4) for v. */
static unsigned len_code(uint32_t v)
{
	if (v <= 0xff)
		return 0;
	if (v <= 0xffff)
		return 1;
	return 2;
}

static int encode_terms(const struct fs_route *r, int t, uint8_t *buf,
    size_t cap)
{
	unsigned first = r->first[t], n = r->nterms[t];
	uint8_t mask = is_bitmask(t) ? OP_BIT_BITS : OP_NUM_BITS;
	size_t pos = 0;

	if (cap < 1)
		return -1;
	buf[pos++] = (uint8_t)t;

	/* An inconsistent term range encodes as a bare (malformed) type byte. */
	if (r->terms == NULL || (size_t)first + n > r->nterm_total)
		n = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct fs_term *term = &r->terms[first + i];
		unsigned lc = len_code(term->value);
		size_t vlen = (size_t)1 << lc;
		uint8_t op = (uint8_t)((term->op & mask) | (lc << OP_LEN_SHIFT));

		if (i + 1 == n)
			op |= FS_OP_END;
		if (cap - pos < 1 + vlen)
			return -1;
		buf[pos++] = op;
		for (size_t b = vlen; b-- > 0;)
			buf[pos++] = (uint8_t)(term->value >> (8 * b));
	}
	return (int)pos;
}

/* Bytes written for component t, 0 if t is absent, -1 if cap is too small. */
int fs_comp_encode(const struct fs_route *r, int t, uint8_t *buf, size_t cap)
{
	if (t < FS_C_DST || t > FS_C_MAX || !fs_route_has(r, t))
		return 0;
	if (t == FS_C_DST || t == FS_C_SRC)
		return encode_prefix(r, t, buf, cap);
	return encode_terms(r, t, buf, cap);
}

/* The canonical key length, or -1 if cap is too small. */
int fs_route_key(const struct fs_route *r, uint8_t *buf, size_t cap)
{
	size_t pos = 0;

	if (cap < 1)
		return -1;
	buf[pos++] = r->family;
	for (int t = FS_C_DST; t <= FS_C_MAX; t++) {
		int n = fs_comp_encode(r, t, buf + pos, cap - pos);

		if (n < 0)
			return -1;
		pos += (size_t)n;
	}
	return (int)pos;
}
