/*
 * The values inside header lines; see pkt_value.h.  Grammar references
 * are RFC 3261 section 25.
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "sip/pkt_lex.h"
#include "sip/pkt_value.h"

bool
pkt_list_next(const struct pl *val, size_t *pos, struct pl *elem)
{
	size_t i = *pos, start;
	bool quoted = false;
	int angle = 0;

	if (i >= val->l)
		return (false);
	start = i;
	for (; i < val->l; i++) {
		char c = val->p[i];

		if (quoted) {
			if (c == '\\' && i + 1 < val->l)
				i++;
			else if (c == '"')
				quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '<') {
			angle++;
		} else if (c == '>' && angle > 0) {
			angle--;
		} else if (c == ',' && angle == 0) {
			break;
		}
	}
	elem->p = val->p + start;
	elem->l = i - start;
	pkt_trim(elem);
	*pos = i + 1;
	return (true);
}

/* Scan ";name[=value]" starting at *i (which points at ';'). */
static int
pkt_param_scan(const struct pl *pl, size_t *i, struct pl *name, struct pl *val)
{
	size_t j = *i + 1;

	pkt_skip_lws(pl, &j);
	name->p = pl->p + j;
	while (j < pl->l && chars_istoken((unsigned char)pl->p[j]))
		j++;
	name->l = (size_t)(pl->p + j - name->p);
	if (name->l == 0)
		return (EBADMSG);
	pkt_skip_lws(pl, &j);
	val->p = pl->p + j;
	val->l = 0;
	if (j < pl->l && pl->p[j] == '=') {
		j++;
		pkt_skip_lws(pl, &j);
		val->p = pl->p + j;
		if (j < pl->l && pl->p[j] == '"') {
			for (j++; j < pl->l && pl->p[j] != '"'; j++)
				if (pl->p[j] == '\\')
					j++;
			if (j >= pl->l)
				return (EBADMSG);
			j++;
		} else {
			/*
			 * token / host: a quote or backslash cannot be in
			 * it (a reader that takes it for the start of a
			 * quoted string would see other parameters).
			 */
			while (j < pl->l && pl->p[j] != ';' &&
			    !chars_islws(pl->p[j])) {
				if (pl->p[j] == '"' || pl->p[j] == '\\')
					return (EBADMSG);
				j++;
			}
		}
		val->l = (size_t)(pl->p + j - val->p);
		if (val->l == 0)
			return (EBADMSG);
		pkt_skip_lws(pl, &j);
	}
	if (j < pl->l && pl->p[j] != ';')
		return (EBADMSG);
	*i = j;
	return (0);
}

bool
pkt_param_next(const struct pl *params, size_t *pos, struct pl *name,
    struct pl *val, struct pl *whole)
{
	size_t start = *pos;

	if (*pos >= params->l || params->p[*pos] != ';' ||
	    pkt_param_scan(params, pos, name, val) != 0)
		return (false);
	whole->p = params->p + start;
	whole->l = *pos - start;
	return (true);
}

bool
pkt_param(const struct pl *params, const char *name, size_t namelen,
    struct pl *val)
{
	struct pl n, v;
	size_t i = 0;

	while (i < params->l && params->p[i] == ';') {
		if (pkt_param_scan(params, &i, &n, &v) != 0)
			return (false);
		if (chars_eqi(n.p, n.l, name, namelen)) {
			if (val != NULL)
				*val = v;
			return (true);
		}
	}
	return (false);
}

/* host [ ":" port ], host an IPv6 reference, IPv4 address or hostname. */
static int
pkt_hostport(const struct pl *hp, struct pl *host, uint16_t *port)
{
	const char *end = hp->p + hp->l, *c;
	struct pl pp;
	uint32_t v;
	size_t i;

	*port = 0;
	if (hp->l > 0 && hp->p[0] == '[') {
		c = memchr(hp->p, ']', hp->l);
		if (c == NULL)
			return (EBADMSG);
		host->p = hp->p + 1;
		host->l = (size_t)(c - host->p);
		c++;
	} else {
		host->p = hp->p;
		c = memchr(hp->p, ':', hp->l);
		host->l = (size_t)((c ? c : end) - hp->p);
		c = (c ? c : end);
		for (i = 0; i < host->l; i++)
			if (!chars_is(host->p[i], CHARS_ALNUM) &&
			    host->p[i] != '-' && host->p[i] != '.')
				return (EBADMSG);
	}
	if (host->l == 0)
		return (EBADMSG);
	if (c == end)
		return (0);
	if (*c != ':')
		return (EBADMSG);
	pp.p = c + 1;
	pp.l = (size_t)(end - pp.p);
	if (pkt_u32(&pp, 65535, &v) != 0 || v == 0)
		return (EBADMSG);
	*port = (uint16_t)v;
	return (0);
}

/* "SIP / 2.0 / UDP": protocol name, version, transport with LWS between. */
static int
pkt_via_proto(const struct pl *e, size_t *i, struct pl *tp)
{
	struct pl tok;
	int k;

	for (k = 0; k < 3; k++) {
		pkt_skip_lws(e, i);
		tok.p = e->p + *i;
		while (*i < e->l && chars_istoken((unsigned char)e->p[*i]))
			(*i)++;
		tok.l = (size_t)(e->p + *i - tok.p);
		if (tok.l == 0)
			return (EBADMSG);
		if ((k == 0 && !CHARS_PLEQI(&tok, "SIP")) ||
		    (k == 1 && !CHARS_PLEQI(&tok, "2.0")))
			return (EBADMSG);
		pkt_skip_lws(e, i);
		if (k < 2 && (*i >= e->l || e->p[(*i)++] != '/'))
			return (EBADMSG);
	}
	*tp = tok;
	return (0);
}

