/*
 * TCP and TLS connections of one worker; see stream.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <re.h>

#include "auth/connlim.h"
#include "core/log.h"
#include "sip/frame.h"
#include "proxy/inbox.h"
#include "proxy/server.h"
#include "sip/snapshot.h"
#include "proxy/stream.h"
#include "proxy/worker_impl.h"

#define CONN_MAXSLOTS  0xffffffu /* 24 bits */
#define CONN_FIRSTCAP  64
#define UP_RETRY_MS    1000 /* a failed upstream is not retried sooner */
#define CONNLOG_PERSEC 5

struct wconn {
	struct worker *c_w;
	struct bufferevent *c_bev;
	struct event *c_deadline;
	struct flow c_flow;
	uint32_t c_slot;
	bool c_upstream;  /* our connection to the PBX */
	bool c_connected; /* that connection was established */
	bool c_counted;   /* in the connection limits */
	bool c_ssl;       /* a TLS connection */
	bool c_tls;       /* TLS, handshake not done yet */
	bool c_paused;    /* not reading: the peer does not read */
	bool c_busy;      /* in its read callback: freed on the way out */
	bool c_dead;      /* closed; freed when no longer busy */
};

static const char *const close_names[] = {
#define X(e, s) s,
	CONN_CLOSES(X)
#undef X
};

static const char *const refusal_names[] = {
#define X(e, s) s,
	CONN_REFUSALS(X)
#undef X
};

const char *
stream_close_name(enum conn_close r)
{
	return (r < CLOSE_N ? close_names[r] : "?");
}

const char *
stream_refusal_name(enum conn_refusal r)
{
	return (r < REFUSE_N ? refusal_names[r] : "?");
}

static void conn_process(struct wconn *c);
static void stream_failed(struct worker *w, const struct flow *dst, int err,
    const char *buf, size_t len);

static const struct cfg *
stream_cfg(const struct worker *w)
{
	return (w->w_snap->sn_cfg);
}

static void
stream_count(atomic_ulong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/*
 * Random first generations: an id in a flow token that the PBX kept from
 * before a restart (or that another instance sharing secret_file wrote)
 * names no connection of ours but by a 2^-32 chance, and then the
 * address must match too (stream_send).
 */
static void
stream_gens(uint32_t *gen, size_t n)
{
	size_t i;

	if (RAND_bytes((unsigned char *)gen, (int)(n * sizeof(*gen))) != 1)
		for (i = 0; i < n; i++)
			gen[i] = (uint32_t)random();
}

/* A free slot, growing the table when none is left; -1 when full. */
static int64_t
stream_slot(struct worker *w)
{
	size_t ncap, i;
	void *p;

	if (w->w_ncfree == 0) {
		if (w->w_ccap >= CONN_MAXSLOTS)
			return (-1);
		ncap = w->w_ccap * 2;
		if (ncap > CONN_MAXSLOTS)
			ncap = CONN_MAXSLOTS;
		if ((p = realloc(w->w_conns, ncap * sizeof(*w->w_conns))) ==
		    NULL)
			return (-1);
		w->w_conns = p;
		if ((p = realloc(w->w_cgen, ncap * sizeof(*w->w_cgen))) == NULL)
			return (-1);
		w->w_cgen = p;
		if ((p = realloc(w->w_cfree, ncap * sizeof(*w->w_cfree))) ==
		    NULL)
			return (-1);
		w->w_cfree = p;
		stream_gens(w->w_cgen + w->w_ccap, ncap - w->w_ccap);
		for (i = ncap; i > w->w_ccap; i--) {
			w->w_conns[i - 1] = NULL;
			w->w_cfree[w->w_ncfree++] = (uint32_t)(i - 1);
		}
		w->w_ccap = ncap;
	}
	return (w->w_cfree[--w->w_ncfree]);
}

static void
conn_free(struct wconn *c)
{
	if (c->c_bev != NULL)
		bufferevent_free(c->c_bev);
	if (c->c_deadline != NULL)
		event_free(c->c_deadline);
	free(c);
}

/*
 * What was queued on an upstream connection that never connected: each
 * request is answered 503 (a phone on TCP does not retransmit).  The
 * queue holds only messages we framed ourselves.
 */
static void
conn_unsent(struct wconn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->c_bev);
	const char *buf;
	struct frame fr;
	size_t len, win;

	while ((len = evbuffer_get_length(out)) > 0) {
		win = len < PKT_MAXLEN ? len : PKT_MAXLEN;
		if ((buf = (const char *)evbuffer_pullup(out,
			 (ev_ssize_t)win)) == NULL)
			break;
		frame_next(buf, win, PKT_MAXLEN, PKT_MAXLEN, &fr);
		if (fr.fr_kind != FRAME_MSG) {
			log_event(LOGL_WARN, "unsent", &c->c_flow.f_addr,
			    "bytes=%zu why=%s", len,
			    fr.fr_why != NULL ? fr.fr_why : "not a message");
			break;
		}
		stream_failed(c->c_w, &c->c_flow, ENOTCONN, buf, fr.fr_len);
		(void)evbuffer_drain(out, fr.fr_len);
	}
}

