/*
 * auth/digest.c: the credentials parser and the response computation.
 *
 * Published vectors: RFC 2617 section 3.5 (MD5, qop=auth), RFC 7616
 * section 3.9.1 (MD5 and SHA-256), reproduced exactly, and section 3.9.2
 * (SHA-512-256) as corrected by erratum 4897.  RFC 2069 (no qop) and
 * qop=auth-int have no published vector that fits, so their expected
 * values were computed independently with OpenSSL's command line tool,
 * shown above each constant, with
 *   h() { printf "$2" | openssl dgst -"$1" -r | cut -d' ' -f1; }
 * and HA1=$(h ALG "user:realm:pass"), HA2=$(h ALG "METHOD:uri[:HBODY]"),
 * response=$(h ALG "$HA1:nonce[:nc:cnonce:qop]:$HA2").
 *
 * The hashes themselves: each algorithm's published "abc" vector (and
 * FIPS 180-4's two-block ones) as the auth-int body, and agreement with
 * OpenSSL's EVP digests on bodies of every length from 0 to 300 bytes
 * (SHA-256's 64- and SHA-512's 128-byte blocks, each padding boundary).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <re.h>

#include "auth/digest.h"
#include "auth/users.h"
#include "tests/common/testutil.h"
#include "tests.h"

/* RFC 2617 section 3.5. */
#define R2617_USER   "Mufasa"
#define R2617_REALM  "testrealm@host.com"
#define R2617_PASS   "Circle Of Life"
#define R2617_NONCE  "dcd98b7102dd2f0e8b11d0f600bfb0c093"
#define R2617_HA1    "939e7578ed9e3c518a452acee763bce9"
#define R2617_RESP   "6629fae49393a05397450978507c4ef1"
#define R2617_OPAQUE "5ccc069c403ebaf9f0171e9517f40e41"

/* RFC 7616 section 3.9.1. */
#define R7616_USER   "Mufasa"
#define R7616_REALM  "http-auth@example.org"
#define R7616_PASS   "Circle of Life"
#define R7616_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define R7616_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"

/* A syntactically complete credential, to build table cases from. */
#define U    "username=\"alice\""
#define RL   "realm=\"atlanta.com\""
#define N    "nonce=\"n0nce\""
#define UR   "uri=\"sip:atlanta.com\""
#define RS   "response=\"0123456789abcdef0123456789abcdef\""
#define Q    "qop=auth, nc=00000001, cnonce=\"c1\""
#define BASE "Digest " U ", " RL ", " N ", " UR ", " RS

static struct digest *dg;

static void
setup(void)
{
	ck_assert_int_eq(digest_alloc(&dg), 0);
	ck_assert_ptr_nonnull(dg);
}

static void
teardown(void)
{
	digest_free(dg);
	dg = NULL;
}

static int
parse(const char *s, struct digest_cred *c)
{
	struct pl pl;

	pl.p = s;
	pl.l = strlen(s);
	return (digest_parse(&pl, c));
}

/* Hex text into bytes; returns the count. */
static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return (n);
}

/* HA1 for alg through users_ha1(), checked against its hex if given. */
static void
ha1_of(enum digest_alg alg, const char *user, const char *realm,
    const char *pass, const char *want_hex, uint8_t *ha1)
{
	uint8_t want[DIGEST_HASHMAX];
	size_t len = USER_HA1MAX;

	ck_assert_int_eq(users_ha1((enum user_alg)alg, user, realm, pass, ha1,
			     &len),
	    0);
	ck_assert_uint_eq(len, digest_alg_len(alg));
	if (want_hex != NULL) {
		ck_assert_uint_eq(unhex(want_hex, want), len);
		ck_assert_mem_eq(ha1, want, len);
	}
}

/* The expected response for c, from digest_response(). */
static const char *
response_of(const struct digest_cred *c, const uint8_t *ha1, const char *method,
    const char *body)
{
	static char out[2 * DIGEST_HASHMAX + 1];
	struct pl m, b;

	pl_set_str(&m, method);
	pl_set_str(&b, body != NULL ? body : "");
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(digest_response(dg, c, ha1, &m, &b, out), 0);
	return (out);
}

static bool
check(const struct digest_cred *c, const uint8_t *ha1, const char *method,
    const char *body)
{
	struct pl m, b;

	pl_set_str(&m, method);
	pl_set_str(&b, body != NULL ? body : "");
	return (digest_check(dg, c, ha1, &m, &b));
}

/* c's response replaced by resp. */
static void
set_response(struct digest_cred *c, const char *resp)
{
	ck_assert_uint_le(strlen(resp), DIGEST_VALMAX);
	(void)strcpy(c->dc_response.ds_p, resp);
	c->dc_response.ds_l = strlen(resp);
}

/* ---------------------------------------------------------------------
 * Published and independently computed vectors
 */

START_TEST(test_digest_rfc2617_md5_auth)
{
	/* The header exactly as RFC 2617 section 3.5 prints it. */
	static const char hdr[] =
	    "Digest username=\"Mufasa\",\r\n"
	    "                 realm=\"testrealm@host.com\",\r\n"
	    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
	    "                 uri=\"/dir/index.html\",\r\n"
	    "                 qop=auth,\r\n"
	    "                 nc=00000001,\r\n"
	    "                 cnonce=\"0a4f113b\",\r\n"
	    "                 "
	    "response=\"6629fae49393a05397450978507c4ef1\",\r\n"
	    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_str_eq(c.dc_username.ds_p, R2617_USER);
	ck_assert_str_eq(c.dc_realm.ds_p, R2617_REALM);
	ck_assert_str_eq(c.dc_nonce.ds_p, R2617_NONCE);
	ck_assert_str_eq(c.dc_uri.ds_p, "/dir/index.html");
	ck_assert_str_eq(c.dc_cnonce.ds_p, "0a4f113b");
	ck_assert_str_eq(c.dc_opaque.ds_p, R2617_OPAQUE);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_AUTH);
	ck_assert_uint_eq(c.dc_nc, 1);
	ck_assert_int_eq(c.dc_alg, DIGEST_MD5);
	ck_assert(!c.dc_alg_given);
	ha1_of(DIGEST_MD5, R2617_USER, R2617_REALM, R2617_PASS, R2617_HA1, ha1);
	ck_assert_str_eq(response_of(&c, ha1, "GET", NULL), R2617_RESP);
	ck_assert(check(&c, ha1, "GET", NULL));
	ck_assert(!check(&c, ha1, "POST", NULL));
}
END_TEST

