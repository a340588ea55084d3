/*
 * sip/wshs.c: the WebSocket opening handshake (RFC 6455 4.2, RFC 7118).
 */
#include <stdio.h>
#include <string.h>

#include "sip/wshs.h"
#include "tests/unit/tests.h"

#define HDRMAX 4096

/* The RFC 6455 1.3 example, asking for sip, from a browser. */
#define REQ_(ver, extra)                                                       \
	"GET /sip HTTP/1.1\r\n"                                                \
	"Host: sip.example.com\r\n"                                            \
	"Upgrade: websocket\r\n"                                               \
	"Connection: Upgrade\r\n"                                              \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                      \
	"Sec-WebSocket-Version: " ver "\r\n" extra "\r\n"
#define REQ(extra) REQ_("13", "Sec-WebSocket-Protocol: sip\r\n" extra)

static struct wshs hs;

static enum wshs_verdict
parse(const char *req, const char *const *origins, size_t n)
{
	wshs_parse(req, strlen(req), HDRMAX, origins, n, &hs);
	return (hs.hs_verdict);
}

START_TEST(test_wshs_rfc6455_example)
{
	static const char req[] = REQ("Origin: https://phone.example.com\r\n");
	char out[512];

	ck_assert_int_eq(parse(req, NULL, 0), WSHS_OK);
	ck_assert_uint_eq(hs.hs_len, strlen(req));
	/* RFC 6455 1.3: the accept value of this key. */
	ck_assert_str_eq(hs.hs_accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_uint_gt(wshs_reply(&hs, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "Sec-WebSocket-Protocol: sip\r\n\r\n");
	/* Too small a buffer: nothing. */
	ck_assert_uint_eq(wshs_reply(&hs, out, 40), 0);
}
END_TEST

/* Frames may follow at once: hs_len stops at the empty line. */
START_TEST(test_wshs_bytes_after)
{
	char req[1024];

	(void)snprintf(req, sizeof(req), "%s\x81\x05hello", REQ(""));
	ck_assert_int_eq(parse(req, NULL, 0), WSHS_OK);
	ck_assert_uint_eq(hs.hs_len, strlen(REQ("")));
}
END_TEST

START_TEST(test_wshs_more_then_too_big)
{
	static const char req[] = REQ("");
	char big[HDRMAX + 64];
	size_t i;

	for (i = 0; i < sizeof(req) - 1; i++) {
		wshs_parse(req, i, HDRMAX, NULL, 0, &hs);
		ck_assert_int_eq(hs.hs_verdict, WSHS_MORE);
	}
	/* A header block that never ends within maxhdr. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	wshs_parse(big, HDRMAX - 1, HDRMAX, NULL, 0, &hs);
	ck_assert_int_eq(hs.hs_verdict, WSHS_MORE);
	wshs_parse(big, HDRMAX, HDRMAX, NULL, 0, &hs);
	ck_assert_int_eq(hs.hs_verdict, WSHS_TOOBIG);
	wshs_parse(big, sizeof(big), HDRMAX, NULL, 0, &hs);
	ck_assert_int_eq(hs.hs_verdict, WSHS_TOOBIG);
	/* A whole request over maxhdr is too big as well. */
	wshs_parse(req, sizeof(req) - 1, 64, NULL, 0, &hs);
	ck_assert_int_eq(hs.hs_verdict, WSHS_TOOBIG);
}
END_TEST

static const struct {
	const char *req;
	enum wshs_verdict want;
} cases[] = {
	/* The subprotocol: sip, among others; exactly (case-sensitive). */
	{ REQ_("13", "Sec-WebSocket-Protocol: chat, sip\r\n"), WSHS_OK },
	{ REQ_("13",
	      "Sec-WebSocket-Protocol: chat\r\n"
	      "Sec-WebSocket-Protocol: sip\r\n"),
	    WSHS_OK },
	{ REQ_("13", ""), WSHS_BAD },
	{ REQ_("13", "Sec-WebSocket-Protocol: chat\r\n"), WSHS_BAD },
	{ REQ_("13", "Sec-WebSocket-Protocol: SIP\r\n"), WSHS_BAD },
	{ REQ_("13", "Sec-WebSocket-Protocol: sips\r\n"), WSHS_BAD },
	/* The version. */
	{ REQ_("8", "Sec-WebSocket-Protocol: sip\r\n"), WSHS_UPGRADE },
	{ REQ_("13, 8", "Sec-WebSocket-Protocol: sip\r\n"), WSHS_UPGRADE },
	/* Not an upgrade: a plain GET gets 426, not a page. */
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", WSHS_UPGRADE },
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_UPGRADE },
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
	  "Connection: Upgrade\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_UPGRADE },
	/* Token lists, any case. */
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nupgrade: WebSocket\r\n"
	  "CONNECTION: keep-alive, upgrade\r\n"
	  "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version:13\r\nSec-WebSocket-Protocol:  sip \r\n\r\n",
	    WSHS_OK },
	/* The key: 16 bytes in base64, once. */
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_BAD },
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\nSec-WebSocket-Key: "
	  "dGhlIHNhbXBsZSBub25jZR==\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_BAD },
	{ "GET /sip HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\nSec-WebSocket-Key: "
	  "dGhlIHNhbXBsZSBub2*jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_BAD },
	{ REQ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), WSHS_BAD },
	/* The request line and the header block. */
	{ "POST /sip HTTP/1.1\r\nHost: a\r\n\r\n", WSHS_BAD },
	{ "GET /sip HTTP/1.0\r\nHost: a\r\n\r\n", WSHS_BAD },
	{ "GET  HTTP/1.1\r\nHost: a\r\n\r\n", WSHS_BAD },
	{ "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", WSHS_BAD },
	{ "get /sip HTTP/1.1\r\nHost: a\r\n\r\n", WSHS_BAD },
	{ REQ("X-Folded: a\r\n b\r\n"), WSHS_BAD },
	{ REQ("X-Bare: a\nb\r\n"), WSHS_BAD },
	{ REQ("Bad Name: x\r\n"), WSHS_BAD },
	{ REQ("NoColon\r\n"), WSHS_BAD },
	{ REQ("Host: other.example.com\r\n"), WSHS_BAD },
	{ "GET /sip HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
	    WSHS_BAD },
};

