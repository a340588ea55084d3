/*
 * Precomputed HMAC-SHA-256 states per worker; see mac.h.
 *
 * HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)) (RFC 2104).  Both pads
 * fill exactly one SHA-256 block, so the state after absorbing each is
 * computed once per key at mac_bind(); a MAC copies the two states by
 * value and hashes only m and the inner digest.
 *
 * OpenSSL 3.0 deprecates SHA256_Init/Update/Final, but its EVP route
 * allocates per call: EVP_MAC_init with a NULL key duplicates the keyed
 * digest context (the provider's dupctx, a malloc) and cleanses the old
 * one.  The low-level functions work on a context we own, on the stack,
 * hence OPENSSL_SUPPRESS_DEPRECATED in this file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth/mac.h"
#include "core/siphash.h"

#define MAC_BLOCK 64 /* SHA-256's block: the length of a padded key */
#define MAC_IPAD  0x36
#define MAC_OPAD  0x5c

_Static_assert(SECRET_KEYLEN <= MAC_BLOCK, "a key longer than a block");
_Static_assert(MAC_MAXLEN == SHA256_DIGEST_LENGTH, "MAC_MAXLEN is SHA-256's");

/* One key's HMAC-SHA-256, the pads absorbed, and its SipHash key. */
struct mac_ctx {
	SHA256_CTX mc_inner;       /* after key ^ ipad */
	SHA256_CTX mc_outer;       /* after key ^ opad */
	struct siphash_key mc_sip; /* mac_hash64(): see mac_key() */
};

struct mac {
	struct mac_ctx m_ctx[SECRETS_MAX][SECRET_NUSES];
	const struct secrets *m_secrets;
	uint64_t m_gen;
	size_t m_n;
};

/* Wipe the states of the bound keys. */
static void
mac_clear(struct mac *m)
{
	OPENSSL_cleanse(m->m_ctx, m->m_n * sizeof(m->m_ctx[0]));
	m->m_secrets = NULL;
	m->m_n = 0;
}

int
mac_alloc(struct mac **mp)
{
	struct mac *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (ENOMEM);
	*mp = m;
	return (0);
}

void
mac_free(struct mac *m)
{
	if (m == NULL)
		return;
	mac_clear(m);
	free(m);
}

/* A SHA-256 state after the key, zero-padded to a block, XOR pad. */
static int
mac_pad(SHA256_CTX *c, const uint8_t *key, uint8_t pad)
{
	uint8_t block[MAC_BLOCK];
	size_t i;
	int ok;

	memset(block, pad, sizeof(block));
	for (i = 0; i < SECRET_KEYLEN; i++)
		block[i] ^= key[i];
	ok = SHA256_Init(c) && SHA256_Update(c, block, sizeof(block));
	OPENSSL_cleanse(block, sizeof(block));
	return (ok ? 0 : EIO);
}

/* The HMAC of parts under mc's key into full (MAC_MAXLEN bytes). */
static int
mac_hmac(const struct mac_ctx *mc, const struct mac_part *parts, size_t nparts,
    uint8_t *full)
{
	uint8_t inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	size_t i;
	int ok = 1;

	c = mc->mc_inner;
	for (i = 0; i < nparts && ok; i++)
		ok = SHA256_Update(&c, parts[i].mp_p, parts[i].mp_l);
	ok = ok && SHA256_Final(inner, &c);
	c = mc->mc_outer;
	ok = ok && SHA256_Update(&c, inner, sizeof(inner)) &&
	    SHA256_Final(full, &c);
	OPENSSL_cleanse(inner, sizeof(inner));
	return (ok ? 0 : EIO);
}

/*
 * One key's two states, and its SipHash key: the first 16 bytes of the
 * HMAC of a fixed label under the key (so it is as secret as the key and
 * differs per secret and use).
 */
static int
mac_key(struct mac_ctx *mc, const uint8_t *key)
{
	static const char label[] = "sipwarden siphash key";
	struct mac_part part = { label, sizeof(label) - 1 };
	uint8_t full[MAC_MAXLEN];

	if (mac_pad(&mc->mc_inner, key, MAC_IPAD) != 0 ||
	    mac_pad(&mc->mc_outer, key, MAC_OPAD) != 0 ||
	    mac_hmac(mc, &part, 1, full) != 0)
		return (EIO);
	siphash_key_set(&mc->mc_sip, full);
	OPENSSL_cleanse(full, sizeof(full));
	return (0);
}

int
mac_bind(struct mac *m, const struct secrets *s, uint64_t gen)
{
	size_t i, u;

	if (m->m_secrets == s && m->m_gen == gen)
		return (0);
	mac_clear(m);
	m->m_n = s->ss_n; /* what mac_clear wipes, should a key fail */
	for (i = 0; i < s->ss_n; i++) {
		for (u = 0; u < SECRET_NUSES; u++) {
			if (mac_key(&m->m_ctx[i][u], s->ss_v[i].s_key[u]) != 0)
				goto bad;
		}
	}
	m->m_secrets = s;
	m->m_gen = gen;
	return (0);
bad:
	mac_clear(m);
	return (EIO);
}

/*
 * One context on the stack serves both halves (mac_hmac): after
 * SHA256_Final it holds the digest, not the keyed state, and OpenSSL
 * wipes its data block.  Of what is left only the inner digest is
 * cleansed, once per call (32 bytes); full's bytes past outlen are MAC
 * output, not key material.
 */
int
mac_sign(struct mac *m, size_t idx, enum secret_use use,
    const struct mac_part *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	uint8_t full[MAC_MAXLEN];

	if (idx >= m->m_n || outlen > MAC_MAXLEN)
		return (EINVAL);
	if (mac_hmac(&m->m_ctx[idx][use], parts, nparts, full) != 0)
		return (EIO);
	memcpy(out, full, outlen);
	return (0);
}

int
mac_hash64(struct mac *m, size_t idx, enum secret_use use,
    const struct mac_part *parts, size_t nparts, uint64_t *out)
{
	struct siphash_state st;
	size_t i;

	if (idx >= m->m_n)
		return (EINVAL);
	siphash_init(&st, &m->m_ctx[idx][use].mc_sip);
	for (i = 0; i < nparts; i++)
		siphash_update(&st, parts[i].mp_p, parts[i].mp_l);
	*out = siphash_final(&st);
	return (0);
}
