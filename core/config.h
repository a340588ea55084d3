/*
 * The config file (SPEC section 2): one "key value" per line, '#' comments,
 * driven by one table of keys (config.c, cfg_keys[]) that gives each key's
 * type, bounds, default and whether it repeats.  Every problem is reported
 * as "FILE:LINE: message" (LINE 0 for a problem with the file as a whole,
 * printed "FILE: message"); loading goes on after an error so that one run
 * reports them all.
 *
 * A struct cfg is immutable once cfg_load() returns it: workers share it
 * read-only.  Needs <re.h> (struct sa) included before it.
 */
#ifndef SW_CORE_CONFIG_H
#define SW_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/log.h"

#define CFG_MAX_LISTEN 16
#define CFG_MAX_ALGS   3

enum cfg_alg {
	CFG_ALG_MD5,
	CFG_ALG_SHA256,
	CFG_ALG_SHA512_256,
};

enum cfg_idcheck {
	CFG_ID_STRICT,
	CFG_ID_REGISTER,
	CFG_ID_OFF,
};

/* A host name, an IPv4 address or a bracketed IPv6 address, and a NUL. */
#define CFG_HOSTMAX 256

struct cfg_sock {
	enum transport cs_tp;
	struct sa cs_addr;
	unsigned cs_line; /* where it was given, for messages */
	/*
	 * A listener's own "advertise HOST[:PORT]" (empty: none): the name
	 * clients know it by, as the config wrote it; the PBX is told the
	 * bound address.  Not used for the upstream.
	 */
	char cs_adv_host[CFG_HOSTMAX];
	uint16_t cs_adv_port; /* 0: the listener's port */
};

struct cfg {
	char *c_path; /* as given on the command line */
	char *c_dir;  /* its folder: relative paths are resolved here */

	struct cfg_sock c_listen[CFG_MAX_LISTEN];
	size_t c_nlisten;
	/*
	 * NULL: use the listen address.  Else a host name, an IPv4 address
	 * or an IPv6 address in brackets, as it goes into a Via or a URI.
	 */
	char *c_advertise_host;
	uint16_t c_advertise_port; /* 0: the listener's port */
	struct cfg_sock c_upstream;

	char *c_realm;
	char *c_users;       /* absolute path */
	char *c_secret_file; /* absolute path, NULL: random secret */
	unsigned c_nonce_ttl;
	enum cfg_alg c_algs[CFG_MAX_ALGS]; /* preference order */
	size_t c_nalgs;

	struct cidr *c_allow;
	size_t c_nallow;
	struct cidr *c_trust;
	size_t c_ntrust;

	enum cfg_idcheck c_idcheck;
	unsigned c_challenge_limit;
	unsigned c_ban_after;
	unsigned c_ban_window;
	unsigned c_ban_time;

	char *c_log; /* "stderr", "syslog" or an absolute path */
	enum log_level c_log_level;
	enum log_format c_log_format;

	bool c_has_metrics;
	struct sa c_metrics;
	char *c_control_socket; /* absolute path, NULL: none */

	char *c_tls_cert; /* absolute paths, NULL when not given */
	char *c_tls_key;

	unsigned c_tcp_max_conns;    /* stream connections in all */
	unsigned c_tcp_max_per_ip;   /* from one address (IPv6: its /64) */
	unsigned c_tcp_idle_timeout; /* seconds */
	unsigned c_tcp_msg_timeout;  /* seconds */
	unsigned c_tcp_max_header;   /* bytes */
	unsigned c_tcp_max_queued;   /* bytes */

	unsigned c_workers; /* 0 in the file is refused; default = CPUs */
};

/* Called once per problem with "FILE:LINE: message" (no newline). */
typedef void(cfg_err_h)(const char *msg, void *arg);

/*
 * Read and check path.  On success *cfgp is a new struct cfg and 0 is
 * returned; otherwise errh was called at least once, *cfgp is untouched
 * and EINVAL (or an errno from opening or reading the file, or ENOMEM) is
 * returned.
 */
int cfg_load(const char *path, struct cfg **cfgp, cfg_err_h *errh, void *arg);
/*
 * The same, but a file with problems (each still given to errh) gives
 * what its good lines say: for "sipwarden ctl", which needs only the
 * control_socket of a config that may be the one a reload refused.  Fails
 * only when the file cannot be read or memory runs out.
 */
int cfg_load_lenient(const char *path, struct cfg **cfgp, cfg_err_h *errh,
    void *arg);
void cfg_free(struct cfg *cfg);

/* "SHA-256" etc., as written in the config and in challenges. */
const char *cfg_alg_name(enum cfg_alg alg);

/* The i-th key of the table (0, 1, ...), NULL past the last (for tests). */
const char *cfg_key_name(size_t i);

#endif
