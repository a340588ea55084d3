/*
 * One-pass SIP scanner for the packet path; see pkt.h.
 *
 * Grammar references are RFC 3261 section 25.  The scanner is lenient
 * where RFC 3261 asks receivers to be (case-insensitive names, compact
 * forms, folded lines, LWS around separators, bare LF line ends) and
 * strict where a proxy must not guess (one value for single-value headers,
 * numeric ranges, CSeq method, Content-Length).
 */
#include <string.h>

#include <re.h>

#include "sip/pkt.h"
#include "sip/pkt_lex.h"

struct hdr_name {
	const char *hn_name;
	size_t hn_len;
	char hn_compact; /* 0: none */
};

/* clang-format off */
#define HN(id, name, compact) [id] = { name, sizeof(name) - 1, compact }
/* clang-format on */

/* By id; pkt_hdr_full() knows which one a name of each length can be. */
static const struct hdr_name hdr_names[HDR_NIDS] = {
	HN(HDR_VIA, "Via", 'v'),
	HN(HDR_ROUTE, "Route", 0),
	HN(HDR_RECORD_ROUTE, "Record-Route", 0),
	HN(HDR_MAX_FORWARDS, "Max-Forwards", 0),
	HN(HDR_CSEQ, "CSeq", 0),
	HN(HDR_CALL_ID, "Call-ID", 'i'),
	HN(HDR_FROM, "From", 'f'),
	HN(HDR_TO, "To", 't'),
	HN(HDR_CONTENT_LENGTH, "Content-Length", 'l'),
	HN(HDR_CONTACT, "Contact", 'm'),
	HN(HDR_PATH, "Path", 0),
	HN(HDR_AUTHORIZATION, "Authorization", 0),
	HN(HDR_PROXY_AUTHORIZATION, "Proxy-Authorization", 0),
	HN(HDR_PROXY_REQUIRE, "Proxy-Require", 0),
	HN(HDR_SUPPORTED, "Supported", 'k'),
};

#undef HN

const char *
pkt_hdr_name(enum pkt_hid id, char *compact)
{
	if (id <= HDR_OTHER || id >= HDR_NIDS)
		return (NULL);
	*compact = hdr_names[id].hn_compact;
	return (hdr_names[id].hn_name);
}

/* The end of the line starting at off: offset of its LF, or len. */
static size_t
pkt_eol(const char *buf, size_t len, size_t off)
{
	const char *lf = memchr(buf + off, '\n', len - off);

	return (lf == NULL ? len : (size_t)(lf - buf));
}

/* Line [off, lf) without a trailing CR. */
static struct pl
pkt_line(const char *buf, size_t off, size_t lf)
{
	struct pl l = { buf + off, lf - off };

	if (l.l > 0 && l.p[l.l - 1] == '\r')
		l.l--;
	return (l);
}

static bool
pkt_version_ok(const struct pl *v, bool *is20)
{
	size_t i;
	bool dot = false;

	if (v->l < 7 || !chars_eqi(v->p, 4, "SIP/", 4))
		return (false);
	for (i = 4; i < v->l; i++) {
		if (v->p[i] == '.' && !dot && i > 4 && i + 1 < v->l)
			dot = true;
		else if (!chars_is(v->p[i], CHARS_DIGIT))
			return (false);
	}
	*is20 = (v->l == 7 && memcmp(v->p + 4, "2.0", 3) == 0);
	return (dot);
}

static enum pkt_verdict
pkt_bad(struct pkt *p, const char *why)
{
	if (p->p_why == NULL)
		p->p_why = why;
	return (PKT_BAD);
}

static enum pkt_verdict
pkt_garbage(struct pkt *p, const char *why)
{
	p->p_why = why;
	return (PKT_GARBAGE);
}

static enum pkt_verdict
pkt_status_line(struct pkt *p, struct pl line)
{
	struct pl ver, code;
	uint32_t sc;
	bool is20;

	ver.p = line.p;
	ver.l = 0;
	while (ver.l < line.l && line.p[ver.l] != ' ')
		ver.l++;
	if (!pkt_version_ok(&ver, &is20) || ver.l + 4 > line.l)
		return (pkt_garbage(p, "bad status line"));
	code.p = line.p + ver.l + 1;
	code.l = 3;
	if (pkt_u32(&code, 999, &sc) != 0)
		return (pkt_garbage(p, "bad status code"));
	p->p_req = false;
	p->p_scode = (uint16_t)sc;
	p->p_reason.p = code.p + 3;
	p->p_reason.l = line.l - ver.l - 4;
	if (p->p_reason.l > 0) {
		if (p->p_reason.p[0] != ' ')
			return (pkt_garbage(p, "bad status line"));
		p->p_reason.p++;
		p->p_reason.l--;
	}
	if (!is20)
		return (pkt_bad(p, "unsupported SIP version"));
	if (sc < 100 || sc > 699)
		return (pkt_bad(p, "status code out of range"));
	return (PKT_OK);
}