static const struct {
	enum digest_alg alg;
	const char *algname;
	const char *ha1;
	const char *resp;
} rfc7616[] = {
	/* RFC 7616 section 3.9.1, MD5. */
	{ DIGEST_MD5, "MD5", "3d78807defe7de2157e2b0b6573a855f",
	    "8ca523f5e9506fed4657c9700eebdbec" },
	/* RFC 7616 section 3.9.1, SHA-256. */
	{ DIGEST_SHA256, "SHA-256",
	    "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c"
	    "1" },
	/*
	 * Not published; the same inputs with SHA-512-256:
	 *   N=7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v
	 *   C=f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ
	 *   a=$(h sha512-256 "Mufasa:http-auth@example.org:Circle of Life")
	 *   b=$(h sha512-256 "GET:/dir/index.html")
	 *     (= c2cc924c647b13c41e0fb8825bdaa97d
	 *        0a1f2a7afb15e1e03c994229b20e1c92)
	 *   h sha512-256 "$a:$N:00000001:$C:auth:$b"
	 * (openssl 3.0; printf abc | openssl dgst -sha512-256 gives FIPS
	 * 180-4's 53048e26...7af23, so this is SHA-512/256 proper.)
	 */
	{ DIGEST_SHA512_256, "SHA-512-256",
	    "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204ce",
	    "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d"
	    "0" },
};

START_TEST(test_digest_rfc7616)
{
	char hdr[1024];
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	/* RFC 7616's layout (no space after the colon of the header). */
	(void)snprintf(hdr, sizeof(hdr),
	    "Digest username=\"Mufasa\",\r\n"
	    "       realm=\"http-auth@example.org\",\r\n"
	    "       uri=\"/dir/index.html\",\r\n"
	    "       algorithm=%s,\r\n"
	    "       nonce=\"" R7616_NONCE "\",\r\n"
	    "       nc=00000001,\r\n"
	    "       cnonce=\"" R7616_CNONCE "\",\r\n"
	    "       qop=auth,\r\n"
	    "       response=\"%s\",\r\n"
	    "       opaque=\"" R7616_OPAQUE "\"",
	    rfc7616[_i].algname, rfc7616[_i].resp);
	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_int_eq(c.dc_alg, rfc7616[_i].alg);
	ck_assert(c.dc_alg_given);
	ck_assert_str_eq(c.dc_nonce.ds_p, R7616_NONCE);
	ck_assert_str_eq(c.dc_cnonce.ds_p, R7616_CNONCE);
	ha1_of(rfc7616[_i].alg, R7616_USER, R7616_REALM, R7616_PASS,
	    rfc7616[_i].ha1, ha1);
	ck_assert_str_eq(response_of(&c, ha1, "GET", NULL), rfc7616[_i].resp);
	ck_assert(check(&c, ha1, "GET", NULL));
}
END_TEST

/*
 * RFC 2069 (no qop): response = H(HA1:nonce:HA2).
 *   a=$(h md5 "Mufasa:testrealm@host.com:Circle Of Life")
 *   b=$(h md5 "GET:/dir/index.html")
 *   h md5 "$a:dcd98b7102dd2f0e8b11d0f600bfb0c093:$b"
 * and for the others, with RFC 7616's user, realm, password and nonce:
 *   a=$(h ALG "Mufasa:http-auth@example.org:Circle of Life")
 *   b=$(h ALG "GET:/dir/index.html")
 *   h ALG "$a:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:$b"
 */
static const struct {
	enum digest_alg alg;
	const char *hdr;
	const char *user, *realm, *pass;
	const char *resp;
} rfc2069[] = {
	{ DIGEST_MD5,
	    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	    "nonce=\"" R2617_NONCE "\", uri=\"/dir/index.html\", "
	    "response=\"670fd8c2df070c60b045671b8b24ff02\"",
	    R2617_USER, R2617_REALM, R2617_PASS,
	    "670fd8c2df070c60b045671b8b24ff02" },
	{ DIGEST_SHA256,
	    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
	    "nonce=\"" R7616_NONCE "\", uri=\"/dir/index.html\", "
	    "algorithm=SHA-256, response=\"a1306b0595a6c7fe96c448631fb5cfbd"
	    "5107bd1fe1da729d978dd7446b812363\"",
	    R7616_USER, R7616_REALM, R7616_PASS,
	    "a1306b0595a6c7fe96c448631fb5cfbd5107bd1fe1da729d978dd7446b81236"
	    "3" },
	{ DIGEST_SHA512_256,
	    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
	    "nonce=\"" R7616_NONCE "\", uri=\"/dir/index.html\", "
	    "algorithm=SHA-512-256, response=\"93e9122020ea0624d2ca801426d5bf"
	    "beb93d10ff4cc24cb410af3920fa4730e7\"",
	    R7616_USER, R7616_REALM, R7616_PASS,
	    "93e9122020ea0624d2ca801426d5bfbeb93d10ff4cc24cb410af3920fa4730e"
	    "7" },
};

START_TEST(test_digest_rfc2069_no_qop)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	ck_assert_int_eq(parse(rfc2069[_i].hdr, &c), 0);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_NONE);
	ck_assert_uint_eq(c.dc_nc, 0);
	ck_assert_int_eq(c.dc_alg, rfc2069[_i].alg);
	ha1_of(rfc2069[_i].alg, rfc2069[_i].user, rfc2069[_i].realm,
	    rfc2069[_i].pass, NULL, ha1);
	ck_assert_str_eq(response_of(&c, ha1, "GET", NULL), rfc2069[_i].resp);
	ck_assert(check(&c, ha1, "GET", NULL));
}
END_TEST

/*
 * qop=auth-int: HA2 = H(method:uri:H(body)).
 *   B='v=0\r\no=alice 2890844526 2890844526 IN IP4 host.atlanta.com\r\n'
 *   a=$(h ALG "alice:atlanta.com:secret"); hb=$(h ALG "$B")
 *   b=$(h ALG "INVITE:sip:bob@biloxi.com:$hb")
 *   h ALG "$a:$N:0000000a:$C:auth-int:$b"     (N, C of RFC 7616)
 * and, for the empty body (hb = d41d8cd98f00b204e9800998ecf8427e):
 *   b=$(h md5 "REGISTER:sip:atlanta.com:$hb")
 *   h md5 "$a:$N:00000001:$C:auth-int:$b"
 */
