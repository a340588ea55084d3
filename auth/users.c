/*
 * The users file (SPEC section 3) and the table it is loaded into.
 *
 * The file is read whole into one buffer, which is wiped afterwards: an
 * HA1 is as good as the password for its realm.  Lines that are neither
 * blank nor comments are counted first, which bounds the number of users
 * and sizes both the user array and the hash table, so nothing is ever
 * reallocated (and no stale copy of an HA1 is left in freed memory).
 *
 * The table is open addressing with linear probing, at most half full,
 * hashed with SipHash-2-4 under a random key per table: user names come
 * from a trusted file, but lookups come from the network, and a keyed hash
 * keeps anyone from aiming a flood of names at one probe chain.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/users.h"

#define USERS_FILEMAX  (1024 * 1024 * 1024) /* bytes */
#define USERS_FIELDMAX 5
#define USERS_LINEMIN  35 /* "u::" and 32 hex digits */
#define USERS_KEYLEN   16

struct users {
	uint8_t us_key[USERS_KEYLEN]; /* SipHash key */
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
	const char *uf_path;
	const char *uf_realm;
	size_t uf_realmlen;
	users_msg_h *uf_errh;
	users_msg_h *uf_warnh;
	void *uf_arg;
	unsigned uf_line;
	int uf_err;         /* EINVAL once any line was refused */
	unsigned *uf_lines; /* line of each user, for duplicates */
	struct users *uf_u;
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

static void users_msg(const struct users_file *, users_msg_h *, const char *,
    ...) __attribute__((__format__(printf, 3, 4)));
static void users_lineerr(struct users_file *, const char *, ...)
    __attribute__((__format__(printf, 2, 3)));

/* Hand one formatted message to h, if there is one. */
static void
users_msg(const struct users_file *uf, users_msg_h *h, const char *fmt, ...)
{
	char buf[4096 + 512];
	va_list ap;

	if (h == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	h(buf, uf->uf_arg);
}

/* Report "FILE:LINE: message" and remember that the file is bad. */
static void
users_lineerr(struct users_file *uf, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	users_msg(uf, uf->uf_errh, "%s:%u: %s", uf->uf_path, uf->uf_line, buf);
	uf->uf_err = EINVAL;
}

#define USERS_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipHash round. */
static void
users_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = USERS_ROTL(v[1], 13) ^ v[0];
	v[0] = USERS_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = USERS_ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = USERS_ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = USERS_ROTL(v[1], 17) ^ v[2];
	v[2] = USERS_ROTL(v[2], 32);
}

/* Little-endian load of n <= 8 bytes. */
static uint64_t
users_le64(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	while (n-- > 0)
		x = x << 8 | p[n];
	return (x);
}

/* SipHash-2-4 (Aumasson and Bernstein) of len bytes at p. */
static uint64_t
users_siphash(const uint8_t key[USERS_KEYLEN], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = users_le64(key, 8), k1 = users_le64(key + 8, 8);
	uint64_t m, v[4];
	size_t i;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i <= len; i += 8) {
		m = users_le64(p + i, len - i < 8 ? len - i : 8);
		if (len - i < 8)
			m |= (uint64_t)len << 56;
		v[3] ^= m;
		users_sipround(v);
		users_sipround(v);
		v[0] ^= m;
	}
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		users_sipround(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}

/* Slot of name: the one holding it, or the empty one ending its chain. */
static size_t
users_slot(const struct users *u, const char *name, size_t len)
{
	const struct user *e;
	size_t h;

	h = (size_t)users_siphash(u->us_key, name, len) & u->us_mask;
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
	if (RAND_bytes(u->us_key, sizeof(u->us_key)) != 1) {
		users_free(u);
		return (EIO);
	}
	*up = u;
	return (0);
}

/* Value of a lowercase hex digit: -1 for an uppercase one, -2 for none. */
static int
users_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (-1);
	return (-2);
}

/* Check and decode the HA1 field of alg into out. */
static int
users_hexdec(struct users_file *uf, const struct users_field *f,
    enum user_alg alg, uint8_t *out)
{
	const char *name = users_algs[alg].a_field;
	size_t i;
	int hi, lo;

