/*
 * The operator's control socket (control_socket): a Unix stream socket on
 * the main thread's loop, never a worker's.  A client sends one line of at
 * most CONTROL_LINEMAX bytes ending in LF; the handler writes the answer
 * (first line "ok" or "error: why", then the body), and the connection is
 * closed once it has left.  A peer that sends nothing, or not a whole line,
 * within CONTROL_TIMEOUT seconds is closed; so is a longer line, after
 * "error: line too long".  At most CONTROL_MAXCONNS at a time: more are
 * closed at once.  The socket is made mode 0660, group "sipwarden" when
 * that group exists; a stale socket left at the path (nobody answers on
 * it) is replaced, anything else there is an error.  sipwarden ctl
 * (proxy/main.c) is the client.
 */
#ifndef SW_PROXY_CONTROL_H
#define SW_PROXY_CONTROL_H

#include <stddef.h>

struct event_base;
struct evbuffer;
struct control;

#define CONTROL_LINEMAX  512
#define CONTROL_TIMEOUT  5
#define CONTROL_MAXCONNS 16

/* Answer one command line (no line end) into out. */
typedef void(control_cmd_h)(const char *line, struct evbuffer *out, void *arg);

/*
 * Serve path on base; NULL on failure, with why ("PATH: what went wrong")
 * in err.
 */
struct control *control_start(struct event_base *base, const char *path,
    control_cmd_h *cmd, void *arg, char *err, size_t errsize);
/* Close every connection and the socket, and remove the path. */
void control_stop(struct control *ctl);

/*
 * The client: send line to the socket at path and copy the answer to
 * out (at most size - 1 bytes, NUL-terminated), waiting timeout seconds
 * at most; 0, or an errno value with why in err.
 */
int control_ask(const char *path, const char *line, char *out, size_t size,
    int timeout, char *err, size_t errsize);

#endif
