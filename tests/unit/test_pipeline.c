/*
 * proxy/pipeline.c: every rule of SPEC section 4 that issue 2 delivers,
 * fed as bytes with a source address, asserted on the action and the
 * exact bytes out.  No sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/log.h"
#include "proxy/pipeline.h"
#include "proxy/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/unit/tests.h"

#define CLIENT "192.0.2.10:5062"
#define PBX    "127.0.0.1:5080"

static struct snapshot *sn;
static struct pctx *pc;
static struct action act;
static char out[PKT_MAXLEN + 1];
static unsigned long long now_ms = 1764000000000ULL;

/* The forwarding tests trust their clients: authentication has its own
 * suite (test_authn.c). */
#define TRUST "trust 192.0.2.0/24\ntrust 10.0.0.0/8\ntrust 2001:db8::/32\n"

static void
setup(void)
{
	sn = fixture_snapshot(TRUST);
	ck_assert_int_eq(pctx_alloc(&pc, fixture_replay(), NULL), 0);
}

static void
teardown(void)
{
	pctx_free(pc);
	snapshot_unref(sn);
	fixture_cleanup();
}

/* Run msg from src ("IP:PORT") through the pipeline; out holds the result. */
static void
handle(const char *msg, const char *src)
{
	struct pipe_in in;

	memset(&in, 0, sizeof(in));
	in.pi_buf = msg;
	in.pi_len = strlen(msg);
	in.pi_src.f_tp = TP_UDP;
	in.pi_src.f_lsock = 0;
	in.pi_now_ms = now_ms;
	ck_assert_int_eq(addr_parse_hostport(src, strlen(src),
			     &in.pi_src.f_addr),
	    0);
	pipeline_handle(pc, sn, &in, &act);
	out[0] = '\0';
	if (act.a_kind == ACT_SEND) {
		ck_assert_uint_lt(act.a_outlen, sizeof(out));
		memcpy(out, act.a_out, act.a_outlen);
		out[act.a_outlen] = '\0';
	}
}

static void
assert_sent_to(const char *dst)
{
	char a[ADDR_STRLEN];

	ck_assert_int_eq(act.a_kind, ACT_SEND);
	(void)addr_fmt(&act.a_dst.f_addr, a, sizeof(a));
	ck_assert_str_eq(a, dst);
}

/* The value of the n-th (0-based) header line named name in out. */
static const char *
hdr(const char *name, int n, char *buf, size_t size)
{
	const char *l = strstr(out, "\r\n");
	size_t nl = strlen(name);

	while (l != NULL && l[2] != '\r') {
		l += 2;
		if (strncmp(l, name, nl) == 0 && l[nl] == ':' && n-- == 0) {
			const char *e = strstr(l, "\r\n");

			(void)snprintf(buf, size, "%.*s", (int)(e - l - nl - 2),
			    l + nl + 2);
			return (buf);
		}
		l = strstr(l, "\r\n");
	}
	return (NULL);
}

