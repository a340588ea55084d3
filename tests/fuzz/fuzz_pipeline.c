/*
 * libFuzzer: one datagram through the whole pipeline (filter, scanner,
 * direction, authentication, forwarding), from a client and from the PBX,
 * with a real snapshot loaded from a config written at start-up; from a
 * UDP client, a TCP client (a connection id in its flow), a trusted
 * client and the PBX.  Every message sent must be one the scanner reads
 * back as SIP; and every request sent on is also taken as undeliverable
 * (pipeline_flow_failed: a closed flow, an upstream down), whose answer,
 * relayed back by our Via, must be SIP too.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#include "auth/limits.h"
#include "auth/replay.h"
#include "core/addr.h"
#include "core/log.h"
#include "sip/pipeline.h"
#include "proxy/loader.h"
#include "sip/snapshot.h"

static struct snapshot *sn;
static struct pctx *pc;
static struct pkt check;
static struct sa client, pbx;

static void
fuzz_err(const char *msg, void *arg)
{
	(void)arg;
	(void)fprintf(stderr, "fuzz_pipeline: %s\n", msg);
	abort();
}

static void
fuzz_write(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0)
		abort();
	(void)fclose(f);
	/* sipwarden refuses a users file other users can read. */
	if (chmod(path, 0600) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz_pipeline.XXXXXX", path[256];
	struct replay *r;
	struct limits *l;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	fuzz_write(dir, "users",
	    "alice:sipwarden.test:6d466a87933e3a7d2f5c92c7a0d5ac20\n");
	fuzz_write(dir, "sipwarden.conf",
	    "listen udp:127.0.0.1:5060\nlisten udp:[::1]:5060\n"
	    "listen tcp:127.0.0.1:5060\n"
	    "upstream udp:127.0.0.1:5080\nrealm sipwarden.test\n"
	    "users users\nlog_level error\ntrust 192.0.2.128/25\n");
	(void)snprintf(path, sizeof(path), "%s/sipwarden.conf", dir);
	if (snapshot_load(path, NULL, NULL, 0, &sn, fuzz_err, NULL, NULL) !=
		0 ||
	    replay_alloc(&r) != 0 || limits_alloc(&l) != 0 ||
	    pctx_alloc(&pc, r, l) != 0)
		abort();
	(void)log_open("stderr", LOGL_ERROR, LOGF_TEXT);
	(void)sa_set_str(&client, "192.0.2.10", 5062);
	(void)sa_set_str(&pbx, "127.0.0.1", 5080);
	return (0);
}

static void
fuzz_sent(const struct action *act, const char *what)
{
	if (act->a_kind == ACT_SEND &&
	    pkt_scan(&check, act->a_out, act->a_outlen) == PKT_GARBAGE) {
		(void)fprintf(stderr, "%s: sent garbage: %s\n", what,
		    check.p_why);
		abort();
	}
}

static void
fuzz_one(const uint8_t *data, size_t size, const struct sa *src, uint8_t tp)
{
	static char copy[PKT_MAXLEN + 4096];
	struct pipe_in in;
	struct action act, failed;
	size_t len;

	memset(&in, 0, sizeof(in));
	in.pi_buf = (const char *)data;
	in.pi_len = size;
	in.pi_src.f_tp = tp;
	in.pi_src.f_lsock = tp == TP_TCP ? 2 : 0;
	in.pi_src.f_conn = tp == TP_TCP ? 0x0100002a00000007ull : 0;
	in.pi_src.f_addr = *src;
	in.pi_now_ms = 1764000000000ULL;
	pipeline_handle(pc, sn, &in, &act);
	fuzz_sent(&act, "pipeline_handle");
	if (act.a_kind != ACT_SEND || !check.p_req ||
	    act.a_outlen > sizeof(copy))
		return;
	len = act.a_outlen;
	memcpy(copy, act.a_out, len);
	pipeline_flow_failed(pc, sn, &act.a_dst, copy, len,
	    size % 2 ? 430 : 503, in.pi_now_ms, &failed);
	fuzz_sent(&failed, "pipeline_flow_failed");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sa *srcs[3];
	static struct sa trusted;
	size_t i;

	if (srcs[0] == NULL) {
		(void)sa_set_str(&trusted, "192.0.2.200", 5060);
		srcs[0] = &client;
		srcs[1] = &pbx;
		srcs[2] = &trusted;
	}
	for (i = 0; i < 3; i++)
		fuzz_one(data, size, srcs[i], TP_UDP);
	fuzz_one(data, size, &client, TP_TCP);
	fuzz_one(data, size, &trusted, TP_TCP);
	return (0);
}
