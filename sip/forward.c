/*
 * Request and response rewriting, stateless replies; see forward.h.
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/chars.h"
#include "core/hex.h"
#include "core/obuf.h"
#include "sip/forward.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"

#define CRLF "\r\n"

static void
fwd_hdr_start(struct obuf *ob, const struct pkt_hdr *h)
{
	obuf_putpl(ob, &h->h_name);
	obuf_puts(ob, ": ");
}

/* The text after elem in val, past the comma that follows it. */
static struct pl
fwd_after(const struct pl *val, const struct pl *elem)
{
	struct pl rest;
	size_t pos = (size_t)(elem->p + elem->l - val->p), i;
	const char *comma;

	rest.p = val->p + pos;
	rest.l = val->l - pos;
	comma = memchr(rest.p, ',', rest.l);
	if (comma == NULL) {
		rest.l = 0;
		return (rest);
	}
	rest.l -= (size_t)(comma + 1 - rest.p);
	rest.p = comma + 1;
	i = chars_skip(rest.p, rest.l, 0, CHARS_LWS);
	rest.p += i;
	rest.l -= i;
	return (rest);
}

/* Copy the parameters of a Via element, leaving received and rport out. */
static void
fwd_via_params(struct obuf *ob, const struct pl *params)
{
	struct pl name, val, whole;
	size_t pos = 0;

	while (pkt_param_next(params, &pos, &name, &val, &whole)) {
		if (!CHARS_PLEQI(&name, "received") &&
		    !CHARS_PLEQI(&name, "rport"))
			obuf_putpl(ob, &whole);
	}
}

/* The top Via element with received and rport set from src. */
static void
fwd_via_top(struct obuf *ob, const struct pkt_via *v, const struct sa *src)
{
	char ip[ADDR_STRLEN];
	struct pl head;

	head.p = v->v_elem.p;
	head.l = (size_t)(v->v_params.p - v->v_elem.p);
	/* White space before the parameters, a folded line included. */
	head.l = chars_rskip(head.p, head.l, CHARS_LWS);
	obuf_putpl(ob, &head);
	fwd_via_params(ob, &v->v_params);
	(void)addr_fmt_ip(src, ip, sizeof(ip));
	obuf_puts(ob, ";received=");
	obuf_puts(ob, ip);
	if (v->v_rport) {
		obuf_puts(ob, ";rport=");
		obuf_putu(ob, sa_port(src));
	}
}

/* The header line holding the top Via, rewritten. */
static void
fwd_via_line(struct obuf *ob, const struct pkt *p, const struct sa *src)
{
	const struct pkt_hdr *h = &p->p_hdrs[p->p_via[0].v_hdr];
	struct pl rest;

	fwd_hdr_start(ob, h);
	fwd_via_top(ob, &p->p_via[0], src);
	rest = fwd_after(&h->h_val, &p->p_via[0].v_elem);
	if (rest.l > 0) {
		obuf_puts(ob, ", ");
		obuf_putpl(ob, &rest);
	}
	obuf_puts(ob, CRLF);
}

static void
fwd_copy(struct obuf *ob, const struct pkt *p, const struct pkt_hdr *h)
{
	obuf_put(ob, p->p_buf + h->h_off, h->h_len);
}

/*
 * Copy a list header without its first *nskip elements, counting down
 * *nskip by the number left out.
 */
static void
fwd_copy_skip(struct obuf *ob, const struct pkt *p, const struct pkt_hdr *h,
    size_t *nskip)
{
	struct pl elem, rest;
	size_t pos = 0, i;

	if (*nskip == 0) {
		fwd_copy(ob, p, h);
		return;
	}
	while (*nskip > 0 && pkt_list_next(&h->h_val, &pos, &elem))
		(*nskip)--;
	if (pos >= h->h_val.l)
		return;
	rest.p = h->h_val.p + pos;
	rest.l = h->h_val.l - pos;
	i = chars_skip(rest.p, rest.l, 0, CHARS_LWS);
	rest.p += i;
	rest.l -= i;
	fwd_hdr_start(ob, h);
	obuf_putpl(ob, &rest);
	obuf_puts(ob, CRLF);
}

