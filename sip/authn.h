/*
 * The authentication stage of the pipeline (SPEC 4.4) for one client
 * request: find our realm's credentials, check the nonce, the digest
 * response, replay and identity, and say what to do.  Pure decision: the
 * pipeline logs, counts and sends.  Challenges are built here too.
 */
#ifndef SW_SIP_AUTHN_H
#define SW_SIP_AUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/digest.h"

struct flow;
struct mac;
struct obuf;
struct pkt;
struct replay;
struct sa;
struct snapshot;

/* auth_fail reasons (SPEC section 5), in one list. */
#define AUTHN_REASONS(X)                                                       \
	X(BAD_RESPONSE, "bad_response", true)                                  \
	X(UNKNOWN_USER, "unknown_user", true)                                  \
	X(STALE_NONCE, "stale_nonce", false)                                   \
	X(BAD_NONCE, "bad_nonce", false)                                       \
	X(REPLAY, "replay", false)                                             \
	X(WRONG_REALM, "wrong_realm", false)                                   \
	X(BAD_HEADER, "bad_header", false)                                     \
	X(IDENTITY, "identity", true)

enum authn_reason {
	AUTHN_NONE, /* no credentials for our realm: a plain challenge */
#define X(e, s, b) AUTHN_##e,
	AUTHN_REASONS(X)
#undef X
	    AUTHN_NREASONS,
};

enum authn_verdict {
	AUTHN_PASS,      /* credentials verified */
	AUTHN_CHALLENGE, /* 401 / 407 with fresh nonces */
	AUTHN_FORBIDDEN, /* 403: good credentials, someone else's identity */
};

#define AUTHN_MAXSTRIP 8

struct authn_result {
	enum authn_verdict ar_verdict;
	enum authn_reason ar_reason;
	bool ar_stale;
	struct digest_str ar_user;          /* claimed username, if any */
	struct pl ar_strip[AUTHN_MAXSTRIP]; /* our realm's credential lines */
	size_t ar_nstrip;
	bool ar_scanned; /* ar_strip is filled (authn_request, authn_strip) */
};

/* Per-worker state of the stage. */
struct authn {
	struct digest *an_digest;
	struct mac *an_mac;       /* borrowed from the pipeline context */
	struct replay *an_replay; /* shared by all workers, borrowed */
	uint8_t an_dummy[DIGEST_HASHMAX]; /* HA1 for unknown users */
};

const char *authn_reason_name(enum authn_reason r);
/* Does a failure for this reason count towards a ban? */
bool authn_reason_bans(enum authn_reason r);

int authn_init(struct authn *an, struct mac *m, struct replay *r);
void authn_fini(struct authn *an);

/*
 * Decide for request p from src at now (seconds).  The nonce is bound to
 * src's address; a retransmission must come over UDP from the same
 * address, port and listener.
 */
void authn_request(struct authn *an, const struct snapshot *sn,
    const struct pkt *p, const struct flow *src, uint32_t now,
    struct authn_result *res);

/*
 * Our realm's credential lines in p, into res->ar_strip, for a request
 * that passes without authn_request (ACK, CANCEL, a dialog token, a
 * trusted source): they never reach the PBX.
 */
void authn_strip(const struct snapshot *sn, const struct pkt *p,
    struct authn_result *res);

/*
 * The challenge header lines for p (WWW-Authenticate for REGISTER,
 * Proxy-Authenticate otherwise), one per configured algorithm, each with
 * its own nonce, into ob.
 */
int authn_challenge(struct authn *an, const struct snapshot *sn,
    const struct pkt *p, const struct sa *src, uint32_t now, bool stale,
    struct obuf *ob);

#endif
