/*
 * The config file (SPEC section 2).  cfg_keys[] below is the one list of
 * keys: name, setter, flags, bounds, default.  The defaults are strings run
 * through the same setters as the file's values, so a default cannot be
 * something the file could not say.  etc/sipwarden.conf documents every key
 * and tests/unit/test_config.c checks that it names each one of the table.
 *
 * The file is read line by line (core/lines.c; libre's conf cannot give
 * line numbers): "key value", whitespace between, '#' to the end of the
 * line is a comment, the value is the rest of the line with surrounding
 * whitespace removed.  Every problem is reported, then loading goes on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <re.h>

#include "core/addr.h"
#include "core/chars.h"
#include "core/lines.h"
#include "core/log.h"
#include "core/config.h"

#define CFG_WORKERS_MAX 256

/* The address of a key's field in struct cfg, as a pointer to type. */
#define CFG_FIELD(ld, k, type)                                                 \
	((type *)(void *)((char *)(ld)->ld_cfg + (k)->ck_off))

enum cfg_kflag {
	CFGK_REQUIRED = 1 << 0,
	CFGK_REPEAT = 1 << 1,
};

struct cfg_ld;
struct cfg_key;

typedef int(cfg_set_h)(struct cfg_ld *, const struct cfg_key *, const char *);

struct cfg_key {
	const char *ck_name;
	cfg_set_h *ck_set;
	unsigned ck_flags;   /* enum cfg_kflag */
	unsigned long ck_lo; /* bounds: of the number, or of the length */
	unsigned long ck_hi;
	const char *ck_default; /* run through ck_set first; NULL: none */
	size_t ck_off;          /* the field, for the generic setters */
	const char *ck_expect;  /* "bad value ...: expected <this>" */
};

static cfg_set_h cfg_set_listen, cfg_set_advertise, cfg_set_upstream,
    cfg_set_realm, cfg_set_path, cfg_set_uint, cfg_set_algs, cfg_set_allow,
    cfg_set_trust, cfg_set_idcheck, cfg_set_log, cfg_set_log_level,
    cfg_set_log_format, cfg_set_metrics;

#define CFG_OFF(f) offsetof(struct cfg, f)

static int cfg_hostport(const char *val, size_t *hlen, uint16_t *port);