static bool
fwd_stripped(const struct fwd_req *fr, const struct pkt_hdr *h)
{
	size_t i;

	for (i = 0; i < fr->fr_nstrip; i++)
		if (fr->fr_strip[i].p == fr->fr_pkt->p_buf + h->h_off)
			return (true);
	return (false);
}

static void
fwd_inserts(struct obuf *ob, const struct fwd_req *fr)
{
	size_t i;

	obuf_puts(ob, "Via: ");
	obuf_puts(ob, fr->fr_via);
	obuf_puts(ob, CRLF);
	for (i = 0; i < 2; i++) {
		if (fr->fr_rr[i] == NULL)
			continue;
		obuf_puts(ob, "Record-Route: <");
		obuf_puts(ob, fr->fr_rr[i]);
		obuf_puts(ob, ">" CRLF);
	}
	if (fr->fr_path != NULL) {
		obuf_puts(ob, "Path: <");
		obuf_puts(ob, fr->fr_path);
		obuf_puts(ob, ">" CRLF);
	}
	if (fr->fr_supported_path)
		obuf_puts(ob, "Supported: path" CRLF);
}

/*
 * Content-Length, always, and always the length of the body we send
 * (RFC 3261 18.3: a stream has no other framing).  A datagram may come
 * without one (its end is the body's), or with a body longer than it
 * says (the rest is not sent on); what goes on is exact, so that no
 * receiver on a stream can read a second message into what we send.
 */
static void
fwd_clen(struct obuf *ob, const struct pkt *p, const struct pkt_hdr *h)
{
	if (h != NULL)
		fwd_hdr_start(ob, h);
	else
		obuf_puts(ob, "Content-Length: ");
	obuf_putu(ob, p->p_bodylen);
	obuf_puts(ob, CRLF);
}

/* The end of the headers: Content-Length unless copied, then the body. */
static void
fwd_end(struct obuf *ob, const struct pkt *p)
{
	if (p->p_count[HDR_CONTENT_LENGTH] == 0)
		fwd_clen(ob, p, NULL);
	obuf_puts(ob, CRLF);
	obuf_put(ob, p->p_buf + p->p_body, p->p_bodylen);
}

bool
fwd_request(struct obuf *ob, const struct fwd_req *fr)
{
	const struct pkt *p = fr->fr_pkt;
	size_t i, nroute = fr->fr_nroute;

	obuf_put(ob, p->p_buf, p->p_slen);
	fwd_inserts(ob, fr);
	for (i = 0; i < p->p_nhdrs; i++) {
		const struct pkt_hdr *h = &p->p_hdrs[i];

		if (i == p->p_via[0].v_hdr) {
			fwd_via_line(ob, p, fr->fr_src);
		} else if (h->h_id == HDR_MAX_FORWARDS) {
			obuf_puts(ob, "Max-Forwards: ");
			obuf_putu(ob, p->p_maxfwd > 0 ? p->p_maxfwd - 1 : 0);
			obuf_puts(ob, CRLF);
		} else if (h->h_id == HDR_ROUTE) {
			fwd_copy_skip(ob, p, h, &nroute);
		} else if (h->h_id == HDR_CONTENT_LENGTH) {
			fwd_clen(ob, p, h);
		} else if (!fwd_stripped(fr, h)) {
			fwd_copy(ob, p, h);
		}
	}
	if (!p->p_has_maxfwd)
		obuf_puts(ob, "Max-Forwards: 70" CRLF);
	fwd_end(ob, p);
	return (!ob->ob_full);
}

