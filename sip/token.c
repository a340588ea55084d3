/*
 * Flow and dialog tokens, and the pieces they share with the Via branch;
 * the byte layouts are in token.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/b64url.h"
#include "sip/token.h"

#define FLOW_VERSION 1
#define TAGLEN       10
#define CONNLEN      8
#define FLOW_MAXRAW  (6 + 16 + 2 + CONNLEN + TAGLEN)

/* The secret index with this id, or -1. */
int
token_secret(const struct secrets *s, uint16_t id, size_t from)
{
	size_t i;

	for (i = from; i < s->ss_n; i++)
		if (s->ss_v[i].s_id == id)
			return ((int)i);
	return (-1);
}

/*
 * The address of sa as it is, into out (4 or 16); returns the count.  Not
 * addr_bytes(): a flow token must give back the very socket address, so
 * a v4-mapped one stays IPv6 (the reply leaves by the socket it came on).
 */
size_t
token_addr(const struct sa *sa, uint8_t *out)
{
	if (sa_af(sa) == AF_INET) {
		memcpy(out, &sa->u.in.sin_addr, 4);
		return (4);
	}
	memcpy(out, &sa->u.in6.sin6_addr, 16);
	return (16);
}

bool
token_stream(uint8_t tp)
{
	return (tp == TP_TCP || tp == TP_TLS);
}

