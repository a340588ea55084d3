/*
 * libFuzzer target: sip/pkt.c on arbitrary bytes.  Every view the
 * scanner hands out must point into the input, and when both pkt_scan()
 * and libre's sip_msg_decode() accept a message they must agree on every
 * field the proxy uses (tests/common/pkt_ref.c); otherwise abort().
 *
 * One difference is libre's and is left out of the comparison there: libre
 * knows a header by a 12-bit hash of its name, so an extension header such
 * as "arb: 70" is a Max-Forwards to it (and the last one wins over a real
 * Max-Forwards before it), "det: x" a Call-ID, and so on; pkt_scan() goes by
 * the name, as RFC 3261 does.  That was the "Max-Forwards differs" of a CI
 * run: regress/pkt/hash-*, README.md there.  Max-Forwards is
 * compared both ways (one of them has it, the other not: a failure too).
 * Inputs tried that both decoders accept and agree on, or that pkt_scan()
 * refuses (400) while libre reads some number, are in regress/pkt/maxfwd-*
 * as well: a second Max-Forwards (libre: the last; pkt_scan: 400), leading
 * zeros, more than 10 digits or above 2^32 (libre wraps it modulo 2^32),
 * "70abc", "7 0", "+70", "-1", "256", "70, 5", an empty value, LWS, tabs
 * and folding around the value, any case of the name, bare LF line ends, a
 * lone CR inside or at the start of a line, NUL bytes, a Max-Forwards in the
 * body or in a folded continuation line, X-Max-Forwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <re.h>

#include "sip/pkt.h"
#include "tests/common/pkt_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt fz_pkt;

static void
fz_fail(const char *what)
{
	(void)fprintf(stderr, "fuzz_pkt: %s\n", what);
	abort();
}

/* Is pl empty or inside [buf, buf + len)? */
static bool
fz_inside(const struct pl *pl, const char *buf, size_t len)
{
	if (pl->l == 0)
		return (true);
	return (pl->p >= buf && pl->l <= len &&
	    (size_t)(pl->p - buf) <= len - pl->l);
}

/* The structure of a message pkt_scan() did not call garbage. */
static void
fz_check_views(const struct pkt *p, const char *buf, size_t size)
{
	const struct pkt_via *v;
	size_t i;

	if (p->p_len > size || p->p_hdrend > p->p_body ||
	    p->p_body > p->p_len || p->p_bodylen != p->p_len - p->p_body)
		fz_fail("framing offsets out of order");
	if (p->p_nhdrs > PKT_MAXHDRS || !p->p_via[0].v_set)
		fz_fail("header table");
	for (i = 0; i < p->p_nhdrs; i++) {
		const struct pkt_hdr *h = &p->p_hdrs[i];

		if (h->h_off < p->p_slen || h->h_off + h->h_len > p->p_hdrend ||
		    !fz_inside(&h->h_name, buf, p->p_hdrend) ||
		    !fz_inside(&h->h_val, buf, p->p_hdrend))
			fz_fail("header view outside the header block");
	}
	for (i = 0; i < 2; i++) {
		v = &p->p_via[i];
		if (!v->v_set)
			continue;
		if (v->v_hdr >= p->p_nhdrs ||
		    p->p_hdrs[v->v_hdr].h_id != HDR_VIA ||
		    !fz_inside(&v->v_elem, buf, size) ||
		    !fz_inside(&v->v_host, buf, size) ||
		    !fz_inside(&v->v_params, buf, size) ||
		    !fz_inside(&v->v_branch, buf, size) ||
		    !fz_inside(&v->v_received, buf, size) ||
		    !fz_inside(&v->v_rportval, buf, size))
			fz_fail("Via view");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	enum pkt_verdict v;
	char why[512];
	bool both;

	v = pkt_scan(&fz_pkt, buf, size);
	if (v != PKT_GARBAGE)
		fz_check_views(&fz_pkt, buf, size);
	if (v == PKT_OK &&
	    (!fz_inside(&fz_pkt.p_callid, buf, size) ||
		!fz_inside(&fz_pkt.p_from.n_tag, buf, size) ||
		!fz_inside(&fz_pkt.p_to.n_tag, buf, size) ||
		!fz_inside(&fz_pkt.p_route.n_uri, buf, size)))
		fz_fail("header value view");
	if (!pkt_ref_agree(buf, size, &both, why, sizeof(why))) {
		(void)fprintf(stderr,
		    "fuzz_pkt: pkt_scan and libre disagree: "
		    "%s\n",
		    why);
		abort();
	}
	return (0);
}
