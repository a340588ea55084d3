/*
 * auth/mac.c: HMAC-SHA-256 from the precomputed pads.  RFC 4231's test
 * cases 1 to 5 (every key there up to 25 bytes: a secret's 32-byte key is
 * the RFC's key zero-padded, which HMAC pads with zeros to the block
 * anyway, so the MAC is the same), agreement with OpenSSL's EVP HMAC on
 * messages of 0 to 200 bytes cut into parts, one key per use, rebinding,
 * and the argument checks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/hex.h"
#include "core/siphash.h"
#include "tests/common/testutil.h"
#include "tests.h"

static struct mac *mc;

static void
setup(void)
{
	ck_assert_int_eq(mac_alloc(&mc), 0);
}

static void
teardown(void)
{
	mac_free(mc);
	mc = NULL;
}

/* Secrets whose first secret has key for every use, zero-padded. */
static struct secrets *
secrets_of(const uint8_t *key, size_t len)
{
	struct secrets *s;
	size_t u;

	ck_assert_uint_le(len, SECRET_KEYLEN);
	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	s->ss_n = 1;
	for (u = 0; u < SECRET_NUSES; u++)
		memcpy(s->ss_v[0].s_key[u], key, len);
	return (s);
}

/* n bytes of b into p; returns p. */
static uint8_t *
fill(uint8_t *p, uint8_t b, size_t n)
{
	memset(p, b, n);
	return (p);
}

/* hex into out; returns the byte count. */
static size_t
unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_le(n, size);
	ck_assert_int_eq(hex_decode(hex, 2 * n, out, n, HEX_LOWER), 0);
	return (n);
}

#define X10(s) s s s s s s s s s s

/* RFC 4231 section 4.2 to 4.6, as printed there (hex). */
static const struct {
	const char *key, *data;
	const char *want; /* its length: the truncation (4.6) */
} rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cf"
	    "f7" },
	{ "4a656665",
	    "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38"
	    "43" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", X10("dddddddddd"),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565"
	    "fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	    X10("cdcdcdcdcd"),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff4672966"
	    "5b" },
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
	    "546573742057697468205472756e636174696f6e",
	    "a3b6167473100ee06e0c796c2955552b" },
};

/* In two parts, under every use's key. */
START_TEST(test_mac_rfc4231)
{
	uint8_t key[SECRET_KEYLEN], data[64], out[MAC_MAXLEN];
	char hex[2 * MAC_MAXLEN + 1];
	struct mac_part parts[2];
	struct secrets *s;
	size_t keylen, len, half, n, u;

	keylen = unhex(rfc4231[_i].key, key, sizeof(key));
	len = unhex(rfc4231[_i].data, data, sizeof(data));
	n = strlen(rfc4231[_i].want) / 2;
	s = secrets_of(key, keylen);
	ck_assert_int_eq(mac_bind(mc, s, 1), 0);
	half = len / 2;
	parts[0] = (struct mac_part){ data, half };
	parts[1] = (struct mac_part){ data + half, len - half };
	for (u = 0; u < SECRET_NUSES; u++) {
		ck_assert_int_eq(mac_sign(mc, 0, (enum secret_use)u, parts, 2,
				     out, n),
		    0);
		ck_assert_str_eq(tu_hex(out, n, hex), rfc4231[_i].want);
	}
	secrets_free(s);
}
END_TEST

/* OpenSSL's HMAC-SHA-256 of m under key: the reference. */
static void
evp_hmac(const uint8_t *key, const uint8_t *m, size_t len, uint8_t *out)
{
	size_t n;

	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
	    SECRET_KEYLEN, m, len, out, MAC_MAXLEN, &n));
	ck_assert_uint_eq(n, MAC_MAXLEN);
}

