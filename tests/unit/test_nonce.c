/*
 * auth/nonce.c: stateless nonces (SPEC 4.4).  The byte layout of
 * nonce.h is checked against an HMAC computed here with OpenSSL; then
 * uniqueness, round trips (IPv4, IPv6, v4-mapped), age (stale only when
 * the signature is good), tampering with every character, binding to the
 * source and the realm, unknown secrets, rotation, two processes sharing
 * one secret_file, and malformed text.
 *
 * Secret sets are loaded with secrets_load() from files written into a
 * fresh mkdtemp() folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/nonce.h"
#include "auth/secrets.h"
#include "core/b64url.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define REALM "atlanta.com"
#define NOW   1700000000u
#define TTL   300u
#define SKEW  60u

/* A; B then A (rotation); B alone; A loaded again (another process). */
enum { SET_A, SET_BA, SET_B, SET_A2, SET_X, SET_Y, SET_XY, NSETS };

static const char *const set_files[NSETS] = { "a", "ba", "b", "a", "x", "y",
	"xy" };
static struct secrets *sets[NSETS];
static struct mac *macs[NSETS];
static struct sa v4, v4b, v6, v6b, v4mapped;

static void
setup(void)
{
	static const char *const text[NSETS] = { TU_FILE_A, TU_FILE_BA,
		TU_FILE_B, NULL, TU_FILE_X, TU_FILE_Y, TU_FILE_XY };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff, 192, 0, 2, 1 };

	tu_secret_sets(NSETS, set_files, text, sets, macs);
	ck_assert_uint_ne(sets[SET_A]->ss_v[0].s_id, sets[SET_B]->ss_v[0].s_id);
	ck_assert_uint_eq(sets[SET_X]->ss_v[0].s_id, TU_XY_ID);
	ck_assert_uint_eq(sets[SET_Y]->ss_v[0].s_id, TU_XY_ID);
	ck_assert_int_eq(sa_set_str(&v4, "192.0.2.1", 5060), 0);
	ck_assert_int_eq(sa_set_str(&v4b, "192.0.2.2", 5060), 0);
	ck_assert_int_eq(sa_set_str(&v6, "2001:db8::1", 5060), 0);
	ck_assert_int_eq(sa_set_str(&v6b, "2001:db8::2", 5060), 0);
	/* As a dual-stack socket reports it (sa_set_str() would unmap it). */
	sa_set_in6(&v4mapped, mapped, 5060);
	ck_assert_int_eq(sa_af(&v4mapped), AF_INET6);
}

static void
teardown(void)
{
	tu_secret_sets_free(NSETS, sets, macs);
}

/* A nonce by set k for src at time t. */
static const char *
make_at(int k, const struct sa *src, const char *realm, uint32_t t,
    uint32_t counter, uint8_t alg)
{
	static char out[NONCE_STRLEN + 2];
	struct nonce n;

	memset(&n, 0, sizeof(n));
	n.n_time = t;
	n.n_instance = 0x11223344;
	n.n_counter = counter;
	n.n_alg = alg;
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(nonce_make(macs[k], sets[k], &n, src, realm, out), 0);
	ck_assert_uint_eq(strlen(out), NONCE_STRLEN);
	ck_assert_uint_eq(n.n_secret, sets[k]->ss_v[0].s_id);
	return (out);
}

static const char *
make(int k, const struct sa *src)
{
	return (make_at(k, src, REALM, NOW, 7, 1));
}

static enum nonce_result
check_at(int k, const char *text, size_t len, const struct sa *src,
    const char *realm, uint32_t now, struct nonce *n)
{
	struct nonce tmp;
	struct pl pl;

	pl.p = text;
	pl.l = len;
	return (nonce_check(macs[k], sets[k], &pl, src, realm, now, TTL,
	    n != NULL ? n : &tmp));
}

static enum nonce_result
check(int k, const char *text, const struct sa *src)
{
	return (check_at(k, text, strlen(text), src, REALM, NOW, NULL));
}

/* HMAC-SHA-256 with key, of the parts, computed here. */
static void
hmac(const uint8_t *key, const uint8_t *msg, size_t len, uint8_t *out)
{
	size_t outlen = 0;

	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
	    SECRET_KEYLEN, msg, len, out, 32, &outlen));
	ck_assert_uint_eq(outlen, 32);
}

