/*
 * TCP and TLS connections of one worker; see stream.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include <re.h>

#include "auth/connlim.h"
#include "core/log.h"
#include "proxy/connstat.h"
#include "proxy/conntab.h"
#include "proxy/shared.h"
#include "proxy/stream.h"
#include "proxy/upstream.h"
#include "proxy/wctx.h"
#include "sip/frame.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"

struct stream {
	struct wctx *st_wc;
	struct conntab *st_tab;
	struct upstream st_up;
	struct connstat *st_cs;
};

struct sconn {
	struct stream *c_st;
	struct bufferevent *c_bev;
	struct event *c_deadline;
	struct flow c_flow; /* f_conn: its id in the table */
	bool c_upstream;    /* our connection to the PBX */
	bool c_connected;   /* that connection was established */
	bool c_counted;     /* in the connection limits */
	bool c_ssl;         /* a TLS connection */
	bool c_tls;         /* TLS, handshake not done yet */
	bool c_paused;      /* not reading: the peer does not read */
	bool c_busy;        /* in its read callback: freed on the way out */
	bool c_dead;        /* closed; freed when no longer busy */
};

static void conn_process(struct sconn *c);

static const struct cfg *
stream_cfg(const struct stream *st)
{
	return (st->st_wc->wc_snap->sn_cfg);
}

/* buf could not go to dst (err): a request is answered. */
static void
stream_failed(struct stream *st, const struct flow *dst, int err,
    const char *buf, size_t len)
{
	struct wctx_msg m = { .m_kind = WCTX_UNSENT,
		.m_buf = buf,
		.m_len = len,
		.m_flow = dst };

	m.m_code = (uint16_t)stream_fail_status(stream_cfg(st), dst, err);
	m.m_now = wctx_now_ms();
	wctx_up(st->st_wc, &m);
}

static void
conn_free(struct sconn *c)
{
	if (c->c_bev != NULL)
		bufferevent_free(c->c_bev);
	if (c->c_deadline != NULL)
		event_free(c->c_deadline);
	free(c);
}