#define REGISTER                                                               \
	"REGISTER sip:sipwarden.test SIP/2.0\r\n"                              \
	"Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;rport\r\n"          \
	"Max-Forwards: 70\r\n"                                                 \
	"From: <sip:alice@sipwarden.test>;tag=f1\r\n"                          \
	"To: <sip:alice@sipwarden.test>\r\n"                                   \
	"Call-ID: reg-1@10.0.0.2\r\n"                                          \
	"CSeq: 1 REGISTER\r\n"                                                 \
	"Contact: <sip:alice@10.0.0.2:5062>\r\n"                               \
	"Content-Length: 0\r\n\r\n"

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

	handle(REGISTER, CLIENT);
	assert_sent_to(PBX);
	ck_assert_uint_eq(act.a_dst.f_lsock, 0);
	ck_assert_str_eq(hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=192.0.2.10;"
	    "rport=5062");
	ck_assert_ptr_nonnull(hdr("Via", 0, b, sizeof(b)));
	ck_assert(
	    strncmp(b, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsw", 43) == 0);
	ck_assert_str_eq(hdr("Max-Forwards", 0, b, sizeof(b)), "69");
	ck_assert_ptr_nonnull(hdr("Path", 0, b, sizeof(b)));
	ck_assert(strncmp(b, "<sip:", 5) == 0);
	ck_assert_ptr_nonnull(strstr(b, "@127.0.0.1:5060;lr>"));
	ck_assert_ptr_null(hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(hdr("Contact", 0, b, sizeof(b)),
	    "<sip:alice@10.0.0.2:5062>");
	/* The UA did not say it supports Path: sipwarden says it for it. */
	ck_assert_str_eq(hdr("Supported", 0, b, sizeof(b)), "path");
	ck_assert_ptr_null(hdr("Supported", 1, b, sizeof(b)));
	ck_assert(
	    strncmp(out, "REGISTER sip:sipwarden.test SIP/2.0\r\n", 37) == 0);
	ck_assert_uint_eq(atomic_load(&pc->pc_stats.ps_requests[PM_REGISTER]),
	    1);
	ck_assert_uint_eq(atomic_load(&pc->pc_stats.ps_forwarded), 1);
}
END_TEST

START_TEST(test_untrusted_request_challenged)
{
	snapshot_unref(sn);
	fixture_cleanup();
	sn = fixture_snapshot(NULL);
	handle(INVITE, CLIENT);
	ck_assert(strncmp(out, "SIP/2.0 407 Proxy Authentication Required\r\n",
		      43) == 0);
	handle(REGISTER, CLIENT);
	ck_assert(strncmp(out, "SIP/2.0 401 Unauthorized\r\n", 26) == 0);
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

	handle(reg2, CLIENT);
	assert_sent_to(PBX);
	ck_assert_ptr_null(hdr("Supported", 0, b, sizeof(b)));
	ck_assert_str_eq(hdr("k", 0, b, sizeof(b)), "replaces, PATH, outbound");
	/* Not a REGISTER: no Path, no Supported. */
	handle(INVITE, CLIENT);
	ck_assert_ptr_null(hdr("Supported", 0, b, sizeof(b)));
}
END_TEST

START_TEST(test_invite_gets_record_route)
{
	char b[512];

	handle(INVITE, CLIENT);
	assert_sent_to(PBX);
	ck_assert_ptr_nonnull(hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(strstr(b, "@127.0.0.1:5060;lr;swt="));
	ck_assert_ptr_null(hdr("Record-Route", 1, b, sizeof(b)));
	ck_assert_ptr_null(hdr("Path", 0, b, sizeof(b)));
}
END_TEST

START_TEST(test_in_dialog_request_no_record_route)
{
	char b[512];

	handle("BYE sip:100@10.0.0.9 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f2\r\n"
	       "To: <sip:100@sipwarden.test>;tag=t9\r\n"
	       "Call-ID: inv-1@10.0.0.2\r\nCSeq: 2 BYE\r\n\r\n",
	    CLIENT);
	assert_sent_to(PBX);
	ck_assert_ptr_null(hdr("Record-Route", 0, b, sizeof(b)));
	/* No Max-Forwards in the request: added as 70. */
	ck_assert_str_eq(hdr("Max-Forwards", 0, b, sizeof(b)), "70");
	/* No rport asked: received only. */
	ck_assert_str_eq(hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye;received=192.0.2.10");
}
END_TEST

/* The branch sipwarden gave the last forwarded request. */
static void
our_branch(char *b, size_t size)
{
	char v[512];
	const char *p;

	ck_assert_ptr_nonnull(hdr("Via", 0, v, sizeof(v)));
	p = strstr(v, "branch=");
	ck_assert_ptr_nonnull(p);
	(void)snprintf(b, size, "%s", p + 7);
}

START_TEST(test_branch_same_for_retransmission_cancel_and_ack)
{
	char b1[128], b2[128];

	handle(INVITE, CLIENT);
	our_branch(b1, sizeof(b1));
	handle(INVITE, CLIENT);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	handle(INVITE_("z9hG4bKinv1", "CANCEL", "1"), CLIENT);
	assert_sent_to(PBX);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	handle(INVITE_("z9hG4bKinv1", "ACK", "1"), CLIENT);
	assert_sent_to(PBX);
	our_branch(b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	handle(INVITE_("z9hG4bKinv2", "INVITE", "2"), CLIENT);
	our_branch(b2, sizeof(b2));
	ck_assert_str_ne(b1, b2);
}
END_TEST

/* A 200 from the PBX to the request last forwarded, Via kept. */
static void
pbx_response(const char *code, char *resp, size_t size)
{
	char v0[512], v1[512];

	ck_assert_ptr_nonnull(hdr("Via", 0, v0, sizeof(v0)));
	ck_assert_ptr_nonnull(hdr("Via", 1, v1, sizeof(v1)));
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

	handle(REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	handle(resp, PBX);
	assert_sent_to("192.0.2.10:5062");
	ck_assert_str_eq(hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=192.0.2.10;"
	    "rport=5062");
	ck_assert_ptr_null(hdr("Via", 1, b, sizeof(b)));
	ck_assert(strncmp(out, "SIP/2.0 200 OK\r\n", 16) == 0);
	ck_assert_uint_eq(atomic_load(&pc->pc_stats.ps_responses[1]), 1);
}
END_TEST

START_TEST(test_response_with_forged_branch_dropped)
{
	char resp[2048], *p;

	handle(REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	p = strstr(resp, "z9hG4bKsw") + 12;
	*p = (*p == 'A') ? 'B' : 'A';
	handle(resp, PBX);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_NOT_OURS);
}
END_TEST

START_TEST(test_response_redirected_elsewhere_dropped)
{
	char resp[2048], *p;

	/* Our branch is valid, but the Via below names another address:
	 * the MAC binds the relay address, so it is not relayed. */
	handle(REGISTER, CLIENT);
	pbx_response("200 OK", resp, sizeof(resp));
	p = strstr(resp, "received=192.0.2.10");
	ck_assert_ptr_nonnull(p);
	p[strlen("received=192.0.2.1")] = '1';
	handle(resp, PBX);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_NOT_OURS);
}
END_TEST

START_TEST(test_response_not_ours_dropped)
{
	handle("SIP/2.0 200 OK\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKforged\r\n"
	       "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKx\r\n"
	       "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
	       "Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
	    PBX);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_NOT_OURS);
	ck_assert_uint_eq(atomic_load(&pc->pc_stats.ps_dropped[DROP_NOT_OURS]),
	    1);
}
END_TEST

/* The Path URI of the last forwarded REGISTER, without < >. */
static void
path_uri(char *b, size_t size)
{
	char v[512];

	ck_assert_ptr_nonnull(hdr("Path", 0, v, sizeof(v)));
	(void)snprintf(b, size, "%.*s", (int)strlen(v) - 2, v + 1);
}

START_TEST(test_pbx_request_follows_path_token)
{
	char path[256], req[2048], b[512];

	handle(REGISTER, CLIENT);
	path_uri(path, sizeof(path));
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
	handle(req, PBX);
	assert_sent_to("192.0.2.10:5062");
	ck_assert_ptr_null(hdr("Route", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(hdr("Record-Route", 0, b, sizeof(b)));
	ck_assert_str_eq(hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpbx1;received=127.0.0.1");
	ck_assert(strncmp(out, "INVITE sip:alice@10.0.0.2:5062 SIP/2.0\r\n",
		      40) == 0);
}
END_TEST

START_TEST(test_pbx_request_forged_token_dropped)
{
	char path[256], req[2048], *p;

	handle(REGISTER, CLIENT);
	path_uri(path, sizeof(path));
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
	handle(req, PBX);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_BAD_TOKEN);
}
END_TEST

START_TEST(test_pbx_request_by_request_uri)
{
	char b[512];

	handle("OPTIONS sip:alice@198.51.100.7:5070 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo1\r\n"
	       "Route: <sip:127.0.0.1:5060;lr>, <sip:198.51.100.99;lr>\r\n"
	       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
	       "To: <sip:alice@sipwarden.test>\r\n"
	       "Call-ID: o-1\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	/* Our Route popped, the next Route is the next hop. */
	assert_sent_to("198.51.100.99:5060");
	ck_assert_str_eq(hdr("Route", 0, b, sizeof(b)),
	    "<sip:198.51.100.99;lr>");
	handle("OPTIONS sip:alice@198.51.100.7:5070 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo2\r\n"
	       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
	       "To: <sip:alice@sipwarden.test>\r\n"
	       "Call-ID: o-2\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	assert_sent_to("198.51.100.7:5070");
}
END_TEST

START_TEST(test_pbx_request_unresolvable_or_loop)
{
	handle("OPTIONS sip:alice@phone.example.com SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo3\r\n"
	       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
	       "To: <sip:alice@sipwarden.test>\r\n"
	       "Call-ID: o-3\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	assert_sent_to(PBX);
	ck_assert(strncmp(out, "SIP/2.0 502 Bad Gateway\r\n", 25) == 0);
	handle("OPTIONS sip:alice@127.0.0.1:5060 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo4\r\n"
	       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
	       "To: <sip:alice@sipwarden.test>\r\n"
	       "Call-ID: o-4\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	ck_assert(strncmp(out, "SIP/2.0 482 Loop Detected\r\n", 27) == 0);
}
END_TEST

START_TEST(test_client_route_to_us_popped)
{
	char b[512];

	handle("BYE sip:100@10.0.0.9 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbye2\r\n"
	       "Route: <sip:tok@127.0.0.1:5060;lr>\r\n"
	       "Route: <sip:10.9.9.9;lr>\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f2\r\n"
	       "To: <sip:100@sipwarden.test>;tag=t9\r\n"
	       "Call-ID: inv-1@10.0.0.2\r\nCSeq: 2 BYE\r\n\r\n",
	    CLIENT);
	assert_sent_to(PBX);
	ck_assert_str_eq(hdr("Route", 0, b, sizeof(b)), "<sip:10.9.9.9;lr>");
	ck_assert_ptr_null(hdr("Route", 1, b, sizeof(b)));
}
END_TEST

START_TEST(test_max_forwards_zero_gets_483)
{
	char b[512];

	handle("OPTIONS sip:100@sipwarden.test SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf0\r\n"
	       "Max-Forwards: 0\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f3\r\n"
	       "To: <sip:100@sipwarden.test>\r\n"
	       "Call-ID: mf0\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    CLIENT);
	/* No rport: the reply goes to the source address, sent-by port. */
	assert_sent_to("192.0.2.10:5062");
	ck_assert(strncmp(out, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0);
	ck_assert_ptr_nonnull(strstr(hdr("To", 0, b, sizeof(b)), ";tag=sw"));
	ck_assert_str_eq(hdr("Call-ID", 0, b, sizeof(b)), "mf0");
	ck_assert_str_eq(hdr("CSeq", 0, b, sizeof(b)), "1 OPTIONS");
	ck_assert_ptr_nonnull(strstr(out, "Content-Length: 0\r\n\r\n"));
}
END_TEST

START_TEST(test_bad_request_gets_400_and_its_ack_absorbed)
{
	char b[512], ack[1024];

	handle("INVITE sip:100@sipwarden.test SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbad;rport\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f4\r\n"
	       "To: <sip:100@sipwarden.test>\r\n"
	       "CSeq: 1 INVITE\r\n\r\n",
	    CLIENT);
	assert_sent_to("192.0.2.10:5062");
	ck_assert(strncmp(out, "SIP/2.0 400 Bad Request\r\n", 25) == 0);
	ck_assert_str_eq(hdr("Via", 0, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbad;received=192.0.2.10;"
	    "rport=5062");
	/* The same request again gets the same To-tag. */
	(void)snprintf(ack, sizeof(ack), "%s", hdr("To", 0, b, sizeof(b)));
	ck_assert_ptr_nonnull(strstr(ack, ";tag=sw"));
	handle("INVITE sip:100@sipwarden.test SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKbad;rport\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f4\r\n"
	       "To: <sip:100@sipwarden.test>\r\n"
	       "CSeq: 1 INVITE\r\n\r\n",
	    CLIENT);
	ck_assert_str_eq(hdr("To", 0, b, sizeof(b)), ack);
}
END_TEST

START_TEST(test_ack_of_our_reply_absorbed)
{
	char to[256], ack[1024];

	handle("OPTIONS sip:100@sipwarden.test SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf1\r\n"
	       "Max-Forwards: 0\r\n"
	       "From: <sip:alice@sipwarden.test>;tag=f5\r\n"
	       "To: <sip:100@sipwarden.test>\r\n"
	       "Call-ID: ack-1\r\nCSeq: 1 INVITE\r\n\r\n",
	    CLIENT);
	/* (CSeq method mismatch: 400, with our To-tag.) */
	ck_assert(strncmp(out, "SIP/2.0 400 ", 12) == 0);
	ck_assert_ptr_nonnull(hdr("To", 0, to, sizeof(to)));
	(void)snprintf(ack, sizeof(ack),
	    "ACK sip:100@sipwarden.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKmf1\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@sipwarden.test>;tag=f5\r\n"
	    "To: %s\r\nCall-ID: ack-1\r\nCSeq: 1 ACK\r\n\r\n",
	    to);
	handle(ack, CLIENT);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_NONE);
}
END_TEST

START_TEST(test_garbage_dropped)
{
	handle("\x01\x02garbage\r\n\r\n", CLIENT);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_MALFORMED);
	/* A response too broken to relay is dropped, never answered. */
	handle("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKsw"
	       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
	       "Via: SIP/2.0/UDP 10.0.0.2\r\n\r\n",
	    PBX);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_MALFORMED);
}
END_TEST

START_TEST(test_too_big_dropped)
{
	static char big[PKT_MAXLEN + 10];
	struct pipe_in in;

	memset(big, 'x', sizeof(big));
	memset(&in, 0, sizeof(in));
	in.pi_buf = big;
	in.pi_len = sizeof(big);
	ck_assert_int_eq(addr_parse_hostport(CLIENT, strlen(CLIENT),
			     &in.pi_src.f_addr),
	    0);
	pipeline_handle(pc, sn, &in, &act);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_TOO_BIG);
}
END_TEST

START_TEST(test_allow_list_drops_others)
{
	snapshot_unref(sn);
	fixture_cleanup();
	sn = fixture_snapshot("allow 10.0.0.0/8\nallow 2001:db8::/32\n" TRUST);
	handle(REGISTER, CLIENT);
	ck_assert_int_eq(act.a_kind, ACT_DROP);
	ck_assert_int_eq(act.a_drop, DROP_NOT_ALLOWED);
	handle(REGISTER, "10.1.2.3:5060");
	assert_sent_to(PBX);
	handle(REGISTER, "[2001:db8::5]:5060");
	ck_assert_int_eq(act.a_kind, ACT_SEND);
	/* The upstream is never filtered out. */
	handle("OPTIONS sip:alice@10.1.2.3:5060 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKo9\r\n"
	       "From: <sip:pbx@sipwarden.test>;tag=p1\r\n"
	       "To: <sip:alice@sipwarden.test>\r\n"
	       "Call-ID: o-9\r\nCSeq: 1 OPTIONS\r\n\r\n",
	    PBX);
	assert_sent_to("10.1.2.3:5060");
}
END_TEST

START_TEST(test_two_listeners_double_record_route)
{
	char b[512];

	snapshot_unref(sn);
	fixture_cleanup();
	sn = fixture_snapshot_cfg("listen udp:127.0.0.1:5060\n"
				  "listen udp:127.0.0.2:5060\n"
				  "upstream udp:127.0.0.1:5080\n"
				  "realm sipwarden.test\nusers users\n" TRUST);
	{
		struct pipe_in in;

		memset(&in, 0, sizeof(in));
		in.pi_buf = INVITE;
		in.pi_len = strlen(INVITE);
		in.pi_src.f_lsock = 1; /* arrived on 127.0.0.2 */
		ck_assert_int_eq(addr_parse_hostport(CLIENT, strlen(CLIENT),
				     &in.pi_src.f_addr),
		    0);
		pipeline_handle(pc, sn, &in, &act);
		memcpy(out, act.a_out, act.a_outlen);
		out[act.a_outlen] = '\0';
	}
	assert_sent_to(PBX);
	ck_assert_uint_eq(act.a_dst.f_lsock, 0);
	ck_assert_ptr_nonnull(strstr(hdr("Record-Route", 0, b, sizeof(b)),
	    "@127.0.0.1:5060;lr;swt="));
	ck_assert_ptr_nonnull(strstr(hdr("Record-Route", 1, b, sizeof(b)),
	    "@127.0.0.2:5060;lr;swt="));
}
END_TEST

START_TEST(test_drop_log_rate_limited)
{
	char path[256], line[1024];
	int i, lines = 0;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/log", fixture_dir());
	ck_assert_int_eq(log_open(path, LOGL_INFO, LOGF_TEXT), 0);
	for (i = 0; i < 1000; i++)
		handle("garbage", CLIENT);
	now_ms += 1000;
	handle("garbage", CLIENT);
	log_close();
	ck_assert_uint_eq(atomic_load(&pc->pc_stats.ps_dropped[DROP_MALFORMED]),
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

	snapshot_unref(sn);
	fixture_cleanup();
	sn = fixture_snapshot_cfg("listen udp:[::1]:5060\n"
				  "upstream udp:[::1]:5080\n"
				  "realm sipwarden.test\nusers users\n" TRUST);
	handle(REGISTER, "[2001:db8::7]:5062");
	assert_sent_to("[::1]:5080");
	ck_assert_str_eq(hdr("Via", 1, b, sizeof(b)),
	    "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;received=2001:db8::7;"
	    "rport=5062");
	ck_assert(strncmp(hdr("Via", 0, b, sizeof(b)),
		      "SIP/2.0/UDP [::1]:5060;branch=", 30) == 0);
	ck_assert_ptr_nonnull(
	    strstr(hdr("Path", 0, b, sizeof(b)), "@[::1]:5060;lr>"));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_forwarded_to_upstream);
	tcase_add_test(tc, test_untrusted_request_challenged);
	tcase_add_test(tc, test_supported_path_not_added_twice);
	tcase_add_test(tc, test_invite_gets_record_route);
	tcase_add_test(tc, test_in_dialog_request_no_record_route);
	tcase_add_test(tc, test_branch_same_for_retransmission_cancel_and_ack);
	tcase_add_test(tc, test_response_relayed_by_via);
	tcase_add_test(tc, test_response_with_forged_branch_dropped);
	tcase_add_test(tc, test_response_redirected_elsewhere_dropped);
	tcase_add_test(tc, test_response_not_ours_dropped);
	tcase_add_test(tc, test_pbx_request_follows_path_token);
	tcase_add_test(tc, test_pbx_request_forged_token_dropped);
	tcase_add_test(tc, test_pbx_request_by_request_uri);
	tcase_add_test(tc, test_pbx_request_unresolvable_or_loop);
	tcase_add_test(tc, test_client_route_to_us_popped);
	tcase_add_test(tc, test_max_forwards_zero_gets_483);
	tcase_add_test(tc, test_bad_request_gets_400_and_its_ack_absorbed);
	tcase_add_test(tc, test_ack_of_our_reply_absorbed);
	tcase_add_test(tc, test_garbage_dropped);
	tcase_add_test(tc, test_too_big_dropped);
	tcase_add_test(tc, test_allow_list_drops_others);
	tcase_add_test(tc, test_two_listeners_double_record_route);
	tcase_add_test(tc, test_drop_log_rate_limited);
	tcase_add_test(tc, test_ipv6_client);
	suite_add_tcase(s, tc);
	return (s);
}
