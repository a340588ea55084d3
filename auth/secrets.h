/*
 * The secrets behind every MAC sipwarden writes (nonces, Via branches,
 * Record-Route and flow tokens).  secret_file (SPEC section 2) holds one
 * secret a line, hex or base64, each at least 32 bytes once decoded; the
 * first line signs, every line verifies.  Without a file one random secret
 * is made per start.
 *
 * A secret's id is the first two bytes of SHA-256 over it, so that
 * instances sharing the file, and a file whose lines were reordered by a
 * rotation, agree on it.  Each secret yields one key per purpose
 * (HMAC-SHA-256(secret, label)), so a MAC made for one purpose can never
 * be replayed as another.
 *
 * Immutable once loaded; shared read-only by all workers.
 */
#ifndef SW_AUTH_SECRETS_H
#define SW_AUTH_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#define SECRETS_MAX   16
#define SECRET_MINLEN 32
#define SECRET_KEYLEN 32

enum secret_use {
	SECRET_NONCE,
	SECRET_BRANCH,
	SECRET_TOKEN,
	SECRET_NUSES,
};

struct secret {
	uint16_t s_id;
	uint8_t s_key[SECRET_NUSES][SECRET_KEYLEN];
};

struct secrets {
	size_t ss_n; /* at least 1; ss_v[0] signs */
	struct secret ss_v[SECRETS_MAX];
};

/*
 * Load path; every problem goes to errh (may be NULL) as "FILE:LINE:
 * message", and all of them are reported.  A line that is valid hex is
 * hex, else it must be base64 (standard or url-safe, padding optional);
 * blanks around it, blank lines and '#' lines are ignored.  A missing or
 * empty file, a short secret or a bad encoding is an error: EINVAL, or
 * the errno of opening or reading.
 */
int secrets_load(const char *path, struct secrets **sp,
    void (*errh)(const char *msg, void *arg), void *arg);
/* One random secret (no secret_file). */
int secrets_random(struct secrets **sp);
/* Wipe and free. */
void secrets_free(struct secrets *s);
/*
 * The secret with this id, from index *ip on; *ip is left past it, so
 * "i = 0; while ((sec = secrets_find(s, id, &i)) != NULL)" tries every
 * secret sharing the id.  NULL when none is left.
 */
const struct secret *secrets_find(const struct secrets *s, uint16_t id,
    size_t *ip);

#endif
