/*
 * core/obuf.c: the bounded output buffer.  Writes that do not fit set
 * ob_full and are dropped whole; nothing is ever written past ob_size
 * (checked with canary bytes behind the buffer).
 */
#include <stdint.h>
#include <string.h>

#include <re.h>

#include "core/obuf.h"
#include "tests.h"

#define CANARY 0x5a

static char mem[64];
static struct obuf ob;

/* An obuf of size bytes at the start of mem; the rest is canary. */
static void
init(size_t size)
{
	memset(mem, CANARY, sizeof(mem));
	obuf_init(&ob, mem, size);
}

static void
assert_canary(size_t from)
{
	size_t i;

	for (i = from; i < sizeof(mem); i++)
		ck_assert_msg((uint8_t)mem[i] == CANARY, "byte %zu written", i);
}

START_TEST(test_obuf_init)
{
	init(16);
	ck_assert_ptr_eq(ob.ob_p, mem);
	ck_assert_uint_eq(ob.ob_len, 0);
	ck_assert_uint_eq(ob.ob_size, 16);
	ck_assert(!ob.ob_full);
	assert_canary(0);
}
END_TEST

START_TEST(test_obuf_put_appends)
{
	struct pl pl = { "ghi", 2 };

	init(16);
	obuf_put(&ob, "abc", 3);
	obuf_puts(&ob, "def");
	obuf_putpl(&ob, &pl);
	obuf_put(&ob, "x", 0);
	ck_assert(!ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 8);
	ck_assert_mem_eq(mem, "abcdefgh", 8);
	assert_canary(8);
}
END_TEST

START_TEST(test_obuf_put_exact_fit)
{
	init(6);
	obuf_puts(&ob, "abc");
	obuf_puts(&ob, "def");
	ck_assert(!ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 6);
	ck_assert_mem_eq(mem, "abcdef", 6);
	assert_canary(6);
	/* Full to the byte: an empty write still fits, one more does not. */
	obuf_put(&ob, "", 0);
	ck_assert(!ob.ob_full);
	obuf_puts(&ob, "g");
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 6);
	assert_canary(6);
}
END_TEST

/* A write that does not fit is dropped whole, not cut. */
START_TEST(test_obuf_overflow_dropped_whole)
{
	init(8);
	obuf_puts(&ob, "12345");
	obuf_puts(&ob, "6789");
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 5);
	ck_assert_mem_eq(mem, "12345", 5);
	assert_canary(5);
}
END_TEST

/* Once full, even writes that would fit are dropped. */
START_TEST(test_obuf_full_is_sticky)
{
	struct pl pl = { "z", 1 };

	init(8);
	obuf_puts(&ob, "123456789");
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 0);
	obuf_puts(&ob, "a");
	obuf_put(&ob, "b", 1);
	obuf_putpl(&ob, &pl);
	obuf_putu(&ob, 7);
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 0);
	assert_canary(0);
}
END_TEST

/* A write longer than any size_t remainder cannot wrap around. */
START_TEST(test_obuf_huge_length)
{
	/* Not a constant: obuf_put is inline, and gcc would warn about the
	 * memcpy the check never lets run. */
	volatile size_t huge = SIZE_MAX;

	init(8);
	obuf_puts(&ob, "abc");
	obuf_put(&ob, "x", huge);
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 3);
	assert_canary(3);
}
END_TEST

START_TEST(test_obuf_zero_size)
{
	init(0);
	obuf_put(&ob, "", 0);
	ck_assert(!ob.ob_full);
	obuf_puts(&ob, "a");
	ck_assert(ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, 0);
	assert_canary(0);
}
END_TEST

static const struct {
	uint64_t v;
	const char *s;
} putu_cases[] = {
	{ 0, "0" },
	{ 1, "1" },
	{ 9, "9" },
	{ 10, "10" },
	{ 70, "70" },
	{ 65535, "65535" },
	{ 4294967295ULL, "4294967295" },
	{ 4294967296ULL, "4294967296" },
	{ 10000000000000000000ULL, "10000000000000000000" },
	{ UINT64_MAX, "18446744073709551615" },
};

START_TEST(test_obuf_putu_values)
{
	size_t n = strlen(putu_cases[_i].s);

	init(32);
	obuf_puts(&ob, "<");
	obuf_putu(&ob, putu_cases[_i].v);
	obuf_puts(&ob, ">");
	ck_assert(!ob.ob_full);
	ck_assert_uint_eq(ob.ob_len, n + 2);
	ck_assert_mem_eq(mem + 1, putu_cases[_i].s, n);
	ck_assert_int_eq(mem[n + 1], '>');
	assert_canary(n + 2);
}
END_TEST

/* A number is written whole or not at all. */
START_TEST(test_obuf_putu_overflow)
{
	size_t n = strlen(putu_cases[_i].s), size;

	for (size = 0; size < n; size++) {
		init(size);
		obuf_putu(&ob, putu_cases[_i].v);
		ck_assert(ob.ob_full);
		ck_assert_uint_eq(ob.ob_len, 0);
		assert_canary(0);
	}
	init(n);
	obuf_putu(&ob, putu_cases[_i].v);
	ck_assert(!ob.ob_full);
	ck_assert_mem_eq(mem, putu_cases[_i].s, n);
	assert_canary(n);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("obuf");
	TCase *tc = tcase_create("obuf");
	int nputu = (int)(sizeof(putu_cases) / sizeof(putu_cases[0]));

	tcase_add_test(tc, test_obuf_init);
	tcase_add_test(tc, test_obuf_put_appends);
	tcase_add_test(tc, test_obuf_put_exact_fit);
	tcase_add_test(tc, test_obuf_overflow_dropped_whole);
	tcase_add_test(tc, test_obuf_full_is_sticky);
	tcase_add_test(tc, test_obuf_huge_length);
	tcase_add_test(tc, test_obuf_zero_size);
	tcase_add_loop_test(tc, test_obuf_putu_values, 0, nputu);
	tcase_add_loop_test(tc, test_obuf_putu_overflow, 0, nputu);
	suite_add_tcase(s, tc);
	return (s);
}
