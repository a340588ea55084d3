/*
 * The pipeline's last two stages (SPEC 4.4, 4.5): authenticate a request
 * from the client side, and forward: requests to the upstream or towards
 * a client, responses by their second Via.  Entered from the direction
 * stage (pipeline.c); see stage.h.
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "auth/limits.h"
#include "core/addr.h"
#include "core/chars.h"
#include "core/config.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/authn.h"
#include "sip/branch.h"
#include "sip/forward.h"
#include "sip/frame.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"
#include "sip/route.h"
#include "sip/snapshot.h"
#include "sip/stage.h"

/* "SIP/2.0/UDP host:port;branch=..." for listener l, seen by face. */
static bool
stage_via(struct pipe_req *pr, size_t l, enum snap_face face,
    const struct flow *relay, char *out, size_t size)
{
	const struct snap_listener *sl = &pr->pr_sn->sn_l[l];
	char branch[BRANCH_MAXLEN + 1];
	struct obuf ob;

	if (branch_make(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets, pr->pr_p,
		relay, branch) != 0)
		return (false);
	obuf_init(&ob, out, size - 1);
	obuf_puts(&ob, "SIP/2.0/");
	obuf_puts(&ob, addr_tp_via(sl->sl_tp));
	obuf_puts(&ob, " ");
	obuf_puts(&ob, snapshot_hostport(sl, face));
	obuf_puts(&ob, ";branch=");
	obuf_puts(&ob, branch);
	out[ob.ob_len] = '\0';
	return (!ob.ob_full);
}

/* Does the request create a dialog that must come back through us? */
static bool
stage_dialog_creating(const struct pkt *p)
{
	if (p->p_to.n_tag.l > 0)
		return (false);
	return (PKT_METHOD_IS(&p->p_method, "INVITE") ||
	    PKT_METHOD_IS(&p->p_method, "SUBSCRIBE") ||
	    PKT_METHOD_IS(&p->p_method, "REFER"));
}

/*
 * Does the request say "Supported: path"?  A registrar may refuse a Path
 * the UA did not ask for (RFC 3327 5.1, Asterisk answers 420): sipwarden,
 * which needs its Path to reach the phone, says it for the UA.
 */
static bool
stage_supports_path(const struct pkt *p)
{
	struct pl elem;
	size_t i, pos;

	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != HDR_SUPPORTED)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, &elem))
			if (CHARS_PLEQI(&elem, "path"))
				return (true);
	}
	return (false);
}

/*
 * Are the start line and headers CRLF throughout?  pkt.c takes a bare LF
 * for a line end (RFC 3261 7.5, for datagrams); copied onto a stream, such
 * a line would make a receiver that ends lines at CRLF only join our
 * Content-Length to another header and read the body as a message.
 */
static bool
stage_crlf_only(const struct pkt *p)
{
	return (frame_crlf_only(p->p_buf, p->p_body));
}

/*
 * Our Record-Route URIs for a dialog-creating request into fr, going to
 * the side face: the top one names the listener it leaves from as that
 * side knows it; a second names the listener it came in on as the other
 * side knows it, when it is another listener or has another name there
 * (RFC 3261 16.6 step 4, "double Record-Route").
 */
static bool
stage_record_route(struct pipe_req *pr, const struct flow *dst,
    enum snap_face face, const struct flow *client, char rr[2][ROUTE_URIMAX],
    struct fwd_req *fr)
{
	struct mac *m = pr->pr_pc->pc_mac;
	size_t inl = pr->pr_so->so_flow->f_lsock, outl = dst->f_lsock;
	enum snap_face back = face == SNAP_PBX ? SNAP_CLIENT : SNAP_PBX;

