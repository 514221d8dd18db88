/*
 * Control-channel reliability layer (spec §4): ordered delivery of
 * message packet-ids, individual ACKs, retransmission with exponential
 * backoff and fast retransmit.  Pure state machine: time is passed in
 * (milliseconds, monotonic); the caller builds and sends the packets.
 *
 * One struct reliable per key state (message ids restart at 0 for every
 * key_id).  Invariants:
 *   - an outgoing message id lives in out[id % REL_SEND_WINDOW] until
 *     ACKed, so at most REL_SEND_WINDOW messages are unacknowledged;
 *   - a received id is stored only within [recv_expected,
 *     recv_expected + REL_RECV_WINDOW) and delivered strictly in order;
 *   - every received message, new or duplicate, is ACKed again.
 */
#ifndef MCN_RELIABLE_H
#define MCN_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define REL_SEND_WINDOW		6	/* TLS_RELIABLE_N_SEND_BUFFERS */
#define REL_RECV_WINDOW		12	/* TLS_RELIABLE_N_REC_BUFFERS */
#define REL_RTO_INITIAL_MS	1000	/* first retransmission */
#define REL_RTO_MAX_MS		8000
#define REL_FAST_RETRANSMIT	3	/* later ACKs that trigger a resend */
#define REL_ACK_QUEUE		16	/* ACKs waiting to be sent */
#define REL_ACK_MRU		8	/* recently sent ACKs, re-sent to fill slots */
#define REL_MSG_MAX		PKT_MAX_WIRE

struct rel_out {
	bool		 active;	/* queued and not yet ACKed */
	uint8_t		 op;
	uint8_t		 later_acks;
	uint16_t	 len;
	uint32_t	 id;
	uint32_t	 rto_ms;
	uint64_t	 next_tx_ms;	/* 0 = send at once */
	uint8_t		*data;
};

struct rel_in {
	bool		 used;
	uint8_t		 op;
	uint16_t	 len;
	uint8_t		*data;
};

struct reliable {
	uint32_t	 send_next;
	struct rel_out	 out[REL_SEND_WINDOW];
	uint32_t	 recv_expected;
	struct rel_in	 in[REL_RECV_WINDOW];
	uint32_t	 ack_q[REL_ACK_QUEUE];	/* ids to ACK, oldest first */
	unsigned	 n_ack_q;
	uint32_t	 ack_mru[REL_ACK_MRU];	/* most recent first */
	unsigned	 n_ack_mru;
};

/*
 * send_first: our first message id (0, or 1 after a stateless cookie
 * reply that stood for our message 0); recv_first likewise for the peer.
 */
void	rel_init(struct reliable *, uint32_t send_first, uint32_t recv_first);
/* Frees buffered messages; the struct may be re-initialised after. */
void	rel_free(struct reliable *);

/* Removes ACKed messages from the send window; returns how many. */
int	rel_ack_input(struct reliable *, const struct pkt_ack *);

enum rel_rx {
	REL_RX_NEW,		/* stored; an ACK is queued */
	REL_RX_DUP,		/* seen before; an ACK is queued again */
	REL_RX_OUT_OF_WINDOW,	/* dropped, not ACKed */
	REL_RX_ERROR,		/* too long or out of memory: dropped */
};

enum rel_rx rel_rx(struct reliable *, uint32_t id, uint8_t op,
	    const uint8_t *p, size_t len);

/*
 * Pops the next in-order message into buf (cap >= REL_MSG_MAX).  Returns
 * its length (>= 0) and sets *op, or -1 if the next id has not arrived.
 */
int	rel_rx_pop(struct reliable *, uint8_t *op, uint8_t *buf, size_t cap);

/* True if a new message may be queued (its window slot is free). */
bool	rel_tx_room(const struct reliable *);
/* Queues a copy of p for sending now; returns its id, or -1. */
int64_t	rel_tx_queue(struct reliable *, uint8_t op, const uint8_t *p,
	    size_t len);

/*
 * The next message due at now (never sent, retransmission timer expired
 * or fast retransmit), lowest id first, with its timer advanced as if it
 * was sent now; NULL if nothing is due.
 */
const struct rel_out *rel_tx_due(struct reliable *, uint64_t now_ms);

/* True while any sent message is not ACKed yet. */
bool	rel_tx_outstanding(const struct reliable *);

/* ACKs waiting to be sent. */
static inline bool
rel_ack_pending(const struct reliable *r)
{
	return r->n_ack_q > 0;
}

/*
 * Fills ack with up to max ids: the queued ones first (which then move to
 * the recently-sent list), then recently sent ones to use the free slots
 * (so a packet may repeat ACKs even when none is new).  rsid is the peer's
 * session id, required when any ACK is written.
 */
void	rel_ack_take(struct reliable *, struct pkt_ack *ack, unsigned max,
	    const uint8_t rsid[PKT_SID_LEN]);

/* Earliest retransmission deadline, or UINT64_MAX if none. */
uint64_t rel_next_deadline(const struct reliable *);

#endif /* MCN_RELIABLE_H */
