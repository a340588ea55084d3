/*
 * core/b64url.c: base64url without padding (RFC 4648 section 5).  The
 * vectors are those of RFC 4648 section 10 with the padding left off.
 * b64url_decode_as: the standard alphabet, padding and loose bits.
 */
#include <stdint.h>
#include <string.h>

#include "core/b64url.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define CANARY 0xa5

static const struct {
	const char *plain;
	const char *enc;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
};

/* Deterministic pseudo-random bytes (xorshift64), so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint8_t
rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((uint8_t)(rng_state >> 24));
}

START_TEST(test_b64url_encode_rfc4648)
{
	const char *plain = vectors[_i].plain;
	char out[16];

	memset(out, CANARY, sizeof(out));
	ck_assert_uint_eq(b64url_encode((const uint8_t *)plain, strlen(plain),
			      out),
	    strlen(vectors[_i].enc));
	ck_assert_str_eq(out, vectors[_i].enc);
	ck_assert_uint_eq((uint8_t)out[strlen(out) + 1], CANARY);
}
END_TEST

START_TEST(test_b64url_decode_rfc4648)
{
	const char *enc = vectors[_i].enc;
	uint8_t out[16];
	size_t n = strlen(vectors[_i].plain);

	memset(out, CANARY, sizeof(out));
	ck_assert_uint_eq(b64url_decode(enc, strlen(enc), out, sizeof(out)), n);
	ck_assert_mem_eq(out, vectors[_i].plain, n);
	ck_assert_uint_eq(out[n], CANARY);
}
END_TEST

/* The two characters that differ from standard base64: '-' and '_'. */
START_TEST(test_b64url_url_alphabet)
{
	static const uint8_t raw[] = { 0xfb, 0xff, 0xbf, 0xfb, 0xf0 };
	uint8_t back[8];
	char out[16];

	ck_assert_uint_eq(b64url_encode(raw, sizeof(raw), out), 7);
	ck_assert_str_eq(out, "-_-_-_A");
	ck_assert_uint_eq(b64url_decode(out, 7, back, sizeof(back)), 5);
	ck_assert_mem_eq(back, raw, sizeof(raw));
	ck_assert_uint_eq(b64url_decode("+/+/", 4, back, sizeof(back)), 0);
}
END_TEST

/* Every length 0..64: encode, check the alphabet, decode back. */
START_TEST(test_b64url_roundtrip_all_lengths)
{
	uint8_t raw[64], back[64 + 1];
	char enc[B64URL_LEN(64) + 2];
	size_t n, i, len;

	for (n = 0; n <= 64; n++) {
		for (i = 0; i < n; i++)
			raw[i] = rng_byte();
		memset(enc, CANARY, sizeof(enc));
		len = b64url_encode(raw, n, enc);
		ck_assert_uint_eq(len, B64URL_LEN(n));
		ck_assert_uint_eq(strlen(enc), len);
		ck_assert_uint_ne(len % 4, 1);
		ck_assert_uint_eq(strspn(enc, TU_B64URL), len);
		if (len + 2 <= sizeof(enc))
			ck_assert_uint_eq((uint8_t)enc[len + 1], CANARY);
		memset(back, CANARY, sizeof(back));
		ck_assert_uint_eq(b64url_decode(enc, len, back, n), n);
		ck_assert_mem_eq(back, raw, n);
		ck_assert_uint_eq(back[n], CANARY);
	}
}
END_TEST

/* Same with all-zero and all-one bytes, the edges of every sextet. */
START_TEST(test_b64url_roundtrip_extremes)
{
	uint8_t raw[64], back[64];
	char enc[B64URL_LEN(64) + 1];
	size_t n, len;
	int fill;

	for (fill = 0; fill <= 0xff; fill += 0xff) {
		memset(raw, fill, sizeof(raw));
		for (n = 0; n <= sizeof(raw); n++) {
			len = b64url_encode(raw, n, enc);
			ck_assert_uint_eq(b64url_decode(enc, len, back,
					      sizeof(back)),
			    n);
			ck_assert_mem_eq(back, raw, n);
		}
	}
}
END_TEST

/* A character outside the alphabet, at every position, is refused. */
START_TEST(test_b64url_decode_bad_char)
{
	static const char bad[] = { '+', '/', '=', ' ', '.', '\0', '\n', '~',
		'@', '[', '`', '{', (char)0x80, (char)0xff };
	char in[] = "Zm9vYmFy";
	uint8_t out[16];
	size_t pos, k;

	for (pos = 0; pos < strlen("Zm9vYmFy"); pos++) {
		for (k = 0; k < sizeof(bad); k++) {
			memcpy(in, "Zm9vYmFy", sizeof(in));
			in[pos] = bad[k];
			ck_assert_uint_eq(b64url_decode(in, 8, out,
					      sizeof(out)),
			    0);
		}
	}
}
END_TEST

/* Padding is not part of base64url as sipwarden writes it. */
START_TEST(test_b64url_decode_padding_refused)
{
	uint8_t out[16];

	ck_assert_uint_eq(b64url_decode("Zg==", 4, out, sizeof(out)), 0);
	ck_assert_uint_eq(b64url_decode("Zm8=", 4, out, sizeof(out)), 0);
}
END_TEST

