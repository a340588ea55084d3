/*
 * Dialog tokens (sip/branch.c, to become sip/token.c): the "swt"
 * parameter of sipwarden's Record-Route URIs (SPEC 4.4), bound to the
 * flow token of the same URI and to the Call-ID.  Round trips, the byte
 * layout of branch.h (MAC recomputed here with OpenSSL), binding,
 * tampering with every character, rotation of secrets and malformed text.
 *
 * Secret sets are loaded with secrets_load() from files written into a
 * fresh mkdtemp() folder: A, B then A (rotation: B signs, A verifies), B
 * alone (A removed), and two secrets sharing one id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/b64url.h"
#include "sip/token.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define CALLID  "a84b4c76e66710@pc33.atlanta.com"
#define CALLID2 "a84b4c76e66711@pc33.atlanta.com"
#define TAGLEN  12

enum { SET_A, SET_BA, SET_B, SET_X, SET_Y, SET_XY, NSETS };

static const char *const set_files[NSETS] = { "a", "ba", "b", "x", "y", "xy" };
static struct secrets *sets[NSETS];
static struct mac *macs[NSETS];
/* Flow tokens (made with set A) for a v4 and a v6 client. */
static char ftok4[FLOW_TOKEN_MAXLEN + 1], ftok6[FLOW_TOKEN_MAXLEN + 1];

static void
make_flow(const char *addr, uint16_t port, char *out)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.f_tp = TP_UDP;
	f.f_lsock = 0;
	ck_assert_int_eq(sa_set_str(&f.f_addr, addr, port), 0);
	ck_assert_uint_gt(flow_token_make(macs[SET_A], sets[SET_A], &f, out),
	    0);
}

static void
setup(void)
{
	static const char *const text[NSETS] = { TU_FILE_A, TU_FILE_BA,
		TU_FILE_B, TU_FILE_X, TU_FILE_Y, TU_FILE_XY };

	tu_secret_sets(NSETS, set_files, text, sets, macs);
	ck_assert_uint_eq(sets[SET_X]->ss_v[0].s_id, sets[SET_Y]->ss_v[0].s_id);
	make_flow("192.0.2.1", 5060, ftok4);
	make_flow("2001:db8::1", 5062, ftok6);
	ck_assert_uint_eq(strlen(ftok4), 30);
	ck_assert_uint_eq(strlen(ftok6), 46);
}

static void
teardown(void)
{
	tu_secret_sets_free(NSETS, sets, macs);
}

static const char *
dmake(int k, const char *ftok, const char *callid)
{
	static char out[DIALOG_TOKEN_LEN + 2];
	struct pl f, c;

	pl_set_str(&f, ftok);
	pl_set_str(&c, callid);
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(dialog_token_make(macs[k], sets[k], &f, &c, out), 0);
	ck_assert_uint_eq(strlen(out), DIALOG_TOKEN_LEN);
	return (out);
}

static bool
dcheck_len(int k, const char *tok, size_t len, const char *ftok,
    const char *callid)
{
	struct pl t, f, c;

	t.p = tok;
	t.l = len;
	pl_set_str(&f, ftok);
	pl_set_str(&c, callid);
	return (dialog_token_check(macs[k], sets[k], &t, &f, &c));
}

static bool
dcheck(int k, const char *tok, const char *ftok, const char *callid)
{
	return (dcheck_len(k, tok, strlen(tok), ftok, callid));
}

/* The token built here from the layout in token.h, with set k's first
 * secret; head[0] is the version. */
