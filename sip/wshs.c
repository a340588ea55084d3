/*
 * The WebSocket opening handshake; see wshs.h.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <re.h>

#include "core/chars.h"
#include "core/obuf.h"
#include "sip/pkt_value.h"
#include "sip/wshs.h"

#define WSHS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* What the header block says, as far as the handshake cares. */
struct wshdrs {
	struct pl h_host, h_key, h_version, h_origin;
	unsigned h_nhost, h_nkey, h_nversion, h_norigin;
	int h_upgrade;    /* Upgrade names websocket */
	int h_connection; /* Connection names Upgrade */
	int h_sip;        /* Sec-WebSocket-Protocol names sip */
};

static int
wshs_bad(struct wshs *hs, enum wshs_verdict v, const char *why)
{
	hs->hs_verdict = v;
	hs->hs_why = why;
	return (-1);
}

/* Where the header block ends (after its empty line), or 0. */
static size_t
wshs_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' &&
		    buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return (i + 4);
	return (0);
}

/* p[0..l) without white space around it. */
static struct pl
wshs_trim(const char *p, size_t l)
{
	struct pl v;
	size_t i = chars_skip(p, l, 0, CHARS_WS);

	v.p = p + i;
	v.l = chars_rskip(v.p, l - i, CHARS_WS);
	return (v);
}

/* Does the comma list v hold the token lit (any case when icase)? */
static int
wshs_list_has(const struct pl *v, const char *lit, int icase)
{
	size_t n = strlen(lit), pos = 0;
	struct pl e;

	while (pkt_list_next(v, &pos, &e))
		if (e.l == n &&
		    (icase ? chars_eqi(e.p, e.l, lit, n) :
			     memcmp(e.p, lit, n) == 0))
			return (1);
	return (0);
}

static int
wshs_name_is(struct pl name, const char *lit)
{
	return (chars_eqi(name.p, name.l, lit, strlen(lit)));
}

static void
wshs_header(struct wshdrs *h, struct pl name, struct pl val)
{
	if (wshs_name_is(name, "Host")) {
		h->h_host = val;
		h->h_nhost++;
	} else if (wshs_name_is(name, "Upgrade")) {
		h->h_upgrade |= wshs_list_has(&val, "websocket", 1);
	} else if (wshs_name_is(name, "Connection")) {
		h->h_connection |= wshs_list_has(&val, "Upgrade", 1);
	} else if (wshs_name_is(name, "Sec-WebSocket-Key")) {
		h->h_key = val;
		h->h_nkey++;
	} else if (wshs_name_is(name, "Sec-WebSocket-Version")) {
		h->h_version = val;
		h->h_nversion++;
	} else if (wshs_name_is(name, "Sec-WebSocket-Protocol")) {
		h->h_sip |= wshs_list_has(&val, "sip", 0);
	} else if (wshs_name_is(name, "Origin")) {
		h->h_origin = val;
		h->h_norigin++;
	}
}

/* The request line: GET, a target, HTTP/1.1 (or a later 1.x). */
static int
wshs_request_line(struct pl line, struct wshs *hs)
{
	const char *sp1, *sp2;
	struct pl ver;

	if (line.l < 4 || memcmp(line.p, "GET ", 4) != 0)
		return (wshs_bad(hs, WSHS_BAD, "not a GET"));
	sp1 = line.p + 3;
	sp2 = memchr(sp1 + 1, ' ', line.l - 4);
	if (sp2 == NULL || sp2 == sp1 + 1)
		return (wshs_bad(hs, WSHS_BAD, "bad request line"));
	ver.p = sp2 + 1;
	ver.l = (size_t)(line.p + line.l - ver.p);
	if (ver.l != 8 || memcmp(ver.p, "HTTP/1.", 7) != 0 || ver.p[7] < '1' ||
	    ver.p[7] > '9')
		return (wshs_bad(hs, WSHS_BAD, "not HTTP/1.1"));
	return (0);
}

/* Read the header lines of buf[0..end) into h. */
static int
wshs_headers(const char *buf, size_t end, struct wshdrs *h, struct wshs *hs)
{
	size_t i = 0, eol, colon, first = 1;
	struct pl line, name;

	while (i + 2 <= end) {
		for (eol = i; eol + 1 < end &&
		     !(buf[eol] == '\r' && buf[eol + 1] == '\n');
		     eol++)
			;
		line.p = buf + i;
		line.l = eol - i;
		i = eol + 2;
		if (line.l == 0)
			break; /* the empty line */
		if (memchr(line.p, '\r', line.l) != NULL ||
		    memchr(line.p, '\n', line.l) != NULL ||
		    memchr(line.p, '\0', line.l) != NULL)
			return (wshs_bad(hs, WSHS_BAD, "bare CR, LF or NUL"));
		if (first) {
			first = 0;
			if (wshs_request_line(line, hs) != 0)
				return (-1);
			continue;
		}
		if (chars_is(line.p[0], CHARS_WS))
			return (wshs_bad(hs, WSHS_BAD, "folded header line"));
		for (colon = 0; colon < line.l && line.p[colon] != ':'; colon++)
			if (!chars_is(line.p[colon], CHARS_TOKEN))
				return (
				    wshs_bad(hs, WSHS_BAD, "bad header name"));
		if (colon == 0 || colon == line.l)
			return (wshs_bad(hs, WSHS_BAD, "bad header line"));
		name.p = line.p;
		name.l = colon;
		wshs_header(h, name,
		    wshs_trim(line.p + colon + 1, line.l - colon - 1));
	}
	return (0);
}

