/*
 * instance.h - one live injector per chain and family in a network
 * namespace.
 *
 * A live injector holds, for each family it handles, a listening abstract
 * AF_UNIX socket named "flowspec-acl/<chain>/ipv4" (or ipv6).  Abstract
 * names belong to the network namespace, as the tables do, and the kernel
 * releases them when the holder dies, kill -9 included: there is no stale
 * lock file to clean up and nothing on disk to agree on (two instances with
 * different --state-dir still collide).  A second instance fails to bind,
 * connects, and reads SO_PEERCRED to name the first one's PID.
 */
#ifndef FLOWSPEC_INSTANCE_H
#define FLOWSPEC_INSTANCE_H

#include "flowspec/err.h"

#define FS_INSTANCE_V4 1u
#define FS_INSTANCE_V6 2u

struct fs_instance {
	int fd[2];  /* the listening sockets, IPv4 and IPv6; -1 when not held */
};

/*
 * Takes the names of chain for the families in mask (FS_INSTANCE_V4/V6).
 * A name held by a process that is exiting is waited for, up to half a
 * second.  0 with every name held; -1 with nothing held and err set: the
 * message names the chain, the family and the holder's PID (0 in *pid
 * when it cannot be told), or the system error.  pid may be NULL.
 */
int fs_instance_take(struct fs_instance *in, const char *chain, unsigned mask, long *pid,
    struct fs_err *err);

/* The listening socket of family index i (0: IPv4, 1: IPv6), or -1: poll it for input. */
int fs_instance_fd(const struct fs_instance *in, int i);

/*
 * Accepts and closes what refused instances left in the queues (never
 * blocks), so that a full backlog never hides the PID from the next one.
 */
void fs_instance_serve(struct fs_instance *in);

/* Releases every name held; in may hold nothing. */
void fs_instance_release(struct fs_instance *in);

#endif
