/*
 * The control socket, server and client; see control.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <re.h>

#include "core/log.h"
#include "proxy/control.h"

struct cconn {
	struct cconn *cc_next;
	struct control *cc_ctl;
	struct bufferevent *cc_bev;
};

struct control {
	struct evconnlistener *c_lev;
	char c_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_cmd_h *c_cmd;
	void *c_arg;
	struct cconn *c_conns;
	unsigned c_n;
};

static void
control_close(struct cconn *cc)
{
	struct control *ctl = cc->cc_ctl;
	struct cconn **pp;

	for (pp = &ctl->c_conns; *pp != NULL; pp = &(*pp)->cc_next) {
		if (*pp == cc) {
			*pp = cc->cc_next;
			break;
		}
	}
	ctl->c_n--;
	bufferevent_free(cc->cc_bev);
	free(cc);
}

/* The answer has left: close. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	control_close(arg);
}

/* Send what out holds, then close. */
static void
control_answer(struct cconn *cc, struct evbuffer *out)
{
	(void)bufferevent_disable(cc->cc_bev, EV_READ);
	bufferevent_setcb(cc->cc_bev, NULL, control_write_cb, NULL, cc);
	if (evbuffer_get_length(out) == 0 ||
	    bufferevent_write_buffer(cc->cc_bev, out) != 0)
		control_close(cc);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct cconn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev), *out;
	struct evbuffer_ptr eol;
	char line[CONTROL_LINEMAX + 1];
	size_t n;

	eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
	if ((out = evbuffer_new()) == NULL) {
		control_close(cc);
		return;
	}
	if (eol.pos < 0 || (size_t)eol.pos > CONTROL_LINEMAX) {
		if (eol.pos < 0 && evbuffer_get_length(in) <= CONTROL_LINEMAX) {
			evbuffer_free(out); /* more to come */
			return;
		}
		log_event(LOGL_WARN, "ctl", NULL, "result=error error=%s",
		    "line too long");
		(void)evbuffer_add_printf(out,
		    "error: line too long (at most %d bytes)\n",
		    CONTROL_LINEMAX);
	} else {
		n = (size_t)eol.pos;
		(void)evbuffer_remove(in, line, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		cc->cc_ctl->c_cmd(line, out, cc->cc_ctl->c_arg);
	}
	control_answer(cc, out);
	evbuffer_free(out);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_event(LOGL_INFO, "ctl", NULL, "result=error error=%s",
		    "no command within the timeout");
	control_close(arg);
}

static void
control_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct control *ctl = arg;
	struct timeval tv = { CONTROL_TIMEOUT, 0 };
	struct cconn *cc;

	(void)sa;
	(void)socklen;
	if (ctl->c_n >= CONTROL_MAXCONNS ||
	    (cc = calloc(1, sizeof(*cc))) == NULL) {
		log_event(LOGL_WARN, "ctl", NULL, "result=error error=%s",
		    "too many control connections");
		(void)close(fd);
		return;
	}
	cc->cc_ctl = ctl;
	cc->cc_bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (cc->cc_bev == NULL) {
		(void)close(fd);
		free(cc);
		return;
	}
	cc->cc_next = ctl->c_conns;
	ctl->c_conns = cc;
	ctl->c_n++;
	bufferevent_setcb(cc->cc_bev, control_read_cb, NULL, control_event_cb,
	    cc);
	/* A whole line and one byte more, then the check above refuses. */
	bufferevent_setwatermark(cc->cc_bev, EV_READ, 0, CONTROL_LINEMAX + 2);
	(void)bufferevent_set_timeouts(cc->cc_bev, &tv, &tv);
	(void)bufferevent_enable(cc->cc_bev, EV_READ);
}

static int
control_addr(const char *path, struct sockaddr_un *sun, char *err,
    size_t errsize)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		(void)snprintf(err, errsize, "%s: path too long for a socket",
		    path);
		return (ENAMETOOLONG);
	}
	memcpy(sun->sun_path, path, strlen(path));
	return (0);
}

/* A socket left at path by a process that is gone goes; anything else stays. */
static int
control_clear(const char *path, const struct sockaddr_un *sun, char *err,
    size_t errsize)
{
	struct stat st;
	int fd, busy;

	if (lstat(path, &st) != 0)
		return (0);
	if (!S_ISSOCK(st.st_mode)) {
		(void)snprintf(err, errsize, "%s: exists and is not a socket",
		    path);
		return (EEXIST);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (errno);
	busy = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	(void)close(fd);
	if (busy) {
		(void)snprintf(err, errsize,
		    "%s: another process serves this socket", path);
		return (EADDRINUSE);
	}
	(void)unlink(path);
	return (0);
}

struct control *
control_start(struct event_base *base, const char *path, control_cmd_h *cmd,
    void *arg, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct control *ctl;
	struct group *gr;
	int fd = -1;

	if (control_addr(path, &sun, err, errsize) != 0 ||
	    control_clear(path, &sun, err, errsize) != 0)
		return (NULL);
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		goto fail;
	memcpy(ctl->c_path, sun.sun_path, sizeof(ctl->c_path));
	ctl->c_cmd = cmd;
	ctl->c_arg = arg;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		goto fail;
	if (chmod(path, 0660) != 0)
		goto fail_bound;
	if ((gr = getgrnam("sipwarden")) != NULL &&
	    chown(path, (uid_t)-1, gr->gr_gid) != 0)
		goto fail_bound;
	ctl->c_lev = evconnlistener_new(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, CONTROL_MAXCONNS,
	    fd);
	if (ctl->c_lev == NULL)
		goto fail_bound;
	return (ctl);
fail_bound:
	(void)unlink(path);
fail:
	(void)snprintf(err, errsize, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	free(ctl);
	return (NULL);
}

void
control_stop(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->c_conns != NULL)
		control_close(ctl->c_conns);
	evconnlistener_free(ctl->c_lev);
	(void)unlink(ctl->c_path);
	free(ctl);
}

/* Milliseconds left until end, at least 0. */
static int
control_left(const struct timespec *end)
{
	struct timespec now;
	long long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (end->tv_sec - now.tv_sec) * 1000LL +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return (ms < 0 ? 0 : (int)ms);
}

int
control_ask(const char *path, const char *line, char *out, size_t size,
    int timeout, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct timespec end;
	struct pollfd pfd;
	size_t len = 0, n = strlen(line);
	ssize_t r;
	int fd, e;

	if ((e = control_addr(path, &sun, err, errsize)) != 0)
		return (e);
	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		e = errno;
		(void)snprintf(err, errsize, "%s: %s", path, strerror(e));
		if (fd >= 0)
			(void)close(fd);
		return (e);
	}
	if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		e = errno;
		(void)snprintf(err, errsize, "%s: %s", path, strerror(e));
		(void)close(fd);
		return (e);
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, control_left(&end)) <= 0) {
			(void)snprintf(err, errsize,
			    "%s: no answer within %d s", path, timeout);
			(void)close(fd);
			return (ETIMEDOUT);
		}
		r = read(fd, out + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (len += (size_t)r) == size - 1)
			break;
	}
	(void)close(fd);
	out[len] = '\0';
	return (0);
}
