/*
 * proxy/pkt.c against libre's decoder; see pkt_ref.h.
 */
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "proxy/pkt.h"
#include "tests/common/pkt_ref.h"

static struct pkt ref_pkt;

static bool
ref_pl(const char *what, const struct pl *a, const struct pl *b, char *why,
    size_t size)
{
	if (pl_cmp(a, b) == 0 || (a->l == 0 && b->l == 0))
		return (true);
	(void)snprintf(why, size, "%s: ours '%.*s' libre '%.*s'", what,
	    (int)a->l, a->p, (int)b->l, b->p);
	return (false);
}

static bool
ref_fields(const struct pkt *p, const struct sip_msg *m, char *why, size_t size)
{
	struct pl met = m->cseq.met;

	if (p->p_req != m->req) {
		(void)snprintf(why, size, "request/response differs");
		return (false);
	}
	if (p->p_req &&
	    (!ref_pl("method", &p->p_method, &m->met, why, size) ||
		!ref_pl("ruri", &p->p_ruri, &m->ruri, why, size)))
		return (false);
	if (!p->p_req && p->p_scode != m->scode) {
		(void)snprintf(why, size, "status %u vs %u", p->p_scode,
		    m->scode);
		return (false);
	}
	if (p->p_cseq != m->cseq.num) {
		(void)snprintf(why, size, "CSeq %u vs %u", p->p_cseq,
		    m->cseq.num);
		return (false);
	}
	return (ref_pl("cseq method", &p->p_cseq_method, &met, why, size) &&
	    ref_pl("call-id", &p->p_callid, &m->callid, why, size) &&
	    ref_pl("from tag", &p->p_from.n_tag, &m->from.tag, why, size) &&
	    ref_pl("to tag", &p->p_to.n_tag, &m->to.tag, why, size) &&
	    ref_pl("branch", &p->p_via[0].v_branch, &m->via.branch, why, size));
}

static bool
ref_maxfwd(const struct pkt *p, const struct sip_msg *m, char *why, size_t size)
{
	if (!pl_isset(&m->maxfwd))
		return (true);
	if (!p->p_has_maxfwd || p->p_maxfwd != pl_u32(&m->maxfwd)) {
		(void)snprintf(why, size, "Max-Forwards differs");
		return (false);
	}
	return (true);
}

bool
pkt_ref_agree(const char *buf, size_t len, bool *both, char *why, size_t size)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	enum pkt_verdict v;
	bool ok = true;

	*both = false;
	why[0] = '\0';
	v = pkt_scan(&ref_pkt, buf, len);
	if ((mb = mbuf_alloc(len + 1)) == NULL)
		return (true);
	(void)mbuf_write_mem(mb, (const uint8_t *)buf, len);
	mb->pos = 0;
	if (sip_msg_decode(&msg, mb) == 0 && v == PKT_OK) {
		*both = true;
		ok = ref_fields(&ref_pkt, msg, why, size) &&
		    ref_maxfwd(&ref_pkt, msg, why, size);
	}
	mem_deref(msg);
	mem_deref(mb);
	return (ok);
}
