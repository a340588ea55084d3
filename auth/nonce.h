/*
 * Stateless digest nonces (SPEC 4.4): self-validating, so a challenge
 * costs no memory and any instance sharing secret_file can verify them.
 *
 * A nonce is base64url (no padding) of 32 bytes, 43 characters:
 *   0       version, 1
 *   1..2    id of the secret that signed it (auth/secrets.h), big-endian
 *   3..6    issue time, seconds since the epoch, big-endian
 *   7..10   instance: random per process start, so a nonce can be told
 *           from the nonces of other instances sharing the secret
 *   11..14  counter: per instance, one per nonce issued; with the instance
 *           and the time it makes every nonce unique, and it names the
 *           nonce's replay slot (auth/replay.h)
 *   15      algorithm of the challenge header it was issued in
 *           (enum cfg_alg)
 *   16..31  HMAC-SHA-256(nonce key, bytes 0..15 + source IP address
 *           (4 or 16 bytes) + realm), first 16 bytes
 *
 * Verification recomputes the MAC with every secret of that id and
 * compares in constant time; only then is the age looked at, so "stale"
 * is said only of a nonce that sipwarden really issued to this source.
 */
#ifndef SW_AUTH_NONCE_H
#define SW_AUTH_NONCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mac;
struct pl;
struct sa;
struct secrets;

#define NONCE_RAWLEN 32
#define NONCE_STRLEN 43

struct nonce {
	uint16_t n_secret;
	uint32_t n_time;
	uint32_t n_instance;
	uint32_t n_counter;
	uint8_t n_alg;
};

enum nonce_result {
	NONCE_OK,
	NONCE_STALE, /* ours, for this source, but older than the ttl */
	NONCE_BAD,   /* not ours, another source, altered, or a bad form */
};

/*
 * Write a new nonce for n (n_secret is set here, from the signing secret)
 * bound to src and realm into out (NONCE_STRLEN characters and a NUL).
 */
int nonce_make(struct mac *m, const struct secrets *s, struct nonce *n,
    const struct sa *src, const char *realm, char out[NONCE_STRLEN + 1]);

/*
 * Check text against src and realm at time now (seconds): NONCE_OK fills
 * *n.  Older than ttl seconds is NONCE_STALE; more than 60 s in the future
 * (clock drift between instances) is NONCE_BAD.
 */
enum nonce_result nonce_check(struct mac *m, const struct secrets *s,
    const struct pl *text, const struct sa *src, const char *realm,
    uint32_t now, uint32_t ttl, struct nonce *n);

#endif