/* len % 4 == 1 can encode no byte count. */
START_TEST(test_b64url_decode_bad_length)
{
	static const char *const in[] = { "A", "AAAAA", "Zm9vY", "Zm9vYmFyZ",
		"AAAAAAAAAAAAA" };
	uint8_t out[16];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_uint_eq(b64url_decode(in[i], strlen(in[i]), out,
				      sizeof(out)),
		    0);
}
END_TEST

/* Trailing bits that the encoder never sets: one text per value. */
START_TEST(test_b64url_decode_noncanonical)
{
	static const char *const in[] = { "Zh", "Zj", "Zv", "Zm9", "Zm-",
		"Zm9vYh", "Zm9vYmF", "AB", "AAB", "A_", "AA_" };
	uint8_t out[16];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_msg(b64url_decode(in[i], strlen(in[i]), out,
				  sizeof(out)) == 0,
		    "accepted %s", in[i]);
	/* Their canonical neighbours are fine. */
	ck_assert_uint_eq(b64url_decode("Zg", 2, out, sizeof(out)), 1);
	ck_assert_uint_eq(b64url_decode("Zm8", 3, out, sizeof(out)), 2);
	ck_assert_uint_eq(b64url_decode("AA", 2, out, sizeof(out)), 1);
	ck_assert_uint_eq(b64url_decode("AAA", 3, out, sizeof(out)), 2);
	ck_assert_uint_eq(b64url_decode("_w", 2, out, sizeof(out)), 1);
	ck_assert_uint_eq(out[0], 0xff);
}
END_TEST

/* Too small an output buffer: 0, and nothing written past size. */
START_TEST(test_b64url_decode_small_buffer)
{
	uint8_t out[8];
	size_t size;

	for (size = 0; size < 6; size++) {
		memset(out, CANARY, sizeof(out));
		ck_assert_uint_eq(b64url_decode("Zm9vYmFy", 8, out, size), 0);
		ck_assert_uint_eq(out[size], CANARY);
	}
	memset(out, CANARY, sizeof(out));
	ck_assert_uint_eq(b64url_decode("Zm9vYmFy", 8, out, 6), 6);
	ck_assert_mem_eq(out, "foobar", 6);
	ck_assert_uint_eq(out[6], CANARY);
	ck_assert_uint_eq(b64url_decode("Zm9vYmE", 7, out, 4), 0);
	ck_assert_uint_eq(b64url_decode("Zm9vYmE", 7, out, 5), 5);
}
END_TEST

/* Decoding reads only len characters: no NUL needed, none looked for. */
START_TEST(test_b64url_decode_reads_len_only)
{
	uint8_t out[8];

	ck_assert_uint_eq(b64url_decode("Zm9v!!!!", 4, out, sizeof(out)), 3);
	ck_assert_mem_eq(out, "foo", 3);
	ck_assert_uint_eq(b64url_decode("Zm9v", 0, out, sizeof(out)), 0);
}
END_TEST

/* The standard alphabet only when asked for, and either when both are. */
START_TEST(test_b64url_decode_as_alphabets)
{
	uint8_t out[8];

	ck_assert_uint_eq(b64url_decode_as("+/+/", 4, out, sizeof(out),
			      B64URL_STD),
	    3);
	ck_assert_mem_eq(out, "\xfb\xff\xbf", 3);
	ck_assert_uint_eq(b64url_decode_as("-_-_", 4, out, sizeof(out),
			      B64URL_STD),
	    0);
	ck_assert_uint_eq(b64url_decode_as("+/+/", 4, out, sizeof(out),
			      B64URL_URL),
	    0);
	/* Both: each character in either, even mixed in one text. */
	ck_assert_uint_eq(b64url_decode_as("+_-/", 4, out, sizeof(out),
			      B64URL_URL | B64URL_STD),
	    3);
	ck_assert_mem_eq(out, "\xfb\xff\xbf", 3);
	/* No alphabet for 62 and 63: letters and digits still decode. */
	ck_assert_uint_eq(b64url_decode_as("Zm9v", 4, out, sizeof(out), 0), 3);
	ck_assert_uint_eq(b64url_decode_as("Zm-v", 4, out, sizeof(out), 0), 0);
}
END_TEST

static const struct {
	const char *in;
	size_t want; /* bytes; 0: refused */
} pad_cases[] = {
	{ "Zg==", 1 },
	{ "Zm8=", 2 },
	{ "Zm9v", 3 },
	{ "Zg", 1 },
	{ "Zm8", 2 },
	{ "Zg=", 0 },      /* padding short of a multiple of four */
	{ "Zm9v=", 0 },    /* padding past one */
	{ "Zm9v==", 0 },   /* likewise */
	{ "Zg===", 0 },    /* three '=' */
	{ "Zm9v====", 0 }, /* two are padding, two more are not */
	{ "Z===", 0 },
	{ "====", 0 },
	{ "Z=g=", 0 }, /* '=' inside */
	{ "=", 0 },
};

