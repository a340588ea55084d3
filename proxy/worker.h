/*
 * A worker: one thread, one event loop, its own sockets (SO_REUSEPORT,
 * one per listener), its transports (proxy/dgram.h, proxy/acceptor.h,
 * proxy/stream.h), its pipeline context and counters, and its inbox.
 * Nothing in it is touched by another thread but the counters (relaxed
 * atomic reads), the inbox and the stop pipe.
 *
 * It is given what workers share (proxy/shared.h), nothing else of the
 * server.  Its transports reach it only through the one upcall
 * (proxy/wctx.h), which it implements: run a message through the
 * pipeline and carry out the action, sending through the transports.
 */
#ifndef SW_PROXY_WORKER_H
#define SW_PROXY_WORKER_H

#include <stddef.h>

struct inbox;
struct pipe_stats;
struct shared;
struct stream_stats;
struct worker;

/*
 * Make worker id over already bound sockets fds[0..nfds) (index =
 * listener of sh's current snapshot).
 */
int worker_alloc(struct worker **wp, struct shared *sh, unsigned id,
    const int *fds, size_t nfds);
int worker_start(struct worker *w);
/*
 * Ask the worker's thread to stop and wait for it.  Workers hand messages
 * to each other, so every worker is halted before any is freed.
 */
void worker_halt(struct worker *w);
/* Halt the worker if it runs, close its connections, free it. */
void worker_free(struct worker *w);
/* Where other workers hand it messages for its connections. */
struct inbox *worker_inbox(const struct worker *w);
const struct pipe_stats *worker_stats(const struct worker *w);
const struct stream_stats *worker_stream_stats(const struct worker *w);

#endif
