/*
 * json_strict.c - the strictness check every JSON reader shares (see
 * json_strict.h): a small JSON lexer that knows which strings are keys,
 * keeps the keys of the open objects in one hash set, and refuses what
 * json-c would accept or read differently.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "json_strict.h"

/* ---- SipHash-2-4 (Aumasson and Bernstein), streaming ------------------------ */

struct sip {
	uint64_t v0, v1, v2, v3, m;
	size_t n;
};

static uint64_t sip_k0, sip_k1;
static bool sip_keyed;

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sip_key(void)
{
	uint64_t k[2];

	if (sip_keyed)
		return;
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		/* no entropy yet (early boot): still unpredictable enough to a peer */
		k[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)k;
		k[1] = (uint64_t)clock() ^ (uint64_t)(uintptr_t)&sip_k0;
	}
	sip_k0 = k[0];
	sip_k1 = k[1];
	sip_keyed = true;
}

static void sip_init(struct sip *s)
{
	s->v0 = sip_k0 ^ 0x736f6d6570736575ULL;
	s->v1 = sip_k1 ^ 0x646f72616e646f6dULL;
	s->v2 = sip_k0 ^ 0x6c7967656e657261ULL;
	s->v3 = sip_k1 ^ 0x7465646279746573ULL;
	s->m = 0;
	s->n = 0;
}

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void sip_byte(struct sip *s, uint8_t b)
{
	s->m |= (uint64_t)b << (8 * (s->n & 7));
	if ((++s->n & 7) == 0) {
		s->v3 ^= s->m;
		sip_round(s);
		sip_round(s);
		s->v0 ^= s->m;
		s->m = 0;
	}
}

