/*
 * Helpers shared by the unit tests (prefix tu_): temporary folders and
 * files, expected messages that name a path, addresses as a dual-stack
 * socket reports them, and secret sets loaded as secret_file gives them.
 * A helper that cannot do its job fails the running test (ck_assert); it
 * never returns an error the test would have to check.
 */
#ifndef SW_TESTS_TESTUTIL_H
#define SW_TESTS_TESTUTIL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mac;
struct sa;
struct secrets;

#define NITEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The base64url alphabet (RFC 4648 section 5), as tokens must use it. */
#define TU_B64URL                                                              \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Secrets in hex: A is bytes 00..1f, B bytes 20..3f. */
#define TU_SECRET_A                                                            \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define TU_SECRET_B                                                            \
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
/*
 * Two secrets whose ids collide (both TU_XY_ID), found with
 *   hashlib.sha256(bytes.fromhex(X)).digest()[:2]
 */
#define TU_SECRET_X                                                            \
	"4040404040404040404040404040404040404040404040404040404000000117"
#define TU_SECRET_Y                                                            \
	"4040404040404040404040404040404040404040404040404040404000000135"
#define TU_XY_ID 0xb388
/* secret_file texts: one secret, or B then A (B signs, both verify). */
#define TU_FILE_A  TU_SECRET_A "\n"
#define TU_FILE_B  TU_SECRET_B "\n"
#define TU_FILE_BA TU_SECRET_B "\n" TU_SECRET_A "\n"
#define TU_FILE_X  TU_SECRET_X "\n"
#define TU_FILE_Y  TU_SECRET_Y "\n"
#define TU_FILE_XY TU_SECRET_X "\n" TU_SECRET_Y "\n"

/* Make a fresh folder /tmp/sw-test-TAG-XXXXXX; its name goes to dir. */
void tu_dir_make(char *dir, size_t size, const char *tag);
/* Remove dir and everything below it (links are not followed): 0 or -1. */
int tu_dir_remove(const char *dir);
/* dir/name into buf. */
void tu_path(char *buf, size_t size, const char *dir, const char *name);

/*
 * Write len bytes of data to path, created or emptied.  mode 0 leaves the
 * file as fopen() makes it; any other mode is then set with chmod().
 */
void tu_write_len(const char *path, const void *data, size_t len, mode_t mode);
/* The same for the string text. */
void tu_write(const char *path, const char *text, mode_t mode);
/* The whole of path (at most size - 1 bytes) into buf, NUL-terminated;
 * returns how many bytes it read. */
size_t tu_read(const char *path, char *buf, size_t size);
/* The whole of path as a string, in a buffer of 16 KiB that the next
 * call reuses. */
const char *tu_read_str(const char *path);

/* Append msg and a newline to the string in buf (size bytes in all). */
void tu_append_line(char *buf, size_t size, const char *msg);
/* want with every '@' replaced by path, in a buffer the next call reuses. */
const char *tu_subst(const char *want, const char *path);
/* Lowercase hex of len bytes into out (2 * len + 1 bytes); returns out. */
const char *tu_hex(const uint8_t *p, size_t len, char *out);

/* Seconds since t0 (CLOCK_MONOTONIC). */
double tu_seconds_since(const struct timespec *t0);
/* Running under valgrind (some 20 times slower than natively)? */
bool tu_valgrind(void);

/* xorshift64*: the next number of the sequence in *state (not 0), the
 * same on every libc, so a failure repeats. */
uint64_t tu_rand(uint64_t *state);

/*
 * sa from a literal, keeping the family as written: libre's sa_set_str()
 * turns "::ffff:a.b.c.d" into AF_INET, which a dual-stack socket never does.
 */
void tu_set_sa(struct sa *sa, const char *ip, uint16_t port);

/*
 * n secret sets as secret_file gives them: text[i] is written to the file
 * name[i] in a fresh temporary folder and loaded into sets[i]; a NULL
 * text[i] loads the file name[i] written before once more (as a second
 * process would).  macs[i] is made and bound to sets[i] with generation
 * i + 1.  The folder is gone when it returns.
 */
void tu_secret_sets(int n, const char *const name[], const char *const text[],
    struct secrets *sets[], struct mac *macs[]);
/* Free what tu_secret_sets() made; the pointers are set to NULL. */
void tu_secret_sets_free(int n, struct secrets *sets[], struct mac *macs[]);

#endif