#define SDP "v=0\r\no=alice 2890844526 2890844526 IN IP4 host.atlanta.com\r\n"

static const struct {
	const char *alg;
	const char *method, *uri, *nc, *body;
	const char *resp;
} authint[] = {
	{ "MD5", "INVITE", "sip:bob@biloxi.com", "0000000a", SDP,
	    "9428b639b633a6a8e12e5af571cd0e8b" },
	{ "SHA-256", "INVITE", "sip:bob@biloxi.com", "0000000a", SDP,
	    "9de91321f75f511139d8b7ab4e01149710ab84f05deebbe89f7ed416cb2aff8"
	    "3" },
	{ "SHA-512-256", "INVITE", "sip:bob@biloxi.com", "0000000a", SDP,
	    "32754587d618049f3aaf1b4875aded3e8674d21c599d3a16348588dfeccc4ad"
	    "d" },
	{ "MD5", "REGISTER", "sip:atlanta.com", "00000001", "",
	    "698a8ca74983f2e4d3f987cc47824c7d" },
};

START_TEST(test_digest_auth_int)
{
	char hdr[1024];
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	(void)snprintf(hdr, sizeof(hdr),
	    "Digest username=\"alice\", realm=\"atlanta.com\", "
	    "nonce=\"" R7616_NONCE "\", uri=\"%s\", algorithm=%s, "
	    "qop=auth-int, nc=%s, cnonce=\"" R7616_CNONCE "\", "
	    "response=\"%s\"",
	    authint[_i].uri, authint[_i].alg, authint[_i].nc, authint[_i].resp);
	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_AUTH_INT);
	ha1_of(c.dc_alg, "alice", "atlanta.com", "secret", NULL, ha1);
	ck_assert_str_eq(response_of(&c, ha1, authint[_i].method,
			     authint[_i].body),
	    authint[_i].resp);
	ck_assert(check(&c, ha1, authint[_i].method, authint[_i].body));
	/* The body is covered: one byte more and it fails. */
	ck_assert(!check(&c, ha1, authint[_i].method, "x"));
}
END_TEST

START_TEST(test_digest_auth_ignores_body)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	ck_assert_int_eq(parse("Digest username=\"Mufasa\", "
			       "realm=\"testrealm@host.com\", "
			       "nonce=\"" R2617_NONCE "\", "
			       "uri=\"/dir/index.html\", qop=auth, "
			       "nc=00000001, cnonce=\"0a4f113b\", "
			       "response=\"" R2617_RESP "\"",
			     &c),
	    0);
	ha1_of(DIGEST_MD5, R2617_USER, R2617_REALM, R2617_PASS, NULL, ha1);
	ck_assert(check(&c, ha1, "GET", SDP));
}
END_TEST

/*
 * RFC 7616 section 3.9.2 (SHA-512-256, UTF-8 username, userhash) with the
 * values of erratum 4897: the RFC's were made with a draft SHA-512/256
 * (userhash 488869..., response ae66e6...); the erratum's are FIPS 180-4's
 * (userhash 793263ca..., the response below).  We refuse userhash=true,
 * and the response does not depend on the username parameter, so the
 * header here names the user in clear.
 */
START_TEST(test_digest_rfc7616_sha512_256)
{
	static const char hdr[] =
	    "Digest username=\"J\xc3\xa4s\xc3\xb8n Doe\",\r\n"
	    "       realm=\"api@example.org\",\r\n"
	    "       uri=\"/doe.json\",\r\n"
	    "       algorithm=SHA-512-256,\r\n"
	    "       nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\",\r\n"
	    "       nc=00000001,\r\n"
	    "       "
	    "cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\",\r\n"
	    "       qop=auth,\r\n"
	    "       response=\"3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05d"
	    "b9d95eeb1cec68a5\",\r\n"
	    "       opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\"";
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_int_eq(c.dc_alg, DIGEST_SHA512_256);
	ha1_of(DIGEST_SHA512_256, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org",
	    "Secret, or not?",
	    "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f",
	    ha1);
	ck_assert_str_eq(response_of(&c, ha1, "GET", NULL),
	    "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5");
	ck_assert(check(&c, ha1, "GET", NULL));
}
END_TEST

/* hex(H(p)) through OpenSSL's EVP digests: the reference. */
static void
evp_hex(enum digest_alg alg, const void *p, size_t len, char *out)
{
	static const char *const names[DIGEST_NALGS] = { "MD5", "SHA256",
		"SHA512-256" };
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n;
	EVP_MD *evp;

	ck_assert_ptr_nonnull(evp = EVP_MD_fetch(NULL, names[alg], NULL));
	ck_assert(EVP_Digest(p, len, md, &n, evp, NULL));
	EVP_MD_free(evp);
	ck_assert_uint_eq(n, digest_alg_len(alg));
	(void)tu_hex(md, n, out);
}

/* An auth-int credential for alg (its response is not looked at). */
static void
authint_cred(enum digest_alg alg, struct digest_cred *c, uint8_t *ha1)
{
	char hdr[512];

	(void)snprintf(hdr, sizeof(hdr),
	    "Digest username=\"alice\", realm=\"atlanta.com\", "
	    "nonce=\"" R7616_NONCE "\", uri=\"sip:bob@biloxi.com\", "
	    "algorithm=%s, qop=auth-int, nc=0000000a, "
	    "cnonce=\"" R7616_CNONCE "\", response=\"0\"",
	    digest_alg_name(alg));
	ck_assert_int_eq(parse(hdr, c), 0);
	ck_assert_int_eq(c->dc_alg, alg);
	ha1_of(alg, "alice", "atlanta.com", "secret", NULL, ha1);
}

