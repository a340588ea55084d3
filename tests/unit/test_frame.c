/*
 * sip/frame.c: SIP framing on a stream.  Every input is copied into a
 * buffer of its exact size, so that under ASan a read past len fails the
 * test that made it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/frame.h"
#include "tests.h"

#define MAXHDR 16384
#define MAXMSG 65535

#define WHY_HDR  "header block over tcp_max_header"
#define WHY_BIG  "message too big"
#define WHY_NOCL "no Content-Length on a stream"
#define WHY_CL   "bad Content-Length"

#define HEAD                                                                   \
	"OPTIONS sip:proxy.example.com SIP/2.0\r\n"                            \
	"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"          \
	"Max-Forwards: 70\r\n"                                                 \
	"To: <sip:proxy.example.com>\r\n"                                      \
	"From: <sip:alice@example.com>;tag=1928301774\r\n"                     \
	"Call-ID: a84b4c76e66710\r\n"                                          \
	"CSeq: 63104 OPTIONS\r\n"

static const char msg_options[] = HEAD "Content-Length: 0\r\n"
				       "\r\n";
static const char msg_body[] = HEAD "Content-Type: text/plain\r\n"
				    "Content-Length: 5\r\n"
				    "\r\n"
				    "hello";

/* frame_next() on an exact-size copy of s. */
static void
fr_call(const char *s, size_t len, size_t maxhdr, size_t maxmsg,
    struct frame *fr)
{
	char *buf = malloc(len == 0 ? 1 : len);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, s, len);
	memset(fr, 0xa5, sizeof(*fr));
	frame_next(buf, len, maxhdr, maxmsg, fr);
	free(buf);
}

static void
fr_want(const struct frame *fr, enum frame_kind kind, size_t len)
{
	ck_assert_int_eq(fr->fr_kind, kind);
	ck_assert_uint_eq(fr->fr_len, len);
	ck_assert(!fr->fr_toobig);
	ck_assert_ptr_null(fr->fr_why);
}

static void
fr_want_bad(const struct frame *fr, const char *why, bool toobig)
{
	ck_assert_int_eq(fr->fr_kind, FRAME_BAD);
	ck_assert_uint_eq(fr->fr_len, 0);
	ck_assert_int_eq(fr->fr_toobig, toobig);
	ck_assert_str_eq(fr->fr_why, why);
}

/* The NUL-terminated s with the default limits. */
static struct frame
fr_str(const char *s)
{
	struct frame fr;

	fr_call(s, strlen(s), MAXHDR, MAXMSG, &fr);
	return (fr);
}

/* A header block with the given header lines, then body. */
static size_t
fr_make(char *out, size_t size, const char *hdrs, const char *body)
{
	int n = snprintf(out, size, "%s%s\r\n%s", HEAD, hdrs, body);

	ck_assert(n > 0 && (size_t)n < size);
	return ((size_t)n);
}

START_TEST(test_frame_one_msg)
{
	struct frame fr = fr_str(msg_options);

	fr_want(&fr, FRAME_MSG, strlen(msg_options));
}
END_TEST

