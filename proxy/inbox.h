/*
 * A worker's inbox: messages other workers hand it for connections it
 * owns (a TCP/TLS connection belongs to the worker that accepted it, but
 * a datagram from the PBX for it may land on any worker).  A list under a
 * mutex and a pipe that wakes the owner's loop; bounded, so a flood of
 * such messages costs a bounded amount of memory.
 */
#ifndef SW_PROXY_INBOX_H
#define SW_PROXY_INBOX_H

#include <stddef.h>

struct flow;
struct worker;

#define INBOX_MAX 4096 /* messages waiting in one inbox */

int inbox_init(struct worker *w);
/* Free what is still queued (the workers are halted). */
void inbox_fini(struct worker *w);
/*
 * From worker w, a copy of buf for worker owner to send to dst (it calls
 * stream_send()).  ENOENT: no such worker; ENOBUFS: its inbox is full.
 */
int inbox_push(struct worker *w, unsigned owner, const struct flow *dst,
    const char *buf, size_t len);

#endif
