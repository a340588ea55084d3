/*
 * What sipwarden writes into SIP so that it needs no memory to route what
 * comes back: the Via branch of every request it forwards, and the flow
 * token in the user part of its Record-Route and Path URIs.
 *
 * Flow: where a message for a client (or the PBX) must go: the transport,
 * the index of our listener that talks to it, its address and, on TCP and
 * TLS, the connection (proxy/stream.h: the worker that owns it, its slot
 * and the slot's generation, so a reused slot never matches an old id).
 *
 * Via branch (RFC 3261 16.11), "z9hG4bK" "sw" then base64url of 22 bytes:
 *   0      version, 1
 *   1..2   id of the secret (auth/secrets.h), big-endian
 *   3      listener index the response is to be sent from
 *   4..11  transaction hash: HMAC(branch key, "t" + the incoming request's
 *          top-Via branch and sent-by, or for RFC 2543 requests (no
 *          z9hG4bK) Request-URI, From tag, Call-ID, CSeq number and top
 *          Via), so retransmissions, the CANCEL and the non-2xx ACK of an
 *          INVITE get the same branch
 *   12..19 only when the relay transport is TCP or TLS: the id of the
 *          connection the response goes back on (struct flow f_conn,
 *          big-endian)
 *   then   MAC, 10 bytes: HMAC(branch key, "r" + every byte before it +
 *          transport (TLS counted as TCP: the connection decides) + relay
 *          address + port): the response is relayed only to that address
 *          (and connection)
 * 39 characters in all (BRANCH_STRLEN), 49 with a connection
 * (BRANCH_MAXLEN).
 *
 * Flow token, base64url of:
 *   0      version, 1
 *   1..2   secret id
 *   3      transport (enum transport)
 *   4      listener index
 *   5      address family: 4 or 6
 *   6..    address (4 or 16 bytes), then port (2 bytes, big-endian)
 *   then   only for TCP and TLS: the connection id (8 bytes, big-endian)
 *   last 10 bytes: HMAC(token key, all bytes before)
 * 30 characters for IPv4, 46 for IPv6; 10 more with a connection.
 *
 * Dialog token, the "swt" parameter of sipwarden's Record-Route URIs
 * (SPEC 4.4): base64url of 15 bytes, 20 characters:
 *   0      version, 1
 *   1..2   secret id
 *   3..14  HMAC(token key, "d" + bytes 0..2 + the length of the flow
 *          token of the same URI (2 bytes) + that flow token + the
 *          Call-ID), first 12 bytes
 * It does not expire (dialogs last hours); it stops verifying when its
 * secret is removed from secret_file.
 *
 * Verification is constant time and fails closed: unknown version or
 * secret, wrong length, any changed byte.
 */
#ifndef SW_SIP_BRANCH_H
#define SW_SIP_BRANCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mac;
struct pkt;
struct secrets;

#define BRANCH_PREFIX     "z9hG4bKsw"
#define BRANCH_PREFIXLEN  9
#define BRANCH_RAWLEN     22
#define BRANCH_STRLEN     (BRANCH_PREFIXLEN + 30)
#define BRANCH_MAXLEN     (BRANCH_PREFIXLEN + 40)
#define FLOW_TOKEN_MAXLEN 56
#define DIALOG_TOKEN_LEN  20

struct flow {
	uint8_t f_tp;    /* enum transport */
	uint8_t f_lsock; /* listener index */
	uint64_t f_conn; /* TCP/TLS connection id; 0: none (UDP, or "any") */
	struct sa f_addr;
};

/* The branch for forwarding p; relay is where its responses go. */
int branch_make(struct mac *m, const struct secrets *s, const struct pkt *p,
    const struct flow *relay, char out[BRANCH_MAXLEN + 1]);
/*
 * Is branch one of ours, made for relay (f_tp and f_addr set by the
 * caller)?  On success sets relay->f_lsock and relay->f_conn.
 */
bool branch_check(struct mac *m, const struct secrets *s,
    const struct pl *branch, struct flow *relay);
/* Does branch look like one of ours (prefix and a length of ours)? */
bool branch_is_ours(const struct pl *branch);

size_t flow_token_make(struct mac *m, const struct secrets *s,
    const struct flow *f, char out[FLOW_TOKEN_MAXLEN + 1]);
bool flow_token_check(struct mac *m, const struct secrets *s,
    const struct pl *tok, struct flow *f);

int dialog_token_make(struct mac *m, const struct secrets *s,
    const struct pl *flowtok, const struct pl *callid,
    char out[DIALOG_TOKEN_LEN + 1]);
bool dialog_token_check(struct mac *m, const struct secrets *s,
    const struct pl *tok, const struct pl *flowtok, const struct pl *callid);

#endif