START_TEST(test_frame_body)
{
	size_t len = strlen(msg_body);
	struct frame fr;

	fr = fr_str(msg_body);
	fr_want(&fr, FRAME_MSG, len);
	/* Headers complete, body not. */
	fr_call(msg_body, len - 5, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
	fr_call(msg_body, len - 1, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
}
END_TEST

/* Two messages in one read: the first, then the rest. */
START_TEST(test_frame_two_coalesced)
{
	char buf[2048];
	size_t l1 = strlen(msg_body), l2 = strlen(msg_options);
	struct frame fr;

	memcpy(buf, msg_body, l1);
	memcpy(buf + l1, msg_options, l2);
	fr_call(buf, l1 + l2, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, l1);
	fr_call(buf + l1, l2, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, l2);
	/* And the start of a third one. */
	fr_call(buf, l1 + 10, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, l1);
}
END_TEST

/* Every prefix is MORE; the whole message is MSG. */
START_TEST(test_frame_split_every_offset)
{
	static const char *const msgs[] = { msg_options, msg_body };
	const char *m = msgs[_i];
	size_t len = strlen(m), k;
	struct frame fr;

	for (k = 0; k < len; k++) {
		fr_call(m, k, MAXHDR, MAXMSG, &fr);
		ck_assert_msg(fr.fr_kind == FRAME_MORE && fr.fr_len == 0,
		    "prefix %zu: kind %d", k, (int)fr.fr_kind);
	}
	fr_call(m, len, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, len);
}
END_TEST

START_TEST(test_frame_ping)
{
	struct frame fr;

	fr = fr_str("\r\n\r\n");
	fr_want(&fr, FRAME_PING, 4);
	fr = fr_str("\r\n\r\n\r\n\r\n");
	fr_want(&fr, FRAME_PING, 4);
	fr = fr_str("\r\n\r\nOPTIONS sip:x SIP/2.0\r\n");
	fr_want(&fr, FRAME_PING, 4);
}
END_TEST

START_TEST(test_frame_pong)
{
	struct frame fr;

	fr = fr_str("\r\nO");
	fr_want(&fr, FRAME_PONG, 2);
	fr = fr_str("\r\n\n");
	fr_want(&fr, FRAME_PONG, 2);
	/* "\r\n\r" then not "\n": no ping, so the first CRLF is alone. */
	fr = fr_str("\r\n\rX");
	fr_want(&fr, FRAME_PONG, 2);
}
END_TEST

/* Too short to tell a ping from a pong. */
START_TEST(test_frame_crlf_prefix)
{
	static const char *const in[] = { "", "\r", "\r\n", "\r\n\r" };
	struct frame fr;

	fr = fr_str(in[_i]);
	fr_want(&fr, FRAME_MORE, 0);
	/* Even with limits smaller than that. */
	fr_call(in[_i], strlen(in[_i]), 0, 0, &fr);
	fr_want(&fr, FRAME_MORE, 0);
}
END_TEST

/* RFC 3261 7.5: CRLFs before a message are skipped two at a time. */
START_TEST(test_frame_crlf_before_msg)
{
	char buf[1024];
	size_t len = strlen(msg_options), off = 0;
	struct frame fr;

	memcpy(buf, "\r\n\r\n\r\n", 6);
	memcpy(buf + 6, msg_options, len);
	len += 6;
	fr_call(buf + off, len - off, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_PING, 4);
	off += fr.fr_len;
	fr_call(buf + off, len - off, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_PONG, 2);
	off += fr.fr_len;
	fr_call(buf + off, len - off, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, strlen(msg_options));
}
END_TEST

/* The name in every spelling a receiver must accept. */
static const char *const cl_names[] = {
	"Content-Length: 5\r\n",
	"l: 5\r\n",
	"L:5\r\n",
	"content-length: 5\r\n",
	"CONTENT-LENGTH:5\r\n",
	"cOnTeNt-LeNgTh:\t5\t\r\n",
	"Content-Length \t : 5\r\n",
	"l  :  5  \r\n",
	"Content-Length: 005\r\n",
	"Content-Length:\r\n 5\r\n",
	"Content-Length: 5\r\n\t \r\n",
	"l: 5\r\nContent-Length: 5\r\n",
	"Content-Length: 5\r\nl: 05\r\n",
};

START_TEST(test_frame_cl_spellings)
{
	char buf[1024];
	size_t len;
	struct frame fr;

	len = fr_make(buf, sizeof(buf), cl_names[_i], "hello");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, len);
	fr_call(buf, len - 1, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
}
END_TEST

/* Content-Length text that is not at the start of a header line. */
START_TEST(test_frame_cl_not_at_line_start)
{
	char buf[1024];
	size_t len;
	struct frame fr;

	/* In a folded line: part of Subject. */
	len = fr_make(buf, sizeof(buf),
	    "Subject: hi\r\n Content-Length: 99\r\n"
	    "Content-Length: 0\r\n",
	    "");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, len);
	len = fr_make(buf, sizeof(buf),
	    "Subject: hi\r\n\tContent-Length: 0\r\n", "");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_NOCL, false);
	/* Inside another header's value or name. */
	len = fr_make(buf, sizeof(buf),
	    "Subject: Content-Length: 0\r\n"
	    "X-Content-Length: 0\r\nContent-Lengthy: 0\r\nll: 0\r\n",
	    "");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_NOCL, false);
}
END_TEST

