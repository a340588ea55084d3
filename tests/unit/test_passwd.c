/*
 * auth/passwd.c: `sipwarden passwd` writes a users file that users_load
 * reads back, replacing one line and keeping every other.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#include "auth/passwd.h"
#include "auth/users.h"
#include "tests/common/testutil.h"
#include "tests/unit/tests.h"

static char dir[64], path[128], err[4352];

static void
setup(void)
{
	tu_dir_make(dir, sizeof(dir), "passwd");
	tu_path(path, sizeof(path), dir, "users");
}

static void
teardown(void)
{
	(void)tu_dir_remove(dir);
}

START_TEST(test_passwd_creates_0600_with_three_hashes)
{
	struct users *u;
	const struct user *a;
	struct stat st;

	ck_assert_int_eq(passwd_set(path, "sipwarden.test", "alice",
			     "alice-secret", err, sizeof(err)),
	    0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_str_eq(tu_read_str(path),
	    "alice:sipwarden.test:6d466a87933e3a7d2f5c92c7a0d5ac20:"
	    "d7c98e76b3e6024d5efbcd7740a190458e14b760b25a7ede17db16440feeeb50:"
	    "c7cea3eb05abc2b1018d2b284edcdfa2409b61cedc8978f11aa6fdacef072706"
	    "\n");
	ck_assert_int_eq(users_load(path, "sipwarden.test", &u, NULL, NULL,
			     NULL),
	    0);
	a = users_lookup(u, "alice", 5);
	ck_assert_ptr_nonnull(a);
	ck_assert(a->u_has[USER_MD5] && a->u_has[USER_SHA256] &&
	    a->u_has[USER_SHA512_256]);
	users_free(u);
	ck_assert_ptr_null(strstr(tu_read_str(path), "alice-secret"));
}
END_TEST

START_TEST(test_passwd_replaces_one_line_keeps_others)
{
	tu_write(path,
	    "# staff\n"
	    "bob:sipwarden.test:c1c5377885141603078cbce8dfcc4c15\n"
	    "alice:sipwarden.test:00000000000000000000000000000000\n"
	    "alice:other.realm:11111111111111111111111111111111\n"
	    "\n"
	    "carol:sipwarden.test:22222222222222222222222222222222",
	    0640);
	ck_assert_int_eq(passwd_set(path, "sipwarden.test", "alice",
			     "alice-secret", err, sizeof(err)),
	    0);
	ck_assert_str_eq(tu_read_str(path),
	    "# staff\n"
	    "bob:sipwarden.test:c1c5377885141603078cbce8dfcc4c15\n"
	    "alice:sipwarden.test:6d466a87933e3a7d2f5c92c7a0d5ac20:"
	    "d7c98e76b3e6024d5efbcd7740a190458e14b760b25a7ede17db16440feeeb50:"
	    "c7cea3eb05abc2b1018d2b284edcdfa2409b61cedc8978f11aa6fdacef072706\n"
	    "alice:other.realm:11111111111111111111111111111111\n"
	    "\n"
	    "carol:sipwarden.test:22222222222222222222222222222222\n");
	{
		struct stat st;

		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0640);
	}
}
END_TEST

START_TEST(test_passwd_appends_new_user)
{
	tu_write(path, "bob:sipwarden.test:c1c5377885141603078cbce8dfcc4c15\n",
	    0600);
	ck_assert_int_eq(passwd_set(path, "sipwarden.test", "alicex", "pw", err,
			     sizeof(err)),
	    0);
	ck_assert(strncmp(tu_read_str(path),
		      "bob:sipwarden.test:c1c5377885141603078cbce8dfcc4c15\n"
		      "alicex:sipwarden.test:",
		      74) == 0);
}
END_TEST

static const struct {
	const char *realm, *user, *pass;
} bad_cases[] = {
	{ "sipwarden.test", "alice", "" },
	{ "sipwarden.test", "", "pw" },
	{ "sipwarden.test", "al:ice", "pw" },
	{ "sipwarden.test", "al\nice", "pw" },
	{ "", "alice", "pw" },
	{ "a:b", "alice", "pw" },
};

START_TEST(test_passwd_refuses)
{
	ck_assert_int_eq(passwd_set(path, bad_cases[_i].realm,
			     bad_cases[_i].user, bad_cases[_i].pass, err,
			     sizeof(err)),
	    EINVAL);
	ck_assert(strncmp(err, path, strlen(path)) == 0);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_passwd_unwritable_folder)
{
	ck_assert_int_ne(passwd_set("/nonexistent/dir/users", "r", "u", "pw",
			     err, sizeof(err)),
	    0);
	ck_assert_str_eq(err,
	    "/nonexistent/dir/users: cannot write: No such "
	    "file or directory");
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = tcase_create("passwd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_passwd_creates_0600_with_three_hashes);
	tcase_add_test(tc, test_passwd_replaces_one_line_keeps_others);
	tcase_add_test(tc, test_passwd_appends_new_user);
	tcase_add_loop_test(tc, test_passwd_refuses, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_passwd_unwritable_folder);
	suite_add_tcase(s, tc);
	return (s);
}
