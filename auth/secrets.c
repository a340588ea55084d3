/*
 * secret_file loading and key derivation (SPEC section 2).
 *
 * A line is one secret, hex (even length, either case) or base64 (standard
 * or url-safe alphabet, padding optional); a line that is valid hex is hex.
 * Leading and trailing blanks and a CR are ignored; blank lines and lines
 * starting with '#' are skipped.  The text of a secret is never printed.
 *
 * Everything that held secret bytes is wiped: the decoded secret and the
 * file's text (core/lines.c wipes its buffer).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/secrets.h"
#include "core/b64url.h"
#include "core/chars.h"
#include "core/hex.h"
#include "core/lines.h"

#define SECRETS_LINEMAX 1024 /* longest line, without its newline */

/* Labels of the per-use keys, indexed by enum secret_use. */
static const char *const secrets_labels[SECRET_NUSES] = {
	[SECRET_NONCE] = "sipwarden nonce v1",
	[SECRET_BRANCH] = "sipwarden branch v1",
	[SECRET_TOKEN] = "sipwarden token v1",
};

/* State of one secrets_load() call. */
struct secrets_file {
	struct lines sf_li; /* the file, its line and its error count */
	int sf_overflow;    /* "more than SECRETS_MAX" was reported */
	struct secrets *sf_s;
};

/* A folder fails at its first read; a long line is an error. */
static const struct lines_opt secrets_lines = {
	.lo_kind = LINES_ANY,
	.lo_readerr = "read error",
	.lo_linemax = SECRETS_LINEMAX,
};

/* Either alphabet, either with or without padding, as people write it. */
#define SECRETS_B64 (B64URL_URL | B64URL_STD | B64URL_PAD | B64URL_LOOSE)

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
	size_t rawlen = len / 2;
	struct secrets *s = sf->sf_s;
	struct lines *li = &sf->sf_li;

	if (hex_decode(p, len, raw, sizeof(raw), HEX_ANYCASE) != 0 &&
	    (rawlen = b64url_decode_as(p, len, raw, sizeof(raw),
		 SECRETS_B64)) == 0)
		lines_err(li, li->li_line, "secret is neither hex nor base64");
	else if (rawlen < SECRET_MINLEN)
		lines_err(li, li->li_line,
		    "secret is %zu bytes, at least %d needed", rawlen,
		    SECRET_MINLEN);
	else if (s->ss_n == SECRETS_MAX) {
		if (!sf->sf_overflow)
			lines_err(li, li->li_line, "more than %d secrets",
			    SECRETS_MAX);
		sf->sf_overflow = 1;
	} else if (secrets_derive(&s->ss_v[s->ss_n], raw, rawlen) != 0)
		lines_err(li, li->li_line, "cannot derive keys");
	else
		s->ss_n++;
	OPENSSL_cleanse(raw, sizeof(raw));
}

/* One line: trim, skip comments and blanks. */
static void
secrets_line(struct secrets_file *sf, const char *p, size_t len)
{
	size_t i = chars_skip(p, len, 0, CHARS_WS);

	len = chars_rskip(p + i, len - i, CHARS_LWS);
	if (len == 0 || p[i] == '#')
		return;
	secrets_add(sf, p + i, len);
}

/* Every line of the file; 0, or the errno of opening or reading it. */
static int
secrets_read(struct secrets_file *sf)
{
	char *line;
	size_t len;
	int err;

	if ((err = lines_open(&sf->sf_li)) != 0 ||
	    (err = lines_read(&sf->sf_li)) != 0)
		return (err);
	while (lines_next(&sf->sf_li, &line, &len))
		secrets_line(sf, line, len);
	if (sf->sf_li.li_nerr == 0 && sf->sf_s->ss_n == 0)
		lines_err(&sf->sf_li, 0, "no secret");
	return (sf->sf_li.li_nerr > 0 ? EINVAL : 0);
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
	if ((sf.sf_s = calloc(1, sizeof(*sf.sf_s))) == NULL)
		return (ENOMEM);
	lines_init(&sf.sf_li, path, &secrets_lines, errh, NULL, arg);
	err = secrets_read(&sf);
	lines_close(&sf.sf_li);
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
