/*
 * auth/connlim.c: connection limits in all and per source (an IPv4
 * address or an IPv6 /64), what give undoes, and the table itself:
 * thousands of random takes and gives against a plain array of counts,
 * on a small table that fills up (ENOSPC) and empties by backward shift.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "auth/connlim.h"
#include "tests/common/testutil.h"
#include "tests/unit/tests.h"

/* The smallest table: 1024 slots, so at most 512 sources at a time. */
#define SLOTS    1024
#define SOURCES  (SLOTS / 2)
#define NOLIMIT  1000000u
#define POOL     640 /* sources in the stress tests: more than fit */
#define STRESSOP 20000

static struct connlim *cl;
static struct sa a4, b4, a6, a6same64, a6other64, mapped;

static void
setup(void)
{
	uint8_t m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113,
		7 };

	ck_assert_int_eq(connlim_alloc(&cl, 10), 0);
	ck_assert_int_eq(sa_set_str(&a4, "203.0.113.7", 5060), 0);
	ck_assert_int_eq(sa_set_str(&b4, "203.0.113.8", 5060), 0);
	ck_assert_int_eq(sa_set_str(&a6, "2001:db8:1:2::7", 5060), 0);
	ck_assert_int_eq(sa_set_str(&a6same64, "2001:db8:1:2:ffff::1", 9), 0);
	ck_assert_int_eq(sa_set_str(&a6other64, "2001:db8:1:3::7", 5060), 0);
	sa_set_in6(&mapped, m, 5062);
}

static void
teardown(void)
{
	connlim_free(cl);
}

START_TEST(test_connlim_total_limit)
{
	struct sa s;
	uint32_t i;

	for (i = 0; i < 5; i++) {
		sa_set_in(&s, 0x0a000001u + i, 40000);
		ck_assert_int_eq(connlim_take(cl, &s, 5, 0), 0);
	}
	ck_assert_uint_eq(connlim_total(cl), 5);
	/* A sixth, from a new source or an old one: EMFILE. */
	sa_set_in(&s, 0x0a0000ffu, 40000);
	ck_assert_int_eq(connlim_take(cl, &s, 5, 0), EMFILE);
	ck_assert_int_eq(connlim_take(cl, &a4, 5, 0), EMFILE);
	sa_set_in(&s, 0x0a000001u, 40000);
	ck_assert_int_eq(connlim_take(cl, &s, 5, 0), EMFILE);
	ck_assert_uint_eq(connlim_total(cl), 5);
	ck_assert_uint_eq(connlim_count(cl, &s), 1);
	sa_set_in(&s, 0x0a0000ffu, 40000);
	ck_assert_uint_eq(connlim_count(cl, &s), 0);
	/* The limit is the caller's: a higher one lets more in. */
	ck_assert_int_eq(connlim_take(cl, &s, 6, 0), 0);
	ck_assert_uint_eq(connlim_total(cl), 6);
}
END_TEST

START_TEST(test_connlim_per_source_limit)
{
	int i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 3), 0);
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 3), EUSERS);
	ck_assert_uint_eq(connlim_count(cl, &a4), 3);
	ck_assert_uint_eq(connlim_total(cl), 3);
	/* Another address has its own count. */
	ck_assert_int_eq(connlim_take(cl, &b4, NOLIMIT, 3), 0);
	ck_assert_uint_eq(connlim_count(cl, &b4), 1);
	/* The total is checked first. */
	ck_assert_int_eq(connlim_take(cl, &a4, 4, 3), EMFILE);
}
END_TEST

START_TEST(test_connlim_per_source_zero_is_unlimited)
{
	int i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 0), 0);
	ck_assert_uint_eq(connlim_count(cl, &a4), 1000);
	ck_assert_uint_eq(connlim_total(cl), 1000);
	/* One per source: 0 is not 1. */
	ck_assert_int_eq(connlim_take(cl, &b4, NOLIMIT, 1), 0);
	ck_assert_int_eq(connlim_take(cl, &b4, NOLIMIT, 1), EUSERS);
}
END_TEST

