/*
 * core/addr.c: host:port, transport and CIDR parsing, matching, printing,
 * address bytes.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "tests/common/testutil.h"
#include "tests.h"

static const struct {
	const char *in;
	int af;
	const char *ip;
	uint16_t port;
} hostport_ok[] = {
	{ "1.2.3.4:5060", AF_INET, "1.2.3.4", 5060 },
	{ "0.0.0.0:1", AF_INET, "0.0.0.0", 1 },
	{ "255.255.255.255:65535", AF_INET, "255.255.255.255", 65535 },
	{ "[::1]:5060", AF_INET6, "::1", 5060 },
	{ "[2001:db8::1]:5061", AF_INET6, "2001:db8::1", 5061 },
	{ "[::ffff:192.0.2.1]:5060", AF_INET6, "::ffff:192.0.2.1", 5060 },
	{ "[::]:5080", AF_INET6, "::", 5080 },
};

START_TEST(test_addr_parse_hostport_ok)
{
	char ip[64];
	struct sa sa;
	const char *in = hostport_ok[_i].in;

	ck_assert_int_eq(addr_parse_hostport(in, strlen(in), &sa), 0);
	ck_assert_int_eq(sa_af(&sa), hostport_ok[_i].af);
	ck_assert_uint_eq(sa_port(&sa), hostport_ok[_i].port);
	ck_assert_uint_gt(addr_fmt_ip(&sa, ip, sizeof(ip)), 0);
	ck_assert_str_eq(ip, hostport_ok[_i].ip);
}
END_TEST

static const char *const hostport_bad[] = {
	"",
	"1.2.3.4",
	"1.2.3.4:",
	"1.2.3.4:0",
	"1.2.3.4:65536",
	"1.2.3.4:99999999",
	"1.2.3.4:50a",
	"1.2.3.4:+506",
	"1.2.3.4:-1",
	"1.2.3.4:5060 ",
	" 1.2.3.4:5060",
	"1.2.3.4:5060:1",
	"1.2.3:5060",
	"1.2.3.256:5060",
	"example.com:5060",
	":5060",
	"::1:5060",
	"2001:db8::1:5060",
	"[::1]5060",
	"[::1]:",
	"[::1]",
	"[::1:5060",
	"[::1]:5060x",
	"[]:5060",
	"[1.2.3.4]:5060",
	"[fe80::1%eth0]:5060",
	"[::1]]:5060",
};

START_TEST(test_addr_parse_hostport_bad)
{
	struct sa sa;
	const char *in = hostport_bad[_i];

	ck_assert_msg(addr_parse_hostport(in, strlen(in), &sa) == EINVAL,
	    "accepted '%s'", in);
}
END_TEST

START_TEST(test_addr_parse_hostport_len_bounds_input)
{
	const char in[] = "1.2.3.4:50609";
	struct sa sa;

	ck_assert_int_eq(addr_parse_hostport(in, 12, &sa), 0);
	ck_assert_uint_eq(sa_port(&sa), 5060);
}
END_TEST

START_TEST(test_addr_parse_hostport_nul_inside)
{
	const char in[] = "1.2.3.4\0:5060";
	struct sa sa;

	ck_assert_int_eq(addr_parse_hostport(in, sizeof(in) - 1, &sa), EINVAL);
}
END_TEST

static const struct {
	const char *in;
	uint16_t want;
	int err;
} port_cases[] = {
	{ "1", 1, 0 },
	{ "5060", 5060, 0 },
	{ "65535", 65535, 0 },
	{ "0", 0, EINVAL },
	{ "65536", 0, EINVAL },
	{ "", 0, EINVAL },
	{ "123456", 0, EINVAL },
	{ "12a", 0, EINVAL },
	{ "-1", 0, EINVAL },
};

START_TEST(test_addr_parse_port_table)
{
	uint16_t port = 0;
	const char *in = port_cases[_i].in;

	ck_assert_int_eq(addr_parse_port(in, strlen(in), &port),
	    port_cases[_i].err);
	if (port_cases[_i].err == 0)
		ck_assert_uint_eq(port, port_cases[_i].want);
}
END_TEST

static const struct {
	const char *in;
	int err;
	enum transport tp;
	const char *fmt;
} tp_cases[] = {
	{ "udp:127.0.0.1:5060", 0, TP_UDP, "127.0.0.1:5060" },
	{ "tcp:[::1]:5060", 0, TP_TCP, "[::1]:5060" },
	{ "tls:0.0.0.0:5061", 0, TP_TLS, "0.0.0.0:5061" },
	{ "sctp:1.2.3.4:5060", EPROTO, TP_UDP, NULL },
	{ "UDP:1.2.3.4:5060", EPROTO, TP_UDP, NULL },
	{ "1.2.3.4:5060", EPROTO, TP_UDP, NULL },
	{ "[::1]:5060", EPROTO, TP_UDP, NULL },
	{ "udp", EPROTO, TP_UDP, NULL },
	{ "udp:", EINVAL, TP_UDP, NULL },
	{ "udp:1.2.3.4", EINVAL, TP_UDP, NULL },
	{ "udp:1.2.3.4:0", EINVAL, TP_UDP, NULL },
	{ "", EINVAL, TP_UDP, NULL },
};

START_TEST(test_addr_parse_tp_table)
{
	enum transport tp;
	char buf[ADDR_STRLEN];
	struct sa sa;
	const char *in = tp_cases[_i].in;

	ck_assert_int_eq(addr_parse_tp(in, strlen(in), &tp, &sa),
	    tp_cases[_i].err);
	if (tp_cases[_i].err != 0)
		return;
	ck_assert_int_eq(tp, tp_cases[_i].tp);
	ck_assert_uint_gt(addr_fmt(&sa, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, tp_cases[_i].fmt);
}
END_TEST

static const struct {
	const char *in;
	int af;
	unsigned bits;
	const char *net; /* the network address after masking */
} cidr_ok[] = {
	{ "10.0.0.0/8", AF_INET, 8, "10.0.0.0" },
	{ "10.1.2.3/8", AF_INET, 8, "10.0.0.0" },
	{ "192.0.2.77/25", AF_INET, 25, "192.0.2.0" },
	{ "192.0.2.200/25", AF_INET, 25, "192.0.2.128" },
	{ "1.2.3.4", AF_INET, 32, "1.2.3.4" },
	{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
	{ "2001:db8::/32", AF_INET6, 32, "2001:db8::" },
	{ "2001:db8:ffff::1/33", AF_INET6, 33, "2001:db8:8000::" },
	{ "2001:db8::1", AF_INET6, 128, "2001:db8::1" },
	{ "::/0", AF_INET6, 0, "::" },
	{ "::ffff:10.0.0.0/104", AF_INET, 8, "10.0.0.0" },
	{ "::ffff:192.0.2.1", AF_INET, 32, "192.0.2.1" },
};

START_TEST(test_addr_parse_cidr_ok)
{
	struct cidr c;
	uint8_t want[16];
	const char *in = cidr_ok[_i].in;

	memset(&c, 0xa5, sizeof(c));
	memset(want, 0, sizeof(want));
	ck_assert_int_eq(addr_parse_cidr(in, strlen(in), &c), 0);
	ck_assert_int_eq(c.ci_af, cidr_ok[_i].af);
	ck_assert_uint_eq(c.ci_bits, cidr_ok[_i].bits);
	ck_assert_int_eq(inet_pton(cidr_ok[_i].af, cidr_ok[_i].net, want), 1);
	ck_assert_mem_eq(c.ci_addr, want, sizeof(want));
}
END_TEST

static const char *const cidr_bad[] = {
	"",
	"10.0.0.0/33",
	"::/129",
	"10.0.0.0/",
	"/8",
	"10.0.0.0/8/8",
	"10.0.0.0/-1",
	"10.0.0.0/ 8",
	"10.0.0.0/8 ",
	"10.0.0.0/1000",
	"10.0.0.0/8x",
	"garbage",
	"10.0.0",
	"[::1]/128",
	"example.com/24",
};

START_TEST(test_addr_parse_cidr_bad)
{
	struct cidr c;
	const char *in = cidr_bad[_i];

	ck_assert_msg(addr_parse_cidr(in, strlen(in), &c) == EINVAL,
	    "accepted '%s'", in);
}
END_TEST

static const struct {
	const char *cidr;
	const char *addr;
	bool want;
} match_cases[] = {
	{ "10.0.0.0/8", "10.255.1.2", true },
	{ "10.0.0.0/8", "11.0.0.1", false },
	{ "192.0.2.128/25", "192.0.2.129", true },
	{ "192.0.2.128/25", "192.0.2.127", false },
	{ "1.2.3.4", "1.2.3.4", true },
	{ "1.2.3.4", "1.2.3.5", false },
	{ "0.0.0.0/0", "203.0.113.7", true },
	{ "10.0.0.0/8", "::ffff:10.1.2.3", true },
	{ "10.0.0.0/8", "::ffff:11.1.2.3", false },
	{ "::ffff:10.0.0.0/104", "10.9.9.9", true },
	{ "2001:db8::/32", "2001:db8:1::7", true },
	{ "2001:db8::/32", "2001:db9::7", false },
	{ "2001:db8::/33", "2001:db8:7fff::1", true },
	{ "2001:db8::/33", "2001:db8:8000::1", false },
	{ "::/0", "2001:db8::1", true },
	{ "::/0", "192.0.2.1", false },
	{ "::/0", "::ffff:192.0.2.1", false },
	{ "0.0.0.0/0", "2001:db8::1", false },
};

START_TEST(test_addr_cidr_match_table)
{
	struct cidr c;
	struct sa sa;
	const char *in = match_cases[_i].cidr;

	ck_assert_int_eq(addr_parse_cidr(in, strlen(in), &c), 0);
	tu_set_sa(&sa, match_cases[_i].addr, 5060);
	ck_assert_msg(addr_cidr_match(&c, &sa) == match_cases[_i].want,
	    "%s in %s", match_cases[_i].addr, in);
}
END_TEST

START_TEST(test_addr_cidr_match_unset_sa)
{
	struct cidr c;
	struct sa sa;

	sa_init(&sa, AF_UNSPEC);
	ck_assert_int_eq(addr_parse_cidr("0.0.0.0/0", 9, &c), 0);
	ck_assert(!addr_cidr_match(&c, &sa));
}
END_TEST

static const struct {
	const char *ip;
	uint16_t port;
	const char *want;
} fmt_cases[] = {
	{ "203.0.113.7", 5060, "203.0.113.7:5060" },
	{ "2001:db8::1", 5060, "[2001:db8::1]:5060" },
	{ "::1", 65535, "[::1]:65535" },
	{ "::ffff:192.0.2.1", 1, "[::ffff:192.0.2.1]:1" },
};

START_TEST(test_addr_fmt_table)
{
	char buf[ADDR_STRLEN];
	struct sa sa;

	tu_set_sa(&sa, fmt_cases[_i].ip, fmt_cases[_i].port);
	ck_assert_uint_eq(addr_fmt(&sa, buf, sizeof(buf)),
	    strlen(fmt_cases[_i].want));
	ck_assert_str_eq(buf, fmt_cases[_i].want);
}
END_TEST

START_TEST(test_addr_fmt_longest_fits)
{
	char buf[ADDR_STRLEN];
	struct sa sa;
	const char *ip = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

	tu_set_sa(&sa, ip, 65535);
	ck_assert_uint_eq(addr_fmt(&sa, buf, sizeof(buf)), ADDR_STRLEN - 1);
	ck_assert_str_eq(buf,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}
END_TEST

/*
 * IPv4 is formatted by hand (no sprintf on the packet path): the same text
 * as inet_ntop() for every octet value in every position, with ports of
 * each length; a buffer one byte short gets nothing.
 */
START_TEST(test_addr_fmt_ip4_as_inet_ntop)
{
	static const uint16_t ports[] = { 0, 7, 10, 99, 100, 5060, 65535 };
	char want[64], got[ADDR_STRLEN], hp[80];
	struct sockaddr_in sin;
	unsigned v, pos;
	struct sa sa;
	size_t n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	for (pos = 0; pos < 4; pos++) {
		for (v = 0; v < 256; v++) {
			uint8_t b[4] = { 192, 0, 2, 1 };

			b[pos] = (uint8_t)v;
			memcpy(&sin.sin_addr, b, 4);
			sin.sin_port = htons(ports[v % 7]);
			ck_assert_int_eq(sa_set_sa(&sa,
					     (struct sockaddr *)&sin),
			    0);
			ck_assert_ptr_nonnull(
			    inet_ntop(AF_INET, b, want, sizeof(want)));
			n = addr_fmt_ip(&sa, got, sizeof(got));
			ck_assert_str_eq(got, want);
			ck_assert_uint_eq(n, strlen(want));
			ck_assert_uint_eq(addr_fmt_ip(&sa, got, n), 0);
			ck_assert_str_eq(got, "");
			ck_assert_uint_eq(addr_fmt_ip(&sa, got, n + 1), n);
			(void)snprintf(hp, sizeof(hp), "%s:%u", want,
			    (unsigned)ports[v % 7]);
			ck_assert_uint_eq(addr_fmt(&sa, got, sizeof(got)),
			    strlen(hp));
			ck_assert_str_eq(got, hp);
			ck_assert_uint_eq(addr_fmt(&sa, got, strlen(hp)), 0);
			ck_assert_uint_eq(addr_fmt(&sa, got, strlen(hp) + 1),
			    strlen(hp));
		}
	}
	ck_assert_uint_eq(addr_fmt(NULL, got, sizeof(got)), 0);
	ck_assert_uint_eq(addr_fmt_ip(NULL, got, sizeof(got)), 0);
}
END_TEST

START_TEST(test_addr_fmt_small_buffer)
{
	char buf[10];
	struct sa sa;

	ck_assert_int_eq(sa_set_str(&sa, "203.0.113.7", 5060), 0);
	ck_assert_uint_eq(addr_fmt(&sa, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_addr_fmt_unset)
{
	char buf[ADDR_STRLEN];
	struct sa sa;

	sa_init(&sa, AF_UNSPEC);
	ck_assert_uint_eq(addr_fmt(&sa, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(addr_fmt(NULL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_addr_fmt_ip_v6_no_brackets)
{
	char buf[ADDR_STRLEN];
	struct sa sa;

	tu_set_sa(&sa, "2001:db8::7", 5060);
	ck_assert_uint_eq(addr_fmt_ip(&sa, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "2001:db8::7");
}
END_TEST

START_TEST(test_addr_tp_name_all)
{
	ck_assert_str_eq(addr_tp_name(TP_UDP), "udp");
	ck_assert_str_eq(addr_tp_name(TP_TCP), "tcp");
	ck_assert_str_eq(addr_tp_name(TP_TLS), "tls");
	ck_assert_str_eq(addr_tp_name((enum transport)42), "?");
}
END_TEST

START_TEST(test_addr_tp_via_all)
{
	ck_assert_str_eq(addr_tp_via(TP_UDP), "UDP");
	ck_assert_str_eq(addr_tp_via(TP_TCP), "TCP");
	ck_assert_str_eq(addr_tp_via(TP_TLS), "TLS");
	ck_assert_str_eq(addr_tp_via((enum transport)42), "?");
}
END_TEST

#define NITEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/*
 * addr_bytes: network order, 4 bytes for IPv4 and for exactly the prefix
 * ::ffff:0:0/96, 16 for every other IPv6 address (its neighbours too).
 */
static const struct {
	const char *ip;
	size_t want;
	uint8_t bytes[16];
} bytes_cases[] = {
	{ "192.0.2.1", 4, { 192, 0, 2, 1 } },
	{ "0.0.0.0", 4, { 0 } },
	{ "::ffff:192.0.2.1", 4, { 192, 0, 2, 1 } },
	{ "::ffff:0.0.0.0", 4, { 0 } },
	{ "::ffff:255.255.255.255", 4, { 255, 255, 255, 255 } },
	{ "2001:db8::1", 16,
	    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "::1", 16, { [15] = 1 } },
	{ "::fffe:192.0.2.1", 16,
	    { [10] = 0xff, [11] = 0xfe, [12] = 192, [14] = 2, [15] = 1 } },
	{ "::192.0.2.1", 16, { [12] = 192, [14] = 2, [15] = 1 } },
	{ "1::ffff:192.0.2.1", 16,
	    { [1] = 1,
		[10] = 0xff,
		[11] = 0xff,
		[12] = 192,
		[14] = 2,
		[15] = 1 } },
	{ "64:ff9b::192.0.2.1", 16,
	    { [1] = 0x64,
		[2] = 0xff,
		[3] = 0x9b,
		[12] = 192,
		[14] = 2,
		[15] = 1 } },
};

START_TEST(test_addr_bytes_table)
{
	uint8_t out[17];
	struct sa sa;

	tu_set_sa(&sa, bytes_cases[_i].ip, 5060);
	memset(out, 0xa5, sizeof(out));
	ck_assert_uint_eq(addr_bytes(&sa, out), bytes_cases[_i].want);
	ck_assert_mem_eq(out, bytes_cases[_i].bytes, bytes_cases[_i].want);
	ck_assert_uint_eq(out[16], 0xa5);
}
END_TEST

/* Neither family: 0, and nothing written. */
START_TEST(test_addr_bytes_unset)
{
	uint8_t out[16];
	struct sa sa;

	sa_init(&sa, AF_UNSPEC);
	memset(out, 0xa5, sizeof(out));
	ck_assert_uint_eq(addr_bytes(&sa, out), 0);
	ck_assert_uint_eq(out[0], 0xa5);
	ck_assert_uint_eq(out[15], 0xa5);
}
END_TEST

/* The port plays no part. */
START_TEST(test_addr_bytes_port_ignored)
{
	uint8_t a[16], b[16];
	struct sa x, y;

	tu_set_sa(&x, "::ffff:10.1.2.3", 5060);
	tu_set_sa(&y, "10.1.2.3", 1);
	ck_assert_uint_eq(addr_bytes(&x, a), 4);
	ck_assert_uint_eq(addr_bytes(&y, b), 4);
	ck_assert_mem_eq(a, b, 4);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_addr_parse_hostport_ok, 0,
	    NITEMS(hostport_ok));
	tcase_add_loop_test(tc, test_addr_parse_hostport_bad, 0,
	    NITEMS(hostport_bad));
	tcase_add_test(tc, test_addr_parse_hostport_len_bounds_input);
	tcase_add_test(tc, test_addr_parse_hostport_nul_inside);
	tcase_add_loop_test(tc, test_addr_parse_port_table, 0,
	    NITEMS(port_cases));
	tcase_add_loop_test(tc, test_addr_parse_tp_table, 0, NITEMS(tp_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("cidr");
	tcase_add_loop_test(tc, test_addr_parse_cidr_ok, 0, NITEMS(cidr_ok));
	tcase_add_loop_test(tc, test_addr_parse_cidr_bad, 0, NITEMS(cidr_bad));
	tcase_add_loop_test(tc, test_addr_cidr_match_table, 0,
	    NITEMS(match_cases));
	tcase_add_test(tc, test_addr_cidr_match_unset_sa);
	tcase_add_loop_test(tc, test_addr_bytes_table, 0, NITEMS(bytes_cases));
	tcase_add_test(tc, test_addr_bytes_unset);
	tcase_add_test(tc, test_addr_bytes_port_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("fmt");
	tcase_add_loop_test(tc, test_addr_fmt_table, 0, NITEMS(fmt_cases));
	tcase_add_test(tc, test_addr_fmt_longest_fits);
	tcase_add_test(tc, test_addr_fmt_ip4_as_inet_ntop);
	tcase_add_test(tc, test_addr_fmt_small_buffer);
	tcase_add_test(tc, test_addr_fmt_unset);
	tcase_add_test(tc, test_addr_fmt_ip_v6_no_brackets);
	tcase_add_test(tc, test_addr_tp_name_all);
	tcase_add_test(tc, test_addr_tp_via_all);
	suite_add_tcase(s, tc);
	return (s);
}
