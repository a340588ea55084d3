/*
 * core/sipuri.c: SIP URI comparison (RFC 3261 section 19.1.4).  The table
 * starts with the RFC's own examples, in its order, then the rules one by
 * one.  Every pair is checked both ways, and each URI against itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "core/sipuri.h"
#include "tests.h"

static bool
eq(const char *a, const char *b)
{
	struct pl pa, pb;

	pa.p = a;
	pa.l = strlen(a);
	pb.p = b;
	pb.l = strlen(b);
	return (sipuri_equal(&pa, &pb));
}

static const struct {
	const char *a;
	const char *b;
	bool want;
} cases[] = {
	/* RFC 3261 19.1.4: "The URIs within each of the following sets are
	 * equivalent". */
	{ "sip:%61lice@atlanta.com;transport=TCP",
	    "sip:alice@AtLanTa.CoM;Transport=tcp", true },
	{ "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", true },
	{ "sip:carol@chicago.com", "sip:carol@chicago.com;security=on", true },
	{ "sip:carol@chicago.com;newparam=5",
	    "sip:carol@chicago.com;security=on", true },
	{ "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi."
	  "com",
	    "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi."
	    "com",
	    true },
	/*
	 * The RFC's last equal pair differs only in the order of its
	 * headers.  sipuri.h documents comparing headers in order (a
	 * simplification), so this implementation calls them different;
	 * see test_sipuri_headers_order.
	 */

	/* "The URIs within each of the following sets are not equivalent". */
	{ "SIP:ALICE@AtLanTa.CoM;Transport=udp",
	    "sip:alice@AtLanTa.CoM;Transport=UDP", false },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", false },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", false },
	{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp",
	    false },
	{ "sip:carol@chicago.com",
	    "sip:carol@chicago.com?Subject=next%20meeting", false },
	{ "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", false },
	/* "Note that equality is not transitive". */
	{ "sip:carol@chicago.com", "sip:carol@chicago.com;security=off", true },
	{ "sip:carol@chicago.com;security=on",
	    "sip:carol@chicago.com;security=off", false },

	/* Scheme. */
	{ "sips:alice@atlanta.com", "sip:alice@atlanta.com", false },
	{ "SIPS:alice@atlanta.com", "sips:alice@atlanta.com", true },
	{ "Sip:alice@atlanta.com", "sIP:alice@atlanta.com", true },
	{ "sips:alice@atlanta.com;transport=tcp",
	    "sip:alice@atlanta.com;transport=tcp", false },

	/* Userinfo: case-sensitive, compared unescaped. */
	{ "sip:Alice@atlanta.com", "sip:alice@atlanta.com", false },
	{ "sip:%41lice@atlanta.com", "sip:Alice@atlanta.com", true },
	{ "sip:%41lice@atlanta.com", "sip:alice@atlanta.com", false },
	{ "sip:%6c%69ce@atlanta.com", "sip:%6C%69%63%65@atlanta.com", true },
	{ "sip:alice:secretword@atlanta.com",
	    "sip:alice:secretword@atlanta.com", true },
	{ "sip:alice:secretword@atlanta.com",
	    "sip:alice:SecretWord@atlanta.com", false },
	{ "sip:alice:secret%77ord@atlanta.com",
	    "sip:alice:secretword@atlanta.com", true },
	{ "sip:alice@atlanta.com", "sip:alice:@atlanta.com", false },
	{ "sip:alice@atlanta.com", "sip:atlanta.com", false },
	{ "sip:alice;day=tuesday@atlanta.com",
	    "sip:alice;day=tuesday@atlanta.com", true },
	{ "sip:alice;day=tuesday@atlanta.com",
	    "sip:alice@atlanta.com;day=tuesday", false },
	{ "sip:+1-212-555-1212:1234@gateway.com;user=phone",
	    "sip:+1-212-555-1212:1234@gateway.com;USER=Phone", true },
	{ "sip:%2541@atlanta.com", "sip:%41@atlanta.com", false },

	/* Host: case-insensitive. */
	{ "sip:alice@ATLANTA.COM", "sip:alice@atlanta.com", true },
	{ "sip:alice@atlanta.com", "sip:alice@atlanta.org", false },
	{ "sip:alice@atlanta.com", "sip:alice@www.atlanta.com", false },
	{ "sip:alice@192.0.2.1", "sip:alice@192.0.2.10", false },

	/* Port: both absent or the same. */
	{ "sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:5060", true },
	{ "sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:5061", false },
	{ "sip:alice@atlanta.com:5060", "sip:alice@atlanta.com:506", false },
	{ "sip:alice@atlanta.com:5061;transport=tls",
	    "sip:alice@atlanta.com;transport=tls", false },
	/* The same number however many leading zeros (found by fuzz_digest:
	 * more than 10 digits was not equal to itself). */
	{ "sip:bob@biloxi.com:00000000005060", "sip:bob@biloxi.com:5060",
	    true },
	{ "sip:bob@biloxi.com:"
	  "0000000000000000000000000000000000000000000005060",
	    "sip:bob@biloxi.com:05060", true },
	/* Not modulo 2^32: 4294972356 is 5060 + 2^32. */
	{ "sip:bob@biloxi.com:4294972356", "sip:bob@biloxi.com:5060", false },
	{ "sip:bob@biloxi.com:4294967296", "sip:bob@biloxi.com:0", false },
	{ "sip:bob@biloxi.com:99999999999999999999", "sip:bob@biloxi.com:5060",
	    false },
	{ "sip:bob@biloxi.com:5060x", "sip:bob@biloxi.com:5060", false },

	/* IPv6 references. */
	{ "sip:[2001:db8::10]", "sip:[2001:DB8::10]", true },
	{ "sip:alice@[2001:db8::10]:5070", "sip:alice@[2001:db8::10]:5070",
	    true },
	{ "sip:alice@[2001:db8::10]:5070", "sip:alice@[2001:db8::10]", false },
	{ "sip:alice@[2001:db8::10]", "sip:alice@[2001:db8::11]", false },
	{ "sip:alice@[2001:db8::10];transport=tcp",
	    "sip:alice@[2001:DB8::10];TRANSPORT=TCP", true },
	{ "sip:alice@[2001:db8::10];maddr=[2001:db8::1]",
	    "sip:alice@[2001:db8::10];maddr=[2001:DB8::1]", true },
	{ "sip:[::ffff:192.0.2.1]", "sip:192.0.2.1", false },
	{ "sip:[2001:db8::10]:5060", "sip:[2001:db8::10]:5061", false },

	/* user, ttl, method, maddr (and transport): in both or in neither. */
	{ "sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com", false },
	{ "sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com;user=ip",
	    false },
	{ "sip:alice@atlanta.com;ttl=15", "sip:alice@atlanta.com", false },
	{ "sip:alice@atlanta.com;ttl=15", "sip:alice@atlanta.com;ttl=16",
	    false },
	{ "sip:alice@atlanta.com;method=INVITE", "sip:alice@atlanta.com",
	    false },
	{ "sip:alice@atlanta.com;method=INVITE",
	    "sip:alice@atlanta.com;method=invite", true },
	{ "sip:alice@atlanta.com;maddr=239.255.255.1", "sip:alice@atlanta.com",
	    false },
	{ "sip:alice@atlanta.com;maddr=239.255.255.1",
	    "sip:alice@atlanta.com;MADDR=239.255.255.1", true },
	{ "sip:alice@atlanta.com;transport=tcp",
	    "sip:alice@atlanta.com;transport=udp", false },

	/* Other parameters: ignored in one, must match in both. */
	{ "sip:alice@atlanta.com;lr", "sip:alice@atlanta.com", true },
	{ "sip:alice@atlanta.com;lr", "sip:alice@atlanta.com;lr", true },
	{ "sip:alice@atlanta.com;lr", "sip:alice@atlanta.com;LR", true },
	{ "sip:alice@atlanta.com;a=1;b=2", "sip:alice@atlanta.com;b=2;a=1",
	    true },
	{ "sip:alice@atlanta.com;a=1;b=2", "sip:alice@atlanta.com;b=3;a=1",
	    false },
	{ "sip:alice@atlanta.com;foo=Bar", "sip:alice@atlanta.com;FOO=bar",
	    true },
	{ "sip:alice@atlanta.com;foo=%42ar", "sip:alice@atlanta.com;foo=bar",
	    true },
	{ "sip:alice@atlanta.com;foo=1", "sip:alice@atlanta.com;foo=2", false },
	{ "sip:alice@atlanta.com;foo=1", "sip:alice@atlanta.com;bar=2", true },

	/* Headers: must be in both and match. */
	{ "sip:alice@atlanta.com?subject=x", "sip:alice@atlanta.com?subject=x",
	    true },
	{ "sip:alice@atlanta.com?subject=project%20x",
	    "sip:alice@atlanta.com?subject=project x", true },
	{ "sip:alice@atlanta.com?subject=x", "sip:alice@atlanta.com?subject=y",
	    false },
	{ "sip:alice@atlanta.com;lr?subject=x",
	    "sip:alice@atlanta.com?subject=x", true },

	/* Anything but sip: and sips: is compared byte for byte. */
	{ "tel:+1-201-555-0123", "tel:+1-201-555-0123", true },
	{ "tel:+1-201-555-0123", "TEL:+1-201-555-0123", false },
	{ "tel:+1-201-555-0123;phone-context=x",
	    "tel:+1-201-555-0123;Phone-Context=x", false },
	{ "sip:+1-201-555-0123@atlanta.com", "tel:+1-201-555-0123", false },
	{ "/dir/index.html", "/dir/index.html", true },
	{ "/dir/index.html", "/dir/Index.html", false },
	{ "/dir/%69ndex.html", "/dir/index.html", false },
	{ "urn:service:sos", "urn:service:sos", true },
	{ "sipx:alice@atlanta.com", "SIPX:alice@atlanta.com", false },
	{ "sip", "sip", true },
	{ "sip", "SIP", false },
	{ "", "", true },
	{ "", "sip:alice@atlanta.com", false },
	{ "sip:", "sip:", true },
	{ "sip:", "sips:", false },
};