START_TEST(test_connlim_ipv6_is_its_64)
{
	ck_assert_int_eq(connlim_take(cl, &a6, NOLIMIT, 2), 0);
	ck_assert_int_eq(connlim_take(cl, &a6same64, NOLIMIT, 2), 0);
	ck_assert_int_eq(connlim_take(cl, &a6, NOLIMIT, 2), EUSERS);
	ck_assert_int_eq(connlim_take(cl, &a6same64, NOLIMIT, 2), EUSERS);
	ck_assert_uint_eq(connlim_count(cl, &a6), 2);
	ck_assert_uint_eq(connlim_count(cl, &a6same64), 2);
	ck_assert_uint_eq(connlim_count(cl, &a6other64), 0);
	ck_assert_int_eq(connlim_take(cl, &a6other64, NOLIMIT, 2), 0);
	ck_assert_uint_eq(connlim_count(cl, &a6other64), 1);
	/* A give from the other address of the /64 frees the shared count. */
	connlim_give(cl, &a6same64);
	ck_assert_uint_eq(connlim_count(cl, &a6), 1);
	ck_assert_int_eq(connlim_take(cl, &a6, NOLIMIT, 2), 0);
	ck_assert_uint_eq(connlim_total(cl), 3);
}
END_TEST

START_TEST(test_connlim_mapped_is_v4)
{
	ck_assert_int_eq(connlim_take(cl, &mapped, NOLIMIT, 2), 0);
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 2), 0);
	ck_assert_int_eq(connlim_take(cl, &mapped, NOLIMIT, 2), EUSERS);
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 2), EUSERS);
	ck_assert_uint_eq(connlim_count(cl, &a4), 2);
	ck_assert_uint_eq(connlim_count(cl, &mapped), 2);
	ck_assert_uint_eq(connlim_count(cl, &b4), 0);
	connlim_give(cl, &mapped);
	connlim_give(cl, &a4);
	ck_assert_uint_eq(connlim_count(cl, &a4), 0);
	ck_assert_uint_eq(connlim_total(cl), 0);
}
END_TEST

START_TEST(test_connlim_give_frees)
{
	ck_assert_int_eq(connlim_take(cl, &a4, 2, 1), 0);
	ck_assert_int_eq(connlim_take(cl, &a4, 2, 1), EUSERS);
	connlim_give(cl, &a4);
	ck_assert_uint_eq(connlim_count(cl, &a4), 0);
	ck_assert_uint_eq(connlim_total(cl), 0);
	ck_assert_int_eq(connlim_take(cl, &a4, 2, 1), 0);
	ck_assert_int_eq(connlim_take(cl, &b4, 2, 1), 0);
	ck_assert_int_eq(connlim_take(cl, &a6, 2, 1), EMFILE);
	connlim_give(cl, &b4);
	ck_assert_int_eq(connlim_take(cl, &a6, 2, 1), 0);
	connlim_give(cl, &a4);
	connlim_give(cl, &a6);
	ck_assert_uint_eq(connlim_total(cl), 0);
	ck_assert_uint_eq(connlim_count(cl, &a4), 0);
	ck_assert_uint_eq(connlim_count(cl, &b4), 0);
	ck_assert_uint_eq(connlim_count(cl, &a6), 0);
}
END_TEST

START_TEST(test_connlim_give_unknown_does_nothing)
{
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 0), 0);
	connlim_give(cl, &b4);
	connlim_give(cl, &a6);
	connlim_give(cl, &a6other64);
	ck_assert_uint_eq(connlim_total(cl), 1);
	ck_assert_uint_eq(connlim_count(cl, &a4), 1);
	ck_assert_uint_eq(connlim_count(cl, &b4), 0);
	/* More gives than takes: the count stops at 0, the total too. */
	connlim_give(cl, &a4);
	connlim_give(cl, &a4);
	ck_assert_uint_eq(connlim_total(cl), 0);
	ck_assert_uint_eq(connlim_count(cl, &a4), 0);
	/* A fresh table: nothing to give back. */
	connlim_free(cl);
	ck_assert_int_eq(connlim_alloc(&cl, 10), 0);
	connlim_give(cl, &a4);
	ck_assert_uint_eq(connlim_total(cl), 0);
}
END_TEST

