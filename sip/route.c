/*
 * Our Route URIs and the next hop; see route.h.
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/chars.h"
#include "core/obuf.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"
#include "sip/route.h"
#include "sip/snapshot.h"
#include "sip/token.h"

/*
 * A TLS listener's URI is sip: with transport=tls, as Kamailio writes it,
 * unless the Request-URI is sips: (RFC 3261 16.6 step 4 then wants sips:):
 * many phones (baresip's libre among them) send to sip: URIs only, and
 * refuse to send the ACK to a sips: route.  (Step 4 also names a sips:
 * Route below ours; not looked at: the PBX that put one there reaches the
 * phone through our flow token all the same.)
 */
bool
route_uri(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    size_t l, enum snap_face face, const struct flow *f, bool dialog, char *out,
    size_t size)
{
	const struct snap_listener *sl = &sn->sn_l[l];
	char tok[FLOW_TOKEN_MAXLEN + 1], dtok[DIALOG_TOKEN_LEN + 1];
	const struct pl *ruri = &p->p_ruri;
	bool sips = sl->sl_tp == TP_TLS && ruri->l > 5 &&
	    chars_eqi(ruri->p, 5, "sips:", 5);
	struct pl ftok;
	struct obuf ob;

	ftok.p = tok;
	ftok.l = flow_token_make(m, sn->sn_secrets, f, tok);
	if (ftok.l == 0)
		return (false);
	obuf_init(&ob, out, size - 1);
	obuf_puts(&ob, sips ? "sips:" : "sip:");
	obuf_puts(&ob, tok);
	obuf_puts(&ob, "@");
	obuf_puts(&ob, snapshot_hostport(sl, face));
	if (sl->sl_tp == TP_TCP)
		obuf_puts(&ob, ";transport=tcp");
	else if (sl->sl_tp == TP_TLS && !sips)
		obuf_puts(&ob, ";transport=tls");
	obuf_puts(&ob, ";lr");
	if (dialog) {
		if (dialog_token_make(m, sn->sn_secrets, &ftok, &p->p_callid,
			dtok) != 0)
			return (false);
		obuf_puts(&ob, ";swt=");
		obuf_puts(&ob, dtok);
	}
	out[ob.ob_len] = '\0';
	return (!ob.ob_full);
}

/*
 * Check the flow and dialog tokens of one of our Route URIs: user and
 * params as pkt_uri_hostport() split it.
 */
static void
route_tokens(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    const struct pl *user, const struct pl *params, struct route_ours *rt)
{
	struct pl swt;
	bool ok;

	if (rt->rt_flow == 0 && user->l > 0) {
		ok = flow_token_check(m, sn->sn_secrets, user, &rt->rt_f);
		rt->rt_flow = ok ? 1 : -1;
	}
	if (rt->rt_dialog != 0 || !PKT_PARAM(params, "swt", &swt))
		return;
	ok = dialog_token_check(m, sn->sn_secrets, &swt, user, &p->p_callid);
	rt->rt_dialog = ok ? 1 : -1;
}

/*
 * Is the URI (user and params as pkt_uri_hostport() split it), below
 * ours, a Record-Route of another instance sharing our secrets, for this
 * dialog (both its tokens verify for p's Call-ID)?  It is there when a
 * phone's in-dialog request reaches us rather than the instance its dialog
 * began on (that one failed, or the balancer moved the phone): ours to
 * remove as well, or the PBX would be sent towards the other instance.
 */
static bool
route_sibling(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    const struct pl *user, const struct pl *params)
{
	struct pl swt;
	struct flow f;

	return (user->l > 0 && PKT_PARAM(params, "swt", &swt) &&
	    flow_token_check(m, sn->sn_secrets, user, &f) &&
	    dialog_token_check(m, sn->sn_secrets, &swt, user, &p->p_callid));
}

void
route_check(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    struct route_ours *rt)
{
	struct pl elem, user, host, params;
	struct pkt_naddr na;
	size_t i, pos;
	uint16_t port;

	memset(rt, 0, sizeof(*rt));
	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != HDR_ROUTE)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, &elem)) {
			/* One parse: ours by host and port, then tokens. */
			if (pkt_naddr_parse(&na, &elem) != 0 ||
			    pkt_uri_hostport(&na.n_uri, &user, &host, &port,
				&params) != 0)
				return;
			if (snapshot_find_self(sn, &host,
				snapshot_uri_port(&na.n_uri, &params, port)) >=
			    0) {
				rt->rt_n++;
				route_tokens(m, sn, p, &user, &params, rt);
				continue;
			}
			/* Below one of ours only: never in place of ours. */
			if (rt->rt_n == 0 ||
			    !route_sibling(m, sn, p, &user, &params))
				return;
			rt->rt_n++;
		}
	}
}

/* The first of our UDP listeners of dst's address family. */
static int
route_listener_for(const struct snapshot *sn, const struct sa *dst)
{
	size_t i;

	for (i = 0; i < sn->sn_nl; i++)
		if (sn->sn_l[i].sl_tp == TP_UDP &&
		    sa_af(&sn->sn_l[i].sl_addr) == sa_af(dst))
			return ((int)i);
	return (-1);
}

int
route_next_hop(const struct snapshot *sn, const struct pkt *p, size_t nroute,
    struct flow *dst)
{
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
	if ((l = route_listener_for(sn, &dst->f_addr)) < 0)
		return (EAFNOSUPPORT);
	dst->f_tp = TP_UDP;
	dst->f_lsock = (uint8_t)l;
	return (0);
}
