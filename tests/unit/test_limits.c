/*
 * auth/limits.c: failures and bans, challenge buckets, what a source is
 * (an IPv4 address or an IPv6 /64), and a table that never grows.
 */
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "auth/limits.h"
#include "tests/unit/tests.h"

static struct limits *l;
static struct sa a4, b4, a6, a6same64, a6other64, mapped;

static void
setup(void)
{
	ck_assert_int_eq(limits_alloc(&l), 0);
	ck_assert_int_eq(sa_set_str(&a4, "203.0.113.7", 5060), 0);
	ck_assert_int_eq(sa_set_str(&b4, "203.0.113.8", 5060), 0);
	ck_assert_int_eq(sa_set_str(&a6, "2001:db8:1:2::7", 5060), 0);
	ck_assert_int_eq(sa_set_str(&a6same64, "2001:db8:1:2:ffff::1", 9), 0);
	ck_assert_int_eq(sa_set_str(&a6other64, "2001:db8:1:3::7", 5060), 0);
	{
		uint8_t m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203,
			0, 113, 7 };

		sa_set_in6(&mapped, m, 5062);
	}
}

static void
teardown(void)
{
	limits_free(l);
}

START_TEST(test_limits_ban_after_failures_in_window)
{
	unsigned f = 0;
	int i;

	for (i = 0; i < 9; i++)
		ck_assert(!limits_fail(l, &a4, 1000 + i, 10, 60, 600, &f));
	ck_assert(!limits_banned(l, &a4, 1010));
	ck_assert(limits_fail(l, &a4, 1010, 10, 60, 600, &f));
	ck_assert_uint_eq(f, 10);
	ck_assert(limits_banned(l, &a4, 1010));
	ck_assert(limits_banned(l, &a4, 1609));
	ck_assert(!limits_banned(l, &a4, 1610));
	ck_assert(!limits_banned(l, &b4, 1010));
}
END_TEST

START_TEST(test_limits_window_restarts)
{
	unsigned f = 0;
	int i;

	for (i = 0; i < 9; i++)
		ck_assert(!limits_fail(l, &a4, 1000, 10, 60, 600, &f));
	/* 60 s later the count starts again. */
	for (i = 0; i < 9; i++)
		ck_assert(!limits_fail(l, &a4, 1060, 10, 60, 600, &f));
	ck_assert(limits_fail(l, &a4, 1061, 10, 60, 600, &f));
}
END_TEST

START_TEST(test_limits_ban_after_zero_disables)
{
	unsigned f = 0;
	int i;

	for (i = 0; i < 100; i++)
		ck_assert(!limits_fail(l, &a4, 1000, 0, 60, 600, &f));
	ck_assert(!limits_banned(l, &a4, 1000));
}
END_TEST

START_TEST(test_limits_ipv6_is_its_64_and_mapped_is_v4)
{
	unsigned f = 0;
	char addr[LIMITS_ADDRLEN];

	ck_assert(!limits_fail(l, &a6, 1000, 2, 60, 600, &f));
	ck_assert(limits_fail(l, &a6same64, 1000, 2, 60, 600, &f));
	ck_assert(limits_banned(l, &a6, 1000));
	ck_assert(!limits_banned(l, &a6other64, 1000));
	limits_addr(&a6same64, addr);
	ck_assert_str_eq(addr, "2001:db8:1:2::/64");
	ck_assert(!limits_fail(l, &mapped, 1000, 2, 60, 600, &f));
	ck_assert(limits_fail(l, &a4, 1000, 2, 60, 600, &f));
	ck_assert(limits_banned(l, &mapped, 1000));
	limits_addr(&mapped, addr);
	ck_assert_str_eq(addr, "203.0.113.7");
}
END_TEST

static unsigned unbans;
static char last_unban[LIMITS_ADDRLEN];

static void
unban_cb(const char *addr, void *arg)
{
	(void)arg;
	unbans++;
	(void)snprintf(last_unban, sizeof(last_unban), "%s", addr);
}

