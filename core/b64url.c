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

/* The value of c in the alphabets of flags, -1 if it is in none. */
static int
b64url_val(char c, unsigned flags)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if ((flags & B64URL_URL) && (c == '-' || c == '_'))
		return (c == '-' ? 62 : 63);
	if ((flags & B64URL_STD) && (c == '+' || c == '/'))
		return (c == '+' ? 62 : 63);
	return (-1);
}

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
	size_t i, o = 0, need;
	uint32_t acc = 0;
	int bits = 0, d;

	if ((len = b64url_unpad(in, len, flags)) == (size_t)-1 || len % 4 == 1)
		return (0);
	need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > size)
		return (0);
	for (i = 0; i < len; i++) {
		if ((d = b64url_val(in[i], flags)) < 0)
			return (0);
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Unused low bits must be zero: one encoding per value. */
	if (!(flags & B64URL_LOOSE) && (acc & ((1u << bits) - 1)) != 0)
		return (0);
	return (o);
}

size_t
b64url_decode(const char *in, size_t len, uint8_t *out, size_t size)
{
	return (b64url_decode_as(in, len, out, size, B64URL_URL));
}
