/*
 * core/chars.c: every byte's classes against the definitions written out
 * here as sets (RFC 3261 25.1 token, LWS, C's isspace in the C locale),
 * bytes above 0x7f in none, and the skip helpers at their edges.
 */
#include <stdint.h>
#include <string.h>

#include "core/chars.h"
#include "tests.h"

#define DIGITS "0123456789"
#define UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER  "abcdefghijklmnopqrstuvwxyz"

/* Is byte c one of the bytes of set (NUL is never a member)? */
static bool
in_set(int c, const char *set)
{
	return (c != 0 && strchr(set, c) != NULL);
}

static const struct {
	unsigned cls;
	const char *set;
} classes[] = {
	{ CHARS_TOKEN, DIGITS UPPER LOWER "-.!%*_+`'~" },
	{ CHARS_WS, " \t" },
	{ CHARS_LWS, " \t\r\n" },
	{ CHARS_SPACE, " \t\n\v\f\r" },
	{ CHARS_DIGIT, DIGITS },
	{ CHARS_HEX, DIGITS "abcdefABCDEF" },
	{ CHARS_ALNUM, DIGITS UPPER LOWER },
};

/* Each class holds exactly its set, for all 256 bytes. */
START_TEST(test_chars_is_every_byte)
{
	unsigned cls = classes[_i].cls;
	int c;

	for (c = 0; c < 256; c++)
		ck_assert_msg(chars_is(c, cls) == in_set(c, classes[_i].set),
		    "class %#x, byte %#x", cls, (unsigned)c);
}
END_TEST

/* A char above 0x7f (negative where char is signed) is in no class. */
START_TEST(test_chars_is_high_bytes)
{
	int c;

	for (c = 0x80; c < 256; c++) {
		ck_assert(!chars_is((char)c, 0xff));
		ck_assert(!chars_is(c, 0xff));
	}
	ck_assert(!chars_is('\0', 0xff));
	ck_assert(!chars_is(0x7f, 0xff));
}
END_TEST

START_TEST(test_chars_is_union)
{
	ck_assert(chars_is('a', CHARS_WS | CHARS_TOKEN));
	ck_assert(chars_is(' ', CHARS_WS | CHARS_TOKEN));
	ck_assert(!chars_is('"', CHARS_WS | CHARS_TOKEN));
	ck_assert(!chars_is('a', 0));
	ck_assert(chars_istoken('~') && !chars_istoken(':'));
	ck_assert(chars_islws('\n') && !chars_islws('\v'));
}
END_TEST

/* ASCII letters only, whatever the locale would say of the rest. */
START_TEST(test_chars_lower_every_byte)
{
	int c, want;

	for (c = 0; c < 256; c++) {
		want = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		ck_assert_int_eq(chars_lower(c), want);
	}
}
END_TEST

START_TEST(test_chars_skip)
{
	static const char s[] = "  \tab c\r\n";

	ck_assert_uint_eq(chars_skip(s, 9, 0, CHARS_WS), 3);
	ck_assert_uint_eq(chars_skip(s, 9, 3, CHARS_WS), 3);
	ck_assert_uint_eq(chars_skip(s, 9, 3, CHARS_TOKEN), 5);
	ck_assert_uint_eq(chars_skip(s, 9, 7, CHARS_LWS), 9);
	ck_assert_uint_eq(chars_skip(s, 9, 7, CHARS_WS), 7);
	/* len bounds the scan, not a NUL. */
	ck_assert_uint_eq(chars_skip(s, 2, 0, CHARS_WS), 2);
	ck_assert_uint_eq(chars_skip(s, 0, 0, CHARS_WS), 0);
	ck_assert_uint_eq(chars_skip(s, 9, 9, CHARS_LWS), 9);
	ck_assert_uint_eq(chars_skip("a\0b", 3, 0, CHARS_TOKEN), 1);
}
END_TEST

START_TEST(test_chars_rskip)
{
	ck_assert_uint_eq(chars_rskip("ab \t\r", 5, CHARS_LWS), 2);
	ck_assert_uint_eq(chars_rskip("ab \t\r", 5, CHARS_WS), 5);
	ck_assert_uint_eq(chars_rskip("  ", 2, CHARS_WS), 0);
	ck_assert_uint_eq(chars_rskip("", 0, CHARS_WS), 0);
	ck_assert_uint_eq(chars_rskip("a \v\f", 4, CHARS_SPACE), 1);
	ck_assert_uint_eq(chars_rskip("a \v\f", 4, CHARS_LWS), 4);
}
END_TEST

START_TEST(test_chars_all)
{
	ck_assert(chars_all("INVITE", 6, CHARS_TOKEN));
	ck_assert(!chars_all("INV TE", 6, CHARS_TOKEN));
	ck_assert(!chars_all("", 0, CHARS_TOKEN));
	ck_assert(chars_all("0a9F", 4, CHARS_HEX));
	ck_assert(!chars_all("0a9G", 4, CHARS_HEX));
	ck_assert(!chars_all("12\0003", 4, CHARS_DIGIT));
	ck_assert(chars_all("12x", 2, CHARS_DIGIT));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("chars");
	TCase *tc = tcase_create("chars");

	tcase_add_loop_test(tc, test_chars_is_every_byte, 0,
	    (int)(sizeof(classes) / sizeof(classes[0])));
	tcase_add_test(tc, test_chars_is_high_bytes);
	tcase_add_test(tc, test_chars_is_union);
	tcase_add_test(tc, test_chars_lower_every_byte);
	tcase_add_test(tc, test_chars_skip);
	tcase_add_test(tc, test_chars_rskip);
	tcase_add_test(tc, test_chars_all);
	suite_add_tcase(s, tc);
	return (s);
}