/* Messages of 0 to 200 bytes, in three parts, one of them empty. */
START_TEST(test_mac_agrees_with_evp)
{
	uint8_t key[SECRET_KEYLEN], m[200], got[MAC_MAXLEN], want[MAC_MAXLEN];
	struct mac_part parts[3];
	struct secrets *s;
	size_t i, len;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa5 ^ i * 13);
	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7 + 3);
	s = secrets_of(key, sizeof(key));
	ck_assert_int_eq(mac_bind(mc, s, 1), 0);
	for (len = 0; len <= sizeof(m); len++) {
		parts[0] = (struct mac_part){ m, len / 3 };
		parts[1] = (struct mac_part){ m + len / 3, 0 };
		parts[2] = (struct mac_part){ m + len / 3, len - len / 3 };
		ck_assert_int_eq(mac_sign(mc, 0, SECRET_NONCE, parts, 3, got,
				     sizeof(got)),
		    0);
		evp_hmac(key, m, len, want);
		ck_assert_msg(memcmp(got, want, sizeof(got)) == 0,
		    "message of %zu bytes", len);
	}
	secrets_free(s);
}
END_TEST

/* Each use has its own key, each secret its own states. */
START_TEST(test_mac_keys_per_use_and_secret)
{
	uint8_t out[SECRETS_MAX][SECRET_NUSES][MAC_MAXLEN];
	struct mac_part part = { "x", 1 };
	struct secrets *s;
	size_t i, u;

	ck_assert_int_eq(secrets_random(&s), 0);
	s->ss_n = 2;
	memcpy(&s->ss_v[1], &s->ss_v[0], sizeof(s->ss_v[0]));
	s->ss_v[1].s_key[SECRET_TOKEN][0] ^= 1;
	ck_assert_int_eq(mac_bind(mc, s, 1), 0);
	for (i = 0; i < 2; i++)
		for (u = 0; u < SECRET_NUSES; u++)
			ck_assert_int_eq(mac_sign(mc, i, (enum secret_use)u,
					     &part, 1, out[i][u], MAC_MAXLEN),
			    0);
	ck_assert_mem_ne(out[0][SECRET_NONCE], out[0][SECRET_BRANCH],
	    MAC_MAXLEN);
	ck_assert_mem_ne(out[0][SECRET_NONCE], out[0][SECRET_TOKEN],
	    MAC_MAXLEN);
	ck_assert_mem_ne(out[0][SECRET_BRANCH], out[0][SECRET_TOKEN],
	    MAC_MAXLEN);
	ck_assert_mem_eq(out[0][SECRET_NONCE], out[1][SECRET_NONCE],
	    MAC_MAXLEN);
	ck_assert_mem_ne(out[0][SECRET_TOKEN], out[1][SECRET_TOKEN],
	    MAC_MAXLEN);
	secrets_free(s);
}
END_TEST

/* A new generation takes the new keys; the same one costs nothing. */
START_TEST(test_mac_rebind)
{
	uint8_t ka[SECRET_KEYLEN], kb[SECRET_KEYLEN];
	uint8_t a[MAC_MAXLEN], b[MAC_MAXLEN], again[MAC_MAXLEN];
	struct mac_part part = { "x", 1 };
	struct secrets *sa, *sb;

	sa = secrets_of(fill(ka, 0x11, sizeof(ka)), sizeof(ka));
	sb = secrets_of(fill(kb, 0x22, sizeof(kb)), sizeof(kb));
	ck_assert_int_eq(mac_bind(mc, sa, 1), 0);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_BRANCH, &part, 1, a, 32), 0);
	ck_assert_int_eq(mac_bind(mc, sb, 2), 0);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_BRANCH, &part, 1, b, 32), 0);
	ck_assert_mem_ne(a, b, sizeof(a));
	ck_assert_int_eq(mac_bind(mc, sa, 3), 0);
	ck_assert_int_eq(mac_bind(mc, sa, 3), 0);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_BRANCH, &part, 1, again, 32),
	    0);
	ck_assert_mem_eq(a, again, sizeof(a));
	secrets_free(sa);
	secrets_free(sb);
}
END_TEST

