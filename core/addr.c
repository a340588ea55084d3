/*
 * Address helpers: the only place that turns text into a struct sa or a
 * struct cidr, and the only place that turns a struct sa into text.
 * Parsing is strict (whole input consumed, literal addresses only) because
 * every caller is either the config file or a test of it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <re.h>

#include "core/addr.h"
#include "core/chars.h"
#include "core/obuf.h"

#define ADDR_IPBUF 64 /* longer than any literal inet_pton accepts */

/*
 * The first 12 bytes of a v4-mapped IPv6 address, ::ffff:a.b.c.d (the
 * prefix ::ffff:0:0/96): the one definition, for addr_bytes() and CIDRs.
 */
static const uint8_t addr_v4mapped[12] = { [10] = 0xff, [11] = 0xff };

static const struct {
	const char *tp_name;
	const char *tp_via;
} addr_tps[] = {
	[TP_UDP] = { "udp", "UDP" },
	[TP_TCP] = { "tcp", "TCP" },
	[TP_TLS] = { "tls", "TLS" },
};
#define ADDR_NTPS (sizeof(addr_tps) / sizeof(addr_tps[0]))

/* Copy s[0..len) into buf as a C string; EINVAL if empty or too long. */
static int
addr_cstr(const char *s, size_t len, char *buf, size_t size)
{
	if (len == 0 || len >= size)
		return (EINVAL);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return (0);
}

/* 1 to maxlen decimal digits, a value of at most max. */
static int
addr_parse_num(const char *s, size_t len, size_t maxlen, unsigned long max,
    unsigned long *v)
{
	unsigned long n = 0;
	size_t i;

	if (len > maxlen || !chars_all(s, len, CHARS_DIGIT))
		return (EINVAL);
	for (i = 0; i < len; i++)
		n = n * 10 + (unsigned long)(s[i] - '0');
	if (n > max)
		return (EINVAL);
	*v = n;
	return (0);
}

int
addr_parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v;

	if (s == NULL || port == NULL ||
	    addr_parse_num(s, len, 5, 65535, &v) != 0 || v == 0)
		return (EINVAL);
	*port = (uint16_t)v;
	return (0);
}

/* Set sa from a literal address of family af and a port. */
static int
addr_set(struct sa *sa, int af, const char *host, size_t hlen, uint16_t port)
{
	char buf[ADDR_IPBUF];
	uint8_t a[16];
	uint32_t v4;

	if (addr_cstr(host, hlen, buf, sizeof(buf)) != 0)
		return (EINVAL);
	if (inet_pton(af, buf, a) != 1)
		return (EINVAL);
	if (af == AF_INET6) {
		sa_set_in6(sa, a, port);
		return (0);
	}
	v4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
	    a[3];
	sa_set_in(sa, v4, port);
	return (0);
}

int
addr_parse_hostport(const char *s, size_t len, struct sa *sa)
{
	const char *host, *sep, *end;
	uint16_t port;
	int af;

	if (s == NULL || sa == NULL || len == 0 || memchr(s, '\0', len))
		return (EINVAL);
	end = s + len;
	if (s[0] == '[') {
		host = s + 1;
		if ((sep = memchr(host, ']', (size_t)(end - host))) == NULL)
			return (EINVAL);
		af = AF_INET6;
		if (++sep == end || *sep != ':')
			return (EINVAL);
	} else {
		host = s;
		if ((sep = memchr(s, ':', len)) == NULL)
			return (EINVAL);
		af = AF_INET;
	}
	if (addr_parse_port(sep + 1, (size_t)(end - sep - 1), &port) != 0)
		return (EINVAL);
	if (af == AF_INET6)
		sep--; /* back onto ']' */
	return (addr_set(sa, af, host, (size_t)(sep - host), port));
}

int
addr_parse_tp(const char *s, size_t len, enum transport *tp, struct sa *sa)
{
	const char *colon;
	size_t i, n;

	if (s == NULL || tp == NULL || sa == NULL || len == 0)
		return (EINVAL);
	if ((colon = memchr(s, ':', len)) == NULL)
		return (EPROTO);
	n = (size_t)(colon - s);
	for (i = 0; i < ADDR_NTPS; i++) {
		if (strlen(addr_tps[i].tp_name) == n &&
		    memcmp(addr_tps[i].tp_name, s, n) == 0)
			break;
	}
	if (i == ADDR_NTPS)
		return (EPROTO);
	if (addr_parse_hostport(colon + 1, len - n - 1, sa) != 0)
		return (EINVAL);
	*tp = (enum transport)i;
	return (0);
}

/* Parse the "/bits" part: 1 to 3 digits, at most maxbits. */
static int
addr_parse_bits(const char *s, size_t len, unsigned maxbits, uint8_t *bits)
{
	unsigned long v;

	if (addr_parse_num(s, len, 3, maxbits, &v) != 0)
		return (EINVAL);
	*bits = (uint8_t)v;
	return (0);
}

/* Clear the bits of a below the first bits; a is alen bytes long. */
static void
addr_mask(uint8_t *a, size_t alen, unsigned bits)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a[i] &= (uint8_t)(0xff00 >> bits);
			bits = 0;
		}
	}
}

