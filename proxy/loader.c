/*
 * Loading a snapshot from the config file and every file it names (users,
 * secrets, TLS certificate and key); see loader.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <re.h>

#include "auth/secrets.h"
#include "auth/users.h"
#include "core/config.h"
#include "proxy/loader.h"
#include "proxy/tls.h"
#include "sip/snapshot.h"

static bool
snap_sock_eq(const struct cfg_sock *a, const struct cfg_sock *b)
{
	return (
	    a->cs_tp == b->cs_tp && sa_cmp(&a->cs_addr, &b->cs_addr, SA_ALL));
}

/*
 * A listener's advertise goes with its socket: a dialog's Route names the
 * listener as it was advertised when the dialog began, so a name that
 * changed under it would no longer be recognised as ours.
 */
static bool
snap_listen_eq(const struct cfg *a, const struct cfg *b)
{
	size_t i;

	if (a->c_nlisten != b->c_nlisten)
		return (false);
	for (i = 0; i < a->c_nlisten; i++)
		if (!snap_sock_eq(&a->c_listen[i], &b->c_listen[i]) ||
		    strcmp(a->c_listen[i].cs_adv_host,
			b->c_listen[i].cs_adv_host) != 0 ||
		    a->c_listen[i].cs_adv_port != b->c_listen[i].cs_adv_port)
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
	if ((c->c_control_socket == NULL) != (old->c_control_socket == NULL) ||
	    (c->c_control_socket != NULL &&
		strcmp(c->c_control_socket, old->c_control_socket) != 0)) {
		snap_kept(kept, size, "control_socket");
		/* The server holds its own copy of the path it serves: out of
		 * memory here only leaves the snapshot without one. */
		free(c->c_control_socket);
		c->c_control_socket = old->c_control_socket != NULL ?
		    strdup(old->c_control_socket) :
		    NULL;
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
			snapshot_err(errh, arg, cfg, 0,
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
	(*snp)->sn_tls_not_after = tls_ctx_not_after(tls);
	return (0);
}
