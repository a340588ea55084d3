/*
 * The authentication stage; see authn.h.  Unknown users and wrong
 * passwords take the same path and the same time: a digest is computed
 * and compared in both cases (against a random HA1 for an unknown user).
 */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include <re.h>

#include "auth/digest.h"
#include "auth/nonce.h"
#include "auth/replay.h"
#include "auth/users.h"
#include "core/addr.h"
#include "core/chars.h"
#include "core/config.h"
#include "core/hex.h"
#include "core/obuf.h"
#include "core/sipuri.h"
#include "sip/authn.h"
#include "sip/flow.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"
#include "sip/snapshot.h"

_Static_assert((int)CFG_ALG_MD5 == (int)DIGEST_MD5 &&
	(int)CFG_ALG_SHA256 == (int)DIGEST_SHA256 &&
	(int)CFG_ALG_SHA512_256 == (int)DIGEST_SHA512_256 &&
	(int)USER_MD5 == (int)DIGEST_MD5 &&
	(int)USER_SHA256 == (int)DIGEST_SHA256 &&
	(int)USER_SHA512_256 == (int)DIGEST_SHA512_256,
    "algorithm enums must agree");

static const struct {
	const char *name;
	bool bans;
} authn_reasons[AUTHN_NREASONS] = { { "none", false },
#define X(e, s, b) { s, b },
	AUTHN_REASONS(X)
#undef X
};

const char *
authn_reason_name(enum authn_reason r)
{
	return ((size_t)r < AUTHN_NREASONS ? authn_reasons[r].name : "?");
}

bool
authn_reason_bans(enum authn_reason r)
{
	return ((size_t)r < AUTHN_NREASONS && authn_reasons[r].bans);
}

int
authn_init(struct authn *an, struct mac *m, struct replay *r)
{
	memset(an, 0, sizeof(*an));
	an->an_mac = m;
	an->an_replay = r;
	if (RAND_bytes(an->an_dummy, sizeof(an->an_dummy)) != 1)
		return (EIO);
	return (digest_alloc(&an->an_digest));
}

void
authn_fini(struct authn *an)
{
	digest_free(an->an_digest);
	an->an_digest = NULL;
}

static bool
authn_is_register(const struct pkt *p)
{
	return (PKT_METHOD_IS(&p->p_method, "REGISTER"));
}

/*
 * Does the raw value of a credential line that digest_parse refused name
 * our realm (realm=ours or realm="ours", any case of "realm", LWS around
 * '=')?  Such a line is removed all the same: it may still carry a
 * username, a nonce and a response.
 */
static bool
authn_raw_realm(const struct pl *v, const char *realm)
{
	size_t rl = strlen(realm), i, j;

	for (i = 0; i + 5 <= v->l; i++) {
		if (!chars_eqi(v->p + i, 5, "realm", 5))
			continue;
		j = i + 5;
		j = chars_skip(v->p, v->l, j, CHARS_WS);
		if (j >= v->l || v->p[j++] != '=')
			continue;
		j = chars_skip(v->p, v->l, j, CHARS_WS);
		if (j < v->l && v->p[j] == '"')
			j++;
		if (j + rl <= v->l && memcmp(v->p + j, realm, rl) == 0 &&
		    (j + rl == v->l || strchr("\", \t", v->p[j + rl]) != NULL))
			return (true);
	}
	return (false);
}

/* Note the header line h for removal. */
static void
authn_note_strip(const struct pkt *p, const struct pkt_hdr *h,
    struct authn_result *res)
{
	if (res->ar_nstrip < AUTHN_MAXSTRIP) {
		res->ar_strip[res->ar_nstrip].p = p->p_buf + h->h_off;
		res->ar_strip[res->ar_nstrip++].l = h->h_len;
	}
}

