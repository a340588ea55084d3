/*
 * Prometheus text exposition (SPEC section 5) at /metrics, served with
 * evhttp on the main thread's event loop.  At each scrape the server
 * fills in the numbers (metrics_fill_h): the workers' counters (struct
 * pipe_stats, struct stream_stats), read with relaxed loads and summed
 * with metrics_add(), and the process's own (reloads, start time).  Each
 * family's name, type and help are written once, in a table (metrics.c);
 * label values come from fixed lists only, never from the network.
 */
#ifndef SW_PROXY_METRICS_H
#define SW_PROXY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/connstat.h"

struct event_base;
struct metrics;
struct sa;
struct obuf;
struct pipe_stats;

/* What the process counts besides the workers. */
struct metrics_proc {
	unsigned long mp_reloads_ok;
	unsigned long mp_reloads_failed;
	unsigned long mp_bans_active;
	uint64_t mp_start; /* seconds since the epoch */
	uint64_t mp_now;
	unsigned long mp_conns;     /* TCP/TLS connections open (connlim) */
	uint64_t mp_tls_not_after;  /* the TLS certificate's, 0: none */
	struct stream_stats mp_sst; /* summed over workers */
};

/*
 * Fill in sum and mp (zeroed; mp_now is set after) for one scrape.
 */
typedef void metrics_fill_h(struct pipe_stats *sum, struct metrics_proc *mp,
    void *arg);

/* Add one worker's connection counters into sum. */
void metrics_add_streams(struct stream_stats *sum,
    const struct stream_stats *w);

/* Add the counters of one worker into sum (plain, not atomic). */
void metrics_add(struct pipe_stats *sum, const struct pipe_stats *w);
/* The exposition text; false when ob is too small. */
bool metrics_render(struct obuf *ob, const struct pipe_stats *sum,
    const struct metrics_proc *mp);
/* Serve /metrics on base, numbers from fill(arg); NULL on failure. */
struct metrics *metrics_start(struct event_base *base, const struct sa *addr,
    metrics_fill_h *fill, void *arg);
/* Stop serving and free it. */
void metrics_stop(struct metrics *m);

#endif
