/*
 * The message pipeline (SPEC section 4): filter -> parse -> direction ->
 * authenticate -> forward.  Every function here decides; none does I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <re.h>

#include "auth/acl.h"
#include "auth/limits.h"
#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/authn.h"
#include "sip/branch.h"
#include "sip/forward.h"
#include "sip/frame.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"
#include "sip/token.h"

#define DROP_LOG_PER_SEC 5
#define URI_MAX          (FLOW_TOKEN_MAXLEN + SNAP_HOSTLEN + 64)

static const char *const drop_names[] = { "none",
#define X(e, s) s,
	DROP_REASONS(X)
#undef X
};

static const char *const method_names[] = {
#define X(m) #m,
	PIPE_METHODS(X)
#undef X
};

/* What one request needs on its way through. */
struct pipe_req {
	struct pctx *pr_pc;
	const struct snapshot *pr_sn;
	const struct pipe_in *pr_in;
	const struct pkt *pr_p;
	struct action *pr_act;
};

static void pipe_relay_flow(struct pipe_req *pr, struct flow *relay);

const char *
pipeline_drop_name(enum drop_reason r)
{
	return ((size_t)r < DROP_NREASONS ? drop_names[r] : "?");
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
		if (pl_strcmp(m, method_names[i]) == 0)
			return ((enum pipe_method)i);
	return (PM_OTHER);
}

/*
 * May a rate-limited line be written now?  At most DROP_LOG_PER_SEC a
 * second per kind and worker; what is left out is counted.
 */
static bool
pipe_log_ok(struct log_rate *lr, uint64_t now_ms)
{
	if (!log_enabled(LOGL_INFO)) {
		lr->lr_suppressed++;
		return (false);
	}
	return (log_rate_ok(lr, now_ms, DROP_LOG_PER_SEC));
}

/*
 * Drop, and log it (rate limited: the next line written says how many
 * were left out).
 */
static void
pipe_drop(struct pctx *pc, const struct pipe_in *in, struct action *act,
    enum drop_reason r, const char *why)
{
	act->a_kind = ACT_DROP;
	act->a_drop = r;
	if (r == DROP_NONE)
		return;
	atomic_fetch_add_explicit(&pc->pc_stats.ps_dropped[r], 1,
	    memory_order_relaxed);
	if (pipe_log_ok(&pc->pc_droplog[r], in->pi_now_ms))
		log_event(LOGL_INFO, "drop", &in->pi_src.f_addr,
		    "reason=%s why=%s suppressed=%llu", drop_names[r], why,
		    log_rate_taken(&pc->pc_droplog[r]));
}

static void
pipe_send(struct pctx *pc, struct action *act, const struct obuf *ob,
    const struct flow *dst)
{
	act->a_kind = ACT_SEND;
	act->a_dst = *dst;
	act->a_out = ob->ob_p;
	act->a_outlen = ob->ob_len;
	(void)pc;
}

/* A stateless reply, with extra header lines, to the request's source. */
static void
pipe_reply_hdrs(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *extra, const char *why)
{
	const struct pkt *p = pr->pr_p;
	struct flow dst;
	struct obuf ob;
	char totag[17];

	pipe_relay_flow(pr, &dst);
	fwd_totag(p, totag);
	obuf_init(&ob, pr->pr_pc->pc_out, sizeof(pr->pr_pc->pc_out));
	if (!fwd_reply(&ob, p, &pr->pr_in->pi_src.f_addr, code, reason, totag,
		extra)) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_TOO_BIG,
		    "reply too big");
		return;
	}
	atomic_fetch_add_explicit(&pr->pr_pc->pc_stats.ps_replies, 1,
	    memory_order_relaxed);
	if (code == 401 || code == 407)
		log_event(LOGL_DEBUG, "reply", &pr->pr_in->pi_src.f_addr,
		    "code=%u method=%r why=%s", (unsigned)code, &p->p_method,
		    why);
	else if (pipe_log_ok(&pr->pr_pc->pc_replylog, pr->pr_in->pi_now_ms))
		log_event(LOGL_INFO, "reply", &pr->pr_in->pi_src.f_addr,
		    "code=%u method=%r why=%s suppressed=%llu", (unsigned)code,
		    &p->p_method, why, log_rate_taken(&pr->pr_pc->pc_replylog));
	pipe_send(pr->pr_pc, pr->pr_act, &ob, &dst);
}