/* Every key, in the order of SPEC section 2. */
static const struct cfg_key cfg_keys[] = {
	{ "listen", cfg_set_listen, CFGK_REQUIRED | CFGK_REPEAT, 0, 0, NULL, 0,
	    "udp:ADDR:PORT, tcp:ADDR:PORT or tls:ADDR:PORT, then optionally "
	    "'advertise HOST[:PORT]'" },
	{ "advertise", cfg_set_advertise, 0, 0, 0, NULL, 0,
	    "HOST or HOST:PORT (a host name, IPv4 address or [IPv6])" },
	{ "upstream", cfg_set_upstream, CFGK_REQUIRED, 0, 0, NULL, 0,
	    "udp:ADDR:PORT or tcp:ADDR:PORT" },
	/* Goes into quoted-strings: printable ASCII without '"' and '\'. */
	{ "realm", cfg_set_realm, CFGK_REQUIRED, 1, 255, NULL, CFG_OFF(c_realm),
	    "1 to 255 printable ASCII characters other than '\"' and '\\'" },
	{ "users", cfg_set_path, CFGK_REQUIRED, 0, 0, NULL, CFG_OFF(c_users),
	    "a file path" },
	{ "secret_file", cfg_set_path, 0, 0, 0, NULL, CFG_OFF(c_secret_file),
	    "a file path" },
	/* Up to a day: a longer life only widens the replay window. */
	{ "nonce_ttl", cfg_set_uint, 0, 1, 86400, "300", CFG_OFF(c_nonce_ttl),
	    NULL },
	{ "algorithms", cfg_set_algs, 0, 0, 0, "SHA-256,MD5", 0,
	    "a comma list of SHA-512-256, SHA-256, MD5" },
	{ "allow", cfg_set_allow, CFGK_REPEAT, 0, 0, NULL, 0,
	    "an address or CIDR prefix such as 192.0.2.0/24 or 2001:db8::/32" },
	{ "trust", cfg_set_trust, CFGK_REPEAT, 0, 0, NULL, 0,
	    "an address or CIDR prefix such as 192.0.2.0/24 or 2001:db8::/32" },
	{ "identity_check", cfg_set_idcheck, 0, 0, 0, "strict", 0,
	    "strict, register or off" },
	/* Per second and source; 0 disables. */
	{ "challenge_limit", cfg_set_uint, 0, 0, 1000000, "50",
	    CFG_OFF(c_challenge_limit), NULL },
	/* Failures within ban_window; 0 disables. */
	{ "ban_after", cfg_set_uint, 0, 0, 1000000, "10", CFG_OFF(c_ban_after),
	    NULL },
	/* Seconds: a day at most. */
	{ "ban_window", cfg_set_uint, 0, 1, 86400, "60", CFG_OFF(c_ban_window),
	    NULL },
	/* Seconds: a year at most. */
	{ "ban_time", cfg_set_uint, 0, 1, 31536000, "600", CFG_OFF(c_ban_time),
	    NULL },
	{ "log", cfg_set_log, 0, 0, 0, "stderr", CFG_OFF(c_log),
	    "stderr, syslog or a file path" },
	{ "log_level", cfg_set_log_level, 0, 0, 0, "info", 0,
	    "error, warn, info or debug" },
	{ "log_format", cfg_set_log_format, 0, 0, 0, "text", 0,
	    "text or json" },
	{ "metrics", cfg_set_metrics, 0, 0, 0, NULL, 0, "ADDR:PORT" },
	/* The operator's Unix socket (sipwarden ctl); absent: none. */
	{ "control_socket", cfg_set_path, 0, 0, 0, NULL,
	    CFG_OFF(c_control_socket), "a file path" },
	{ "tls_cert", cfg_set_path, 0, 0, 0, NULL, CFG_OFF(c_tls_cert),
	    "a file path" },
	{ "tls_key", cfg_set_path, 0, 0, 0, NULL, CFG_OFF(c_tls_key),
	    "a file path" },
	/* TCP and TLS (stream) connections, all listeners and workers. */
	{ "tcp_max_connections", cfg_set_uint, 0, 1, 1000000, "4096",
	    CFG_OFF(c_tcp_max_conns), NULL },
	{ "tcp_max_per_ip", cfg_set_uint, 0, 1, 1000000, "32",
	    CFG_OFF(c_tcp_max_per_ip), NULL },
	/* Seconds without a byte from the peer before its connection closes. */
	{ "tcp_idle_timeout", cfg_set_uint, 0, 1, 86400, "600",
	    CFG_OFF(c_tcp_idle_timeout), NULL },
	/* Seconds to complete the TLS handshake and every message begun. */
	{ "tcp_message_timeout", cfg_set_uint, 0, 1, 3600, "10",
	    CFG_OFF(c_tcp_msg_timeout), NULL },
	/* Bytes of a header block on a stream. */
	{ "tcp_max_header", cfg_set_uint, 0, 256, 32768, "16384",
	    CFG_OFF(c_tcp_max_header), NULL },
	/* Bytes waiting for a peer that does not read before it is closed. */
	{ "tcp_max_queued", cfg_set_uint, 0, 65536, 1073741824, "262144",
	    CFG_OFF(c_tcp_max_queued), NULL },
	/* Default: the CPUs online (cfg_ncpus), within the same bounds. */
	{ "workers", cfg_set_uint, 0, 1, CFG_WORKERS_MAX, NULL,
	    CFG_OFF(c_workers), NULL },
};
#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static const char *const cfg_algs[] = {
	[CFG_ALG_MD5] = "MD5",
	[CFG_ALG_SHA256] = "SHA-256",
	[CFG_ALG_SHA512_256] = "SHA-512-256",
};
#define CFG_NALGNAMES (sizeof(cfg_algs) / sizeof(cfg_algs[0]))

static const char *const cfg_idchecks[] = {
	[CFG_ID_STRICT] = "strict",
	[CFG_ID_REGISTER] = "register",
	[CFG_ID_OFF] = "off",
};

