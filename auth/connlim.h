/*
 * Limits on stream (TCP/TLS) connections: how many are open in all and
 * how many from one source (an IPv4 address or an IPv6 /64, as for bans),
 * across every worker.  A fixed table sized at start, guarded by one
 * mutex: it is touched once per connection opened or closed, never per
 * message.  Sources are placed by a keyed hash (core/siphash.h, a random
 * key per table), so nobody can choose addresses that share a slot.
 */
#ifndef SW_AUTH_CONNLIM_H
#define SW_AUTH_CONNLIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/siphash.h"

struct sa;
struct connlim;

/* A table for at most max_conns connections at a time. */
int connlim_alloc(struct connlim **clp, size_t max_conns);
/* The same with a known hash key (tests; NULL: a random one). */
int connlim_alloc_key(struct connlim **clp, size_t max_conns,
    const uint8_t key[SIPHASH_KEYLEN]);
void connlim_free(struct connlim *cl);

/*
 * Count one more connection from src, unless that would make more than
 * max_total in all (EMFILE), more than max_per_src from src (EUSERS) or
 * the table is full (ENOSPC).  max_per_src 0: no per-source limit.
 */
int connlim_take(struct connlim *cl, const struct sa *src, unsigned max_total,
    unsigned max_per_src);
/* A connection that connlim_take counted has closed. */
void connlim_give(struct connlim *cl, const struct sa *src);
/* Connections open now, and from src. */
unsigned connlim_total(struct connlim *cl);
unsigned connlim_count(struct connlim *cl, const struct sa *src);
/* The slot where src's entry starts its probe (tests). */
size_t connlim_home(const struct connlim *cl, const struct sa *src);

#endif