static uint64_t sip_final(struct sip *s)
{
	uint64_t b = ((uint64_t)s->n << 56) | s->m;

	s->v3 ^= b;
	sip_round(s);
	sip_round(s);
	s->v0 ^= b;
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t fs_js_hash(const void *p, size_t n)
{
	const uint8_t *s = p;
	struct sip st;
	size_t i;

	sip_key();
	sip_init(&st);
	for (i = 0; i < n; i++)
		sip_byte(&st, s[i]);
	return sip_final(&st);
}

/* ---- the scanner's state ------------------------------------------------------ */

struct level {
	bool obj;
	bool have_key;       /* obj: key_off/key_len name the member being read */
	size_t key_off, key_len; /* the key between its quotes */
	size_t idx;          /* array: the element being read */
};

struct key {
	uint64_t h;          /* SipHash of the decoded key, mixed with the depth */
	size_t off, len;     /* between the quotes, in the text */
	unsigned depth;
};

enum lex { L_OUT, L_STR, L_WORD };

/* Number and word states (RFC 8259 §6); W_BAD never survives a step. */
enum word {
	W_START, W_MINUS, W_ZERO, W_INT, W_DOT, W_FRAC, W_E, W_ESIGN, W_EXP,
	W_LIT, W_BAD,
};

struct fs_js {
	unsigned max_depth, depth;
	struct level *lv;    /* lv[1 .. max_depth] */
	size_t pos;
	enum lex lex;
	bool want_key;       /* the next string of this object is a key */
	/* value framing */
	bool in_value;
	size_t vstart, vend, nvalues;
	/* the string being read */
	size_t str_off;
	bool str_key;
	struct sip st;
	/* a key read, waiting for its ':' */
	bool key_pending;
	size_t pk_off, pk_len;
	uint64_t pk_h;
	/* the word or number being read */
	size_t w_off;
	enum word w;
	uint64_t w_val;      /* an integer's magnitude so far */
	bool w_neg, w_over;  /* its sign; it passed 2^64-1 */
	const char *lit;     /* W_LIT: the literal it must spell */
	size_t lit_i;
	/* the keys of the open objects: a stack, and a hash set over it */
	struct key *keys;
	size_t nkeys, capkeys;
	uint32_t *slot;      /* index + 1 into keys; 0 empty */
	size_t nslot;        /* a power of two, or 0 */
	/* the fault */
	enum fs_js_fault fault;
	size_t f_off, f_len; /* bytes of the text to show */
	size_t dup_off, dup_len;
};

struct fs_js *fs_js_new(unsigned max_depth)
{
	struct fs_js *js = calloc(1, sizeof(*js));

	if (js == NULL)
		return NULL;
	js->max_depth = max_depth;
	js->lv = calloc((size_t)max_depth + 1, sizeof(*js->lv));
	if (js->lv == NULL) {
		free(js);
		return NULL;
	}
	sip_key();
	return js;
}

void fs_js_free(struct fs_js *js)
{
	if (js == NULL)
		return;
	free(js->lv);
	free(js->keys);
	free(js->slot);
	free(js);
}

bool fs_js_in_value(const struct fs_js *js)
{
	return js->in_value;
}

size_t fs_js_value_start(const struct fs_js *js)
{
	return js->vstart;
}

size_t fs_js_value_end(const struct fs_js *js)
{
	return js->vend;
}

size_t fs_js_pos(const struct fs_js *js)
{
	return js->pos;
}

size_t fs_js_values(const struct fs_js *js)
{
	return js->nvalues;
}

void fs_js_rebase(struct fs_js *js, size_t delta)
{
	size_t i;

	js->pos -= delta;
	js->vstart = js->vstart >= delta ? js->vstart - delta : 0;
	js->vend = js->vend >= delta ? js->vend - delta : 0;
	js->str_off = js->str_off >= delta ? js->str_off - delta : 0;
	js->pk_off = js->pk_off >= delta ? js->pk_off - delta : 0;
	js->w_off = js->w_off >= delta ? js->w_off - delta : 0;
	for (i = 0; i < js->nkeys; i++)
		js->keys[i].off -= delta;
	for (i = 1; i <= js->depth; i++)
		if (js->lv[i].have_key)
			js->lv[i].key_off -= delta;
}

static int fault(struct fs_js *js, enum fs_js_fault f, size_t off, size_t len)
{
	js->fault = f;
	js->f_off = off;
	js->f_len = len;
	return FS_JS_FAULT;
}

/* ---- decoded keys --------------------------------------------------------------- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at s as a number, or -1. */
static long hex4(const unsigned char *s)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hexval(s[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t utf8_put(uint32_t cp, uint8_t *o)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Reads the decoded bytes of a string the scanner has checked. */
struct dec {
	const unsigned char *s;
	size_t i, n;
	uint8_t b[4];
	size_t bi, bn;
};

/* The next decoded byte, or -1 at the end. */
static int dec_next(struct dec *d)
{
	const unsigned char *s = d->s;
	uint32_t cp;

	if (d->bi < d->bn)
		return d->b[d->bi++];
	if (d->i >= d->n)
		return -1;
	if (s[d->i] != '\\')
		return s[d->i++];
	switch (s[d->i + 1]) {
	case 'b': d->i += 2; return '\b';
	case 'f': d->i += 2; return '\f';
	case 'n': d->i += 2; return '\n';
	case 'r': d->i += 2; return '\r';
	case 't': d->i += 2; return '\t';
	case 'u': break;
	default: d->i += 2; return s[d->i - 1]; /* " \ / */
	}
	cp = (uint32_t)hex4(s + d->i + 2);
	d->i += 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)hex4(s + d->i + 2) - 0xdc00);
		d->i += 6;
	}
	d->bn = utf8_put(cp, d->b);
	d->bi = 1;
	return d->b[0];
}

static bool key_eq(const char *text, size_t a_off, size_t a_len, size_t b_off, size_t b_len)
{
	struct dec a = { (const unsigned char *)text + a_off, 0, a_len, { 0 }, 0, 0 };
	struct dec b = { (const unsigned char *)text + b_off, 0, b_len, { 0 }, 0, 0 };
	int x, y;

	if (a_len == b_len && memchr(text + a_off, '\\', a_len) == NULL &&
	    memchr(text + b_off, '\\', b_len) == NULL)
		return memcmp(text + a_off, text + b_off, a_len) == 0;
	do {
		x = dec_next(&a);
		y = dec_next(&b);
		if (x != y)
			return false;
	} while (x >= 0);
	return true;
}