/* Close c: its id stops matching at once; freed now unless busy. */
static void
conn_close(struct wconn *c, enum conn_close why)
{
	struct worker *w = c->c_w;
	uint64_t now = worker_now_ms();

	if (c->c_dead)
		return;
	c->c_dead = true;
	stream_count(&w->w_sst.ss_closed[why]);
	if (why == CLOSE_EOF || why == CLOSE_IDLE || why == CLOSE_SHUTDOWN)
		log_event(LOGL_DEBUG, "conn_close", &c->c_flow.f_addr,
		    "reason=%s transport=%s", close_names[why],
		    addr_tp_name(c->c_flow.f_tp));
	else if (log_rate_ok(&w->w_connlog, now, CONNLOG_PERSEC))
		log_event(c->c_upstream ? LOGL_WARN : LOGL_INFO, "conn_close",
		    &c->c_flow.f_addr, "reason=%s transport=%s suppressed=%llu",
		    close_names[why], addr_tp_name(c->c_flow.f_tp),
		    log_rate_taken(&w->w_connlog));
	w->w_conns[c->c_slot] = NULL;
	if (++w->w_cgen[c->c_slot] == 0)
		w->w_cgen[c->c_slot] = 1;
	w->w_cfree[w->w_ncfree++] = c->c_slot;
	if (c == w->w_up) {
		w->w_up = NULL;
		/* Could not connect: wait a little before the next try. */
		if (!c->c_connected)
			w->w_up_failed = now;
	}
	if (c->c_counted)
		connlim_give(w->w_srv->sv_connlim, &c->c_flow.f_addr);
	if (c->c_upstream && !c->c_connected && why != CLOSE_SHUTDOWN)
		conn_unsent(c);
	if (!c->c_busy)
		conn_free(c);
}

/*
 * The message deadline runs while part of a message (or a TLS handshake)
 * is in: from its first byte, which is now when a whole message was just
 * taken off the buffer (restart); a CRLF that may begin a keep-alive is
 * not a message begun (a phone sending single CRLFs stays idle).
 */
static void
conn_deadline(struct wconn *c, size_t pending, bool restart)
{
	struct timeval tv = { stream_cfg(c->c_w)->c_tcp_msg_timeout, 0 };

	if (pending > 0 && pending <= 3 && !c->c_tls) {
		const char *p =
		    (const char *)evbuffer_pullup(bufferevent_get_input(
						      c->c_bev),
			(ev_ssize_t)pending);

		if (p != NULL && memcmp(p, "\r\n\r", pending) == 0)
			pending = 0;
	}
	if (pending > 0 || c->c_tls) {
		if (restart || !evtimer_pending(c->c_deadline, NULL))
			(void)evtimer_add(c->c_deadline, &tv);
	} else {
		(void)evtimer_del(c->c_deadline);
	}
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_close(arg, CLOSE_TIMEOUT);
}

