/*
 * Metrics; see metrics.h.
 */
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <re.h>

#include "auth/connlim.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/authn.h"
#include "proxy/metrics.h"
#include "sip/pipeline.h"
#include "proxy/server.h"
#include "proxy/worker.h"
#include "version.h"

#define METRICS_BUFLEN 32768

static const char *const metrics_methods[] = {
#define X(m) #m,
	PIPE_METHODS(X)
#undef X
	    "other",
};

static unsigned long
metrics_load(const atomic_ulong *c)
{
	return (atomic_load_explicit(c, memory_order_relaxed));
}

static void
metrics_sum(atomic_ulong *dst, const atomic_ulong *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		atomic_store_explicit(&dst[i],
		    metrics_load(&dst[i]) + metrics_load(&src[i]),
		    memory_order_relaxed);
}

void
metrics_add(struct pipe_stats *sum, const struct pipe_stats *w)
{
	metrics_sum(sum->ps_requests, w->ps_requests, PM_N);
	metrics_sum(sum->ps_responses, w->ps_responses, 6);
	metrics_sum(&sum->ps_forwarded, &w->ps_forwarded, 1);
	metrics_sum(&sum->ps_replies, &w->ps_replies, 1);
	metrics_sum(&sum->ps_challenges, &w->ps_challenges, 1);
	metrics_sum(&sum->ps_auth_ok, &w->ps_auth_ok, 1);
	metrics_sum(sum->ps_auth_fail, w->ps_auth_fail, AUTHN_NREASONS);
	metrics_sum(sum->ps_dropped, w->ps_dropped, DROP_NREASONS);
}

void
metrics_add_streams(struct stream_stats *sum, const struct stream_stats *w)
{
	metrics_sum(&sum->ss_accepted, &w->ss_accepted, 1);
	metrics_sum(sum->ss_refused, w->ss_refused, REFUSE_N);
	metrics_sum(sum->ss_closed, w->ss_closed, CLOSE_N);
	metrics_sum(&sum->ss_upstream_connects, &w->ss_upstream_connects, 1);
	metrics_sum(&sum->ss_handoffs, &w->ss_handoffs, 1);
}

/* "# HELP name help\n# TYPE name type\n" */
static void
metrics_family(struct obuf *ob, const char *name, const char *type,
    const char *help)
{
	obuf_puts(ob, "# HELP ");
	obuf_puts(ob, name);
	obuf_puts(ob, " ");
	obuf_puts(ob, help);
	obuf_puts(ob, "\n# TYPE ");
	obuf_puts(ob, name);
	obuf_puts(ob, " ");
	obuf_puts(ob, type);
	obuf_puts(ob, "\n");
}

/* name{label="value"} v, label NULL for none. */
static void
metrics_sample(struct obuf *ob, const char *name, const char *label,
    const char *value, uint64_t v)
{
	obuf_puts(ob, name);
	if (label != NULL) {
		obuf_puts(ob, "{");
		obuf_puts(ob, label);
		obuf_puts(ob, "=\"");
		obuf_puts(ob, value);
		obuf_puts(ob, "\"}");
	}
	obuf_puts(ob, " ");
	obuf_putu(ob, v);
	obuf_puts(ob, "\n");
}

static void
metrics_counters(struct obuf *ob, const struct pipe_stats *s)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx",
		"5xx", "6xx" };
	size_t i;

	metrics_family(ob, "sipwarden_requests_total", "counter",
	    "SIP requests received and parsed, from either side.");
	for (i = 0; i < PM_N; i++)
		metrics_sample(ob, "sipwarden_requests_total", "method",
		    metrics_methods[i], metrics_load(&s->ps_requests[i]));
	metrics_family(ob, "sipwarden_responses_total", "counter",
	    "Responses relayed.");
	for (i = 0; i < 6; i++)
		metrics_sample(ob, "sipwarden_responses_total", "class",
		    classes[i], metrics_load(&s->ps_responses[i]));
	metrics_family(ob, "sipwarden_challenges_total", "counter",
	    "401 and 407 challenges sent.");
	metrics_sample(ob, "sipwarden_challenges_total", NULL, NULL,
	    metrics_load(&s->ps_challenges));
	metrics_family(ob, "sipwarden_auth_success_total", "counter",
	    "Requests whose credentials verified.");
	metrics_sample(ob, "sipwarden_auth_success_total", NULL, NULL,
	    metrics_load(&s->ps_auth_ok));
	metrics_family(ob, "sipwarden_auth_failures_total", "counter",
	    "Failed authentications by reason.");
	for (i = 1; i < AUTHN_NREASONS; i++)
		metrics_sample(ob, "sipwarden_auth_failures_total", "reason",
		    authn_reason_name((enum authn_reason)i),
		    metrics_load(&s->ps_auth_fail[i]));
	metrics_family(ob, "sipwarden_dropped_total", "counter",
	    "Messages dropped by reason.");
	for (i = 1; i < DROP_NREASONS; i++)
		metrics_sample(ob, "sipwarden_dropped_total", "reason",
		    pipeline_drop_name((enum drop_reason)i),
		    metrics_load(&s->ps_dropped[i]));
	metrics_family(ob, "sipwarden_forwarded_total", "counter",
	    "Messages sent on, requests and responses.");
	metrics_sample(ob, "sipwarden_forwarded_total", NULL, NULL,
	    metrics_load(&s->ps_forwarded));
}

