/*
 * secret_file loading and key derivation (SPEC section 2).
 *
 * A line is one secret, hex (even length, either case) or base64 (standard
 * or url-safe alphabet, padding optional); a line that is valid hex is hex.
 * Leading and trailing blanks and a CR are ignored; blank lines and lines
 * starting with '#' are skipped.  The text of a secret is never printed.
 *
 * Everything that held secret bytes is wiped: the line, the decoded secret,
 * and stdio's buffer, which we lend to the FILE for that reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/secrets.h"

#define SECRETS_LINEMAX 1024 /* longest line, without its newline */

/* Labels of the per-use keys, indexed by enum secret_use. */
static const char *const secrets_labels[SECRET_NUSES] = {
	[SECRET_NONCE] = "sipwarden nonce v1",
	[SECRET_BRANCH] = "sipwarden branch v1",
	[SECRET_TOKEN] = "sipwarden token v1",
};

/* State of one secrets_load() call. */
struct secrets_file {
	const char *sf_path;
	unsigned sf_line;
	int sf_err;      /* EINVAL once any line was refused */
	int sf_overflow; /* "more than SECRETS_MAX" was reported */
	struct secrets *sf_s;
	void (*sf_errh)(const char *msg, void *arg);
	void *sf_arg;
};

static void secrets_msg(struct secrets_file *, const char *, ...)
    __attribute__((__format__(printf, 2, 3)));
static void secrets_lineerr(struct secrets_file *, const char *, ...)
    __attribute__((__format__(printf, 2, 3)));

/* Hand one formatted message to the caller's error handler. */
static void
secrets_msg(struct secrets_file *sf, const char *fmt, ...)
{
	char buf[4096 + 256];
	va_list ap;

	if (sf->sf_errh == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sf->sf_errh(buf, sf->sf_arg);
}

/* Report "FILE:LINE: message" and remember that the file is bad. */
static void
secrets_lineerr(struct secrets_file *sf, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	secrets_msg(sf, "%s:%u: %s", sf->sf_path, sf->sf_line, buf);
	sf->sf_err = EINVAL;
}

/* Value of a hex digit, -1 if c is none. */
static int
secrets_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode len hex digits into out; EBADMSG unless all of them are hex. */
static int
secrets_hexdec(const char *p, size_t len, uint8_t *out, size_t *outlen)
{
	size_t i;
	int hi, lo;

	if (len == 0 || len % 2 != 0)
		return (EBADMSG);
	for (i = 0; i < len; i += 2) {
		hi = secrets_hexval((unsigned char)p[i]);
		lo = secrets_hexval((unsigned char)p[i + 1]);
		if (hi < 0 || lo < 0)
			return (EBADMSG);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = len / 2;
	return (0);
}

/* Value of a base64 digit in either alphabet, -1 if c is none. */
static int
secrets_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+' || c == '-')
		return (62);
	if (c == '/' || c == '_')
		return (63);
	return (-1);
}

/*
 * Decode base64 into out.  Padding is optional, but if present it must
 * make the length a multiple of four.
 */
static int
secrets_b64dec(const char *p, size_t len, uint8_t *out, size_t *outlen)
{
	uint32_t acc = 0;
	size_t i, n = 0, npad = 0;
	int bits = 0, v;

	while (npad < 2 && len > 0 && p[len - 1] == '=') {
		len--;
		npad++;
	}
	if (len == 0 || len % 4 == 1 || (npad > 0 && (len + npad) % 4 != 0))
		return (EBADMSG);
	for (i = 0; i < len; i++) {
		if ((v = secrets_b64val((unsigned char)p[i])) < 0)
			return (EBADMSG);
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return (0);
}

/* Id and per-use keys of one decoded secret. */
static int
secrets_derive(struct secret *sec, const uint8_t *raw, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t klen;
	int use;

	if (!EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL))
		return (EIO);
	sec->s_id = (uint16_t)(md[0] << 8 | md[1]);
	for (use = 0; use < SECRET_NUSES; use++) {
		if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, raw, len,
			(const unsigned char *)secrets_labels[use],
			strlen(secrets_labels[use]), sec->s_key[use],
			sizeof(sec->s_key[use]), &klen) == NULL ||
		    klen != SECRET_KEYLEN)
			return (EIO);
	}
	return (0);
}

