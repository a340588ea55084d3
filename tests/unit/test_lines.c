/*
 * core/lines.c: line numbers, LF and CR removal, NUL-terminated writable
 * lines, a second pass, long lines, the file-level errors of each kind of
 * file, growth past the size the file had when opened, and the message
 * formats ("FILE:LINE: message", "FILE: message").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lines.h"
#include "tests.h"

static char tdir[64];
static char tpath[128];
static char errs[8192];
static char warns[1024];
static unsigned nerrs;

static const struct lines_opt opt_any = { LINES_ANY, "read error", 0, 0 };

static void
setup(void)
{
	(void)strcpy(tdir, "/tmp/sw_lines.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	(void)snprintf(tpath, sizeof(tpath), "%s/file", tdir);
	errs[0] = warns[0] = '\0';
	nerrs = 0;
}

static void
teardown(void)
{
	(void)unlink(tpath);
	(void)rmdir(tdir);
}

static void
write_file(const char *data, size_t len)
{
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(tpath, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Append msg and a newline to the buffer arg. */
static void
collect(const char *msg, void *arg)
{
	char *buf = arg;
	size_t size = buf == errs ? sizeof(errs) : sizeof(warns);

	(void)strncat(buf, msg, size - strlen(buf) - 2);
	(void)strcat(buf, "\n");
	if (buf == errs)
		nerrs++;
}

/* errs and warns go to different buffers: arg is the same for both. */
static void
collect_warn(const char *msg, void *arg)
{
	(void)arg;
	collect(msg, warns);
}

/* want with every '@' replaced by p. */
static const char *
subst(const char *want, const char *p)
{
	static char buf[8192];
	size_t n = 0;

	for (; *want != '\0' && n + strlen(p) + 1 < sizeof(buf); want++) {
		if (*want == '@') {
			(void)strcpy(buf + n, p);
			n += strlen(p);
		} else
			buf[n++] = *want;
	}
	buf[n] = '\0';
	return (buf);
}

/* Open and read path with opt: the errno of whichever step failed. */
static int
load(struct lines *li, const char *path, const struct lines_opt *opt)
{
	int err;

	lines_init(li, path, opt, collect, collect_warn, errs);
	if ((err = lines_open(li)) == 0)
		err = lines_read(li);
	return (err);
}

/* Every line of li as "N:text|" (NULs as '0'), and the count. */
static unsigned
all_lines(struct lines *li, char *out, size_t size)
{
	char *line, buf[64];
	size_t len, i;
	unsigned n = 0;

	out[0] = '\0';
	while (lines_next(li, &line, &len)) {
		ck_assert_uint_eq((unsigned char)line[len], 0);
		(void)snprintf(buf, sizeof(buf), "%u:", li->li_line);
		(void)strncat(out, buf, size - strlen(out) - 1);
		for (i = 0; i < len && i + 2 < sizeof(buf); i++)
			buf[i] = line[i] == '\0' ? '0' : line[i];
		buf[i] = '\0';
		(void)strncat(out, buf, size - strlen(out) - 1);
		(void)strncat(out, "|", size - strlen(out) - 1);
		n++;
	}
	return (n);
}

static const struct {
	const char *text;
	size_t len;
	const char *want;
} line_cases[] = {
	{ "", 0, "" },
	{ "a", 1, "1:a|" },
	{ "a\n", 2, "1:a|" },
	{ "a\nb", 3, "1:a|2:b|" },
	{ "\n\n", 2, "1:|2:|" },
	{ "a\r\nb\r\n", 6, "1:a|2:b|" },
	/* One CR only, the one before the LF (or the end). */
	{ "a\r\r\nb\r", 6, "1:a\r|2:b|" },
	{ "\ra\rb\n", 5, "1:\ra\rb|" },
	{ "\r\n", 2, "1:|" },
	{ "x\0y\nz", 5, "1:x0y|2:z|" },
	{ " a \t\n", 5, "1: a \t|" },
};

