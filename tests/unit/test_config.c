/*
 * core/config.c: every key, every default, path resolution, and the exact
 * text of every error.  Config files are written into a fresh temporary
 * folder per test; '@' in an expected message stands for the file's path.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/config.h"
#include "tests/common/testutil.h"
#include "tests.h"

#define L_LISTEN   "listen udp:127.0.0.1:5060\n"
#define L_UPSTREAM "upstream udp:127.0.0.1:5080\n"
#define L_REALM    "realm sipwarden.test\n"
#define L_USERS    "users users.example\n"
/* The four required keys, lines 1 to 4. */
#define BASE L_LISTEN L_UPSTREAM L_REALM L_USERS

static char tmpdir[64];        /* as made */
static char realdir[PATH_MAX]; /* its realpath */
static char errs[1 << 16];     /* every message, one per line */
static unsigned nerrs;

static void
collect(const char *msg, void *arg)
{
	(void)arg;
	tu_append_line(errs, sizeof(errs), msg);
	nerrs++;
}

static void
setup_dir(void)
{
	tu_dir_make(tmpdir, sizeof(tmpdir), "cfg");
	ck_assert_ptr_nonnull(realpath(tmpdir, realdir));
	errs[0] = '\0';
	nerrs = 0;
}

static void
teardown_dir(void)
{
	ck_assert_int_eq(tu_dir_remove(tmpdir), 0);
}

/* Write text as tmpdir/sipwarden.conf (path into buf) and load it. */
static int
load_text(const char *text, struct cfg **cfgp, char *path, size_t size)
{
	tu_path(path, size, tmpdir, "sipwarden.conf");
	tu_write(path, text, 0);
	return (cfg_load(path, cfgp, collect, NULL));
}

static struct cfg *
load_ok(const char *text)
{
	struct cfg *cfg = NULL;
	char path[PATH_MAX];

	ck_assert_msg(load_text(text, &cfg, path, sizeof(path)) == 0,
	    "errors: %s", errs);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_nonnull(cfg);
	return (cfg);
}

