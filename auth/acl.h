/*
 * Address sets for "allow" and "trust" (SPEC section 2): is a source
 * address inside any of a list of CIDR prefixes?  Answered in O(log n),
 * so a list of 100 000 prefixes costs about what a list of 100 does.
 *
 * Structure: per address family, each prefix becomes the address range
 * [first, last] it covers (host bits ignored, as addr_cidr_match does);
 * the ranges are sorted by start and overlapping ones (nested, duplicate)
 * merged, leaving one sorted array of disjoint ranges.  IPv4 ranges are
 * uint32_t pairs; IPv6 ranges pairs of 128-bit values kept as two
 * uint64_t (high, low).  A lookup is one binary search for the last range
 * starting at or below the address, then one compare with its end.
 * (Tables per prefix length would need up to 33 or 129 searches.)
 *
 * Cost: building is O(n log n), one qsort per family, and keeps at most
 * 8 bytes per IPv4 prefix and 32 per IPv6 prefix (less once merged).  A
 * lookup takes O(log r) steps for the r merged ranges of its family, at
 * most 17 for 100 000 and 20 for 1 000 000; no allocation, no lock.
 *
 * A v4-mapped IPv6 source (::ffff:a.b.c.d, from a dual-stack socket) is
 * looked up as the IPv4 address it carries, against IPv4 prefixes only;
 * any other IPv6 source against IPv6 prefixes only (addr_cidr_match rules).
 *
 * A struct acl is immutable once acl_build() returns it: any number of
 * threads may call acl_match() on it at once.  Plain malloc/free, no libre
 * mem objects.  Needs <re.h> (struct sa) for acl_match() callers.
 */
#ifndef SW_AUTH_ACL_H
#define SW_AUTH_ACL_H

#include <stdbool.h>
#include <stddef.h>

struct sa;
struct cidr;

struct acl;

/*
 * Build the set of the n prefixes v[0..n) (n may be 0: an empty set).
 * Returns 0 and *ap, or EINVAL (ap NULL, v NULL with n > 0, a family other
 * than AF_INET/AF_INET6, more bits than the family has) or ENOMEM; *ap is
 * untouched on error.
 */
int acl_build(struct acl **ap, const struct cidr *v, size_t n);
/* Is sa inside any prefix?  false for a NULL or empty set or unset sa. */
bool acl_match(const struct acl *a, const struct sa *sa);
/* How many prefixes the set was built from (n), 0 for NULL. */
size_t acl_count(const struct acl *a);
void acl_free(struct acl *a);

#endif
