/*
 * The lexical pieces that the scanner (pkt.c) and the value parsers
 * (pkt_value.c) share on a struct pl: trimming, token runs, bounded
 * decimals, over core/chars.h's classes.  Private to those two files.
 *
 * Needs <re.h> (struct pl).
 */
#ifndef SW_SIP_PKT_LEX_H
#define SW_SIP_PKT_LEX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chars.h"

/* Trim linear white space (folding included) from both ends. */
static inline void
pkt_trim(struct pl *pl)
{
	size_t i = chars_skip(pl->p, pl->l, 0, CHARS_LWS);

	pl->p += i;
	pl->l = chars_rskip(pl->p, pl->l - i, CHARS_LWS);
}

static inline bool
pkt_alltoken(const struct pl *pl)
{
	return (chars_all(pl->p, pl->l, CHARS_TOKEN));
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
		if (!chars_is(pl->p[i], CHARS_DIGIT))
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
	*i = chars_skip(pl->p, pl->l, *i, CHARS_LWS);
}

#endif