static void
forge(int k, uint8_t version, const char *ftok, const char *callid,
    char out[DIALOG_TOKEN_LEN + 1])
{
	uint8_t msg[512], raw[3 + TAGLEN], tag[32];
	uint16_t id = sets[k]->ss_v[0].s_id;
	size_t n = 0, outlen = 0;

	raw[0] = version;
	raw[1] = (uint8_t)(id >> 8);
	raw[2] = (uint8_t)id;
	msg[n++] = 'd';
	memcpy(msg + n, raw, 3);
	n += 3;
	msg[n++] = (uint8_t)(strlen(ftok) >> 8);
	msg[n++] = (uint8_t)strlen(ftok);
	memcpy(msg + n, ftok, strlen(ftok));
	n += strlen(ftok);
	memcpy(msg + n, callid, strlen(callid));
	n += strlen(callid);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    sets[k]->ss_v[0].s_key[SECRET_TOKEN], SECRET_KEYLEN, msg, n, tag,
	    sizeof(tag), &outlen));
	memcpy(raw + 3, tag, TAGLEN);
	ck_assert_uint_eq(b64url_encode(raw, sizeof(raw), out),
	    DIALOG_TOKEN_LEN);
}

/* ---------------------------------------------------------------------
 * Round trip and layout
 */

START_TEST(test_dialog_token_roundtrip)
{
	char tok[DIALOG_TOKEN_LEN + 1];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	ck_assert(dcheck(SET_A, tok, ftok4, CALLID));
	(void)strcpy(tok, dmake(SET_A, ftok6, CALLID));
	ck_assert(dcheck(SET_A, tok, ftok6, CALLID));
	/* Deterministic: the same inputs give the same token. */
	ck_assert_str_eq(dmake(SET_A, ftok6, CALLID), tok);
	/* An empty Call-ID still binds (pkt refuses one anyway). */
	(void)strcpy(tok, dmake(SET_A, ftok4, ""));
	ck_assert(dcheck(SET_A, tok, ftok4, ""));
	ck_assert(!dcheck(SET_A, tok, ftok4, CALLID));
}
END_TEST

/*
 * branch.h: version 1, secret id, then HMAC(token key, ...) truncated to
 * 12 bytes.  The code MACs "d" + bytes 0..2 + flow token + Call-ID (the
 * header comment omits bytes 0..2).
 */
START_TEST(test_dialog_token_layout)
{
	char want[DIALOG_TOKEN_LEN + 1];
	uint8_t raw[3 + TAGLEN];
	const char *tok;

	tok = dmake(SET_A, ftok4, CALLID);
	ck_assert_uint_eq(b64url_decode(tok, DIALOG_TOKEN_LEN, raw,
			      sizeof(raw)),
	    sizeof(raw));
	ck_assert_uint_eq(raw[0], 1);
	ck_assert_uint_eq(raw[1] << 8 | raw[2], sets[SET_A]->ss_v[0].s_id);
	forge(SET_A, 1, ftok4, CALLID, want);
	ck_assert_str_eq(tok, want);
}
END_TEST

/* Another version is refused even with a right MAC. */
START_TEST(test_dialog_token_version)
{
	char tok[DIALOG_TOKEN_LEN + 1];
	int v;

	for (v = 0; v < 256; v++) {
		forge(SET_A, (uint8_t)v, ftok4, CALLID, tok);
		ck_assert_int_eq(dcheck(SET_A, tok, ftok4, CALLID), v == 1);
	}
}
END_TEST

/* ---------------------------------------------------------------------
 * Binding
 */

START_TEST(test_dialog_token_other_callid)
{
	char tok[DIALOG_TOKEN_LEN + 1];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	ck_assert(!dcheck(SET_A, tok, ftok4, CALLID2));
	/* Call-IDs are case-sensitive (RFC 3261 20.8). */
	ck_assert(
	    !dcheck(SET_A, tok, ftok4, "A84B4C76E66710@pc33.atlanta.com"));
	ck_assert(!dcheck(SET_A, tok, ftok4, CALLID " "));
	ck_assert(!dcheck(SET_A, tok, ftok4, "a84b4c76e66710"));
	ck_assert(!dcheck(SET_A, tok, ftok4, ""));
}
END_TEST

