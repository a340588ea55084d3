/*
 * The authentication stage through the whole pipeline (SPEC 4.4): a client
 * that answers the challenges it gets, with the digest computed here from
 * the user's password, and every way a request can fail.  No sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/digest.h"
#include "auth/limits.h"
#include "auth/users.h"
#include "core/addr.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/common/harness.h"
#include "tests/unit/tests.h"

#define CLIENT "192.0.2.10:5062"
#define PBX    "127.0.0.1:5080"

static struct digest *dg;
static uint8_t src_tp = TP_UDP; /* the transport messages arrive on */

static void
setup(void)
{
	harness_setup(NULL);
	ck_assert_int_eq(digest_alloc(&dg), 0);
}

static void
teardown(void)
{
	src_tp = TP_UDP;
	digest_free(dg);
	harness_teardown();
}

static void
handle_from(const char *msg, const char *src)
{
	harness_handle_on(msg, src_tp, 0, 0, src);
}

static void
handle(const char *msg)
{
	handle_from(msg, CLIENT);
}

static bool
forwarded(void)
{
	char a[ADDR_STRLEN];

	if (harness_act.a_kind != ACT_SEND)
		return (false);
	(void)addr_fmt(&harness_act.a_dst.f_addr, a, sizeof(a));
	return (
	    strcmp(a, PBX) == 0 && strncmp(harness_out, "SIP/2.0 ", 8) != 0);
}

static unsigned long
fails(enum authn_reason r)
{
	return (atomic_load(&harness_pc->pc_stats.ps_auth_fail[r]));
}

/* The nonce of the n-th challenge header in harness_out. */
static void
nonce_of(int n, char *buf, size_t size)
{
	const char *p = harness_out;

	do {
		p = strstr(p, "nonce=\"");
		ck_assert_ptr_nonnull(p);
		p += 7;
	} while (n-- > 0);
	(void)snprintf(buf, size, "%.*s", (int)(strchr(p, '"') - p), p);
}

struct req {
	const char *method;
	const char *ruri;
	const char *user;   /* in From (and To for REGISTER) */
	const char *touser; /* NULL: user */
	const char *cred;   /* username in credentials */
	const char *pass;
	const char *realm;
	const char *uri;   /* digest uri; NULL: ruri */
	const char *nonce; /* NULL: no credentials */
	enum digest_alg alg;
	bool noqop;
	uint32_t nc;
	const char *callid;
	const char *branch;
	uint32_t cseq;
	const char *extra; /* more header lines */
};

/* The Authorization / Proxy-Authorization header line for r. */
static void
cred_line(const struct req *r, char *buf, size_t size)
{
	struct digest_cred c;
	uint8_t ha1[32];
	size_t ha1len = sizeof(ha1);
	char resp[2 * DIGEST_HASHMAX + 1], qop[64] = "";
	struct pl method;
	const char *realm = r->realm ? r->realm : "sipwarden.test";

	memset(&c, 0, sizeof(c));
	c.dc_alg = r->alg;
	c.dc_qop = r->noqop ? DIGEST_QOP_NONE : DIGEST_QOP_AUTH;
	c.dc_nc = r->nc ? r->nc : 1;
	c.dc_nonce.ds_l = (size_t)snprintf(c.dc_nonce.ds_p,
	    sizeof(c.dc_nonce.ds_p), "%s", r->nonce);
	c.dc_uri.ds_l = (size_t)snprintf(c.dc_uri.ds_p, sizeof(c.dc_uri.ds_p),
	    "%s", r->uri ? r->uri : r->ruri);
	c.dc_cnonce.ds_l = (size_t)snprintf(c.dc_cnonce.ds_p,
	    sizeof(c.dc_cnonce.ds_p), "%s", "0a4f113b");
	ck_assert_int_eq(users_ha1((enum user_alg)r->alg, r->cred, realm,
			     r->pass, ha1, &ha1len),
	    0);
	pl_set_str(&method, r->method);
	ck_assert_int_eq(digest_response(dg, &c, ha1, &method, NULL, resp), 0);
	if (!r->noqop)
		(void)snprintf(qop, sizeof(qop),
		    ", qop=auth, nc=%08x, cnonce=\"0a4f113b\"", c.dc_nc);
	(void)snprintf(buf, size,
	    "%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
	    "uri=\"%s\", response=\"%s\", algorithm=%s%s\r\n",
	    strcmp(r->method, "REGISTER") == 0 ? "Authorization" :
						 "Proxy-Authorization",
	    r->cred, realm, r->nonce, c.dc_uri.ds_p, resp,
	    digest_alg_name(r->alg), qop);
}

