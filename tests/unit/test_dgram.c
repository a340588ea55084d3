/*
 * proxy/dgram.c on real loopback sockets: what the pipeline sends while a
 * receive batch is handled leaves after the batch (sendmmsg, one call per
 * socket), in order, from the listener it names; a send that fails is
 * stepped over; more than a queue's worth still all leaves; a send from
 * outside a batch leaves at once.  The upcall stands in for the worker:
 * it answers each datagram as the test says.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <re.h>

#include "core/addr.h"
#include "proxy/dgram.h"
#include "proxy/shared.h"
#include "proxy/wctx.h"
#include "sip/flow.h"
#include "tests.h"

#define NLISTEN 2

static struct shared sh;
static struct wctx wc;
static struct dgram *dg;
static int lfd[NLISTEN]; /* the listeners */
static struct sa laddr[NLISTEN];
static int cfd; /* the client */
static struct sa caddr;

/* What the upcall does with datagram "N": see each test. */
static enum {
	ECHO,      /* answer from the listener it came on */
	ALTERNATE, /* answer from listener N % 2 */
	FAIL_TWO,  /* "2" is answered to an address the socket cannot use */
	MANY,      /* "0" is answered 100 times */
	BIG,       /* "0" is answered with 3 datagrams of 45000 bytes */
} mode;
static unsigned upcalls;
static unsigned early; /* answers the client could read during a batch */

static int
bound_udp(struct sa *a)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	ck_assert_int_eq(sa_set_sa(a, (struct sockaddr *)&sin), 0);
	return (fd);
}

static void
answer(unsigned lsock, const struct sa *to, const char *buf, size_t len)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.f_tp = TP_UDP;
	f.f_lsock = (uint8_t)lsock;
	f.f_addr = *to;
	dgram_send(dg, &f, buf, len);
}

static void
up(void *arg, const struct wctx_msg *m)
{
	char pending[8], out[32];
	static char big[45000];
	unsigned n, i;

	ck_assert_int_eq(m->m_kind, WCTX_RECEIVED);
	ck_assert_uint_lt(m->m_len, sizeof(out) - 4);
	n = (unsigned)strtoul(m->m_buf, NULL, 10);
	upcalls++;
	if (recv(cfd, pending, sizeof(pending), MSG_DONTWAIT | MSG_PEEK) >= 0)
		early++;
	switch (mode) {
	case ECHO:
		(void)snprintf(out, sizeof(out), "re %.*s", (int)m->m_len,
		    m->m_buf);
		answer(m->m_flow->f_lsock, &m->m_flow->f_addr, out,
		    strlen(out));
		break;
	case ALTERNATE:
		(void)snprintf(out, sizeof(out), "re %u", n);
		answer(n % 2, &m->m_flow->f_addr, out, strlen(out));
		break;
	case FAIL_TWO:
		(void)snprintf(out, sizeof(out), "re %u", n);
		if (n == 2) {
			struct sa v6;

			ck_assert_int_eq(sa_set_str(&v6, "::1", 5060), 0);
			answer(0, &v6, out, strlen(out));
		} else {
			answer(0, &m->m_flow->f_addr, out, strlen(out));
		}
		break;
	case MANY:
		for (i = 0; i < 100; i++) {
			(void)snprintf(out, sizeof(out), "re %u", i);
			answer(0, &m->m_flow->f_addr, out, strlen(out));
		}
		break;
	case BIG:
		for (i = 0; i < 3; i++) {
			memset(big, 'a' + (int)i, sizeof(big));
			answer(0, &m->m_flow->f_addr, big, sizeof(big));
		}
		break;
	}
}

static void
setup(void)
{
	unsigned i;
	int rcv = 1 << 20;

	memset(&sh, 0, sizeof(sh));
	memset(&wc, 0, sizeof(wc));
	wc.wc_base = event_base_new();
	ck_assert_ptr_nonnull(wc.wc_base);
	wc.wc_sh = &sh; /* generation 0: no snapshot to take */
	wc.wc_up = up;
	ck_assert_int_eq(dgram_alloc(&dg, &wc, NLISTEN), 0);
	for (i = 0; i < NLISTEN; i++) {
		lfd[i] = bound_udp(&laddr[i]);
		ck_assert_int_eq(dgram_listen(dg, i, lfd[i]), 0);
	}
	cfd = bound_udp(&caddr);
	(void)setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	upcalls = early = 0;
}

static void
teardown(void)
{
	unsigned i;

	dgram_free(dg);
	for (i = 0; i < NLISTEN; i++)
		(void)close(lfd[i]);
	(void)close(cfd);
	event_base_free(wc.wc_base);
}