static enum pkt_verdict
pkt_request_line(struct pkt *p, struct pl line)
{
	const char *sp1, *sp2;
	struct pl ver;
	bool is20;
	size_t i;

	sp1 = memchr(line.p, ' ', line.l);
	sp2 = NULL;
	for (i = line.l; i > 0; i--) {
		if (line.p[i - 1] == ' ') {
			sp2 = line.p + i - 1;
			break;
		}
	}
	if (sp1 == NULL || sp1 == sp2 || sp2 == NULL)
		return (pkt_garbage(p, "bad request line"));
	p->p_req = true;
	p->p_method.p = line.p;
	p->p_method.l = (size_t)(sp1 - line.p);
	ver.p = sp2 + 1;
	ver.l = line.l - (size_t)(ver.p - line.p);
	p->p_ruri.p = sp1 + 1;
	p->p_ruri.l = (size_t)(sp2 - p->p_ruri.p);
	if (!pkt_alltoken(&p->p_method))
		return (pkt_garbage(p, "bad method"));
	if (!pkt_version_ok(&ver, &is20)) {
		/* Trailing white space after the version, or none at all. */
		if (ver.l == 0 || chars_is(line.p[line.l - 1], CHARS_WS))
			return (pkt_bad(p, "white space after SIP version"));
		return (pkt_garbage(p, "bad request line"));
	}
	for (i = 0; i < p->p_ruri.l; i++)
		if (chars_islws(p->p_ruri.p[i]) || p->p_ruri.p[i] == '\0')
			return (pkt_bad(p, "white space in Request-URI"));
	if (p->p_ruri.l == 0 || p->p_ruri.p[0] == '<')
		return (pkt_bad(p, "malformed Request-URI"));
	if (!is20)
		return (pkt_bad(p, "unsupported SIP version"));
	return (PKT_OK);
}

/* The compact form c (in lower case): the header whose letter it is. */
static enum pkt_hid
pkt_hdr_compact(int c)
{
	switch (c) {
	case 'v':
		return (HDR_VIA);
	case 'i':
		return (HDR_CALL_ID);
	case 'f':
		return (HDR_FROM);
	case 't':
		return (HDR_TO);
	case 'l':
		return (HDR_CONTENT_LENGTH);
	case 'm':
		return (HDR_CONTACT);
	case 'k':
		return (HDR_SUPPORTED);
	default:
		return (HDR_OTHER);
	}
}

/*
 * The one header a full name of length l can be, told apart by its first
 * (c0) or second (c1) letter in lower case where two names have that
 * length; HDR_OTHER when none can.  The caller compares the whole name.
 */
static enum pkt_hid
pkt_hdr_full(size_t l, int c0, int c1)
{
	switch (l) {
	case 2:
		return (HDR_TO);
	case 3:
		return (HDR_VIA);
	case 4:
		return (c0 == 'c' ? HDR_CSEQ : c0 == 'f' ? HDR_FROM : HDR_PATH);
	case 5:
		return (HDR_ROUTE);
	case 7:
		return (c1 == 'a' ? HDR_CALL_ID : HDR_CONTACT);
	case 9:
		return (HDR_SUPPORTED);
	case 12:
		return (c0 == 'r' ? HDR_RECORD_ROUTE : HDR_MAX_FORWARDS);
	case 13:
		return (c0 == 'a' ? HDR_AUTHORIZATION : HDR_PROXY_REQUIRE);
	case 14:
		return (HDR_CONTENT_LENGTH);
	case 19:
		return (HDR_PROXY_AUTHORIZATION);
	default:
		return (HDR_OTHER);
	}
}

static enum pkt_hid
pkt_hdr_id(const struct pl *name)
{
	enum pkt_hid id;

	if (name->l == 0)
		return (HDR_OTHER);
	if (name->l == 1)
		return (pkt_hdr_compact(chars_lower((uint8_t)name->p[0])));
	id = pkt_hdr_full(name->l, chars_lower((uint8_t)name->p[0]),
	    chars_lower((uint8_t)name->p[1]));
	if (id == HDR_OTHER ||
	    !chars_eqi(name->p, name->l, hdr_names[id].hn_name,
		hdr_names[id].hn_len))
		return (HDR_OTHER);
	return (id);
}

static enum pkt_verdict
pkt_worst(enum pkt_verdict a, enum pkt_verdict b)
{
	return (a > b ? a : b);
}