/*
 * The Via's parameters in one pass: every one well formed; the branch
 * once at most, and a token (RFC 3261 20.42 via-branch; anything else is
 * a Via other parsers read otherwise: libre takes the second of two, or a
 * value with '=' in it, so it is refused); the first received and the
 * first rport.
 */
static int
pkt_via_params(struct pkt_via *v)
{
	const struct pl *params = &v->v_params;
	struct pl n, val;
	size_t i = 0;
	bool branch = false, received = false;

	while (i < params->l) {
		if (params->p[i] != ';' ||
		    pkt_param_scan(params, &i, &n, &val) != 0)
			return (EBADMSG);
		if (CHARS_PLEQI(&n, "branch")) {
			if (branch || !pkt_alltoken(&val))
				return (EBADMSG);
			v->v_branch = val;
			branch = true;
		} else if (!received && CHARS_PLEQI(&n, "received")) {
			v->v_received = val;
			received = true;
		} else if (!v->v_rport && CHARS_PLEQI(&n, "rport")) {
			v->v_rportval = val;
			v->v_rport = true;
		}
	}
	return (0);
}

int
pkt_via_parse(struct pkt_via *v, const struct pl *elem)
{
	struct pl hp;
	size_t i = 0, j;

	memset(v, 0, sizeof(*v));
	v->v_elem = *elem;
	if (pkt_via_proto(elem, &i, &v->v_tp) != 0)
		return (EBADMSG);
	j = i;
	while (j < elem->l && elem->p[j] != ';' && !chars_islws(elem->p[j]))
		j++;
	hp.p = elem->p + i;
	hp.l = j - i;
	if (pkt_hostport(&hp, &v->v_host, &v->v_port) != 0)
		return (EBADMSG);
	pkt_skip_lws(elem, &j);
	v->v_params.p = elem->p + j;
	v->v_params.l = elem->l - j;
	if (pkt_via_params(v) != 0)
		return (EBADMSG);
	v->v_set = true;
	return (0);
}

/* Skip a quoted string starting at *i (on '"'); EBADMSG if unterminated. */
static int
pkt_skip_quoted(const struct pl *pl, size_t *i)
{
	for ((*i)++; *i < pl->l; (*i)++) {
		if (pl->p[*i] == '\\')
			(*i)++;
		else if (pl->p[*i] == '"')
			break;
	}
	if (*i >= pl->l)
		return (EBADMSG);
	(*i)++;
	return (0);
}

int
pkt_naddr_parse(struct pkt_naddr *n, const struct pl *val)
{
	const char *lt, *gt;
	size_t i = 0;
	bool tag = false;

	memset(n, 0, sizeof(*n));
	if (val->l == 0)
		return (EBADMSG);
	if (val->p[0] == '"' && pkt_skip_quoted(val, &i) != 0)
		return (EBADMSG);
	lt = memchr(val->p + i, '<', val->l - i);
	if (lt != NULL) {
		gt = memchr(lt, '>', (size_t)(val->p + val->l - lt));
		if (gt == NULL)
			return (EBADMSG);
		n->n_uri.p = lt + 1;
		n->n_uri.l = (size_t)(gt - lt - 1);
		i = (size_t)(gt + 1 - val->p);
		pkt_skip_lws(val, &i);
	} else {
		if (i > 0)
			return (EBADMSG);
		n->n_uri.p = val->p;
		while (
		    i < val->l && val->p[i] != ';' && !chars_islws(val->p[i]))
			i++;
		n->n_uri.l = i;
		pkt_skip_lws(val, &i);
	}
	n->n_params.p = val->p + i;
	n->n_params.l = val->l - i;
	if (n->n_uri.l == 0)
		return (EBADMSG);
	/* Every parameter well formed, and the first tag, in one pass. */
	for (i = 0; i < n->n_params.l;) {
		struct pl pn, pv;

		if (n->n_params.p[i] != ';' ||
		    pkt_param_scan(&n->n_params, &i, &pn, &pv) != 0)
			return (EBADMSG);
		if (!tag && CHARS_PLEQI(&pn, "tag")) {
			if (pv.l == 0)
				return (EBADMSG); /* ";tag" without a value */
			n->n_tag = pv;
			tag = true;
		}
	}
	return (0);
}

int
pkt_uri_hostport(const struct pl *uri, struct pl *user, struct pl *host,
    uint16_t *port, struct pl *params)
{
	struct pl rest, hp;
	const char *at, *q, *colon;
	size_t i;

	colon = memchr(uri->p, ':', uri->l);
	if (colon == NULL)
		return (EBADMSG);
	rest.p = colon + 1;
	rest.l = (size_t)(uri->p + uri->l - rest.p);
	hp.p = uri->p;
	hp.l = (size_t)(colon - uri->p);
	if (!CHARS_PLEQI(&hp, "sip") && !CHARS_PLEQI(&hp, "sips"))
		return (EPROTONOSUPPORT);
	q = memchr(rest.p, '?', rest.l);
	if (q != NULL)
		rest.l = (size_t)(q - rest.p);
	at = NULL;
	for (i = rest.l; i > 0; i--) {
		if (rest.p[i - 1] == '@') {
			at = rest.p + i - 1;
			break;
		}
	}
	user->p = rest.p;
	user->l = at ? (size_t)(at - rest.p) : 0;
	if (at != NULL) {
		rest.l -= (size_t)(at + 1 - rest.p);
		rest.p = at + 1;
	}
	hp.p = rest.p;
	for (i = 0; i < rest.l && rest.p[i] != ';'; i++)
		;
	hp.l = i;
	params->p = rest.p + i;
	params->l = rest.l - i;
	return (pkt_hostport(&hp, host, port));
}