/* The response to authint_cred() for a body hashing to hbody, by EVP. */
static void
authint_want(enum digest_alg alg, const uint8_t *ha1, const char *hbody,
    char *out)
{
	char hha1[2 * DIGEST_HASHMAX + 1], ha2[2 * DIGEST_HASHMAX + 1];
	char a2[256], a[512];

	(void)tu_hex(ha1, digest_alg_len(alg), hha1);
	(void)snprintf(a2, sizeof(a2), "INVITE:sip:bob@biloxi.com:%s", hbody);
	evp_hex(alg, a2, strlen(a2), ha2);
	(void)snprintf(a, sizeof(a),
	    "%s:" R7616_NONCE ":0000000a:" R7616_CNONCE ":auth-int:%s", hha1,
	    ha2);
	evp_hex(alg, a, strlen(a), out);
}

#define FIPS_2BLOCK256                                                         \
	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define FIPS_2BLOCK512                                                         \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"     \
	"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

/*
 * Published hashes (RFC 1321 A.5; the example values NIST publishes for
 * FIPS 180-4), each as the auth-int body: the expected response is built
 * from the published hash, not from ours.
 */
static const struct {
	enum digest_alg alg;
	const char *body;
	const char *hash;
} published[] = {
	{ DIGEST_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ DIGEST_SHA256, "abc",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"
	    "d" },
	{ DIGEST_SHA256, FIPS_2BLOCK256,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c"
	    "1" },
	{ DIGEST_SHA512_256, "abc",
	    "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af2"
	    "3" },
	{ DIGEST_SHA512_256, FIPS_2BLOCK512,
	    "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563"
	    "a" },
};

START_TEST(test_digest_published_hashes)
{
	char want[2 * DIGEST_HASHMAX + 1];
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	authint_cred(published[_i].alg, &c, ha1);
	authint_want(published[_i].alg, ha1, published[_i].hash, want);
	ck_assert_str_eq(response_of(&c, ha1, "INVITE", published[_i].body),
	    want);
}
END_TEST

/* Bodies of 0 to 300 bytes: our hash of the body is EVP's. */
START_TEST(test_digest_agrees_with_evp)
{
	char want[2 * DIGEST_HASHMAX + 1], hbody[2 * DIGEST_HASHMAX + 1];
	char got[2 * DIGEST_HASHMAX + 1];
	enum digest_alg alg = (enum digest_alg)_i;
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX], body[300];
	struct pl m, b;
	size_t len;

	for (len = 0; len < sizeof(body); len++)
		body[len] = (uint8_t)(len * 7 + 3);
	authint_cred(alg, &c, ha1);
	pl_set_str(&m, "INVITE");
	for (len = 0; len <= sizeof(body); len++) {
		evp_hex(alg, body, len, hbody);
		authint_want(alg, ha1, hbody, want);
		b.p = (const char *)body;
		b.l = len;
		ck_assert_int_eq(digest_response(dg, &c, ha1, &m, &b, got), 0);
		ck_assert_msg(strcmp(got, want) == 0, "%s, body of %zu bytes",
		    digest_alg_name(alg), len);
	}
}
END_TEST

START_TEST(test_digest_alg_names)
{
	ck_assert_str_eq(digest_alg_name(DIGEST_MD5), "MD5");
	ck_assert_str_eq(digest_alg_name(DIGEST_SHA256), "SHA-256");
	ck_assert_str_eq(digest_alg_name(DIGEST_SHA512_256), "SHA-512-256");
	ck_assert_str_eq(digest_alg_name(DIGEST_NALGS), "?");
	ck_assert_uint_eq(digest_alg_len(DIGEST_MD5), 16);
	ck_assert_uint_eq(digest_alg_len(DIGEST_SHA256), 32);
	ck_assert_uint_eq(digest_alg_len(DIGEST_SHA512_256), 32);
}
END_TEST

/* ---------------------------------------------------------------------
 * digest_check: the comparison
 */

/* RFC 2617's credential, parsed, and Mufasa's HA1. */
static void
mufasa(struct digest_cred *c, uint8_t *ha1)
{
	ck_assert_int_eq(parse("Digest username=\"Mufasa\", "
			       "realm=\"testrealm@host.com\", "
			       "nonce=\"" R2617_NONCE "\", "
			       "uri=\"/dir/index.html\", qop=auth, "
			       "nc=00000001, cnonce=\"0a4f113b\", "
			       "response=\"" R2617_RESP "\"",
			     c),
	    0);
	ha1_of(DIGEST_MD5, R2617_USER, R2617_REALM, R2617_PASS, NULL, ha1);
}

START_TEST(test_digest_check_uppercase_hex)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	mufasa(&c, ha1);
	set_response(&c, "6629FAE49393A05397450978507C4EF1");
	ck_assert(check(&c, ha1, "GET", NULL));
	set_response(&c, "6629fAe49393a05397450978507C4ef1");
	ck_assert(check(&c, ha1, "GET", NULL));
}
END_TEST

START_TEST(test_digest_check_one_char_changed)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];
	char r[sizeof(R2617_RESP)];
	size_t i;

	mufasa(&c, ha1);
	for (i = 0; i < strlen(R2617_RESP); i++) {
		(void)strcpy(r, R2617_RESP);
		r[i] = r[i] == '0' ? '1' : '0';
		set_response(&c, r);
		ck_assert_msg(!check(&c, ha1, "GET", NULL), "position %zu", i);
		/* Not a hex digit at all. */
		r[i] = 'g';
		set_response(&c, r);
		ck_assert_msg(!check(&c, ha1, "GET", NULL), "position %zu", i);
	}
}
END_TEST

START_TEST(test_digest_check_length)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];
	char r[80];

	mufasa(&c, ha1);
	/* Truncated by one, and to nothing. */
	(void)strcpy(r, R2617_RESP);
	r[strlen(r) - 1] = '\0';
	set_response(&c, r);
	ck_assert(!check(&c, ha1, "GET", NULL));
	set_response(&c, "");
	ck_assert(!check(&c, ha1, "GET", NULL));
	/* One longer, whatever the extra character. */
	(void)snprintf(r, sizeof(r), "%s0", R2617_RESP);
	set_response(&c, r);
	ck_assert(!check(&c, ha1, "GET", NULL));
	(void)snprintf(r, sizeof(r), "%s%s", R2617_RESP, R2617_RESP);
	set_response(&c, r);
	ck_assert(!check(&c, ha1, "GET", NULL));
}
END_TEST

