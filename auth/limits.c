/*
 * The per-source table; see limits.h.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/limits.h"
#include "core/addr.h"
#include "core/siphash.h"

/* A source: IPv4 address, or the /64 of an IPv6 one. */
struct lkey {
	uint64_t k_v;
	uint8_t k_af; /* 0: free entry, 4 or 6 */
};

struct lentry {
	struct lkey e_key;
	uint32_t e_seen;      /* last packet, seconds */
	uint32_t e_fail_from; /* start of the failure window */
	uint32_t e_fails;
	uint32_t e_ban_until; /* 0: not banned */
	uint32_t e_ban_fails; /* the failures that made the ban */
	uint64_t e_tb_ms;     /* token bucket: last refill */
	uint32_t e_tokens;    /* in thousandths of a token */
};

struct lbucket {
	pthread_mutex_t b_lock;
	struct lentry b_e[LIMITS_WAYS];
};

#define LIMITS_SWEEP_SLACK 5 /* s: see limits_sweep() */

struct limits {
	struct siphash_key l_key; /* random: nobody can aim at a bucket */
	struct lbucket *l_b;
	/*
	 * The latest end of any ban ever set: from then on no ban can be
	 * active, and limits_banned() answers without a lock or a look at
	 * the table (a flood from sources nobody banned costs nothing here).
	 */
	_Atomic uint32_t l_ban_end;
	/*
	 * When the last sweep that looked at the table ran (the sweeper's
	 * own, one thread): it ended every ban over by then, so while
	 * l_ban_end <= l_swept there is nothing to sweep.
	 */
	uint32_t l_swept;
};

int
limits_alloc(struct limits **lp)
{
	struct limits *l;
	size_t i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (ENOMEM);
	l->l_b = calloc(LIMITS_BUCKETS, sizeof(*l->l_b));
	if (l->l_b == NULL || siphash_key_random(&l->l_key) != 0) {
		free(l->l_b);
		free(l);
		return (ENOMEM);
	}
	for (i = 0; i < LIMITS_BUCKETS; i++)
		(void)pthread_mutex_init(&l->l_b[i].b_lock, NULL);
	*lp = l;
	return (0);
}

void
limits_free(struct limits *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < LIMITS_BUCKETS; i++)
		(void)pthread_mutex_destroy(&l->l_b[i].b_lock);
	free(l->l_b);
	free(l);
}

/* IPv4 (v4-mapped included) as itself, IPv6 (or none) by its /64. */
static struct lkey
limits_key(const struct sa *src)
{
	uint8_t a[16] = { 0 };
	struct lkey k = { 0, 4 };
	size_t i, n;

	if ((n = addr_bytes(src, a)) != 4) {
		k.k_af = 6;
		n = 8;
	}
	for (i = 0; i < n; i++)
		k.k_v = k.k_v << 8 | a[i];
	return (k);
}

/* The bucket of a source: SipHash, since the sources are the attacker's. */
static size_t
limits_bucket(const struct limits *l, const struct lkey *k)
{
	uint64_t h = siphash_u64(&l->l_key, k->k_v, k->k_af);

	return ((size_t)(h % LIMITS_BUCKETS));
}

static bool
limits_same(const struct lkey *a, const struct lkey *b)
{
	return (a->k_af == b->k_af && a->k_v == b->k_v);
}

/* Which entry a new source takes: see limits.h. */
static struct lentry *
limits_victim(struct lbucket *b)
{
	struct lentry *free_e = NULL, *idle = NULL, *ban = NULL;
	size_t i;

	for (i = 0; i < LIMITS_WAYS; i++) {
		struct lentry *e = &b->b_e[i];

		if (e->e_key.k_af == 0) {
			free_e = e;
			break;
		}
		if (e->e_ban_until == 0) {
			if (idle == NULL || e->e_seen < idle->e_seen)
				idle = e;
		} else if (ban == NULL || e->e_ban_until < ban->e_ban_until) {
			ban = e;
		}
	}
	return (free_e ? free_e : idle ? idle : ban);
}

