/*
 * auth/replay.c: the nonce-count replay ring (SPEC 4.4).  Reuse and order
 * of nc, the 64-wide window, UDP retransmissions (same request within
 * 32 s), single use without qop, the ring wrapping onto an old nonce
 * (answered as stale, never accepted), nonces of another instance, and
 * concurrent use from several threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "auth/nonce.h"
#include "auth/replay.h"
#include "tests.h"

#define T0    1700000000u
#define REQ_A 0x1234u
#define REQ_C 0x9abcu
#define REQ_B 0x5678u

static struct replay *rp;

static void
setup(void)
{
	ck_assert_int_eq(replay_alloc(&rp), 0);
	ck_assert_ptr_nonnull(rp);
}

static void
teardown(void)
{
	replay_free(rp);
	rp = NULL;
}

/* A nonce of ours, freshly issued. */
static struct nonce
issue(void)
{
	struct nonce n;

	memset(&n, 0, sizeof(n));
	n.n_time = T0;
	n.n_instance = replay_instance(rp);
	n.n_counter = replay_issue(rp);
	return (n);
}

/* A nonce of another instance sharing the secret. */
static struct nonce
foreign(uint32_t instance, uint32_t counter)
{
	struct nonce n;

	memset(&n, 0, sizeof(n));
	n.n_time = T0;
	n.n_instance = instance;
	if (n.n_instance == replay_instance(rp))
		n.n_instance ^= 0x80000000u;
	n.n_counter = counter;
	return (n);
}

static enum replay_result
use(const struct nonce *n, uint32_t nc, uint64_t req, uint32_t now)
{
	return (replay_use(rp, n, nc, req, now));
}

/* Issue count nonces and forget them. */
static void
issue_many(uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		(void)replay_issue(rp);
}

/* ---------------------------------------------------------------------
 * Issuing
 */

START_TEST(test_replay_issue_counts)
{
	struct replay *other;
	uint32_t i;

	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(replay_issue(rp), i);
	ck_assert_int_eq(replay_alloc(&other), 0);
	/* Random per start: two starts differ (1 in 2^32 they do not). */
	ck_assert_uint_ne(replay_instance(rp), replay_instance(other));
	ck_assert_uint_eq(replay_issue(other), 0);
	replay_free(other);
}
END_TEST

/* ---------------------------------------------------------------------
 * nc
 */

START_TEST(test_replay_reuse_refused)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0 + 1000), REPLAY_USED);
	ck_assert_int_eq(use(&n, 2, REQ_B, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 2, REQ_A, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 100), REPLAY_USED);
}
END_TEST

START_TEST(test_replay_increasing)
{
	struct nonce n = issue();
	uint32_t nc;

	for (nc = 1; nc <= 1000; nc++)
		ck_assert_int_eq(use(&n, nc, REQ_A + nc, T0), REPLAY_OK);
	for (nc = 1; nc <= 1000; nc++)
		ck_assert_int_eq(use(&n, nc, REQ_B, T0), REPLAY_USED);
	/* Gaps are fine, and so is the largest nc. */
	ck_assert_int_eq(use(&n, 5000, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 0xffffffffu, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 0xffffffffu, REQ_B, T0), REPLAY_USED);
}
END_TEST

/* Below the highest nc: unused within 64 accepted once, older refused. */
START_TEST(test_replay_window)
{
	struct nonce n = issue();
	uint32_t nc;

	ck_assert_int_eq(use(&n, 100, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 35, REQ_B, T0), REPLAY_USED);
	for (nc = 99; nc >= 36; nc--)
		ck_assert_msg(use(&n, nc, REQ_B + nc, T0) == REPLAY_OK, "nc %u",
		    nc);
	for (nc = 36; nc <= 100; nc++)
		ck_assert_msg(use(&n, nc, REQ_B, T0) == REPLAY_USED, "nc %u",
		    nc);
	for (nc = 1; nc < 36; nc++)
		ck_assert_int_eq(use(&n, nc, REQ_B, T0), REPLAY_USED);
}
END_TEST

