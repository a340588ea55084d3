/*
 * An output buffer over caller-owned memory: appends never allocate and
 * never overflow; a write that does not fit sets ob_full and is dropped,
 * so a caller checks once at the end.
 */
#ifndef SW_CORE_OBUF_H
#define SW_CORE_OBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pl;

struct obuf {
	char *ob_p;
	size_t ob_len;
	size_t ob_size;
	bool ob_full;
};

void obuf_init(struct obuf *ob, char *p, size_t size);
void obuf_putpl(struct obuf *ob, const struct pl *pl);
void obuf_putu(struct obuf *ob, uint64_t v);

/*
 * Inline: a message is written in dozens of small pieces, most of them
 * literals whose strlen() the compiler then knows.
 */
static inline void
obuf_put(struct obuf *ob, const void *p, size_t n)
{
	if (ob->ob_full || n > ob->ob_size - ob->ob_len) {
		ob->ob_full = true;
		return;
	}
	memcpy(ob->ob_p + ob->ob_len, p, n);
	ob->ob_len += n;
}

static inline void
obuf_puts(struct obuf *ob, const char *s)
{
	obuf_put(ob, s, strlen(s));
}

#endif
