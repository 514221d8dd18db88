/*
 * A worker's network side: the UDP socket, receive dispatch, lifecycle.
 */
#ifndef MCN_UDP_H
#define MCN_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct cfg;
struct worker;

/* The bound, non-blocking listening socket, or -1 (reason in err). */
int	udp_socket(const struct cfg *, char *err, size_t errlen);
/* Classifies and handles one received datagram. */
void	udp_packet(struct worker *, const struct peer_addr *from,
	    const uint8_t *p, size_t len);
/* Registers the worker's events; w->gw, w->base, w->udp_fd are set. */
int	worker_start(struct worker *, char *err, size_t errlen);
/* Logs the worker's counters as one "event=stats" line. */
void	worker_log_stats(struct worker *);
/* Closes every session and frees the worker's state. */
void	worker_stop(struct worker *);

#endif /* MCN_UDP_H */