/* Loading state: the cfg being filled and what has been seen so far. */
struct cfg_ld {
	struct cfg *ld_cfg;
	struct lines ld_li; /* the file, its line and its error count */
	unsigned ld_seen[CFG_NKEYS]; /* line a key was first given on */
	bool ld_nomem;
	size_t ld_allow_cap;
	size_t ld_trust_cap;
};

static int
cfg_bad(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	lines_err(&ld->ld_li, ld->ld_li.li_line,
	    "bad value '%s' for '%s': expected %s", val, k->ck_name,
	    k->ck_expect);
	return (EINVAL);
}

static int
cfg_nomem(struct cfg_ld *ld)
{
	ld->ld_nomem = true;
	lines_err(&ld->ld_li, ld->ld_li.li_line, "out of memory");
	return (ENOMEM);
}

/* Replace the string field of k with a copy of s. */
static int
cfg_store(struct cfg_ld *ld, const struct cfg_key *k, const char *s)
{
	char **dst = CFG_FIELD(ld, k, char *);
	char *copy;

	if ((copy = strdup(s)) == NULL)
		return (cfg_nomem(ld));
	free(*dst);
	*dst = copy;
	return (0);
}

/* Digits only; saturates at ULLONG_MAX so that huge values are in error. */
static int
cfg_number(const char *s, unsigned long long *v)
{
	unsigned long long r = 0;

	if (*s == '\0')
		return (EINVAL);
	for (; *s != '\0'; s++) {
		if (!chars_is(*s, CHARS_DIGIT))
			return (EINVAL);
		if (r > (ULLONG_MAX - 9) / 10)
			r = ULLONG_MAX;
		else
			r = r * 10 + (unsigned long long)(*s - '0');
	}
	*v = r;
	return (0);
}

static int
cfg_set_uint(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	unsigned long long v;

	if (cfg_number(val, &v) != 0) {
		lines_err(&ld->ld_li, ld->ld_li.li_line,
		    "bad value '%s' for '%s': expected an integer from %lu to "
		    "%lu",
		    val, k->ck_name, k->ck_lo, k->ck_hi);
		return (EINVAL);
	}
	if (v < k->ck_lo || v > k->ck_hi) {
		lines_err(&ld->ld_li, ld->ld_li.li_line,
		    "value %s for '%s' out of range %lu..%lu", val, k->ck_name,
		    k->ck_lo, k->ck_hi);
		return (ERANGE);
	}
	*CFG_FIELD(ld, k, unsigned) = (unsigned)v;
	return (0);
}

/* val made absolute against the config file's folder. */
static int
cfg_set_path(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	const char *dir = ld->ld_cfg->c_dir;
	char *abs;
	size_t n;
	int err;

	if (val[0] == '/')
		return (cfg_store(ld, k, val));
	n = strlen(dir) + strlen(val) + 2;
	if ((abs = malloc(n)) == NULL)
		return (cfg_nomem(ld));
	(void)snprintf(abs, n, "%s%s%s", dir,
	    dir[strlen(dir) - 1] == '/' ? "" : "/", val);
	err = cfg_store(ld, k, abs);
	free(abs);
	return (err);
}

static int
cfg_set_log(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	if (strcmp(val, "stderr") == 0 || strcmp(val, "syslog") == 0)
		return (cfg_store(ld, k, val));
	return (cfg_set_path(ld, k, val));
}

static int
cfg_set_realm(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	size_t i, n = strlen(val);

	if (n < k->ck_lo || n > k->ck_hi)
		return (cfg_bad(ld, k, val));
	for (i = 0; i < n; i++) {
		if (val[i] < ' ' || val[i] > '~' || val[i] == '"' ||
		    val[i] == '\\')
			return (cfg_bad(ld, k, val));
	}
	return (cfg_store(ld, k, val));
}

/*
 * "PROTO:ADDR:PORT [advertise HOST[:PORT]]".  The advertised name is what
 * clients are told (Via, their Record-Route); the PBX is told the bound
 * address, so one listener can stand behind a balancer's address.
 */