	if (!route_uri(m, pr->pr_sn, pr->pr_p, outl, face, client, true, rr[0],
		ROUTE_URIMAX))
		return (false);
	fr->fr_rr[0] = rr[0];
	if (inl != outl || pr->pr_sn->sn_l[inl].sl_split) {
		if (!route_uri(m, pr->pr_sn, pr->pr_p, inl, back, client, true,
			rr[1], ROUTE_URIMAX))
			return (false);
		fr->fr_rr[1] = rr[1];
	}
	return (true);
}

/*
 * Rewrite and send a request to dst, on the side face, from listener
 * dst->f_lsock.
 */
static void
stage_forward(struct pipe_req *pr, const struct flow *dst, enum snap_face face,
    size_t nroute, const struct flow *client, bool path, const struct pl *strip,
    size_t nstrip)
{
	const struct pkt *p = pr->pr_p;
	char via[SNAP_HOSTLEN + BRANCH_MAXLEN + 32];
	char rr[2][ROUTE_URIMAX], pathuri[ROUTE_URIMAX];
	struct flow relay;
	struct fwd_req fr;
	struct obuf ob;

	if (dst->f_tp != TP_UDP && !stage_crlf_only(p)) {
		action_reply(pr, 400, "Bad Request",
		    "bare CR or LF in headers for a stream");
		return;
	}
	memset(&fr, 0, sizeof(fr));
	fr.fr_pkt = p;
	fr.fr_src = &pr->pr_so->so_flow->f_addr;
	fr.fr_nroute = nroute;
	fr.fr_via = via;
	fr.fr_strip = strip;
	fr.fr_nstrip = nstrip;
	action_relay_flow(pr, &relay);
	if (!stage_via(pr, dst->f_lsock, face, &relay, via, sizeof(via)))
		goto toobig;
	if (stage_dialog_creating(p) &&
	    !stage_record_route(pr, dst, face, client, rr, &fr))
		goto toobig;
	if (path) {
		if (!route_uri(pr->pr_pc->pc_mac, pr->pr_sn, p, dst->f_lsock,
			face, client, false, pathuri, sizeof(pathuri)))
			goto toobig;
		fr.fr_path = pathuri;
	}
	fr.fr_supported_path = path && !stage_supports_path(p);
	obuf_init(&ob, pr->pr_pc->pc_out, PKT_MAXLEN);
	if (!fwd_request(&ob, &fr))
		goto toobig;
	stage_count(&pr->pr_pc->pc_stats.ps_forwarded);
	log_event(LOGL_DEBUG, "forward", &pr->pr_so->so_flow->f_addr,
	    "method=%r dst=%j", &p->p_method, &dst->f_addr);
	action_send(pr, &ob, dst);
	return;
toobig:
	action_drop(pr, DROP_TOO_BIG, "forwarded message too big");
}

/* 401 / 407 with a fresh nonce per algorithm. */
static void
stage_challenge(struct pipe_req *pr, bool stale)
{
	const struct pkt *p = pr->pr_p;
	const struct source *so = pr->pr_so;
	bool reg = PKT_METHOD_IS(&p->p_method, "REGISTER");
	char hdrs[1024];
	struct obuf ob;

	if (pr->pr_pc->pc_limits != NULL &&
	    !limits_challenge(pr->pr_pc->pc_limits, so->so_key, so->so_now_ms,
		pr->pr_sn->sn_cfg->c_challenge_limit)) {
		action_drop(pr, DROP_CHALLENGE_LIMIT,
		    "challenges to this source");
		return;
	}
	obuf_init(&ob, hdrs, sizeof(hdrs) - 1);
	if (authn_challenge(&pr->pr_pc->pc_authn, pr->pr_sn, p,
		&so->so_flow->f_addr, so->so_now, stale, &ob) != 0) {
		action_drop(pr, DROP_TOO_BIG, "challenge too big");
		return;
	}
	hdrs[ob.ob_len] = '\0';
	stage_count(&pr->pr_pc->pc_stats.ps_challenges);
	action_reply_hdrs(pr, reg ? 401 : 407,
	    reg ? "Unauthorized" : "Proxy Authentication Required", hdrs,
	    stale ? "stale nonce" : "challenge");
}

