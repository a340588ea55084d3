/*
 * Building, sharing and freeing the read-only state; see snapshot.h.
 * Reading it from files is proxy/loader.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <re.h>

#include "auth/acl.h"
#include "auth/secrets.h"
#include "auth/users.h"
#include "core/addr.h"
#include "core/chars.h"
#include "core/config.h"
#include "core/log.h"
#include "core/obuf.h"
#include "sip/pkt_value.h"
#include "sip/snapshot.h"

void
snapshot_err(snap_msg_h *errh, void *arg, const struct cfg *c, unsigned line,
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

/* "host:port" into out, host bracketed when it is an IPv6 address. */
static void
snap_hostport(char *out, size_t size, const char *host, uint16_t port)
{
	bool v6 = strchr(host, ':') != NULL;
	struct obuf ob;

	obuf_init(&ob, out, size - 1);
	if (v6)
		obuf_puts(&ob, "[");
	obuf_puts(&ob, host);
	if (v6)
		obuf_puts(&ob, "]");
	obuf_puts(&ob, ":");
	obuf_putu(&ob, port);
	out[ob.ob_len] = '\0';
}

/* host (bracketed if IPv6, as the config keeps it) into out, unbracketed. */
static void
snap_unbracket(char *out, size_t size, const char *h)
{
	size_t hl = strlen(h);

	if (h[0] == '[' && hl > 2)
		(void)snprintf(out, size, "%.*s", (int)(hl - 2), h + 1);
	else
		(void)snprintf(out, size, "%s", h);
}

/* How listener i is addressed by others. */
static int
snap_listener(struct snapshot *sn, size_t i, snap_msg_h *errh, void *arg)
{
	const struct cfg *c = sn->sn_cfg;
	const struct cfg_sock *cs = &c->c_listen[i];
	struct snap_listener *sl = &sn->sn_l[i];
	char bound[SNAP_HOSTLEN];
	bool any = sa_is_any(&cs->cs_addr);

	sl->sl_tp = cs->cs_tp;
	sl->sl_addr = cs->cs_addr;
	sl->sl_port = sa_port(&cs->cs_addr);
	(void)addr_fmt_ip(&cs->cs_addr, bound, sizeof(bound));
	if (cs->cs_adv_host[0] != '\0') {
		snap_unbracket(sl->sl_host, sizeof(sl->sl_host),
		    cs->cs_adv_host);
		if (cs->cs_adv_port != 0)
			sl->sl_port = cs->cs_adv_port;
	} else if (any) {
		if (c->c_advertise_host == NULL) {
			snapshot_err(errh, arg, c, cs->cs_line,
			    "a wildcard listen address needs 'advertise'");
			return (EINVAL);
		}
		snap_unbracket(sl->sl_host, sizeof(sl->sl_host),
		    c->c_advertise_host);
		if (c->c_advertise_port != 0)
			sl->sl_port = c->c_advertise_port;
	} else {
		(void)snprintf(sl->sl_host, sizeof(sl->sl_host), "%s", bound);
	}
	sl->sl_hostlen = strlen(sl->sl_host);
	snap_hostport(sl->sl_hostport, sizeof(sl->sl_hostport), sl->sl_host,
	    sl->sl_port);
	/* Nobody reaches us at 0.0.0.0 or [::]: the one name is all. */
	if (any)
		snap_hostport(sl->sl_up_hostport, sizeof(sl->sl_up_hostport),
		    sl->sl_host, sl->sl_port);
	else
		snap_hostport(sl->sl_up_hostport, sizeof(sl->sl_up_hostport),
		    bound, sa_port(&cs->cs_addr));
	sl->sl_split = strcmp(sl->sl_hostport, sl->sl_up_hostport) != 0;
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
		snapshot_err(errh, arg, c, c->c_upstream.cs_line,
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
	snapshot_err(errh, arg, c, c->c_upstream.cs_line,
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

		if (port == sl->sl_port &&
		    chars_eqi(host->p, host->l, sl->sl_host, sl->sl_hostlen))
			return ((int)i);
		/* Nobody reaches us at 0.0.0.0 or [::]. */
		if (ip && !sa_is_any(&sl->sl_addr) &&
		    sa_cmp(&sa, &sl->sl_addr, SA_ALL))
			return ((int)i);
	}
	return (-1);
}

uint16_t
snapshot_uri_port(const struct pl *uri, const struct pl *params, uint16_t port)
{
	struct pl tp;

	if (port != 0)
		return (port);
	/* No port: 5061 for sips: and transport=tls (RFC 3263 4.2). */
	return ((uri->l > 5 && chars_eqi(uri->p, 5, "sips:", 5)) ||
		    (PKT_PARAM(params, "transport", &tp) &&
			CHARS_PLEQI(&tp, "tls")) ?
		5061 :
		5060);
}

int
snapshot_uri_self(const struct snapshot *sn, const struct pl *uri,
    struct pl *user, struct pl *params)
{
	struct pl host;
	uint16_t port;

	if (pkt_uri_hostport(uri, user, &host, &port, params) != 0)
		return (-1);
	return (snapshot_find_self(sn, &host,
	    snapshot_uri_port(uri, params, port)));
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