START_TEST(test_connlim_table_full)
{
	struct sa s;
	uint32_t i;

	for (i = 0; i < SOURCES; i++) {
		sa_set_in(&s, 0xc6120000u + i, 5060);
		ck_assert_int_eq(connlim_take(cl, &s, NOLIMIT, 0), 0);
	}
	/* A new source: no room; the ones in the table still count. */
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 0), ENOSPC);
	ck_assert_int_eq(connlim_take(cl, &a6, NOLIMIT, 0), ENOSPC);
	sa_set_in(&s, 0xc6120000u, 5060);
	ck_assert_int_eq(connlim_take(cl, &s, NOLIMIT, 0), 0);
	ck_assert_uint_eq(connlim_count(cl, &s), 2);
	ck_assert_uint_eq(connlim_total(cl), SOURCES + 1);
	/* One source gone entirely: one new one fits. */
	sa_set_in(&s, 0xc6120007u, 5060);
	connlim_give(cl, &s);
	ck_assert_int_eq(connlim_take(cl, &a4, NOLIMIT, 0), 0);
	ck_assert_int_eq(connlim_take(cl, &a6, NOLIMIT, 0), ENOSPC);
	/* A bigger table holds more. */
	connlim_free(cl);
	ck_assert_int_eq(connlim_alloc(&cl, 1000), 0);
	for (i = 0; i < 1000; i++) {
		sa_set_in(&s, 0xc6120000u + i, 5060);
		ck_assert_int_eq(connlim_take(cl, &s, NOLIMIT, 0), 0);
	}
	ck_assert_uint_eq(connlim_total(cl), 1000);
}
END_TEST

/*
 * The hash was unkeyed: v ^ af times a constant, the top 32 bits.  Sources
 * chosen to share a home slot under it (here 64 /64s of one IPv6 block)
 * would make one long probe run; under a random key they spread, and two
 * tables place the same sources differently.
 */
static size_t
unkeyed_home(uint64_t v, uint8_t af)
{
	v ^= af;
	return ((size_t)((v * 0x9e3779b97f4a7c15ull) >> 32) & (SLOTS - 1));
}

START_TEST(test_connlim_hash_is_keyed)
{
	struct connlim *other;
	struct sa src[64];
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	unsigned per[SLOTS] = { 0 }, most = 0, same = 0;
	uint64_t v;
	size_t n = 0, i, h;

	/* The /64 prefixes that the unkeyed hash sent to slot 0. */
	for (v = 0x20010db800000000ull; n < 64; v++) {
		if (unkeyed_home(v, 6) !=
		    unkeyed_home(0x20010db800000000ull, 6))
			continue;
		for (i = 0; i < 8; i++)
			a[i] = (uint8_t)(v >> (56 - 8 * i));
		sa_set_in6(&src[n++], a, 5060);
	}
	ck_assert_int_eq(connlim_alloc(&other, 10), 0);
	for (i = 0; i < n; i++) {
		h = connlim_home(cl, &src[i]);
		if (++per[h] > most)
			most = per[h];
		same += h == connlim_home(other, &src[i]);
	}
	connlim_free(other);
	ck_assert_uint_le(most, 6);
	ck_assert_uint_le(same, 6);
}
END_TEST

/*
 * The stress tests: a pool of sources, a count per source kept by hand,
 * and the answer connlim_take must give, worked out from those counts.
 */
struct model {
	struct sa m_src[POOL];
	unsigned m_n[POOL];
	unsigned m_total;
	unsigned m_used; /* sources with a count */
	uint64_t m_rng;
	unsigned m_ok, m_emfile, m_eusers, m_enospc, m_gone;
};

