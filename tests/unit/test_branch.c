/*
 * sip/branch.c: Via branches and flow tokens.  Round trips, the
 * transaction identity behind a branch (RFC 3261 16.11 and RFC 2543
 * requests), tampering with every character, other relays, rotation of
 * secrets, and hand-made tokens that carry a valid MAC but fields that
 * must be refused (built from the byte layouts in branch.h and token.h).
 *
 * Secret sets are loaded through secrets_load() from files written into
 * a fresh mkdtemp() folder: A, then B+A (rotation: B signs, A verifies),
 * then B alone (A removed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "core/addr.h"
#include "core/b64url.h"
#include "sip/branch.h"
#include "sip/pkt.h"
#include "sip/token.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define BRANCH_TAGLEN 10
#define FLOW_TAGLEN   10

enum { SET_A, SET_BA, SET_B, NSETS };

static struct secrets *sets[NSETS];
static struct mac *macs[NSETS];

static void
setup(void)
{
	static const char *const text[NSETS] = { TU_FILE_A, TU_FILE_BA,
		TU_FILE_B };
	static const char *const name[NSETS] = { "a", "ba", "b" };

	tu_secret_sets(NSETS, name, text, sets, macs);
	ck_assert_uint_eq(sets[SET_BA]->ss_n, 2);
	/* The ids differ, so "A is gone" really means unknown. */
	ck_assert_uint_ne(sets[SET_A]->ss_v[0].s_id, sets[SET_B]->ss_v[0].s_id);
	ck_assert_uint_eq(sets[SET_BA]->ss_v[1].s_id,
	    sets[SET_A]->ss_v[0].s_id);
}

static void
teardown(void)
{
	tu_secret_sets_free(NSETS, sets, macs);
}

/* ---------------------------------------------------------------------
 * Requests and relays
 */

struct req {
	const char *r_method;
	const char *r_ruri;
	const char *r_via; /* top Via value */
	const char *r_fromtag;
	const char *r_totag; /* NULL: none */
	const char *r_callid;
	unsigned r_cseq;
	const char *r_extra; /* more header lines, or "" */
};

#define VIA_3261 "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds;rport"
#define VIA_2543 "SIP/2.0/UDP 192.0.2.1:5062"

static const struct req inv3261 = { "INVITE", "sip:bob@example.com", VIA_3261,
	"1928", NULL, "a84b4c76e66710", 314159, "" };
static const struct req inv2543 = { "INVITE", "sip:bob@example.com", VIA_2543,
	"1928", NULL, "a84b4c76e66710", 314159, "" };

static char msgbuf[1024];
static struct pkt pkt;

/* Scan request r (valid until the next call). */
static const struct pkt *
scan_req(const struct req *r)
{
	int n;

	n = snprintf(msgbuf, sizeof(msgbuf),
	    "%s %s SIP/2.0\r\n"
	    "Via: %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@example.com>;tag=%s\r\n"
	    "To: <sip:bob@example.com>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u %s\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    r->r_method, r->r_ruri, r->r_via, r->r_fromtag,
	    r->r_totag ? ";tag=" : "", r->r_totag ? r->r_totag : "",
	    r->r_callid, r->r_cseq, r->r_method, r->r_extra);
	ck_assert_int_lt(n, (int)sizeof(msgbuf));
	ck_assert_int_eq(pkt_scan(&pkt, msgbuf, (size_t)n), PKT_OK);
	return (&pkt);
}

#define CONN_ID_FOR_TEST(w, s, g)                                              \
	((uint64_t)(w) << 56 | (uint64_t)(s) << 32 | (uint64_t)(g))

static struct flow
flow_make(enum transport tp, uint8_t lsock, const char *addr, uint16_t port)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.f_tp = (uint8_t)tp;
	f.f_lsock = lsock;
	ck_assert_int_eq(sa_set_str(&f.f_addr, addr, port), 0);
	return (f);
}

static struct flow
relay4(void)
{
	return (flow_make(TP_UDP, 0, "198.51.100.7", 40000));
}

/* A branch names the connection of a TCP or TLS relay: 10 more bytes. */
static size_t
branch_len(const struct flow *relay)
{
	return (relay->f_tp == TP_UDP ? BRANCH_STRLEN : BRANCH_MAXLEN);
}

/* The branch for request r with secret set set and relay. */
static void
branch_of(int set, const struct req *r, const struct flow *relay,
    char out[BRANCH_MAXLEN + 1])
{
	const struct pkt *p = scan_req(r);

	memset(out, 0, BRANCH_MAXLEN + 1);
	ck_assert_int_eq(branch_make(macs[set], sets[set], p, relay, out), 0);
	ck_assert_uint_eq(strlen(out), branch_len(relay));
}

