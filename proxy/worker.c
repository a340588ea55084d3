/*
 * Worker threads: read datagrams in batches, run each through the
 * pipeline, carry out its action.  See worker.h.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <re.h>

#include "core/config.h"
#include "core/log.h"
#include "sip/pipeline.h"
#include "proxy/server.h"
#include "sip/snapshot.h"
#include "proxy/worker.h"
#include "proxy/worker_impl.h"

uint64_t
worker_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
worker_refresh(struct worker *w)
{
	struct snapshot *sn;

	sn = server_snapshot(w->w_srv, &w->w_gen);
	if (sn == NULL)
		return;
	snapshot_unref(w->w_snap);
	w->w_snap = sn;
}

void
worker_act(struct worker *w, const struct action *act)
{
	const struct sa *dst = &act->a_dst.f_addr;
	ssize_t n;

	if (act->a_kind != ACT_SEND)
		return;
	if (act->a_dst.f_tp != TP_UDP) {
		stream_send(w, &act->a_dst, act->a_out, act->a_outlen);
		return;
	}
	if (act->a_dst.f_lsock >= w->w_nsocks) {
		log_event(LOGL_WARN, "send_error", dst, "error=%s",
		    "no such listener");
		return;
	}
	if (w->w_socks[act->a_dst.f_lsock].ws_ev == NULL) {
		log_event(LOGL_WARN, "send_error", dst, "error=%s",
		    "listener is not udp");
		return;
	}
	n = sendto(w->w_socks[act->a_dst.f_lsock].ws_fd, act->a_out,
	    act->a_outlen, MSG_DONTWAIT, &dst->u.sa, dst->len);
	if (n < 0)
		log_event(LOGL_DEBUG, "send_error", dst, "error=%s",
		    strerror(errno));
}

void
worker_message(struct worker *w, const char *buf, size_t len,
    const struct flow *src, uint64_t now)
{
	struct pipe_in in;
	struct action act;

	in.pi_buf = buf;
	in.pi_len = len;
	in.pi_src = *src;
	in.pi_now_ms = now;
	pipeline_handle(w->w_pc, w->w_snap, &in, &act);
	worker_act(w, &act);
}

static void
worker_one(struct worker *w, struct wsock *ws, unsigned i, uint64_t now)
{
	struct flow src;
	size_t len = w->w_msgs[i].msg_len;

	memset(&src, 0, sizeof(src));
	src.f_tp = TP_UDP;
	src.f_lsock = (uint8_t)ws->ws_idx;
	if (sa_set_sa(&src.f_addr, (const struct sockaddr *)&w->w_from[i]) != 0)
		return;
	if (w->w_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
		len = PKT_MAXLEN + 1;
	worker_message(w, w->w_rx[i], len, &src, now);
}

/* Read up to a few batches, then give the loop back. */
static void
worker_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wsock *ws = arg;
	struct worker *w = ws->ws_w;
	uint64_t now;
	int n, i, round;

	worker_refresh(w);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < WORKER_BATCH; i++) {
			w->w_msgs[i].msg_hdr.msg_namelen = sizeof(w->w_from[i]);
			w->w_msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, w->w_msgs, WORKER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = worker_now_ms();
		for (i = 0; i < n; i++)
			worker_one(w, ws, (unsigned)i, now);
		if (n < WORKER_BATCH)
			return;
	}
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	event_base_loopbreak(w->w_base);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	(void)event_base_dispatch(w->w_base);
	return (NULL);
}

static void
worker_iov_init(struct worker *w)
{
	int i;

	for (i = 0; i < WORKER_BATCH; i++) {
		w->w_iov[i].iov_base = w->w_rx[i];
		w->w_iov[i].iov_len = WORKER_RXLEN;
		w->w_msgs[i].msg_hdr.msg_iov = &w->w_iov[i];
		w->w_msgs[i].msg_hdr.msg_iovlen = 1;
		w->w_msgs[i].msg_hdr.msg_name = &w->w_from[i];
	}
}

static int
worker_events(struct worker *w, const int *fds, size_t nfds)
{
	size_t i;
	int err;

	for (i = 0; i < nfds; i++) {
		struct wsock *ws = &w->w_socks[i];

		ws->ws_w = w;
		ws->ws_fd = fds[i];
		ws->ws_idx = (unsigned)i;
		w->w_nsocks++;
		if (w->w_snap->sn_l[i].sl_tp != TP_UDP) {
			if ((err = stream_listen(w, (unsigned)i, fds[i])) != 0)
				return (err);
			continue;
		}
		ws->ws_ev = event_new(w->w_base, fds[i], EV_READ | EV_PERSIST,
		    worker_read_cb, ws);
		if (ws->ws_ev == NULL || event_add(ws->ws_ev, NULL) != 0)
			return (ENOMEM);
	}
	w->w_stopev =
	    event_new(w->w_base, w->w_stopfd[0], EV_READ, worker_stop_cb, w);
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

int
worker_alloc(struct worker **wp, struct server *srv, unsigned id,
    const int *fds, size_t nfds)
{
	struct worker *w;
	int err = ENOMEM;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (ENOMEM);
	w->w_srv = srv;
	w->w_id = id;
	w->w_stopfd[0] = w->w_stopfd[1] = -1;
	w->w_infd[0] = w->w_infd[1] = -1;
	if ((w->w_rx = calloc(WORKER_BATCH, WORKER_RXLEN)) == NULL ||
	    (err = pctx_alloc(&w->w_pc, srv->sv_replay, srv->sv_limits)) != 0)
		goto out;
	err = ENOMEM;
	if (pipe2(w->w_stopfd, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    (w->w_base = worker_base_new()) == NULL)
		goto out;
	worker_iov_init(w);
	w->w_snap = server_snapshot(srv, &w->w_gen);
	if ((err = stream_init(w)) != 0 ||
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
	stream_fini(w);
	for (i = 0; i < w->w_nsocks; i++)
		if (w->w_socks[i].ws_ev != NULL)
			event_free(w->w_socks[i].ws_ev);
	if (w->w_stopev != NULL)
		event_free(w->w_stopev);
	if (w->w_base != NULL)
		event_base_free(w->w_base);
	for (i = 0; i < 2; i++)
		if (w->w_stopfd[i] >= 0)
			(void)close(w->w_stopfd[i]);
	snapshot_unref(w->w_snap);
	pctx_free(w->w_pc);
	free(w->w_rx);
	free(w);
}

const struct pipe_stats *
worker_stats(const struct worker *w)
{
	return (&w->w_pc->pc_stats);
}

const struct stream_stats *
worker_stream_stats(const struct worker *w)
{
	return (&w->w_sst);
}
