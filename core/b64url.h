/*
 * base64url without padding (RFC 4648 section 5): the alphabet of every
 * token sipwarden writes into SIP (nonces, branches, flow tokens), since
 * '-' and '_' are token characters and unreserved in URIs.
 */
#ifndef SW_CORE_B64URL_H
#define SW_CORE_B64URL_H

#include <stddef.h>
#include <stdint.h>

#define B64URL_LEN(n) (((n)*4 + 2) / 3)

/* Encode n bytes; writes B64URL_LEN(n) characters and a NUL. */
size_t b64url_encode(const uint8_t *in, size_t n, char *out);
/*
 * Decode len characters into at most size bytes.  Returns the byte count,
 * or 0 for a bad character, an impossible length or too small a buffer.
 */
size_t b64url_decode(const char *in, size_t len, uint8_t *out, size_t size);

#endif
