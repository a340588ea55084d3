/*
 * A worker's own TCP connection to a tcp upstream (the PBX): opened on
 * demand, when the first message for the upstream finds none; written to
 * while it connects (the bytes wait in its output buffer); opened again
 * on the next message when it is lost, but not sooner than a second
 * after an attempt that never connected.  What was queued on a
 * connection that never connected is handed back, each request to be
 * answered (503: a phone on TCP does not retransmit).
 *
 * The connection itself is one of the stream transport's (proxy/stream.c
 * makes it from the socket given here and tells us when it closes); this
 * file keeps which one it is, when to try again, and what a connection
 * to the upstream does differently.
 */
#ifndef SW_PROXY_UPSTREAM_H
#define SW_PROXY_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

struct bufferevent;
struct cfg;
struct conntab;
struct flow;
struct sa;
struct snapshot;
struct wctx;

#define UPSTREAM_RETRY_MS 1000 /* a failed upstream is not retried sooner */

struct upstream {
	uint64_t up_id;     /* our connection (conntab id); 0: none */
	uint64_t up_failed; /* ms of the last attempt that did not connect */
};

/* Is a the tcp upstream's address (any port)? */
bool upstream_is(const struct cfg *cfg, const struct sa *a);
/* Our connection to it, or NULL. */
void *upstream_find(const struct upstream *up, const struct conntab *ct);
/*
 * A socket for a new connection to the upstream of sn, and its flow in
 * *f; -1 when one failed less than UPSTREAM_RETRY_MS ago, or on error.
 */
int upstream_open(const struct upstream *up, const struct snapshot *sn,
    uint64_t now, struct flow *f);
/*
 * Connect bev, the connection id made over upstream_open()'s socket: it
 * becomes ours.  An error is remembered as a failed attempt.
 */
int upstream_connect(struct upstream *up, struct bufferevent *bev,
    const struct cfg *cfg, uint64_t id, uint64_t now);
/* bev connected (f: its flow): from now on only idle times it out. */
void upstream_connected(struct bufferevent *bev, const struct cfg *cfg,
    const struct flow *f);
/* Connection id closed; connected: whether it ever did. */
void upstream_lost(struct upstream *up, uint64_t id, bool connected,
    uint64_t now);
/*
 * Hand each message still queued on bev (it never connected) up as
 * unsent to f, to be answered with code (wctx_up(), WCTX_UNSENT).
 */
void upstream_unsent(struct wctx *wc, struct bufferevent *bev,
    const struct flow *f, uint16_t code);

#endif
