/*
 * The address directory: which worker owns the session of a transport
 * address.  Consulted only for control packets (and P_DATA_V1) that reach
 * a worker which has no session for their source, e.g. after a client's
 * address changed and the kernel's socket hash picked another worker.
 * Updated when sessions start, move and end; one mutex.
 */
#ifndef MCN_DIR_H
#define MCN_DIR_H

#include "addr.h"

struct dir;

struct dir	*dir_new(void);
void		 dir_free(struct dir *);
void		 dir_set(struct dir *, const struct peer_addr *, int worker);
void		 dir_del(struct dir *, const struct peer_addr *, int worker);
/* The owner, or -1. */
int		 dir_get(struct dir *, const struct peer_addr *);

#endif /* MCN_DIR_H */
