/*
 * auth/secrets.c: loading secret_file, ids, per-use keys, lookups.
 * Fixture files go into a fresh mkdtemp() directory per test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/secrets.h"
#include "tests/common/testutil.h"
#include "tests.h"

/* 32 bytes 00..1f, in every encoding a line may use. */
#define S1_HEX                                                                 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define S1_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
/* Its id, first two bytes of SHA-256, and HMAC-SHA-256 of each label. */
#define S1_ID 0x630d
static const char *const s1_keys[SECRET_NUSES] = {
	"6da78547c10d4476ae361e21b23404e8a91806d8ceec51e21326fe9eaf1472e6",
	"c38610e90acc615c80070765a4951e9e7bb1494c84bd6cd67799694b18873479",
	"1a2c9f25c1d0a60212266369cd40084850c9dac3ebec5f822405bc0b38d340e1",
};
/* 32 bytes whose base64 uses '+' and '/' (or '-' and '_'). */
#define S2_B64 "++++////++++////++++////++++////++++////++8="
#define S2_URL "----____----____----____----____----____--8"
#define S2_ID  0x06e7
#define S2_KEY                                                                 \
	"57739431e538de7c7ff5a3cd9c536249c99230fd55db4a5b816b9bdb45678ebd"

static char tdir[64];
static char tpath[128];
static char msgs[8192];
static int nmsgs;

static void
setup(void)
{
	tu_dir_make(tdir, sizeof(tdir), "secrets");
	tu_path(tpath, sizeof(tpath), tdir, "secrets");
	msgs[0] = '\0';
	nmsgs = 0;
}

static void
teardown(void)
{
	(void)tu_dir_remove(tdir);
}

/* Collect every message, one a line. */
static void
errh(const char *msg, void *arg)
{
	ck_assert_ptr_eq(arg, msgs);
	tu_append_line(msgs, sizeof(msgs), msg);
	nmsgs++;
}

/* want with every '@' replaced by the fixture path. */
static const char *
subst(const char *want)
{
	return (tu_subst(want, tpath));
}

/* Load text written to the fixture path. */
static int
load_text(const char *text, struct secrets **sp)
{
	tu_write(tpath, text, 0);
	return (secrets_load(tpath, sp, errh, msgs));
}

/* Assert that sec is the known secret 00..1f. */
static void
assert_s1(const struct secret *sec)
{
	char hex[2 * SECRET_KEYLEN + 1];
	int use;

	ck_assert_uint_eq(sec->s_id, S1_ID);
	for (use = 0; use < SECRET_NUSES; use++)
		ck_assert_str_eq(tu_hex(sec->s_key[use], SECRET_KEYLEN, hex),
		    s1_keys[use]);
}

