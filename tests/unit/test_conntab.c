/*
 * proxy/conntab.c: the connection table.  An id names its worker, slot
 * and generation (the CONN_ID layout) and is never 0; a closed id stops
 * matching at once, also after its slot was taken again; a freed slot is
 * the next one taken; the table grows from CONN_FIRSTCAP by doubling up
 * to its maximum, then refuses (ENOSPC); an id of another worker or past
 * the table matches nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proxy/conntab.h"
#include "tests/unit/tests.h"

static struct conntab *ct;
static int conns[1024]; /* what the table points to */

static void
setup(void)
{
	ck_assert_int_eq(conntab_alloc(&ct, 3, 1024), 0);
}

static void
teardown(void)
{
	conntab_free(ct);
}

START_TEST(test_conntab_id_layout)
{
	uint64_t id = CONN_ID(0xab, 0x123456, 0xdeadbeefu);

	ck_assert_uint_eq(id, 0xab123456deadbeefull);
	ck_assert_uint_eq(CONN_WORKER(id), 0xab);
	ck_assert_uint_eq(CONN_SLOT(id), 0x123456);
	ck_assert_uint_eq(CONN_GEN(id), 0xdeadbeefu);
	ck_assert_uint_eq(CONN_WORKER(CONN_ID(255, 0, 1)), 255);
	ck_assert_uint_eq(CONN_SLOT(CONN_ID(255, CONN_MAXSLOTS, 1)),
	    CONN_MAXSLOTS);
}
END_TEST