static struct model md;

static uint32_t
rnd(void)
{
	return ((uint32_t)(tu_rand(&md.m_rng) >> 32));
}

/* Where the table puts an IPv4 source. */
static size_t
home_slot(uint32_t v4)
{
	struct sa s;

	sa_set_in(&s, v4, 5060);
	return (connlim_home(cl, &s));
}

/*
 * The pool: IPv6 /64s and mapped addresses for a quarter, IPv4 addresses
 * whose home slots crowd the end and start of the table (long runs that
 * wrap around) for the rest.
 */
static void
pool_make(uint64_t seed)
{
	uint8_t a[16];
	uint32_t v = 0x0a000000u;
	size_t i, h;

	memset(&md, 0, sizeof(md));
	md.m_rng = seed;
	for (i = 0; i < POOL / 4; i++) {
		memset(a, 0, sizeof(a));
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[6] = (uint8_t)(i >> 8);
		a[7] = (uint8_t)i;
		a[15] = (uint8_t)rnd(); /* the host part does not matter */
		sa_set_in6(&md.m_src[i], a, 5060);
	}
	for (; i < POOL; i++) {
		do {
			v++;
			h = home_slot(v);
		} while (i % 2 == 0 && h >= 24 && h < SLOTS - 24);
		if (i % 8 == 1) {
			memset(a, 0, sizeof(a));
			a[10] = a[11] = 0xff;
			a[12] = (uint8_t)(v >> 24);
			a[13] = (uint8_t)(v >> 16);
			a[14] = (uint8_t)(v >> 8);
			a[15] = (uint8_t)v;
			sa_set_in6(&md.m_src[i], a, 5060);
		} else {
			sa_set_in(&md.m_src[i], v, 5060);
		}
	}
}

static void
model_take(size_t i, unsigned max_total, unsigned max_per_src)
{
	int want = 0;

	if (md.m_total >= max_total)
		want = EMFILE;
	else if (md.m_n[i] > 0 && max_per_src != 0 && md.m_n[i] >= max_per_src)
		want = EUSERS;
	else if (md.m_n[i] == 0 && md.m_used >= SOURCES)
		want = ENOSPC;
	ck_assert_int_eq(connlim_take(cl, &md.m_src[i], max_total, max_per_src),
	    want);
	switch (want) {
	case 0:
		md.m_ok++;
		if (md.m_n[i]++ == 0)
			md.m_used++;
		md.m_total++;
		break;
	case EMFILE:
		md.m_emfile++;
		break;
	case EUSERS:
		md.m_eusers++;
		break;
	default:
		md.m_enospc++;
		break;
	}
}

static void
model_give(size_t i)
{
	connlim_give(cl, &md.m_src[i]);
	if (md.m_n[i] == 0)
		return;
	md.m_total--;
	if (--md.m_n[i] == 0) {
		md.m_used--;
		md.m_gone++;
	}
}

static void
model_check(void)
{
	size_t i;

	ck_assert_uint_eq(connlim_total(cl), md.m_total);
	for (i = 0; i < POOL; i++)
		ck_assert_msg(connlim_count(cl, &md.m_src[i]) == md.m_n[i],
		    "source %zu: count %u, want %u", i,
		    connlim_count(cl, &md.m_src[i]), md.m_n[i]);
}

/* One random step; take with probability ptake percent. */
static void
model_step(unsigned ptake)
{
	static const unsigned per[] = { 0, 1, 2, 3, 8 };
	size_t i = rnd() % POOL;
	unsigned max_total = rnd() % 64 == 0 ? md.m_total : NOLIMIT;

	if (rnd() % 100 < ptake)
		model_take(i, max_total, per[rnd() % 5]);
	else
		model_give(i);
}

