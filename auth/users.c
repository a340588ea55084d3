/*
 * The users file (SPEC section 3) and the table it is loaded into.
 *
 * The file is read whole into one buffer (core/lines.c), which is wiped
 * afterwards: an HA1 is as good as the password for its realm.  Lines
 * that are neither blank nor comments are counted first, which bounds the
 * number of users and sizes both the user array and the hash table, so
 * nothing is ever reallocated (and no stale copy of an HA1 is left in
 * freed memory).
 *
 * The table is open addressing with linear probing, at most half full,
 * hashed with SipHash-2-4 (core/siphash.c) under a random key per table:
 * user names come from a trusted file, but lookups come from the network,
 * and a keyed hash keeps anyone from aiming a flood of names at one probe
 * chain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/users.h"
#include "core/chars.h"
#include "core/hex.h"
#include "core/lines.h"
#include "core/siphash.h"

#define USERS_FILEMAX  (1024 * 1024 * 1024) /* bytes */
#define USERS_FIELDMAX 5
#define USERS_LINEMIN  35 /* "u::" and 32 hex digits */

struct users {
	struct siphash_key us_key;
	struct user *us_v; /* us_n used; us_cap + 1, the last as scratch */
	size_t us_n;
	size_t us_cap;
	uint32_t *us_slot; /* index into us_v plus one; 0 is empty */
	size_t us_mask;    /* slots - 1, slots a power of two */
};

/* One ':' separated field of a line. */
struct users_field {
	const char *f_p;
	size_t f_l;
};

/* State of one users_load() call. */
struct users_file {
	struct lines uf_li; /* the file, its line and its error count */
	const char *uf_realm;
	size_t uf_realmlen;
	unsigned *uf_lines; /* line of each user, for duplicates */
	struct users *uf_u;
};

/* A regular file only, and not a huge one: it is read whole. */
static const struct lines_opt users_linesopt = {
	.lo_kind = LINES_REGULAR,
	.lo_readerr = "cannot read",
	.lo_filemax = USERS_FILEMAX,
};

/* Per algorithm: OpenSSL digest name, HA1 size, field name. */
static const struct {
	const char *a_md;
	size_t a_len;
	const char *a_field;
} users_algs[USER_NALGS] = {
	[USER_MD5] = { "MD5", 16, "HA1-MD5" },
	[USER_SHA256] = { "SHA256", 32, "HA1-SHA-256" },
	[USER_SHA512_256] = { "SHA512-256", 32, "HA1-SHA-512-256" },
};

/* Slot of name: the one holding it, or the empty one ending its chain. */
static size_t
users_slot(const struct users *u, const char *name, size_t len)
{
	const struct user *e;
	size_t h;

	h = (size_t)siphash(&u->us_key, name, len) & u->us_mask;
	while (u->us_slot[h] != 0) {
		e = &u->us_v[u->us_slot[h] - 1];
		if (e->u_namelen == len && memcmp(e->u_name, name, len) == 0)
			break;
		h = (h + 1) & u->us_mask;
	}
	return (h);
}

/* Empty table for at most cap users. */
static int
users_alloc(struct users **up, size_t cap)
{
	struct users *u;
	size_t nslot = 8;

	while (nslot < 2 * cap)
		nslot *= 2;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return (ENOMEM);
	u->us_cap = cap;
	u->us_mask = nslot - 1;
	u->us_v = calloc(cap + 1, sizeof(*u->us_v));
	u->us_slot = calloc(nslot, sizeof(*u->us_slot));
	if (u->us_v == NULL || u->us_slot == NULL) {
		users_free(u);
		return (ENOMEM);
	}
	if (siphash_key_random(&u->us_key) != 0) {
		users_free(u);
		return (EIO);
	}
	*up = u;
	return (0);
}

/* Check and decode the HA1 field of alg into out. */
static int
users_hexdec(struct users_file *uf, const struct users_field *f,
    enum user_alg alg, uint8_t *out)
{
	const char *name = users_algs[alg].a_field;
	struct lines *li = &uf->uf_li;
	size_t len = users_algs[alg].a_len;
	int err;

	if (f->f_l != 2 * len) {
		lines_err(li, li->li_line, "%s is %zu characters, expected %zu",
		    name, f->f_l, 2 * len);
		return (EBADMSG);
	}
	if ((err = hex_decode(f->f_p, f->f_l, out, len, HEX_LOWER)) == 0)
		return (0);
	if (err == EILSEQ)
		lines_err(li, li->li_line,
		    "%s has uppercase hex digits, lowercase required", name);
	else
		lines_err(li, li->li_line, "%s is not hex", name);
	return (EBADMSG);
}

