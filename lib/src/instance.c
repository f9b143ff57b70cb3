/*
 * instance.c - the one-injector-per-chain guard (see instance.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/instance.h"

#define GRACE_MS 500 /* how long a name held by an exiting process is waited for */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The abstract name of chain and family; its length, or 0 when it does not fit. */
static socklen_t name_of(struct sockaddr_un *sa, const char *chain, int family)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] stays NUL: the abstract namespace, no file */
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "flowspec-acl/%s/ipv%d", chain,
	    family);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path) - 1)
		return 0;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* The PID of the process listening on sa; 0 when it cannot be told. */
static long holder_pid(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	long pid = 0;

	if (fd < 0)
		return 0;
	/* the listener's credentials are those it had at listen(): its PID */
	if (connect(fd, (const struct sockaddr *)sa, len) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0)
		pid = (long)cr.pid;
	close(fd);
	return pid;
}

int fs_instance_take(struct fs_instance *in, const char *chain, unsigned mask, long *pid,
    struct fs_err *err)
{
	int i;

	in->fd[0] = in->fd[1] = -1;
	if (pid != NULL)
		*pid = 0;
	for (i = 0; i < 2; i++) {
		int family = i == 0 ? 4 : 6;
		struct sockaddr_un sa;
		socklen_t len;
		uint64_t deadline = mono_ms() + GRACE_MS;

		if (!(mask & (i == 0 ? FS_INSTANCE_V4 : FS_INSTANCE_V6)))
			continue;
		if ((len = name_of(&sa, chain, family)) == 0) {
			fs_err_set(err, FS_E_VALUE, "chain name \"%.64s\" is too long for the instance guard",
			    chain);
			goto fail;
		}
		in->fd[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (in->fd[i] < 0) {
			fs_err_set(err, FS_E_SYSTEM, "instance guard: socket(AF_UNIX): %s", strerror(errno));
			goto fail;
		}
		while (bind(in->fd[i], (struct sockaddr *)&sa, len) < 0) {
			struct timespec pause = { 0, 20 * 1000000L };
			long holder;

			if (errno != EADDRINUSE) {
				fs_err_set(err, FS_E_SYSTEM, "instance guard: bind(@%s): %s", sa.sun_path + 1,
				    strerror(errno));
				goto fail;
			}
			if (mono_ms() < deadline) {
				/* a holder killed a moment ago may still be on its way out */
				nanosleep(&pause, NULL);
				continue;
			}
			holder = holder_pid(&sa, len);
			if (pid != NULL)
				*pid = holder;
			if (holder > 0)
				fs_err_set(err, FS_E_SYSTEM, "another flowspec-injector (PID %ld) already "
				    "manages chain %s for IPv%d in this network namespace", holder, chain,
				    family);
			else
				fs_err_set(err, FS_E_SYSTEM, "another flowspec-injector (PID unknown: another "
				    "PID namespace, or it is just starting) already manages chain %s for "
				    "IPv%d in this network namespace", chain, family);
			goto fail;
		}
		if (listen(in->fd[i], 16) < 0) {
			fs_err_set(err, FS_E_SYSTEM, "instance guard: listen(@%s): %s", sa.sun_path + 1,
			    strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	fs_instance_release(in);
	return -1;
}

int fs_instance_fd(const struct fs_instance *in, int i)
{
	return i == 0 || i == 1 ? in->fd[i] : -1;
}

void fs_instance_serve(struct fs_instance *in)
{
	int i, c;

	for (i = 0; i < 2; i++)
		while (in->fd[i] >= 0 && (c = accept4(in->fd[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(c);
}

void fs_instance_release(struct fs_instance *in)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (in->fd[i] >= 0)
			close(in->fd[i]);
		in->fd[i] = -1;
	}
}