static void
pipe_reply(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *why)
{
	pipe_reply_hdrs(pr, code, reason, NULL, why);
}

/*
 * From the PBX: a datagram from its address and port, or, with a tcp
 * upstream, any TCP connection from its address (the PBX opens its own
 * connections to our Record-Route and Path, from ports of its choosing)
 * and nothing else: a tcp upstream sends no datagrams.
 */
static bool
pipe_from_upstream(const struct snapshot *sn, const struct pipe_in *in)
{
	const struct cfg_sock *up = &sn->sn_cfg->c_upstream;

	if (up->cs_tp == TP_TCP)
		return (in->pi_src.f_tp == TP_TCP &&
		    sa_cmp(&in->pi_src.f_addr, &up->cs_addr, SA_ADDR));
	/* Over UDP: its address and port; nothing else is (spoofable). */
	return (in->pi_src.f_tp == TP_UDP &&
	    sa_cmp(&in->pi_src.f_addr, &up->cs_addr, SA_ALL));
}

/* Filter (SPEC 4.1): the allow list. */
static bool
pipe_filter(const struct snapshot *sn, const struct pipe_in *in)
{
	if (sn->sn_cfg->c_nallow == 0 || pipe_from_upstream(sn, in))
		return (true);
	return (acl_match(sn->sn_allow, &in->pi_src.f_addr));
}

/*
 * "sip:TOKEN@host:port;lr" for listener l and flow f into out; with
 * dialog set (Record-Route), also ";swt=" the dialog token for the
 * request's Call-ID.  A TLS listener's URI is sip: with transport=tls, as
 * Kamailio writes it, unless the Request-URI is sips: (RFC 3261 16.6 step
 * 4 then wants sips:): many phones (baresip's libre among them) send to
 * sip: URIs only, and refuse to send the ACK to a sips: route.  (Step 4
 * also names a sips: Route below ours; not looked at: the PBX that put
 * one there reaches the phone through our flow token all the same.)
 */
static bool
pipe_rr_uri(struct pipe_req *pr, size_t l, const struct flow *f, bool dialog,
    char *out, size_t size)
{
	const struct snap_listener *sl = &pr->pr_sn->sn_l[l];
	char tok[FLOW_TOKEN_MAXLEN + 1], dtok[DIALOG_TOKEN_LEN + 1];
	const struct pl *ruri = &pr->pr_p->p_ruri;
	bool sips = sl->sl_tp == TP_TLS && ruri->l > 5 &&
	    strncasecmp(ruri->p, "sips:", 5) == 0;
	struct pl ftok;
	struct obuf ob;

	ftok.p = tok;
	ftok.l =
	    flow_token_make(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets, f, tok);
	if (ftok.l == 0)
		return (false);
	obuf_init(&ob, out, size - 1);
	obuf_puts(&ob, sips ? "sips:" : "sip:");
	obuf_puts(&ob, tok);
	obuf_puts(&ob, "@");
	obuf_puts(&ob, sl->sl_hostport);
	if (sl->sl_tp == TP_TCP)
		obuf_puts(&ob, ";transport=tcp");
	else if (sl->sl_tp == TP_TLS && !sips)
		obuf_puts(&ob, ";transport=tls");
	obuf_puts(&ob, ";lr");
	if (dialog) {
		if (dialog_token_make(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets,
			&ftok, &pr->pr_p->p_callid, dtok) != 0)
			return (false);
		obuf_puts(&ob, ";swt=");
		obuf_puts(&ob, dtok);
	}
	out[ob.ob_len] = '\0';
	return (!ob.ob_full);
}

/* "SIP/2.0/UDP host:port;branch=..." for listener l into out. */
static bool
pipe_via(struct pipe_req *pr, size_t l, const struct flow *relay, char *out,
    size_t size)
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
	obuf_puts(&ob, sl->sl_hostport);
	obuf_puts(&ob, ";branch=");
	obuf_puts(&ob, branch);
	out[ob.ob_len] = '\0';
	return (!ob.ob_full);
}

/* Does the request create a dialog that must come back through us? */
static bool
pipe_dialog_creating(const struct pkt *p)
{
	if (p->p_to.n_tag.l > 0)
		return (false);
	return (pkt_method_is(&p->p_method, "INVITE") ||
	    pkt_method_is(&p->p_method, "SUBSCRIBE") ||
	    pkt_method_is(&p->p_method, "REFER"));
}

