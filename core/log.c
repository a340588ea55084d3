/*
 * The process-wide log (SPEC section 5).  A line is built piece by piece in
 * a stack buffer that always keeps LOG_TAIL bytes free, so however long the
 * values, the line can be closed (quote, brace, newline) and stays valid.
 * A piece (a key, one escaped character, a number) is written whole or not
 * at all; the first piece that does not fit ends the line.
 *
 * State is a handful of atomics read by every writer and changed only by
 * log_open/log_reopen/log_close under log_mtx.  A file target keeps one
 * descriptor number for the life of the process: a new file is dup2()ed
 * onto it, so a thread in the middle of write(2) never writes to a
 * descriptor that was closed and reused.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "core/addr.h"
#include "core/hex.h"
#include "core/log.h"

#define LOG_TAIL    4  /* room kept for '"', '}', '\n' and NUL */
#define LOG_KEYMAX  32 /* longest field name */
#define LOG_UNITMAX (LOG_KEYMAX + 8)

enum log_target {
	LOGT_STDERR,
	LOGT_SYSLOG,
	LOGT_FILE,
};

struct log_buf {
	char *lb_buf;
	size_t lb_size; /* usable bytes: the buffer minus LOG_TAIL */
	size_t lb_len;
	bool lb_json;
	bool lb_first; /* no field written yet (JSON: no comma) */
	bool lb_instr; /* inside a quoted value */
	bool lb_full;  /* a piece did not fit: write nothing more */
};

static const struct {
	const char *ll_name;  /* config and JSON */
	const char *ll_upper; /* text lines */
	int ll_syslog;
} log_levels[] = {
	[LOGL_ERROR] = { "error", "ERROR", LOG_ERR },
	[LOGL_WARN] = { "warn", "WARN", LOG_WARNING },
	[LOGL_INFO] = { "info", "INFO", LOG_INFO },
	[LOGL_DEBUG] = { "debug", "DEBUG", LOG_DEBUG },
};
#define LOG_NLEVELS (sizeof(log_levels) / sizeof(log_levels[0]))

static const char *const log_formats[] = {
	[LOGF_TEXT] = "text",
	[LOGF_JSON] = "json",
};
#define LOG_NFORMATS (sizeof(log_formats) / sizeof(log_formats[0]))

static _Atomic int log_cur_level = LOGL_INFO;
static _Atomic int log_cur_format = LOGF_TEXT;
static _Atomic int log_cur_target = LOGT_STDERR;
static _Atomic int log_file_fd = -1;

static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char *log_file_path;  /* under log_mtx */
static bool log_syslog_open; /* under log_mtx */

static size_t log_build(char *, size_t, bool, bool, enum log_level,
    const char *, const struct sa *, const char *, va_list);

int
log_level_parse(const char *s, enum log_level *lvl)
{
	size_t i;

	if (s == NULL || lvl == NULL)
		return (EINVAL);
	for (i = 0; i < LOG_NLEVELS; i++) {
		if (strcmp(s, log_levels[i].ll_name) == 0) {
			*lvl = (enum log_level)i;
			return (0);
		}
	}
	return (EINVAL);
}

int
log_format_parse(const char *s, enum log_format *fmt)
{
	size_t i;

	if (s == NULL || fmt == NULL)
		return (EINVAL);
	for (i = 0; i < LOG_NFORMATS; i++) {
		if (strcmp(s, log_formats[i]) == 0) {
			*fmt = (enum log_format)i;
			return (0);
		}
	}
	return (EINVAL);
}

/* Open path for appending and make log_file_fd refer to it. */
static int
log_open_file(const char *path)
{
	char *copy;
	int fd, old, err;

	if ((copy = strdup(path)) == NULL)
		return (ENOMEM);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);
	if (fd == -1) {
		err = errno;
		goto bad;
	}
	old = atomic_load(&log_file_fd);
	if (old == -1)
		atomic_store(&log_file_fd, fd);
	else {
		err = dup3(fd, old, O_CLOEXEC) == -1 ? errno : 0;
		(void)close(fd);
		if (err != 0)
			goto bad;
	}
	free(log_file_path);
	log_file_path = copy;
	return (0);
bad:
	free(copy);
	return (err);
}

