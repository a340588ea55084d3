/*
 * What the pipeline (pipeline.h) keeps per worker and hands back: the drop
 * reasons and request methods it counts, its counters (struct pipe_stats,
 * read by metrics), its scratch (struct pctx), one message in (struct
 * pipe_in) and one action out (struct action).  Types only, shared by the
 * entry points and the stages (stage.h), so that neither includes the
 * other's header for them.
 */
#ifndef SW_SIP_PCTX_H
#define SW_SIP_PCTX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "sip/authn.h"
#include "sip/flow.h"
#include "sip/pkt.h"

struct limits;
struct mac;

/* Drop reasons (SPEC section 5), in one list. */
#define DROP_REASONS(X)                                                        \
	X(NOT_ALLOWED, "not_allowed")                                          \
	X(BANNED, "banned")                                                    \
	X(CHALLENGE_LIMIT, "challenge_limit")                                  \
	X(MALFORMED, "malformed")                                              \
	X(TOO_BIG, "too_big")                                                  \
	X(BAD_TOKEN, "bad_token")                                              \
	X(NOT_OURS, "not_ours")

enum drop_reason {
	DROP_NONE, /* absorbed on purpose (the ACK of our own reply): no log */
#define X(e, s) DROP_##e,
	DROP_REASONS(X)
#undef X
	    DROP_NREASONS,
};

const char *pipeline_drop_name(enum drop_reason r); /* pipeline.c */

/* Request methods counted by name; everything else is "other". */
/* clang-format off */
#define PIPE_METHODS(X)                                                        \
	X(INVITE) X(ACK) X(BYE) X(CANCEL) X(REGISTER) X(OPTIONS) X(PRACK)      \
	X(SUBSCRIBE) X(NOTIFY) X(PUBLISH) X(INFO) X(REFER) X(MESSAGE)          \
	X(UPDATE)
/* clang-format on */

enum pipe_method {
#define X(m) PM_##m,
	PIPE_METHODS(X)
#undef X
	    PM_OTHER,
	PM_N,
};

/* Per-worker counters, read by metrics with relaxed loads. */
struct pipe_stats {
	atomic_ulong ps_requests[PM_N];
	atomic_ulong ps_responses[6]; /* 1xx..6xx */
	atomic_ulong ps_forwarded;
	atomic_ulong ps_replies;
	atomic_ulong ps_challenges;
	atomic_ulong ps_auth_ok;
	atomic_ulong ps_auth_fail[AUTHN_NREASONS];
	atomic_ulong ps_dropped[DROP_NREASONS];
	/* When a SIP message from the upstream last arrived (seconds since
	 * the epoch, 0: never): metrics sum it as the latest. */
	atomic_ulong ps_upstream_seen;
};

/* One worker's pipeline scratch; belongs to one thread. */
struct pctx {
	struct mac *pc_mac;
	struct limits *pc_limits; /* shared per-source table, or NULL */
	struct authn pc_authn;
	struct pipe_stats pc_stats;
	struct log_rate pc_droplog[DROP_NREASONS]; /* per reason */
	struct log_rate pc_replylog; /* 400, 482, 483, 502 replies */
	char pc_out[PKT_MAXLEN + 4096];
	char pc_syn[PKT_MAXLEN + 4096]; /* a reply made for a lost flow */
	struct pkt pc_pkt;
};

/* One received message. */
struct pipe_in {
	const char *pi_buf;
	size_t pi_len;
	struct flow pi_src; /* transport, listener it came in on, source */
	uint64_t pi_now_ms;
};

enum act_kind {
	ACT_DROP,
	ACT_SEND, /* a_out to a_dst, from listener a_dst.f_lsock */
};

struct action {
	enum act_kind a_kind;
	enum drop_reason a_drop;
	struct flow a_dst;
	const char *a_out;
	size_t a_outlen;
};

#endif
