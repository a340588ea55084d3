/*
 * Messages between workers; see inbox.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <re.h>

#include "proxy/inbox.h"
#include "proxy/server.h"
#include "proxy/stream.h"
#include "proxy/worker_impl.h"

/* A message from another worker for one of our connections. */
struct whand {
	struct whand *h_next;
	struct flow h_dst;
	size_t h_len;
	char h_buf[];
};

int
inbox_push(struct worker *w, unsigned owner, const struct flow *dst,
    const char *buf, size_t len)
{
	struct server *srv = w->w_srv;
	struct worker *o;
	struct whand *h;
	bool wake;

	if (owner >= srv->sv_nworkers || (o = srv->sv_workers[owner]) == NULL)
		return (ENOENT);
	if ((h = malloc(sizeof(*h) + len)) == NULL)
		return (ENOMEM);
	h->h_next = NULL;
	h->h_dst = *dst;
	h->h_len = len;
	memcpy(h->h_buf, buf, len);
	(void)pthread_mutex_lock(&o->w_inlock);
	if (o->w_inlen >= INBOX_MAX) {
		(void)pthread_mutex_unlock(&o->w_inlock);
		free(h);
		return (ENOBUFS);
	}
	*o->w_intail = h;
	o->w_intail = &h->h_next;
	wake = o->w_inlen++ == 0;
	(void)pthread_mutex_unlock(&o->w_inlock);
	/* One byte per empty-to-non-empty change: the pipe never fills. */
	if (wake)
		(void)!write(o->w_infd[1], "x", 1);
	atomic_fetch_add_explicit(&w->w_sst.ss_handoffs, 1,
	    memory_order_relaxed);
	return (0);
}

static void
inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct whand *h, *next;
	char drain[64];

	while (read(fd, drain, sizeof(drain)) > 0)
		;
	(void)pthread_mutex_lock(&w->w_inlock);
	h = w->w_inhead;
	w->w_inhead = NULL;
	w->w_intail = &w->w_inhead;
	w->w_inlen = 0;
	(void)pthread_mutex_unlock(&w->w_inlock);
	worker_refresh(w);
	for (; h != NULL; h = next) {
		next = h->h_next;
		stream_send(w, &h->h_dst, h->h_buf, h->h_len);
		free(h);
	}
}

int
inbox_init(struct worker *w)
{
	(void)pthread_mutex_init(&w->w_inlock, NULL);
	w->w_intail = &w->w_inhead;
	if (pipe2(w->w_infd, O_CLOEXEC | O_NONBLOCK) != 0)
		return (errno);
	w->w_inev = event_new(w->w_base, w->w_infd[0], EV_READ | EV_PERSIST,
	    inbox_cb, w);
	if (w->w_inev == NULL || event_add(w->w_inev, NULL) != 0)
		return (ENOMEM);
	return (0);
}

void
inbox_fini(struct worker *w)
{
	struct whand *h, *next;
	size_t i;

	for (h = w->w_inhead; h != NULL; h = next) {
		next = h->h_next;
		free(h);
	}
	w->w_inhead = NULL;
	if (w->w_inev != NULL)
		event_free(w->w_inev);
	w->w_inev = NULL;
	for (i = 0; i < 2; i++) {
		if (w->w_infd[i] >= 0)
			(void)close(w->w_infd[i]);
		w->w_infd[i] = -1;
	}
	if (w->w_intail != NULL)
		(void)pthread_mutex_destroy(&w->w_inlock);
	w->w_intail = NULL;
}