/* A nonce built here from the layout, signed with set k's first secret. */
static void
forge(int k, const uint8_t body[16], const uint8_t *ip, size_t iplen,
    char out[NONCE_STRLEN + 1])
{
	uint8_t msg[16 + 16 + 64], raw[NONCE_RAWLEN], tag[32];
	size_t n = 0;

	memcpy(msg, body, 16);
	n += 16;
	memcpy(msg + n, ip, iplen);
	n += iplen;
	memcpy(msg + n, REALM, strlen(REALM));
	n += strlen(REALM);
	hmac(sets[k]->ss_v[0].s_key[SECRET_NONCE], msg, n, tag);
	memcpy(raw, body, 16);
	memcpy(raw + 16, tag, 16);
	ck_assert_uint_eq(b64url_encode(raw, sizeof(raw), out), NONCE_STRLEN);
}

/* ---------------------------------------------------------------------
 * Layout
 */

START_TEST(test_nonce_layout_v4)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	uint8_t raw[NONCE_RAWLEN + 1], body[16];
	char want[NONCE_STRLEN + 1];
	const char *text;

	text = make_at(SET_A, &v4, REALM, 0x65536f80, 0x01020304, 2);
	ck_assert_uint_eq(b64url_decode(text, NONCE_STRLEN, raw, sizeof(raw)),
	    NONCE_RAWLEN);
	ck_assert_uint_eq(raw[0], 1);
	ck_assert_uint_eq(raw[1] << 8 | raw[2], sets[SET_A]->ss_v[0].s_id);
	ck_assert_mem_eq(raw + 3, "\x65\x53\x6f\x80", 4);
	ck_assert_mem_eq(raw + 7, "\x11\x22\x33\x44", 4);
	ck_assert_mem_eq(raw + 11, "\x01\x02\x03\x04", 4);
	ck_assert_uint_eq(raw[15], 2);
	/* The tag, recomputed from the layout with another HMAC. */
	memcpy(body, raw, 16);
	forge(SET_A, body, ip, sizeof(ip), want);
	ck_assert_str_eq(text, want);
}
END_TEST

START_TEST(test_nonce_layout_v6)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t ip4[4] = { 192, 0, 2, 1 };
	uint8_t raw[NONCE_RAWLEN], body[16];
	char want[NONCE_STRLEN + 1], text[NONCE_STRLEN + 1];

	(void)strcpy(text, make(SET_A, &v6));
	ck_assert_uint_eq(b64url_decode(text, NONCE_STRLEN, raw, sizeof(raw)),
	    NONCE_RAWLEN);
	memcpy(body, raw, 16);
	forge(SET_A, body, ip6, sizeof(ip6), want);
	ck_assert_str_eq(text, want);
	/* A v4-mapped source is signed as its 4 IPv4 bytes. */
	(void)strcpy(text, make(SET_A, &v4mapped));
	ck_assert_uint_eq(b64url_decode(text, NONCE_STRLEN, raw, sizeof(raw)),
	    NONCE_RAWLEN);
	memcpy(body, raw, 16);
	forge(SET_A, body, ip4, sizeof(ip4), want);
	ck_assert_str_eq(text, want);
}
END_TEST

/* Only version 1 is accepted, even with a right MAC. */
START_TEST(test_nonce_version)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	uint8_t body[16];
	char text[NONCE_STRLEN + 1];
	uint16_t id = sets[SET_A]->ss_v[0].s_id;
	struct nonce n;
	int v;

	memset(body, 0, sizeof(body));
	body[1] = (uint8_t)(id >> 8);
	body[2] = (uint8_t)id;
	body[3] = (uint8_t)(NOW >> 24);
	body[4] = (uint8_t)(NOW >> 16);
	body[5] = (uint8_t)(NOW >> 8);
	body[6] = (uint8_t)NOW;
	for (v = 0; v < 256; v++) {
		body[0] = (uint8_t)v;
		forge(SET_A, body, ip, sizeof(ip), text);
		ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM,
				     NOW, &n),
		    v == 1 ? NONCE_OK : NONCE_BAD);
	}
}
END_TEST

