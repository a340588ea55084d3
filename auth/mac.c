/*
 * Keyed HMAC contexts per worker; see mac.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "auth/mac.h"

struct mac {
	EVP_MAC *m_alg;
	EVP_MAC_CTX *m_ctx[SECRETS_MAX][SECRET_NUSES];
	const struct secrets *m_secrets;
	uint64_t m_gen;
	size_t m_n;
};

static void
mac_clear(struct mac *m)
{
	size_t i, u;

	for (i = 0; i < SECRETS_MAX; i++) {
		for (u = 0; u < SECRET_NUSES; u++) {
			EVP_MAC_CTX_free(m->m_ctx[i][u]);
			m->m_ctx[i][u] = NULL;
		}
	}
	m->m_secrets = NULL;
	m->m_n = 0;
}

int
mac_alloc(struct mac **mp)
{
	struct mac *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (ENOMEM);
	m->m_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (m->m_alg == NULL) {
		free(m);
		return (ENOSYS);
	}
	*mp = m;
	return (0);
}

void
mac_free(struct mac *m)
{
	if (m == NULL)
		return;
	mac_clear(m);
	EVP_MAC_free(m->m_alg);
	free(m);
}

static EVP_MAC_CTX *
mac_ctx_new(EVP_MAC *alg, const uint8_t *key)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(alg)) == NULL)
		return (NULL);
	if (!EVP_MAC_init(ctx, key, SECRET_KEYLEN, params)) {
		EVP_MAC_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

int
mac_bind(struct mac *m, const struct secrets *s, uint64_t gen)
{
	size_t i, u;

	if (m->m_secrets == s && m->m_gen == gen)
		return (0);
	mac_clear(m);
	for (i = 0; i < s->ss_n; i++) {
		for (u = 0; u < SECRET_NUSES; u++) {
			m->m_ctx[i][u] =
			    mac_ctx_new(m->m_alg, s->ss_v[i].s_key[u]);
			if (m->m_ctx[i][u] == NULL) {
				mac_clear(m);
				return (ENOMEM);
			}
		}
	}
	m->m_secrets = s;
	m->m_gen = gen;
	m->m_n = s->ss_n;
	return (0);
}

int
mac_sign(struct mac *m, size_t idx, enum secret_use use,
    const struct mac_part *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	uint8_t full[MAC_MAXLEN];
	EVP_MAC_CTX *ctx;
	size_t i, n;

	if (idx >= m->m_n || outlen > MAC_MAXLEN)
		return (EINVAL);
	ctx = m->m_ctx[idx][use];
	if (!EVP_MAC_init(ctx, NULL, 0, NULL))
		return (EIO);
	for (i = 0; i < nparts; i++)
		if (!EVP_MAC_update(ctx, parts[i].mp_p, parts[i].mp_l))
			return (EIO);
	if (!EVP_MAC_final(ctx, full, &n, sizeof(full)) || n < outlen)
		return (EIO);
	memcpy(out, full, outlen);
	return (0);
}