/* Sec-WebSocket-Key: 22 base64 digits and "==" (16 bytes). */
static int
wshs_key_ok(struct pl k)
{
	size_t i;

	if (k.l != 24 || k.p[22] != '=' || k.p[23] != '=')
		return (0);
	for (i = 0; i < 22; i++)
		if (!chars_is(k.p[i], CHARS_ALNUM) && k.p[i] != '+' &&
		    k.p[i] != '/')
			return (0);
	/* The last digit carries 2 bits of the 16th byte and 4 zero bits. */
	return (strchr("AQgw", k.p[21]) != NULL);
}

static void
wshs_accept(struct pl key, char out[WSHS_ACCEPTLEN + 1])
{
	unsigned char in[24 + sizeof(WSHS_GUID) - 1];
	unsigned char md[SHA_DIGEST_LENGTH];

	memcpy(in, key.p, key.l);
	memcpy(in + key.l, WSHS_GUID, sizeof(WSHS_GUID) - 1);
	(void)SHA1(in, key.l + sizeof(WSHS_GUID) - 1, md);
	(void)EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
	out[WSHS_ACCEPTLEN] = '\0';
}

void
wshs_parse(const char *buf, size_t len, size_t maxhdr,
    const char *const *origins, size_t norigins, struct wshs *hs)
{
	struct wshdrs h;
	size_t end, i;

	memset(hs, 0, sizeof(*hs));
	memset(&h, 0, sizeof(h));
	end = wshs_end(buf, len < maxhdr ? len : maxhdr);
	if (end == 0) {
		if (len >= maxhdr)
			(void)wshs_bad(hs, WSHS_TOOBIG, "handshake too big");
		else
			hs->hs_verdict = WSHS_MORE;
		return;
	}
	hs->hs_len = end;
	if (wshs_headers(buf, end, &h, hs) != 0)
		return;
	if (h.h_nhost != 1 || h.h_host.l == 0) {
		(void)wshs_bad(hs, WSHS_BAD, "no Host, or more than one");
		return;
	}
	if (!h.h_upgrade || !h.h_connection) {
		(void)wshs_bad(hs, WSHS_UPGRADE, "not a WebSocket upgrade");
		return;
	}
	if (h.h_nversion != 1 || h.h_version.l != 2 ||
	    memcmp(h.h_version.p, "13", 2) != 0) {
		(void)wshs_bad(hs, WSHS_UPGRADE,
		    "Sec-WebSocket-Version not 13");
		return;
	}
	if (h.h_nkey != 1 || !wshs_key_ok(h.h_key)) {
		(void)wshs_bad(hs, WSHS_BAD, "bad Sec-WebSocket-Key");
		return;
	}
	if (!h.h_sip) {
		(void)wshs_bad(hs, WSHS_BAD,
		    "Sec-WebSocket-Protocol lacks sip");
		return;
	}
	if (norigins > 0) {
		for (i = 0; i < norigins; i++)
			if (h.h_norigin == 1 &&
			    h.h_origin.l == strlen(origins[i]) &&
			    memcmp(h.h_origin.p, origins[i], h.h_origin.l) == 0)
				break;
		if (i == norigins) {
			(void)wshs_bad(hs, WSHS_FORBIDDEN,
			    "Origin not allowed");
			return;
		}
	}
	wshs_accept(h.h_key, hs->hs_accept);
	hs->hs_verdict = WSHS_OK;
}

size_t
wshs_reply(const struct wshs *hs, char *out, size_t size)
{
	struct obuf ob;

	if (size == 0)
		return (0);
	obuf_init(&ob, out, size - 1);
	switch (hs->hs_verdict) {
	case WSHS_OK:
		obuf_puts(&ob,
		    "HTTP/1.1 101 Switching Protocols\r\n"
		    "Upgrade: websocket\r\n"
		    "Connection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: ");
		obuf_puts(&ob, hs->hs_accept);
		obuf_puts(&ob, "\r\nSec-WebSocket-Protocol: sip\r\n\r\n");
		break;
	case WSHS_UPGRADE:
		obuf_puts(&ob,
		    "HTTP/1.1 426 Upgrade Required\r\n"
		    "Upgrade: websocket\r\n"
		    "Sec-WebSocket-Version: 13\r\n");
		break;
	case WSHS_FORBIDDEN:
		obuf_puts(&ob, "HTTP/1.1 403 Forbidden\r\n");
		break;
	case WSHS_TOOBIG:
		obuf_puts(&ob,
		    "HTTP/1.1 431 Request Header Fields Too "
		    "Large\r\n");
		break;
	case WSHS_BAD:
		obuf_puts(&ob, "HTTP/1.1 400 Bad Request\r\n");
		break;
	case WSHS_MORE:
	default:
		return (0);
	}
	if (hs->hs_verdict != WSHS_OK)
		obuf_puts(&ob,
		    "Connection: close\r\nContent-Length: 0\r\n\r\n");
	if (ob.ob_full)
		return (0);
	out[ob.ob_len] = '\0';
	return (ob.ob_len);
}
