/*
 * OpenVPN packet codec: opcodes, session ids, ACK arrays, message
 * packet-ids (spec §1).  Control-channel protection (tls-auth, tls-crypt)
 * lives in tlsauth.h; this file only knows the cleartext fields.
 *
 * A control packet is handled in two layers:
 *   header   op|key_id (1)  session-id (8)   -- read by the wrap layer
 *   body     ACK array, [message packet-id], payload
 * pkt_body_parse() and pkt_body_write() handle the body.
 */
#ifndef MCN_PKT_H
#define MCN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum pkt_opcode {
	P_CONTROL_HARD_RESET_CLIENT_V1 = 1,	/* key-method 1: rejected */
	P_CONTROL_HARD_RESET_SERVER_V1 = 2,	/* key-method 1: rejected */
	P_CONTROL_SOFT_RESET_V1 = 3,
	P_CONTROL_V1 = 4,
	P_ACK_V1 = 5,
	P_DATA_V1 = 6,
	P_CONTROL_HARD_RESET_CLIENT_V2 = 7,
	P_CONTROL_HARD_RESET_SERVER_V2 = 8,
	P_DATA_V2 = 9,
	P_CONTROL_HARD_RESET_CLIENT_V3 = 10,
	P_CONTROL_WKC_V1 = 11,
};

#define PKT_SID_LEN		8
#define PKT_ACK_MAX		8	/* most ACKs a packet may carry */
#define PKT_ACK_MAX_ON_CONTROL	4	/* most ACKs we piggyback on P_CONTROL_V1 */
#define PKT_KEY_ID_MASK		0x07
#define PKT_OPCODE_SHIFT	3
#define PKT_PEER_ID_NONE	0xFFFFFFu
#define PKT_PEER_ID_MAX		0xFFFFFEu

/* Largest control packet we send on UDP: 1250 incl. IPv4+UDP headers (§1.8). */
#define PKT_CTL_MTU		1250
#define PKT_CTL_MAX_UDP		(PKT_CTL_MTU - 28)
/* Largest packet we accept on the wire (data or control). */
#define PKT_MAX_WIRE		2048

static inline uint8_t
pkt_op(uint8_t b0)
{
	return b0 >> PKT_OPCODE_SHIFT;
}

static inline uint8_t
pkt_key_id(uint8_t b0)
{
	return b0 & PKT_KEY_ID_MASK;
}

static inline uint8_t
pkt_op_byte(uint8_t op, uint8_t key_id)
{
	return (uint8_t)(op << PKT_OPCODE_SHIFT | (key_id & PKT_KEY_ID_MASK));
}

static inline bool
pkt_is_control(uint8_t op)
{
	return op == P_CONTROL_SOFT_RESET_V1 || op == P_CONTROL_V1 ||
	    op == P_ACK_V1 || op == P_CONTROL_HARD_RESET_CLIENT_V2 ||
	    op == P_CONTROL_HARD_RESET_SERVER_V2 ||
	    op == P_CONTROL_HARD_RESET_CLIENT_V3 || op == P_CONTROL_WKC_V1;
}

/* True for control opcodes that carry a message packet-id (all but ACK). */
static inline bool
pkt_has_msgid(uint8_t op)
{
	return pkt_is_control(op) && op != P_ACK_V1;
}

const char *pkt_op_name(uint8_t op);

struct pkt_ack {
	uint8_t		n;
	uint32_t	id[PKT_ACK_MAX];
	uint8_t		rsid[PKT_SID_LEN];	/* valid when n > 0 */
};

struct pkt_body {
	struct pkt_ack	 ack;
	bool		 has_msgid;
	uint32_t	 msgid;
	const uint8_t	*payload;	/* points into the parsed buffer */
	size_t		 payload_len;
};

/*
 * Parses a control body for opcode op.  Fails (-1) on truncation, an ACK
 * count above PKT_ACK_MAX, an ACK_V1 without ACKs or with trailing bytes.
 */
int	pkt_body_parse(uint8_t op, const uint8_t *p, size_t len,
	    struct pkt_body *out);

/*
 * Writes a control body.  msgid is ignored for P_ACK_V1.  Returns 0, or
 * -1 if w ran out of room.
 */
int	pkt_body_write(struct wbuf *w, uint8_t op, const struct pkt_ack *ack,
	    uint32_t msgid, const uint8_t *payload, size_t payload_len);

/* Size of an ACK array with n entries on the wire. */
static inline size_t
pkt_ack_size(unsigned n)
{
	return 1 + 4 * n + (n ? PKT_SID_LEN : 0);
}

/* Non-zero session id (an all-zero id means "absent", spec §1.4). */
bool	pkt_sid_valid(const uint8_t sid[PKT_SID_LEN]);

#endif /* MCN_PKT_H */