/*
 * One pass over p's credential lines, each parsed once.  Every line for
 * our realm, Authorization and Proxy-Authorization alike whatever the
 * method, parsed or not, is noted in res for removal: none may reach the
 * PBX.  Our realm's credentials in the header the method answers with
 * (Authorization for REGISTER) are parsed into c.  Returns AUTHN_NONE
 * when there are none at all.
 */
static enum authn_reason
authn_find(const struct snapshot *sn, const struct pkt *p,
    struct digest_cred *c, struct authn_result *res, bool *found)
{
	enum pkt_hid id =
	    authn_is_register(p) ? HDR_AUTHORIZATION : HDR_PROXY_AUTHORIZATION;
	const char *realm = sn->sn_cfg->c_realm;
	enum authn_reason why = AUTHN_NONE;
	struct digest_cred tmp;
	size_t i;

	*found = false;
	res->ar_nstrip = 0;
	for (i = 0; i < p->p_nhdrs; i++) {
		const struct pkt_hdr *h = &p->p_hdrs[i];

		if (h->h_id != HDR_AUTHORIZATION &&
		    h->h_id != HDR_PROXY_AUTHORIZATION)
			continue;
		if (digest_parse(&h->h_val, &tmp) != 0) {
			if (authn_raw_realm(&h->h_val, realm))
				authn_note_strip(p, h, res);
			if (h->h_id == id)
				why = AUTHN_BAD_HEADER;
			continue;
		}
		if (strcmp(tmp.dc_realm.ds_p, realm) != 0) {
			if (h->h_id != id)
				continue;
			if (why == AUTHN_NONE)
				why = AUTHN_WRONG_REALM;
			if (res->ar_user.ds_l == 0)
				res->ar_user =
				    tmp.dc_username; /* for the log */
			continue;
		}
		authn_note_strip(p, h, res);
		if (h->h_id == id && !*found) {
			*c = tmp;
			*found = true;
		}
	}
	return (why);
}

static bool
authn_alg_offered(const struct cfg *cfg, enum digest_alg alg)
{
	size_t i;

	for (i = 0; i < cfg->c_nalgs; i++)
		if ((int)cfg->c_algs[i] == (int)alg)
			return (true);
	return (false);
}