static int
cfg_set_listen(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	static const char kw[] = "advertise";
	struct cfg *cfg = ld->ld_cfg;
	struct cfg_sock cs;
	size_t i, alen = strcspn(val, " \t"), hlen;
	const char *adv = val + alen;

	memset(&cs, 0, sizeof(cs));
	if (addr_parse_tp(val, alen, &cs.cs_tp, &cs.cs_addr) != 0)
		return (cfg_bad(ld, k, val));
	if (*adv != '\0') {
		adv += strspn(adv, " \t");
		if (strncmp(adv, kw, sizeof(kw) - 1) != 0 ||
		    (adv[sizeof(kw) - 1] != ' ' && adv[sizeof(kw) - 1] != '\t'))
			return (cfg_bad(ld, k, val));
		adv += sizeof(kw) - 1;
		adv += strspn(adv, " \t");
		if (cfg_hostport(adv, &hlen, &cs.cs_adv_port) != 0 ||
		    hlen >= sizeof(cs.cs_adv_host))
			return (cfg_bad(ld, k, val));
		memcpy(cs.cs_adv_host, adv, hlen);
	}
	for (i = 0; i < cfg->c_nlisten; i++) {
		if (cfg->c_listen[i].cs_tp == cs.cs_tp &&
		    sa_cmp(&cfg->c_listen[i].cs_addr, &cs.cs_addr, SA_ALL)) {
			lines_err(&ld->ld_li, ld->ld_li.li_line,
			    "duplicate listener '%.*s', first given on line %u",
			    (int)alen, val, cfg->c_listen[i].cs_line);
			return (EINVAL);
		}
	}
	if (cfg->c_nlisten == CFG_MAX_LISTEN) {
		lines_err(&ld->ld_li, ld->ld_li.li_line,
		    "too many listeners (at most %d)", CFG_MAX_LISTEN);
		return (EINVAL);
	}
	cs.cs_line = ld->ld_li.li_line;
	cfg->c_listen[cfg->c_nlisten++] = cs;
	return (0);
}

static int
cfg_set_upstream(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	struct cfg_sock *cs = &ld->ld_cfg->c_upstream;

	if (addr_parse_tp(val, strlen(val), &cs->cs_tp, &cs->cs_addr) != 0 ||
	    cs->cs_tp == TP_TLS) {
		memset(cs, 0, sizeof(*cs));
		return (cfg_bad(ld, k, val));
	}
	cs->cs_line = ld->ld_li.li_line;
	return (0);
}

static int
cfg_set_metrics(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	struct cfg *cfg = ld->ld_cfg;

	if (addr_parse_hostport(val, strlen(val), &cfg->c_metrics) != 0)
		return (cfg_bad(ld, k, val));
	cfg->c_has_metrics = true;
	return (0);
}

/* RFC 1123 host name: dot-separated labels of letters, digits and '-'. */
static bool
cfg_is_hostname(const char *h, size_t n)
{
	size_t i, lab = 0;
	bool alpha = false;

	if (n == 0 || n > 253)
		return (false);
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (lab == 0 || h[i - 1] == '-')
				return (false);
			lab = 0;
			continue;
		}
		if (!chars_is(h[i], CHARS_ALNUM) && h[i] != '-')
			return (false);
		if ((h[i] == '-' && lab == 0) || ++lab > 63)
			return (false);
		if (!chars_is(h[i], CHARS_DIGIT))
			alpha = true;
	}
	/* All digits and dots is a (bad) IPv4 address, not a name. */
	return (lab > 0 && h[n - 1] != '-' && alpha);
}

/* Is h[0..n) an address of family af? */
static bool
cfg_is_addr(int af, const char *h, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t a[16];

	if (n == 0 || n >= sizeof(buf))
		return (false);
	memcpy(buf, h, n);
	buf[n] = '\0';
	return (inet_pton(af, buf, a) == 1);
}

