/*
 * SIP message framing on a byte stream; see frame.h.
 *
 * The header block is searched for its end only within its first maxhdr
 * bytes, so that a call costs the same whether the body has arrived or
 * not.  Header names and the Content-Length value are read as pkt.c reads
 * them: the name is what comes before the colon (white space before the
 * colon allowed), the value is trimmed of linear white space, folding
 * included, and must then be all digits.  A name counts only at the start
 * of a line that does not continue the one before.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/chars.h"
#include "sip/frame.h"

#define FRAME_CL     "Content-Length"
#define FRAME_CL_LEN (sizeof(FRAME_CL) - 1)

/* One Content-Length value. */
struct frame_cl {
	size_t cl_val;      /* valid unless cl_over */
	bool cl_over;       /* larger than maxmsg */
	const char *cl_dig; /* its digits without leading zeros */
	size_t cl_ndig;
};

static void
frame_set(struct frame *fr, enum frame_kind kind, size_t len)
{
	fr->fr_kind = kind;
	fr->fr_len = len;
}

static void
frame_bad(struct frame *fr, const char *why, bool toobig)
{
	fr->fr_kind = FRAME_BAD;
	fr->fr_len = 0;
	fr->fr_toobig = toobig;
	fr->fr_why = why;
}

/*
 * CRLFs at the start of buf: a "\r\n\r\n" ping, a lone "\r\n", or a prefix
 * of either.  Returns false when buf starts a message.
 */
static bool
frame_crlf(const char *buf, size_t len, struct frame *fr)
{
	if (len == 0)
		return (true);
	if (buf[0] != '\r')
		return (false);
	if (len < 2)
		return (true);
	if (buf[1] != '\n')
		return (false);
	if (len < 3)
		return (true);
	if (buf[2] != '\r')
		frame_set(fr, FRAME_PONG, 2);
	else if (len < 4)
		return (true);
	else if (buf[3] == '\n')
		frame_set(fr, FRAME_PING, 4);
	else
		frame_set(fr, FRAME_PONG, 2);
	return (true);
}

/*
 * The length of the header block, up to and including the first
 * "\r\n\r\n", if that ends within the first lim bytes; 0 otherwise.
 */
static size_t
frame_hdrlen(const char *buf, size_t lim)
{
	const char *lf;
	size_t from = 0, i;

	while ((lf = memchr(buf + from, '\n', lim - from)) != NULL) {
		i = (size_t)(lf - buf);
		if (i >= 3 && memcmp(buf + i - 3, "\r\n\r", 3) == 0)
			return (i + 1);
		from = i + 1;
	}
	return (0);
}

/* Offset of the CRLF that ends the line starting at off, or end. */
static size_t
frame_eol(const char *buf, size_t end, size_t off)
{
	const char *lf;
	size_t from = off;

	while ((lf = memchr(buf + from, '\n', end - from)) != NULL) {
		from = (size_t)(lf - buf) + 1;
		if (from - 1 > off && lf[-1] == '\r')
			return (from - 2);
	}
	return (end);
}

/*
 * The end (offset of the final CRLF) of the header starting at off, with
 * its continuation lines.  hlen is the length of a whole header block.
 */
static size_t
frame_hdr_end(const char *buf, size_t hlen, size_t off)
{
	size_t e = frame_eol(buf, hlen, off);

	while (e + 2 < hlen && chars_is(buf[e + 2], CHARS_WS))
		e = frame_eol(buf, hlen, e + 2);
	return (e);
}

/* Is the name [p, p + n) Content-Length, long or compact, in any case? */
static bool
frame_name_is_cl(const char *p, size_t n)
{
	size_t i;

	if (n == 1)
		return (chars_lower(p[0]) == 'l');
	if (n != FRAME_CL_LEN)
		return (false);
	for (i = 0; i < n; i++)
		if (chars_lower(p[i]) != chars_lower(FRAME_CL[i]))
			return (false);
	return (true);
}

/*
 * Is the header [off, end) a Content-Length?  If so, *val is the offset
 * of its value, just past the colon.
 */
static bool
frame_is_cl(const char *buf, size_t off, size_t end, size_t *val)
{
	size_t i = off;

	while (i < end && buf[i] != ':' && !chars_is(buf[i], CHARS_WS))
		i++;
	if (!frame_name_is_cl(buf + off, i - off))
		return (false);
	while (i < end && chars_is(buf[i], CHARS_WS))
		i++;
	if (i == end || buf[i] != ':')
		return (false);
	*val = i + 1;
	return (true);
}

