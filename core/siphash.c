/*
 * SipHash-2-4; see siphash.h.  Written from the paper's description: four
 * 64-bit words of state, two rounds per 8-byte word of input, the length
 * in the top byte of the last word, four rounds to finish.
 */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sipstate {
	uint64_t v0, v1, v2, v3;
};

static uint64_t
siphash_le64(const uint8_t *p)
{
	return ((uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56);
}

static void
siphash_round(struct sipstate *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
siphash_word(struct sipstate *s, uint64_t m)
{
	s->v3 ^= m;
	siphash_round(s);
	siphash_round(s);
	s->v0 ^= m;
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

uint64_t
siphash(const struct siphash_key *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct sipstate s = { k->sk_k0 ^ 0x736f6d6570736575ULL,
		k->sk_k1 ^ 0x646f72616e646f6dULL,
		k->sk_k0 ^ 0x6c7967656e657261ULL,
		k->sk_k1 ^ 0x7465646279746573ULL };
	uint8_t last[8] = { 0 };
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8)
		siphash_word(&s, siphash_le64(p + i));
	if (tail > 0)
		memcpy(last, p + i, tail);
	last[7] = (uint8_t)len;
	siphash_word(&s, siphash_le64(last));
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		siphash_round(&s);
	return (s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}
