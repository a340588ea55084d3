/*
 * Address sets as sorted disjoint ranges; see acl.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/acl.h"
#include "core/addr.h"

/* A 128-bit IPv6 address as two host-order halves. */
struct acl_u128 {
	uint64_t u_hi;
	uint64_t u_lo;
};

struct acl_r4 {
	uint32_t r4_first;
	uint32_t r4_last;
};

struct acl_r6 {
	struct acl_u128 r6_first;
	struct acl_u128 r6_last;
};

struct acl {
	struct acl_r4 *a_r4; /* sorted by start, disjoint */
	size_t a_nr4;
	struct acl_r6 *a_r6; /* likewise */
	size_t a_nr6;
	size_t a_count; /* prefixes given to acl_build() */
};

/* The 4 bytes at p, big-endian. */
static uint32_t
acl_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* The 8 bytes at p, big-endian. */
static uint64_t
acl_be64(const uint8_t *p)
{
	return ((uint64_t)acl_be32(p) << 32 | acl_be32(p + 4));
}

/* The top bits of a 64-bit word set, bits 0..64. */
static uint64_t
acl_mask64(unsigned bits)
{
	return (bits == 0 ? 0 : UINT64_MAX << (64 - bits));
}

/* -1, 0 or 1 as a is below, equal to or above b. */
static int
acl_cmp6(const struct acl_u128 *a, const struct acl_u128 *b)
{
	if (a->u_hi != b->u_hi)
		return (a->u_hi < b->u_hi ? -1 : 1);
	if (a->u_lo != b->u_lo)
		return (a->u_lo < b->u_lo ? -1 : 1);
	return (0);
}

/* The range of an IPv4 prefix; host bits below it are ignored. */
static struct acl_r4
acl_range4(const struct cidr *c)
{
	struct acl_r4 r;
	uint32_t m;

	m = (uint32_t)(acl_mask64(c->ci_bits) >> 32);
	r.r4_first = acl_be32(c->ci_addr) & m;
	r.r4_last = r.r4_first | ~m;
	return (r);
}

/* The range of an IPv6 prefix; host bits below it are ignored. */
static struct acl_r6
acl_range6(const struct cidr *c)
{
	struct acl_r6 r;
	uint64_t hm, lm;

	hm = acl_mask64(c->ci_bits < 64 ? c->ci_bits : 64);
	lm = acl_mask64(c->ci_bits > 64 ? c->ci_bits - 64u : 0);
	r.r6_first.u_hi = acl_be64(c->ci_addr) & hm;
	r.r6_first.u_lo = acl_be64(c->ci_addr + 8) & lm;
	r.r6_last.u_hi = r.r6_first.u_hi | ~hm;
	r.r6_last.u_lo = r.r6_first.u_lo | ~lm;
	return (r);
}

static int
acl_sort4_cb(const void *a, const void *b)
{
	const struct acl_r4 *x = a, *y = b;

	return ((x->r4_first > y->r4_first) - (x->r4_first < y->r4_first));
}

static int
acl_sort6_cb(const void *a, const void *b)
{
	const struct acl_r6 *x = a, *y = b;

	return (acl_cmp6(&x->r6_first, &y->r6_first));
}

/*
 * Merge the n ranges of r, sorted by start, in place into disjoint ones;
 * returns how many are left.  (Adjacent ranges stay apart: joining them
 * would change no answer.)
 */
static size_t
acl_merge4(struct acl_r4 *r, size_t n)
{
	size_t i, k = 0;

	for (i = 1; i < n; i++) {
		if (r[i].r4_first <= r[k].r4_last) {
			if (r[i].r4_last > r[k].r4_last)
				r[k].r4_last = r[i].r4_last;
		} else
			r[++k] = r[i];
	}
	return (n == 0 ? 0 : k + 1);
}

/* acl_merge4 for IPv6. */
static size_t
acl_merge6(struct acl_r6 *r, size_t n)
{
	size_t i, k = 0;

	for (i = 1; i < n; i++) {
		if (acl_cmp6(&r[i].r6_first, &r[k].r6_last) <= 0) {
			if (acl_cmp6(&r[i].r6_last, &r[k].r6_last) > 0)
				r[k].r6_last = r[i].r6_last;
		} else
			r[++k] = r[i];
	}
	return (n == 0 ? 0 : k + 1);
}

