/*
 * proc.c - fork, exec with a fixed argv, collect stdout and stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/proc.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void child(char *const argv[], int out, int errfd, int report)
{
	sigset_t none;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(errfd, STDERR_FILENO) < 0)
		goto fail;
	execv(argv[0], argv);
fail:
	e = errno;
	if (write(report, &e, sizeof(e)) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

/* The start of stderr, one line, printable. */
static void tidy(char *s)
{
	size_t i, n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
}

int fs_proc_run(char *const argv[], unsigned timeout_ms, size_t out_max,
    struct fs_proc_result *res, struct fs_err *err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pr[2] = { -1, -1 };
	size_t cap = 65536, elen = 0;
	uint64_t deadline = mono_ms() + timeout_ms;
	bool over = false, timed_out = false;
	int status = 0, rc = -1, ex;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if ((res->out = malloc(cap)) == NULL)
		return fs_err_set(err, FS_E_NOMEM, "out of memory");
	res->out[0] = '\0';
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 || pipe2(pr, O_CLOEXEC) < 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: pipe: %s", argv[0], strerror(errno));
		goto close_all;
	}
	pid = fork();
	if (pid < 0) {
		fs_err_set(err, FS_E_SYSTEM, "%s: fork: %s", argv[0], strerror(errno));
		goto close_all;
	}
	if (pid == 0)
		child(argv, po[1], pe[1], pr[1]);
	close(po[1]);
	close(pe[1]);
	close(pr[1]);
	po[1] = pe[1] = pr[1] = -1;
	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd pfd[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		uint64_t now = mono_ms();
		int n, i;

		if (now >= deadline) {
			timed_out = true;
			break;
		}
		n = poll(pfd, 2, (int)(deadline - now));
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2 && n > 0; i++) {
			char tmp[4096];
			ssize_t r;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (i == 0) {
				if (res->len + 1 >= cap) {
					char *nb;

					if (cap >= out_max + 1 || (nb = realloc(res->out, cap * 2)) == NULL) {
						over = true;
						break;
					}
					res->out = nb;
					cap *= 2;
				}
				r = read(po[0], res->out + res->len, cap - res->len - 1);
				if (r > 0) {
					res->len += (size_t)r;
					if (res->len > out_max) {
						over = true;
						break;
					}
				}
			} else {
				r = read(pe[0], tmp, sizeof(tmp));
				if (r > 0 && elen + 1 < sizeof(res->errtext)) {
					size_t k = (size_t)r < sizeof(res->errtext) - 1 - elen ?
					    (size_t)r : sizeof(res->errtext) - 1 - elen;

					memcpy(res->errtext + elen, tmp, k);
					elen += k;
				}
			}
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
				close(i == 0 ? po[0] : pe[0]);
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
			}
		}
		if (over)
			break;
	}
	res->out[res->len < cap ? res->len : cap - 1] = '\0';
	res->errtext[elen] = '\0';
	if (elen == 0 && res->len > 0) {
		/* some programs (vtysh) print their complaint on stdout */
		size_t k = res->len < sizeof(res->errtext) - 1 ? res->len : sizeof(res->errtext) - 1;

		memcpy(res->errtext, res->out, k);
		res->errtext[k] = '\0';
	}
	tidy(res->errtext);
	if (timed_out || over)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(pr[0], &ex, sizeof(ex)) == (ssize_t)sizeof(ex)) {
		fs_err_set(err, FS_E_SYSTEM, "%s: cannot run it: %s", argv[0], strerror(ex));
	} else if (timed_out) {
		fs_err_set(err, FS_E_SYSTEM, "%s: no answer within %u ms; killed", argv[0],
		    timeout_ms);
	} else if (over) {
		fs_err_set(err, FS_E_LIMIT, "%s: more than %zu bytes of output; killed", argv[0],
		    out_max);
	} else if (WIFSIGNALED(status)) {
		fs_err_set(err, FS_E_SYSTEM, "%s: killed by signal %d%s%s", argv[0], WTERMSIG(status),
		    res->errtext[0] ? ": " : "", res->errtext);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		res->status = WEXITSTATUS(status);
		fs_err_set(err, FS_E_SYSTEM, "%s: exited with status %d%s%s", argv[0], res->status,
		    res->errtext[0] ? ": " : "", res->errtext);
	} else {
		res->status = 0;
		rc = 0;
	}
close_all:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (pr[i] >= 0)
			close(pr[i]);
	}
	return rc;
}