START_TEST(test_secrets_load_hex)
{
	struct secrets *s = NULL;

	ck_assert_int_eq(load_text(S1_HEX "\n", &s), 0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(s->ss_n, 1);
	assert_s1(&s->ss_v[0]);
	secrets_free(s);
}
END_TEST

/* Every spelling of secret 00..1f gives its id and keys. */
static const char *const s1_spellings[] = {
	S1_HEX,
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	S1_B64,
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	"  " S1_HEX " \t\r",
	S1_B64 "\r",
};

START_TEST(test_secrets_load_spellings)
{
	struct secrets *s = NULL;
	char text[256];

	(void)snprintf(text, sizeof(text), "%s\n", s1_spellings[_i]);
	ck_assert_int_eq(load_text(text, &s), 0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(s->ss_n, 1);
	assert_s1(&s->ss_v[0]);
	secrets_free(s);
}
END_TEST

/* Standard and url-safe base64 of the same bytes, padded or not. */
static const char *const s2_spellings[] = {
	S2_B64,
	S2_URL,
	S2_URL "=",
	"++++////++++////++++////++++////++++////++8",
};

START_TEST(test_secrets_load_base64_alphabets)
{
	struct secrets *s = NULL;
	char text[256], hex[2 * SECRET_KEYLEN + 1];

	(void)snprintf(text, sizeof(text), "%s\n", s2_spellings[_i]);
	ck_assert_int_eq(load_text(text, &s), 0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(s->ss_n, 1);
	ck_assert_uint_eq(s->ss_v[0].s_id, S2_ID);
	ck_assert_str_eq(tu_hex(s->ss_v[0].s_key[SECRET_NONCE], SECRET_KEYLEN,
			     hex),
	    S2_KEY);
	secrets_free(s);
}
END_TEST

START_TEST(test_secrets_load_comments)
{
	struct secrets *s = NULL;

	ck_assert_int_eq(load_text("# current\r\n" S2_B64 "\r\n"
				   "\n"
				   "   \t\n"
				   "  # previous, drop after "
				   "nonce_ttl\n" S1_HEX,
			     &s),
	    0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(s->ss_n, 2);
	ck_assert_uint_eq(s->ss_v[0].s_id, S2_ID);
	assert_s1(&s->ss_v[1]);
	secrets_free(s);
}
END_TEST

START_TEST(test_secrets_load_max)
{
	struct secrets *s = NULL;
	char text[SECRETS_MAX * 70];
	size_t n = 0;
	int i;

	for (i = 0; i < SECRETS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%02x\n",
		    "0000000000000000000000000000000000000000000000000000000000"
		    "0000",
		    i);
	ck_assert_int_eq(load_text(text, &s), 0);
	ck_assert_uint_eq(s->ss_n, SECRETS_MAX);
	secrets_free(s);
}
END_TEST

/* The same secrets in another order keep their ids and keys. */
START_TEST(test_secrets_ids_order)
{
	struct secrets *a = NULL, *b = NULL;
	char other[160];

	tu_path(other, sizeof(other), tdir, "other");
	ck_assert_int_eq(load_text(S1_HEX "\n" S2_URL "\n", &a), 0);
	tu_write(other, S2_B64 "\n" S1_B64 "\n", 0);
	ck_assert_int_eq(secrets_load(other, &b, errh, msgs), 0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(a->ss_v[0].s_id, b->ss_v[1].s_id);
	ck_assert_uint_eq(a->ss_v[1].s_id, b->ss_v[0].s_id);
	ck_assert_mem_eq(a->ss_v[0].s_key, b->ss_v[1].s_key,
	    sizeof(a->ss_v[0].s_key));
	ck_assert_mem_eq(a->ss_v[1].s_key, b->ss_v[0].s_key,
	    sizeof(a->ss_v[1].s_key));
	ck_assert_uint_ne(a->ss_v[0].s_id, a->ss_v[1].s_id);
	secrets_free(a);
	secrets_free(b);
}
END_TEST

/* Assert that no two keys of sec are the same. */
static void
assert_keys_differ(const struct secret *sec)
{
	int i, j;

	for (i = 0; i < SECRET_NUSES; i++)
		for (j = i + 1; j < SECRET_NUSES; j++)
			ck_assert_mem_ne(sec->s_key[i], sec->s_key[j],
			    SECRET_KEYLEN);
}

START_TEST(test_secrets_keys_per_use)
{
	struct secrets *s = NULL;
	int use;

	ck_assert_int_eq(load_text(S1_HEX "\n" S2_B64 "\n", &s), 0);
	assert_keys_differ(&s->ss_v[0]);
	assert_keys_differ(&s->ss_v[1]);
	for (use = 0; use < SECRET_NUSES; use++)
		ck_assert_mem_ne(s->ss_v[0].s_key[use], s->ss_v[1].s_key[use],
		    SECRET_KEYLEN);
	secrets_free(s);
}
END_TEST

START_TEST(test_secrets_find)
{
	const struct secret *sec;
	struct secrets *s = NULL;
	size_t i = 0;

	/* The same secret twice shares an id: both are found, in order. */
	ck_assert_int_eq(load_text(S1_HEX "\n" S2_B64 "\n" S1_B64 "\n", &s), 0);
	ck_assert_ptr_eq(sec = secrets_find(s, S1_ID, &i), &s->ss_v[0]);
	ck_assert_uint_eq(i, 1);
	ck_assert_ptr_eq(sec = secrets_find(s, S1_ID, &i), &s->ss_v[2]);
	ck_assert_ptr_null(secrets_find(s, S1_ID, &i));
	i = 0;
	ck_assert_ptr_eq(secrets_find(s, S2_ID, &i), &s->ss_v[1]);
	ck_assert_ptr_null(secrets_find(s, S2_ID, &i));
	i = 0;
	ck_assert_ptr_null(secrets_find(s, 0x1234, &i));
	ck_assert_uint_eq(i, 3);
	secrets_free(s);
}
END_TEST

START_TEST(test_secrets_random)
{
	struct secrets *a = NULL, *b = NULL;
	size_t i = 0;

	ck_assert_int_eq(secrets_random(&a), 0);
	ck_assert_int_eq(secrets_random(&b), 0);
	ck_assert_uint_eq(a->ss_n, 1);
	ck_assert_uint_eq(b->ss_n, 1);
	assert_keys_differ(&a->ss_v[0]);
	ck_assert_mem_ne(a->ss_v[0].s_key, b->ss_v[0].s_key,
	    sizeof(a->ss_v[0].s_key));
	ck_assert_ptr_eq(secrets_find(a, a->ss_v[0].s_id, &i), &a->ss_v[0]);
	secrets_free(a);
	secrets_free(b);
}
END_TEST

/* Files that must be refused, with every message they give ('@' = path). */
static const struct {
	const char *text;
	const char *want;
} bad_files[] = {
	{ "", "@: no secret\n" },
	{ "# nothing yet\n\n", "@: no secret\n" },
	{ "abcde\n", "@:1: secret is neither hex nor base64\n" },
	{ "abc\n", "@:1: secret is 2 bytes, at least 32 needed\n" },
	{ "not base64 at all!\n", "@:1: secret is neither hex nor base64\n" },
	{ S1_B64 "=\n", "@:1: secret is neither hex nor base64\n" },
	{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===\n",
	    "@:1: secret is neither hex nor base64\n" },
	{ "AAECAwQFBgcICQoLDA0=ODxAREhMUFRYXGBkaGxwdHh8\n",
	    "@:1: secret is neither hex nor base64\n" },
	{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AA\n",
	    "@:1: secret is neither hex nor base64\n" },
	{ "#\n" S1_HEX "00\n" /* hex wins, 33 bytes */
	  "0001020304050607\n",
	    "@:3: secret is 8 bytes, at least 32 needed\n" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
	    "@:1: secret is 31 bytes, at least 32 needed\n" },
	{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg\n",
	    "@:1: secret is 31 bytes, at least 32 needed\n" },
	{ "bad!\n" S1_HEX "\nshort\n\n0011\n",
	    "@:1: secret is neither hex nor base64\n"
	    "@:3: secret is neither hex nor base64\n"
	    "@:5: secret is 2 bytes, at least 32 needed\n" },
};

START_TEST(test_secrets_load_bad)
{
	struct secrets *s = NULL;

	ck_assert_int_eq(load_text(bad_files[_i].text, &s), EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs, subst(bad_files[_i].want));
}
END_TEST

START_TEST(test_secrets_load_too_many)
{
	struct secrets *s = NULL;
	char text[(SECRETS_MAX + 3) * 70];
	size_t n = 0;
	int i;

	for (i = 0; i < SECRETS_MAX + 3; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
		    S1_HEX);
	ck_assert_int_eq(load_text(text, &s), EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs, subst("@:17: more than 16 secrets\n"));
}
END_TEST

START_TEST(test_secrets_load_long_line)
{
	struct secrets *s = NULL;
	char text[2200];

	memset(text, 'a', 2048);
	(void)strcpy(text + 2048, "\n" S1_HEX "\n");
	ck_assert_int_eq(load_text(text, &s), EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs,
	    subst("@:1: line longer than 1024 characters\n"));
}
END_TEST

START_TEST(test_secrets_load_nul)
{
	static const char text[] = S1_HEX "\0"
					  "00\n";
	struct secrets *s = NULL;

	tu_write_len(tpath, text, sizeof(text) - 1, 0);
	ck_assert_int_eq(secrets_load(tpath, &s, errh, msgs), EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs,
	    subst("@:1: secret is neither hex nor base64\n"));
}
END_TEST

START_TEST(test_secrets_load_missing)
{
	struct secrets *s = NULL;

	ck_assert_int_eq(secrets_load(tpath, &s, errh, msgs), ENOENT);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs,
	    subst("@: cannot open: No such file or directory\n"));
}
END_TEST

START_TEST(test_secrets_load_directory)
{
	struct secrets *s = NULL;

	(void)strcpy(tpath, tdir);
	ck_assert_int_eq(secrets_load(tpath, &s, errh, msgs), EISDIR);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(msgs, subst("@: read error: Is a directory\n"));
}
END_TEST

START_TEST(test_secrets_load_no_handler)
{
	struct secrets *s = NULL;

	tu_write(tpath, "abcde\n", 0);
	ck_assert_int_eq(secrets_load(tpath, &s, NULL, NULL), EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(secrets_load(NULL, &s, errh, msgs), EINVAL);
	ck_assert_int_eq(nmsgs, 0);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("secrets");
	tc = tcase_create("secrets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_secrets_load_hex);
	tcase_add_loop_test(tc, test_secrets_load_spellings, 0,
	    sizeof(s1_spellings) / sizeof(s1_spellings[0]));
	tcase_add_loop_test(tc, test_secrets_load_base64_alphabets, 0,
	    sizeof(s2_spellings) / sizeof(s2_spellings[0]));
	tcase_add_test(tc, test_secrets_load_comments);
	tcase_add_test(tc, test_secrets_load_max);
	tcase_add_test(tc, test_secrets_ids_order);
	tcase_add_test(tc, test_secrets_keys_per_use);
	tcase_add_test(tc, test_secrets_find);
	tcase_add_test(tc, test_secrets_random);
	tcase_add_loop_test(tc, test_secrets_load_bad, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_secrets_load_too_many);
	tcase_add_test(tc, test_secrets_load_long_line);
	tcase_add_test(tc, test_secrets_load_nul);
	tcase_add_test(tc, test_secrets_load_missing);
	tcase_add_test(tc, test_secrets_load_directory);
	tcase_add_test(tc, test_secrets_load_no_handler);
	suite_add_tcase(s, tc);
	return (s);
}