START_TEST(test_digest_check_wrong_inputs)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];

	mufasa(&c, ha1);
	ck_assert(check(&c, ha1, "GET", NULL));
	ha1[0] ^= 1;
	ck_assert(!check(&c, ha1, "GET", NULL));
	ha1[0] ^= 1;
	c.dc_uri.ds_p[0] = 'X';
	ck_assert(!check(&c, ha1, "GET", NULL));
	/* The same response with another nc. */
	ck_assert_int_eq(parse("Digest username=\"Mufasa\", "
			       "realm=\"testrealm@host.com\", "
			       "nonce=\"" R2617_NONCE "\", "
			       "uri=\"/dir/index.html\", qop=auth, "
			       "nc=00000002, cnonce=\"0a4f113b\", "
			       "response=\"" R2617_RESP "\"",
			     &c),
	    0);
	ck_assert(!check(&c, ha1, "GET", NULL));
}
END_TEST

/* An MD5-length response to a SHA-256 credential is refused. */
START_TEST(test_digest_check_alg_length)
{
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];
	char want[2 * DIGEST_HASHMAX + 1];

	mufasa(&c, ha1);
	c.dc_alg = DIGEST_SHA256;
	ha1_of(DIGEST_SHA256, R2617_USER, R2617_REALM, R2617_PASS, NULL, ha1);
	(void)strcpy(want, response_of(&c, ha1, "GET", NULL));
	ck_assert_uint_eq(strlen(want), 64);
	want[32] = '\0';
	set_response(&c, want);
	ck_assert(!check(&c, ha1, "GET", NULL));
}
END_TEST

/*
 * nc is 8LHEX (RFC 2617, RFC 3261 25.1).  A client that sends it in
 * uppercase hashes the text it sent; if the parser accepts that form, the
 * response over that very text must verify (else a correct password is
 * answered as bad_response and counts towards a ban).  Either refusing
 * the header or accepting the response is consistent; accepting the
 * header and then refusing the right response is not.
 *   a=$(h md5 "Mufasa:testrealm@host.com:Circle Of Life")
 *   b=$(h md5 "GET:/dir/index.html")
 *   h md5 "$a:dcd98b7102dd2f0e8b11d0f600bfb0c093:0000000A:0a4f113b:auth:$b"
 */
START_TEST(test_digest_nc_uppercase_consistent)
{
	static const char hdr[] =
	    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	    "nonce=\"" R2617_NONCE "\", uri=\"/dir/index.html\", qop=auth, "
	    "nc=0000000A, cnonce=\"0a4f113b\", "
	    "response=\"64e388c1545d51fc47416568300a2ff8\"";
	static const char lower[] =
	    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	    "nonce=\"" R2617_NONCE "\", uri=\"/dir/index.html\", qop=auth, "
	    "nc=0000000a, cnonce=\"0a4f113b\", "
	    "response=\"4e64aba7c53ac2e14113fb3d5f78d774\"";
	struct digest_cred c;
	uint8_t ha1[DIGEST_HASHMAX];
	int err;

	/* The same in lowercase (h md5 "...:0000000a:..."): accepted. */
	ha1_of(DIGEST_MD5, R2617_USER, R2617_REALM, R2617_PASS, NULL, ha1);
	ck_assert_int_eq(parse(lower, &c), 0);
	ck_assert_uint_eq(c.dc_nc, 10);
	ck_assert(check(&c, ha1, "GET", NULL));
	err = parse(hdr, &c);
	if (err == EBADMSG)
		return;
	ck_assert_int_eq(err, 0);
	ck_assert_msg(check(&c, ha1, "GET", NULL),
	    "nc=0000000A parsed, but the response over it is refused");
}
END_TEST

/* ---------------------------------------------------------------------
 * The parser: good values
 */

START_TEST(test_digest_parse_escapes)
{
	struct digest_cred c;

	ck_assert_int_eq(parse("Digest username=\"al\\\"ice\\\\\", "
			       "realm=\"a\\b\\\\c\", " N ", " UR ", " RS
			       ", opaque=\"\"",
			     &c),
	    0);
	ck_assert_str_eq(c.dc_username.ds_p, "al\"ice\\");
	ck_assert_uint_eq(c.dc_username.ds_l, 7);
	ck_assert_str_eq(c.dc_realm.ds_p, "ab\\c");
	ck_assert_uint_eq(c.dc_realm.ds_l, 4);
	ck_assert_str_eq(c.dc_opaque.ds_p, "");
	ck_assert_uint_eq(c.dc_opaque.ds_l, 0);
	/* A comma or '=' inside quotes is text. */
	ck_assert_int_eq(parse("Digest username=\"a, b=c\", " RL ", " N ", " UR
			       ", " RS,
			     &c),
	    0);
	ck_assert_str_eq(c.dc_username.ds_p, "a, b=c");
}
END_TEST

START_TEST(test_digest_parse_lws)
{
	struct digest_cred c;

	ck_assert_int_eq(parse("  Digest\tusername \t=\t \"alice\" \t,\t"
			       "realm\r\n =\r\n\t\"atlanta.com\"\r\n ,\r\n "
			       "nonce=\"n0nce\",uri=\"sip:atlanta.com\","
			       "response = 0123456789abcdef0123456789abcdef"
			       " , qop = auth ,nc = 00000001, "
			       "cnonce = c1 \t ",
			     &c),
	    0);
	ck_assert_str_eq(c.dc_username.ds_p, "alice");
	ck_assert_str_eq(c.dc_realm.ds_p, "atlanta.com");
	ck_assert_str_eq(c.dc_nonce.ds_p, "n0nce");
	ck_assert_str_eq(c.dc_uri.ds_p, "sip:atlanta.com");
	ck_assert_str_eq(c.dc_response.ds_p,
	    "0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(c.dc_cnonce.ds_p, "c1");
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_AUTH);
	ck_assert_uint_eq(c.dc_nc, 1);
}
END_TEST

