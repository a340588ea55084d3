/*
 * The stream transport's reasons, counters and lines; see connstat.h.
 */
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/log.h"
#include "proxy/connstat.h"
#include "sip/flow.h"

#define CONNLOG_PERSEC 5

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
connstat_close_name(enum conn_close r)
{
	return (r < CLOSE_N ? close_names[r] : "?");
}

const char *
connstat_refusal_name(enum conn_refusal r)
{
	return (r < REFUSE_N ? refusal_names[r] : "?");
}

void
connstat_count(atomic_ulong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* An orderly close is a debug line; others are rate limited. */
void
connstat_closed(struct connstat *cs, const struct flow *f, bool upstream,
    enum conn_close why, uint64_t now)
{
	connstat_count(&cs->cs_n.ss_closed[why]);
	if (why == CLOSE_EOF || why == CLOSE_IDLE || why == CLOSE_SHUTDOWN)
		log_event(LOGL_DEBUG, "conn_close", &f->f_addr,
		    "reason=%s transport=%s", close_names[why],
		    addr_tp_name(f->f_tp));
	else if (log_rate_ok(&cs->cs_log, now, CONNLOG_PERSEC))
		log_event(upstream ? LOGL_WARN : LOGL_INFO, "conn_close",
		    &f->f_addr, "reason=%s transport=%s suppressed=%llu",
		    close_names[why], addr_tp_name(f->f_tp),
		    log_rate_taken(&cs->cs_log));
}

void
connstat_refused(struct connstat *cs, const struct sa *src, enum conn_refusal r,
    uint64_t now)
{
	connstat_count(&cs->cs_n.ss_refused[r]);
	if (log_rate_ok(&cs->cs_log, now, CONNLOG_PERSEC))
		log_event(LOGL_WARN, "conn_refused", src,
		    "reason=%s suppressed=%llu", refusal_names[r],
		    log_rate_taken(&cs->cs_log));
}

void
connstat_accept_error(struct connstat *cs, const struct sa *addr, int err,
    uint64_t now)
{
	if (log_rate_ok(&cs->cs_log, now, CONNLOG_PERSEC))
		log_event(LOGL_WARN, "accept_error", addr,
		    "error=%s paused_ms=1000 suppressed=%llu", strerror(err),
		    log_rate_taken(&cs->cs_log));
}