	if (f->f_l != 2 * users_algs[alg].a_len) {
		users_lineerr(uf, "%s is %zu characters, expected %zu", name,
		    f->f_l, 2 * users_algs[alg].a_len);
		return (EBADMSG);
	}
	for (i = 0; i < f->f_l; i += 2) {
		hi = users_hexval((unsigned char)f->f_p[i]);
		lo = users_hexval((unsigned char)f->f_p[i + 1]);
		if (hi == -1 || lo == -1) {
			users_lineerr(uf,
			    "%s has uppercase hex digits, "
			    "lowercase required",
			    name);
			return (EBADMSG);
		}
		if (hi < 0 || lo < 0) {
			users_lineerr(uf, "%s is not hex", name);
			return (EBADMSG);
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
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
	if (f[0].f_l == 0)
		users_lineerr(uf, "empty user name");
	else if (f[0].f_l > USER_NAMEMAX)
		users_lineerr(uf, "user name is %zu bytes, at most %d allowed",
		    f[0].f_l, USER_NAMEMAX);
	else if (users_hasctl(f[0].f_p, f[0].f_l))
		users_lineerr(uf, "control character in user name");
	else if (users_hasctl(f[1].f_p, f[1].f_l))
		users_lineerr(uf, "control character in realm");
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
		users_lineerr(uf,
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
		users_msg(uf, uf->uf_warnh,
		    "%s:%u: skipping user '%s' of realm '%.*s' (not '%s')",
		    uf->uf_path, uf->uf_line, e->u_name, (int)f[1].f_l,
		    f[1].f_p, uf->uf_realm);
		goto clear;
	}
	h = users_slot(u, e->u_name, e->u_namelen);
	if (u->us_slot[h] != 0) {
		users_lineerr(uf, "user '%s' already defined on line %u",
		    e->u_name, uf->uf_lines[u->us_slot[h] - 1]);
		goto clear;
	}
	uf->uf_lines[u->us_n] = uf->uf_line;
	u->us_slot[h] = (uint32_t)++u->us_n;
	return;
clear:
	OPENSSL_cleanse(e, sizeof(*e));
}

/* Length of a line (newline excluded) without trailing blanks and CR. */
static size_t
users_trim(const char *p, size_t len)
{
	while (len > 0 &&
	    (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	return (len);
}

/* Whether a trimmed line carries data: not blank, not a '#' comment. */
static int
users_isdata(const char *p, size_t len)
{
	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r')) {
		p++;
		len--;
	}
	return (len > 0 && *p != '#');
}

/* Number of data lines in buf long enough to hold a user. */
static size_t
users_countdata(const char *buf, size_t len)
{
	const char *end = buf + len, *nl;
	size_t l, n = 0;

	for (; buf < end; buf = nl + 1) {
		if ((nl = memchr(buf, '\n', (size_t)(end - buf))) == NULL)
			nl = end;
		l = users_trim(buf, (size_t)(nl - buf));
		if (l >= USERS_LINEMIN && users_isdata(buf, l))
			n++;
	}
	return (n);
}

/* Every line of buf. */
static void
users_lines(struct users_file *uf, const char *buf, size_t len)
{
	const char *end = buf + len, *nl;
	size_t l;

	for (; buf < end; buf = nl + 1) {
		if ((nl = memchr(buf, '\n', (size_t)(end - buf))) == NULL)
			nl = end;
		uf->uf_line++;
		l = users_trim(buf, (size_t)(nl - buf));
		if (users_isdata(buf, l))
			users_add(uf, buf, l);
	}
}

/* Read all of fd into a new buffer; 0 or errno, with a message. */
static int
users_readfd(struct users_file *uf, int fd, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t len = 0, size;
	ssize_t r;
	char *buf;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		users_msg(uf, uf->uf_errh, "%s: not a regular file",
		    uf->uf_path);
		return (EINVAL);
	}
	if (st.st_size > USERS_FILEMAX) {
		users_msg(uf, uf->uf_errh, "%s: larger than %d bytes",
		    uf->uf_path, USERS_FILEMAX);
		return (EFBIG);
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL) {
		users_msg(uf, uf->uf_errh, "%s: out of memory", uf->uf_path);
		return (ENOMEM);
	}
	while (len < size && (r = read(fd, buf + len, size - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			users_msg(uf, uf->uf_errh, "%s: cannot read: %s",
			    uf->uf_path, strerror(errno));
			OPENSSL_cleanse(buf, len);
			free(buf);
			return (EIO);
		}
		len += (size_t)r;
	}
	*bufp = buf;
	*lenp = len;
	return (0);
}

/* Open and read path; 0 or errno, with a message. */
static int
users_readfile(struct users_file *uf, char **bufp, size_t *lenp)
{
	int err, fd;

	if ((fd = open(uf->uf_path, O_RDONLY | O_CLOEXEC)) == -1) {
		err = errno;
		users_msg(uf, uf->uf_errh, "%s: cannot open: %s", uf->uf_path,
		    strerror(err));
		return (err);
	}
	err = users_readfd(uf, fd, bufp, lenp);
	(void)close(fd);
	return (err);
}

/* Build the table from buf. */
static int
users_build(struct users_file *uf, const char *buf, size_t len)
{
	size_t cap;
	int err;

	cap = users_countdata(buf, len);
	if ((uf->uf_lines = calloc(cap > 0 ? cap : 1, sizeof(unsigned))) ==
	    NULL)
		return (ENOMEM);
	if ((err = users_alloc(&uf->uf_u, cap)) != 0)
		return (err);
	users_lines(uf, buf, len);
	if (uf->uf_err == 0 && uf->uf_u->us_n == 0)
		users_msg(uf, uf->uf_warnh, "%s: no user of realm '%s'",
		    uf->uf_path, uf->uf_realm);
	return (uf->uf_err);
}

int
users_load(const char *path, const char *realm, struct users **up,
    users_msg_h *errh, users_msg_h *warnh, void *arg)
{
	struct users_file uf;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (path == NULL || realm == NULL || up == NULL)
		return (EINVAL);
	memset(&uf, 0, sizeof(uf));
	uf.uf_path = path;
	uf.uf_realm = realm;
	uf.uf_realmlen = strlen(realm);
	uf.uf_errh = errh;
	uf.uf_warnh = warnh;
	uf.uf_arg = arg;
	if ((err = users_readfile(&uf, &buf, &len)) != 0)
		return (err);
	err = users_build(&uf, buf, len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	free(uf.uf_lines);
	if (err == ENOMEM)
		users_msg(&uf, errh, "%s: out of memory", path);
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
