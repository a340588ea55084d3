/*
 * Stateless nonces; the byte layout is in nonce.h.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/nonce.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/b64url.h"

#define NONCE_VERSION 1
#define NONCE_BODY    16
#define NONCE_TAGLEN  16
#define NONCE_SKEW    60

static void
nonce_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
nonce_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static int
nonce_tag(struct mac *m, size_t idx, const uint8_t *body, const struct sa *src,
    const char *realm, uint8_t *tag)
{
	struct mac_part parts[3];
	uint8_t ip[16];

	parts[0] = (struct mac_part){ body, NONCE_BODY };
	/* 4 bytes for IPv4 and v4-mapped IPv6, else 16. */
	parts[1] = (struct mac_part){ ip, addr_bytes(src, ip) };
	parts[2] = (struct mac_part){ realm, strlen(realm) };
	return (mac_sign(m, idx, SECRET_NONCE, parts, 3, tag, NONCE_TAGLEN));
}

int
nonce_make(struct mac *m, const struct secrets *s, struct nonce *n,
    const struct sa *src, const char *realm, char out[NONCE_STRLEN + 1])
{
	uint8_t raw[NONCE_RAWLEN];
	int err;

	n->n_secret = s->ss_v[0].s_id;
	raw[0] = NONCE_VERSION;
	raw[1] = (uint8_t)(n->n_secret >> 8);
	raw[2] = (uint8_t)n->n_secret;
	nonce_put32(raw + 3, n->n_time);
	nonce_put32(raw + 7, n->n_instance);
	nonce_put32(raw + 11, n->n_counter);
	raw[15] = n->n_alg;
	if ((err = nonce_tag(m, 0, raw, src, realm, raw + NONCE_BODY)) != 0)
		return (err);
	(void)b64url_encode(raw, sizeof(raw), out);
	return (0);
}

/* Is the tag right for any secret of the nonce's id? */
static bool
nonce_signed(struct mac *m, const struct secrets *s, const uint8_t *raw,
    const struct sa *src, const char *realm)
{
	uint16_t id = (uint16_t)(raw[1] << 8 | raw[2]);
	uint8_t tag[NONCE_TAGLEN];
	size_t i;

	for (i = 0; i < s->ss_n; i++) {
		if (s->ss_v[i].s_id != id)
			continue;
		if (nonce_tag(m, i, raw, src, realm, tag) != 0)
			return (false);
		if (CRYPTO_memcmp(tag, raw + NONCE_BODY, NONCE_TAGLEN) == 0)
			return (true);
	}
	return (false);
}

enum nonce_result
nonce_check(struct mac *m, const struct secrets *s, const struct pl *text,
    const struct sa *src, const char *realm, uint32_t now, uint32_t ttl,
    struct nonce *n)
{
	uint8_t raw[NONCE_RAWLEN];

	if (text->l != NONCE_STRLEN ||
	    b64url_decode(text->p, text->l, raw, sizeof(raw)) != sizeof(raw) ||
	    raw[0] != NONCE_VERSION || !nonce_signed(m, s, raw, src, realm))
		return (NONCE_BAD);
	n->n_secret = (uint16_t)(raw[1] << 8 | raw[2]);
	n->n_time = nonce_get32(raw + 3);
	n->n_instance = nonce_get32(raw + 7);
	n->n_counter = nonce_get32(raw + 11);
	n->n_alg = raw[15];
	if (n->n_time > now + NONCE_SKEW)
		return (NONCE_BAD);
	if (now > n->n_time && now - n->n_time > ttl)
		return (NONCE_STALE);
	return (NONCE_OK);
}
