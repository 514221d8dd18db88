/*
 * The sockets clients connect to (cfg's UDP and TCP listeners).
 */
#ifndef MCN_LISTEN_H
#define MCN_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

struct cfg_listen;

/*
 * A bound, non-blocking socket for l: SOCK_DGRAM (with large buffers) or
 * SOCK_STREAM (listening).  An IPv6 listener is dual-stack (IPv4 clients
 * arrive as mapped addresses).  With reuseport, one of an SO_REUSEPORT
 * group.  -1 and a reason in err.
 */
int	listen_socket(const struct cfg_listen *l, int type, bool reuseport,
	    char *err, size_t errlen);

#endif /* MCN_LISTEN_H */
