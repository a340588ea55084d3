/*
 * The datagram transport (UDP) of one worker: its SO_REUSEPORT sockets,
 * one per udp listener, read in batches (recvmmsg into buffers made once,
 * no allocation per packet), each datagram handed up to the worker's
 * pipeline (wctx_up(), proxy/wctx.h); and sending from a listener's
 * socket.  Touched by its worker's thread only.
 */
#ifndef SW_PROXY_DGRAM_H
#define SW_PROXY_DGRAM_H

#include <stddef.h>

struct dgram;
struct flow;
struct wctx;

/* The transport of wc, for a worker with nlisten listeners in all. */
int dgram_alloc(struct dgram **dgp, struct wctx *wc, size_t nlisten);
/* Close nothing (the server owns the sockets); free the events. */
void dgram_free(struct dgram *dg);
/* Read datagrams of listener idx from the bound socket fd. */
int dgram_listen(struct dgram *dg, unsigned idx, int fd);
/* Send buf to dst->f_addr from listener dst->f_lsock. */
void dgram_send(struct dgram *dg, const struct flow *dst, const char *buf,
    size_t len);

#endif