static void
assert_sa(const struct sa *sa, const char *want)
{
	char buf[ADDR_STRLEN];

	(void)addr_fmt(sa, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

/* Each config is BASE with one problem; the messages exactly. */
static const struct {
	const char *text;
	const char *want;
} err_cases[] = {
	{ BASE "foo bar\n", "@:5: unknown key 'foo'\n" },
	{ BASE "foo\n", "@:5: unknown key 'foo'\n" },
	{ BASE "Realm x\n", "@:5: unknown key 'Realm'\n" },
	{ BASE "nonce_ttl\n", "@:5: missing value for 'nonce_ttl'\n" },
	{ BASE "nonce_ttl   # five minutes\n",
	    "@:5: missing value for 'nonce_ttl'\n" },
	{ BASE "nonce_ttl abc\n",
	    "@:5: bad value 'abc' for 'nonce_ttl': expected an integer from 1 "
	    "to 86400\n" },
	{ BASE "nonce_ttl -1\n",
	    "@:5: bad value '-1' for 'nonce_ttl': expected an integer from 1 "
	    "to 86400\n" },
	{ BASE "nonce_ttl 3 00\n",
	    "@:5: bad value '3 00' for 'nonce_ttl': expected an integer from 1 "
	    "to 86400\n" },
	{ BASE "nonce_ttl 0\n",
	    "@:5: value 0 for 'nonce_ttl' out of range 1..86400\n" },
	{ BASE "nonce_ttl 86401\n",
	    "@:5: value 86401 for 'nonce_ttl' out of range 1..86400\n" },
	{ BASE "nonce_ttl 99999999999999999999999\n",
	    "@:5: value 99999999999999999999999 for 'nonce_ttl' out of range "
	    "1..86400\n" },
	{ BASE "challenge_limit 1000001\n",
	    "@:5: value 1000001 for 'challenge_limit' out of range "
	    "0..1000000\n" },
	{ BASE "ban_after 1.5\n",
	    "@:5: bad value '1.5' for 'ban_after': expected an integer from 0 "
	    "to 1000000\n" },
	{ BASE "ban_window 0\n",
	    "@:5: value 0 for 'ban_window' out of range 1..86400\n" },
	{ BASE "ban_time 31536001\n",
	    "@:5: value 31536001 for 'ban_time' out of range 1..31536000\n" },
	{ BASE "tcp_max_connections 0\n",
	    "@:5: value 0 for 'tcp_max_connections' out of range "
	    "1..1000000\n" },
	{ BASE "tcp_idle_timeout 0\n",
	    "@:5: value 0 for 'tcp_idle_timeout' out of range 1..86400\n" },
	{ BASE "tcp_message_timeout 3601\n",
	    "@:5: value 3601 for 'tcp_message_timeout' out of range "
	    "1..3600\n" },
	{ BASE "tcp_max_header 255\n",
	    "@:5: value 255 for 'tcp_max_header' out of range 256..32768\n" },
	{ BASE "tcp_max_queued 65535\n",
	    "@:5: value 65535 for 'tcp_max_queued' out of range "
	    "65536..1073741824\n" },
	{ BASE "workers 0\n",
	    "@:5: value 0 for 'workers' out of range 1..256\n" },
	{ BASE "workers 257\n",
	    "@:5: value 257 for 'workers' out of range 1..256\n" },
	{ BASE "realm other\n",
	    "@:5: duplicate key 'realm', first given on line 3\n" },
	{ BASE "upstream udp:127.0.0.1:5081\n",
	    "@:5: duplicate key 'upstream', first given on line 2\n" },
	{ BASE "nonce_ttl 30\nnonce_ttl 60\n",
	    "@:6: duplicate key 'nonce_ttl', first given on line 5\n" },
#define LISTEN_EXPECT                                                          \
	"expected udp:ADDR:PORT, tcp:ADDR:PORT or tls:ADDR:PORT, then "        \
	"optionally 'advertise HOST[:PORT]'\n"
	{ BASE "listen bogus\n",
	    "@:5: bad value 'bogus' for 'listen': " LISTEN_EXPECT },
	{ BASE "listen sctp:127.0.0.1:5060\n",
	    "@:5: bad value 'sctp:127.0.0.1:5060' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:[::1]\n",
	    "@:5: bad value 'udp:[::1]' for 'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertize 10.0.0.1\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertize 10.0.0.1' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertise\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertise' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertisex 10.0.0.1\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertisex 10.0.0.1' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertise -bad.example\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertise -bad.example' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertise 10.0.0.1 10.0.0.2\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertise 10.0.0.1 10.0.0.2' "
	    "for 'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5062 advertise 2001:db8::1\n",
	    "@:5: bad value 'udp:127.0.0.1:5062 advertise 2001:db8::1' for "
	    "'listen': " LISTEN_EXPECT },
	{ BASE "listen udp:127.0.0.1:5060\n",
	    "@:5: duplicate listener 'udp:127.0.0.1:5060', first given on line "
	    "1\n" },
	{ BASE "listen udp:127.0.0.1:5060  advertise 10.0.0.1\n",
	    "@:5: duplicate listener 'udp:127.0.0.1:5060', first given on line "
	    "1\n" },
	{ L_LISTEN "upstream tls:127.0.0.1:5081\n" L_REALM L_USERS,
	    "@:2: bad value 'tls:127.0.0.1:5081' for 'upstream': expected "
	    "udp:ADDR:PORT or tcp:ADDR:PORT\n" },
	{ L_LISTEN "upstream 127.0.0.1:5080\n" L_REALM L_USERS,
	    "@:2: bad value '127.0.0.1:5080' for 'upstream': expected "
	    "udp:ADDR:PORT or tcp:ADDR:PORT\n" },
	{ BASE "advertise -bad.example\n",
	    "@:5: bad value '-bad.example' for 'advertise': expected HOST or "
	    "HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "advertise 2001:db8::1\n",
	    "@:5: bad value '2001:db8::1' for 'advertise': expected HOST or "
	    "HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "advertise sip.example.org:0\n",
	    "@:5: bad value 'sip.example.org:0' for 'advertise': expected HOST "
	    "or HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "advertise 1.2.3\n",
	    "@:5: bad value '1.2.3' for 'advertise': expected HOST or "
	    "HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "advertise a_b.example\n",
	    "@:5: bad value 'a_b.example' for 'advertise': expected HOST or "
	    "HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "advertise [::1]x\n",
	    "@:5: bad value '[::1]x' for 'advertise': expected HOST or "
	    "HOST:PORT (a host name, IPv4 address or [IPv6])\n" },
	{ BASE "algorithms SHA-1\n",
	    "@:5: bad value 'SHA-1' for 'algorithms': expected a comma list of "
	    "SHA-512-256, SHA-256, MD5\n" },
	{ BASE "algorithms MD5,,SHA-256\n",
	    "@:5: bad value 'MD5,,SHA-256' for 'algorithms': expected a comma "
	    "list of SHA-512-256, SHA-256, MD5\n" },
	{ BASE "algorithms MD5,\n",
	    "@:5: bad value 'MD5,' for 'algorithms': expected a comma list of "
	    "SHA-512-256, SHA-256, MD5\n" },
	{ BASE "algorithms MD5, md5\n",
	    "@:5: duplicate algorithm 'MD5' in 'algorithms'\n" },
	{ BASE "allow 10.0.0.0/33\n",
	    "@:5: bad value '10.0.0.0/33' for 'allow': expected an address or "
	    "CIDR prefix such as 192.0.2.0/24 or 2001:db8::/32\n" },
	{ BASE "trust garbage\n",
	    "@:5: bad value 'garbage' for 'trust': expected an address or CIDR "
	    "prefix such as 192.0.2.0/24 or 2001:db8::/32\n" },
	{ BASE "identity_check maybe\n",
	    "@:5: bad value 'maybe' for 'identity_check': expected strict, "
	    "register or off\n" },
	{ BASE "log_level verbose\n",
	    "@:5: bad value 'verbose' for 'log_level': expected error, warn, "
	    "info or debug\n" },
	{ BASE "log_format xml\n",
	    "@:5: bad value 'xml' for 'log_format': expected text or json\n" },
	{ BASE "metrics 127.0.0.1\n",
	    "@:5: bad value '127.0.0.1' for 'metrics': expected ADDR:PORT\n" },
	{ L_LISTEN L_UPSTREAM "realm a\"b\n" L_USERS,
	    "@:3: bad value 'a\"b' for 'realm': expected 1 to 255 printable "
	    "ASCII characters other than '\"' and '\\'\n" },
	{ BASE "listen tls:127.0.0.1:5061\n",
	    "@:5: tls listener needs 'tls_cert'\n"
	    "@:5: tls listener needs 'tls_key'\n" },
	{ BASE "listen tls:127.0.0.1:5061\ntls_cert cert.pem\n",
	    "@:5: tls listener needs 'tls_key'\n" },
	{ BASE "tls_key key.pem\nlisten tls:[::1]:5061\n",
	    "@:6: tls listener needs 'tls_cert'\n" },
	{ L_UPSTREAM L_REALM L_USERS, "@: missing required key 'listen'\n" },
	{ L_LISTEN L_REALM L_USERS, "@: missing required key 'upstream'\n" },
	{ L_LISTEN L_UPSTREAM L_USERS, "@: missing required key 'realm'\n" },
	{ L_LISTEN L_UPSTREAM L_REALM, "@: missing required key 'users'\n" },
	{ "",
	    "@: missing required key 'listen'\n"
	    "@: missing required key 'upstream'\n"
	    "@: missing required key 'realm'\n"
	    "@: missing required key 'users'\n" },
	/* All problems are reported, in order, then the missing keys. */
	{ "foo 1\n" L_LISTEN "nonce_ttl 0\n" L_UPSTREAM
	  "log_format xml\n" L_USERS,
	    "@:1: unknown key 'foo'\n"
	    "@:3: value 0 for 'nonce_ttl' out of range 1..86400\n"
	    "@:5: bad value 'xml' for 'log_format': expected text or json\n"
	    "@: missing required key 'realm'\n" },
};

START_TEST(test_cfg_load_error_messages)
{
	struct cfg *cfg = (struct cfg *)&nerrs; /* must stay untouched */
	char path[PATH_MAX];

	ck_assert_int_eq(load_text(err_cases[_i].text, &cfg, path,
			     sizeof(path)),
	    EINVAL);
	ck_assert_str_eq(errs, tu_subst(err_cases[_i].want, path));
	ck_assert_ptr_eq(cfg, (struct cfg *)&nerrs);
}
END_TEST

START_TEST(test_cfg_load_error_realm_too_long)
{
	char text[1024], path[PATH_MAX], want[1024], realm[257];
	struct cfg *cfg = NULL;

	memset(realm, 'r', 256);
	realm[256] = '\0';
	(void)snprintf(text, sizeof(text), "%s%srealm %s\n%s", L_LISTEN,
	    L_UPSTREAM, realm, L_USERS);
	ck_assert_int_eq(load_text(text, &cfg, path, sizeof(path)), EINVAL);
	(void)snprintf(want, sizeof(want),
	    "@:3: bad value '%s' for 'realm': expected 1 to 255 printable "
	    "ASCII characters other than '\"' and '\\'\n",
	    realm);
	ck_assert_str_eq(errs, tu_subst(want, path));
}
END_TEST

START_TEST(test_cfg_load_error_too_many_listeners)
{
	char text[4096], path[PATH_MAX], want[256];
	struct cfg *cfg = NULL;
	size_t n = 0;
	int i;

	for (i = 0; i <= CFG_MAX_LISTEN; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "listen udp:127.0.0.1:%d\n", 6000 + i);
	(void)snprintf(text + n, sizeof(text) - n, "%s%s%s", L_UPSTREAM,
	    L_REALM, L_USERS);
	ck_assert_int_eq(load_text(text, &cfg, path, sizeof(path)), EINVAL);
	(void)snprintf(want, sizeof(want),
	    "@:%d: too many listeners (at most %d)\n", CFG_MAX_LISTEN + 1,
	    CFG_MAX_LISTEN);
	ck_assert_str_eq(errs, tu_subst(want, path));
}
END_TEST

START_TEST(test_cfg_load_error_nul_byte)
{
	static const char text[] = BASE "realm x\0y\n";
	char path[PATH_MAX];
	struct cfg *cfg = NULL;

	tu_path(path, sizeof(path), tmpdir, "sipwarden.conf");
	tu_write_len(path, text, sizeof(text) - 1, 0);
	ck_assert_int_eq(cfg_load(path, &cfg, collect, NULL), EINVAL);
	ck_assert_str_eq(errs, tu_subst("@:5: NUL byte in line\n", path));
}
END_TEST

START_TEST(test_cfg_load_error_cannot_open)
{
	char path[PATH_MAX];
	struct cfg *cfg = NULL;

	tu_path(path, sizeof(path), tmpdir, "missing.conf");
	ck_assert_int_eq(cfg_load(path, &cfg, collect, NULL), ENOENT);
	ck_assert_str_eq(errs,
	    tu_subst("@: cannot open: No such file or directory\n", path));
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_cfg_load_error_directory)
{
	struct cfg *cfg = NULL;

	ck_assert_int_eq(cfg_load(tmpdir, &cfg, collect, NULL), EISDIR);
	ck_assert_str_eq(errs,
	    tu_subst("@: cannot open: Is a directory\n", tmpdir));
	ck_assert_ptr_null(cfg);
}
END_TEST

/* Opens, but read(2) fails with EIO: the one message, no missing keys. */
START_TEST(test_cfg_load_error_read)
{
	struct cfg *cfg = NULL;

	ck_assert_int_eq(cfg_load("/proc/self/mem", &cfg, collect, NULL), EIO);
	ck_assert_str_eq(errs,
	    "/proc/self/mem: cannot read: Input/output error\n");
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_cfg_load_error_without_handler)
{
	char path[PATH_MAX];
	struct cfg *cfg = NULL;

	tu_path(path, sizeof(path), tmpdir, "sipwarden.conf");
	tu_write(path, "foo\n", 0);
	ck_assert_int_eq(cfg_load(path, &cfg, NULL, NULL), EINVAL);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_cfg_load_null_arguments)
{
	struct cfg *cfg = NULL;

	ck_assert_int_eq(cfg_load(NULL, &cfg, collect, NULL), EINVAL);
	ck_assert_int_eq(cfg_load("x", NULL, collect, NULL), EINVAL);
	ck_assert_uint_eq(nerrs, 0);
}
END_TEST

static const char full_text[] =
    "# every key, none at its default\n"
    "listen udp:127.0.0.1:5060\n"
    "listen tcp:[::1]:5060 advertise [2001:db8::7]:5062\n"
    "listen tls:0.0.0.0:5061\tadvertise  vip.example.org\n"
    "advertise sip.example.org:5070\n"
    "upstream tcp:10.0.0.5:5080\n"
    "realm Example Realm\n"
    "users /etc/sipwarden/users\n"
    "secret_file secrets\n"
    "nonce_ttl 600\n"
    "algorithms SHA-512-256,SHA-256,MD5\n"
    "allow 192.0.2.0/24\n"
    "allow 2001:db8::/32\n"
    "trust 198.51.100.10\n"
    "identity_check register\n"
    "challenge_limit 0\n"
    "ban_after 5\n"
    "ban_window 120\n"
    "ban_time 3600\n"
    "log syslog\n"
    "log_level debug\n"
    "log_format json\n"
    "metrics 127.0.0.1:9090\n"
    "tls_cert cert.pem\n"
    "tls_key /etc/ssl/key.pem\n"
    "tcp_max_connections 100\n"
    "tcp_max_per_ip 3\n"
    "tcp_idle_timeout 90\n"
    "tcp_message_timeout 4\n"
    "tcp_max_header 1024\n"
    "tcp_max_queued 65536\n"
    "workers 4\n";

START_TEST(test_cfg_load_full_listen)
{
	struct cfg *cfg = load_ok(full_text);

	ck_assert_uint_eq(cfg->c_nlisten, 3);
	ck_assert_int_eq(cfg->c_listen[0].cs_tp, TP_UDP);
	assert_sa(&cfg->c_listen[0].cs_addr, "127.0.0.1:5060");
	ck_assert_uint_eq(cfg->c_listen[0].cs_line, 2);
	ck_assert_str_eq(cfg->c_listen[0].cs_adv_host, "");
	ck_assert_uint_eq(cfg->c_listen[0].cs_adv_port, 0);
	ck_assert_int_eq(cfg->c_listen[1].cs_tp, TP_TCP);
	assert_sa(&cfg->c_listen[1].cs_addr, "[::1]:5060");
	ck_assert_str_eq(cfg->c_listen[1].cs_adv_host, "[2001:db8::7]");
	ck_assert_uint_eq(cfg->c_listen[1].cs_adv_port, 5062);
	ck_assert_int_eq(cfg->c_listen[2].cs_tp, TP_TLS);
	assert_sa(&cfg->c_listen[2].cs_addr, "0.0.0.0:5061");
	ck_assert_str_eq(cfg->c_listen[2].cs_adv_host, "vip.example.org");
	ck_assert_uint_eq(cfg->c_listen[2].cs_adv_port, 0);
	ck_assert_uint_eq(cfg->c_listen[2].cs_line, 4);
	ck_assert_int_eq(cfg->c_upstream.cs_tp, TP_TCP);
	assert_sa(&cfg->c_upstream.cs_addr, "10.0.0.5:5080");
	ck_assert_uint_eq(cfg->c_upstream.cs_line, 6);
	ck_assert_str_eq(cfg->c_advertise_host, "sip.example.org");
	ck_assert_uint_eq(cfg->c_advertise_port, 5070);
	ck_assert(cfg->c_has_metrics);
	assert_sa(&cfg->c_metrics, "127.0.0.1:9090");
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_full_auth)
{
	struct cfg *cfg = load_ok(full_text);
	char want[PATH_MAX + 32];

	ck_assert_str_eq(cfg->c_realm, "Example Realm");
	ck_assert_str_eq(cfg->c_users, "/etc/sipwarden/users");
	(void)snprintf(want, sizeof(want), "%s/secrets", realdir);
	ck_assert_str_eq(cfg->c_secret_file, want);
	ck_assert_uint_eq(cfg->c_nonce_ttl, 600);
	ck_assert_uint_eq(cfg->c_nalgs, 3);
	ck_assert_int_eq(cfg->c_algs[0], CFG_ALG_SHA512_256);
	ck_assert_int_eq(cfg->c_algs[1], CFG_ALG_SHA256);
	ck_assert_int_eq(cfg->c_algs[2], CFG_ALG_MD5);
	ck_assert_int_eq(cfg->c_idcheck, CFG_ID_REGISTER);
	ck_assert_uint_eq(cfg->c_challenge_limit, 0);
	ck_assert_uint_eq(cfg->c_ban_after, 5);
	ck_assert_uint_eq(cfg->c_ban_window, 120);
	ck_assert_uint_eq(cfg->c_ban_time, 3600);
	ck_assert_uint_eq(cfg->c_tcp_max_conns, 100);
	ck_assert_uint_eq(cfg->c_tcp_max_per_ip, 3);
	ck_assert_uint_eq(cfg->c_tcp_idle_timeout, 90);
	ck_assert_uint_eq(cfg->c_tcp_msg_timeout, 4);
	ck_assert_uint_eq(cfg->c_tcp_max_header, 1024);
	ck_assert_uint_eq(cfg->c_tcp_max_queued, 65536);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_full_lists)
{
	struct cfg *cfg = load_ok(full_text);
	struct sa sa;

	ck_assert_uint_eq(cfg->c_nallow, 2);
	ck_assert_int_eq(cfg->c_allow[0].ci_af, AF_INET);
	ck_assert_uint_eq(cfg->c_allow[0].ci_bits, 24);
	ck_assert_int_eq(cfg->c_allow[1].ci_af, AF_INET6);
	ck_assert_uint_eq(cfg->c_allow[1].ci_bits, 32);
	ck_assert_uint_eq(cfg->c_ntrust, 1);
	ck_assert_uint_eq(cfg->c_trust[0].ci_bits, 32);
	ck_assert_int_eq(sa_set_str(&sa, "198.51.100.10", 5060), 0);
	ck_assert(addr_cidr_match(&cfg->c_trust[0], &sa));
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_full_log_tls_workers)
{
	struct cfg *cfg = load_ok(full_text);
	char want[PATH_MAX + 32];

	ck_assert_str_eq(cfg->c_log, "syslog");
	ck_assert_int_eq(cfg->c_log_level, LOGL_DEBUG);
	ck_assert_int_eq(cfg->c_log_format, LOGF_JSON);
	(void)snprintf(want, sizeof(want), "%s/cert.pem", realdir);
	ck_assert_str_eq(cfg->c_tls_cert, want);
	ck_assert_str_eq(cfg->c_tls_key, "/etc/ssl/key.pem");
	ck_assert_uint_eq(cfg->c_workers, 4);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_defaults)
{
	struct cfg *cfg = load_ok(BASE);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_ptr_null(cfg->c_advertise_host);
	ck_assert_uint_eq(cfg->c_advertise_port, 0);
	ck_assert_ptr_null(cfg->c_secret_file);
	ck_assert_uint_eq(cfg->c_nonce_ttl, 300);
	ck_assert_uint_eq(cfg->c_nalgs, 2);
	ck_assert_int_eq(cfg->c_algs[0], CFG_ALG_SHA256);
	ck_assert_int_eq(cfg->c_algs[1], CFG_ALG_MD5);
	ck_assert_uint_eq(cfg->c_nallow, 0);
	ck_assert_ptr_null(cfg->c_allow);
	ck_assert_uint_eq(cfg->c_ntrust, 0);
	ck_assert_int_eq(cfg->c_idcheck, CFG_ID_STRICT);
	ck_assert_uint_eq(cfg->c_challenge_limit, 50);
	ck_assert_uint_eq(cfg->c_ban_after, 10);
	ck_assert_uint_eq(cfg->c_ban_window, 60);
	ck_assert_uint_eq(cfg->c_ban_time, 600);
	ck_assert_uint_eq(cfg->c_tcp_max_conns, 4096);
	ck_assert_uint_eq(cfg->c_tcp_max_per_ip, 32);
	ck_assert_uint_eq(cfg->c_tcp_idle_timeout, 600);
	ck_assert_uint_eq(cfg->c_tcp_msg_timeout, 10);
	ck_assert_uint_eq(cfg->c_tcp_max_header, 16384);
	ck_assert_uint_eq(cfg->c_tcp_max_queued, 262144);
	ck_assert_str_eq(cfg->c_log, "stderr");
	ck_assert_int_eq(cfg->c_log_level, LOGL_INFO);
	ck_assert_int_eq(cfg->c_log_format, LOGF_TEXT);
	ck_assert(!cfg->c_has_metrics);
	ck_assert_ptr_null(cfg->c_tls_cert);
	ck_assert_ptr_null(cfg->c_tls_key);
	ck_assert_uint_eq(cfg->c_workers,
	    ncpu < 1 ? 1 : (ncpu > 256 ? 256 : ncpu));
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_relative_paths)
{
	struct cfg *cfg = load_ok(L_LISTEN L_UPSTREAM L_REALM
	    "users sub/../users.example\nsecret_file /abs/secrets\n"
	    "log logs/sw.log\ntls_key ./key.pem\n");
	char want[PATH_MAX + 32];

	ck_assert_str_eq(cfg->c_path, tu_subst("@/sipwarden.conf", tmpdir));
	ck_assert_str_eq(cfg->c_dir, realdir);
	(void)snprintf(want, sizeof(want), "%s/sub/../users.example", realdir);
	ck_assert_str_eq(cfg->c_users, want);
	ck_assert_str_eq(cfg->c_secret_file, "/abs/secrets");
	(void)snprintf(want, sizeof(want), "%s/logs/sw.log", realdir);
	ck_assert_str_eq(cfg->c_log, want);
	(void)snprintf(want, sizeof(want), "%s/./key.pem", realdir);
	ck_assert_str_eq(cfg->c_tls_key, want);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_relative_config_path)
{
	char path[PATH_MAX], want[PATH_MAX + 32], cwd[PATH_MAX];
	struct cfg *cfg = NULL;

	tu_path(path, sizeof(path), tmpdir, "sipwarden.conf");
	tu_write(path, BASE, 0);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(cfg_load("sipwarden.conf", &cfg, collect, NULL), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(cfg->c_path, "sipwarden.conf");
	ck_assert_str_eq(cfg->c_dir, realdir);
	(void)snprintf(want, sizeof(want), "%s/users.example", realdir);
	ck_assert_str_eq(cfg->c_users, want);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_symlinked_folder_resolved)
{
	char path[PATH_MAX], link[PATH_MAX], want[PATH_MAX + 32];
	struct cfg *cfg = NULL;

	tu_path(path, sizeof(path), tmpdir, "real");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	tu_path(link, sizeof(link), tmpdir, "link");
	ck_assert_int_eq(symlink(path, link), 0);
	tu_path(path, sizeof(path), tmpdir, "link/sipwarden.conf");
	tu_write(path, BASE, 0);
	ck_assert_int_eq(cfg_load(path, &cfg, collect, NULL), 0);
	(void)snprintf(want, sizeof(want), "%s/real", realdir);
	ck_assert_str_eq(cfg->c_dir, want);
	(void)snprintf(want, sizeof(want), "%s/real/users.example", realdir);
	ck_assert_str_eq(cfg->c_users, want);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_syntax_comments_and_blanks)
{
	struct cfg *cfg = load_ok("# header\n\n   \n\t# indented comment\n"
				  "  listen\tudp:127.0.0.1:5060  # trailing\n"
				  "upstream    udp:127.0.0.1:5080\r\n"
				  "realm sipwarden.test#no space before\n"
				  "\tusers users.example\t\n"
				  "nonce_ttl 42 \n"
				  "# last line without newline\n"
				  "ban_time 7");

	assert_sa(&cfg->c_listen[0].cs_addr, "127.0.0.1:5060");
	ck_assert_uint_eq(cfg->c_listen[0].cs_line, 5);
	assert_sa(&cfg->c_upstream.cs_addr, "127.0.0.1:5080");
	ck_assert_str_eq(cfg->c_realm, "sipwarden.test");
	ck_assert_uint_eq(cfg->c_nonce_ttl, 42);
	ck_assert_uint_eq(cfg->c_ban_time, 7);
	cfg_free(cfg);
}
END_TEST

static const struct {
	const char *value;
	size_t n;
	enum cfg_alg want[CFG_MAX_ALGS];
} alg_cases[] = {
	{ "MD5", 1, { CFG_ALG_MD5 } },
	{ "sha-512-256", 1, { CFG_ALG_SHA512_256 } },
	{ "MD5 , Sha-256", 2, { CFG_ALG_MD5, CFG_ALG_SHA256 } },
	{ "SHA-256,SHA-512-256,md5", 3,
	    { CFG_ALG_SHA256, CFG_ALG_SHA512_256, CFG_ALG_MD5 } },
};

START_TEST(test_cfg_load_algorithms_table)
{
	char text[512];
	struct cfg *cfg;
	size_t i;

	(void)snprintf(text, sizeof(text), BASE "algorithms %s\n",
	    alg_cases[_i].value);
	cfg = load_ok(text);
	ck_assert_uint_eq(cfg->c_nalgs, alg_cases[_i].n);
	for (i = 0; i < alg_cases[_i].n; i++)
		ck_assert_int_eq(cfg->c_algs[i], alg_cases[_i].want[i]);
	cfg_free(cfg);
}
END_TEST

static const struct {
	const char *value;
	const char *host;
	uint16_t port;
} adv_cases[] = {
	{ "sip.example.org", "sip.example.org", 0 },
	{ "sip.example.org:5070", "sip.example.org", 5070 },
	{ "pbx", "pbx", 0 },
	{ "a-1.b2.example", "a-1.b2.example", 0 },
	{ "192.0.2.1:5060", "192.0.2.1", 5060 },
	{ "[2001:db8::1]:5062", "[2001:db8::1]", 5062 },
	{ "[2001:db8::1]", "[2001:db8::1]", 0 },
};

START_TEST(test_cfg_load_advertise_table)
{
	char text[512];
	struct cfg *cfg;

	(void)snprintf(text, sizeof(text), BASE "advertise %s\n",
	    adv_cases[_i].value);
	cfg = load_ok(text);
	ck_assert_str_eq(cfg->c_advertise_host, adv_cases[_i].host);
	ck_assert_uint_eq(cfg->c_advertise_port, adv_cases[_i].port);
	cfg_free(cfg);
}
END_TEST

static const struct {
	const char *value;
	enum cfg_idcheck want;
} idcheck_cases[] = {
	{ "strict", CFG_ID_STRICT },
	{ "register", CFG_ID_REGISTER },
	{ "off", CFG_ID_OFF },
};

START_TEST(test_cfg_load_identity_check_table)
{
	char text[512];
	struct cfg *cfg;

	(void)snprintf(text, sizeof(text), BASE "identity_check %s\n",
	    idcheck_cases[_i].value);
	cfg = load_ok(text);
	ck_assert_int_eq(cfg->c_idcheck, idcheck_cases[_i].want);
	cfg_free(cfg);
}
END_TEST

static const struct {
	const char *value;
	const char *want; /* '@' = the config's folder */
} log_cases[] = {
	{ "stderr", "stderr" },
	{ "syslog", "syslog" },
	{ "/var/log/sw.log", "/var/log/sw.log" },
	{ "sw.log", "@/sw.log" },
	{ "stderr.log", "@/stderr.log" },
};

START_TEST(test_cfg_load_log_target_table)
{
	char text[512];
	struct cfg *cfg;

	(void)snprintf(text, sizeof(text), BASE "log %s\n",
	    log_cases[_i].value);
	cfg = load_ok(text);
	ck_assert_str_eq(cfg->c_log, tu_subst(log_cases[_i].want, realdir));
	cfg_free(cfg);
}
END_TEST

static const struct {
	const char *line;
	unsigned want;
} bound_cases[] = {
	{ "nonce_ttl 1", 1 },
	{ "nonce_ttl 86400", 86400 },
	{ "challenge_limit 1000000", 1000000 },
	{ "ban_after 0", 0 },
	{ "ban_window 86400", 86400 },
	{ "ban_time 31536000", 31536000 },
	{ "workers 1", 1 },
	{ "workers 256", 256 },
	{ "nonce_ttl 000300", 300 },
};

START_TEST(test_cfg_load_number_bounds_table)
{
	char text[512], key[32];
	struct cfg *cfg;
	unsigned got;

	(void)snprintf(text, sizeof(text), BASE "%s\n", bound_cases[_i].line);
	cfg = load_ok(text);
	(void)sscanf(bound_cases[_i].line, "%31s", key);
	if (strcmp(key, "nonce_ttl") == 0)
		got = cfg->c_nonce_ttl;
	else if (strcmp(key, "challenge_limit") == 0)
		got = cfg->c_challenge_limit;
	else if (strcmp(key, "ban_after") == 0)
		got = cfg->c_ban_after;
	else if (strcmp(key, "ban_window") == 0)
		got = cfg->c_ban_window;
	else if (strcmp(key, "ban_time") == 0)
		got = cfg->c_ban_time;
	else
		got = cfg->c_workers;
	ck_assert_uint_eq(got, bound_cases[_i].want);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_max_listeners)
{
	char text[4096];
	struct cfg *cfg;
	size_t n = 0;
	int i;

	for (i = 0; i < CFG_MAX_LISTEN; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "listen tcp:[::1]:%d\n", 6000 + i);
	(void)snprintf(text + n, sizeof(text) - n, "%s%s%s", L_UPSTREAM,
	    L_REALM, L_USERS);
	cfg = load_ok(text);
	ck_assert_uint_eq(cfg->c_nlisten, CFG_MAX_LISTEN);
	assert_sa(&cfg->c_listen[CFG_MAX_LISTEN - 1].cs_addr, "[::1]:6015");
	cfg_free(cfg);
}
END_TEST

START_TEST(test_cfg_load_same_port_other_transport)
{
	struct cfg *cfg = load_ok(BASE "listen tcp:127.0.0.1:5060\n");

	ck_assert_uint_eq(cfg->c_nlisten, 2);
	cfg_free(cfg);
}
END_TEST

/* 100000 allow and 100000 trust lines: grown arrays, linear time. */
START_TEST(test_cfg_load_many_cidrs)
{
	const unsigned many = 100000;
	char path[PATH_MAX];
	struct timespec t0, t1;
	struct cfg *cfg = NULL;
	unsigned i;
	FILE *f;

	tu_path(path, sizeof(path), tmpdir, "sipwarden.conf");
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	(void)fputs(BASE, f);
	for (i = 0; i < many; i++)
		(void)fprintf(f,
		    "allow 10.%u.%u.%u/32\ntrust 2001:db8::%x:%x/128\n",
		    i >> 16, (i >> 8) & 0xff, i & 0xff, i >> 16, i & 0xffff);
	ck_assert_int_eq(fclose(f), 0);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(cfg_load(path, &cfg, collect, NULL) == 0, "%.300s", errs);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_uint_eq(cfg->c_nallow, many);
	ck_assert_uint_eq(cfg->c_ntrust, many);
	ck_assert_uint_eq(cfg->c_allow[many - 1].ci_addr[3], (many - 1) & 0xff);
	/* Generous even under sanitizers; quadratic growth would blow it. */
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 20);
	cfg_free(cfg);
}
END_TEST

static const struct {
	enum cfg_alg alg;
	const char *want;
} algname_cases[] = {
	{ CFG_ALG_MD5, "MD5" },
	{ CFG_ALG_SHA256, "SHA-256" },
	{ CFG_ALG_SHA512_256, "SHA-512-256" },
	{ (enum cfg_alg)99, "?" },
};

START_TEST(test_cfg_alg_name_table)
{
	ck_assert_str_eq(cfg_alg_name(algname_cases[_i].alg),
	    algname_cases[_i].want);
}
END_TEST

START_TEST(test_cfg_free_null)
{
	cfg_free(NULL);
}
END_TEST

#define EXAMPLE TEST_DATA "/../../etc/sipwarden.conf"

START_TEST(test_cfg_load_example_config)
{
	struct cfg *cfg = NULL;

	ck_assert_msg(cfg_load(EXAMPLE, &cfg, collect, NULL) == 0, "%s", errs);
	ck_assert_uint_eq(cfg->c_nlisten, 1);
	assert_sa(&cfg->c_listen[0].cs_addr, "127.0.0.1:5060");
	assert_sa(&cfg->c_upstream.cs_addr, "127.0.0.1:5080");
	ck_assert_str_eq(cfg->c_realm, "sipwarden.test");
	ck_assert_str_eq(cfg->c_users + strlen(cfg->c_users) - 18,
	    "/etc/users.example");
	ck_assert_int_eq(cfg->c_log_level, LOGL_INFO);
	ck_assert_uint_eq(cfg->c_workers, 1);
	cfg_free(cfg);
}
END_TEST

/* The example config documents every key of the table, as "key" or "#key". */
START_TEST(test_cfg_key_name_all_in_example)
{
	static char text[1 << 16];
	char want[64];
	const char *key;
	size_t i, n;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(EXAMPLE, "r"));
	n = fread(text + 1, 1, sizeof(text) - 2, f);
	(void)fclose(f);
	text[0] = '\n';
	text[n + 1] = '\0';
	for (i = 0; (key = cfg_key_name(i)) != NULL; i++) {
		(void)snprintf(want, sizeof(want), "\n%s ", key);
		if (strstr(text, want) != NULL)
			continue;
		(void)snprintf(want, sizeof(want), "\n#%s ", key);
		ck_assert_msg(strstr(text, want) != NULL,
		    "key '%s' not in etc/sipwarden.conf", key);
	}
	ck_assert_uint_eq(i, 29);
}
END_TEST

#define MANPAGE TEST_DATA "/../../man/sipwarden.conf.5"

/* The whole of path into text (NUL-terminated), with a newline in front. */
static void
read_text(const char *path, char *text, size_t size)
{
	FILE *f;
	size_t n;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(text + 1, 1, size - 2, f);
	(void)fclose(f);
	ck_assert_uint_lt(n, size - 2);
	text[0] = '\n';
	text[n + 1] = '\0';
}

static bool
known_key(const char *name, size_t len)
{
	const char *key;
	size_t i;

	for (i = 0; (key = cfg_key_name(i)) != NULL; i++)
		if (strlen(key) == len && strncmp(key, name, len) == 0)
			return (true);
	return (false);
}

/*
 * sipwarden.conf(5) has an item ".It Cm KEY" for every key of the table,
 * and none for a key the parser would refuse.
 */
START_TEST(test_cfg_keys_in_manual)
{
	static char text[1 << 17];
	char want[64];
	const char *key, *p;
	size_t i, n = 0, len;

	read_text(MANPAGE, text, sizeof(text));
	for (i = 0; (key = cfg_key_name(i)) != NULL; i++) {
		(void)snprintf(want, sizeof(want), "\n.It Cm %s", key);
		p = strstr(text, want);
		ck_assert_msg(p != NULL &&
			(p[strlen(want)] == ' ' || p[strlen(want)] == '\n'),
		    "key '%s' has no item in man/sipwarden.conf.5", key);
	}
	for (p = text; (p = strstr(p, "\n.It Cm ")) != NULL; p++, n++) {
		len = strcspn(p + 8, " \n");
		ck_assert_msg(known_key(p + 8, len),
		    "man/sipwarden.conf.5 has an item for '%.*s', not a key",
		    (int)len, p + 8);
	}
	ck_assert_uint_eq(n, i);
}
END_TEST

/*
 * And the example config: no line there, set or commented out
 * ("#key value"), names a key the parser does not know.
 */
START_TEST(test_cfg_example_names_known_keys_only)
{
	static char text[1 << 16];
	const char *p, *k;
	size_t len, n = 0;

	read_text(EXAMPLE, text, sizeof(text));
	for (p = text; (p = strchr(p, '\n')) != NULL; p++) {
		k = p + 1 + (p[1] == '#');
		len = strspn(k, "abcdefghijklmnopqrstuvwxyz_");
		if (len == 0 || (k[len] != ' ' && k[len] != '\t'))
			continue;
		ck_assert_msg(known_key(k, len),
		    "etc/sipwarden.conf names '%.*s', not a key", (int)len, k);
		n++;
	}
	ck_assert_uint_ge(n, 29);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_loop_test(tc, test_cfg_load_error_messages, 0,
	    NITEMS(err_cases));
	tcase_add_test(tc, test_cfg_load_error_realm_too_long);
	tcase_add_test(tc, test_cfg_load_error_too_many_listeners);
	tcase_add_test(tc, test_cfg_load_error_nul_byte);
	tcase_add_test(tc, test_cfg_load_error_cannot_open);
	tcase_add_test(tc, test_cfg_load_error_directory);
	tcase_add_test(tc, test_cfg_load_error_read);
	tcase_add_test(tc, test_cfg_load_error_without_handler);
	tcase_add_test(tc, test_cfg_load_null_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_test(tc, test_cfg_load_full_listen);
	tcase_add_test(tc, test_cfg_load_full_auth);
	tcase_add_test(tc, test_cfg_load_full_lists);
	tcase_add_test(tc, test_cfg_load_full_log_tls_workers);
	tcase_add_test(tc, test_cfg_load_defaults);
	tcase_add_test(tc, test_cfg_load_relative_paths);
	tcase_add_test(tc, test_cfg_load_relative_config_path);
	tcase_add_test(tc, test_cfg_load_symlinked_folder_resolved);
	tcase_add_test(tc, test_cfg_load_syntax_comments_and_blanks);
	tcase_add_loop_test(tc, test_cfg_load_algorithms_table, 0,
	    NITEMS(alg_cases));
	tcase_add_loop_test(tc, test_cfg_load_advertise_table, 0,
	    NITEMS(adv_cases));
	tcase_add_loop_test(tc, test_cfg_load_identity_check_table, 0,
	    NITEMS(idcheck_cases));
	tcase_add_loop_test(tc, test_cfg_load_log_target_table, 0,
	    NITEMS(log_cases));
	tcase_add_loop_test(tc, test_cfg_load_number_bounds_table, 0,
	    NITEMS(bound_cases));
	tcase_add_test(tc, test_cfg_load_max_listeners);
	tcase_add_test(tc, test_cfg_load_same_port_other_transport);
	tcase_add_test(tc, test_cfg_load_many_cidrs);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_loop_test(tc, test_cfg_alg_name_table, 0,
	    NITEMS(algname_cases));
	tcase_add_test(tc, test_cfg_free_null);
	tcase_add_test(tc, test_cfg_load_example_config);
	tcase_add_test(tc, test_cfg_key_name_all_in_example);
	tcase_add_test(tc, test_cfg_keys_in_manual);
	tcase_add_test(tc, test_cfg_example_names_known_keys_only);
	suite_add_tcase(s, tc);
	return (s);
}
