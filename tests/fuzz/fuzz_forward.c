/*
 * libFuzzer target: sip/forward.c on whatever pkt_scan() accepts.
 *
 * A request (PKT_OK, Max-Forwards not 0, as the pipeline forwards it) is
 * rewritten by fwd_request() under several option sets; the output must
 * scan again as PKT_OK with one more Via element, our Via on top, the
 * client's Via carrying received/rport of the source and nothing else
 * changed that the proxy did not mean to change.  Its stateless replies
 * (fwd_reply) must scan as responses with the same Vias.  A response
 * with two Vias loses exactly its top Via element (fwd_response).  A
 * request pkt_scan() calls PKT_BAD still gets a 400 (fwd_reply) in the
 * pipeline, so that is run too, for memory safety only.
 *
 * The scanner checks only the top two Via elements and the top Route
 * element; where the rewrite brings an unchecked one to the top, PKT_BAD
 * for that reason is what the output is expected to be.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/obuf.h"
#include "sip/forward.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_BRANCH "z9hG4bKswFUZZ"
#define FZ_VIA    "SIP/2.0/UDP 203.0.113.5:5060;branch=" FZ_BRANCH
#define FZ_RR0    "sip:tok0@203.0.113.5;lr"
#define FZ_RR1    "sip:tok1@[2001:db8::5];lr"
#define FZ_PATH   "sip:tok2@203.0.113.5;lr"
#define FZ_TOTAG  "sw0123456789abcd"
#define FZ_EXTRA  "Proxy-Authenticate: Digest realm=\"sw\", nonce=\"n\"\r\n"

static struct pkt fz_in, fz_out;
static char fz_buf[2 * PKT_MAXLEN];
static struct sa fz_src[2];

static void
fz_fail(const char *what, const char *out, size_t len)
{
	(void)fprintf(stderr, "fuzz_forward: %s\n--- output (%zu bytes)\n",
	    what, len);
	if (out != NULL)
		(void)fwrite(out, 1, len, stderr);
	(void)fprintf(stderr, "\n---\n");
	abort();
}

#define FZ_ASSERT(cond, ob)                                                    \
	do {                                                                   \
		if (!(cond))                                                   \
			fz_fail(#cond, (ob)->ob_p, (ob)->ob_len);              \
	} while (0)

static bool
fz_pleq(const struct pl *a, const struct pl *b)
{
	return (a->l == b->l && (a->l == 0 || memcmp(a->p, b->p, a->l) == 0));
}

/* Element number k (from 0) of the list headers id; false if none. */
static bool
fz_elem(const struct pkt *p, enum pkt_hid id, size_t k, struct pl *elem)
{
	size_t i, pos;

	for (i = 0; i < p->p_nhdrs; i++) {
		if (p->p_hdrs[i].h_id != id)
			continue;
		pos = 0;
		while (pkt_list_next(&p->p_hdrs[i].h_val, &pos, elem))
			if (k-- == 0)
				return (true);
	}
	return (false);
}

static size_t
fz_count(const struct pkt *p, enum pkt_hid id)
{
	struct pl elem;
	size_t n = 0;

	while (fz_elem(p, id, n, &elem))
		n++;
	return (n);
}

/*
 * Will the top Route of the output parse, once nroute elements are gone?
 * Mirrors what fwd_request keeps: the rest of the header where the
 * removal stopped, or the next Route header whole.
 */
static bool
fz_route_ok(const struct pkt *p, size_t nroute)
{
	struct pkt_naddr na;
	struct pl elem, rest;
	size_t i, pos;

	for (i = 0; i < p->p_nhdrs; i++) {
		const struct pl *val = &p->p_hdrs[i].h_val;

		if (p->p_hdrs[i].h_id != HDR_ROUTE)
			continue;
		pos = 0;
		while (nroute > 0 && pkt_list_next(val, &pos, &elem))
			nroute--;
		if (pos != 0 && pos >= val->l)
			continue;
		if (pos == 0 && val->l == 0 && nroute > 0)
			continue;
		rest.p = val->p + pos;
		rest.l = val->l - pos;
		pos = 0;
		return (pkt_list_next(&rest, &pos, &elem) &&
		    pkt_naddr_parse(&na, &elem) == 0);
	}
	return (true);
}