int
log_open(const char *target, enum log_level lvl, enum log_format fmt)
{
	int err = 0, kind;

	if (target == NULL || (size_t)lvl >= LOG_NLEVELS ||
	    (size_t)fmt >= LOG_NFORMATS)
		return (EINVAL);
	(void)pthread_mutex_lock(&log_mtx);
	if (strcmp(target, "stderr") == 0)
		kind = LOGT_STDERR;
	else if (strcmp(target, "syslog") == 0) {
		kind = LOGT_SYSLOG;
		if (!log_syslog_open)
			openlog("sipwarden", LOG_PID, LOG_DAEMON);
		log_syslog_open = true;
	} else {
		kind = LOGT_FILE;
		err = log_open_file(target);
	}
	if (err == 0) {
		atomic_store(&log_cur_format, (int)fmt);
		atomic_store(&log_cur_level, (int)lvl);
		atomic_store(&log_cur_target, kind);
	}
	(void)pthread_mutex_unlock(&log_mtx);
	return (err);
}

int
log_reopen(void)
{
	int err = 0;

	(void)pthread_mutex_lock(&log_mtx);
	if (atomic_load(&log_cur_target) == LOGT_FILE && log_file_path != NULL)
		err = log_open_file(log_file_path);
	(void)pthread_mutex_unlock(&log_mtx);
	return (err);
}

/* Back to stderr; level and format stay.  Call with no writer running. */
void
log_close(void)
{
	int fd;

	(void)pthread_mutex_lock(&log_mtx);
	atomic_store(&log_cur_target, LOGT_STDERR);
	fd = atomic_exchange(&log_file_fd, -1);
	if (fd != -1)
		(void)close(fd);
	free(log_file_path);
	log_file_path = NULL;
	if (log_syslog_open)
		closelog();
	log_syslog_open = false;
	(void)pthread_mutex_unlock(&log_mtx);
}

enum log_level
log_get_level(void)
{
	return ((enum log_level)atomic_load_explicit(&log_cur_level,
	    memory_order_relaxed));
}

bool
log_enabled(enum log_level lvl)
{
	return ((int)lvl <=
	    atomic_load_explicit(&log_cur_level, memory_order_relaxed));
}

bool
log_rate_ok(struct log_rate *lr, uint64_t now_ms, unsigned per_sec)
{
	if (lr->lr_sec != now_ms / 1000) {
		lr->lr_sec = now_ms / 1000;
		lr->lr_lines = 0;
	}
	if (lr->lr_lines >= per_sec) {
		lr->lr_suppressed++;
		return (false);
	}
	lr->lr_lines++;
	return (true);
}

unsigned long long
log_rate_taken(struct log_rate *lr)
{
	unsigned long long n = lr->lr_suppressed;

	lr->lr_suppressed = 0;
	return (n);
}

/* Write s[0..n) if it and extra more bytes fit; else end the line. */
static bool
log_put(struct log_buf *lb, const char *s, size_t n, size_t extra)
{
	if (lb->lb_full || n + extra > lb->lb_size - lb->lb_len) {
		lb->lb_full = true;
		return (false);
	}
	memcpy(lb->lb_buf + lb->lb_len, s, n);
	lb->lb_len += n;
	return (true);
}

/* Bare in text: non-empty printable ASCII without space, '"', '=', '\'. */
static bool
log_is_bare(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return (false);
	for (i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '=' ||
		    s[i] == '\\')
			return (false);
	}
	return (true);
}

/* The escaped form of c in out (at least 7 bytes); returns its length. */
static size_t
log_esc(bool json, unsigned char c, char *out)
{
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return (2);
	}
	if (c >= 0x20 && c <= 0x7e) {
		out[0] = (char)c;
		return (1);
	}
	if (json && (c == '\n' || c == '\r' || c == '\t')) {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : (c == '\r' ? 'r' : 't');
		return (2);
	}
	if (json)
		memcpy(out, "\\u00", 4);
	else
		memcpy(out, "\\x", 2);
	(void)hex_encode(&c, 1, out + (json ? 4 : 2)); /* and a NUL */
	return (json ? 6 : 4);
}

/* The separator and key: ` key=` (text) or `,"key":` (JSON), in unit. */
static size_t
log_key(struct log_buf *lb, const char *key, size_t klen, char *unit)
{
	size_t n = 0;

	if (klen > LOG_KEYMAX)
		klen = LOG_KEYMAX;
	if (lb->lb_json && !lb->lb_first)
		unit[n++] = ',';
	else if (!lb->lb_json)
		unit[n++] = ' ';
	if (lb->lb_json)
		unit[n++] = '"';
	memcpy(unit + n, key, klen);
	n += klen;
	if (lb->lb_json) {
		memcpy(unit + n, "\":", 2);
		return (n + 2);
	}
	unit[n++] = '=';
	return (n);
}

