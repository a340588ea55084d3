/*
 * libFuzzer target: auth/digest.c and core/sipuri.c.
 *
 * The input is parsed as an Authorization value.  What digest_parse()
 * accepts must be consistent: every field NUL ended, no longer than
 * DIGEST_VALMAX, without a NUL inside; a known algorithm; nc set exactly
 * when qop is.  Its expected response (any HA1, the input as the body)
 * must then verify through digest_check(), in lowercase and in uppercase,
 * and fail with one character changed.
 *
 * Then the input is split in two (at the first newline, else in the
 * middle) and the halves are compared with sipuri_equal(): each must
 * equal itself, and the comparison must not depend on the order.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/digest.h"
#include "core/sipuri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAXLEN 8192

static struct digest *fz_digest;

static void
fz_fail(const char *what)
{
	(void)fprintf(stderr, "fuzz_digest: %s\n", what);
	abort();
}

static void
fz_check_str(const struct digest_str *s)
{
	if (s->ds_l > DIGEST_VALMAX || s->ds_p[s->ds_l] != '\0' ||
	    strlen(s->ds_p) != s->ds_l)
		fz_fail("field not NUL ended, too long, or with a NUL inside");
}

/* Set c's response to resp, case changed by up (1), down (-1) or not. */
static void
fz_set_response(struct digest_cred *c, const char *resp, int up)
{
	size_t i;

	c->dc_response.ds_l = strlen(resp);
	for (i = 0; i <= c->dc_response.ds_l; i++)
		c->dc_response.ds_p[i] =
		    (char)(up > 0 ? toupper((unsigned char)resp[i]) : resp[i]);
}

/* The response digest_response() expects must pass digest_check(). */
static void
fz_check_response(struct digest_cred *c, const struct pl *body)
{
	static const uint8_t ha1[DIGEST_HASHMAX] = { 1, 2, 3 };
	char want[2 * DIGEST_HASHMAX + 1];
	struct pl method;
	size_t n = 2 * digest_alg_len(c->dc_alg);

	pl_set_str(&method, "INVITE");
	if (digest_response(fz_digest, c, ha1, &method, body, want) != 0)
		return; /* MD5 missing (FIPS) */
	if (strlen(want) != n || strspn(want, "0123456789abcdef") != n)
		fz_fail("response not lowercase hex of the hash length");
	fz_set_response(c, want, 0);
	if (!digest_check(fz_digest, c, ha1, &method, body))
		fz_fail("expected response refused");
	fz_set_response(c, want, 1);
	if (!digest_check(fz_digest, c, ha1, &method, body))
		fz_fail("expected response in uppercase refused");
	c->dc_response.ds_p[n / 2] ^= 1;
	if (digest_check(fz_digest, c, ha1, &method, body))
		fz_fail("altered response accepted");
	c->dc_response.ds_p[n - 1] = '\0';
	c->dc_response.ds_l = n - 1;
	if (digest_check(fz_digest, c, ha1, &method, body))
		fz_fail("truncated response accepted");
}

static void
fz_digest_parse(const struct pl *in)
{
	struct digest_cred c;
	int err;

	err = digest_parse(in, &c);
	if (err != 0 && err != EBADMSG && err != ENOTSUP)
		fz_fail("unexpected error code");
	if (err != 0)
		return;
	fz_check_str(&c.dc_username);
	fz_check_str(&c.dc_realm);
	fz_check_str(&c.dc_nonce);
	fz_check_str(&c.dc_uri);
	fz_check_str(&c.dc_response);
	fz_check_str(&c.dc_cnonce);
	fz_check_str(&c.dc_opaque);
	if ((unsigned)c.dc_alg >= DIGEST_NALGS)
		fz_fail("unknown algorithm");
	if ((c.dc_qop == DIGEST_QOP_NONE) != (c.dc_nc == 0))
		fz_fail("nc and qop disagree");
	fz_check_response(&c, in);
}

static void
fz_sipuri(const char *buf, size_t size)
{
	const char *nl = memchr(buf, '\n', size);
	struct pl a, b;

	a.p = buf;
	a.l = nl != NULL ? (size_t)(nl - buf) : size / 2;
	b.p = buf + a.l + (nl != NULL);
	b.l = size - a.l - (nl != NULL);
	if (!sipuri_equal(&a, &a) || !sipuri_equal(&b, &b))
		fz_fail("a URI is not equal to itself");
	if (sipuri_equal(&a, &b) != sipuri_equal(&b, &a))
		fz_fail("sipuri_equal is not symmetric");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in;

	if (size > FZ_MAXLEN)
		return (0);
	if (fz_digest == NULL && digest_alloc(&fz_digest) != 0)
		fz_fail("digest_alloc");
	in.p = (const char *)data;
	in.l = size;
	fz_digest_parse(&in);
	fz_sipuri((const char *)data, size);
	return (0);
}
