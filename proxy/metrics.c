/*
 * Metrics; see metrics.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <re.h>

#include "core/addr.h"
#include "core/obuf.h"
#include "proxy/connstat.h"
#include "proxy/metrics.h"
#include "sip/authn.h"
#include "sip/pipeline.h"
#include "version.h"

#define METRICS_BUFLEN 32768

/* Every number of one scrape, plain: what the table below points into. */
struct metrics_vals {
	uint64_t mv_requests[PM_N];
	uint64_t mv_responses[6];
	uint64_t mv_challenges;
	uint64_t mv_auth_ok;
	uint64_t mv_auth_fail[AUTHN_NREASONS];
	uint64_t mv_dropped[DROP_NREASONS];
	uint64_t mv_forwarded;
	uint64_t mv_conns;
	uint64_t mv_accepted;
	uint64_t mv_refused[REFUSE_N];
	uint64_t mv_closed[CLOSE_N];
	uint64_t mv_upstream_connects;
	uint64_t mv_handoffs;
	uint64_t mv_bans;
	uint64_t mv_reloads[2]; /* ok, failed */
	uint64_t mv_build;      /* 1 */
	uint64_t mv_start;
	uint64_t mv_uptime;
	uint64_t mv_upstream_seen;
	uint64_t mv_tls_not_after;
};

/* The label value of sample i of a family. */
typedef const char *metrics_label_h(size_t i);

static const char *
metrics_method(size_t i)
{
	static const char *const names[] = {
#define X(m) #m,
		PIPE_METHODS(X)
#undef X
		    "other",
	};

	return (names[i]);
}

static const char *
metrics_class(size_t i)
{
	static const char *const names[] = { "1xx", "2xx", "3xx", "4xx", "5xx",
		"6xx" };

	return (names[i]);
}

static const char *
metrics_auth_reason(size_t i)
{
	return (authn_reason_name((enum authn_reason)i));
}

static const char *
metrics_drop_reason(size_t i)
{
	return (pipeline_drop_name((enum drop_reason)i));
}

static const char *
metrics_refusal(size_t i)
{
	return (connstat_refusal_name((enum conn_refusal)i));
}

static const char *
metrics_close(size_t i)
{
	return (connstat_close_name((enum conn_close)i));
}

static const char *
metrics_result(size_t i)
{
	return (i == 0 ? "ok" : "failed");
}

static const char *
metrics_version(size_t i)
{
	return (SW_VERSION);
}

/*
 * A family: samples [mf_from, mf_to) of the numbers at mf_off, labelled
 * mf_label="mf_value(i)", or one sample without a label.
 */
struct metrics_family {
	const char *mf_name;
	const char *mf_type;
	const char *mf_help;
	const char *mf_label;
	metrics_label_h *mf_value;
	size_t mf_from, mf_to;
	size_t mf_off;
};

#define MV(f)           offsetof(struct metrics_vals, f)
#define ONE(f)          NULL, NULL, 0, 1, MV(f)
#define COUNTER         "counter"
#define GAUGE           "gauge"
#define NOF(f)          (sizeof(((struct metrics_vals *)0)->f) / sizeof(uint64_t))
#define ALL(lab, fn, f) lab, fn, 0, NOF(f), MV(f)
/* Reasons from 1: 0 is "none", never counted. */
#define FROM1(lab, fn, f) lab, fn, 1, NOF(f), MV(f)

