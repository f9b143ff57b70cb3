/*
 * log.h - the tiny logging API (after OpenBGPD's log.c).
 *
 * lib/ never prints directly: it logs through these functions, and the
 * program chooses the sink (stderr by default, syslog on request).  Peer
 * input errors are logged at warning level and are never fatal.
 */
#ifndef FLOWSPEC_LOG_H
#define FLOWSPEC_LOG_H

#include <stddef.h>

enum fs_log_level { FS_LOG_ERR = 0, FS_LOG_WARN, FS_LOG_INFO, FS_LOG_DEBUG };

typedef void (*fs_log_sink)(enum fs_log_level lvl, const char *msg, void *ctx);

/* Messages above lvl are discarded.  Default FS_LOG_INFO. */
void fs_log_set_level(enum fs_log_level lvl);
enum fs_log_level fs_log_get_level(void);

/* Replaces the sink; NULL restores the default stderr sink. */
void fs_log_set_sink(fs_log_sink sink, void *ctx);

/*
 * The program name that starts each stderr line ("NAME: warning: ..."):
 * borrowed, kept for the process's life; NULL (the default) for none.
 */
void fs_log_set_ident(const char *ident);

/*
 * The one line, on stderr, for an option getopt_long refused (c is its ':'
 * or '?', with opterr 0): which option and what is wrong, and where the
 * usage is ("see PROG --help"); the full usage would bury it.
 */
void fs_log_bad_option(const char *prog, int c, char *const *argv);

/* Uses syslog(3) with the given ident (and LOG_PID) instead of stderr; sets the ident too. */
void fs_log_use_syslog(const char *ident);

void fs_log(enum fs_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct timespec;

/*
 * ts as ISO 8601 UTC with milliseconds ("2026-12-07T20:27:12.123Z") in buf
 * (FS_LOG_TIME_MAX is enough; "" if it does not fit); returns buf.
 */
#define FS_LOG_TIME_MAX 32
const char *fs_log_iso_time(const struct timespec *ts, char *buf, size_t cap);

#define log_warnx(...) fs_log(FS_LOG_WARN, __VA_ARGS__)
#define log_info(...)  fs_log(FS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) fs_log(FS_LOG_DEBUG, __VA_ARGS__)
#define log_errx(...)  fs_log(FS_LOG_ERR, __VA_ARGS__)

#endif
