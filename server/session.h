/*
 * Per-client sessions: the connection (session ids, transport address,
 * tls-auth replay state, virtual address, identity) and its key states,
 * one per key_id in use (spec §4.5, §11).
 *
 * Ownership: a session belongs to exactly one worker, which alone reads
 * and writes it.  Key states belong to their session.
 */
#ifndef MCN_SESSION_H
#define MCN_SESSION_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ccd.h"
#include "datachan.h"
#include "km2.h"
#include "pkt.h"
#include "ratelimit.h"
#include "reliable.h"
#include "replay.h"
#include "tlsmem.h"

struct worker;
struct event;
struct tlscrypt;
struct session_table;

enum ks_state {
	KS_TLS,		/* TLS handshake running */
	KS_KM2,		/* TLS up; waiting for the client's key-method-2 */
	KS_ACTIVE,	/* keys derived; data flows */
	KS_FAILED,	/* refused; kept only to flush the TLS alert */
};

#define KS_PLAIN_MAX	4096	/* buffered TLS plaintext (km2 + commands) */

struct keystate {
	uint8_t			 key_id;
	enum ks_state		 state;
	struct reliable		 rel;
	struct tlsmem		*tls;
	uint64_t		 started_ms;
	uint64_t		 must_finish_ms;	/* hand-window */
	/* TLS plaintext not yet consumed */
	uint8_t			*plain;
	size_t			 plain_len;
	struct km2_client	*km2;		/* until keys are derived */
	uint8_t			 s_random1[32], s_random2[32];
	/* data channel */
	struct dc_key		*dc;
	uint32_t		 tx_pid;
	struct replay_win	 rx_replay;
	uint64_t		 active_ms;
	uint64_t		 expire_ms;	/* lame duck end; 0 = none */
	uint64_t		 reneg_at_ms;	/* reneg-sec with jitter; 0 = never */
	uint64_t		 bytes, pkts;	/* both directions, for reneg-* */
	/*
	 * We send with this key only once the client has ACKed everything we
	 * sent on it (our key-method-2 included): before that it could not
	 * decrypt, and the packets would be lost in a renegotiation.
	 */
	bool			 tx_ready;
};

#define SESSION_KS_MAX	2	/* current and lame duck */

struct tcpconn;

struct session {
	struct worker		*w;
	struct session		*hnext;		/* by_addr chain (UDP only) */
	struct session		*all_next, *all_prev;	/* st.all */
	struct tcpconn		*tcp;		/* TCP transport, or NULL */
	bool			 tcp_flag;	/* came over TCP (for life) */
	struct peer_addr	 addr;
	uint32_t		 peer_id;	/* PKT_PEER_ID_NONE until pushed */
	bool			 use_data_v2;
	uint8_t			 sid_local[PKT_SID_LEN];
	uint8_t			 sid_remote[PKT_SID_LEN];
	/* tls-auth replay packet-ids */
	uint32_t		 ctl_tx_pid;
	uint32_t		 ctl_tx_time;
	struct replay_long	 ctl_rx_replay;

	struct keystate		*ks[SESSION_KS_MAX];	/* [0] newest */

	/* identity and negotiated parameters (after key-method-2) */
	char			 cn[65];
	char			 serial[80];
	/* tls-crypt-v2: this client's key, and its WKc metadata */
	struct tlscrypt		*kc;
	int			 wkc_meta_type;	/* TLSCRYPTV2_META_*, -1 none */
	uint64_t		 wkc_time;	/* TIMESTAMP metadata, 0 none */
	struct tlsmem_cert	*cert;		/* for re-checks on CRL reload */
	struct peer_info	 pi;
	bool			 authenticated;
	bool			 use_ekm;
	enum dc_cipher		 cipher;
	struct ccd		 ccd;		/* client-config-dir; empty if
						 * none (read at first auth) */
	bool			 has_vip;
	struct in_addr		 vip;
	bool			 has_vip6;	/* with server-ipv6 */
	struct in6_addr		 vip6;
	bool			 pushed;
	uint64_t		 last_push_ms;
	bool			 want_rekey;	/* reneg-bytes/-pkts, pid wrap */
	struct ratelimit	 reneg_limit;	/* renegotiations it starts */

	/* liveness */
	uint64_t		 created_ms;
	uint64_t		 connected_wall;
	uint64_t		 last_rx_ms;	/* any authenticated packet */
	uint64_t		 last_tx_ms;	/* any packet sent */
	uint64_t		 close_at_ms;	/* scheduled close; 0 = none */
	char			 close_reason[96];
	/* RESTART/HALT of a kick: sent on every key state that is or
	 * becomes active, the client reading only its newest. */
	char			 kick_cmd[64];
	bool			 dead;
	struct event		*timer;

	/* statistics */
	uint64_t		 bytes_in, bytes_out;	/* tunnel payload */
	uint64_t		 pkts_in, pkts_out;
};

/*
 * Creates a session after a valid cookie echo (spec §5.1): our message 0
 * (the stateless reset) counts as sent and ACKed, the client's next
 * message is 1, our next replay packet-id is 2.  stateful: the session
 * starts with the client's reset instead (tls-crypt-v2 clients that cannot
 * resend their key): our reset is queued as message 0.
 */
#define SESSION_STATEFUL	0x01
#define SESSION_TCP		0x02	/* not in the address tables */

struct session	*session_new(struct worker *, const struct peer_addr *,
		    const uint8_t sid_local[PKT_SID_LEN],
		    const uint8_t sid_remote[PKT_SID_LEN], unsigned flags);

/* Schedules the end of a session in delay_ms, for reason (logged). */
void		 session_close_later(struct session *, uint64_t delay_ms,
		    const char *reason);

/* Ends a session at once: frees its address, peer-id and state. */
void		 session_close(struct session *, const char *reason);

struct session	*session_by_addr(struct worker *, const struct peer_addr *);
struct session	*session_by_peer_id(struct worker *, uint32_t peer_id);
struct session	*session_by_vip(struct worker *, struct in_addr);
/* By tunnel address offset in the pool (IPv4 and IPv6 share it). */
struct session	*session_by_vip_off(struct worker *, int64_t off);

/*
 * Assigns peer-id and virtual address: s->ccd's ifconfig-push address,
 * else the CN's previous one, else a free one (pool_reserve.h); without
 * duplicate-cn, the address of the CN's session being replaced.  -1 if
 * the pool is exhausted or the ifconfig-push address is in use.
 */
int		 session_assign(struct session *);
/* Moves the session to a new transport address (float). */
void		 session_move(struct session *, const struct peer_addr *);

/* The key state for key_id, or NULL. */
struct keystate	*session_ks(struct session *, uint8_t key_id);
/* The newest key state the client can decrypt, or NULL. */
struct keystate	*session_ks_tx(struct session *);
/* The client can decrypt what we send on it (latched once true). */
bool		 session_ks_tx_ready(struct keystate *);
/* The newest key state with TLS and key-method-2 done (for commands). */
struct keystate	*session_ks_ctl(struct session *);

/* Re-arms the session timer for its next deadline. */
void		 session_schedule(struct session *);

/* Sessions of the worker, for shutdown and reports. */
void		 session_foreach(struct worker *,
		    void (*)(struct session *, void *), void *);

void		 session_table_init(struct session_table *);
void		 session_table_free(struct session_table *);

#endif /* MCN_SESSION_H */
