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
	uint8_t u_ha1[USER_NALGS][32]; /* MD5 uses the first 16 bytes */
};

struct users;

typedef void(users_msg_h)(const char *msg, void *arg);

/*
 * Load path for realm.  errh gets "FILE:LINE: message" per error, warnh
 * (may be NULL) per skipped line.  Returns 0 and *up, or EINVAL / errno.
 */
int users_load(const char *path, const char *realm, struct users **up,
    users_msg_h *errh, users_msg_h *warnh, void *arg);
const struct user *users_lookup(const struct users *u, const char *name,
    size_t len);
size_t users_count(const struct users *u);
void users_free(struct users *u);

#endif
