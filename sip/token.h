/*
 * What sipwarden writes into the URIs of its Record-Route and Path so that
 * it needs no memory to route a request that comes back through them: the
 * flow token (user part) says which flow the request is for, the dialog
 * token ("swt" parameter) that the dialog was authenticated when it began.
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
 *
 * The pieces of these layouts (secret id lookup, address bytes, connection
 * id) are the Via branch's too (branch.c); they are here, below.
 *
 * Needs <re.h> (struct pl, struct sa).
 */
#ifndef SW_SIP_TOKEN_H
#define SW_SIP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/flow.h"

struct mac;
struct secrets;

#define FLOW_TOKEN_MAXLEN 56
#define DIALOG_TOKEN_LEN  20

size_t flow_token_make(struct mac *m, const struct secrets *s,
    const struct flow *f, char out[FLOW_TOKEN_MAXLEN + 1]);
bool flow_token_check(struct mac *m, const struct secrets *s,
    const struct pl *tok, struct flow *f);

int dialog_token_make(struct mac *m, const struct secrets *s,
    const struct pl *flowtok, const struct pl *callid,
    char out[DIALOG_TOKEN_LEN + 1]);
bool dialog_token_check(struct mac *m, const struct secrets *s,
    const struct pl *tok, const struct pl *flowtok, const struct pl *callid);

/* The index in s of the first secret from index from with this id, or -1. */
int token_secret(const struct secrets *s, uint16_t id, size_t from);
/*
 * The address of sa as it is, into out (4 or 16); returns the count.  Not
 * addr_bytes(): a flow token must give back the very socket address, so
 * a v4-mapped one stays IPv6 (the reply leaves by the socket it came on).
 */
size_t token_addr(const struct sa *sa, uint8_t *out);
/* Is transport tp a stream (TCP or TLS), whose flows name a connection? */
bool token_stream(uint8_t tp);
/* A connection id, 8 bytes big-endian. */
void token_put64(uint8_t *out, uint64_t v);
uint64_t token_get64(const uint8_t *in);

#endif
