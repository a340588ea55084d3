/*
 * libFuzzer target: sip/wshs.c, the WebSocket opening handshake.  The
 * first input byte chooses maxhdr (small values included) and whether
 * an Origin list applies; the rest is what a client sent.  Checked: the
 * verdict is one of the six; the request's length is within the input
 * and maxhdr and ends with the empty line; the same bytes cut to that
 * length give the same verdict, and any shorter prefix MORE (or TOOBIG);
 * an upgrade's accept value is 28 base64 digits ending '='; every verdict
 * but MORE has an answer, and only the 101 lacks "Connection: close".
 * The input is copied to a buffer of its exact size so that ASan sees any
 * read past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/wshs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_fail(const char *what)
{
	(void)fprintf(stderr, "fuzz_wshs: %s\n", what);
	abort();
}

static const char *const fz_origins[] = { "https://phone.example.com" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 4, 16, 64, 256, 1024, 16384 };
	struct wshs hs, again;
	char out[1024], *buf;
	size_t maxhdr, len, n, cut, i;

	if (size < 1)
		return (0);
	maxhdr = limits[data[0] % 6];
	n = data[0] & 0x80 ? 1 : 0;
	len = size - 1;
	if ((buf = malloc(len ? len : 1)) == NULL)
		return (0);
	memcpy(buf, data + 1, len);
	wshs_parse(buf, len, maxhdr, fz_origins, n, &hs);
	if (hs.hs_verdict > WSHS_TOOBIG)
		fz_fail("no such verdict");
	if (hs.hs_verdict != WSHS_MORE && hs.hs_verdict != WSHS_TOOBIG) {
		if (hs.hs_len < 4 || hs.hs_len > len || hs.hs_len > maxhdr ||
		    memcmp(buf + hs.hs_len - 4, "\r\n\r\n", 4) != 0)
			fz_fail("the request's length");
		wshs_parse(buf, hs.hs_len, maxhdr, fz_origins, n, &again);
		if (again.hs_verdict != hs.hs_verdict ||
		    again.hs_len != hs.hs_len)
			fz_fail("cut to its length, another verdict");
		cut = hs.hs_len - 1 - (size_t)(data[0] >> 4) % hs.hs_len;
		wshs_parse(buf, cut, maxhdr, fz_origins, n, &again);
		if (again.hs_verdict != WSHS_MORE &&
		    again.hs_verdict != WSHS_TOOBIG)
			fz_fail("a prefix gave a verdict");
	}
	if (hs.hs_verdict == WSHS_OK) {
		if (strlen(hs.hs_accept) != WSHS_ACCEPTLEN ||
		    hs.hs_accept[WSHS_ACCEPTLEN - 1] != '=')
			fz_fail("accept value");
		for (i = 0; i < WSHS_ACCEPTLEN - 1; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				   "rstuvwxyz0123456789+/",
				hs.hs_accept[i]) == NULL)
				fz_fail("accept digit");
	}
	n = wshs_reply(&hs, out, sizeof(out));
	if ((n == 0) != (hs.hs_verdict == WSHS_MORE))
		fz_fail("answer");
	if (n > 0 &&
	    (strstr(out, "Connection: close\r\n") == NULL) !=
		(hs.hs_verdict == WSHS_OK))
		fz_fail("Connection: close");
	free(buf);
	return (0);
}
