/*
 * The nonce-count ring; see replay.h.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "auth/nonce.h"
#include "auth/replay.h"
#include "core/siphash.h"

#define REPLAY_LOCKS 256

#define REPLAY_RECENT 2

/* A use of a nonce that a retransmission may repeat. */
struct use {
	uint64_t u_msg; /* replay_msg_hash of the message */
	uint32_t u_nc;
	uint32_t u_time;
};

struct slot {
	uint64_t s_key;   /* instance << 32 | counter of the owning nonce */
	uint32_t s_ntime; /* issue time of the owner, when foreign */
	uint32_t s_floor; /* newest issue time of a foreign nonce evicted */
	bool s_foreign;   /* the owner is another instance's nonce */
	uint32_t s_maxnc; /* highest nc used, 0 when none */
	uint64_t s_bits;  /* bit i: nc s_maxnc - 1 - i was used */
	struct use s_recent[REPLAY_RECENT]; /* the last uses, newest first */
};

_Static_assert(sizeof(struct slot) == 64, "a slot is one cache line");

struct replay {
	uint32_t r_instance;
	struct siphash_key r_key; /* message fingerprints, foreign slots */
	atomic_uint r_counter;
	pthread_mutex_t r_locks[REPLAY_LOCKS];
	struct slot *r_slots;
};

int
replay_alloc(struct replay **rp)
{
	struct replay *r;
	unsigned i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (ENOMEM);
	/* A slot a cache line: neighbours under other locks share none. */
	r->r_slots = aligned_alloc(64, REPLAY_ALL_SLOTS * sizeof(*r->r_slots));
	if (r->r_slots != NULL)
		memset(r->r_slots, 0, REPLAY_ALL_SLOTS * sizeof(*r->r_slots));
	if (r->r_slots == NULL ||
	    RAND_bytes((unsigned char *)&r->r_instance,
		sizeof(r->r_instance)) != 1 ||
	    siphash_key_random(&r->r_key) != 0) {
		free(r->r_slots);
		free(r);
		return (ENOMEM);
	}
	for (i = 0; i < REPLAY_LOCKS; i++)
		(void)pthread_mutex_init(&r->r_locks[i], NULL);
	atomic_init(&r->r_counter, 0);
	*rp = r;
	return (0);
}

void
replay_free(struct replay *r)
{
	unsigned i;

	if (r == NULL)
		return;
	for (i = 0; i < REPLAY_LOCKS; i++)
		(void)pthread_mutex_destroy(&r->r_locks[i]);
	free(r->r_slots);
	free(r);
}

uint32_t
replay_instance(const struct replay *r)
{
	return (r->r_instance);
}

uint64_t
replay_msg_hash(const struct replay *r, const void *from, size_t fromlen,
    const void *msg, size_t len)
{
	struct siphash_state s;
	uint8_t n = (uint8_t)fromlen;

	assert(fromlen <= UINT8_MAX);
	siphash_init(&s, &r->r_key);
	siphash_update(&s, &n, 1); /* from and msg cannot trade bytes */
	siphash_update(&s, from, fromlen);
	siphash_update(&s, msg, len);
	return (siphash_final(&s));
}

static uint64_t
replay_key(uint32_t instance, uint32_t counter)
{
	return ((uint64_t)instance << 32 | counter);
}

/*
 * The slot's owner is being replaced.  A foreign nonce cannot be told
 * apart from one never seen once it is gone, so its issue time raises the
 * slot's floor: a foreign nonce no newer than that is answered as stale.
 */
static void
replay_evict(struct slot *s)
{
	if (s->s_foreign && s->s_ntime > s->s_floor)
		s->s_floor = s->s_ntime;
}

