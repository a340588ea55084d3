/*
 * sip/pipeline.c: every rule of SPEC section 4 that issue 2 delivers,
 * fed as bytes with a source address, asserted on the action and the
 * exact bytes out.  No sockets.  Over TCP and TLS too: connection ids
 * in flow tokens and branches, two Record-Routes when a request changes
 * transport, a PBX on a tcp upstream, lost flows (430 / 503) and
 * pipeline_admit().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/limits.h"
#include "auth/mac.h"
#include "auth/secrets.h"
#include "auth/users.h"
#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "sip/branch.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"
#include "sip/token.h"
#include "tests/common/fixture.h"
#include "tests/common/harness.h"
#include "tests/common/testutil.h"
#include "tests/unit/tests.h"

#define CLIENT "192.0.2.10:5062"
#define PBX    "127.0.0.1:5080"

static void
setup(void)
{
	harness_setup(HARNESS_TRUST);
}

#define INVITE_(branch, method, cseq)                                          \
	method " sip:100@sipwarden.test SIP/2.0\r\n"                           \
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=" branch ";rport\r\n"    \
	       "Max-Forwards: 70\r\n"                                          \
	       "From: <sip:alice@sipwarden.test>;tag=f2\r\n"                   \
	       "To: <sip:100@sipwarden.test>\r\n"                              \
	       "Call-ID: inv-1@10.0.0.2\r\n"                                   \
	       "CSeq: " cseq " " method "\r\n"                                 \
	       "Contact: <sip:alice@10.0.0.2:5062>\r\n"                        \
	       "Content-Length: 0\r\n\r\n"
#define INVITE INVITE_("z9hG4bKinv1", "INVITE", "1")

START_TEST(test_register_forwarded_to_upstream)
{
	char b[512];

	harness_handle(HARNESS_REGISTER, CLIENT);
	harness_sent_to(PBX);
	ck_assert_uint_eq(harness_act.a_dst.f_lsock, 0);
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=192.0.2.10;"
	    "rport=5062");
	ck_assert_ptr_nonnull(harness_hdr("Via", 0, b, sizeof(b)));
	ck_assert(
	    strncmp(b, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsw", 43) == 0);
	ck_assert_str_eq(harness_hdr("Max-Forwards", 0, b, sizeof(b)), "69");
	ck_assert_ptr_nonnull(harness_hdr("Path", 0, b, sizeof(b)));
	ck_assert(strncmp(b, "<sip:", 5) == 0);
	ck_assert_ptr_nonnull(strstr(b, "@127.0.0.1:5060;lr>"));
	ck_assert_ptr_null(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Contact", 0, b, sizeof(b)),
	    "<sip:alice@10.0.0.2:5062>");
	/* The UA did not say it supports Path: sipwarden says it for it. */
	ck_assert_str_eq(harness_hdr("Supported", 0, b, sizeof(b)), "path");
	ck_assert_ptr_null(harness_hdr("Supported", 1, b, sizeof(b)));
	ck_assert(strncmp(harness_out,
		      "REGISTER sip:sipwarden.test SIP/2.0\r\n", 37) == 0);
	ck_assert_uint_eq(atomic_load(
			      &harness_pc->pc_stats.ps_requests[PM_REGISTER]),
	    1);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_forwarded), 1);
}
END_TEST

START_TEST(test_untrusted_request_challenged)
{
	harness_reload(NULL);
	harness_handle(INVITE, CLIENT);
	ck_assert(
	    strncmp(harness_out,
		"SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0);
	harness_handle(HARNESS_REGISTER, CLIENT);
	ck_assert(
	    strncmp(harness_out, "SIP/2.0 401 Unauthorized\r\n", 26) == 0);
}
END_TEST

START_TEST(test_supported_path_not_added_twice)
{
	static const char reg2[] =
	    "REGISTER sip:sipwarden.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg2;rport\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f1\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: reg-2@10.0.0.2\r\nCSeq: 1 REGISTER\r\n"
	    "k: replaces, PATH, outbound\r\n\r\n";
	char b[512];

	harness_handle(reg2, CLIENT);
	harness_sent_to(PBX);
	ck_assert_ptr_null(harness_hdr("Supported", 0, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("k", 0, b, sizeof(b)),
	    "replaces, PATH, outbound");
	/* Not a REGISTER: no Path, no Supported. */
	harness_handle(INVITE, CLIENT);
	ck_assert_ptr_null(harness_hdr("Supported", 0, b, sizeof(b)));
}
END_TEST

START_TEST(test_invite_gets_record_route)
{
	char b[512];

	harness_handle(INVITE, CLIENT);
	harness_sent_to(PBX);
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(strstr(b, "@127.0.0.1:5060;lr;swt="));
	ck_assert_ptr_null(harness_hdr("Record-Route", 1, b, sizeof(b)));
	ck_assert_ptr_null(harness_hdr("Path", 0, b, sizeof(b)));
}
END_TEST

START_TEST(test_in_dialog_request_no_record_route)
{
	char b[512];

	harness_handle("BYE sip:100@10.0.0.9 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye\r\n"
		       "From: <sip:alice@sipwarden.test>;tag=f2\r\n"
		       "To: <sip:100@sipwarden.test>;tag=t9\r\n"
		       "Call-ID: inv-1@10.0.0.2\r\nCSeq: 2 BYE\r\n\r\n",
	    CLIENT);
	harness_sent_to(PBX);
	ck_assert_ptr_null(harness_hdr("Record-Route", 0, b, sizeof(b)));
	/* No Max-Forwards in the request: added as 70. */
	ck_assert_str_eq(harness_hdr("Max-Forwards", 0, b, sizeof(b)), "70");
	/* No rport asked: received only. */
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye;received=192.0.2.10");
}
END_TEST

/* The branch sipwarden gave the last forwarded request. */
static void
our_branch(char *b, size_t size)
{
	char v[512];
	const char *p;

	ck_assert_ptr_nonnull(harness_hdr("Via", 0, v, sizeof(v)));
	p = strstr(v, "branch=");
	ck_assert_ptr_nonnull(p);
	(void)snprintf(b, size, "%s", p + 7);
}

START_TEST(test_branch_same_for_retransmission_cancel_and_ack)
{
	char b1[128], b2[128];

	harness_handle(INVITE, CLIENT);
	our_branch(b1, sizeof(b1));
	harness_handle(INVITE, CLIENT);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	harness_handle(INVITE_("z9hG4bKinv1", "CANCEL", "1"), CLIENT);
	harness_sent_to(PBX);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	harness_handle(INVITE_("z9hG4bKinv1", "ACK", "1"), CLIENT);
	harness_sent_to(PBX);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	harness_handle(INVITE_("z9hG4bKinv2", "INVITE", "2"), CLIENT);
	our_branch(b2, sizeof(b2));
	ck_assert_str_ne(b1, b2);
}
END_TEST

/* A 200 from the PBX to the request last forwarded, Via kept. */
static void
pbx_response(const char *code, char *resp, size_t size)
{
	char v0[512], v1[512];

	ck_assert_ptr_nonnull(harness_hdr("Via", 0, v0, sizeof(v0)));
	ck_assert_ptr_nonnull(harness_hdr("Via", 1, v1, sizeof(v1)));
	(void)snprintf(resp, size,
	    "SIP/2.0 %s\r\nVia: %s\r\nVia: %s\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f1\r\n"
	    "To: <sip:alice@sipwarden.test>;tag=pbx\r\n"
	    "Call-ID: reg-1@10.0.0.2\r\nCSeq: 1 REGISTER\r\n"
	    "Content-Length: 0\r\n\r\n",
	    code, v0, v1);
}

START_TEST(test_response_relayed_by_via)
{
	char resp[2048], b[512];

	harness_handle(HARNESS_REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	harness_handle(resp, PBX);
	harness_sent_to("192.0.2.10:5062");
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=192.0.2.10;"
	    "rport=5062");
	ck_assert_ptr_null(harness_hdr("Via", 1, b, sizeof(b)));
	ck_assert(strncmp(harness_out, "SIP/2.0 200 OK\r\n", 16) == 0);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_responses[1]),
	    1);
}
END_TEST

/* The PBX's messages, and only its, say when it was last heard from. */
START_TEST(test_upstream_last_seen)
{
	char resp[2048];

	harness_handle(INVITE, CLIENT);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_upstream_seen),
	    0);
	pbx_response("180 Ringing", resp, sizeof(resp));
	harness_now_ms += 7000;
	harness_handle(resp, PBX);
	harness_sent_to(CLIENT);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_upstream_seen),
	    harness_now_ms / 1000);
	/* Even what it sends that is dropped: it is there. */
	harness_now_ms += 3000;
	harness_handle("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.9.9.9;"
		       "branch=z9hG4bKnotours\r\nFrom: <sip:a@b>;tag=1\r\n"
		       "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",
	    PBX);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_upstream_seen),
	    harness_now_ms / 1000);
	harness_handle(INVITE, CLIENT);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_upstream_seen),
	    harness_now_ms / 1000);
}
END_TEST

