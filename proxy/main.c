/*
 * sipwarden: a stateless authenticating SIP proxy.  Command line (SPEC
 * section 1): run, check a config (-t), version and help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <re.h>

#include "auth/passwd.h"
#include "core/config.h"
#include "core/log.h"
#include "proxy/control.h"
#include "proxy/evlog.h"
#include "proxy/server.h"
#include "proxy/loader.h"
#include "sip/snapshot.h"
#include "version.h"

#define DEFAULT_CONFIG "/etc/sipwarden/sipwarden.conf"

static void
main_usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: sipwarden [-t] [-c FILE]\n"
	    "       sipwarden passwd FILE REALM USER\n"
	    "       sipwarden ctl [-c FILE] bans | unban ADDR | stats | "
	    "reload\n"
	    "       sipwarden -V | --version\n"
	    "       sipwarden -h | --help\n"
	    "\n"
	    "  -c FILE   config file (default " DEFAULT_CONFIG ")\n"
	    "  -t        check the config and the files it names, then exit\n"
	    "  -V        print the version\n"
	    "  -h        this help\n"
	    "  passwd    add or replace USER in the users file FILE; the\n"
	    "            password is read from the terminal (twice) or from\n"
	    "            the first line of standard input\n"
	    "  ctl       ask the running sipwarden through its "
	    "control_socket:\n"
	    "            bans (the current bans), unban ADDR (an IPv4 address\n"
	    "            or an IPv6 /64), stats (the /metrics counters), "
	    "reload\n"
	    "            (as SIGHUP, with its result)\n"
	    "\n"
	    "Signals: HUP reloads, TERM and INT stop.\n");
}

static void
main_print_cb(const char *msg, void *arg)
{
	(void)fprintf(stderr, "%s\n", msg);
}

static void
main_quiet_cb(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

/* sipwarden -t: "FILE: ok" or one line per problem. */
static int
main_check(const char *path)
{
	struct snapshot *sn;

	if (snapshot_load(path, NULL, NULL, 0, &sn, main_print_cb,
		main_print_cb, NULL) != 0)
		return (1);
	snapshot_unref(sn);
	(void)printf("%s: ok\n", path);
	return (0);
}

static int
main_run(const char *path)
{
	struct server srv;
	int rc;

	memset(&srv, 0, sizeof(srv));
	log_libevent_hook();
	rc = server_start(&srv, path);
	if (rc == 0)
		rc = server_run(&srv);
	server_stop(&srv);
	if (rc == 0)
		log_event(LOGL_INFO, "stop", NULL, "signal=%s",
		    srv.sv_signal ? srv.sv_signal : "none");
	log_close();
	return (rc);
}

/* One line from f into buf, without its line end; false at EOF. */
static bool
main_getline(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, f) == NULL)
		return (false);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return (true);
}

/* Prompt on the terminal with echo off (turned off before the prompt). */
static bool
main_ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct termios old, noecho;
	bool ok;

	if (tcgetattr(fileno(tty), &old) != 0)
		return (false);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(fileno(tty), TCSANOW, &noecho);
	(void)fputs(prompt, stderr);
	(void)fflush(stderr);
	ok = main_getline(tty, buf, size);
	(void)tcsetattr(fileno(tty), TCSANOW, &old);
	(void)fputs("\n", stderr);
	return (ok);
}

/* The password: twice on a terminal, else the first line of stdin. */
static bool
main_password(char *pass, size_t size)
{
	char again[1024];
	bool ok;

	if (!isatty(STDIN_FILENO)) {
		if (main_getline(stdin, pass, size))
			return (true);
		(void)fprintf(stderr, "sipwarden: no password read\n");
		return (false);
	}
	ok = main_ask(stdin, "Password: ", pass, size) &&
	    main_ask(stdin, "Again: ", again, sizeof(again));
	if (ok && strcmp(pass, again) != 0) {
		(void)fprintf(stderr, "sipwarden: passwords differ\n");
		ok = false;
	}
	OPENSSL_cleanse(again, sizeof(again));
	return (ok);
}

/* sipwarden passwd FILE REALM USER */
static int
main_passwd(int argc, char *argv[])
{
	char pass[1024], err[4352];
	int rc = 1;

	if (argc != 5) {
		main_usage(stderr);
		return (1);
	}
	if (!main_password(pass, sizeof(pass))) {
		/* main_password said why, or there was no input. */
	} else if (passwd_set(argv[2], argv[3], argv[4], pass, err,
		       sizeof(err)) != 0) {
		(void)fprintf(stderr, "%s\n", err);
	} else {
		rc = 0;
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	return (rc);
}

/* sipwarden ctl [-c FILE] COMMAND [ARG]: 0 ok, 1 refused or bad usage, 2
 * no answer. */
static int
main_ctl(int argc, char *argv[])
{
	const char *path = DEFAULT_CONFIG;
	static char answer[65536];
	char line[CONTROL_LINEMAX + 1], err[512];
	struct cfg *cfg = NULL;
	const char *body;
	int i = 2, rc;

	if (argc > 3 && strcmp(argv[2], "-c") == 0) {
		path = argv[3];
		i = 4;
	}
	if (argc - i < 1 || argc - i > 2 ||
	    (size_t)snprintf(line, sizeof(line), "%s%s%s", argv[i],
		argc - i == 2 ? " " : "",
		argc - i == 2 ? argv[i + 1] : "") >= sizeof(line)) {
		main_usage(stderr);
		return (1);
	}
	/* Only its control_socket: a reload may just have refused the rest. */
	if (cfg_load_lenient(path, &cfg, main_quiet_cb, NULL) != 0) {
		(void)fprintf(stderr, "%s: cannot read it\n", path);
		return (1);
	}
	if (cfg->c_control_socket == NULL) {
		(void)fprintf(stderr, "%s: no control_socket configured\n",
		    path);
		cfg_free(cfg);
		return (1);
	}
	rc = control_ask(cfg->c_control_socket, line, answer, sizeof(answer),
	    CONTROL_TIMEOUT * 2, err, sizeof(err));
	cfg_free(cfg);
	if (rc != 0) {
		(void)fprintf(stderr, "sipwarden ctl: %s\n", err);
		return (2);
	}
	if (strncmp(answer, "ok\n", 3) == 0) {
		(void)fputs(answer + 3, stdout);
		return (0);
	}
	body = strncmp(answer, "error: ", 7) == 0 ? answer + 7 : answer;
	(void)fprintf(stderr, "sipwarden ctl: %s%s", body,
	    *body == '\0' || body[strlen(body) - 1] != '\n' ? "\n" : "");
	return (1);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	int ch, check = 0;

	if (argc > 1 && strcmp(argv[1], "passwd") == 0)
		return (main_passwd(argc, argv));
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return (main_ctl(argc, argv));

	while ((ch = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			(void)printf("sipwarden %s\n", SW_VERSION);
			return (0);
		case 'h':
			main_usage(stdout);
			return (0);
		default:
			main_usage(stderr);
			return (1);
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "sipwarden: unexpected argument '%s'\n",
		    argv[optind]);
		main_usage(stderr);
		return (1);
	}
	return (check ? main_check(path) : main_run(path));
}