START_TEST(test_limits_sweep_ends_bans)
{
	unsigned f = 0;

	ck_assert(limits_fail(l, &a4, 1000, 1, 60, 10, &f));
	ck_assert(limits_fail(l, &b4, 1005, 1, 60, 10, &f));
	ck_assert_uint_eq(limits_sweep(l, 1009, unban_cb, NULL), 2);
	ck_assert_uint_eq(unbans, 0);
	ck_assert_uint_eq(limits_sweep(l, 1010, unban_cb, NULL), 1);
	ck_assert_uint_eq(unbans, 1);
	ck_assert_str_eq(last_unban, "203.0.113.7");
	ck_assert_uint_eq(limits_sweep(l, 1015, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 2);
	ck_assert_uint_eq(limits_sweep(l, 2000, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 2);
}
END_TEST

START_TEST(test_limits_challenge_bucket)
{
	int i;

	/* A full bucket of 5, then one a second... */
	for (i = 0; i < 5; i++)
		ck_assert(limits_challenge(l, &a4, 100000, 5));
	ck_assert(!limits_challenge(l, &a4, 100000, 5));
	ck_assert(!limits_challenge(l, &a4, 100199, 5));
	ck_assert(limits_challenge(l, &a4, 100200, 5));
	ck_assert(!limits_challenge(l, &a4, 100200, 5));
	/* ...never more than the bucket holds. */
	for (i = 0; i < 5; i++)
		ck_assert(limits_challenge(l, &a4, 200000, 5));
	ck_assert(!limits_challenge(l, &a4, 200000, 5));
	/* Other sources have their own bucket; rate 0 is no limit. */
	ck_assert(limits_challenge(l, &b4, 200000, 5));
	for (i = 0; i < 1000; i++)
		ck_assert(limits_challenge(l, &a4, 200000, 0));
}
END_TEST

/*
 * A later, shorter ban does not hide an earlier, longer one (the check
 * skips the table only once every ban ever set has ended), and once all
 * have ended nobody is banned.
 */
START_TEST(test_limits_shorter_ban_after_longer)
{
	unsigned f = 0;

	ck_assert(!limits_banned(l, &a4, 1000));
	ck_assert(limits_fail(l, &a4, 1000, 1, 60, 600, &f));
	ck_assert(limits_fail(l, &b4, 1100, 1, 60, 100, &f));
	ck_assert(limits_banned(l, &b4, 1150));
	ck_assert(!limits_banned(l, &b4, 1200));
	ck_assert(limits_banned(l, &a4, 1300));
	ck_assert(limits_banned(l, &a4, 1599));
	ck_assert(!limits_banned(l, &a4, 1600));
	ck_assert(!limits_banned(l, &b4, 1600));
}
END_TEST

/*
 * A sweep with nothing to end may skip the table; a ban set after it, or
 * after the clock stepped back, is still ended by a later sweep.
 */
START_TEST(test_limits_sweep_after_quiet)
{
	unsigned f = 0;

	ck_assert(limits_fail(l, &a4, 1000, 1, 60, 10, &f));
	ck_assert_uint_eq(limits_sweep(l, 1010, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 1);
	ck_assert_uint_eq(limits_sweep(l, 1020, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 1);
	ck_assert(limits_fail(l, &b4, 1030, 1, 60, 10, &f));
	ck_assert_uint_eq(limits_sweep(l, 1035, unban_cb, NULL), 1);
	ck_assert_uint_eq(limits_sweep(l, 1041, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 2);
	ck_assert_str_eq(last_unban, "203.0.113.8");
	ck_assert(limits_fail(l, &b4, 1990, 1, 60, 5, &f));
	ck_assert_uint_eq(limits_sweep(l, 2000, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 3);
	/* The clock steps back: a ban over before the last sweep's time. */
	ck_assert(limits_fail(l, &a4, 1500, 1, 60, 10, &f));
	ck_assert(limits_banned(l, &a4, 1505));
	ck_assert_uint_eq(limits_sweep(l, 1511, unban_cb, NULL), 0);
	ck_assert_uint_eq(unbans, 4);
	ck_assert_str_eq(last_unban, "203.0.113.7");
}
END_TEST

START_TEST(test_limits_flood_does_not_evict_a_ban)
{
	struct sa s;
	unsigned f = 0;
	uint32_t i;

	ck_assert(limits_fail(l, &a4, 1000, 1, 60, 600, &f));
	/* Four times more spoofed sources than the table holds. */
	for (i = 0; i < 4 * LIMITS_BUCKETS * LIMITS_WAYS; i++) {
		sa_set_in(&s, 0x0a000000u + i, 5060);
		(void)limits_challenge(l, &s, 1001000 + i / 1000, 50);
	}
	ck_assert(limits_banned(l, &a4, 1100));
}
END_TEST

START_TEST(test_limits_table_full_of_bans)
{
	struct sa s;
	unsigned f = 0, active;
	uint32_t i, n = 2 * LIMITS_BUCKETS * LIMITS_WAYS;

	/* More bans than entries: the ones closest to their end go first,
	 * the table stays the same size. */
	for (i = 0; i < n; i++) {
		sa_set_in(&s, 0x0a000000u + i, 5060);
		ck_assert(limits_fail(l, &s, 1000 + i / 1000, 1, 60, 600, &f));
	}
	active = limits_sweep(l, 1000 + n / 1000, NULL, NULL);
	ck_assert_uint_le(active, LIMITS_BUCKETS * LIMITS_WAYS);
	ck_assert_uint_gt(active, LIMITS_BUCKETS * LIMITS_WAYS / 2);
	sa_set_in(&s, 0x0a000000u + n - 1, 5060);
	ck_assert(limits_banned(l, &s, 1000 + n / 1000));
}
END_TEST

/* What limits_bans() reported, as "addr failures seconds" lines. */
static char bans_text[1024];

static void
collect_ban(const char *addr, unsigned failures, uint32_t left, void *arg)
{
	size_t n = strlen(bans_text);

	(void)arg;
	(void)snprintf(bans_text + n, sizeof(bans_text) - n, "%s %u %u\n", addr,
	    failures, (unsigned)left);
}

START_TEST(test_limits_bans_listed)
{
	unsigned f = 0;
	int i;

	bans_text[0] = '\0';
	ck_assert_uint_eq(limits_bans(l, 1000, collect_ban, NULL), 0);
	for (i = 0; i < 3; i++)
		(void)limits_fail(l, &a4, 1000, 3, 60, 600, &f);
	for (i = 0; i < 5; i++)
		(void)limits_fail(l, &a6, 1002, 5, 60, 100, &f);
	(void)limits_fail(l, &b4, 1002, 3, 60, 600, &f); /* not banned */
	ck_assert_uint_eq(limits_bans(l, 1010, collect_ban, NULL), 2);
	ck_assert_msg(strstr(bans_text, "203.0.113.7 3 590\n") != NULL, "%s",
	    bans_text);
	ck_assert_msg(strstr(bans_text, "2001:db8:1:2::/64 5 92\n") != NULL,
	    "%s", bans_text);
	ck_assert_ptr_null(strstr(bans_text, "203.0.113.8"));
	/* Over: not listed, though not swept yet. */
	bans_text[0] = '\0';
	ck_assert_uint_eq(limits_bans(l, 1102, collect_ban, NULL), 1);
	ck_assert_ptr_null(strstr(bans_text, "2001:db8"));
}
END_TEST

START_TEST(test_limits_unban)
{
	unsigned f = 0;
	int i;

	for (i = 0; i < 3; i++)
		(void)limits_fail(l, &a4, 1000, 3, 60, 600, &f);
	ck_assert(limits_banned(l, &a4, 1001));
	ck_assert(!limits_unban(l, &b4, 1001)); /* never banned */
	ck_assert(limits_unban(l, &a4, 1001));
	ck_assert(!limits_banned(l, &a4, 1001));
	ck_assert(!limits_unban(l, &a4, 1001)); /* not any more */
	/* Its failures went with the ban: it takes 3 new ones again. */
	ck_assert(!limits_fail(l, &a4, 1002, 3, 60, 600, &f));
	ck_assert(!limits_fail(l, &a4, 1002, 3, 60, 600, &f));
	ck_assert(limits_fail(l, &a4, 1002, 3, 60, 600, &f));
	/* An IPv6 /64 is unbanned whole, by any address in it. */
	for (i = 0; i < 3; i++)
		(void)limits_fail(l, &a6, 1000, 3, 60, 600, &f);
	ck_assert(limits_unban(l, &a6same64, 1001));
	ck_assert(!limits_banned(l, &a6, 1001));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limits_ban_after_failures_in_window);
	tcase_add_test(tc, test_limits_window_restarts);
	tcase_add_test(tc, test_limits_ban_after_zero_disables);
	tcase_add_test(tc, test_limits_ipv6_is_its_64_and_mapped_is_v4);
	tcase_add_test(tc, test_limits_sweep_ends_bans);
	tcase_add_test(tc, test_limits_challenge_bucket);
	tcase_add_test(tc, test_limits_shorter_ban_after_longer);
	tcase_add_test(tc, test_limits_sweep_after_quiet);
	tcase_add_test(tc, test_limits_flood_does_not_evict_a_ban);
	tcase_add_test(tc, test_limits_table_full_of_bans);
	tcase_add_test(tc, test_limits_bans_listed);
	tcase_add_test(tc, test_limits_unban);
	suite_add_tcase(s, tc);
	return (s);
}
