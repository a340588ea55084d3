/*
 * Start-up, signals, reload and shut-down; see server.h.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <re.h>

#include "auth/connlim.h"
#include "auth/limits.h"
#include "auth/replay.h"
#include "auth/users.h"
#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "core/obuf.h"
#include "proxy/control.h"
#include "proxy/loader.h"
#include "proxy/metrics.h"
#include "proxy/server.h"
#include "proxy/shared.h"
#include "proxy/worker.h"
#include "sip/pctx.h"
#include "sip/snapshot.h"
#include "version.h"

#define SERVER_RCVBUF  (4 * 1024 * 1024)
#define SERVER_BACKLOG 1024

/* Collects "FILE:LINE: message" lines while a config loads. */
struct server_msgs {
	char sm_first[1024];
	unsigned sm_n;
	enum log_level sm_level;
};

static void
server_msg_cb(const char *msg, void *arg)
{
	struct server_msgs *sm = arg;

	if (sm->sm_n++ == 0)
		(void)snprintf(sm->sm_first, sizeof(sm->sm_first), "%s", msg);
	log_event(sm->sm_level, "config", NULL, "error=%s", msg);
}

static void
server_warn_cb(const char *msg, void *arg)
{
	log_event(LOGL_WARN, "config", NULL, "warning=%s", msg);
}

/* A UDP socket, or a listening TCP socket, bound to addr. */
static int
server_socket(enum transport tp, const struct sa *addr, bool reuseport)
{
	int fd, on = 1, size = SERVER_RCVBUF;
	bool stream = tp != TP_UDP;

	fd = socket(sa_af(addr),
	    (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return (-1);
	if (sa_af(addr) == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (stream)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
		goto bad;
	if (!stream)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	if (bind(fd, &addr->u.sa, addr->len) != 0)
		goto bad;
	if (stream && reuseport && listen(fd, SERVER_BACKLOG) != 0)
		goto bad;
	return (fd);
bad:
	(void)close(fd);
	return (-1);
}

/*
 * Bind every listener once per worker.  A first bind without SO_REUSEPORT
 * makes sure nothing else (another sipwarden among them) has the port.
 */
static int
server_bind(struct server *srv, const struct snapshot *sn)
{
	size_t i, nl = sn->sn_nl;
	unsigned k;
	int fd;

	srv->sv_fds = malloc(sizeof(int) * nl * srv->sv_nworkers);
	if (srv->sv_fds == NULL)
		return (ENOMEM);
	for (i = 0; i < nl * srv->sv_nworkers; i++)
		srv->sv_fds[i] = -1;
	for (i = 0; i < nl; i++) {
		const struct sa *a = &sn->sn_l[i].sl_addr;
		enum transport tp = sn->sn_l[i].sl_tp;

		if ((fd = server_socket(tp, a, false)) < 0) {
			log_event(LOGL_ERROR, "bind", a, "error=%s",
			    strerror(errno));
			return (errno);
		}
		(void)close(fd);
		for (k = 0; k < srv->sv_nworkers; k++) {
			fd = server_socket(tp, a, true);
			if (fd < 0) {
				log_event(LOGL_ERROR, "bind", a, "error=%s",
				    strerror(errno));
				return (errno);
			}
			srv->sv_fds[k * nl + i] = fd;
		}
	}
	return (0);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	/* libevent runs this in the loop, not in signal context. */
	if (sig == SIGHUP) {
		(void)server_reload(srv, NULL, 0);
		return;
	}
	srv->sv_signal = sig == SIGTERM ? "TERM" : "INT";
	event_base_loopbreak(srv->sv_base);
}

/* "udp:127.0.0.1:5060,udp:[::1]:5060" */
static void
server_listen_str(const struct snapshot *sn, char *buf, size_t size)
{
	char a[ADDR_STRLEN];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sn->sn_nl && n < size; i++) {
		(void)addr_fmt(&sn->sn_l[i].sl_addr, a, sizeof(a));
		n += (size_t)snprintf(buf + n, size - n, "%s%s:%s",
		    i ? "," : "", addr_tp_name(sn->sn_l[i].sl_tp), a);
	}
}

static void
server_log_start(const struct snapshot *sn)
{
	const struct cfg *c = sn->sn_cfg;
	char l[CFG_MAX_LISTEN * (ADDR_STRLEN + 6)], up[ADDR_STRLEN + 8];
	char a[ADDR_STRLEN];

	server_listen_str(sn, l, sizeof(l));
	(void)addr_fmt(&c->c_upstream.cs_addr, a, sizeof(a));
	(void)snprintf(up, sizeof(up), "%s:%s",
	    addr_tp_name(c->c_upstream.cs_tp), a);
	log_event(LOGL_INFO, "start", NULL,
	    "version=%s listen=%s upstream=%s workers=%u users=%zu", SW_VERSION,
	    l, up, c->c_workers, users_count(sn->sn_users));
}

static int
server_signals(struct server *srv)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct event *ev;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(srv->sv_base, sigs[i], server_signal_cb, srv);
		if (ev == NULL)
			return (ENOMEM);
		srv->sv_sigev[i] = ev;
		if (event_add(ev, NULL) != 0)
			return (ENOMEM);
	}
	(void)signal(SIGPIPE, SIG_IGN);
	return (0);
}