/* branch_check of a NUL-terminated branch against relay (a copy). */
static bool
check_branch(int set, const char *b, const struct flow *relay)
{
	struct flow f = *relay;
	struct pl pl;

	pl_set_str(&pl, b);
	f.f_lsock = 0xee;
	return (branch_check(macs[set], sets[set], &pl, &f));
}

/* ---------------------------------------------------------------------
 * Branches
 */

static const struct {
	const char *addr;
	uint16_t port;
	enum transport tp;
} relays[] = {
	{ "198.51.100.7", 40000, TP_UDP },
	{ "198.51.100.7", 5060, TP_TCP },
	{ "10.0.0.1", 1, TP_TLS },
	{ "2001:db8::7", 40001, TP_UDP },
	{ "2001:db8::7", 65535, TP_TLS },
	{ "::ffff:192.0.2.1", 5060, TP_TCP },
};

/* Every relay and every listener index round-trips. */
START_TEST(test_branch_roundtrip)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay, f;
	struct pl pl;
	unsigned l;

	for (l = 0; l < 256; l += (l < 16 ? 1 : 17)) {
		relay = flow_make(relays[_i].tp, (uint8_t)l, relays[_i].addr,
		    relays[_i].port);
		if (relay.f_tp != TP_UDP)
			relay.f_conn = 0x0102030405060708ull * (l + 1);
		branch_of(SET_A, &inv3261, &relay, b);
		ck_assert_mem_eq(b, BRANCH_PREFIX, BRANCH_PREFIXLEN);
		ck_assert_uint_eq(strspn(b + BRANCH_PREFIXLEN, TU_B64URL),
		    branch_len(&relay) - BRANCH_PREFIXLEN);
		f = relay;
		f.f_lsock = (uint8_t)(l ^ 0x5a);
		f.f_conn = 77;
		pl_set_str(&pl, b);
		ck_assert(branch_check(macs[SET_A], sets[SET_A], &pl, &f));
		ck_assert_uint_eq(f.f_lsock, l);
		ck_assert_uint_eq(f.f_conn, relay.f_conn);
		ck_assert(branch_is_ours(&pl));
	}
}
END_TEST