/* Every prefix of a against b, from exact copies (ASan: no byte past l). */
static void
prefixes(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	struct pl pa, pb;
	char *ca, *cb;

	ck_assert_ptr_nonnull(cb = malloc(lb > 0 ? lb : 1));
	memcpy(cb, b, lb);
	pb.p = cb;
	pb.l = lb;
	for (i = 0; i <= la; i++) {
		ck_assert_ptr_nonnull(ca = malloc(i > 0 ? i : 1));
		memcpy(ca, a, i);
		pa.p = ca;
		pa.l = i;
		(void)sipuri_equal(&pa, &pb);
		(void)sipuri_equal(&pb, &pa);
		(void)sipuri_equal(&pa, &pa);
		free(ca);
	}
	free(cb);
}

START_TEST(test_sipuri_table)
{
	const char *a = cases[_i].a, *b = cases[_i].b;

	ck_assert_msg(eq(a, b) == cases[_i].want, "%s vs %s: want %s", a, b,
	    cases[_i].want ? "equal" : "different");
	ck_assert_msg(eq(b, a) == cases[_i].want, "%s vs %s: want %s", b, a,
	    cases[_i].want ? "equal" : "different");
	ck_assert_msg(eq(a, a), "%s is not itself", a);
	ck_assert_msg(eq(b, b), "%s is not itself", b);
	prefixes(a, b);
	prefixes(b, a);
}
END_TEST

