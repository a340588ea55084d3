/*
 * core/log.c: line format (text and JSON), escaping, truncation, levels,
 * targets.  Lines are checked whole: the timestamp is checked for its shape
 * and cut off, the rest compared as a string.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <event2/event.h>

#include <re.h>

#include "core/addr.h"
#include "core/log.h"
#include "proxy/evlog.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define TS_LEN 24 /* 2026-11-24T06:33:36.123Z */

static char tmpdir[64];

static void
setup_text(void)
{
	ck_assert_int_eq(log_open("stderr", LOGL_DEBUG, LOGF_TEXT), 0);
}

static void
setup_json(void)
{
	ck_assert_int_eq(log_open("stderr", LOGL_DEBUG, LOGF_JSON), 0);
}

static void
teardown_log(void)
{
	log_close();
}

/* A temporary folder for file targets, removed with what it holds. */
static void
setup_dir(void)
{
	setup_text();
	tu_dir_make(tmpdir, sizeof(tmpdir), "log");
}

static void
teardown_dir(void)
{
	log_close();
	ck_assert_int_eq(tu_dir_remove(tmpdir), 0);
}

/* Does s start with a timestamp of the form 2026-11-24T06:33:36.123Z? */
static bool
is_ts(const char *s)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	for (i = 0; i < TS_LEN; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
				      s[i] != shape[i])
			return (false);
	}
	return (true);
}

/* The text line after "TIMESTAMP ". */
static const char *
text_body(const char *line)
{
	ck_assert_msg(is_ts(line), "no timestamp: %s", line);
	ck_assert_int_eq(line[TS_LEN], ' ');
	return (line + TS_LEN + 1);
}

/* The JSON line after {"ts":"TIMESTAMP" */
static const char *
json_body(const char *line)
{
	ck_assert_msg(strncmp(line, "{\"ts\":\"", 7) == 0, "%s", line);
	ck_assert_msg(is_ts(line + 7), "no timestamp: %s", line);
	ck_assert_int_eq(line[7 + TS_LEN], '"');
	return (line + 8 + TS_LEN);
}

/* One JSON string; returns what follows it or NULL. */
static const char *
json_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return (NULL);
	for (; *p != '"'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return (NULL);
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++) {
				if (!isxdigit((unsigned char)p[i]))
					return (NULL);
			}
			p += 4;
		} else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL)
			return (NULL);
	}
	return (p + 1);
}

static const char *
json_number(const char *p)
{
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return (NULL);
	while (isdigit((unsigned char)*p))
		p++;
	return (p);
}

/* A flat JSON object of strings and numbers, then a newline, ASCII only. */
static bool
json_valid_line(const char *p)
{
	if (*p++ != '{')
		return (false);
	while (*p != '}') {
		if ((p = json_string(p)) == NULL || *p++ != ':')
			return (false);
		p = *p == '"' ? json_string(p) : json_number(p);
		if (p == NULL)
			return (false);
		if (*p == ',' && p[1] != '}')
			p++;
		else if (*p != '}')
			return (false);
	}
	return (strcmp(p, "}\n") == 0);
}

static const struct {
	const char *in;
	enum log_level want;
	int err;
} level_cases[] = {
	{ "error", LOGL_ERROR, 0 },
	{ "warn", LOGL_WARN, 0 },
	{ "info", LOGL_INFO, 0 },
	{ "debug", LOGL_DEBUG, 0 },
	{ "WARN", 0, EINVAL },
	{ "warning", 0, EINVAL },
	{ "", 0, EINVAL },
	{ "info ", 0, EINVAL },
};

START_TEST(test_log_level_parse_table)
{
	enum log_level lvl = LOGL_INFO;

	ck_assert_int_eq(log_level_parse(level_cases[_i].in, &lvl),
	    level_cases[_i].err);
	if (level_cases[_i].err == 0)
		ck_assert_int_eq(lvl, level_cases[_i].want);
}
END_TEST

static const struct {
	const char *in;
	enum log_format want;
	int err;
} format_cases[] = {
	{ "text", LOGF_TEXT, 0 },
	{ "json", LOGF_JSON, 0 },
	{ "JSON", 0, EINVAL },
	{ "xml", 0, EINVAL },
	{ "", 0, EINVAL },
};