static void
build(const struct req *r, char *buf, size_t size)
{
	char cred[1024] = "";

	if (r->nonce != NULL)
		cred_line(r, cred, sizeof(cred));
	(void)snprintf(buf, size,
	    "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5062;branch=%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:%s@sipwarden.test>;tag=f1\r\n"
	    "To: <sip:%s@sipwarden.test>\r\n"
	    "Call-ID: %s\r\nCSeq: %u %s\r\n%s%s"
	    "Content-Length: 0\r\n\r\n",
	    r->method, r->ruri, r->branch ? r->branch : "z9hG4bK1", r->user,
	    r->touser ? r->touser : r->user, r->callid ? r->callid : "c1",
	    r->cseq ? r->cseq : 1, r->method, cred, r->extra ? r->extra : "");
}

static const struct req reg = { .method = "REGISTER",
	.ruri = "sip:sipwarden.test",
	.user = "alice",
	.cred = "alice",
	.pass = "alice-secret",
	.alg = DIGEST_SHA256 };

/* Send r without credentials; r answers the first challenge's nonce next. */
static void
challenged(struct req *r, char *nonce, size_t size)
{
	char msg[4096];

	build(r, msg, sizeof(msg));
	handle(msg);
	nonce_of(0, nonce, size);
	r->nonce = nonce;
}

/* Send r without credentials, then with them against the challenge. */
static void
challenge_answer(struct req r, int hdrno)
{
	char msg[4096], nonce[64];

	build(&r, msg, sizeof(msg));
	handle(msg);
	nonce_of(hdrno, nonce, sizeof(nonce));
	r.nonce = nonce;
	r.branch = "z9hG4bK2";
	r.cseq = 2;
	build(&r, msg, sizeof(msg));
	handle(msg);
}

START_TEST(test_register_challenged_with_each_algorithm)
{
	char msg[4096];

	build(&reg, msg, sizeof(msg));
	handle(msg);
	ck_assert(
	    strncmp(harness_out, "SIP/2.0 401 Unauthorized\r\n", 26) == 0);
	ck_assert_ptr_nonnull(strstr(harness_out,
	    "\r\nWWW-Authenticate: Digest realm=\"sipwarden.test\", nonce=\""));
	ck_assert_ptr_nonnull(strstr(harness_out,
	    "\", algorithm=SHA-256, qop=\"auth\"\r\n"
	    "WWW-Authenticate: Digest realm="));
	ck_assert_ptr_nonnull(
	    strstr(harness_out, "\", algorithm=MD5, qop=\"auth\"\r\n"));
	ck_assert_ptr_null(strstr(harness_out, "stale"));
	ck_assert_ptr_nonnull(
	    strstr(harness_out, "To: <sip:alice@sipwarden.test>;tag=sw"));
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 1);
	ck_assert_uint_eq(fails(AUTHN_BAD_RESPONSE), 0);
}
END_TEST

START_TEST(test_invite_challenged_407)
{
	struct req r = reg;
	char msg[4096];

	r.method = "INVITE";
	r.ruri = "sip:100@sipwarden.test";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(
	    strncmp(harness_out,
		"SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0);
	ck_assert_ptr_nonnull(
	    strstr(harness_out, "\r\nProxy-Authenticate: Digest "));
	ck_assert_ptr_null(strstr(harness_out, "WWW-Authenticate"));
}
END_TEST

START_TEST(test_register_sha256_accepted_and_credentials_removed)
{
	challenge_answer(reg, 0);
	ck_assert(forwarded());
	ck_assert_ptr_null(strstr(harness_out, "Authorization"));
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_auth_ok), 1);
}
END_TEST

START_TEST(test_register_md5_accepted)
{
	struct req r = reg;

	r.alg = DIGEST_MD5;
	challenge_answer(r, 1);
	ck_assert(forwarded());
}
END_TEST

