/*
 * The packet-path SIP scanner: one pass over a message that finds the start
 * line and every header line, allocates nothing, and parses only what the
 * pipeline reads (top two Via elements, Max-Forwards, CSeq, Call-ID, From
 * and To tags, Content-Length, top Route) into views (struct pl) that point
 * into the caller's buffer.  A struct pkt is valid while that buffer is.
 *
 * libre's sip_msg_decode() is the reference it is tested against
 * (tests/unit/test_pkt.c, tests/fuzz/fuzz_pkt.c); it is not used on the
 * packet path because it costs several microseconds and an RAND_bytes()
 * per message (DESIGN.md, cost budget).
 *
 * The values inside header lines (Via elements, name-addrs, parameters,
 * URIs) are read by pkt_value.h.
 *
 * Needs <re.h> (struct pl).
 */
#ifndef SW_SIP_PKT_H
#define SW_SIP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sip/pkt_value.h"

#define PKT_MAXLEN  65535 /* SPEC 4.2: larger messages are dropped */
#define PKT_MAXHDRS 128

/* Headers the proxy reads or rewrites; everything else is HDR_OTHER. */
enum pkt_hid {
	HDR_OTHER,
	HDR_VIA,
	HDR_ROUTE,
	HDR_RECORD_ROUTE,
	HDR_MAX_FORWARDS,
	HDR_CSEQ,
	HDR_CALL_ID,
	HDR_FROM,
	HDR_TO,
	HDR_CONTENT_LENGTH,
	HDR_CONTACT,
	HDR_PATH,
	HDR_AUTHORIZATION,
	HDR_PROXY_AUTHORIZATION,
	HDR_PROXY_REQUIRE,
	HDR_SUPPORTED,
	HDR_NIDS,
};

/* One header line (with its folded continuation lines). */
struct pkt_hdr {
	uint8_t h_id;   /* enum pkt_hid */
	uint32_t h_off; /* offset of the line in the buffer */
	uint32_t h_len; /* length of the line(s), line ending included */
	struct pl h_name;
	struct pl h_val; /* leading and trailing whitespace trimmed */
};

enum pkt_verdict {
	PKT_OK,
	PKT_BAD,     /* well framed but breaks an RFC 3261 16.3 check: 400 */
	PKT_GARBAGE, /* not SIP, or too broken to answer: drop */
};

struct pkt {
	const char *p_buf;
	size_t p_len; /* up to the end of the body */

	bool p_req;
	struct pl p_method; /* requests */
	struct pl p_ruri;
	uint16_t p_scode; /* responses */
	struct pl p_reason;
	uint32_t p_slen; /* start line length, line ending included */

	struct pkt_hdr p_hdrs[PKT_MAXHDRS];
	uint8_t p_nhdrs;
	int16_t p_first[HDR_NIDS]; /* first header of each id, -1 if none */
	uint8_t p_count[HDR_NIDS];
	uint32_t p_hdrend; /* offset of the empty line ending the headers */
	uint32_t p_body;   /* offset of the body */
	uint32_t p_bodylen;

	struct pkt_via p_via[2]; /* top and second Via elements */
	bool p_has_maxfwd;
	uint32_t p_maxfwd;
	uint32_t p_cseq;
	struct pl p_cseq_method;
	struct pl p_callid;
	struct pkt_naddr p_from;
	struct pkt_naddr p_to;
	struct pkt_naddr p_route; /* top Route element, if any */

	const char *p_why; /* what made it PKT_BAD or PKT_GARBAGE */
};

/*
 * Scan buf.  Returns PKT_GARBAGE for anything that is not a SIP message
 * with a readable start line and header block, PKT_BAD for a message that
 * a proxy must refuse (missing or broken mandatory headers, bad version,
 * CSeq method mismatch, Content-Length trouble), PKT_OK otherwise.  p_why
 * says why.  Whether a PKT_BAD message can be answered is the caller's
 * call (it needs p_via[0]).
 */
enum pkt_verdict pkt_scan(struct pkt *p, const char *buf, size_t len);

/*
 * Is the method (start line or CSeq) the string literal m (case-sensitive)?
 * Its length is the literal's, known where it is written: no strlen.
 */
#define PKT_METHOD_IS(method, m) pkt_method_eq((method), "" m, sizeof(m) - 1)

static inline bool
pkt_method_eq(const struct pl *method, const char *m, size_t mlen)
{
	return (method->l == mlen && memcmp(method->p, m, mlen) == 0);
}

/*
 * The full name of header id and its compact form (0: none), NULL for
 * HDR_OTHER and past the last id (for tests).
 */
const char *pkt_hdr_name(enum pkt_hid id, char *compact);

#endif
