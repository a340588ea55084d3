/*
 * The snapshot loader: reads the config and every file it names (users,
 * secrets, TLS certificate and key) and builds a snapshot (sip/snapshot.h)
 * from them.  The runtime's part: it touches files; what the snapshot
 * means is the pipeline's.
 */
#ifndef SW_PROXY_LOADER_H
#define SW_PROXY_LOADER_H

#include <stddef.h>

#include "sip/snapshot.h"

/*
 * Load the config at path and every file it names.  Problems are passed
 * to errh as "FILE:LINE: message"; warnings (e.g. skipped users) to warnh.
 * On a reload, old is the running snapshot: the keys that need a new
 * socket or thread (listen, upstream, workers, metrics) keep old's values,
 * and the names of those that the file changed are written, comma
 * separated, to kept (empty when none); without a secret_file, old's
 * random secret is kept.
 */
int snapshot_load(const char *path, const struct snapshot *old, char *kept,
    size_t keptsize, struct snapshot **snp, snap_msg_h *errh, snap_msg_h *warnh,
    void *arg);
#endif
