/*
 * The packet path's cryptography allocates nothing, OpenSSL included:
 * once bound, mac_sign() and every digest algorithm of digest_check()
 * make no call to OpenSSL's allocator.  OpenSSL 3.0's EVP route made two
 * per MAC (EVP_MAC_init duplicating the keyed context) and one per digest.
 *
 * OpenSSL's allocations are counted by functions installed with
 * CRYPTO_set_mem_functions(), which refuses once OpenSSL has allocated
 * anything; hence this executable's own main(), which installs them
 * first.  Check's forked children inherit them; each test compares the
 * count before and after, so fork mode and ASan (the counters only wrap
 * malloc) change nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <re.h>

#include "auth/digest.h"
#include "auth/mac.h"
#include "auth/secrets.h"
#include "tests.h"

#define NOALLOC_ROUNDS 200

static size_t noalloc_n; /* OpenSSL's mallocs and reallocs so far */

static void *
noalloc_malloc(size_t n, const char *file, int line)
{
	noalloc_n++;
	return (malloc(n));
}

static void *
noalloc_realloc(void *p, size_t n, const char *file, int line)
{
	noalloc_n++;
	return (realloc(p, n));
}

static void
noalloc_free(void *p, const char *file, int line)
{
	free(p);
}

/* The counter sees OpenSSL's allocations (a zero below means something). */
START_TEST(test_noalloc_counter_works)
{
	EVP_MD_CTX *ctx;
	size_t n0 = noalloc_n;

	ck_assert_ptr_nonnull(ctx = EVP_MD_CTX_new());
	ck_assert_uint_gt(noalloc_n, n0);
	EVP_MD_CTX_free(ctx);
}
END_TEST

START_TEST(test_noalloc_mac_sign)
{
	struct mac_part parts[2] = { { "part one", 8 }, { "part two", 8 } };
	uint8_t out[MAC_MAXLEN];
	struct secrets *s;
	struct mac *m;
	size_t i, n0;

	ck_assert_int_eq(secrets_random(&s), 0);
	ck_assert_int_eq(mac_alloc(&m), 0);
	ck_assert_int_eq(mac_bind(m, s, 1), 0);
	ck_assert_int_eq(mac_sign(m, 0, SECRET_NONCE, parts, 2, out, 16), 0);
	n0 = noalloc_n;
	for (i = 0; i < NOALLOC_ROUNDS; i++)
		ck_assert_int_eq(mac_sign(m, 0,
				     (enum secret_use)(i % SECRET_NUSES), parts,
				     2, out, sizeof(out)),
		    0);
	ck_assert_uint_eq(noalloc_n - n0, 0);
	mac_free(m);
	secrets_free(s);
}
END_TEST

/* qop=auth and auth-int (two and three digests) with each algorithm. */
START_TEST(test_noalloc_digest_check)
{
	static const char *const qops[] = { "auth", "auth-int" };
	enum digest_alg alg = (enum digest_alg)_i;
	uint8_t ha1[DIGEST_HASHMAX];
	struct digest_cred c;
	struct digest *d;
	struct pl hdr, method, body;
	char text[512];
	size_t i, q, n0;

	memset(ha1, 0x5a, sizeof(ha1));
	pl_set_str(&method, "REGISTER");
	pl_set_str(&body, "v=0\r\n");
	ck_assert_int_eq(digest_alloc(&d), 0);
	n0 = noalloc_n;
	for (q = 0; q < 2; q++) {
		(void)snprintf(text, sizeof(text),
		    "Digest username=\"alice\", realm=\"atlanta.com\", "
		    "nonce=\"n0nce\", uri=\"sip:atlanta.com\", algorithm=%s, "
		    "qop=%s, nc=00000001, cnonce=\"c1\", response=\"0\"",
		    digest_alg_name(alg), qops[q]);
		pl_set_str(&hdr, text);
		ck_assert_int_eq(digest_parse(&hdr, &c), 0);
		for (i = 0; i < NOALLOC_ROUNDS; i++)
			ck_assert(!digest_check(d, &c, ha1, &method, &body));
	}
	ck_assert_uint_eq(noalloc_n - n0, 0);
	digest_free(d);
}
END_TEST

static Suite *
noalloc_suite(void)
{
	Suite *s = suite_create("noalloc");
	TCase *tc;

	tc = tcase_create("noalloc");
	tcase_add_test(tc, test_noalloc_counter_works);
	tcase_add_test(tc, test_noalloc_mac_sign);
	tcase_add_loop_test(tc, test_noalloc_digest_check, 0, DIGEST_NALGS);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (!CRYPTO_set_mem_functions(noalloc_malloc, noalloc_realloc,
		noalloc_free)) {
		(void)printf("Bail out! OpenSSL allocated before main()\n");
		return (EXIT_FAILURE);
	}
	sr = srunner_create(noalloc_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