/* ---------------------------------------------------------------------
 * Round trips
 */

START_TEST(test_nonce_roundtrip_fields)
{
	char text[NONCE_STRLEN + 1];
	struct nonce n;

	(void)strcpy(text, make_at(SET_A, &v4, REALM, NOW - 5, 0xfedcba98, 1));
	memset(&n, 0xee, sizeof(n));
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM, NOW,
			     &n),
	    NONCE_OK);
	ck_assert_uint_eq(n.n_secret, sets[SET_A]->ss_v[0].s_id);
	ck_assert_uint_eq(n.n_time, NOW - 5);
	ck_assert_uint_eq(n.n_instance, 0x11223344);
	ck_assert_uint_eq(n.n_counter, 0xfedcba98);
	ck_assert_uint_eq(n.n_alg, 1);
}
END_TEST

START_TEST(test_nonce_roundtrip_v4)
{
	ck_assert_int_eq(check(SET_A, make(SET_A, &v4), &v4), NONCE_OK);
}
END_TEST

START_TEST(test_nonce_roundtrip_v6)
{
	ck_assert_int_eq(check(SET_A, make(SET_A, &v6), &v6), NONCE_OK);
}
END_TEST

/* The port is not part of the binding: a phone may change it. */
START_TEST(test_nonce_roundtrip_other_port)
{
	struct sa p;

	ck_assert_int_eq(sa_set_str(&p, "192.0.2.1", 40000), 0);
	ck_assert_int_eq(check(SET_A, make(SET_A, &v4), &p), NONCE_OK);
	ck_assert_int_eq(sa_set_str(&p, "2001:db8::1", 1), 0);
	ck_assert_int_eq(check(SET_A, make(SET_A, &v6), &p), NONCE_OK);
}
END_TEST

/* ::ffff:192.0.2.1 is 192.0.2.1, both ways. */
START_TEST(test_nonce_v4mapped)
{
	char text[NONCE_STRLEN + 1];

	(void)strcpy(text, make(SET_A, &v4mapped));
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_OK);
	ck_assert_int_eq(check(SET_A, text, &v4mapped), NONCE_OK);
	ck_assert_int_eq(check(SET_A, text, &v4b), NONCE_BAD);
	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_int_eq(check(SET_A, text, &v4mapped), NONCE_OK);
}
END_TEST

/* Every value of the algorithm byte comes back. */
START_TEST(test_nonce_alg_roundtrip)
{
	char text[NONCE_STRLEN + 1];
	struct nonce n;
	int alg;

	for (alg = 0; alg < 256; alg++) {
		(void)strcpy(text,
		    make_at(SET_A, &v4, REALM, NOW, 1, (uint8_t)alg));
		ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM,
				     NOW, &n),
		    NONCE_OK);
		ck_assert_uint_eq(n.n_alg, alg);
	}
}
END_TEST

/* The algorithm byte is signed: changing it breaks the nonce. */
START_TEST(test_nonce_alg_signed)
{
	uint8_t raw[NONCE_RAWLEN];
	char text[NONCE_STRLEN + 1];

	(void)strcpy(text, make_at(SET_A, &v4, REALM, NOW, 1, 0));
	ck_assert_uint_eq(b64url_decode(text, NONCE_STRLEN, raw, sizeof(raw)),
	    NONCE_RAWLEN);
	raw[15] = 1;
	(void)b64url_encode(raw, sizeof(raw), text);
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_BAD);
}
END_TEST

static int
cmp_nonce(const void *a, const void *b)
{
	return (memcmp(a, b, NONCE_STRLEN + 1));
}

