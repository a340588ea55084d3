/*
 * How a message ends: the action the transport carries out (drop, or
 * send a message to a flow), a stateless reply built for a request, and
 * the log line and counters of each, written once.  See stage.h.
 */
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/forward.h"
#include "sip/pipeline.h"
#include "sip/pkt.h"
#include "sip/stage.h"

#define DROP_LOG_PER_SEC 5

static const char *const drop_names[] = { "none",
#define X(e, s) s,
	DROP_REASONS(X)
#undef X
};

const char *
action_drop_name(enum drop_reason r)
{
	return ((size_t)r < DROP_NREASONS ? drop_names[r] : "?");
}

/*
 * May a rate-limited line be written now?  At most DROP_LOG_PER_SEC a
 * second per kind and worker; what is left out is counted.
 */
static bool
action_log_ok(struct log_rate *lr, uint64_t now_ms)
{
	if (!log_enabled(LOGL_INFO)) {
		lr->lr_suppressed++;
		return (false);
	}
	return (log_rate_ok(lr, now_ms, DROP_LOG_PER_SEC));
}

void
action_note_drop(struct pctx *pc, const struct sa *src, uint64_t now_ms,
    enum drop_reason r, const char *why)
{
	if (r == DROP_NONE)
		return;
	stage_count(&pc->pc_stats.ps_dropped[r]);
	if (action_log_ok(&pc->pc_droplog[r], now_ms))
		log_event(LOGL_INFO, "drop", src,
		    "reason=%s why=%s suppressed=%llu", drop_names[r], why,
		    log_rate_taken(&pc->pc_droplog[r]));
}

void
action_drop(struct pipe_req *pr, enum drop_reason r, const char *why)
{
	pr->pr_act->a_kind = ACT_DROP;
	pr->pr_act->a_drop = r;
	action_note_drop(pr->pr_pc, &pr->pr_so->so_flow->f_addr,
	    pr->pr_so->so_now_ms, r, why);
}

void
action_send(struct pipe_req *pr, const struct obuf *ob, const struct flow *dst)
{
	pr->pr_act->a_kind = ACT_SEND;
	pr->pr_act->a_dst = *dst;
	pr->pr_act->a_out = ob->ob_p;
	pr->pr_act->a_outlen = ob->ob_len;
}

/*
 * As the Via below ours will say once received/rport are added (RFC 3261
 * 18.2.2, RFC 3581): the source address, and its port only when rport was
 * asked for; on TCP and TLS also the connection it came on, which is
 * where they really go.
 */
void
action_relay_flow(const struct pipe_req *pr, struct flow *relay)
{
	const struct pkt_via *v = &pr->pr_p->p_via[0];

	*relay = *pr->pr_so->so_flow;
	if (!v->v_rport)
		sa_set_port(&relay->f_addr, v->v_port ? v->v_port : 5060);
}

void
action_reply_hdrs(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *extra, const char *why)
{
	const struct pkt *p = pr->pr_p;
	const struct sa *src = &pr->pr_so->so_flow->f_addr;
	struct flow dst;
	struct obuf ob;
	char totag[17];

	action_relay_flow(pr, &dst);
	fwd_totag(p, totag);
	obuf_init(&ob, pr->pr_pc->pc_out, sizeof(pr->pr_pc->pc_out));
	if (!fwd_reply(&ob, p, src, code, reason, totag, extra)) {
		action_drop(pr, DROP_TOO_BIG, "reply too big");
		return;
	}
	stage_count(&pr->pr_pc->pc_stats.ps_replies);
	if (code == 401 || code == 407)
		log_event(LOGL_DEBUG, "reply", src, "code=%u method=%r why=%s",
		    (unsigned)code, &p->p_method, why);
	else if (action_log_ok(&pr->pr_pc->pc_replylog, pr->pr_so->so_now_ms))
		log_event(LOGL_INFO, "reply", src,
		    "code=%u method=%r why=%s suppressed=%llu", (unsigned)code,
		    &p->p_method, why, log_rate_taken(&pr->pr_pc->pc_replylog));
	action_send(pr, &ob, &dst);
}

void
action_reply(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *why)
{
	action_reply_hdrs(pr, code, reason, NULL, why);
}
