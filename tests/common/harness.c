/*
 * The pipeline under test; see harness.h.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <re.h>

#include "core/addr.h"
#include "sip/pipeline.h"
#include "sip/snapshot.h"
#include "tests/common/fixture.h"
#include "tests/common/harness.h"

struct snapshot *harness_sn;
struct pctx *harness_pc;
struct action harness_act;
char harness_out[PKT_MAXLEN + 1];
uint64_t harness_now_ms = HARNESS_NOW_MS;

void
harness_setup(const char *extra)
{
	harness_now_ms = HARNESS_NOW_MS;
	harness_sn = fixture_snapshot(extra);
	ck_assert_int_eq(pctx_alloc(&harness_pc, fixture_replay(), NULL), 0);
}

void
harness_teardown(void)
{
	pctx_free(harness_pc);
	harness_pc = NULL;
	snapshot_unref(harness_sn);
	harness_sn = NULL;
	fixture_cleanup();
}

void
harness_reload(const char *extra)
{
	snapshot_unref(harness_sn);
	fixture_cleanup();
	harness_sn = fixture_snapshot(extra);
}

void
harness_reload_cfg(const char *cfgtext)
{
	snapshot_unref(harness_sn);
	fixture_cleanup();
	harness_sn = fixture_snapshot_cfg(cfgtext);
}

void
harness_feed(const char *buf, size_t len, uint8_t tp, uint8_t lsock,
    uint64_t conn, const char *src)
{
	struct pipe_in in;

	memset(&in, 0, sizeof(in));
	in.pi_buf = buf;
	in.pi_len = len;
	in.pi_src.f_tp = tp;
	in.pi_src.f_lsock = lsock;
	in.pi_src.f_conn = conn;
	in.pi_now_ms = harness_now_ms;
	ck_assert_int_eq(addr_parse_hostport(src, strlen(src),
			     &in.pi_src.f_addr),
	    0);
	pipeline_handle(harness_pc, harness_sn, &in, &harness_act);
	harness_keep();
}

void
harness_handle_on(const char *msg, uint8_t tp, uint8_t lsock, uint64_t conn,
    const char *src)
{
	harness_feed(msg, strlen(msg), tp, lsock, conn, src);
}

void
harness_handle(const char *msg, const char *src)
{
	harness_handle_on(msg, TP_UDP, 0, 0, src);
}

void
harness_keep(void)
{
	harness_out[0] = '\0';
	if (harness_act.a_kind == ACT_SEND) {
		ck_assert_uint_lt(harness_act.a_outlen, sizeof(harness_out));
		memcpy(harness_out, harness_act.a_out, harness_act.a_outlen);
		harness_out[harness_act.a_outlen] = '\0';
	}
}

void
harness_sent_to(const char *dst)
{
	char a[ADDR_STRLEN];

	ck_assert_int_eq(harness_act.a_kind, ACT_SEND);
	(void)addr_fmt(&harness_act.a_dst.f_addr, a, sizeof(a));
	ck_assert_str_eq(a, dst);
}

const char *
harness_hdr(const char *name, int n, char *buf, size_t size)
{
	const char *l = strstr(harness_out, "\r\n");
	size_t nl = strlen(name);

	while (l != NULL && l[2] != '\r') {
		l += 2;
		if (strncmp(l, name, nl) == 0 && l[nl] == ':' && n-- == 0) {
			const char *e = strstr(l, "\r\n");

			(void)snprintf(buf, size, "%.*s", (int)(e - l - nl - 2),
			    l + nl + 2);
			return (buf);
		}
		l = strstr(l, "\r\n");
	}
	return (NULL);
}

void
harness_path_uri(char *b, size_t size)
{
	char v[512];

	ck_assert_ptr_nonnull(harness_hdr("Path", 0, v, sizeof(v)));
	(void)snprintf(b, size, "%.*s", (int)strlen(v) - 2, v + 1);
}