/* Is the URI ours (host and port of one of our listeners)? */
static bool
pipe_uri_ours(const struct snapshot *sn, const struct pl *uri, struct pl *user)
{
	struct pl params;

	return (snapshot_uri_self(sn, uri, user, &params) >= 0);
}

/* What our Route elements on top of a request say. */
struct pipe_routes {
	size_t rt_n;   /* how many: removed before forwarding */
	int rt_flow;   /* first flow token: 1 verified, -1 did not, 0 none */
	int rt_dialog; /* first dialog token: likewise */
	struct flow rt_f;
};

/* Check the flow and dialog tokens of one of our Route URIs. */
static void
pipe_route_tokens(struct pipe_req *pr, const struct pkt_naddr *na,
    const struct pl *user, struct pipe_routes *rt)
{
	struct pl host, params, swt;
	uint16_t port;

	if (rt->rt_flow == 0 && user->l > 0)
		rt->rt_flow = flow_token_check(pr->pr_pc->pc_mac,
				  pr->pr_sn->sn_secrets, user, &rt->rt_f) ?
		    1 :
		    -1;
	if (rt->rt_dialog != 0 ||
	    pkt_uri_hostport(&na->n_uri, &swt, &host, &port, &params) != 0 ||
	    !pkt_param(&params, "swt", &swt))
		return;
	rt->rt_dialog =
	    dialog_token_check(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets, &swt,
		user, &pr->pr_p->p_callid) ?
	    1 :
	    -1;
}

/* Our Route elements on top of the request, and their tokens. */
static void
pipe_our_routes(struct pipe_req *pr, struct pipe_routes *rt)
{
	const struct pkt *p = pr->pr_p;
	struct pkt_naddr na;
	struct pl elem, user;
	size_t i, pos;

	memset(rt, 0, sizeof(*rt));
	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != HDR_ROUTE)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, &elem)) {
			if (pkt_naddr_parse(&na, &elem) != 0 ||
			    !pipe_uri_ours(pr->pr_sn, &na.n_uri, &user))
				return;
			rt->rt_n++;
			pipe_route_tokens(pr, &na, &user, rt);
		}
	}
}

/*
 * Where the responses to the request go, as the Via below ours will say
 * once received/rport are added (RFC 3261 18.2.2, RFC 3581): the source
 * address, and its port only when rport was asked for; on TCP and TLS
 * also the connection it came on, which is where they really go.
 */
static void
pipe_relay_flow(struct pipe_req *pr, struct flow *relay)
{
	const struct pkt_via *v = &pr->pr_p->p_via[0];

	*relay = pr->pr_in->pi_src;
	if (!v->v_rport)
		sa_set_port(&relay->f_addr, v->v_port ? v->v_port : 5060);
}

/*
 * Does the request say "Supported: path"?  A registrar may refuse a Path
 * the UA did not ask for (RFC 3327 5.1, Asterisk answers 420): sipwarden,
 * which needs its Path to reach the phone, says it for the UA.
 */
static bool
pipe_supports_path(const struct pkt *p)
{
	struct pl elem;
	size_t i, pos;

	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != HDR_SUPPORTED)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, &elem))
			if (pl_strcasecmp(&elem, "path") == 0)
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
pipe_crlf_only(const struct pkt *p)
{
	return (frame_crlf_only(p->p_buf, p->p_body));
}

