/*
 * Digest credentials and responses; see digest.h.
 *
 * The hashes run on OpenSSL's low-level contexts (MD5_CTX, SHA256_CTX,
 * SHA512_CTX), which 3.0 deprecates: its EVP route allocates per digest
 * (EVP_DigestInit_ex on a reused EVP_MD_CTX frees the provider's context
 * and makes a new one), and a response takes two or three digests.
 * Hence OPENSSL_SUPPRESS_DEPRECATED in this file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <re.h>

#include "auth/digest.h"
#include "core/chars.h"
#include "core/hex.h"

/* A hash in progress, of any of our algorithms. */
union digest_hctx {
	MD5_CTX h_md5;
	SHA256_CTX h_sha256;
	SHA512_CTX h_sha512; /* SHA-512/256 */
};

struct digest {
	union digest_hctx d_ctx; /* reused by every hash */
};

static int digest_md5_init(union digest_hctx *);
static int digest_md5_update(union digest_hctx *, const void *, size_t);
static int digest_md5_final(union digest_hctx *, uint8_t *);
static int digest_sha256_init(union digest_hctx *);
static int digest_sha256_update(union digest_hctx *, const void *, size_t);
static int digest_sha256_final(union digest_hctx *, uint8_t *);
static int digest_sha512_256_init(union digest_hctx *);
static int digest_sha512_update(union digest_hctx *, const void *, size_t);
static int digest_sha512_final(union digest_hctx *, uint8_t *);

static const struct {
	const char *name; /* as in SIP */
	size_t len;
	int (*init)(union digest_hctx *);
	int (*update)(union digest_hctx *, const void *, size_t);
	int (*final)(union digest_hctx *, uint8_t *); /* len bytes */
} digest_algs[DIGEST_NALGS] = {
	{ "MD5", MD5_DIGEST_LENGTH, digest_md5_init, digest_md5_update,
	    digest_md5_final },
	{ "SHA-256", SHA256_DIGEST_LENGTH, digest_sha256_init,
	    digest_sha256_update, digest_sha256_final },
	{ "SHA-512-256", SHA256_DIGEST_LENGTH, digest_sha512_256_init,
	    digest_sha512_update, digest_sha512_final },
};

/*
 * SHA-512/256's initial hash value (FIPS 180-4 section 5.3.6.2).  OpenSSL
 * 3.0 has no public init for it; its own sha512_256_init sets these over
 * SHA-512's state and md_len = 32, by which SHA512_Final truncates.
 */
static const uint64_t digest_sha512_256_iv[8] = {
	UINT64_C(0x22312194fc2bf72c),
	UINT64_C(0x9f555fa3c84c64c2),
	UINT64_C(0x2393b86b6f53b151),
	UINT64_C(0x963877195940eabd),
	UINT64_C(0x96283ee2a88effe3),
	UINT64_C(0xbe5e1e2553863992),
	UINT64_C(0x2b0199fc2c85b8aa),
	UINT64_C(0x0eb72ddc81c52ca2),
};

/* The parameters we read, and where each goes. */
enum dparam {
	DP_USERNAME,
	DP_REALM,
	DP_NONCE,
	DP_URI,
	DP_RESPONSE,
	DP_CNONCE,
	DP_OPAQUE,
	DP_ALGORITHM,
	DP_QOP,
	DP_NC,
	DP_USERHASH,
	DP_USERNAME_EXT,
	DP_N,
};

/* With their lengths: one length test per name, no strlen per parameter. */
static const struct pl dparam_names[DP_N] = { PL("username"), PL("realm"),
	PL("nonce"), PL("uri"), PL("response"), PL("cnonce"), PL("opaque"),
	PL("algorithm"), PL("qop"), PL("nc"), PL("userhash"), PL("username*") };

const char *
digest_alg_name(enum digest_alg alg)
{
	return ((size_t)alg < DIGEST_NALGS ? digest_algs[alg].name : "?");
}

size_t
digest_alg_len(enum digest_alg alg)
{
	return (digest_algs[alg].len);
}

static void
digest_skip_lws(const struct pl *v, size_t *i)
{
	*i = chars_skip(v->p, v->l, *i, CHARS_LWS);
}

