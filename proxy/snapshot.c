/*
 * Building, sharing and freeing the read-only state; see snapshot.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include <re.h>

#include "auth/acl.h"
#include "auth/secrets.h"
#include "auth/users.h"
#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "proxy/pkt.h"
#include "proxy/snapshot.h"
#include "proxy/tls.h"

typedef void(snap_msg_h)(const char *msg, void *arg);

static void
snap_err(snap_msg_h *errh, void *arg, const struct cfg *c, unsigned line,
    const char *msg)
{
	char buf[1024];

	if (line > 0)
		(void)snprintf(buf, sizeof(buf), "%s:%u: %s", c->c_path, line,
		    msg);
	else
		(void)snprintf(buf, sizeof(buf), "%s: %s", c->c_path, msg);
	errh(buf, arg);
}

/* How listener i is addressed by others. */
static int
snap_listener(struct snapshot *sn, size_t i, snap_msg_h *errh, void *arg)
{
	const struct cfg *c = sn->sn_cfg;
	const struct cfg_sock *cs = &c->c_listen[i];
	struct snap_listener *sl = &sn->sn_l[i];
	bool v6;

	sl->sl_tp = cs->cs_tp;
	sl->sl_addr = cs->cs_addr;
	sl->sl_port = sa_port(&cs->cs_addr);
	if (sa_is_any(&cs->cs_addr)) {
		if (c->c_advertise_host == NULL) {
			snap_err(errh, arg, c, cs->cs_line,
			    "a wildcard listen address needs 'advertise'");
			return (EINVAL);
		}
		/* The config keeps an IPv6 advertise address bracketed. */
		const char *h = c->c_advertise_host;
		size_t hl = strlen(h);

		if (h[0] == '[' && hl > 2)
			(void)snprintf(sl->sl_host, sizeof(sl->sl_host), "%.*s",
			    (int)(hl - 2), h + 1);
		else
			(void)snprintf(sl->sl_host, sizeof(sl->sl_host), "%s",
			    h);
		if (c->c_advertise_port != 0)
			sl->sl_port = c->c_advertise_port;
	} else {
		(void)addr_fmt_ip(&cs->cs_addr, sl->sl_host,
		    sizeof(sl->sl_host));
	}
	v6 = strchr(sl->sl_host, ':') != NULL;
	(void)snprintf(sl->sl_hostport, sizeof(sl->sl_hostport), "%s%s%s:%u",
	    v6 ? "[" : "", sl->sl_host, v6 ? "]" : "", sl->sl_port);
	return (0);
}

/*
 * The listener that talks to the upstream (the first of its transport and
 * address family: a tcp upstream needs a tcp listener, on which the PBX
 * reaches our Record-Route and Path), and a loop check.
 */
static int
snap_upstream(struct snapshot *sn, snap_msg_h *errh, void *arg)
{
	const struct cfg *c = sn->sn_cfg;
	const struct sa *up = &c->c_upstream.cs_addr;
	enum transport tp = c->c_upstream.cs_tp;
	size_t i;

	if (snapshot_find_self_sa(sn, up) >= 0) {
		snap_err(errh, arg, c, c->c_upstream.cs_line,
		    "upstream is one of our own listen addresses");
		return (EINVAL);
	}
	for (i = 0; i < sn->sn_nl; i++) {
		if (sn->sn_l[i].sl_tp == tp &&
		    sa_af(&sn->sn_l[i].sl_addr) == sa_af(up)) {
			sn->sn_upl = i;
			return (0);
		}
	}
	snap_err(errh, arg, c, c->c_upstream.cs_line,
	    tp == TP_TCP ? "no tcp listener of the upstream's address family" :
			   "no udp listener of the upstream's address family");
	return (EINVAL);
}

int
snapshot_make(struct cfg *cfg, struct users *users, struct secrets *secrets,
    struct snapshot **snp, snap_msg_h *errh, void *arg)
{
	struct snapshot *sn;
	size_t i;
	int err = 0;

