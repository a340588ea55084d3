/*
 * The read-only state every worker reads: config, users, secrets and what
 * is derived from them once (our addresses as they appear in Via and
 * Record-Route).  Built whole by snapshot_load() (proxy/loader.h) or
 * snapshot_make(), then published by the
 * server with one pointer swap; workers hold a reference while they use
 * one, and the last reference frees it.
 */
#ifndef SW_SIP_SNAPSHOT_H
#define SW_SIP_SNAPSHOT_H

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

/* Where a loader sends a problem ("FILE:LINE: message"). */
typedef void(snap_msg_h)(const char *msg, void *arg);

/*
 * One listener as others must address it: by clients (sl_host, sl_port,
 * sl_hostport: its own advertise, else the global one for a wildcard
 * address, else the bound address) and by the PBX (sl_up_hostport: the
 * bound address; for a wildcard listener, which has no address of its own,
 * the same as the clients').  The two differ only for a listener with an
 * advertise of its own, such as an instance behind a balancer's address.
 */
struct snap_listener {
	enum transport sl_tp;
	struct sa sl_addr;                  /* bound address */
	char sl_host[SNAP_HOSTLEN];         /* advertised host, no brackets */
	size_t sl_hostlen;                  /* strlen(sl_host) */
	uint16_t sl_port;                   /* advertised port */
	char sl_hostport[SNAP_HOSTLEN + 8]; /* "host:port" */
	char sl_up_hostport[SNAP_HOSTLEN + 8]; /* "host:port" for the PBX */
	bool sl_split;                         /* the two names differ */
};

/* Which of a listener's names a message carries: who will read it. */
enum snap_face {
	SNAP_CLIENT,
	SNAP_PBX,
};

/* Listener l's "host:port" as the side face knows it. */
static inline const char *
snapshot_hostport(const struct snap_listener *sl, enum snap_face face)
{
	return (face == SNAP_PBX ? sl->sl_up_hostport : sl->sl_hostport);
}

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
	uint64_t sn_tls_not_after; /* its certificate's, epoch seconds; 0 */
};

/* Build a snapshot from a loaded config (tests). Takes cfg, users, secrets. */
int snapshot_make(struct cfg *cfg, struct users *users, struct secrets *secrets,
    struct snapshot **snp, snap_msg_h *errh, void *arg);
/* Pass msg about config c (line 0: the whole file) to errh as FILE:LINE. */
void snapshot_err(snap_msg_h *errh, void *arg, const struct cfg *c,
    unsigned line, const char *msg);
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

/*
 * The port a sip: or sips: URI names, as pkt_uri_hostport gave it (0:
 * none) with its parameters: 5061 for sips: or transport=tls, else 5060.
 */
uint16_t snapshot_uri_port(const struct pl *uri, const struct pl *params,
    uint16_t port);

/* Index of our listener bound to exactly sa (address and port), or -1. */
int snapshot_find_self_sa(const struct snapshot *sn, const struct sa *sa);

#endif
