/*
 * The stream transport (TCP and TLS, SPEC section 2 "listen tcp:/tls:",
 * issue 5): each worker accepts connections on its own SO_REUSEPORT
 * listening sockets, frames messages by Content-Length (proxy/frame.h),
 * runs each through the same pipeline as a datagram and carries out the
 * action.  A connection belongs to the worker that accepted it; its id
 * (struct flow f_conn) names that worker, a slot and the slot's
 * generation:
 *
 *   bits 63..56  worker, 55..32  slot, 31..0  generation (never 0)
 *
 * so a message for a connection of another worker is handed to that
 * worker's inbox, and an id whose slot was reused since matches nothing.
 * The connection to a tcp upstream is opened on demand by each worker and
 * opened again when it is lost.
 *
 * The defences of a public listener, all from the snapshot (so a reload
 * changes them): connections in all and per source (auth/connlim.h), an
 * idle timeout, a deadline for a TLS handshake and for each message once
 * begun, a cap on a header block, and a cap on the bytes queued for a
 * peer that does not read (reading from it pauses at half the cap, the
 * connection is closed at the cap).
 */
#ifndef SW_PROXY_STREAM_H
#define SW_PROXY_STREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct cfg;
struct flow;
struct worker;

/* Why a connection closed (log "conn_close reason=", metrics). */
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

/* Why a connection was refused ("conn_refused reason="). */
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

const char *stream_close_name(enum conn_close r);
const char *stream_refusal_name(enum conn_refusal r);

#define CONN_ID(wk, slot, gen)                                                 \
	((uint64_t)(wk) << 56 | (uint64_t)(slot) << 32 | (uint64_t)(gen))
#define CONN_WORKER(id) ((unsigned)((id) >> 56))
#define CONN_SLOT(id)   ((uint32_t)((id) >> 32) & 0xffffffu)
#define CONN_GEN(id)    ((uint32_t)(id))

/* Set up w's connection table and inbox (worker_alloc). */
int stream_init(struct worker *w);
/* Accept connections of listener idx on the listening socket fd. */
int stream_listen(struct worker *w, unsigned idx, int fd);
/* Close every connection and free what stream_init made. */
void stream_fini(struct worker *w);
/*
 * Send buf to dst (TCP or TLS): over the connection dst names (handed to
 * its worker when it is another's), or the upstream connection.  When
 * that is not possible the pipeline answers a request with the status
 * stream_fail_status() gives.
 */
void stream_send(struct worker *w, const struct flow *dst, const char *buf,
    size_t len);
/*
 * The answer to a request that could not go to dst for err: 503 when dst
 * is the upstream (it does not answer) or when the message could not be
 * handed to the worker owning the connection (ENOBUFS: its inbox is full;
 * ENOMEM): the flow exists, that worker is busy, try again later.  430
 * Flow Failed (RFC 5626 5.3) when the connection is gone (ENOTCONN,
 * ENOENT).
 */
int stream_fail_status(const struct cfg *cfg, const struct flow *dst, int err);

#endif