/* Reading pauses while more than half of tcp_max_queued waits for the peer. */
static void
conn_pressure(struct wconn *c)
{
	size_t max = stream_cfg(c->c_w)->c_tcp_max_queued;
	size_t out = evbuffer_get_length(bufferevent_get_output(c->c_bev));

	const struct cfg *cfg = stream_cfg(c->c_w);
	struct timeval idle = { cfg->c_tcp_idle_timeout, 0 };
	struct timeval stall = { cfg->c_tcp_msg_timeout, 0 };

	/* The PBX's answers drain the others: never stop reading them. */
	if (!c->c_paused && !c->c_upstream && out > max / 2) {
		c->c_paused = true;
		(void)bufferevent_disable(c->c_bev, EV_READ);
		bufferevent_setwatermark(c->c_bev, EV_WRITE, max / 4, 0);
		/* A peer that reads nothing for that long is gone. */
		(void)bufferevent_set_timeouts(c->c_bev, &idle, &stall);
	}
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct wconn *c = arg;
	struct timeval idle = { stream_cfg(c->c_w)->c_tcp_idle_timeout, 0 };

	if (!c->c_paused)
		return;
	c->c_paused = false;
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	(void)bufferevent_set_timeouts(bev, &idle, &idle);
	(void)bufferevent_enable(bev, EV_READ);
	conn_process(c);
}

/* Queue buf for the peer; past tcp_max_queued the connection closes. */
static int
conn_write(struct wconn *c, const char *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->c_bev);

	if (c->c_dead)
		return (ENOTCONN);
	if (evbuffer_get_length(out) + len >
	    stream_cfg(c->c_w)->c_tcp_max_queued) {
		/*
		 * An upstream still connecting is not a peer that stopped
		 * reading: this request is refused (503), the queue kept.
		 */
		if (!(c->c_upstream && !c->c_connected))
			conn_close(c, CLOSE_BACKPRESSURE);
		return (ENOBUFS);
	}
	if (bufferevent_write(c->c_bev, buf, len) != 0)
		return (ENOMEM);
	conn_pressure(c);
	return (0);
}

/* Frame and handle what the peer sent, as far as it goes. */
static void
conn_process(struct wconn *c)
{
	struct worker *w = c->c_w;
	struct evbuffer *in = bufferevent_get_input(c->c_bev);
	const struct cfg *cfg;
	const char *buf;
	struct frame fr;
	size_t len, win;
	uint64_t now;
	bool taken = false;

	worker_refresh(w);
	cfg = stream_cfg(w);
	now = worker_now_ms();
	c->c_busy = true;
	while (
	    !c->c_dead && !c->c_paused && (len = evbuffer_get_length(in)) > 0) {
		win = len < PKT_MAXLEN ? len : PKT_MAXLEN;
		buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)win);
		if (buf == NULL) {
			conn_close(c, CLOSE_ERROR);
			break;
		}
		frame_next(buf, win, cfg->c_tcp_max_header, PKT_MAXLEN, &fr);
		if (fr.fr_kind == FRAME_MORE)
			break;
		if (fr.fr_kind == FRAME_BAD) {
			pipeline_note_drop(w->w_pc, &c->c_flow, now,
			    fr.fr_toobig ? DROP_TOO_BIG : DROP_MALFORMED,
			    fr.fr_why);
			conn_close(c, CLOSE_BAD_FRAME);
			break;
		}
		if (fr.fr_kind == FRAME_PING)
			(void)conn_write(c, "\r\n", 2);
		else if (fr.fr_kind == FRAME_MSG)
			worker_message(w, buf, fr.fr_len, &c->c_flow, now);
		if (!c->c_dead)
			(void)evbuffer_drain(in, fr.fr_len);
		taken = true;
	}
	c->c_busy = false;
	if (c->c_dead) {
		conn_free(c);
		return;
	}
	/* Paused, the write timeout is what runs. */
	conn_deadline(c, c->c_paused ? 0 : evbuffer_get_length(in), taken);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process(arg);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct wconn *c = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval idle = { stream_cfg(c->c_w)->c_tcp_idle_timeout, 0 };

	if (what & BEV_EVENT_CONNECTED) {
		if (c->c_upstream) {
			c->c_connected = true;
			(void)bufferevent_set_timeouts(bev, &idle, &idle);
			log_event(LOGL_INFO, "upstream_connected",
			    &c->c_flow.f_addr, "transport=%s",
			    addr_tp_name(c->c_flow.f_tp));
			return;
		}
		c->c_tls = false; /* handshake done */
		conn_deadline(c,
		    evbuffer_get_length(bufferevent_get_input(bev)), true);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		conn_close(c,
		    c->c_paused || (c->c_upstream && !c->c_connected) ?
			CLOSE_BACKPRESSURE :
			CLOSE_IDLE);
	else if (c->c_tls ||
	    (c->c_ssl && bufferevent_get_openssl_error(bev) != 0))
		conn_close(c, CLOSE_TLS); /* handshake, or TLS itself */
	else if ((what & BEV_EVENT_EOF) ||
	    (!c->c_ssl && (err == ECONNRESET || err == EPIPE)))
		conn_close(c, CLOSE_EOF); /* the peer went away */
	else
		conn_close(c, CLOSE_ERROR);
}

