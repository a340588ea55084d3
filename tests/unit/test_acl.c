/*
 * auth/acl.c: exact cases, then acl_match() against addr_cidr_match() over
 * every entry (the reference) for random lists and addresses.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "auth/acl.h"
#include "core/addr.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define NLIST    32     /* prefixes in a case of the table */
#define NBIG     100000 /* prefixes of the big list */
#define NDIFF    10     /* differential rounds */
#define NADDR    20000  /* addresses per round: 200 000 in all */
#define NDIFFMAX 1000   /* the longest list of a round */
#define NPROBES  1000   /* addresses checked against all of the big list */

/* Parse the space-separated prefixes of s into v; returns how many. */
static size_t
parse_list(const char *s, struct cidr *v)
{
	size_t n = 0, len;

	while (*s != '\0') {
		len = strcspn(s, " ");
		ck_assert_uint_lt(n, NLIST);
		ck_assert_msg(addr_parse_cidr(s, len, &v[n]) == 0, "bad %.*s",
		    (int)len, s);
		n++;
		s += len;
		s += strspn(s, " ");
	}
	return (n);
}

/* Does any of v[0..n) hold sa?  The reference. */
static bool
ref_match(const struct cidr *v, size_t n, const struct sa *sa)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (addr_cidr_match(&v[i], sa))
			return (true);
	}
	return (false);
}

/* Every address of the space-separated list s is (or is not) in a. */
static void
assert_addrs(const struct acl *a, const struct cidr *v, size_t n, const char *s,
    bool want)
{
	char ip[64];
	struct sa sa;
	size_t len;

	for (s += strspn(s, " "); *s != '\0'; s += strspn(s, " ")) {
		len = strcspn(s, " ");
		ck_assert_uint_lt(len, sizeof(ip));
		memcpy(ip, s, len);
		ip[len] = '\0';
		s += len;
		tu_set_sa(&sa, ip, 5060);
		ck_assert_msg(acl_match(a, &sa) == want, "%s: got %d", ip,
		    !want);
		ck_assert_msg(ref_match(v, n, &sa) == want,
		    "%s: addr_cidr_match disagrees with the table", ip);
	}
}