/* Check v[0..n) and count the prefixes of each family. */
static int
acl_check(const struct cidr *v, size_t n, size_t *n4, size_t *n6)
{
	size_t i;

	*n4 = *n6 = 0;
	for (i = 0; i < n; i++) {
		if (v[i].ci_af == AF_INET && v[i].ci_bits <= 32)
			(*n4)++;
		else if (v[i].ci_af == AF_INET6 && v[i].ci_bits <= 128)
			(*n6)++;
		else
			return (EINVAL);
	}
	return (0);
}

/* Shrink p to size bytes if that works; p as it was if not. */
static void *
acl_shrink(void *p, size_t size)
{
	void *q;

	if (size == 0) {
		free(p);
		return (NULL);
	}
	q = realloc(p, size);
	return (q != NULL ? q : p);
}

/* Fill a's tables from v[0..n), sort and merge them. */
static void
acl_fill(struct acl *a, const struct cidr *v, size_t n)
{
	size_t i, n4 = 0, n6 = 0;

	for (i = 0; i < n; i++) {
		if (v[i].ci_af == AF_INET)
			a->a_r4[n4++] = acl_range4(&v[i]);
		else
			a->a_r6[n6++] = acl_range6(&v[i]);
	}
	if (n4 > 0)
		qsort(a->a_r4, n4, sizeof(a->a_r4[0]), acl_sort4_cb);
	if (n6 > 0)
		qsort(a->a_r6, n6, sizeof(a->a_r6[0]), acl_sort6_cb);
	a->a_nr4 = acl_merge4(a->a_r4, n4);
	a->a_nr6 = acl_merge6(a->a_r6, n6);
	a->a_r4 = acl_shrink(a->a_r4, a->a_nr4 * sizeof(a->a_r4[0]));
	a->a_r6 = acl_shrink(a->a_r6, a->a_nr6 * sizeof(a->a_r6[0]));
}

int
acl_build(struct acl **ap, const struct cidr *v, size_t n)
{
	struct acl *a;
	size_t n4, n6;

	if (ap == NULL || (v == NULL && n > 0) ||
	    acl_check(v, n, &n4, &n6) != 0)
		return (EINVAL);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (ENOMEM);
	if ((n4 > 0 && (a->a_r4 = calloc(n4, sizeof(a->a_r4[0]))) == NULL) ||
	    (n6 > 0 && (a->a_r6 = calloc(n6, sizeof(a->a_r6[0]))) == NULL)) {
		acl_free(a);
		return (ENOMEM);
	}
	acl_fill(a, v, n);
	a->a_count = n;
	*ap = a;
	return (0);
}

/* Is x inside one of the n ranges of r? */
static bool
acl_find4(const struct acl_r4 *r, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n, mid;

	/* lo = the number of ranges that start at or below x. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r[mid].r4_first <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo > 0 && x <= r[lo - 1].r4_last);
}

/* acl_find4 for IPv6. */
static bool
acl_find6(const struct acl_r6 *r, size_t n, const struct acl_u128 *x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (acl_cmp6(&r[mid].r6_first, x) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo > 0 && acl_cmp6(x, &r[lo - 1].r6_last) <= 0);
}

/* IPv4 (v4-mapped IPv6 included) against the IPv4 ranges. */
bool
acl_match(const struct acl *a, const struct sa *sa)
{
	struct acl_u128 x;
	uint8_t b[16];

	if (a == NULL || sa == NULL)
		return (false);
	switch (addr_bytes(sa, b)) {
	case 4:
		return (acl_find4(a->a_r4, a->a_nr4, acl_be32(b)));
	case 16:
		x.u_hi = acl_be64(b);
		x.u_lo = acl_be64(b + 8);
		return (acl_find6(a->a_r6, a->a_nr6, &x));
	default:
		return (false);
	}
}

size_t
acl_count(const struct acl *a)
{
	return (a == NULL ? 0 : a->a_count);
}

void
acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->a_r4);
	free(a->a_r6);
	free(a);
}
