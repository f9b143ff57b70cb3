/* log.c - level-filtered logging to stderr or syslog, or a caller's sink. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "flowspec/log.h"

static enum fs_log_level cur_level = FS_LOG_INFO;
static fs_log_sink cur_sink;
static void *cur_ctx;
static int use_syslog;

void fs_log_set_level(enum fs_log_level lvl) { cur_level = lvl; }
enum fs_log_level fs_log_get_level(void) { return cur_level; }

void fs_log_set_sink(fs_log_sink sink, void *ctx)
{
	cur_sink = sink;
	cur_ctx = ctx;
}

void fs_log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

void fs_log(enum fs_log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const name[] = { "error", "warning", "info", "debug" };
	char buf[1024];
	va_list ap;

	if (lvl > cur_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cur_sink != NULL)
		cur_sink(lvl, buf, cur_ctx);
	else if (use_syslog)
		syslog(prio[lvl], "%s", buf);
	else
		fprintf(stderr, "%s: %s\n", name[lvl], buf);
}
