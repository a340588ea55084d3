/*
 * The one log of the process (SPEC section 5).  Every line carries an event
 * name, then src= when it is about a message, then fields.  All field values
 * are escaped here, whatever their origin, so no caller can forget to:
 * a value is bare when it is non-empty printable ASCII without space, '"',
 * '=' or '\', and quoted with \" \\ \xHH escapes otherwise (text format);
 * JSON strings are escaped per RFC 8259 with \u00XX for control bytes.
 *
 * Fields are given as a format of "key=%c" pairs separated by single spaces,
 * each conversion one of:
 *   %s  const char *   (NULL prints as "")
 *   %r  const struct pl *
 *   %d  int            %u  unsigned     %llu unsigned long long
 *   %zu size_t         %j  const struct sa * (address and port)
 *   %a  const struct sa * (address alone)
 * or a literal value ("reason=not_allowed"), escaped like the others.
 * Numbers are written bare in text and as JSON numbers.  A malformed
 * format stops the line there with a field log_bad_format= holding it.
 * A line longer than LOG_LINEMAX is cut between two (escaped) characters,
 * an open quote and the JSON object are closed, and it ends in a newline.
 *
 * Logging is process-wide and thread-safe: each line is formatted into a
 * stack buffer and written with one write(2) (or syslog(3)).  errno is
 * the same after a call as before it.  To syslog goes the line without the
 * "TIMESTAMP sipwarden[PID] " prefix (JSON: the whole object).
 */
#ifndef SW_CORE_LOG_H
#define SW_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct sa;

#define LOG_LINEMAX 2048 /* a line, newline included */

enum log_level {
	LOGL_ERROR,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

enum log_format {
	LOGF_TEXT,
	LOGF_JSON,
};

/* Parse "error"/"warn"/"info"/"debug"; EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *lvl);
/* Parse "text"/"json". */
int log_format_parse(const char *s, enum log_format *fmt);

/*
 * Point the log at target: "stderr", "syslog" or a file path (opened for
 * append, created 0640).  May be called again (reload): the new target
 * replaces the old one only if it opens.  Until the first call, the log is
 * stderr, info, text.
 */
int log_open(const char *target, enum log_level lvl, enum log_format fmt);
/* Reopen a file target (e.g. after logrotate); no-op for others. */
int log_reopen(void);
void log_close(void);
enum log_level log_get_level(void);

/* Is a line at lvl written?  One load, no formatting. */
bool log_enabled(enum log_level lvl);

/*
 * Rate limit for a kind of line a flood can cause: at most per_sec lines
 * a second, and the lines left out counted, for the next line written
 * to say (log_rate_taken()).  Zeroed memory is a fresh limit.  Not
 * shared between threads.
 */
struct log_rate {
	uint64_t lr_sec;
	unsigned lr_lines;
	unsigned long long lr_suppressed;
};

bool log_rate_ok(struct log_rate *lr, uint64_t now_ms, unsigned per_sec);
/* The lines left out since the last one written; resets the count. */
unsigned long long log_rate_taken(struct log_rate *lr);

void log_emit(enum log_level lvl, const char *event, const struct sa *src,
    const char *fields, ...);
void log_vemit(enum log_level lvl, const char *event, const struct sa *src,
    const char *fields, va_list ap);

/*
 * Format the line as log_emit would write it to a file, newline included,
 * into buf instead of writing it (used by tests); the level is not checked.
 * Returns the line's length; buf is always NUL-terminated (size >= 1).
 */
int log_format_line(char *buf, size_t size, enum log_level lvl,
    const char *event, const struct sa *src, const char *fields, ...);

/*
 * log_event(LOGL_WARN, "auth_fail", &src, "user=%r reason=%s", &user, why):
 * the level test comes before any argument is evaluated into text.
 * fields may be NULL.
 */
#define log_event(lvl, event, src, ...)                                        \
	do {                                                                   \
		if (log_enabled(lvl))                                          \
			log_emit((lvl), (event), (src), __VA_ARGS__);          \
	} while (0)

#endif
