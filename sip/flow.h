/*
 * A flow: where a message for a client (or the PBX) must go, as the
 * pipeline decides it and a transport carries it out.  The transport, the
 * index of our listener that talks to it, its address and, on TCP and
 * TLS, the connection (proxy/conntab.h: the worker that owns it, its slot
 * and the slot's generation, so a reused slot never matches an old id).
 *
 * sipwarden keeps no table of flows: a flow travels inside what it writes
 * into SIP and gets back (the Via branch, branch.h; the flow token of its
 * Record-Route and Path URIs, token.h).
 *
 * Needs <re.h> (struct sa).
 */
#ifndef SW_SIP_FLOW_H
#define SW_SIP_FLOW_H

#include <stdint.h>

struct flow {
	uint8_t f_tp;    /* enum transport */
	uint8_t f_lsock; /* listener index */
	uint64_t f_conn; /* TCP/TLS connection id; 0: none (UDP, or "any") */
	struct sa f_addr;
};

#endif