/*
 * A bare LF or CR in the header block: unframeable, since a scanner that
 * ends lines at a bare LF would see other headers (a message smuggled in
 * another's body).  A bare LF in the body is the body's business.
 */
START_TEST(test_frame_bare_lf_or_cr)
{
	static const char *const bad[] = {
		"Subject: hi\nContent-Length: 0\r\n",
		"Subject: hi\rContent-Length: 0\r\n",
		"Content-Length: 0\r\nX: a\n\r\n",
	};
	char buf[1024];
	struct frame fr;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = fr_make(buf, sizeof(buf), bad[i], "");
		fr_call(buf, len, MAXHDR, MAXMSG, &fr);
		fr_want_bad(&fr, "bare CR or LF in a header block", false);
	}
	/* "ACK ...\r\n\n" + an INVITE: one bad block, not an ACK with a body.
	 */
	fr = fr_str("ACK sip:a@b SIP/2.0\r\nCall-ID: 1\r\n\n"
		    "INVITE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n");
	fr_want_bad(&fr, "bare CR or LF in a header block", false);
	len = fr_make(buf, sizeof(buf), "Content-Length: 4\r\n", "a\nb\r");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, len);
}
END_TEST

/* The start line is never a header. */
START_TEST(test_frame_cl_start_line)
{
	struct frame fr;

	fr = fr_str("Content-Length: 0\r\nVia: x\r\n\r\n");
	fr_want_bad(&fr, WHY_NOCL, false);
	fr = fr_str("l:0\r\n\r\n");
	fr_want_bad(&fr, WHY_NOCL, false);
}
END_TEST

START_TEST(test_frame_cl_missing)
{
	char buf[1024];
	size_t len;
	struct frame fr;

	len = fr_make(buf, sizeof(buf), "", "");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_NOCL, false);
	fr = fr_str("OPTIONS sip:x SIP/2.0\r\n\r\n");
	fr_want_bad(&fr, WHY_NOCL, false);
}
END_TEST

static const char *const cl_bad[] = {
	"Content-Length:\r\n",
	"Content-Length: \r\n",
	"Content-Length: abc\r\n",
	"Content-Length: 5a\r\n",
	"Content-Length: -1\r\n",
	"Content-Length: +5\r\n",
	"Content-Length: 5 5\r\n",
	"Content-Length: 0x10\r\n",
	"Content-Length: 5;x\r\n",
	"l: 5,5\r\n",
	/* Two different values, however written. */
	"Content-Length: 5\r\nContent-Length: 6\r\n",
	"Content-Length: 5\r\nl: 50\r\n",
	"l: 5\r\nContent-Length: 0\r\n",
	"Content-Length: 5\r\nContent-Length: x\r\n",
	"Content-Length: 5\r\nContent-Length: 99999999999999999999999\r\n",
};

START_TEST(test_frame_cl_bad)
{
	char buf[1024];
	size_t len;
	struct frame fr;

	len = fr_make(buf, sizeof(buf), cl_bad[_i], "hello");
	fr_call(buf, len, MAXHDR, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_CL, false);
	/* Known as soon as the header block is complete. */
	fr_call(buf, len - 5, MAXHDR, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_CL, false);
}
END_TEST

