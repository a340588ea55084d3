/*
 * Connection slots and ids; see conntab.h.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/rand.h>

#include "proxy/conntab.h"

struct conntab {
	void **ct_conns;   /* by slot; NULL: free */
	uint32_t *ct_gen;  /* by slot: the generation of its next or live id */
	uint32_t *ct_free; /* free slots, a stack */
	size_t ct_nfree;
	size_t ct_cap;
	size_t ct_max;
	unsigned ct_worker;
};

/* Random first generations (see conntab.h). */
static void
conntab_gens(uint32_t *gen, size_t n)
{
	size_t i;

	if (RAND_bytes((unsigned char *)gen, (int)(n * sizeof(*gen))) != 1)
		for (i = 0; i < n; i++)
			gen[i] = (uint32_t)random();
}

/* Slots cap..ncap are new: free, the lowest on top of the stack. */
static void
conntab_fresh(struct conntab *ct, size_t ncap)
{
	size_t i;

	conntab_gens(ct->ct_gen + ct->ct_cap, ncap - ct->ct_cap);
	for (i = ncap; i > ct->ct_cap; i--) {
		ct->ct_conns[i - 1] = NULL;
		ct->ct_free[ct->ct_nfree++] = (uint32_t)(i - 1);
	}
	ct->ct_cap = ncap;
}

/* Double the table, up to its maximum. */
static int
conntab_grow(struct conntab *ct)
{
	size_t ncap;
	void *p;

	if (ct->ct_cap >= ct->ct_max)
		return (ENOSPC);
	ncap = ct->ct_cap * 2;
	if (ncap > ct->ct_max)
		ncap = ct->ct_max;
	if ((p = realloc(ct->ct_conns, ncap * sizeof(*ct->ct_conns))) == NULL)
		return (ENOMEM);
	ct->ct_conns = p;
	if ((p = realloc(ct->ct_gen, ncap * sizeof(*ct->ct_gen))) == NULL)
		return (ENOMEM);
	ct->ct_gen = p;
	if ((p = realloc(ct->ct_free, ncap * sizeof(*ct->ct_free))) == NULL)
		return (ENOMEM);
	ct->ct_free = p;
	conntab_fresh(ct, ncap);
	return (0);
}

int
conntab_alloc(struct conntab **ctp, unsigned worker, size_t max)
{
	struct conntab *ct;
	size_t cap;

	if (worker > CONN_WORKER(UINT64_MAX) || max == 0)
		return (EINVAL);
	if (max > CONN_MAXSLOTS)
		max = CONN_MAXSLOTS;
	cap = max < CONN_FIRSTCAP ? max : CONN_FIRSTCAP;
	if ((ct = calloc(1, sizeof(*ct))) == NULL)
		return (ENOMEM);
	ct->ct_worker = worker;
	ct->ct_max = max;
	ct->ct_conns = calloc(cap, sizeof(*ct->ct_conns));
	ct->ct_gen = calloc(cap, sizeof(*ct->ct_gen));
	ct->ct_free = calloc(cap, sizeof(*ct->ct_free));
	if (ct->ct_conns == NULL || ct->ct_gen == NULL || ct->ct_free == NULL) {
		conntab_free(ct);
		return (ENOMEM);
	}
	conntab_fresh(ct, cap);
	*ctp = ct;
	return (0);
}

void
conntab_free(struct conntab *ct)
{
	if (ct == NULL)
		return;
	free(ct->ct_conns);
	free(ct->ct_gen);
	free(ct->ct_free);
	free(ct);
}

int
conntab_add(struct conntab *ct, void *conn, uint64_t *idp)
{
	uint32_t slot;
	int err;

	if (ct->ct_nfree == 0 && (err = conntab_grow(ct)) != 0)
		return (err);
	slot = ct->ct_free[--ct->ct_nfree];
	if (ct->ct_gen[slot] == 0)
		ct->ct_gen[slot] = 1;
	ct->ct_conns[slot] = conn;
	*idp = CONN_ID(ct->ct_worker, slot, ct->ct_gen[slot]);
	return (0);
}

void *
conntab_get(const struct conntab *ct, uint64_t id)
{
	uint32_t slot = CONN_SLOT(id);

	if (CONN_WORKER(id) != ct->ct_worker || slot >= ct->ct_cap ||
	    ct->ct_gen[slot] != CONN_GEN(id))
		return (NULL);
	return (ct->ct_conns[slot]);
}

void
conntab_del(struct conntab *ct, uint64_t id)
{
	uint32_t slot = CONN_SLOT(id);

	if (conntab_get(ct, id) == NULL)
		return;
	ct->ct_conns[slot] = NULL;
	if (++ct->ct_gen[slot] == 0)
		ct->ct_gen[slot] = 1;
	ct->ct_free[ct->ct_nfree++] = slot;
}

size_t
conntab_cap(const struct conntab *ct)
{
	return (ct->ct_cap);
}

void *
conntab_at(const struct conntab *ct, size_t slot)
{
	return (slot < ct->ct_cap ? ct->ct_conns[slot] : NULL);
}