/* The window moves with the highest nc and keeps what was used in it. */
START_TEST(test_replay_window_moves)
{
	struct nonce n = issue();
	uint32_t nc;

	/* 1 used, then 65: 1 is exactly 64 below, remembered as used. */
	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 65, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 30, REQ_B, T0), REPLAY_OK);
	/* 70: 30 is 40 below, still used; 6..64 unused, 5 too old. */
	ck_assert_int_eq(use(&n, 70, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 30, REQ_C, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 65, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 5, REQ_B, T0), REPLAY_USED);
	for (nc = 6; nc < 70; nc++)
		if (nc != 30 && nc != 65)
			ck_assert_msg(use(&n, nc, REQ_B, T0) == REPLAY_OK,
			    "nc %u", nc);
	/* A jump beyond the window forgets everything below it. */
	ck_assert_int_eq(use(&n, 1000, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 70, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 935, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 936, REQ_B, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 999, REQ_B, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 999, REQ_A, T0), REPLAY_USED);
}
END_TEST

START_TEST(test_replay_nc_zero)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 0, REQ_A, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 0, REQ_A, T0), REPLAY_USED);
	/* It left nothing behind. */
	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 0, REQ_A, T0), REPLAY_USED);
}
END_TEST

/* Nonces do not share state. */
START_TEST(test_replay_nonces_independent)
{
	struct nonce a = issue(), b = issue();

	ck_assert_int_eq(use(&a, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&b, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&a, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&b, 1, REQ_B, T0), REPLAY_USED);
}
END_TEST

/* ---------------------------------------------------------------------
 * Retransmissions
 */

START_TEST(test_replay_retrans)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_RETRANS);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 1), REPLAY_RETRANS);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + REPLAY_RETRANS_SECS),
	    REPLAY_RETRANS);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + REPLAY_RETRANS_SECS + 1),
	    REPLAY_USED);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 3600), REPLAY_USED);
}
END_TEST

START_TEST(test_replay_retrans_33s)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 33), REPLAY_USED);
}
END_TEST

/* Another request with the same nc is a replay, even at once. */
START_TEST(test_replay_retrans_other_request)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0), REPLAY_USED);
	/* ... and does not spoil the real retransmission. */
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 2), REPLAY_RETRANS);
}
END_TEST

/* The retransmission memory follows the highest nc. */
START_TEST(test_replay_retrans_follows_max)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 2, REQ_B, T0 + 1), REPLAY_OK);
	ck_assert_int_eq(use(&n, 2, REQ_B, T0 + 2), REPLAY_RETRANS);
	/* The use before the last is remembered too (REGISTER on nc 1, then
	 * SUBSCRIBE on nc 2, then the REGISTER again): a retransmission. */
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 2), REPLAY_RETRANS);
	ck_assert_int_eq(use(&n, 1, REQ_C, T0 + 2), REPLAY_USED);
	/* The window is counted from the use, not from the retransmission. */
	ck_assert_int_eq(use(&n, 2, REQ_B, T0 + 30), REPLAY_RETRANS);
	ck_assert_int_eq(use(&n, 2, REQ_B, T0 + 34), REPLAY_USED);
	/* Two uses later, nc 1 is no longer remembered as a request. */
	ck_assert_int_eq(use(&n, 3, REQ_C, T0 + 3), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 3), REPLAY_USED);
}
END_TEST

/* Without qop the caller passes nc 1: a nonce is single use. */
START_TEST(test_replay_no_qop_single_use)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0 + 1), REPLAY_USED);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 1), REPLAY_RETRANS);
}
END_TEST

/* ---------------------------------------------------------------------
 * The ring
 */

/* REPLAY_SLOTS - 1 newer nonces leave the slot alone. */
START_TEST(test_replay_ring_almost_full)
{
	struct nonce n = issue();

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	issue_many(REPLAY_SLOTS - 1);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 2, REQ_A, T0), REPLAY_OK);
}
END_TEST

