/*
 * base64url without padding (RFC 4648 section 5): the alphabet of every
 * token sipwarden writes into SIP (nonces, branches, flow tokens), since
 * '-' and '_' are token characters and unreserved in URIs.  Files people
 * write (secret_file) may use either alphabet and padding: the decoder
 * takes them as options.
 */
#ifndef SW_CORE_B64URL_H
#define SW_CORE_B64URL_H

#include <stddef.h>
#include <stdint.h>

#define B64URL_LEN(n) (((n)*4 + 2) / 3)

/* What b64url_decode_as() accepts; B64URL_URL alone is b64url_decode(). */
#define B64URL_URL   0x01 /* '-' and '_' as 62 and 63 (section 5) */
#define B64URL_STD   0x02 /* '+' and '/' (section 4); with URL: either */
#define B64URL_PAD   0x04 /* one or two '=' making a multiple of four */
#define B64URL_LOOSE 0x08 /* the last character's unused bits may be set */

/* Encode n bytes; writes B64URL_LEN(n) characters and a NUL. */
size_t b64url_encode(const uint8_t *in, size_t n, char *out);
/*
 * Decode len characters into at most size bytes.  Returns the byte count,
 * or 0 for a bad character, an impossible length, too small a buffer, or
 * unused bits set (one text per value).
 */
size_t b64url_decode(const char *in, size_t len, uint8_t *out, size_t size);
/* The same with the alphabets and leniencies of flags (B64URL_*). */
size_t b64url_decode_as(const char *in, size_t len, uint8_t *out, size_t size,
    unsigned flags);

#endif
