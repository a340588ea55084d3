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

struct pl;

struct obuf {
	char *ob_p;
	size_t ob_len;
	size_t ob_size;
	bool ob_full;
};

void obuf_init(struct obuf *ob, char *p, size_t size);
void obuf_put(struct obuf *ob, const void *p, size_t n);
void obuf_puts(struct obuf *ob, const char *s);
void obuf_putpl(struct obuf *ob, const struct pl *pl);
void obuf_putu(struct obuf *ob, uint64_t v);

#endif