/* Whether any of len bytes at p is a control character. */
static int
users_hasctl(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return (1);
	}
	return (0);
}

/*
 * Split a line at ':' into at most USERS_FIELDMAX + 1 fields (the last
 * one holds the rest); returns the number of fields in the line.
 */
static int
users_split(const char *p, size_t len, struct users_field *f)
{
	const char *end = p + len, *c;
	int n = 0;

	for (;;) {
		c = memchr(p, ':', (size_t)(end - p));
		if (n <= USERS_FIELDMAX) {
			f[n].f_p = p;
			f[n].f_l = (size_t)((c != NULL ? c : end) - p);
		}
		n++;
		if (c == NULL)
			return (n);
		p = c + 1;
	}
}

/* Check the user and realm fields. */
static int
users_checknames(struct users_file *uf, const struct users_field *f)
{
	struct lines *li = &uf->uf_li;

	if (f[0].f_l == 0)
		lines_err(li, li->li_line, "empty user name");
	else if (f[0].f_l > USER_NAMEMAX)
		lines_err(li, li->li_line,
		    "user name is %zu bytes, at most %d allowed", f[0].f_l,
		    USER_NAMEMAX);
	else if (users_hasctl(f[0].f_p, f[0].f_l))
		lines_err(li, li->li_line, "control character in user name");
	else if (users_hasctl(f[1].f_p, f[1].f_l))
		lines_err(li, li->li_line, "control character in realm");
	else
		return (0);
	return (EBADMSG);
}

/* Parse a line of user, realm and hashes into e; EBADMSG if malformed. */
static int
users_parse(struct users_file *uf, const char *p, size_t len, struct user *e,
    struct users_field *f)
{
	int alg, n;

	n = users_split(p, len, f);
	if (n < 3 || n > USERS_FIELDMAX) {
		lines_err(&uf->uf_li, uf->uf_li.li_line,
		    "%d field%s, expected 3 to %d: user:realm:"
		    "HA1-MD5[:HA1-SHA-256[:HA1-SHA-512-256]]",
		    n, n == 1 ? "" : "s", USERS_FIELDMAX);
		return (EBADMSG);
	}
	if (users_checknames(uf, f) != 0)
		return (EBADMSG);
	memcpy(e->u_name, f[0].f_p, f[0].f_l);
	e->u_name[f[0].f_l] = '\0';
	e->u_namelen = f[0].f_l;
	for (alg = 0; alg < n - 2; alg++) {
		if (users_hexdec(uf, &f[alg + 2], alg, e->u_ha1[alg]) != 0)
			return (EBADMSG);
		e->u_has[alg] = true;
	}
	return (0);
}

/* Add the user of one data line, unless it is of another realm. */
static void
users_add(struct users_file *uf, const char *p, size_t len)
{
	struct users_field f[USERS_FIELDMAX + 1];
	struct users *u = uf->uf_u;
	struct user *e = &u->us_v[u->us_n];
	size_t h;

	if (users_parse(uf, p, len, e, f) != 0)
		goto clear;
	if (f[1].f_l != uf->uf_realmlen ||
	    memcmp(f[1].f_p, uf->uf_realm, f[1].f_l) != 0) {
		lines_warn(&uf->uf_li, uf->uf_li.li_line,
		    "skipping user '%s' of realm '%.*s' (not '%s')", e->u_name,
		    (int)f[1].f_l, f[1].f_p, uf->uf_realm);
		goto clear;
	}
	h = users_slot(u, e->u_name, e->u_namelen);
	if (u->us_slot[h] != 0) {
		lines_err(&uf->uf_li, uf->uf_li.li_line,
		    "user '%s' already defined on line %u", e->u_name,
		    uf->uf_lines[u->us_slot[h] - 1]);
		goto clear;
	}
	uf->uf_lines[u->us_n] = uf->uf_li.li_line;
	u->us_slot[h] = (uint32_t)++u->us_n;
	return;
clear:
	OPENSSL_cleanse(e, sizeof(*e));
}

/*
 * The data part of a line: without trailing blanks and CR, and 0 when
 * it is blank or a '#' comment.  Leading blanks stay, as part of the
 * user name.
 */
