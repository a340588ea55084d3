/*
 * The pipeline (SPEC section 4, DESIGN.md): filter -> parse -> direction
 * -> authenticate -> forward, as pure code.  pipeline_handle() takes one
 * message, where it came from and the current snapshot, and returns one
 * action for the transport to carry out.  It does no I/O and reads no
 * clock but the one it is given; it logs and counts each decision once.
 */
#ifndef SW_SIP_PIPELINE_H
#define SW_SIP_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/flow.h"
#include "sip/pctx.h"

struct limits;
struct replay;
struct snapshot;

/*
 * replay and limits are shared by every worker and outlive them; limits
 * NULL turns bans and challenge_limit off (tests of other rules).
 */
int pctx_alloc(struct pctx **pcp, struct replay *replay, struct limits *limits);
void pctx_free(struct pctx *pc);

void pipeline_handle(struct pctx *pc, const struct snapshot *sn,
    const struct pipe_in *in, struct action *act);

/*
 * May src connect at all (bans and the allow list, as for a message)?
 * A refusal is counted and logged as a drop.  For a transport that can
 * refuse a connection before it costs a TLS handshake.
 */
bool pipeline_admit(struct pctx *pc, const struct snapshot *sn,
    const struct flow *src, uint64_t now_ms);

/* Count and log (rate limited) a drop the transport decided. */
void pipeline_note_drop(struct pctx *pc, const struct flow *src,
    uint64_t now_ms, enum drop_reason r, const char *why);

/*
 * msg, a request that sipwarden forwarded towards gone, could not be sent:
 * its connection is closed (code 430 Flow Failed, RFC 5626 5.3), or the
 * upstream cannot be reached or the worker owning the connection is busy
 * (503; stream_fail_status() decides).  act is then that response relayed to
 * where the request came from, by the Via branch as for any response;
 * nothing for an ACK or a response.
 */
void pipeline_flow_failed(struct pctx *pc, const struct snapshot *sn,
    const struct flow *gone, const char *msg, size_t len, uint16_t code,
    uint64_t now_ms, struct action *act);

#endif