START_TEST(test_response_with_forged_branch_dropped)
{
	char resp[2048], *p;

	harness_handle(HARNESS_REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	p = strstr(resp, "z9hG4bKsw") + 12;
	*p = (*p == 'A') ? 'B' : 'A';
	harness_handle(resp, PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NOT_OURS);
}
END_TEST

START_TEST(test_response_redirected_elsewhere_dropped)
{
	char resp[2048], *p;

	/* Our branch is valid, but the Via below names another address:
	 * the MAC binds the relay address, so it is not relayed. */
	harness_handle(HARNESS_REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	p = strstr(resp, "received=192.0.2.10");
	ck_assert_ptr_nonnull(p);
	p[strlen("received=192.0.2.1")] = '1';
	harness_handle(resp, PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NOT_OURS);
}
END_TEST

START_TEST(test_response_not_ours_dropped)
{
	static const char resp[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKforged\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKx\r\n"
	    "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
	    "Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";

	harness_handle(resp, PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NOT_OURS);
	ck_assert_uint_eq(atomic_load(
			      &harness_pc->pc_stats.ps_dropped[DROP_NOT_OURS]),
	    1);
}
END_TEST

START_TEST(test_max_forwards_zero_gets_483)
{
	char b[512];

	harness_handle("OPTIONS sip:100@sipwarden.test SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf0\r\n"
		       "Max-Forwards: 0\r\n"
		       "From: <sip:alice@sipwarden.test>;tag=f3\r\n"
		       "To: <sip:100@sipwarden.test>\r\n"
		       "Call-ID: mf0\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    CLIENT);
	/* No rport: the reply goes to the source address, sent-by port. */
	harness_sent_to("192.0.2.10:5062");
	ck_assert(
	    strncmp(harness_out, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0);
	ck_assert_ptr_nonnull(
	    strstr(harness_hdr("To", 0, b, sizeof(b)), ";tag=sw"));
	ck_assert_str_eq(harness_hdr("Call-ID", 0, b, sizeof(b)), "mf0");
	ck_assert_str_eq(harness_hdr("CSeq", 0, b, sizeof(b)), "1 OPTIONS");
	ck_assert_ptr_nonnull(strstr(harness_out, "Content-Length: 0\r\n\r\n"));
}
END_TEST

START_TEST(test_bad_request_gets_400_and_its_ack_absorbed)
{
	/* No Call-ID. */
	static const char bad[] =
	    "INVITE sip:100@sipwarden.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbad;rport\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f4\r\n"
	    "To: <sip:100@sipwarden.test>\r\n"
	    "CSeq: 1 INVITE\r\n\r\n";
	char b[512], ack[1024];

	harness_handle(bad, CLIENT);
	harness_sent_to("192.0.2.10:5062");
	ck_assert(strncmp(harness_out, "SIP/2.0 400 Bad Request\r\n", 25) == 0);
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbad;received=192.0.2.10;"
	    "rport=5062");
	/* The same request again gets the same To-tag. */
	(void)snprintf(ack, sizeof(ack), "%s",
	    harness_hdr("To", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(strstr(ack, ";tag=sw"));
	harness_handle(bad, CLIENT);
	ck_assert_str_eq(harness_hdr("To", 0, b, sizeof(b)), ack);
}
END_TEST

START_TEST(test_ack_of_our_reply_absorbed)
{
	char to[256], ack[1024];

	harness_handle("OPTIONS sip:100@sipwarden.test SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf1\r\n"
		       "Max-Forwards: 0\r\n"
		       "From: <sip:alice@sipwarden.test>;tag=f5\r\n"
		       "To: <sip:100@sipwarden.test>\r\n"
		       "Call-ID: ack-1\r\nCSeq: 1 INVITE\r\n\r\n",
	    CLIENT);
	/* (CSeq method mismatch: 400, with our To-tag.) */
	ck_assert(strncmp(harness_out, "SIP/2.0 400 ", 12) == 0);
	ck_assert_ptr_nonnull(harness_hdr("To", 0, to, sizeof(to)));
	(void)snprintf(ack, sizeof(ack),
	    "ACK sip:100@sipwarden.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf1\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f5\r\n"
	    "To: %s\r\nCall-ID: ack-1\r\nCSeq: 1 ACK\r\n\r\n",
	    to);
	harness_handle(ack, CLIENT);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NONE);
}
END_TEST

START_TEST(test_garbage_dropped)
{
	harness_handle("\x01\x02garbage\r\n\r\n", CLIENT);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_MALFORMED);
	/* A response too broken to relay is dropped, never answered. */
	harness_handle("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKsw"
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
		       "Via: SIP/2.0/UDP 10.0.0.2\r\n\r\n",
	    PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_MALFORMED);
}
END_TEST

START_TEST(test_too_big_dropped)
{
	static char big[PKT_MAXLEN + 10];

	memset(big, 'x', sizeof(big));
	harness_feed(big, sizeof(big), TP_UDP, 0, 0, CLIENT);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_TOO_BIG);
}
END_TEST

START_TEST(test_allow_list_drops_others)
{
	harness_reload("allow 10.0.0.0/8\nallow 2001:db8::/32\n" HARNESS_TRUST);
	harness_handle(HARNESS_REGISTER, CLIENT);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NOT_ALLOWED);
	harness_handle(HARNESS_REGISTER, "10.1.2.3:5060");
	harness_sent_to(PBX);
	harness_handle(HARNESS_REGISTER, "[2001:db8::5]:5060");
	ck_assert_int_eq(harness_act.a_kind, ACT_SEND);
	/* The upstream is never filtered out. */
	harness_handle("OPTIONS sip:alice@10.1.2.3:5060 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo9\r\n"
		       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
		       "To: <sip:alice@sipwarden.test>\r\n"
		       "Call-ID: o-9\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	harness_sent_to("10.1.2.3:5060");
}
END_TEST

START_TEST(test_two_listeners_double_record_route)
{
	char b[512];

	harness_reload_cfg("listen udp:127.0.0.1:5060\n"
			   "listen udp:127.0.0.2:5060\n"
			   "upstream udp:127.0.0.1:5080\n"
			   "realm sipwarden.test\nusers users\n" HARNESS_TRUST);
	/* Arrived on 127.0.0.2. */
	harness_handle_on(INVITE, TP_UDP, 1, 0, CLIENT);
	harness_sent_to(PBX);
	ck_assert_uint_eq(harness_act.a_dst.f_lsock, 0);
	ck_assert_ptr_nonnull(
	    strstr(harness_hdr("Record-Route", 0, b, sizeof(b)),
		"@127.0.0.1:5060;lr;swt="));
	ck_assert_ptr_nonnull(
	    strstr(harness_hdr("Record-Route", 1, b, sizeof(b)),
		"@127.0.0.2:5060;lr;swt="));
}
END_TEST

START_TEST(test_drop_log_rate_limited)
{
	char path[256], line[1024];
	int i, lines = 0;
	FILE *f;

	tu_path(path, sizeof(path), fixture_dir(), "log");
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	for (i = 0; i < 1000; i++)
		harness_handle("garbage", CLIENT);
	harness_now_ms += 1000;
	harness_handle("garbage", CLIENT);
	log_close();
	ck_assert_uint_eq(atomic_load(
			      &harness_pc->pc_stats.ps_dropped[DROP_MALFORMED]),
	    1001);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		ck_assert_ptr_nonnull(strstr(line,
		    " event=drop src=192.0.2.10:"
		    "5062 reason=malformed "));
		lines++;
	}
	(void)fclose(f);
	ck_assert_int_eq(lines, 6);
	/* The line of the next second counts what was left out. */
	ck_assert_ptr_nonnull(strstr(line, "suppressed=995"));
}
END_TEST

START_TEST(test_ipv6_client)
{
	char b[512];

	harness_reload_cfg("listen udp:[::1]:5060\n"
			   "upstream udp:[::1]:5080\n"
			   "realm sipwarden.test\nusers users\n" HARNESS_TRUST);
	harness_handle(HARNESS_REGISTER, "[2001:db8::7]:5062");
	harness_sent_to("[::1]:5080");
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=2001:db8::7;"
	    "rport=5062");
	ck_assert(strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/UDP [::1]:5060;branch=", 30) == 0);
	ck_assert_ptr_nonnull(
	    strstr(harness_hdr("Path", 0, b, sizeof(b)), "@[::1]:5060;lr>"));
}
END_TEST

/*
 * TCP and TLS.  The stream snapshot has a listener of each transport;
 * it is built with snapshot_make(), which reads no certificate (the TLS
 * context has its own tests in test_snapshot.c).
 */
#define STREAM_CFG                                                             \
	"listen udp:127.0.0.1:5060\n"                                          \
	"listen tcp:127.0.0.1:5060\n"                                          \
	"listen tls:127.0.0.1:5061\n"                                          \
	"upstream udp:127.0.0.1:5080\n"                                        \
	"realm sipwarden.test\nusers users\n"                                  \
	"tls_cert cert.pem\ntls_key key.pem\n" HARNESS_TRUST
#define L_UDP      0
#define L_TCP      1
#define L_TLS      2
#define TLS_CLIENT "192.0.2.10:40123"
#define TCP_CLIENT "192.0.2.11:40200"
#define CONN_TLS   0x0102030405060708ULL
#define CONN_TCP   0x77ULL

#define REGISTER_ON(tp, callid)                                                \
	"REGISTER sip:sipwarden.test SIP/2.0\r\n"                              \
	"Via: SIP/2.0/" tp " 10.0.0.2:5061;branch=z9hG4bKst1;rport\r\n"        \
	"Max-Forwards: 70\r\n"                                                 \
	"From: <sip:alice@sipwarden.test>;tag=f1\r\n"                          \
	"To: <sip:alice@sipwarden.test>\r\n"                                   \
	"Call-ID: " callid "\r\n"                                              \
	"CSeq: 1 REGISTER\r\n"                                                 \
	"Contact: <sip:alice@10.0.0.2:5061;transport=" tp ">\r\n"              \
	"Content-Length: 0\r\n\r\n"
#define REGISTER_TLS REGISTER_ON("TLS", "reg-tls@10.0.0.2")
#define REGISTER_TCP REGISTER_ON("TCP", "reg-tcp@10.0.0.2")

static uint64_t stream_gen = 100;

static void
stream_err(const char *msg, void *arg)
{
	(void)arg;
	ck_abort_msg("stream snapshot: %s", msg);
}

/* Replace harness_sn with a snapshot of cfgtext, built by snapshot_make(). */
static void
stream_snapshot(const char *cfgtext)
{
	struct cfg *cfg = NULL;
	struct users *users = NULL;
	struct secrets *secrets = NULL;
	struct snapshot *nsn = NULL;
	char path[256];

	tu_path(path, sizeof(path), fixture_dir(), "sipwarden.conf");
	tu_write(path, cfgtext, 0);
	ck_assert_int_eq(cfg_load(path, &cfg, stream_err, NULL), 0);
	ck_assert_int_eq(users_load(cfg->c_users, cfg->c_realm, &users,
			     stream_err, NULL, NULL),
	    0);
	ck_assert_int_eq(secrets_random(&secrets), 0);
	ck_assert_int_eq(snapshot_make(cfg, users, secrets, &nsn, stream_err,
			     NULL),
	    0);
	ck_assert_ptr_null(nsn->sn_tls);
	/* A generation of its own, as the server gives every snapshot. */
	nsn->sn_gen = ++stream_gen;
	snapshot_unref(harness_sn);
	harness_sn = nsn;
}

/* The flow token in the user part of the last forwarded REGISTER's Path. */
static void
path_token(char *tok, size_t size)
{
	char v[512];
	const char *at;

	ck_assert_ptr_nonnull(harness_hdr("Path", 0, v, sizeof(v)));
	ck_assert(strncmp(v, "<sip:", 5) == 0);
	at = strchr(v, '@');
	ck_assert_ptr_nonnull(at);
	(void)snprintf(tok, size, "%.*s", (int)(at - v - 5), v + 5);
}

/* The flow that tok names verifies and is exactly this one. */
static void
assert_token_flow(const char *tok, uint8_t tp, uint8_t lsock, uint64_t conn,
    const char *addr)
{
	char a[ADDR_STRLEN];
	struct flow f;
	struct pl t;

	pl_set_str(&t, tok);
	memset(&f, 0, sizeof(f));
	ck_assert(flow_token_check(harness_pc->pc_mac, harness_sn->sn_secrets,
	    &t, &f));
	ck_assert_uint_eq(f.f_tp, tp);
	ck_assert_uint_eq(f.f_lsock, lsock);
	ck_assert_uint_eq(f.f_conn, conn);
	(void)addr_fmt(&f.f_addr, a, sizeof(a));
	ck_assert_str_eq(a, addr);
}

/* harness_act sends over tp on listener lsock and connection conn. */
static void
assert_flow(uint8_t tp, uint8_t lsock, uint64_t conn)
{
	ck_assert_int_eq(harness_act.a_kind, ACT_SEND);
	ck_assert_uint_eq(harness_act.a_dst.f_tp, tp);
	ck_assert_uint_eq(harness_act.a_dst.f_lsock, lsock);
	ck_assert_uint_eq(harness_act.a_dst.f_conn, conn);
}

START_TEST(test_tls_register_forwarded_with_flow_token)
{
	char b[512], br[128], tok[FLOW_TOKEN_MAXLEN + 1], want[512];

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	harness_sent_to(PBX);
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert(strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsw", 43) == 0);
	/* The branch carries the client's connection. */
	our_branch(br, sizeof(br));
	ck_assert_uint_eq(strlen(br), BRANCH_MAXLEN);
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKst1;received=192.0.2.10;"
	    "rport=40123");
	ck_assert_ptr_null(harness_hdr("Via", 2, b, sizeof(b)));
	/* The Path faces the PBX (udp), its token names the TLS flow. */
	path_token(tok, sizeof(tok));
	ck_assert_uint_eq(strlen(tok), 40);
	(void)snprintf(want, sizeof(want), "<sip:%s@127.0.0.1:5060;lr>", tok);
	ck_assert_str_eq(harness_hdr("Path", 0, b, sizeof(b)), want);
	assert_token_flow(tok, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	ck_assert_ptr_null(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Supported", 0, b, sizeof(b)), "path");
}
END_TEST

START_TEST(test_tls_response_back_on_its_connection)
{
	char resp[2048], b[512], *p;

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	harness_handle(resp, PBX);
	harness_sent_to(TLS_CLIENT);
	assert_flow(TP_TLS, L_TLS, CONN_TLS);
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKst1;received=192.0.2.10;"
	    "rport=40123");
	ck_assert_ptr_null(harness_hdr("Via", 1, b, sizeof(b)));
	ck_assert(strncmp(harness_out, "SIP/2.0 200 OK\r\n", 16) == 0);
	/* A client Via saying TCP (a TLS tunnel in front of a TCP phone) is
	 * the same class: the connection id decides where it goes. */
	p = strstr(resp, "SIP/2.0/TLS 10.0.0.2");
	ck_assert_ptr_nonnull(p);
	memcpy(p + 8, "TCP", 3);
	harness_handle(resp, PBX);
	harness_sent_to(TLS_CLIENT);
	assert_flow(TP_TCP, L_TLS, CONN_TLS);
	/* Saying UDP would move it off the connection: not relayed. */
	memcpy(p + 8, "UDP", 3);
	harness_handle(resp, PBX);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NOT_OURS);
}
END_TEST

/* The value of Record-Route n: "<" scheme TOK "@" hostport ";lr;swt=" then
 * a dialog token; the token goes to swt. */
static void
assert_rr(int n, const char *scheme, const char *tok, const char *hostport,
    char *swt, size_t size)
{
	char b[512], want[512];
	size_t wl;

	(void)snprintf(want, sizeof(want), "<%s:%s@%s;lr;swt=", scheme, tok,
	    hostport);
	wl = strlen(want);
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", n, b, sizeof(b)));
	ck_assert_msg(strncmp(b, want, wl) == 0, "Record-Route %d: %s", n, b);
	ck_assert_uint_eq(strlen(b), wl + DIALOG_TOKEN_LEN + 1);
	ck_assert_int_eq(b[wl + DIALOG_TOKEN_LEN], '>');
	(void)snprintf(swt, size, "%.*s", DIALOG_TOKEN_LEN, b + wl);
}

/*
 * Exactly two Record-Route entries, top then second, with tok's flow and
 * one dialog token; copied whole into rr0 and rr1.
 */
static void
assert_double_rr(const char *tok, const char *top, const char *second,
    char *rr0, char *rr1, size_t size)
{
	char swt0[32], swt1[32], b[512];

	assert_rr(0, "sip", tok, top, swt0, sizeof(swt0));
	assert_rr(1, "sip", tok, second, swt1, sizeof(swt1));
	ck_assert_str_eq(swt0, swt1);
	ck_assert_ptr_null(harness_hdr("Record-Route", 2, b, sizeof(b)));
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", 0, rr0, size));
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", 1, rr1, size));
}

START_TEST(test_pbx_invite_to_tls_client_double_record_route)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], path[256], req[2048], b[512];
	char br[128], rr0[512], rr1[512];

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	path_token(tok, sizeof(tok));
	harness_path_uri(path, sizeof(path));
	(void)snprintf(req, sizeof(req),
	    "INVITE sip:alice@10.0.0.2:5061;transport=TLS SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1\r\n"
	    "Route: <%s>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-tls-1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:100@127.0.0.1:5080>\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	harness_sent_to(TLS_CLIENT);
	assert_flow(TP_TLS, L_TLS, CONN_TLS);
	ck_assert(
	    strncmp(harness_out,
		"INVITE sip:alice@10.0.0.2:5061;transport=TLS SIP/2.0\r\n",
		54) == 0);
	/* Our Via names the TLS listener; the relay (the PBX) is UDP. */
	ck_assert(strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKsw", 43) == 0);
	our_branch(br, sizeof(br));
	ck_assert_uint_eq(strlen(br), BRANCH_STRLEN);
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1;received=127.0.0.1");
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));
	/* The client's side on top (TLS listener: sip: with transport=tls,
	 * which every phone can send to), then the PBX's: both carry
	 * alice's flow and the same dialog token. */
	assert_double_rr(tok, "127.0.0.1:5061;transport=tls", "127.0.0.1:5060",
	    rr0, rr1, sizeof(rr0));

	/* alice's BYE over TLS, with the route set in that order: both
	 * elements are ours and go; on to the PBX. */
	(void)snprintf(req, sizeof(req),
	    "BYE sip:100@127.0.0.1:5080 SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKbye9;rport\r\n"
	    "Route: %s, %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=a1\r\n"
	    "To: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "Call-ID: pbx-tls-1\r\nCSeq: 1 BYE\r\n\r\n",
	    rr0, rr1);
	harness_handle_on(req, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	harness_sent_to(PBX);
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));
	ck_assert_ptr_null(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKbye9;received=192.0.2.10;"
	    "rport=40123");
}
END_TEST