bool
fwd_response(struct obuf *ob, const struct pkt *p)
{
	size_t i, one = 1;

	obuf_put(ob, p->p_buf, p->p_slen);
	for (i = 0; i < p->p_nhdrs; i++) {
		if (i == p->p_via[0].v_hdr)
			fwd_copy_skip(ob, p, &p->p_hdrs[i], &one);
		else if (p->p_hdrs[i].h_id == HDR_CONTENT_LENGTH)
			fwd_clen(ob, p, &p->p_hdrs[i]);
		else
			fwd_copy(ob, p, &p->p_hdrs[i]);
	}
	fwd_end(ob, p);
	return (!ob->ob_full);
}

static void
fwd_reply_hdrs(struct obuf *ob, const struct pkt *p, const struct sa *src,
    const char *totag)
{
	size_t i;

	for (i = 0; i < p->p_nhdrs; i++) {
		const struct pkt_hdr *h = &p->p_hdrs[i];

		if (i == p->p_via[0].v_hdr) {
			fwd_via_line(ob, p, src);
		} else if (h->h_id == HDR_TO && totag != NULL &&
		    p->p_to.n_tag.l == 0) {
			fwd_hdr_start(ob, h);
			obuf_putpl(ob, &h->h_val);
			obuf_puts(ob, ";tag=");
			obuf_puts(ob, totag);
			obuf_puts(ob, CRLF);
		} else if (h->h_id == HDR_VIA || h->h_id == HDR_FROM ||
		    h->h_id == HDR_TO || h->h_id == HDR_CALL_ID ||
		    h->h_id == HDR_CSEQ) {
			fwd_copy(ob, p, h);
		}
	}
}

bool
fwd_reply(struct obuf *ob, const struct pkt *p, const struct sa *src,
    uint16_t code, const char *reason, const char *totag, const char *extra)
{
	obuf_puts(ob, "SIP/2.0 ");
	obuf_putu(ob, code);
	obuf_puts(ob, " ");
	obuf_puts(ob, reason);
	obuf_puts(ob, CRLF);
	fwd_reply_hdrs(ob, p, src, code > 100 ? totag : NULL);
	if (extra != NULL)
		obuf_puts(ob, extra);
	obuf_puts(ob, "Content-Length: 0" CRLF CRLF);
	return (!ob->ob_full);
}

/*
 * FNV-1a, 64 bits: not a MAC, only a stable tag.  Unkeyed on purpose: the
 * tag must be the same for every retransmission, whichever instance or
 * worker answers it, and it guards nothing.
 */
static uint64_t
fwd_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

void
fwd_totag(const struct pkt *p, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t b[7];
	int i;

	h = fwd_fnv(h, p->p_callid.p, p->p_callid.l);
	h = fwd_fnv(h, "|", 1);
	h = fwd_fnv(h, p->p_from.n_tag.p, p->p_from.n_tag.l);
	h = fwd_fnv(h, &p->p_cseq, sizeof(p->p_cseq));
	/*
	 * 14 hex digits, the lowest nibble of h first, as every release has
	 * written them: instances of two releases answer a retransmission
	 * with the same tag.
	 */
	for (i = 0; i < 7; i++)
		b[i] = (uint8_t)((h >> (8 * i) & 15) << 4 |
		    (h >> (8 * i + 4) & 15));
	out[0] = 's';
	out[1] = 'w';
	(void)hex_encode(b, sizeof(b), out + 2);
}

int
fwd_via_dest(const struct pkt_via *v, struct sa *dst)
{
	const struct pl *host =
	    v->v_received.l > 0 ? &v->v_received : &v->v_host;
	uint32_t port = v->v_port ? v->v_port : 5060;
	struct pl rp = v->v_rportval;
	size_t i;

	if (v->v_rport && rp.l > 0) {
		for (port = 0, i = 0; i < rp.l; i++) {
			if (!chars_is(rp.p[i], CHARS_DIGIT) || port > 6553)
				return (EBADMSG);
			port = port * 10 + (uint32_t)(rp.p[i] - '0');
		}
		if (port == 0 || port > 65535)
			return (EBADMSG);
	}
	if (sa_set(dst, host, (uint16_t)port) != 0)
		return (EADDRNOTAVAIL);
	return (0);
}
