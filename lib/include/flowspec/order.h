/*
 * order.h - the order in which FlowSpec routes are applied.
 *
 * RFC 8955 §5.1 (IPv4) and RFC 8956 §4 (IPv6, with prefix offsets), on the
 * canonical key of fs_route_key(); and sequence mode, where a sequence
 * number carried in an extended community decides first.  The all-zero
 * default route always sorts last.
 */
#ifndef FLOWSPEC_ORDER_H
#define FLOWSPEC_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "flowspec/rule.h"

enum fs_order_mode { FS_ORDER_RFC = 0, FS_ORDER_SEQUENCE };

/*
 * Compares two canonical keys (fs_route_key output) of the same family by
 * RFC 8955 §5.1 / RFC 8956 §4.  -1 if a has precedence (is applied first),
 * 1 if b has, 0 if the keys are equal.  A malformed key sorts after a
 * well-formed one, deterministically.
 */
int fs_key_cmp_rfc(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* fs_key_cmp_rfc on the routes' keys: -1 if a first, 1 if b first, 0 if equal. */
int fs_route_cmp_rfc(const struct fs_route *a, const struct fs_route *b);

/*
 * The full order: the default route (fs_route_is_default) last; in
 * FS_ORDER_SEQUENCE, routes with a sequence number first by ascending
 * number, then routes without one; every tie falls back to RFC order.
 * -1 if a first, 1 if b first, 0 if equal.
 */
int fs_route_cmp(const struct fs_route *a, const struct fs_route *b, enum fs_order_mode mode);

/*
 * fs_route_cmp with the routes' canonical keys already at hand (ka, kb:
 * fs_route_key output), for callers that cache them.  -1 if a first, 1 if
 * b first, 0 if equal.
 */
int fs_route_cmp_keyed(const struct fs_route *a, const uint8_t *ka, size_t la,
    const struct fs_route *b, const uint8_t *kb, size_t lb, enum fs_order_mode mode);

#endif
