/*
 * json_strict.h - internal: the one strictness check that every JSON
 * reader of the library (exabgp.c, frr.c) runs before json-c sees the
 * text.  json-c accepts more than RFC 8259 and keeps the last of two equal
 * keys without a word; this scanner refuses what json-c would let through
 * or read differently, with the byte offset and the JSON path:
 *
 *   - a key given twice in one object, at any depth, compared decoded (as
 *     json-c compares them: "to" and "t\u006f" are the same key);
 *   - a raw NUL byte, and an escaped one (\u0000 truncates C strings);
 *   - raw control characters in strings, invalid escapes;
 *   - invalid UTF-8 (RFC 3629: overlong forms, surrogates, past U+10FFFF)
 *     and unpaired UTF-16 surrogate escapes;
 *   - words and numbers outside RFC 8259 (NaN, -Infinity, 01, 1.), any
 *     other character outside strings, a closing bracket of the wrong kind;
 *   - nesting deeper than the reader's depth, more than FS_JS_KEYS_MAX keys
 *     in the objects open at one time.
 *
 * It does not check where commas and colons go: json-c does that next.
 *
 * Cost: one pass, linear in the text.  The keys of the open objects sit in
 * one hash set (SipHash-2-4 with a per-process random key over the decoded
 * key, so crafted keys cannot make it quadratic) and leave it when their
 * object closes.  Memory: the depth stack and at most FS_JS_KEYS_MAX keys
 * (about 2.5 MiB); keys are offsets into the text, never copies.
 *
 * It can be fed in pieces (the FRR reader streams): fs_js_scan() stops
 * before an escape, a UTF-8 sequence or a word the text does not hold
 * whole and resumes there when the caller gives more text.  The caller
 * keeps the text of the current top-level value from its first byte
 * (fs_js_value_start()) and may drop what comes before it, telling the
 * scanner with fs_js_rebase().
 */
#ifndef FLOWSPEC_JSON_STRICT_H
#define FLOWSPEC_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/err.h"

#define FS_JS_KEYS_MAX 65536 /* keys of the objects open at one time */

enum fs_js_fault {
	FS_JSF_NONE = 0,
	FS_JSF_NUL,        /* a raw NUL byte */
	FS_JSF_ESC_NUL,    /* \u0000 */
	FS_JSF_CTRL,       /* a raw control character in a string */
	FS_JSF_UTF8,       /* invalid UTF-8 in a string */
	FS_JSF_SURROGATE,  /* an unpaired UTF-16 surrogate escape */
	FS_JSF_ESCAPE,     /* an escape JSON does not have */
	FS_JSF_LITERAL,    /* a word or number outside RFC 8259 */
	FS_JSF_CHAR,       /* any other character outside strings */
	FS_JSF_DUP,        /* a key given twice in one object */
	FS_JSF_DEPTH,      /* nested deeper than the limit */
	FS_JSF_KEYS,       /* more than FS_JS_KEYS_MAX keys open */
	FS_JSF_NOMEM,
	FS_JSF_RANGE,      /* an integer outside -2^63..2^64-1 (json-c would clamp it) */
};

/* What fs_js_scan() stopped at. */
enum fs_js_rc {
	FS_JS_FAULT = -1, /* see fs_js_report() */
	FS_JS_MORE = 0,   /* the text is used up (up to a sequence it does not hold whole) */
	FS_JS_VALUE = 1,  /* a top-level value ended: fs_js_value_start() .. fs_js_value_end() */
};

struct fs_js; /* the scanner's state */

/* A new scanner for values nested at most max_depth deep; NULL on allocation failure. */
struct fs_js *fs_js_new(unsigned max_depth);

/* Frees js; js may be NULL. */
void fs_js_free(struct fs_js *js);

/*
 * Scans text[pos .. len), where pos is where the previous call stopped (0
 * at first) and text holds every byte from the start of the current
 * top-level value on.  final: no more text follows, so a number or word
 * at the top level ends here.  Returns FS_JS_VALUE each time a top-level
 * value ends (call again to go on), FS_JS_MORE when the text is used up,
 * FS_JS_FAULT on a fault (and for every later call).
 */
int fs_js_scan(struct fs_js *js, const char *text, size_t len, bool final);

/* True between the first byte of a top-level value and its end. */
bool fs_js_in_value(const struct fs_js *js);

/* Offset in the text of the first byte of the last (or current) top-level value. */
size_t fs_js_value_start(const struct fs_js *js);

/* Offset in the text just past the last top-level value (after FS_JS_VALUE). */
size_t fs_js_value_end(const struct fs_js *js);

/* Offset in the text where the next fs_js_scan() goes on. */
size_t fs_js_pos(const struct fs_js *js);

/* Top-level values begun so far (1 while reading the first). */
size_t fs_js_values(const struct fs_js *js);

/*
 * The caller dropped the first delta bytes of its text; delta must not
 * pass fs_js_value_start() while in a value, nor fs_js_pos().
 */
void fs_js_rebase(struct fs_js *js, size_t delta);

/* A fault, ready for a reader's message: "<what> at offset <off>: <path>: <val>". */
struct fs_js_report {
	enum fs_js_fault fault;
	enum fs_err_code code;   /* FS_E_SYNTAX, FS_E_LIMIT (depth, keys) or FS_E_NOMEM */
	size_t off;              /* of the fault in the text */
	char what[80];           /* "a key given twice in one object", "invalid UTF-8", ... */
	char path[256];          /* JSON path where it is ("" at the top): neighbor.address */
	const char *val;         /* the bad bytes, to quote (the key, decoded, for FS_JSF_DUP) */
	size_t vlen;
	char keybuf[FS_ERR_QUOTE_MAX + 8];
};

/* Fills r for the fault js stopped at; text is the text of the last fs_js_scan(). */
void fs_js_report(const struct fs_js *js, const char *text, size_t len, struct fs_js_report *r);

/*
 * The whole check on one complete text (a sequence of values, or one):
 * 0, or -1 with r filled.  Needs no more memory than fs_js_new().
 */
int fs_js_check(const char *text, size_t len, unsigned max_depth, struct fs_js_report *r);

/* SipHash-2-4 of s[0..n) with the per-process random key (for hash sets of untrusted data). */
uint64_t fs_js_hash(const void *s, size_t n);

#endif
