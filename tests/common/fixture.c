/*
 * Test snapshots; see fixture.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <re.h>

#include "auth/replay.h"
#include "proxy/loader.h"
#include "sip/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/common/testutil.h"

/* alice / alice-secret (all three HA1s) and bob / bob-secret (MD5 only) in
 * realm sipwarden.test: printf 'alice:sipwarden.test:alice-secret' | md5sum
 * (sha256sum, openssl dgst -sha512-256). */
#define FIXTURE_USERS                                                          \
	"alice:sipwarden.test:6d466a87933e3a7d2f5c92c7a0d5ac20:"               \
	"d7c98e76b3e6024d5efbcd7740a190458e14b760b25a7ede17db16440feeeb50:"    \
	"c7cea3eb05abc2b1018d2b284edcdfa2409b61cedc8978f11aa6fdacef072706\n"   \
	"bob:sipwarden.test:c1c5377885141603078cbce8dfcc4c15\n"

static char fixture_tmp[64];

static void
fixture_write(const char *name, const char *text)
{
	char path[128];

	tu_path(path, sizeof(path), fixture_tmp, name);
	tu_write(path, text, 0600);
}

static void
fixture_err(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "fixture: %s\n", msg);
}

struct snapshot *
fixture_snapshot_cfg(const char *cfgtext)
{
	struct snapshot *sn = NULL;
	char path[128];

	tu_dir_make(fixture_tmp, sizeof(fixture_tmp), "fixture");
	fixture_write("users", FIXTURE_USERS);
	fixture_write("sipwarden.conf", cfgtext);
	tu_path(path, sizeof(path), fixture_tmp, "sipwarden.conf");
	ck_assert_int_eq(snapshot_load(path, NULL, NULL, 0, &sn, fixture_err,
			     NULL, NULL),
	    0);
	return (sn);
}

struct snapshot *
fixture_snapshot(const char *extra)
{
	char cfg[4096];

	(void)snprintf(cfg, sizeof(cfg),
	    "listen udp:127.0.0.1:5060\n"
	    "upstream udp:127.0.0.1:5080\n"
	    "realm sipwarden.test\n"
	    "users users\n"
	    "workers 1\n"
	    "log_level error\n"
	    "%s",
	    extra ? extra : "");
	return (fixture_snapshot_cfg(cfg));
}

void
fixture_cleanup(void)
{
	if (fixture_tmp[0] == '\0')
		return;
	(void)tu_dir_remove(fixture_tmp);
	fixture_tmp[0] = '\0';
}

const char *
fixture_dir(void)
{
	return (fixture_tmp);
}

struct replay *
fixture_replay(void)
{
	static struct replay *r;

	if (r == NULL)
		ck_assert_int_eq(replay_alloc(&r), 0);
	return (r);
}