/* HOST[:PORT]: *hlen is HOST's length (brackets included), *port or 0. */
static int
cfg_hostport(const char *val, size_t *hlen, uint16_t *port)
{
	const char *rest;

	*port = 0;
	if (val[0] == '[') {
		if ((rest = strchr(val, ']')) == NULL ||
		    !cfg_is_addr(AF_INET6, val + 1, (size_t)(rest - val - 1)))
			return (EINVAL);
		rest++;
	} else {
		rest = val + strcspn(val, ":");
		if (!cfg_is_addr(AF_INET, val, (size_t)(rest - val)) &&
		    !cfg_is_hostname(val, (size_t)(rest - val)))
			return (EINVAL);
	}
	*hlen = (size_t)(rest - val);
	if (*rest == '\0')
		return (0);
	if (*rest != ':')
		return (EINVAL);
	return (addr_parse_port(rest + 1, strlen(rest + 1), port));
}

static int
cfg_set_advertise(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	struct cfg *cfg = ld->ld_cfg;
	uint16_t port;
	size_t hlen;

	if (cfg_hostport(val, &hlen, &port) != 0)
		return (cfg_bad(ld, k, val));
	free(cfg->c_advertise_host);
	if ((cfg->c_advertise_host = strndup(val, hlen)) == NULL)
		return (cfg_nomem(ld));
	cfg->c_advertise_port = port;
	return (0);
}

/* One algorithm name, any case; s[0..n). */
static int
cfg_alg_lookup(const char *s, size_t n, enum cfg_alg *alg)
{
	size_t i;

	for (i = 0; i < CFG_NALGNAMES; i++) {
		if (strlen(cfg_algs[i]) == n &&
		    strncasecmp(cfg_algs[i], s, n) == 0) {
			*alg = (enum cfg_alg)i;
			return (0);
		}
	}
	return (EINVAL);
}

/* The token s[0..n) without the blanks around it. */
static const char *
cfg_trim(const char *s, size_t *n)
{
	size_t i = chars_skip(s, *n, 0, CHARS_SPACE);

	*n = chars_rskip(s + i, *n - i, CHARS_SPACE);
	return (s + i);
}

/* Add a to algs unless it is there already. */
static int
cfg_alg_add(struct cfg_ld *ld, enum cfg_alg *algs, size_t *n, enum cfg_alg a)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (algs[i] == a) {
			lines_err(&ld->ld_li, ld->ld_li.li_line,
			    "duplicate algorithm '%s' in 'algorithms'",
			    cfg_algs[a]);
			return (EINVAL);
		}
	}
	algs[(*n)++] = a;
	return (0);
}

static int
cfg_set_algs(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	enum cfg_alg algs[CFG_MAX_ALGS], a;
	const char *p = val, *tok;
	size_t n = 0, seg, len;

	for (;;) {
		seg = strcspn(p, ",");
		len = seg;
		tok = cfg_trim(p, &len);
		if (cfg_alg_lookup(tok, len, &a) != 0)
			return (cfg_bad(ld, k, val));
		if (cfg_alg_add(ld, algs, &n, a) != 0)
			return (EINVAL);
		if (p[seg] == '\0')
			break;
		p += seg + 1;
	}
	memcpy(ld->ld_cfg->c_algs, algs, n * sizeof(algs[0]));
	ld->ld_cfg->c_nalgs = n;
	return (0);
}

/* Append a prefix to a growing array (doubling: 100000 lines are fast). */
static int
cfg_add_cidr(struct cfg_ld *ld, const struct cfg_key *k, const char *val,
    struct cidr **arr, size_t *n, size_t *cap)
{
	struct cidr c, *na;
	size_t ncap;

