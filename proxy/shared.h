/*
 * What every worker shares, and nothing more: a worker is given a
 * struct shared, never the struct server that holds it.
 *
 *   sh_snap, sh_gen  the current snapshot (sip/snapshot.h) and its
 *                    generation.  The server publishes (shared_publish(),
 *                    main thread only); a worker takes a reference when
 *                    the generation moved (shared_snapshot()).  A mutex
 *                    guards the pointer while a reference is taken, and
 *                    the snapshot's own atomic count frees the old one
 *                    when its last worker lets it go: a mutex and a
 *                    refcount rather than an atomic pointer swap, since a
 *                    swap alone cannot tell when the old one may be freed.
 *   sh_replay        nonce-count memory (auth/replay.h)
 *   sh_limits        bans and challenge buckets (auth/limits.h)
 *   sh_connlim       TCP/TLS connections in all and per source
 *                    (auth/connlim.h)
 *   sh_inbox         each worker's inbox (proxy/inbox.h), by worker id:
 *                    a message for a connection of another worker is
 *                    handed to its owner (shared_handoff())
 *
 * The server allocates and frees all of it, and fills sh_inbox before
 * any worker runs; workers only read the pointers.
 */
#ifndef SW_PROXY_SHARED_H
#define SW_PROXY_SHARED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct connlim;
struct flow;
struct inbox;
struct limits;
struct replay;
struct snapshot;

struct shared {
	pthread_mutex_t sh_lock;     /* guards sh_snap */
	struct snapshot *sh_snap;    /* current; written by the publisher */
	atomic_uint_fast64_t sh_gen; /* bumped when sh_snap changes */
	struct replay *sh_replay;
	struct limits *sh_limits;
	struct connlim *sh_connlim;
	struct inbox **sh_inbox; /* sh_nworkers of them */
	unsigned sh_nworkers;
};

void shared_init(struct shared *sh);
/* Drop the current snapshot (the workers are gone). */
void shared_fini(struct shared *sh);
/* Make sn, whose reference is given, the current snapshot. */
void shared_publish(struct shared *sh, struct snapshot *sn);
/*
 * The current snapshot if it changed since *gen: takes a reference and
 * updates *gen; returns NULL when it did not change.
 */
struct snapshot *shared_snapshot(struct shared *sh, uint64_t *gen);
/*
 * A copy of buf for worker owner to send to dst.  ENOENT: no such
 * worker; ENOBUFS: its inbox is full; ENOMEM.
 */
int shared_handoff(const struct shared *sh, unsigned owner,
    const struct flow *dst, const char *buf, size_t len);

#endif
