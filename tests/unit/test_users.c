/*
 * auth/users.c: the users file, the table, and users_ha1().
 * Fixture files go into a fresh mkdtemp() directory per test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/users.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define REALM "example.org"
/* Well-formed HA1 fields: 32 and 64 lowercase hex digits. */
#define H32  "939e7578ed9e3c518a452acee763bce9"
#define H64  "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
#define NBIG 100000

static char tdir[64];
static char tpath[128];
static char errs[8192];
static char warns[8192];

static void
setup(void)
{
	tu_dir_make(tdir, sizeof(tdir), "users");
	tu_path(tpath, sizeof(tpath), tdir, "users");
	errs[0] = warns[0] = '\0';
}

static void
teardown(void)
{
	(void)tu_dir_remove(tdir);
}

static void
errh(const char *msg, void *arg)
{
	ck_assert_ptr_eq(arg, errs);
	tu_append_line(errs, sizeof(errs), msg);
}

static void
warnh(const char *msg, void *arg)
{
	ck_assert_ptr_eq(arg, errs);
	tu_append_line(warns, sizeof(warns), msg);
}

/* want with every '@' replaced by the fixture path. */
static const char *
subst(const char *want)
{
	return (tu_subst(want, tpath));
}

/* Load text written to the fixture path, for REALM. */
static int
load_text(const char *text, struct users **up)
{
	tu_write(tpath, text, 0);
	return (users_load(tpath, REALM, up, errh, warnh, errs));
}

/* Known HA1 values (RFC 2617 3.5, RFC 7616 3.9.1, openssl dgst). */
static const struct {
	enum user_alg alg;
	const char *user, *realm, *pass, *want;
} ha1_cases[] = {
	{ USER_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life",
	    "939e7578ed9e3c518a452acee763bce9" },
	{ USER_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life",
	    "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b479423"
	    "2" },
	{ USER_SHA512_256, "Mufasa", "http-auth@example.org", "Circle of Life",
	    "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204c"
	    "e" },
};

START_TEST(test_users_ha1_known)
{
	uint8_t out[64];
	char hex[129];
	size_t len = sizeof(out);

	ck_assert_int_eq(users_ha1(ha1_cases[_i].alg, ha1_cases[_i].user,
			     ha1_cases[_i].realm, ha1_cases[_i].pass, out,
			     &len),
	    0);
	ck_assert_uint_eq(len, strlen(ha1_cases[_i].want) / 2);
	tu_hex(out, len, hex);
	ck_assert_str_eq(hex, ha1_cases[_i].want);
}
END_TEST

