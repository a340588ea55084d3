/*
 * UDP of one worker; see dgram.h.
 */
#include <sys/socket.h>

#include <errno.h>
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

/* Read up to a few batches, then give the loop back. */
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
		for (i = 0; i < n; i++)
			dgram_one(dg, ds, (unsigned)i, now);
		if (n < DGRAM_BATCH)
			return;
	}
}

void
dgram_send(struct dgram *dg, const struct flow *dst, const char *buf,
    size_t len)
{
	const struct sa *a = &dst->f_addr;
	ssize_t n;

	if (dst->f_lsock >= dg->dg_nlisten) {
		log_event(LOGL_WARN, "send_error", a, "error=%s",
		    "no such listener");
		return;
	}
	if (dg->dg_socks[dst->f_lsock].ds_ev == NULL) {
		log_event(LOGL_WARN, "send_error", a, "error=%s",
		    "listener is not udp");
		return;
	}
	n = sendto(dg->dg_socks[dst->f_lsock].ds_fd, buf, len, MSG_DONTWAIT,
	    &a->u.sa, a->len);
	if (n < 0)
		log_event(LOGL_DEBUG, "send_error", a, "error=%s",
		    strerror(errno));
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
	if ((dg->dg_rx = calloc(DGRAM_BATCH, DGRAM_RXLEN)) == NULL) {
		free(dg);
		return (ENOMEM);
	}
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
	free(dg);
}
