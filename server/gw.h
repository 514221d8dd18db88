/*
 * The gateway's runtime.
 *
 * Threads and ownership (doc/design.md has the reasons):
 *   - the main thread runs the control plane: signals, CRL reload,
 *     statistics, shutdown; it talks to workers only through their
 *     command queues (struct wcmd) and never touches a session;
 *   - each worker thread runs one event loop with its own UDP socket (one
 *     of an SO_REUSEPORT group, steered by peer-id), its own queue of the
 *     multi-queue tun device, and the sessions it created; nothing on the
 *     data path takes a global lock;
 *   - what crosses workers is a packet (struct handoff: a tun packet for
 *     another worker's client, a datagram for another worker's session)
 *     or a command; shared tables (the address pool, the owner of each
 *     virtual address, the address directory) are touched only when a
 *     session starts, moves or ends.
 */
#ifndef MCN_GW_H
#define MCN_GW_H

#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"
#include "iroute.h"
#include "metrics.h"
#include "pool.h"
#include "pool_reserve.h"

struct cfg;
struct tlsmem_ctx;
struct ctlwrap;
struct cookie;
struct session;
struct event_base;
struct event;
struct rxbatch;
struct dir;
struct wcmd;
struct handoff;
struct tcpconn;
struct evconnlistener;

#define WORKERS_MAX	64

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
	uint64_t	handoff_out;	/* packets passed to another worker */
	uint64_t	handoff_in;
	uint64_t	handoff_dropped;
	uint64_t	c2c_dropped;	/* client-to-client off */
	uint64_t	max_clients;	/* refused: max-clients reached */
	uint64_t	reneg_kicked;	/* renegotiated too often: HALTed */
	uint64_t	tcp_refused;	/* too many half-open from a source */
	uint64_t	tcp_timeouts;	/* no valid first packet in time */
	uint64_t	hs_failed[METRICS_HS_NREASONS];	/* by reason */
	/* Not a counter: must stay last (counters_add sums the rest). */
	struct metrics_hist hs_duration;	/* handshake seconds */
};

struct gw {
	struct cfg		*cfg;
	int			 nworkers;
	struct worker		*workers;
	struct tlsmem_ctx	*tls;		/* the main thread's reference */
	pthread_mutex_t		 pool_mu;	/* pool, leases, vip_owner */
	struct pool		 pool;
	struct pool_leases	 leases;	/* CN -> address, over pool */
	uint8_t			*vip_owner;	/* per pool offset: worker+1, 0 */
	struct iroute_table	 iroutes;	/* networks behind clients:
						 * written under pool_mu */
	int			 nsessions;	/* atomic: all workers' sessions */
	struct dir		*dir;		/* transport address -> worker */
	struct in_addr		 gw_addr;	/* NET+1 on the tun */
	char			 tun_name[IFNAMSIZ];
	uint8_t			 cookie_key[32];
	int64_t			 crl_next_update;
	uint64_t		 start_wall;
	bool			 bpf_steering;	/* peer-id steering attached */
};

/* Outgoing datagrams collected during one callback, sent with sendmmsg. */
#define TX_BATCH	64
#define PKT_BUF		(16 * 1024)	/* any wire or tun packet */

/*
 * Sent as runs: datagrams in a row to one address, of one size but the
 * last, go in one message with UDP_SEGMENT (UDP GSO): one trip through
 * the stack, cut by the device or at the last moment.
 */
struct txbatch {
	unsigned		 n;
	struct mmsghdr		 msg[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct peer_addr	 to[TX_BATCH];
	uint8_t			*buf[TX_BATCH];
	struct mmsghdr		 run[TX_BATCH];	/* the runs, for sendmmsg */
	unsigned		 run_first[TX_BATCH];	/* its first datagram */
	union {
		char		 b[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr	 align;
	}			 run_ctl[TX_BATCH];	/* UDP_SEGMENT */
	bool			 no_gso;	/* the kernel refused it */
};

/* Session lookup tables owned by the worker. */
struct session_table {
	struct session	**by_addr;	/* hash buckets, chained */
	uint32_t	  addr_mask;
	struct session	**by_peer_id;	/* by peer_id / nworkers */
	uint32_t	  peer_id_cap;
	struct session	**by_vip;	/* indexed by pool offset */
	struct session	 *all;		/* every session, UDP and TCP */
	uint32_t	  count;
};

struct tungro;

struct worker {
	struct gw		*gw;
	const struct cfg	*cfg;		/* this worker's snapshot */
	int			 idx;
	pthread_t		 thread;
	bool			 running;
	struct event_base	*base;
	int			 udp_fd;	/* -1: no UDP listener */
	int			 tcp_fd;	/* -1: no TCP listener */
	int			 tun_fd;	/* this worker's tun queue */
	struct evconnlistener	*tcp_listener;
	struct tcpconn		*tcp_conns;
	unsigned		 ntcp;
	uint8_t			*tcpbuf;	/* one framed packet out */
	uint8_t			*tcprxbuf;	/* one frame in */
	struct event		*ev_udp;
	struct event		*ev_tun;
	struct tlsmem_ctx	*tls;		/* this worker's reference */
	struct ctlwrap		*cw;		/* tls-auth / tls-crypt / -v2 */
	uint8_t			*scratch;	/* unwrapped control bodies */
	struct cookie		*cookie;
	struct session_table	 st;
	struct counters		 ctr;
	struct txbatch		 tx;
	struct rxbatch		*rx;		/* recvmmsg buffers */
	uint8_t			*tunbuf;	/* one read: virtio header +
						 * packet */
	struct tungro		*gro;		/* what waits to go to the tun */
	uint64_t		 now_ms;	/* monotonic, per callback */
	uint64_t		 now_wall;	/* seconds since the epoch */
	/* Token bucket for stateless reset replies (anti-reflection). */
	double			 reset_tokens;
	uint64_t		 reset_refill_ms;
	bool			 stopping;
	uint64_t		 stop_by_ms;
	uint64_t		 full_logged_ms;	/* max-clients log limit */
	uint64_t		 tcp_logged_ms;	/* TCP refusal log limit */
	struct event		*ev_stop;
	/* Commands from the main thread. */
	pthread_mutex_t		 cmd_mu;
	struct wcmd		*cmd_head, *cmd_tail;
	int			 cmd_efd;
	struct event		*ev_cmd;
	/* Packets from other workers. */
	struct handoff		*ho;
	int			 ho_efd;
	struct event		*ev_ho;
	uint64_t		 ho_pending;	/* bit i: signal worker i */
	bool			 in_handoff;	/* never hand a handed packet on */
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