/* In the order of the exposition. */
static const struct metrics_family metrics_families[] = {
	{ "sipwarden_requests_total", COUNTER,
	    "SIP requests received and parsed, from either side.",
	    ALL("method", metrics_method, mv_requests) },
	{ "sipwarden_responses_total", COUNTER, "Responses relayed.",
	    ALL("class", metrics_class, mv_responses) },
	{ "sipwarden_challenges_total", COUNTER, "401 and 407 challenges sent.",
	    ONE(mv_challenges) },
	{ "sipwarden_auth_success_total", COUNTER,
	    "Requests whose credentials verified.", ONE(mv_auth_ok) },
	{ "sipwarden_auth_failures_total", COUNTER,
	    "Failed authentications by reason.",
	    FROM1("reason", metrics_auth_reason, mv_auth_fail) },
	{ "sipwarden_dropped_total", COUNTER, "Messages dropped by reason.",
	    FROM1("reason", metrics_drop_reason, mv_dropped) },
	{ "sipwarden_forwarded_total", COUNTER,
	    "Messages sent on, requests and responses.", ONE(mv_forwarded) },
	{ "sipwarden_connections", GAUGE,
	    "TCP and TLS connections from peers open now.", ONE(mv_conns) },
	{ "sipwarden_connections_accepted_total", COUNTER,
	    "TCP and TLS connections accepted.", ONE(mv_accepted) },
	{ "sipwarden_connections_refused_total", COUNTER,
	    "Connections closed at once, by reason.",
	    ALL("reason", metrics_refusal, mv_refused) },
	{ "sipwarden_connections_closed_total", COUNTER,
	    "Connections closed, by reason.",
	    ALL("reason", metrics_close, mv_closed) },
	{ "sipwarden_upstream_connects_total", COUNTER,
	    "TCP connections opened to the upstream.",
	    ONE(mv_upstream_connects) },
	{ "sipwarden_handoffs_total", COUNTER,
	    "Messages passed to the worker that owns their connection.",
	    ONE(mv_handoffs) },
	{ "sipwarden_bans_active", GAUGE, "Sources banned now.", ONE(mv_bans) },
	{ "sipwarden_reloads_total", COUNTER, "Reloads (SIGHUP) by result.",
	    ALL("result", metrics_result, mv_reloads) },
	{ "sipwarden_build_info", GAUGE, "Always 1; the version is a label.",
	    "version", metrics_version, 0, 1, MV(mv_build) },
	{ "sipwarden_start_time_seconds", GAUGE,
	    "When the process started, seconds since the epoch.",
	    ONE(mv_start) },
	{ "sipwarden_uptime_seconds", GAUGE,
	    "Seconds since the process started.", ONE(mv_uptime) },
	{ "sipwarden_upstream_last_seen_seconds", GAUGE,
	    "When a SIP message from the upstream last arrived, seconds since "
	    "the epoch; 0: never.",
	    ONE(mv_upstream_seen) },
	{ "sipwarden_tls_cert_expiry_seconds", GAUGE,
	    "The notAfter of the TLS certificate in use, seconds since the "
	    "epoch; 0: no tls listener.",
	    ONE(mv_tls_not_after) },
};
#undef MV
#undef ONE
#undef COUNTER
#undef GAUGE
#undef NOF
#undef ALL
#undef FROM1

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
	if (metrics_load(&w->ps_upstream_seen) >
	    metrics_load(&sum->ps_upstream_seen))
		atomic_store_explicit(&sum->ps_upstream_seen,
		    metrics_load(&w->ps_upstream_seen), memory_order_relaxed);
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

static void
metrics_copy(uint64_t *dst, const atomic_ulong *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = metrics_load(&src[i]);
}

