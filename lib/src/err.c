/* err.c - fill and format struct fs_err. */
#include <stdarg.h>
#include <stdio.h>
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
