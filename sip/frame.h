/*
 * SIP message framing on a byte stream (TCP, TLS): where does the next
 * message end?  On a stream every message must carry Content-Length
 * (RFC 3261 18.3); its header block ends at the first empty line.  Between
 * messages a peer may send RFC 5626 4.4.1 keep-alives: a "\r\n\r\n" ping,
 * answered with a "\r\n" pong, and a lone "\r\n" (a pong, or the CRLFs
 * RFC 3261 7.5 tells receivers to ignore before a message).
 *
 * Pure code: no I/O, no allocation, no state between calls.  The caller
 * keeps the bytes it has read, calls frame_next() on them, consumes fr_len
 * bytes after FRAME_MSG, FRAME_PING or FRAME_PONG, reads more after
 * FRAME_MORE, and closes the connection after FRAME_BAD.  Only CRLF ends a
 * line, and a bare CR or LF in a header block makes the stream unframeable
 * (pkt_scan(), which also ends lines at a bare LF, would find the end of
 * the headers elsewhere: a message could hide in another's body).  The
 * message is not validated any further: the caller scans it.
 *
 * The answer for a prefix of a stream is FRAME_MORE or the answer for the
 * whole of it.  FRAME_MORE only comes with len < max(maxhdr, maxmsg, 4),
 * so a receive buffer of that size always suffices.  One call costs
 * O(min(len, maxhdr)) whatever the size of the body.
 */
#ifndef SW_SIP_FRAME_H
#define SW_SIP_FRAME_H

#include <stdbool.h>
#include <stddef.h>

enum frame_kind {
	FRAME_MORE, /* need more bytes; nothing consumed */
	FRAME_MSG,  /* a whole message of fr_len bytes at the start of buf */
	FRAME_PING, /* RFC 5626 4.4.1 "\r\n\r\n" (fr_len 4): answer "\r\n" */
	FRAME_PONG, /* a lone "\r\n" (RFC 3261 7.5, or a pong): skip it */
	FRAME_BAD,  /* unframeable: close; see fr_why and fr_toobig */
};

struct frame {
	enum frame_kind fr_kind;
	size_t fr_len;      /* bytes to consume (MSG, PING, PONG) */
	bool fr_toobig;     /* BAD because of maxhdr or maxmsg */
	const char *fr_why; /* static text for BAD */
};

/*
 * Frame the first message, keep-alive or CRLF of buf (len bytes, no NUL
 * needed).  maxhdr caps the header block, its empty line included;
 * maxmsg caps the whole message, body included.  A bare CR or LF in the
 * header block, and a Content-Length that is missing, not a number or
 * given twice with different values, make the stream unframeable
 * (FRAME_BAD, fr_toobig false).
 */
void frame_next(const char *buf, size_t len, size_t maxhdr, size_t maxmsg,
    struct frame *fr);

/* Is every CR of buf[0..len) followed by LF, and every LF preceded by CR? */
bool frame_crlf_only(const char *buf, size_t len);

#endif