START_TEST(test_users_ha1_bad_args)
{
	uint8_t out[32];
	size_t len = 15;

	ck_assert_int_eq(users_ha1(USER_MD5, "a", "r", "p", out, &len), EINVAL);
	len = 31;
	ck_assert_int_eq(users_ha1(USER_SHA256, "a", "r", "p", out, &len),
	    EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(users_ha1(USER_NALGS, "a", "r", "p", out, &len),
	    EINVAL);
	ck_assert_int_eq(users_ha1(USER_MD5, "a", "r", NULL, out, &len),
	    EINVAL);
	ck_assert_uint_eq(len, sizeof(out));
}
END_TEST

/* The line of user with the HA1s of pass for the first nalg algorithms. */
static void
make_line(const char *user, const char *pass, int nalg, char *line)
{
	uint8_t ha1[32];
	size_t len;
	int alg;

	line += sprintf(line, "%s:%s", user, REALM);
	for (alg = 0; alg < nalg; alg++) {
		len = sizeof(ha1);
		ck_assert_int_eq(users_ha1(alg, user, REALM, pass, ha1, &len),
		    0);
		*line++ = ':';
		tu_hex(ha1, len, line);
		line += 2 * len;
	}
	(void)strcpy(line, "\n");
}

/* Assert that e holds the HA1s of pass for exactly nalg algorithms. */
static void
assert_user(const struct user *e, const char *pass, int nalg)
{
	uint8_t ha1[32];
	size_t len;
	int alg;

	ck_assert_ptr_nonnull(e);
	for (alg = 0; alg < USER_NALGS; alg++) {
		ck_assert_int_eq(e->u_has[alg], alg < nalg);
		if (alg >= nalg)
			continue;
		len = sizeof(ha1);
		ck_assert_int_eq(users_ha1(alg, e->u_name, REALM, pass, ha1,
				     &len),
		    0);
		ck_assert_mem_eq(e->u_ha1[alg], ha1, len);
	}
}

/* Users with one, two and three hashes. */
START_TEST(test_users_load_hashes)
{
	struct users *u = NULL;
	char text[1024];
	int nalg = _i + 1;

	make_line("alice", "wonderland", nalg, text);
	ck_assert_int_eq(load_text(text, &u), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(warns, "");
	ck_assert_uint_eq(users_count(u), 1);
	assert_user(users_lookup(u, "alice", 5), "wonderland", nalg);
	ck_assert_str_eq(users_lookup(u, "alice", 5)->u_name, "alice");
	ck_assert_uint_eq(users_lookup(u, "alice", 5)->u_namelen, 5);
	users_free(u);
}
END_TEST

START_TEST(test_users_load_comments)
{
	struct users *u = NULL;
	char text[2048], *p = text;

	p += sprintf(p, "# users of " REALM "\r\n\r\n   \t\n");
	make_line("alice", "a", 1, p);
	p = strchr(p, '\n');
	(void)strcpy(p, "\r\n  # bob left\n");
	p += strlen(p);
	make_line("carol", "c", 3, p);
	p = strchr(p, '\n');
	(void)strcpy(p, " \t\r\n#\n");
	p += strlen(p);
	make_line("dave", "d", 2, p);
	p[strlen(p) - 1] = '\0'; /* no newline at the end */
	ck_assert_int_eq(load_text(text, &u), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(warns, "");
	ck_assert_uint_eq(users_count(u), 3);
	assert_user(users_lookup(u, "alice", 5), "a", 1);
	assert_user(users_lookup(u, "carol", 5), "c", 3);
	assert_user(users_lookup(u, "dave", 4), "d", 2);
	ck_assert_ptr_null(users_lookup(u, "bob", 3));
	users_free(u);
}
END_TEST

START_TEST(test_users_load_other_realm)
{
	static const char text[] =
	    "alice:other.org:" H32 "\n"
	    "bob:" REALM ":" H32 ":" H64 "\n"
	    "alice:" REALM ".net:" H32 ":" H64 ":" H64 "\n"
	    "carol::" H32 "\n"
	    "alice:" REALM ":" H32 "\n";
	struct users *u = NULL;

	ck_assert_int_eq(load_text(text, &u), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(warns,
	    subst("@:1: skipping user 'alice' of realm 'other.org' "
		  "(not 'example.org')\n"
		  "@:3: skipping user 'alice' of realm 'example.org.net' "
		  "(not 'example.org')\n"
		  "@:4: skipping user 'carol' of realm '' (not "
		  "'example.org')\n"));
	ck_assert_uint_eq(users_count(u), 2);
	ck_assert_ptr_nonnull(users_lookup(u, "alice", 5));
	ck_assert_ptr_nonnull(users_lookup(u, "bob", 3));
	ck_assert_ptr_null(users_lookup(u, "carol", 5));
	users_free(u);
	u = NULL;
	ck_assert_int_eq(users_load(tpath, REALM, &u, errh, NULL, errs), 0);
	ck_assert_uint_eq(users_count(u), 2);
	users_free(u);
}
END_TEST

START_TEST(test_users_load_no_user)
{
	struct users *u = NULL;

	ck_assert_int_eq(load_text("# nobody yet\n", &u), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(warns, subst("@: no user of realm 'example.org'\n"));
	ck_assert_uint_eq(users_count(u), 0);
	ck_assert_ptr_null(users_lookup(u, "alice", 5));
	users_free(u);
	u = NULL;
	warns[0] = '\0';
	ck_assert_int_eq(load_text("", &u), 0);
	ck_assert_str_eq(warns, subst("@: no user of realm 'example.org'\n"));
	ck_assert_uint_eq(users_count(u), 0);
	users_free(u);
}
END_TEST

START_TEST(test_users_lookup)
{
	static const char text[] =
	    "alice:" REALM ":" H32 "\n"
	    "Bob:" REALM ":" H32 "\n"
	    "j\xc3\xa4s\xc3\xb8n doe:" REALM ":" H32 "\n";
	struct users *u = NULL;

	ck_assert_int_eq(load_text(text, &u), 0);
	ck_assert_ptr_nonnull(users_lookup(u, "alice", 5));
	ck_assert_ptr_nonnull(users_lookup(u, "Bob", 3));
	ck_assert_ptr_nonnull(users_lookup(u, "j\xc3\xa4s\xc3\xb8n doe", 11));
	ck_assert_ptr_nonnull(users_lookup(u, "alice:x", 5));
	ck_assert_ptr_null(users_lookup(u, "Alice", 5));
	ck_assert_ptr_null(users_lookup(u, "bob", 3));
	ck_assert_ptr_null(users_lookup(u, "alic", 4));
	ck_assert_ptr_null(users_lookup(u, "alicea", 6));
	ck_assert_ptr_null(users_lookup(u, "alice\0", 6));
	ck_assert_ptr_null(users_lookup(u, "", 0));
	ck_assert_ptr_null(users_lookup(u, NULL, 5));
	ck_assert_ptr_null(users_lookup(NULL, "alice", 5));
	ck_assert_uint_eq(users_count(NULL), 0);
	users_free(u);
	users_free(NULL);
}
END_TEST

START_TEST(test_users_load_name_max)
{
	struct users *u = NULL;
	char name[USER_NAMEMAX + 2], text[512];

	memset(name, 'n', USER_NAMEMAX);
	name[USER_NAMEMAX] = '\0';
	(void)snprintf(text, sizeof(text), "%s:%s:%s\n", name, REALM, H32);
	ck_assert_int_eq(load_text(text, &u), 0);
	ck_assert_ptr_nonnull(users_lookup(u, name, USER_NAMEMAX));
	ck_assert_ptr_null(users_lookup(u, name, USER_NAMEMAX + 1));
	users_free(u);
}
END_TEST

#define FIELDS_MSG                                                             \
	"expected 3 to 5: user:realm:HA1-MD5[:HA1-SHA-256[:HA1-SHA-512-256]]"
#define N129                                                                   \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"    \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"

/* Files that must be refused, with every message they give ('@' = path). */
static const struct {
	const char *text;
	const char *want;
} bad_files[] = {
	{ "alice\n", "@:1: 1 field, " FIELDS_MSG "\n" },
	{ "alice:" REALM "\n", "@:1: 2 fields, " FIELDS_MSG "\n" },
	{ "alice:" REALM ":" H32 ":" H64 ":" H64 ":" H64 "\n",
	    "@:1: 6 fields, " FIELDS_MSG "\n" },
	{ "alice:" REALM ":" H32 ":::::\n", "@:1: 8 fields, " FIELDS_MSG "\n" },
	{ ":" REALM ":" H32 "\n", "@:1: empty user name\n" },
	{ N129 ":" REALM ":" H32 "\n",
	    "@:1: user name is 129 bytes, at most 128 allowed\n" },
	{ "al\tice:" REALM ":" H32 "\n",
	    "@:1: control character in user name\n" },
	{ "alice\x7f:" REALM ":" H32 "\n",
	    "@:1: control character in user name\n" },
	{ "alice:exa\x01mple.org:" H32 "\n",
	    "@:1: control character in realm\n" },
	{ "alice:" REALM ":939E7578ED9E3C518A452ACEE763BCE9\n",
	    "@:1: HA1-MD5 has uppercase hex digits, lowercase required\n" },
	{ "alice:" REALM ":" H32 ":" H64 ":"
	  "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b479423F\n",
	    "@:1: HA1-SHA-512-256 has uppercase hex digits, lowercase "
	    "required\n" },
	{ "alice:" REALM ":939e7578ed9e3c518a452acee763bceg\n",
	    "@:1: HA1-MD5 is not hex\n" },
	{ "alice:" REALM ":" H32 " :" H64 "\n",
	    "@:1: HA1-MD5 is 33 characters, expected 32\n" },
	{ "alice:" REALM ":939e7578ed9e3c518a452acee763bce\n",
	    "@:1: HA1-MD5 is 31 characters, expected 32\n" },
	{ "alice:" REALM ":\n", "@:1: HA1-MD5 is 0 characters, expected 32\n" },
	{ "alice:" REALM ":" H32 ":" H32 "\n",
	    "@:1: HA1-SHA-256 is 32 characters, expected 64\n" },
	{ "alice:" REALM ":" H32 "::" H64 "\n",
	    "@:1: HA1-SHA-256 is 0 characters, expected 64\n" },
	{ "alice:" REALM ":" H32 ":" H64 ":" H64 "0\n",
	    "@:1: HA1-SHA-512-256 is 65 characters, expected 64\n" },
	{ "bob:other.org:" H32 "0\n",
	    "@:1: HA1-MD5 is 33 characters, expected 32\n" },
	{ "alice:" REALM ":" H32 "\n"
	  "bob:" REALM ":" H32 "\n"
	  "# alice again\n"
	  "alice:" REALM ":" H32 ":" H64 "\n",
	    "@:4: user 'alice' already defined on line 1\n" },
	{ "x\n"
	  "alice:" REALM ":" H32 "\n"
	  "\n"
	  "alice:" REALM ":" H32 "\r\n"
	  "bob:" REALM ":zz\n"
	  "carol:" REALM "\n"
	  "alice:" REALM ":" H32 "\n",
	    "@:1: 1 field, " FIELDS_MSG "\n"
	    "@:4: user 'alice' already defined on line 2\n"
	    "@:5: HA1-MD5 is 2 characters, expected 32\n"
	    "@:6: 2 fields, " FIELDS_MSG "\n"
	    "@:7: user 'alice' already defined on line 2\n" },
};

START_TEST(test_users_load_bad)
{
	struct users *u = NULL;
	int err;

	err = load_text(bad_files[_i].text, &u);
	ck_assert_str_eq(errs, subst(bad_files[_i].want));
	ck_assert_int_eq(err, EINVAL);
	ck_assert_ptr_null(u);
}
END_TEST

START_TEST(test_users_load_nul)
{
	static const char text[] = "al\0ice:" REALM ":" H32 "\n";
	struct users *u = NULL;

	tu_write_len(tpath, text, sizeof(text) - 1, 0);
	ck_assert_int_eq(users_load(tpath, REALM, &u, errh, warnh, errs),
	    EINVAL);
	ck_assert_str_eq(errs, subst("@:1: control character in user name\n"));
}
END_TEST

START_TEST(test_users_load_missing)
{
	struct users *u = NULL;

	ck_assert_int_eq(users_load(tpath, REALM, &u, errh, warnh, errs),
	    ENOENT);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(errs,
	    subst("@: cannot open: No such file or directory\n"));
}
END_TEST

START_TEST(test_users_load_directory)
{
	struct users *u = NULL;

	(void)strcpy(tpath, tdir);
	ck_assert_int_eq(users_load(tpath, REALM, &u, errh, warnh, errs),
	    EINVAL);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(errs, subst("@: not a regular file\n"));
}
END_TEST

START_TEST(test_users_load_bad_args)
{
	struct users *u = NULL;

	tu_write(tpath, "alice:" REALM ":" H32 "\n", 0);
	ck_assert_int_eq(users_load(tpath, NULL, &u, errh, warnh, errs),
	    EINVAL);
	ck_assert_int_eq(users_load(NULL, REALM, &u, errh, warnh, errs),
	    EINVAL);
	ck_assert_int_eq(users_load(tpath, REALM, NULL, errh, warnh, errs),
	    EINVAL);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(errs, "");
	tu_write(tpath, "alice\n", 0);
	ck_assert_int_eq(users_load(tpath, REALM, &u, NULL, NULL, NULL),
	    EINVAL);
	ck_assert_ptr_null(u);
}
END_TEST

/* Write NBIG users, HA1s derived from the index. */
static void
write_big(void)
{
	FILE *fp;
	unsigned i;

	ck_assert_ptr_nonnull(fp = fopen(tpath, "w"));
	for (i = 0; i < NBIG; i++)
		ck_assert_int_gt(fprintf(fp, "user%06u:%s:%032x:%064x:%064x\n",
				     i, REALM, i, i + 1, i + 2),
		    0);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Whether the last four bytes of h hold the big-endian x. */
static int
ends_with(const uint8_t *h, size_t len, unsigned x)
{
	return (h[len - 4] == (uint8_t)(x >> 24) &&
	    h[len - 3] == (uint8_t)(x >> 16) &&
	    h[len - 2] == (uint8_t)(x >> 8) && h[len - 1] == (uint8_t)x);
}

START_TEST(test_users_load_big)
{
	const struct user *e;
	struct timespec t0;
	struct users *u = NULL;
	char name[32];
	double secs;
	unsigned i, good;

	write_big();
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	ck_assert_int_eq(users_load(tpath, REALM, &u, errh, warnh, errs), 0);
	secs = tu_seconds_since(&t0);
	/* Well under a second natively; valgrind makes it ~20 times slower. */
	ck_assert_msg(secs < (tu_valgrind() ? 20.0 : 1.0),
	    "loading %d users took %.3f s", NBIG, secs);
	ck_assert_uint_eq(users_count(u), NBIG);
	/* Plain checks in the loop: each ck_assert costs a write to a pipe. */
	for (i = 0, good = 0; i < NBIG; i++) {
		(void)snprintf(name, sizeof(name), "user%06u", i);
		e = users_lookup(u, name, strlen(name));
		good += e != NULL && strcmp(e->u_name, name) == 0 &&
		    ends_with(e->u_ha1[USER_MD5], 16, i) &&
		    ends_with(e->u_ha1[USER_SHA256], 32, i + 1) &&
		    ends_with(e->u_ha1[USER_SHA512_256], 32, i + 2);
	}
	ck_assert_uint_eq(good, NBIG);
	ck_assert_ptr_null(users_lookup(u, "user100000", 10));
	ck_assert_ptr_null(users_lookup(u, "User000001", 10));
	ck_assert_ptr_null(users_lookup(u, "user00000", 9));
	ck_assert_ptr_null(users_lookup(u, "user0000001", 11));
	users_free(u);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("users");
	tc = tcase_create("users");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_users_ha1_known, 0,
	    sizeof(ha1_cases) / sizeof(ha1_cases[0]));
	tcase_add_test(tc, test_users_ha1_bad_args);
	tcase_add_loop_test(tc, test_users_load_hashes, 0, USER_NALGS);
	tcase_add_test(tc, test_users_load_comments);
	tcase_add_test(tc, test_users_load_other_realm);
	tcase_add_test(tc, test_users_load_no_user);
	tcase_add_test(tc, test_users_lookup);
	tcase_add_test(tc, test_users_load_name_max);
	tcase_add_loop_test(tc, test_users_load_bad, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_users_load_nul);
	tcase_add_test(tc, test_users_load_missing);
	tcase_add_test(tc, test_users_load_directory);
	tcase_add_test(tc, test_users_load_bad_args);
	tcase_add_test(tc, test_users_load_big);
	suite_add_tcase(s, tc);
	return (s);
}