/* Log a failure; the reasons that reveal a password count towards a ban. */
static void
stage_auth_fail(struct pipe_req *pr, const struct authn_result *res)
{
	const struct cfg *c = pr->pr_sn->sn_cfg;
	const struct source *so = pr->pr_so;
	char addr[LIMITS_ADDRLEN];
	unsigned failures;

	stage_count(&pr->pr_pc->pc_stats.ps_auth_fail[res->ar_reason]);
	log_event(LOGL_WARN, "auth_fail", &so->so_flow->f_addr,
	    "user=%s reason=%s method=%r", res->ar_user.ds_p,
	    authn_reason_name(res->ar_reason), &pr->pr_p->p_method);
	if (pr->pr_pc->pc_limits == NULL ||
	    !authn_reason_bans(res->ar_reason) ||
	    !limits_fail(pr->pr_pc->pc_limits, so->so_key, so->so_now,
		c->c_ban_after, c->c_ban_window, c->c_ban_time, &failures))
		return;
	limits_addr(so->so_key, addr);
	log_event(LOGL_WARN, "ban", NULL, "addr=%s failures=%u seconds=%u",
	    addr, failures, c->c_ban_time);
}

/*
 * Authenticate (SPEC 4.4): true when the request goes on, with the
 * credential lines to strip in res; otherwise the action is set.
 */
static bool
stage_authenticate(struct pipe_req *pr, const struct route_ours *rt,
    struct authn_result *res)
{
	const struct source *so = pr->pr_so;

	memset(res, 0, sizeof(*res));
	if (so->so_trusted) {
		log_event(LOGL_DEBUG, "trusted", &so->so_flow->f_addr,
		    "method=%r", &pr->pr_p->p_method);
		return (true);
	}
	/* In a dialog we Record-Routed: both tokens of our Route verify. */
	if (rt->rt_dialog > 0 && rt->rt_flow > 0)
		return (true);
	authn_request(&pr->pr_pc->pc_authn, pr->pr_sn, pr->pr_p, so->so_flow,
	    so->so_now, res);
	if (res->ar_verdict == AUTHN_PASS) {
		stage_count(&pr->pr_pc->pc_stats.ps_auth_ok);
		log_event(LOGL_INFO, "auth_ok", &so->so_flow->f_addr,
		    "user=%s method=%r", res->ar_user.ds_p,
		    &pr->pr_p->p_method);
		return (true);
	}
	if (res->ar_reason != AUTHN_NONE)
		stage_auth_fail(pr, res);
	if (res->ar_verdict == AUTHN_FORBIDDEN)
		action_reply(pr, 403, "Forbidden", "identity");
	else
		stage_challenge(pr, res->ar_stale);
	return (false);
}

void
stage_to_upstream(struct pipe_req *pr)
{
	const struct pkt *p = pr->pr_p;
	const struct snapshot *sn = pr->pr_sn;
	bool ack = PKT_METHOD_IS(&p->p_method, "ACK");
	struct authn_result res;
	struct route_ours rt;
	struct flow dst;
	char totag[17];

	if (ack && p->p_to.n_tag.l > 0) {
		fwd_totag(p, totag);
		if (p->p_to.n_tag.l == sizeof(totag) - 1 &&
		    memcmp(p->p_to.n_tag.p, totag, sizeof(totag) - 1) == 0) {
			/* The ACK of a reply we sent ourselves. */
			action_drop(pr, DROP_NONE, NULL);
			return;
		}
	}
	route_check(pr->pr_pc->pc_mac, sn, p, &rt);
	memset(&res, 0, sizeof(res));
	if (ack && rt.rt_dialog < 0) {
		action_drop(pr, DROP_BAD_TOKEN, "dialog token does not verify");
		return;
	}
	/* ACK and CANCEL are never challenged (RFC 3261 22.1). */
	if (!ack && !PKT_METHOD_IS(&p->p_method, "CANCEL") &&
	    !stage_authenticate(pr, &rt, &res))
		return;
	/* Passed unchecked: our realm's credentials go all the same. */
	if (!res.ar_scanned)
		authn_strip(sn, p, &res);
	memset(&dst, 0, sizeof(dst));
	dst.f_tp = (uint8_t)sn->sn_cfg->c_upstream.cs_tp;
	dst.f_lsock = (uint8_t)sn->sn_upl;
	dst.f_addr = sn->sn_cfg->c_upstream.cs_addr;
	stage_forward(pr, &dst, SNAP_PBX, rt.rt_n, pr->pr_so->so_flow,
	    PKT_METHOD_IS(&p->p_method, "REGISTER"), res.ar_strip,
	    res.ar_nstrip);
}