static void
server_unban_cb(const char *addr, void *arg)
{
	(void)arg;
	log_event(LOGL_INFO, "unban", NULL, "addr=%s", addr);
}

/* Once a second: log the bans that ended, count those that did not. */
static void
server_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	atomic_store(&srv->sv_bans,
	    limits_sweep(srv->sv_shared.sh_limits, (uint32_t)time(NULL),
		server_unban_cb, NULL));
}

static int
server_sweep(struct server *srv)
{
	struct timeval tv = { 1, 0 };

	srv->sv_sweep =
	    event_new(srv->sv_base, -1, EV_PERSIST, server_sweep_cb, srv);
	if (srv->sv_sweep == NULL || event_add(srv->sv_sweep, &tv) != 0)
		return (ENOMEM);
	return (0);
}

static int
server_workers(struct server *srv, size_t nl)
{
	struct shared *sh = &srv->sv_shared;
	unsigned k;
	int err;

	srv->sv_workers = calloc(srv->sv_nworkers, sizeof(*srv->sv_workers));
	sh->sh_inbox = calloc(srv->sv_nworkers, sizeof(*sh->sh_inbox));
	if (srv->sv_workers == NULL || sh->sh_inbox == NULL)
		return (ENOMEM);
	/* All exist before any runs: they hand messages to each other. */
	for (k = 0; k < srv->sv_nworkers; k++) {
		err = worker_alloc(&srv->sv_workers[k], sh, k,
		    srv->sv_fds + k * nl, nl);
		if (err != 0)
			goto bad;
		sh->sh_inbox[k] = worker_inbox(srv->sv_workers[k]);
	}
	sh->sh_nworkers = srv->sv_nworkers;
	for (k = 0; k < srv->sv_nworkers; k++)
		if ((err = worker_start(srv->sv_workers[k])) != 0)
			goto bad;
	return (0);
bad:
	log_event(LOGL_ERROR, "worker", NULL, "error=%s", strerror(err));
	return (err);
}

/*
 * Every connection is a descriptor: take all the hard limit allows, and
 * say so when tcp_max_connections cannot be reached (accept then pauses
 * a second at a time when out of descriptors, logged accept_error).
 */
static void
server_nofile(const struct cfg *c)
{
	struct rlimit rl;
	size_t i, nstream = 0;
	char msg[160];

	for (i = 0; i < c->c_nlisten; i++)
		if (c->c_listen[i].cs_tp != TP_UDP)
			nstream++;
	if (nstream == 0 && c->c_upstream.cs_tp == TP_UDP)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Listeners, pipes, the log, the metrics: a margin of 64 per worker. */
	if (rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)c->c_tcp_max_conns + 64u * c->c_workers)
		return;
	(void)snprintf(msg, sizeof(msg),
	    "open file limit %llu is below tcp_max_connections %u and what "
	    "the workers need: raise LimitNOFILE",
	    (unsigned long long)rl.rlim_cur, c->c_tcp_max_conns);
	log_event(LOGL_WARN, "config", NULL, "warning=%s", msg);
}

