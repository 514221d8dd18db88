/*
 * A worker's network side: the UDP socket, receive dispatch, counters.
 */
#ifndef MCN_UDP_H
#define MCN_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct cfg;
struct counters;
struct worker;

/* Attaches the peer-id steering program to the group of fd (n sockets). */
int	udp_steer_by_peer_id(int fd, int n, char *err, size_t errlen);
/* Classifies and handles one received datagram. */
void	udp_packet(struct worker *, const struct peer_addr *from,
	    const uint8_t *p, size_t len);
/* Buffers and events of a worker's socket and tun queue. */
int	udp_worker_init(struct worker *, char *err, size_t errlen);
void	udp_worker_fini(struct worker *);

/* The control-channel protection configured (one per worker). */
struct ctlwrap	*ctlwrap_from_cfg(const struct cfg *, char *err,
		    size_t errlen);

/* One "event=stats" line. */
void	counters_log(const struct counters *, unsigned clients);
void	counters_add(struct counters *sum, const struct counters *);

#endif /* MCN_UDP_H */