/* A sips: Request-URI gets a sips: Record-Route (RFC 3261 16.6 step 4). */
START_TEST(test_pbx_invite_sips_ruri_sips_record_route)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], path[256], req[2048], swt[32];

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	path_token(tok, sizeof(tok));
	harness_path_uri(path, sizeof(path));
	(void)snprintf(req, sizeof(req),
	    "INVITE sips:alice@10.0.0.2:5061 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx2\r\n"
	    "Route: <%s>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "To: <sips:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-tls-2\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:100@127.0.0.1:5080>\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	harness_sent_to(TLS_CLIENT);
	assert_rr(0, "sips", tok, "127.0.0.1:5061", swt, sizeof(swt));
	assert_rr(1, "sip", tok, "127.0.0.1:5060", swt, sizeof(swt));
}
END_TEST

START_TEST(test_tls_client_response_to_pbx_request)
{
	char path[256], req[2048], resp[2048], b[512];

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	harness_path_uri(path, sizeof(path));
	(void)snprintf(req, sizeof(req),
	    "OPTIONS sip:alice@10.0.0.2:5061 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx2;rport\r\n"
	    "Route: <%s>\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p2\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-tls-2\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	assert_flow(TP_TLS, L_TLS, CONN_TLS);
	pbx_response("200 OK", resp, sizeof(resp));
	/* alice answers on her connection: back to the PBX over UDP. */
	harness_handle_on(resp, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	harness_sent_to(PBX);
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx2;received=127.0.0.1;"
	    "rport=5080");
	ck_assert_ptr_null(harness_hdr("Via", 1, b, sizeof(b)));
}
END_TEST

#define TCPUP_CFG                                                              \
	"listen udp:127.0.0.1:5060\n"                                          \
	"listen tcp:127.0.0.1:5060\n"                                          \
	"upstream tcp:127.0.0.1:5080\n"                                        \
	"realm sipwarden.test\nusers users\n"

START_TEST(test_tcp_upstream_any_port_is_the_pbx)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], req[2048], b[512], br[128];
	struct flow cl;

	/* No trust line: clients are challenged. */
	harness_reload_cfg(TCPUP_CFG);
	ck_assert_uint_eq(harness_sn->sn_upl, L_TCP);
	/* The flow token alice's REGISTER over TCP got. */
	memset(&cl, 0, sizeof(cl));
	cl.f_tp = TP_TCP;
	cl.f_lsock = L_TCP;
	cl.f_conn = CONN_TCP;
	ck_assert_int_eq(addr_parse_hostport(TCP_CLIENT, strlen(TCP_CLIENT),
			     &cl.f_addr),
	    0);
	ck_assert_int_eq(mac_bind(harness_pc->pc_mac, harness_sn->sn_secrets,
			     harness_sn->sn_gen),
	    0);
	ck_assert_uint_eq(flow_token_make(harness_pc->pc_mac,
			      harness_sn->sn_secrets, &cl, tok),
	    40);
	(void)snprintf(req, sizeof(req),
	    "INVITE sip:alice@10.0.0.2:5061;transport=tcp SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bKpbx5\r\n"
	    "Route: <sip:%s@127.0.0.1:5060;transport=tcp;lr>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p5\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-tcp-5\r\nCSeq: 1 INVITE\r\n\r\n",
	    tok);
	/* The PBX connects from a port of its own: still the PBX. */
	harness_handle_on(req, TP_TCP, L_TCP, 5, "127.0.0.1:40000");
	harness_sent_to(TCP_CLIENT);
	assert_flow(TP_TCP, L_TCP, CONN_TCP);
	ck_assert(strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKsw", 43) == 0);
	/* Responses go back on the PBX's connection: the branch holds it. */
	our_branch(br, sizeof(br));
	ck_assert_uint_eq(strlen(br), BRANCH_MAXLEN);
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));
	/* In and out on the tcp listener: one Record-Route. */
	ck_assert_ptr_nonnull(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(strstr(b, ";transport=tcp;lr;swt="));
	ck_assert(strncmp(b, "<sip:", 5) == 0);
	ck_assert_ptr_null(harness_hdr("Record-Route", 1, b, sizeof(b)));
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 0);
	/* The same from UDP at the PBX's address, another port: a client. */
	harness_handle_on(req, TP_UDP, L_UDP, 0, "127.0.0.1:40000");
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert(
	    strncmp(harness_out,
		"SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 1);
	/* TCP from another address: a client too. */
	harness_handle_on(req, TP_TCP, L_TCP, 6, "127.0.0.2:40000");
	assert_flow(TP_TCP, L_TCP, 6);
	ck_assert(
	    strncmp(harness_out,
		"SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 2);
	/*
	 * UDP from the tcp upstream's very address and port: a tcp upstream
	 * sends no datagrams, and a datagram's source is easily forged, so
	 * it is a client's (challenged), not the PBX's (forwarded as is).
	 */
	harness_handle_on(req, TP_UDP, L_UDP, 0, "127.0.0.1:5080");
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert(
	    strncmp(harness_out,
		"SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 3);
}
END_TEST

/*
 * A bare LF ends a line in a datagram (RFC 3261 7.5), not on a stream: a
 * request with one is refused (400) when it would go onto a TCP
 * upstream, and forwarded as ever to a UDP one.
 */
START_TEST(test_bare_lf_not_onto_a_stream)
{
	static const char lf[] =
	    "OPTIONS sip:pbx@sipwarden.test SIP/2.0\n"
	    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlf1\n"
	    "Max-Forwards: 70\n"
	    "From: <sip:a@sipwarden.test>;tag=1\n"
	    "To: <sip:pbx@sipwarden.test>\n"
	    "Call-ID: lf-1\nCSeq: 1 OPTIONS\n"
	    "Content-Length: 0\n\n";

	harness_reload_cfg(TCPUP_CFG "trust 192.0.2.0/24\n");
	harness_handle_on(lf, TP_UDP, L_UDP, 0, "192.0.2.10:5060");
	ck_assert_int_eq(harness_act.a_kind, ACT_SEND);
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert(strncmp(harness_out, "SIP/2.0 400 Bad Request\r\n", 25) == 0);
	harness_reload_cfg("listen udp:127.0.0.1:5060\n"
			   "upstream udp:127.0.0.1:5080\n"
			   "realm sipwarden.test\nusers users\n"
			   "trust 192.0.2.0/24\n");
	harness_handle_on(lf, TP_UDP, 0, 0, "192.0.2.10:5060");
	ck_assert_int_eq(harness_act.a_kind, ACT_SEND);
	ck_assert(strncmp(harness_out,
		      "OPTIONS sip:pbx@sipwarden.test SIP/2.0\n", 39) == 0);
}
END_TEST

/*
 * alice registered over TCP; the PBX's request (method, To tag totag or
 * none) through her Path, as forwarded to her, is copied to fwd.
 */
static size_t
pbx_request_to_tcp_client(const char *method, const char *totag, char *fwd,
    size_t size)
{
	char path[256], req[2048];

	harness_handle_on(REGISTER_TCP, TP_TCP, L_TCP, CONN_TCP, TCP_CLIENT);
	harness_sent_to(PBX);
	harness_path_uri(path, sizeof(path));
	(void)snprintf(req, sizeof(req),
	    "%s sip:alice@10.0.0.2:5061;transport=tcp SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1\r\n"
	    "Route: <%s>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p1\r\n"
	    "To: <sip:alice@sipwarden.test>%s%s\r\n"
	    "Call-ID: pbx-tcp-1\r\nCSeq: 1 %s\r\n\r\n",
	    method, path, totag ? ";tag=" : "", totag ? totag : "", method);
	harness_handle(req, PBX);
	harness_sent_to(TCP_CLIENT);
	assert_flow(TP_TCP, L_TCP, CONN_TCP);
	ck_assert_uint_lt(harness_act.a_outlen, size);
	memcpy(fwd, harness_act.a_out, harness_act.a_outlen);
	return (harness_act.a_outlen);
}

/* pipeline_flow_failed() for gone; harness_out holds what it sends. */
static void
flow_failed(const struct flow *gone, const char *msg, size_t len, uint16_t code)
{
	pipeline_flow_failed(harness_pc, harness_sn, gone, msg, len, code,
	    harness_now_ms, &harness_act);
	harness_keep();
}

static const struct {
	uint16_t code;
	const char *line;
} flow_failed_cases[] = {
	{ 430, "SIP/2.0 430 Flow Failed\r\n" },
	{ 503, "SIP/2.0 503 Service Unavailable\r\n" },
};

START_TEST(test_flow_failed_reply_to_pbx)
{
	char fwd[4096], b[512];
	struct flow gone;
	size_t len;

	stream_snapshot(STREAM_CFG);
	len = pbx_request_to_tcp_client("INVITE", NULL, fwd, sizeof(fwd));
	gone = harness_act.a_dst;
	/* pc_out is written over: the copy is what the transport keeps. */
	flow_failed(&gone, fwd, len, flow_failed_cases[_i].code);
	harness_sent_to(PBX);
	assert_flow(TP_UDP, L_UDP, 0);
	ck_assert(strncmp(harness_out, flow_failed_cases[_i].line,
		      strlen(flow_failed_cases[_i].line)) == 0);
	/* Our Via is gone: only the PBX's is left. */
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1;received=127.0.0.1");
	ck_assert_ptr_null(harness_hdr("Via", 1, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Call-ID", 0, b, sizeof(b)), "pbx-tcp-1");
	ck_assert_str_eq(harness_hdr("CSeq", 0, b, sizeof(b)), "1 INVITE");
	ck_assert_str_eq(harness_hdr("From", 0, b, sizeof(b)),
	    "<sip:100@sipwarden.test>;tag=p1");
	ck_assert(strncmp(harness_hdr("To", 0, b, sizeof(b)),
		      "<sip:alice@sipwarden.test>;tag=sw", 33) == 0);
	ck_assert_ptr_null(harness_hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(
	    strstr(harness_out, "\r\nContent-Length: 0\r\n\r\n"));
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_responses[4]),
	    flow_failed_cases[_i].code / 100 == 5);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_responses[3]),
	    flow_failed_cases[_i].code / 100 == 4);
}
END_TEST

START_TEST(test_flow_failed_upstream_gone_503_to_tls_client)
{
	char fwd[4096], b[512];
	struct flow gone;
	size_t len;

	stream_snapshot(STREAM_CFG);
	harness_handle_on(REGISTER_TLS, TP_TLS, L_TLS, CONN_TLS, TLS_CLIENT);
	harness_sent_to(PBX);
	len = harness_act.a_outlen;
	memcpy(fwd, harness_act.a_out, len);
	gone = harness_act.a_dst;
	flow_failed(&gone, fwd, len, 503);
	harness_sent_to(TLS_CLIENT);
	assert_flow(TP_TLS, L_TLS, CONN_TLS);
	ck_assert(strncmp(harness_out, "SIP/2.0 503 Service Unavailable\r\n",
		      33) == 0);
	ck_assert_str_eq(harness_hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKst1;received=192.0.2.10;"
	    "rport=40123");
	ck_assert_ptr_null(harness_hdr("Via", 1, b, sizeof(b)));
	ck_assert_str_eq(harness_hdr("Call-ID", 0, b, sizeof(b)),
	    "reg-tls@10.0.0.2");
	ck_assert_str_eq(harness_hdr("CSeq", 0, b, sizeof(b)), "1 REGISTER");
	ck_assert_ptr_null(harness_hdr("Path", 0, b, sizeof(b)));
}
END_TEST

START_TEST(test_flow_failed_nothing_for_ack_or_response)
{
	char fwd[4096], resp[2048];
	struct flow gone;
	size_t len;
	int i;

	stream_snapshot(STREAM_CFG);
	len = pbx_request_to_tcp_client("ACK", "t1", fwd, sizeof(fwd));
	ck_assert(strncmp(fwd, "ACK ", 4) == 0);
	gone = harness_act.a_dst;
	flow_failed(&gone, fwd, len, 430);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NONE);
	/* A response relayed to alice that could not be sent. */
	harness_handle_on(REGISTER_TCP, TP_TCP, L_TCP, CONN_TCP, TCP_CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	harness_handle(resp, PBX);
	assert_flow(TP_TCP, L_TCP, CONN_TCP);
	len = harness_act.a_outlen;
	memcpy(fwd, harness_act.a_out, len);
	flow_failed(&gone, fwd, len, 430);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_NONE);
	flow_failed(&gone, "garbage", 7, 503);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	/* Nothing counted as dropped or replied. */
	for (i = 0; i < DROP_NREASONS; i++)
		ck_assert_uint_eq(atomic_load(
				      &harness_pc->pc_stats.ps_dropped[i]),
		    0);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_responses[3]),
	    0);
}
END_TEST

/* f from addr ("IP:PORT") over tp. */
static void
flow_at(struct flow *f, uint8_t tp, const char *addr)
{
	memset(f, 0, sizeof(*f));
	f->f_tp = tp;
	ck_assert_int_eq(addr_parse_hostport(addr, strlen(addr), &f->f_addr),
	    0);
}

/* Ban the source at addr now (one failure is enough). */
static void
ban(struct limits *l, const char *addr)
{
	unsigned failures = 0;
	struct sa sa;

	ck_assert_int_eq(addr_parse_hostport(addr, strlen(addr), &sa), 0);
	ck_assert(limits_fail(l, &sa, (uint32_t)(harness_now_ms / 1000), 1, 60,
	    600, &failures));
}

START_TEST(test_admit_bans_and_allow_list)
{
	struct limits *l;
	struct pctx *lpc;
	struct flow f;
	atomic_ulong *notallowed, *banned;

	harness_reload("allow 10.0.0.0/8\ntrust 10.8.0.0/16\n");
	ck_assert_int_eq(limits_alloc(&l), 0);
	ck_assert_int_eq(pctx_alloc(&lpc, fixture_replay(), l), 0);
	notallowed = &lpc->pc_stats.ps_dropped[DROP_NOT_ALLOWED];
	banned = &lpc->pc_stats.ps_dropped[DROP_BANNED];
	flow_at(&f, TP_TCP, "10.1.2.3:40000");
	ck_assert(pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	flow_at(&f, TP_TCP, "192.0.2.10:40000");
	ck_assert(!pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert_uint_eq(atomic_load(notallowed), 1);
	flow_at(&f, TP_TLS, "192.0.2.10:40000");
	ck_assert(!pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert_uint_eq(atomic_load(notallowed), 2);
	/* The upstream passes, outside allow; a udp upstream's address over
	 * TCP is not the upstream. */
	flow_at(&f, TP_UDP, PBX);
	ck_assert(pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	flow_at(&f, TP_TCP, "127.0.0.1:40000");
	ck_assert(!pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert_uint_eq(atomic_load(notallowed), 3);
	/* A banned source, until the ban ends. */
	ban(l, "10.9.9.9:5060");
	flow_at(&f, TP_TCP, "10.9.9.9:40000");
	ck_assert(!pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert_uint_eq(atomic_load(banned), 1);
	ck_assert_uint_eq(atomic_load(notallowed), 3);
	ck_assert(
	    pipeline_admit(lpc, harness_sn, &f, harness_now_ms + 600 * 1000));
	/* Trusted sources and the upstream are never refused for a ban. */
	ban(l, "10.8.1.1:5060");
	flow_at(&f, TP_TLS, "10.8.1.1:40000");
	ck_assert(pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ban(l, PBX);
	flow_at(&f, TP_UDP, PBX);
	ck_assert(pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert_uint_eq(atomic_load(banned), 1);
	ck_assert_uint_eq(atomic_load(notallowed), 3);
	/* Without the shared table (harness_pc), bans are not known. */
	flow_at(&f, TP_TCP, "10.9.9.9:40000");
	ck_assert(!pipeline_admit(lpc, harness_sn, &f, harness_now_ms));
	ck_assert(pipeline_admit(harness_pc, harness_sn, &f, harness_now_ms));
	pctx_free(lpc);
	limits_free(l);
}
END_TEST

/*
 * A listener with an advertise of its own (an instance behind a
 * balancer's address, 198.51.100.10): clients are told that name, the PBX
 * the bound address; one listener, so a dialog's two sides get one
 * Record-Route each, and both names are ours in a Route.
 */
#define SPLIT_CFG                                                              \
	"listen udp:127.0.0.1:5060 advertise 198.51.100.10\n"                  \
	"upstream udp:127.0.0.1:5080\n"                                        \
	"realm sipwarden.test\nusers users\n" HARNESS_TRUST

START_TEST(test_listener_advertise_two_faces)
{
	char b[512], path[256], req[2048], tok[FLOW_TOKEN_MAXLEN + 1];
	char rr0[512], rr1[512];

	harness_reload_cfg(SPLIT_CFG);
	harness_handle(HARNESS_REGISTER, CLIENT);
	harness_sent_to(PBX);
	ck_assert(strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsw", 43) == 0);
	path_token(tok, sizeof(tok));
	harness_path_uri(path, sizeof(path));
	(void)snprintf(req, sizeof(req), "sip:%s@127.0.0.1:5060;lr", tok);
	ck_assert_str_eq(path, req);

	/* alice calls: the PBX's side on top, then hers. */
	harness_handle(INVITE, CLIENT);
	harness_sent_to(PBX);
	assert_double_rr(tok, "127.0.0.1:5060", "198.51.100.10:5060", rr0, rr1,
	    sizeof(rr0));

	/* Her BYE with the route set reversed, as a UAC keeps it: the top
	 * element names us by the advertised name, both go, no challenge. */
	(void)snprintf(req, sizeof(req),
	    "BYE sip:100@127.0.0.1:5080 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye5;rport\r\n"
	    "Route: %s, %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f2\r\n"
	    "To: <sip:100@sipwarden.test>;tag=p5\r\n"
	    "Call-ID: inv-1@10.0.0.2\r\nCSeq: 2 BYE\r\n\r\n",
	    rr1, rr0);
	harness_handle(req, "203.0.113.9:5062"); /* not in trust */
	harness_sent_to(PBX);
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));

	/* The PBX calls alice through her Path: the client's side on top,
	 * by the advertised name, and our Via names it too. */
	(void)snprintf(req, sizeof(req),
	    "INVITE sip:alice@10.0.0.2:5062 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx7\r\n"
	    "Route: <%s>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:100@sipwarden.test>;tag=p7\r\n"
	    "To: <sip:alice@sipwarden.test>\r\n"
	    "Call-ID: pbx-split-1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:100@127.0.0.1:5080>\r\n\r\n",
	    path);
	harness_handle(req, PBX);
	harness_sent_to(CLIENT);
	ck_assert(
	    strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		"SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bKsw", 47) == 0);
	assert_double_rr(tok, "198.51.100.10:5060", "127.0.0.1:5060", rr0, rr1,
	    sizeof(rr0));
}
END_TEST

/* rr with its host:port replaced by hostport, into out. */
static void
rr_moved(const char *rr, const char *from, const char *hostport, char *out,
    size_t size)
{
	const char *at = strstr(rr, from);

	ck_assert_ptr_nonnull(at);
	(void)snprintf(out, size, "%.*s%s%s", (int)(at - rr), rr, hostport,
	    at + strlen(from));
}

#define SIBLING_BYE(route, cid)                                                \
	"BYE sip:100@127.0.0.1:5080 SIP/2.0\r\n"                               \
	"Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKsib1;rport\r\n"          \
	"Route: " route "\r\n"                                                 \
	"Max-Forwards: 70\r\n"                                                 \
	"From: <sip:alice@sipwarden.test>;tag=f2\r\n"                          \
	"To: <sip:100@sipwarden.test>;tag=p5\r\n"                              \
	"Call-ID: " cid "\r\nCSeq: 3 BYE\r\n\r\n"

/*
 * A phone's BYE reaching another instance than the one its call began on
 * (that one failed, or the balancer moved the phone): below our VIP entry,
 * the first instance's own-address entry, made under the same secrets,
 * goes too; a forged one, one for another Call-ID, or one not below ours
 * stays.
 */
START_TEST(test_sibling_record_route_removed)
{
	char b[512], req[2048], rr0[512], rr1[512], tok[FLOW_TOKEN_MAXLEN + 1];
	char sib[512], bad[512], *p;

	harness_reload_cfg(SPLIT_CFG);
	harness_handle(HARNESS_REGISTER, CLIENT);
	path_token(tok, sizeof(tok));
	harness_handle(INVITE, CLIENT);
	assert_double_rr(tok, "127.0.0.1:5060", "198.51.100.10:5060", rr0, rr1,
	    sizeof(rr0));
	/* The same entry as another instance, at 10.20.0.12, writes it. */
	rr_moved(rr0, "127.0.0.1:5060", "10.20.0.12:5060", sib, sizeof(sib));

	(void)snprintf(req, sizeof(req),
	    SIBLING_BYE("%s, %s", "inv-1@10.0.0.2"), rr1, sib);
	harness_handle(req, "203.0.113.9:5062"); /* not in trust */
	harness_sent_to(PBX);
	ck_assert_ptr_null(harness_hdr("Route", 0, b, sizeof(b)));

	/* A tampered flow token in the sibling's entry: it stays. */
	(void)snprintf(bad, sizeof(bad), "%s", sib);
	p = strchr(bad, ':') + 3;
	*p = *p == 'A' ? 'B' : 'A';
	(void)snprintf(req, sizeof(req),
	    SIBLING_BYE("%s, %s", "inv-1@10.0.0.2"), rr1, bad);
	harness_handle(req, "203.0.113.9:5062");
	harness_sent_to(PBX);
	ck_assert_str_eq(harness_hdr("Route", 0, b, sizeof(b)), bad);

	/* Not below one of ours: nothing is ours, so nothing goes (a trusted
	 * source, forwarded as it is). */
	(void)snprintf(req, sizeof(req), SIBLING_BYE("%s", "inv-1@10.0.0.2"),
	    sib);
	harness_handle(req, CLIENT);
	harness_sent_to(PBX);
	ck_assert_str_eq(harness_hdr("Route", 0, b, sizeof(b)), sib);

	/* Another dialog's Call-ID: its dialog token does not verify. */
	(void)snprintf(req, sizeof(req),
	    SIBLING_BYE("%s, %s", "other@10.0.0.2"), rr1, sib);
	harness_handle(req, CLIENT);
	harness_sent_to(PBX);
	ck_assert_str_eq(harness_hdr("Route", 0, b, sizeof(b)), sib);
}
END_TEST

/* An advertise of its own on a wildcard listener: its one name. */
START_TEST(test_listener_advertise_wildcard_one_name)
{
	char b[512];

	harness_reload_cfg("listen udp:0.0.0.0:5060 advertise sip.example.org\n"
			   "advertise other.example.org\n"
			   "upstream udp:127.0.0.1:5080\n"
			   "realm sipwarden.test\nusers users\n" HARNESS_TRUST);
	harness_handle(INVITE, CLIENT);
	harness_sent_to(PBX);
	ck_assert(
	    strncmp(harness_hdr("Via", 0, b, sizeof(b)),
		"SIP/2.0/UDP sip.example.org:5060;branch=z9hG4bKsw", 49) == 0);
	ck_assert_ptr_nonnull(
	    strstr(harness_hdr("Record-Route", 0, b, sizeof(b)),
		"@sip.example.org:5060;lr;swt="));
	ck_assert_ptr_null(harness_hdr("Record-Route", 1, b, sizeof(b)));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	tcase_add_checked_fixture(tc, setup, harness_teardown);
	tcase_add_test(tc, test_register_forwarded_to_upstream);
	tcase_add_test(tc, test_untrusted_request_challenged);
	tcase_add_test(tc, test_supported_path_not_added_twice);
	tcase_add_test(tc, test_invite_gets_record_route);
	tcase_add_test(tc, test_in_dialog_request_no_record_route);
	tcase_add_test(tc, test_branch_same_for_retransmission_cancel_and_ack);
	tcase_add_test(tc, test_response_relayed_by_via);
	tcase_add_test(tc, test_upstream_last_seen);
	tcase_add_test(tc, test_response_with_forged_branch_dropped);
	tcase_add_test(tc, test_response_redirected_elsewhere_dropped);
	tcase_add_test(tc, test_response_not_ours_dropped);
	tcase_add_test(tc, test_max_forwards_zero_gets_483);
	tcase_add_test(tc, test_bad_request_gets_400_and_its_ack_absorbed);
	tcase_add_test(tc, test_ack_of_our_reply_absorbed);
	tcase_add_test(tc, test_garbage_dropped);
	tcase_add_test(tc, test_too_big_dropped);
	tcase_add_test(tc, test_allow_list_drops_others);
	tcase_add_test(tc, test_two_listeners_double_record_route);
	tcase_add_test(tc, test_drop_log_rate_limited);
	tcase_add_test(tc, test_ipv6_client);
	tcase_add_test(tc, test_tls_register_forwarded_with_flow_token);
	tcase_add_test(tc, test_tls_response_back_on_its_connection);
	tcase_add_test(tc, test_pbx_invite_to_tls_client_double_record_route);
	tcase_add_test(tc, test_pbx_invite_sips_ruri_sips_record_route);
	tcase_add_test(tc, test_tls_client_response_to_pbx_request);
	tcase_add_test(tc, test_tcp_upstream_any_port_is_the_pbx);
	tcase_add_test(tc, test_bare_lf_not_onto_a_stream);
	tcase_add_loop_test(tc, test_flow_failed_reply_to_pbx, 0,
	    sizeof(flow_failed_cases) / sizeof(flow_failed_cases[0]));
	tcase_add_test(tc, test_flow_failed_upstream_gone_503_to_tls_client);
	tcase_add_test(tc, test_flow_failed_nothing_for_ack_or_response);
	tcase_add_test(tc, test_admit_bans_and_allow_list);
	tcase_add_test(tc, test_listener_advertise_two_faces);
	tcase_add_test(tc, test_listener_advertise_wildcard_one_name);
	tcase_add_test(tc, test_sibling_record_route_removed);
	suite_add_tcase(s, tc);
	return (s);
}