/* At each scrape: the workers' counters summed, and the process's. */
static void
server_metrics_cb(struct pipe_stats *sum, struct metrics_proc *mp, void *arg)
{
	struct server *srv = arg;
	unsigned k;

	for (k = 0; k < srv->sv_nworkers; k++) {
		metrics_add(sum, worker_stats(srv->sv_workers[k]));
		metrics_add_streams(&mp->mp_sst,
		    worker_stream_stats(srv->sv_workers[k]));
	}
	mp->mp_conns = connlim_total(srv->sv_shared.sh_connlim);
	mp->mp_reloads_ok = srv->sv_reloads_ok;
	mp->mp_reloads_failed = srv->sv_reloads_failed;
	mp->mp_bans_active = atomic_load(&srv->sv_bans);
	mp->mp_start = srv->sv_start;
	/* The main thread publishes snapshots: this one cannot go away. */
	if (srv->sv_shared.sh_snap != NULL)
		mp->mp_tls_not_after = srv->sv_shared.sh_snap->sn_tls_not_after;
}

/* ---- sipwarden ctl (proxy/control.h) ------------------------------------ */

static void
server_ctl_ban(const char *addr, unsigned failures, uint32_t left, void *arg)
{
	(void)evbuffer_add_printf(arg, "%s failures=%u seconds_left=%u\n", addr,
	    failures, (unsigned)left);
}

/*
 * An IPv4 address, or an IPv6 address or /64 ("2001:db8:1:2::/64"), into
 * sa; false for anything else.
 */
static bool
server_ctl_addr(const char *s, struct sa *sa)
{
	char buf[LIMITS_ADDRLEN];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return (false);
	memcpy(buf, s, n + 1);
	if (n > 3 && strcmp(buf + n - 3, "/64") == 0) {
		buf[n - 3] = '\0';
		return (strchr(buf, ':') != NULL &&
		    sa_set_str(sa, buf, 0) == 0 && sa_af(sa) == AF_INET6);
	}
	return (strchr(buf, '/') == NULL && sa_set_str(sa, buf, 0) == 0);
}

static void
server_ctl_unban(struct server *srv, const char *arg, struct evbuffer *out)
{
	char addr[LIMITS_ADDRLEN];
	struct sa sa;

	if (!server_ctl_addr(arg, &sa)) {
		(void)evbuffer_add_printf(out,
		    "error: bad address '%.64s': an IPv4 address or an IPv6 "
		    "/64\n",
		    arg);
		return;
	}
	limits_addr(&sa, addr);
	if (!limits_unban(srv->sv_shared.sh_limits, &sa,
		(uint32_t)time(NULL))) {
		(void)evbuffer_add_printf(out, "error: %s is not banned\n",
		    addr);
		return;
	}
	log_event(LOGL_WARN, "unban", NULL, "addr=%s by=ctl", addr);
	(void)evbuffer_add_printf(out, "ok\nunbanned %s\n", addr);
}

static void
server_ctl_stats(struct server *srv, struct evbuffer *out)
{
	static char text[32768];
	struct pipe_stats sum;
	struct metrics_proc mp;
	struct obuf ob;

	memset(&sum, 0, sizeof(sum));
	memset(&mp, 0, sizeof(mp));
	server_metrics_cb(&sum, &mp, srv);
	mp.mp_now = (uint64_t)time(NULL);
	obuf_init(&ob, text, sizeof(text));
	if (!metrics_render(&ob, &sum, &mp)) {
		(void)evbuffer_add_printf(out, "error: statistics too long\n");
		return;
	}
	(void)evbuffer_add_printf(out, "ok\n");
	(void)evbuffer_add(out, ob.ob_p, ob.ob_len);
}