	if ((sn = calloc(1, sizeof(*sn))) == NULL) {
		cfg_free(cfg);
		users_free(users);
		secrets_free(secrets);
		return (ENOMEM);
	}
	atomic_init(&sn->sn_refs, 1);
	sn->sn_cfg = cfg;
	sn->sn_users = users;
	sn->sn_secrets = secrets;
	sn->sn_nl = cfg->c_nlisten;
	for (i = 0; i < sn->sn_nl; i++)
		if (snap_listener(sn, i, errh, arg) != 0)
			err = EINVAL;
	if (err == 0 &&
	    (acl_build(&sn->sn_allow, cfg->c_allow, cfg->c_nallow) != 0 ||
		acl_build(&sn->sn_trust, cfg->c_trust, cfg->c_ntrust) != 0)) {
		errh("cannot build the allow and trust lists", arg);
		err = ENOMEM;
	}
	if (err == 0)
		err = snap_upstream(sn, errh, arg);
	if (err != 0) {
		snapshot_unref(sn);
		return (err);
	}
	*snp = sn;
	return (0);
}

static bool
snap_sock_eq(const struct cfg_sock *a, const struct cfg_sock *b)
{
	return (
	    a->cs_tp == b->cs_tp && sa_cmp(&a->cs_addr, &b->cs_addr, SA_ALL));
}

static bool
snap_listen_eq(const struct cfg *a, const struct cfg *b)
{
	size_t i;

	if (a->c_nlisten != b->c_nlisten)
		return (false);
	for (i = 0; i < a->c_nlisten; i++)
		if (!snap_sock_eq(&a->c_listen[i], &b->c_listen[i]))
			return (false);
	return (true);
}

static void
snap_kept(char *kept, size_t size, const char *key)
{
	size_t n = strlen(kept);

	(void)snprintf(kept + n, size - n, "%s%s", n ? "," : "", key);
}

/* Keys that need a new socket or thread keep their running values. */
static void
snap_inherit(struct cfg *c, const struct cfg *old, char *kept, size_t size)
{
	kept[0] = '\0';
	if (!snap_listen_eq(c, old)) {
		snap_kept(kept, size, "listen");
		memcpy(c->c_listen, old->c_listen, sizeof(c->c_listen));
		c->c_nlisten = old->c_nlisten;
	}
	if (!snap_sock_eq(&c->c_upstream, &old->c_upstream)) {
		snap_kept(kept, size, "upstream");
		c->c_upstream = old->c_upstream;
	}
	if (c->c_workers != old->c_workers) {
		snap_kept(kept, size, "workers");
		c->c_workers = old->c_workers;
	}
	if (c->c_has_metrics != old->c_has_metrics ||
	    (c->c_has_metrics &&
		!sa_cmp(&c->c_metrics, &old->c_metrics, SA_ALL))) {
		snap_kept(kept, size, "metrics");
		c->c_has_metrics = old->c_has_metrics;
		c->c_metrics = old->c_metrics;
	}
}

/*
 * Files that hold secrets (HA1 hashes, MAC keys) must not be open to other
 * users: refused when anyone but the owner (and the group, read only) may
 * read or write them.
 */
static int
snap_private(const char *path, snap_msg_h *errh, void *arg)
{
	char msg[4200];
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return (0); /* the loader says what is wrong with it */
	if ((st.st_mode & (S_IRWXO | S_IWGRP | S_IXGRP)) == 0)
		return (0);
	(void)snprintf(msg, sizeof(msg),
	    "%s: open to other users (mode %04o): chmod 600 %s", path,
	    (unsigned)(st.st_mode & 07777), path);
	errh(msg, arg);
	return (EPERM);
}

/*
 * The secrets: from secret_file, else random; a reload without a
 * secret_file keeps the random secret of the running snapshot, so that
 * nothing signed before the reload (branches, tokens, nonces) goes bad.
 */
static int
snap_secrets(const struct cfg *cfg, const struct snapshot *old,
    struct secrets **sp, snap_msg_h *errh, void *arg)
{
	if (cfg->c_secret_file != NULL)
		return (secrets_load(cfg->c_secret_file, sp, errh, arg) != 0 ?
			EINVAL :
			0);
	if (old != NULL && old->sn_cfg->c_secret_file == NULL) {
		if ((*sp = malloc(sizeof(**sp))) == NULL)
			return (ENOMEM);
		memcpy(*sp, old->sn_secrets, sizeof(**sp));
		return (0);
	}
	if (secrets_random(sp) != 0) {
		errh("cannot make a random secret", arg);
		return (EIO);
	}
	return (0);
}

static bool
snap_has_tls(const struct cfg *c)
{
	size_t i;

	for (i = 0; i < c->c_nlisten; i++)
		if (c->c_listen[i].cs_tp == TP_TLS)
			return (true);
	return (false);
}