START_TEST(test_digest_parse_case)
{
	struct digest_cred c;

	ck_assert_int_eq(parse("dIGEST USERNAME=\"Alice\", Realm=\"Atlanta\", "
			       "NONCE=\"N\", Uri=\"sip:X\", RESPONSE=\"R\", "
			       "ALGORITHM=sha-256, QOP=AUTH-INT, "
			       "Nc=0000000b, CNonce=\"C\", Opaque=\"O\"",
			     &c),
	    0);
	/* Names are case-insensitive, values are kept as they were. */
	ck_assert_str_eq(c.dc_username.ds_p, "Alice");
	ck_assert_str_eq(c.dc_realm.ds_p, "Atlanta");
	ck_assert_str_eq(c.dc_nonce.ds_p, "N");
	ck_assert_str_eq(c.dc_uri.ds_p, "sip:X");
	ck_assert_str_eq(c.dc_response.ds_p, "R");
	ck_assert_str_eq(c.dc_cnonce.ds_p, "C");
	ck_assert_str_eq(c.dc_opaque.ds_p, "O");
	ck_assert_int_eq(c.dc_alg, DIGEST_SHA256);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_AUTH_INT);
	ck_assert_uint_eq(c.dc_nc, 11);
}
END_TEST

START_TEST(test_digest_parse_fields)
{
	struct digest_cred c;

	ck_assert_int_eq(parse(BASE, &c), 0);
	ck_assert_int_eq(c.dc_alg, DIGEST_MD5);
	ck_assert(!c.dc_alg_given);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_NONE);
	ck_assert_uint_eq(c.dc_nc, 0);
	ck_assert_uint_eq(c.dc_cnonce.ds_l, 0);
	ck_assert_uint_eq(c.dc_opaque.ds_l, 0);

	ck_assert_int_eq(parse(BASE ", algorithm=SHA-512-256, " Q
				    ", nc2=1, algorithm2=x",
			     &c),
	    0);
	ck_assert_int_eq(c.dc_alg, DIGEST_SHA512_256);
	ck_assert(c.dc_alg_given);
	ck_assert_uint_eq(c.dc_nc, 1);

	ck_assert_int_eq(parse(BASE ", algorithm=\"MD5\", qop=\"auth\", "
				    "nc=ffffffff, cnonce=\"c1\"",
			     &c),
	    0);
	ck_assert(c.dc_alg_given);
	ck_assert_int_eq(c.dc_alg, DIGEST_MD5);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_AUTH);
	ck_assert_uint_eq(c.dc_nc, 0xffffffffu);
}
END_TEST

/* The parse result does not depend on what the struct held before. */
START_TEST(test_digest_parse_clears)
{
	struct digest_cred c;

	ck_assert_int_eq(parse(BASE ", algorithm=SHA-256, " Q ", opaque=\"o\"",
			     &c),
	    0);
	ck_assert_int_eq(parse(BASE, &c), 0);
	ck_assert_int_eq(c.dc_alg, DIGEST_MD5);
	ck_assert(!c.dc_alg_given);
	ck_assert_int_eq(c.dc_qop, DIGEST_QOP_NONE);
	ck_assert_uint_eq(c.dc_nc, 0);
	ck_assert_uint_eq(c.dc_cnonce.ds_l, 0);
	ck_assert_uint_eq(c.dc_opaque.ds_l, 0);
}
END_TEST

/* The parse result does not point into the input. */
START_TEST(test_digest_parse_copies)
{
	char buf[] = BASE;
	struct digest_cred c;
	struct pl pl;

	pl.p = buf;
	pl.l = strlen(buf);
	ck_assert_int_eq(digest_parse(&pl, &c), 0);
	memset(buf, 'z', sizeof(buf) - 1);
	ck_assert_str_eq(c.dc_username.ds_p, "alice");
	ck_assert_str_eq(c.dc_uri.ds_p, "sip:atlanta.com");
}
END_TEST

/* Values of exactly DIGEST_VALMAX are kept, one more is refused. */
START_TEST(test_digest_parse_valmax)
{
	static char hdr[2 * DIGEST_VALMAX + 256];
	char v[DIGEST_VALMAX + 2];
	struct digest_cred c;

	memset(v, 'a', DIGEST_VALMAX);
	v[DIGEST_VALMAX] = '\0';
	(void)snprintf(hdr, sizeof(hdr),
	    "Digest username=\"%s\", " RL ", " N ", " UR ", " RS, v);
	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_uint_eq(c.dc_username.ds_l, DIGEST_VALMAX);
	ck_assert_uint_eq(strlen(c.dc_username.ds_p), DIGEST_VALMAX);
	/* As a token, too. */
	(void)snprintf(hdr, sizeof(hdr), BASE ", " Q ", opaque=%s", v);
	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_uint_eq(c.dc_opaque.ds_l, DIGEST_VALMAX);
	/* An escape counts once. */
	memset(v, 'a', DIGEST_VALMAX);
	v[0] = '\\';
	v[1] = '\\';
	v[DIGEST_VALMAX] = 'a';
	v[DIGEST_VALMAX + 1] = '\0';
	(void)snprintf(hdr, sizeof(hdr), BASE ", opaque=\"%s\"", v);
	ck_assert_int_eq(parse(hdr, &c), 0);
	ck_assert_uint_eq(c.dc_opaque.ds_l, DIGEST_VALMAX);

	memset(v, 'a', DIGEST_VALMAX + 1);
	v[DIGEST_VALMAX + 1] = '\0';
	(void)snprintf(hdr, sizeof(hdr),
	    "Digest username=\"%s\", " RL ", " N ", " UR ", " RS, v);
	ck_assert_int_eq(parse(hdr, &c), EBADMSG);
	(void)snprintf(hdr, sizeof(hdr), BASE ", opaque=%s", v);
	ck_assert_int_eq(parse(hdr, &c), EBADMSG);
	/* Even for a parameter that is ignored. */
	(void)snprintf(hdr, sizeof(hdr), BASE ", foo=\"%s\"", v);
	ck_assert_int_eq(parse(hdr, &c), EBADMSG);
}
END_TEST

/* ---------------------------------------------------------------------
 * The parser: the table
 */

