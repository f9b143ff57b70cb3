/*
 * host.h - facts about the host that change how to read our output.
 */
#ifndef FLOWSPEC_HOST_H
#define FLOWSPEC_HOST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the host's `iptables` command resolves (through symlinks such
 * as /etc/alternatives) to the nft variant (xtables-nft-multi), whose
 * rules live in nftables and which does not show the legacy tables that
 * libiptc writes.  The resolved path goes to buf when buf is not NULL.
 * Looks at /usr/sbin/iptables, then /sbin/iptables; false if neither exists.
 */
bool fs_host_iptables_is_nft(char *buf, size_t cap);

/*
 * The same test on one command path: 1 if it resolves to an nft variant,
 * 0 if to something else, -1 if it does not exist.
 */
int fs_host_cmd_is_nft(const char *path, char *buf, size_t cap);

#endif