static void
server_ctl_cb(const char *line, struct evbuffer *out, void *arg)
{
	struct server *srv = arg;
	char cmd[16], why[1100];
	const char *rest;
	size_t n = strcspn(line, " \t"), bans;

	(void)snprintf(cmd, sizeof(cmd), "%.*s", (int)(n < 15 ? n : 15), line);
	rest = line + n + strspn(line + n, " \t");
	if (strcmp(cmd, "bans") == 0 && *rest == '\0') {
		struct evbuffer *body = evbuffer_new();

		if (body == NULL)
			return;
		bans = limits_bans(srv->sv_shared.sh_limits,
		    (uint32_t)time(NULL), server_ctl_ban, body);
		(void)evbuffer_add_printf(out, "ok\n");
		(void)evbuffer_add_buffer(out, body);
		(void)evbuffer_add_printf(out, "%zu %s\n", bans,
		    bans == 1 ? "ban" : "bans");
		evbuffer_free(body);
	} else if (strcmp(cmd, "unban") == 0 && *rest != '\0' &&
	    strpbrk(rest, " \t") == NULL) {
		server_ctl_unban(srv, rest, out);
	} else if (strcmp(cmd, "stats") == 0 && *rest == '\0') {
		server_ctl_stats(srv, out);
	} else if (strcmp(cmd, "reload") == 0 && *rest == '\0') {
		if (server_reload(srv, why, sizeof(why)) == 0)
			(void)evbuffer_add_printf(out, "ok\nreload ok %s\n",
			    why);
		else
			(void)evbuffer_add_printf(out,
			    "error: reload failed: %s\n", why);
	} else {
		(void)evbuffer_add_printf(out,
		    "error: unknown command '%.64s' (commands: bans, unban "
		    "ADDR, stats, reload)\n",
		    line);
	}
	log_event(LOGL_INFO, "ctl", NULL, "command=%s result=%s", cmd,
	    evbuffer_get_length(out) >= 3 &&
		    memcmp(evbuffer_pullup(out, 3), "ok\n", 3) == 0 ?
		"ok" :
		"error");
}

int
server_start(struct server *srv, const char *cfgpath)
{
	struct server_msgs sm = { .sm_level = LOGL_ERROR };
	struct snapshot *sn;
	const struct cfg *c;

	srv->sv_cfgpath = cfgpath;
	shared_init(&srv->sv_shared);
	if (snapshot_load(cfgpath, NULL, NULL, 0, &sn, server_msg_cb,
		server_warn_cb, &sm) != 0)
		return (1);
	c = sn->sn_cfg;
	if (log_open(c->c_log, c->c_log_level, c->c_log_format) != 0) {
		log_event(LOGL_ERROR, "log", NULL, "error=%s target=%s",
		    strerror(errno), c->c_log);
		snapshot_unref(sn);
		return (1);
	}
	shared_publish(&srv->sv_shared, sn);
	srv->sv_nworkers = c->c_workers;
	server_nofile(c);
	if (replay_alloc(&srv->sv_shared.sh_replay) != 0 ||
	    limits_alloc(&srv->sv_shared.sh_limits) != 0 ||
	    connlim_alloc(&srv->sv_shared.sh_connlim, c->c_tcp_max_conns) !=
		0) {
		log_event(LOGL_ERROR, "start", NULL, "error=%s",
		    "cannot allocate the replay memory");
		return (2);
	}
	srv->sv_start = (uint64_t)time(NULL);
	if ((srv->sv_base = event_base_new()) == NULL ||
	    server_signals(srv) != 0 || server_sweep(srv) != 0 ||
	    server_bind(srv, sn) != 0 || server_workers(srv, sn->sn_nl) != 0)
		return (2);
	if (c->c_has_metrics &&
	    (srv->sv_metrics = metrics_start(srv->sv_base, &c->c_metrics,
		 server_metrics_cb, srv)) == NULL) {
		log_event(LOGL_ERROR, "bind", &c->c_metrics, "error=%s",
		    "cannot serve metrics");
		return (2);
	}
	if (c->c_control_socket != NULL) {
		char err[256];

		srv->sv_control = control_start(srv->sv_base,
		    c->c_control_socket, server_ctl_cb, srv, err, sizeof(err));
		if (srv->sv_control == NULL) {
			log_event(LOGL_ERROR, "bind", NULL, "error=%s", err);
			return (2);
		}
	}
	server_log_start(sn);
	return (0);
}