static const struct {
	const char *list; /* prefixes */
	const char *in;   /* addresses inside */
	const char *out;  /* addresses outside */
} cases[] = {
	/* /0 of each family, v4-mapped sources as IPv4 only. */
	{ "0.0.0.0/0",
	    "0.0.0.0 255.255.255.255 1.2.3.4 ::ffff:1.2.3.4 ::ffff:0.0.0.0 "
	    "::ffff:255.255.255.255",
	    ":: ::1 2001:db8::1 ::1.2.3.4 ::fffe:1.2.3.4 64:ff9b::1.2.3.4 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::/0",
	    ":: ::1 2001:db8::1 ::1.2.3.4 ::fffe:1.2.3.4 1::ffff:1.2.3.4 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "0.0.0.0 1.2.3.4 255.255.255.255 ::ffff:1.2.3.4 ::ffff:0.0.0.0" },
	{ "::/0 0.0.0.0/0", "0.0.0.0 255.255.255.255 ::ffff:1.2.3.4 :: ::1",
	    "" },
	/* Single addresses, and the ends of each space. */
	{ "192.0.2.7/32", "192.0.2.7 ::ffff:192.0.2.7",
	    "192.0.2.6 192.0.2.8 ::192.0.2.7 ::ffff:192.0.2.6 "
	    "::fffe:192.0.2.7" },
	{ "192.0.2.7", "192.0.2.7", "192.0.2.6 192.0.2.8" },
	{ "255.255.255.255/32 0.0.0.0/32", "255.255.255.255 0.0.0.0",
	    "255.255.255.254 0.0.0.1 :: ::ffff:0.0.0.1" },
	{ "2001:db8::7/128", "2001:db8::7",
	    "2001:db8::6 2001:db8::8 2001:db8::7:0 2001:db8:0:1::7" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 ::/128",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ::",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe ::1 0.0.0.0" },
	/* Adjacent prefixes join; order does not matter. */
	{ "10.0.0.128/25 10.0.0.0/25",
	    "10.0.0.0 10.0.0.127 10.0.0.128 10.0.0.255 ::ffff:10.0.0.200",
	    "9.255.255.255 10.0.1.0 ::a00:1" },
	{ "2001:db8::/64 2001:db8:0:1::/64",
	    "2001:db8:: 2001:db8::ffff:ffff:ffff:ffff 2001:db8:0:1:: "
	    "2001:db8:0:1:ffff:ffff:ffff:ffff",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff 2001:db8:0:2::" },
	/* Adjacent across the carry from the low to the high 64 bits. */
	{ "0:0:0:1::/128 ::ffff:ffff:ffff:ffff/128",
	    "0:0:0:1:: ::ffff:ffff:ffff:ffff",
	    "0:0:0:1::1 ::ffff:ffff:ffff:fffe" },
	/* A gap of one address is kept. */
	{ "10.0.0.0/31 10.0.0.3/32", "10.0.0.0 10.0.0.1 10.0.0.3",
	    "10.0.0.2 10.0.0.4" },
	{ "2001:db8::/127 2001:db8::3/128",
	    "2001:db8:: 2001:db8::1 2001:db8::3", "2001:db8::2 2001:db8::4" },
	/* Nested: an inner prefix never shortens the outer one. */
	{ "10.0.0.0/8 10.1.2.0/24 10.1.2.3/32",
	    "10.0.0.0 10.1.2.3 10.1.3.0 10.255.255.255",
	    "9.255.255.255 11.0.0.0" },
	{ "10.0.0.0/16 10.0.0.0/24 10.0.1.0/24 10.2.0.0/16",
	    "10.0.0.0 10.0.255.255 10.2.0.0 10.2.255.255",
	    "10.1.0.0 10.1.255.255 10.3.0.0" },
	{ "2001:db8::/32 2001:db8:1::/48 2001:db8::1/128 2001:db9::/48",
	    "2001:db8:: 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff 2001:db9::1",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff 2001:db9:1::" },
	/* Duplicates. */
	{ "192.0.2.0/24 192.0.2.0/24 192.0.2.0/24", "192.0.2.0 192.0.2.255",
	    "192.0.3.0 192.0.1.255" },
	{ "2001:db8::/33 2001:db8::/33",
	    "2001:db8:: 2001:db8:7fff::", "2001:db8:8000::" },
	/* Host bits in the text are cleared. */
	{ "10.1.2.3/8 2001:db8::1/64",
	    "10.0.0.0 10.255.255.255 2001:db8::", "11.0.0.0 2001:db8:0:1::" },
	/* A v4-mapped prefix is the IPv4 prefix it carries. */
	{ "::ffff:10.0.0.0/104", "10.1.1.1 ::ffff:10.1.1.1",
	    "11.0.0.0 ::ffff:11.0.0.0 ::a01:101" },
	/* IPv6 prefixes never hold v4-mapped sources. */
	{ "::/64 ::/96", "::1 ::1.2.3.4 ::fffe:1.2.3.4",
	    "::ffff:1.2.3.4 1.2.3.4 0:0:0:1::" },
	/* The same bytes in the other family. */
	{ "10.0.0.0/8", "10.0.0.1", "a00::1 a00:: ::10.0.0.1" },
	{ "a00::/8", "a00::1 aff:ffff::", "10.0.0.1 ::ffff:10.0.0.1" },
	/* Every prefix length of one family. */
	{ "128.0.0.0/1 64.0.0.0/2 32.0.0.0/3 16.0.0.0/4 8.0.0.0/5 4.0.0.0/6",
	    "255.255.255.255 128.0.0.0 64.0.0.0 4.0.0.0 7.255.255.255",
	    "3.255.255.255 0.0.0.0" },
};

START_TEST(test_acl_match_cases)
{
	struct cidr v[NLIST];
	struct acl *a = NULL;
	size_t n;

	n = parse_list(cases[_i].list, v);
	ck_assert_int_eq(acl_build(&a, v, n), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(acl_count(a), n);
	assert_addrs(a, v, n, cases[_i].in, true);
	assert_addrs(a, v, n, cases[_i].out, false);
	acl_free(a);
}
END_TEST

/* Host bits set in a struct cidr built by hand are ignored, as ever. */
START_TEST(test_acl_match_host_bits)
{
	struct cidr v[3];
	struct acl *a = NULL;

	memset(v, 0, sizeof(v));
	v[0].ci_af = AF_INET;
	v[0].ci_bits = 12;
	memcpy(v[0].ci_addr, "\x0a\x1f\xff\xff", 4); /* 10.16.0.0/12 */
	v[1].ci_af = AF_INET6;
	v[1].ci_bits = 65;
	memset(v[1].ci_addr, 0xff, 16); /* ffff:..:ffff:8000::/65 */
	v[2].ci_af = AF_INET;
	v[2].ci_bits = 0;
	memcpy(v[2].ci_addr, "\xff\xff\xff\xff", 4); /* 0.0.0.0/0 */
	ck_assert_int_eq(acl_build(&a, v, 2), 0);
	assert_addrs(a, v, 2, "10.16.0.0 10.31.255.255 ::ffff:10.20.0.0", true);
	assert_addrs(a, v, 2, "10.15.255.255 10.32.0.0 ::ffff:10.32.0.0",
	    false);
	assert_addrs(a, v, 2,
	    "ffff:ffff:ffff:ffff:8000:: ffff:ffff:ffff:ffff:"
	    "ffff:ffff:ffff:ffff",
	    true);
	assert_addrs(a, v, 2, "ffff:ffff:ffff:ffff:7fff:ffff:ffff:ffff", false);
	acl_free(a);
	a = NULL;
	ck_assert_int_eq(acl_build(&a, v, 3), 0);
	assert_addrs(a, v, 3, "0.0.0.0 9.9.9.9 ::ffff:9.9.9.9", true);
	acl_free(a);
}
END_TEST

/*
 * A v4-mapped IPv6 prefix built by hand (addr_parse_cidr never yields one)
 * stays IPv6 and, like addr_cidr_match, holds no v4-mapped source.
 */
START_TEST(test_acl_match_mapped_prefix)
{
	struct cidr v;
	struct acl *a = NULL;

	memset(&v, 0, sizeof(v));
	v.ci_af = AF_INET6;
	v.ci_bits = 96;
	v.ci_addr[10] = v.ci_addr[11] = 0xff;
	ck_assert_int_eq(acl_build(&a, &v, 1), 0);
	assert_addrs(a, &v, 1, "::ffff:1.2.3.4 1.2.3.4 ::fffe:1.2.3.4", false);
	acl_free(a);
}
END_TEST

START_TEST(test_acl_match_empty)
{
	struct cidr v;
	struct acl *a = NULL;
	struct sa sa;

	ck_assert_int_eq(acl_build(&a, NULL, 0), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(acl_count(a), 0);
	assert_addrs(a, NULL, 0, "0.0.0.0 1.2.3.4 :: ::1 ::ffff:1.2.3.4",
	    false);
	acl_free(a);
	a = NULL;
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(acl_build(&a, &v, 0), 0);
	ck_assert_uint_eq(acl_count(a), 0);
	tu_set_sa(&sa, "1.2.3.4", 5060);
	ck_assert(!acl_match(a, &sa));
	acl_free(a);
}
END_TEST

START_TEST(test_acl_match_null)
{
	struct cidr v;
	struct acl *a = NULL;
	struct sa sa;

	ck_assert_int_eq(addr_parse_cidr("0.0.0.0/0", 9, &v), 0);
	ck_assert_int_eq(acl_build(&a, &v, 1), 0);
	tu_set_sa(&sa, "1.2.3.4", 5060);
	ck_assert(acl_match(a, &sa));
	ck_assert(!acl_match(NULL, &sa));
	ck_assert(!acl_match(a, NULL));
	sa_init(&sa, AF_UNSPEC);
	ck_assert(!acl_match(a, &sa));
	ck_assert_uint_eq(acl_count(NULL), 0);
	acl_free(a);
	acl_free(NULL);
}
END_TEST

START_TEST(test_acl_build_bad)
{
	struct acl *a = NULL, *keep = (struct acl *)&a;
	struct cidr v[2];

	memset(v, 0, sizeof(v));
	v[0].ci_af = AF_INET;
	v[0].ci_bits = 8;
	v[1].ci_af = AF_INET6;
	v[1].ci_bits = 128;
	ck_assert_int_eq(acl_build(NULL, v, 2), EINVAL);
	a = keep;
	ck_assert_int_eq(acl_build(&a, NULL, 1), EINVAL);
	v[0].ci_bits = 33;
	ck_assert_int_eq(acl_build(&a, v, 2), EINVAL);
	v[0].ci_bits = 32;
	v[1].ci_bits = 129;
	ck_assert_int_eq(acl_build(&a, v, 2), EINVAL);
	v[1].ci_bits = 0;
	v[1].ci_af = AF_UNSPEC;
	ck_assert_int_eq(acl_build(&a, v, 2), EINVAL);
	v[1].ci_af = AF_UNIX;
	ck_assert_int_eq(acl_build(&a, v, 2), EINVAL);
	ck_assert_ptr_eq(a, keep);
	a = NULL;
	ck_assert_int_eq(acl_build(&a, v, 1), 0);
	ck_assert_uint_eq(acl_count(a), 1);
	acl_free(a);
}
END_TEST

/* A random number below n (n > 0). */
static unsigned
rnd_below(uint64_t *s, unsigned n)
{
	return ((unsigned)(tu_rand(s) >> 32) % n);
}

/* len random bytes into p. */
static void
rnd_bytes(uint64_t *s, uint8_t *p, size_t len)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = tu_rand(s);
		p[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
}

/* Bytes of an address of family af. */
static size_t
af_len(int af)
{
	return (af == AF_INET ? 4 : 16);
}

/* a with the bits below the first bits cleared (set when ones). */
static void
fill_host(uint8_t *a, size_t alen, unsigned bits, bool ones)
{
	uint8_t m;
	size_t i;

	for (i = 0; i < alen; i++, bits = bits >= 8 ? bits - 8 : 0) {
		m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		a[i] = ones ? a[i] | (uint8_t)~m : a[i] & m;
	}
}

/* a plus one (delta 1) or minus one (delta -1), wrapping. */
static void
step(uint8_t *a, size_t alen, int delta)
{
	size_t i = alen;

	while (i-- > 0) {
		a[i] = (uint8_t)(a[i] + delta);
		if (a[i] != (delta > 0 ? 0x00 : 0xff))
			break;
	}
}

/*
 * A random prefix length for af: IPv4 /16 to /32, IPv6 /32 to /128, so that
 * a list leaves gaps; 1 in shortk (never if 0) is shorter, down to /0.
 */
static unsigned
rnd_bits(uint64_t *s, int af, unsigned shortk)
{
	bool sh = shortk > 0 && rnd_below(s, shortk) == 0;

	if (af == AF_INET)
		return (sh ? rnd_below(s, 16) : 16 + rnd_below(s, 17));
	return (sh ? rnd_below(s, 32) : 32 + rnd_below(s, 97));
}

/* The first bits of net, the rest from a; alen bytes. */
static void
mix(uint8_t *a, const uint8_t *net, size_t alen, unsigned bits)
{
	uint8_t m;
	size_t i;

	for (i = 0; i < alen; i++, bits = bits >= 8 ? bits - 8 : 0) {
		m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		a[i] = (uint8_t)((net[i] & m) | (a[i] & ~m));
	}
}

/* Change c, a copy of an earlier prefix, as r says. */
static void
rnd_derive(uint64_t *s, struct cidr *c, unsigned r)
{
	size_t alen = af_len(c->ci_af);
	unsigned max = (unsigned)alen * 8, up;

	if (r == 6 && c->ci_bits < max) /* nested */
		c->ci_bits =
		    (uint8_t)(c->ci_bits + 1 + rnd_below(s, max - c->ci_bits));
	else if (r == 7 && c->ci_bits > 0) /* wider, by up to 8 bits */
		c->ci_bits = (uint8_t)(c->ci_bits - 1 -
		    rnd_below(s, c->ci_bits < 8 ? c->ci_bits : 8));
	else if (r == 8 && c->ci_bits > 0) { /* the next or previous one */
		up = rnd_below(s, 2);
		fill_host(c->ci_addr, alen, c->ci_bits, up);
		step(c->ci_addr, alen, up ? 1 : -1);
	} else if (r == 9) /* host bits set (or, past /24, a neighbour) */
		rnd_bytes(s, c->ci_addr + alen - 1, 1);
	if (r != 9)
		fill_host(c->ci_addr, alen, c->ci_bits, false);
}

/*
 * The i-th random prefix of v: fresh, or made from an earlier one
 * (duplicate, nested, wider, adjacent, host bits set).  Half the prefixes
 * are fresh, so shortk n / 2 gives a list of n about one short prefix.
 */
static void
rnd_cidr(uint64_t *s, struct cidr *v, size_t i, unsigned shortk)
{
	struct cidr *c = &v[i];
	unsigned r = rnd_below(s, 10);

	if (i > 0 && r >= 5) {
		*c = v[rnd_below(s, (unsigned)i)];
		rnd_derive(s, c, r);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->ci_af = rnd_below(s, 2) ? AF_INET : AF_INET6;
	c->ci_bits = (uint8_t)rnd_bits(s, c->ci_af, shortk);
	rnd_bytes(s, c->ci_addr, af_len(c->ci_af));
	fill_host(c->ci_addr, af_len(c->ci_af), c->ci_bits, false);
}

/* sa from af and the bytes a; IPv4 sometimes as v4-mapped IPv6. */
static void
make_sa(struct sa *sa, int af, const uint8_t *a, bool mapped)
{
	uint8_t m[16] = { [10] = 0xff, [11] = 0xff };

	if (af == AF_INET6) {
		sa_set_in6(sa, a, 5060);
		return;
	}
	if (mapped) {
		memcpy(m + 12, a, 4);
		sa_set_in6(sa, m, 5060);
		return;
	}
	sa_set_in(sa,
	    (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
		a[3],
	    5060);
}

/*
 * A random source for the list v[0..n): anywhere, inside a prefix, at one
 * of its ends, or just outside it.
 */
static void
rnd_sa(uint64_t *s, const struct cidr *v, size_t n, struct sa *sa)
{
	unsigned r = rnd_below(s, 10);
	const struct cidr *c;
	uint8_t a[16];
	int af;

	rnd_bytes(s, a, sizeof(a));
	if (n == 0 || r < 3) {
		af = rnd_below(s, 2) ? AF_INET : AF_INET6;
		if (r == 0 && af == AF_INET6) /* ::ffff:0:0/96 as IPv6 */
			memcpy(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		make_sa(sa, af, a, rnd_below(s, 3) == 0);
		return;
	}
	c = &v[rnd_below(s, (unsigned)n)];
	af = c->ci_af;
	if (r < 6) { /* inside */
		mix(a, c->ci_addr, af_len(af), c->ci_bits);
		make_sa(sa, af, a, rnd_below(s, 3) == 0);
		return;
	}
	/* The last (r 6, 8) or first (r 7, 9) address; r 8, 9 step out. */
	memcpy(a, c->ci_addr, af_len(af));
	fill_host(a, af_len(af), c->ci_bits, r % 2 == 0);
	if (r >= 8)
		step(a, af_len(af), r == 8 ? 1 : -1);
	make_sa(sa, af, a, rnd_below(s, 3) == 0);
}

/* List sizes of the differential rounds. */
static const size_t diff_sizes[NDIFF] = { 1, 2, 3, 8, 30, 100, 300, NDIFFMAX,
	NDIFFMAX, NDIFFMAX };

/* NADDR random sources: acl_match agrees with addr_cidr_match on each. */
START_TEST(test_acl_match_differential)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(_i + 1);
	size_t i, n = diff_sizes[_i], bad = 0, hits = 0;
	struct cidr v[NDIFFMAX];
	struct acl *a = NULL;
	struct sa sa;
	bool want;

	for (i = 0; i < n; i++)
		rnd_cidr(&seed, v, i, (unsigned)n / 2 + 2);
	ck_assert_int_eq(acl_build(&a, v, n), 0);
	ck_assert_uint_eq(acl_count(a), n);
	/* Plain checks in the loop: each ck_assert costs a write to a pipe. */
	for (i = 0; i < NADDR; i++) {
		rnd_sa(&seed, v, n, &sa);
		want = ref_match(v, n, &sa);
		hits += want;
		bad += acl_match(a, &sa) != want;
	}
	ck_assert_msg(bad == 0, "%zu of %d sources wrong", bad, NADDR);
	/* Both answers occur often enough to mean something. */
	ck_assert_uint_gt(hits, NADDR / 10);
	ck_assert_uint_lt(hits, NADDR - NADDR / 10);
	acl_free(a);
}
END_TEST

/*
 * NBIG prefixes build well under a second (valgrind: ~20 times slower);
 * each prefix holds its own ends and a random inner address; and random
 * sources agree with addr_cidr_match over the whole list.
 */
START_TEST(test_acl_build_big)
{
	uint64_t seed = 42;
	size_t i, bad = 0, hits = 0;
	struct timespec t0;
	struct acl *a = NULL;
	struct cidr *v;
	struct sa sa;
	uint8_t b[16];
	double secs;
	bool want;

	ck_assert_ptr_nonnull(v = calloc(NBIG, sizeof(*v)));
	for (i = 0; i < NBIG; i++)
		rnd_cidr(&seed, v, i, 0);
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	ck_assert_int_eq(acl_build(&a, v, NBIG), 0);
	secs = tu_seconds_since(&t0);
	ck_assert_msg(secs < (tu_valgrind() ? 20.0 : 1.0),
	    "building %d prefixes took %.3f s", NBIG, secs);
	ck_assert_uint_eq(acl_count(a), NBIG);
	for (i = 0; i < NBIG; i++) {
		memcpy(b, v[i].ci_addr, sizeof(b));
		make_sa(&sa, v[i].ci_af, b, i % 2);
		bad += !acl_match(a, &sa);
		fill_host(b, af_len(v[i].ci_af), v[i].ci_bits, true);
		make_sa(&sa, v[i].ci_af, b, i % 3);
		bad += !acl_match(a, &sa);
		rnd_bytes(&seed, b, sizeof(b));
		mix(b, v[i].ci_addr, af_len(v[i].ci_af), v[i].ci_bits);
		make_sa(&sa, v[i].ci_af, b, false);
		bad += !acl_match(a, &sa);
	}
	ck_assert_msg(bad == 0, "%zu addresses of the prefixes missed", bad);
	for (i = 0; i < NPROBES; i++) {
		rnd_sa(&seed, v, NBIG, &sa);
		want = ref_match(v, NBIG, &sa);
		hits += want;
		bad += acl_match(a, &sa) != want;
	}
	ck_assert_msg(bad == 0, "%zu of %d sources wrong", bad, NPROBES);
	ck_assert_uint_gt(hits, 0);
	ck_assert_uint_lt(hits, NPROBES);
	acl_free(a);
	free(v);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("acl");
	tc = tcase_create("acl");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_acl_match_cases, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_acl_match_host_bits);
	tcase_add_test(tc, test_acl_match_mapped_prefix);
	tcase_add_test(tc, test_acl_match_empty);
	tcase_add_test(tc, test_acl_match_null);
	tcase_add_test(tc, test_acl_build_bad);
	tcase_add_loop_test(tc, test_acl_match_differential, 0, NDIFF);
	tcase_add_test(tc, test_acl_build_big);
	suite_add_tcase(s, tc);
	return (s);
}
