/*
 * libFuzzer target: sip/frame.c.  The first two input bytes choose
 * maxhdr and maxmsg (small values included, so that every limit is
 * reached), the next two where to cut the stream; the rest is the stream.
 * It is framed frame by frame until MORE or BAD, and each answer must
 * keep the invariants of frame.h and agree with a slow reference written
 * straight from the rules (fz_ref()).  The stream is then framed again as
 * a connection would see it, the part before the cut first and the rest
 * later: the frames must be the same.  Buffers are malloc'ed at their
 * exact size so that ASan sees any read past len.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/frame.h"
#include "tests/fuzz/fz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAXIN 65536

static const char fz_ping[] = "\r\n\r\n";

static const size_t fz_limits[] = { 256, 1024, 4096, 16384, 32768, 65535, 65536,
	SIZE_MAX - 1, SIZE_MAX };

struct fz_seq {
	struct frame *s_fr;
	size_t s_n;
	size_t s_size;
};

static void
fz_fail(const char *what)
{
	(void)fprintf(stderr, "fuzz_frame: %s\n", what);
	abort();
}

/* Bytes below 0xc0 are the limit itself; the others pick a large one. */
static size_t
fz_limit(uint8_t b)
{
	if (b < 0xc0)
		return (b);
	return (
	    fz_limits[(b - 0xc0) % (sizeof(fz_limits) / sizeof(fz_limits[0]))]);
}

static bool
fz_ws(char c)
{
	return (c == ' ' || c == '\t');
}

static bool
fz_lws(char c)
{
	return (fz_ws(c) || c == '\r' || c == '\n');
}

static bool
fz_name_eq(const char *p, size_t n, const char *name)
{
	size_t i;

	if (n != strlen(name))
		return (false);
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		if (c != name[i])
			return (false);
	}
	return (true);
}

/* Offset of the first "\r\n\r\n" at or after from, or len. */
static size_t
fz_find(const char *buf, size_t len, size_t from, const char *pat)
{
	size_t i, n = strlen(pat);

	for (i = from; i + n <= len; i++)
		if (memcmp(buf + i, pat, n) == 0)
			return (i);
	return (len);
}

static void
fz_set(struct frame *fr, enum frame_kind kind, size_t len, bool toobig,
    const char *why)
{
	fr->fr_kind = kind;
	fr->fr_len = len;
	fr->fr_toobig = toobig;
	fr->fr_why = why;
}

/*
 * One header [hs, he) (first line [hs, fle)): -1 not a Content-Length,
 * 0 good (digits without leading zeros in *dig, *ndig), 1 bad value.
 */
