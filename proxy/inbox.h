/*
 * An inbox: a bounded queue of (struct flow, bytes) that other threads
 * push to and one event loop drains.  A list under a mutex and a pipe
 * that wakes the owner's loop, which hands each message, in order, to
 * the delivery function its owner set.  Bounded, so a flood costs a
 * bounded amount of memory.  It knows nothing of what the messages are
 * for: a worker owns one (proxy/worker.h), and other workers hand it
 * messages for connections it owns (proxy/shared.h, shared_handoff()).
 */
#ifndef SW_PROXY_INBOX_H
#define SW_PROXY_INBOX_H

#include <stddef.h>

struct event_base;
struct flow;
struct inbox;

#define INBOX_MAX 4096 /* messages waiting in one inbox */

/* Called on the owner's loop for each message; buf lives for the call. */
typedef void inbox_deliver_h(const struct flow *dst, const char *buf,
    size_t len, void *arg);

/* An inbox drained on base, handing each message to deliver(arg). */
int inbox_alloc(struct inbox **ibp, struct event_base *base,
    inbox_deliver_h *deliver, void *arg);
/* Free it and what is still queued (nobody pushes any more). */
void inbox_free(struct inbox *ib);
/* From any thread: queue a copy of buf for dst.  ENOBUFS: full; ENOMEM. */
int inbox_push(struct inbox *ib, const struct flow *dst, const char *buf,
    size_t len);
/* Messages waiting now. */
size_t inbox_len(struct inbox *ib);

#endif
