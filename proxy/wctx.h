/*
 * A worker as its transports (proxy/dgram.h, proxy/stream.h) see it: its
 * loop, its id, what all workers share, its pipeline context, its
 * current snapshot, and the one call that goes back up to it.
 *
 * THE UPCALL.  A transport reads and frames; it does not decide.  Each
 * framed message it hands up with wctx_up(), and the worker (the
 * function it set in wc_up, proxy/worker.c) runs it through the pipeline
 * (sip/pipeline.h) and carries out the action, calling the transports'
 * send functions (dgram_send(), stream_send()) downward.  Two kinds:
 *
 *   WCTX_RECEIVED  m_buf came in from m_flow (transport, listener,
 *                  source, connection): pipeline_handle()
 *   WCTX_UNSENT    m_buf, a message sipwarden forwarded, could not go to
 *                  m_flow: the request is answered with m_code
 *                  (pipeline_flow_failed())
 *
 * The upcall may reach the transport that made it again (a reply on the
 * connection the request came in on): a transport keeps its own state
 * consistent across it.  m_buf is borrowed for the call.  wctx_up() is
 * the only way code below the worker reaches it: no transport includes
 * proxy/worker.h.
 */
#ifndef SW_PROXY_WCTX_H
#define SW_PROXY_WCTX_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct flow;
struct pctx;
struct shared;
struct snapshot;

enum wctx_kind {
	WCTX_RECEIVED,
	WCTX_UNSENT,
};

struct wctx_msg {
	enum wctx_kind m_kind;
	const char *m_buf;
	size_t m_len;
	const struct flow *m_flow; /* where it came from, or could not go */
	uint64_t m_now;            /* ms, the clock of the batch */
	uint16_t m_code;           /* WCTX_UNSENT: 430 or 503 */
};

typedef void wctx_up_h(void *arg, const struct wctx_msg *m);

struct wctx {
	struct event_base *wc_base;
	unsigned wc_id;           /* the worker's number, 0.. */
	struct shared *wc_sh;     /* proxy/shared.h */
	struct pctx *wc_pc;       /* for pipeline_admit(), _note_drop() */
	struct snapshot *wc_snap; /* current (a reference), see wctx_refresh */
	uint64_t wc_gen;
	wctx_up_h *wc_up; /* the upcall, set by the worker */
	void *wc_uparg;
};

/* Wall clock in ms, coarse (the time of a batch). */
uint64_t wctx_now_ms(void);
/* Take the current snapshot if a reload published a new one. */
void wctx_refresh(struct wctx *wc);
/* The upcall: hand m to the worker's pipeline, which acts on it. */
void wctx_up(struct wctx *wc, const struct wctx_msg *m);

#endif