/* The source's entry, made when create is set; the bucket is locked. */
static struct lentry *
limits_find(struct lbucket *b, const struct lkey *k, bool create)
{
	struct lentry *e;
	size_t i;

	for (i = 0; i < LIMITS_WAYS; i++)
		if (limits_same(&b->b_e[i].e_key, k))
			return (&b->b_e[i]);
	if (!create)
		return (NULL);
	e = limits_victim(b);
	memset(e, 0, sizeof(*e));
	e->e_key = *k;
	return (e);
}

static struct lbucket *
limits_lock(struct limits *l, const struct sa *src, struct lkey *k)
{
	struct lbucket *b;

	*k = limits_key(src);
	b = &l->l_b[limits_bucket(l, k)];
	(void)pthread_mutex_lock(&b->b_lock);
	return (b);
}

bool
limits_banned(struct limits *l, const struct sa *src, uint32_t now)
{
	struct lbucket *b;
	struct lentry *e;
	struct lkey k;
	bool banned;

	if (now >= atomic_load_explicit(&l->l_ban_end, memory_order_acquire))
		return (false);
	b = limits_lock(l, src, &k);
	e = limits_find(b, &k, false);
	banned = e != NULL && e->e_ban_until > now;
	(void)pthread_mutex_unlock(&b->b_lock);
	return (banned);
}

/* Raise l_ban_end to until (it never goes down). */
static void
limits_ban_end(struct limits *l, uint32_t until)
{
	uint32_t cur =
	    atomic_load_explicit(&l->l_ban_end, memory_order_relaxed);

	while (cur < until &&
	    !atomic_compare_exchange_weak_explicit(&l->l_ban_end, &cur, until,
		memory_order_release, memory_order_relaxed))
		;
}

bool
limits_fail(struct limits *l, const struct sa *src, uint32_t now,
    unsigned ban_after, unsigned window, unsigned ban_time, unsigned *failures)
{
	struct lbucket *b;
	struct lentry *e;
	struct lkey k;
	bool ban = false;

	if (ban_after == 0)
		return (false);
	b = limits_lock(l, src, &k);
	e = limits_find(b, &k, true);
	e->e_seen = now;
	if (e->e_fails == 0 || now - e->e_fail_from >= window) {
		e->e_fail_from = now;
		e->e_fails = 0;
	}
	if (++e->e_fails >= ban_after && e->e_ban_until <= now) {
		*failures = e->e_fails;
		limits_ban_end(l, now + ban_time);
		e->e_ban_until = now + ban_time;
		e->e_ban_fails = e->e_fails;
		e->e_fails = 0;
		ban = true;
	}
	(void)pthread_mutex_unlock(&b->b_lock);
	return (ban);
}

bool
limits_challenge(struct limits *l, const struct sa *src, uint64_t now_ms,
    unsigned rate)
{
	uint64_t cap = (uint64_t)rate * 1000, t;
	struct lbucket *b;
	struct lentry *e;
	struct lkey k;
	bool ok;

	if (rate == 0)
		return (true);
	b = limits_lock(l, src, &k);
	e = limits_find(b, &k, true);
	if (e->e_tb_ms == 0) {
		e->e_tokens = (uint32_t)cap; /* a new source starts full */
	} else if (now_ms > e->e_tb_ms) {
		/* rate tokens a second = rate thousandths a millisecond */
		t = e->e_tokens + (now_ms - e->e_tb_ms) * rate;
		e->e_tokens = (uint32_t)(t > cap ? cap : t);
	}
	e->e_tb_ms = now_ms;
	e->e_seen = (uint32_t)(now_ms / 1000);
	ok = e->e_tokens >= 1000;
	if (ok)
		e->e_tokens -= 1000;
	(void)pthread_mutex_unlock(&b->b_lock);
	return (ok);
}