START_TEST(test_sha512_256_when_configured)
{
	struct req r = reg;

	harness_reload("algorithms SHA-512-256,MD5\n");
	r.alg = DIGEST_SHA512_256;
	challenge_answer(r, 0);
	ck_assert(forwarded());
	/* bob has no SHA-512-256 HA1: refused like an unknown user. */
	r.user = r.cred = "bob";
	r.pass = "bob-secret";
	r.alg = DIGEST_MD5;
	challenge_answer(r, 1);
	ck_assert(forwarded());
}
END_TEST

START_TEST(test_wrong_password_and_unknown_user_look_the_same)
{
	struct req r = reg;
	static char a[PKT_MAXLEN + 1], b[PKT_MAXLEN + 1];
	char *na, *nb;

	r.pass = "wrong";
	challenge_answer(r, 0);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	ck_assert_uint_eq(fails(AUTHN_BAD_RESPONSE), 1);
	(void)snprintf(a, sizeof(a), "%s", harness_out);
	r = reg;
	r.cred = "mallory";
	challenge_answer(r, 0);
	ck_assert_uint_eq(fails(AUTHN_UNKNOWN_USER), 1);
	(void)snprintf(b, sizeof(b), "%s", harness_out);
	/* Byte for byte the same but for the nonces. */
	for (na = strstr(a, "nonce=\""), nb = strstr(b, "nonce=\""); na && nb;
	     na = strstr(na + 1, "nonce=\""), nb = strstr(nb + 1, "nonce=\""))
		memset(na + 7, 'N', 43), memset(nb + 7, 'N', 43);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_replay_refused_retransmission_forwarded)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	challenged(&r, nonce, sizeof(nonce));
	r.branch = "z9hG4bK2";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	/* The same datagram again (a retransmission): forwarded. */
	handle(msg);
	ck_assert(forwarded());
	harness_now_ms += 33000;
	handle(msg);
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 1);
	/* Another request with the same nc: a replay. */
	r.branch = "z9hG4bK3";
	r.callid = "c9";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 2);
	/* The next nc: accepted. */
	r.nc = 2;
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
}
END_TEST

START_TEST(test_no_qop_nonce_single_use)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	challenged(&r, nonce, sizeof(nonce));
	r.noqop = true;
	r.branch = "z9hG4bK5";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	r.branch = "z9hG4bK6";
	r.cseq = 3;
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 1);
}
END_TEST

START_TEST(test_stale_nonce_only_with_right_response)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	build(&r, msg, sizeof(msg));
	handle(msg);
	nonce_of(0, nonce, sizeof(nonce));
	harness_now_ms += 301000;
	r.nonce = nonce;
	r.branch = "z9hG4bK7";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	ck_assert_ptr_nonnull(strstr(harness_out, ", stale=true\r\n"));
	ck_assert_uint_eq(fails(AUTHN_STALE_NONCE), 1);
	r.pass = "wrong";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert_ptr_null(strstr(harness_out, "stale=true"));
	ck_assert_uint_eq(fails(AUTHN_BAD_RESPONSE), 1);
}
END_TEST

START_TEST(test_nonce_bound_to_source_and_algorithm)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	build(&r, msg, sizeof(msg));
	handle(msg);
	nonce_of(0, nonce, sizeof(nonce)); /* the SHA-256 one */
	r.nonce = nonce;
	r.branch = "z9hG4bK8";
	build(&r, msg, sizeof(msg));
	handle_from(msg, "192.0.2.11:5062");
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_BAD_NONCE), 1);
	/* A downgrade: the SHA-256 nonce answered with MD5. */
	r.alg = DIGEST_MD5;
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_BAD_NONCE), 2);
	/* An altered nonce. */
	r.alg = DIGEST_SHA256;
	nonce[5] = nonce[5] == 'A' ? 'B' : 'A';
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert_uint_eq(fails(AUTHN_BAD_NONCE), 3);
}
END_TEST

START_TEST(test_realm_and_header_failures)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	challenged(&r, nonce, sizeof(nonce));
	r.realm = "other.realm";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_WRONG_REALM), 1);
	r.realm = NULL;
	r.uri = "sip:elsewhere.test";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert_uint_eq(fails(AUTHN_BAD_HEADER), 1);
	r.uri = NULL;
	r.nonce = NULL;
	r.extra = "Authorization: Digest username=\"alice\", realm=\"x\r\n";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert_uint_eq(fails(AUTHN_BAD_HEADER), 2);
}
END_TEST