/* Decodes a checked string into dst (at most cap bytes); returns the decoded length (may exceed cap). */
static size_t key_decode(const char *text, size_t off, size_t len, char *dst, size_t cap)
{
	struct dec d = { (const unsigned char *)text + off, 0, len, { 0 }, 0, 0 };
	size_t n = 0;
	int c;

	while ((c = dec_next(&d)) >= 0) {
		if (n < cap)
			dst[n] = (char)c;
		n++;
	}
	return n;
}

/* ---- the key set ------------------------------------------------------------------ */

static size_t home(const struct fs_js *js, size_t k)
{
	return (size_t)(js->keys[k].h & (js->nslot - 1));
}

static int grow(struct fs_js *js)
{
	size_t ns, i, j;
	uint32_t *slot;

	if (js->nkeys == js->capkeys) {
		size_t cap = js->capkeys ? js->capkeys * 2 : 16;
		struct key *k = realloc(js->keys, cap * sizeof(*k));

		if (k == NULL)
			return -1;
		js->keys = k;
		js->capkeys = cap;
	}
	if ((js->nkeys + 1) * 2 <= js->nslot)
		return 0;
	ns = js->nslot ? js->nslot * 2 : 32;
	slot = calloc(ns, sizeof(*slot));
	if (slot == NULL)
		return -1;
	free(js->slot);
	js->slot = slot;
	js->nslot = ns;
	for (i = 0; i < js->nkeys; i++) {
		for (j = home(js, i); slot[j] != 0; j = (j + 1) & (ns - 1))
			;
		slot[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/* Adds the pending key to the object at js->depth; a fault if it is there already. */
static int add_key(struct fs_js *js, const char *text)
{
	uint64_t h = js->pk_h ^ ((uint64_t)js->depth * 0x9e3779b97f4a7c15ULL);
	size_t j;

	for (j = h & (js->nslot - 1); js->nslot > 0 && js->slot[j] != 0;
	    j = (j + 1) & (js->nslot - 1)) {
		const struct key *k = &js->keys[js->slot[j] - 1];

		if (k->h == h && k->depth == js->depth &&
		    key_eq(text, k->off, k->len, js->pk_off, js->pk_len)) {
			js->dup_off = js->pk_off;
			js->dup_len = js->pk_len;
			return fault(js, FS_JSF_DUP, js->pk_off - 1, 0);
		}
	}
	if (js->nkeys == FS_JS_KEYS_MAX)
		return fault(js, FS_JSF_KEYS, js->pk_off - 1, 0);
	if (grow(js) < 0)
		return fault(js, FS_JSF_NOMEM, js->pk_off - 1, 0);
	for (j = h & (js->nslot - 1); js->slot[j] != 0; j = (j + 1) & (js->nslot - 1))
		;
	js->keys[js->nkeys] = (struct key){ h, js->pk_off, js->pk_len, js->depth };
	js->slot[j] = (uint32_t)++js->nkeys;
	return 0;
}

/* Removes the keys of the object closing at depth d (the top of the stack). */
static void drop_keys(struct fs_js *js, unsigned d)
{
	size_t mask = js->nslot - 1;

	while (js->nkeys > 0 && js->keys[js->nkeys - 1].depth == d) {
		size_t i, j, k;

		for (i = home(js, js->nkeys - 1); js->slot[i] != js->nkeys; i = (i + 1) & mask)
			;
		/* backward-shift deletion (linear probing keeps no tombstones) */
		for (j = (i + 1) & mask; js->slot[j] != 0; j = (j + 1) & mask) {
			k = home(js, js->slot[j] - 1);
			if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
				js->slot[i] = js->slot[j];
				i = j;
			}
		}
		js->slot[i] = 0;
		js->nkeys--;
	}
}

/* ---- strings -------------------------------------------------------------------- */

/*
 * Length of the UTF-8 sequence at s (n bytes there): its length, 0 if it
 * is invalid (RFC 3629 table 3-7), or (size_t)-1 if the n bytes are a
 * valid start of a longer sequence.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= n)
			return (size_t)-1;
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

static void str_hash(struct fs_js *js, const uint8_t *b, size_t n)
{
	size_t i;

	if (js->str_key)
		for (i = 0; i < n; i++)
			sip_byte(&js->st, b[i]);
}

static void value_begin(struct fs_js *js, size_t at)
{
	js->in_value = true;
	js->vstart = at;
	js->nvalues++;
}

/*
 * Reads string bytes from js->pos.  FS_JS_MORE (text used up, or a
 * sequence not held whole), FS_JS_VALUE (a top-level string ended), 2 (the
 * string ended), or FS_JS_FAULT.
 */
static int str_scan(struct fs_js *js, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = js->pos;

	while (i < len) {
		unsigned char c;

		/* the common case: plain ASCII in a value */
		if (!js->str_key)
			while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
				i++;
		if (i == len)
			break;
		c = s[i];
		if (c == '"') {
			js->pos = i + 1;
			js->lex = L_OUT;
			if (js->str_key) {
				js->key_pending = true;
				js->pk_off = js->str_off;
				js->pk_len = i - js->str_off;
				js->pk_h = sip_final(&js->st);
			}
			if (js->depth == 0) {
				js->in_value = false;
				js->vend = js->pos;
				return FS_JS_VALUE;
			}
			return 2;
		}
		if (c == '\\') {
			uint8_t b[4];
			long cp, lo;

			if (len - i < 2)
				break;
			switch (s[i + 1]) {
			case '"': case '\\': case '/':
				b[0] = s[i + 1];
				break;
			case 'b': b[0] = '\b'; break;
			case 'f': b[0] = '\f'; break;
			case 'n': b[0] = '\n'; break;
			case 'r': b[0] = '\r'; break;
			case 't': b[0] = '\t'; break;
			case 'u':
				if (len - i < 6)
					goto more;
				if ((cp = hex4(s + i + 2)) < 0)
					return fault(js, FS_JSF_ESCAPE, i, 6);
				if (cp == 0)
					return fault(js, FS_JSF_ESC_NUL, i, 6);
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return fault(js, FS_JSF_SURROGATE, i, 6);
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if ((len - i >= 7 && s[i + 6] != '\\') ||
					    (len - i >= 8 && s[i + 7] != 'u'))
						return fault(js, FS_JSF_SURROGATE, i, 6);
					if (len - i < 12)
						goto more;
					lo = hex4(s + i + 8);
					if (lo < 0xdc00 || lo > 0xdfff)
						return fault(js, FS_JSF_SURROGATE, i, 12);
					str_hash(js, b, utf8_put((uint32_t)(0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00)), b));
					i += 12;
					continue;
				}
				str_hash(js, b, utf8_put((uint32_t)cp, b));
				i += 6;
				continue;
			default:
				return fault(js, FS_JSF_ESCAPE, i, 2);
			}
			str_hash(js, b, 1);
			i += 2;
			continue;
		}
		if (c < 0x20)
			return fault(js, c == 0 ? FS_JSF_NUL : FS_JSF_CTRL, i, 1);
		if (c >= 0x80) {
			size_t n = utf8_seq(s + i, len - i);

			if (n == (size_t)-1)
				break;
			if (n == 0)
				return fault(js, FS_JSF_UTF8, i, len - i > 4 ? 4 : len - i);
			str_hash(js, s + i, n);
			i += n;
			continue;
		}
		str_hash(js, &c, 1);
		i++;
	}
more:
	js->pos = i;
	return FS_JS_MORE;
}

