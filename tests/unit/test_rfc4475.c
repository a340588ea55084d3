/*
 * Every RFC 4475 torture message (tests/data/rfc4475/) through the whole
 * pipeline, from a client and from the PBX, with the verdict sipwarden
 * gives each kept in one table: a change of verdict shows as a diff here.
 * The rules of tests/data/rfc4475/README.md hold for all: nothing broken
 * in a header the proxy relies on reaches the PBX, zeromf gets 483.
 * Both decoders (ours and libre's) must agree on every message both accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"
#include "tests/common/harness.h"
#include "tests/common/pkt_ref.h"
#include "tests/common/testutil.h"
#include "tests/unit/tests.h"

/* What sipwarden does with a message. */
enum verdict {
	V_FORWARD,   /* sent on (request to the PBX / response by Via) */
	V_CHALLENGE, /* 401 / 407 */
	V_400,
	V_483,
	V_DROP_MALFORMED,
	V_DROP_NOT_OURS,
};

static const char *const vnames[] = { "forward", "challenge", "400", "483",
	"drop malformed", "drop not_ours" };

/* The verdict for an untrusted source (authentication on), and for a
 * trusted one (forwarding alone). */
static const struct {
	const char *file;
	enum verdict v;
	enum verdict trusted;
} cases[] = {
	{ "wsinv", V_CHALLENGE, V_FORWARD },
	{ "intmeth", V_CHALLENGE, V_FORWARD },
	{ "esc01", V_CHALLENGE, V_FORWARD },
	{ "escnull", V_CHALLENGE, V_FORWARD },
	{ "esc02", V_CHALLENGE, V_FORWARD },
	{ "lwsdisp", V_CHALLENGE, V_FORWARD },
	{ "longreq", V_CHALLENGE, V_FORWARD },
	{ "dblreq", V_CHALLENGE, V_FORWARD },
	{ "semiuri", V_CHALLENGE, V_FORWARD },
	{ "transports", V_CHALLENGE, V_FORWARD },
	{ "mpart01", V_CHALLENGE, V_FORWARD },
	{ "unreason", V_DROP_NOT_OURS, V_DROP_NOT_OURS },
	{ "noreason", V_DROP_NOT_OURS, V_DROP_NOT_OURS },
	{ "badinv01", V_DROP_MALFORMED, V_DROP_MALFORMED },
	{ "clerr", V_400, V_400 },
	{ "ncl", V_400, V_400 },
	{ "scalar02", V_400, V_400 },
	{ "scalarlg", V_DROP_NOT_OURS, V_DROP_NOT_OURS },
	{ "quotbal", V_400, V_400 },
	{ "ltgtruri", V_400, V_400 },
	{ "lwsruri", V_400, V_400 },
	{ "lwsstart", V_400, V_400 },
	{ "trws", V_400, V_400 },
	{ "escruri", V_CHALLENGE, V_FORWARD },
	{ "baddate", V_CHALLENGE, V_FORWARD },
	{ "regbadct", V_CHALLENGE, V_FORWARD },
	{ "badaspec", V_CHALLENGE, V_FORWARD },
	{ "baddn", V_DROP_MALFORMED,
	    V_DROP_MALFORMED }, /* no empty line ends its headers */
	{ "badvers", V_DROP_MALFORMED,
	    V_DROP_MALFORMED }, /* its Via is SIP/7.0 too */
	{ "mismatch01", V_400, V_400 },
	{ "mismatch02", V_400, V_400 },
	{ "bigcode", V_DROP_MALFORMED, V_DROP_MALFORMED },
	{ "badbranch", V_CHALLENGE, V_FORWARD },
	{ "insuf", V_400, V_400 },
	{ "unkscm", V_CHALLENGE, V_FORWARD },
	{ "novelsc", V_CHALLENGE, V_FORWARD },
	{ "unksm2", V_CHALLENGE, V_FORWARD },
	{ "bext01", V_CHALLENGE, V_FORWARD },
	{ "invut", V_CHALLENGE, V_FORWARD },
	{ "regaut01", V_CHALLENGE, V_FORWARD },
	{ "multi01", V_400, V_400 },
	{ "mcl01", V_400, V_400 },
	{ "bcast", V_DROP_NOT_OURS, V_DROP_NOT_OURS },
	{ "zeromf", V_483, V_483 },
	{ "cparam01", V_CHALLENGE, V_FORWARD },
	{ "cparam02", V_CHALLENGE, V_FORWARD },
	{ "regescrt", V_CHALLENGE, V_FORWARD },
	{ "sdp01", V_CHALLENGE, V_FORWARD },
	{ "inv2543", V_CHALLENGE, V_FORWARD },
};