START_TEST(test_log_format_parse_table)
{
	enum log_format fmt = LOGF_TEXT;

	ck_assert_int_eq(log_format_parse(format_cases[_i].in, &fmt),
	    format_cases[_i].err);
	if (format_cases[_i].err == 0)
		ck_assert_int_eq(fmt, format_cases[_i].want);
}
END_TEST

/* A value (bytes, length) and how each format writes it. */
static const struct {
	const char *in;
	size_t len;
	const char *text;
	const char *json;
} esc_cases[] = {
	{ "abc", 3, "abc", "\"abc\"" },
	{ "", 0, "\"\"", "\"\"" },
	{ "a b", 3, "\"a b\"", "\"a b\"" },
	{ "a=b", 3, "\"a=b\"", "\"a=b\"" },
	{ "a\"b", 3, "\"a\\\"b\"", "\"a\\\"b\"" },
	{ "a\\b", 3, "\"a\\\\b\"", "\"a\\\\b\"" },
	{ "\r", 1, "\"\\x0d\"", "\"\\r\"" },
	{ "\n", 1, "\"\\x0a\"", "\"\\n\"" },
	{ "a\tb", 3, "\"a\\x09b\"", "\"a\\tb\"" },
	{ "\xc3\xa9", 2, "\"\\xc3\\xa9\"", "\"\\u00c3\\u00a9\"" },
	{ "a\0b", 3, "\"a\\x00b\"", "\"a\\u0000b\"" },
	{ "\x7f", 1, "\"\\x7f\"", "\"\\u007f\"" },
	{ "\x1b[2J", 4, "\"\\x1b[2J\"", "\"\\u001b[2J\"" },
	{ "x\r\nevent=auth_ok", 16, "\"x\\x0d\\x0aevent=auth_ok\"",
	    "\"x\\r\\nevent=auth_ok\"" },
	{ "!#$%&'()*+,-./:;<>?@[]^_`{|}~", 29, "!#$%&'()*+,-./:;<>?@[]^_`{|}~",
	    "\"!#$%&'()*+,-./:;<>?@[]^_`{|}~\"" },
};

START_TEST(test_log_format_line_text_escape)
{
	char buf[LOG_LINEMAX], want[256];
	struct pl pl = { esc_cases[_i].in, esc_cases[_i].len };

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL, "v=%r",
	    &pl);
	(void)snprintf(want, sizeof(want), "sipwarden[%d] INFO event=t v=%s\n",
	    (int)getpid(), esc_cases[_i].text);
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_escape)
{
	char buf[LOG_LINEMAX], want[256];
	struct pl pl = { esc_cases[_i].in, esc_cases[_i].len };

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL, "v=%r",
	    &pl);
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"info\",\"pid\":%d,\"event\":\"t\",\"v\":%s}\n",
	    (int)getpid(), esc_cases[_i].json);
	ck_assert_str_eq(json_body(buf), want);
	ck_assert(json_valid_line(buf));
}
END_TEST

START_TEST(test_log_format_line_text_forged_value)
{
	char buf[LOG_LINEMAX], want[256];
	struct sa src;

	tu_set_sa(&src, "2001:db8::7", 5060);
	(void)log_format_line(buf, sizeof(buf), LOGL_WARN, "auth_fail", &src,
	    "user=%s reason=%s method=%s", "x\" event=auth_ok", "unknown_user",
	    "INVITE");
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] WARN event=auth_fail src=[2001:db8::7]:5060 "
	    "user=\"x\\\" event=auth_ok\" reason=unknown_user method=INVITE\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_forged_value)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_WARN, "auth_fail", NULL,
	    "user=%s", "x\",\"event\":\"auth_ok");
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"warn\",\"pid\":%d,\"event\":\"auth_fail\","
	    "\"user\":\"x\\\",\\\"event\\\":\\\"auth_ok\"}\n",
	    (int)getpid());
	ck_assert_str_eq(json_body(buf), want);
	ck_assert(json_valid_line(buf));
}
END_TEST

