/*
 * Accepting TCP and TLS connections, for one worker: its SO_REUSEPORT
 * listening sockets, one per tcp or tls listener.  Before a connection
 * costs anything (a TLS handshake, memory) its source is admitted as a
 * message would be (bans, the allow list: pipeline_admit()) and counted
 * against the connection limits (auth/connlim.h); then the stream
 * transport takes it (stream_accept()).  Out of descriptors, accepting
 * pauses a second at a time instead of spinning.
 */
#ifndef SW_PROXY_ACCEPTOR_H
#define SW_PROXY_ACCEPTOR_H

struct acceptor;
struct connstat;
struct stream;
struct wctx;

/* Accept for st, counting into cs. */
int acceptor_alloc(struct acceptor **acp, struct wctx *wc, struct stream *st,
    struct connstat *cs);
/* Stop listening (the server owns the sockets) and free it. */
void acceptor_free(struct acceptor *ac);
/* Accept connections of listener idx on the listening socket fd. */
int acceptor_listen(struct acceptor *ac, unsigned idx, int fd);

#endif
