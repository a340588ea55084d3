/*
 * sip/snapshot.c: what is derived from a config once (our addresses),
 * the checks that need the whole config, what a reload keeps, and the
 * TLS context of tls_cert / tls_key (a key pair made at test time).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <re.h>

#include "auth/secrets.h"
#include "core/addr.h"
#include "proxy/loader.h"
#include "sip/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/common/testutil.h"
#include "tests/unit/tests.h"

#define BASE "realm sipwarden.test\nusers users\n"

static char errs[2048];

static void
collect(const char *msg, void *arg)
{
	(void)arg;
	tu_append_line(errs, sizeof(errs), msg);
}

/* Load cfg text from a fresh folder; returns 0 or the error. */
static int
load(const char *text, const struct snapshot *old, char *kept, size_t keptsize,
    struct snapshot **sn)
{
	char path[256];

	errs[0] = '\0';
	fixture_cleanup();
	/* A valid fixture makes the folder and its users file. */
	snapshot_unref(fixture_snapshot(NULL));
	tu_path(path, sizeof(path), fixture_dir(), "sipwarden.conf");
	tu_write(path, text, 0);
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

/*
 * The TLS context: tls_cert and tls_key, loaded when a tls listener
 * exists.  A fresh self-signed P-256 pair is made for every test.
 */
/* Write pem (a key when pk is set, else the certificate x) to the folder. */
static void
tls_write(const char *name, EVP_PKEY *pk, X509 *x)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	if (pk != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, pk, NULL, NULL, 0,
				     NULL, NULL),
		    1);
	else
		ck_assert_int_eq(PEM_write_X509(f, x), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
}

/* A self-signed certificate for pk, CN sipwarden.test, valid an hour. */
static X509 *
tls_selfsigned(EVP_PKEY *pk)
{
	X509 *x = X509_new();
	X509_NAME *name;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	ck_assert_int_eq(X509_set_pubkey(x, pk), 1);
	name = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
			     (const unsigned char *)"sipwarden.test", -1, -1,
			     0),
	    1);
	ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
	ck_assert_int_gt(X509_sign(x, pk, EVP_sha256()), 0);
	return (x);
}

/*
 * A fresh folder with the users file and: cert.pem and its key key.pem,
 * other.pem (another P-256 key), ed25519.pem (a key of another type)
 * and garbage.pem.
 */
static void
tls_setup(void)
{
	EVP_PKEY *pk, *other, *ed;
	char path[256];
	X509 *x;

	snapshot_unref(fixture_snapshot(NULL));
	pk = EVP_EC_gen("P-256");
	other = EVP_EC_gen("P-256");
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(pk);
	ck_assert_ptr_nonnull(other);
	ck_assert_ptr_nonnull(ed);
	x = tls_selfsigned(pk);
	tls_write("cert.pem", NULL, x);
	tls_write("key.pem", pk, NULL);
	tls_write("other.pem", other, NULL);
	tls_write("ed25519.pem", ed, NULL);
	X509_free(x);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
	EVP_PKEY_free(ed);
	tu_path(path, sizeof(path), fixture_dir(), "garbage.pem");
	tu_write(path,
	    "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
	    "-----END CERTIFICATE-----\n",
	    0600);
}

/* Load a config with a tls listener and these files (in the folder). */
static int
tls_load(const char *cert, const char *key, struct snapshot **sn)
{
	char path[256];
	FILE *f;

	errs[0] = '\0';
	(void)snprintf(path, sizeof(path), "%s/sipwarden.conf", fixture_dir());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	(void)fprintf(f,
	    "listen udp:127.0.0.1:5060\nlisten tls:127.0.0.1:5061\n"
	    "upstream udp:127.0.0.1:5080\n" BASE "tls_cert %s\ntls_key %s\n",
	    cert, key);
	ck_assert_int_eq(fclose(f), 0);
	return (snapshot_load(path, NULL, NULL, 0, sn, collect, NULL, NULL));
}

/* "DIR/file: " followed by what, as the loader reports it. */
static void
assert_err_prefix(const char *file, const char *what)
{
	char want[512];

	(void)snprintf(want, sizeof(want), "%s/%s: %s", fixture_dir(), file,
	    what);
	ck_assert_msg(strncmp(errs, want, strlen(want)) == 0,
	    "error '%s', want '%s...'", errs, want);
	/* One error, one line. */
	ck_assert_ptr_eq(strchr(errs, '\n'), errs + strlen(errs) - 1);
}