/*
 * Parse the value [off, end): linear white space, 1*DIGIT, linear white
 * space.  Values over maxmsg are not computed, only flagged.
 */
static int
frame_cl_parse(const char *buf, size_t off, size_t end, size_t maxmsg,
    struct frame_cl *cl)
{
	size_t i, d;

	off = chars_skip(buf, end, off, CHARS_LWS);
	end = off + chars_rskip(buf + off, end - off, CHARS_LWS);
	if (off == end)
		return (EBADMSG);
	cl->cl_val = 0;
	cl->cl_over = false;
	for (i = off; i < end; i++) {
		if (!chars_is(buf[i], CHARS_DIGIT))
			return (EBADMSG);
		d = (size_t)(buf[i] - '0');
		if (cl->cl_over || cl->cl_val > maxmsg / 10 ||
		    d > maxmsg - cl->cl_val * 10)
			cl->cl_over = true;
		else
			cl->cl_val = cl->cl_val * 10 + d;
	}
	while (off + 1 < end && buf[off] == '0')
		off++;
	cl->cl_dig = buf + off;
	cl->cl_ndig = end - off;
	return (0);
}

/* Do two values say the same number, leading zeros aside? */
static bool
frame_cl_same(const struct frame_cl *a, const struct frame_cl *b)
{
	return (a->cl_ndig == b->cl_ndig &&
	    memcmp(a->cl_dig, b->cl_dig, a->cl_ndig) == 0);
}

/*
 * Find Content-Length in the header block [0, hlen), which ends in
 * "\r\n\r\n"; the first line is the start line.  Returns 0, ENOENT when
 * there is none, or EBADMSG for a bad value or two different ones.
 */
static int
frame_find_cl(const char *buf, size_t hlen, size_t maxmsg, struct frame_cl *cl)
{
	struct frame_cl v;
	size_t off, end, val;

	cl->cl_dig = NULL;
	cl->cl_ndig = 0;
	off = frame_eol(buf, hlen, 0) + 2;
	while (off < hlen - 2) {
		end = frame_hdr_end(buf, hlen, off);
		if (!chars_is(buf[off], CHARS_WS) &&
		    frame_is_cl(buf, off, end, &val)) {
			if (frame_cl_parse(buf, val, end, maxmsg, &v) != 0)
				return (EBADMSG);
			if (cl->cl_dig != NULL && !frame_cl_same(&v, cl))
				return (EBADMSG);
			*cl = v;
		}
		off = end + 2;
	}
	return (cl->cl_dig != NULL ? 0 : ENOENT);
}

/*
 * Is every CR of the header block followed by LF, and every LF preceded
 * by CR?  A receiver that also ends lines at a bare LF (pkt.c does, as
 * RFC 3261 7.5 allows on UDP) would see the headers end elsewhere, and
 * take some of what we count as headers for body, or the reverse.
 */
bool
frame_crlf_only(const char *buf, size_t hlen)
{
	size_t i;

	for (i = 0; i < hlen; i++) {
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			return (false);
		if (buf[i] == '\r' && (i + 1 == hlen || buf[i + 1] != '\n'))
			return (false);
	}
	return (true);
}

void
frame_next(const char *buf, size_t len, size_t maxhdr, size_t maxmsg,
    struct frame *fr)
{
	struct frame_cl cl;
	size_t hlen;
	int err;

	fr->fr_kind = FRAME_MORE;
	fr->fr_len = 0;
	fr->fr_toobig = false;
	fr->fr_why = NULL;
	if (frame_crlf(buf, len, fr))
		return;
	hlen = frame_hdrlen(buf, len < maxhdr ? len : maxhdr);
	if (hlen == 0) {
		if (len >= maxhdr)
			frame_bad(fr, "header block over tcp_max_header", true);
		return;
	}
	if (!frame_crlf_only(buf, hlen)) {
		frame_bad(fr, "bare CR or LF in a header block", false);
		return;
	}
	if ((err = frame_find_cl(buf, hlen, maxmsg, &cl)) != 0) {
		frame_bad(fr,
		    err == ENOENT ? "no Content-Length on a stream" :
				    "bad Content-Length",
		    false);
		return;
	}
	if (cl.cl_over || hlen > maxmsg || cl.cl_val > maxmsg - hlen) {
		frame_bad(fr, "message too big", true);
		return;
	}
	if (len >= hlen + cl.cl_val)
		frame_set(fr, FRAME_MSG, hlen + cl.cl_val);
}