void
token_put64(uint8_t *out, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
token_get64(const uint8_t *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return (v);
}

/* Everything of the token but its tag; returns the length. */
static size_t
flow_raw(const struct secrets *s, size_t idx, const struct flow *f,
    uint8_t *raw)
{
	size_t n;

	raw[0] = FLOW_VERSION;
	raw[1] = (uint8_t)(s->ss_v[idx].s_id >> 8);
	raw[2] = (uint8_t)s->ss_v[idx].s_id;
	raw[3] = f->f_tp;
	raw[4] = f->f_lsock;
	raw[5] = sa_af(&f->f_addr) == AF_INET ? 4 : 6;
	n = 6 + token_addr(&f->f_addr, raw + 6);
	raw[n] = (uint8_t)(sa_port(&f->f_addr) >> 8);
	raw[n + 1] = (uint8_t)sa_port(&f->f_addr);
	n += 2;
	if (token_stream(f->f_tp)) {
		token_put64(raw + n, f->f_conn);
		n += CONNLEN;
	}
	return (n);
}

size_t
flow_token_make(struct mac *m, const struct secrets *s, const struct flow *f,
    char out[FLOW_TOKEN_MAXLEN + 1])
{
	uint8_t raw[FLOW_MAXRAW];
	struct mac_part part;
	size_t n;

	if (sa_port(&f->f_addr) == 0)
		return (0);
	n = flow_raw(s, 0, f, raw);
	part = (struct mac_part){ raw, n };
	if (mac_sign(m, 0, SECRET_TOKEN, &part, 1, raw + n, TAGLEN) != 0)
		return (0);
	return (b64url_encode(raw, n + TAGLEN, out));
}

/* Fill f from a decoded token body of n bytes (tag excluded). */
static bool
flow_fill(const uint8_t *raw, size_t n, struct flow *f)
{
	size_t conn = token_stream(raw[3]) ? CONNLEN : 0;
	uint16_t port;

	if (raw[0] != FLOW_VERSION || raw[3] > TP_TLS || n < 6 + conn)
		return (false);
	f->f_conn = conn ? token_get64(raw + n - CONNLEN) : 0;
	n -= conn;
	if (raw[5] == 4 && n == 6 + 4 + 2) {
		uint32_t a;

		memcpy(&a, raw + 6, 4);
		port = (uint16_t)(raw[10] << 8 | raw[11]);
		sa_set_in(&f->f_addr, ntohl(a), port);
	} else if (raw[5] == 6 && n == 6 + 16 + 2) {
		port = (uint16_t)(raw[22] << 8 | raw[23]);
		sa_set_in6(&f->f_addr, raw + 6, port);
	} else {
		return (false);
	}
	f->f_tp = raw[3];
	f->f_lsock = raw[4];
	return (port != 0);
}

bool
flow_token_check(struct mac *m, const struct secrets *s, const struct pl *tok,
    struct flow *f)
{
	uint8_t raw[FLOW_MAXRAW], tag[TAGLEN];
	struct mac_part part;
	size_t n;
	int idx = -1;

	if (tok->l > FLOW_TOKEN_MAXLEN)
		return (false);
	n = b64url_decode(tok->p, tok->l, raw, sizeof(raw));
	if (n < 6 + TAGLEN)
		return (false);
	n -= TAGLEN;
	part = (struct mac_part){ raw, n };
	while ((idx = token_secret(s, (uint16_t)(raw[1] << 8 | raw[2]),
		    (size_t)(idx + 1))) >= 0) {
		if (mac_sign(m, (size_t)idx, SECRET_TOKEN, &part, 1, tag,
			TAGLEN) != 0)
			return (false);
		if (CRYPTO_memcmp(tag, raw + n, TAGLEN) == 0) {
			struct flow got;

			if (!flow_fill(raw, n, &got))
				return (false);
			*f = got;
			return (true);
		}
	}
	return (false);
}

#define DIALOG_VERSION 1
#define DIALOG_TAGLEN  12

static int
dialog_tag(struct mac *m, size_t idx, const uint8_t *head,
    const struct pl *flowtok, const struct pl *callid, uint8_t *tag)
{
	struct mac_part parts[5];
	uint8_t len[2];

	/* The flow token's length keeps the two fields apart. */
	len[0] = (uint8_t)(flowtok->l >> 8);
	len[1] = (uint8_t)flowtok->l;
	parts[0] = (struct mac_part){ "d", 1 };
	parts[1] = (struct mac_part){ head, 3 };
	parts[2] = (struct mac_part){ len, 2 };
	parts[3] = (struct mac_part){ flowtok->p, flowtok->l };
	parts[4] = (struct mac_part){ callid->p, callid->l };
	return (mac_sign(m, idx, SECRET_TOKEN, parts, 5, tag, DIALOG_TAGLEN));
}

int
dialog_token_make(struct mac *m, const struct secrets *s,
    const struct pl *flowtok, const struct pl *callid,
    char out[DIALOG_TOKEN_LEN + 1])
{
	uint8_t raw[3 + DIALOG_TAGLEN];
	int err;

	raw[0] = DIALOG_VERSION;
	raw[1] = (uint8_t)(s->ss_v[0].s_id >> 8);
	raw[2] = (uint8_t)s->ss_v[0].s_id;
	if ((err = dialog_tag(m, 0, raw, flowtok, callid, raw + 3)) != 0)
		return (err);
	(void)b64url_encode(raw, sizeof(raw), out);
	return (0);
}

bool
dialog_token_check(struct mac *m, const struct secrets *s, const struct pl *tok,
    const struct pl *flowtok, const struct pl *callid)
{
	uint8_t raw[3 + DIALOG_TAGLEN], tag[DIALOG_TAGLEN];
	int idx = -1;

	if (tok->l != DIALOG_TOKEN_LEN ||
	    b64url_decode(tok->p, tok->l, raw, sizeof(raw)) != sizeof(raw) ||
	    raw[0] != DIALOG_VERSION)
		return (false);
	while ((idx = token_secret(s, (uint16_t)(raw[1] << 8 | raw[2]),
		    (size_t)(idx + 1))) >= 0) {
		if (dialog_tag(m, (size_t)idx, raw, flowtok, callid, tag) != 0)
			return (false);
		if (CRYPTO_memcmp(tag, raw + 3, DIALOG_TAGLEN) == 0)
			return (true);
	}
	return (false);
}
