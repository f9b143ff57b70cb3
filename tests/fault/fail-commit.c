/*
 * fail-commit.c - LD_PRELOAD shim for tests/fault/fault.sh (scenario 5).
 *
 * While the file named by FS_FAIL_COMMIT_FLAG exists, every
 * setsockopt(fd, IPPROTO_IP, IPT_SO_SET_REPLACE, ...) and
 * setsockopt(fd, IPPROTO_IPV6, IP6T_SO_SET_REPLACE, ...) (both option 64,
 * the one call that hands a whole new table to the kernel) fails with
 * ENOMEM and reaches no kernel.  It simulates the kernel refusing the table,
 * e.g. memory accounting (xt_alloc_table_info / the cgroup's kmem limit);
 * the kernel's translate_table errors (ELOOP, EINVAL, ENOENT) take the same
 * path in libiptc: TC_COMMIT fails and nothing changes.  Every other call
 * goes to libc untouched.  Build: cc -shared -fPIC -o fail-commit.so
 * fail-commit.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define SO_SET_REPLACE_OPT 64 /* IPT_SO_SET_REPLACE == IP6T_SO_SET_REPLACE */

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	const char *flag = getenv("FS_FAIL_COMMIT_FLAG");

	if ((level == IPPROTO_IP || level == IPPROTO_IPV6) && name == SO_SET_REPLACE_OPT && flag &&
	    access(flag, F_OK) == 0) {
		errno = ENOMEM;
		return -1;
	}
	if (!real)
		real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, level, name, val, len);
}
