/*
 * What the libFuzzer targets share; see fz.h.
 */
#include <stdlib.h>

#include "tests/fuzz/fz.h"

void *
fz_alloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return (p);
}
