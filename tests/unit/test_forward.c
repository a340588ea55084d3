/*
 * sip/forward.c: request and response rewriting and stateless replies,
 * checked byte for byte.  Inputs go through the real scanner (pkt_scan).
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/obuf.h"
#include "sip/forward.h"
#include "sip/pkt.h"
#include "sip/pkt_value.h"
#include "tests.h"

#define CANARY 0x5a
#define OURVIA "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKswTEST"

#define START_INVITE "INVITE sip:bob@example.com SIP/2.0\r\n"
#define CLIENT_VIA   "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776"
#define REWRITTEN    CLIENT_VIA ";received=198.51.100.7"
#define MAXFWD70     "Max-Forwards: 70\r\n"
#define DIALOG                                                                 \
	"From: \"Alice\" <sip:alice@example.com>;tag=1928\r\n"                 \
	"To: <sip:bob@example.com>\r\n"                                        \
	"Call-ID: a84b4c76e66710\r\n"                                          \
	"CSeq: 314159 INVITE\r\n"
#define CONTACT "Contact: <sip:alice@192.0.2.1:5062>\r\n"
#define CL0     "Content-Length: 0\r\n\r\n"

static struct pkt p;
static char out[4096];
static struct sa src4, src6;

static void
setup(void)
{
	ck_assert_int_eq(sa_set_str(&src4, "198.51.100.7", 40000), 0);
	ck_assert_int_eq(sa_set_str(&src6, "2001:db8::7", 40001), 0);
	memset(out, CANARY, sizeof(out));
}

static void
scan_ok(const char *msg, size_t len)
{
	ck_assert_int_eq(pkt_scan(&p, msg, len), PKT_OK);
}

/* fr for p with our Via and src4, nothing else. */
static struct fwd_req
req_plain(void)
{
	struct fwd_req fr;

	memset(&fr, 0, sizeof(fr));
	fr.fr_pkt = &p;
	fr.fr_src = &src4;
	fr.fr_via = OURVIA;
	return (fr);
}

/* Run fwd_request into out and NUL-terminate. */
static const char *
request(const struct fwd_req *fr)
{
	struct obuf ob;

	obuf_init(&ob, out, sizeof(out) - 1);
	ck_assert(fwd_request(&ob, fr));
	out[ob.ob_len] = '\0';
	return (out);
}

/* Scan msg, forward it with no options, compare with want. */
static void
fwd_eq(const char *msg, const char *want)
{
	struct fwd_req fr;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	ck_assert_str_eq(request(&fr), want);
}

