/*
 * text.h - render a plan as an iptables-restore document (the dry-run
 * backend).  The document holds the whole desired state of each table it
 * names: the hook chain (policy ACCEPT) with its one jump, the base chain
 * and every sub-chain.  Load it with iptables-legacy-restore in a fresh
 * namespace, or --test it; on a live host the injector writes through
 * libiptc and touches nothing but its own chains and jump.
 */
#ifndef FLOWSPEC_TEXT_H
#define FLOWSPEC_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "flowspec/translate.h"

/* Writes one rule (without "-A CHAIN ") to buf; length, or -1 if cap is too small. */
int fs_prule_format(const struct fs_prule *r, unsigned family, char *buf, size_t cap);

/* Writes the document for the plan to f.  0, or -1 on a write error. */
int fs_plan_write_restore(const struct fs_plan *plan, FILE *f);

/*
 * A 64-bit FNV-1a digest of the plan's document: equal digests mean the
 * same chains and rules.  0 only if rendering failed (out of memory).
 */
uint64_t fs_plan_digest(const struct fs_plan *plan);

#endif
