/*
 * The process: the current snapshot, the workers, signals and reload.
 * Process-wide state lives here and nowhere else; main() owns the one
 * struct server.
 */
#ifndef SW_PROXY_SERVER_H
#define SW_PROXY_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct event;
struct evhttp;
struct event_base;
struct connlim;
struct limits;
struct replay;
struct snapshot;
struct worker;

struct server {
	const char *sv_cfgpath;
	pthread_mutex_t sv_lock;     /* guards sv_snap */
	struct snapshot *sv_snap;    /* current; workers take references */
	atomic_uint_fast64_t sv_gen; /* bumped when sv_snap changes */
	struct event_base *sv_base;  /* main thread: signals */
	struct event *sv_sigev[3];   /* HUP, TERM, INT */
	struct worker **sv_workers;
	unsigned sv_nworkers;
	int *sv_fds;              /* sv_nworkers * listeners sockets */
	const char *sv_signal;    /* what stopped the loop */
	struct replay *sv_replay; /* nonce-count memory, all workers */
	struct limits *sv_limits; /* bans and challenge buckets, all workers */
	struct connlim *sv_connlim; /* TCP/TLS connections, all workers */
	struct event *sv_sweep;     /* once a second: bans that ended */
	atomic_ulong sv_bans;       /* bans active at the last sweep */
	struct evhttp *sv_http;     /* metrics endpoint, or NULL */
	unsigned long sv_reloads_ok;
	unsigned long sv_reloads_failed;
	uint64_t sv_start; /* seconds since the epoch */
};

/* Load the config, bind, start the workers; exit code on failure. */
int server_start(struct server *srv, const char *cfgpath);
/* Run the main loop until SIGTERM or SIGINT; returns the exit code. */
int server_run(struct server *srv);
void server_stop(struct server *srv);
/* Re-read everything (SIGHUP); keeps the old state when it fails. */
int server_reload(struct server *srv);
/*
 * The current snapshot if it changed since *gen: takes a reference and
 * updates *gen; returns NULL when it did not change.
 */
struct snapshot *server_snapshot(struct server *srv, uint64_t *gen);

#endif
