/* err.c - fill and format struct fs_err; quote bad values; read input files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/err.h"

int fs_err_set(struct fs_err *err, enum fs_err_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int fs_err_prefix(struct fs_err *err, const char *fmt, ...)
{
	char pre[FS_ERR_MSG_MAX];
	char old[FS_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* a too-long message is cut, never overflowed */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old) < 0)
		err->msg[0] = '\0';
	return -1;
}

void fs_err_clear(struct fs_err *err)
{
	if (err == NULL)
		return;
	err->code = FS_E_OK;
	err->msg[0] = '\0';
}

const char *fs_err_code_name(enum fs_err_code code)
{
	switch (code) {
	case FS_E_OK: return "ok";
	case FS_E_SYNTAX: return "syntax";
	case FS_E_LIMIT: return "limit";
	case FS_E_VALUE: return "value";
	case FS_E_UNKNOWN: return "unknown";
	case FS_E_UNSUPPORTED: return "unsupported";
	case FS_E_NOMEM: return "nomem";
	case FS_E_SYSTEM: return "system";
	}
	return "?";
}

size_t fs_err_quote(char *dst, size_t cap, const char *s, size_t len)
{
	size_t i, o = 0;

	if (cap == 0)
		return 0;
	for (i = 0; i < len && i < FS_ERR_QUOTE_MAX && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", ch);
		} else {
			dst[o++] = (char)ch;
		}
	}
	if (i < len && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return o;
}

int fs_read_file(const char *path, size_t max, const char *limit_text, char **buf,
    size_t *len, struct fs_err *err)
{
	FILE *f = fopen(path, "r");
	size_t cap = 65536;
	char *b;
	int e;

	*buf = NULL;
	*len = 0;
	if (f == NULL) {
		e = errno;
		fs_err_set(err, FS_E_SYSTEM, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if ((b = malloc(cap)) == NULL) {
		fclose(f);
		return fs_err_set(err, FS_E_NOMEM, "%s: out of memory", path);
	}
	for (;;) {
		size_t r;

		if (*len + 1 >= cap) {
			char *nb;

			if (cap > max + 1) {
				fclose(f);
				free(b);
				*len = 0;
				return fs_err_set(err, FS_E_LIMIT, "%s: larger than the limit, %s", path,
				    limit_text);
			}
			if ((nb = realloc(b, cap * 2)) == NULL) {
				fclose(f);
				free(b);
				*len = 0;
				return fs_err_set(err, FS_E_NOMEM, "%s: out of memory", path);
			}
			b = nb;
			cap *= 2;
		}
		errno = 0;
		r = fread(b + *len, 1, cap - 1 - *len, f);
		*len += r;
		if (r == 0)
			break;
	}
	e = errno;
	if (ferror(f)) {
		fclose(f);
		free(b);
		*len = 0;
		return fs_err_set(err, FS_E_SYSTEM, "%s: %s", path, strerror(e ? e : EIO));
	}
	fclose(f);
	if (*len > max) {
		free(b);
		*len = 0;
		return fs_err_set(err, FS_E_LIMIT, "%s: larger than the limit, %s", path, limit_text);
	}
	b[*len] = '\0';
	*buf = b;
	return 0;
}
