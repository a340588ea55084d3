/*
 * libFuzzer target: proxy/pkt.c on arbitrary bytes.  Every view the
 * scanner hands out must point into the input, and when both pkt_scan()
 * and libre's sip_msg_decode() accept a message they must agree on every
 * field the proxy uses (tests/common/pkt_ref.c); otherwise abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <re.h>

#include "proxy/pkt.h"
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