static void
metrics_streams(struct obuf *ob, const struct metrics_proc *mp)
{
	const struct stream_stats *s = &mp->mp_sst;
	size_t i;

	metrics_family(ob, "sipwarden_connections", "gauge",
	    "TCP and TLS connections from peers open now.");
	metrics_sample(ob, "sipwarden_connections", NULL, NULL, mp->mp_conns);
	metrics_family(ob, "sipwarden_connections_accepted_total", "counter",
	    "TCP and TLS connections accepted.");
	metrics_sample(ob, "sipwarden_connections_accepted_total", NULL, NULL,
	    metrics_load(&s->ss_accepted));
	metrics_family(ob, "sipwarden_connections_refused_total", "counter",
	    "Connections closed at once, by reason.");
	for (i = 0; i < REFUSE_N; i++)
		metrics_sample(ob, "sipwarden_connections_refused_total",
		    "reason", stream_refusal_name((enum conn_refusal)i),
		    metrics_load(&s->ss_refused[i]));
	metrics_family(ob, "sipwarden_connections_closed_total", "counter",
	    "Connections closed, by reason.");
	for (i = 0; i < CLOSE_N; i++)
		metrics_sample(ob, "sipwarden_connections_closed_total",
		    "reason", stream_close_name((enum conn_close)i),
		    metrics_load(&s->ss_closed[i]));
	metrics_family(ob, "sipwarden_upstream_connects_total", "counter",
	    "TCP connections opened to the upstream.");
	metrics_sample(ob, "sipwarden_upstream_connects_total", NULL, NULL,
	    metrics_load(&s->ss_upstream_connects));
	metrics_family(ob, "sipwarden_handoffs_total", "counter",
	    "Messages passed to the worker that owns their connection.");
	metrics_sample(ob, "sipwarden_handoffs_total", NULL, NULL,
	    metrics_load(&s->ss_handoffs));
}

bool
metrics_render(struct obuf *ob, const struct pipe_stats *sum,
    const struct metrics_proc *mp)
{
	metrics_counters(ob, sum);
	metrics_streams(ob, mp);
	metrics_family(ob, "sipwarden_bans_active", "gauge",
	    "Sources banned now.");
	metrics_sample(ob, "sipwarden_bans_active", NULL, NULL,
	    mp->mp_bans_active);
	metrics_family(ob, "sipwarden_reloads_total", "counter",
	    "Reloads (SIGHUP) by result.");
	metrics_sample(ob, "sipwarden_reloads_total", "result", "ok",
	    mp->mp_reloads_ok);
	metrics_sample(ob, "sipwarden_reloads_total", "result", "failed",
	    mp->mp_reloads_failed);
	metrics_family(ob, "sipwarden_build_info", "gauge",
	    "Always 1; the version is a label.");
	metrics_sample(ob, "sipwarden_build_info", "version", SW_VERSION, 1);
	metrics_family(ob, "sipwarden_start_time_seconds", "gauge",
	    "When the process started, seconds since the epoch.");
	metrics_sample(ob, "sipwarden_start_time_seconds", NULL, NULL,
	    mp->mp_start);
	metrics_family(ob, "sipwarden_uptime_seconds", "gauge",
	    "Seconds since the process started.");
	metrics_sample(ob, "sipwarden_uptime_seconds", NULL, NULL,
	    mp->mp_now - mp->mp_start);
	return (!ob->ob_full);
}

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	static char text[METRICS_BUFLEN];
	struct pipe_stats sum;
	struct metrics_proc mp;
	struct evbuffer *body;
	struct obuf ob;
	unsigned k;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	memset(&sum, 0, sizeof(sum));
	memset(&mp, 0, sizeof(mp));
	for (k = 0; k < srv->sv_nworkers; k++) {
		metrics_add(&sum, worker_stats(srv->sv_workers[k]));
		metrics_add_streams(&mp.mp_sst,
		    worker_stream_stats(srv->sv_workers[k]));
	}
	mp.mp_conns = connlim_total(srv->sv_connlim);
	mp.mp_reloads_ok = srv->sv_reloads_ok;
	mp.mp_reloads_failed = srv->sv_reloads_failed;
	mp.mp_bans_active = atomic_load(&srv->sv_bans);
	mp.mp_start = srv->sv_start;
	mp.mp_now = (uint64_t)time(NULL);
	obuf_init(&ob, text, sizeof(text));
	if (!metrics_render(&ob, &sum, &mp) ||
	    (body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	(void)evbuffer_add(body, ob.ob_p, ob.ob_len);
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

struct evhttp *
metrics_start(struct server *srv, const struct sa *addr)
{
	char ip[ADDR_STRLEN];
	struct evhttp *http;

	if ((http = evhttp_new(srv->sv_base)) == NULL)
		return (NULL);
	(void)addr_fmt_ip(addr, ip, sizeof(ip));
	if (evhttp_bind_socket(http, ip, sa_port(addr)) != 0) {
		evhttp_free(http);
		return (NULL);
	}
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET);
	evhttp_set_gencb(http, metrics_cb, srv);
	return (http);
}
