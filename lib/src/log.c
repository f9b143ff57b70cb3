/*
 * log.c - level-filtered logging to stderr or syslog, or a caller's sink.
 * On stderr each line names the program and the level ("flowspec-injector:
 * warning: ..."), so that it reads on its own inside another program's log
 * (ExaBGP's); syslog gets the program name and PID from openlog(3).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "flowspec/log.h"

static enum fs_log_level cur_level = FS_LOG_INFO;
static fs_log_sink cur_sink;
static void *cur_ctx;
static int use_syslog;
static const char *cur_ident;

void fs_log_set_level(enum fs_log_level lvl) { cur_level = lvl; }
enum fs_log_level fs_log_get_level(void) { return cur_level; }

void fs_log_set_sink(fs_log_sink sink, void *ctx)
{
	cur_sink = sink;
	cur_ctx = ctx;
}

void fs_log_set_ident(const char *ident) { cur_ident = ident; }

void fs_log_use_syslog(const char *ident)
{
	cur_ident = ident;
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
		fprintf(stderr, "%s%s%s: %s\n", cur_ident ? cur_ident : "", cur_ident ? ": " : "",
		    name[lvl], buf);
}

const char *fs_log_iso_time(const struct timespec *ts, char *buf, size_t cap)
{
	struct tm tm;
	char sec[32];

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (gmtime_r(&ts->tv_sec, &tm) != NULL && strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S",
	    &tm) > 0)
		snprintf(buf, cap, "%s.%03ldZ", sec, ts->tv_nsec / 1000000);
	return buf;
}

void fs_log_bad_option(const char *prog, int c, char *const *argv)
{
	const char *arg = argv[optind - 1];
	bool lng = strncmp(arg, "--", 2) == 0;
	char shrt[3] = { '-', (char)optopt, '\0' };

	if (!lng && optopt != 0)
		arg = shrt; /* "-4x": argv[optind - 1] may be another word */
	if (c == ':')
		fprintf(stderr, "%s: option \"%s\" needs a value; see %s --help\n", prog, arg, prog);
	else if (optopt != 0 && lng)
		fprintf(stderr, "%s: option \"%s\" takes no value; see %s --help\n", prog, arg, prog);
	else
		fprintf(stderr, "%s: unknown option \"%s\"; see %s --help\n", prog, arg, prog);
}
