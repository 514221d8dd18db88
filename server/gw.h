/*
 * The gateway's runtime: process-wide state (struct gw, read-mostly after
 * start) and the per-worker state (struct worker: one event loop, its
 * sockets, its sessions, its counters).  Today there is one worker; the
 * split is the ownership line the multi-worker design keeps.
 */
#ifndef MCN_GW_H
#define MCN_GW_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"
#include "pool.h"

struct cfg;
struct tlsmem_ctx;
struct tlsauth;
struct cookie;
struct session;
struct event_base;
struct event;
struct rxbatch;

/* Counters: plain integers owned by one worker, summed for reports. */
struct counters {
	uint64_t	rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t	tun_rx_pkts, tun_tx_pkts;
	uint64_t	forged;		/* tls-auth HMAC failed */
	uint64_t	unknown_peer;	/* no session for the packet */
	uint64_t	malformed;
	uint64_t	replay;		/* replayed or too old */
	uint64_t	decrypt_failed;
	uint64_t	spoofed_src;	/* inner source is not the client's */
	uint64_t	no_route;	/* tun packet for no client */
	uint64_t	resets;		/* stateless reset replies sent */
	uint64_t	resets_limited;	/* ... refused by the rate limit */
	uint64_t	bad_cookie;
	uint64_t	handshakes_ok;
	uint64_t	handshakes_failed;
	uint64_t	tx_dropped;	/* socket send buffer full */
	uint64_t	tun_dropped;
};

struct gw {
	struct cfg		*cfg;
	struct tlsmem_ctx	*tls;
	struct pool		 pool;
	struct in_addr		 gw_addr;	/* NET+1 on the tun */
	char			 tun_name[IFNAMSIZ];
	int			 tun_fd;
	uint8_t			 cookie_key[32];
	char			*crl_pem;	/* the CRL in force (PEM) */
	int64_t			 crl_next_update;
	uint64_t		 start_wall;
};

/* Outgoing datagrams collected during one callback, sent with sendmmsg. */
#define TX_BATCH	64
#define PKT_BUF		(16 * 1024)	/* any wire or tun packet */

struct txbatch {
	unsigned		 n;
	struct mmsghdr		 msg[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct peer_addr	 to[TX_BATCH];
	uint8_t			*buf[TX_BATCH];
};

/* Session lookup tables owned by the worker. */
struct session_table {
	struct session	**by_addr;	/* hash buckets, chained */
	uint32_t	  addr_mask;
	struct session	**by_peer_id;
	uint32_t	  peer_id_cap;
	struct session	**by_vip;	/* indexed by pool offset */
	uint32_t	  count;
};

struct worker {
	struct gw		*gw;
	struct event_base	*base;
	int			 udp_fd;
	struct event		*ev_udp;
	struct event		*ev_tun;
	struct tlsauth		*ta;
	struct cookie		*cookie;
	struct session_table	 st;
	struct counters		 ctr;
	struct txbatch		 tx;
	struct rxbatch		*rx;		/* recvmmsg buffers */
	uint8_t			*tunbuf;
	uint64_t		 now_ms;	/* monotonic, per callback */
	uint64_t		 now_wall;	/* seconds since the epoch */
	/* Token bucket for stateless reset replies (anti-reflection). */
	double			 reset_tokens;
	uint64_t		 reset_refill_ms;
	bool			 stopping;
};

/* Monotonic milliseconds and wall seconds, refreshed into w. */
void	worker_clock(struct worker *);

/*
 * The next free datagram buffer (PKT_BUF bytes) of the batch, to be
 * filled and then committed; flushes the batch first if it is full.
 */
uint8_t	*tx_begin(struct worker *);
void	 tx_commit(struct worker *, const struct peer_addr *, size_t len);
/* Queues a copy of a datagram. */
void	 tx_queue(struct worker *, const struct peer_addr *, const uint8_t *p,
	    size_t len);
/* Sends whatever is queued. */
void	tx_flush(struct worker *);

#endif /* MCN_GW_H */