/* A string field: key, then the value escaped and quoted as needed. */
static void
log_str(struct log_buf *lb, const char *key, size_t klen, const char *s,
    size_t n)
{
	char unit[LOG_UNITMAX];
	bool quote = lb->lb_json || !log_is_bare(s, n);
	size_t i, u;

	u = log_key(lb, key, klen, unit);
	if (quote)
		unit[u++] = '"';
	if (!log_put(lb, unit, u, quote ? 0 : 1))
		return;
	lb->lb_first = false;
	lb->lb_instr = quote;
	for (i = 0; i < n; i++) {
		u = log_esc(lb->lb_json, (unsigned char)s[i], unit);
		if (!log_put(lb, unit, u, 0))
			return;
	}
	if (quote && log_put(lb, "\"", 1, 0))
		lb->lb_instr = false;
}

static void
log_cstr(struct log_buf *lb, const char *key, const char *s)
{
	if (s == NULL)
		s = "";
	log_str(lb, key, strlen(key), s, strlen(s));
}

/* A number field: key and digits as one piece, bare in both formats. */
static void
log_num(struct log_buf *lb, const char *key, size_t klen, const char *num)
{
	char unit[LOG_UNITMAX + 24];
	size_t u, n = strlen(num);

	u = log_key(lb, key, klen, unit);
	memcpy(unit + u, num, n);
	if (log_put(lb, unit, u + n, 0))
		lb->lb_first = false;
}

/* Close the line: quote, brace, newline, NUL all fit in LOG_TAIL. */
static size_t
log_finish(struct log_buf *lb)
{
	char *p = lb->lb_buf + lb->lb_len;

	if (lb->lb_instr)
		*p++ = '"';
	if (lb->lb_json)
		*p++ = '}';
	*p++ = '\n';
	*p = '\0';
	return ((size_t)(p - lb->lb_buf));
}

/* A numeric conversion (d, u, llu, zu) at p into num; its length or 0. */
static size_t
log_conv_num(const char *p, va_list *ap, char *num, size_t size)
{
	if (*p == 'd') {
		(void)snprintf(num, size, "%d", va_arg(*ap, int));
		return (1);
	}
	if (*p == 'u') {
		(void)snprintf(num, size, "%u", va_arg(*ap, unsigned));
		return (1);
	}
	if (strncmp(p, "llu", 3) == 0) {
		(void)snprintf(num, size, "%llu",
		    va_arg(*ap, unsigned long long));
		return (3);
	}
	if (strncmp(p, "zu", 2) == 0) {
		(void)snprintf(num, size, "%zu", va_arg(*ap, size_t));
		return (2);
	}
	return (0);
}

/* An address conversion: %j address and port, %a address alone. */
static void
log_conv_sa(struct log_buf *lb, const char *key, size_t klen, bool port,
    const struct sa *sa)
{
	char a[ADDR_STRLEN];
	size_t n;

	if (port)
		n = addr_fmt(sa, a, sizeof(a));
	else
		n = addr_fmt_ip(sa, a, sizeof(a));
	log_str(lb, key, klen, a, n);
}

/* One conversion at *pp (after the '%'); advances *pp past it. */
static int
log_conv(struct log_buf *lb, const char *key, size_t klen, const char **pp,
    va_list *ap)
{
	const struct pl *pl;
	const char *p = *pp, *s;
	char num[24];
	size_t n = 1;

	if (*p == 's') {
		s = va_arg(*ap, const char *);
		log_str(lb, key, klen, s ? s : "", s ? strlen(s) : 0);
	} else if (*p == 'r') {
		pl = va_arg(*ap, const struct pl *);
		log_str(lb, key, klen, pl && pl->p ? pl->p : "",
		    pl && pl->p ? pl->l : 0);
	} else if (*p == 'j' || *p == 'a')
		log_conv_sa(lb, key, klen, *p == 'j',
		    va_arg(*ap, const struct sa *));
	else if ((n = log_conv_num(p, ap, num, sizeof(num))) != 0)
		log_num(lb, key, klen, num);
	else
		return (EINVAL);
	*pp = p + n;
	return (0);
}

/* Field names are [a-z0-9_]+. */
static bool
log_is_keychar(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
}

/* One "key=%x" or "key=literal" field at p; NULL if malformed. */
static const char *
log_field(struct log_buf *lb, const char *p, va_list *ap)
{
	const char *key = p;
	size_t klen, vlen;

	while (log_is_keychar(*p))
		p++;
	klen = (size_t)(p - key);
	if (klen == 0 || klen > LOG_KEYMAX || *p++ != '=')
		return (NULL);
	if (*p == '%') {
		p++;
		if (log_conv(lb, key, klen, &p, ap) != 0)
			return (NULL);
	} else {
		vlen = strcspn(p, " ");
		log_str(lb, key, klen, p, vlen);
		p += vlen;
	}
	return ((*p == ' ' || *p == '\0') ? p : NULL);
}