/* B64URL_PAD: one or two '=' making a multiple of four, or none. */
START_TEST(test_b64url_decode_as_padding)
{
	const char *in = pad_cases[_i].in;
	uint8_t out[8];

	ck_assert_msg(b64url_decode_as(in, strlen(in), out, sizeof(out),
			  B64URL_URL | B64URL_PAD) == pad_cases[_i].want,
	    "%s", in);
}
END_TEST

/* B64URL_LOOSE: unused bits set are accepted (and dropped). */
START_TEST(test_b64url_decode_as_loose)
{
	uint8_t out[8];

	ck_assert_uint_eq(b64url_decode_as("Zh", 2, out, sizeof(out),
			      B64URL_URL),
	    0);
	ck_assert_uint_eq(b64url_decode_as("Zh", 2, out, sizeof(out),
			      B64URL_URL | B64URL_LOOSE),
	    1);
	ck_assert_uint_eq(out[0], 'f');
	ck_assert_uint_eq(b64url_decode_as("Zm-", 3, out, sizeof(out),
			      B64URL_URL | B64URL_LOOSE),
	    2);
	ck_assert_mem_eq(out, "fo", 2);
	/* Loose is about bits, not length or characters. */
	ck_assert_uint_eq(b64url_decode_as("Zm9vY", 5, out, sizeof(out),
			      B64URL_URL | B64URL_LOOSE),
	    0);
	ck_assert_uint_eq(b64url_decode_as("Zm9v!", 5, out, sizeof(out),
			      B64URL_URL | B64URL_LOOSE),
	    0);
}
END_TEST

/* The buffer bound holds with padding too. */
START_TEST(test_b64url_decode_as_small_buffer)
{
	uint8_t out[4];

	memset(out, CANARY, sizeof(out));
	ck_assert_uint_eq(b64url_decode_as("Zm8=", 4, out, 1,
			      B64URL_URL | B64URL_PAD),
	    0);
	ck_assert_uint_eq(out[0], CANARY);
	ck_assert_uint_eq(b64url_decode_as("Zm8=", 4, out, 2,
			      B64URL_URL | B64URL_PAD),
	    2);
}
END_TEST

/*
 * Every byte in the last place of a group, in each alphabet: accepted with
 * its value where the alphabet has it (RFC 4648 sections 4 and 5), refused
 * everywhere else (the decoder's table is checked against the alphabets).
 */
START_TEST(test_b64url_decode_every_byte)
{
	static const char url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const unsigned modes[] = { B64URL_URL, B64URL_STD,
		B64URL_URL | B64URL_STD };
	char in[4] = { 'A', 'A', 'A', 0 };
	uint8_t out[3];
	unsigned c, m;

	for (m = 0; m < 3; m++) {
		for (c = 0; c < 256; c++) {
			const char *pu =
			    c != 0 ? memchr(url, (int)c, 64) : NULL;
			const char *ps =
			    c != 0 ? memchr(std, (int)c, 64) : NULL;
			int want = -1;

			if ((modes[m] & B64URL_URL) && pu != NULL)
				want = (int)(pu - url);
			if ((modes[m] & B64URL_STD) && ps != NULL)
				want = (int)(ps - std);
			in[3] = (char)c;
			if (want < 0) {
				ck_assert_msg(b64url_decode_as(in, 4, out, 3,
						  modes[m]) == 0,
				    "accepted byte %u in mode %u", c, modes[m]);
				continue;
			}
			ck_assert_uint_eq(b64url_decode_as(in, 4, out, 3,
					      modes[m]),
			    3);
			ck_assert_uint_eq(out[2], (unsigned)want);
		}
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("b64url");
	TCase *tc = tcase_create("b64url");
	int nvec = (int)(sizeof(vectors) / sizeof(vectors[0]));

	tcase_add_loop_test(tc, test_b64url_encode_rfc4648, 0, nvec);
	tcase_add_loop_test(tc, test_b64url_decode_rfc4648, 0, nvec);
	tcase_add_test(tc, test_b64url_url_alphabet);
	tcase_add_test(tc, test_b64url_roundtrip_all_lengths);
	tcase_add_test(tc, test_b64url_roundtrip_extremes);
	tcase_add_test(tc, test_b64url_decode_bad_char);
	tcase_add_test(tc, test_b64url_decode_padding_refused);
	tcase_add_test(tc, test_b64url_decode_bad_length);
	tcase_add_test(tc, test_b64url_decode_noncanonical);
	tcase_add_test(tc, test_b64url_decode_small_buffer);
	tcase_add_test(tc, test_b64url_decode_reads_len_only);
	tcase_add_test(tc, test_b64url_decode_as_alphabets);
	tcase_add_loop_test(tc, test_b64url_decode_as_padding, 0,
	    (int)(sizeof(pad_cases) / sizeof(pad_cases[0])));
	tcase_add_test(tc, test_b64url_decode_as_loose);
	tcase_add_test(tc, test_b64url_decode_as_small_buffer);
	tcase_add_test(tc, test_b64url_decode_every_byte);
	suite_add_tcase(s, tc);
	return (s);
}
