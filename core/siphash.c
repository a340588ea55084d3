/*
 * SipHash-2-4; see siphash.h.  Written from the paper's description: four
 * 64-bit words of state, two rounds per 8-byte word of input, the length
 * in the top byte of the last word, four rounds to finish.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/siphash.h"

#define SIPHASH_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* 8 bytes as a little-endian word (one load on a little-endian host). */
static inline uint64_t
siphash_le64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return (le64toh(w));
}

/*
 * One SipRound over the state v[0..3].  Inline, and the callers work on a
 * copy of the state on their stack: input bytes may alias anything, so a
 * state in the caller's struct would be reloaded after every store.
 */
static inline void
siphash_round(uint64_t *v)
{
	v[0] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = SIPHASH_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = SIPHASH_ROTL(v[2], 32);
}

/* Absorb one word of input: two compression rounds. */
static inline void
siphash_word(uint64_t *v, uint64_t m)
{
	v[3] ^= m;
	siphash_round(v);
	siphash_round(v);
	v[0] ^= m;
}

void
siphash_key_set(struct siphash_key *k, const uint8_t bytes[SIPHASH_KEYLEN])
{
	k->sk_k0 = siphash_le64(bytes);
	k->sk_k1 = siphash_le64(bytes + 8);
}

int
siphash_key_random(struct siphash_key *k)
{
	uint8_t b[SIPHASH_KEYLEN];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return (EIO);
	siphash_key_set(k, b);
	return (0);
}

void
siphash_init(struct siphash_state *s, const struct siphash_key *k)
{
	s->ss_v[0] = k->sk_k0 ^ 0x736f6d6570736575ULL;
	s->ss_v[1] = k->sk_k1 ^ 0x646f72616e646f6dULL;
	s->ss_v[2] = k->sk_k0 ^ 0x6c7967656e657261ULL;
	s->ss_v[3] = k->sk_k1 ^ 0x7465646279746573ULL;
	s->ss_len = 0;
}

void
siphash_update(struct siphash_state *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t have = (size_t)(s->ss_len & 7), n;
	uint64_t v[4];

	if (len == 0)
		return; /* data may be NULL then (an empty view) */
	s->ss_len += len;
	if (have > 0) {
		n = 8 - have < len ? 8 - have : len;
		memcpy(s->ss_buf + have, p, n);
		p += n;
		len -= n;
		if (have + n < 8)
			return;
		siphash_word(s->ss_v, siphash_le64(s->ss_buf));
	}
	memcpy(v, s->ss_v, sizeof(v));
	for (; len >= 8; p += 8, len -= 8)
		siphash_word(v, siphash_le64(p));
	memcpy(s->ss_v, v, sizeof(v));
	if (len > 0)
		memcpy(s->ss_buf, p, len);
}

uint64_t
siphash_final(struct siphash_state *s)
{
	uint8_t last[8] = { 0 };
	size_t i, tail = (size_t)(s->ss_len & 7);
	uint64_t v[4];

	if (tail > 0)
		memcpy(last, s->ss_buf, tail);
	last[7] = (uint8_t)s->ss_len;
	memcpy(v, s->ss_v, sizeof(v));
	siphash_word(v, siphash_le64(last));
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		siphash_round(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}

uint64_t
siphash(const struct siphash_key *k, const void *data, size_t len)
{
	struct siphash_state s;

	siphash_init(&s, k);
	siphash_update(&s, data, len);
	return (siphash_final(&s));
}

uint64_t
siphash_u64(const struct siphash_key *k, uint64_t v, uint8_t tag)
{
	uint8_t b[9];
	size_t i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	b[8] = tag;
	return (siphash(k, b, sizeof(b)));
}