/* One more and the slot is a newer nonce's: the old one is stale. */
START_TEST(test_replay_ring_wrap)
{
	struct nonce n = issue(), newer;
	uint32_t nc;

	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_OK);
	issue_many(REPLAY_SLOTS - 1);
	newer = issue();
	ck_assert_uint_eq(newer.n_counter, n.n_counter + REPLAY_SLOTS);
	ck_assert_int_eq(use(&n, 2, REQ_A, T0), REPLAY_GONE);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_GONE);
	/* Never accepted again, whatever nc, request or time. */
	for (nc = 0; nc < 200; nc++)
		ck_assert_int_ne(use(&n, nc, REQ_A + nc, T0 + nc), REPLAY_OK);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0 + 1), REPLAY_GONE);
	/* The newer nonce has a clean slot. */
	ck_assert_int_eq(use(&newer, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&newer, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&n, 1, REQ_B, T0), REPLAY_GONE);
}
END_TEST

/* An unused nonce whose slot was taken is stale as well. */
START_TEST(test_replay_ring_wrap_unused)
{
	struct nonce n = issue();

	issue_many(REPLAY_SLOTS);
	ck_assert_int_eq(use(&n, 1, REQ_A, T0), REPLAY_GONE);
}
END_TEST

/* ---------------------------------------------------------------------
 * Nonces of another instance
 */

START_TEST(test_replay_foreign_claims)
{
	struct nonce f = foreign(0x0badf00d, 77);

	ck_assert_int_eq(use(&f, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&f, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&f, 1, REQ_A, T0 + 1), REPLAY_RETRANS);
	ck_assert_int_eq(use(&f, 2, REQ_B, T0), REPLAY_OK);
	ck_assert_int_eq(use(&f, 2, REQ_A, T0), REPLAY_USED);
	ck_assert_int_eq(use(&f, 1, REQ_A, T0 + 100), REPLAY_USED);
	ck_assert_int_eq(use(&f, 0, REQ_A, T0), REPLAY_USED);
}
END_TEST

/* Same counter, other instance (ours or a third): other nonces. */
START_TEST(test_replay_foreign_distinct)
{
	struct nonce own = issue();
	struct nonce f = foreign(0x0badf00d, own.n_counter);
	struct nonce g = foreign(0x0badf00e, own.n_counter);

	ck_assert_int_eq(use(&f, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&g, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&own, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&f, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&g, 1, REQ_B, T0), REPLAY_USED);
	ck_assert_int_eq(use(&own, 1, REQ_B, T0), REPLAY_USED);
}
END_TEST

/*
 * replay.h: "a replay is never accepted because memory ran out" and a
 * foreign nonce, once claimed, "each instance then refuses replays of
 * what it has seen".  After the ring has gone round, the foreign nonce's
 * slot belongs to a nonce of ours; its replay must not be accepted (stale
 * or used, as for our own nonces).
 */
START_TEST(test_replay_foreign_wrap_no_replay)
{
	struct nonce f = foreign(0x0badf00d, 77);

	ck_assert_int_eq(use(&f, 1, REQ_A, T0), REPLAY_OK);
	ck_assert_int_eq(use(&f, 1, REQ_B, T0), REPLAY_USED);
	issue_many(REPLAY_SLOTS);
	ck_assert_msg(use(&f, 1, REQ_B, T0 + 1) != REPLAY_OK,
	    "replay of a foreign nonce accepted after its slot was reused");
}
END_TEST

/*
 * The same between nonces of the other instance: they are spread over the
 * ring by a hash, so two of them share a slot sooner or later (after a
 * few hundred thousand); the one pushed out must not be accepted again.
 */
