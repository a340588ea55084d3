/*
 * proxy/snapshot.c: what is derived from a config once (our addresses),
 * the checks that need the whole config, and what a reload keeps.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#include "auth/secrets.h"
#include "core/addr.h"
#include "proxy/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/unit/tests.h"

#define BASE "realm sipwarden.test\nusers users\n"

static char errs[2048];

static void
collect(const char *msg, void *arg)
{
	size_t n = strlen(errs);

	(void)arg;
	(void)snprintf(errs + n, sizeof(errs) - n, "%s\n", msg);
}

/* Load cfg text from a fresh folder; returns 0 or the error. */
static int
load(const char *text, const struct snapshot *old, char *kept, size_t keptsize,
    struct snapshot **sn)
{
	char path[256];
	FILE *f;

	errs[0] = '\0';
	fixture_cleanup();
	/* A valid fixture makes the folder and its users file. */
	snapshot_unref(fixture_snapshot(NULL));
	(void)snprintf(path, sizeof(path), "%s/sipwarden.conf", fixture_dir());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	(void)fputs(text, f);
	(void)fclose(f);
	return (
	    snapshot_load(path, old, kept, keptsize, sn, collect, NULL, NULL));
}

/* The error text with the folder name taken out. */
static const char *
err_text(void)
{
	static char buf[2048];
	const char *d = fixture_dir();
	const char *p = strstr(errs, d);

	if (p == NULL)
		return (errs);
	(void)snprintf(buf, sizeof(buf), "%.*s%s", (int)(p - errs), errs,
	    p + strlen(d) + 1);
	return (buf);
}

START_TEST(test_snapshot_listener_addresses)
{
	struct snapshot *sn;

	ck_assert_int_eq(load("listen udp:0.0.0.0:5060\n"
			      "listen udp:[::1]:5070\n"
			      "advertise sip.example.com:5062\n"
			      "upstream udp:10.0.0.5:5060\n" BASE,
			     NULL, NULL, 0, &sn),
	    0);
	ck_assert_uint_eq(sn->sn_nl, 2);
	ck_assert_str_eq(sn->sn_l[0].sl_hostport, "sip.example.com:5062");
	ck_assert_str_eq(sn->sn_l[1].sl_hostport, "[::1]:5070");
	ck_assert_uint_eq(sn->sn_upl, 0);
	{
		struct pl h = PL("SIP.example.com"), ip = PL("::1");

		ck_assert_int_eq(snapshot_find_self(sn, &h, 5062), 0);
		ck_assert_int_eq(snapshot_find_self(sn, &h, 5060), -1);
		ck_assert_int_eq(snapshot_find_self(sn, &ip, 5070), 1);
	}
	snapshot_unref(sn);
	snapshot_unref(NULL);
	ck_assert_int_eq(load("listen udp:[::]:5060\n"
			      "advertise [2001:db8::1]\n"
			      "upstream udp:[::1]:5080\n" BASE,
			     NULL, NULL, 0, &sn),
	    0);
	ck_assert_str_eq(sn->sn_l[0].sl_host, "2001:db8::1");
	ck_assert_str_eq(sn->sn_l[0].sl_hostport, "[2001:db8::1]:5060");
	snapshot_unref(sn);
}
END_TEST

START_TEST(test_snapshot_refuses_open_users_file)
{
	struct snapshot *sn = NULL;
	char users[256];

	ck_assert_int_eq(load("listen udp:127.0.0.1:5060\n"
			      "upstream udp:127.0.0.1:5080\n" BASE,
			     NULL, NULL, 0, &sn),
	    0);
	snapshot_unref(sn);
	(void)snprintf(users, sizeof(users), "%s/users", fixture_dir());
	ck_assert_int_eq(chmod(users, 0644), 0);
	errs[0] = '\0';
	{
		char path[256];

		(void)snprintf(path, sizeof(path), "%s/sipwarden.conf",
		    fixture_dir());
		ck_assert_int_ne(snapshot_load(path, NULL, NULL, 0, &sn,
				     collect, NULL, NULL),
		    0);
	}
	ck_assert(strncmp(err_text(),
		      "users: open to other users (mode 0644): chmod 600 /",
		      51) == 0);
	/* Group read is fine (a sipwarden group may share the file). */
	ck_assert_int_eq(chmod(users, 0640), 0);
	{
		char path[256];

		(void)snprintf(path, sizeof(path), "%s/sipwarden.conf",
		    fixture_dir());
		ck_assert_int_eq(snapshot_load(path, NULL, NULL, 0, &sn,
				     collect, NULL, NULL),
		    0);
		snapshot_unref(sn);
	}
}
END_TEST