/* Record one header line [off, end) whose first line is line. */
static enum pkt_verdict
pkt_add_hdr(struct pkt *p, size_t off, size_t end)
{
	struct pkt_hdr *h;
	struct pl name;
	const char *colon, *s = p->p_buf + off;
	size_t n = end - off, i;

	if (p->p_nhdrs >= PKT_MAXHDRS)
		return (pkt_garbage(p, "too many headers"));
	/* One pass: the token, white space, the colon. */
	name.p = s;
	name.l = chars_skip(s, n, 0, CHARS_TOKEN);
	i = chars_skip(s, n, name.l, CHARS_WS);
	if (i >= n || s[i] != ':') {
		if (memchr(s, ':', n) == NULL)
			return (pkt_bad(p, "header line without a colon"));
		return (pkt_bad(p, "malformed header name"));
	}
	if (name.l == 0)
		return (pkt_bad(p, "malformed header name"));
	colon = s + i;
	h = &p->p_hdrs[p->p_nhdrs];
	h->h_id = (uint8_t)pkt_hdr_id(&name);
	h->h_off = (uint32_t)off;
	h->h_len = (uint32_t)n;
	h->h_name = name;
	h->h_val.p = colon + 1;
	h->h_val.l = (size_t)(s + n - h->h_val.p);
	pkt_trim(&h->h_val);
	if (p->p_first[h->h_id] < 0)
		p->p_first[h->h_id] = (int16_t)p->p_nhdrs;
	if (p->p_count[h->h_id] < UINT8_MAX)
		p->p_count[h->h_id]++;
	p->p_nhdrs++;
	return (PKT_OK);
}

/*
 * Find every header line.  A line that starts with white space continues
 * the one before (RFC 3261 7.3.1).  Sets p_hdrend and p_body.
 */
static enum pkt_verdict
pkt_headers(struct pkt *p, size_t off)
{
	enum pkt_verdict v = PKT_OK;
	size_t start = 0, lf;
	bool open = false;

	while (off < p->p_len) {
		lf = pkt_eol(p->p_buf, p->p_len, off);
		if (lf == p->p_len)
			break;
		if (pkt_line(p->p_buf, off, lf).l == 0) {
			if (open)
				v = pkt_worst(v, pkt_add_hdr(p, start, off));
			if (v == PKT_GARBAGE)
				return (v);
			p->p_hdrend = (uint32_t)off;
			p->p_body = (uint32_t)(lf + 1);
			return (v);
		}
		if (chars_is(p->p_buf[off], CHARS_WS)) {
			if (!open)
				return (pkt_garbage(p, "folded first header"));
		} else {
			if (open)
				v = pkt_worst(v, pkt_add_hdr(p, start, off));
			if (v == PKT_GARBAGE)
				return (v);
			start = off;
			open = true;
		}
		off = lf + 1;
	}
	return (pkt_garbage(p, "no end of headers"));
}

/* Find the top two Via elements. */
static enum pkt_verdict
pkt_vias(struct pkt *p)
{
	struct pl elem;
	size_t i, pos;
	int n = 0;

	for (i = 0; i < p->p_nhdrs && n < 2; i++) {
		struct pkt_hdr *h = &p->p_hdrs[i];

		if (h->h_id != HDR_VIA)
			continue;
		pos = 0;
		while (n < 2 && pkt_list_next(&h->h_val, &pos, &elem)) {
			if (pkt_via_parse(&p->p_via[n], &elem) != 0)
				return (n == 0 ? pkt_garbage(p, "bad Via") :
						 pkt_bad(p, "bad Via"));
			p->p_via[n].v_hdr = (uint8_t)i;
			n++;
		}
	}
	if (n == 0)
		return (pkt_garbage(p, "no Via"));
	return (PKT_OK);
}

/* The single value of header id; PKT_BAD when missing or repeated. */
static enum pkt_verdict
pkt_single(struct pkt *p, enum pkt_hid id, struct pl *val, const char *what)
{
	if (p->p_count[id] == 0)
		return (pkt_bad(p, what));
	if (p->p_count[id] > 1)
		return (pkt_bad(p, "repeated single-value header"));
	*val = p->p_hdrs[p->p_first[id]].h_val;
	return (PKT_OK);
}

static enum pkt_verdict
pkt_cseq(struct pkt *p)
{
	struct pl v, num;
	size_t i = 0;

	if (pkt_single(p, HDR_CSEQ, &v, "missing CSeq") != PKT_OK)
		return (PKT_BAD);
	num.p = v.p;
	while (i < v.l && chars_is(v.p[i], CHARS_DIGIT))
		i++;
	num.l = i;
	if (pkt_u32(&num, 0x7fffffff, &p->p_cseq) != 0)
		return (pkt_bad(p, "bad CSeq number"));
	pkt_skip_lws(&v, &i);
	p->p_cseq_method.p = v.p + i;
	p->p_cseq_method.l = v.l - i;
	if (!pkt_alltoken(&p->p_cseq_method))
		return (pkt_bad(p, "bad CSeq method"));
	if (p->p_req && pl_cmp(&p->p_cseq_method, &p->p_method) != 0)
		return (pkt_bad(p, "CSeq method differs from the request's"));
	return (PKT_OK);
}