START_TEST(test_uri_compared_as_uri)
{
	struct req r = reg;

	r.uri = "SIP:SIPWARDEN.TEST";
	challenge_answer(r, 0);
	ck_assert(forwarded());
}
END_TEST

/* sipp and phones behind an outbound proxy: the uri names sipwarden. */
static const struct {
	const char *uri;
	const char *extra; /* config lines */
	bool ok;
} uri_self_cases[] = {
	{ "sip:127.0.0.1:5060", NULL, true },
	{ "sip:127.0.0.1", NULL, true }, /* 5060 by default */
	{ "sip:127.0.0.1:5060;transport=udp", NULL, true },
	{ "sip:127.0.0.1:5060;lr", NULL, true },
	{ "sip:127.0.0.1;transport=tls", NULL, false }, /* 5061 */
	{ "sip:127.0.0.1;transport=TLS", "listen udp:127.0.0.1:5061\n", true },
	/* A user part names someone at our address: not sipwarden. */
	{ "sip:bob@127.0.0.1:5060;transport=udp", NULL, false },
	{ "sip:127.0.0.1:5060;maddr=192.0.2.1", NULL, false },
	{ "sip:127.0.0.1:5060?Route=%3Csip:192.0.2.1%3E", NULL, false },
	{ "sips:127.0.0.1", NULL, false },         /* 5061: not ours */
	{ "sip:127.0.0.1:5061", NULL, false },     /* another port */
	{ "sip:127.0.0.2:5060", NULL, false },     /* another address */
	{ "sip:sip:127.0.0.1:5060", NULL, false }, /* sipp -auth_uri sip:x */
	{ "sip:other.example.org", NULL, false },  /* another target */
	{ "tel:+15551234", NULL, false },
	{ "sip:[::1]:5060", NULL, false },
	{ "sip:SW.Example.org:5090",
	    "listen udp:0.0.0.0:5090\nadvertise sw.example.org\n", true },
	{ "sip:sw.example.org",
	    "listen udp:0.0.0.0:5090\nadvertise sw.example.org\n", false },
	{ "sip:sw.example.org:7000",
	    "listen udp:0.0.0.0:5090\nadvertise sw.example.org:7000\n", true },
	{ "sip:100@sw.example.org:5090",
	    "listen udp:0.0.0.0:5090\nadvertise sw.example.org\n", false },
	{ "sip:0.0.0.0:5090",
	    "listen udp:0.0.0.0:5090\nadvertise sw.example.org\n", false },
	{ "sip:[::1]:5070", "listen udp:[::1]:5070\n", true },
	{ "sip:[0:0::1]:5070", "listen udp:[::1]:5070\n", true },
};

/*
 * A copy of an authenticated request that reuses its nonce, nc, Call-ID,
 * CSeq and branch but changes anything else is a replay, not a
 * retransmission (SPEC 4.4): a registration cannot be hijacked by
 * resending the credentials with another Contact.  The digest uri names
 * sipwarden, so even a changed Request-URI reaches the replay check.
 */
static const struct {
	const char *what, *from, *to;
} replay_changes[] = {
	{ "Contact", "<sip:alice@10.0.0.7:5062>",
	    "<sip:alice@203.0.113.66:5062>" },
	{ "body", "\r\n\r\nabcd", "\r\n\r\nabce" },
	{ "Request-URI", "REGISTER sip:sipwarden.test SIP",
	    "REGISTER sip:x.test SIP" },
	{ "To", "To: <sip:alice@", "To: \"Alice\" <sip:alice@" },
	{ "Expires", "Expires: 3600", "Expires: 7200" },
	{ "Max-Forwards", "Max-Forwards: 70", "Max-Forwards: 69" },
	{ "branch", "branch=z9hG4bK2", "branch=z9hG4bK3" },
	{ "one byte more", "abcd", "abcd\r\n" },
};

static void
replace(char *msg, size_t size, const char *from, const char *to)
{
	char tmp[4096];
	char *at = strstr(msg, from);

	ck_assert_ptr_nonnull(at);
	(void)snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - msg), msg, to,
	    at + strlen(from));
	(void)snprintf(msg, size, "%s", tmp);
}

