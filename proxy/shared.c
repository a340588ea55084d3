/*
 * What the workers share; see shared.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include <re.h>

#include "proxy/inbox.h"
#include "proxy/shared.h"
#include "sip/snapshot.h"

void
shared_init(struct shared *sh)
{
	(void)pthread_mutex_init(&sh->sh_lock, NULL);
}

void
shared_fini(struct shared *sh)
{
	snapshot_unref(sh->sh_snap);
	sh->sh_snap = NULL;
	(void)pthread_mutex_destroy(&sh->sh_lock);
}

void
shared_publish(struct shared *sh, struct snapshot *sn)
{
	struct snapshot *old;
	uint64_t gen;

	(void)pthread_mutex_lock(&sh->sh_lock);
	old = sh->sh_snap;
	gen = atomic_load(&sh->sh_gen) + 1;
	sn->sn_gen = gen;
	sh->sh_snap = sn;
	atomic_store_explicit(&sh->sh_gen, gen, memory_order_release);
	(void)pthread_mutex_unlock(&sh->sh_lock);
	snapshot_unref(old);
}

struct snapshot *
shared_snapshot(struct shared *sh, uint64_t *gen)
{
	struct snapshot *sn = NULL;
	uint64_t g = atomic_load_explicit(&sh->sh_gen, memory_order_acquire);

	if (g == *gen)
		return (NULL);
	(void)pthread_mutex_lock(&sh->sh_lock);
	sn = snapshot_ref(sh->sh_snap);
	*gen = sn->sn_gen;
	(void)pthread_mutex_unlock(&sh->sh_lock);
	return (sn);
}

int
shared_handoff(const struct shared *sh, unsigned owner, const struct flow *dst,
    const char *buf, size_t len)
{
	if (owner >= sh->sh_nworkers || sh->sh_inbox[owner] == NULL)
		return (ENOENT);
	return (inbox_push(sh->sh_inbox[owner], dst, buf, len));
}
