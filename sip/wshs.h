/*
 * The opening handshake of SIP over WebSocket (RFC 6455 4.2, RFC 7118 4):
 * is this HTTP/1.1 request a valid upgrade to the "sip" subprotocol, and
 * what do we answer?  The first step of ws: and wss: listeners (issue 16);
 * framing after the handshake is wslay's.
 *
 * wshs_parse() reads the bytes a client sent so far.  It needs the whole
 * header block (up to the empty line): until then WSHS_MORE, unless the
 * block is already longer than maxhdr (WSHS_TOOBIG, close).  The request
 * must be
 *   - GET, HTTP/1.1 or later, with Host;
 *   - Upgrade: websocket and Connection: Upgrade (token lists, any case);
 *     a request without them is answered 426 Upgrade Required: we serve
 *     nothing but the upgrade;
 *   - Sec-WebSocket-Version: 13, else 426 naming 13;
 *   - Sec-WebSocket-Key: the base64 of 16 bytes, else 400;
 *   - Sec-WebSocket-Protocol naming "sip" (RFC 7118 4.1), else 400;
 *   - Origin one of origins (exactly, as the browser sends it), when any
 *     is given, else 403; none given: any origin, or none, may connect.
 * wshs_reply() writes the answer: 101 with Sec-WebSocket-Accept and
 * Sec-WebSocket-Protocol: sip, or the error status, with
 * "Connection: close" (the caller closes after sending it).
 *
 * Pure: no I/O, no allocation, nothing kept between calls.
 */
#ifndef SW_SIP_WSHS_H
#define SW_SIP_WSHS_H

#include <stddef.h>

enum wshs_verdict {
	WSHS_MORE,      /* no empty line yet: read on */
	WSHS_OK,        /* upgrade: answer 101, then frames */
	WSHS_BAD,       /* 400 Bad Request */
	WSHS_FORBIDDEN, /* 403: an Origin not listed */
	WSHS_UPGRADE,   /* 426 Upgrade Required */
	WSHS_TOOBIG,    /* the header block is over maxhdr: close */
};

#define WSHS_ACCEPTLEN 28 /* base64 of a SHA-1 */

struct wshs {
	enum wshs_verdict hs_verdict;
	size_t hs_len;      /* bytes of the request (through the empty line) */
	const char *hs_why; /* for the log, when not OK */
	char hs_accept[WSHS_ACCEPTLEN + 1];
};

/* Parse buf[0..len); origins[0..norigins) the allowed Origin values. */
void wshs_parse(const char *buf, size_t len, size_t maxhdr,
    const char *const *origins, size_t norigins, struct wshs *hs);

/*
 * The answer to hs (not WSHS_MORE) into out, NUL-terminated; its length,
 * or 0 when it does not fit.
 */
size_t wshs_reply(const struct wshs *hs, char *out, size_t size);

#endif