int
snapshot_load(const char *path, const struct snapshot *old, char *kept,
    size_t keptsize, struct snapshot **snp, snap_msg_h *errh, snap_msg_h *warnh,
    void *arg)
{
	struct cfg *cfg = NULL;
	struct users *users = NULL;
	struct secrets *secrets = NULL;
	SSL_CTX *tls = NULL;
	int err;

	if ((err = cfg_load(path, &cfg, errh, arg)) != 0)
		return (err);
	if (old != NULL)
		snap_inherit(cfg, old->sn_cfg, kept, keptsize);
	err = snap_private(cfg->c_users, errh, arg);
	if (snap_private(cfg->c_secret_file, errh, arg) != 0 ||
	    snap_private(cfg->c_tls_key, errh, arg) != 0)
		err = EPERM;
	if (users_load(cfg->c_users, cfg->c_realm, &users, errh, warnh, arg) !=
	    0)
		err = EINVAL;
	if (snap_secrets(cfg, old, &secrets, errh, arg) != 0)
		err = EINVAL;
	if (err == 0 && snap_has_tls(cfg)) {
		/*
		 * cfg_load checked the file's own listeners; a reload that
		 * dropped the tls listener and its certificate still runs it.
		 */
		if (cfg->c_tls_cert == NULL || cfg->c_tls_key == NULL) {
			snap_err(errh, arg, cfg, 0,
			    "the running tls listener needs 'tls_cert' and "
			    "'tls_key'");
			err = EINVAL;
		} else if (tls_ctx_load(cfg->c_tls_cert, cfg->c_tls_key, &tls,
			       errh, arg) != 0) {
			err = EINVAL;
		}
	}
	if (err != 0) {
		cfg_free(cfg);
		users_free(users);
		secrets_free(secrets);
		return (err);
	}
	if ((err = snapshot_make(cfg, users, secrets, snp, errh, arg)) != 0) {
		SSL_CTX_free(tls);
		return (err);
	}
	(*snp)->sn_tls = tls;
	return (0);
}

struct snapshot *
snapshot_ref(struct snapshot *sn)
{
	atomic_fetch_add_explicit(&sn->sn_refs, 1, memory_order_relaxed);
	return (sn);
}

void
snapshot_unref(struct snapshot *sn)
{
	if (sn == NULL ||
	    atomic_fetch_sub_explicit(&sn->sn_refs, 1, memory_order_acq_rel) !=
		1)
		return;
	acl_free(sn->sn_allow);
	acl_free(sn->sn_trust);
	cfg_free(sn->sn_cfg);
	users_free(sn->sn_users);
	secrets_free(sn->sn_secrets);
	SSL_CTX_free(sn->sn_tls);
	free(sn);
}

int
snapshot_find_self(const struct snapshot *sn, const struct pl *host,
    uint16_t port)
{
	struct sa sa;
	size_t i;
	bool ip = sa_set(&sa, host, port) == 0;

	for (i = 0; i < sn->sn_nl; i++) {
		const struct snap_listener *sl = &sn->sn_l[i];

		if (pl_strcasecmp(host, sl->sl_host) == 0 &&
		    port == sl->sl_port)
			return ((int)i);
		/* Nobody reaches us at 0.0.0.0 or [::]. */
		if (ip && !sa_is_any(&sl->sl_addr) &&
		    sa_cmp(&sa, &sl->sl_addr, SA_ALL))
			return ((int)i);
	}
	return (-1);
}

int
snapshot_uri_self(const struct snapshot *sn, const struct pl *uri,
    struct pl *user, struct pl *params)
{
	struct pl host, tp;
	uint16_t port;

	if (pkt_uri_hostport(uri, user, &host, &port, params) != 0)
		return (-1);
	/* No port: 5061 for sips: and transport=tls (RFC 3263 4.2). */
	if (port == 0)
		port = (uri->l > 5 && strncasecmp(uri->p, "sips:", 5) == 0) ||
			(pkt_param(params, "transport", &tp) &&
			    pl_strcasecmp(&tp, "tls") == 0) ?
		    5061 :
		    5060;
	return (snapshot_find_self(sn, &host, port));
}

int
snapshot_find_self_sa(const struct snapshot *sn, const struct sa *sa)
{
	size_t i;

	for (i = 0; i < sn->sn_nl; i++)
		if (sa_cmp(sa, &sn->sn_l[i].sl_addr, SA_ALL))
			return ((int)i);
	return (-1);
}