/* ---- words and numbers ---------------------------------------------------------- */

static bool is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '-' || c == '.';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* One more digit of an integer: its magnitude, or the overflow past 2^64-1. */
static void int_digit(struct fs_js *js, unsigned char c)
{
	uint64_t d = (uint64_t)(c - '0');

	if (js->w_val > (UINT64_MAX - d) / 10)
		js->w_over = true;
	else
		js->w_val = js->w_val * 10 + d;
}

static void word_step(struct fs_js *js, unsigned char c)
{
	enum word w = js->w;

	switch (w) {
	case W_START:
		if (c == '-')
			w = W_MINUS;
		else if (c == '0')
			w = W_ZERO;
		else if (is_digit(c)) {
			w = W_INT;
			int_digit(js, c);
		}
		else if (c == 't' || c == 'f' || c == 'n') {
			js->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
			js->lit_i = 1;
			w = W_LIT;
		} else
			w = W_BAD;
		break;
	case W_MINUS:
		js->w_neg = true;
		w = c == '0' ? W_ZERO : is_digit(c) ? W_INT : W_BAD;
		if (w == W_INT)
			int_digit(js, c);
		break;
	case W_ZERO:
		w = c == '.' ? W_DOT : (c == 'e' || c == 'E') ? W_E : W_BAD;
		break;
	case W_INT:
		w = is_digit(c) ? W_INT : c == '.' ? W_DOT : (c == 'e' || c == 'E') ? W_E : W_BAD;
		if (w == W_INT)
			int_digit(js, c);
		break;
	case W_DOT:
		w = is_digit(c) ? W_FRAC : W_BAD;
		break;
	case W_FRAC:
		w = is_digit(c) ? W_FRAC : (c == 'e' || c == 'E') ? W_E : W_BAD;
		break;
	case W_E:
		w = (c == '+' || c == '-') ? W_ESIGN : is_digit(c) ? W_EXP : W_BAD;
		break;
	case W_ESIGN:
	case W_EXP:
		w = is_digit(c) ? W_EXP : W_BAD;
		break;
	case W_LIT:
		if (js->lit[js->lit_i] == (char)c)
			js->lit_i++;
		else
			w = W_BAD;
		break;
	case W_BAD:
		break;
	}
	js->w = w;
}

