/*
 * The pipeline under test (prefix harness_): one snapshot from the fixture,
 * one pipeline context, and the action and bytes of the last message fed
 * through it.  No sockets.  Shared by the tests that drive pipeline_handle()
 * with whole messages (test_pipeline.c, test_route.c, test_authn.c,
 * test_rfc4475.c).
 */
#ifndef SW_TESTS_HARNESS_H
#define SW_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sip/pipeline.h"

struct snapshot;

/* The state a test reads and, between messages, may change. */
extern struct snapshot *harness_sn;
extern struct pctx *harness_pc;
extern struct action harness_act;
/* What harness_act sends, NUL-terminated ("" when it drops). */
extern char harness_out[PKT_MAXLEN + 1];
/* The clock messages are fed at (ms); each setup sets it to
 * HARNESS_NOW_MS. */
extern uint64_t harness_now_ms;

#define HARNESS_NOW_MS 1764000000000ULL

/* The forwarding tests trust their clients: authentication has its own
 * suite (test_authn.c). */
#define HARNESS_TRUST                                                          \
	"trust 192.0.2.0/24\ntrust 10.0.0.0/8\ntrust 2001:db8::/32\n"

/*
 * A REGISTER from alice (contact 10.0.0.2:5062, Call-ID reg-1@10.0.0.2)
 * for realm sipwarden.test, the fixture's.
 */
#define HARNESS_REGISTER                                                       \
	"REGISTER sip:sipwarden.test SIP/2.0\r\n"                              \
	"Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKreg1;rport\r\n"          \
	"Max-Forwards: 70\r\n"                                                 \
	"From: <sip:alice@sipwarden.test>;tag=f1\r\n"                          \
	"To: <sip:alice@sipwarden.test>\r\n"                                   \
	"Call-ID: reg-1@10.0.0.2\r\n"                                          \
	"CSeq: 1 REGISTER\r\n"                                                 \
	"Contact: <sip:alice@10.0.0.2:5062>\r\n"                               \
	"Content-Length: 0\r\n\r\n"

/* Checked fixture: the fixture's snapshot with extra config lines (or
 * none), and a context with the fixture's replay memory and no limits. */
void harness_setup(const char *extra);
void harness_teardown(void);
/* Replace the snapshot with one of the base config plus extra, or of the
 * whole config text cfgtext. */
void harness_reload(const char *extra);
void harness_reload_cfg(const char *cfgtext);

/*
 * Feed len bytes of buf from src ("IP:PORT") through the pipeline, as if
 * they came over transport tp on listener lsock (and, on TCP and TLS,
 * connection conn), at harness_now_ms.
 */
void harness_feed(const char *buf, size_t len, uint8_t tp, uint8_t lsock,
    uint64_t conn, const char *src);
/* The same for the string msg. */
void harness_handle_on(const char *msg, uint8_t tp, uint8_t lsock,
    uint64_t conn, const char *src);
/* The string msg from src over UDP, on listener 0. */
void harness_handle(const char *msg, const char *src);
/* Copy what harness_act sends into harness_out (after a call that set
 * harness_act without the harness, e.g. pipeline_flow_failed()). */
void harness_keep(void);

/* harness_act sends to dst ("IP:PORT"). */
void harness_sent_to(const char *dst);
/* The value of the n-th (0-based) header line named name in harness_out,
 * copied to buf; NULL when there is none. */
const char *harness_hdr(const char *name, int n, char *buf, size_t size);
/* The Path URI of the last forwarded REGISTER, without < >. */
void harness_path_uri(char *b, size_t size);

#endif
