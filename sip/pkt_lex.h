/*
 * The lexical pieces that the scanner (pkt.c) and the value parsers
 * (pkt_value.c) share: RFC 3261 25.1 token and white-space classes,
 * trimming, bounded decimals.  Private to those two files.
 *
 * Needs <re.h> (struct pl).
 */
#ifndef SW_SIP_PKT_LEX_H
#define SW_SIP_PKT_LEX_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 3261 25.1 token characters (in pkt_value.c): alphanum and -.!%*_+`'~ */
extern const uint8_t pkt_token_chars[256];

static inline bool
pkt_istoken(int c)
{
	return (pkt_token_chars[(uint8_t)c] != 0);
}

static inline bool
pkt_isws(int c)
{
	return (c == ' ' || c == '\t');
}

static inline bool
pkt_islws(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* Trim linear white space (folding included) from both ends. */
static inline void
pkt_trim(struct pl *pl)
{
	while (pl->l > 0 && pkt_islws(pl->p[0])) {
		pl->p++;
		pl->l--;
	}
	while (pl->l > 0 && pkt_islws(pl->p[pl->l - 1]))
		pl->l--;
}

static inline bool
pkt_alltoken(const struct pl *pl)
{
	size_t i;

	if (pl->l == 0)
		return (false);
	for (i = 0; i < pl->l; i++)
		if (!pkt_istoken((unsigned char)pl->p[i]))
			return (false);
	return (true);
}

/* Decimal digits only, value <= lim. */
static inline int
pkt_u32(const struct pl *pl, uint32_t lim, uint32_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (pl->l == 0 || pl->l > 10)
		return (EBADMSG);
	for (i = 0; i < pl->l; i++) {
		if (!isdigit((unsigned char)pl->p[i]))
			return (EBADMSG);
		n = n * 10 + (uint64_t)(pl->p[i] - '0');
	}
	if (n > lim)
		return (ERANGE);
	*v = (uint32_t)n;
	return (0);
}

/* Skip white space (folding included) from *i in pl. */
static inline void
pkt_skip_lws(const struct pl *pl, size_t *i)
{
	while (*i < pl->l && pkt_islws(pl->p[*i]))
		(*i)++;
}

#endif