/* A v4-mapped IPv6 prefix of /96 or more becomes the IPv4 prefix. */
static void
addr_cidr_unmap(struct cidr *c)
{
	if (c->ci_af != AF_INET6 || c->ci_bits < 96 ||
	    memcmp(c->ci_addr, addr_v4mapped, sizeof(addr_v4mapped)) != 0)
		return;
	c->ci_af = AF_INET;
	c->ci_bits -= 96;
	memmove(c->ci_addr, c->ci_addr + 12, 4);
	memset(c->ci_addr + 4, 0, 12);
}

int
addr_parse_cidr(const char *s, size_t len, struct cidr *c)
{
	char buf[ADDR_IPBUF];
	const char *slash;
	struct cidr r;
	size_t alen, blen;
	int err;

	if (s == NULL || c == NULL || memchr(s, '\0', len) != NULL)
		return (EINVAL);
	memset(&r, 0, sizeof(r));
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (addr_cstr(s, alen, buf, sizeof(buf)) != 0)
		return (EINVAL);
	r.ci_af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(r.ci_af, buf, r.ci_addr) != 1)
		return (EINVAL);
	r.ci_bits = r.ci_af == AF_INET ? 32 : 128;
	if (slash != NULL) {
		blen = len - alen - 1;
		err = addr_parse_bits(slash + 1, blen, r.ci_bits, &r.ci_bits);
		if (err != 0)
			return (err);
	}
	addr_mask(r.ci_addr, sizeof(r.ci_addr), r.ci_bits);
	addr_cidr_unmap(&r);
	*c = r;
	return (0);
}

size_t
addr_bytes(const struct sa *sa, uint8_t out[16])
{
	uint32_t v4;

	switch (sa_af(sa)) {
	case AF_INET:
		v4 = sa_in(sa);
		out[0] = (uint8_t)(v4 >> 24);
		out[1] = (uint8_t)(v4 >> 16);
		out[2] = (uint8_t)(v4 >> 8);
		out[3] = (uint8_t)v4;
		return (4);
	case AF_INET6:
		sa_in6(sa, out);
		if (memcmp(out, addr_v4mapped, sizeof(addr_v4mapped)) != 0)
			return (16);
		memmove(out, out + 12, 4);
		return (4);
	default:
		return (0);
	}
}

bool
addr_cidr_match(const struct cidr *c, const struct sa *sa)
{
	uint8_t a[16];
	unsigned full, rest;

	if (c == NULL || sa == NULL ||
	    addr_bytes(sa, a) != (c->ci_af == AF_INET ? 4u : 16u))
		return (false);
	full = c->ci_bits / 8;
	rest = c->ci_bits % 8;
	if (memcmp(a, c->ci_addr, full) != 0)
		return (false);
	if (rest == 0)
		return (true);
	return (((a[full] ^ c->ci_addr[full]) & (0xff00 >> rest) & 0xff) == 0);
}

/*
 * "a.b.c.d" of an IPv4 address into tmp (16 bytes), through obuf: this is
 * on the packet path (received= of every forwarded request), and glibc's
 * inet_ntop() formats IPv4 through sprintf().
 */
static size_t
addr_fmt_ip4(const struct sa *sa, char *tmp)
{
	const uint8_t *b = (const uint8_t *)&sa->u.in.sin_addr.s_addr;
	struct obuf ob;
	int i;

	obuf_init(&ob, tmp, 16);
	for (i = 0; i < 4; i++) {
		if (i > 0)
			obuf_put(&ob, ".", 1);
		obuf_putu(&ob, b[i]);
	}
	tmp[ob.ob_len] = '\0'; /* 15 at most */
	return (ob.ob_len);
}

size_t
addr_fmt_ip(const struct sa *sa, char *buf, size_t size)
{
	char tmp[16];
	size_t n;

	if (buf == NULL || size == 0)
		return (0);
	buf[0] = '\0';
	if (sa == NULL || size > INT_MAX ||
	    (sa_af(sa) != AF_INET && sa_af(sa) != AF_INET6))
		return (0);
	if (sa_af(sa) == AF_INET) {
		if ((n = addr_fmt_ip4(sa, tmp)) >= size)
			return (0);
		memcpy(buf, tmp, n + 1);
		return (n);
	}
	if (sa_ntop(sa, buf, (int)size) != 0) {
		buf[0] = '\0';
		return (0);
	}
	return (strlen(buf));
}

size_t
addr_fmt(const struct sa *sa, char *buf, size_t size)
{
	char ip[ADDR_IPBUF];
	struct obuf ob;
	size_t n;
	bool v6;

	if (buf == NULL || size == 0)
		return (0);
	buf[0] = '\0';
	if (sa == NULL || (n = addr_fmt_ip(sa, ip, sizeof(ip))) == 0)
		return (0);
	v6 = sa_af(sa) == AF_INET6;
	obuf_init(&ob, buf, size - 1); /* a byte for the NUL */
	if (v6)
		obuf_put(&ob, "[", 1);
	obuf_put(&ob, ip, n);
	obuf_puts(&ob, v6 ? "]:" : ":");
	obuf_putu(&ob, sa_port(sa));
	if (ob.ob_full) {
		buf[0] = '\0';
		return (0);
	}
	buf[ob.ob_len] = '\0';
	return (ob.ob_len);
}

const char *
addr_tp_name(enum transport tp)
{
	if ((size_t)tp >= ADDR_NTPS)
		return ("?");
	return (addr_tps[tp].tp_name);
}

const char *
addr_tp_via(enum transport tp)
{
	if ((size_t)tp >= ADDR_NTPS)
		return ("?");
	return (addr_tps[tp].tp_via);
}
