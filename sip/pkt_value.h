/*
 * The values inside SIP header lines, as the packet path reads them: comma
 * lists, parameter lists, name-addr / addr-spec, the host and port of a
 * sip: or sips: URI, and a Via element.  Each returns views (struct pl)
 * into the caller's buffer and allocates nothing.
 *
 * They decide what is well formed, and are strict where two readers could
 * disagree: a quote or backslash inside a token value, a repeated or
 * non-token Via branch, a ";tag" without a value are refused, not guessed
 * at (pkt_scan() answers such a message 400 or drops it).
 *
 * Needs <re.h> (struct pl).
 */
#ifndef SW_SIP_PKT_VALUE_H
#define SW_SIP_PKT_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One Via element ("SIP/2.0/UDP host:port;params"). */
struct pkt_via {
	bool v_set;
	uint8_t v_hdr;      /* index of the header line it is in */
	struct pl v_elem;   /* the whole element, within that header's value */
	struct pl v_tp;     /* "UDP", "TCP", ... */
	struct pl v_host;   /* without brackets for IPv6 */
	uint16_t v_port;    /* 0: none given */
	struct pl v_params; /* from the first ';' to the end of the element */
	struct pl v_branch;
	struct pl v_received;
	bool v_rport;         /* rport present */
	struct pl v_rportval; /* its value, empty when none */
};

/* A name-addr / addr-spec header: From, To, Route, ... */
struct pkt_naddr {
	struct pl n_uri;    /* the URI, without < > */
	struct pl n_params; /* header parameters after the URI, from ';' */
	struct pl n_tag;    /* tag= value (From, To) */
};

/* Parse one Via element; 0 or EBADMSG. */
int pkt_via_parse(struct pkt_via *v, const struct pl *elem);
/* Split a comma list: the element starting at *pos in val; false at end. */
bool pkt_list_next(const struct pl *val, size_t *pos, struct pl *elem);
/* Parse a name-addr or addr-spec. */
int pkt_naddr_parse(struct pkt_naddr *n, const struct pl *val);
/*
 * The next parameter of a list (";a=b;c") from *pos (which is at a ';'):
 * its name, its value (empty when none), and the whole of it from the
 * ';' up to the next one.  false at the end or on a syntax error.
 */
bool pkt_param_next(const struct pl *params, size_t *pos, struct pl *name,
    struct pl *val, struct pl *whole);
/*
 * The value of ;name[=value] in a parameter list (";a=b;c"), name the
 * namelen bytes at name in any case.  PKT_PARAM passes a literal's length.
 */
bool pkt_param(const struct pl *params, const char *name, size_t namelen,
    struct pl *val);
#define PKT_PARAM(params, name, val)                                           \
	pkt_param((params), "" name, sizeof(name) - 1, (val))
/* Host and port of a sip: / sips: URI; port 0 when none. */
int pkt_uri_hostport(const struct pl *uri, struct pl *user, struct pl *host,
    uint16_t *port, struct pl *params);

#endif