/* Messages are fed at time 0, as they always were here. */
static void
setup(void)
{
	harness_setup("trust 192.0.2.0/24\n");
	harness_now_ms = 0;
}

static size_t
load(const char *name, char *buf, size_t size)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/rfc4475/%s.dat", TEST_DATA,
	    name);
	return (tu_read(path, buf, size));
}

static enum verdict
verdict(const struct action *act)
{
	if (act->a_kind == ACT_DROP)
		return (act->a_drop == DROP_NOT_OURS ? V_DROP_NOT_OURS :
						       V_DROP_MALFORMED);
	if (strncmp(act->a_out, "SIP/2.0 401 ", 12) == 0 ||
	    strncmp(act->a_out, "SIP/2.0 407 ", 12) == 0)
		return (V_CHALLENGE);
	if (strncmp(act->a_out, "SIP/2.0 400 ", 12) == 0)
		return (V_400);
	if (strncmp(act->a_out, "SIP/2.0 483 ", 12) == 0)
		return (V_483);
	return (V_FORWARD);
}

/* Feed n bytes of buf from src over UDP; the action is harness_act. */
static const struct action *
run(const char *buf, size_t n, const char *src)
{
	harness_feed(buf, n, TP_UDP, 0, 0, src);
	return (&harness_act);
}

START_TEST(test_rfc4475_verdict)
{
	static char buf[PKT_MAXLEN];
	const struct action *act;
	enum verdict v;
	size_t n;

	n = load(cases[_i].file, buf, sizeof(buf));
	act = run(buf, n, "198.51.100.50:5060");
	v = verdict(act);
	ck_assert_msg(v == cases[_i].v, "%s: %s, table says %s", cases[_i].file,
	    vnames[v], vnames[cases[_i].v]);
}
END_TEST

START_TEST(test_rfc4475_verdict_trusted)
{
	static char buf[PKT_MAXLEN];
	const struct action *act;
	enum verdict v;
	size_t n;

	n = load(cases[_i].file, buf, sizeof(buf));
	act = run(buf, n, "192.0.2.50:5060");
	v = verdict(act);
	ck_assert_msg(v == cases[_i].trusted, "%s: %s, table says %s",
	    cases[_i].file, vnames[v], vnames[cases[_i].trusted]);
	if (v == V_FORWARD && act->a_kind == ACT_SEND && act->a_out[0] != 'S') {
		/* Forwarded requests go to the upstream, and stay SIP. */
		char a[ADDR_STRLEN];

		(void)addr_fmt(&act->a_dst.f_addr, a, sizeof(a));
		ck_assert_str_eq(a, "127.0.0.1:5080");
		ck_assert_int_eq(pkt_scan(&harness_pc->pc_pkt, act->a_out,
				     act->a_outlen),
		    PKT_OK);
	}
}
END_TEST

START_TEST(test_rfc4475_from_pbx_never_crashes)
{
	static char buf[PKT_MAXLEN];
	const struct action *act;
	size_t n;

	/* The same bytes from the PBX side: requests go towards clients. */
	n = load(cases[_i].file, buf, sizeof(buf));
	act = run(buf, n, "127.0.0.1:5080");
	ck_assert(act->a_kind == ACT_DROP || act->a_kind == ACT_SEND);
}
END_TEST

START_TEST(test_rfc4475_decoders_agree)
{
	static char buf[PKT_MAXLEN];
	char why[512];
	bool both;
	size_t n;

	n = load(cases[_i].file, buf, sizeof(buf));
	ck_assert_msg(pkt_ref_agree(buf, n, &both, why, sizeof(why)), "%s: %s",
	    cases[_i].file, why);
}
END_TEST

START_TEST(test_rfc4475_every_file_in_table)
{
	/* 49 messages in RFC 4475, one row each. */
	ck_assert_uint_eq(sizeof(cases) / sizeof(cases[0]), 49);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("rfc4475");
	TCase *tc = tcase_create("rfc4475");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_add_checked_fixture(tc, setup, harness_teardown);
	tcase_add_loop_test(tc, test_rfc4475_verdict, 0, n);
	tcase_add_loop_test(tc, test_rfc4475_verdict_trusted, 0, n);
	tcase_add_loop_test(tc, test_rfc4475_from_pbx_never_crashes, 0, n);
	tcase_add_loop_test(tc, test_rfc4475_decoders_agree, 0, n);
	tcase_add_test(tc, test_rfc4475_every_file_in_table);
	suite_add_tcase(s, tc);
	return (s);
}