START_TEST(test_changed_copy_is_a_replay)
{
	struct req r = reg;
	char msg[4096], copy[4096], nonce[64];

	r.uri = "sip:127.0.0.1:5060";
	r.extra = "Contact: <sip:alice@10.0.0.7:5062>\r\nExpires: 3600\r\n";
	challenged(&r, nonce, sizeof(nonce));
	r.branch = "z9hG4bK2";
	r.cseq = 2;
	build(&r, msg, sizeof(msg));
	replace(msg, sizeof(msg), "Content-Length: 0\r\n\r\n",
	    "Content-Length: 4\r\n\r\nabcd");
	handle(msg);
	ck_assert(forwarded());
	(void)snprintf(copy, sizeof(copy), "%s", msg);
	replace(copy, sizeof(copy), replay_changes[_i].from,
	    replay_changes[_i].to);
	if (strcmp(replay_changes[_i].what, "one byte more") == 0)
		replace(copy, sizeof(copy), "Content-Length: 4",
		    "Content-Length: 6");
	handle(copy);
	ck_assert_msg(!forwarded(), "a copy with another %s was forwarded",
	    replay_changes[_i].what);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 1);
	/* The original, byte for byte, is still a retransmission. */
	handle(msg);
	ck_assert(forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 1);
}
END_TEST

/*
 * A retransmission comes from where the request came from, over UDP: the
 * same bytes from another port (someone behind the same NAT who saw them)
 * or over TCP are a replay.
 */
START_TEST(test_retransmission_from_the_same_place)
{
	struct req r = reg;
	char msg[4096], nonce[64];

	challenged(&r, nonce, sizeof(nonce));
	r.branch = "z9hG4bK2";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	handle_from(msg, "192.0.2.10:40000");
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 1);
	src_tp = TP_TCP;
	handle(msg);
	ck_assert(!forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 2);
	src_tp = TP_UDP;
	handle(msg);
	ck_assert(forwarded());
	ck_assert_uint_eq(fails(AUTHN_REPLAY), 2);
}
END_TEST

START_TEST(test_uri_naming_sipwarden)
{
	struct req r = reg;

	if (uri_self_cases[_i].extra != NULL)
		harness_reload(uri_self_cases[_i].extra);
	r.ruri = "sip:pbx.example.org";
	r.uri = uri_self_cases[_i].uri;
	challenge_answer(r, 0);
	ck_assert_msg(forwarded() == uri_self_cases[_i].ok, "uri %s",
	    uri_self_cases[_i].uri);
	ck_assert_uint_eq(fails(AUTHN_BAD_HEADER),
	    uri_self_cases[_i].ok ? 0 : 1);
}
END_TEST

START_TEST(test_other_realm_credentials_stay)
{
	struct req r = reg;

	r.extra = "Authorization: Digest username=\"x\", realm=\"pbx\", "
		  "nonce=\"n\", uri=\"sip:sipwarden.test\", response=\"0\"\r\n";
	challenge_answer(r, 0);
	ck_assert(forwarded());
	ck_assert_ptr_nonnull(strstr(harness_out, "realm=\"pbx\""));
	ck_assert_ptr_null(strstr(harness_out, "realm=\"sipwarden.test\""));
}
END_TEST

START_TEST(test_identity_check_modes)
{
	struct req r = reg;

	/* alice's password cannot register bob. */
	r.user = "bob";
	challenge_answer(r, 0);
	ck_assert(strncmp(harness_out, "SIP/2.0 403 Forbidden\r\n", 23) == 0);
	ck_assert_uint_eq(fails(AUTHN_IDENTITY), 1);
	/* ... nor call as bob. */
	r = reg;
	r.method = "INVITE";
	r.ruri = "sip:100@sipwarden.test";
	r.user = "bob";
	r.touser = "100";
	challenge_answer(r, 0);
	ck_assert(strncmp(harness_out, "SIP/2.0 403 ", 12) == 0);
	harness_reload("identity_check register\n");
	challenge_answer(r, 0);
	ck_assert(forwarded());
	r = reg;
	r.touser = "bob";
	challenge_answer(r, 0);
	ck_assert(strncmp(harness_out, "SIP/2.0 403 ", 12) == 0);
	harness_reload("identity_check off\n");
	challenge_answer(r, 0);
	ck_assert(forwarded());
}
END_TEST

