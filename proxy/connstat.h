/*
 * What the stream transport counts and logs about its connections, per
 * worker: connections accepted, refused and closed (by reason), upstream
 * connects and hand-offs, and the lines a flood can cause (conn_close,
 * conn_refused, accept_error), rate limited together.  The reasons are
 * listed once here, for the log ("reason=") and the metrics labels.
 * Written by the worker's thread; the counters are read by metrics with
 * relaxed loads.
 */
#ifndef SW_PROXY_CONNSTAT_H
#define SW_PROXY_CONNSTAT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"

struct flow;
struct sa;

/* Why a connection closed. */
#define CONN_CLOSES(X)                                                         \
	X(EOF, "eof")                                                          \
	X(ERROR, "error")                                                      \
	X(TLS, "tls")                                                          \
	X(IDLE, "idle")                                                        \
	X(TIMEOUT, "timeout")                                                  \
	X(BACKPRESSURE, "backpressure")                                        \
	X(BAD_FRAME, "bad_frame")                                              \
	X(SHUTDOWN, "shutdown")

enum conn_close {
#define X(e, s) CLOSE_##e,
	CONN_CLOSES(X)
#undef X
	    CLOSE_N,
};

/* Why a connection was refused. */
#define CONN_REFUSALS(X)                                                       \
	X(MAX_CONNECTIONS, "max_connections")                                  \
	X(MAX_PER_IP, "max_per_ip")                                            \
	X(NO_MEMORY, "no_memory")

enum conn_refusal {
#define X(e, s) REFUSE_##e,
	CONN_REFUSALS(X)
#undef X
	    REFUSE_N,
};

struct stream_stats {
	atomic_ulong ss_accepted;
	atomic_ulong ss_refused[REFUSE_N];
	atomic_ulong ss_closed[CLOSE_N];
	atomic_ulong ss_upstream_connects;
	atomic_ulong ss_handoffs; /* messages passed to another worker */
};

/* One worker's: its counters, and the limit on its lines. */
struct connstat {
	struct stream_stats cs_n;
	struct log_rate cs_log;
};

const char *connstat_close_name(enum conn_close r);
const char *connstat_refusal_name(enum conn_refusal r);
/* Count one, relaxed. */
void connstat_count(atomic_ulong *c);
/* A connection (flow f, upstream: ours to the PBX) closed for why. */
void connstat_closed(struct connstat *cs, const struct flow *f, bool upstream,
    enum conn_close why, uint64_t now);
/* A connection from src was refused for r. */
void connstat_refused(struct connstat *cs, const struct sa *src,
    enum conn_refusal r, uint64_t now);
/* accept() on listener addr failed for err: accepting pauses a second. */
void connstat_accept_error(struct connstat *cs, const struct sa *addr, int err,
    uint64_t now);

#endif