static bool word_done(const struct fs_js *js)
{
	switch (js->w) {
	case W_ZERO: case W_INT: case W_FRAC: case W_EXP:
		return true;
	case W_LIT:
		return js->lit[js->lit_i] == '\0';
	default:
		return false;
	}
}

/* The bad word: from its start to the end of its word characters in the text. */
static int word_fault(struct fs_js *js, const char *text, size_t len)
{
	size_t e = js->w_off;

	while (e < len && is_word_char((unsigned char)text[e]))
		e++;
	return fault(js, FS_JSF_LITERAL, js->w_off, e - js->w_off);
}

/*
 * A complete integer that json-c cannot hold (it would clamp it to
 * INT64_MIN or UINT64_MAX, and an error would then quote the clamped
 * value): refused here with the text as written.  0, or the fault.
 */
static int word_range(struct fs_js *js, size_t end)
{
	if (js->w != W_INT || !(js->w_over || (js->w_neg && js->w_val > (uint64_t)INT64_MAX + 1)))
		return 0;
	return fault(js, FS_JSF_RANGE, js->w_off, end - js->w_off);
}

/* ---- the scanner ------------------------------------------------------------------- */

int fs_js_scan(struct fs_js *js, const char *text, size_t len, bool final)
{
	const unsigned char *s = (const unsigned char *)text;
	struct level *lv;

	if (js->fault != FS_JSF_NONE)
		return FS_JS_FAULT;
	while (js->pos < len) {
		size_t i = js->pos;
		unsigned char c = s[i];
		int rc;

		if (js->lex == L_STR) {
			rc = str_scan(js, text, len);
			if (rc != 2)
				return rc;
			continue;
		}
		if (js->lex == L_WORD) {
			if (is_word_char(c)) {
				word_step(js, c);
				if (js->w == W_BAD)
					return word_fault(js, text, len);
				js->pos++;
				continue;
			}
			if (!word_done(js))
				return word_fault(js, text, len);
			if (word_range(js, i) != 0)
				return FS_JS_FAULT;
			js->lex = L_OUT;
			if (js->depth == 0) {
				js->in_value = false;
				js->vend = i;
				return FS_JS_VALUE;
			}
			continue;
		}
		lv = &js->lv[js->depth];
		switch (c) {
		case ' ': case '\t': case '\r': case '\n':
			js->pos++;
			continue;
		case '{': case '[':
			if (js->depth == 0)
				value_begin(js, i);
			if (js->depth >= js->max_depth)
				return fault(js, FS_JSF_DEPTH, i, 1);
			lv = &js->lv[++js->depth];
			lv->obj = c == '{';
			lv->have_key = false;
			lv->idx = 0;
			js->want_key = lv->obj;
			js->key_pending = false;
			js->pos++;
			continue;
		case '}': case ']':
			if (js->depth == 0 || lv->obj != (c == '}'))
				return fault(js, FS_JSF_CHAR, i, len - i);
			if (lv->obj)
				drop_keys(js, js->depth);
			js->depth--;
			js->want_key = false;
			js->key_pending = false;
			js->pos++;
			if (js->depth == 0) {
				js->in_value = false;
				js->vend = js->pos;
				return FS_JS_VALUE;
			}
			continue;
		case ',':
			if (js->depth == 0)
				return fault(js, FS_JSF_CHAR, i, len - i);
			if (lv->obj) {
				js->want_key = true;
				lv->have_key = false;
			} else {
				lv->idx++;
			}
			js->key_pending = false;
			js->pos++;
			continue;
		case ':':
			if (js->depth == 0)
				return fault(js, FS_JSF_CHAR, i, len - i);
			if (js->key_pending && lv->obj) {
				if (add_key(js, text) < 0)
					return FS_JS_FAULT;
				lv->have_key = true;
				lv->key_off = js->pk_off;
				lv->key_len = js->pk_len;
			}
			js->key_pending = false;
			js->want_key = false;
			js->pos++;
			continue;
		case '"':
			if (js->depth == 0)
				value_begin(js, i);
			js->lex = L_STR;
			js->str_off = i + 1;
			js->str_key = js->want_key && js->depth > 0 && lv->obj;
			if (js->str_key) {
				sip_init(&js->st);
				lv->have_key = false;
			}
			js->want_key = false;
			js->key_pending = false;
			js->pos++;
			continue;
		case '\0':
			return fault(js, FS_JSF_NUL, i, 1);
		default:
			if (!is_word_char(c))
				return fault(js, FS_JSF_CHAR, i, len - i);
			if (js->depth == 0)
				value_begin(js, i);
			js->lex = L_WORD;
			js->w = W_START;
			js->w_off = i;
			js->w_val = 0;
			js->w_neg = js->w_over = false;
			js->want_key = false;
			js->key_pending = false;
			continue;
		}
	}
	/* a number or word at the top level ends with the text */
	if (final && js->lex == L_WORD && js->depth == 0) {
		if (!word_done(js))
			return word_fault(js, text, len);
		if (word_range(js, len) != 0)
			return FS_JS_FAULT;
		js->lex = L_OUT;
		js->in_value = false;
		js->vend = len;
		return FS_JS_VALUE;
	}
	return FS_JS_MORE;
}

