/*
 * err.h - error reporting for libflowspec.
 *
 * Every fallible function in lib/ fills a caller-provided struct fs_err and
 * returns -1 (or NULL).  The message always names the offending value and,
 * where the caller set one, the origin (for example "stdin:12").
 */
#ifndef FLOWSPEC_ERR_H
#define FLOWSPEC_ERR_H

#include <stddef.h>

#define FS_ERR_MSG_MAX 512

enum fs_err_code {
	FS_E_OK = 0,
	FS_E_SYNTAX,    /* malformed input (JSON, text) */
	FS_E_LIMIT,     /* a hard cap was exceeded (line length, depth, terms) */
	FS_E_VALUE,     /* a value is out of range or of the wrong type */
	FS_E_UNKNOWN,   /* unknown component, family or key */
	FS_E_UNSUPPORTED, /* well-formed but refused by name (e.g. flow-vpn) */
	FS_E_NOMEM,
	FS_E_SYSTEM,
};

struct fs_err {
	enum fs_err_code code;
	char msg[FS_ERR_MSG_MAX];
};

/* Sets code and a printf-style message; err may be NULL. Always returns -1. */
int fs_err_set(struct fs_err *err, enum fs_err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the existing message; err may be NULL. Returns -1. */
int fs_err_prefix(struct fs_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resets err to FS_E_OK with an empty message; err may be NULL. */
void fs_err_clear(struct fs_err *err);

#define FS_ERR_QUOTE_MAX 64 /* bytes of a bad value shown in a message */

/*
 * Writes s[0..len) into dst for an error message, as the inside of a
 * double-quoted string: '"' and '\\' escaped, control bytes and bytes
 * >= 0x7f as \xNN, at most FS_ERR_QUOTE_MAX bytes of s, then "..." if
 * cut.  dst is always terminated.  Returns the length written.
 */
size_t fs_err_quote(char *dst, size_t cap, const char *s, size_t len);

/*
 * Reads the whole file at path into *buf (caller frees; NUL-terminated,
 * *len excludes the NUL).  0, or -1 with err set: "PATH: " and the
 * system's reason (errno is kept from the failing call, so ENOENT can be
 * told apart), or "PATH: larger than the limit, LIMIT_TEXT" when the file
 * holds more than max bytes.
 */
int fs_read_file(const char *path, size_t max, const char *limit_text, char **buf,
    size_t *len, struct fs_err *err);

/* The name of an error code, e.g. "syntax"; never NULL. */
const char *fs_err_code_name(enum fs_err_code code);

#endif
