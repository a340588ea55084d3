/*
 * Message rewriting for stateless forwarding (RFC 3261 16.6, 16.11, 16.7)
 * and the stateless replies sipwarden sends itself.  Pure functions over a
 * scanned message (proxy/pkt.h) writing into a bounded buffer: no I/O, no
 * allocation.  Every header the proxy adds ends in CRLF; header lines it
 * does not touch are copied byte for byte.
 */
#ifndef SW_SIP_FORWARD_H
#define SW_SIP_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obuf;
struct pkt;
struct pkt_via;
struct pl;
struct sa;

#define FWD_MAXINSERT 4

/* What to do to a request on its way through. */
struct fwd_req {
	const struct pkt *fr_pkt;
	const struct sa *fr_src; /* where it came from (received/rport) */
	const char *fr_via;   /* our Via value, "SIP/2.0/UDP h:p;branch=..." */
	size_t fr_nroute;     /* our Route elements on top: remove */
	const char *fr_rr[2]; /* Record-Route URIs to add on top, or NULL */
	const char *fr_path;  /* Path URI to add on top, or NULL */
	bool fr_supported_path; /* add "Supported: path" (RFC 3327) */
	const struct pl
	    *fr_strip;    /* header lines to leave out (credentials), */
	size_t fr_nstrip; /* given by their offsets in the buffer */
};

/* Rewrite a request; false when it does not fit. */
bool fwd_request(struct obuf *ob, const struct fwd_req *fr);
/* Remove our top Via from a response; false when it does not fit. */
bool fwd_response(struct obuf *ob, const struct pkt *p);

/*
 * A stateless reply to request p from src: status line, the request's Via
 * headers (received/rport added to the top one), From, To (totag added
 * when it has none), Call-ID, CSeq, the extra header lines (each ending in
 * CRLF, may be NULL) and Content-Length: 0.
 */
bool fwd_reply(struct obuf *ob, const struct pkt *p, const struct sa *src,
    uint16_t code, const char *reason, const char *totag, const char *extra);

/*
 * The To-tag sipwarden uses in its own replies to p: derived from Call-ID,
 * From tag and CSeq number, so a retransmission gets the same one and the
 * ACK of the reply can be recognised.  Writes 16 hex digits and a NUL.
 */
void fwd_totag(const struct pkt *p, char out[17]);

/*
 * Where a response to p goes (RFC 3261 18.2.2, RFC 3581): received (or
 * sent-by) host and rport (or sent-by port, or 5060).  EADDRNOTAVAIL when
 * the host is a name, not an address (no DNS on the packet path).
 */
int fwd_via_dest(const struct pkt_via *v, struct sa *dst);

#endif