START_TEST(test_log_format_line_text_spec_example)
{
	char buf[LOG_LINEMAX], want[256];
	struct pl user = { "1001", 4 };
	struct sa src;

	tu_set_sa(&src, "203.0.113.7", 5060);
	(void)log_format_line(buf, sizeof(buf), LOGL_WARN, "auth_fail", &src,
	    "user=%r reason=%s method=%s", &user, "bad_response", "REGISTER");
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] WARN event=auth_fail src=203.0.113.7:5060 "
	    "user=1001 reason=bad_response method=REGISTER\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_spec_example)
{
	char buf[LOG_LINEMAX], want[256];
	struct pl user = { "1001", 4 };
	struct sa src;

	tu_set_sa(&src, "203.0.113.7", 5060);
	(void)log_format_line(buf, sizeof(buf), LOGL_WARN, "auth_fail", &src,
	    "user=%r reason=%s method=%s", &user, "bad_response", "REGISTER");
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"warn\",\"pid\":%d,\"event\":\"auth_fail\","
	    "\"src\":\"203.0.113.7:5060\",\"user\":\"1001\","
	    "\"reason\":\"bad_response\",\"method\":\"REGISTER\"}\n",
	    (int)getpid());
	ck_assert_str_eq(json_body(buf), want);
	ck_assert(json_valid_line(buf));
}
END_TEST

START_TEST(test_log_format_line_text_timestamp_utc)
{
	char buf[LOG_LINEMAX], before[32], after[32];
	struct timespec ts;
	struct tm tm;
	time_t now;

	now = time(NULL);
	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL, NULL);
	ck_assert(is_ts(buf));
	/*
	 * The UTC minute of a clock read before or after it: time() may lag
	 * CLOCK_REALTIME by a tick, so a minute can turn in between either way.
	 */
	(void)gmtime_r(&now, &tm);
	(void)strftime(before, sizeof(before), "%Y-%m-%dT%H:%M", &tm);
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(after, sizeof(after), "%Y-%m-%dT%H:%M", &tm);
	ck_assert_msg(strncmp(buf, before, 16) == 0 ||
		strncmp(buf, after, 16) == 0,
	    "%.16s is neither %s nor %s", buf, before, after);
}
END_TEST

START_TEST(test_log_format_line_text_numbers)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL,
	    "d=%d u=%u llu=%llu zu=%zu", -5, 4294967295u,
	    18446744073709551615ull, (size_t)7);
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] INFO event=t d=-5 u=4294967295 "
	    "llu=18446744073709551615 zu=7\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_numbers)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL,
	    "d=%d u=%u llu=%llu zu=%zu", -5, 4294967295u,
	    18446744073709551615ull, (size_t)7);
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"info\",\"pid\":%d,\"event\":\"t\",\"d\":-5,"
	    "\"u\":4294967295,\"llu\":18446744073709551615,\"zu\":7}\n",
	    (int)getpid());
	ck_assert_str_eq(json_body(buf), want);
	ck_assert(json_valid_line(buf));
}
END_TEST

static const struct {
	const char *ip;
	uint16_t port;
	const char *want;
} src_cases[] = {
	{ "198.51.100.20", 5062, "198.51.100.20:5062" },
	{ "2001:db8::1", 5060, "[2001:db8::1]:5060" },
	{ "::ffff:192.0.2.1", 5060, "[::ffff:192.0.2.1]:5060" },
};