/* Give back everything; the table must take a full set of sources again. */
static void
model_drain(void)
{
	unsigned n;
	size_t i;

	for (i = 0; i < POOL; i++)
		while (md.m_n[i] > 0)
			model_give(i);
	model_check();
	ck_assert_uint_eq(connlim_total(cl), 0);
	for (i = 0; i < SOURCES; i++)
		model_take(POOL - 1 - i, NOLIMIT, 0);
	ck_assert_uint_eq(md.m_total, SOURCES);
	n = md.m_enospc;
	model_take(0, NOLIMIT, 0);
	ck_assert_uint_eq(md.m_enospc, n + 1);
	model_check();
}

static const uint64_t seeds[] = { 0x853c49e6748fea9bull, 1, 0xdeadbeefull,
	0x0123456789abcdefull };

START_TEST(test_connlim_stress_against_model)
{
	int round, n;

	pool_make(seeds[_i]);
	for (round = 0; round < 4; round++) {
		/* Fill past full, then empty most of it. */
		for (n = 0; n < STRESSOP; n++) {
			model_step(round % 2 == 0 ? 75 : 55);
			if (n % 997 == 0)
				model_check();
		}
		model_check();
		for (n = 0; n < STRESSOP; n++) {
			model_step(20);
			if (n % 997 == 0)
				model_check();
		}
		model_check();
	}
	/* Every answer was seen, and many sources left the table. */
	ck_assert_uint_gt(md.m_ok, 1000);
	ck_assert_uint_gt(md.m_emfile, 0);
	ck_assert_uint_gt(md.m_eusers, 0);
	ck_assert_uint_gt(md.m_enospc, 0);
	ck_assert_uint_gt(md.m_gone, 1000);
	model_drain();
}
END_TEST

/*
 * Removal heavy, in orders that pull entries back across a crowded run:
 * fill the table with one connection per source, then empty it front to
 * back, back to front, with a stride of 3 and shuffled, checking every
 * count after each give.
 */
START_TEST(test_connlim_remove_orders)
{
	size_t in[SOURCES], order[SOURCES], i, k, n = 0;

	pool_make(seeds[0]);
	for (i = 0; i < POOL && n < SOURCES; i++) {
		model_take(i, NOLIMIT, 0);
		in[n++] = i;
	}
	ck_assert_uint_eq(n, SOURCES);
	model_take(POOL - 1, NOLIMIT, 0);
	ck_assert_uint_eq(md.m_enospc, 1);
	for (i = 0; i < n; i++) {
		switch (_i) {
		case 0:
			order[i] = in[i];
			break;
		case 1:
			order[i] = in[n - 1 - i];
			break;
		default:
			order[i] = in[(i * 3) % n]; /* 512: 3 is coprime */
			break;
		}
	}
	if (_i == 3) {
		for (i = n - 1; i > 0; i--) {
			size_t j = rnd() % (i + 1);

			k = order[i];
			order[i] = order[j];
			order[j] = k;
		}
	}
	for (i = 0; i < n; i++) {
		model_give(order[i]);
		model_check();
	}
	ck_assert_uint_eq(md.m_gone, SOURCES);
	ck_assert_uint_eq(connlim_total(cl), 0);
	model_drain();
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("connlim");
	TCase *tc = tcase_create("connlim");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_connlim_total_limit);
	tcase_add_test(tc, test_connlim_per_source_limit);
	tcase_add_test(tc, test_connlim_per_source_zero_is_unlimited);
	tcase_add_test(tc, test_connlim_ipv6_is_its_64);
	tcase_add_test(tc, test_connlim_mapped_is_v4);
	tcase_add_test(tc, test_connlim_give_frees);
	tcase_add_test(tc, test_connlim_give_unknown_does_nothing);
	tcase_add_test(tc, test_connlim_table_full);
	tcase_add_test(tc, test_connlim_hash_is_keyed);
	tcase_add_loop_test(tc, test_connlim_stress_against_model, 0,
	    sizeof(seeds) / sizeof(seeds[0]));
	tcase_add_loop_test(tc, test_connlim_remove_orders, 0, 4);
	suite_add_tcase(s, tc);
	return (s);
}