/* Rewrite and send a request to dst, from listener dst->f_lsock. */
static void
pipe_forward(struct pipe_req *pr, const struct flow *dst, size_t nroute,
    const struct flow *client, bool path, const struct pl *strip, size_t nstrip)
{
	const struct pkt *p = pr->pr_p;
	size_t inl = pr->pr_in->pi_src.f_lsock, outl = dst->f_lsock;
	char via[SNAP_HOSTLEN + BRANCH_MAXLEN + 32];
	char rr[2][URI_MAX], pathuri[URI_MAX];
	struct flow relay;
	struct fwd_req fr;
	struct obuf ob;

	if (dst->f_tp != TP_UDP && !pipe_crlf_only(p)) {
		pipe_reply(pr, 400, "Bad Request",
		    "bare CR or LF in headers for a stream");
		return;
	}
	memset(&fr, 0, sizeof(fr));
	fr.fr_pkt = p;
	fr.fr_src = &pr->pr_in->pi_src.f_addr;
	fr.fr_nroute = nroute;
	fr.fr_via = via;
	fr.fr_strip = strip;
	fr.fr_nstrip = nstrip;
	pipe_relay_flow(pr, &relay);
	if (!pipe_via(pr, outl, &relay, via, sizeof(via)))
		goto toobig;
	if (pipe_dialog_creating(p)) {
		if (!pipe_rr_uri(pr, outl, client, true, rr[0], sizeof(rr[0])))
			goto toobig;
		fr.fr_rr[0] = rr[0];
		if (inl != outl) {
			if (!pipe_rr_uri(pr, inl, client, true, rr[1],
				sizeof(rr[1])))
				goto toobig;
			fr.fr_rr[1] = rr[1];
		}
	}
	if (path) {
		if (!pipe_rr_uri(pr, outl, client, false, pathuri,
			sizeof(pathuri)))
			goto toobig;
		fr.fr_path = pathuri;
	}
	fr.fr_supported_path = path && !pipe_supports_path(p);
	obuf_init(&ob, pr->pr_pc->pc_out, PKT_MAXLEN);
	if (!fwd_request(&ob, &fr))
		goto toobig;
	atomic_fetch_add_explicit(&pr->pr_pc->pc_stats.ps_forwarded, 1,
	    memory_order_relaxed);
	log_event(LOGL_DEBUG, "forward", &pr->pr_in->pi_src.f_addr,
	    "method=%r dst=%j", &p->p_method, &dst->f_addr);
	pipe_send(pr->pr_pc, pr->pr_act, &ob, dst);
	return;
toobig:
	pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_TOO_BIG,
	    "forwarded message too big");
}

static bool
pipe_trusted(const struct snapshot *sn, const struct sa *src)
{
	return (acl_match(sn->sn_trust, src));
}

static void
pipe_count(atomic_ulong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* 401 / 407 with a fresh nonce per algorithm. */
static void
pipe_challenge(struct pipe_req *pr, bool stale)
{
	const struct pkt *p = pr->pr_p;
	bool reg = pkt_method_is(&p->p_method, "REGISTER");
	char hdrs[1024];
	struct obuf ob;

	if (pr->pr_pc->pc_limits != NULL &&
	    !limits_challenge(pr->pr_pc->pc_limits, &pr->pr_in->pi_src.f_addr,
		pr->pr_in->pi_now_ms, pr->pr_sn->sn_cfg->c_challenge_limit)) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act,
		    DROP_CHALLENGE_LIMIT, "challenges to this source");
		return;
	}
	obuf_init(&ob, hdrs, sizeof(hdrs) - 1);
	if (authn_challenge(&pr->pr_pc->pc_authn, pr->pr_sn, p,
		&pr->pr_in->pi_src.f_addr,
		(uint32_t)(pr->pr_in->pi_now_ms / 1000), stale, &ob) != 0) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_TOO_BIG,
		    "challenge too big");
		return;
	}
	hdrs[ob.ob_len] = '\0';
	pipe_count(&pr->pr_pc->pc_stats.ps_challenges);
	pipe_reply_hdrs(pr, reg ? 401 : 407,
	    reg ? "Unauthorized" : "Proxy Authentication Required", hdrs,
	    stale ? "stale nonce" : "challenge");
}

/* Log a failure; the reasons that reveal a password count towards a ban. */
static void
pipe_auth_fail(struct pipe_req *pr, const struct authn_result *res)
{
	const struct cfg *c = pr->pr_sn->sn_cfg;
	const struct sa *src = &pr->pr_in->pi_src.f_addr;
	char addr[LIMITS_ADDRLEN];
	unsigned failures;

	pipe_count(&pr->pr_pc->pc_stats.ps_auth_fail[res->ar_reason]);
	log_event(LOGL_WARN, "auth_fail", src, "user=%s reason=%s method=%r",
	    res->ar_user.ds_p, authn_reason_name(res->ar_reason),
	    &pr->pr_p->p_method);
	if (pr->pr_pc->pc_limits == NULL ||
	    !authn_reason_bans(res->ar_reason) ||
	    !limits_fail(pr->pr_pc->pc_limits, src,
		(uint32_t)(pr->pr_in->pi_now_ms / 1000), c->c_ban_after,
		c->c_ban_window, c->c_ban_time, &failures))
		return;
	limits_addr(src, addr);
	log_event(LOGL_WARN, "ban", NULL, "addr=%s failures=%u seconds=%u",
	    addr, failures, c->c_ban_time);
}

