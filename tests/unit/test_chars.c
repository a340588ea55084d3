/*
 * core/chars.c: every byte's classes against the definitions written out
 * here as sets (RFC 3261 25.1 token, LWS, C's isspace in the C locale),
 * bytes above 0x7f in none, the skip helpers at their edges, and the
 * case-insensitive compare against strncasecmp in the C locale.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <re.h>

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

/* A literal and its length, NULs inside included. */
#define LIT(s) s, sizeof(s) - 1

static const struct {
	const char *p;
	size_t l;
	const char *lit;
	size_t litlen;
	bool want;
} eqi_cases[] = {
	{ "branch", 6, LIT("branch"), true },
	{ "BRANCH", 6, LIT("branch"), true },
	{ "BrAnCh", 6, LIT("bRaNcH"), true },
	{ "Call-ID", 7, LIT("call-id"), true },
	{ "branch", 6, LIT("branc"), false },  /* longer */
	{ "branc", 5, LIT("branch"), false },  /* a prefix */
	{ "branchx", 6, LIT("branch"), true }, /* l bounds p, not a NUL */
	{ "branchx", 7, LIT("branch"), false },
	{ "brbnch", 6, LIT("branch"), false },
	{ "", 0, LIT(""), true },
	{ "", 0, LIT("a"), false },
	{ "a", 1, LIT(""), false },
	{ "x", 0, LIT(""), true },
	/* Only A-Z fold: not '@' / '`', '[' / '{', nor bytes above 0x7f. */
	{ "@", 1, LIT("`"), false },
	{ "[", 1, LIT("{"), false },
	{ "\xc4", 1, LIT("\xe4"), false },
	{ "\xe4", 1, LIT("\xe4"), true },
	{ "a\xff", 2, LIT("A\xff"), true },
	{ "a\xdf", 2, LIT("A\xff"), false },
	/* NUL is a byte like any other. */
	{ "a\0b", 3, LIT("A\0B"), true },
	{ "a\0b", 3, LIT("A\0C"), false },
};

START_TEST(test_chars_eqi)
{
	ck_assert_int_eq(chars_eqi(eqi_cases[_i].p, eqi_cases[_i].l,
			     eqi_cases[_i].lit, eqi_cases[_i].litlen),
	    eqi_cases[_i].want);
}
END_TEST

/* For every pair of bytes: strncasecmp's answer in the C locale. */
START_TEST(test_chars_eqi_every_pair)
{
	char a[1], b[1];
	int x, y;

	for (x = 1; x < 256; x++) {
		for (y = 1; y < 256; y++) {
			a[0] = (char)x;
			b[0] = (char)y;
			ck_assert_msg(chars_eqi(a, 1, b, 1) ==
				(strncasecmp(a, b, 1) == 0),
			    "bytes %#x %#x", (unsigned)x, (unsigned)y);
		}
	}
}
END_TEST

/* The struct pl macro passes the literal's length, not a strlen's. */
START_TEST(test_chars_pleqi)
{
	struct pl pl;

	pl_set_str(&pl, "Received");
	ck_assert(CHARS_PLEQI(&pl, "received"));
	ck_assert(CHARS_PLEQI(&pl, "RECEIVED"));
	ck_assert(!CHARS_PLEQI(&pl, "receive"));
	ck_assert(!CHARS_PLEQI(&pl, "receivedx"));
	pl.l = 7;
	ck_assert(CHARS_PLEQI(&pl, "receive"));
	pl.l = 0;
	ck_assert(CHARS_PLEQI(&pl, ""));
	ck_assert(!CHARS_PLEQI(&pl, "r"));
	pl.p = "a\0b";
	pl.l = 3;
	ck_assert(CHARS_PLEQI(&pl, "A\0B"));
	ck_assert(!CHARS_PLEQI(&pl, "A"));
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
	tcase_add_loop_test(tc, test_chars_eqi, 0,
	    (int)(sizeof(eqi_cases) / sizeof(eqi_cases[0])));
	tcase_add_test(tc, test_chars_eqi_every_pair);
	tcase_add_test(tc, test_chars_pleqi);
	suite_add_tcase(s, tc);
	return (s);
}
