/*
 * Worker threads: the loop, the pipeline, and the one upcall through
 * which the transports hand it messages.  See worker.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <re.h>

#include "core/config.h"
#include "proxy/acceptor.h"
#include "proxy/connstat.h"
#include "proxy/dgram.h"
#include "proxy/inbox.h"
#include "proxy/shared.h"
#include "proxy/stream.h"
#include "proxy/wctx.h"
#include "proxy/worker.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"

struct worker {
	struct wctx w_ctx; /* what the transports see */
	pthread_t w_thread;
	int w_started;
	int w_stopfd[2];
	struct event *w_stopev;
	struct dgram *w_dgram;
	struct acceptor *w_acceptor;
	struct stream *w_stream;
	struct connstat w_cst;
	struct inbox *w_inbox;
};

/* Carry out an action of the pipeline through the transport it names. */
static void
worker_act(struct worker *w, const struct action *act)
{
	if (act->a_kind != ACT_SEND)
		return;
	if (act->a_dst.f_tp == TP_UDP)
		dgram_send(w->w_dgram, &act->a_dst, act->a_out, act->a_outlen);
	else
		stream_send(w->w_stream, &act->a_dst, act->a_out,
		    act->a_outlen);
}

/* The upcall (wctx.h): a transport hands up one framed message. */
static void
worker_up_cb(void *arg, const struct wctx_msg *m)
{
	struct worker *w = arg;
	struct wctx *wc = &w->w_ctx;
	struct pipe_in in;
	struct action act;

	if (m->m_kind == WCTX_UNSENT) {
		pipeline_flow_failed(wc->wc_pc, wc->wc_snap, m->m_flow,
		    m->m_buf, m->m_len, m->m_code, m->m_now, &act);
	} else {
		in.pi_buf = m->m_buf;
		in.pi_len = m->m_len;
		in.pi_src = *m->m_flow;
		in.pi_now_ms = m->m_now;
		pipeline_handle(wc->wc_pc, wc->wc_snap, &in, &act);
	}
	worker_act(w, &act);
}

/* A message another worker handed us, for one of our connections. */
static void
worker_inbox_cb(const struct flow *dst, const char *buf, size_t len, void *arg)
{
	struct worker *w = arg;

	wctx_refresh(&w->w_ctx);
	stream_send(w->w_stream, dst, buf, len);
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	event_base_loopbreak(w->w_ctx.wc_base);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	(void)event_base_dispatch(w->w_ctx.wc_base);
	return (NULL);
}

/* Each listener to its transport, and the stop pipe. */
static int
worker_events(struct worker *w, const int *fds, size_t nfds)
{
	const struct snapshot *sn = w->w_ctx.wc_snap;
	size_t i;
	int err;

	for (i = 0; i < nfds; i++) {
		if (sn->sn_l[i].sl_tp == TP_UDP)
			err = dgram_listen(w->w_dgram, (unsigned)i, fds[i]);
		else
			err =
			    acceptor_listen(w->w_acceptor, (unsigned)i, fds[i]);
		if (err != 0)
			return (err);
	}
	w->w_stopev = event_new(w->w_ctx.wc_base, w->w_stopfd[0], EV_READ,
	    worker_stop_cb, w);
	if (w->w_stopev == NULL || event_add(w->w_stopev, NULL) != 0)
		return (ENOMEM);
	return (0);
}

static struct event_base *
worker_base_new(void)
{
	struct event_config *ec;
	struct event_base *base;

	if ((ec = event_config_new()) == NULL)
		return (NULL);
	(void)event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return (base);
}

/* The transports and the inbox, over the loop and context of w. */
static int
worker_parts(struct worker *w, size_t nfds)
{
	struct wctx *wc = &w->w_ctx;
	int err;

	if ((err = dgram_alloc(&w->w_dgram, wc, nfds)) != 0 ||
	    (err = stream_alloc(&w->w_stream, wc, &w->w_cst)) != 0 ||
	    (err = acceptor_alloc(&w->w_acceptor, wc, w->w_stream,
		 &w->w_cst)) != 0)
		return (err);
	return (inbox_alloc(&w->w_inbox, wc->wc_base, worker_inbox_cb, w));
}

int
worker_alloc(struct worker **wp, struct shared *sh, unsigned id, const int *fds,
    size_t nfds)
{
	struct worker *w;
	struct wctx *wc;
	int err = ENOMEM;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (ENOMEM);
	wc = &w->w_ctx;
	wc->wc_id = id;
	wc->wc_sh = sh;
	wc->wc_up = worker_up_cb;
	wc->wc_uparg = w;
	w->w_stopfd[0] = w->w_stopfd[1] = -1;
	if ((err = pctx_alloc(&wc->wc_pc, sh->sh_replay, sh->sh_limits)) != 0)
		goto out;
	err = ENOMEM;
	if (pipe2(w->w_stopfd, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    (wc->wc_base = worker_base_new()) == NULL)
		goto out;
	wctx_refresh(wc);
	if ((err = worker_parts(w, nfds)) != 0 ||
	    (err = worker_events(w, fds, nfds)) != 0)
		goto out;
	*wp = w;
	return (0);
out:
	worker_free(w);
	return (err);
}

int
worker_start(struct worker *w)
{
	int err;

	err = pthread_create(&w->w_thread, NULL, worker_main, w);
	if (err == 0)
		w->w_started = 1;
	return (err);
}

void
worker_halt(struct worker *w)
{
	if (w == NULL || !w->w_started)
		return;
	(void)!write(w->w_stopfd[1], "x", 1);
	(void)pthread_join(w->w_thread, NULL);
	w->w_started = 0;
}

void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	worker_halt(w);
	acceptor_free(w->w_acceptor);
	stream_free(w->w_stream);
	inbox_free(w->w_inbox);
	dgram_free(w->w_dgram);
	if (w->w_stopev != NULL)
		event_free(w->w_stopev);
	if (w->w_ctx.wc_base != NULL)
		event_base_free(w->w_ctx.wc_base);
	for (i = 0; i < 2; i++)
		if (w->w_stopfd[i] >= 0)
			(void)close(w->w_stopfd[i]);
	snapshot_unref(w->w_ctx.wc_snap);
	pctx_free(w->w_ctx.wc_pc);
	free(w);
}

struct inbox *
worker_inbox(const struct worker *w)
{
	return (w->w_inbox);
}

const struct pipe_stats *
worker_stats(const struct worker *w)
{
	return (&w->w_ctx.wc_pc->pc_stats);
}

const struct stream_stats *
worker_stream_stats(const struct worker *w)
{
	return (&w->w_cst.cs_n);
}
