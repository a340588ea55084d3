/*
 * Replay memory for nonce-counts (SPEC 4.4), fixed in size at start and
 * shared by every worker (striped locks).  Each nonce owns one slot, named
 * by its counter (auth/nonce.h): the slot remembers the highest nc used
 * with it, a bitmap of the 64 below, and the last two requests that used
 * it, so a UDP retransmission of either is let through again (a phone that
 * sends REGISTER then SUBSCRIBE on one nonce and lost the REGISTER's 200).
 * Without qop, a nonce is used with nc 1 once: single use.
 *
 * A retransmission is the same bytes from the same place (RFC 3261
 * 17.1.1.2 retransmits a request unchanged): a request is remembered by a
 * keyed 64-bit hash of where it came from (the caller's bytes: transport,
 * address and port, connection) and of the whole message (SipHash-2-4
 * under a random key of this process), so a copy that reuses the nonce
 * and nc with anything changed (a Contact, the body, the Request-URI, a
 * new branch, another source port) is a replay, and nobody who does not
 * know the key can make a changed message hash the same.
 *
 * The trade-off: slots are reused round-robin, REPLAY_SLOTS apart.  A
 * nonce whose slot was taken by a newer one is answered as stale (the
 * client re-authenticates with a fresh nonce, one round trip) rather than
 * forgotten, so a replay is never accepted because memory ran out.  With
 * 262144 slots of 64 bytes (16 MiB; 20 MiB with the foreign ones) and nonce_ttl
 * 300, that happens only above ~870 challenges a second sustained for the whole
 * ttl, which challenge_limit bounds per source.
 *
 * A nonce of another instance sharing the secret (other n_instance) claims
 * a slot of its own kind on first use here: REPLAY_FOREIGN_SLOTS more
 * slots after the ring, chosen by a keyed hash; each instance then refuses
 * replays of what it has seen.  Kept apart from the ring, the phones that
 * a balancer moves here (an instance failed) never push out the nonces of
 * the phones that were here all along, nor the other way round.  Among
 * themselves foreign nonces may share a slot.  Once such a nonce loses its
 * slot it cannot be told from one never seen, so the slot remembers the
 * newest issue time of the foreign nonces it lost, and a foreign nonce no
 * newer than that is answered as stale: never accepted twice.  (65536
 * slots: the nonces of 10000 moved phones share a slot about 750 times,
 * each such phone then answering one challenge more.)
 */
#ifndef SW_AUTH_REPLAY_H
#define SW_AUTH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nonce;

#define REPLAY_SLOTS         (1u << 18) /* the ring of ours */
#define REPLAY_FOREIGN_SLOTS (1u << 16) /* other instances', hashed */
#define REPLAY_ALL_SLOTS     (REPLAY_SLOTS + REPLAY_FOREIGN_SLOTS)
#define REPLAY_RETRANS_SECS  32

enum replay_result {
	REPLAY_OK,      /* first use of this nc: accept */
	REPLAY_RETRANS, /* the same bytes again within 32 s: accept */
	REPLAY_USED,    /* nc already used with this nonce: refuse */
	REPLAY_GONE,    /* the slot now belongs to a newer nonce: stale */
};

struct replay;

int replay_alloc(struct replay **rp);
void replay_free(struct replay *r);
/* This process's instance id (random per start). */
uint32_t replay_instance(const struct replay *r);
/* The counter for a new nonce; claims its slot. */
uint32_t replay_issue(struct replay *r);
/*
 * The fingerprint of a message (msg, len bytes) that came from the place
 * named by from (fromlen bytes), for replay_use.
 */
uint64_t replay_msg_hash(const struct replay *r, const void *from,
    size_t fromlen, const void *msg, size_t len);
/*
 * Record a use of nonce n with nc (1 when there is no qop) by the message
 * whose fingerprint is msg (replay_msg_hash) at now.
 */
enum replay_result replay_use(struct replay *r, const struct nonce *n,
    uint32_t nc, uint64_t msg, uint32_t now);

#endif
