/*
 * libFuzzer target: core/b64url.c.  The input is decoded as text and
 * compared with a bit-by-bit reference decoder (same verdict, same bytes,
 * and a decoded text re-encodes to itself: one text per value); then it
 * is encoded as bytes and must decode back.  Buffers are malloc'ed at
 * their exact size so that ASan sees any write past them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "tests/fuzz/fz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAXTEXT 4096

static const char fz_abc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
fz_fail(const char *what)
{
	(void)fprintf(stderr, "fuzz_b64url: %s\n", what);
	abort();
}

/* Reference: false for anything that is not canonical base64url. */
static bool
fz_ref_decode(const char *in, size_t len, uint8_t *out, size_t *n)
{
	uint32_t bits = 0, nbits = 0;
	const char *c;
	size_t i;

	*n = 0;
	if (len % 4 == 1)
		return (false);
	for (i = 0; i < len; i++) {
		if (in[i] == '\0' || (c = strchr(fz_abc, in[i])) == NULL)
			return (false);
		bits = (bits << 6 | (uint32_t)(c - fz_abc)) & 0xffff;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[(*n)++] = (uint8_t)(bits >> nbits);
		}
	}
	return ((bits & ((1u << nbits) - 1)) == 0);
}

/* The input as base64url text. */
static void
fz_decode(const char *text, size_t len)
{
	size_t need = len / 4 * 3 + (len % 4 > 1 ? len % 4 - 1 : 0);
	uint8_t *out = fz_alloc(need), *ref = fz_alloc(need + 1);
	char *again;
	size_t n, rn;
	bool ok;

	ok = fz_ref_decode(text, len, ref, &rn);
	n = b64url_decode(text, len, out, need);
	if (!ok && n != 0)
		fz_fail("accepted what the reference refuses");
	if (ok && (n != rn || memcmp(out, ref, n) != 0))
		fz_fail("decoded differently from the reference");
	if (ok && n > 0) {
		again = fz_alloc(B64URL_LEN(n) + 1);
		if (b64url_encode(out, n, again) != len ||
		    memcmp(again, text, len) != 0)
			fz_fail("decoded text does not re-encode to itself");
		free(again);
	}
	free(out);
	/* One byte too small a buffer: refused, nothing written past it. */
	if (ok && need > 0) {
		out = fz_alloc(need - 1);
		if (b64url_decode(text, len, out, need - 1) != 0)
			fz_fail("decoded into too small a buffer");
		free(out);
	}
	free(ref);
}

/* The input as bytes. */
static void
fz_encode(const uint8_t *data, size_t size)
{
	size_t len = B64URL_LEN(size);
	char *text = fz_alloc(len + 1);
	uint8_t *back = fz_alloc(size);

	if (b64url_encode(data, size, text) != len || text[len] != '\0' ||
	    strspn(text, fz_abc) != len)
		fz_fail("bad encoding");
	if (b64url_decode(text, len, back, size) != size ||
	    memcmp(back, data, size) != 0)
		fz_fail("round trip");
	free(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FZ_MAXTEXT)
		return (0);
	fz_decode((const char *)data, size);
	fz_encode(data, size);
	return (0);
}