/*
 * A connection over fd to or from f (f->f_conn is set here); TLS when ctx
 * is given.  fd is closed on failure.
 */
static struct wconn *
conn_new(struct worker *w, int fd, const struct flow *f, SSL_CTX *ctx)
{
	const struct cfg *cfg = stream_cfg(w);
	struct timeval idle = { cfg->c_tcp_idle_timeout, 0 };
	struct wconn *c;
	int64_t slot;
	SSL *ssl = NULL;
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->c_deadline = evtimer_new(w->w_base, conn_deadline_cb, c)) ==
		NULL)
		goto bad;
	if (ctx != NULL) {
		if ((ssl = SSL_new(ctx)) == NULL)
			goto bad;
		c->c_bev = bufferevent_openssl_socket_new(w->w_base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		/* Owned by the bufferevent, or freed by its failure path. */
		ssl = NULL;
		if (c->c_bev == NULL)
			goto bad;
		bufferevent_openssl_set_allow_dirty_shutdown(c->c_bev, 1);
		c->c_ssl = c->c_tls = true;
	} else {
		c->c_bev = bufferevent_socket_new(w->w_base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->c_bev == NULL)
			goto bad;
	}
	fd = -1; /* likewise */
	if ((slot = stream_slot(w)) < 0)
		goto bad;
	c->c_w = w;
	c->c_slot = (uint32_t)slot;
	if (w->w_cgen[slot] == 0)
		w->w_cgen[slot] = 1;
	c->c_flow = *f;
	c->c_flow.f_conn = CONN_ID(w->w_id, slot, w->w_cgen[slot]);
	w->w_conns[slot] = c;
	bufferevent_setcb(c->c_bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	(void)bufferevent_set_timeouts(c->c_bev, &idle, &idle);
	(void)bufferevent_enable(c->c_bev, EV_READ | EV_WRITE);
	if (c->c_tls)
		conn_deadline(c, 0, true);
	return (c);
bad:
	if (ssl != NULL)
		SSL_free(ssl);
	if (c != NULL)
		conn_free(c);
	if (fd >= 0)
		(void)close(fd);
	return (NULL);
}

static void
stream_refuse(struct worker *w, const struct sa *src, enum conn_refusal r,
    uint64_t now)
{
	stream_count(&w->w_sst.ss_refused[r]);
	if (log_rate_ok(&w->w_connlog, now, CONNLOG_PERSEC))
		log_event(LOGL_WARN, "conn_refused", src,
		    "reason=%s suppressed=%llu", refusal_names[r],
		    log_rate_taken(&w->w_connlog));
}

static bool
stream_upstream_addr(const struct cfg *cfg, const struct sa *a)
{
	return (cfg->c_upstream.cs_tp == TP_TCP &&
	    sa_cmp(a, &cfg->c_upstream.cs_addr, SA_ADDR));
}

static void
stream_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct wsock *ws = arg;
	struct worker *w = ws->ws_w;
	const struct snapshot *sn;
	const struct cfg *cfg;
	struct wconn *c;
	struct flow f;
	uint64_t now = worker_now_ms();
	bool pbx;
	int err;

	worker_refresh(w);
	sn = w->w_snap;
	cfg = sn->sn_cfg;
	memset(&f, 0, sizeof(f));
	f.f_tp = (uint8_t)sn->sn_l[ws->ws_idx].sl_tp;
	f.f_lsock = (uint8_t)ws->ws_idx;
	if (sa_set_sa(&f.f_addr, sa) != 0 ||
	    (f.f_tp == TP_TLS && sn->sn_tls == NULL) ||
	    !pipeline_admit(w->w_pc, sn, &f, now)) {
		(void)close(fd);
		return;
	}
	/*
	 * The PBX (TCP from its address) may open as many as it likes, even
	 * when others filled tcp_max_connections: its requests to the
	 * phones must get through.
	 */
	pbx = f.f_tp == TP_TCP && stream_upstream_addr(cfg, &f.f_addr);
	err = connlim_take(w->w_srv->sv_connlim, &f.f_addr,
	    pbx ? UINT_MAX : cfg->c_tcp_max_conns,
	    pbx ? 0 : cfg->c_tcp_max_per_ip);
	if (err != 0) {
		stream_refuse(w, &f.f_addr,
		    err == EUSERS ? REFUSE_MAX_PER_IP : REFUSE_MAX_CONNECTIONS,
		    now);
		(void)close(fd);
		return;
	}
	c = conn_new(w, fd, &f, f.f_tp == TP_TLS ? sn->sn_tls : NULL);
	if (c == NULL) {
		connlim_give(w->w_srv->sv_connlim, &f.f_addr);
		stream_refuse(w, &f.f_addr, REFUSE_NO_MEMORY, now);
		return;
	}
	c->c_counted = true;
	stream_count(&w->w_sst.ss_accepted);
	log_event(LOGL_DEBUG, "conn_open", &f.f_addr, "transport=%s",
	    addr_tp_name(f.f_tp));
}