START_TEST(test_mac_sign_einval)
{
	uint8_t key[SECRET_KEYLEN], out[MAC_MAXLEN + 1];
	struct mac_part part = { "x", 1 };
	struct secrets *s;

	ck_assert_int_eq(mac_sign(mc, 0, SECRET_NONCE, &part, 1, out, 16),
	    EINVAL); /* nothing bound */
	s = secrets_of(fill(key, 0x33, sizeof(key)), sizeof(key));
	ck_assert_int_eq(mac_bind(mc, s, 1), 0);
	ck_assert_int_eq(mac_sign(mc, 1, SECRET_NONCE, &part, 1, out, 16),
	    EINVAL);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_NONCE, &part, 1, out,
			     MAC_MAXLEN + 1),
	    EINVAL);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_NONCE, &part, 1, out, 0), 0);
	secrets_free(s);
}
END_TEST

/*
 * mac_hash64: SipHash-2-4 of the parts' concatenation under the first 16
 * bytes of HMAC(key, "sipwarden siphash key") (pinned here: instances
 * sharing a secret_file make the same branches), however the input is cut;
 * its own key per use and per secret; a rebind takes the new key.
 */
START_TEST(test_mac_hash64)
{
	static const char label[] = "sipwarden siphash key";
	struct mac_part lp = { label, sizeof(label) - 1 };
	struct mac_part whole = { "tz9hG4bKabc10.0.0.2", 19 };
	struct mac_part cut[3] = { { "t", 1 }, { "z9hG4bKab", 9 },
		{ "c10.0.0.2", 9 } };
	uint8_t key[SECRET_KEYLEN], full[MAC_MAXLEN];
	struct siphash_key sk;
	struct secrets *s, *s2, *s3;
	uint64_t h, h2, want, u[SECRET_NUSES];
	size_t i;

	s = secrets_of(fill(key, 0x44, sizeof(key)), sizeof(key));
	ck_assert_int_eq(mac_hash64(mc, 0, SECRET_BRANCH, &whole, 1, &h),
	    EINVAL); /* nothing bound */
	ck_assert_int_eq(mac_bind(mc, s, 1), 0);
	ck_assert_int_eq(mac_sign(mc, 0, SECRET_BRANCH, &lp, 1, full, 32), 0);
	siphash_key_set(&sk, full);
	want = siphash(&sk, whole.mp_p, whole.mp_l);
	ck_assert_int_eq(mac_hash64(mc, 0, SECRET_BRANCH, &whole, 1, &h), 0);
	ck_assert_uint_eq(h, want);
	ck_assert_int_eq(mac_hash64(mc, 0, SECRET_BRANCH, cut, 3, &h2), 0);
	ck_assert_uint_eq(h2, want);
	ck_assert_int_eq(mac_hash64(mc, 1, SECRET_BRANCH, &whole, 1, &h2),
	    EINVAL);
	/* Every use its own key (random keys here): its own hash. */
	ck_assert_int_eq(secrets_random(&s3), 0);
	ck_assert_int_eq(mac_bind(mc, s3, 3), 0);
	for (i = 0; i < SECRET_NUSES; i++)
		ck_assert_int_eq(mac_hash64(mc, 0, (enum secret_use)i, &whole,
				     1, &u[i]),
		    0);
	ck_assert_uint_ne(u[SECRET_NONCE], u[SECRET_BRANCH]);
	ck_assert_uint_ne(u[SECRET_NONCE], u[SECRET_TOKEN]);
	ck_assert_uint_ne(u[SECRET_BRANCH], u[SECRET_TOKEN]);
	secrets_free(s3);
	s2 = secrets_of(fill(key, 0x45, sizeof(key)), sizeof(key));
	ck_assert_int_eq(mac_bind(mc, s2, 2), 0);
	ck_assert_int_eq(mac_hash64(mc, 0, SECRET_BRANCH, &whole, 1, &h2), 0);
	ck_assert_uint_ne(h2, h);
	secrets_free(s);
	secrets_free(s2);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("mac");
	TCase *tc;

	tc = tcase_create("mac");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_mac_rfc4231, 0, NITEMS(rfc4231));
	tcase_add_test(tc, test_mac_agrees_with_evp);
	tcase_add_test(tc, test_mac_keys_per_use_and_secret);
	tcase_add_test(tc, test_mac_rebind);
	tcase_add_test(tc, test_mac_sign_einval);
	tcase_add_test(tc, test_mac_hash64);
	suite_add_tcase(s, tc);
	return (s);
}