/*
 * RFC 3261's last equal pair.  sipuri.h says headers are compared in
 * order, "a simplification of the RFC's any-order rule": this records
 * that the simplification is what the code does (it fails safe for the
 * digest uri check, whose uri is the Request-URI copied by the client).
 */
START_TEST(test_sipuri_headers_order)
{
	ck_assert(
	    !eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		"sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}
END_TEST

/* A URI split as a digest "uri" would be: at no NUL, just by length. */
START_TEST(test_sipuri_prefix_not_equal)
{
	struct pl a, b;

	pl_set_str(&a, "sip:alice@atlanta.com;transport=tcp");
	b = a;
	b.l -= 4;
	ck_assert(!sipuri_equal(&a, &b));
	b.l = 4;
	ck_assert(!sipuri_equal(&a, &b));
}
END_TEST

/*
 * sipuri.h: "port: both absent or the same number".  5060 and 05060 are
 * the same number (port = 1*DIGIT, RFC 3261 25.1).
 */
START_TEST(test_sipuri_port_number)
{
	ck_assert_msg(eq("sip:bob@biloxi.com:05060", "sip:bob@biloxi.com:5060"),
	    "port 05060 is not 5060");
}
END_TEST

/*
 * A parameter present in both URIs must match (RFC 3261 19.1.4), whatever
 * the length of its name.
 */
START_TEST(test_sipuri_long_param_name)
{
	char a[256], b[256], name[80];

	memset(name, 'p', 70);
	name[70] = '\0';
	(void)snprintf(a, sizeof(a), "sip:alice@atlanta.com;%s=1", name);
	(void)snprintf(b, sizeof(b), "sip:alice@atlanta.com;%s=2", name);
	ck_assert_msg(!eq(a, b), "%s equals %s", a, b);
}
END_TEST

/* Every URI equals itself, also with a parameter given twice. */
START_TEST(test_sipuri_reflexive_repeated_param)
{
	static const char u[] = "sip:alice@atlanta.com;foo=1;foo=2";

	ck_assert_msg(eq(u, u), "%s is not itself", u);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("sipuri");
	TCase *tc;
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tc = tcase_create("rfc3261");
	tcase_add_loop_test(tc, test_sipuri_table, 0, n);
	tcase_add_test(tc, test_sipuri_headers_order);
	tcase_add_test(tc, test_sipuri_prefix_not_equal);
	tcase_add_test(tc, test_sipuri_port_number);
	tcase_add_test(tc, test_sipuri_long_param_name);
	tcase_add_test(tc, test_sipuri_reflexive_repeated_param);
	suite_add_tcase(s, tc);
	return (s);
}