/* All fields of fmt; a malformed one ends them with log_bad_format=. */
static void
log_fields(struct log_buf *lb, const char *fmt, va_list ap)
{
	const char *p = fmt;
	va_list aq;

	va_copy(aq, ap);
	while (p != NULL && *p != '\0') {
		if (*p == ' ')
			p++;
		else
			p = log_field(lb, p, &aq);
	}
	va_end(aq);
	if (p == NULL)
		log_cstr(lb, "log_bad_format", fmt);
}

/* "2026-11-24T06:33:36.123Z" into buf (at least 32 bytes). */
static void
log_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf + n, size - n, ".%03uZ",
	    (unsigned)(ts.tv_nsec / 1000000) % 1000);
}

/* Text: "TS sipwarden[PID] LEVEL", or "LEVEL" alone for syslog. */
static void
log_prefix_text(struct log_buf *lb, bool bare, enum log_level lvl)
{
	char pre[96], ts[32];
	int n;

	if (bare)
		n = snprintf(pre, sizeof(pre), "%s", log_levels[lvl].ll_upper);
	else {
		log_timestamp(ts, sizeof(ts));
		n = snprintf(pre, sizeof(pre), "%s sipwarden[%ld] %s", ts,
		    (long)getpid(), log_levels[lvl].ll_upper);
	}
	if (n > 0 && (size_t)n < sizeof(pre))
		(void)log_put(lb, pre, (size_t)n, 0);
}

/* JSON: {"ts":"...","level":"warn","pid":812 */
static void
log_prefix_json(struct log_buf *lb, enum log_level lvl)
{
	char ts[32], pid[24];

	if (!log_put(lb, "{", 1, 0))
		return;
	log_timestamp(ts, sizeof(ts));
	log_cstr(lb, "ts", ts);
	log_cstr(lb, "level", log_levels[lvl].ll_name);
	(void)snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	log_num(lb, "pid", 3, pid);
}

/* Build one line in buf; returns its length, newline included. */
static size_t
log_build(char *buf, size_t size, bool json, bool bare, enum log_level lvl,
    const char *event, const struct sa *src, const char *fields, va_list ap)
{
	struct log_buf lb;
	char a[ADDR_STRLEN];
	size_t n;

	if (size < LOG_TAIL + 2) {
		if (size > 0)
			buf[0] = '\0';
		return (0);
	}
	memset(&lb, 0, sizeof(lb));
	lb.lb_buf = buf;
	lb.lb_size = size - LOG_TAIL;
	lb.lb_json = json;
	lb.lb_first = true;
	if ((size_t)lvl >= LOG_NLEVELS)
		lvl = LOGL_ERROR;
	if (json)
		log_prefix_json(&lb, lvl);
	else
		log_prefix_text(&lb, bare, lvl);
	log_cstr(&lb, "event", event);
	if (src != NULL) {
		n = addr_fmt(src, a, sizeof(a));
		log_str(&lb, "src", 3, a, n);
	}
	if (fields != NULL)
		log_fields(&lb, fields, ap);
	return (log_finish(&lb));
}

int
log_format_line(char *buf, size_t size, enum log_level lvl, const char *event,
    const struct sa *src, const char *fields, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fields);
	n = log_build(buf, size, atomic_load(&log_cur_format) == LOGF_JSON,
	    false, lvl, event, src, fields, ap);
	va_end(ap);
	return ((int)n);
}

void
log_vemit(enum log_level lvl, const char *event, const struct sa *src,
    const char *fields, va_list ap)
{
	char buf[LOG_LINEMAX];
	int saved = errno, target, fd;
	bool json;
	size_t n;

	if ((size_t)lvl >= LOG_NLEVELS || !log_enabled(lvl))
		goto out;
	target = atomic_load(&log_cur_target);
	json = atomic_load(&log_cur_format) == LOGF_JSON;
	n = log_build(buf, sizeof(buf), json, target == LOGT_SYSLOG && !json,
	    lvl, event, src, fields, ap);
	if (target == LOGT_SYSLOG) {
		buf[n - 1] = '\0';
		syslog(log_levels[lvl].ll_syslog, "%s", buf);
		goto out;
	}
	fd = target == LOGT_FILE ? atomic_load(&log_file_fd) : STDERR_FILENO;
	if (fd != -1)
		(void)!write(fd, buf, n);
out:
	errno = saved;
}

void
log_emit(enum log_level lvl, const char *event, const struct sa *src,
    const char *fields, ...)
{
	va_list ap;

	va_start(ap, fields);
	log_vemit(lvl, event, src, fields, ap);
	va_end(ap);
}
