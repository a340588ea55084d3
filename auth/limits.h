/*
 * Per-source state (SPEC 4.4): failure counts and bans (ban_after,
 * ban_window, ban_time) and challenge_limit token buckets, in one table of
 * fixed size allocated at start and shared by every worker, so a source is
 * one source whatever port or worker its packets reach.  A source is an
 * IPv4 address or an IPv6 /64.
 *
 * The table is set-associative: a keyed hash of the source picks a bucket
 * of LIMITS_WAYS entries (a random key per process, so an attacker cannot
 * aim at a bucket).  A new source takes, in its bucket: a free entry, else
 * the least recently seen entry that is not banned, else the ban closest
 * to its end (seen: a failure or a challenge; the ban check only reads).  So
 * memory never grows with the number of sources, a flood of spoofed sources
 * evicts idle sources first, and an active ban is dropped early only when a
 * whole bucket is banned.  Each bucket has its own lock (striped).
 */
#ifndef SW_AUTH_LIMITS_H
#define SW_AUTH_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa;

#define LIMITS_BUCKETS (1u << 13)
#define LIMITS_WAYS    8 /* 65536 sources in all, ~3 MiB */
#define LIMITS_ADDRLEN 48

struct limits;

/* Called for each ban that ended, with the source as text ("addr="). */
typedef void(limits_unban_h)(const char *addr, void *arg);

int limits_alloc(struct limits **lp);
void limits_free(struct limits *l);

/*
 * Is the source banned at now (seconds)?  Reads only; while no ban is
 * active it takes no lock and reads no entry.
 */
bool limits_banned(struct limits *l, const struct sa *src, uint32_t now);
/*
 * Count a failed authentication at now.  When this makes ban_after
 * failures within window seconds, the source is banned for ban_time
 * seconds: returns true and sets *failures.  ban_after 0 does nothing.
 * A correct authentication does not reset the count: a source holding one
 * valid account could otherwise interleave it with guesses at others'
 * passwords for ever.
 */
bool limits_fail(struct limits *l, const struct sa *src, uint32_t now,
    unsigned ban_after, unsigned window, unsigned ban_time, unsigned *failures);
/*
 * May one more challenge go to src at now_ms?  A token bucket holding at
 * most rate tokens, refilled at rate a second.  rate 0: always.
 */
bool limits_challenge(struct limits *l, const struct sa *src, uint64_t now_ms,
    unsigned rate);
/*
 * End the bans that are over at now (calling unban for each); returns how
 * many are still active.
 */
unsigned limits_sweep(struct limits *l, uint32_t now, limits_unban_h *unban,
    void *arg);
/* One active ban, as limits_bans() reports it. */
typedef void(limits_ban_h)(const char *addr, unsigned failures,
    uint32_t seconds_left, void *arg);
/*
 * Call each for every ban active at now (the failures that made it, the
 * seconds it has left); returns how many.  Locks one bucket at a time:
 * the workers go on meanwhile.
 */
unsigned limits_bans(struct limits *l, uint32_t now, limits_ban_h *each,
    void *arg);
/*
 * End src's ban at once (the operator's "unban"), and forget its
 * failures; false when it was not banned at now.
 */
bool limits_unban(struct limits *l, const struct sa *src, uint32_t now);
/*
 * The source as per-source state sees it: *af 4 with the IPv4 address (an
 * IPv4-mapped IPv6 address included), or *af 6 with the first 64 bits.
 */
uint64_t limits_source(const struct sa *src, uint8_t *af);
/* The source as sipwarden logs it: "203.0.113.7" or "2001:db8:1:2::/64". */
void limits_addr(const struct sa *src, char out[LIMITS_ADDRLEN]);

#endif
