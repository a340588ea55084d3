/*
 * Text files read line by line, every problem reported as "FILE:LINE:
 * message" (or "FILE: message" for the file as a whole): the config file,
 * secret_file and the users file.
 *
 * The file is read whole into one buffer, which lines_close() wipes (two
 * of the three hold secrets), and handed out a line at a time: without
 * its LF and one CR before it, NUL-terminated in place, numbered from 1.
 * A NUL inside a line is kept (len says where the line ends).
 *
 *	struct lines li;
 *	lines_init(&li, path, &opt, errh, warnh, arg);
 *	if ((err = lines_open(&li)) == 0 && (err = lines_read(&li)) == 0)
 *		while (lines_next(&li, &line, &len))
 *			...lines_err(&li, li.li_line, "bad %s", what)...
 *	lines_close(&li);
 */
#ifndef SW_CORE_LINES_H
#define SW_CORE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The callers' message handler: one message, no newline. */
typedef void(lines_msg_h)(const char *msg, void *arg);

/* Which files lines_open() takes. */
enum lines_kind {
	LINES_ANY,     /* what open(2) opens; a folder fails when read */
	LINES_NODIR,   /* a folder fails to open: "cannot open: Is a ..." */
	LINES_REGULAR, /* a regular file only, else "not a regular file" */
};

/* How one format is read; the words are part of its messages. */
struct lines_opt {
	enum lines_kind lo_kind;
	const char *lo_readerr; /* "FILE: <this>: strerror" */
	size_t lo_filemax;      /* bytes; 0: no bound */
	size_t lo_linemax;      /* bytes of a line without LF; 0: no bound */
};

struct lines {
	const char *li_path;
	const struct lines_opt *li_opt;
	lines_msg_h *li_errh; /* may be NULL */
	lines_msg_h *li_warnh;
	void *li_arg;
	unsigned li_line; /* of the line last handed out; 0 before */
	unsigned li_nerr; /* lines_err() calls so far */
	int li_fd;
	char *li_buf; /* li_len bytes read, room for one more */
	size_t li_len;
	size_t li_cap;
	size_t li_pos;   /* where the next line starts */
	size_t li_nulat; /* the byte lines_next() made NUL; SIZE_MAX: none */
	char li_saved;   /* what was there */
};

/* Ready to open path; nothing is opened or allocated yet. */
void lines_init(struct lines *li, const char *path, const struct lines_opt *opt,
    lines_msg_h *errh, lines_msg_h *warnh, void *arg);
/* Open the file: 0, or the errno reported ("cannot open", EFBIG, ...). */
int lines_open(struct lines *li);
/* Read all of it: 0, or the errno reported (lo_readerr, ENOMEM, EFBIG). */
int lines_read(struct lines *li);
/*
 * The next line: *linep (NUL-terminated, writable) and *lenp; false at
 * the end.  A line longer than lo_linemax is reported and skipped.
 */
bool lines_next(struct lines *li, char **linep, size_t *lenp);
/* Back to before the first line, for another pass. */
void lines_rewind(struct lines *li);
/* Report "FILE:LINE: message" (line 0: "FILE: message") to errh; counted. */
void lines_err(struct lines *li, unsigned line, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));
/* The same to warnh, not counted. */
void lines_warn(struct lines *li, unsigned line, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));
/* Close the file, wipe and free the buffer; li can be init'ed again. */
void lines_close(struct lines *li);

#endif