/*
 * Authenticate (SPEC 4.4): true when the request goes on, with the
 * credential lines to strip in res; otherwise the action is set.
 */
static bool
pipe_authenticate(struct pipe_req *pr, const struct pipe_routes *rt,
    struct authn_result *res)
{
	const struct sa *src = &pr->pr_in->pi_src.f_addr;

	memset(res, 0, sizeof(*res));
	if (pipe_trusted(pr->pr_sn, src)) {
		log_event(LOGL_DEBUG, "trusted", src, "method=%r",
		    &pr->pr_p->p_method);
		return (true);
	}
	/* In a dialog we Record-Routed: both tokens of our Route verify. */
	if (rt->rt_dialog > 0 && rt->rt_flow > 0)
		return (true);
	authn_request(&pr->pr_pc->pc_authn, pr->pr_sn, pr->pr_p,
	    &pr->pr_in->pi_src, (uint32_t)(pr->pr_in->pi_now_ms / 1000), res);
	if (res->ar_verdict == AUTHN_PASS) {
		pipe_count(&pr->pr_pc->pc_stats.ps_auth_ok);
		log_event(LOGL_INFO, "auth_ok", src, "user=%s method=%r",
		    res->ar_user.ds_p, &pr->pr_p->p_method);
		return (true);
	}
	if (res->ar_reason != AUTHN_NONE)
		pipe_auth_fail(pr, res);
	if (res->ar_verdict == AUTHN_FORBIDDEN)
		pipe_reply(pr, 403, "Forbidden", "identity");
	else
		pipe_challenge(pr, res->ar_stale);
	return (false);
}

/* A request from the client side: on to the upstream. */
static void
pipe_to_upstream(struct pipe_req *pr)
{
	const struct pkt *p = pr->pr_p;
	const struct snapshot *sn = pr->pr_sn;
	bool ack = pkt_method_is(&p->p_method, "ACK");
	struct authn_result res;
	struct pipe_routes rt;
	struct flow dst;
	char totag[17];

	if (ack && p->p_to.n_tag.l > 0) {
		fwd_totag(p, totag);
		if (pl_strcmp(&p->p_to.n_tag, totag) == 0) {
			/* The ACK of a reply we sent ourselves. */
			pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_NONE,
			    NULL);
			return;
		}
	}
	pipe_our_routes(pr, &rt);
	memset(&res, 0, sizeof(res));
	if (ack && rt.rt_dialog < 0) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_BAD_TOKEN,
		    "dialog token does not verify");
		return;
	}
	/* ACK and CANCEL are never challenged (RFC 3261 22.1). */
	if (!ack && !pkt_method_is(&p->p_method, "CANCEL") &&
	    !pipe_authenticate(pr, &rt, &res))
		return;
	/* Passed unchecked: our realm's credentials go all the same. */
	if (!res.ar_scanned)
		authn_strip(sn, p, &res);
	memset(&dst, 0, sizeof(dst));
	dst.f_tp = (uint8_t)sn->sn_cfg->c_upstream.cs_tp;
	dst.f_lsock = (uint8_t)sn->sn_upl;
	dst.f_addr = sn->sn_cfg->c_upstream.cs_addr;
	pipe_forward(pr, &dst, rt.rt_n, &pr->pr_in->pi_src,
	    pkt_method_is(&p->p_method, "REGISTER"), res.ar_strip,
	    res.ar_nstrip);
}

/* The first of our UDP listeners of dst's address family. */
static int
pipe_listener_for(const struct snapshot *sn, const struct sa *dst)
{
	size_t i;

	for (i = 0; i < sn->sn_nl; i++)
		if (sn->sn_l[i].sl_tp == TP_UDP &&
		    sa_af(&sn->sn_l[i].sl_addr) == sa_af(dst))
			return ((int)i);
	return (-1);
}

/* Where a request from the PBX goes when no flow token names it. */
static int
pipe_next_hop(struct pipe_req *pr, size_t nroute, struct flow *dst)
{
	const struct pkt *p = pr->pr_p;
	struct pl uri = p->p_ruri, elem, user, host, params;
	struct pkt_naddr na;
	size_t i, pos, k = 0;
	uint16_t port;
	int l;

	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != HDR_ROUTE)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, &elem)) {
			if (k++ == nroute) {
				if (pkt_naddr_parse(&na, &elem) != 0)
					return (EBADMSG);
				uri = na.n_uri;
				goto found;
			}
		}
	}
