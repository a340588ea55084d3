/*
 * The listening sockets of the stream transport; see acceptor.h.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include <re.h>

#include "auth/connlim.h"
#include "core/config.h"
#include "proxy/acceptor.h"
#include "proxy/connstat.h"
#include "proxy/shared.h"
#include "proxy/stream.h"
#include "proxy/upstream.h"
#include "proxy/wctx.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"

/* A listening socket. */
struct alisten {
	struct acceptor *li_ac;
	struct evconnlistener *li_lev;
	struct event *li_retry; /* accepting again after EMFILE */
	unsigned li_idx;
};

struct acceptor {
	struct wctx *ac_wc;
	struct stream *ac_st;
	struct connstat *ac_cs;
	struct alisten ac_lis[CFG_MAX_LISTEN];
};

/*
 * Within the connection limits?  The PBX (TCP from its address) may open
 * as many as it likes, even when others filled tcp_max_connections: its
 * requests to the phones must get through.
 */
static int
acceptor_take(struct acceptor *ac, const struct cfg *cfg, const struct flow *f)
{
	bool pbx = f->f_tp == TP_TCP && upstream_is(cfg, &f->f_addr);

	return (connlim_take(ac->ac_wc->wc_sh->sh_connlim, &f->f_addr,
	    pbx ? UINT_MAX : cfg->c_tcp_max_conns,
	    pbx ? 0 : cfg->c_tcp_max_per_ip));
}

static void
acceptor_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct alisten *li = arg;
	struct acceptor *ac = li->li_ac;
	const struct snapshot *sn;
	struct flow f;
	uint64_t now = wctx_now_ms();
	int err;

	wctx_refresh(ac->ac_wc);
	sn = ac->ac_wc->wc_snap;
	memset(&f, 0, sizeof(f));
	f.f_tp = (uint8_t)sn->sn_l[li->li_idx].sl_tp;
	f.f_lsock = (uint8_t)li->li_idx;
	if (sa_set_sa(&f.f_addr, sa) != 0 ||
	    (f.f_tp == TP_TLS && sn->sn_tls == NULL) ||
	    !pipeline_admit(ac->ac_wc->wc_pc, sn, &f, now)) {
		(void)close(fd);
		return;
	}
	if ((err = acceptor_take(ac, sn->sn_cfg, &f)) != 0) {
		connstat_refused(ac->ac_cs, &f.f_addr,
		    err == EUSERS ? REFUSE_MAX_PER_IP : REFUSE_MAX_CONNECTIONS,
		    now);
		(void)close(fd);
		return;
	}
	if (stream_accept(ac->ac_st, fd, &f,
		f.f_tp == TP_TLS ? sn->sn_tls : NULL) != 0) {
		connlim_give(ac->ac_wc->wc_sh->sh_connlim, &f.f_addr);
		connstat_refused(ac->ac_cs, &f.f_addr, REFUSE_NO_MEMORY, now);
	}
}

static void
acceptor_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct alisten *li = arg;

	(void)evconnlistener_enable(li->li_lev);
}

/*
 * accept() failed.  Out of descriptors (or memory), the listening socket
 * stays readable: stop accepting for a second rather than spin; anything
 * else (a connection reset before it was accepted) passes.
 */
static void
acceptor_error_cb(struct evconnlistener *lev, void *arg)
{
	struct alisten *li = arg;
	struct acceptor *ac = li->li_ac;
	struct timeval tv = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	(void)evconnlistener_disable(lev);
	(void)evtimer_add(li->li_retry, &tv);
	connstat_accept_error(ac->ac_cs,
	    &ac->ac_wc->wc_snap->sn_l[li->li_idx].sl_addr, err, wctx_now_ms());
}

int
acceptor_listen(struct acceptor *ac, unsigned idx, int fd)
{
	struct event_base *base = ac->ac_wc->wc_base;
	struct alisten *li;

	if (idx >= CFG_MAX_LISTEN)
		return (EINVAL);
	li = &ac->ac_lis[idx];
	li->li_ac = ac;
	li->li_idx = idx;
	/* The server made fd listen; a backlog of 0 tells libevent so. */
	li->li_lev = evconnlistener_new(base, acceptor_cb, li, 0, 0, fd);
	li->li_retry = evtimer_new(base, acceptor_resume_cb, li);
	if (li->li_lev == NULL || li->li_retry == NULL)
		return (ENOMEM);
	evconnlistener_set_error_cb(li->li_lev, acceptor_error_cb);
	return (0);
}

int
acceptor_alloc(struct acceptor **acp, struct wctx *wc, struct stream *st,
    struct connstat *cs)
{
	struct acceptor *ac;

	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		return (ENOMEM);
	ac->ac_wc = wc;
	ac->ac_st = st;
	ac->ac_cs = cs;
	*acp = ac;
	return (0);
}

void
acceptor_free(struct acceptor *ac)
{
	size_t i;

	if (ac == NULL)
		return;
	for (i = 0; i < CFG_MAX_LISTEN; i++) {
		if (ac->ac_lis[i].li_lev != NULL)
			evconnlistener_free(ac->ac_lis[i].li_lev);
		if (ac->ac_lis[i].li_retry != NULL)
			event_free(ac->ac_lis[i].li_retry);
	}
	free(ac);
}
