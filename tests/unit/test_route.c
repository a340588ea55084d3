/*
 * Our-route detection and the next hop (sip/pipeline.c, to become
 * sip/route.c): a Route or Request-URI that names sipwarden, flow tokens
 * in Route (a Path sipwarden gave out, and a forged one), loose routing
 * (our Route popped, the next one followed), and the next hop chosen when
 * no Route is left: the Request-URI, refused when it does not resolve
 * (502) or names sipwarden itself (482).  No sockets.
 */
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "sip/pipeline.h"
#include "tests/common/harness.h"
#include "tests/unit/tests.h"

#define CLIENT "192.0.2.10:5062"
#define PBX    "127.0.0.1:5080"

static void
setup(void)
{
	harness_setup(HARNESS_TRUST);
}

START_TEST(test_pbx_request_follows_path_token)
{
	char path[256], req[2048], b[512];

	harness_handle(HARNESS_REGISTER, CLIENT);
	harness_path_uri(path, sizeof(path));
	/* The PBX calls alice's (private) contact through the Path. */
	(void)snprintf(req, sizeof(req),
	    "INVITE sip:alice@10.0.0.2:5062 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1\r\n"
	    "Route: <%s>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-1\r\nCSeq: 1 INVITE\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	harness_sent_to("192.0.2.10:5062");
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1;received=127.0.0.1");
	ck_assert(strncmp(harness_out,
		      "INVITE sip:alice@10.0.0.2:5062 SIP/2.0\r\n", 40) == 0);
}
END_TEST

START_TEST(test_pbx_request_forged_token_dropped)
{
	char path[256], req[2048], *p;

	harness_handle(HARNESS_REGISTER, CLIENT);
	harness_path_uri(path, sizeof(path));
	p = path + 6;
	*p = (*p == 'A') ? 'B' : 'A';
	(void)snprintf(req, sizeof(req),
	    "INVITE sip:alice@10.0.0.2:5062 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1\r\n"
	    "Route: <%s>\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-1\r\nCSeq: 1 INVITE\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_BAD_TOKEN);
}
END_TEST

START_TEST(test_pbx_request_by_request_uri)
{
	char b[512];

	harness_handle("OPTIONS sip:alice@198.51.100.7:5070 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo1\r\n"
		       "Route: <sip:127.0.0.1:5060;lr>, "
		       "<sip:198.51.100.99;lr>\r\n"
		       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
		       "To: <sip:alice@sipwarden.test>\r\n"
		       "Call-ID: o-1\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	/* Our Route popped, the next Route is the next hop. */
	harness_sent_to("198.51.100.99:5060");
	ck_assert_str_eq(harness_hdr("Route", 0, b, sizeof(b)),
	    "<sip:198.51.100.99;lr>");
	harness_handle("OPTIONS sip:alice@198.51.100.7:5070 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo2\r\n"
		       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
		       "To: <sip:alice@sipwarden.test>\r\n"
		       "Call-ID: o-2\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	harness_sent_to("198.51.100.7:5070");
}
END_TEST

START_TEST(test_pbx_request_unresolvable_or_loop)
{
	harness_handle("OPTIONS sip:alice@phone.example.com SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo3\r\n"
		       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
		       "To: <sip:alice@sipwarden.test>\r\n"
		       "Call-ID: o-3\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	harness_sent_to(PBX);
	ck_assert(strncmp(harness_out, "SIP/2.0 502 Bad Gateway\r\n", 25) == 0);
	harness_handle("OPTIONS sip:alice@127.0.0.1:5060 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo4\r\n"
		       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
		       "To: <sip:alice@sipwarden.test>\r\n"
		       "Call-ID: o-4\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	ck_assert(
	    strncmp(harness_out, "SIP/2.0 482 Loop Detected\r\n", 27) == 0);
}
END_TEST

START_TEST(test_client_route_to_us_popped)
{
	char b[512];

	harness_handle("BYE sip:100@10.0.0.9 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye2\r\n"
		       "Route: <sip:tok@127.0.0.1:5060;lr>\r\n"
		       "Route: <sip:10.9.9.9;lr>\r\n"
		       "From: <sip:alice@sipwarden.test>;tag=f2\r\n"
		       "To: <sip:100@sipwarden.test>;tag=t9\r\n"
		       "Call-ID: inv-1@10.0.0.2\r\nCSeq: 2 BYE\r\n\r\n",
	    CLIENT);
	harness_sent_to(PBX);
	ck_assert_str_eq(harness_hdr("Route", 0, b, sizeof(b)),
	    "<sip:10.9.9.9;lr>");
	ck_assert_ptr_null(harness_hdr("Route", 1, b, sizeof(b)));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_checked_fixture(tc, setup, harness_teardown);
	tcase_add_test(tc, test_pbx_request_follows_path_token);
	tcase_add_test(tc, test_pbx_request_forged_token_dropped);
	tcase_add_test(tc, test_pbx_request_by_request_uri);
	tcase_add_test(tc, test_pbx_request_unresolvable_or_loop);
	tcase_add_test(tc, test_client_route_to_us_popped);
	suite_add_tcase(s, tc);
	return (s);
}