static int
fz_ref_cl(const char *buf, size_t hs, size_t fle, size_t he, const char **dig,
    size_t *ndig)
{
	const char *colon = memchr(buf + hs, ':', fle - hs);
	size_t n, vs, ve, i;

	if (colon == NULL)
		return (-1);
	n = (size_t)(colon - (buf + hs));
	while (n > 0 && fz_ws(buf[hs + n - 1]))
		n--;
	if (!fz_name_eq(buf + hs, n, "content-length") &&
	    !fz_name_eq(buf + hs, n, "l"))
		return (-1);
	vs = (size_t)(colon - buf) + 1;
	ve = he;
	while (vs < ve && fz_lws(buf[vs]))
		vs++;
	while (ve > vs && fz_lws(buf[ve - 1]))
		ve--;
	if (vs == ve)
		return (1);
	for (i = vs; i < ve; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return (1);
	while (ve - vs > 1 && buf[vs] == '0')
		vs++;
	*dig = buf + vs;
	*ndig = ve - vs;
	return (0);
}

/* Is the number written in [dig, dig + n) over lim? */
static bool
fz_over(const char *dig, size_t n, size_t lim, size_t *v)
{
	unsigned long long acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (__builtin_mul_overflow(acc, 10ULL, &acc) ||
		    __builtin_add_overflow(acc, (unsigned)(dig[i] - '0'), &acc))
			return (true);
	if (acc > lim)
		return (true);
	*v = (size_t)acc;
	return (false);
}

/*
 * Content-Length of the header block [0, hlen): 0 found, 1 missing, 2 bad
 * or conflicting.  Lines are cut at every CRLF; the first is the start
 * line, a line starting with SP or HT continues the one before.
 */
static int
fz_ref_find_cl(const char *buf, size_t hlen, const char **dig, size_t *ndig)
{
	const char *d = NULL, *d1;
	size_t ls, le, he, n = 0, n1;
	int r;

	ls = fz_find(buf, hlen, 0, "\r\n") + 2;
	while ((le = fz_find(buf, hlen, ls, "\r\n")) != ls) {
		he = le;
		while (fz_ws(buf[he + 2]))
			he = fz_find(buf, hlen, he + 2, "\r\n");
		r = fz_ws(buf[ls]) ? -1 : fz_ref_cl(buf, ls, le, he, &d1, &n1);
		if (r == 1 ||
		    (r == 0 && d != NULL && (n1 != n || memcmp(d1, d, n) != 0)))
			return (2);
		if (r == 0) {
			d = d1;
			n = n1;
		}
		ls = he + 2;
	}
	if (d == NULL)
		return (1);
	*dig = d;
	*ndig = n;
	return (0);
}

/* The rules of frame.h, the slow way. */
static void
fz_ref(const char *buf, size_t len, size_t maxhdr, size_t maxmsg,
    struct frame *fr)
{
	const char *dig;
	size_t hlen, ndig, cl, total, i;
	int r;

	fz_set(fr, FRAME_MORE, 0, false, NULL);
	if (len < 4 && memcmp(buf, fz_ping, len) == 0)
		return;
	if (len >= 4 && memcmp(buf, fz_ping, 4) == 0) {
		fz_set(fr, FRAME_PING, 4, false, NULL);
		return;
	}
	if (len >= 3 && memcmp(buf, "\r\n", 2) == 0) {
		fz_set(fr, FRAME_PONG, 2, false, NULL);
		return;
	}
	hlen = fz_find(buf, len, 0, fz_ping);
	if (hlen == len) {
		if (len >= maxhdr)
			fz_set(fr, FRAME_BAD, 0, true,
			    "header block over tcp_max_header");
		return;
	}
	hlen += 4;
	if (hlen > maxhdr) {
		fz_set(fr, FRAME_BAD, 0, true,
		    "header block over tcp_max_header");
		return;
	}
	for (i = 0; i < hlen; i++) {
		if ((buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')) ||
		    (buf[i] == '\r' && (i + 1 == hlen || buf[i + 1] != '\n'))) {
			fz_set(fr, FRAME_BAD, 0, false,
			    "bare CR or LF in a header block");
			return;
		}
	}
	r = fz_ref_find_cl(buf, hlen, &dig, &ndig);
	if (r != 0) {
		fz_set(fr, FRAME_BAD, 0, false,
		    r == 1 ? "no Content-Length on a stream" :
			     "bad Content-Length");
		return;
	}
	if (fz_over(dig, ndig, maxmsg, &cl) ||
	    __builtin_add_overflow(hlen, cl, &total) || total > maxmsg)
		fz_set(fr, FRAME_BAD, 0, true, "message too big");
	else if (len >= total)
		fz_set(fr, FRAME_MSG, total, false, NULL);
}

static bool
fz_same(const struct frame *a, const struct frame *b)
{
	if (a->fr_kind != b->fr_kind || a->fr_len != b->fr_len ||
	    a->fr_toobig != b->fr_toobig)
		return (false);
	if (a->fr_why == NULL || b->fr_why == NULL)
		return (a->fr_why == b->fr_why);
	return (strcmp(a->fr_why, b->fr_why) == 0);
}

/* What frame.h promises about one answer for len bytes. */
static void
fz_check(const char *buf, size_t len, size_t maxhdr, size_t maxmsg,
    const struct frame *fr)
{
	size_t end, cap = maxhdr > maxmsg ? maxhdr : maxmsg;

	if (fr->fr_kind == FRAME_BAD) {
		if (fr->fr_why == NULL || fr->fr_len != 0)
			fz_fail("BAD without a reason");
		return;
	}
	if (fr->fr_why != NULL || fr->fr_toobig)
		fz_fail("a reason without BAD");
	switch (fr->fr_kind) {
	case FRAME_MORE:
		if (fr->fr_len != 0)
			fz_fail("MORE consumes");
		if (len >= cap && len >= 4)
			fz_fail("MORE with a full buffer");
		return;
	case FRAME_PING:
		if (fr->fr_len != 4 || len < 4 || memcmp(buf, fz_ping, 4) != 0)
			fz_fail("bad PING");
		return;
	case FRAME_PONG:
		if (fr->fr_len != 2 || len < 3 || memcmp(buf, "\r\n", 2) != 0 ||
		    (len >= 4 && memcmp(buf, fz_ping, 4) == 0))
			fz_fail("bad PONG");
		return;
	case FRAME_MSG:
		if (fr->fr_len == 0 || fr->fr_len > len || fr->fr_len > maxmsg)
			fz_fail("MSG length out of range");
		end = fz_find(buf, fr->fr_len, 0, fz_ping);
		if (end == fr->fr_len || end + 4 > maxhdr)
			fz_fail("MSG without its header block");
		return;
	default:
		fz_fail("unknown kind");
	}
}

static void
fz_push(struct fz_seq *s, const struct frame *fr)
{
	if (s->s_n == s->s_size)
		fz_fail("more frames than bytes");
	s->s_fr[s->s_n++] = *fr;
}

/*
 * Frame buf[off, len) until MORE or BAD, appending to s; returns the
 * offset reached.  Every answer is checked and compared with fz_ref().
 */
static size_t
fz_run(const char *buf, size_t len, size_t off, size_t maxhdr, size_t maxmsg,
    struct fz_seq *s)
{
	struct frame fr, ref;
	size_t need;

	for (;;) {
		frame_next(buf + off, len - off, maxhdr, maxmsg, &fr);
		fz_check(buf + off, len - off, maxhdr, maxmsg, &fr);
		fz_ref(buf + off, len - off, maxhdr, maxmsg, &ref);
		if (!fz_same(&fr, &ref))
			fz_fail("differs from the reference");
		fz_push(s, &fr);
		if (fr.fr_kind == FRAME_MORE || fr.fr_kind == FRAME_BAD)
			return (off);
		/*
		 * The last byte it needs completes it (a pong needs what
		 * tells it from a ping: "\r\nX" or "\r\n\rX"); the bytes
		 * after those do not count.
		 */
		need = fr.fr_len;
		if (fr.fr_kind == FRAME_PONG)
			need = buf[off + 2] == '\r' ? 4 : 3;
		frame_next(buf + off, need - 1, maxhdr, maxmsg, &ref);
		if (ref.fr_kind != FRAME_MORE)
			fz_fail("complete before its last byte");
		frame_next(buf + off, need, maxhdr, maxmsg, &ref);
		if (!fz_same(&fr, &ref))
			fz_fail("depends on the bytes after it");
		off += fr.fr_len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_seq whole, cut;
	size_t maxhdr, maxmsg, n, split, off;
	char *all, *part;

	if (size < 4 || size > FZ_MAXIN)
		return (0);
	maxhdr = fz_limit(data[0]);
	maxmsg = fz_limit(data[1]);
	n = size - 4;
	split = ((size_t)data[2] << 8 | data[3]) % (n + 1);
	all = fz_alloc(n);
	memcpy(all, data + 4, n);
	whole.s_size = cut.s_size = n / 2 + 2;
	whole.s_fr = fz_alloc(whole.s_size * sizeof(struct frame));
	cut.s_fr = fz_alloc(cut.s_size * sizeof(struct frame));
	whole.s_n = cut.s_n = 0;

	(void)fz_run(all, n, 0, maxhdr, maxmsg, &whole);

	/* The first split bytes alone, then all of them. */
	part = fz_alloc(split);
	memcpy(part, all, split);
	off = fz_run(part, split, 0, maxhdr, maxmsg, &cut);
	free(part);
	if (cut.s_fr[cut.s_n - 1].fr_kind == FRAME_MORE) {
		cut.s_n--;
		(void)fz_run(all, n, off, maxhdr, maxmsg, &cut);
	}
	if (cut.s_n != whole.s_n)
		fz_fail("a cut stream frames into a different number");
	for (n = 0; n < whole.s_n; n++)
		if (!fz_same(&whole.s_fr[n], &cut.s_fr[n]))
			fz_fail("a cut stream frames differently");
	free(cut.s_fr);
	free(whole.s_fr);
	free(all);
	return (0);
}