START_TEST(test_ack_and_cancel_never_challenged)
{
	struct req r = reg;
	char msg[4096];

	r.method = "CANCEL";
	r.ruri = "sip:100@sipwarden.test";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	r.method = "ACK";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 0);
}
END_TEST

/* The Record-Route URI of the last forwarded request. */
static void
rr_uri(char *buf, size_t size)
{
	const char *p = strstr(harness_out, "\r\nRecord-Route: <"), *e;

	ck_assert_ptr_nonnull(p);
	p += 17;
	e = strchr(p, '>');
	(void)snprintf(buf, size, "%.*s", (int)(e - p), p);
}

START_TEST(test_in_dialog_token)
{
	struct req r = reg;
	char rr[256], route[320], msg[4096], *t;

	r.method = "INVITE";
	r.ruri = "sip:100@sipwarden.test";
	r.touser = "100";
	r.callid = "dlg-1";
	challenge_answer(r, 0);
	ck_assert(forwarded());
	rr_uri(rr, sizeof(rr));
	(void)snprintf(route, sizeof(route), "Route: <%s>\r\n", rr);
	/* BYE in the dialog, through our Route: no challenge. */
	r.method = "BYE";
	r.ruri = "sip:100@10.0.0.9";
	r.extra = route;
	r.branch = "z9hG4bKbye";
	r.cseq = 3;
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	ck_assert_ptr_null(strstr(harness_out, "\r\nRoute:"));
	/* Another dialog's Call-ID: challenged. */
	r.callid = "dlg-2";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 407 ", 12) == 0);
	/* A forged token on an ACK: dropped. */
	t = strstr(route, "swt=") + 6;
	*t = *t == 'A' ? 'B' : 'A';
	r.method = "ACK";
	r.callid = "dlg-1";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_BAD_TOKEN);
	/* ... and on a BYE: challenged. */
	r.method = "BYE";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 407 ", 12) == 0);
}
END_TEST

/*
 * Our realm's credentials never reach the PBX, on requests that pass
 * without a digest check too (phones such as Linphone repeat them on the
 * ACK, BYE and CANCEL of a call): whoever receives them could guess the
 * password offline.  Another realm's stay.
 */
START_TEST(test_credentials_stripped_without_check)
{
	static const char other[] =
	    "Proxy-Authorization: Digest username=\"x\", realm=\"pbx\", "
	    "nonce=\"n\", uri=\"sip:100@sipwarden.test\", response=\"0\"\r\n";
	static const char *const methods[] = { "BYE", "ACK", "CANCEL" };
	struct req r = reg;
	char rr[256], extra[1024], msg[4096], nonce[64];
	size_t i;

	r.method = "INVITE";
	r.ruri = "sip:100@sipwarden.test";
	r.touser = "100";
	r.callid = "dlg-strip";
	challenged(&r, nonce, sizeof(nonce));
	r.branch = "z9hG4bK2";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	rr_uri(rr, sizeof(rr));
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		r.method = methods[i];
		r.nc = (uint32_t)(i + 2);
		(void)snprintf(extra, sizeof(extra), "Route: <%s>\r\n%s", rr,
		    other);
		r.extra = strcmp(methods[i], "CANCEL") == 0 ? other : extra;
		build(&r, msg, sizeof(msg));
		ck_assert_ptr_nonnull(strstr(msg, "realm=\"sipwarden.test\""));
		handle(msg);
		ck_assert_msg(forwarded(), "%s not forwarded", methods[i]);
		ck_assert_msg(strstr(harness_out, "realm=\"sipwarden.test\"") ==
			NULL,
		    "%s forwarded with our credentials", methods[i]);
		ck_assert_ptr_nonnull(strstr(harness_out, "realm=\"pbx\""));
	}
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_auth_ok), 1);
	/* A trusted source's credentials for our realm go too. */
	harness_reload("trust 192.0.2.10/32\n");
	r = reg;
	r.nonce = "whatever";
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	ck_assert_ptr_null(strstr(harness_out, "Authorization"));
}
END_TEST

