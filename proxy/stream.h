/*
 * The stream transport (TCP and TLS, SPEC section 2 "listen tcp:/tls:",
 * issue 5) of one worker: the connections it accepted (proxy/acceptor.h
 * listens) or opened, each from its first byte to its close.  It frames
 * messages by Content-Length (sip/frame.h) and hands each up to the
 * worker's pipeline (wctx_up(), proxy/wctx.h), the same pipeline as a
 * datagram's.  A connection
 * belongs to the worker that accepted (or opened) it, in its connection
 * table (proxy/conntab.h, where the id's layout is); a message for a
 * connection of another worker goes to that worker's inbox
 * (shared_handoff()).  The connection to a tcp upstream is
 * proxy/upstream.h.
 *
 * The defences of a public listener, all from the snapshot (so a reload
 * changes them): connections in all and per source (auth/connlim.h), an
 * idle timeout, a deadline for a TLS handshake and for each message once
 * begun, a cap on a header block, and a cap on the bytes queued for a
 * peer that does not read (reading from it pauses at half the cap, the
 * connection is closed at the cap).  Counted and logged through
 * proxy/connstat.h.
 */
#ifndef SW_PROXY_STREAM_H
#define SW_PROXY_STREAM_H

#include <stddef.h>

struct cfg;
struct connstat;
struct flow;
struct stream;
struct wctx;
typedef struct ssl_ctx_st SSL_CTX;

/* The transport of wc, counting into cs: no connections yet. */
int stream_alloc(struct stream **stp, struct wctx *wc, struct connstat *cs);
/* Close every connection (as "shutdown") and free it. */
void stream_free(struct stream *st);
/*
 * A connection from f over the accepted socket fd, TLS when ctx is
 * given, counted in the connection limits (given back when it closes).
 * ENOMEM: fd is closed, the limits are the caller's to give back.
 */
int stream_accept(struct stream *st, int fd, const struct flow *f,
    SSL_CTX *ctx);
/*
 * Send buf to dst (TCP or TLS): over the connection dst names (handed to
 * its worker when it is another's), or the upstream connection.  When
 * that is not possible, buf is handed up unsent (WCTX_UNSENT) with the
 * status stream_fail_status() gives.
 */
void stream_send(struct stream *st, const struct flow *dst, const char *buf,
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
