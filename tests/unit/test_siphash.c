/*
 * core/siphash.c: the paper's test vectors (key 00..0f, message 00..len-1)
 * and agreement with OpenSSL's SIPHASH (2-4, 8-byte output) on every
 * length from 0 to 100, so that each tail length and the word loop are
 * covered; the incremental form agrees with the one-shot one.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/siphash.h"
#include "tests.h"

static void
key_00_0f(struct siphash_key *k)
{
	uint8_t b[SIPHASH_KEYLEN];
	size_t i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)i;
	siphash_key_set(k, b);
}

static void
msg_00(uint8_t *m, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		m[i] = (uint8_t)i;
}

/* Vectors from the paper's appendix and its reference implementation. */
START_TEST(test_siphash_paper_vectors)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 15, 0xa129ca6149be45e5ULL },
	};
	struct siphash_key k;
	uint8_t m[64];
	size_t i;

	key_00_0f(&k);
	msg_00(m, sizeof(m));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(siphash(&k, m, v[i].len) == v[i].want,
		    "length %zu", v[i].len);
}
END_TEST

static uint64_t
openssl_siphash(const uint8_t *key, const uint8_t *m, size_t len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	EVP_MAC_CTX *ctx;
	unsigned int size = 8;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
		OSSL_PARAM_construct_end(),
	};
	uint8_t out[8];
	size_t outl = 0, i;
	uint64_t v = 0;

	ck_assert_ptr_nonnull(mac);
	ctx = EVP_MAC_CTX_new(mac);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_MAC_init(ctx, key, SIPHASH_KEYLEN, params), 1);
	ck_assert_int_eq(EVP_MAC_update(ctx, m, len), 1);
	ck_assert_int_eq(EVP_MAC_final(ctx, out, &outl, sizeof(out)), 1);
	ck_assert_uint_eq(outl, 8);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	for (i = 0; i < 8; i++)
		v |= (uint64_t)out[i] << (8 * i);
	return (v);
}

START_TEST(test_siphash_matches_openssl)
{
	uint8_t key[SIPHASH_KEYLEN], m[101];
	struct siphash_key k;
	size_t i, len;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa5 ^ (i * 37));
	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 131 + 7);
	siphash_key_set(&k, key);
	for (len = 0; len <= 100; len++)
		ck_assert_msg(siphash(&k, m, len) ==
			openssl_siphash(key, m, len),
		    "length %zu", len);
}
END_TEST

/* Any split of the input into pieces hashes as the whole. */
START_TEST(test_siphash_pieces)
{
	struct siphash_state st;
	struct siphash_key k;
	uint8_t m[40];
	size_t a, b;

	key_00_0f(&k);
	msg_00(m, sizeof(m));
	for (a = 0; a <= sizeof(m); a++) {
		for (b = a; b <= sizeof(m); b++) {
			siphash_init(&st, &k);
			siphash_update(&st, m, a);
			siphash_update(&st, m + a, b - a);
			siphash_update(&st, m + b, sizeof(m) - b);
			ck_assert_msg(siphash_final(&st) ==
				siphash(&k, m, sizeof(m)),
			    "split at %zu and %zu", a, b);
		}
	}
}
END_TEST

/*
 * An empty piece may have no bytes at all behind it (a view of nothing,
 * pointer NULL): it changes nothing and reads nothing (UBSan in CI).
 */
START_TEST(test_siphash_empty_piece_null)
{
	struct siphash_state st;
	struct siphash_key k;
	uint8_t m[11];
	size_t a;

	key_00_0f(&k);
	msg_00(m, sizeof(m));
	for (a = 0; a <= sizeof(m); a++) {
		siphash_init(&st, &k);
		siphash_update(&st, m, a);
		siphash_update(&st, NULL, 0);
		siphash_update(&st, m + a, sizeof(m) - a);
		ck_assert_uint_eq(siphash_final(&st),
		    siphash(&k, m, sizeof(m)));
	}
}
END_TEST

START_TEST(test_siphash_key_matters)
{
	struct siphash_key a, b;
	const char *m = "REGISTER sip:sipwarden.test SIP/2.0\r\n";

	ck_assert_int_eq(siphash_key_random(&a), 0);
	ck_assert_int_eq(siphash_key_random(&b), 0);
	ck_assert(a.sk_k0 != b.sk_k0 || a.sk_k1 != b.sk_k1);
	ck_assert(siphash(&a, m, strlen(m)) != siphash(&b, m, strlen(m)));
	/* One byte changed, or one byte more, changes the hash. */
	ck_assert(siphash(&a, m, strlen(m)) != siphash(&a, m, strlen(m) - 1));
	ck_assert(siphash(&a, "abcdefgh", 8) != siphash(&a, "abcdefgi", 8));
}
END_TEST

/*
 * siphash_u64 is SipHash of v's 8 bytes little endian and the tag: with
 * the paper's key and message 00..08 that is v 0x0706050403020100, tag 8.
 */
START_TEST(test_siphash_u64)
{
	struct siphash_key k;
	uint8_t m[9];

	key_00_0f(&k);
	msg_00(m, sizeof(m));
	ck_assert(siphash_u64(&k, 0x0706050403020100ULL, 8) ==
	    siphash(&k, m, sizeof(m)));
	ck_assert(siphash_u64(&k, 0x0706050403020100ULL, 9) !=
	    siphash(&k, m, sizeof(m)));
	ck_assert(siphash_u64(&k, 1, 4) != siphash_u64(&k, 1, 6));
	ck_assert(siphash_u64(&k, 1, 4) != siphash_u64(&k, 1ULL << 56, 4));
	ck_assert(siphash_u64(&k, 0, 0) != siphash(&k, m, 0));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("siphash");
	TCase *tc = tcase_create("siphash");

	tcase_add_test(tc, test_siphash_paper_vectors);
	tcase_add_test(tc, test_siphash_matches_openssl);
	tcase_add_test(tc, test_siphash_pieces);
	tcase_add_test(tc, test_siphash_empty_piece_null);
	tcase_add_test(tc, test_siphash_key_matters);
	tcase_add_test(tc, test_siphash_u64);
	suite_add_tcase(s, tc);
	return (s);
}