START_TEST(test_dialog_token_other_flow)
{
	char tok[DIALOG_TOKEN_LEN + 1], other[FLOW_TOKEN_MAXLEN + 1];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	ck_assert(!dcheck(SET_A, tok, ftok6, CALLID));
	make_flow("192.0.2.1", 5061, other);
	ck_assert(!dcheck(SET_A, tok, other, CALLID));
	make_flow("192.0.2.2", 5060, other);
	ck_assert(!dcheck(SET_A, tok, other, CALLID));
	ck_assert(!dcheck(SET_A, tok, "", CALLID));
}
END_TEST

/*
 * The MAC input is "d" + head + flow token + Call-ID with no length or
 * separator between the two variable fields, so characters can move from
 * one to the other.  The pipeline (pipe_route_tokens) checks the dialog
 * token with the Route URI's user part as the flow token, and
 * pipe_authenticate() forwards without a challenge on a verified dialog
 * token without looking at whether that flow token verified: whoever has
 * seen one Record-Route (sip:F@proxy;lr;swt=T) for Call-ID "xC" can send
 * requests with Call-ID "C" and Route <sip:Fx@proxy;lr;swt=T>.
 */
START_TEST(test_dialog_token_field_boundary)
{
	char tok[DIALOG_TOKEN_LEN + 1], moved[FLOW_TOKEN_MAXLEN + 8];
	const char *rest = &CALLID[1];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	(void)snprintf(moved, sizeof(moved), "%s%c", ftok4, CALLID[0]);
	ck_assert_msg(!dcheck(SET_A, tok, moved, rest),
	    "token for (%s, %s) verifies for (%s, %s)", ftok4, CALLID, moved,
	    rest);
	(void)strcpy(tok, dmake(SET_A, ftok4, "abc"));
	(void)snprintf(moved, sizeof(moved), "%sabc", ftok4);
	ck_assert_msg(!dcheck(SET_A, tok, moved, ""),
	    "token for Call-ID abc verifies for an empty Call-ID");
}
END_TEST

/* Every character replaced by every other base64url character. */
START_TEST(test_dialog_token_tamper_every_char)
{
	char tok[DIALOG_TOKEN_LEN + 1], t[DIALOG_TOKEN_LEN + 1];
	size_t i, k;

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	for (i = 0; i < DIALOG_TOKEN_LEN; i++) {
		for (k = 0; k < 64; k++) {
			if (TU_B64URL[k] == tok[i])
				continue;
			(void)strcpy(t, tok);
			t[i] = TU_B64URL[k];
			ck_assert_msg(!dcheck(SET_A, t, ftok4, CALLID),
			    "position %zu as '%c' accepted", i, TU_B64URL[k]);
		}
	}
}
END_TEST