	if (addr_parse_cidr(val, strlen(val), &c) != 0)
		return (cfg_bad(ld, k, val));
	if (*n == *cap) {
		ncap = *cap == 0 ? 16 : *cap * 2;
		if ((na = reallocarray(*arr, ncap, sizeof(*na))) == NULL)
			return (cfg_nomem(ld));
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = c;
	return (0);
}

static int
cfg_set_allow(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	struct cfg *cfg = ld->ld_cfg;

	return (cfg_add_cidr(ld, k, val, &cfg->c_allow, &cfg->c_nallow,
	    &ld->ld_allow_cap));
}

static int
cfg_set_trust(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	struct cfg *cfg = ld->ld_cfg;

	return (cfg_add_cidr(ld, k, val, &cfg->c_trust, &cfg->c_ntrust,
	    &ld->ld_trust_cap));
}

static int
cfg_set_idcheck(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	size_t i;

	for (i = 0; i < sizeof(cfg_idchecks) / sizeof(cfg_idchecks[0]); i++) {
		if (strcmp(val, cfg_idchecks[i]) == 0) {
			ld->ld_cfg->c_idcheck = (enum cfg_idcheck)i;
			return (0);
		}
	}
	return (cfg_bad(ld, k, val));
}

static int
cfg_set_log_level(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	if (log_level_parse(val, &ld->ld_cfg->c_log_level) != 0)
		return (cfg_bad(ld, k, val));
	return (0);
}

static int
cfg_set_log_format(struct cfg_ld *ld, const struct cfg_key *k, const char *val)
{
	if (log_format_parse(val, &ld->ld_cfg->c_log_format) != 0)
		return (cfg_bad(ld, k, val));
	return (0);
}

static const struct cfg_key *
cfg_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (strcmp(cfg_keys[i].ck_name, name) == 0)
			return (&cfg_keys[i]);
	}
	return (NULL);
}

/* Split line (comment already cut) into key and value, in place. */
static char *
cfg_split(char *line, char **valp)
{
	char *key, *val, *end;

	key = line + strspn(line, " \t\r\n\v\f");
	val = key + strcspn(key, " \t\r\n\v\f");
	if (*val != '\0')
		*val++ = '\0';
	val += strspn(val, " \t\r\n\v\f");
	end = val + chars_rskip(val, strlen(val), CHARS_SPACE);
	*end = '\0';
	*valp = val;
	return (key);
}

/* One line of the file. */
static void
cfg_line(struct cfg_ld *ld, char *line)
{
	const struct cfg_key *k;
	char *key, *val;
	size_t i;

	line[strcspn(line, "#")] = '\0';
	key = cfg_split(line, &val);
	if (*key == '\0')
		return;
	if ((k = cfg_key_find(key)) == NULL) {
		lines_err(&ld->ld_li, ld->ld_li.li_line, "unknown key '%s'",
		    key);
		return;
	}
	i = (size_t)(k - cfg_keys);
	if (ld->ld_seen[i] != 0 && !(k->ck_flags & CFGK_REPEAT)) {
		lines_err(&ld->ld_li, ld->ld_li.li_line,
		    "duplicate key '%s', first given on line %u", key,
		    ld->ld_seen[i]);
		return;
	}
	if (ld->ld_seen[i] == 0)
		ld->ld_seen[i] = ld->ld_li.li_line;
	if (*val == '\0')
		lines_err(&ld->ld_li, ld->ld_li.li_line,
		    "missing value for '%s'", key);
	else
		(void)k->ck_set(ld, k, val);
}

/* Every line of the file, until memory runs out. */
static void
cfg_read(struct cfg_ld *ld)
{
	char *line;
	size_t len;

	while (!ld->ld_nomem && lines_next(&ld->ld_li, &line, &len)) {
		if (memchr(line, '\0', len) != NULL)
			lines_err(&ld->ld_li, ld->ld_li.li_line,
			    "NUL byte in line");
		else
			cfg_line(ld, line);
	}
}

/* Keys that are required, and TLS material a tls: listener needs. */
static void
cfg_check(struct cfg_ld *ld)
{
	const struct cfg *cfg = ld->ld_cfg;
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++) {
		if ((cfg_keys[i].ck_flags & CFGK_REQUIRED) &&
		    ld->ld_seen[i] == 0)
			lines_err(&ld->ld_li, 0, "missing required key '%s'",
			    cfg_keys[i].ck_name);
	}
	for (i = 0; i < cfg->c_nlisten; i++) {
		if (cfg->c_listen[i].cs_tp == TP_TLS)
			break;
	}
	if (i == cfg->c_nlisten)
		return;
	if (cfg->c_tls_cert == NULL)
		lines_err(&ld->ld_li, cfg->c_listen[i].cs_line,
		    "tls listener needs 'tls_cert'");
	if (cfg->c_tls_key == NULL)
		lines_err(&ld->ld_li, cfg->c_listen[i].cs_line,
		    "tls listener needs 'tls_key'");
}

