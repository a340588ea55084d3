/*
 * The process: the current snapshot, the workers, signals and reload.
 * Process-wide state lives here and nowhere else; main() owns the one
 * struct server.  Workers are given only its sv_shared (proxy/shared.h);
 * metrics are given the counters it sums from the workers.
 */
#ifndef SW_PROXY_SERVER_H
#define SW_PROXY_SERVER_H

#include <stdatomic.h>
#include <stdint.h>

#include "proxy/shared.h"

struct event;
struct event_base;
struct control;
struct metrics;
struct worker;

struct server {
	const char *sv_cfgpath;
	struct shared sv_shared;    /* what the workers are given */
	struct event_base *sv_base; /* main thread: signals */
	struct event *sv_sigev[3];  /* HUP, TERM, INT */
	struct worker **sv_workers;
	unsigned sv_nworkers;
	int *sv_fds;                /* sv_nworkers * listeners sockets */
	const char *sv_signal;      /* what stopped the loop */
	struct event *sv_sweep;     /* once a second: bans that ended */
	atomic_ulong sv_bans;       /* bans active at the last sweep */
	struct metrics *sv_metrics; /* the endpoint, or NULL */
	struct control *sv_control; /* the control socket, or NULL */
	unsigned long sv_reloads_ok;
	unsigned long sv_reloads_failed;
	uint64_t sv_start; /* seconds since the epoch */
};

/* Load the config, bind, start the workers; exit code on failure. */
int server_start(struct server *srv, const char *cfgpath);
/* Run the main loop until SIGTERM or SIGINT; returns the exit code. */
int server_run(struct server *srv);
void server_stop(struct server *srv);
/*
 * Re-read everything (SIGHUP, sipwarden ctl reload); keeps the old state
 * when it fails.  With why, what happened goes there too: "kept=..." or
 * the first "FILE:LINE: message".
 */
int server_reload(struct server *srv, char *why, size_t size);

#endif