/* ---- reports ---------------------------------------------------------------------- */

static bool plain_key(const char *k, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* Appends a to r->path (cut, never overrun). */
static void path_add(struct fs_js_report *r, size_t *o, const char *a)
{
	size_t n = strlen(a);

	if (*o + n >= sizeof(r->path))
		n = sizeof(r->path) - 1 - *o;
	memcpy(r->path + *o, a, n);
	*o += n;
	r->path[*o] = '\0';
}

void fs_js_report(const struct fs_js *js, const char *text, size_t len, struct fs_js_report *r)
{
	static const char *const whats[] = {
		[FS_JSF_NONE] = "no fault",
		[FS_JSF_NUL] = "NUL byte",
		[FS_JSF_ESC_NUL] = "escaped NUL (\\u0000)",
		[FS_JSF_CTRL] = "control character in a string",
		[FS_JSF_UTF8] = "invalid UTF-8",
		[FS_JSF_SURROGATE] = "unpaired UTF-16 surrogate escape",
		[FS_JSF_ESCAPE] = "invalid escape",
		[FS_JSF_LITERAL] = "invalid JSON literal",
		[FS_JSF_CHAR] = "unexpected character",
		[FS_JSF_DUP] = "a key given twice in one object",
		[FS_JSF_DEPTH] = "JSON nested deeper than",
		[FS_JSF_KEYS] = "more keys in the open objects than",
		[FS_JSF_NOMEM] = "out of memory",
		[FS_JSF_RANGE] = "integer out of range -2^63..2^64-1",
	};
	size_t o = 0, i;
	unsigned d;

	memset(r, 0, sizeof(*r));
	r->fault = js->fault;
	r->off = js->f_off;
	r->code = js->fault == FS_JSF_DEPTH || js->fault == FS_JSF_KEYS ? FS_E_LIMIT :
	    js->fault == FS_JSF_NOMEM ? FS_E_NOMEM : js->fault == FS_JSF_RANGE ? FS_E_VALUE :
	    FS_E_SYNTAX;
	if (js->fault == FS_JSF_DEPTH)
		snprintf(r->what, sizeof(r->what), "%s %u", whats[js->fault], js->max_depth);
	else if (js->fault == FS_JSF_KEYS)
		snprintf(r->what, sizeof(r->what), "%s %d", whats[js->fault], FS_JS_KEYS_MAX);
	else
		snprintf(r->what, sizeof(r->what), "%s", whats[js->fault]);
	for (d = 1; d <= js->depth; d++) {
		const struct level *lv = &js->lv[d];

		if (!lv->obj) {
			char ix[32];

			snprintf(ix, sizeof(ix), "[%zu]", lv->idx);
			path_add(r, &o, ix);
		} else if (lv->have_key) {
			char k[FS_ERR_QUOTE_MAX + 8], q[FS_ERR_QUOTE_MAX * 4 + 16];
			size_t qn;
			size_t n = key_decode(text, lv->key_off, lv->key_len, k, sizeof(k) - 1);

			if (n > sizeof(k) - 1)
				n = sizeof(k) - 1;
			if (o > 0)
				path_add(r, &o, ".");
			if (plain_key(k, n)) {
				k[n] = '\0';
				path_add(r, &o, k);
			} else {
				q[0] = '"';
				qn = 1 + fs_err_quote(q + 1, sizeof(q) - 2, k, n);
				q[qn++] = '"';
				q[qn] = '\0';
				path_add(r, &o, q);
			}
		}
	}
	if (js->fault == FS_JSF_DUP) {
		i = key_decode(text, js->dup_off, js->dup_len, r->keybuf, sizeof(r->keybuf));
		r->val = r->keybuf;
		r->vlen = i < sizeof(r->keybuf) ? i : sizeof(r->keybuf);
	} else if (js->f_len > 0 && js->f_off < len) {
		r->val = text + js->f_off;
		r->vlen = js->f_len < len - js->f_off ? js->f_len : len - js->f_off;
	}
}

int fs_js_check(const char *text, size_t len, unsigned max_depth, struct fs_js_report *r)
{
	struct fs_js *js = fs_js_new(max_depth);
	int rc;

	if (js == NULL) {
		memset(r, 0, sizeof(*r));
		r->fault = FS_JSF_NOMEM;
		r->code = FS_E_NOMEM;
		snprintf(r->what, sizeof(r->what), "out of memory");
		return -1;
	}
	while ((rc = fs_js_scan(js, text, len, true)) == FS_JS_VALUE)
		;
	if (rc == FS_JS_FAULT) {
		fs_js_report(js, text, len, r);
		fs_js_free(js);
		return -1;
	}
	fs_js_free(js);
	return 0;
}