/* The client sends "0".."n-1" to listener 0; the loop runs once. */
static void
send_and_run(unsigned n)
{
	char buf[16];
	unsigned i;

	for (i = 0; i < n; i++) {
		(void)snprintf(buf, sizeof(buf), "%u", i);
		ck_assert_int_eq(sendto(cfd, buf, strlen(buf), 0,
				     &laddr[0].u.sa, laddr[0].len),
		    (ssize_t)strlen(buf));
	}
	ck_assert_int_eq(event_base_loop(wc.wc_base, EVLOOP_ONCE), 0);
	ck_assert_uint_eq(upcalls, n);
}

/* The next datagram for the client (within a second), and its source. */
static ssize_t
client_recv(char *buf, size_t size, struct sa *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct timeval tv = { 1, 0 };
	ssize_t n;

	(void)setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recvfrom(cfd, buf, size - 1, 0, (struct sockaddr *)&ss, &sl);
	if (n >= 0) {
		buf[n] = '\0';
		if (from != NULL)
			ck_assert_int_eq(sa_set_sa(from,
					     (struct sockaddr *)&ss),
			    0);
	}
	return (n);
}

static bool
client_idle(void)
{
	char buf[8];

	return (recv(cfd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK));
}

START_TEST(test_dgram_batch_sends_after_the_batch)
{
	char buf[64], want[16];
	struct sa from;
	unsigned i;

	mode = ECHO;
	send_and_run(5);
	/* While the batch was handled nothing had left yet. */
	ck_assert_uint_eq(early, 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_gt(client_recv(buf, sizeof(buf), &from), 0);
		(void)snprintf(want, sizeof(want), "re %u", i);
		ck_assert_str_eq(buf, want);
		ck_assert(sa_cmp(&from, &laddr[0], SA_ALL));
	}
	ck_assert(client_idle());
}
END_TEST

START_TEST(test_dgram_batch_each_from_its_listener_in_order)
{
	char buf[64];
	struct sa from;
	unsigned i, next[NLISTEN] = { 0, 1 };

	mode = ALTERNATE;
	send_and_run(8);
	ck_assert_uint_eq(early, 0);
	for (i = 0; i < 8; i++) {
		unsigned l, n;

		ck_assert_int_gt(client_recv(buf, sizeof(buf), &from), 0);
		l = sa_cmp(&from, &laddr[0], SA_ALL) ? 0 : 1;
		ck_assert(sa_cmp(&from, &laddr[l], SA_ALL));
		ck_assert_int_eq(sscanf(buf, "re %u", &n), 1);
		ck_assert_uint_eq(n % 2, l);
		ck_assert_uint_eq(n, next[l]);
		next[l] += 2;
	}
	ck_assert(client_idle());
}
END_TEST

START_TEST(test_dgram_batch_steps_over_a_failed_send)
{
	char buf[64];
	const char *want[] = { "re 0", "re 1", "re 3", "re 4" };
	unsigned i;

	mode = FAIL_TWO;
	send_and_run(5);
	for (i = 0; i < 4; i++) {
		ck_assert_int_gt(client_recv(buf, sizeof(buf), NULL), 0);
		ck_assert_str_eq(buf, want[i]);
	}
	ck_assert(client_idle());
}
END_TEST

START_TEST(test_dgram_batch_more_than_the_queue)
{
	char buf[64], want[16];
	unsigned i;

	mode = MANY;
	send_and_run(1);
	for (i = 0; i < 100; i++) {
		ck_assert_int_gt(client_recv(buf, sizeof(buf), NULL), 0);
		(void)snprintf(want, sizeof(want), "re %u", i);
		ck_assert_str_eq(buf, want);
	}
	ck_assert(client_idle());
}
END_TEST

START_TEST(test_dgram_batch_more_bytes_than_the_queue)
{
	static char buf[50000];
	unsigned i;

	mode = BIG;
	send_and_run(1);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(client_recv(buf, sizeof(buf), NULL), 45000);
		ck_assert_int_eq(buf[0], 'a' + (int)i);
		ck_assert_int_eq(buf[44999], 'a' + (int)i);
	}
	ck_assert(client_idle());
}
END_TEST

START_TEST(test_dgram_send_outside_a_batch_is_at_once)
{
	char buf[64];
	struct sa from;

	answer(1, &caddr, "hello", 5);
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &from), 5);
	ck_assert_str_eq(buf, "hello");
	ck_assert(sa_cmp(&from, &laddr[1], SA_ALL));
	/* A listener that does not exist sends nothing. */
	answer(NLISTEN, &caddr, "nope", 4);
	ck_assert(client_idle());
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("dgram");
	TCase *tc = tcase_create("dgram");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dgram_batch_sends_after_the_batch);
	tcase_add_test(tc, test_dgram_batch_each_from_its_listener_in_order);
	tcase_add_test(tc, test_dgram_batch_steps_over_a_failed_send);
	tcase_add_test(tc, test_dgram_batch_more_than_the_queue);
	tcase_add_test(tc, test_dgram_batch_more_bytes_than_the_queue);
	tcase_add_test(tc, test_dgram_send_outside_a_batch_is_at_once);
	suite_add_tcase(s, tc);
	return (s);
}