uint32_t
replay_issue(struct replay *r)
{
	uint32_t c =
	    atomic_fetch_add_explicit(&r->r_counter, 1, memory_order_relaxed);
	uint32_t i = c % REPLAY_SLOTS;
	struct slot *s = &r->r_slots[i];
	pthread_mutex_t *l = &r->r_locks[i % REPLAY_LOCKS];

	(void)pthread_mutex_lock(l);
	replay_evict(s);
	s->s_key = replay_key(r->r_instance, c);
	s->s_foreign = false;
	s->s_maxnc = 0;
	s->s_bits = 0;
	memset(s->s_recent, 0, sizeof(s->s_recent));
	(void)pthread_mutex_unlock(l);
	return (c);
}

/*
 * The slot of a nonce of another instance: spread by SipHash over the
 * foreign slots, after the ring of ours (so neither pushes out the
 * other).  Its instance and counter are signed, but anyone may ask that
 * instance for nonces until some share a slot under a hash they can
 * compute, and push out each other's use; under our random key they
 * cannot tell which do.
 */
static uint32_t
replay_foreign_slot(const struct replay *r, const struct nonce *n)
{
	uint64_t h =
	    siphash_u64(&r->r_key, replay_key(n->n_instance, n->n_counter), 0);

	return (REPLAY_SLOTS + (uint32_t)(h % REPLAY_FOREIGN_SLOTS));
}

/* Mark nc used in s; false when it was. */
static bool
replay_mark(struct slot *s, uint32_t nc)
{
	uint32_t d;

	if (nc > s->s_maxnc) {
		d = nc - s->s_maxnc;
		s->s_bits = d >= 64 ? 0 : (s->s_bits << d);
		if (s->s_maxnc != 0 && d <= 64)
			s->s_bits |= 1ULL << (d - 1);
		s->s_maxnc = nc;
		return (true);
	}
	d = s->s_maxnc - nc; /* >= 0: nc == maxnc is d 0, used */
	if (d == 0 || d > 64 || (s->s_bits & (1ULL << (d - 1))))
		return (false);
	s->s_bits |= 1ULL << (d - 1);
	return (true);
}

/* The same message with the same nc as one of the last uses, recently? */
static bool
replay_is_retrans(const struct slot *s, uint32_t nc, uint64_t msg, uint32_t now)
{
	size_t i;

	for (i = 0; i < REPLAY_RECENT; i++) {
		const struct use *u = &s->s_recent[i];

		if (u->u_nc == nc && nc != 0 && u->u_msg == msg &&
		    now - u->u_time <= REPLAY_RETRANS_SECS)
			return (true);
	}
	return (false);
}

static enum replay_result
replay_use_slot(struct slot *s, const struct nonce *n, uint64_t key, bool own,
    uint32_t nc, uint64_t msg, uint32_t now)
{
	if (s->s_key != key || (!own && !s->s_foreign)) {
		if (own || n->n_time <= s->s_floor)
			return (REPLAY_GONE);
		replay_evict(s);
		s->s_key = key;
		s->s_foreign = true;
		s->s_ntime = n->n_time;
		s->s_maxnc = 0;
		s->s_bits = 0;
		memset(s->s_recent, 0, sizeof(s->s_recent));
	}
	if (replay_is_retrans(s, nc, msg, now))
		return (REPLAY_RETRANS);
	if (!replay_mark(s, nc))
		return (REPLAY_USED);
	memmove(&s->s_recent[1], &s->s_recent[0],
	    sizeof(s->s_recent) - sizeof(s->s_recent[0]));
	s->s_recent[0] = (struct use){ msg, nc, now };
	return (REPLAY_OK);
}

enum replay_result
replay_use(struct replay *r, const struct nonce *n, uint32_t nc, uint64_t msg,
    uint32_t now)
{
	bool own = n->n_instance == r->r_instance;
	uint32_t i =
	    own ? n->n_counter % REPLAY_SLOTS : replay_foreign_slot(r, n);
	pthread_mutex_t *l = &r->r_locks[i % REPLAY_LOCKS];
	enum replay_result res;

	if (nc == 0)
		return (REPLAY_USED);
	(void)pthread_mutex_lock(l);
	res = replay_use_slot(&r->r_slots[i], n,
	    replay_key(n->n_instance, n->n_counter), own, nc, msg, now);
	(void)pthread_mutex_unlock(l);
	return (res);
}