/* The same request twice (a retransmission): the same branch. */
START_TEST(test_branch_retransmission)
{
	char a[BRANCH_MAXLEN + 1], b[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();

	branch_of(SET_A, &inv3261, &relay, a);
	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert_str_eq(a, b);
	branch_of(SET_A, &inv2543, &relay, a);
	branch_of(SET_A, &inv2543, &relay, b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* The CANCEL and the non-2xx ACK of an INVITE: its branch (3261). */
START_TEST(test_branch_cancel_ack_3261)
{
	char inv[BRANCH_MAXLEN + 1], b[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	struct req r = inv3261;

	branch_of(SET_A, &r, &relay, inv);
	r.r_method = "CANCEL";
	branch_of(SET_A, &r, &relay, b);
	ck_assert_str_eq(b, inv);
	r.r_method = "ACK";
	r.r_totag = "a6c85cf";
	r.r_extra = "Contact: <sip:alice@192.0.2.1:5062>\r\n";
	branch_of(SET_A, &r, &relay, b);
	ck_assert_str_eq(b, inv);
	/* Only branch and sent-by count: other Via parameters do not. */
	r.r_via = "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds";
	branch_of(SET_A, &r, &relay, b);
	ck_assert_str_eq(b, inv);
}
END_TEST

/* The same for RFC 2543 requests, without the magic cookie. */
START_TEST(test_branch_cancel_ack_2543)
{
	static const char *const vias[] = { VIA_2543,
		"SIP/2.0/UDP 192.0.2.1:5062;branch=776asdhds",
		"SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK" };
	char inv[BRANCH_MAXLEN + 1], b[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	struct req r;
	size_t i;

	for (i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
		r = inv2543;
		r.r_via = vias[i];
		branch_of(SET_A, &r, &relay, inv);
		r.r_method = "CANCEL";
		branch_of(SET_A, &r, &relay, b);
		ck_assert_str_eq(b, inv);
		r.r_method = "ACK";
		r.r_totag = "a6c85cf";
		branch_of(SET_A, &r, &relay, b);
		ck_assert_str_eq(b, inv);
	}
}
END_TEST

/* Requests that are other transactions get other branches (3261). */
START_TEST(test_branch_differs_3261)
{
	static const char *const vias[] = {
		VIA_3261,
		"SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhdt;rport",
		"SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhd;rport",
		"SIP/2.0/UDP 192.0.2.1:5063;branch=z9hG4bK776asdhds;rport",
		"SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds;rport",
		"SIP/2.0/UDP 192.0.2.2:5062;branch=z9hG4bK776asdhds;rport",
		"SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776ASDHDS;rport",
	};
	char b[sizeof(vias) / sizeof(vias[0])][BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	struct req r = inv3261;
	size_t i, j, n = sizeof(vias) / sizeof(vias[0]);

	for (i = 0; i < n; i++) {
		r.r_via = vias[i];
		branch_of(SET_A, &r, &relay, b[i]);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_str_ne(b[i], b[j]);
}
END_TEST

/* In RFC 2543 requests, each of the identifying fields counts. */
START_TEST(test_branch_differs_2543)
{
	struct req v[6];
	char b[6][BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	size_t i, j;

	for (i = 0; i < 6; i++)
		v[i] = inv2543;
	v[1].r_ruri = "sip:carol@example.com";
	v[2].r_fromtag = "1929";
	v[3].r_callid = "a84b4c76e66711";
	v[4].r_cseq = 314160;
	v[5].r_via = "SIP/2.0/UDP 192.0.2.1:5064";
	for (i = 0; i < 6; i++)
		branch_of(SET_A, &v[i], &relay, b[i]);
	for (i = 0; i < 6; i++)
		for (j = i + 1; j < 6; j++)
			ck_assert_str_ne(b[i], b[j]);
}
END_TEST

/* Each relay yields another branch for the same request. */
START_TEST(test_branch_differs_by_relay)
{
	char a[BRANCH_MAXLEN + 1], b[BRANCH_MAXLEN + 1];
	struct flow r1 = relay4(), r2 = relay4();

	r2.f_lsock = 1;
	branch_of(SET_A, &inv3261, &r1, a);
	branch_of(SET_A, &inv3261, &r2, b);
	ck_assert_str_ne(a, b);
	r2 = relay4();
	sa_set_port(&r2.f_addr, 40001);
	branch_of(SET_A, &inv3261, &r2, b);
	ck_assert_str_ne(a, b);
}
END_TEST

/* Any character replaced by any other base64url character: refused. */
START_TEST(test_branch_tamper_every_char)
{
	char b[BRANCH_MAXLEN + 1], t[BRANCH_MAXLEN + 1];
	struct flow relay =
	    flow_make(relays[_i].tp, 3, relays[_i].addr, relays[_i].port);
	size_t pos, k;

	relay.f_conn = relay.f_tp == TP_UDP ? 0 : 0xfedcba9876543210ull;
	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	for (pos = 0; pos < branch_len(&relay); pos++) {
		for (k = 0; k < 64; k++) {
			if (TU_B64URL[k] == b[pos])
				continue;
			memcpy(t, b, sizeof(t));
			t[pos] = TU_B64URL[k];
			ck_assert_msg(!check_branch(SET_A, t, &relay),
			    "accepted %s (position %zu)", t, pos);
		}
	}
}
END_TEST

/* A branch made for one relay does not verify for another. */
START_TEST(test_branch_wrong_relay)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay = relay4(), other;

	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	other = flow_make(TP_UDP, 0, "198.51.100.8", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_UDP, 0, "198.51.100.7", 40001);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_TCP, 0, "198.51.100.7", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_TLS, 0, "198.51.100.7", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_UDP, 0, "2001:db8::7", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
}
END_TEST

START_TEST(test_branch_wrong_relay_v6)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay = flow_make(TP_UDP, 2, "2001:db8::7", 40000), other;

	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	other = flow_make(TP_UDP, 2, "2001:db8::8", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_UDP, 2, "2001:db8::7", 5060);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_TLS, 2, "2001:db8::7", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
}
END_TEST

/* A relay from an IPv6 socket that received from IPv4 a.b.c.d. */
static struct flow
flow_mapped(enum transport tp, uint8_t lsock, uint8_t d, uint16_t port)
{
	const uint8_t a[16] = { [10] = 0xff,
		[11] = 0xff,
		[12] = 192,
		[13] = 0,
		[14] = 2,
		[15] = d };
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.f_tp = (uint8_t)tp;
	f.f_lsock = lsock;
	sa_init(&f.f_addr, AF_INET6);
	sa_set_in6(&f.f_addr, a, port);
	ck_assert_int_eq(sa_af(&f.f_addr), AF_INET6);
	return (f);
}

/*
 * A v4-mapped relay is the IPv4 host it maps (addr_bytes): the branch
 * made for ::ffff:192.0.2.1 on an IPv6 socket verifies for 192.0.2.1,
 * not for another host in either form.
 */
START_TEST(test_branch_v4_mapped_relay)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay = flow_mapped(TP_UDP, 1, 1, 40000), other;

	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	other = flow_make(TP_UDP, 1, "192.0.2.1", 40000);
	ck_assert(check_branch(SET_A, b, &other));
	other = flow_mapped(TP_UDP, 1, 2, 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_UDP, 1, "192.0.2.2", 40000);
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_mapped(TP_UDP, 1, 1, 40001);
	ck_assert(!check_branch(SET_A, b, &other));
}
END_TEST

/*
 * A TLS relay: the connection id is covered by the MAC (a response cannot
 * be steered to another connection), and the branch does not verify as
 * UDP from the same address.  TCP does (a Via from behind a TLS tunnel):
 * the connection id, the same either way, decides where it goes.
 */
START_TEST(test_branch_wrong_relay_conn)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay = flow_make(TP_TLS, 1, "198.51.100.7", 40000), other;
	struct pl pl;

	relay.f_conn = CONN_ID_FOR_TEST(3, 17, 9);
	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	other = relay;
	other.f_tp = TP_TCP;
	ck_assert(check_branch(SET_A, b, &other));
	other.f_tp = TP_UDP;
	ck_assert(!check_branch(SET_A, b, &other));
	other = flow_make(TP_TLS, 1, "198.51.100.7", 40001);
	ck_assert(!check_branch(SET_A, b, &other));
	/* The id comes out of the branch, whatever the caller had in it. */
	other = relay;
	other.f_conn = 0;
	pl_set_str(&pl, b);
	ck_assert(branch_check(macs[SET_A], sets[SET_A], &pl, &other));
	ck_assert_uint_eq(other.f_conn, relay.f_conn);
	/* A UDP-length branch for a TLS relay, and the reverse: refused. */
	pl.l = BRANCH_STRLEN;
	other = relay;
	ck_assert(!branch_check(macs[SET_A], sets[SET_A], &pl, &other));
}
END_TEST

/* Rotation: B+A verifies what A signed; B alone does not. */
START_TEST(test_branch_rotation)
{
	char b[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();

	branch_of(SET_A, &inv3261, &relay, b);
	ck_assert(check_branch(SET_A, b, &relay));
	ck_assert(check_branch(SET_BA, b, &relay));
	ck_assert(!check_branch(SET_B, b, &relay));
	/* B+A signs with B: B verifies, A alone does not. */
	branch_of(SET_BA, &inv3261, &relay, b);
	ck_assert(check_branch(SET_BA, b, &relay));
	ck_assert(check_branch(SET_B, b, &relay));
	ck_assert(!check_branch(SET_A, b, &relay));
}
END_TEST

/*
 * A branch re-signed by hand (branch.h: tag = HMAC(branch key, "r" +
 * every byte before the tag + transport + address + port)) after changing
 * raw, whose first n bytes (12, or 20 with a connection id) are signed.
 */
static void
resign_branch_n(int set, uint8_t *raw, size_t n, const struct flow *relay,
    char out[BRANCH_MAXLEN + 1])
{
	struct mac_part parts[3];
	uint8_t a[1 + 16 + 2];
	size_t al, len;

	a[0] = relay->f_tp == TP_TLS ? TP_TCP : relay->f_tp;
	if (sa_af(&relay->f_addr) == AF_INET) {
		memcpy(a + 1, &relay->f_addr.u.in.sin_addr, 4);
		al = 5;
	} else {
		memcpy(a + 1, &relay->f_addr.u.in6.sin6_addr, 16);
		al = 17;
	}
	a[al] = (uint8_t)(sa_port(&relay->f_addr) >> 8);
	a[al + 1] = (uint8_t)sa_port(&relay->f_addr);
	parts[0] = (struct mac_part){ "r", 1 };
	parts[1] = (struct mac_part){ raw, n };
	parts[2] = (struct mac_part){ a, al + 2 };
	ck_assert_int_eq(mac_sign(macs[set], 0, SECRET_BRANCH, parts, 3,
			     raw + n, BRANCH_TAGLEN),
	    0);
	memcpy(out, BRANCH_PREFIX, BRANCH_PREFIXLEN);
	len = b64url_encode(raw, n + BRANCH_TAGLEN, out + BRANCH_PREFIXLEN);
	out[BRANCH_PREFIXLEN + len] = '\0';
}

static void
resign_branch(int set, uint8_t raw[BRANCH_RAWLEN], const struct flow *relay,
    char out[BRANCH_MAXLEN + 1])
{
	resign_branch_n(set, raw, 12, relay, out);
}

/* The bytes of branch b; returns how many come before the tag. */
static size_t
branch_raw_n(const char *b, uint8_t raw[BRANCH_RAWLEN + 8])
{
	size_t n = b64url_decode(b + BRANCH_PREFIXLEN,
	    strlen(b) - BRANCH_PREFIXLEN, raw, BRANCH_RAWLEN + 8);

	ck_assert(n == BRANCH_RAWLEN || n == BRANCH_RAWLEN + 8);
	return (n - BRANCH_TAGLEN);
}

static void
branch_raw(const char *b, uint8_t raw[BRANCH_RAWLEN])
{
	ck_assert_uint_eq(b64url_decode(b + BRANCH_PREFIXLEN,
			      BRANCH_STRLEN - BRANCH_PREFIXLEN, raw,
			      BRANCH_RAWLEN),
	    BRANCH_RAWLEN);
}

/* The layout in branch.h is the one in use: a re-signed copy verifies. */
START_TEST(test_branch_layout)
{
	char b[BRANCH_MAXLEN + 1], t[BRANCH_MAXLEN + 1];
	struct flow relay = flow_make(TP_TCP, 7, "2001:db8::7", 5061);
	uint8_t raw[BRANCH_RAWLEN + 8];
	size_t n, i;

	relay.f_conn = CONN_ID_FOR_TEST(2, 0x123456, 0xdeadbeef);
	branch_of(SET_BA, &inv3261, &relay, b);
	n = branch_raw_n(b, raw);
	ck_assert_uint_eq(n, 20);
	ck_assert_uint_eq(raw[0], 1);
	ck_assert_uint_eq(raw[1] << 8 | raw[2], sets[SET_BA]->ss_v[0].s_id);
	ck_assert_uint_eq(raw[3], 7);
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(raw[12 + i],
		    (uint8_t)(relay.f_conn >> (56 - 8 * i)));
	resign_branch_n(SET_BA, raw, n, &relay, t);
	ck_assert_str_eq(t, b);
	/* Another listener index and connection, properly signed. */
	raw[3] = 9;
	raw[19] ^= 0x55;
	resign_branch_n(SET_BA, raw, n, &relay, t);
	relay.f_lsock = 0;
	ck_assert(check_branch(SET_BA, t, &relay));
	/* A UDP relay: no connection id. */
	relay = relay4();
	branch_of(SET_BA, &inv3261, &relay, b);
	ck_assert_uint_eq(branch_raw_n(b, raw), 12);
	resign_branch(SET_BA, raw, &relay, t);
	ck_assert_str_eq(t, b);
}
END_TEST

/* A valid MAC with an id that names no secret, or another version. */
START_TEST(test_branch_unknown_id_version)
{
	char b[BRANCH_MAXLEN + 1], t[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	uint8_t raw[BRANCH_RAWLEN];

	branch_of(SET_A, &inv3261, &relay, b);
	branch_raw(b, raw);
	raw[1] ^= 0x80;
	resign_branch(SET_A, raw, &relay, t);
	ck_assert(!check_branch(SET_A, t, &relay));
	branch_raw(b, raw);
	raw[0] = 2;
	resign_branch(SET_A, raw, &relay, t);
	ck_assert(!check_branch(SET_A, t, &relay));
	branch_raw(b, raw);
	raw[0] = 0;
	resign_branch(SET_A, raw, &relay, t);
	ck_assert(!check_branch(SET_A, t, &relay));
}
END_TEST

START_TEST(test_branch_wrong_length)
{
	char b[BRANCH_MAXLEN + 1], t[BRANCH_MAXLEN + 8];
	struct flow relay = relay4();
	struct pl pl;
	size_t n;

	branch_of(SET_A, &inv3261, &relay, b);
	for (n = 0; n < BRANCH_STRLEN; n++) {
		memcpy(t, b, n);
		t[n] = '\0';
		ck_assert(!check_branch(SET_A, t, &relay));
	}
	for (n = 1; n < 5; n++) {
		(void)snprintf(t, sizeof(t), "%s%.*s", b, (int)n, "AAAA");
		ck_assert(!check_branch(SET_A, t, &relay));
	}
	/* Only the given length counts, not a NUL. */
	pl.p = b;
	pl.l = BRANCH_STRLEN - 1;
	ck_assert(!branch_is_ours(&pl));
}
END_TEST

START_TEST(test_branch_is_ours)
{
	char b[BRANCH_MAXLEN + 1], t[BRANCH_MAXLEN + 1];
	struct flow relay = relay4();
	struct pl pl;

	branch_of(SET_A, &inv3261, &relay, b);
	pl_set_str(&pl, b);
	ck_assert(branch_is_ours(&pl));
	/* Prefix and length only: no MAC is checked here. */
	memcpy(t, b, sizeof(t));
	t[BRANCH_STRLEN - 3] = t[BRANCH_STRLEN - 3] == 'A' ? 'B' : 'A';
	pl_set_str(&pl, t);
	ck_assert(branch_is_ours(&pl));
	pl_set_str(&pl, "z9hG4bK776asdhds");
	ck_assert(!branch_is_ours(&pl));
	pl_set_str(&pl, "z9hG4bKsw");
	ck_assert(!branch_is_ours(&pl));
	pl_set_str(&pl,
	    "z9hG4bKsW"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert(!branch_is_ours(&pl));
	pl_set_str(&pl,
	    "Z9hG4bKsw"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert(!branch_is_ours(&pl));
	pl_set_str(&pl,
	    "z9hG4bKsw"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert(branch_is_ours(&pl));
	pl_set_str(&pl, "");
	ck_assert(!branch_is_ours(&pl));
}
END_TEST

/* ---------------------------------------------------------------------
 * Flow tokens
 */

static const struct {
	enum transport tp;
	const char *addr;
	uint16_t port;
	size_t len;
} flows[] = {
	{ TP_UDP, "192.0.2.1", 5060, 30 },
	{ TP_TCP, "192.0.2.1", 49152, 40 },
	{ TP_TLS, "255.255.255.255", 65535, 40 },
	{ TP_UDP, "0.0.0.1", 1, 30 },
	{ TP_UDP, "2001:db8::1", 5060, 46 },
	{ TP_TCP, "2001:db8::1", 40000, 56 },
	{ TP_TLS, "fe80::1:2:3:4", 5061, 56 },
	/* libre's sa_set_str() stores a v4-mapped address as IPv4. */
	{ TP_TCP, "::ffff:192.0.2.1", 5060, 40 },
};

/* TCP and TLS flows name a connection (its id goes in the token). */
static struct flow
flow_case(int i, uint8_t lsock)
{
	struct flow f =
	    flow_make(flows[i].tp, lsock, flows[i].addr, flows[i].port);

	if (f.f_tp != TP_UDP)
		f.f_conn = CONN_ID_FOR_TEST(i, 0xabcdef, 0x80000001u + lsock);
	return (f);
}

static size_t
token_of(int set, const struct flow *f, char tok[FLOW_TOKEN_MAXLEN + 1])
{
	size_t n;

	memset(tok, 0, FLOW_TOKEN_MAXLEN + 1);
	n = flow_token_make(macs[set], sets[set], f, tok);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(strlen(tok), n);
	return (n);
}

static bool
check_token(int set, const char *tok, size_t len, struct flow *f)
{
	struct pl pl = { tok, len };

	memset(f, 0, sizeof(*f));
	return (flow_token_check(macs[set], sets[set], &pl, f));
}

static void
assert_flow_eq(const struct flow *a, const struct flow *b)
{
	ck_assert_uint_eq(a->f_tp, b->f_tp);
	ck_assert_uint_eq(a->f_lsock, b->f_lsock);
	ck_assert_uint_eq(a->f_conn, b->f_conn);
	ck_assert_int_eq(sa_af(&a->f_addr), sa_af(&b->f_addr));
	ck_assert(sa_cmp(&a->f_addr, &b->f_addr, SA_ALL));
}

START_TEST(test_flow_roundtrip)
{
	char tok[FLOW_TOKEN_MAXLEN + 1];
	struct flow f, g;
	unsigned l;
	size_t n;

	for (l = 0; l < 256; l += (l < 8 ? 1 : 31)) {
		f = flow_case(_i, (uint8_t)l);
		n = token_of(SET_A, &f, tok);
		ck_assert_uint_eq(n, flows[_i].len);
		ck_assert_uint_le(n, FLOW_TOKEN_MAXLEN);
		ck_assert_uint_eq(strspn(tok, TU_B64URL), n);
		ck_assert(check_token(SET_A, tok, n, &g));
		assert_flow_eq(&g, &f);
	}
}
END_TEST

START_TEST(test_flow_port_zero_not_signed)
{
	char tok[FLOW_TOKEN_MAXLEN + 1];
	struct flow f = flow_case(0, 1);

	/* A token flow_token_check could never accept is not made. */
	sa_set_port(&f.f_addr, 0);
	ck_assert_uint_eq(flow_token_make(macs[SET_A], sets[SET_A], &f, tok),
	    0);
}
END_TEST

START_TEST(test_flow_deterministic)
{
	char a[FLOW_TOKEN_MAXLEN + 1], b[FLOW_TOKEN_MAXLEN + 1];
	struct flow f = flow_case(_i, 1), g;

	(void)token_of(SET_A, &f, a);
	(void)token_of(SET_A, &f, b);
	ck_assert_str_eq(a, b);
	/* Each field is in the token. */
	g = f;
	g.f_lsock = 2;
	(void)token_of(SET_A, &g, b);
	ck_assert_str_ne(a, b);
	g = f;
	g.f_tp = (uint8_t)((f.f_tp + 1) % 3);
	(void)token_of(SET_A, &g, b);
	ck_assert_str_ne(a, b);
	g = f;
	sa_set_port(&g.f_addr, (uint16_t)(flows[_i].port ^ 2));
	(void)token_of(SET_A, &g, b);
	ck_assert_str_ne(a, b);
	if (f.f_tp != TP_UDP) {
		g = f;
		g.f_conn ^= 1;
		(void)token_of(SET_A, &g, b);
		ck_assert_str_ne(a, b);
	}
}
END_TEST

START_TEST(test_flow_tamper_every_char)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], t[FLOW_TOKEN_MAXLEN + 1];
	struct flow f = flow_case(_i, 4), g;
	size_t n, pos, k;

	n = token_of(SET_A, &f, tok);
	ck_assert(check_token(SET_A, tok, n, &g));
	for (pos = 0; pos < n; pos++) {
		for (k = 0; k < 64; k++) {
			if (TU_B64URL[k] == tok[pos])
				continue;
			memcpy(t, tok, sizeof(t));
			t[pos] = TU_B64URL[k];
			ck_assert_msg(!check_token(SET_A, t, n, &g),
			    "accepted %s (position %zu)", t, pos);
		}
	}
}
END_TEST

START_TEST(test_flow_wrong_length)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], t[2 * FLOW_TOKEN_MAXLEN];
	struct flow f = flow_case(_i, 0), g;
	size_t n, len;

	n = token_of(SET_A, &f, tok);
	for (len = 0; len < n; len++)
		ck_assert(!check_token(SET_A, tok, len, &g));
	for (len = n + 1; len < sizeof(t); len++) {
		memset(t, 'A', sizeof(t));
		memcpy(t, tok, n);
		ck_assert(!check_token(SET_A, t, len, &g));
	}
}
END_TEST

/* Made with A: B+A verifies (rotation), B alone does not. */
START_TEST(test_flow_other_secret_set)
{
	char tok[FLOW_TOKEN_MAXLEN + 1];
	struct flow f = flow_case(_i, 2), g;
	size_t n;

	n = token_of(SET_A, &f, tok);
	ck_assert(check_token(SET_BA, tok, n, &g));
	assert_flow_eq(&g, &f);
	ck_assert(!check_token(SET_B, tok, n, &g));
	n = token_of(SET_B, &f, tok);
	ck_assert(!check_token(SET_A, tok, n, &g));
	ck_assert(check_token(SET_BA, tok, n, &g));
}
END_TEST

/* Decode tok into raw (body + tag); returns the body length. */
static size_t
token_raw(const char *tok, size_t len, uint8_t *raw)
{
	size_t n = b64url_decode(tok, len, raw, 64);

	ck_assert_uint_gt(n, FLOW_TAGLEN);
	return (n - FLOW_TAGLEN);
}

/* Re-sign a token body of n bytes with key use of set; returns its text. */
static size_t
resign_token(int set, enum secret_use use, uint8_t *raw, size_t n, char *out)
{
	struct mac_part part = { raw, n };

	ck_assert_int_eq(mac_sign(macs[set], 0, use, &part, 1, raw + n,
			     FLOW_TAGLEN),
	    0);
	return (b64url_encode(raw, n + FLOW_TAGLEN, out));
}

/* The layout in token.h is the one in use. */
START_TEST(test_flow_layout)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], t[FLOW_TOKEN_MAXLEN + 16];
	struct flow f = flow_case(_i, 6);
	uint8_t raw[64];
	size_t n, len, alen, i;

	len = token_of(SET_BA, &f, tok);
	n = token_raw(tok, len, raw);
	ck_assert_uint_eq(raw[0], 1);
	ck_assert_uint_eq(raw[1] << 8 | raw[2], sets[SET_BA]->ss_v[0].s_id);
	ck_assert_uint_eq(raw[3], flows[_i].tp);
	ck_assert_uint_eq(raw[4], 6);
	alen = raw[5] == 4 ? 4 : 16;
	ck_assert_uint_eq(raw[5], sa_af(&f.f_addr) == AF_INET ? 4 : 6);
	ck_assert_uint_eq(n, 6 + alen + 2 + (f.f_tp == TP_UDP ? 0 : 8));
	ck_assert_uint_eq(raw[6 + alen] << 8 | raw[7 + alen], flows[_i].port);
	for (i = 0; f.f_tp != TP_UDP && i < 8; i++)
		ck_assert_uint_eq(raw[8 + alen + i],
		    (uint8_t)(f.f_conn >> (56 - 8 * i)));
	ck_assert_uint_eq(resign_token(SET_BA, SECRET_TOKEN, raw, n, t), len);
	ck_assert_str_eq(t, tok);
}
END_TEST

/*
 * Bodies with a valid MAC that must still be refused: unknown secret id,
 * version, transport, address family, family/length mismatch, port 0; and
 * a MAC made with the branch key (keys are per purpose).
 */
START_TEST(test_flow_fails_closed)
{
	char tok[FLOW_TOKEN_MAXLEN + 1], t[FLOW_TOKEN_MAXLEN + 16];
	struct flow f = flow_case(_i, 0), g;
	uint8_t raw[64];
	size_t n, len, tl;

	len = token_of(SET_A, &f, tok);
	/* Control: an unchanged body re-signed verifies. */
	n = token_raw(tok, len, raw);
	tl = resign_token(SET_A, SECRET_TOKEN, raw, n, t);
	ck_assert(check_token(SET_A, t, tl, &g));

#define REFUSED(stmt)                                                          \
	do {                                                                   \
		n = token_raw(tok, len, raw);                                  \
		stmt;                                                          \
		tl = resign_token(SET_A, SECRET_TOKEN, raw, n, t);             \
		ck_assert_msg(!check_token(SET_A, t, tl, &g),                  \
		    "accepted after %s", #stmt);                               \
	} while (0)

	REFUSED(raw[1] ^= 0x01);
	REFUSED(raw[0] = 2);
	REFUSED(raw[0] = 0);
	REFUSED(raw[3] = 3);
	REFUSED(raw[3] = 0xff);
	REFUSED(raw[5] = 5);
	REFUSED(raw[5] = (uint8_t)(raw[5] == 4 ? 6 : 4));
	REFUSED(raw[n - (f.f_tp == TP_UDP ? 2 : 10)] =
		    raw[n - (f.f_tp == TP_UDP ? 1 : 9)] = 0);
	/* A connection id where none belongs, or none where one must be. */
	REFUSED(raw[3] = (uint8_t)(raw[3] == TP_UDP ? TP_TCP : TP_UDP));
	REFUSED(n -= 1);
	REFUSED(raw[n] = 0; n += 1);
#undef REFUSED

	/* The branch key does not make token MACs. */
	n = token_raw(tok, len, raw);
	tl = resign_token(SET_A, SECRET_BRANCH, raw, n, t);
	ck_assert(!check_token(SET_A, t, tl, &g));
	n = token_raw(tok, len, raw);
	tl = resign_token(SET_A, SECRET_NONCE, raw, n, t);
	ck_assert(!check_token(SET_A, t, tl, &g));
}
END_TEST

/* Too long a token is refused before decoding. */
START_TEST(test_flow_too_long)
{
	char t[FLOW_TOKEN_MAXLEN + 4];
	struct flow g;

	memset(t, 'A', sizeof(t));
	ck_assert(!check_token(SET_A, t, FLOW_TOKEN_MAXLEN + 1, &g));
	ck_assert(!check_token(SET_A, t, FLOW_TOKEN_MAXLEN + 3, &g));
	ck_assert(!check_token(SET_A, t, FLOW_TOKEN_MAXLEN, &g));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("branch");
	int nrelays = (int)(sizeof(relays) / sizeof(relays[0]));
	int nflows = (int)(sizeof(flows) / sizeof(flows[0]));
	TCase *tc;

	tc = tcase_create("branch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_branch_roundtrip, 0, nrelays);
	tcase_add_test(tc, test_branch_retransmission);
	tcase_add_test(tc, test_branch_cancel_ack_3261);
	tcase_add_test(tc, test_branch_cancel_ack_2543);
	tcase_add_test(tc, test_branch_differs_3261);
	tcase_add_test(tc, test_branch_differs_2543);
	tcase_add_test(tc, test_branch_differs_by_relay);
	tcase_add_loop_test(tc, test_branch_tamper_every_char, 0, nrelays);
	tcase_add_test(tc, test_branch_wrong_relay);
	tcase_add_test(tc, test_branch_wrong_relay_v6);
	tcase_add_test(tc, test_branch_v4_mapped_relay);
	tcase_add_test(tc, test_branch_wrong_relay_conn);
	tcase_add_test(tc, test_branch_rotation);
	tcase_add_test(tc, test_branch_layout);
	tcase_add_test(tc, test_branch_unknown_id_version);
	tcase_add_test(tc, test_branch_wrong_length);
	tcase_add_test(tc, test_branch_is_ours);
	suite_add_tcase(s, tc);

	tc = tcase_create("flow");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_flow_roundtrip, 0, nflows);
	tcase_add_test(tc, test_flow_port_zero_not_signed);
	tcase_add_loop_test(tc, test_flow_deterministic, 0, nflows);
	tcase_add_loop_test(tc, test_flow_tamper_every_char, 0, nflows);
	tcase_add_loop_test(tc, test_flow_wrong_length, 0, nflows);
	tcase_add_loop_test(tc, test_flow_other_secret_set, 0, nflows);
	tcase_add_loop_test(tc, test_flow_layout, 0, nflows);
	tcase_add_loop_test(tc, test_flow_fails_closed, 0, nflows);
	tcase_add_test(tc, test_flow_too_long);
	suite_add_tcase(s, tc);
	return (s);
}