START_TEST(test_log_format_line_text_src)
{
	char buf[LOG_LINEMAX], want[256];
	struct sa src;

	tu_set_sa(&src, src_cases[_i].ip, src_cases[_i].port);
	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "auth_ok", &src,
	    "user=%s", "alice");
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] INFO event=auth_ok src=%s user=alice\n",
	    (int)getpid(), src_cases[_i].want);
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_src)
{
	char buf[LOG_LINEMAX], want[256];
	struct sa src;

	tu_set_sa(&src, src_cases[_i].ip, src_cases[_i].port);
	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "auth_ok", &src,
	    "user=%s", "alice");
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"info\",\"pid\":%d,\"event\":\"auth_ok\","
	    "\"src\":\"%s\",\"user\":\"alice\"}\n",
	    (int)getpid(), src_cases[_i].want);
	ck_assert_str_eq(json_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_text_addr_fields)
{
	char buf[LOG_LINEMAX], want[256];
	struct sa a4, a6;

	tu_set_sa(&a4, "203.0.113.7", 5060);
	tu_set_sa(&a6, "2001:db8::7", 5070);
	(void)log_format_line(buf, sizeof(buf), LOGL_WARN, "ban", NULL,
	    "addr=%a peer=%j addr6=%a peer6=%j", &a4, &a4, &a6, &a6);
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] WARN event=ban addr=203.0.113.7 "
	    "peer=203.0.113.7:5060 addr6=2001:db8::7 "
	    "peer6=[2001:db8::7]:5070\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_text_null_values)
{
	char buf[LOG_LINEMAX], want[256];
	struct pl empty = { NULL, 0 };

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL,
	    "s=%s r=%r e=%r a=%j", (const char *)NULL, (const struct pl *)NULL,
	    &empty, (const struct sa *)NULL);
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] INFO event=t s=\"\" r=\"\" e=\"\" a=\"\"\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_text_no_fields)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "stop", NULL, NULL);
	(void)snprintf(want, sizeof(want), "sipwarden[%d] INFO event=stop\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_text_literal_value)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "drop", NULL,
	    "reason=not_allowed suppressed=%u", 1532u);
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] INFO event=drop reason=not_allowed "
	    "suppressed=1532\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

static const struct {
	const char *fields;
	const char *want; /* after "event=t " */
} badfmt_cases[] = {
	{ "user", "log_bad_format=user" },
	{ "user=%q", "log_bad_format=\"user=%q\"" },
	{ "a=%sx", "a=1 log_bad_format=\"a=%sx\"" },
	{ "Key=%s", "log_bad_format=\"Key=%s\"" },
	{ "=%s", "log_bad_format=\"=%s\"" },
};

START_TEST(test_log_format_line_text_bad_format)
{
	char buf[LOG_LINEMAX], want[256];

	(void)log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL,
	    badfmt_cases[_i].fields, "1");
	(void)snprintf(want, sizeof(want), "sipwarden[%d] INFO event=t %s\n",
	    (int)getpid(), badfmt_cases[_i].want);
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

static const char *const level_upper[] = { "ERROR", "WARN", "INFO", "DEBUG" };
static const char *const level_lower[] = { "error", "warn", "info", "debug" };

START_TEST(test_log_format_line_text_level_names)
{
	char buf[LOG_LINEMAX], want[64];

	(void)log_format_line(buf, sizeof(buf), (enum log_level)_i, "t", NULL,
	    NULL);
	(void)snprintf(want, sizeof(want), "sipwarden[%d] %s event=t\n",
	    (int)getpid(), level_upper[_i]);
	ck_assert_str_eq(text_body(buf), want);
}
END_TEST

START_TEST(test_log_format_line_json_level_names)
{
	char buf[LOG_LINEMAX], want[96];

	(void)log_format_line(buf, sizeof(buf), (enum log_level)_i, "t", NULL,
	    NULL);
	(void)snprintf(want, sizeof(want),
	    ",\"level\":\"%s\",\"pid\":%d,\"event\":\"t\"}\n", level_lower[_i],
	    (int)getpid());
	ck_assert_str_eq(json_body(buf), want);
}
END_TEST

/* A long value: bare (a...), quoted (spaces), or all escapes (LF, e'). */
static const char *const long_units[] = { "a", " ", "\n", "\xc3\xa9" };
static const size_t trunc_sizes[] = { 64, 100, 333, LOG_LINEMAX };

static char *
long_value(const char *unit, size_t total)
{
	char *v = malloc(total + 8);
	size_t n = 0, u = strlen(unit);

	ck_assert_ptr_nonnull(v);
	while (n + u <= total) {
		memcpy(v + n, unit, u);
		n += u;
	}
	v[n] = '\0';
	return (v);
}