static void
stream_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wsock *ws = arg;

	(void)evconnlistener_enable(ws->ws_lev);
}

/*
 * accept() failed.  Out of descriptors (or memory), the listening socket
 * stays readable: stop accepting for a second rather than spin; anything
 * else (a connection reset before it was accepted) passes.
 */
static void
stream_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct wsock *ws = arg;
	struct worker *w = ws->ws_w;
	struct timeval tv = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	(void)evconnlistener_disable(lev);
	(void)evtimer_add(ws->ws_retry, &tv);
	if (log_rate_ok(&w->w_connlog, worker_now_ms(), CONNLOG_PERSEC))
		log_event(LOGL_WARN, "accept_error",
		    &w->w_snap->sn_l[ws->ws_idx].sl_addr,
		    "error=%s paused_ms=1000 suppressed=%llu", strerror(err),
		    log_rate_taken(&w->w_connlog));
}

int
stream_listen(struct worker *w, unsigned idx, int fd)
{
	struct wsock *ws = &w->w_socks[idx];

	/* The server made fd listen; a backlog of 0 tells libevent so. */
	ws->ws_lev =
	    evconnlistener_new(w->w_base, stream_accept_cb, ws, 0, 0, fd);
	ws->ws_retry = evtimer_new(w->w_base, stream_resume_cb, ws);
	if (ws->ws_lev == NULL || ws->ws_retry == NULL)
		return (ENOMEM);
	evconnlistener_set_error_cb(ws->ws_lev, stream_accept_error_cb);
	return (0);
}

