/*
 * The users file (SPEC section 3): "user:realm:HA1-MD5[:HA1-SHA-256
 * [:HA1-SHA-512-256]]", lowercase hex, '#' comments and blank lines
 * ignored.  Lines of another realm are skipped with a warning; a malformed
 * line is an error naming its line.  Loaded into a hash table that is
 * immutable once built and shared read-only by the workers.
 */
#ifndef SW_AUTH_USERS_H
#define SW_AUTH_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USER_NAMEMAX 128
#define USER_HA1MAX  32 /* bytes of the longest HA1 */

enum user_alg {
	USER_MD5,
	USER_SHA256,
	USER_SHA512_256,
	USER_NALGS,
};

struct user {
	char u_name[USER_NAMEMAX + 1];
	size_t u_namelen;
	bool u_has[USER_NALGS];
	uint8_t u_ha1[USER_NALGS][USER_HA1MAX]; /* MD5: the first 16 bytes */
};

struct users;

typedef void(users_msg_h)(const char *msg, void *arg);

/*
 * Load path for realm.  errh gets "FILE:LINE: message" per error (all
 * are reported), warnh (may be NULL) per skipped line and for a file with
 * no user of realm, which still loads.  Returns 0 and *up, or EINVAL /
 * errno.  Lookups are exact and case-sensitive; NULL when absent.
 */
int users_load(const char *path, const char *realm, struct users **up,
    users_msg_h *errh, users_msg_h *warnh, void *arg);
const struct user *users_lookup(const struct users *u, const char *name,
    size_t len);
size_t users_count(const struct users *u);
void users_free(struct users *u);
/*
 * HA1 = H(user ":" realm ":" pass) for alg, as the users file holds it
 * (binary here).  *outlen is the size of out on entry (USER_HA1MAX is
 * enough) and the size of the HA1 on return.  EINVAL for a bad argument,
 * ENOSYS if OpenSSL lacks the digest (MD5 in FIPS mode).
 */
int users_ha1(enum user_alg alg, const char *user, const char *realm,
    const char *pass, uint8_t *out, size_t *outlen);

#endif
