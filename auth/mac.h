/*
 * Per-worker HMAC-SHA-256, one precomputed state per secret and use: the
 * key's inner and outer pads are absorbed once at mac_bind(), and
 * mac_sign() copies them on the stack, so the packet path never fetches
 * an algorithm, derives a key or allocates (OpenSSL included); and a
 * SipHash key per secret and use for mac_hash64().  A struct mac belongs
 * to one thread.
 */
#ifndef SW_AUTH_MAC_H
#define SW_AUTH_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "auth/secrets.h"

#define MAC_MAXLEN 32

struct mac;

struct mac_part {
	const void *mp_p;
	size_t mp_l;
};

int mac_alloc(struct mac **mp);
void mac_free(struct mac *m);
/*
 * Use the secrets s from now on (the states of the previous set are
 * wiped).  gen identifies s (a snapshot generation): binding the same gen
 * again costs nothing.
 */
int mac_bind(struct mac *m, const struct secrets *s, uint64_t gen);
/*
 * HMAC over the concatenation of parts with secret number idx of the bound
 * set, for use; the first outlen (<= MAC_MAXLEN) bytes go to out.
 */
int mac_sign(struct mac *m, size_t idx, enum secret_use use,
    const struct mac_part *parts, size_t nparts, uint8_t *out, size_t outlen);
/*
 * A keyed 64-bit hash (SipHash-2-4, a PRF) of the concatenation of parts,
 * under a key derived at mac_bind() from secret idx for use: for values
 * that must be unpredictable and collision-free to outsiders but are not
 * themselves a tag that proves anything (a branch's transaction hash), at
 * a fraction of an HMAC's cost.
 */
int mac_hash64(struct mac *m, size_t idx, enum secret_use use,
    const struct mac_part *parts, size_t nparts, uint64_t *out);

#endif