void
stage_to_client(struct pipe_req *pr)
{
	struct route_ours rt;
	struct flow dst;

	route_check(pr->pr_pc->pc_mac, pr->pr_sn, pr->pr_p, &rt);
	dst = rt.rt_f;
	if (rt.rt_flow < 0) {
		action_drop(pr, DROP_BAD_TOKEN, "flow token does not verify");
		return;
	}
	if (rt.rt_flow == 0 &&
	    route_next_hop(pr->pr_sn, pr->pr_p, rt.rt_n, &dst) != 0) {
		action_reply(pr, 502, "Bad Gateway", "no address for next hop");
		return;
	}
	if (snapshot_find_self_sa(pr->pr_sn, &dst.f_addr) >= 0) {
		action_reply(pr, 482, "Loop Detected", "next hop is ourselves");
		return;
	}
	stage_forward(pr, &dst, SNAP_CLIENT, rt.rt_n, &dst, false, NULL, 0);
}

static int
stage_via_tp(const struct pl *tp, uint8_t *out)
{
	if (CHARS_PLEQI(tp, "UDP"))
		*out = TP_UDP;
	else if (CHARS_PLEQI(tp, "TCP"))
		*out = TP_TCP;
	else if (CHARS_PLEQI(tp, "TLS"))
		*out = TP_TLS;
	else
		return (EPROTONOSUPPORT);
	return (0);
}

void
stage_response(struct pipe_req *pr, enum pkt_verdict v)
{
	const struct pkt *p = pr->pr_p;
	struct flow relay;
	struct obuf ob;

	memset(&relay, 0, sizeof(relay));
	if (!branch_is_ours(&p->p_via[0].v_branch)) {
		action_drop(pr, DROP_NOT_OURS, "top Via is not ours");
		return;
	}
	if (v == PKT_BAD || !p->p_via[1].v_set) {
		action_drop(pr, DROP_MALFORMED,
		    v == PKT_BAD ? p->p_why : "response with one Via");
		return;
	}
	if (stage_via_tp(&p->p_via[1].v_tp, &relay.f_tp) != 0 ||
	    fwd_via_dest(&p->p_via[1], &relay.f_addr) != 0 ||
	    !branch_check(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets,
		&p->p_via[0].v_branch, &relay) ||
	    relay.f_lsock >= pr->pr_sn->sn_nl) {
		action_drop(pr, DROP_NOT_OURS, "top Via is not ours");
		return;
	}
	if (relay.f_tp != TP_UDP && !stage_crlf_only(p)) {
		action_drop(pr, DROP_MALFORMED,
		    "bare CR or LF in headers for a stream");
		return;
	}
	stage_count(&pr->pr_pc->pc_stats.ps_responses[p->p_scode / 100 - 1]);
	obuf_init(&ob, pr->pr_pc->pc_out, PKT_MAXLEN);
	if (!fwd_response(&ob, p)) {
		action_drop(pr, DROP_TOO_BIG, "response too big");
		return;
	}
	stage_count(&pr->pr_pc->pc_stats.ps_forwarded);
	action_send(pr, &ob, &relay);
}
