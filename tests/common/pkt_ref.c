/*
 * sip/pkt.c against libre's decoder; see pkt_ref.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "sip/pkt.h"
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

/*
 * libre's header ids are hashes, not names.  sip_msg_decode() files every
 * header under hdr_hash(name), which for a name longer than one letter is
 * hash_joaat_ci(name) & 0xfff (libre 1.1.0 src/sip/msg.c; the enum
 * sip_hdrid values are those hashes: SIP_HDR_MAX_FORWARDS = 3549), and it
 * fills msg->maxfwd, callid, cseq, from, to and via from whatever header
 * got that id.  So about one extension name in 4096 is a Max-Forwards to
 * libre: "arb: 70", "Umw: abc" and "xrl: 9" are, and as msg->maxfwd is
 * the last such header, "Max-Forwards: 70" followed by "ARB: 5" is 5.  The
 * same goes for the other fields: "det" is a Call-ID, "hla" a CSeq, "axj"
 * a From, "bip" a To, "gda" a Via to libre.
 *
 * pkt.c goes by the name, and it is right: RFC 3261 7.3.1 and 20.22 name
 * the header "Max-Forwards" (case-insensitive, no compact form), any other
 * name is an extension header that a proxy passes on untouched (16.6),
 * and a proxy that took "arb: 0" for a Max-Forwards would answer 483 to a
 * good request, or forward "arb: 70" and no Max-Forwards.  None of the
 * ~130 registered header names we checked (RFC 3261's and the extensions'
 * in the IANA registry) hashes onto these ids, so made-up names do; random
 * fuzzing meets one rarely, and cannot steer towards one, libre being
 * uninstrumented (the lost "Max-Forwards differs" of a CI run).
 *
 * So libre's side is read from the headers libre filed under an id whose
 * name is that header's own name or compact form, decoded with libre's
 * own decoders the way sip_msg_decode() decodes them (the last header of
 * a single-value one, the first Via element).  Without such a colliding
 * name that is exactly msg->maxfwd, msg->callid, ...; with one, libre's
 * reading of the colliding header is not compared.  (When its value does
 * not decode, sip_msg_decode() fails and nothing is compared either.)
 * These are the fields of the message the proxy would have got from libre
 * had the colliding headers been named so that they do not collide.
 */
struct ref_name {
	const char *name;
	int compact; /* 0: none */
};

static bool
ref_named(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	const struct ref_name *rn = arg;

	(void)msg;
	if (rn->compact != 0 && hdr->name.l == 1)
		return (tolower((unsigned char)hdr->name.p[0]) == rn->compact);
	return (pl_strcasecmp(&hdr->name, rn->name) == 0);
}

/* The first (fwd) or last header of id that has its own name, or NULL. */
static const struct sip_hdr *
ref_hdr(const struct sip_msg *m, bool fwd, enum sip_hdrid id, const char *name,
    int compact)
{
	struct ref_name rn = { name, compact };

	return (sip_msg_hdr_apply(m, fwd, id, ref_named, &rn));
}

/* What libre read from the headers that are what their id says. */
struct ref_view {
	struct pl callid, ftag, ttag, branch, cseq_met;
	uint32_t cseq;
	bool has_maxfwd;
	uint32_t maxfwd;
};

static int
ref_tag(const struct sip_msg *m, enum sip_hdrid id, const char *name,
    int compact, struct pl *tag)
{
	const struct sip_hdr *h = ref_hdr(m, false, id, name, compact);
	struct sip_addr addr;

	if (h == NULL)
		return (0);
	if (sip_addr_decode(&addr, &h->val) != 0)
		return (EBADMSG);
	(void)msg_param_decode(&addr.params, "tag", tag);
	return (0);
}

/*
 * EBADMSG when one of those headers does not decode: sip_msg_decode()
 * would have refused the message but for a colliding name (it decodes
 * the first Via-id header only, so a bad Via after "gda: SIP/2.0/UDP
 * h;branch=z9hG4bK1" is never looked at), which is then not compared.
 */
static int
ref_view(const struct sip_msg *m, struct ref_view *rv)
{
	const struct sip_hdr *h;
	struct sip_cseq cseq;
	struct sip_via via;

	memset(rv, 0, sizeof(*rv));
	memset(&cseq, 0, sizeof(cseq));
	memset(&via, 0, sizeof(via));
	if ((h = ref_hdr(m, false, SIP_HDR_CALL_ID, "Call-ID", 'i')) != NULL)
		rv->callid = h->val;
	if ((h = ref_hdr(m, false, SIP_HDR_CSEQ, "CSeq", 0)) != NULL) {
		if (sip_cseq_decode(&cseq, &h->val) != 0)
			return (EBADMSG);
		rv->cseq = cseq.num;
		rv->cseq_met = cseq.met;
	}
	if (ref_tag(m, SIP_HDR_FROM, "From", 'f', &rv->ftag) != 0 ||
	    ref_tag(m, SIP_HDR_TO, "To", 't', &rv->ttag) != 0)
		return (EBADMSG);
	if ((h = ref_hdr(m, true, SIP_HDR_VIA, "Via", 'v')) != NULL) {
		/* Like sip_msg_decode(): a Via without a branch is refused. */
		if (sip_via_decode(&via, &h->val) != 0)
			return (EBADMSG);
		rv->branch = via.branch;
	}
	h = ref_hdr(m, false, SIP_HDR_MAX_FORWARDS, "Max-Forwards", 0);
	if (h != NULL && pl_isset(&h->val)) {
		rv->has_maxfwd = true;
		rv->maxfwd = pl_u32(&h->val);
	}
	return (0);
}

static bool
ref_fields(const struct pkt *p, const struct sip_msg *m,
    const struct ref_view *rv, char *why, size_t size)
{
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
	if (p->p_cseq != rv->cseq) {
		(void)snprintf(why, size, "CSeq %u vs %u", p->p_cseq, rv->cseq);
		return (false);
	}
	if (p->p_has_maxfwd != rv->has_maxfwd || p->p_maxfwd != rv->maxfwd) {
		(void)snprintf(why, size,
		    "Max-Forwards differs: ours %s%u, libre %s%u",
		    p->p_has_maxfwd ? "" : "none ", p->p_maxfwd,
		    rv->has_maxfwd ? "" : "none ", rv->maxfwd);
		return (false);
	}
	return (ref_pl("cseq method", &p->p_cseq_method, &rv->cseq_met, why,
		    size) &&
	    ref_pl("call-id", &p->p_callid, &rv->callid, why, size) &&
	    ref_pl("from tag", &p->p_from.n_tag, &rv->ftag, why, size) &&
	    ref_pl("to tag", &p->p_to.n_tag, &rv->ttag, why, size) &&
	    ref_pl("branch", &p->p_via[0].v_branch, &rv->branch, why, size));
}

bool
pkt_ref_agree(const char *buf, size_t len, bool *both, char *why, size_t size)
{
	struct sip_msg *msg = NULL;
	struct ref_view rv;
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
	if (sip_msg_decode(&msg, mb) == 0 && v == PKT_OK &&
	    ref_view(msg, &rv) == 0) {
		*both = true;
		ok = ref_fields(&ref_pkt, msg, &rv, why, size);
	}
	mem_deref(msg);
	mem_deref(mb);
	return (ok);
}
