/*
 * proxy/inbox.c and the status of a message that cannot reach its
 * connection (stream_fail_status): a full inbox is a busy worker, 503,
 * never 430 Flow Failed (the flow exists); a gone connection is 430; the
 * upstream that does not answer is 503.  The inbox is filled on a loop
 * that does not run, so nothing drains it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <re.h>

#include "core/addr.h"
#include "core/config.h"
#include "sip/branch.h"
#include "proxy/conntab.h"
#include "proxy/inbox.h"
#include "proxy/shared.h"
#include "proxy/stream.h"
#include "tests.h"

static struct shared sh;
static struct inbox *ib[2];
static struct event_base *base;

static void
deliver(const struct flow *dst, const char *buf, size_t len, void *arg)
{
	ck_abort_msg("nothing runs the loop");
}

static void
setup(void)
{
	size_t i;

	memset(&sh, 0, sizeof(sh));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(inbox_alloc(&ib[i], base, deliver, NULL), 0);
	sh.sh_inbox = ib;
	sh.sh_nworkers = 2;
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < 2; i++)
		inbox_free(ib[i]);
	event_base_free(base);
}

static void
flow_of(struct flow *f, const char *addr)
{
	memset(f, 0, sizeof(*f));
	f->f_tp = TP_TCP;
	f->f_conn = CONN_ID(1, 7, 42);
	ck_assert_int_eq(addr_parse_hostport(addr, strlen(addr), &f->f_addr),
	    0);
}

START_TEST(test_inbox_full_is_enobufs)
{
	struct flow f;
	size_t i;

	flow_of(&f, "192.0.2.10:5062");
	for (i = 0; i < INBOX_MAX; i++)
		ck_assert_int_eq(shared_handoff(&sh, 1, &f, "x", 1), 0);
	ck_assert_int_eq(shared_handoff(&sh, 1, &f, "x", 1), ENOBUFS);
	ck_assert_uint_eq(inbox_len(ib[1]), INBOX_MAX);
	/* Another worker's inbox is its own. */
	ck_assert_int_eq(shared_handoff(&sh, 0, &f, "x", 1), 0);
	/* No such worker. */
	ck_assert_int_eq(shared_handoff(&sh, 2, &f, "x", 1), ENOENT);
}
END_TEST

START_TEST(test_fail_status)
{
	struct cfg cfg;
	struct flow phone, pbx;

	memset(&cfg, 0, sizeof(cfg));
	cfg.c_upstream.cs_tp = TP_TCP;
	ck_assert_int_eq(addr_parse_hostport("127.0.0.1:5080", 14,
			     &cfg.c_upstream.cs_addr),
	    0);
	flow_of(&phone, "192.0.2.10:5062");
	flow_of(&pbx, "127.0.0.1:40000"); /* any port of the PBX */
	/* The connection is gone, or its worker does not exist: 430. */
	ck_assert_int_eq(stream_fail_status(&cfg, &phone, ENOTCONN), 430);
	ck_assert_int_eq(stream_fail_status(&cfg, &phone, ENOENT), 430);
	/* Its worker is busy: 503, the flow is still there. */
	ck_assert_int_eq(stream_fail_status(&cfg, &phone, ENOBUFS), 503);
	ck_assert_int_eq(stream_fail_status(&cfg, &phone, ENOMEM), 503);
	/* The tcp upstream does not answer: 503 whatever the reason. */
	ck_assert_int_eq(stream_fail_status(&cfg, &pbx, ENOTCONN), 503);
	/* A udp upstream's address is not a connection of ours. */
	cfg.c_upstream.cs_tp = TP_UDP;
	ck_assert_int_eq(stream_fail_status(&cfg, &pbx, ENOTCONN), 430);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("inbox");
	TCase *tc = tcase_create("inbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_inbox_full_is_enobufs);
	tcase_add_test(tc, test_fail_status);
	suite_add_tcase(s, tc);
	return (s);
}
