/*
 * host.c - detect the nft variant of iptables by where the command points.
 * Nothing is executed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/host.h"

int fs_host_cmd_is_nft(const char *path, char *buf, size_t cap)
{
	char real[PATH_MAX];
	const char *base;

	if (realpath(path, real) == NULL)
		return -1;
	if (buf != NULL && cap > 0)
		snprintf(buf, cap, "%s", real);
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	return strstr(base, "nft") != NULL ? 1 : 0;
}

bool fs_host_iptables_is_nft(char *buf, size_t cap)
{
	static const char *const paths[] = { "/usr/sbin/iptables", "/sbin/iptables" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int r = fs_host_cmd_is_nft(paths[i], buf, cap);

		if (r >= 0)
			return r == 1;
	}
	return false;
}