/* received and rport of the output's Via v as fwd_* must have set them. */
static void
fz_check_client_via(const struct pkt_via *v, const struct pkt_via *in,
    const struct sa *src, const struct obuf *ob)
{
	char ip[ADDR_STRLEN], port[8];

	(void)addr_fmt_ip(src, ip, sizeof(ip));
	(void)snprintf(port, sizeof(port), "%u", sa_port(src));
	FZ_ASSERT(v->v_set, ob);
	FZ_ASSERT(pl_strcmp(&v->v_received, ip) == 0, ob);
	FZ_ASSERT(v->v_rport == in->v_rport, ob);
	FZ_ASSERT(!in->v_rport || pl_strcmp(&v->v_rportval, port) == 0, ob);
	FZ_ASSERT(fz_pleq(&v->v_branch, &in->v_branch), ob);
	FZ_ASSERT(fz_pleq(&v->v_host, &in->v_host), ob);
	FZ_ASSERT(v->v_port == in->v_port, ob);
}

static void
fz_check_ids(const struct pkt *o, const struct pkt *p, const struct obuf *ob)
{
	FZ_ASSERT(fz_pleq(&o->p_callid, &p->p_callid), ob);
	FZ_ASSERT(o->p_cseq == p->p_cseq, ob);
	FZ_ASSERT(fz_pleq(&o->p_cseq_method, &p->p_cseq_method), ob);
	FZ_ASSERT(fz_pleq(&o->p_from.n_tag, &p->p_from.n_tag), ob);
}

static void
fz_request(const struct pkt *p, unsigned k)
{
	const struct sa *src = &fz_src[k & 1];
	size_t nroute = k, nvia, nrt;
	struct fwd_req fr;
	struct pl strip[2];
	struct obuf ob;
	enum pkt_verdict v;
	int i;

	memset(&fr, 0, sizeof(fr));
	fr.fr_pkt = p;
	fr.fr_src = src;
	fr.fr_via = FZ_VIA;
	fr.fr_nroute = nroute;
	fr.fr_rr[0] = (k & 1) ? FZ_RR0 : NULL;
	fr.fr_rr[1] = (k & 2) ? FZ_RR1 : NULL;
	fr.fr_path = (k >= 2) ? FZ_PATH : NULL;
	for (i = 0; i < 2 && k != 0; i++) {
		int16_t h = p->p_first[i == 0 ? HDR_AUTHORIZATION :
						HDR_PROXY_AUTHORIZATION];

		if (h < 0)
			continue;
		strip[fr.fr_nstrip].p = p->p_buf + p->p_hdrs[h].h_off;
		strip[fr.fr_nstrip++].l = p->p_hdrs[h].h_len;
	}
	fr.fr_strip = strip;
	obuf_init(&ob, fz_buf, sizeof(fz_buf));
	FZ_ASSERT(fwd_request(&ob, &fr), &ob);
	if (ob.ob_len > PKT_MAXLEN)
		return;
	v = pkt_scan(&fz_out, fz_buf, ob.ob_len);
	FZ_ASSERT(v != PKT_GARBAGE, &ob);
	FZ_ASSERT(v == PKT_OK ||
		(!fz_route_ok(p, nroute) &&
		    strcmp(fz_out.p_why, "bad Route") == 0),
	    &ob);
	FZ_ASSERT(fz_out.p_req, &ob);
	nvia = fz_count(p, HDR_VIA);
	FZ_ASSERT(fz_count(&fz_out, HDR_VIA) == nvia + 1, &ob);
	FZ_ASSERT(pl_strcmp(&fz_out.p_via[0].v_branch, FZ_BRANCH) == 0, &ob);
	fz_check_client_via(&fz_out.p_via[1], &p->p_via[0], src, &ob);
	nrt = fz_count(p, HDR_ROUTE);
	FZ_ASSERT(fz_count(&fz_out, HDR_ROUTE) ==
		(nrt > nroute ? nrt - nroute : 0),
	    &ob);
	FZ_ASSERT(fz_count(&fz_out, HDR_RECORD_ROUTE) ==
		fz_count(p, HDR_RECORD_ROUTE) + (fr.fr_rr[0] != NULL) +
		    (fr.fr_rr[1] != NULL),
	    &ob);
	FZ_ASSERT(fz_out.p_count[HDR_PROXY_AUTHORIZATION] +
		    fz_out.p_count[HDR_AUTHORIZATION] + fr.fr_nstrip ==
		p->p_count[HDR_PROXY_AUTHORIZATION] +
		    p->p_count[HDR_AUTHORIZATION],
	    &ob);
	FZ_ASSERT(fz_out.p_has_maxfwd, &ob);
	FZ_ASSERT(fz_out.p_maxfwd == (p->p_has_maxfwd ? p->p_maxfwd - 1 : 70),
	    &ob);
	FZ_ASSERT(fz_pleq(&fz_out.p_method, &p->p_method), &ob);
	FZ_ASSERT(fz_pleq(&fz_out.p_ruri, &p->p_ruri), &ob);
	fz_check_ids(&fz_out, p, &ob);
	FZ_ASSERT(fz_pleq(&fz_out.p_to.n_tag, &p->p_to.n_tag), &ob);
	FZ_ASSERT(fz_out.p_bodylen == p->p_bodylen &&
		memcmp(fz_buf + fz_out.p_body, p->p_buf + p->p_body,
		    p->p_bodylen) == 0,
	    &ob);
}

