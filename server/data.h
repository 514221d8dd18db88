/*
 * The data path: tunnel packets between the TUN device and the clients
 * (spec §8), origin checks, keepalive pings.
 */
#ifndef MCN_DATA_H
#define MCN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct worker;
struct session;

/* A P_DATA_V1/V2 packet from the network. */
void	data_net_input(struct worker *, const struct peer_addr *from,
	    const uint8_t *pkt, size_t len);
/* A data packet for s (found by the caller; TCP knows it already). */
void	data_session_input(struct session *, const struct peer_addr *from,
	    const uint8_t *pkt, size_t len);
/* A packet read from the TUN device. */
void	data_tun_input(struct worker *, const uint8_t *pkt, size_t len);
/* Writes the packets waiting to go to the tun (tungro.h); tx_flush does,
 * at the end of every callback. */
void	tun_flush(struct worker *);
/* Encrypts plain for s with its newest key and queues it.  0 or -1. */
int	data_send(struct session *, const uint8_t *plain, size_t len);
/* Sends the keepalive ping if nothing went to s for "ping" seconds. */
void	data_keepalive(struct session *);

#endif /* MCN_DATA_H */
