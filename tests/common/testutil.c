/*
 * Helpers shared by the unit tests; see testutil.h.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include <check.h>
#include <re.h>

#include "auth/mac.h"
#include "auth/secrets.h"
#include "tests/common/testutil.h"

#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

void
tu_dir_make(char *dir, size_t size, const char *tag)
{
	ck_assert_int_lt(snprintf(dir, size, "/tmp/sw-test-%s-XXXXXX", tag),
	    (int)size);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int
tu_remove_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path));
}

int
tu_dir_remove(const char *dir)
{
	return (
	    nftw(dir, tu_remove_cb, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1);
}

void
tu_path(char *buf, size_t size, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

void
tu_write_len(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f;

	ck_assert_msg((f = fopen(path, "w")) != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	if (mode != 0)
		ck_assert_int_eq(chmod(path, mode), 0);
}

void
tu_write(const char *path, const char *text, mode_t mode)
{
	tu_write_len(path, text, strlen(text), mode);
}

size_t
tu_read(const char *path, char *buf, size_t size)
{
	size_t n;
	FILE *f;

	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	n = fread(buf, 1, size - 1, f);
	ck_assert_int_eq(ferror(f), 0);
	(void)fclose(f);
	buf[n] = '\0';
	return (n);
}

const char *
tu_read_str(const char *path)
{
	static char buf[16384];

	(void)tu_read(path, buf, sizeof(buf));
	return (buf);
}

void
tu_append_line(char *buf, size_t size, const char *msg)
{
	size_t n = strlen(buf);

	(void)snprintf(buf + n, size - n, "%s\n", msg);
}

const char *
tu_subst(const char *want, const char *path)
{
	static char buf[1 << 16];
	size_t n = 0, pl = strlen(path);

	for (; *want != '\0'; want++) {
		ck_assert_uint_lt(n + pl + 1, sizeof(buf));
		if (*want == '@') {
			memcpy(buf + n, path, pl);
			n += pl;
		} else
			buf[n++] = *want;
	}
	buf[n] = '\0';
	return (buf);
}

const char *
tu_hex(const uint8_t *p, size_t len, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < len; i++)
		(void)sprintf(out + 2 * i, "%02x", p[i]);
	return (out);
}

double
tu_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	return ((double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
}

bool
tu_valgrind(void)
{
	return (RUNNING_ON_VALGRIND != 0);
}

uint64_t
tu_rand(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (*state * 0x2545f4914f6cdd1dULL);
}

void
tu_set_sa(struct sa *sa, const char *ip, uint16_t port)
{
	uint8_t a[16];

	if (strchr(ip, ':') != NULL) {
		ck_assert_msg(inet_pton(AF_INET6, ip, a) == 1, "bad %s", ip);
		sa_set_in6(sa, a, port);
	} else
		ck_assert_msg(sa_set_str(sa, ip, port) == 0, "bad %s", ip);
}

void
tu_secret_sets(int n, const char *const name[], const char *const text[],
    struct secrets *sets[], struct mac *macs[])
{
	char dir[64], path[128];
	int i;

	tu_dir_make(dir, sizeof(dir), "secrets");
	for (i = 0; i < n; i++) {
		tu_path(path, sizeof(path), dir, name[i]);
		if (text[i] != NULL)
			tu_write(path, text[i], 0600);
		sets[i] = NULL;
		ck_assert_int_eq(secrets_load(path, &sets[i], NULL, NULL), 0);
		ck_assert_ptr_nonnull(sets[i]);
		ck_assert_int_eq(mac_alloc(&macs[i]), 0);
		ck_assert_int_eq(mac_bind(macs[i], sets[i], (uint64_t)i + 1),
		    0);
	}
	/* Loaded: the files are not needed, even if a test fails. */
	ck_assert_int_eq(tu_dir_remove(dir), 0);
}

void
tu_secret_sets_free(int n, struct secrets *sets[], struct mac *macs[])
{
	int i;

	for (i = 0; i < n; i++) {
		mac_free(macs[i]);
		secrets_free(sets[i]);
		macs[i] = NULL;
		sets[i] = NULL;
	}
}
