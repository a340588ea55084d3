/*
 * core/hex.c: lower-case encoding, digit values, decoding in either case
 * or lower case only, and every way a text can be refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "tests.h"

#define CANARY 0xa5

START_TEST(test_hex_encode_lower)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[16];

	memset(out, CANARY, sizeof(out));
	ck_assert_uint_eq(hex_encode(in, sizeof(in), out), 12);
	ck_assert_str_eq(out, "00017f80abff");
	ck_assert_uint_eq((uint8_t)out[13], CANARY);
	ck_assert_uint_eq(hex_encode(in, 0, out), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Every byte value against printf's %02x. */
START_TEST(test_hex_encode_every_byte)
{
	char out[3], want[3];
	uint8_t b;
	int v;

	for (v = 0; v < 256; v++) {
		b = (uint8_t)v;
		(void)snprintf(want, sizeof(want), "%02x", (unsigned)v);
		ck_assert_uint_eq(hex_encode(&b, 1, out), 2);
		ck_assert_str_eq(out, want);
	}
}
END_TEST

START_TEST(test_hex_digit_every_byte)
{
	const char *digits = "0123456789abcdef", *p;
	int c, want;

	for (c = 0; c < 256; c++) {
		p = c != 0 ? strchr(digits, c >= 'A' && c <= 'F' ? c + 32 : c) :
			     NULL;
		want = p != NULL ? (int)(p - digits) : -1;
		ck_assert_msg(hex_digit(c) == want, "byte %#x", (unsigned)c);
	}
	ck_assert_int_eq(hex_digit((char)0xe1), -1);
}
END_TEST

START_TEST(test_hex_decode_either_case)
{
	uint8_t out[4];

	ck_assert_int_eq(hex_decode("00aBcDff", 8, out, sizeof(out),
			     HEX_ANYCASE),
	    0);
	ck_assert_mem_eq(out, "\x00\xab\xcd\xff", 4);
	ck_assert_int_eq(hex_decode("ABCDEF01", 8, out, sizeof(out),
			     HEX_ANYCASE),
	    0);
	ck_assert_mem_eq(out, "\xab\xcd\xef\x01", 4);
}
END_TEST

START_TEST(test_hex_decode_lower_only)
{
	uint8_t out[4];

	ck_assert_int_eq(hex_decode("00abcdef", 8, out, sizeof(out), HEX_LOWER),
	    0);
	ck_assert_mem_eq(out, "\x00\xab\xcd\xef", 4);
	ck_assert_int_eq(hex_decode("00aBcdef", 8, out, sizeof(out), HEX_LOWER),
	    EILSEQ);
	ck_assert_int_eq(hex_decode("00abcdeF", 8, out, sizeof(out), HEX_LOWER),
	    EILSEQ);
}
END_TEST

/*
 * Pair by pair: the first bad pair decides, and in it an upper-case digit
 * comes before a non-digit (the users file's two messages).
 */
START_TEST(test_hex_decode_first_bad_pair)
{
	uint8_t out[4];

	ck_assert_int_eq(hex_decode("zA", 2, out, sizeof(out), HEX_LOWER),
	    EILSEQ);
	ck_assert_int_eq(hex_decode("Az", 2, out, sizeof(out), HEX_LOWER),
	    EILSEQ);
	ck_assert_int_eq(hex_decode("zz", 2, out, sizeof(out), HEX_LOWER),
	    EBADMSG);
	ck_assert_int_eq(hex_decode("zzAA", 4, out, sizeof(out), HEX_LOWER),
	    EBADMSG);
	ck_assert_int_eq(hex_decode("AAzz", 4, out, sizeof(out), HEX_LOWER),
	    EILSEQ);
	ck_assert_int_eq(hex_decode("zA", 2, out, sizeof(out), HEX_ANYCASE),
	    EBADMSG);
}
END_TEST

/* A non-digit at any position, in either mode ('G' is no upper digit). */
START_TEST(test_hex_decode_bad_char)
{
	static const char bad[] = { 'g', 'G', ' ', '-', 'x', ':', '\0', '\n',
		'/', '@', '`', (char)0x80, (char)0xff };
	char in[] = "0123456789abcdef";
	uint8_t out[8];
	size_t pos, k;

	for (pos = 0; pos < 16; pos++) {
		for (k = 0; k < sizeof(bad); k++) {
			memcpy(in, "0123456789abcdef", 16);
			in[pos] = bad[k];
			ck_assert_int_eq(hex_decode(in, 16, out, sizeof(out),
					     HEX_ANYCASE),
			    EBADMSG);
			ck_assert_int_eq(hex_decode(in, 16, out, sizeof(out),
					     HEX_LOWER),
			    EBADMSG);
		}
	}
}
END_TEST

START_TEST(test_hex_decode_odd_length)
{
	uint8_t out[4];

	ck_assert_int_eq(hex_decode("abc", 3, out, sizeof(out), HEX_ANYCASE),
	    EBADMSG);
	ck_assert_int_eq(hex_decode("a", 1, out, sizeof(out), HEX_LOWER),
	    EBADMSG);
	ck_assert_int_eq(hex_decode("", 0, out, sizeof(out), HEX_LOWER), 0);
}
END_TEST

/* Too small an output: EMSGSIZE and nothing written. */
START_TEST(test_hex_decode_small_buffer)
{
	uint8_t out[4];

	memset(out, CANARY, sizeof(out));
	ck_assert_int_eq(hex_decode("00112233", 8, out, 3, HEX_ANYCASE),
	    EMSGSIZE);
	ck_assert_uint_eq(out[0], CANARY);
	ck_assert_int_eq(hex_decode("00112233", 8, out, 4, HEX_ANYCASE), 0);
	ck_assert_mem_eq(out, "\x00\x11\x22\x33", 4);
}
END_TEST

/* Only len characters are read. */
START_TEST(test_hex_decode_reads_len_only)
{
	uint8_t out[4];

	memset(out, CANARY, sizeof(out));
	ck_assert_int_eq(hex_decode("abzz", 2, out, sizeof(out), HEX_LOWER), 0);
	ck_assert_uint_eq(out[0], 0xab);
	ck_assert_uint_eq(out[1], CANARY);
}
END_TEST

START_TEST(test_hex_roundtrip)
{
	uint8_t in[256], back[256];
	char text[513];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	ck_assert_uint_eq(hex_encode(in, sizeof(in), text), 512);
	ck_assert_int_eq(hex_decode(text, 512, back, sizeof(back), HEX_LOWER),
	    0);
	ck_assert_mem_eq(back, in, sizeof(in));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");

	tcase_add_test(tc, test_hex_encode_lower);
	tcase_add_test(tc, test_hex_encode_every_byte);
	tcase_add_test(tc, test_hex_digit_every_byte);
	tcase_add_test(tc, test_hex_decode_either_case);
	tcase_add_test(tc, test_hex_decode_lower_only);
	tcase_add_test(tc, test_hex_decode_first_bad_pair);
	tcase_add_test(tc, test_hex_decode_bad_char);
	tcase_add_test(tc, test_hex_decode_odd_length);
	tcase_add_test(tc, test_hex_decode_small_buffer);
	tcase_add_test(tc, test_hex_decode_reads_len_only);
	tcase_add_test(tc, test_hex_roundtrip);
	suite_add_tcase(s, tc);
	return (s);
}