static void
fz_reply(const struct pkt *p, enum pkt_verdict in, unsigned k)
{
	static const uint16_t codes[] = { 100, 407, 400, 183 };
	const struct sa *src = &fz_src[k & 1];
	const char *totag = k == 2 ? NULL : FZ_TOTAG;
	struct obuf ob;
	enum pkt_verdict v;

	obuf_init(&ob, fz_buf, sizeof(fz_buf));
	FZ_ASSERT(fwd_reply(&ob, p, src, codes[k], "Reason Phrase", totag,
		      k == 1 ? FZ_EXTRA : NULL),
	    &ob);
	if (in != PKT_OK)
		return;
	v = pkt_scan(&fz_out, fz_buf, ob.ob_len);
	FZ_ASSERT(v == PKT_OK, &ob);
	FZ_ASSERT(!fz_out.p_req && fz_out.p_scode == codes[k], &ob);
	FZ_ASSERT(fz_count(&fz_out, HDR_VIA) == fz_count(p, HDR_VIA), &ob);
	fz_check_client_via(&fz_out.p_via[0], &p->p_via[0], src, &ob);
	fz_check_ids(&fz_out, p, &ob);
	if (p->p_to.n_tag.l > 0)
		FZ_ASSERT(fz_pleq(&fz_out.p_to.n_tag, &p->p_to.n_tag), &ob);
	else if (codes[k] > 100 && totag != NULL)
		FZ_ASSERT(pl_strcmp(&fz_out.p_to.n_tag, totag) == 0, &ob);
	else
		FZ_ASSERT(fz_out.p_to.n_tag.l == 0, &ob);
	FZ_ASSERT(fz_out.p_bodylen == 0, &ob);
}

static void
fz_response(const struct pkt *p)
{
	struct pkt_via third;
	struct pl elem;
	struct obuf ob;
	enum pkt_verdict v, want = PKT_OK;

	if (fz_elem(p, HDR_VIA, 2, &elem) && pkt_via_parse(&third, &elem) != 0)
		want = PKT_BAD;
	obuf_init(&ob, fz_buf, sizeof(fz_buf));
	FZ_ASSERT(fwd_response(&ob, p), &ob);
	v = pkt_scan(&fz_out, fz_buf, ob.ob_len);
	FZ_ASSERT(v == want, &ob);
	FZ_ASSERT(!fz_out.p_req && fz_out.p_scode == p->p_scode, &ob);
	FZ_ASSERT(fz_count(&fz_out, HDR_VIA) + 1 == fz_count(p, HDR_VIA), &ob);
	FZ_ASSERT(fz_pleq(&fz_out.p_via[0].v_elem, &p->p_via[1].v_elem), &ob);
	fz_check_ids(&fz_out, p, &ob);
	FZ_ASSERT(fz_pleq(&fz_out.p_to.n_tag, &p->p_to.n_tag), &ob);
	FZ_ASSERT(fz_out.p_bodylen == p->p_bodylen &&
		memcmp(fz_buf + fz_out.p_body, p->p_buf + p->p_body,
		    p->p_bodylen) == 0,
	    &ob);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum pkt_verdict v;
	unsigned k;

	if (!sa_isset(&fz_src[0], SA_ADDR)) {
		(void)sa_set_str(&fz_src[0], "198.51.100.7", 40000);
		(void)sa_set_str(&fz_src[1], "2001:db8::7", 1);
	}
	v = pkt_scan(&fz_in, (const char *)data, size);
	if (v == PKT_GARBAGE)
		return (0);
	if (!fz_in.p_req) {
		if (v == PKT_OK && fz_in.p_via[1].v_set)
			fz_response(&fz_in);
		return (0);
	}
	for (k = 0; k < 4; k++)
		fz_reply(&fz_in, v, k);
	if (v != PKT_OK || (fz_in.p_has_maxfwd && fz_in.p_maxfwd == 0))
		return (0);
	for (k = 0; k < 4; k++)
		fz_request(&fz_in, k);
	return (0);
}