static void
limits_key_fmt(const struct lkey *k, char out[LIMITS_ADDRLEN])
{
	uint8_t a[16] = { 0 };
	size_t i;

	if (k->k_af == 4) {
		(void)snprintf(out, LIMITS_ADDRLEN, "%u.%u.%u.%u",
		    (unsigned)(k->k_v >> 24) & 255,
		    (unsigned)(k->k_v >> 16) & 255,
		    (unsigned)(k->k_v >> 8) & 255, (unsigned)k->k_v & 255);
		return;
	}
	for (i = 0; i < 8; i++)
		a[i] = (uint8_t)(k->k_v >> (56 - 8 * i));
	if (inet_ntop(AF_INET6, a, out, LIMITS_ADDRLEN - 4) == NULL)
		out[0] = '\0';
	(void)strncat(out, "/64", 4);
}

uint64_t
limits_source(const struct sa *src, uint8_t *af)
{
	struct lkey k = limits_key(src);

	*af = k.k_af;
	return (k.k_v);
}

void
limits_addr(const struct sa *src, char out[LIMITS_ADDRLEN])
{
	struct lkey k = limits_key(src);

	limits_key_fmt(&k, out);
}

unsigned
limits_sweep(struct limits *l, uint32_t now, limits_unban_h *unban, void *arg)
{
	char addr[LIMITS_ADDRLEN];
	unsigned active = 0;
	size_t i, j;

	/*
	 * No ban set since a sweep ended them all (and the clock did not go
	 * back since): the table's 3 MiB stay untouched, out of the caches.
	 * The slack covers a worker that read its clock before this sweep's
	 * and stores a short ban (its end <= now) after the sweep passed.
	 */
	if (now >= l->l_swept &&
	    atomic_load_explicit(&l->l_ban_end, memory_order_acquire) +
		    LIMITS_SWEEP_SLACK <=
		l->l_swept)
		return (0);
	for (i = 0; i < LIMITS_BUCKETS; i++) {
		struct lbucket *b = &l->l_b[i];

		(void)pthread_mutex_lock(&b->b_lock);
		for (j = 0; j < LIMITS_WAYS; j++) {
			struct lentry *e = &b->b_e[j];

			if (e->e_ban_until == 0)
				continue;
			if (e->e_ban_until > now) {
				active++;
				continue;
			}
			e->e_ban_until = 0;
			limits_key_fmt(&e->e_key, addr);
			if (unban != NULL)
				unban(addr, arg);
		}
		(void)pthread_mutex_unlock(&b->b_lock);
	}
	l->l_swept = now;
	return (active);
}

unsigned
limits_bans(struct limits *l, uint32_t now, limits_ban_h *each, void *arg)
{
	char addr[LIMITS_ADDRLEN];
	unsigned n = 0;
	size_t i, j;

	if (now >= atomic_load_explicit(&l->l_ban_end, memory_order_acquire))
		return (0);
	for (i = 0; i < LIMITS_BUCKETS; i++) {
		struct lbucket *b = &l->l_b[i];

		(void)pthread_mutex_lock(&b->b_lock);
		for (j = 0; j < LIMITS_WAYS; j++) {
			const struct lentry *e = &b->b_e[j];

			if (e->e_ban_until <= now)
				continue;
			n++;
			limits_key_fmt(&e->e_key, addr);
			if (each != NULL)
				each(addr, e->e_ban_fails, e->e_ban_until - now,
				    arg);
		}
		(void)pthread_mutex_unlock(&b->b_lock);
	}
	return (n);
}

bool
limits_unban(struct limits *l, const struct sa *src, uint32_t now)
{
	struct lbucket *b;
	struct lentry *e;
	struct lkey k;
	bool was;

	b = limits_lock(l, src, &k);
	e = limits_find(b, &k, false);
	was = e != NULL && e->e_ban_until > now;
	if (e != NULL) {
		e->e_ban_until = 0;
		e->e_fails = 0;
		e->e_fail_from = 0;
	}
	(void)pthread_mutex_unlock(&b->b_lock);
	return (was);
}
