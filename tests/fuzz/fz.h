/*
 * What the libFuzzer targets share (prefix fz_).
 */
#ifndef SW_TESTS_FZ_H
#define SW_TESTS_FZ_H

#include <stddef.h>

/* malloc(n) at its exact size, so that ASan sees a read past n (one byte
 * for 0); aborts when out of memory. */
void *fz_alloc(size_t n);

#endif