/*
 * Also the credential lines a request does not answer with (an
 * Authorization on an INVITE, a Proxy-Authorization on a REGISTER) and
 * those that do not parse (MD5-sess, userhash...) go, when they are for
 * our realm; others' stay.
 */
static const struct {
	const char *method, *line;
	bool gone;
} strip_cases[] = {
	{ "INVITE",
	    "Authorization: Digest username=\"alice\", "
	    "realm=\"sipwarden.test\", "
	    "nonce=\"n\", uri=\"sip:100@sipwarden.test\", response=\"0\"",
	    true },
	{ "REGISTER",
	    "Proxy-Authorization: Digest username=\"alice\", "
	    "realm=\"sipwarden.test\", nonce=\"n\", uri=\"sip:x\", "
	    "response=\"0\"",
	    true },
	{ "INVITE",
	    "Proxy-Authorization: Digest username=\"alice\", "
	    "REALM = sipwarden.test, algorithm=MD5-sess, nonce=\"n\"",
	    true },
	{ "INVITE",
	    "Proxy-Authorization: Digest username=\"alice\", "
	    "realm=\"sipwarden.test\", realm=\"sipwarden.test\"",
	    true },
	{ "INVITE",
	    "Proxy-Authorization: Digest username=\"x\", "
	    "realm=\"sipwarden.test.evil\", nonce=\"n\", uri=\"sip:x\", "
	    "response=\"0\"",
	    false },
	{ "INVITE", "Proxy-Authorization: Digest realm=\"pbx\", qop=auth",
	    false },
};

