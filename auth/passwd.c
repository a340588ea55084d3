/*
 * Writing a users file line; see passwd.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <re.h>

#include "auth/passwd.h"
#include "auth/users.h"
#include "core/hex.h"

/* A user or realm fit for the file: non-empty, no ':', no control bytes. */
static bool
passwd_field_ok(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++)
		if (*s == ':' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return (false);
	return (true);
}

/* "user:realm:md5:sha256:sha512-256\n" into line. */
static int
passwd_line(const char *realm, const char *user, const char *pass, char *line,
    size_t size)
{
	uint8_t ha1[32];
	size_t n, len;
	int a, err;

	n = (size_t)snprintf(line, size, "%s:%s", user, realm);
	for (a = 0; a < USER_NALGS; a++) {
		len = sizeof(ha1);
		err = users_ha1((enum user_alg)a, user, realm, pass, ha1, &len);
		if (err != 0)
			return (err);
		if (n + 2 + 2 * len >= size)
			return (ENAMETOOLONG);
		line[n++] = ':';
		n += hex_encode(ha1, len, line + n);
	}
	OPENSSL_cleanse(ha1, sizeof(ha1));
	line[n++] = '\n';
	line[n] = '\0';
	return (0);
}

/* Is this file line USER's line in REALM? */
static bool
passwd_is_user(const char *l, const char *realm, const char *user)
{
	size_t ul = strlen(user), rl = strlen(realm);

	return (strncmp(l, user, ul) == 0 && l[ul] == ':' &&
	    strncmp(l + ul + 1, realm, rl) == 0 && l[ul + 1 + rl] == ':');
}

/* Copy the old file to out, the user's line replaced by line. */
static int
passwd_copy(FILE *in, FILE *out, const char *realm, const char *user,
    const char *line)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	bool done = false;

	while (in != NULL && (n = getline(&buf, &cap, in)) > 0) {
		if (passwd_is_user(buf, realm, user)) {
			if (!done && fputs(line, out) < 0)
				break;
			done = true;
			continue;
		}
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n ||
		    (buf[n - 1] != '\n' && fputc('\n', out) < 0))
			break;
	}
	free(buf);
	if ((in != NULL && ferror(in)) || ferror(out))
		return (EIO);
	if (!done && fputs(line, out) < 0)
		return (EIO);
	return (0);
}

static int
passwd_fail(char *err, size_t size, const char *path, const char *what, int e)
{
	(void)snprintf(err, size, "%s: %s: %s", path, what, strerror(e));
	return (e);
}

/* Write the new file next to path and rename it over. */
static int
passwd_replace(const char *path, const char *realm, const char *user,
    const char *line, char *err, size_t size)
{
	char tmp[4096], dir[4096];
	struct stat st;
	FILE *in, *out;
	int fd, e;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	(void)snprintf(tmp, sizeof(tmp), "%s/.sipwarden-passwd.XXXXXX",
	    dirname(dir));
	in = fopen(path, "r");
	if (in == NULL && errno != ENOENT)
		return (passwd_fail(err, size, path, "cannot open", errno));
	if ((fd = mkstemp(tmp)) < 0 ||
	    fchmod(fd,
		in != NULL && fstat(fileno(in), &st) == 0 ? st.st_mode & 07777 :
							    0600) != 0 ||
	    (out = fdopen(fd, "w")) == NULL) {
		e = errno;
		if (fd >= 0)
			(void)close(fd), (void)unlink(tmp);
		if (in != NULL)
			(void)fclose(in);
		return (passwd_fail(err, size, path, "cannot write", e));
	}
	e = passwd_copy(in, out, realm, user, line);
	if (in != NULL)
		(void)fclose(in);
	if (e == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		e = errno;
	if (fclose(out) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		(void)unlink(tmp);
		return (passwd_fail(err, size, path, "cannot write", e));
	}
	return (0);
}

int
passwd_set(const char *path, const char *realm, const char *user,
    const char *pass, char *err, size_t size)
{
	char line[USER_NAMEMAX + 512 + 4 * 64];
	int e;

	if (*pass == '\0') {
		(void)snprintf(err, size, "%s: empty password refused", path);
		return (EINVAL);
	}
	if (!passwd_field_ok(user) || strlen(user) > USER_NAMEMAX ||
	    !passwd_field_ok(realm)) {
		(void)snprintf(err, size,
		    "%s: user and realm must be non-empty, without ':' or "
		    "control characters",
		    path);
		return (EINVAL);
	}
	if ((e = passwd_line(realm, user, pass, line, sizeof(line))) != 0)
		return (passwd_fail(err, size, path, "cannot hash", e));
	e = passwd_replace(path, realm, user, line, err, size);
	OPENSSL_cleanse(line, sizeof(line));
	return (e);
}
