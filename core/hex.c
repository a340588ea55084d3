/*
 * Hex encoding and decoding; see hex.h.
 */
#include <errno.h>
#include <stdbool.h>

#include "core/hex.h"

static const char hex_lower[] = "0123456789abcdef";

size_t
hex_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 15];
	}
	out[2 * n] = '\0';
	return (2 * n);
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

static bool
hex_isupper(int c)
{
	return (c >= 'A' && c <= 'F');
}

int
hex_decode(const char *in, size_t len, uint8_t *out, size_t size,
    enum hex_case hc)
{
	size_t i;
	int hi, lo;

	if (len % 2 != 0)
		return (EBADMSG);
	if (len / 2 > size)
		return (EMSGSIZE);
	for (i = 0; i < len; i += 2) {
		hi = (unsigned char)in[i];
		lo = (unsigned char)in[i + 1];
		if (hc == HEX_LOWER && (hex_isupper(hi) || hex_isupper(lo)))
			return (EILSEQ);
		if ((hi = hex_digit(hi)) < 0 || (lo = hex_digit(lo)) < 0)
			return (EBADMSG);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}