START_TEST(test_lines_next_cases)
{
	struct lines li;
	char got[256];

	write_file(line_cases[_i].text, line_cases[_i].len);
	ck_assert_int_eq(load(&li, tpath, &opt_any), 0);
	(void)all_lines(&li, got, sizeof(got));
	ck_assert_str_eq(got, line_cases[_i].want);
	ck_assert_uint_eq(li.li_nerr, 0);
	lines_close(&li);
}
END_TEST

/* The line is the caller's to change; the next one is not affected. */
START_TEST(test_lines_next_writable)
{
	struct lines li;
	char *line;
	size_t len;

	write_file("key value\nnext\n", 15);
	ck_assert_int_eq(load(&li, tpath, &opt_any), 0);
	ck_assert(lines_next(&li, &line, &len));
	ck_assert_uint_eq(len, 9);
	line[3] = '\0';
	ck_assert_str_eq(line, "key");
	ck_assert(lines_next(&li, &line, &len));
	ck_assert_str_eq(line, "next");
	ck_assert_uint_eq(len, 4);
	ck_assert(!lines_next(&li, &line, &len));
	ck_assert(!lines_next(&li, &line, &len));
	lines_close(&li);
}
END_TEST

/* A second pass gives the same lines and numbers as the first. */
START_TEST(test_lines_rewind)
{
	static const char text[] = "one\r\ntwo\n\nfour";
	char first[128], second[128];
	struct lines li;

	write_file(text, sizeof(text) - 1);
	ck_assert_int_eq(load(&li, tpath, &opt_any), 0);
	ck_assert_uint_eq(all_lines(&li, first, sizeof(first)), 4);
	lines_rewind(&li);
	ck_assert_uint_eq(li.li_line, 0);
	ck_assert_uint_eq(all_lines(&li, second, sizeof(second)), 4);
	ck_assert_str_eq(first, "1:one|2:two|3:|4:four|");
	ck_assert_str_eq(second, first);
	lines_close(&li);
}
END_TEST

/* Longer than lo_linemax (CR counted): reported, skipped, counted. */
START_TEST(test_lines_long_line)
{
	static const struct lines_opt opt = { LINES_ANY, "read error", 0, 4 };
	static const char text[] = "abcd\nabcde\nabc\r\nabcd\r\nend\n";
	struct lines li;
	char got[128];

	write_file(text, sizeof(text) - 1);
	ck_assert_int_eq(load(&li, tpath, &opt), 0);
	ck_assert_uint_eq(all_lines(&li, got, sizeof(got)), 3);
	ck_assert_str_eq(got, "1:abcd|3:abc|5:end|");
	ck_assert_uint_eq(li.li_nerr, 2);
	ck_assert_str_eq(errs,
	    subst("@:2: line longer than 4 characters\n"
		  "@:4: line longer than 4 characters\n",
		tpath));
	lines_close(&li);
}
END_TEST

START_TEST(test_lines_open_missing)
{
	struct lines li;

	ck_assert_int_eq(load(&li, tpath, &opt_any), ENOENT);
	ck_assert_str_eq(errs,
	    subst("@: cannot open: No such file or directory\n", tpath));
	ck_assert_uint_eq(li.li_nerr, 1);
	lines_close(&li);
}
END_TEST

/* A folder, for each kind of file: the three messages the formats use. */
static const struct {
	enum lines_kind kind;
	int err;
	const char *want;
} dir_cases[] = {
	{ LINES_ANY, EISDIR, "@: read error: Is a directory\n" },
	{ LINES_NODIR, EISDIR, "@: cannot open: Is a directory\n" },
	{ LINES_REGULAR, EINVAL, "@: not a regular file\n" },
};

START_TEST(test_lines_open_directory)
{
	struct lines_opt opt = { dir_cases[_i].kind, "read error", 0, 0 };
	struct lines li;

	ck_assert_int_eq(load(&li, tdir, &opt), dir_cases[_i].err);
	ck_assert_str_eq(errs, subst(dir_cases[_i].want, tdir));
	lines_close(&li);
}
END_TEST