/* A quoted-string at *i, unescaped into out. */
static int
digest_quoted(const struct pl *v, size_t *i, struct digest_str *out)
{
	size_t j = *i + 1;

	out->ds_l = 0;
	for (; j < v->l && v->p[j] != '"'; j++) {
		if (v->p[j] == '\\') {
			if (++j >= v->l)
				return (EBADMSG);
		}
		if ((unsigned char)v->p[j] < 0x20 && v->p[j] != '\t')
			return (EBADMSG);
		if (out->ds_l >= DIGEST_VALMAX)
			return (EBADMSG);
		out->ds_p[out->ds_l++] = v->p[j];
	}
	if (j >= v->l)
		return (EBADMSG);
	out->ds_p[out->ds_l] = '\0';
	*i = j + 1;
	return (0);
}

/* name = ( token / quoted-string ) at *i. */
static int
digest_param(const struct pl *v, size_t *i, struct pl *name,
    struct digest_str *val)
{
	size_t j = *i;

	name->p = v->p + j;
	j = chars_skip(v->p, v->l, j, CHARS_TOKEN); /* '*' too: "username*" */
	name->l = (size_t)(v->p + j - name->p);
	digest_skip_lws(v, &j);
	if (name->l == 0 || j >= v->l || v->p[j++] != '=')
		return (EBADMSG);
	digest_skip_lws(v, &j);
	if (j < v->l && v->p[j] == '"') {
		*i = j;
		return (digest_quoted(v, i, val));
	}
	val->ds_l = 0;
	while (j < v->l && chars_istoken(v->p[j])) {
		if (val->ds_l >= DIGEST_VALMAX)
			return (EBADMSG);
		val->ds_p[val->ds_l++] = v->p[j++];
	}
	val->ds_p[val->ds_l] = '\0';
	*i = j;
	return (val->ds_l == 0 ? EBADMSG : 0);
}

static int
digest_alg_parse(const struct digest_str *s, enum digest_alg *alg)
{
	size_t i;

	for (i = 0; i < DIGEST_NALGS; i++) {
		if (strcasecmp(s->ds_p, digest_algs[i].name) == 0) {
			*alg = (enum digest_alg)i;
			return (0);
		}
	}
	return (ENOTSUP);
}

/* The value of an nc: exactly 8 hex digits, either case. */
static int
digest_nc_value(const char *s, size_t len, uint32_t *nc)
{
	uint8_t b[4];

	if (len != 8 || hex_decode(s, len, b, sizeof(b), HEX_ANYCASE) != 0)
		return (EBADMSG);
	*nc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	return (0);
}

static int
digest_nc(const struct digest_str *s, uint32_t *nc)
{
	if (digest_nc_value(s->ds_p, s->ds_l, nc) != 0)
		return (EBADMSG);
	return (*nc == 0 ? EBADMSG : 0);
}

/* Store one known parameter's value. */
static int
digest_store(struct digest_cred *c, enum dparam dp,
    const struct digest_str *val)
{
	struct digest_str *slots[] = { &c->dc_username, &c->dc_realm,
		&c->dc_nonce, &c->dc_uri, &c->dc_response, &c->dc_cnonce,
		&c->dc_opaque };

	switch (dp) {
	case DP_ALGORITHM:
		c->dc_alg_given = true;
		return (digest_alg_parse(val, &c->dc_alg));
	case DP_QOP:
		if (strcasecmp(val->ds_p, "auth") == 0)
			c->dc_qop = DIGEST_QOP_AUTH;
		else if (strcasecmp(val->ds_p, "auth-int") == 0)
			c->dc_qop = DIGEST_QOP_AUTH_INT;
		else
			return (ENOTSUP);
		return (0);
	case DP_NC:
		memcpy(c->dc_nc_text, val->ds_p, val->ds_l < 8 ? val->ds_l : 8);
		return (digest_nc(val, &c->dc_nc));
	case DP_USERHASH:
		return (strcasecmp(val->ds_p, "false") == 0 ? 0 : ENOTSUP);
	case DP_USERNAME_EXT:
		return (ENOTSUP);
	default:
		*slots[dp] = *val;
		return (0);
	}
}

