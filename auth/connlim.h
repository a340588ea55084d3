/*
 * Limits on stream (TCP/TLS) connections: how many are open in all and
 * how many from one source (an IPv4 address or an IPv6 /64, as for bans),
 * across every worker.  A fixed table sized at start, guarded by one
 * mutex: it is touched once per connection opened or closed, never per
 * message.
 */
#ifndef SW_AUTH_CONNLIM_H
#define SW_AUTH_CONNLIM_H

#include <stddef.h>

struct sa;
struct connlim;

/* A table for at most max_conns connections at a time. */
int connlim_alloc(struct connlim **clp, size_t max_conns);
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

#endif
