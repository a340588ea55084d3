/*
 * A worker: one thread, one event loop, its own sockets (SO_REUSEPORT,
 * one per listener: UDP, or listening TCP), its connections
 * (proxy/stream.h), its pipeline scratch and counters.  Nothing in it is
 * touched by another thread but the counters (relaxed atomic reads) and
 * the stop pipe.
 */
#ifndef SW_PROXY_WORKER_H
#define SW_PROXY_WORKER_H

#include <stddef.h>

struct server;
struct worker;
struct pipe_stats;
struct stream_stats;

/* Make a worker over already bound sockets fds[0..nfds) (index = listener). */
int worker_alloc(struct worker **wp, struct server *srv, unsigned id,
    const int *fds, size_t nfds);
int worker_start(struct worker *w);
/*
 * Ask the worker's thread to stop and wait for it.  Workers hand messages
 * to each other, so every worker is halted before any is freed.
 */
void worker_halt(struct worker *w);
/* Halt the worker if it runs, close its connections, free it. */
void worker_free(struct worker *w);
const struct pipe_stats *worker_stats(const struct worker *w);
const struct stream_stats *worker_stream_stats(const struct worker *w);

#endif