START_TEST(test_log_format_line_json_truncated_valid)
{
	size_t size = trunc_sizes[_i % NITEMS(trunc_sizes)];
	char *v = long_value(long_units[_i / NITEMS(trunc_sizes)], 5000);
	char *buf = malloc(size);
	int n;

	ck_assert_ptr_nonnull(buf);
	n = log_format_line(buf, size, LOGL_INFO, "t", NULL, "a=%s b=%u", v,
	    7u);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_lt((size_t)n, size);
	ck_assert_uint_eq(strlen(buf), (size_t)n);
	ck_assert_msg(json_valid_line(buf), "invalid: %s", buf);
	free(buf);
	free(v);
}
END_TEST

START_TEST(test_log_format_line_text_truncated_bare)
{
	char buf[LOG_LINEMAX];
	char *v = long_value("a", 5000);
	int n;

	n = log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL, "v=%s x=1",
	    v);
	ck_assert_int_ge(n, LOG_LINEMAX - 4);
	ck_assert_int_le(n, LOG_LINEMAX - 1);
	ck_assert_str_eq(buf + n - 3, "aa\n");
	free(v);
}
END_TEST

START_TEST(test_log_format_line_text_truncated_escapes_whole)
{
	char buf[LOG_LINEMAX];
	char *v = long_value("\n", 5000);
	const char *p;
	int n;

	n = log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL, "v=%s", v);
	ck_assert_int_le(n, LOG_LINEMAX - 1);
	ck_assert_ptr_nonnull(p = strstr(buf, " v=\""));
	for (p += 4; strncmp(p, "\\x0a", 4) == 0; p += 4)
		;
	ck_assert_str_eq(p, "\"\n");
	free(v);
}
END_TEST