/* The CPUs online, within the bounds of 'workers'. */
static unsigned
cfg_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return (1);
	return (n > CFG_WORKERS_MAX ? CFG_WORKERS_MAX : (unsigned)n);
}

/* The realpath of the folder of path. */
static int
cfg_dir(const char *path, char **dirp)
{
	char *copy, *slash;
	int err = 0;

	if ((copy = strdup(path)) == NULL)
		return (ENOMEM);
	if ((slash = strrchr(copy, '/')) == NULL)
		(void)strcpy(copy, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((*dirp = realpath(copy, NULL)) == NULL)
		err = errno;
	free(copy);
	return (err);
}

/* Path, folder and every default. */
static int
cfg_init(struct cfg_ld *ld, const char *path)
{
	struct cfg *cfg = ld->ld_cfg;
	size_t i;
	int err;

	if ((cfg->c_path = strdup(path)) == NULL)
		return (cfg_nomem(ld));
	if ((err = cfg_dir(path, &cfg->c_dir)) != 0) {
		lines_err(&ld->ld_li, 0, "cannot resolve its folder: %s",
		    strerror(err));
		return (err);
	}
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_keys[i].ck_default != NULL)
			(void)cfg_keys[i].ck_set(ld, &cfg_keys[i],
			    cfg_keys[i].ck_default);
	}
	cfg->c_workers = cfg_ncpus();
	return (ld->ld_nomem ? ENOMEM : 0);
}

/* A folder is refused when opened, not when first read. */
static const struct lines_opt cfg_lines = {
	.lo_kind = LINES_NODIR,
	.lo_readerr = "cannot read",
};

static int
cfg_load_as(const char *path, struct cfg **cfgp, cfg_err_h *errh, void *arg,
    bool lenient)
{
	struct cfg_ld ld;
	int err;

	if (path == NULL || cfgp == NULL)
		return (EINVAL);
	memset(&ld, 0, sizeof(ld));
	lines_init(&ld.ld_li, path, &cfg_lines, errh, NULL, arg);
	if ((ld.ld_cfg = calloc(1, sizeof(*ld.ld_cfg))) == NULL)
		return (cfg_nomem(&ld));
	if ((err = lines_open(&ld.ld_li)) != 0 ||
	    (err = cfg_init(&ld, path)) != 0 ||
	    (err = lines_read(&ld.ld_li)) != 0)
		goto out;
	cfg_read(&ld);
	cfg_check(&ld);
	if (ld.ld_nomem)
		err = ENOMEM;
	else if (ld.ld_li.li_nerr > 0 && !lenient)
		err = EINVAL;
out:
	lines_close(&ld.ld_li);
	if (err != 0)
		cfg_free(ld.ld_cfg);
	else
		*cfgp = ld.ld_cfg;
	return (err);
}

int
cfg_load(const char *path, struct cfg **cfgp, cfg_err_h *errh, void *arg)
{
	return (cfg_load_as(path, cfgp, errh, arg, false));
}

int
cfg_load_lenient(const char *path, struct cfg **cfgp, cfg_err_h *errh,
    void *arg)
{
	return (cfg_load_as(path, cfgp, errh, arg, true));
}

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->c_path);
	free(cfg->c_dir);
	free(cfg->c_advertise_host);
	free(cfg->c_realm);
	free(cfg->c_users);
	free(cfg->c_secret_file);
	free(cfg->c_allow);
	free(cfg->c_trust);
	free(cfg->c_log);
	free(cfg->c_tls_cert);
	free(cfg->c_tls_key);
	free(cfg->c_control_socket);
	free(cfg);
}

const char *
cfg_alg_name(enum cfg_alg alg)
{
	if ((size_t)alg >= CFG_NALGNAMES)
		return ("?");
	return (cfg_algs[alg]);
}

const char *
cfg_key_name(size_t i)
{
	return (i < CFG_NKEYS ? cfg_keys[i].ck_name : NULL);
}
