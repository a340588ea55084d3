/*
 * The Via branch sipwarden gives every request it forwards, so that it
 * needs no memory to relay what comes back: the response goes to the flow
 * the branch names, and only if the branch verifies.  (The tokens of its
 * Record-Route and Path URIs, made of the same pieces, are in token.h.)
 *
 * Via branch (RFC 3261 16.11), "z9hG4bK" "sw" then base64url of 22 bytes:
 *   0      version, 1
 *   1..2   id of the secret (auth/secrets.h), big-endian
 *   3      listener index the response is to be sent from
 *   4..11  transaction hash: SipHash-2-4 (auth/mac.h, mac_hash64: keyed
 *          from the branch key, big-endian) of "t" + the incoming
 *          request's top-Via branch and sent-by, or for RFC 2543 requests
 *          (no z9hG4bK) Request-URI, From tag, Call-ID, CSeq number and
 *          top Via, so retransmissions, the CANCEL and the non-2xx ACK of
 *          an INVITE get the same branch; keyed, so outsiders can neither
 *          predict nor collide it, and the MAC below covers it
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
 * Verification is constant time and fails closed: unknown version or
 * secret, wrong length, any changed byte.
 */
#ifndef SW_SIP_BRANCH_H
#define SW_SIP_BRANCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/flow.h"

struct mac;
struct pkt;
struct secrets;

#define BRANCH_PREFIX    "z9hG4bKsw"
#define BRANCH_PREFIXLEN 9
#define BRANCH_RAWLEN    22
#define BRANCH_STRLEN    (BRANCH_PREFIXLEN + 30)
#define BRANCH_MAXLEN    (BRANCH_PREFIXLEN + 40)

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

#endif