START_TEST(test_snapshot_tls_context_loads)
{
	struct snapshot *sn = NULL;
	X509 *x;

	ck_assert_int_eq(tls_load("cert.pem", "key.pem", &sn), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_nonnull(sn->sn_tls);
	ck_assert_int_eq(SSL_CTX_get_min_proto_version(sn->sn_tls),
	    TLS1_2_VERSION);
	ck_assert_int_eq(SSL_CTX_get_max_proto_version(sn->sn_tls),
	    TLS1_3_VERSION);
	ck_assert_uint_eq(SSL_CTX_get_options(sn->sn_tls) &
		(SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
		    SSL_OP_CIPHER_SERVER_PREFERENCE),
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
		SSL_OP_CIPHER_SERVER_PREFERENCE);
	x = SSL_CTX_get0_certificate(sn->sn_tls);
	ck_assert_ptr_nonnull(x);
	{
		char cn[64];

		ck_assert_int_eq(
		    X509_NAME_get_text_by_NID(X509_get_subject_name(x),
			NID_commonName, cn, sizeof(cn)),
		    14);
		ck_assert_str_eq(cn, "sipwarden.test");
	}
	ck_assert_uint_eq(sn->sn_nl, 2);
	ck_assert_str_eq(sn->sn_l[1].sl_hostport, "127.0.0.1:5061");
	snapshot_unref(sn);
}
END_TEST

START_TEST(test_snapshot_tls_needs_a_tls_listener)
{
	struct snapshot *sn = NULL;
	char path[256];

	/* tls_cert and tls_key without a tls listener: nothing loaded. */
	tu_path(path, sizeof(path), fixture_dir(), "sipwarden.conf");
	tu_write(path,
	    "listen udp:127.0.0.1:5060\nupstream udp:127.0.0.1:5080\n"
	    "tls_cert garbage.pem\ntls_key garbage.pem\n" BASE,
	    0);
	errs[0] = '\0';
	ck_assert_int_eq(snapshot_load(path, NULL, NULL, 0, &sn, collect, NULL,
			     NULL),
	    0);
	ck_assert_ptr_null(sn->sn_tls);
	snapshot_unref(sn);
}
END_TEST

START_TEST(test_snapshot_tls_key_open_to_others_refused)
{
	struct snapshot *sn = NULL;
	char key[256], want[1024];

	(void)snprintf(key, sizeof(key), "%s/key.pem", fixture_dir());
	ck_assert_int_eq(chmod(key, 0644), 0);
	ck_assert_int_ne(tls_load("cert.pem", "key.pem", &sn), 0);
	(void)snprintf(want, sizeof(want),
	    "%s: open to other users (mode 0644): chmod 600 %s\n", key, key);
	ck_assert_str_eq(errs, want);
	/* Group read is fine; the certificate may be read by anyone. */
	ck_assert_int_eq(chmod(key, 0640), 0);
	(void)snprintf(want, sizeof(want), "%s/cert.pem", fixture_dir());
	ck_assert_int_eq(chmod(want, 0644), 0);
	ck_assert_int_eq(tls_load("cert.pem", "key.pem", &sn), 0);
	ck_assert_ptr_nonnull(sn->sn_tls);
	snapshot_unref(sn);
}
END_TEST

START_TEST(test_snapshot_tls_missing_cert)
{
	struct snapshot *sn = NULL;

	ck_assert_int_eq(tls_load("missing.pem", "key.pem", &sn), EINVAL);
	assert_err_prefix("missing.pem", "cannot load the certificate");
	ck_assert_ptr_null(sn);
}
END_TEST

START_TEST(test_snapshot_tls_garbage)
{
	struct snapshot *sn = NULL;

	ck_assert_int_eq(tls_load("garbage.pem", "key.pem", &sn), EINVAL);
	assert_err_prefix("garbage.pem", "cannot load the certificate");
	ck_assert_int_eq(tls_load("cert.pem", "garbage.pem", &sn), EINVAL);
	assert_err_prefix("garbage.pem", "cannot load the private key");
	/* A key where the certificate should be. */
	ck_assert_int_eq(tls_load("key.pem", "key.pem", &sn), EINVAL);
	assert_err_prefix("key.pem", "cannot load the certificate");
	ck_assert_ptr_null(sn);
}
END_TEST

START_TEST(test_snapshot_tls_key_does_not_match)
{
	struct snapshot *sn = NULL;

	ck_assert_int_eq(tls_load("cert.pem", "ed25519.pem", &sn), EINVAL);
	assert_err_prefix("ed25519.pem", "the key does not match tls_cert");
	/* A key of the certificate's own type (the usual mistake): the same. */
	errs[0] = '\0';
	ck_assert_int_eq(tls_load("cert.pem", "other.pem", &sn), EINVAL);
	assert_err_prefix("other.pem", "the key does not match tls_cert");
	ck_assert_ptr_null(sn);
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

	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, tls_setup, teardown);
	tcase_add_test(tc, test_snapshot_tls_context_loads);
	tcase_add_test(tc, test_snapshot_tls_needs_a_tls_listener);
	tcase_add_test(tc, test_snapshot_tls_key_open_to_others_refused);
	tcase_add_test(tc, test_snapshot_tls_missing_cert);
	tcase_add_test(tc, test_snapshot_tls_garbage);
	tcase_add_test(tc, test_snapshot_tls_key_does_not_match);
	suite_add_tcase(s, tc);
	return (s);
}
