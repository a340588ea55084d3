/*
 * sipwarden: a stateless authenticating SIP proxy.  Command line (SPEC
 * section 1): run, check a config (-t), version and help.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "core/log.h"
#include "proxy/server.h"
#include "proxy/snapshot.h"
#include "version.h"

#define DEFAULT_CONFIG "/etc/sipwarden/sipwarden.conf"

static void
main_usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: sipwarden [-t] [-c FILE]\n"
	    "       sipwarden -V | --version\n"
	    "       sipwarden -h | --help\n"
	    "\n"
	    "  -c FILE   config file (default " DEFAULT_CONFIG ")\n"
	    "  -t        check the config and the files it names, then exit\n"
	    "  -V        print the version\n"
	    "  -h        this help\n"
	    "\n"
	    "Signals: HUP reloads, TERM and INT stop.\n");
}

static void
main_print_cb(const char *msg, void *arg)
{
	(void)fprintf(stderr, "%s\n", msg);
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
