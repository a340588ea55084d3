/*
 * A queue between threads; see inbox.h.
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
#include "sip/flow.h"

/* One queued message. */
struct inbox_msg {
	struct inbox_msg *im_next;
	struct flow im_dst;
	size_t im_len;
	char im_buf[];
};

struct inbox {
	pthread_mutex_t ib_lock;
	struct inbox_msg *ib_head, **ib_tail;
	size_t ib_len;
	int ib_fd[2]; /* the wake pipe */
	struct event *ib_ev;
	inbox_deliver_h *ib_deliver;
	void *ib_arg;
};

int
inbox_push(struct inbox *ib, const struct flow *dst, const char *buf,
    size_t len)
{
	struct inbox_msg *m;
	bool wake;

	if ((m = malloc(sizeof(*m) + len)) == NULL)
		return (ENOMEM);
	m->im_next = NULL;
	m->im_dst = *dst;
	m->im_len = len;
	memcpy(m->im_buf, buf, len);
	(void)pthread_mutex_lock(&ib->ib_lock);
	if (ib->ib_len >= INBOX_MAX) {
		(void)pthread_mutex_unlock(&ib->ib_lock);
		free(m);
		return (ENOBUFS);
	}
	*ib->ib_tail = m;
	ib->ib_tail = &m->im_next;
	wake = ib->ib_len++ == 0;
	(void)pthread_mutex_unlock(&ib->ib_lock);
	/* One byte per empty-to-non-empty change: the pipe never fills. */
	if (wake)
		(void)!write(ib->ib_fd[1], "x", 1);
	return (0);
}

size_t
inbox_len(struct inbox *ib)
{
	size_t n;

	(void)pthread_mutex_lock(&ib->ib_lock);
	n = ib->ib_len;
	(void)pthread_mutex_unlock(&ib->ib_lock);
	return (n);
}

static void
inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct inbox *ib = arg;
	struct inbox_msg *m, *next;
	char drain[64];

	while (read(fd, drain, sizeof(drain)) > 0)
		;
	(void)pthread_mutex_lock(&ib->ib_lock);
	m = ib->ib_head;
	ib->ib_head = NULL;
	ib->ib_tail = &ib->ib_head;
	ib->ib_len = 0;
	(void)pthread_mutex_unlock(&ib->ib_lock);
	for (; m != NULL; m = next) {
		next = m->im_next;
		ib->ib_deliver(&m->im_dst, m->im_buf, m->im_len, ib->ib_arg);
		free(m);
	}
}

int
inbox_alloc(struct inbox **ibp, struct event_base *base,
    inbox_deliver_h *deliver, void *arg)
{
	struct inbox *ib;
	int err;

	if ((ib = calloc(1, sizeof(*ib))) == NULL)
		return (ENOMEM);
	(void)pthread_mutex_init(&ib->ib_lock, NULL);
	ib->ib_tail = &ib->ib_head;
	ib->ib_deliver = deliver;
	ib->ib_arg = arg;
	ib->ib_fd[0] = ib->ib_fd[1] = -1;
	if (pipe2(ib->ib_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
		err = errno;
		goto bad;
	}
	err = ENOMEM;
	ib->ib_ev =
	    event_new(base, ib->ib_fd[0], EV_READ | EV_PERSIST, inbox_cb, ib);
	if (ib->ib_ev == NULL || event_add(ib->ib_ev, NULL) != 0)
		goto bad;
	*ibp = ib;
	return (0);
bad:
	inbox_free(ib);
	return (err);
}

void
inbox_free(struct inbox *ib)
{
	struct inbox_msg *m, *next;
	size_t i;

	if (ib == NULL)
		return;
	for (m = ib->ib_head; m != NULL; m = next) {
		next = m->im_next;
		free(m);
	}
	if (ib->ib_ev != NULL)
		event_free(ib->ib_ev);
	for (i = 0; i < 2; i++)
		if (ib->ib_fd[i] >= 0)
			(void)close(ib->ib_fd[i]);
	(void)pthread_mutex_destroy(&ib->ib_lock);
	free(ib);
}
