/*
 * SIP Digest (RFC 3261 section 22, RFC 7616, RFC 8760): a strict parser
 * for Authorization / Proxy-Authorization values, the challenge header,
 * and the response computation for MD5, SHA-256 and SHA-512-256 with
 * qop=auth, qop=auth-int and RFC 2069 (no qop).
 *
 * The parser copies unescaped quoted-string values into the struct, so a
 * struct digest_cred needs nothing that outlives it and is valid after
 * the message buffer is gone.
 */
#ifndef SW_AUTH_DIGEST_H
#define SW_AUTH_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pl;

#define DIGEST_VALMAX  256 /* longest value kept (username, realm, uri...) */
#define DIGEST_HASHMAX 32  /* SHA-256 and SHA-512-256 */

enum digest_alg {
	DIGEST_MD5,
	DIGEST_SHA256,
	DIGEST_SHA512_256,
	DIGEST_NALGS,
};

enum digest_qop {
	DIGEST_QOP_NONE,
	DIGEST_QOP_AUTH,
	DIGEST_QOP_AUTH_INT,
};

struct digest_str {
	char ds_p[DIGEST_VALMAX + 1];
	size_t ds_l;
};

struct digest_cred {
	struct digest_str dc_username;
	struct digest_str dc_realm;
	struct digest_str dc_nonce;
	struct digest_str dc_uri;
	struct digest_str dc_response;
	struct digest_str dc_cnonce;
	struct digest_str dc_opaque;
	enum digest_alg dc_alg;
	bool dc_alg_given;
	enum digest_qop dc_qop;
	uint32_t dc_nc;     /* 0 without qop */
	char dc_nc_text[9]; /* as sent: the response is computed over it */
};

/*
 * Parse one credentials value ("Digest username=..., ...").  EBADMSG for a
 * syntax error, a duplicate or missing parameter, a value too long;
 * ENOTSUP for another scheme, an algorithm or qop we do not do
 * (including -sess and userhash).  Unknown parameters are ignored.
 */
int digest_parse(const struct pl *val, struct digest_cred *c);

/* "MD5", "SHA-256", "SHA-512-256". */
const char *digest_alg_name(enum digest_alg alg);
/* Length in bytes of the algorithm's hash. */
size_t digest_alg_len(enum digest_alg alg);

/* Per-worker hashing context (allocates nothing per hash). */
struct digest;

int digest_alloc(struct digest **dp);
void digest_free(struct digest *d);

/*
 * The expected response for c (lowercase hex, NUL ended) given the user's
 * HA1 for c->dc_alg, the request method, and the body (auth-int).
 */
int digest_response(struct digest *d, const struct digest_cred *c,
    const uint8_t *ha1, const struct pl *method, const struct pl *body,
    char out[2 * DIGEST_HASHMAX + 1]);

/* Constant-time: does c's response equal the expected one? */
bool digest_check(struct digest *d, const struct digest_cred *c,
    const uint8_t *ha1, const struct pl *method, const struct pl *body);

#endif