/* 100 000 nonces of one second and instance: all different. */
START_TEST(test_nonce_unique)
{
	enum { COUNT = 100000 };
	char(*all)[NONCE_STRLEN + 1];
	struct nonce n;
	size_t i;

	ck_assert_ptr_nonnull(all = calloc(COUNT, sizeof(*all)));
	memset(&n, 0, sizeof(n));
	n.n_time = NOW;
	n.n_instance = 42;
	for (i = 0; i < COUNT; i++) {
		n.n_counter = (uint32_t)i;
		ck_assert_int_eq(nonce_make(macs[SET_A], sets[SET_A], &n, &v4,
				     REALM, all[i]),
		    0);
	}
	qsort(all, COUNT, sizeof(*all), cmp_nonce);
	for (i = 1; i < COUNT; i++)
		ck_assert_msg(strcmp(all[i - 1], all[i]) != 0,
		    "duplicate nonce %s", all[i]);
	free(all);
}
END_TEST

/* ---------------------------------------------------------------------
 * Age
 */

START_TEST(test_nonce_age)
{
	char text[NONCE_STRLEN + 1];
	struct nonce n;

	(void)strcpy(text, make_at(SET_A, &v4, REALM, NOW, 1, 0));
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM, NOW,
			     &n),
	    NONCE_OK);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM,
			     NOW + TTL, &n),
	    NONCE_OK);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM,
			     NOW + TTL + 1, &n),
	    NONCE_STALE);
	/* A stale nonce still says what it is. */
	ck_assert_uint_eq(n.n_time, NOW);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM,
			     NOW + 86400 * 365, &n),
	    NONCE_STALE);
}
END_TEST

/* Stale only when the signature holds: altered or foreign stays BAD. */
START_TEST(test_nonce_stale_needs_signature)
{
	char text[NONCE_STRLEN + 1];
	uint32_t late = NOW + TTL + 100;

	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM, late,
			     NULL),
	    NONCE_STALE);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4b, REALM, late,
			     NULL),
	    NONCE_BAD);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, "biloxi.com",
			     late, NULL),
	    NONCE_BAD);
	ck_assert_int_eq(check_at(SET_B, text, NONCE_STRLEN, &v4, REALM, late,
			     NULL),
	    NONCE_BAD);
	text[20] = text[20] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, REALM, late,
			     NULL),
	    NONCE_BAD);
}
END_TEST

START_TEST(test_nonce_future)
{
	char text[NONCE_STRLEN + 1];

	/* Up to 60 s ahead is clock drift between instances. */
	(void)strcpy(text, make_at(SET_A, &v4, REALM, NOW + SKEW, 1, 0));
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_OK);
	(void)strcpy(text, make_at(SET_A, &v4, REALM, NOW + SKEW + 1, 1, 0));
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_BAD);
	(void)strcpy(text, make_at(SET_A, &v4, REALM, 0xffffffffu, 1, 0));
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_BAD);
}
END_TEST

/* ---------------------------------------------------------------------
 * Binding and tampering
 */

/* Every character replaced by every other base64url character. */
START_TEST(test_nonce_tamper_every_char)
{
	char text[NONCE_STRLEN + 1], t[NONCE_STRLEN + 1];
	size_t i, k;

	(void)strcpy(text, make(SET_A, &v4));
	for (i = 0; i < NONCE_STRLEN; i++) {
		for (k = 0; k < 64; k++) {
			if (TU_B64URL[k] == text[i])
				continue;
			(void)strcpy(t, text);
			t[i] = TU_B64URL[k];
			ck_assert_msg(check(SET_A, t, &v4) == NONCE_BAD,
			    "position %zu as '%c' accepted", i, TU_B64URL[k]);
			/* Stale is never said of an altered nonce either. */
			ck_assert_int_eq(check_at(SET_A, t, NONCE_STRLEN, &v4,
					     REALM, NOW + 10 * TTL, NULL),
			    NONCE_BAD);
		}
	}
}
END_TEST

START_TEST(test_nonce_other_source)
{
	ck_assert_int_eq(check(SET_A, make(SET_A, &v4), &v4b), NONCE_BAD);
	ck_assert_int_eq(check(SET_A, make(SET_A, &v6), &v6b), NONCE_BAD);
	ck_assert_int_eq(check(SET_A, make(SET_A, &v4), &v6), NONCE_BAD);
	ck_assert_int_eq(check(SET_A, make(SET_A, &v6), &v4), NONCE_BAD);
}
END_TEST

