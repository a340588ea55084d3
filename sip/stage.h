/*
 * Inside the pipeline (pipeline.h, its types in pctx.h): what its files
 * share.  A message's
 * source is classified once, when it is admitted (struct source), and
 * carried down the stages with the rest of what the message needs (struct
 * pipe_req); a stage ends a message with one of the outcomes of action.c,
 * which log and count it once.
 *
 *   pipeline.c  entry points; filter, parse, direction
 *   stage.c     authenticate, forward (requests both ways, responses)
 *   action.c    the outcomes: drop, send, a stateless reply
 *   route.c     our Route URIs and the next hop (route.h)
 *
 * Calls go one way: pipeline.c -> stage.c -> route.c, and both of the
 * first two -> action.c.
 *
 * Private to sip/.  Needs <re.h>.
 */
#ifndef SW_SIP_STAGE_H
#define SW_SIP_STAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sip/flow.h"
#include "sip/pctx.h"
#include "sip/pkt.h"

struct obuf;
struct sa;
struct snapshot;

/* Where a message came from, as every stage sees it. */
struct source {
	const struct flow *so_flow; /* transport, listener, address, conn */
	/*
	 * What per-source state (auth/limits.h: bans, failure counts,
	 * challenge buckets) is kept under: the source address, of which
	 * the table keys an IPv4 address or an IPv6 /64.
	 */
	const struct sa *so_key;
	bool so_upstream;   /* the PBX (SPEC 4.3): no filter, no ban */
	bool so_trusted;    /* in a trust range, and not the PBX: no digest */
	uint32_t so_now;    /* seconds: nonces, replay, failures, bans */
	uint64_t so_now_ms; /* challenge buckets, log rates */
};

/* What one message needs on its way through. */
struct pipe_req {
	struct pctx *pr_pc;
	const struct snapshot *pr_sn;
	const struct source *pr_so;
	const struct pkt *pr_p; /* scanned by the parse stage */
	struct action *pr_act;
};

/* One more of a per-worker counter (struct pipe_stats). */
static inline void
stage_count(atomic_ulong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* action.c */
const char *action_drop_name(enum drop_reason r);
/* Count a drop and log it (rate limited); DROP_NONE is neither. */
void action_note_drop(struct pctx *pc, const struct sa *src, uint64_t now_ms,
    enum drop_reason r, const char *why);
/* Drop the message, noted as above. */
void action_drop(struct pipe_req *pr, enum drop_reason r, const char *why);
/* Send ob to dst, from listener dst->f_lsock. */
void action_send(struct pipe_req *pr, const struct obuf *ob,
    const struct flow *dst);
/* Where the responses to the request go (the Via below ours). */
void action_relay_flow(const struct pipe_req *pr, struct flow *relay);
/* A stateless reply to the request's source, with extra header lines. */
void action_reply_hdrs(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *extra, const char *why);
void action_reply(struct pipe_req *pr, uint16_t code, const char *reason,
    const char *why);

/* stage.c */
/* A request from the client side: authenticated, on to the upstream. */
void stage_to_upstream(struct pipe_req *pr);
/* A request from the PBX: towards the client its route names. */
void stage_to_client(struct pipe_req *pr);
/* A response: relayed by the second Via, if the top one is ours. */
void stage_response(struct pipe_req *pr, enum pkt_verdict v);

#endif
