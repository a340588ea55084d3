/*
 * Via branches; the byte layout is in branch.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/b64url.h"
#include "sip/branch.h"
#include "sip/pkt.h"
#include "sip/token.h"

#define BRANCH_VERSION 1
#define HASHLEN        8 /* the transaction hash, token_put64 */
#define TAGLEN         10
#define CONNLEN        8
#define BRANCH_MAXRAW  (BRANCH_RAWLEN + CONNLEN)

static int
branch_txn_hash(struct mac *m, const struct pkt *p, uint8_t *h)
{
	const struct pkt_via *v = &p->p_via[0];
	struct mac_part parts[8];
	uint8_t cseq[4];
	size_t n = 0;
	uint64_t hv;
	int err;

	parts[n++] = (struct mac_part){ "t", 1 };
	if (v->v_branch.l > 7 && strncmp(v->v_branch.p, "z9hG4bK", 7) == 0) {
		parts[n++] = (struct mac_part){ v->v_branch.p, v->v_branch.l };
		parts[n++] = (struct mac_part){ v->v_host.p, v->v_host.l };
		parts[n++] = (struct mac_part){ &v->v_port, sizeof(v->v_port) };
	} else {
		cseq[0] = (uint8_t)(p->p_cseq >> 24);
		cseq[1] = (uint8_t)(p->p_cseq >> 16);
		cseq[2] = (uint8_t)(p->p_cseq >> 8);
		cseq[3] = (uint8_t)p->p_cseq;
		parts[n++] = (struct mac_part){ p->p_ruri.p, p->p_ruri.l };
		parts[n++] =
		    (struct mac_part){ p->p_from.n_tag.p, p->p_from.n_tag.l };
		parts[n++] = (struct mac_part){ p->p_callid.p, p->p_callid.l };
		parts[n++] = (struct mac_part){ cseq, sizeof(cseq) };
		parts[n++] = (struct mac_part){ v->v_elem.p, v->v_elem.l };
	}
	/* Keyed, not a tag: the tag below covers it (mac.h, mac_hash64). */
	if ((err = mac_hash64(m, 0, SECRET_BRANCH, parts, n, &hv)) != 0)
		return (err);
	token_put64(h, hv);
	return (0);
}

/* MAC over raw[0..n) and the relay flow (transport, address, port). */
static int
branch_tag(struct mac *m, size_t idx, const uint8_t *raw, size_t n,
    const struct flow *relay, uint8_t *tag)
{
	struct mac_part parts[3];
	uint8_t a[1 + 16 + 2];
	size_t al;

	/*
	 * TCP and TLS are one class here: the connection id says where the
	 * response goes, and a client's Via may name either (a TLS tunnel
	 * in front of a TCP client writes TCP).
	 */
	a[0] = token_stream(relay->f_tp) ? TP_TCP : relay->f_tp;
	al = 1 + addr_bytes(&relay->f_addr, a + 1);
	a[al] = (uint8_t)(sa_port(&relay->f_addr) >> 8);
	a[al + 1] = (uint8_t)sa_port(&relay->f_addr);
	parts[0] = (struct mac_part){ "r", 1 };
	parts[1] = (struct mac_part){ raw, n };
	parts[2] = (struct mac_part){ a, al + 2 };
	return (mac_sign(m, idx, SECRET_BRANCH, parts, 3, tag, TAGLEN));
}

int
branch_make(struct mac *m, const struct secrets *s, const struct pkt *p,
    const struct flow *relay, char out[BRANCH_MAXLEN + 1])
{
	uint8_t raw[BRANCH_MAXRAW];
	size_t n = 4 + HASHLEN;
	int err;

	raw[0] = BRANCH_VERSION;
	raw[1] = (uint8_t)(s->ss_v[0].s_id >> 8);
	raw[2] = (uint8_t)s->ss_v[0].s_id;
	raw[3] = relay->f_lsock;
	if ((err = branch_txn_hash(m, p, raw + 4)) != 0)
		return (err);
	if (token_stream(relay->f_tp)) {
		token_put64(raw + n, relay->f_conn);
		n += CONNLEN;
	}
	if ((err = branch_tag(m, 0, raw, n, relay, raw + n)) != 0)
		return (err);
	memcpy(out, BRANCH_PREFIX, BRANCH_PREFIXLEN);
	n = b64url_encode(raw, n + TAGLEN, out + BRANCH_PREFIXLEN);
	out[BRANCH_PREFIXLEN + n] = '\0';
	return (0);
}

bool
branch_is_ours(const struct pl *branch)
{
	return ((branch->l == BRANCH_STRLEN || branch->l == BRANCH_MAXLEN) &&
	    memcmp(branch->p, BRANCH_PREFIX, BRANCH_PREFIXLEN) == 0);
}

bool
branch_check(struct mac *m, const struct secrets *s, const struct pl *branch,
    struct flow *relay)
{
	uint8_t raw[BRANCH_MAXRAW], tag[TAGLEN];
	size_t n = 4 + HASHLEN + (token_stream(relay->f_tp) ? CONNLEN : 0);
	uint16_t id;
	int idx = -1;

	if (!branch_is_ours(branch) ||
	    b64url_decode(branch->p + BRANCH_PREFIXLEN,
		branch->l - BRANCH_PREFIXLEN, raw, sizeof(raw)) != n + TAGLEN ||
	    raw[0] != BRANCH_VERSION)
		return (false);
	id = (uint16_t)(raw[1] << 8 | raw[2]);
	while ((idx = token_secret(s, id, (size_t)(idx + 1))) >= 0) {
		if (branch_tag(m, (size_t)idx, raw, n, relay, tag) != 0)
			return (false);
		if (CRYPTO_memcmp(tag, raw + n, TAGLEN) == 0) {
			relay->f_lsock = raw[3];
			relay->f_conn = n > 4 + HASHLEN ?
			    token_get64(raw + 4 + HASHLEN) :
			    0;
			return (true);
		}
	}
	return (false);
}