static int
digest_required(const struct digest_cred *c, unsigned seen)
{
	unsigned need = 1u << DP_USERNAME | 1u << DP_REALM | 1u << DP_NONCE |
	    1u << DP_URI | 1u << DP_RESPONSE;

	if (c->dc_qop != DIGEST_QOP_NONE)
		need |= 1u << DP_NC | 1u << DP_CNONCE;
	if ((seen & need) != need)
		return (EBADMSG);
	if (c->dc_qop == DIGEST_QOP_NONE && (seen & (1u << DP_NC)))
		return (EBADMSG);
	return (0);
}

/* The parameter list after the scheme. */
static int
digest_params(const struct pl *v, size_t i, struct digest_cred *c)
{
	struct digest_str val;
	struct pl name;
	unsigned seen = 0;
	size_t k;
	int err;

	for (;;) {
		digest_skip_lws(v, &i);
		if ((err = digest_param(v, &i, &name, &val)) != 0)
			return (err);
		for (k = 0; k < DP_N; k++) {
			if (!chars_eqi(name.p, name.l, dparam_names[k].p,
				dparam_names[k].l))
				continue;
			if (seen & (1u << k))
				return (EBADMSG);
			seen |= 1u << k;
			if ((err = digest_store(c, (enum dparam)k, &val)) != 0)
				return (err);
			break; /* the names differ: no other can match */
		}
		digest_skip_lws(v, &i);
		if (i >= v->l)
			break;
		if (v->p[i++] != ',')
			return (EBADMSG);
	}
	return (digest_required(c, seen));
}

int
digest_parse(const struct pl *val, struct digest_cred *c)
{
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	c->dc_alg = DIGEST_MD5;
	digest_skip_lws(val, &i);
	if (val->l - i < 6 || !chars_eqi(val->p + i, 6, "Digest", 6))
		return (ENOTSUP);
	i += 6;
	if (i == val->l)
		return (EBADMSG); /* the scheme and no parameters */
	if (!chars_islws(val->p[i]))
		return (ENOTSUP);
	return (digest_params(val, i, c));
}

int
digest_alloc(struct digest **dp)
{
	struct digest *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (ENOMEM);
	*dp = d;
	return (0);
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	OPENSSL_cleanse(&d->d_ctx, sizeof(d->d_ctx));
	free(d);
}

static int
digest_md5_init(union digest_hctx *h)
{
	return (MD5_Init(&h->h_md5));
}

static int
digest_md5_update(union digest_hctx *h, const void *p, size_t len)
{
	return (MD5_Update(&h->h_md5, p, len));
}

static int
digest_md5_final(union digest_hctx *h, uint8_t *md)
{
	return (MD5_Final(md, &h->h_md5));
}

static int
digest_sha256_init(union digest_hctx *h)
{
	return (SHA256_Init(&h->h_sha256));
}

static int
digest_sha256_update(union digest_hctx *h, const void *p, size_t len)
{
	return (SHA256_Update(&h->h_sha256, p, len));
}

static int
digest_sha256_final(union digest_hctx *h, uint8_t *md)
{
	return (SHA256_Final(md, &h->h_sha256));
}

static int
digest_sha512_256_init(union digest_hctx *h)
{
	size_t i;

	if (!SHA512_Init(&h->h_sha512))
		return (0);
	for (i = 0; i < 8; i++)
		h->h_sha512.h[i] = digest_sha512_256_iv[i];
	h->h_sha512.md_len = SHA256_DIGEST_LENGTH;
	return (1);
}

static int
digest_sha512_update(union digest_hctx *h, const void *p, size_t len)
{
	return (SHA512_Update(&h->h_sha512, p, len));
}

static int
digest_sha512_final(union digest_hctx *h, uint8_t *md)
{
	return (SHA512_Final(md, &h->h_sha512));
}