int
server_run(struct server *srv)
{
	if (event_base_dispatch(srv->sv_base) < 0)
		return (2);
	return (0);
}

void
server_stop(struct server *srv)
{
	const struct snapshot *sn;
	unsigned k;
	size_t i, nfds;

	metrics_stop(srv->sv_metrics);
	srv->sv_metrics = NULL;
	control_stop(srv->sv_control);
	srv->sv_control = NULL;
	for (k = 0; srv->sv_workers != NULL && k < srv->sv_nworkers; k++)
		worker_halt(srv->sv_workers[k]);
	srv->sv_shared.sh_nworkers = 0;
	for (k = 0; srv->sv_workers != NULL && k < srv->sv_nworkers; k++)
		worker_free(srv->sv_workers[k]);
	free(srv->sv_workers);
	srv->sv_workers = NULL;
	free(srv->sv_shared.sh_inbox);
	srv->sv_shared.sh_inbox = NULL;
	sn = srv->sv_shared.sh_snap;
	nfds = sn != NULL ? sn->sn_nl * srv->sv_nworkers : 0;
	for (i = 0; srv->sv_fds != NULL && i < nfds; i++)
		if (srv->sv_fds[i] >= 0)
			(void)close(srv->sv_fds[i]);
	free(srv->sv_fds);
	srv->sv_fds = NULL;
	for (i = 0; i < sizeof(srv->sv_sigev) / sizeof(srv->sv_sigev[0]); i++) {
		if (srv->sv_sigev[i] != NULL)
			event_free(srv->sv_sigev[i]);
		srv->sv_sigev[i] = NULL;
	}
	replay_free(srv->sv_shared.sh_replay);
	srv->sv_shared.sh_replay = NULL;
	if (srv->sv_sweep != NULL)
		event_free(srv->sv_sweep);
	srv->sv_sweep = NULL;
	limits_free(srv->sv_shared.sh_limits);
	srv->sv_shared.sh_limits = NULL;
	connlim_free(srv->sv_shared.sh_connlim);
	srv->sv_shared.sh_connlim = NULL;
	if (srv->sv_base != NULL)
		event_base_free(srv->sv_base);
	srv->sv_base = NULL;
	shared_fini(&srv->sv_shared);
}

int
server_reload(struct server *srv, char *why, size_t size)
{
	struct server_msgs sm = { .sm_level = LOGL_WARN };
	const struct snapshot *old = srv->sv_shared.sh_snap;
	const struct cfg *c;
	struct snapshot *sn;
	char kept[64];

	if (snapshot_load(srv->sv_cfgpath, old, kept, sizeof(kept), &sn,
		server_msg_cb, server_warn_cb, &sm) != 0) {
		srv->sv_reloads_failed++;
		log_event(LOGL_ERROR, "reload", NULL,
		    "result=failed errors=%u error=%s", sm.sm_n, sm.sm_first);
		if (why != NULL)
			(void)snprintf(why, size, "%s", sm.sm_first);
		return (EINVAL);
	}
	c = sn->sn_cfg;
	if (log_open(c->c_log, c->c_log_level, c->c_log_format) != 0) {
		srv->sv_reloads_failed++;
		log_event(LOGL_ERROR, "reload", NULL,
		    "result=failed error=%s target=%s", "cannot open log",
		    c->c_log);
		if (why != NULL)
			(void)snprintf(why, size, "cannot open log %s",
			    c->c_log);
		snapshot_unref(sn);
		return (EIO);
	}
	shared_publish(&srv->sv_shared, sn);
	srv->sv_reloads_ok++;
	log_event(LOGL_INFO, "reload", NULL, "result=ok users=%zu kept=%s",
	    users_count(sn->sn_users), kept);
	if (why != NULL)
		(void)snprintf(why, size, "users=%zu kept=%s",
		    users_count(sn->sn_users), kept);
	return (0);
}