found:
	if (pkt_uri_hostport(&uri, &user, &host, &port, &params) != 0 ||
	    sa_set(&dst->f_addr, &host, port ? port : 5060) != 0)
		return (EADDRNOTAVAIL);
	if ((l = pipe_listener_for(pr->pr_sn, &dst->f_addr)) < 0)
		return (EAFNOSUPPORT);
	dst->f_tp = TP_UDP;
	dst->f_lsock = (uint8_t)l;
	return (0);
}

/* A request from the PBX: towards the client. */
static void
pipe_to_client(struct pipe_req *pr)
{
	struct pipe_routes rt;
	struct flow dst;

	pipe_our_routes(pr, &rt);
	dst = rt.rt_f;
	if (rt.rt_flow < 0) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_BAD_TOKEN,
		    "flow token does not verify");
		return;
	}
	if (rt.rt_flow == 0 && pipe_next_hop(pr, rt.rt_n, &dst) != 0) {
		pipe_reply(pr, 502, "Bad Gateway", "no address for next hop");
		return;
	}
	if (snapshot_find_self_sa(pr->pr_sn, &dst.f_addr) >= 0) {
		pipe_reply(pr, 482, "Loop Detected", "next hop is ourselves");
		return;
	}
	pipe_forward(pr, &dst, rt.rt_n, &dst, false, NULL, 0);
}

static void
pipe_request(struct pipe_req *pr, enum pkt_verdict v)
{
	const struct pkt *p = pr->pr_p;

	atomic_fetch_add_explicit(&pr->pr_pc->pc_stats
				       .ps_requests[pipe_method(&p->p_method)],
	    1, memory_order_relaxed);
	if (v == PKT_BAD) {
		if (pkt_method_is(&p->p_method, "ACK"))
			pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act,
			    DROP_MALFORMED, p->p_why);
		else
			pipe_reply(pr, 400, "Bad Request", p->p_why);
		return;
	}
	if (p->p_has_maxfwd && p->p_maxfwd == 0) {
		if (pkt_method_is(&p->p_method, "ACK"))
			pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act,
			    DROP_MALFORMED, "Max-Forwards 0");
		else
			pipe_reply(pr, 483, "Too Many Hops", "Max-Forwards 0");
		return;
	}
	if (pipe_from_upstream(pr->pr_sn, pr->pr_in))
		pipe_to_client(pr);
	else
		pipe_to_upstream(pr);
}

static int
pipe_via_tp(const struct pl *tp, uint8_t *out)
{
	if (pl_strcasecmp(tp, "UDP") == 0)
		*out = TP_UDP;
	else if (pl_strcasecmp(tp, "TCP") == 0)
		*out = TP_TCP;
	else if (pl_strcasecmp(tp, "TLS") == 0)
		*out = TP_TLS;
	else
		return (EPROTONOSUPPORT);
	return (0);
}

/* A response: relayed by the second Via, if the top one is ours. */
static void
pipe_response(struct pipe_req *pr, enum pkt_verdict v)
{
	const struct pkt *p = pr->pr_p;
	struct flow relay;
	struct obuf ob;

	memset(&relay, 0, sizeof(relay));
	if (!branch_is_ours(&p->p_via[0].v_branch)) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_NOT_OURS,
		    "top Via is not ours");
		return;
	}
	if (v == PKT_BAD || !p->p_via[1].v_set) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_MALFORMED,
		    v == PKT_BAD ? p->p_why : "response with one Via");
		return;
	}
	if (pipe_via_tp(&p->p_via[1].v_tp, &relay.f_tp) != 0 ||
	    fwd_via_dest(&p->p_via[1], &relay.f_addr) != 0 ||
	    !branch_check(pr->pr_pc->pc_mac, pr->pr_sn->sn_secrets,
		&p->p_via[0].v_branch, &relay) ||
	    relay.f_lsock >= pr->pr_sn->sn_nl) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_NOT_OURS,
		    "top Via is not ours");
		return;
	}
	if (relay.f_tp != TP_UDP && !pipe_crlf_only(p)) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_MALFORMED,
		    "bare CR or LF in headers for a stream");
		return;
	}
	atomic_fetch_add_explicit(&pr->pr_pc->pc_stats
				       .ps_responses[p->p_scode / 100 - 1],
	    1, memory_order_relaxed);
	obuf_init(&ob, pr->pr_pc->pc_out, PKT_MAXLEN);
	if (!fwd_response(&ob, p)) {
		pipe_drop(pr->pr_pc, pr->pr_in, pr->pr_act, DROP_TOO_BIG,
		    "response too big");
		return;
	}
	atomic_fetch_add_explicit(&pr->pr_pc->pc_stats.ps_forwarded, 1,
	    memory_order_relaxed);
	pipe_send(pr->pr_pc, pr->pr_act, &ob, &relay);
}