START_TEST(test_wshs_cases)
{
	char out[512];

	ck_assert_msg(parse(cases[_i].req, NULL, 0) == cases[_i].want,
	    "case %d: verdict %d, want %d (%s)", _i, hs.hs_verdict,
	    cases[_i].want, hs.hs_why ? hs.hs_why : "");
	ck_assert(hs.hs_verdict == WSHS_OK || hs.hs_why != NULL);
	ck_assert_uint_gt(wshs_reply(&hs, out, sizeof(out)), 0);
	if (hs.hs_verdict != WSHS_OK)
		ck_assert_ptr_nonnull(strstr(out, "\r\nConnection: close\r\n"));
	if (hs.hs_verdict == WSHS_UPGRADE)
		ck_assert(strncmp(out, "HTTP/1.1 426 Upgrade Required\r\n",
			      31) == 0 &&
		    strstr(out, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
	if (hs.hs_verdict == WSHS_BAD)
		ck_assert(
		    strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
}
END_TEST

START_TEST(test_wshs_origin)
{
	static const char *const origins[] = { "https://phone.example.com",
		"https://other.example.com" };
	char out[512];

	ck_assert_int_eq(parse(REQ("Origin: https://other.example.com\r\n"),
			     origins, 2),
	    WSHS_OK);
	ck_assert_int_eq(parse(REQ("Origin: https://evil.example.net\r\n"),
			     origins, 2),
	    WSHS_FORBIDDEN);
	ck_assert_uint_gt(wshs_reply(&hs, out, sizeof(out)), 0);
	ck_assert(strncmp(out, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	/* Exactly: no prefix, no case folding, no second Origin. */
	ck_assert_int_eq(parse(REQ("Origin: "
				   "https://phone.example.com.evil\r\n"),
			     origins, 2),
	    WSHS_FORBIDDEN);
	ck_assert_int_eq(parse(REQ("Origin: HTTPS://PHONE.EXAMPLE.COM\r\n"),
			     origins, 2),
	    WSHS_FORBIDDEN);
	ck_assert_int_eq(parse(REQ("Origin: https://phone.example.com\r\n"
				   "Origin: https://evil.example.net\r\n"),
			     origins, 2),
	    WSHS_FORBIDDEN);
	/* Listed origins and none sent (not a browser): refused. */
	ck_assert_int_eq(parse(REQ(""), origins, 2), WSHS_FORBIDDEN);
	/* None listed: any, or none. */
	ck_assert_int_eq(parse(REQ("Origin: https://evil.example.net\r\n"),
			     NULL, 0),
	    WSHS_OK);
	ck_assert_int_eq(parse(REQ(""), NULL, 0), WSHS_OK);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("wshs");
	TCase *tc = tcase_create("wshs");

	tcase_add_test(tc, test_wshs_rfc6455_example);
	tcase_add_test(tc, test_wshs_bytes_after);
	tcase_add_test(tc, test_wshs_more_then_too_big);
	tcase_add_loop_test(tc, test_wshs_cases, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_wshs_origin);
	suite_add_tcase(s, tc);
	return (s);
}