START_TEST(test_replay_foreign_collision_no_replay)
{
	struct nonce f = foreign(0x0badf00d, 77), g;
	uint32_t k;

	ck_assert_int_eq(use(&f, 1, REQ_A, T0), REPLAY_OK);
	for (k = 0; k < 4 * REPLAY_SLOTS; k++) {
		enum replay_result r;

		g = foreign(f.n_instance, 1000 + k);
		/* Accepted, or (once f's slot was lost, for a nonce no newer
		 * than f) answered as stale: never a second time. */
		r = use(&g, 1, REQ_A, T0);
		ck_assert(r == REPLAY_OK || r == REPLAY_GONE);
		ck_assert_int_ne(use(&g, 1, REQ_B, T0), REPLAY_OK);
		ck_assert_msg(use(&f, 1, REQ_B, T0 + 1) != REPLAY_OK,
		    "foreign nonce replayed after counter %u took its slot",
		    1000 + k);
	}
}
END_TEST

/*
 * A balancer moves a failed instance's phones here: their nonces are
 * foreign, and however many there are, they must not push out the nonces
 * of the phones that were here all along (each would be answered as
 * stale: one challenge more for a phone that never moved).
 */
START_TEST(test_replay_foreign_leave_ours_alone)
{
	static struct nonce own[1000];
	struct nonce f;
	uint32_t i, gone = 0;

	for (i = 0; i < 1000; i++) {
		own[i] = issue();
		ck_assert_int_eq(use(&own[i], 1, REQ_A + i, T0), REPLAY_OK);
	}
	for (i = 0; i < 4 * REPLAY_FOREIGN_SLOTS; i++) {
		f = foreign(0x0badf00d, 5000 + i);
		(void)use(&f, 1, REQ_A, T0);
	}
	for (i = 0; i < 1000; i++)
		if (use(&own[i], 2, REQ_B + i, T0 + 1) != REPLAY_OK)
			gone++;
	ck_assert_msg(gone == 0, "%u of 1000 nonces of ours pushed out", gone);
}
END_TEST

/* Nor does the ring of ours push out a foreign nonce in use here. */
START_TEST(test_replay_ring_leaves_foreign_alone)
{
	struct nonce f = foreign(0x0badf00d, 77);

	ck_assert_int_eq(use(&f, 1, REQ_A, T0), REPLAY_OK);
	issue_many(2 * REPLAY_SLOTS);
	ck_assert_int_eq(use(&f, 2, REQ_B, T0 + 1), REPLAY_OK);
	ck_assert_int_eq(use(&f, 1, REQ_B, T0 + 1), REPLAY_USED);
}
END_TEST

/* ---------------------------------------------------------------------
 * Threads
 */

#define NTHREADS  4
#define PERTHREAD 4000
#define NCS       4

struct worker {
	pthread_t w_tid;
	uint32_t w_id;
	unsigned w_ok;    /* first pass: accepted */
	unsigned w_again; /* second pass: accepted again (must be 0) */
};

static pthread_barrier_t barrier;

/* Issue and use PERTHREAD nonces, then try them all again. */
static void *
worker_distinct(void *arg)
{
	struct worker *w = arg;
	struct nonce *ns;
	uint32_t i, nc;

	ns = calloc(PERTHREAD, sizeof(*ns));
	if (ns == NULL)
		return (NULL);
	(void)pthread_barrier_wait(&barrier);
	for (i = 0; i < PERTHREAD; i++) {
		ns[i].n_instance = replay_instance(rp);
		ns[i].n_counter = replay_issue(rp);
		for (nc = 1; nc <= NCS; nc++)
			w->w_ok += replay_use(rp, &ns[i], nc, w->w_id, T0) ==
			    REPLAY_OK;
	}
	(void)pthread_barrier_wait(&barrier);
	for (i = 0; i < PERTHREAD; i++)
		for (nc = 1; nc <= NCS; nc++)
			w->w_again += replay_use(rp, &ns[i], nc, w->w_id + 100,
					  T0) != REPLAY_USED;
	free(ns);
	return (NULL);
}