static const struct {
	const char *what;
	const char *val;
	int want;
} parse_cases[] = {
	/* Good. */
	{ "minimal", BASE, 0 },
	{ "with qop", BASE ", " Q, 0 },
	{ "qop first", "Digest " Q ", " U ", " RL ", " N ", " UR ", " RS, 0 },
	{ "auth-int", BASE ", qop=auth-int, nc=00000001, cnonce=\"c\"", 0 },
	{ "unknown ignored", BASE ", foo=bar, baz=\"q\\\"x,y\", x-y=1", 0 },
	{ "unknown twice", BASE ", foo=1, foo=2", 0 },
	{ "userhash false", BASE ", userhash=false", 0 },
	{ "userhash FALSE", BASE ", userhash=\"FALSE\"", 0 },
	{ "folded",
	    "Digest\r\n " U "\r\n\t,\r\n  " RL ",\r\n " N ", " UR ", " RS
	    "\r\n ",
	    0 },
	{ "tab after scheme", "Digest\t" U ", " RL ", " N ", " UR ", " RS, 0 },
	{ "lws first", " \t Digest " U ", " RL ", " N ", " UR ", " RS, 0 },
	{ "no space at commas",
	    "Digest " U "," RL "," N "," UR "," RS ",qop=auth,nc=00000001,"
	    "cnonce=c",
	    0 },
	{ "scheme case", "DIGEST " U ", " RL ", " N ", " UR ", " RS, 0 },
	{ "name case",
	    "digest UserName=\"a\", REALM=\"b\", Nonce=\"c\", "
	    "URI=\"d\", Response=\"e\"",
	    0 },
	{ "empty values",
	    "Digest username=\"\", realm=\"\", nonce=\"\", "
	    "uri=\"\", response=\"\"",
	    0 },
	{ "algorithm SHA-256", BASE ", algorithm=SHA-256", 0 },
	{ "algorithm sha-512-256", BASE ", algorithm=sha-512-256", 0 },
	{ "algorithm quoted", BASE ", algorithm=\"SHA-256\"", 0 },
	{ "qop quoted", BASE ", qop=\"auth\", nc=00000001, cnonce=\"c\"", 0 },
	{ "cnonce without qop", BASE ", cnonce=\"c\"", 0 },

	/* Another scheme, or what we do not do. */
	{ "Basic", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", ENOTSUP },
	{ "NTLM",
	    "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==",
	    ENOTSUP },
	{ "empty", "", ENOTSUP },
	{ "blank", " \t ", ENOTSUP },
	{ "Digestive", "Digestive " U ", " RL ", " N ", " UR ", " RS, ENOTSUP },
	{ "scheme glued", "Digestusername=\"a\"", ENOTSUP },
	{ "MD5-sess", BASE ", algorithm=MD5-sess, " Q, ENOTSUP },
	{ "SHA-256-sess", BASE ", algorithm=SHA-256-sess, " Q, ENOTSUP },
	{ "SHA-512-256-sess", BASE ", algorithm=SHA-512-256-sess, " Q,
	    ENOTSUP },
	{ "algorithm unknown", BASE ", algorithm=SHA-1", ENOTSUP },
	{ "algorithm AKAv1", BASE ", algorithm=AKAv1-MD5", ENOTSUP },
	{ "algorithm empty", BASE ", algorithm=\"\"", ENOTSUP },
	{ "qop unknown", BASE ", qop=auth-conf, nc=00000001, cnonce=\"c\"",
	    ENOTSUP },
	{ "qop list", BASE ", qop=\"auth,auth-int\", nc=00000001, cnonce=c",
	    ENOTSUP },
	{ "userhash true", BASE ", userhash=true", ENOTSUP },
	{ "userhash TRUE", BASE ", userhash=\"TRUE\"", ENOTSUP },
	{ "username*",
	    "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, " RL ", " N ", " UR
	    ", " RS,
	    ENOTSUP },
	{ "username and username*",
	    BASE ", username*=UTF-8''J%C3%A4s%C3%B8n%20Doe", ENOTSUP },

	/* Missing. */
	{ "no username", "Digest " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "no realm", "Digest " U ", " N ", " UR ", " RS, EBADMSG },
	{ "no nonce", "Digest " U ", " RL ", " UR ", " RS, EBADMSG },
	{ "no uri", "Digest " U ", " RL ", " N ", " RS, EBADMSG },
	{ "no response", "Digest " U ", " RL ", " N ", " UR, EBADMSG },
	{ "qop without nc", BASE ", qop=auth, cnonce=\"c\"", EBADMSG },
	{ "qop without cnonce", BASE ", qop=auth, nc=00000001", EBADMSG },
	{ "auth-int without nc", BASE ", qop=auth-int, cnonce=\"c\"", EBADMSG },
	{ "nc without qop", BASE ", nc=00000001, cnonce=\"c\"", EBADMSG },
	{ "Digest alone", "Digest", EBADMSG },
	{ "Digest and a space", "Digest ", EBADMSG },
	{ "Digest and folding", "Digest\r\n ", EBADMSG },

	/* Duplicates. */
	{ "username twice", BASE ", username=\"bob\"", EBADMSG },
	{ "username twice, other case", BASE ", USERNAME=\"alice\"", EBADMSG },
	{ "realm twice", BASE ", " RL, EBADMSG },
	{ "nonce twice", BASE ", " N, EBADMSG },
	{ "uri twice", BASE ", uri=\"sip:bob@b\"", EBADMSG },
	{ "response twice", BASE ", " RS, EBADMSG },
	{ "cnonce twice", BASE ", " Q ", cnonce=\"c2\"", EBADMSG },
	{ "nc twice", BASE ", " Q ", nc=00000002", EBADMSG },
	{ "qop twice", BASE ", " Q ", qop=auth", EBADMSG },
	{ "algorithm twice", BASE ", algorithm=MD5, algorithm=MD5", EBADMSG },
	{ "opaque twice", BASE ", opaque=\"a\", opaque=\"a\"", EBADMSG },

	/* nc. */
	{ "nc 7 digits", BASE ", qop=auth, nc=0000001, cnonce=c", EBADMSG },
	{ "nc 9 digits", BASE ", qop=auth, nc=000000001, cnonce=c", EBADMSG },
	{ "nc not hex", BASE ", qop=auth, nc=0000000g, cnonce=c", EBADMSG },
	{ "nc 0x", BASE ", qop=auth, nc=0x000001, cnonce=c", EBADMSG },
	{ "nc signed", BASE ", qop=auth, nc=-0000001, cnonce=c", EBADMSG },
	{ "nc space", BASE ", qop=auth, nc=\"0000 001\", cnonce=c", EBADMSG },
	{ "nc zero", BASE ", qop=auth, nc=00000000, cnonce=c", EBADMSG },
	{ "nc empty", BASE ", qop=auth, nc=\"\", cnonce=c", EBADMSG },

	/* Syntax. */
	{ "unterminated quote", BASE ", opaque=\"abc", EBADMSG },
	{ "unterminated username",
	    "Digest username=\"alice, " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "quote ends with backslash", BASE ", opaque=\"abc\\", EBADMSG },
	{ "escaped closing quote", BASE ", opaque=\"abc\\\"", EBADMSG },
	{ "trailing comma", BASE ",", EBADMSG },
	{ "trailing comma and lws", BASE " , \r\n ", EBADMSG },
	{ "empty entry", "Digest " U ", , " RL ", " N ", " UR ", " RS,
	    EBADMSG },
	{ "empty entries", "Digest " U ",,," RL ", " N ", " UR ", " RS,
	    EBADMSG },
	{ "leading comma", "Digest , " U ", " RL ", " N ", " UR ", " RS,
	    EBADMSG },
	{ "no comma", "Digest " U " " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "semicolon", "Digest " U "; " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "no equals", BASE ", stale", EBADMSG },
	{ "no value", "Digest username=, " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "no value at end", BASE ", opaque=", EBADMSG },
	{ "no name", BASE ", =x", EBADMSG },
	{ "double equals", BASE ", opaque==x", EBADMSG },
	{ "junk after quote",
	    "Digest username=\"a\"b, " RL ", " N ", " UR ", " RS, EBADMSG },
	{ "separator in token", BASE ", opaque=a/b", EBADMSG },
	{ "uri unquoted",
	    "Digest " U ", " RL ", " N ", uri=sip:atlanta.com, " RS, EBADMSG },
	{ "CTL in quotes",
	    "Digest username=\"al\x01ice\", " RL ", " N ", " UR ", " RS,
	    EBADMSG },
	{ "CRLF in quotes",
	    "Digest username=\"al\r\nice\", " RL ", " N ", " UR ", " RS,
	    EBADMSG },
	{ "UTF-8 in quotes",
	    "Digest username=\"\xc3\xa4\", " RL ", " N ", " UR ", " RS, 0 },
};

/* Parse every prefix of s from an exact copy (ASan: no byte past pl.l). */
static void
parse_prefixes(const char *s)
{
	struct digest_cred c;
	size_t i, n = strlen(s);
	char *buf;
	struct pl pl;

	for (i = 0; i <= n; i++) {
		ck_assert_ptr_nonnull(buf = malloc(i > 0 ? i : 1));
		memcpy(buf, s, i);
		pl.p = buf;
		pl.l = i;
		(void)digest_parse(&pl, &c);
		free(buf);
	}
}

START_TEST(test_digest_parse_table)
{
	struct digest_cred c;
	int err;

	parse_prefixes(parse_cases[_i].val);
	err = parse(parse_cases[_i].val, &c);
	ck_assert_msg(err == parse_cases[_i].want, "%s: got %d, want %d",
	    parse_cases[_i].what, err, parse_cases[_i].want);
	if (err != 0)
		return;
	/* What a good value yields is NUL ended and fits. */
	ck_assert_uint_le(c.dc_username.ds_l, DIGEST_VALMAX);
	ck_assert_uint_eq(strlen(c.dc_username.ds_p), c.dc_username.ds_l);
	ck_assert_uint_eq(strlen(c.dc_uri.ds_p), c.dc_uri.ds_l);
	ck_assert_uint_eq(strlen(c.dc_response.ds_p), c.dc_response.ds_l);
	ck_assert_int_eq(c.dc_qop != DIGEST_QOP_NONE, c.dc_nc != 0);
}
END_TEST

/* A NUL inside the value never ends a field early. */
START_TEST(test_digest_parse_nul)
{
	static const char quoted[] =
	    "Digest username=\"al\0ice\", " RL ", " N ", " UR ", " RS;
	static const char token[] =
	    "Digest " RL ", " N ", " UR ", " RS ", opaque=ab\0cd, " U;
	static const char escaped[] =
	    "Digest username=\"al\\\0ice\", " RL ", " N ", " UR ", " RS;
	struct digest_cred c;
	struct pl pl;

	pl.p = quoted;
	pl.l = sizeof(quoted) - 1;
	ck_assert_int_eq(digest_parse(&pl, &c), EBADMSG);
	pl.p = token;
	pl.l = sizeof(token) - 1;
	ck_assert_int_eq(digest_parse(&pl, &c), EBADMSG);
	pl.p = escaped;
	pl.l = sizeof(escaped) - 1;
	ck_assert_int_eq(digest_parse(&pl, &c), EBADMSG);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc;
	size_t ncases = sizeof(parse_cases) / sizeof(parse_cases[0]);

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_digest_rfc2617_md5_auth);
	tcase_add_loop_test(tc, test_digest_rfc7616, 0,
	    sizeof(rfc7616) / sizeof(rfc7616[0]));
	tcase_add_loop_test(tc, test_digest_rfc2069_no_qop, 0,
	    sizeof(rfc2069) / sizeof(rfc2069[0]));
	tcase_add_loop_test(tc, test_digest_auth_int, 0,
	    sizeof(authint) / sizeof(authint[0]));
	tcase_add_test(tc, test_digest_auth_ignores_body);
	tcase_add_test(tc, test_digest_rfc7616_sha512_256);
	tcase_add_loop_test(tc, test_digest_published_hashes, 0,
	    sizeof(published) / sizeof(published[0]));
	tcase_add_loop_test(tc, test_digest_agrees_with_evp, 0, DIGEST_NALGS);
	tcase_add_test(tc, test_digest_alg_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_digest_check_uppercase_hex);
	tcase_add_test(tc, test_digest_check_one_char_changed);
	tcase_add_test(tc, test_digest_check_length);
	tcase_add_test(tc, test_digest_check_wrong_inputs);
	tcase_add_test(tc, test_digest_check_alg_length);
	tcase_add_test(tc, test_digest_nc_uppercase_consistent);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_digest_parse_escapes);
	tcase_add_test(tc, test_digest_parse_lws);
	tcase_add_test(tc, test_digest_parse_case);
	tcase_add_test(tc, test_digest_parse_fields);
	tcase_add_test(tc, test_digest_parse_clears);
	tcase_add_test(tc, test_digest_parse_copies);
	tcase_add_test(tc, test_digest_parse_valmax);
	tcase_add_loop_test(tc, test_digest_parse_table, 0, (int)ncases);
	tcase_add_test(tc, test_digest_parse_nul);
	suite_add_tcase(s, tc);
	return (s);
}
