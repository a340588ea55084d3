/*
 * `sipwarden passwd FILE REALM USER`: add or replace USER's line in a
 * users file (SPEC section 3) with its three HA1 hashes, never the
 * password; every other line is kept as it was.  The file is replaced
 * atomically (a temporary file in the same folder, fsync, rename); a new
 * file is made mode 0600, an existing one keeps its mode.
 */
#ifndef SW_AUTH_PASSWD_H
#define SW_AUTH_PASSWD_H

#include <stddef.h>

/*
 * Returns 0, or an errno with a message in err ("FILE: ...").  EINVAL for
 * an empty password or a user or realm that cannot be written in the file.
 */
int passwd_set(const char *path, const char *realm, const char *user,
    const char *pass, char *err, size_t errsize);

#endif
