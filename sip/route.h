/*
 * sipwarden's own Route URIs, and where a request from the PBX goes next.
 *
 * route_uri() writes the URI sipwarden puts into a Record-Route or Path:
 * the flow token of the client as user part, one of our listeners as host
 * and port, and for Record-Route the dialog token (token.h).
 * route_check() decides which Route elements on top of a request are ours
 * (the host and port of one of our listeners, snapshot_uri_self(); below
 * those, also another instance's Record-Route whose tokens verify for the
 * request's Call-ID under our secrets), so the forward stage removes them,
 * and whether the tokens in the first of them verify.  route_next_hop() chooses
 * the next hop of a request from the PBX that names no flow: the first Route
 * element below ours, or the Request-URI, over UDP from our first listener of
 * that address family.
 *
 * Pure: no I/O; the MAC context is the pipeline's (auth/mac.h).
 *
 * Needs <re.h>.
 */
#ifndef SW_SIP_ROUTE_H
#define SW_SIP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "sip/flow.h"
#include "sip/snapshot.h"
#include "sip/token.h"

struct mac;
struct pkt;

/* Room for one of our Route URIs, its terminating NUL included. */
#define ROUTE_URIMAX (FLOW_TOKEN_MAXLEN + SNAP_HOSTLEN + 64)

/* What our Route elements on top of a request say. */
struct route_ours {
	size_t rt_n;   /* how many: removed before forwarding */
	int rt_flow;   /* first flow token: 1 verified, -1 did not, 0 none */
	int rt_dialog; /* first dialog token: likewise */
	struct flow rt_f;
};

/*
 * "sip:TOKEN@host:port;lr" for listener l, named as face knows it, and
 * flow f into out, with dialog also ";swt=" the dialog token for p's
 * Call-ID; false when a token cannot be made or it does not fit in size.
 */
bool route_uri(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    size_t l, enum snap_face face, const struct flow *f, bool dialog, char *out,
    size_t size);

/* Our Route elements on top of p, and their tokens. */
void route_check(struct mac *m, const struct snapshot *sn, const struct pkt *p,
    struct route_ours *rt);

/*
 * Where p, a request from the PBX with nroute Route elements of ours on
 * top, goes when no flow token names it: dst's address, transport and
 * listener.  0, EBADMSG (a Route element below ours that does not parse),
 * EADDRNOTAVAIL (no IP address and port in the URI) or EAFNOSUPPORT (no
 * UDP listener of its address family).
 */
int route_next_hop(const struct snapshot *sn, const struct pkt *p,
    size_t nroute, struct flow *dst);

#endif