static size_t
users_data(const char *p, size_t len)
{
	size_t i;

	len = chars_rskip(p, len, CHARS_LWS);
	i = chars_skip(p, len, 0, CHARS_LWS);
	return (i < len && p[i] != '#' ? len : 0);
}

/* Number of data lines long enough to hold a user. */
static size_t
users_countdata(struct lines *li)
{
	char *line;
	size_t len, n = 0;

	while (lines_next(li, &line, &len))
		if (users_data(line, len) >= USERS_LINEMIN)
			n++;
	lines_rewind(li);
	return (n);
}

/* Build the table from the lines of the file. */
static int
users_build(struct users_file *uf)
{
	struct lines *li = &uf->uf_li;
	char *line;
	size_t cap, len;
	int err;

	cap = users_countdata(li);
	if ((uf->uf_lines = calloc(cap > 0 ? cap : 1, sizeof(unsigned))) ==
	    NULL)
		return (ENOMEM);
	if ((err = users_alloc(&uf->uf_u, cap)) != 0)
		return (err);
	while (lines_next(li, &line, &len))
		if ((len = users_data(line, len)) > 0)
			users_add(uf, line, len);
	if (li->li_nerr > 0)
		return (EINVAL);
	if (uf->uf_u->us_n == 0)
		lines_warn(li, 0, "no user of realm '%s'", uf->uf_realm);
	return (0);
}

/* Open, read and load the file into uf; 0 or the errno reported. */
static int
users_read(struct users_file *uf)
{
	int err;

	if ((err = lines_open(&uf->uf_li)) != 0 ||
	    (err = lines_read(&uf->uf_li)) != 0)
		return (err);
	if ((err = users_build(uf)) == ENOMEM)
		lines_err(&uf->uf_li, 0, "out of memory");
	return (err);
}

int
users_load(const char *path, const char *realm, struct users **up,
    users_msg_h *errh, users_msg_h *warnh, void *arg)
{
	struct users_file uf;
	int err;

	if (path == NULL || realm == NULL || up == NULL)
		return (EINVAL);
	memset(&uf, 0, sizeof(uf));
	lines_init(&uf.uf_li, path, &users_linesopt, errh, warnh, arg);
	uf.uf_realm = realm;
	uf.uf_realmlen = strlen(realm);
	err = users_read(&uf);
	lines_close(&uf.uf_li);
	free(uf.uf_lines);
	if (err != 0)
		users_free(uf.uf_u);
	else
		*up = uf.uf_u;
	return (err);
}

const struct user *
users_lookup(const struct users *u, const char *name, size_t len)
{
	size_t h;

	if (u == NULL || name == NULL || len == 0 || len > USER_NAMEMAX)
		return (NULL);
	h = users_slot(u, name, len);
	if (u->us_slot[h] == 0)
		return (NULL);
	return (&u->us_v[u->us_slot[h] - 1]);
}

size_t
users_count(const struct users *u)
{
	return (u != NULL ? u->us_n : 0);
}

void
users_free(struct users *u)
{
	if (u == NULL)
		return;
	if (u->us_v != NULL)
		OPENSSL_cleanse(u->us_v, (u->us_cap + 1) * sizeof(*u->us_v));
	free(u->us_v);
	free(u->us_slot);
	OPENSSL_cleanse(u, sizeof(*u));
	free(u);
}

int
users_ha1(enum user_alg alg, const char *user, const char *realm,
    const char *pass, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	unsigned int len;
	int ok;

	if ((unsigned)alg >= USER_NALGS || user == NULL || realm == NULL ||
	    pass == NULL || out == NULL || outlen == NULL ||
	    *outlen < users_algs[alg].a_len)
		return (EINVAL);
	if ((md = EVP_MD_fetch(NULL, users_algs[alg].a_md, NULL)) == NULL)
		return (ENOSYS);
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex2(ctx, md, NULL) &&
	    EVP_DigestUpdate(ctx, user, strlen(user)) &&
	    EVP_DigestUpdate(ctx, ":", 1) &&
	    EVP_DigestUpdate(ctx, realm, strlen(realm)) &&
	    EVP_DigestUpdate(ctx, ":", 1) &&
	    EVP_DigestUpdate(ctx, pass, strlen(pass)) &&
	    EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	if (!ok)
		return (EIO);
	*outlen = len;
	return (0);
}
