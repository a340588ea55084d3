/*
 * Text files line by line; see lines.h.
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

#include "core/lines.h"

#define LINES_MSGMAX (4096 + 512) /* a path and a message */
#define LINES_CAPMIN 256
#define LINES_NONUL  SIZE_MAX

void
lines_init(struct lines *li, const char *path, const struct lines_opt *opt,
    lines_msg_h *errh, lines_msg_h *warnh, void *arg)
{
	memset(li, 0, sizeof(*li));
	li->li_path = path;
	li->li_opt = opt;
	li->li_errh = errh;
	li->li_warnh = warnh;
	li->li_arg = arg;
	li->li_fd = -1;
	li->li_nulat = LINES_NONUL;
}

static void lines_vmsg(const struct lines *, lines_msg_h *, unsigned,
    const char *, va_list) __attribute__((__format__(printf, 4, 0)));

/* Format "FILE:LINE: " or "FILE: " and the message, and hand it to h. */
static void
lines_vmsg(const struct lines *li, lines_msg_h *h, unsigned line,
    const char *fmt, va_list ap)
{
	char msg[LINES_MSGMAX];
	int n;

	if (h == NULL)
		return;
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", li->li_path, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", li->li_path);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	(void)vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	h(msg, li->li_arg);
}

void
lines_err(struct lines *li, unsigned line, const char *fmt, ...)
{
	va_list ap;

	li->li_nerr++;
	va_start(ap, fmt);
	lines_vmsg(li, li->li_errh, line, fmt, ap);
	va_end(ap);
}

void
lines_warn(struct lines *li, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lines_vmsg(li, li->li_warnh, line, fmt, ap);
	va_end(ap);
}

/* Is the opened file of a kind the format takes?  0 or the errno. */
static int
lines_check(struct lines *li, const struct stat *st)
{
	const struct lines_opt *o = li->li_opt;

	if (o->lo_kind == LINES_REGULAR && !S_ISREG(st->st_mode)) {
		lines_err(li, 0, "not a regular file");
		return (EINVAL);
	}
	if (o->lo_kind == LINES_NODIR && S_ISDIR(st->st_mode)) {
		lines_err(li, 0, "cannot open: %s", strerror(EISDIR));
		return (EISDIR);
	}
	if (o->lo_filemax > 0 && st->st_size > 0 &&
	    (uintmax_t)st->st_size > o->lo_filemax) {
		lines_err(li, 0, "larger than %zu bytes", o->lo_filemax);
		return (EFBIG);
	}
	return (0);
}

int
lines_open(struct lines *li)
{
	struct stat st;
	int err;

	if ((li->li_fd = open(li->li_path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(li->li_fd, &st) == -1) {
		err = errno;
		if (li->li_fd != -1 && li->li_opt->lo_kind == LINES_REGULAR) {
			lines_err(li, 0, "not a regular file");
			return (EINVAL);
		}
		lines_err(li, 0, "cannot open: %s", strerror(err));
		return (err);
	}
	if ((err = lines_check(li, &st)) != 0)
		return (err);
	/* The size now: the buffer grows if the file does. */
	li->li_cap = (size_t)st.st_size + 1;
	if (li->li_cap < LINES_CAPMIN)
		li->li_cap = LINES_CAPMIN;
	return (0);
}

/*
 * Room for at least one more byte after li_len: a larger buffer, at most
 * lo_filemax + 2 (the byte past the bound and the NUL).  0 or the errno.
 */
static int
lines_grow(struct lines *li)
{
	size_t max = li->li_opt->lo_filemax, cap;
	char *nb;

	if (li->li_buf == NULL)
		cap = li->li_cap; /* lines_open's guess */
	else
		cap = li->li_cap <= SIZE_MAX / 2 ? 2 * li->li_cap : 0;
	if (max > 0 && cap > max + 2)
		cap = max + 2;
	if (cap <= li->li_len + 1 || (nb = malloc(cap)) == NULL) {
		lines_err(li, 0, "out of memory");
		return (ENOMEM);
	}
	/* Not realloc: the old copy is wiped, not left in the heap. */
	if (li->li_buf != NULL) {
		memcpy(nb, li->li_buf, li->li_len);
		OPENSSL_cleanse(li->li_buf, li->li_cap);
		free(li->li_buf);
	}
	li->li_buf = nb;
	li->li_cap = cap;
	return (0);
}

/* One read(2) into the buffer: 1 for more, 0 at the end, or -errno. */
static int
lines_read1(struct lines *li)
{
	ssize_t r;

	r = read(li->li_fd, li->li_buf + li->li_len,
	    li->li_cap - 1 - li->li_len);
	if (r == -1)
		return (errno == EINTR ? 1 : -errno);
	li->li_len += (size_t)r;
	return (r > 0 ? 1 : 0);
}

int
lines_read(struct lines *li)
{
	size_t max = li->li_opt->lo_filemax;
	int err, rc;

	do {
		if ((li->li_buf == NULL || li->li_len + 1 >= li->li_cap) &&
		    (err = lines_grow(li)) != 0)
			return (err);
		if ((rc = lines_read1(li)) < 0) {
			lines_err(li, 0, "%s: %s", li->li_opt->lo_readerr,
			    strerror(-rc));
			return (-rc);
		}
		if (max > 0 && li->li_len > max) {
			lines_err(li, 0, "larger than %zu bytes", max);
			return (EFBIG);
		}
	} while (rc > 0);
	li->li_buf[li->li_len] = '\0';
	return (0);
}

/* Put back the byte the last lines_next() made NUL. */
static void
lines_restore(struct lines *li)
{
	if (li->li_nulat != LINES_NONUL)
		li->li_buf[li->li_nulat] = li->li_saved;
	li->li_nulat = LINES_NONUL;
}

bool
lines_next(struct lines *li, char **linep, size_t *lenp)
{
	size_t max = li->li_opt->lo_linemax, len;
	char *p, *nl;

	lines_restore(li);
	while (li->li_pos < li->li_len) {
		p = li->li_buf + li->li_pos;
		nl = memchr(p, '\n', li->li_len - li->li_pos);
		len = nl != NULL ? (size_t)(nl - p) : li->li_len - li->li_pos;
		li->li_pos += len + (nl != NULL ? 1 : 0);
		li->li_line++;
		if (max > 0 && len > max) {
			lines_err(li, li->li_line,
			    "line longer than %zu characters", max);
			continue;
		}
		if (len > 0 && p[len - 1] == '\r')
			len--;
		li->li_nulat = (size_t)(p + len - li->li_buf);
		li->li_saved = p[len];
		p[len] = '\0';
		*linep = p;
		*lenp = len;
		return (true);
	}
	return (false);
}

void
lines_rewind(struct lines *li)
{
	lines_restore(li);
	li->li_pos = 0;
	li->li_line = 0;
}

void
lines_close(struct lines *li)
{
	if (li->li_fd != -1)
		(void)close(li->li_fd);
	li->li_fd = -1;
	if (li->li_buf != NULL) {
		OPENSSL_cleanse(li->li_buf, li->li_cap);
		free(li->li_buf);
	}
	li->li_buf = NULL;
	li->li_len = li->li_cap = li->li_pos = 0;
	li->li_nulat = LINES_NONUL;
}