/* Filter (SPEC 4.1): bans, then the allow list. */
static bool
pipe_admit(struct pctx *pc, const struct snapshot *sn, const struct pipe_in *in,
    struct action *act)
{
	if (pc->pc_limits != NULL && !pipe_from_upstream(sn, in) &&
	    !pipe_trusted(sn, &in->pi_src.f_addr) &&
	    limits_banned(pc->pc_limits, &in->pi_src.f_addr,
		(uint32_t)(in->pi_now_ms / 1000))) {
		pipe_drop(pc, in, act, DROP_BANNED, "source banned");
		return (false);
	}
	if (!pipe_filter(sn, in)) {
		pipe_drop(pc, in, act, DROP_NOT_ALLOWED, "source not allowed");
		return (false);
	}
	return (true);
}

bool
pipeline_admit(struct pctx *pc, const struct snapshot *sn,
    const struct flow *src, uint64_t now_ms)
{
	struct pipe_in in;
	struct action act;

	memset(&in, 0, sizeof(in));
	in.pi_src = *src;
	in.pi_now_ms = now_ms;
	return (pipe_admit(pc, sn, &in, &act));
}

void
pipeline_note_drop(struct pctx *pc, const struct flow *src, uint64_t now_ms,
    enum drop_reason r, const char *why)
{
	struct pipe_in in;
	struct action act;

	memset(&in, 0, sizeof(in));
	in.pi_src = *src;
	in.pi_now_ms = now_ms;
	pipe_drop(pc, &in, &act, r, why);
}

void
pipeline_flow_failed(struct pctx *pc, const struct snapshot *sn,
    const struct flow *gone, const char *msg, size_t len, uint16_t code,
    uint64_t now_ms, struct action *act)
{
	struct pipe_in in;
	struct pipe_req pr = { pc, sn, &in, &pc->pc_pkt, act };
	struct pkt *p = &pc->pc_pkt;
	char totag[17];
	struct obuf ob;

	memset(act, 0, sizeof(*act));
	memset(&in, 0, sizeof(in));
	in.pi_src = *gone;
	in.pi_now_ms = now_ms;
	if (mac_bind(pc->pc_mac, sn->sn_secrets, sn->sn_gen) != 0 ||
	    pkt_scan(p, msg, len) != PKT_OK || !p->p_req ||
	    pkt_method_is(&p->p_method, "ACK")) {
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
	in.pi_buf = pc->pc_syn;
	in.pi_len = ob.ob_len;
	pipe_response(&pr, pkt_scan(p, pc->pc_syn, ob.ob_len));
}

void
pipeline_handle(struct pctx *pc, const struct snapshot *sn,
    const struct pipe_in *in, struct action *act)
{
	struct pipe_req pr = { pc, sn, in, &pc->pc_pkt, act };
	enum pkt_verdict v;

	memset(act, 0, sizeof(*act));
	if (mac_bind(pc->pc_mac, sn->sn_secrets, sn->sn_gen) != 0) {
		pipe_drop(pc, in, act, DROP_MALFORMED, "no MAC context");
		return;
	}
	if (!pipe_admit(pc, sn, in, act))
		return;
	if (in->pi_len > PKT_MAXLEN) {
		pipe_drop(pc, in, act, DROP_TOO_BIG, "message over 64 KiB");
		return;
	}
	v = pkt_scan(&pc->pc_pkt, in->pi_buf, in->pi_len);
	if (v == PKT_GARBAGE) {
		pipe_drop(pc, in, act, DROP_MALFORMED, pc->pc_pkt.p_why);
		return;
	}
	if (pc->pc_pkt.p_req)
		pipe_request(&pr, v);
	else
		pipe_response(&pr, v);
}