static const struct {
	const char *cfg;
	const char *err;
} bad_cases[] = {
	{ "listen udp:0.0.0.0:5060\nupstream udp:10.0.0.5:5060\n" BASE,
	    "sipwarden.conf:1: a wildcard listen address needs 'advertise'\n" },
	{ "listen tcp:127.0.0.1:5060\nupstream udp:127.0.0.1:5080\n" BASE,
	    "sipwarden.conf:2: no udp listener of the upstream's address "
	    "family\n" },
	{ "listen udp:127.0.0.1:5060\nupstream tcp:127.0.0.1:5080\n" BASE,
	    "sipwarden.conf:2: no tcp listener of the upstream's address "
	    "family\n" },
	{ "listen udp:127.0.0.1:5060\nupstream udp:127.0.0.1:5060\n" BASE,
	    "sipwarden.conf:2: upstream is one of our own listen addresses\n" },
	{ "listen udp:127.0.0.1:5060\nupstream udp:[::1]:5080\n" BASE,
	    "sipwarden.conf:2: no udp listener of the upstream's address "
	    "family\n" },
};

START_TEST(test_snapshot_refuses)
{
	struct snapshot *sn = NULL;

	ck_assert_int_ne(load(bad_cases[_i].cfg, NULL, NULL, 0, &sn), 0);
	ck_assert_str_eq(err_text(), bad_cases[_i].err);
}
END_TEST

START_TEST(test_snapshot_reload_keeps_socket_keys)
{
	struct snapshot *a, *b;
	char kept[64];

	ck_assert_int_eq(load("listen udp:127.0.0.1:5060\n"
			      "upstream udp:127.0.0.1:5080\n"
			      "workers 2\n" BASE,
			     NULL, NULL, 0, &a),
	    0);
	ck_assert_int_eq(load("listen udp:127.0.0.1:5099\n"
			      "upstream udp:127.0.0.1:5081\n"
			      "workers 3\nmetrics 127.0.0.1:9100\n"
			      "nonce_ttl 60\n" BASE,
			     a, kept, sizeof(kept), &b),
	    0);
	ck_assert_str_eq(kept, "listen,upstream,workers,metrics");
	ck_assert_uint_eq(sa_port(&b->sn_l[0].sl_addr), 5060);
	ck_assert_uint_eq(sa_port(&b->sn_cfg->c_upstream.cs_addr), 5080);
	ck_assert_uint_eq(b->sn_cfg->c_workers, 2);
	ck_assert(!b->sn_cfg->c_has_metrics);
	/* What a reload may change, it changes. */
	ck_assert_uint_eq(b->sn_cfg->c_nonce_ttl, 60);
	snapshot_unref(b);
	ck_assert_int_eq(load("listen udp:127.0.0.1:5060\n"
			      "upstream udp:127.0.0.1:5080\n"
			      "workers 2\n" BASE,
			     a, kept, sizeof(kept), &b),
	    0);
	ck_assert_str_eq(kept, "");
	/* No secret_file: the random secret survives the reload. */
	ck_assert_mem_eq(b->sn_secrets, a->sn_secrets, sizeof(*a->sn_secrets));
	snapshot_unref(b);
	snapshot_unref(a);
}
END_TEST

START_TEST(test_snapshot_refcount)
{
	struct snapshot *sn;

	ck_assert_int_eq(load("listen udp:127.0.0.1:5060\n"
			      "upstream udp:127.0.0.1:5080\n" BASE,
			     NULL, NULL, 0, &sn),
	    0);
	ck_assert_ptr_eq(snapshot_ref(sn), sn);
	ck_assert_uint_eq(atomic_load(&sn->sn_refs), 2);
	snapshot_unref(sn);
	ck_assert_uint_eq(atomic_load(&sn->sn_refs), 1);
	snapshot_unref(sn);
}
END_TEST

static void
teardown(void)
{
	fixture_cleanup();
}

Suite *
test_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_snapshot_listener_addresses);
	tcase_add_loop_test(tc, test_snapshot_refuses, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_snapshot_reload_keeps_socket_keys);
	tcase_add_test(tc, test_snapshot_refcount);
	tcase_add_test(tc, test_snapshot_refuses_open_users_file);
	suite_add_tcase(s, tc);
	return (s);
}