/* Does the user part of uri equal name, %XX unescaped? */
static bool
authn_user_is(const struct pl *uri, const struct digest_str *name)
{
	struct pl user, host, params;
	uint16_t port;
	size_t i = 0, n = 0;
	int hi, lo;
	char c;

	if (pkt_uri_hostport(uri, &user, &host, &port, &params) != 0)
		return (false);
	while (i < user.l) {
		c = user.p[i++];
		if (c == '%' && i + 1 < user.l &&
		    (hi = hex_digit(user.p[i])) >= 0 &&
		    (lo = hex_digit(user.p[i + 1])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n >= name->ds_l || name->ds_p[n++] != c)
			return (false);
	}
	return (n == name->ds_l);
}

static bool
authn_identity(const struct cfg *cfg, const struct pkt *p,
    const struct digest_str *user)
{
	bool reg = authn_is_register(p);

	switch (cfg->c_idcheck) {
	case CFG_ID_OFF:
		return (true);
	case CFG_ID_REGISTER:
		return (!reg || authn_user_is(&p->p_to.n_uri, user));
	default:
		if (reg && !authn_user_is(&p->p_to.n_uri, user))
			return (false);
		return (authn_user_is(&p->p_from.n_uri, user));
	}
}

/* The digest response, checked for a known or an unknown user alike. */
static enum authn_reason
authn_response(struct authn *an, const struct snapshot *sn, const struct pkt *p,
    const struct digest_cred *c)
{
	const struct user *u;
	const uint8_t *ha1 = an->an_dummy;
	struct pl body = { p->p_buf + p->p_body, p->p_bodylen };
	bool known;

	u = users_lookup(sn->sn_users, c->dc_username.ds_p,
	    c->dc_username.ds_l);
	known = u != NULL && u->u_has[c->dc_alg];
	if (known)
		ha1 = u->u_ha1[c->dc_alg];
	if (!digest_check(an->an_digest, c, ha1, &p->p_method, &body) || !known)
		return (known ? AUTHN_BAD_RESPONSE : AUTHN_UNKNOWN_USER);
	return (AUTHN_NONE);
}

/*
 * Where a message came from, as bytes for its fingerprint: transport,
 * listener, connection, address and port.  Returns their length.
 */
static size_t
authn_from_bytes(const struct flow *src, uint8_t out[32])
{
	const struct sa *a = &src->f_addr;
	uint16_t port = sa_port(a);
	size_t n = 0, i, al;

	out[n++] = src->f_tp;
	out[n++] = src->f_lsock;
	for (i = 0; i < 8; i++)
		out[n++] = (uint8_t)(src->f_conn >> (8 * i));
	al = addr_bytes(a, out + n + 1); /* a v4-mapped source as IPv4 */
	out[n] = (uint8_t)al;
	n += 1 + al;
	out[n++] = (uint8_t)(port >> 8);
	out[n++] = (uint8_t)port;
	return (n);
}

/*
 * The replay check, once the response is known to be right.  Only UDP
 * retransmits (RFC 3261 17.1.1.2): the same bytes again on a stream are
 * a replay.
 */
static enum authn_reason
authn_replay(struct authn *an, const struct pkt *p, const struct flow *src,
    const struct digest_cred *c, const struct nonce *n, uint32_t now,
    bool *stale)
{
	uint32_t nc = c->dc_qop == DIGEST_QOP_NONE ? 1 : c->dc_nc;
	uint8_t from[32];
	size_t fromlen = authn_from_bytes(src, from);
	uint64_t msg =
	    replay_msg_hash(an->an_replay, from, fromlen, p->p_buf, p->p_len);

	switch (replay_use(an->an_replay, n, nc, msg, now)) {
	case REPLAY_USED:
		return (AUTHN_REPLAY);
	case REPLAY_RETRANS:
		return (src->f_tp == TP_UDP ? AUTHN_NONE : AUTHN_REPLAY);
	case REPLAY_GONE:
		*stale = true;
		return (AUTHN_STALE_NONCE);
	default:
		return (AUTHN_NONE);
	}
}

/*
 * Does the digest uri name the request's target (the Request-URI, compared
 * as URIs, RFC 3261 19.1.4) or sipwarden itself?  sipp and phones behind
 * an outbound proxy send the latter: the bare host and port of one of our
 * listeners (snapshot_uri_self), with no user part, no headers and no
 * parameter but transport and lr.  A user part would name someone at our
 * address (sip:100@sw.example.org, where sipwarden is the domain), maddr
 * another host: a credential computed for one target must never
 * authorize another (RFC 7616 3.4.6).
 */
static bool
authn_uri_ok(const struct snapshot *sn, const struct pkt *p,
    const struct pl *uri)
{
	struct pl user, params, name, val, whole;
	size_t pos = 0;

	if (sipuri_equal(uri, &p->p_ruri))
		return (true);
	if (memchr(uri->p, '?', uri->l) != NULL ||
	    snapshot_uri_self(sn, uri, &user, &params) < 0 || user.l > 0)
		return (false);
	while (pkt_param_next(&params, &pos, &name, &val, &whole))
		if (!CHARS_PLEQI(&name, "transport") &&
		    !CHARS_PLEQI(&name, "lr"))
			return (false);
	return (pos >= params.l);
}

/* Credentials found: nonce, response, replay, identity, in that order. */
static enum authn_reason
authn_verify(struct authn *an, const struct snapshot *sn, const struct pkt *p,
    const struct flow *src, uint32_t now, const struct digest_cred *c,
    bool *stale)
{
	const struct cfg *cfg = sn->sn_cfg;
	struct pl text = { c->dc_nonce.ds_p, c->dc_nonce.ds_l };
	struct pl uri = { c->dc_uri.ds_p, c->dc_uri.ds_l };
	enum nonce_result nr;
	enum authn_reason r;
	struct nonce n;

	nr = nonce_check(an->an_mac, sn->sn_secrets, &text, &src->f_addr,
	    cfg->c_realm, now, cfg->c_nonce_ttl, &n);
	if (nr == NONCE_BAD || n.n_alg != (uint8_t)c->dc_alg ||
	    !authn_alg_offered(cfg, c->dc_alg))
		return (AUTHN_BAD_NONCE);
	if (!authn_uri_ok(sn, p, &uri))
		return (AUTHN_BAD_HEADER);
	if ((r = authn_response(an, sn, p, c)) != AUTHN_NONE)
		return (r);
	if (nr == NONCE_STALE) {
		*stale = true;
		return (AUTHN_STALE_NONCE);
	}
	if ((r = authn_replay(an, p, src, c, &n, now, stale)) != AUTHN_NONE)
		return (r);
	if (!authn_identity(cfg, p, &c->dc_username))
		return (AUTHN_IDENTITY);
	return (AUTHN_NONE);
}

void
authn_request(struct authn *an, const struct snapshot *sn, const struct pkt *p,
    const struct flow *src, uint32_t now, struct authn_result *res)
{
	struct digest_cred c;
	bool found;

	memset(res, 0, sizeof(*res));
	res->ar_verdict = AUTHN_CHALLENGE;
	res->ar_scanned = true;
	res->ar_reason = authn_find(sn, p, &c, res, &found);
	if (!found)
		return;
	res->ar_user = c.dc_username;
	res->ar_reason = authn_verify(an, sn, p, src, now, &c, &res->ar_stale);
	if (res->ar_reason == AUTHN_NONE)
		res->ar_verdict = AUTHN_PASS;
	else if (res->ar_reason == AUTHN_IDENTITY)
		res->ar_verdict = AUTHN_FORBIDDEN;
}

void
authn_strip(const struct snapshot *sn, const struct pkt *p,
    struct authn_result *res)
{
	struct authn_result tmp;
	struct digest_cred c;
	bool found;

	memset(&tmp, 0, sizeof(tmp));
	(void)authn_find(sn, p, &c, &tmp, &found);
	memcpy(res->ar_strip, tmp.ar_strip, sizeof(res->ar_strip));
	res->ar_nstrip = tmp.ar_nstrip;
	res->ar_scanned = true;
}

int
authn_challenge(struct authn *an, const struct snapshot *sn,
    const struct pkt *p, const struct sa *src, uint32_t now, bool stale,
    struct obuf *ob)
{
	const struct cfg *cfg = sn->sn_cfg;
	char text[NONCE_STRLEN + 1];
	struct nonce n;
	size_t i;
	int err;

	for (i = 0; i < cfg->c_nalgs; i++) {
		memset(&n, 0, sizeof(n));
		n.n_time = now;
		n.n_instance = replay_instance(an->an_replay);
		n.n_counter = replay_issue(an->an_replay);
		n.n_alg = (uint8_t)cfg->c_algs[i];
		err = nonce_make(an->an_mac, sn->sn_secrets, &n, src,
		    cfg->c_realm, text);
		if (err != 0)
			return (err);
		obuf_puts(ob,
		    authn_is_register(p) ? "WWW-Authenticate" :
					   "Proxy-Authenticate");
		obuf_puts(ob, ": Digest realm=\"");
		obuf_puts(ob, cfg->c_realm);
		obuf_puts(ob, "\", nonce=\"");
		obuf_puts(ob, text);
		obuf_puts(ob, "\", algorithm=");
		obuf_puts(ob, digest_alg_name((enum digest_alg)cfg->c_algs[i]));
		obuf_puts(ob, ", qop=\"auth\"");
		if (stale)
			obuf_puts(ob, ", stale=true");
		obuf_puts(ob, "\r\n");
	}
	return (ob->ob_full ? ENOSPC : 0);
}
