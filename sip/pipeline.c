/*
 * The message pipeline (SPEC section 4): filter -> parse -> direction ->
 * authenticate -> forward.  Every function here decides; none does I/O.
 * This file holds the entry points and the first three stages; the last
 * two are in stage.c, the outcomes of a message in action.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/acl.h"
#include "auth/limits.h"
#include "auth/mac.h"
#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/authn.h"
#include "sip/forward.h"
#include "sip/pipeline.h"
#include "sip/pkt.h"
#include "sip/snapshot.h"
#include "sip/stage.h"

/* The methods we count, with their lengths: no strlen per lookup. */
static const struct {
	const char *mn_name;
	size_t mn_len;
} method_names[] = {
#define X(m) { #m, sizeof(#m) - 1 },
	PIPE_METHODS(X)
#undef X
};

const char *
pipeline_drop_name(enum drop_reason r)
{
	return (action_drop_name(r));
}

int
pctx_alloc(struct pctx **pcp, struct replay *replay, struct limits *limits)
{
	struct pctx *pc;
	int err;

	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return (ENOMEM);
	pc->pc_limits = limits;
	if ((err = mac_alloc(&pc->pc_mac)) != 0 ||
	    (err = authn_init(&pc->pc_authn, pc->pc_mac, replay)) != 0) {
		pctx_free(pc);
		return (err);
	}
	*pcp = pc;
	return (0);
}

void
pctx_free(struct pctx *pc)
{
	if (pc == NULL)
		return;
	authn_fini(&pc->pc_authn);
	mac_free(pc->pc_mac);
	free(pc);
}

static enum pipe_method
pipe_method(const struct pl *m)
{
	size_t i;

	for (i = 0; i < PM_OTHER; i++)
		if (pkt_method_eq(m, method_names[i].mn_name,
			method_names[i].mn_len))
			return ((enum pipe_method)i);
	return (PM_OTHER);
}

/*
 * From the PBX: a datagram from its address and port, or, with a tcp
 * upstream, any TCP connection from its address (the PBX opens its own
 * connections to our Record-Route and Path, from ports of its choosing)
 * and nothing else: a tcp upstream sends no datagrams.
 */
static bool
pipe_from_upstream(const struct snapshot *sn, const struct flow *src)
{
	const struct cfg_sock *up = &sn->sn_cfg->c_upstream;

	if (up->cs_tp == TP_TCP)
		return (src->f_tp == TP_TCP &&
		    sa_cmp(&src->f_addr, &up->cs_addr, SA_ADDR));
	/* Over UDP: its address and port; nothing else is (spoofable). */
	return (
	    src->f_tp == TP_UDP && sa_cmp(&src->f_addr, &up->cs_addr, SA_ALL));
}

/*
 * Classify the source of a message once, for every stage: is it the PBX,
 * is it trusted (the PBX never needs to be), and the clock in both units.
 */
static void
pipe_classify(const struct snapshot *sn, const struct flow *src,
    uint64_t now_ms, struct source *so)
{
	so->so_flow = src;
	so->so_key = &src->f_addr;
	so->so_upstream = pipe_from_upstream(sn, src);
	so->so_trusted =
	    !so->so_upstream && acl_match(sn->sn_trust, &src->f_addr);
	so->so_now = (uint32_t)(now_ms / 1000);
	so->so_now_ms = now_ms;
}

/* Filter (SPEC 4.1): bans, then the allow list. */
static bool
pipe_admit(struct pipe_req *pr)
{
	const struct source *so = pr->pr_so;
	const struct snapshot *sn = pr->pr_sn;
	struct limits *lim = pr->pr_pc->pc_limits;

	if (lim != NULL && !so->so_upstream && !so->so_trusted &&
	    limits_banned(lim, so->so_key, so->so_now)) {
		action_drop(pr, DROP_BANNED, "source banned");
		return (false);
	}
	if (sn->sn_cfg->c_nallow != 0 && !so->so_upstream &&
	    !acl_match(sn->sn_allow, &so->so_flow->f_addr)) {
		action_drop(pr, DROP_NOT_ALLOWED, "source not allowed");
		return (false);
	}
	return (true);
}

