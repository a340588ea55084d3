/*
 * The connection to a tcp upstream; see upstream.h.
 */
#include <sys/socket.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <re.h>

#include "core/config.h"
#include "core/log.h"
#include "proxy/conntab.h"
#include "proxy/upstream.h"
#include "proxy/wctx.h"
#include "sip/frame.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"

bool
upstream_is(const struct cfg *cfg, const struct sa *a)
{
	return (cfg->c_upstream.cs_tp == TP_TCP &&
	    sa_cmp(a, &cfg->c_upstream.cs_addr, SA_ADDR));
}

void *
upstream_find(const struct upstream *up, const struct conntab *ct)
{
	return (up->up_id != 0 ? conntab_get(ct, up->up_id) : NULL);
}

int
upstream_open(const struct upstream *up, const struct snapshot *sn,
    uint64_t now, struct flow *f)
{
	const struct sa *a = &sn->sn_cfg->c_upstream.cs_addr;

	if (up->up_failed != 0 && now - up->up_failed < UPSTREAM_RETRY_MS)
		return (-1);
	memset(f, 0, sizeof(*f));
	f->f_tp = TP_TCP;
	f->f_lsock = (uint8_t)sn->sn_upl;
	f->f_addr = *a;
	return (
	    socket(sa_af(a), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

int
upstream_connect(struct upstream *up, struct bufferevent *bev,
    const struct cfg *cfg, uint64_t id, uint64_t now)
{
	const struct sa *a = &cfg->c_upstream.cs_addr;
	struct timeval idle = { cfg->c_tcp_idle_timeout, 0 };
	struct timeval conn = { cfg->c_tcp_msg_timeout, 0 };

	/* Connected within tcp_message_timeout, or given up. */
	(void)bufferevent_set_timeouts(bev, &idle, &conn);
	if (bufferevent_socket_connect(bev, &a->u.sa, (int)a->len) != 0) {
		up->up_failed = now;
		return (ECONNREFUSED);
	}
	log_event(LOGL_DEBUG, "upstream_connect", a, "transport=%s", "tcp");
	up->up_id = id;
	return (0);
}

void
upstream_connected(struct bufferevent *bev, const struct cfg *cfg,
    const struct flow *f)
{
	struct timeval idle = { cfg->c_tcp_idle_timeout, 0 };

	(void)bufferevent_set_timeouts(bev, &idle, &idle);
	log_event(LOGL_INFO, "upstream_connected", &f->f_addr, "transport=%s",
	    addr_tp_name(f->f_tp));
}

void
upstream_lost(struct upstream *up, uint64_t id, bool connected, uint64_t now)
{
	if (id == 0 || id != up->up_id)
		return;
	up->up_id = 0;
	/* Could not connect: wait a little before the next try. */
	if (!connected)
		up->up_failed = now;
}

/* The queue holds only messages we framed ourselves. */
void
upstream_unsent(struct wctx *wc, struct bufferevent *bev, const struct flow *f,
    uint16_t code)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	struct wctx_msg m = { .m_kind = WCTX_UNSENT,
		.m_flow = f,
		.m_code = code };
	struct frame fr;
	size_t len, win;

	while ((len = evbuffer_get_length(out)) > 0) {
		win = len < PKT_MAXLEN ? len : PKT_MAXLEN;
		m.m_buf = (const char *)evbuffer_pullup(out, (ev_ssize_t)win);
		if (m.m_buf == NULL)
			break;
		frame_next(m.m_buf, win, PKT_MAXLEN, PKT_MAXLEN, &fr);
		if (fr.fr_kind != FRAME_MSG) {
			log_event(LOGL_WARN, "unsent", &f->f_addr,
			    "bytes=%zu why=%s", len,
			    fr.fr_why != NULL ? fr.fr_why : "not a message");
			break;
		}
		m.m_len = fr.fr_len;
		m.m_now = wctx_now_ms();
		wctx_up(wc, &m);
		(void)evbuffer_drain(out, fr.fr_len);
	}
}
