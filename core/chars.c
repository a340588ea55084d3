/*
 * Character classes; see chars.h.
 */
#include "core/chars.h"

#define T  CHARS_TOKEN
#define D  (CHARS_DIGIT | CHARS_HEX | CHARS_ALNUM | CHARS_TOKEN)
#define XU (CHARS_HEX | CHARS_ALNUM | CHARS_TOKEN) /* A-F and a-f */
#define A  (CHARS_ALNUM | CHARS_TOKEN)

/* clang-format off */
const uint8_t chars_class[256] = {
	['\t'] = CHARS_WS | CHARS_LWS | CHARS_SPACE,
	['\n'] = CHARS_LWS | CHARS_SPACE,
	['\v'] = CHARS_SPACE,
	['\f'] = CHARS_SPACE,
	['\r'] = CHARS_LWS | CHARS_SPACE,
	[' '] = CHARS_WS | CHARS_LWS | CHARS_SPACE,
	['-'] = T, ['.'] = T, ['!'] = T, ['%'] = T, ['*'] = T, ['_'] = T,
	['+'] = T, ['`'] = T, ['\''] = T, ['~'] = T,
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
	['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['A'] = XU, ['B'] = XU, ['C'] = XU, ['D'] = XU, ['E'] = XU, ['F'] = XU,
	['a'] = XU, ['b'] = XU, ['c'] = XU, ['d'] = XU, ['e'] = XU, ['f'] = XU,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A,
	['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A,
	['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A,
	['Y'] = A, ['Z'] = A,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A,
};
/* clang-format on */

#undef T
#undef D
#undef XU
#undef A

size_t
chars_skip(const char *p, size_t len, size_t i, unsigned cls)
{
	while (i < len && chars_is(p[i], cls))
		i++;
	return (i);
}

size_t
chars_rskip(const char *p, size_t len, unsigned cls)
{
	while (len > 0 && chars_is(p[len - 1], cls))
		len--;
	return (len);
}

bool
chars_all(const char *p, size_t len, unsigned cls)
{
	return (len > 0 && chars_skip(p, len, 0, cls) == len);
}