/* Our connection to the upstream, opened now if there is none. */
static struct wconn *
stream_upstream(struct worker *w, uint64_t now)
{
	const struct snapshot *sn = w->w_snap;
	const struct sa *up = &sn->sn_cfg->c_upstream.cs_addr;
	struct timeval idle = { sn->sn_cfg->c_tcp_idle_timeout, 0 };
	struct timeval conn = { sn->sn_cfg->c_tcp_msg_timeout, 0 };
	struct wconn *c;
	struct flow f;
	int fd;

	if (w->w_up != NULL)
		return (w->w_up);
	if (w->w_up_failed != 0 && now - w->w_up_failed < UP_RETRY_MS)
		return (NULL);
	fd = socket(sa_af(up), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (NULL);
	memset(&f, 0, sizeof(f));
	f.f_tp = TP_TCP;
	f.f_lsock = (uint8_t)sn->sn_upl;
	f.f_addr = *up;
	if ((c = conn_new(w, fd, &f, NULL)) == NULL)
		return (NULL);
	c->c_upstream = true;
	/* Connected within tcp_message_timeout, or given up. */
	(void)bufferevent_set_timeouts(c->c_bev, &idle, &conn);
	stream_count(&w->w_sst.ss_upstream_connects);
	if (bufferevent_socket_connect(c->c_bev, &up->u.sa, (int)up->len) !=
	    0) {
		conn_close(c, CLOSE_ERROR);
		w->w_up_failed = now;
		return (NULL);
	}
	log_event(LOGL_DEBUG, "upstream_connect", up, "transport=%s", "tcp");
	w->w_up = c;
	return (c);
}

static struct wconn *
stream_lookup(struct worker *w, uint64_t id)
{
	uint32_t slot = CONN_SLOT(id);
	struct wconn *c;

	if (slot >= w->w_ccap || w->w_cgen[slot] != CONN_GEN(id) ||
	    (c = w->w_conns[slot]) == NULL || c->c_dead)
		return (NULL);
	return (c);
}

int
stream_fail_status(const struct cfg *cfg, const struct flow *dst, int err)
{
	if (stream_upstream_addr(cfg, &dst->f_addr))
		return (503);
	if (err == ENOBUFS || err == ENOMEM)
		return (503);
	return (430);
}

/* buf could not go to dst (err): a request is answered. */
static void
stream_failed(struct worker *w, const struct flow *dst, int err,
    const char *buf, size_t len)
{
	struct action act;

	pipeline_flow_failed(w->w_pc, w->w_snap, dst, buf, len,
	    stream_fail_status(stream_cfg(w), dst, err), worker_now_ms(), &act);
	worker_act(w, &act);
}

void
stream_send(struct worker *w, const struct flow *dst, const char *buf,
    size_t len)
{
	const struct cfg *cfg = stream_cfg(w);
	struct wconn *c = NULL;
	unsigned owner;
	int err;

	if (dst->f_conn != 0) {
		owner = CONN_WORKER(dst->f_conn);
		if (owner != w->w_id) {
			if ((err = inbox_push(w, owner, dst, buf, len)) != 0)
				stream_failed(w, dst, err, buf, len);
			return;
		}
		c = stream_lookup(w, dst->f_conn);
		/* The port may come from a Via's sent-by: the address only. */
		if (c != NULL &&
		    !sa_cmp(&c->c_flow.f_addr, &dst->f_addr, SA_ADDR))
			c = NULL;
	}
	/* To the PBX: its connection is gone, ours will do (RFC 3261 18.2.2).
	 */
	if (c == NULL && dst->f_tp == TP_TCP &&
	    stream_upstream_addr(cfg, &dst->f_addr))
		c = stream_upstream(w, worker_now_ms());
	if (c != NULL && conn_write(c, buf, len) == 0)
		return;
	stream_failed(w, dst, ENOTCONN, buf, len);
}

int
stream_init(struct worker *w)
{
	w->w_ccap = CONN_FIRSTCAP / 2;
	w->w_conns = calloc(w->w_ccap, sizeof(*w->w_conns));
	w->w_cgen = calloc(w->w_ccap, sizeof(*w->w_cgen));
	w->w_cfree = calloc(w->w_ccap, sizeof(*w->w_cfree));
	if (w->w_conns == NULL || w->w_cgen == NULL || w->w_cfree == NULL)
		return (ENOMEM);
	stream_gens(w->w_cgen, w->w_ccap);
	for (w->w_ncfree = 0; w->w_ncfree < w->w_ccap; w->w_ncfree++)
		w->w_cfree[w->w_ncfree] =
		    (uint32_t)(w->w_ccap - 1 - w->w_ncfree);
	return (inbox_init(w));
}

void
stream_fini(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->w_nsocks; i++)
		if (w->w_socks[i].ws_lev != NULL)
			evconnlistener_free(w->w_socks[i].ws_lev);
	for (i = 0; i < w->w_nsocks; i++)
		if (w->w_socks[i].ws_retry != NULL)
			event_free(w->w_socks[i].ws_retry);
	for (i = 0; w->w_conns != NULL && i < w->w_ccap; i++)
		if (w->w_conns[i] != NULL)
			conn_close(w->w_conns[i], CLOSE_SHUTDOWN);
	inbox_fini(w);
	free(w->w_conns);
	free(w->w_cgen);
	free(w->w_cfree);
}