/* Decode, check and append the secret of one line of text. */
static void
secrets_add(struct secrets_file *sf, const char *p, size_t len)
{
	uint8_t raw[SECRETS_LINEMAX];
	size_t rawlen = 0;
	struct secrets *s = sf->sf_s;

	if (secrets_hexdec(p, len, raw, &rawlen) != 0 &&
	    secrets_b64dec(p, len, raw, &rawlen) != 0)
		secrets_lineerr(sf, "secret is neither hex nor base64");
	else if (rawlen < SECRET_MINLEN)
		secrets_lineerr(sf, "secret is %zu bytes, at least %d needed",
		    rawlen, SECRET_MINLEN);
	else if (s->ss_n == SECRETS_MAX) {
		if (!sf->sf_overflow)
			secrets_lineerr(sf, "more than %d secrets",
			    SECRETS_MAX);
		sf->sf_overflow = 1;
	} else if (secrets_derive(&s->ss_v[s->ss_n], raw, rawlen) != 0)
		secrets_lineerr(sf, "cannot derive keys");
	else
		s->ss_n++;
	OPENSSL_cleanse(raw, sizeof(raw));
}

/* One line without its newline: trim, skip comments and blanks. */
static void
secrets_line(struct secrets_file *sf, const char *p, size_t len)
{
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 &&
	    (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	if (len == 0 || *p == '#')
		return;
	secrets_add(sf, p, len);
}

/*
 * Read one line into buf (no newline, NULs kept).  Returns 0, EOF at the
 * end of the file, or E2BIG for a line too long (then skipped).
 */
static int
secrets_getline(FILE *fp, char *buf, size_t size, size_t *lenp)
{
	size_t len = 0;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (len < size)
			buf[len] = (char)c;
		len++;
	}
	if (c == EOF && len == 0)
		return (EOF);
	*lenp = len;
	return (len > size ? E2BIG : 0);
}

/* Every line of fp; 0, or errno of a read error. */
static int
secrets_read(struct secrets_file *sf, FILE *fp)
{
	char line[SECRETS_LINEMAX];
	size_t len;
	int rc, err = 0;

	errno = 0;
	while ((rc = secrets_getline(fp, line, sizeof(line), &len)) != EOF) {
		sf->sf_line++;
		if (rc == E2BIG)
			secrets_lineerr(sf, "line longer than %d characters",
			    SECRETS_LINEMAX);
		else
			secrets_line(sf, line, len);
	}
	if (ferror(fp))
		err = errno != 0 ? errno : EIO;
	OPENSSL_cleanse(line, sizeof(line));
	return (err);
}

/* Open and read path into sf; 0, or the errno that stopped it. */
static int
secrets_readfile(struct secrets_file *sf)
{
	char iobuf[BUFSIZ];
	FILE *fp;
	int err;

	if ((fp = fopen(sf->sf_path, "re")) == NULL) {
		err = errno;
		secrets_msg(sf, "%s: cannot open: %s", sf->sf_path,
		    strerror(err));
		return (err);
	}
	if (setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf)) != 0)
		err = EIO;
	else if ((err = secrets_read(sf, fp)) != 0)
		secrets_msg(sf, "%s: read error: %s", sf->sf_path,
		    strerror(err));
	(void)fclose(fp);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	return (err);
}

int
secrets_load(const char *path, struct secrets **sp,
    void (*errh)(const char *msg, void *arg), void *arg)
{
	struct secrets_file sf;
	int err;

	if (path == NULL || sp == NULL)
		return (EINVAL);
	memset(&sf, 0, sizeof(sf));
	sf.sf_path = path;
	sf.sf_errh = errh;
	sf.sf_arg = arg;
	if ((sf.sf_s = calloc(1, sizeof(*sf.sf_s))) == NULL)
		return (ENOMEM);
	if ((err = secrets_readfile(&sf)) != 0)
		goto out;
	if (sf.sf_err == 0 && sf.sf_s->ss_n == 0) {
		secrets_msg(&sf, "%s: no secret", path);
		sf.sf_err = EINVAL;
	}
	err = sf.sf_err;
out:
	if (err != 0)
		secrets_free(sf.sf_s);
	else
		*sp = sf.sf_s;
	return (err);
}

int
secrets_random(struct secrets **sp)
{
	uint8_t raw[SECRET_MINLEN];
	struct secrets *s;
	int err = 0;

	if (sp == NULL)
		return (EINVAL);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (ENOMEM);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		err = EIO;
	else if ((err = secrets_derive(&s->ss_v[0], raw, sizeof(raw))) == 0)
		s->ss_n = 1;
	OPENSSL_cleanse(raw, sizeof(raw));
	if (err != 0)
		secrets_free(s);
	else
		*sp = s;
	return (err);
}

void
secrets_free(struct secrets *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const struct secret *
secrets_find(const struct secrets *s, uint16_t id, size_t *ip)
{
	size_t i;

	for (i = *ip; i < s->ss_n; i++) {
		if (s->ss_v[i].s_id == id) {
			*ip = i + 1;
			return (&s->ss_v[i]);
		}
	}
	*ip = s->ss_n;
	return (NULL);
}
