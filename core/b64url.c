/*
 * base64url without padding, and the decoder's options; see b64url.h.
 */
#include "core/b64url.h"

static const char b64url_abc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
b64url_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url_abc[v >> 18];
		out[o++] = b64url_abc[(v >> 12) & 63];
		out[o++] = b64url_abc[(v >> 6) & 63];
		out[o++] = b64url_abc[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_abc[v >> 18];
		out[o++] = b64url_abc[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_abc[v >> 18];
		out[o++] = b64url_abc[(v >> 12) & 63];
		out[o++] = b64url_abc[(v >> 6) & 63];
	}
	out[o] = '\0';
	return (o);
}

/*
 * The decoder's table: the value of each byte, with B64_URLONLY or
 * B64_STDONLY for the two characters of each alphabet that the other
 * lacks, or B64_NONE.  Made at compile time from one expression, so the
 * table cannot disagree with the alphabets (the unit tests also check
 * every byte).
 */
#define B64_URLONLY 0x040
#define B64_STDONLY 0x080
#define B64_NONE    0x100
#define B64V(c)                                                                \
	((c) >= 'A' && (c) <= 'Z'        ? (c) - 'A' :                         \
		(c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 :                    \
		(c) >= '0' && (c) <= '9' ? (c) - '0' + 52 :                    \
		(c) == '-'               ? 62 | B64_URLONLY :                  \
		(c) == '_'               ? 63 | B64_URLONLY :                  \
		(c) == '+'               ? 62 | B64_STDONLY :                  \
		(c) == '/'               ? 63 | B64_STDONLY :                  \
					   B64_NONE)
#define B64R4(i)  B64V(i), B64V((i) + 1), B64V((i) + 2), B64V((i) + 3)
#define B64R16(i) B64R4(i), B64R4((i) + 4), B64R4((i) + 8), B64R4((i) + 12)
#define B64R64(i)                                                              \
	B64R16(i), B64R16((i) + 16), B64R16((i) + 32), B64R16((i) + 48)

static const uint16_t b64url_tab[256] = { B64R64(0), B64R64(64), B64R64(128),
	B64R64(192) };

/* len without its padding; (size_t)-1 when padding is refused or wrong. */
static size_t
b64url_unpad(const char *in, size_t len, unsigned flags)
{
	size_t npad = 0;

	if (!(flags & B64URL_PAD))
		return (len);
	while (npad < 2 && len > 0 && in[len - 1] == '=') {
		len--;
		npad++;
	}
	if (npad > 0 && (len + npad) % 4 != 0)
		return ((size_t)-1);
	return (len);
}

size_t
b64url_decode_as(const char *in, size_t len, uint8_t *out, size_t size,
    unsigned flags)
{
	const uint8_t *u = (const uint8_t *)in;
	unsigned bad = B64_NONE | (flags & B64URL_URL ? 0 : B64_URLONLY) |
	    (flags & B64URL_STD ? 0 : B64_STDONLY);
	unsigned a, b, c, d;
	size_t i, o = 0, need;
	uint32_t v;

	if ((len = b64url_unpad(in, len, flags)) == (size_t)-1 || len % 4 == 1)
		return (0);
	need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > size)
		return (0);
	/* Four characters, three bytes at a time. */
	for (i = 0; i + 4 <= len; i += 4) {
		a = b64url_tab[u[i]];
		b = b64url_tab[u[i + 1]];
		c = b64url_tab[u[i + 2]];
		d = b64url_tab[u[i + 3]];
		if ((a | b | c | d) & bad)
			return (0);
		v = (a & 63) << 18 | (b & 63) << 12 | (c & 63) << 6 | (d & 63);
		out[o++] = (uint8_t)(v >> 16);
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)v;
	}
	if (i == len)
		return (o);
	/* Two or three left: one or two bytes, and bits that must be 0. */
	a = b64url_tab[u[i]];
	b = b64url_tab[u[i + 1]];
	c = len - i == 3 ? b64url_tab[u[i + 2]] : 0;
	if ((a | b | c) & bad)
		return (0);
	v = (a & 63) << 18 | (b & 63) << 12 | (c & 63) << 6;
	out[o++] = (uint8_t)(v >> 16);
	if (len - i == 3)
		out[o++] = (uint8_t)(v >> 8);
	/* Unused low bits must be zero: one encoding per value. */
	if (!(flags & B64URL_LOOSE) &&
	    (v & (len - i == 3 ? 0x00c0u : 0xf000u)) != 0)
		return (0);
	return (o);
}

size_t
b64url_decode(const char *in, size_t len, uint8_t *out, size_t size)
{
	return (b64url_decode_as(in, len, out, size, B64URL_URL));
}
