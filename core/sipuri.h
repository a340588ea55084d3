/*
 * SIP URI comparison (RFC 3261 section 19.1.4), for the digest "uri"
 * parameter against the Request-URI: phones that differ only in case or
 * escaping are equal, as the RFC says.
 *
 *   scheme and host: case-insensitive; user and password: case-sensitive,
 *   after %XX unescaping; port: both absent or the same number; the
 *   parameters user, ttl, method, maddr, transport: present in both with
 *   equal values (case-insensitive, unescaped) or in neither; any other
 *   parameter: equal when present in both; headers: equal after unescaping
 *   (in the same order: a simplification of the RFC's any-order rule).
 * A URI that is not sip: or sips: is compared byte for byte.
 */
#ifndef SW_CORE_SIPURI_H
#define SW_CORE_SIPURI_H

#include <stdbool.h>

struct pl;

bool sipuri_equal(const struct pl *a, const struct pl *b);

#endif
