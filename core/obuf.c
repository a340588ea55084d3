/*
 * Bounded output buffer; see obuf.h.
 */
#include <string.h>

#include <re.h>

#include "core/obuf.h"

void
obuf_init(struct obuf *ob, char *p, size_t size)
{
	ob->ob_p = p;
	ob->ob_len = 0;
	ob->ob_size = size;
	ob->ob_full = false;
}

void
obuf_putpl(struct obuf *ob, const struct pl *pl)
{
	obuf_put(ob, pl->p, pl->l);
}

void
obuf_putu(struct obuf *ob, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	obuf_put(ob, tmp + i, sizeof(tmp) - i);
}
