/*
 * The read-only state every worker reads: config, users, secrets and what
 * is derived from them once (our addresses as they appear in Via and
 * Record-Route).  Built whole by snapshot_load(), then published by the
 * server with one pointer swap; workers hold a reference while they use
 * one, and the last reference frees it.
 */
#ifndef SW_PROXY_SNAPSHOT_H
#define SW_PROXY_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

struct acl;
struct users;
typedef struct ssl_ctx_st SSL_CTX;
struct secrets;

#define SNAP_HOSTLEN 260

/* One listener as others must address it. */
struct snap_listener {
	enum transport sl_tp;
	struct sa sl_addr;                  /* bound address */
	char sl_host[SNAP_HOSTLEN];         /* advertised host, no brackets */
	uint16_t sl_port;                   /* advertised port */
	char sl_hostport[SNAP_HOSTLEN + 8]; /* "host:port" */
};

struct snapshot {
	atomic_uint sn_refs;
	uint64_t sn_gen;
	struct cfg *sn_cfg;
	struct users *sn_users;
	struct secrets *sn_secrets;
	struct acl *sn_allow; /* the allow and trust lists, for lookups */
	struct acl *sn_trust;
	struct snap_listener sn_l[CFG_MAX_LISTEN];
	size_t sn_nl;
	size_t sn_upl;   /* listener that talks to the upstream */
	SSL_CTX *sn_tls; /* server context when a tls listener exists */
};

/*
 * Load the config at path and every file it names.  Problems are passed
 * to errh as "FILE:LINE: message"; warnings (e.g. skipped users) to warnh.
 * On a reload, old is the running snapshot: the keys that need a new
 * socket or thread (listen, upstream, workers, metrics) keep old's values,
 * and the names of those that the file changed are written, comma
 * separated, to kept (empty when none); without a secret_file, old's
 * random secret is kept.
 */
int snapshot_load(const char *path, const struct snapshot *old, char *kept,
    size_t keptsize, struct snapshot **snp,
    void (*errh)(const char *msg, void *arg),
    void (*warnh)(const char *msg, void *arg), void *arg);
/* Build a snapshot from a loaded config (tests). Takes cfg, users, secrets. */
int snapshot_make(struct cfg *cfg, struct users *users, struct secrets *secrets,
    struct snapshot **snp, void (*errh)(const char *msg, void *arg), void *arg);
struct snapshot *snapshot_ref(struct snapshot *sn);
void snapshot_unref(struct snapshot *sn);

/* Index of our listener whose advertised or bound host:port is host:port. */
int snapshot_find_self(const struct snapshot *sn, const struct pl *host,
    uint16_t port);

/*
 * Index of our listener that a sip: or sips: URI names by its host and
 * port (none: 5060, 5061 for sips: or transport=tls), or -1; its user part and
 * parameters are set (as pkt_uri_hostport gives them).
 */
int snapshot_uri_self(const struct snapshot *sn, const struct pl *uri,
    struct pl *user, struct pl *params);

/* Index of our listener bound to exactly sa (address and port), or -1. */
int snapshot_find_self_sa(const struct snapshot *sn, const struct sa *sa);

#endif
