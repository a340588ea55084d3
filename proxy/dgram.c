/*
 * UDP of one worker; see dgram.h.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <re.h>

#include "core/config.h"
#include "core/log.h"
#include "proxy/dgram.h"
#include "proxy/wctx.h"
#include "sip/pipeline.h"

#define DGRAM_BATCH  16
#define DGRAM_ROUNDS 4 /* batches per callback, then the loop again */
#define DGRAM_RXLEN  (PKT_MAXLEN + 1)
/*
 * Sends queued while a batch is handled, and the bytes they may take:
 * one message of any size always fits (a bigger queue is flushed first).
 */
#define DGRAM_TXMAX   64
#define DGRAM_TXBYTES (2 * (PKT_MAXLEN + 1))

/* A queued send: a copy of the message in dg_tx, its destination. */
struct dtx {
	struct sa t_dst;
	uint32_t t_off;
	uint32_t t_len;
	uint8_t t_lsock;
};

struct dsock {
	struct dgram *ds_dg;
	struct event *ds_ev; /* readable; NULL: not a udp listener */
	int ds_fd;
	unsigned ds_idx;
};

struct dgram {
	struct wctx *dg_wc;
	struct dsock dg_socks[CFG_MAX_LISTEN];
	size_t dg_nlisten; /* listeners in all, udp or not */
	struct mmsghdr dg_msgs[DGRAM_BATCH];
	struct iovec dg_iov[DGRAM_BATCH];
	struct sockaddr_storage dg_from[DGRAM_BATCH];
	char (*dg_rx)[DGRAM_RXLEN];
	/*
	 * The sends of one receive batch, flushed with one sendmmsg() per
	 * socket when the batch is done (dg_queue: inside dgram_read_cb).
	 */
	bool dg_queue;
	struct dtx dg_txq[DGRAM_TXMAX];
	unsigned dg_ntx;
	size_t dg_txused;
	char *dg_tx; /* DGRAM_TXBYTES */
	struct mmsghdr dg_txmsgs[DGRAM_TXMAX];
	struct iovec dg_txiov[DGRAM_TXMAX];
	const struct dtx *dg_txof[DGRAM_TXMAX]; /* dg_txmsgs[i] sends this */
};

