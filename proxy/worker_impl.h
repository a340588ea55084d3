/*
 * The inside of a worker, shared by worker.c (datagrams, the thread) and
 * stream.c (connections).  Nothing else includes it.
 */
#ifndef SW_PROXY_WORKER_IMPL_H
#define SW_PROXY_WORKER_IMPL_H

#include <sys/socket.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "sip/pipeline.h"
#include "proxy/stream.h"

#define WORKER_BATCH 16
#define WORKER_RXLEN (PKT_MAXLEN + 1)

struct evconnlistener;
struct wconn;
struct whand;

struct wsock {
	struct worker *ws_w;
	struct event *ws_ev;           /* UDP: readable */
	struct evconnlistener *ws_lev; /* TCP, TLS: accepting */
	struct event *ws_retry;        /* accepting again after EMFILE */
	int ws_fd;
	unsigned ws_idx;
};

struct worker {
	struct server *w_srv;
	unsigned w_id;
	pthread_t w_thread;
	int w_started;
	struct event_base *w_base;
	struct wsock w_socks[CFG_MAX_LISTEN];
	size_t w_nsocks;
	int w_stopfd[2];
	struct event *w_stopev;
	struct snapshot *w_snap;
	uint64_t w_gen;
	struct pctx *w_pc;
	struct mmsghdr w_msgs[WORKER_BATCH];
	struct iovec w_iov[WORKER_BATCH];
	struct sockaddr_storage w_from[WORKER_BATCH];
	char (*w_rx)[WORKER_RXLEN];

	/* Connections (stream.c), by slot; a slot's generation. */
	struct wconn **w_conns;
	uint32_t *w_cgen;
	uint32_t *w_cfree; /* free slots, a stack */
	size_t w_ncfree;
	size_t w_ccap;
	struct wconn *w_up;        /* to the upstream, or NULL */
	uint64_t w_up_failed;      /* ms of its last failure */
	struct log_rate w_connlog; /* the transport's own lines */
	struct stream_stats w_sst;
	/* Messages from other workers for our connections. */
	pthread_mutex_t w_inlock;
	struct whand *w_inhead, **w_intail;
	size_t w_inlen;
	int w_infd[2];
	struct event *w_inev;
};

uint64_t worker_now_ms(void);
/* Take the current snapshot if a reload published a new one. */
void worker_refresh(struct worker *w);
/* Carry out an action of the pipeline. */
void worker_act(struct worker *w, const struct action *act);
/* Run one received message through the pipeline and act on it. */
void worker_message(struct worker *w, const char *buf, size_t len,
    const struct flow *src, uint64_t now);

#endif