START_TEST(test_log_format_line_tiny_buffer)
{
	char buf[4] = "xyz";

	ck_assert_int_eq(log_format_line(buf, sizeof(buf), LOGL_INFO, "t", NULL,
			     NULL),
	    0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(log_format_line(buf, 0, LOGL_INFO, "t", NULL, NULL),
	    0);
}
END_TEST

START_TEST(test_log_enabled_filters_levels)
{
	ck_assert_int_eq(log_open("stderr", LOGL_WARN, LOGF_TEXT), 0);
	ck_assert_int_eq(log_get_level(), LOGL_WARN);
	ck_assert(log_enabled(LOGL_ERROR));
	ck_assert(log_enabled(LOGL_WARN));
	ck_assert(!log_enabled(LOGL_INFO));
	ck_assert(!log_enabled(LOGL_DEBUG));
}
END_TEST

static int
count_call(int *n)
{
	return (++*n);
}

START_TEST(test_log_event_disabled_skips_arguments)
{
	int calls = 0;

	ck_assert_int_eq(log_open("stderr", LOGL_ERROR, LOGF_TEXT), 0);
	log_event(LOGL_DEBUG, "t", NULL, "n=%d", count_call(&calls));
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(test_log_open_bad_arguments)
{
	ck_assert_int_eq(log_open(NULL, LOGL_INFO, LOGF_TEXT), EINVAL);
	ck_assert_int_eq(log_open("stderr", (enum log_level)9, LOGF_TEXT),
	    EINVAL);
	ck_assert_int_eq(log_open("stderr", LOGL_INFO, (enum log_format)9),
	    EINVAL);
}
END_TEST

START_TEST(test_log_emit_file_writes_lines)
{
	char path[128], want[128];
	struct stat st;
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	(void)umask(022);
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	log_event(LOGL_INFO, "start", NULL, "version=%s", "0.1.0");
	log_event(LOGL_DEBUG, "hidden", NULL, NULL);
	log_event(LOGL_WARN, "stop", NULL, NULL);
	s = tu_read_str(path);
	(void)snprintf(want, sizeof(want),
	    "sipwarden[%d] INFO event=start version=0.1.0\n", (int)getpid());
	ck_assert_int_eq(strncmp(text_body(s), want, strlen(want)), 0);
	s = strchr(s, '\n') + 1;
	(void)snprintf(want, sizeof(want), "sipwarden[%d] WARN event=stop\n",
	    (int)getpid());
	ck_assert_str_eq(text_body(s), want);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
}
END_TEST

START_TEST(test_log_emit_file_appends)
{
	char path[128];
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	tu_write(path, "old line\n", 0);
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	log_event(LOGL_INFO, "start", NULL, NULL);
	s = tu_read_str(path);
	ck_assert_int_eq(strncmp(s, "old line\n", 9), 0);
	ck_assert_ptr_nonnull(strstr(s + 9, " INFO event=start\n"));
}
END_TEST

START_TEST(test_log_emit_file_json)
{
	char path[128];
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.json");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_JSON), 0);
	log_event(LOGL_INFO, "t", NULL, "v=%s n=%d", "a\"b\n", 3);
	s = tu_read_str(path);
	ck_assert_msg(json_valid_line(s), "%s", s);
	ck_assert_ptr_nonnull(strstr(s, ",\"v\":\"a\\\"b\\n\",\"n\":3}\n"));
}
END_TEST

START_TEST(test_log_emit_file_long_line_capped)
{
	char path[128];
	char *v = long_value(" ", 10000);
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	log_event(LOGL_INFO, "t", NULL, "v=%s", v);
	log_event(LOGL_INFO, "next", NULL, NULL);
	s = tu_read_str(path);
	ck_assert_ptr_nonnull(strchr(s, '\n'));
	ck_assert_int_le(strchr(s, '\n') - s + 1, LOG_LINEMAX - 1);
	ck_assert_int_eq(strchr(s, '\n')[-1], '"');
	ck_assert_ptr_nonnull(strstr(strchr(s, '\n'), " INFO event=next\n"));
	free(v);
}
END_TEST

START_TEST(test_log_open_file_failure_keeps_old)
{
	char path[128];
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	ck_assert_int_eq(log_open("/nonexistent/dir/x.log", LOGL_DEBUG,
			     LOGF_JSON),
	    ENOENT);
	ck_assert_int_eq(log_get_level(), LOGL_INFO);
	log_event(LOGL_INFO, "still", NULL, NULL);
	s = tu_read_str(path);
	ck_assert_ptr_nonnull(strstr(s, " INFO event=still\n"));
}
END_TEST

START_TEST(test_log_reopen_follows_rename)
{
	char path[128], old[128];
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	tu_path(old, sizeof(old), tmpdir, "sw.log.1");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	log_event(LOGL_INFO, "before", NULL, NULL);
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(log_reopen(), 0);
	log_event(LOGL_INFO, "after", NULL, NULL);
	s = tu_read_str(path);
	ck_assert_ptr_nonnull(strstr(s, " event=after\n"));
	ck_assert_ptr_null(strstr(s, " event=before\n"));
	s = tu_read_str(old);
	ck_assert_ptr_nonnull(strstr(s, " event=before\n"));
}
END_TEST

/* At most per_sec lines a second; the rest counted, taken once. */
START_TEST(test_log_rate)
{
	struct log_rate lr;
	unsigned i;

	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < 3; i++)
		ck_assert(log_rate_ok(&lr, 5000 + i, 3));
	ck_assert(!log_rate_ok(&lr, 5500, 3));
	ck_assert(!log_rate_ok(&lr, 5999, 3));
	ck_assert_uint_eq(log_rate_taken(&lr), 2);
	ck_assert_uint_eq(log_rate_taken(&lr), 0);
	/* The next second starts again. */
	ck_assert(log_rate_ok(&lr, 6000, 3));
	ck_assert(!log_rate_ok(&lr, 6001, 1));
	ck_assert_uint_eq(log_rate_taken(&lr), 1);
}
END_TEST

START_TEST(test_log_emit_preserves_errno)
{
	char path[128];

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	errno = EAGAIN;
	log_emit(LOGL_INFO, "t", NULL, "v=%s", "x");
	ck_assert_int_eq(errno, EAGAIN);
	errno = ENOSPC;
	log_emit(LOGL_DEBUG, "t", NULL, NULL);
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(test_log_open_syslog_accepted)
{
	ck_assert_int_eq(log_open("syslog", LOGL_INFO, LOGF_TEXT), 0);
	errno = EINTR;
	log_event(LOGL_DEBUG, "t", NULL, NULL);
	ck_assert_int_eq(errno, EINTR);
}
END_TEST

START_TEST(test_log_libevent_hook_routes_messages)
{
	struct event_config *ec;
	struct event_base *base;
	const char **m;
	char path[128];
	const char *s;

	tu_path(path, sizeof(path), tmpdir, "sw.log");
	ck_assert_int_eq(log_open(path, LOGL_DEBUG, LOGF_TEXT), 0);
	log_libevent_hook();
	ck_assert_ptr_nonnull(ec = event_config_new());
	for (m = event_get_supported_methods(); *m != NULL; m++)
		ck_assert_int_eq(event_config_avoid_method(ec, *m), 0);
	base = event_base_new_with_config(ec);
	ck_assert_ptr_null(base);
	event_config_free(ec);
	event_set_log_callback(NULL);
	s = tu_read_str(path);
	ck_assert_msg(strstr(s, " WARN event=libevent msg=\"") != NULL, "%s",
	    s);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_log_level_parse_table, 0,
	    NITEMS(level_cases));
	tcase_add_loop_test(tc, test_log_format_parse_table, 0,
	    NITEMS(format_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, setup_text, teardown_log);
	tcase_add_loop_test(tc, test_log_format_line_text_escape, 0,
	    NITEMS(esc_cases));
	tcase_add_test(tc, test_log_format_line_text_forged_value);
	tcase_add_test(tc, test_log_format_line_text_spec_example);
	tcase_add_test(tc, test_log_format_line_text_timestamp_utc);
	tcase_add_test(tc, test_log_format_line_text_numbers);
	tcase_add_loop_test(tc, test_log_format_line_text_src, 0,
	    NITEMS(src_cases));
	tcase_add_test(tc, test_log_format_line_text_addr_fields);
	tcase_add_test(tc, test_log_format_line_text_null_values);
	tcase_add_test(tc, test_log_format_line_text_no_fields);
	tcase_add_test(tc, test_log_format_line_text_literal_value);
	tcase_add_loop_test(tc, test_log_format_line_text_bad_format, 0,
	    NITEMS(badfmt_cases));
	tcase_add_loop_test(tc, test_log_format_line_text_level_names, 0,
	    NITEMS(level_upper));
	tcase_add_test(tc, test_log_format_line_text_truncated_bare);
	tcase_add_test(tc, test_log_format_line_text_truncated_escapes_whole);
	tcase_add_test(tc, test_log_format_line_tiny_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup_json, teardown_log);
	tcase_add_loop_test(tc, test_log_format_line_json_escape, 0,
	    NITEMS(esc_cases));
	tcase_add_test(tc, test_log_format_line_json_forged_value);
	tcase_add_test(tc, test_log_format_line_json_spec_example);
	tcase_add_test(tc, test_log_format_line_json_numbers);
	tcase_add_loop_test(tc, test_log_format_line_json_src, 0,
	    NITEMS(src_cases));
	tcase_add_loop_test(tc, test_log_format_line_json_level_names, 0,
	    NITEMS(level_lower));
	tcase_add_loop_test(tc, test_log_format_line_json_truncated_valid, 0,
	    NITEMS(trunc_sizes) * NITEMS(long_units));
	suite_add_tcase(s, tc);

	tc = tcase_create("levels");
	tcase_add_checked_fixture(tc, setup_text, teardown_log);
	tcase_add_test(tc, test_log_enabled_filters_levels);
	tcase_add_test(tc, test_log_event_disabled_skips_arguments);
	tcase_add_test(tc, test_log_open_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("targets");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_test(tc, test_log_emit_file_writes_lines);
	tcase_add_test(tc, test_log_emit_file_appends);
	tcase_add_test(tc, test_log_emit_file_json);
	tcase_add_test(tc, test_log_emit_file_long_line_capped);
	tcase_add_test(tc, test_log_open_file_failure_keeps_old);
	tcase_add_test(tc, test_log_reopen_follows_rename);
	tcase_add_test(tc, test_log_emit_preserves_errno);
	tcase_add_test(tc, test_log_open_syslog_accepted);
	tcase_add_test(tc, test_log_libevent_hook_routes_messages);
	tcase_add_test(tc, test_log_rate);
	suite_add_tcase(s, tc);
	return (s);
}
