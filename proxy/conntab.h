/*
 * A worker's table of its TCP/TLS connections: a slot for each, and for
 * each slot a generation, so that a connection is named by an id that
 * stops matching the moment it closes.  A connection id (struct flow
 * f_conn, and inside Via branches and flow tokens, sip/branch.h) is
 *
 *   bits 63..56  worker (the one that owns the connection)
 *        55..32  slot
 *        31..0   the slot's generation, never 0
 *
 * so an id is never 0 (0 in f_conn means "no connection"), a message for
 * a connection of another worker is known as such from its id alone, and
 * an id whose slot was freed (and maybe reused) since matches nothing.
 * First generations are random: an id kept from before a restart (or
 * written by another instance sharing secret_file) names none of ours
 * but by a 2^-32 chance.  A freed slot is the next one taken (a stack);
 * the table grows by doubling up to the maximum given.  It stores
 * pointers it does not own and knows nothing of what they point to.
 */
#ifndef SW_PROXY_CONNTAB_H
#define SW_PROXY_CONNTAB_H

#include <stddef.h>
#include <stdint.h>

#define CONN_ID(wk, slot, gen)                                                 \
	((uint64_t)(wk) << 56 | (uint64_t)(slot) << 32 | (uint64_t)(gen))
#define CONN_WORKER(id) ((unsigned)((id) >> 56))
#define CONN_SLOT(id)   ((uint32_t)((id) >> 32) & 0xffffffu)
#define CONN_GEN(id)    ((uint32_t)(id))

#define CONN_MAXSLOTS 0xffffffu /* 24 bits */
#define CONN_FIRSTCAP 32        /* slots at first */

struct conntab;

/* A table for worker (0..255) of at most max slots (CONN_MAXSLOTS). */
int conntab_alloc(struct conntab **ctp, unsigned worker, size_t max);
void conntab_free(struct conntab *ct);
/* Put conn in a free slot and give its id; ENOSPC when full, ENOMEM. */
int conntab_add(struct conntab *ct, void *conn, uint64_t *idp);
/* The connection id names, or NULL when it is gone or not ours. */
void *conntab_get(const struct conntab *ct, uint64_t id);
/* Free the slot of id (a live one): the id stops matching at once. */
void conntab_del(struct conntab *ct, uint64_t id);
/* The slots there are now, and what slot i holds (NULL: free). */
size_t conntab_cap(const struct conntab *ct);
void *conntab_at(const struct conntab *ct, size_t slot);

#endif