/* No end of headers within maxhdr bytes. */
START_TEST(test_frame_hdr_toobig_open)
{
	char buf[256];
	struct frame fr;

	memset(buf, 'A', sizeof(buf));
	fr_call(buf, 63, 64, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
	fr_call(buf, 64, 64, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
	fr_call(buf, sizeof(buf), 64, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
	/* Three bytes of the end in, the fourth one past maxhdr. */
	memcpy(buf + 61, "\r\n\r\n", 4);
	fr_call(buf, 64, 64, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
	fr_call(buf, 65, 64, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
}
END_TEST

/* A header block of exactly maxhdr bytes, and one byte over. */
START_TEST(test_frame_hdr_boundary)
{
	char buf[1024];
	size_t len, hlen;
	struct frame fr;

	len = fr_make(buf, sizeof(buf), "Content-Length: 5\r\n", "hello");
	hlen = len - 5;
	fr_call(buf, len, hlen, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, len);
	fr_call(buf, hlen, hlen, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
	fr_call(buf, len, hlen - 1, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
	fr_call(buf, hlen - 1, hlen - 1, MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
	fr_call(buf, hlen - 2, hlen - 1, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
}
END_TEST

/* A message of exactly maxmsg bytes, and one byte over. */
START_TEST(test_frame_msg_boundary)
{
	char buf[1024];
	size_t len;
	struct frame fr;

	len = fr_make(buf, sizeof(buf), "Content-Length: 5\r\n", "hello");
	fr_call(buf, len, MAXHDR, len, &fr);
	fr_want(&fr, FRAME_MSG, len);
	fr_call(buf, len, MAXHDR, len - 1, &fr);
	fr_want_bad(&fr, WHY_BIG, true);
	/* Known from the header block alone. */
	fr_call(buf, len - 5, MAXHDR, len - 1, &fr);
	fr_want_bad(&fr, WHY_BIG, true);
	/* maxmsg smaller than the header block itself. */
	fr_call(buf, len, MAXHDR, len - 10, &fr);
	fr_want_bad(&fr, WHY_BIG, true);
}
END_TEST

/* A body over maxmsg is refused before it arrives. */
START_TEST(test_frame_body_toobig)
{
	static const char *const cls[] = {
		"Content-Length: 65535\r\n",
		"Content-Length: 70000\r\n",
		"l: 4294967296\r\n",
		"l: 18446744073709551616\r\n",
		"Content-Length: 99999999999999999999999999999999999999\r\n",
		("Content-Length: 99999999999999999999\r\nl: "
		 "099999999999999999999\r\n"),
	};
	char buf[1024];
	size_t len, i;
	struct frame fr;

	for (i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		len = fr_make(buf, sizeof(buf), cls[i], "");
		fr_call(buf, len, MAXHDR, MAXMSG, &fr);
		fr_want_bad(&fr, WHY_BIG, true);
	}
}
END_TEST

/* Only CRLF ends a line: an LF-only message never frames. */
START_TEST(test_frame_lf_only)
{
	static const char lf[] = "OPTIONS sip:x SIP/2.0\nContent-Length: 0\n\n";
	struct frame fr;

	fr = fr_str(lf);
	fr_want(&fr, FRAME_MORE, 0);
	fr_call(lf, strlen(lf), strlen(lf), MAXMSG, &fr);
	fr_want_bad(&fr, WHY_HDR, true);
}
END_TEST

/* Bytes past len are never looked at, NULs are ordinary bytes. */
START_TEST(test_frame_reads_len_only)
{
	static const char nul[] = "X\0Y\r\nl: 1\r\n\r\n\0";
	struct frame fr;

	fr_call(msg_options, strlen(msg_options) - 1, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MORE, 0);
	fr_call(nul, sizeof(nul) - 1, MAXHDR, MAXMSG, &fr);
	fr_want(&fr, FRAME_MSG, sizeof(nul) - 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, test_frame_one_msg);
	tcase_add_test(tc, test_frame_body);
	tcase_add_test(tc, test_frame_two_coalesced);
	tcase_add_loop_test(tc, test_frame_split_every_offset, 0, 2);
	tcase_add_test(tc, test_frame_ping);
	tcase_add_test(tc, test_frame_pong);
	tcase_add_loop_test(tc, test_frame_crlf_prefix, 0, 4);
	tcase_add_test(tc, test_frame_crlf_before_msg);
	tcase_add_loop_test(tc, test_frame_cl_spellings, 0,
	    (int)(sizeof(cl_names) / sizeof(cl_names[0])));
	tcase_add_test(tc, test_frame_cl_not_at_line_start);
	tcase_add_test(tc, test_frame_bare_lf_or_cr);
	tcase_add_test(tc, test_frame_cl_start_line);
	tcase_add_test(tc, test_frame_cl_missing);
	tcase_add_loop_test(tc, test_frame_cl_bad, 0,
	    (int)(sizeof(cl_bad) / sizeof(cl_bad[0])));
	tcase_add_test(tc, test_frame_hdr_toobig_open);
	tcase_add_test(tc, test_frame_hdr_boundary);
	tcase_add_test(tc, test_frame_msg_boundary);
	tcase_add_test(tc, test_frame_body_toobig);
	tcase_add_test(tc, test_frame_lf_only);
	tcase_add_test(tc, test_frame_reads_len_only);
	suite_add_tcase(s, tc);
	return (s);
}
