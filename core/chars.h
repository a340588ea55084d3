/*
 * Character classes of SIP and config text, from one table: the same
 * answer in every locale (ctype's isalnum() and tolower() follow
 * LC_CTYPE), and no byte above 0x7f is in any class.
 *
 * The classes are bits, so a scan can take a union: chars_skip(p, len, i,
 * CHARS_TOKEN) steps over an RFC 3261 token, CHARS_LWS over white space
 * with line folding.
 */
#ifndef SW_CORE_CHARS_H
#define SW_CORE_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHARS_TOKEN 0x01 /* RFC 3261 25.1 token: alphanum -.!%*_+`'~ */
#define CHARS_WS    0x02 /* SP, HTAB */
#define CHARS_LWS   0x04 /* SP, HTAB, CR, LF (white space and folding) */
#define CHARS_SPACE 0x08 /* C's isspace(): SP, HTAB, LF, VT, FF, CR */
#define CHARS_DIGIT 0x10 /* 0-9 */
#define CHARS_HEX   0x20 /* 0-9, a-f, A-F */
#define CHARS_ALNUM 0x40 /* 0-9, A-Z, a-z */

/* The classes of each byte; read it through the functions below. */
extern const uint8_t chars_class[256];

/* Is c (a char or an unsigned char) in any of the classes cls? */
static inline bool
chars_is(int c, unsigned cls)
{
	return ((chars_class[(uint8_t)c] & cls) != 0);
}

static inline bool
chars_istoken(int c)
{
	return (chars_is(c, CHARS_TOKEN));
}

static inline bool
chars_islws(int c)
{
	return (chars_is(c, CHARS_LWS));
}

/* c in lower case: A-Z only, every other byte as it is. */
static inline int
chars_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/*
 * Are the l bytes at p the litlen bytes of lit, ASCII letters in either
 * case?  No locale, no strlen: litlen is known where lit is written (see
 * CHARS_PLEQI), and the length is compared first.  Bytes outside A-Z and
 * a-z, those above 0x7f and NUL among them, must be equal.
 */
static inline bool
chars_eqi(const char *p, size_t l, const char *lit, size_t litlen)
{
	size_t i;

	if (l != litlen)
		return (false);
	for (i = 0; i < l; i++)
		if (chars_lower((uint8_t)p[i]) != chars_lower((uint8_t)lit[i]))
			return (false);
	return (true);
}

/*
 * chars_eqi of a libre struct pl (pointer pl) and a string literal lit:
 * pl_strcasecmp(pl, lit) == 0 in the C locale, without its strlen.  The
 * struct needs to be complete only where the macro is used.
 */
#define CHARS_PLEQI(pl, lit)                                                   \
	chars_eqi((pl)->p, (pl)->l, "" lit, sizeof(lit) - 1)

/* The first index from i (<= len) on whose byte is in none of cls, or len. */
size_t chars_skip(const char *p, size_t len, size_t i, unsigned cls);
/* len without the bytes of cls at the end of p. */
size_t chars_rskip(const char *p, size_t len, unsigned cls);
/* Are there len > 0 bytes at p, every one in cls? */
bool chars_all(const char *p, size_t len, unsigned cls);

#endif