START_TEST(test_fwd_request_basic)
{
	fwd_eq(START_INVITE CLIENT_VIA ";rport\r\n" MAXFWD70 DIALOG CONTACT CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN ";rport=40000\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CONTACT CL0);
}
END_TEST

START_TEST(test_fwd_request_no_rport)
{
	fwd_eq(START_INVITE CLIENT_VIA "\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* RFC 2543 style: sent-by only, no parameters at all. */
START_TEST(test_fwd_request_via_no_params)
{
	fwd_eq(START_INVITE
	    "Via: SIP/2.0/UDP 192.0.2.1\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1;received=198.51.100.7\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

START_TEST(test_fwd_request_rport_first)
{
	fwd_eq(START_INVITE
	    "Via: SIP/2.0/UDP "
	    "192.0.2.1:5062;rport;branch=z9hG4bK776\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN ";rport=40000\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* received and rport the client wrote are replaced, never duplicated. */
START_TEST(test_fwd_request_replaces_received_rport)
{
	fwd_eq(START_INVITE
	    "Via: SIP/2.0/UDP 192.0.2.1:5062;received=10.0.0.1;"
	    "branch=z9hG4bK776;rport=1234;x=y\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE
	    "Via: " OURVIA "\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;x=y;"
	    "received=198.51.100.7;rport=40000\r\n"
	    "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

START_TEST(test_fwd_request_replaces_received_only)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    ";received=10.0.0.1\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* Parameter names are case-insensitive (RFC 3261 7.3.1). */
START_TEST(test_fwd_request_replaces_any_case)
{
	fwd_eq(START_INVITE "Via: SIP/2.0/UDP 192.0.2.1:5062;Received=10.0.0.1;"
			    "branch=z9hG4bK776;RPORT\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN ";rport=40000\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* A parameter that merely starts with "rport" is not rport. */
START_TEST(test_fwd_request_keeps_similar_names)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    ";rportx=1;received2=a\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" CLIENT_VIA
			 ";rportx=1;received2=a;received=198.51.100.7\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* The top Via is the first element of a comma list: the rest is kept. */
START_TEST(test_fwd_request_via_comma_list)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    ";rport ,  SIP/2.0/TCP 10.1.1.1:5060;"
	    "branch=z9hG4bKold,SIP/2.0/UDP 10.2.2.2;"
	    "branch=z9hG4bK3\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN
			 ";rport=40000, SIP/2.0/TCP 10.1.1.1:5060;"
			 "branch=z9hG4bKold,SIP/2.0/UDP 10.2.2.2;"
			 "branch=z9hG4bK3\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* Further Via header lines are copied as they are. */
START_TEST(test_fwd_request_second_via_line)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    ";rport\r\n"
	    "Via:  SIP/2.0/TCP 10.1.1.1 ;branch=z9hG4bKold\r\n" MAXFWD70 DIALOG
		CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN ";rport=40000\r\n"
			 "Via:  SIP/2.0/TCP 10.1.1.1 ;branch=z9hG4bKold\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* The compact name stays compact; our own lines use the long names. */
START_TEST(test_fwd_request_compact_via)
{
	fwd_eq(START_INVITE "v: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;"
			    "rport\r\n" MAXFWD70 DIALOG CL0,
	    START_INVITE "Via: " OURVIA "\r\n"
			 "v: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;"
			 "received=198.51.100.7;rport=40000\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

START_TEST(test_fwd_request_ipv6_source)
{
	struct fwd_req fr;
	const char *msg = START_INVITE
	    "Via: SIP/2.0/UDP "
	    "[2001:db8::1]:5062;branch=z9hG4bK776;rport\r\n" MAXFWD70 DIALOG
		CL0;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	fr.fr_src = &src6;
	ck_assert_str_eq(request(&fr),
	    START_INVITE
	    "Via: " OURVIA "\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK776;"
	    "received=2001:db8::7;rport=40001\r\n"
	    "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

static const struct {
	const char *in;
	const char *want;
} maxfwd_cases[] = {
	{ "Max-Forwards: 70\r\n", "Max-Forwards: 69\r\n" },
	{ "Max-Forwards: 1\r\n", "Max-Forwards: 0\r\n" },
	{ "Max-Forwards: 255\r\n", "Max-Forwards: 254\r\n" },
	{ "max-forwards:10\r\n", "Max-Forwards: 9\r\n" },
	{ "Max-Forwards: 007\r\n", "Max-Forwards: 6\r\n" },
};

/* Max-Forwards is decremented where it stands. */
START_TEST(test_fwd_request_maxfwd_decrement)
{
	char in[1024], want[1024];

	(void)snprintf(in, sizeof(in), "%s%s%s%s%s", START_INVITE,
	    CLIENT_VIA "\r\n", maxfwd_cases[_i].in, DIALOG, CL0);
	(void)snprintf(want, sizeof(want), "%s%s%s%s%s%s", START_INVITE,
	    "Via: " OURVIA "\r\n", REWRITTEN "\r\n", maxfwd_cases[_i].want,
	    DIALOG, CL0);
	fwd_eq(in, want);
}
END_TEST

/* Without Max-Forwards, 70 is added as the last header (RFC 3261 16.6). */
START_TEST(test_fwd_request_maxfwd_added)
{
	fwd_eq(START_INVITE CLIENT_VIA "\r\n" DIALOG CONTACT CL0,
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n" DIALOG CONTACT
			 "Content-Length: 0\r\nMax-Forwards: 70\r\n\r\n");
}
END_TEST

START_TEST(test_fwd_request_record_route_path)
{
	const char *msg = START_INVITE CLIENT_VIA "\r\n" MAXFWD70 DIALOG CL0;
	struct fwd_req fr;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	fr.fr_rr[0] = "sip:tok1@203.0.113.5;lr";
	fr.fr_rr[1] = "sip:tok2@[2001:db8::5];lr";
	fr.fr_path = "sip:tok3@203.0.113.5;lr";
	ck_assert_str_eq(request(&fr),
	    START_INVITE "Via: " OURVIA "\r\n"
			 "Record-Route: <sip:tok1@203.0.113.5;lr>\r\n"
			 "Record-Route: <sip:tok2@[2001:db8::5];lr>\r\n"
			 "Path: <sip:tok3@203.0.113.5;lr>\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

START_TEST(test_fwd_request_second_record_route_only)
{
	const char *msg = START_INVITE CLIENT_VIA "\r\n" MAXFWD70 DIALOG CL0;
	struct fwd_req fr;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	fr.fr_rr[1] = "sip:tok2@203.0.113.5;lr";
	ck_assert_str_eq(request(&fr),
	    START_INVITE "Via: " OURVIA "\r\n"
			 "Record-Route: <sip:tok2@203.0.113.5;lr>\r\n" REWRITTEN
			 "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CL0);
}
END_TEST

/* Existing Record-Route headers of the request are left alone. */
START_TEST(test_fwd_request_keeps_record_route)
{
	const char *rr = "Record-Route: <sip:p1.example.net;lr>\r\n";
	char in[1024], want[1024];

	(void)snprintf(in, sizeof(in), "%s",
	    START_INVITE CLIENT_VIA "\r\n" MAXFWD70);
	(void)strcat(in, rr);
	(void)strcat(in, DIALOG CL0);
	(void)snprintf(want, sizeof(want), "%s",
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN
			 "\r\nMax-Forwards: 69\r\n");
	(void)strcat(want, rr);
	(void)strcat(want, DIALOG CL0);
	fwd_eq(in, want);
}
END_TEST

#define ROUTES_1LINE                                                           \
	"Route: <sip:p1.example.net;lr>, <sip:p2.example.net;lr>,"             \
	" <sip:p3.example.net;lr>\r\n"
#define ROUTES_2LINES                                                          \
	"Route: <sip:p1.example.net;lr>\r\n"                                   \
	"Route: <sip:p2.example.net;lr>,<sip:p3.example.net;lr>\r\n"

static const struct {
	const char *routes;
	size_t nroute;
	const char *want;
} route_cases[] = {
	{ ROUTES_1LINE, 0, ROUTES_1LINE },
	{ ROUTES_1LINE, 1,
	    "Route: <sip:p2.example.net;lr>, <sip:p3.example.net;lr>\r\n" },
	{ ROUTES_1LINE, 2, "Route: <sip:p3.example.net;lr>\r\n" },
	{ ROUTES_1LINE, 3, "" },
	{ ROUTES_2LINES, 0, ROUTES_2LINES },
	{ ROUTES_2LINES, 1,
	    "Route: <sip:p2.example.net;lr>,<sip:p3.example.net;lr>\r\n" },
	{ ROUTES_2LINES, 2, "Route: <sip:p3.example.net;lr>\r\n" },
	{ ROUTES_2LINES, 3, "" },
	/* A comma inside a quoted display name does not split. */
	{ "Route: \"a, b\" <sip:p1.example.net;lr> ,\r\n "
	  "<sip:p2.example.net>\r\n",
	    1, "Route: <sip:p2.example.net>\r\n" },
	/* Untouched lines keep their spacing byte for byte. */
	{ "Route:   <sip:p1.example.net;lr> ,<sip:p2.example.net;lr>  \r\n", 0,
	    "Route:   <sip:p1.example.net;lr> ,<sip:p2.example.net;lr>  \r\n" },
};

/* fr_nroute elements are removed across the list and across headers. */
START_TEST(test_fwd_request_route_removal)
{
	char in[1024], want[1024];
	struct fwd_req fr;

	(void)snprintf(in, sizeof(in), "%s%s%s%s%s%s", START_INVITE,
	    CLIENT_VIA "\r\n", MAXFWD70, route_cases[_i].routes, DIALOG, CL0);
	(void)snprintf(want, sizeof(want), "%s%s%s%s%s%s%s", START_INVITE,
	    "Via: " OURVIA "\r\n", REWRITTEN "\r\n", "Max-Forwards: 69\r\n",
	    route_cases[_i].want, DIALOG, CL0);
	scan_ok(in, strlen(in));
	fr = req_plain();
	fr.fr_nroute = route_cases[_i].nroute;
	ck_assert_str_eq(request(&fr), want);
}
END_TEST

/* Route headers apart from each other, with other headers between. */
START_TEST(test_fwd_request_route_removal_apart)
{
	const char *msg = START_INVITE
	    "Route: <sip:p1.example.net;lr>\r\n" CLIENT_VIA "\r\n" MAXFWD70
	    "Route: <sip:p2.example.net;lr>, <sip:p3.example.net;lr>\r\n" DIALOG
		CL0;
	struct fwd_req fr;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	fr.fr_nroute = 2;
	ck_assert_str_eq(request(&fr),
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n"
			 "Route: <sip:p3.example.net;lr>\r\n" DIALOG CL0);
}
END_TEST

#define PROXY_AUTH                                                             \
	"Proxy-Authorization: Digest username=\"alice\", realm=\"sw\",\r\n"    \
	" nonce=\"abc\", uri=\"sip:bob@example.com\", response=\"0123\"\r\n"
#define AUTH                                                                   \
	"Authorization: Digest username=\"alice\", realm=\"pbx\","             \
	" nonce=\"x\", uri=\"sip:bob@example.com\", response=\"4567\"\r\n"

/* The header lines named by fr_strip are left out, the others kept. */
START_TEST(test_fwd_request_strip)
{
	const char *msg = START_INVITE CLIENT_VIA
	    "\r\n" MAXFWD70 DIALOG PROXY_AUTH AUTH CONTACT CL0;
	const struct pkt_hdr *h;
	struct fwd_req fr;
	struct pl strip[1];

	scan_ok(msg, strlen(msg));
	h = &p.p_hdrs[p.p_first[HDR_PROXY_AUTHORIZATION]];
	strip[0].p = msg + h->h_off;
	strip[0].l = h->h_len;
	fr = req_plain();
	fr.fr_strip = strip;
	fr.fr_nstrip = 1;
	ck_assert_str_eq(request(&fr),
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG AUTH CONTACT CL0);
}
END_TEST

START_TEST(test_fwd_request_strip_two)
{
	const char *msg = START_INVITE CLIENT_VIA
	    "\r\n" MAXFWD70 DIALOG PROXY_AUTH AUTH CONTACT CL0;
	struct fwd_req fr;
	struct pl strip[2];
	int i;

	scan_ok(msg, strlen(msg));
	for (i = 0; i < 2; i++) {
		const struct pkt_hdr *h =
		    &p.p_hdrs[p.p_first[i == 0 ? HDR_PROXY_AUTHORIZATION :
						 HDR_AUTHORIZATION]];

		strip[i].p = msg + h->h_off;
		strip[i].l = h->h_len;
	}
	fr = req_plain();
	fr.fr_strip = strip;
	fr.fr_nstrip = 2;
	ck_assert_str_eq(request(&fr),
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG CONTACT CL0);
}
END_TEST

#define SDP_HDRS "Content-Type: application/sdp\r\nContent-Length: 24\r\n\r\n"
#define SDP      "v=0\r\no=- 1 1 IN\0\xff\r\ns=-\r\n"

/* The body is copied as it is, NUL and high bytes included. */
START_TEST(test_fwd_request_body)
{
	static const char msg[] =
	    START_INVITE CLIENT_VIA "\r\n" MAXFWD70 DIALOG SDP_HDRS SDP;
	static const char want[] =
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG SDP_HDRS SDP;
	struct fwd_req fr;
	struct obuf ob;

	ck_assert_uint_eq(sizeof(SDP) - 1, 24);
	scan_ok(msg, sizeof(msg) - 1);
	fr = req_plain();
	obuf_init(&ob, out, sizeof(out));
	ck_assert(fwd_request(&ob, &fr));
	ck_assert_uint_eq(ob.ob_len, sizeof(want) - 1);
	ck_assert_mem_eq(out, want, sizeof(want) - 1);
}
END_TEST

/* Bytes past Content-Length are not part of the message (RFC 3261 18.3). */
START_TEST(test_fwd_request_body_past_content_length)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    "\r\n" MAXFWD70 DIALOG
	    "Content-Length: 5\r\n\r\nv=0\r\nTRAILING JUNK",
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG
			 "Content-Length: 5\r\n\r\nv=0\r\n");
}
END_TEST

/*
 * Bare LF line ends of the request are kept where lines are copied; the
 * end of the headers is a CRLF of ours, after the Content-Length the
 * datagram lacked.
 */
START_TEST(test_fwd_request_bare_lf)
{
	fwd_eq("OPTIONS sip:bob@example.com SIP/2.0\n"
	       "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776\n"
	       "Max-Forwards: 70\n"
	       "From: <sip:alice@example.com>;tag=1\n"
	       "To: <sip:bob@example.com>\n"
	       "Call-ID: x1\n"
	       "CSeq: 1 OPTIONS\n\n",
	    "OPTIONS sip:bob@example.com SIP/2.0\n"
	    "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
	    "Max-Forwards: 69\r\n"
	    "From: <sip:alice@example.com>;tag=1\n"
	    "To: <sip:bob@example.com>\n"
	    "Call-ID: x1\n"
	    "CSeq: 1 OPTIONS\n"
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

/*
 * Without Content-Length the datagram's end is the body's: what goes on
 * says how long it is, so that a receiver on a stream cannot take a
 * message hidden in the body (an INVITE in an ACK's) for one of ours.
 */
START_TEST(test_fwd_request_content_length_added)
{
	fwd_eq(START_INVITE CLIENT_VIA
	    "\r\n" MAXFWD70 DIALOG
	    "\r\nINVITE sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n",
	    START_INVITE
	    "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
	    "Max-Forwards: 69\r\n" DIALOG "Content-Length: 45\r\n"
	    "\r\nINVITE sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

/* A compact form keeps its name; the value is the body we send. */
START_TEST(test_fwd_request_content_length_compact)
{
	fwd_eq(START_INVITE CLIENT_VIA "\r\n" MAXFWD70 DIALOG
				       "l:   3\r\n\r\nabcdef",
	    START_INVITE "Via: " OURVIA "\r\n" REWRITTEN "\r\n"
			 "Max-Forwards: 69\r\n" DIALOG "l: 3\r\n\r\nabc");
}
END_TEST

/* A buffer one byte short, or any shorter: false, nothing past it. */
START_TEST(test_fwd_request_too_small)
{
	const char *msg = START_INVITE CLIENT_VIA
	    ";rport\r\n" MAXFWD70
	    "Route: <sip:p1.example.net;lr>, <sip:p2.example.net;lr>\r\n" DIALOG
		SDP_HDRS "v=0\r\no=- 1 1 IN\r\n\r\ns=-\r\n";
	struct fwd_req fr;
	struct obuf ob;
	size_t need, size, i;

	scan_ok(msg, strlen(msg));
	fr = req_plain();
	fr.fr_nroute = 1;
	fr.fr_rr[0] = "sip:tok1@203.0.113.5;lr";
	fr.fr_path = "sip:tok3@203.0.113.5;lr";
	obuf_init(&ob, out, sizeof(out));
	ck_assert(fwd_request(&ob, &fr));
	need = ob.ob_len;
	for (size = 0; size < need; size++) {
		memset(out, CANARY, sizeof(out));
		obuf_init(&ob, out, size);
		ck_assert(!fwd_request(&ob, &fr));
		ck_assert(ob.ob_full);
		ck_assert_uint_le(ob.ob_len, size);
		for (i = size; i < need + 16; i++)
			ck_assert_uint_eq((uint8_t)out[i], CANARY);
	}
	memset(out, CANARY, sizeof(out));
	obuf_init(&ob, out, need);
	ck_assert(fwd_request(&ob, &fr));
	ck_assert_uint_eq(ob.ob_len, need);
	ck_assert_uint_eq((uint8_t)out[need], CANARY);
}
END_TEST

#define RESP_DIALOG                                                            \
	"From: <sip:alice@example.com>;tag=1928\r\n"                           \
	"To: <sip:bob@example.com>;tag=a6c85cf\r\n"                            \
	"Call-ID: a84b4c76e66710\r\n"                                          \
	"CSeq: 314159 INVITE\r\n"                                              \
	"Contact: <sip:bob@192.0.2.4>\r\n"                                     \
	"Content-Length: 4\r\n\r\nbody"
#define CLIENT_VIA_RCVD                                                        \
	"SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;"                        \
	"received=198.51.100.7;rport=40000"

static const char *
response(const char *msg)
{
	struct obuf ob;

	scan_ok(msg, strlen(msg));
	obuf_init(&ob, out, sizeof(out) - 1);
	ck_assert(fwd_response(&ob, &p));
	out[ob.ob_len] = '\0';
	return (out);
}

/* Our Via on a line of its own: the line goes. */
START_TEST(test_fwd_response_own_line)
{
	ck_assert_str_eq(response("SIP/2.0 200 OK\r\n"
				  "Via: " OURVIA "\r\n"
				  "Via: " CLIENT_VIA_RCVD "\r\n"
				  "Record-Route: <sip:tok1@203.0.113.5;lr>\r\n"
				  "Via: SIP/2.0/UDP "
				  "10.9.9.9;branch=z9hG4bK9\r\n" RESP_DIALOG),
	    "SIP/2.0 200 OK\r\n"
	    "Via: " CLIENT_VIA_RCVD "\r\n"
	    "Record-Route: <sip:tok1@203.0.113.5;lr>\r\n"
	    "Via: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK9\r\n" RESP_DIALOG);
}
END_TEST

/* Our Via first in a comma list: the rest of the line stays. */
START_TEST(test_fwd_response_comma_list)
{
	ck_assert_str_eq(response("SIP/2.0 180 Ringing\r\n"
				  "v: " OURVIA " ,\r\n\t" CLIENT_VIA_RCVD
				  ", SIP/2.0/TCP "
				  "10.9.9.9;branch=z9hG4bK9\r\n" RESP_DIALOG),
	    "SIP/2.0 180 Ringing\r\n"
	    "v: " CLIENT_VIA_RCVD
	    ", SIP/2.0/TCP 10.9.9.9;branch=z9hG4bK9\r\n" RESP_DIALOG);
}
END_TEST

/* A response without Content-Length gets one, as a request does. */
START_TEST(test_fwd_response_content_length_added)
{
	ck_assert_str_eq(response(
			     "SIP/2.0 200 OK\r\n"
			     "Via: " OURVIA "\r\n"
			     "Via: " CLIENT_VIA_RCVD "\r\n"
			     "Call-ID: r1\r\nCSeq: 1 OPTIONS\r\n"
			     "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
			     "\r\nSIP/2.0 200 OK\r\n"),
	    "SIP/2.0 200 OK\r\n"
	    "Via: " CLIENT_VIA_RCVD "\r\n"
	    "Call-ID: r1\r\nCSeq: 1 OPTIONS\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
	    "Content-Length: 16\r\n\r\nSIP/2.0 200 OK\r\n");
}
END_TEST

START_TEST(test_fwd_response_too_small)
{
	const char *msg =
	    "SIP/2.0 200 OK\r\n"
	    "Via: " OURVIA ", " CLIENT_VIA_RCVD "\r\n" RESP_DIALOG;
	struct obuf ob;
	size_t need, size, i;

	scan_ok(msg, strlen(msg));
	obuf_init(&ob, out, sizeof(out));
	ck_assert(fwd_response(&ob, &p));
	need = ob.ob_len;
	for (size = 0; size < need; size++) {
		memset(out, CANARY, sizeof(out));
		obuf_init(&ob, out, size);
		ck_assert(!fwd_response(&ob, &p));
		for (i = size; i < need + 16; i++)
			ck_assert_uint_eq((uint8_t)out[i], CANARY);
	}
}
END_TEST

#define TOTAG     "sw0123456789abcd"
#define CHALLENGE "Proxy-Authenticate: Digest realm=\"sw\", nonce=\"n\"\r\n"
#define REPLY_REQ                                                              \
	START_INVITE CLIENT_VIA                                                \
	    ";rport\r\n"                                                       \
	    "Via: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKold\r\n" MAXFWD70 DIALOG  \
		PROXY_AUTH CONTACT SDP_HDRS "v=0\r\no=- 1 1 IN\r\n\r\ns=-\r\n"
#define REPLY_VIAS                                                             \
	REWRITTEN ";rport=40000\r\n"                                           \
		  "Via: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKold\r\n"
#define REPLY_FROM "From: \"Alice\" <sip:alice@example.com>;tag=1928\r\n"
#define REPLY_IDS  "Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\n"

static const char *
reply(const char *msg, uint16_t code, const char *reason, const char *totag,
    const char *extra)
{
	struct obuf ob;

	scan_ok(msg, strlen(msg));
	obuf_init(&ob, out, sizeof(out) - 1);
	ck_assert(fwd_reply(&ob, &p, &src4, code, reason, totag, extra));
	out[ob.ob_len] = '\0';
	return (out);
}

START_TEST(test_fwd_reply_challenge)
{
	ck_assert_str_eq(reply(REPLY_REQ, 407, "Proxy Authentication Required",
			     TOTAG, CHALLENGE),
	    "SIP/2.0 407 Proxy Authentication Required\r\n" REPLY_VIAS
		REPLY_FROM "To: <sip:bob@example.com>;tag=" TOTAG
	    "\r\n" REPLY_IDS CHALLENGE "Content-Length: 0\r\n\r\n");
}
END_TEST

/* 100 Trying carries no To-tag (RFC 3261 8.2.6.2). */
START_TEST(test_fwd_reply_100_no_tag)
{
	ck_assert_str_eq(reply(REPLY_REQ, 100, "Trying", TOTAG, NULL),
	    "SIP/2.0 100 Trying\r\n" REPLY_VIAS REPLY_FROM
	    "To: <sip:bob@example.com>\r\n" REPLY_IDS
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(test_fwd_reply_101_tag)
{
	ck_assert_str_eq(reply(REPLY_REQ, 101, "Early", TOTAG, NULL),
	    "SIP/2.0 101 Early\r\n" REPLY_VIAS REPLY_FROM
	    "To: <sip:bob@example.com>;tag=" TOTAG "\r\n" REPLY_IDS
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

/* A To that has a tag keeps it, and only it. */
START_TEST(test_fwd_reply_existing_tag)
{
	ck_assert_str_eq(
	    reply(START_INVITE CLIENT_VIA
		"\r\n" MAXFWD70 "From: <sip:alice@example.com>;tag=1928\r\n"
		"t: Bob <sip:bob@example.com> ;tag=abc\r\n" REPLY_IDS CL0,
		483, "Too Many Hops", TOTAG, NULL),
	    "SIP/2.0 483 Too Many Hops\r\n" REWRITTEN "\r\n"
	    "From: <sip:alice@example.com>;tag=1928\r\n"
	    "t: Bob <sip:bob@example.com> ;tag=abc\r\n" REPLY_IDS
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(test_fwd_reply_no_totag)
{
	ck_assert_str_eq(reply(REPLY_REQ, 400, "Bad Request", NULL, NULL),
	    "SIP/2.0 400 Bad Request\r\n" REPLY_VIAS REPLY_FROM
	    "To: <sip:bob@example.com>\r\n" REPLY_IDS
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

/* A To in addr-spec form gets the tag as a header parameter. */
START_TEST(test_fwd_reply_addr_spec_to)
{
	ck_assert_str_eq(reply(START_INVITE CLIENT_VIA
			     "\r\n" MAXFWD70
			     "f: sip:alice@example.com;tag=1928\r\n"
			     "To: sip:bob@example.com\r\n" REPLY_IDS CL0,
			     403, "Forbidden", TOTAG, NULL),
	    "SIP/2.0 403 Forbidden\r\n" REWRITTEN "\r\n"
	    "f: sip:alice@example.com;tag=1928\r\n"
	    "To: sip:bob@example.com;tag=" TOTAG "\r\n" REPLY_IDS
	    "Content-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(test_fwd_reply_too_small)
{
	struct obuf ob;
	size_t need, size, i;

	scan_ok(REPLY_REQ, strlen(REPLY_REQ));
	obuf_init(&ob, out, sizeof(out));
	ck_assert(fwd_reply(&ob, &p, &src4, 407,
	    "Proxy Authentication Required", TOTAG, CHALLENGE));
	need = ob.ob_len;
	for (size = 0; size < need; size++) {
		memset(out, CANARY, sizeof(out));
		obuf_init(&ob, out, size);
		ck_assert(!fwd_reply(&ob, &p, &src4, 407,
		    "Proxy Authentication Required", TOTAG, CHALLENGE));
		for (i = size; i < need + 16; i++)
			ck_assert_uint_eq((uint8_t)out[i], CANARY);
	}
}
END_TEST

/* The To-tag of request msg. */
static void
totag_of(const char *msg, char tag[17])
{
	scan_ok(msg, strlen(msg));
	fwd_totag(&p, tag);
}

#define TT_HEAD                                                                \
	"REGISTER sip:example.com SIP/2.0\r\n"                                 \
	"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK1\r\n"                  \
	"To: <sip:alice@example.com>\r\n"

START_TEST(test_fwd_totag_format)
{
	char tag[17];
	size_t i;

	memset(tag, CANARY, sizeof(tag));
	totag_of(TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
			 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    tag);
	ck_assert_uint_eq(strlen(tag), 16);
	ck_assert_mem_eq(tag, "sw", 2);
	for (i = 2; i < 16; i++)
		ck_assert_ptr_nonnull(strchr("0123456789abcdef", tag[i]));
}
END_TEST

/*
 * The tag's value is the one every release has given this request, so
 * that instances of two releases answer a retransmission alike.
 */
START_TEST(test_fwd_totag_value)
{
	char tag[17];

	totag_of(TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
			 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    tag);
	ck_assert_str_eq(tag, "swf8dfd870f7cf4d");
}
END_TEST

/* Same Call-ID, From tag and CSeq: same tag, whatever else differs. */
START_TEST(test_fwd_totag_deterministic)
{
	char a[17], b[17];

	totag_of(TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
			 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    a);
	totag_of(TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
			 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    b);
	ck_assert_str_eq(a, b);
	totag_of("REGISTER sip:example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP 192.0.2.9;branch=z9hG4bK2\r\n"
		 "Max-Forwards: 9\r\n"
		 "To: <sip:bob@example.com>;tag=x\r\n"
		 "From: \"A\" <sip:alice@example.com>;tag=f1\r\n"
		 "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	    b);
	ck_assert_str_eq(a, b);
}
END_TEST

static const char *const totag_variants[] = {
	TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
		"Call-ID: c2\r\nCSeq: 1 REGISTER\r\n\r\n",
	TT_HEAD "From: <sip:alice@example.com>;tag=f2\r\n"
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	TT_HEAD "From: <sip:alice@example.com>;tag=f1\r\n"
		"Call-ID: c1\r\nCSeq: 2 REGISTER\r\n\r\n",
	TT_HEAD "From: <sip:alice@example.com>\r\n"
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
	/* The separator keeps "c1|f1" and "c1f|1" apart. */
	TT_HEAD "From: <sip:alice@example.com>;tag=1\r\n"
		"Call-ID: c1f\r\nCSeq: 1 REGISTER\r\n\r\n",
};

/* Call-ID, From tag and CSeq number each change the tag. */
START_TEST(test_fwd_totag_differs)
{
	size_t n = sizeof(totag_variants) / sizeof(totag_variants[0]);
	char tags[sizeof(totag_variants) / sizeof(totag_variants[0])][17];
	size_t i, j;

	for (i = 0; i < n; i++)
		totag_of(totag_variants[i], tags[i]);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_str_ne(tags[i], tags[j]);
}
END_TEST

static const struct {
	const char *via;
	int err;
	const char *dst; /* addr_fmt of the result */
} dest_cases[] = {
	{ "SIP/2.0/UDP 192.0.2.1", 0, "192.0.2.1:5060" },
	{ "SIP/2.0/UDP 192.0.2.1:5062", 0, "192.0.2.1:5062" },
	{ "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK1;rport", 0,
	    "192.0.2.1:5062" },
	{ "SIP/2.0/UDP 192.0.2.1;rport", 0, "192.0.2.1:5060" },
	{ "SIP/2.0/UDP 192.0.2.1:5062;rport=40000", 0, "192.0.2.1:40000" },
	{ "SIP/2.0/UDP 192.0.2.1;rport=1", 0, "192.0.2.1:1" },
	{ "SIP/2.0/UDP 192.0.2.1;rport=65535", 0, "192.0.2.1:65535" },
	{ "SIP/2.0/UDP 192.0.2.1:5062;received=198.51.100.7", 0,
	    "198.51.100.7:5062" },
	{ "SIP/2.0/UDP 192.0.2.1;received=198.51.100.7", 0,
	    "198.51.100.7:5060" },
	{ "SIP/2.0/UDP 192.0.2.1:5062;received=198.51.100.7;rport=40000", 0,
	    "198.51.100.7:40000" },
	{ "SIP/2.0/UDP 192.0.2.1;rport=40000;received=198.51.100.7", 0,
	    "198.51.100.7:40000" },
	{ "SIP/2.0/UDP [2001:db8::1]:5070", 0, "[2001:db8::1]:5070" },
	{ "SIP/2.0/UDP [2001:db8::1]", 0, "[2001:db8::1]:5060" },
	{ "SIP/2.0/UDP [2001:db8::1]:5070;received=2001:db8::9;rport=5071", 0,
	    "[2001:db8::9]:5071" },
	{ "SIP/2.0/UDP 192.0.2.1;received=2001:db8::9", 0,
	    "[2001:db8::9]:5060" },
	/* A name needs DNS, which the packet path does not do. */
	{ "SIP/2.0/UDP pc33.example.com:5062", EADDRNOTAVAIL, NULL },
	{ "SIP/2.0/UDP pc33.example.com;rport=40000", EADDRNOTAVAIL, NULL },
	{ "SIP/2.0/UDP pc33.example.com;received=198.51.100.7;rport=40000", 0,
	    "198.51.100.7:40000" },
	{ "SIP/2.0/UDP 192.0.2.1;received=host.example.com", EADDRNOTAVAIL,
	    NULL },
	/* rport values that are not a port. */
	{ "SIP/2.0/UDP 192.0.2.1;rport=0", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=65536", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=99999", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=4294967297", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=abc", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=12a", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;rport=-1", EBADMSG, NULL },
	{ "SIP/2.0/UDP 192.0.2.1;received=198.51.100.7;rport=0", EBADMSG,
	    NULL },
};

START_TEST(test_fwd_via_dest)
{
	struct pl elem;
	struct pkt_via v;
	struct sa dst;
	char buf[ADDR_STRLEN];
	int err;

	pl_set_str(&elem, dest_cases[_i].via);
	ck_assert_int_eq(pkt_via_parse(&v, &elem), 0);
	memset(&dst, 0, sizeof(dst));
	err = fwd_via_dest(&v, &dst);
	ck_assert_msg(err == dest_cases[_i].err, "%s: err %d, want %d",
	    dest_cases[_i].via, err, dest_cases[_i].err);
	if (err != 0)
		return;
	ck_assert_uint_gt(addr_fmt(&dst, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, dest_cases[_i].dst);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc;

	tc = tcase_create("request");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_fwd_request_basic);
	tcase_add_test(tc, test_fwd_request_no_rport);
	tcase_add_test(tc, test_fwd_request_via_no_params);
	tcase_add_test(tc, test_fwd_request_rport_first);
	tcase_add_test(tc, test_fwd_request_replaces_received_rport);
	tcase_add_test(tc, test_fwd_request_replaces_received_only);
	tcase_add_test(tc, test_fwd_request_replaces_any_case);
	tcase_add_test(tc, test_fwd_request_keeps_similar_names);
	tcase_add_test(tc, test_fwd_request_via_comma_list);
	tcase_add_test(tc, test_fwd_request_second_via_line);
	tcase_add_test(tc, test_fwd_request_compact_via);
	tcase_add_test(tc, test_fwd_request_ipv6_source);
	tcase_add_loop_test(tc, test_fwd_request_maxfwd_decrement, 0,
	    (int)(sizeof(maxfwd_cases) / sizeof(maxfwd_cases[0])));
	tcase_add_test(tc, test_fwd_request_maxfwd_added);
	tcase_add_test(tc, test_fwd_request_record_route_path);
	tcase_add_test(tc, test_fwd_request_second_record_route_only);
	tcase_add_test(tc, test_fwd_request_keeps_record_route);
	tcase_add_loop_test(tc, test_fwd_request_route_removal, 0,
	    (int)(sizeof(route_cases) / sizeof(route_cases[0])));
	tcase_add_test(tc, test_fwd_request_route_removal_apart);
	tcase_add_test(tc, test_fwd_request_strip);
	tcase_add_test(tc, test_fwd_request_strip_two);
	tcase_add_test(tc, test_fwd_request_body);
	tcase_add_test(tc, test_fwd_request_body_past_content_length);
	tcase_add_test(tc, test_fwd_request_bare_lf);
	tcase_add_test(tc, test_fwd_request_content_length_added);
	tcase_add_test(tc, test_fwd_request_content_length_compact);
	tcase_add_test(tc, test_fwd_request_too_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_fwd_response_own_line);
	tcase_add_test(tc, test_fwd_response_comma_list);
	tcase_add_test(tc, test_fwd_response_content_length_added);
	tcase_add_test(tc, test_fwd_response_too_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_fwd_reply_challenge);
	tcase_add_test(tc, test_fwd_reply_100_no_tag);
	tcase_add_test(tc, test_fwd_reply_101_tag);
	tcase_add_test(tc, test_fwd_reply_existing_tag);
	tcase_add_test(tc, test_fwd_reply_no_totag);
	tcase_add_test(tc, test_fwd_reply_addr_spec_to);
	tcase_add_test(tc, test_fwd_reply_too_small);
	tcase_add_test(tc, test_fwd_totag_format);
	tcase_add_test(tc, test_fwd_totag_value);
	tcase_add_test(tc, test_fwd_totag_deterministic);
	tcase_add_test(tc, test_fwd_totag_differs);
	tcase_add_loop_test(tc, test_fwd_via_dest, 0,
	    (int)(sizeof(dest_cases) / sizeof(dest_cases[0])));
	suite_add_tcase(s, tc);
	return (s);
}
