/*
 * Hex: written in lower case (digests, log escapes, tags), read in either
 * case or, where a file format says so, in lower case only.
 */
#ifndef SW_CORE_HEX_H
#define SW_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

enum hex_case {
	HEX_ANYCASE, /* 0-9, a-f, A-F */
	HEX_LOWER,   /* 0-9, a-f; A-F is its own error */
};

/* Lower-case hex of n bytes: writes 2n characters and a NUL, returns 2n. */
size_t hex_encode(const uint8_t *in, size_t n, char *out);
/* The value of the hex digit c, either case; -1 if c is none. */
int hex_digit(int c);
/*
 * Decode len characters into len / 2 bytes at out (size at least that).
 * 0; EBADMSG for an odd len or a byte that is no hex digit; EILSEQ under
 * HEX_LOWER for an upper-case digit (pair by pair, a pair with one is
 * EILSEQ whatever its other byte); EMSGSIZE when size is too small (then
 * nothing is written).  Bytes before a bad pair may have been written.
 */
int hex_decode(const char *in, size_t len, uint8_t *out, size_t size,
    enum hex_case hc);

#endif