START_TEST(test_nonce_other_realm)
{
	char text[NONCE_STRLEN + 1];

	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, "biloxi.com",
			     NOW, NULL),
	    NONCE_BAD);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, "Atlanta.com",
			     NOW, NULL),
	    NONCE_BAD);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, "atlanta.co",
			     NOW, NULL),
	    NONCE_BAD);
	ck_assert_int_eq(check_at(SET_A, text, NONCE_STRLEN, &v4, "", NOW,
			     NULL),
	    NONCE_BAD);
}
END_TEST

START_TEST(test_nonce_unknown_secret)
{
	ck_assert_int_eq(check(SET_B, make(SET_A, &v4), &v4), NONCE_BAD);
	ck_assert_int_eq(check(SET_A, make(SET_B, &v4), &v4), NONCE_BAD);
	ck_assert_int_eq(check(SET_X, make(SET_A, &v4), &v4), NONCE_BAD);
}
END_TEST

/* Signed by A: verified by B+A, not by B alone once A is dropped. */
START_TEST(test_nonce_rotation)
{
	char text[NONCE_STRLEN + 1];
	struct nonce n;

	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_int_eq(check(SET_BA, text, &v4), NONCE_OK);
	ck_assert_int_eq(check(SET_B, text, &v4), NONCE_BAD);
	/* After the rotation B signs. */
	(void)strcpy(text, make(SET_BA, &v4));
	ck_assert_int_eq(check_at(SET_BA, text, NONCE_STRLEN, &v4, REALM, NOW,
			     &n),
	    NONCE_OK);
	ck_assert_uint_eq(n.n_secret, sets[SET_B]->ss_v[0].s_id);
	ck_assert_int_eq(check(SET_B, text, &v4), NONCE_OK);
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_BAD);
}
END_TEST

/* Two secrets sharing an id: each is tried. */
START_TEST(test_nonce_id_collision)
{
	ck_assert_int_eq(check(SET_XY, make(SET_X, &v4), &v4), NONCE_OK);
	ck_assert_int_eq(check(SET_XY, make(SET_Y, &v4), &v4), NONCE_OK);
	ck_assert_int_eq(check(SET_X, make(SET_Y, &v4), &v4), NONCE_BAD);
	ck_assert_int_eq(check(SET_Y, make(SET_X, &v4), &v4), NONCE_BAD);
}
END_TEST

/* Two loads of one file, two mac contexts: each accepts the other's. */
START_TEST(test_nonce_two_processes)
{
	char text[NONCE_STRLEN + 1];

	ck_assert_ptr_ne(sets[SET_A], sets[SET_A2]);
	ck_assert_ptr_ne(macs[SET_A], macs[SET_A2]);
	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_int_eq(check(SET_A2, text, &v4), NONCE_OK);
	(void)strcpy(text, make(SET_A2, &v6));
	ck_assert_int_eq(check(SET_A, text, &v6), NONCE_OK);
	/* Same inputs, same nonce. */
	(void)strcpy(text, make(SET_A, &v4));
	ck_assert_str_eq(make(SET_A2, &v4), text);
}
END_TEST

/* A random secret (no secret_file) works too, and only for itself. */
START_TEST(test_nonce_random_secret)
{
	struct secrets *r;
	struct mac *m;
	char text[NONCE_STRLEN + 1];
	struct nonce n;
	struct pl pl;

	ck_assert_int_eq(secrets_random(&r), 0);
	ck_assert_int_eq(mac_alloc(&m), 0);
	ck_assert_int_eq(mac_bind(m, r, 1), 0);
	memset(&n, 0, sizeof(n));
	n.n_time = NOW;
	ck_assert_int_eq(nonce_make(m, r, &n, &v4, REALM, text), 0);
	pl.p = text;
	pl.l = strlen(text);
	ck_assert_int_eq(nonce_check(m, r, &pl, &v4, REALM, NOW, TTL, &n),
	    NONCE_OK);
	ck_assert_int_eq(check(SET_A, text, &v4), NONCE_BAD);
	mac_free(m);
	secrets_free(r);
}
END_TEST

/* ---------------------------------------------------------------------
 * Malformed text
 */

