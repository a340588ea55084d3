/*
 * Prometheus text exposition (SPEC section 5) at /metrics, served with
 * evhttp on the main thread's event loop.  The numbers are the workers'
 * counters (struct pipe_stats), read with relaxed loads and summed, and
 * the process's own (reloads, start time).  Label values come from fixed
 * lists only, never from the network.
 */
#ifndef SW_PROXY_METRICS_H
#define SW_PROXY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/stream.h"

struct evhttp;
struct sa;
struct obuf;
struct pipe_stats;
struct server;

/* What the process counts besides the workers. */
struct metrics_proc {
	unsigned long mp_reloads_ok;
	unsigned long mp_reloads_failed;
	unsigned long mp_bans_active;
	uint64_t mp_start; /* seconds since the epoch */
	uint64_t mp_now;
	unsigned long mp_conns;     /* TCP/TLS connections open (connlim) */
	struct stream_stats mp_sst; /* summed over workers */
};

/* Add one worker's connection counters into sum. */
void metrics_add_streams(struct stream_stats *sum,
    const struct stream_stats *w);

/* Add the counters of one worker into sum (plain, not atomic). */
void metrics_add(struct pipe_stats *sum, const struct pipe_stats *w);
/* The exposition text; false when ob is too small. */
bool metrics_render(struct obuf *ob, const struct pipe_stats *sum,
    const struct metrics_proc *mp);
/* Serve /metrics for srv on its main event base; NULL on failure. */
struct evhttp *metrics_start(struct server *srv, const struct sa *addr);

#endif