START_TEST(test_replay_threads_distinct)
{
	struct worker w[NTHREADS];
	int i;

	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].w_id = (uint32_t)i + 1;
		ck_assert_int_eq(pthread_create(&w[i].w_tid, NULL,
				     worker_distinct, &w[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(w[i].w_tid, NULL), 0);
	(void)pthread_barrier_destroy(&barrier);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_uint_eq(w[i].w_ok, PERTHREAD * NCS);
		ck_assert_uint_eq(w[i].w_again, 0);
	}
	/* Every counter was handed out once. */
	ck_assert_uint_eq(replay_issue(rp), NTHREADS * PERTHREAD);
}
END_TEST

#define SHARED_NCS 3000

static struct nonce shared;
static atomic_uint accepted[SHARED_NCS + 1];

/* Every thread tries every nc of one nonce. */
static void *
worker_shared(void *arg)
{
	struct worker *w = arg;
	uint32_t nc;

	(void)pthread_barrier_wait(&barrier);
	for (nc = 1; nc <= SHARED_NCS; nc++) {
		if (replay_use(rp, &shared, nc, w->w_id, T0) == REPLAY_OK) {
			atomic_fetch_add(&accepted[nc], 1);
			w->w_ok++;
		}
	}
	return (NULL);
}

/* Whatever the interleaving, no nc is accepted twice. */
START_TEST(test_replay_threads_shared)
{
	struct worker w[NTHREADS];
	unsigned total = 0;
	int i;

	shared = issue();
	for (i = 0; i <= SHARED_NCS; i++)
		atomic_init(&accepted[i], 0);
	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].w_id = (uint32_t)i + 1;
		ck_assert_int_eq(pthread_create(&w[i].w_tid, NULL,
				     worker_shared, &w[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].w_tid, NULL), 0);
		total += w[i].w_ok;
	}
	(void)pthread_barrier_destroy(&barrier);
	for (i = 1; i <= SHARED_NCS; i++)
		ck_assert_msg(atomic_load(&accepted[i]) <= 1,
		    "nc %d accepted %u times", i, atomic_load(&accepted[i]));
	ck_assert_uint_le(total, SHARED_NCS);
	/* The highest nc was accepted by someone. */
	ck_assert_uint_eq(atomic_load(&accepted[SHARED_NCS]), 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc;

	tc = tcase_create("nc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replay_issue_counts);
	tcase_add_test(tc, test_replay_reuse_refused);
	tcase_add_test(tc, test_replay_increasing);
	tcase_add_test(tc, test_replay_window);
	tcase_add_test(tc, test_replay_window_moves);
	tcase_add_test(tc, test_replay_nc_zero);
	tcase_add_test(tc, test_replay_nonces_independent);
	suite_add_tcase(s, tc);

	tc = tcase_create("retrans");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replay_retrans);
	tcase_add_test(tc, test_replay_retrans_33s);
	tcase_add_test(tc, test_replay_retrans_other_request);
	tcase_add_test(tc, test_replay_retrans_follows_max);
	tcase_add_test(tc, test_replay_no_qop_single_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("ring");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replay_ring_almost_full);
	tcase_add_test(tc, test_replay_ring_wrap);
	tcase_add_test(tc, test_replay_ring_wrap_unused);
	suite_add_tcase(s, tc);

	tc = tcase_create("foreign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replay_foreign_claims);
	tcase_add_test(tc, test_replay_foreign_distinct);
	tcase_add_test(tc, test_replay_foreign_wrap_no_replay);
	tcase_add_test(tc, test_replay_foreign_collision_no_replay);
	tcase_add_test(tc, test_replay_foreign_leave_ours_alone);
	tcase_add_test(tc, test_replay_ring_leaves_foreign_alone);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replay_threads_distinct);
	tcase_add_test(tc, test_replay_threads_shared);
	suite_add_tcase(s, tc);
	return (s);
}