/* hex(H(parts joined by ':')) into out. */
static int
digest_h(struct digest *d, enum digest_alg alg, const struct pl *parts,
    size_t n, char *out)
{
	uint8_t md[DIGEST_HASHMAX];
	size_t i;

	if (!digest_algs[alg].init(&d->d_ctx))
		return (EIO);
	for (i = 0; i < n; i++) {
		if ((i > 0 && !digest_algs[alg].update(&d->d_ctx, ":", 1)) ||
		    !digest_algs[alg].update(&d->d_ctx, parts[i].p, parts[i].l))
			return (EIO);
	}
	if (!digest_algs[alg].final(&d->d_ctx, md))
		return (EIO);
	(void)hex_encode(md, digest_algs[alg].len, out);
	return (0);
}

static struct pl
digest_pl(const struct digest_str *s)
{
	struct pl pl = { s->ds_p, s->ds_l };

	return (pl);
}

/* HA2 = H(method:uri[:H(body)]). */
static int
digest_ha2(struct digest *d, const struct digest_cred *c,
    const struct pl *method, const struct pl *body, char *ha2)
{
	char hbody[2 * DIGEST_HASHMAX + 1];
	struct pl parts[3];
	int err;

	parts[0] = *method;
	parts[1] = digest_pl(&c->dc_uri);
	if (c->dc_qop != DIGEST_QOP_AUTH_INT)
		return (digest_h(d, c->dc_alg, parts, 2, ha2));
	if ((err = digest_h(d, c->dc_alg, body, 1, hbody)) != 0)
		return (err);
	pl_set_str(&parts[2], hbody);
	return (digest_h(d, c->dc_alg, parts, 3, ha2));
}

int
digest_response(struct digest *d, const struct digest_cred *c,
    const uint8_t *ha1, const struct pl *method, const struct pl *body,
    char out[2 * DIGEST_HASHMAX + 1])
{
	char hha1[2 * DIGEST_HASHMAX + 1], ha2[2 * DIGEST_HASHMAX + 1];
	uint8_t ncb[4];
	char nc[9];
	struct pl parts[6];
	uint32_t sent;
	int err;

	(void)hex_encode(ha1, digest_algs[c->dc_alg].len, hha1);
	if ((err = digest_ha2(d, c, method, body, ha2)) != 0)
		return (err);
	pl_set_str(&parts[0], hha1);
	parts[1] = digest_pl(&c->dc_nonce);
	if (c->dc_qop == DIGEST_QOP_NONE) {
		pl_set_str(&parts[2], ha2);
		return (digest_h(d, c->dc_alg, parts, 3, out));
	}
	/* The nc as the client sent it (its case), if it still says dc_nc. */
	if (digest_nc_value(c->dc_nc_text, strlen(c->dc_nc_text), &sent) == 0 &&
	    sent == c->dc_nc) {
		memcpy(nc, c->dc_nc_text, sizeof(nc));
	} else {
		ncb[0] = (uint8_t)(c->dc_nc >> 24);
		ncb[1] = (uint8_t)(c->dc_nc >> 16);
		ncb[2] = (uint8_t)(c->dc_nc >> 8);
		ncb[3] = (uint8_t)c->dc_nc;
		(void)hex_encode(ncb, sizeof(ncb), nc);
	}
	pl_set_str(&parts[2], nc);
	parts[3] = digest_pl(&c->dc_cnonce);
	pl_set_str(&parts[4],
	    c->dc_qop == DIGEST_QOP_AUTH ? "auth" : "auth-int");
	pl_set_str(&parts[5], ha2);
	return (digest_h(d, c->dc_alg, parts, 6, out));
}

bool
digest_check(struct digest *d, const struct digest_cred *c, const uint8_t *ha1,
    const struct pl *method, const struct pl *body)
{
	char want[2 * DIGEST_HASHMAX + 1], got[2 * DIGEST_HASHMAX + 1];
	size_t i, n = 2 * digest_algs[c->dc_alg].len;

	if (digest_response(d, c, ha1, method, body, want) != 0)
		return (false);
	/* Compare the client's hex lowercased, in constant time. */
	memset(got, 0, sizeof(got));
	for (i = 0; i < c->dc_response.ds_l && i < n; i++)
		got[i] = (char)chars_lower(c->dc_response.ds_p[i]);
	return (
	    (CRYPTO_memcmp(want, got, n) == 0) & (c->dc_response.ds_l == n));
}
