/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): the one keyed 64-bit hash for tables and memories that attackers
 * feed (the connection counts and the limits per source, the users table,
 * the replay memory's slots and message fingerprints).  With a random key
 * nobody outside the process knows, an attacker can neither aim
 * collisions at one bucket nor make two different messages look the
 * same.
 */
#ifndef SW_CORE_SIPHASH_H
#define SW_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEYLEN 16

struct siphash_key {
	uint64_t sk_k0;
	uint64_t sk_k1;
};

/* A hash under way: siphash_init, siphash_update..., siphash_final. */
struct siphash_state {
	uint64_t ss_v[4];
	uint8_t ss_buf[8]; /* input not yet hashed, ss_len % 8 bytes */
	uint64_t ss_len;   /* bytes so far */
};

/* The key from 16 bytes (little endian halves, as the paper's vectors). */
void siphash_key_set(struct siphash_key *k,
    const uint8_t bytes[SIPHASH_KEYLEN]);
/* A fresh random key; 0 or EIO when the random generator fails. */
int siphash_key_random(struct siphash_key *k);
/* The hash of len bytes at data. */
uint64_t siphash(const struct siphash_key *k, const void *data, size_t len);
/*
 * The hash of a number and a kind, for table keys such as a source
 * (address bits and family): v's 8 bytes little endian, then tag.
 */
uint64_t siphash_u64(const struct siphash_key *k, uint64_t v, uint8_t tag);
/* The same over pieces: the hash of their concatenation. */
void siphash_init(struct siphash_state *s, const struct siphash_key *k);
void siphash_update(struct siphash_state *s, const void *data, size_t len);
uint64_t siphash_final(struct siphash_state *s);

#endif