/* Close c: its id stops matching at once; freed now unless busy. */
static void
conn_close(struct sconn *c, enum conn_close why)
{
	struct stream *st = c->c_st;
	uint64_t now = wctx_now_ms();

	if (c->c_dead)
		return;
	c->c_dead = true;
	connstat_closed(st->st_cs, &c->c_flow, c->c_upstream, why, now);
	conntab_del(st->st_tab, c->c_flow.f_conn);
	if (c->c_upstream)
		upstream_lost(&st->st_up, c->c_flow.f_conn, c->c_connected,
		    now);
	if (c->c_counted)
		connlim_give(st->st_wc->wc_sh->sh_connlim, &c->c_flow.f_addr);
	if (c->c_upstream && !c->c_connected && why != CLOSE_SHUTDOWN)
		upstream_unsent(st->st_wc, c->c_bev, &c->c_flow,
		    (uint16_t)stream_fail_status(stream_cfg(st), &c->c_flow,
			ENOTCONN));
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
conn_deadline(struct sconn *c, size_t pending, bool restart)
{
	struct timeval tv = { stream_cfg(c->c_st)->c_tcp_msg_timeout, 0 };

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
conn_pressure(struct sconn *c)
{
	const struct cfg *cfg = stream_cfg(c->c_st);
	size_t max = cfg->c_tcp_max_queued;
	size_t out = evbuffer_get_length(bufferevent_get_output(c->c_bev));
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
	struct sconn *c = arg;
	struct timeval idle = { stream_cfg(c->c_st)->c_tcp_idle_timeout, 0 };

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
conn_write(struct sconn *c, const char *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->c_bev);

	if (c->c_dead)
		return (ENOTCONN);
	if (evbuffer_get_length(out) + len >
	    stream_cfg(c->c_st)->c_tcp_max_queued) {
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

/* One whole frame fr at buf: a keep-alive is answered, a message goes up. */
static void
conn_frame(struct sconn *c, const char *buf, const struct frame *fr,
    uint64_t now)
{
	struct wctx_msg m = { .m_kind = WCTX_RECEIVED,
		.m_buf = buf,
		.m_len = fr->fr_len,
		.m_flow = &c->c_flow,
		.m_now = now };

	if (fr->fr_kind == FRAME_PING)
		(void)conn_write(c, "\r\n", 2);
	else if (fr->fr_kind == FRAME_MSG)
		wctx_up(c->c_st->st_wc, &m);
}

/* Frame and handle what the peer sent, as far as it goes. */
static void
conn_process(struct sconn *c)
{
	struct wctx *wc = c->c_st->st_wc;
	struct evbuffer *in = bufferevent_get_input(c->c_bev);
	const struct cfg *cfg;
	const char *buf;
	struct frame fr;
	size_t len, win;
	uint64_t now;
	bool taken = false;

	wctx_refresh(wc);
	cfg = stream_cfg(c->c_st);
	now = wctx_now_ms();
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
			pipeline_note_drop(wc->wc_pc, &c->c_flow, now,
			    fr.fr_toobig ? DROP_TOO_BIG : DROP_MALFORMED,
			    fr.fr_why);
			conn_close(c, CLOSE_BAD_FRAME);
			break;
		}
		conn_frame(c, buf, &fr, now);
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
	struct sconn *c = arg;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		if (c->c_upstream) {
			c->c_connected = true;
			upstream_connected(bev, stream_cfg(c->c_st),
			    &c->c_flow);
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

/* c's bufferevent over fd, TLS when ctx is given; fd is its own then. */
static int
conn_bev(struct sconn *c, int fd, SSL_CTX *ctx)
{
	struct event_base *base = c->c_st->st_wc->wc_base;
	SSL *ssl;

	if (ctx == NULL) {
		c->c_bev =
		    bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		return (c->c_bev != NULL ? 0 : ENOMEM);
	}
	if ((ssl = SSL_new(ctx)) == NULL)
		return (ENOMEM);
	/* Owned by the bufferevent, or freed by its failure path. */
	c->c_bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->c_bev == NULL)
		return (ENOMEM);
	bufferevent_openssl_set_allow_dirty_shutdown(c->c_bev, 1);
	c->c_ssl = c->c_tls = true;
	return (0);
}

/*
 * A connection over fd to or from f (f->f_conn is set here); TLS when ctx
 * is given.  fd is closed on failure.
 */
static struct sconn *
conn_new(struct stream *st, int fd, const struct flow *f, SSL_CTX *ctx)
{
	struct timeval idle = { stream_cfg(st)->c_tcp_idle_timeout, 0 };
	struct sconn *c;
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return (NULL);
	}
	c->c_st = st;
	c->c_flow = *f;
	c->c_deadline = evtimer_new(st->st_wc->wc_base, conn_deadline_cb, c);
	if (c->c_deadline == NULL || conn_bev(c, fd, ctx) != 0) {
		if (c->c_bev == NULL)
			(void)close(fd);
		goto bad;
	}
	if (conntab_add(st->st_tab, c, &c->c_flow.f_conn) != 0)
		goto bad;
	bufferevent_setcb(c->c_bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	(void)bufferevent_set_timeouts(c->c_bev, &idle, &idle);
	(void)bufferevent_enable(c->c_bev, EV_READ | EV_WRITE);
	if (c->c_tls)
		conn_deadline(c, 0, true);
	return (c);
bad:
	conn_free(c);
	return (NULL);
}

int
stream_accept(struct stream *st, int fd, const struct flow *f, SSL_CTX *ctx)
{
	struct sconn *c;

	if ((c = conn_new(st, fd, f, ctx)) == NULL)
		return (ENOMEM);
	c->c_counted = true;
	connstat_count(&st->st_cs->cs_n.ss_accepted);
	log_event(LOGL_DEBUG, "conn_open", &f->f_addr, "transport=%s",
	    addr_tp_name(f->f_tp));
	return (0);
}

/* Our connection to the upstream, opened now if there is none. */
static struct sconn *
stream_upstream(struct stream *st, uint64_t now)
{
	const struct snapshot *sn = st->st_wc->wc_snap;
	struct sconn *c;
	struct flow f;
	int fd;

	if ((c = upstream_find(&st->st_up, st->st_tab)) != NULL)
		return (c);
	if ((fd = upstream_open(&st->st_up, sn, now, &f)) < 0)
		return (NULL);
	if ((c = conn_new(st, fd, &f, NULL)) == NULL)
		return (NULL);
	c->c_upstream = true;
	connstat_count(&st->st_cs->cs_n.ss_upstream_connects);
	if (upstream_connect(&st->st_up, c->c_bev, sn->sn_cfg, c->c_flow.f_conn,
		now) != 0) {
		conn_close(c, CLOSE_ERROR);
		return (NULL);
	}
	return (c);
}

/* The live connection id names, if it is to dst's address. */
static struct sconn *
stream_lookup(struct stream *st, const struct flow *dst)
{
	struct sconn *c = conntab_get(st->st_tab, dst->f_conn);

	if (c == NULL || c->c_dead)
		return (NULL);
	/* The port may come from a Via's sent-by: the address only. */
	if (!sa_cmp(&c->c_flow.f_addr, &dst->f_addr, SA_ADDR))
		return (NULL);
	return (c);
}

int
stream_fail_status(const struct cfg *cfg, const struct flow *dst, int err)
{
	if (upstream_is(cfg, &dst->f_addr))
		return (503);
	if (err == ENOBUFS || err == ENOMEM)
		return (503);
	return (430);
}

void
stream_send(struct stream *st, const struct flow *dst, const char *buf,
    size_t len)
{
	struct wctx *wc = st->st_wc;
	struct sconn *c = NULL;
	unsigned owner;
	int err;

	if (dst->f_conn != 0) {
		owner = CONN_WORKER(dst->f_conn);
		if (owner != wc->wc_id) {
			err = shared_handoff(wc->wc_sh, owner, dst, buf, len);
			if (err != 0)
				stream_failed(st, dst, err, buf, len);
			else
				connstat_count(&st->st_cs->cs_n.ss_handoffs);
			return;
		}
		c = stream_lookup(st, dst);
	}
	/* To the PBX: its connection is gone, ours will do (RFC 3261 18.2.2) */
	if (c == NULL && dst->f_tp == TP_TCP &&
	    upstream_is(stream_cfg(st), &dst->f_addr))
		c = stream_upstream(st, wctx_now_ms());
	if (c != NULL && conn_write(c, buf, len) == 0)
		return;
	stream_failed(st, dst, ENOTCONN, buf, len);
}

int
stream_alloc(struct stream **stp, struct wctx *wc, struct connstat *cs)
{
	struct stream *st;
	int err;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (ENOMEM);
	st->st_wc = wc;
	st->st_cs = cs;
	if ((err = conntab_alloc(&st->st_tab, wc->wc_id, CONN_MAXSLOTS)) != 0) {
		free(st);
		return (err);
	}
	*stp = st;
	return (0);
}

void
stream_free(struct stream *st)
{
	struct sconn *c;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < conntab_cap(st->st_tab); i++)
		if ((c = conntab_at(st->st_tab, i)) != NULL)
			conn_close(c, CLOSE_SHUTDOWN);
	conntab_free(st->st_tab);
	free(st);
}