/* Every character of the flow token and of the Call-ID matters too. */
START_TEST(test_dialog_token_tamper_inputs)
{
	char tok[DIALOG_TOKEN_LEN + 1], f[FLOW_TOKEN_MAXLEN + 1],
	    c[sizeof(CALLID)];
	size_t i;

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	for (i = 0; i < strlen(ftok4); i++) {
		(void)strcpy(f, ftok4);
		f[i] = f[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(!dcheck(SET_A, tok, f, CALLID), "flow pos %zu",
		    i);
	}
	for (i = 0; i < strlen(CALLID); i++) {
		(void)strcpy(c, CALLID);
		c[i] ^= 0x20;
		ck_assert_msg(!dcheck(SET_A, tok, ftok4, c), "Call-ID pos %zu",
		    i);
	}
}
END_TEST

/* ---------------------------------------------------------------------
 * Secrets
 */

/* Signed by A: verified by B+A, not by B alone once A is removed. */
START_TEST(test_dialog_token_rotation)
{
	char tok[DIALOG_TOKEN_LEN + 1];
	uint8_t raw[3 + TAGLEN];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	ck_assert(dcheck(SET_BA, tok, ftok4, CALLID));
	ck_assert(!dcheck(SET_B, tok, ftok4, CALLID));
	/* After the rotation B signs; A alone does not know it. */
	(void)strcpy(tok, dmake(SET_BA, ftok4, CALLID));
	ck_assert_uint_eq(b64url_decode(tok, DIALOG_TOKEN_LEN, raw,
			      sizeof(raw)),
	    sizeof(raw));
	ck_assert_uint_eq(raw[1] << 8 | raw[2], sets[SET_B]->ss_v[0].s_id);
	ck_assert(dcheck(SET_BA, tok, ftok4, CALLID));
	ck_assert(dcheck(SET_B, tok, ftok4, CALLID));
	ck_assert(!dcheck(SET_A, tok, ftok4, CALLID));
}
END_TEST

/* Two secrets with one id: each is tried. */
START_TEST(test_dialog_token_id_collision)
{
	char tok[DIALOG_TOKEN_LEN + 1];

	(void)strcpy(tok, dmake(SET_Y, ftok4, CALLID));
	ck_assert(dcheck(SET_XY, tok, ftok4, CALLID));
	ck_assert(!dcheck(SET_X, tok, ftok4, CALLID));
	(void)strcpy(tok, dmake(SET_X, ftok4, CALLID));
	ck_assert(dcheck(SET_XY, tok, ftok4, CALLID));
	ck_assert(!dcheck(SET_Y, tok, ftok4, CALLID));
}
END_TEST

/* Signed by a secret the set does not hold. */
START_TEST(test_dialog_token_unknown_secret)
{
	char tok[DIALOG_TOKEN_LEN + 1];

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	ck_assert(!dcheck(SET_X, tok, ftok4, CALLID));
	ck_assert(!dcheck(SET_B, tok, ftok4, CALLID));
}
END_TEST

/* ---------------------------------------------------------------------
 * Form
 */

START_TEST(test_dialog_token_bad_form)
{
	static const char bad[] = "+/=. \"\\;\x80";
	char tok[DIALOG_TOKEN_LEN + 1], t[DIALOG_TOKEN_LEN + 8];
	size_t i, k;

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	for (i = 0; i < DIALOG_TOKEN_LEN; i++)
		ck_assert(!dcheck_len(SET_A, tok, i, ftok4, CALLID));
	(void)snprintf(t, sizeof(t), "%sA", tok);
	ck_assert(!dcheck(SET_A, t, ftok4, CALLID));
	(void)snprintf(t, sizeof(t), "%sAAAA", tok);
	ck_assert(!dcheck(SET_A, t, ftok4, CALLID));
	for (i = 0; i < DIALOG_TOKEN_LEN; i++) {
		for (k = 0; k < sizeof(bad) - 1; k++) {
			(void)strcpy(t, tok);
			t[i] = bad[k];
			ck_assert(!dcheck(SET_A, t, ftok4, CALLID));
		}
	}
}
END_TEST

/* Nothing past the given length is read (ASan: exact allocation). */
START_TEST(test_dialog_token_bounds)
{
	char tok[DIALOG_TOKEN_LEN + 1];
	char *buf;
	size_t i;

	(void)strcpy(tok, dmake(SET_A, ftok4, CALLID));
	for (i = 0; i <= DIALOG_TOKEN_LEN; i++) {
		ck_assert_ptr_nonnull(buf = malloc(i > 0 ? i : 1));
		memcpy(buf, tok, i);
		ck_assert_int_eq(dcheck_len(SET_A, buf, i, ftok4, CALLID),
		    i == DIALOG_TOKEN_LEN);
		free(buf);
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dialog_token_roundtrip);
	tcase_add_test(tc, test_dialog_token_layout);
	tcase_add_test(tc, test_dialog_token_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("binding");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dialog_token_other_callid);
	tcase_add_test(tc, test_dialog_token_other_flow);
	tcase_add_test(tc, test_dialog_token_field_boundary);
	tcase_add_test(tc, test_dialog_token_tamper_every_char);
	tcase_add_test(tc, test_dialog_token_tamper_inputs);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dialog_token_rotation);
	tcase_add_test(tc, test_dialog_token_id_collision);
	tcase_add_test(tc, test_dialog_token_unknown_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("form");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dialog_token_bad_form);
	tcase_add_test(tc, test_dialog_token_bounds);
	suite_add_tcase(s, tc);
	return (s);
}