START_TEST(test_credentials_stripped_any_kind)
{
	char extra[512], msg[4096];
	struct req r = reg;
	const char *at;

	harness_reload("trust 192.0.2.10/32\n");
	r.method = strip_cases[_i].method;
	if (strcmp(r.method, "INVITE") == 0) {
		r.ruri = "sip:100@sipwarden.test";
		r.touser = "100";
	}
	(void)snprintf(extra, sizeof(extra), "%s\r\n", strip_cases[_i].line);
	r.extra = extra;
	build(&r, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	at = strstr(harness_out, strip_cases[_i].line);
	ck_assert_msg((at == NULL) == strip_cases[_i].gone, "%s: %s",
	    strip_cases[_i].gone ? "forwarded" : "removed",
	    strip_cases[_i].line);
}
END_TEST

START_TEST(test_trusted_source_not_challenged)
{
	char msg[4096];

	harness_reload("trust 192.0.2.0/28\n");
	build(&reg, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	handle_from(msg, "192.0.2.20:5062");
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
}
END_TEST

/* The pipeline context again, now with a per-source table. */
static struct limits *
with_limits(const char *extra)
{
	struct limits *l;

	harness_reload(extra);
	ck_assert_int_eq(limits_alloc(&l), 0);
	pctx_free(harness_pc);
	ck_assert_int_eq(pctx_alloc(&harness_pc, fixture_replay(), l), 0);
	return (l);
}

START_TEST(test_ban_after_failures)
{
	struct limits *l = with_limits("ban_after 3\nban_time 60\n");
	struct req r = reg;
	int i;

	r.pass = "wrong";
	for (i = 0; i < 3; i++) {
		challenge_answer(r, 0);
		ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	}
	/* Banned: everything from it is dropped, silently. */
	{
		char msg[4096];

		build(&reg, msg, sizeof(msg));
		handle(msg);
		ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
		ck_assert_int_eq(harness_act.a_drop, DROP_BANNED);
		/* Another source is not. */
		handle_from(msg, "192.0.2.99:5060");
		ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	}
	/* After ban_time, back. */
	harness_now_ms += 61000;
	challenge_answer(reg, 0);
	ck_assert(forwarded());
	pctx_free(harness_pc);
	harness_pc = NULL;
	limits_free(l);
}
END_TEST

START_TEST(test_ban_only_for_password_reasons)
{
	struct limits *l = with_limits("ban_after 2\n");
	struct req r = reg;
	char msg[4096];
	int i;

	/* Failures that reveal nothing about a password never ban. */
	r.realm = "other.realm";
	for (i = 0; i < 5; i++)
		challenge_answer(r, 0);
	ck_assert_uint_eq(fails(AUTHN_WRONG_REALM), 5);
	challenge_answer(reg, 0);
	ck_assert(forwarded());
	/*
	 * A success does not reset the count: a source holding one valid
	 * account cannot interleave it with guesses at other passwords.
	 */
	r = reg;
	r.pass = "wrong";
	challenge_answer(r, 0);
	challenge_answer(reg, 0);
	ck_assert(forwarded());
	challenge_answer(r, 0);
	ck_assert_uint_eq(fails(AUTHN_BAD_RESPONSE), 2);
	build(&reg, msg, sizeof(msg));
	handle(msg);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_BANNED);
	pctx_free(harness_pc);
	harness_pc = NULL;
	limits_free(l);
}
END_TEST

START_TEST(test_trusted_never_banned)
{
	struct limits *l = with_limits("ban_after 1\ntrust 192.0.2.10/32\n");
	char msg[4096];
	struct sa src;
	unsigned f;

	/* Banned before it became trusted: a trusted source still passes. */
	ck_assert_int_eq(sa_set_str(&src, "192.0.2.10", 5062), 0);
	ck_assert(limits_fail(l, &src, (uint32_t)(harness_now_ms / 1000), 1, 60,
	    600, &f));
	build(&reg, msg, sizeof(msg));
	handle(msg);
	ck_assert(forwarded());
	pctx_free(harness_pc);
	harness_pc = NULL;
	limits_free(l);
}
END_TEST

START_TEST(test_challenge_limit)
{
	struct limits *l = with_limits("challenge_limit 2\n");
	char msg[4096];

	build(&reg, msg, sizeof(msg));
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	handle(msg);
	ck_assert_int_eq(harness_act.a_kind, ACT_DROP);
	ck_assert_int_eq(harness_act.a_drop, DROP_CHALLENGE_LIMIT);
	ck_assert_uint_eq(atomic_load(&harness_pc->pc_stats.ps_challenges), 2);
	harness_now_ms += 500;
	handle(msg);
	ck_assert(strncmp(harness_out, "SIP/2.0 401 ", 12) == 0);
	pctx_free(harness_pc);
	harness_pc = NULL;
	limits_free(l);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("authn");
	TCase *tc = tcase_create("authn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_challenged_with_each_algorithm);
	tcase_add_test(tc, test_invite_challenged_407);
	tcase_add_test(tc,
	    test_register_sha256_accepted_and_credentials_removed);
	tcase_add_test(tc, test_register_md5_accepted);
	tcase_add_test(tc, test_sha512_256_when_configured);
	tcase_add_test(tc, test_wrong_password_and_unknown_user_look_the_same);
	tcase_add_test(tc, test_replay_refused_retransmission_forwarded);
	tcase_add_test(tc, test_retransmission_from_the_same_place);
	tcase_add_loop_test(tc, test_changed_copy_is_a_replay, 0,
	    (int)(sizeof(replay_changes) / sizeof(replay_changes[0])));
	tcase_add_test(tc, test_no_qop_nonce_single_use);
	tcase_add_test(tc, test_stale_nonce_only_with_right_response);
	tcase_add_test(tc, test_nonce_bound_to_source_and_algorithm);
	tcase_add_test(tc, test_realm_and_header_failures);
	tcase_add_test(tc, test_uri_compared_as_uri);
	tcase_add_loop_test(tc, test_uri_naming_sipwarden, 0,
	    (int)(sizeof(uri_self_cases) / sizeof(uri_self_cases[0])));
	tcase_add_test(tc, test_other_realm_credentials_stay);
	tcase_add_test(tc, test_identity_check_modes);
	tcase_add_test(tc, test_ack_and_cancel_never_challenged);
	tcase_add_test(tc, test_in_dialog_token);
	tcase_add_test(tc, test_trusted_source_not_challenged);
	tcase_add_test(tc, test_credentials_stripped_without_check);
	tcase_add_loop_test(tc, test_credentials_stripped_any_kind, 0,
	    (int)(sizeof(strip_cases) / sizeof(strip_cases[0])));
	tcase_add_test(tc, test_ban_after_failures);
	tcase_add_test(tc, test_ban_only_for_password_reasons);
	tcase_add_test(tc, test_trusted_never_banned);
	tcase_add_test(tc, test_challenge_limit);
	suite_add_tcase(s, tc);
	return (s);
}