/* The counters as plain numbers, where the table finds them. */
static void
metrics_vals(struct metrics_vals *v, const struct pipe_stats *s,
    const struct metrics_proc *mp)
{
	const struct stream_stats *ss = &mp->mp_sst;

	metrics_copy(v->mv_requests, s->ps_requests, PM_N);
	metrics_copy(v->mv_responses, s->ps_responses, 6);
	v->mv_challenges = metrics_load(&s->ps_challenges);
	v->mv_auth_ok = metrics_load(&s->ps_auth_ok);
	metrics_copy(v->mv_auth_fail, s->ps_auth_fail, AUTHN_NREASONS);
	metrics_copy(v->mv_dropped, s->ps_dropped, DROP_NREASONS);
	v->mv_forwarded = metrics_load(&s->ps_forwarded);
	v->mv_conns = mp->mp_conns;
	v->mv_accepted = metrics_load(&ss->ss_accepted);
	metrics_copy(v->mv_refused, ss->ss_refused, REFUSE_N);
	metrics_copy(v->mv_closed, ss->ss_closed, CLOSE_N);
	v->mv_upstream_connects = metrics_load(&ss->ss_upstream_connects);
	v->mv_handoffs = metrics_load(&ss->ss_handoffs);
	v->mv_bans = mp->mp_bans_active;
	v->mv_reloads[0] = mp->mp_reloads_ok;
	v->mv_reloads[1] = mp->mp_reloads_failed;
	v->mv_build = 1;
	v->mv_start = mp->mp_start;
	v->mv_uptime = mp->mp_now - mp->mp_start;
	v->mv_upstream_seen = metrics_load(&s->ps_upstream_seen);
	v->mv_tls_not_after = mp->mp_tls_not_after;
}

/* "# HELP name help\n# TYPE name type\n" and its samples. */
static void
metrics_family(struct obuf *ob, const struct metrics_family *f,
    const struct metrics_vals *v)
{
	const uint64_t *n = (const uint64_t *)((const char *)v + f->mf_off);
	size_t i;

	obuf_puts(ob, "# HELP ");
	obuf_puts(ob, f->mf_name);
	obuf_puts(ob, " ");
	obuf_puts(ob, f->mf_help);
	obuf_puts(ob, "\n# TYPE ");
	obuf_puts(ob, f->mf_name);
	obuf_puts(ob, " ");
	obuf_puts(ob, f->mf_type);
	obuf_puts(ob, "\n");
	for (i = f->mf_from; i < f->mf_to; i++) {
		obuf_puts(ob, f->mf_name);
		if (f->mf_label != NULL) {
			obuf_puts(ob, "{");
			obuf_puts(ob, f->mf_label);
			obuf_puts(ob, "=\"");
			obuf_puts(ob, f->mf_value(i));
			obuf_puts(ob, "\"}");
		}
		obuf_puts(ob, " ");
		obuf_putu(ob, n[i]);
		obuf_puts(ob, "\n");
	}
}

bool
metrics_render(struct obuf *ob, const struct pipe_stats *sum,
    const struct metrics_proc *mp)
{
	struct metrics_vals v;
	size_t i;

	metrics_vals(&v, sum, mp);
	for (i = 0; i < sizeof(metrics_families) / sizeof(metrics_families[0]);
	     i++)
		metrics_family(ob, &metrics_families[i], &v);
	return (!ob->ob_full);
}

/* The endpoint, and what fills the numbers in. */
struct metrics {
	struct evhttp *m_http;
	metrics_fill_h *m_fill;
	void *m_arg;
};

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	const struct metrics *m = arg;
	static char text[METRICS_BUFLEN];
	struct pipe_stats sum;
	struct metrics_proc mp;
	struct evbuffer *body;
	struct obuf ob;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	memset(&sum, 0, sizeof(sum));
	memset(&mp, 0, sizeof(mp));
	m->m_fill(&sum, &mp, m->m_arg);
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

struct metrics *
metrics_start(struct event_base *base, const struct sa *addr,
    metrics_fill_h *fill, void *arg)
{
	char ip[ADDR_STRLEN];
	struct metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->m_fill = fill;
	m->m_arg = arg;
	if ((m->m_http = evhttp_new(base)) == NULL)
		goto bad;
	(void)addr_fmt_ip(addr, ip, sizeof(ip));
	if (evhttp_bind_socket(m->m_http, ip, sa_port(addr)) != 0)
		goto bad;
	evhttp_set_allowed_methods(m->m_http, EVHTTP_REQ_GET);
	evhttp_set_gencb(m->m_http, metrics_cb, m);
	return (m);
bad:
	metrics_stop(m);
	return (NULL);
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->m_http != NULL)
		evhttp_free(m->m_http);
	free(m);
}