START_TEST(test_conntab_add_get)
{
	uint64_t a, b;

	ck_assert_int_eq(conntab_add(ct, &conns[0], &a), 0);
	ck_assert_int_eq(conntab_add(ct, &conns[1], &b), 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(CONN_WORKER(a), 3);
	ck_assert_uint_eq(CONN_WORKER(b), 3);
	ck_assert_uint_ne(CONN_GEN(a), 0);
	/* Slots are taken from the lowest. */
	ck_assert_uint_eq(CONN_SLOT(a), 0);
	ck_assert_uint_eq(CONN_SLOT(b), 1);
	ck_assert_ptr_eq(conntab_get(ct, a), &conns[0]);
	ck_assert_ptr_eq(conntab_get(ct, b), &conns[1]);
	ck_assert_ptr_eq(conntab_at(ct, CONN_SLOT(b)), &conns[1]);
	ck_assert_ptr_null(conntab_at(ct, 2));
	ck_assert_ptr_null(conntab_at(ct, conntab_cap(ct)));
}
END_TEST

START_TEST(test_conntab_del_stale_id)
{
	uint64_t a, again;

	ck_assert_int_eq(conntab_add(ct, &conns[0], &a), 0);
	conntab_del(ct, a);
	ck_assert_ptr_null(conntab_get(ct, a));
	ck_assert_ptr_null(conntab_at(ct, CONN_SLOT(a)));
	/* The slot is the next one taken, under a new generation. */
	ck_assert_int_eq(conntab_add(ct, &conns[1], &again), 0);
	ck_assert_uint_eq(CONN_SLOT(again), CONN_SLOT(a));
	ck_assert_uint_ne(CONN_GEN(again), CONN_GEN(a));
	ck_assert_uint_ne(again, 0);
	ck_assert_ptr_null(conntab_get(ct, a));
	ck_assert_ptr_eq(conntab_get(ct, again), &conns[1]);
	/* Deleting the stale id again leaves the new one alone. */
	conntab_del(ct, a);
	ck_assert_ptr_eq(conntab_get(ct, again), &conns[1]);
}
END_TEST

START_TEST(test_conntab_free_stack)
{
	uint64_t id[5], x;
	size_t i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(conntab_add(ct, &conns[i], &id[i]), 0);
	/* Freed 1 then 3: 3 comes back first, then 1, then a fresh 5. */
	conntab_del(ct, id[1]);
	conntab_del(ct, id[3]);
	ck_assert_int_eq(conntab_add(ct, &conns[10], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 3);
	ck_assert_int_eq(conntab_add(ct, &conns[11], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 1);
	ck_assert_int_eq(conntab_add(ct, &conns[12], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 5);
	/* A double delete does not put a slot on the stack twice. */
	conntab_del(ct, id[0]);
	conntab_del(ct, id[0]);
	ck_assert_int_eq(conntab_add(ct, &conns[13], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 0);
	ck_assert_int_eq(conntab_add(ct, &conns[14], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 6);
}
END_TEST

/*
 * One slot used over and over (worker 0, slot 0: the id is its
 * generation alone): each id new, never 0, stale once closed.
 */
START_TEST(test_conntab_slot_reused_many_times)
{
	uint64_t id, prev = 0;
	unsigned i;

	conntab_free(ct);
	ck_assert_int_eq(conntab_alloc(&ct, 0, 1), 0);
	for (i = 0; i < 100000; i++) {
		ck_assert_int_eq(conntab_add(ct, &conns[0], &id), 0);
		ck_assert_uint_ne(id, 0);
		ck_assert_uint_ne(id, prev);
		ck_assert_ptr_null(conntab_get(ct, prev));
		prev = id;
		ck_assert_uint_ne(CONN_GEN(id), 0);
		ck_assert_uint_eq(CONN_SLOT(id), 0);
		ck_assert_ptr_eq(conntab_get(ct, id), &conns[0]);
		conntab_del(ct, id);
		ck_assert_ptr_null(conntab_get(ct, id));
	}
}
END_TEST

START_TEST(test_conntab_grows_then_full)
{
	uint64_t id[1024], x;
	size_t i;

	ck_assert_uint_eq(conntab_cap(ct), CONN_FIRSTCAP);
	for (i = 0; i < 1024; i++) {
		ck_assert_int_eq(conntab_add(ct, &conns[i], &id[i]), 0);
		ck_assert_uint_eq(CONN_SLOT(id[i]), i);
	}
	ck_assert_uint_eq(conntab_cap(ct), 1024);
	ck_assert_int_eq(conntab_add(ct, &conns[0], &x), ENOSPC);
	/* Every id still names its own, across the growth. */
	for (i = 0; i < 1024; i++)
		ck_assert_ptr_eq(conntab_get(ct, id[i]), &conns[i]);
	conntab_del(ct, id[700]);
	ck_assert_int_eq(conntab_add(ct, &conns[0], &x), 0);
	ck_assert_uint_eq(CONN_SLOT(x), 700);
	ck_assert_int_eq(conntab_add(ct, &conns[0], &x), ENOSPC);
}
END_TEST

START_TEST(test_conntab_max_not_power_of_two)
{
	uint64_t x;
	size_t i;

	conntab_free(ct);
	ck_assert_int_eq(conntab_alloc(&ct, 1, 100), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(conntab_add(ct, &conns[i], &x), 0);
	ck_assert_uint_eq(conntab_cap(ct), 100);
	ck_assert_int_eq(conntab_add(ct, &conns[0], &x), ENOSPC);
}
END_TEST

START_TEST(test_conntab_foreign_ids)
{
	uint64_t a;

	ck_assert_int_eq(conntab_add(ct, &conns[0], &a), 0);
	/* The same slot and generation on another worker: not ours. */
	ck_assert_ptr_null(
	    conntab_get(ct, CONN_ID(4, CONN_SLOT(a), CONN_GEN(a))));
	ck_assert_ptr_null(
	    conntab_get(ct, CONN_ID(3, CONN_SLOT(a), CONN_GEN(a) + 1)));
	/* Past the table, and the largest slot. */
	ck_assert_ptr_null(conntab_get(ct, CONN_ID(3, 5000, CONN_GEN(a))));
	ck_assert_ptr_null(conntab_get(ct, CONN_ID(3, CONN_MAXSLOTS, 1)));
	ck_assert_ptr_null(conntab_get(ct, 0));
	/* Deleting one of those frees nothing. */
	conntab_del(ct, CONN_ID(4, CONN_SLOT(a), CONN_GEN(a)));
	ck_assert_ptr_eq(conntab_get(ct, a), &conns[0]);
}
END_TEST

START_TEST(test_conntab_bad_args)
{
	struct conntab *t = NULL;

	ck_assert_int_eq(conntab_alloc(&t, 256, 10), EINVAL);
	ck_assert_int_eq(conntab_alloc(&t, 0, 0), EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(conntab_alloc(&t, 255, SIZE_MAX), 0);
	ck_assert_uint_eq(conntab_cap(t), CONN_FIRSTCAP);
	conntab_free(t);
	conntab_free(NULL);
}
END_TEST

/* Two tables' first generations differ (random), but for 2^-32. */
START_TEST(test_conntab_random_generations)
{
	struct conntab *t;
	uint64_t a, b;

	ck_assert_int_eq(conntab_add(ct, &conns[0], &a), 0);
	ck_assert_int_eq(conntab_alloc(&t, 3, 1024), 0);
	ck_assert_int_eq(conntab_add(t, &conns[0], &b), 0);
	ck_assert_uint_eq(CONN_SLOT(a), CONN_SLOT(b));
	ck_assert_uint_ne(CONN_GEN(a), CONN_GEN(b));
	/* So an id of one names nothing in the other. */
	ck_assert_ptr_null(conntab_get(t, a));
	conntab_free(t);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("conntab");
	TCase *tc = tcase_create("conntab");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_conntab_id_layout);
	tcase_add_test(tc, test_conntab_add_get);
	tcase_add_test(tc, test_conntab_del_stale_id);
	tcase_add_test(tc, test_conntab_free_stack);
	tcase_add_test(tc, test_conntab_slot_reused_many_times);
	tcase_add_test(tc, test_conntab_grows_then_full);
	tcase_add_test(tc, test_conntab_max_not_power_of_two);
	tcase_add_test(tc, test_conntab_foreign_ids);
	tcase_add_test(tc, test_conntab_bad_args);
	tcase_add_test(tc, test_conntab_random_generations);
	suite_add_tcase(s, tc);
	return (s);
}