START_TEST(test_nonce_bad_form)
{
	char text[NONCE_STRLEN + 1], t[NONCE_STRLEN + 8];
	static const char bad[] = "+/=. \"\\\t\x80\xff";
	size_t i, k;

	(void)strcpy(text, make(SET_A, &v4));
	/* Every shorter prefix, and longer by one or two characters. */
	for (i = 0; i < NONCE_STRLEN; i++)
		ck_assert_int_eq(check_at(SET_A, text, i, &v4, REALM, NOW,
				     NULL),
		    NONCE_BAD);
	(void)snprintf(t, sizeof(t), "%sA", text);
	ck_assert_int_eq(check(SET_A, t, &v4), NONCE_BAD);
	(void)snprintf(t, sizeof(t), "%sAA", text);
	ck_assert_int_eq(check(SET_A, t, &v4), NONCE_BAD);
	(void)snprintf(t, sizeof(t), "%s=", text);
	ck_assert_int_eq(check(SET_A, t, &v4), NONCE_BAD);
	/* A character outside base64url anywhere. */
	for (i = 0; i < NONCE_STRLEN; i++) {
		for (k = 0; k < sizeof(bad) - 1; k++) {
			(void)strcpy(t, text);
			t[i] = bad[k];
			ck_assert_int_eq(check(SET_A, t, &v4), NONCE_BAD);
		}
		(void)strcpy(t, text);
		t[i] = '\0';
		ck_assert_int_eq(check_at(SET_A, t, NONCE_STRLEN, &v4, REALM,
				     NOW, NULL),
		    NONCE_BAD);
	}
	/* Standard base64 of the same bytes. */
	(void)strcpy(t, text);
	for (i = 0; i < NONCE_STRLEN; i++)
		t[i] = t[i] == '-' ? '+' : t[i] == '_' ? '/' : t[i];
	if (strcmp(t, text) != 0)
		ck_assert_int_eq(check(SET_A, t, &v4), NONCE_BAD);
	ck_assert_int_eq(check(SET_A, "", &v4), NONCE_BAD);
}
END_TEST

/* Nothing past the given length is read (ASan: exact allocation). */
START_TEST(test_nonce_bounds)
{
	char text[NONCE_STRLEN + 1];
	char *buf;
	size_t i;

	(void)strcpy(text, make(SET_A, &v4));
	for (i = 0; i <= NONCE_STRLEN; i++) {
		ck_assert_ptr_nonnull(buf = malloc(i > 0 ? i : 1));
		memcpy(buf, text, i);
		ck_assert_int_eq(check_at(SET_A, buf, i, &v4, REALM, NOW, NULL),
		    i == NONCE_STRLEN ? NONCE_OK : NONCE_BAD);
		free(buf);
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("nonce");
	TCase *tc;

	tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nonce_layout_v4);
	tcase_add_test(tc, test_nonce_layout_v6);
	tcase_add_test(tc, test_nonce_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nonce_roundtrip_fields);
	tcase_add_test(tc, test_nonce_roundtrip_v4);
	tcase_add_test(tc, test_nonce_roundtrip_v6);
	tcase_add_test(tc, test_nonce_roundtrip_other_port);
	tcase_add_test(tc, test_nonce_v4mapped);
	tcase_add_test(tc, test_nonce_alg_roundtrip);
	tcase_add_test(tc, test_nonce_alg_signed);
	tcase_add_test(tc, test_nonce_unique);
	suite_add_tcase(s, tc);

	tc = tcase_create("age");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nonce_age);
	tcase_add_test(tc, test_nonce_stale_needs_signature);
	tcase_add_test(tc, test_nonce_future);
	suite_add_tcase(s, tc);

	tc = tcase_create("binding");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nonce_tamper_every_char);
	tcase_add_test(tc, test_nonce_other_source);
	tcase_add_test(tc, test_nonce_other_realm);
	tcase_add_test(tc, test_nonce_unknown_secret);
	tcase_add_test(tc, test_nonce_rotation);
	tcase_add_test(tc, test_nonce_id_collision);
	tcase_add_test(tc, test_nonce_two_processes);
	tcase_add_test(tc, test_nonce_random_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("form");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nonce_bad_form);
	tcase_add_test(tc, test_nonce_bounds);
	suite_add_tcase(s, tc);
	return (s);
}
