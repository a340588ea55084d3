/*
 * Addresses: "ADDR:PORT" and "transport:ADDR:PORT" parsing, CIDR prefixes,
 * and the one way sipwarden prints an address (IPv6 in brackets).
 * Needs <re.h> for struct sa and struct pl.
 */
#ifndef SW_CORE_ADDR_H
#define SW_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa;

enum transport {
	TP_UDP,
	TP_TCP,
	TP_TLS,
};

/* "ADDR:PORT", "[V6]:PORT" text buffer size, NUL included. */
#define ADDR_STRLEN 48

struct cidr {
	int ci_af;           /* AF_INET or AF_INET6 */
	uint8_t ci_bits;     /* prefix length */
	uint8_t ci_addr[16]; /* network byte order, host bits zero */
};

/*
 * Parse "1.2.3.4:5060" or "[::1]:5060" (port 1..65535 required): literal
 * addresses only, no host names, no "%zone", nothing after the port.
 */
int addr_parse_hostport(const char *s, size_t len, struct sa *sa);
/* Parse "udp:ADDR:PORT" / "tcp:..." / "tls:..."; EPROTO for an unknown one. */
int addr_parse_tp(const char *s, size_t len, enum transport *tp, struct sa *sa);
/* Parse a port number, digits only, 1..65535. */
int addr_parse_port(const char *s, size_t len, uint16_t *port);
/*
 * Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (full length).
 * Host bits set below the prefix are accepted and cleared ("10.1.2.3/8" is
 * 10.0.0.0/8); a v4-mapped IPv6 prefix of /96 or longer
 * ("::ffff:10.0.0.0/104") is stored as the IPv4 prefix it denotes.
 */
int addr_parse_cidr(const char *s, size_t len, struct cidr *c);
/*
 * Does sa fall inside c?  A v4-mapped IPv6 address (::ffff:a.b.c.d) is
 * matched as the IPv4 address it carries: against v4 prefixes only.
 */
bool addr_cidr_match(const struct cidr *c, const struct sa *sa);
/*
 * "1.2.3.4:5060" or "[2001:db8::1]:5060" into buf; returns its length.
 * Never a truncated address: when sa is unset or buf too small, buf is ""
 * and 0 is returned (addr_fmt_ip likewise).
 */
size_t addr_fmt(const struct sa *sa, char *buf, size_t size);
/*
 * The address bytes of sa, network order, into out: 4 for IPv4 and for a
 * v4-mapped IPv6 address (::ffff:a.b.c.d is a.b.c.d), 16 for other IPv6,
 * 0 for neither family (out untouched).
 */
size_t addr_bytes(const struct sa *sa, uint8_t out[16]);
/* The address alone, no brackets, no port. */
size_t addr_fmt_ip(const struct sa *sa, char *buf, size_t size);
/* "udp", "tcp", "tls" and the Via form "UDP", "TCP", "TLS". */
const char *addr_tp_name(enum transport tp);
const char *addr_tp_via(enum transport tp);

#endif
