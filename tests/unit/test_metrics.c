/*
 * proxy/metrics.c: the exposition text, its families and the sums over
 * workers.
 */
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "core/obuf.h"
#include "proxy/metrics.h"
#include "sip/pipeline.h"
#include "tests/unit/tests.h"

static char text[32768];

static void
render(const struct pipe_stats *s, const struct metrics_proc *mp)
{
	struct obuf ob;

	obuf_init(&ob, text, sizeof(text) - 1);
	ck_assert(metrics_render(&ob, s, mp));
	text[ob.ob_len] = '\0';
}

START_TEST(test_metrics_sum_and_render)
{
	static struct pipe_stats a, b, sum;
	struct metrics_proc mp = { .mp_reloads_ok = 2,
		.mp_reloads_failed = 1,
		.mp_start = 1000,
		.mp_now = 1042 };

	atomic_store(&a.ps_requests[PM_REGISTER], 5);
	atomic_store(&b.ps_requests[PM_REGISTER], 7);
	atomic_store(&b.ps_requests[PM_OTHER], 1);
	atomic_store(&a.ps_responses[1], 3);
	atomic_store(&a.ps_challenges, 4);
	atomic_store(&b.ps_auth_ok, 6);
	atomic_store(&a.ps_auth_fail[AUTHN_BAD_RESPONSE], 8);
	atomic_store(&b.ps_dropped[DROP_NOT_OURS], 9);
	atomic_store(&a.ps_forwarded, 10);
	atomic_store(&mp.mp_sst.ss_closed[CLOSE_TIMEOUT], 11);
	atomic_store(&mp.mp_sst.ss_refused[REFUSE_MAX_PER_IP], 13);
	mp.mp_conns = 14;
	mp.mp_tls_not_after = 1800000000;
	/* The latest of the workers', not their sum. */
	atomic_store(&a.ps_upstream_seen, 1041);
	atomic_store(&b.ps_upstream_seen, 1039);
	metrics_add(&sum, &a);
	metrics_add(&sum, &b);
	render(&sum, &mp);
	ck_assert_ptr_nonnull(strstr(text,
	    "# HELP sipwarden_requests_total SIP requests received and parsed, "
	    "from either side.\n# TYPE sipwarden_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_requests_total{method=\"REGISTER\"} 12\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_requests_total{method=\"other\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_responses_total{class=\"2xx\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipwarden_challenges_total 4\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_auth_success_total 6\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_auth_failures_total{reason=\"bad_response\"} 8\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_auth_failures_total{reason=\"identity\"} 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_dropped_total{reason=\"not_ours\"} 9\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipwarden_forwarded_total 10\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_reloads_total{result=\"ok\"} 2\n"
	    "sipwarden_reloads_total{result=\"failed\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipwarden_uptime_seconds 42\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipwarden_connections 14\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_connections_closed_total{reason=\"timeout\"} 11\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipwarden_connections_refused_total{reason=\"max_per_ip\"} "
	    "13\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipwarden_bans_active 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "sipwarden_build_info{version=\"0.1.0\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_upstream_last_seen_seconds 1041\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsipwarden_tls_cert_expiry_seconds 1800000000\n"));
	/* No "none" reason rows. */
	ck_assert_ptr_null(strstr(text, "reason=\"none\""));
}
END_TEST

START_TEST(test_metrics_every_family_has_help_and_type)
{
	static struct pipe_stats s;
	struct metrics_proc mp = { 0 };
	const char *l = text;
	char name[128], seen[64][128];
	size_t nseen = 0, i;

	render(&s, &mp);
	while (*l != '\0') {
		if (*l != '#') {
			ck_assert_int_eq(sscanf(l, "%127[a-z_]", name), 1);
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], name) == 0)
					break;
			ck_assert_msg(i < nseen, "%s has no # TYPE", name);
		} else if (strncmp(l, "# TYPE ", 7) == 0) {
			ck_assert_int_eq(sscanf(l + 7, "%127s", seen[nseen]),
			    1);
			nseen++;
		}
		l = strchr(l, '\n') + 1;
	}
	ck_assert_uint_eq(nseen, 20);
}
END_TEST

START_TEST(test_metrics_buffer_too_small)
{
	static struct pipe_stats s;
	struct metrics_proc mp = { 0 };
	struct obuf ob;

	obuf_init(&ob, text, 100);
	ck_assert(!metrics_render(&ob, &s, &mp));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_metrics_sum_and_render);
	tcase_add_test(tc, test_metrics_every_family_has_help_and_type);
	tcase_add_test(tc, test_metrics_buffer_too_small);
	suite_add_tcase(s, tc);
	return (s);
}