/* Datagram i of the batch, from listener ds, up to the pipeline. */
static void
dgram_one(struct dgram *dg, struct dsock *ds, unsigned i, uint64_t now)
{
	struct wctx_msg m;
	struct flow src;

	memset(&src, 0, sizeof(src));
	src.f_tp = TP_UDP;
	src.f_lsock = (uint8_t)ds->ds_idx;
	if (sa_set_sa(&src.f_addr, (const struct sockaddr *)&dg->dg_from[i]) !=
	    0)
		return;
	m.m_kind = WCTX_RECEIVED;
	m.m_buf = dg->dg_rx[i];
	m.m_len = dg->dg_msgs[i].msg_len;
	if (dg->dg_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
		m.m_len = PKT_MAXLEN + 1;
	m.m_flow = &src;
	m.m_now = now;
	m.m_code = 0;
	wctx_up(dg->dg_wc, &m);
}

/* Log a send that failed (as sendto() said, for sendmmsg() too). */
static void
dgram_send_error(const struct sa *dst, int err)
{
	log_event(LOGL_DEBUG, "send_error", dst, "error=%s", strerror(err));
}

/* The socket of listener lsock, or -1 (logged) if it cannot send. */
static int
dgram_fd(const struct dgram *dg, unsigned lsock, const struct sa *dst)
{
	if (lsock >= dg->dg_nlisten) {
		log_event(LOGL_WARN, "send_error", dst, "error=%s",
		    "no such listener");
		return (-1);
	}
	if (dg->dg_socks[lsock].ds_ev == NULL) {
		log_event(LOGL_WARN, "send_error", dst, "error=%s",
		    "listener is not udp");
		return (-1);
	}
	return (dg->dg_socks[lsock].ds_fd);
}

/*
 * Send the queued messages of listener lsock, in the order they were
 * queued, with as few sendmmsg() calls as the kernel lets: one, unless a
 * message fails, which is logged and stepped over.
 */
static void
dgram_flush_sock(struct dgram *dg, unsigned lsock)
{
	unsigned i, n = 0, done = 0;
	int fd = dg->dg_socks[lsock].ds_fd, r;

	for (i = 0; i < dg->dg_ntx; i++) {
		struct dtx *t = &dg->dg_txq[i];
		struct msghdr *h = &dg->dg_txmsgs[n].msg_hdr;

		if (t->t_lsock != lsock)
			continue;
		dg->dg_txiov[n].iov_base = dg->dg_tx + t->t_off;
		dg->dg_txiov[n].iov_len = t->t_len;
		memset(h, 0, sizeof(*h));
		h->msg_name = &t->t_dst.u.sa;
		h->msg_namelen = t->t_dst.len;
		h->msg_iov = &dg->dg_txiov[n];
		h->msg_iovlen = 1;
		dg->dg_txof[n++] = t;
	}
	while (done < n) {
		r = sendmmsg(fd, dg->dg_txmsgs + done, n - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* dg_txmsgs[done] failed: say so, go on after it. */
		dgram_send_error(&dg->dg_txof[done]->t_dst,
		    r < 0 ? errno : EIO);
		done++;
	}
}

/* Send everything queued, one sendmmsg() per listener that has sends. */
static void
dgram_flush(struct dgram *dg)
{
	bool seen[CFG_MAX_LISTEN] = { false };
	unsigned i, l;

	for (i = 0; i < dg->dg_ntx; i++) {
		l = dg->dg_txq[i].t_lsock;
		if (!seen[l]) {
			seen[l] = true;
			dgram_flush_sock(dg, l);
		}
	}
	dg->dg_ntx = 0;
	dg->dg_txused = 0;
}

/*
 * Read up to a few batches, then give the loop back.  What the pipeline
 * sends while a batch is handled is queued and leaves after the batch.
 */
static void
dgram_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dsock *ds = arg;
	struct dgram *dg = ds->ds_dg;
	uint64_t now;
	int n, i, round;

	wctx_refresh(dg->dg_wc);
	for (round = 0; round < DGRAM_ROUNDS; round++) {
		for (i = 0; i < DGRAM_BATCH; i++) {
			dg->dg_msgs[i].msg_hdr.msg_namelen =
			    sizeof(dg->dg_from[i]);
			dg->dg_msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, dg->dg_msgs, DGRAM_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = wctx_now_ms();
		dg->dg_queue = true;
		for (i = 0; i < n; i++)
			dgram_one(dg, ds, (unsigned)i, now);
		dg->dg_queue = false;
		dgram_flush(dg);
		if (n < DGRAM_BATCH)
			return;
	}
}

void
dgram_send(struct dgram *dg, const struct flow *dst, const char *buf,
    size_t len)
{
	const struct sa *a = &dst->f_addr;
	struct dtx *t;
	int fd;

	if ((fd = dgram_fd(dg, dst->f_lsock, a)) < 0)
		return;
	if (!dg->dg_queue || len > DGRAM_TXBYTES) {
		if (sendto(fd, buf, len, MSG_DONTWAIT, &a->u.sa, a->len) < 0)
			dgram_send_error(a, errno);
		return;
	}
	if (dg->dg_ntx == DGRAM_TXMAX || DGRAM_TXBYTES - dg->dg_txused < len)
		dgram_flush(dg);
	t = &dg->dg_txq[dg->dg_ntx++];
	t->t_dst = *a;
	t->t_off = (uint32_t)dg->dg_txused;
	t->t_len = (uint32_t)len;
	t->t_lsock = dst->f_lsock;
	memcpy(dg->dg_tx + dg->dg_txused, buf, len);
	dg->dg_txused += len;
}

int
dgram_listen(struct dgram *dg, unsigned idx, int fd)
{
	struct dsock *ds;

	if (idx >= dg->dg_nlisten)
		return (EINVAL);
	ds = &dg->dg_socks[idx];
	ds->ds_fd = fd;
	ds->ds_ev = event_new(dg->dg_wc->wc_base, fd, EV_READ | EV_PERSIST,
	    dgram_read_cb, ds);
	if (ds->ds_ev == NULL || event_add(ds->ds_ev, NULL) != 0)
		return (ENOMEM);
	return (0);
}

int
dgram_alloc(struct dgram **dgp, struct wctx *wc, size_t nlisten)
{
	struct dgram *dg;
	size_t i;

	if (nlisten > CFG_MAX_LISTEN)
		return (EINVAL);
	if ((dg = calloc(1, sizeof(*dg))) == NULL)
		return (ENOMEM);
	if ((dg->dg_rx = malloc((size_t)DGRAM_BATCH * DGRAM_RXLEN)) == NULL ||
	    (dg->dg_tx = malloc(DGRAM_TXBYTES)) == NULL) {
		free(dg->dg_rx);
		free(dg);
		return (ENOMEM);
	}
	/* Touched now, so the RSS of the first minute is the RSS of a day. */
	memset(dg->dg_rx, 0, (size_t)DGRAM_BATCH * DGRAM_RXLEN);
	memset(dg->dg_tx, 0, DGRAM_TXBYTES);
	dg->dg_wc = wc;
	dg->dg_nlisten = nlisten;
	for (i = 0; i < nlisten; i++) {
		dg->dg_socks[i].ds_dg = dg;
		dg->dg_socks[i].ds_fd = -1;
		dg->dg_socks[i].ds_idx = (unsigned)i;
	}
	for (i = 0; i < DGRAM_BATCH; i++) {
		dg->dg_iov[i].iov_base = dg->dg_rx[i];
		dg->dg_iov[i].iov_len = DGRAM_RXLEN;
		dg->dg_msgs[i].msg_hdr.msg_iov = &dg->dg_iov[i];
		dg->dg_msgs[i].msg_hdr.msg_iovlen = 1;
		dg->dg_msgs[i].msg_hdr.msg_name = &dg->dg_from[i];
	}
	*dgp = dg;
	return (0);
}

void
dgram_free(struct dgram *dg)
{
	size_t i;

	if (dg == NULL)
		return;
	for (i = 0; i < dg->dg_nlisten; i++)
		if (dg->dg_socks[i].ds_ev != NULL)
			event_free(dg->dg_socks[i].ds_ev);
	free(dg->dg_rx);
	free(dg->dg_tx);
	free(dg);
}