static enum pkt_verdict
pkt_ids(struct pkt *p)
{
	struct pl v;
	size_t i;

	if (pkt_single(p, HDR_CALL_ID, &p->p_callid, "missing Call-ID") !=
	    PKT_OK)
		return (PKT_BAD);
	for (i = 0; i < p->p_callid.l; i++)
		if (chars_islws(p->p_callid.p[i]))
			return (pkt_bad(p, "white space in Call-ID"));
	if (p->p_callid.l == 0)
		return (pkt_bad(p, "empty Call-ID"));
	if (pkt_single(p, HDR_FROM, &v, "missing From") != PKT_OK ||
	    pkt_naddr_parse(&p->p_from, &v) != 0)
		return (pkt_bad(p, "bad From"));
	if (pkt_single(p, HDR_TO, &v, "missing To") != PKT_OK ||
	    pkt_naddr_parse(&p->p_to, &v) != 0)
		return (pkt_bad(p, "bad To"));
	return (pkt_cseq(p));
}

static enum pkt_verdict
pkt_maxfwd_route(struct pkt *p)
{
	struct pl v, elem;
	size_t pos = 0;

	if (p->p_count[HDR_MAX_FORWARDS] > 0) {
		if (pkt_single(p, HDR_MAX_FORWARDS, &v, "") != PKT_OK ||
		    pkt_u32(&v, 255, &p->p_maxfwd) != 0)
			return (pkt_bad(p, "bad Max-Forwards"));
		p->p_has_maxfwd = true;
	}
	if (p->p_count[HDR_ROUTE] > 0) {
		v = p->p_hdrs[p->p_first[HDR_ROUTE]].h_val;
		if (!pkt_list_next(&v, &pos, &elem) ||
		    pkt_naddr_parse(&p->p_route, &elem) != 0)
			return (pkt_bad(p, "bad Route"));
	}
	return (PKT_OK);
}

/* Content-Length frames the body; without one, the datagram does. */
static enum pkt_verdict
pkt_body(struct pkt *p)
{
	struct pl v;
	uint32_t cl;
	size_t avail = p->p_len - p->p_body;

	p->p_bodylen = (uint32_t)avail;
	if (p->p_count[HDR_CONTENT_LENGTH] == 0)
		return (PKT_OK);
	if (pkt_single(p, HDR_CONTENT_LENGTH, &v, "") != PKT_OK ||
	    pkt_u32(&v, PKT_MAXLEN, &cl) != 0)
		return (pkt_bad(p, "bad Content-Length"));
	if (cl > avail)
		return (pkt_bad(p, "Content-Length larger than the message"));
	p->p_bodylen = cl;
	p->p_len = p->p_body + cl;
	return (PKT_OK);
}

enum pkt_verdict
pkt_scan(struct pkt *p, const char *buf, size_t len)
{
	enum pkt_verdict v;
	struct pl line;
	size_t lf;

	memset(p, 0, offsetof(struct pkt, p_hdrs));
	memset(&p->p_nhdrs, 0, sizeof(*p) - offsetof(struct pkt, p_nhdrs));
	memset(p->p_first, 0xff, sizeof(p->p_first));
	p->p_buf = buf;
	p->p_len = len;
	if (len == 0 || len > PKT_MAXLEN)
		return (pkt_garbage(p, len == 0 ? "empty" : "too big"));
	lf = pkt_eol(buf, len, 0);
	if (lf == len)
		return (pkt_garbage(p, "no start line"));
	line = pkt_line(buf, 0, lf);
	p->p_slen = (uint32_t)(lf + 1);
	if (line.l >= 4 && chars_eqi(line.p, 4, "SIP/", 4))
		v = pkt_status_line(p, line);
	else
		v = pkt_request_line(p, line);
	if (v == PKT_GARBAGE)
		return (v);
	v = pkt_worst(v, pkt_headers(p, lf + 1));
	if (v == PKT_GARBAGE)
		return (v);
	v = pkt_worst(v, pkt_vias(p));
	if (v == PKT_GARBAGE)
		return (v);
	v = pkt_worst(v, pkt_ids(p));
	v = pkt_worst(v, pkt_maxfwd_route(p));
	return (pkt_worst(v, pkt_body(p)));
}