/* Direction (SPEC 4.3), after the checks every request gets. */
static void
pipe_request(struct pipe_req *pr, enum pkt_verdict v)
{
	const struct pkt *p = pr->pr_p;

	stage_count(
	    &pr->pr_pc->pc_stats.ps_requests[pipe_method(&p->p_method)]);
	if (v == PKT_BAD) {
		if (PKT_METHOD_IS(&p->p_method, "ACK"))
			action_drop(pr, DROP_MALFORMED, p->p_why);
		else
			action_reply(pr, 400, "Bad Request", p->p_why);
		return;
	}
	if (p->p_has_maxfwd && p->p_maxfwd == 0) {
		if (PKT_METHOD_IS(&p->p_method, "ACK"))
			action_drop(pr, DROP_MALFORMED, "Max-Forwards 0");
		else
			action_reply(pr, 483, "Too Many Hops",
			    "Max-Forwards 0");
		return;
	}
	if (pr->pr_so->so_upstream)
		stage_to_client(pr);
	else
		stage_to_upstream(pr);
}

bool
pipeline_admit(struct pctx *pc, const struct snapshot *sn,
    const struct flow *src, uint64_t now_ms)
{
	struct source so;
	struct action act;
	struct pipe_req pr = { pc, sn, &so, NULL, &act };

	pipe_classify(sn, src, now_ms, &so);
	return (pipe_admit(&pr));
}

void
pipeline_note_drop(struct pctx *pc, const struct flow *src, uint64_t now_ms,
    enum drop_reason r, const char *why)
{
	action_note_drop(pc, &src->f_addr, now_ms, r, why);
}

void
pipeline_flow_failed(struct pctx *pc, const struct snapshot *sn,
    const struct flow *gone, const char *msg, size_t len, uint16_t code,
    uint64_t now_ms, struct action *act)
{
	struct source so;
	struct pipe_req pr = { pc, sn, &so, &pc->pc_pkt, act };
	struct pkt *p = &pc->pc_pkt;
	char totag[17];
	struct obuf ob;

	memset(act, 0, sizeof(*act));
	pipe_classify(sn, gone, now_ms, &so);
	if (mac_bind(pc->pc_mac, sn->sn_secrets, sn->sn_gen) != 0 ||
	    pkt_scan(p, msg, len) != PKT_OK || !p->p_req ||
	    PKT_METHOD_IS(&p->p_method, "ACK")) {
		log_event(LOGL_DEBUG, "flow_failed", &gone->f_addr, "reply=%s",
		    "none");
		return;
	}
	log_event(LOGL_INFO, "flow_failed", &gone->f_addr, "method=%r code=%u",
	    &p->p_method, (unsigned)code);
	fwd_totag(p, totag);
	obuf_init(&ob, pc->pc_syn, sizeof(pc->pc_syn));
	if (!fwd_reply(&ob, p, &gone->f_addr, code,
		code == 430 ? "Flow Failed" : "Service Unavailable", totag,
		NULL))
		return;
	stage_response(&pr, pkt_scan(p, pc->pc_syn, ob.ob_len));
}

void
pipeline_handle(struct pctx *pc, const struct snapshot *sn,
    const struct pipe_in *in, struct action *act)
{
	struct source so;
	struct pipe_req pr = { pc, sn, &so, &pc->pc_pkt, act };
	enum pkt_verdict v;

	memset(act, 0, sizeof(*act));
	pipe_classify(sn, &in->pi_src, in->pi_now_ms, &so);
	if (mac_bind(pc->pc_mac, sn->sn_secrets, sn->sn_gen) != 0) {
		action_drop(&pr, DROP_MALFORMED, "no MAC context");
		return;
	}
	if (!pipe_admit(&pr))
		return;
	/* Parse (SPEC 4.2). */
	if (in->pi_len > PKT_MAXLEN) {
		action_drop(&pr, DROP_TOO_BIG, "message over 64 KiB");
		return;
	}
	v = pkt_scan(&pc->pc_pkt, in->pi_buf, in->pi_len);
	if (v == PKT_GARBAGE) {
		action_drop(&pr, DROP_MALFORMED, pc->pc_pkt.p_why);
		return;
	}
	if (so.so_upstream &&
	    atomic_load_explicit(&pc->pc_stats.ps_upstream_seen,
		memory_order_relaxed) != so.so_now)
		atomic_store_explicit(&pc->pc_stats.ps_upstream_seen, so.so_now,
		    memory_order_relaxed);
	if (pc->pc_pkt.p_req)
		pipe_request(&pr, v);
	else
		stage_response(&pr, v);
}
