/*
 * Connection limits; see connlim.h.  Open addressing with linear probing
 * over a power-of-two table at least twice the connection limit, so a
 * probe stays short; a source whose count drops to zero leaves the table
 * by backward shift, which keeps every probe sequence unbroken without
 * tombstones.  Slots are chosen by SipHash under a key drawn at start:
 * the sources are the attacker's choice (any /64 of a large IPv6 block),
 * and with an unkeyed hash they could be picked to share one probe run
 * and make every take and give under the mutex walk all of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include <re.h>

#include "auth/connlim.h"
#include "auth/limits.h"
#include "core/siphash.h"

struct clent {
	uint64_t e_v;
	uint8_t e_af; /* 0: free */
	unsigned e_n;
};

struct connlim {
	pthread_mutex_t cl_lock;
	struct siphash_key cl_key;
	struct clent *cl_t;
	size_t cl_mask;
	size_t cl_used;
	atomic_uint cl_total;
};

int
connlim_alloc(struct connlim **clp, size_t max_conns)
{
	return (connlim_alloc_key(clp, max_conns, NULL));
}

int
connlim_alloc_key(struct connlim **clp, size_t max_conns,
    const uint8_t key[SIPHASH_KEYLEN])
{
	struct connlim *cl;
	size_t n = 1024;

	while (n < 2 * max_conns && n < ((size_t)1 << 30))
		n <<= 1;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return (ENOMEM);
	if (key != NULL)
		siphash_key_set(&cl->cl_key, key);
	if (key == NULL && siphash_key_random(&cl->cl_key) != 0) {
		free(cl);
		return (EIO);
	}
	if ((cl->cl_t = calloc(n, sizeof(*cl->cl_t))) == NULL) {
		free(cl);
		return (ENOMEM);
	}
	cl->cl_mask = n - 1;
	(void)pthread_mutex_init(&cl->cl_lock, NULL);
	atomic_init(&cl->cl_total, 0);
	*clp = cl;
	return (0);
}

void
connlim_free(struct connlim *cl)
{
	if (cl == NULL)
		return;
	(void)pthread_mutex_destroy(&cl->cl_lock);
	free(cl->cl_t);
	free(cl);
}

/* The home slot of (v, af): SipHash of its 9 bytes under the table's key. */
static size_t
connlim_hash(const struct connlim *cl, uint64_t v, uint8_t af)
{
	return ((size_t)siphash_u64(&cl->cl_key, v, af) & cl->cl_mask);
}

size_t
connlim_home(const struct connlim *cl, const struct sa *src)
{
	uint8_t af;
	uint64_t v = limits_source(src, &af);

	return (connlim_hash(cl, v, af));
}

/* The slot of (v, af), or of the free slot where it would go. */
static size_t
connlim_find(const struct connlim *cl, uint64_t v, uint8_t af)
{
	size_t i = connlim_hash(cl, v, af);

	while (cl->cl_t[i].e_af != 0 &&
	    (cl->cl_t[i].e_af != af || cl->cl_t[i].e_v != v))
		i = (i + 1) & cl->cl_mask;
	return (i);
}

int
connlim_take(struct connlim *cl, const struct sa *src, unsigned max_total,
    unsigned max_per_src)
{
	struct clent *e;
	uint8_t af;
	uint64_t v = limits_source(src, &af);
	int err = 0;

	(void)pthread_mutex_lock(&cl->cl_lock);
	e = &cl->cl_t[connlim_find(cl, v, af)];
	if (atomic_load_explicit(&cl->cl_total, memory_order_relaxed) >=
	    max_total)
		err = EMFILE;
	else if (e->e_af != 0 && max_per_src != 0 && e->e_n >= max_per_src)
		err = EUSERS;
	else if (e->e_af == 0 && cl->cl_used >= (cl->cl_mask + 1) / 2)
		err = ENOSPC;
	if (err == 0) {
		if (e->e_af == 0) {
			e->e_af = af;
			e->e_v = v;
			e->e_n = 0;
			cl->cl_used++;
		}
		e->e_n++;
		atomic_fetch_add_explicit(&cl->cl_total, 1,
		    memory_order_relaxed);
	}
	(void)pthread_mutex_unlock(&cl->cl_lock);
	return (err);
}

/* Empty slot i, moving later entries of the run back into the gap. */
static void
connlim_remove(struct connlim *cl, size_t i)
{
	size_t j = i, home;

	for (;;) {
		cl->cl_t[i].e_af = 0;
		for (;;) {
			j = (j + 1) & cl->cl_mask;
			if (cl->cl_t[j].e_af == 0)
				return;
			home =
			    connlim_hash(cl, cl->cl_t[j].e_v, cl->cl_t[j].e_af);
			/* Can j's entry move to i: is home outside (i, j]? */
			if (i <= j ? (home <= i || home > j) :
				     (home <= i && home > j))
				break;
		}
		cl->cl_t[i] = cl->cl_t[j];
		i = j;
	}
}

void
connlim_give(struct connlim *cl, const struct sa *src)
{
	struct clent *e;
	uint8_t af;
	uint64_t v = limits_source(src, &af);
	size_t i;

	(void)pthread_mutex_lock(&cl->cl_lock);
	i = connlim_find(cl, v, af);
	e = &cl->cl_t[i];
	if (e->e_af != 0 && e->e_n > 0) {
		atomic_fetch_sub_explicit(&cl->cl_total, 1,
		    memory_order_relaxed);
		if (--e->e_n == 0) {
			connlim_remove(cl, i);
			cl->cl_used--;
		}
	}
	(void)pthread_mutex_unlock(&cl->cl_lock);
}

unsigned
connlim_total(struct connlim *cl)
{
	return (atomic_load_explicit(&cl->cl_total, memory_order_relaxed));
}

unsigned
connlim_count(struct connlim *cl, const struct sa *src)
{
	const struct clent *e;
	uint8_t af;
	uint64_t v = limits_source(src, &af);
	unsigned n;

	(void)pthread_mutex_lock(&cl->cl_lock);
	e = &cl->cl_t[connlim_find(cl, v, af)];
	n = e->e_af != 0 ? e->e_n : 0;
	(void)pthread_mutex_unlock(&cl->cl_lock);
	return (n);
}
