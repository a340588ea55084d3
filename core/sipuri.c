/*
 * SIP URI comparison; see sipuri.h.
 */
#include <string.h>

#include <re.h>

#include "core/chars.h"
#include "core/hex.h"
#include "core/sipuri.h"

struct sipuri {
	struct pl u_scheme;
	struct pl u_userinfo;
	struct pl u_host;
	struct pl u_port;
	struct pl u_params; /* from the first ';', without it */
	struct pl u_headers;
};

/* With their lengths: no strlen per comparison. */
static const struct pl uri_special[] = { PL("user"), PL("ttl"), PL("method"),
	PL("maddr"), PL("transport") };

/* The next byte of pl at *i, with %XX unescaped. */
static int
uri_byte(const struct pl *pl, size_t *i)
{
	int h, l;

	if (pl->p[*i] == '%' && *i + 2 < pl->l &&
	    (h = hex_digit(pl->p[*i + 1])) >= 0 &&
	    (l = hex_digit(pl->p[*i + 2])) >= 0) {
		*i += 3;
		return (h << 4 | l);
	}
	return ((unsigned char)pl->p[(*i)++]);
}

/* Equal after unescaping, optionally ignoring case. */
static bool
uri_eq(const struct pl *a, const struct pl *b, bool icase)
{
	size_t i = 0, j = 0;
	int x, y;

	while (i < a->l && j < b->l) {
		x = uri_byte(a, &i);
		y = uri_byte(b, &j);
		if (icase) {
			x = chars_lower(x);
			y = chars_lower(y);
		}
		if (x != y)
			return (false);
	}
	return (i == a->l && j == b->l);
}

static void
uri_cut(struct pl *in, char c, struct pl *before)
{
	const char *p = memchr(in->p, c, in->l);

	before->p = in->p;
	before->l = p ? (size_t)(p - in->p) : in->l;
	in->p += p ? before->l + 1 : in->l;
	in->l -= p ? before->l + 1 : in->l;
}

static bool
uri_split(const struct pl *s, struct sipuri *u)
{
	struct pl rest = *s, hostport;
	const char *at;

	memset(u, 0, sizeof(*u));
	uri_cut(&rest, ':', &u->u_scheme);
	if (u->u_scheme.l == s->l ||
	    (!CHARS_PLEQI(&u->u_scheme, "sip") &&
		!CHARS_PLEQI(&u->u_scheme, "sips")))
		return (false);
	at = memchr(rest.p, '@', rest.l);
	if (at != NULL) {
		u->u_userinfo.p = rest.p;
		u->u_userinfo.l = (size_t)(at - rest.p);
		rest.l -= u->u_userinfo.l + 1;
		rest.p = at + 1;
	}
	uri_cut(&rest, '?', &hostport);
	u->u_headers = rest;
	rest = hostport;
	uri_cut(&rest, ';', &hostport);
	u->u_params = rest;
	if (hostport.l > 0 && hostport.p[0] == '[') {
		rest = hostport;
		uri_cut(&rest, ']', &u->u_host);
		if (rest.l > 0 && rest.p[0] == ':') {
			u->u_port.p = rest.p + 1;
			u->u_port.l = rest.l - 1;
		}
		return (true);
	}
	rest = hostport;
	uri_cut(&rest, ':', &u->u_host);
	u->u_port = rest;
	return (true);
}

/* The value of the first parameter called name in params ("a=b;c"). */
static bool
uri_param(const struct pl *params, const struct pl *name, struct pl *val)
{
	struct pl rest = *params, one, n;

	while (rest.l > 0) {
		uri_cut(&rest, ';', &one);
		uri_cut(&one, '=', &n);
		if (chars_eqi(n.p, n.l, name->p, name->l)) {
			*val = one;
			return (true);
		}
	}
	return (false);
}

/*
 * Every parameter that both have must be equal: the first of each name in
 * a against the first of that name in b.
 */
static bool
uri_params_common(const struct pl *a, const struct pl *b)
{
	struct pl rest = *a, one, n, first, vb;

	while (rest.l > 0) {
		uri_cut(&rest, ';', &one);
		uri_cut(&one, '=', &n);
		if (!uri_param(a, &n, &first) || first.p != one.p)
			continue; /* a repeated name: the first one counts */
		if (uri_param(b, &n, &vb) && !uri_eq(&one, &vb, true))
			return (false);
	}
	return (true);
}

static bool
uri_params_eq(const struct pl *a, const struct pl *b)
{
	struct pl va, vb;
	size_t i;
	bool ha, hb;

	for (i = 0; i < sizeof(uri_special) / sizeof(uri_special[0]); i++) {
		ha = uri_param(a, &uri_special[i], &va);
		hb = uri_param(b, &uri_special[i], &vb);
		if (ha != hb || (ha && !uri_eq(&va, &vb, true)))
			return (false);
	}
	return (uri_params_common(a, b));
}

/* p without its leading zeros (one is kept: "0"). */
static struct pl
uri_port_digits(const struct pl *p)
{
	struct pl d = *p;

	while (d.l > 1 && d.p[0] == '0') {
		d.p++;
		d.l--;
	}
	return (d);
}

/*
 * Both absent, or the same number (05060 is 5060), compared as digits so
 * that no length wraps or is refused.
 */
static bool
uri_port_eq(const struct pl *a, const struct pl *b)
{
	struct pl da, db;

	if (a->l == 0 || b->l == 0)
		return (a->l == b->l);
	if (!chars_all(a->p, a->l, CHARS_DIGIT))
		return (pl_cmp(a, b) == 0);
	if (!chars_all(b->p, b->l, CHARS_DIGIT))
		return (false);
	da = uri_port_digits(a);
	db = uri_port_digits(b);
	return (pl_cmp(&da, &db) == 0);
}

bool
sipuri_equal(const struct pl *a, const struct pl *b)
{
	struct sipuri ua, ub;

	if (!uri_split(a, &ua) || !uri_split(b, &ub))
		return (pl_cmp(a, b) == 0);
	return (chars_eqi(ua.u_scheme.p, ua.u_scheme.l, ub.u_scheme.p,
		    ub.u_scheme.l) &&
	    uri_eq(&ua.u_userinfo, &ub.u_userinfo, false) &&
	    uri_eq(&ua.u_host, &ub.u_host, true) &&
	    uri_port_eq(&ua.u_port, &ub.u_port) &&
	    uri_params_eq(&ua.u_params, &ub.u_params) &&
	    uri_eq(&ua.u_headers, &ub.u_headers, false));
}