/* Opens, but read(2) fails. */
START_TEST(test_lines_read_error)
{
	static const struct lines_opt opt = { LINES_NODIR, "cannot read", 0,
		0 };
	struct lines li;

	ck_assert_int_eq(load(&li, "/proc/self/mem", &opt), EIO);
	ck_assert_str_eq(errs,
	    "/proc/self/mem: cannot read: Input/output error\n");
	lines_close(&li);
}
END_TEST

/* At lo_filemax bytes a file is read; one more and it is refused. */
START_TEST(test_lines_filemax)
{
	static const struct lines_opt opt = { LINES_REGULAR, "cannot read", 8,
		0 };
	struct lines li;
	char got[64];

	write_file("1234\n678", 8);
	ck_assert_int_eq(load(&li, tpath, &opt), 0);
	ck_assert_uint_eq(all_lines(&li, got, sizeof(got)), 2);
	lines_close(&li);
	write_file("1234\n6789", 9);
	ck_assert_int_eq(load(&li, tpath, &opt), EFBIG);
	ck_assert_str_eq(errs, subst("@: larger than 8 bytes\n", tpath));
	lines_close(&li);
}
END_TEST

/*
 * A file that says it is empty (procfs) is read to its end all the same,
 * growing the buffer, and the bound holds while it grows.
 */
START_TEST(test_lines_grows)
{
	static const struct lines_opt small = { LINES_ANY, "read error", 64,
		0 };
	char *line, want[4096];
	struct lines li;
	size_t len, n;
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen("/proc/self/maps", "r"));
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), fp));
	(void)fclose(fp);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_int_eq(load(&li, "/proc/self/maps", &opt_any), 0);
	ck_assert_uint_gt(li.li_len, 256);
	ck_assert(lines_next(&li, &line, &len));
	ck_assert_str_eq(line, want);
	for (n = 1; lines_next(&li, &line, &len); n++)
		ck_assert_uint_eq(strlen(line), len);
	ck_assert_uint_eq(li.li_line, n);
	lines_close(&li);
	ck_assert_int_eq(load(&li, "/proc/self/maps", &small), EFBIG);
	ck_assert_str_eq(errs, "/proc/self/maps: larger than 64 bytes\n");
	lines_close(&li);
}
END_TEST

START_TEST(test_lines_err_formats)
{
	struct lines li;

	lines_init(&li, "f.conf", &opt_any, collect, collect_warn, errs);
	lines_err(&li, 7, "bad %s", "thing");
	lines_err(&li, 0, "no %d", 3);
	lines_warn(&li, 2, "odd");
	lines_warn(&li, 0, "empty");
	ck_assert_str_eq(errs, "f.conf:7: bad thing\nf.conf: no 3\n");
	ck_assert_str_eq(warns, "f.conf:2: odd\nf.conf: empty\n");
	ck_assert_uint_eq(li.li_nerr, 2);
	lines_close(&li);
}
END_TEST

/* No handlers: nothing is called, errors are still counted. */
START_TEST(test_lines_no_handlers)
{
	struct lines li;

	lines_init(&li, tpath, &opt_any, NULL, NULL, NULL);
	ck_assert_int_eq(lines_open(&li), ENOENT);
	lines_warn(&li, 1, "w");
	ck_assert_uint_eq(li.li_nerr, 1);
	lines_close(&li);
	lines_close(&li);
	ck_assert_uint_eq(nerrs, 0);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("lines");
	TCase *tc = tcase_create("lines");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_lines_next_cases, 0,
	    (int)(sizeof(line_cases) / sizeof(line_cases[0])));
	tcase_add_test(tc, test_lines_next_writable);
	tcase_add_test(tc, test_lines_rewind);
	tcase_add_test(tc, test_lines_long_line);
	tcase_add_test(tc, test_lines_open_missing);
	tcase_add_loop_test(tc, test_lines_open_directory, 0,
	    (int)(sizeof(dir_cases) / sizeof(dir_cases[0])));
	tcase_add_test(tc, test_lines_read_error);
	tcase_add_test(tc, test_lines_filemax);
	tcase_add_test(tc, test_lines_grows);
	tcase_add_test(tc, test_lines_err_formats);
	tcase_add_test(tc, test_lines_no_handlers);
	suite_add_tcase(s, tc);
	return (s);
}
