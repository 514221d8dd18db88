/*
 * libFuzzer target: the control-channel reliability layer
 * (common/reliable.c), driven by a sequence of events from the input and
 * checked against a model of what the peer sent and we queued.
 *
 * Input: start (2) || events.  start: our first message id (0/1, as after
 * a stateless cookie reply) and the peer's first id (0..255).  Each event
 * is a kind byte then its arguments:
 *   RX      id offset (1, signed, from the next id we expect; raw u32 if
 *           the kind byte's 0x80 bit is set), length (1; times 16 if 0x40
 *           is set, to cross REL_MSG_MAX), payload -- a message arrives
 *   POP     -- the TLS layer reads the next in-order message
 *   QUEUE   length (1), payload -- we send a message
 *   DUE     time step (2, ms) -- the timer runs, due messages go out
 *   ACK     count (1, %9), ids (1 each, offsets from our oldest possible
 *           unACKed id) -- an ACK array arrives
 *   TAKE    max (1) -- we build an ACK array for an outgoing packet
 *
 * Invariants (reliable.h): every message is delivered once, in order, with
 * the bytes it first arrived with; a message is stored only inside the
 * receive window; every message received, new or duplicate, is ACKed; at
 * most REL_SEND_WINDOW of ours are unACKed; an ACKed message is never sent
 * again; what goes out is what was queued.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "reliable.h"

enum { EV_RX, EV_POP, EV_QUEUE, EV_DUE, EV_ACK, EV_TAKE, EV_N };

#define MAX_EVENTS	4096
#define MAX_IDS		(MAX_EVENTS + 16)

struct msg {
	uint32_t	id;
	uint8_t		op;
	uint16_t	len;
	uint8_t		data[REL_MSG_MAX + 64];
};

/* The model: what the reliable layer must have done. */
static struct model {
	/* receive side */
	uint32_t	first;		/* ids below count as delivered */
	uint32_t	expected;	/* next id to deliver */
	bool		held[REL_RECV_WINDOW];	/* by id - expected */
	struct msg	in[REL_RECV_WINDOW];
	uint32_t	seen[MAX_IDS];	/* ids that arrived at all */
	size_t		nseen;
	/* send side, by id % REL_SEND_WINDOW */
	uint32_t	send_next;
	bool		unacked[REL_SEND_WINDOW];
	struct msg	out[REL_SEND_WINDOW];
	uint64_t	now;
} m;

static struct reliable r;

/* Did id arrive, or was it before our first id (the cookie exchange)? */
static bool
was_seen(uint32_t id)
{
	size_t i;

	if (id < m.first)
		return true;
	for (i = 0; i < m.nseen; i++)
		if (m.seen[i] == id)
			return true;
	return false;
}

static void
mark_seen(uint32_t id)
{
	if (!was_seen(id) && m.nseen < MAX_IDS)
		m.seen[m.nseen++] = id;
}

static bool
ack_queued(uint32_t id)
{
	unsigned i;

	for (i = 0; i < r.n_ack_q; i++)
		if (r.ack_q[i] == id)
			return true;
	return false;
}

static void
ev_rx(uint8_t kind, struct fuzz_in *in)
{
	static uint8_t payload[REL_MSG_MAX + 64];
	const uint8_t *p;
	uint32_t id, off;
	size_t len, got;
	enum rel_rx rc;

	if (kind & 0x80)
		id = fuzz_u32(in);
	else
		id = m.expected + (uint32_t)(int32_t)(int8_t)fuzz_u8(in);
	len = fuzz_u8(in);
	if (kind & 0x40)
		len *= 16;		/* up to 4080: crosses REL_MSG_MAX */
	if (len > sizeof(payload))
		len = sizeof(payload);
	p = fuzz_bytes(in, len, &got);
	memset(payload, 0, len);
	memcpy(payload, p, got);

	rc = rel_rx(&r, id, P_CONTROL_V1, payload, len);
	off = id - m.expected;
	if (off < REL_RECV_WINDOW) {
		if (m.held[off])
			FUZZ_ASSERT(rc == REL_RX_DUP);
		else if (len > REL_MSG_MAX)
			FUZZ_ASSERT(rc == REL_RX_ERROR);
		else {
			FUZZ_ASSERT(rc == REL_RX_NEW);
			m.held[off] = true;
			m.in[off].id = id;
			m.in[off].op = P_CONTROL_V1;
			m.in[off].len = (uint16_t)len;
			memcpy(m.in[off].data, payload, len);
		}
	} else {
		/* Outside the window: never stored; below it a duplicate of
		 * a delivered message (re-ACKed) or too old to answer. */
		FUZZ_ASSERT(rc == REL_RX_DUP || rc == REL_RX_OUT_OF_WINDOW);
		if (rc == REL_RX_DUP)
			FUZZ_ASSERT(was_seen(id) && off >= (uint32_t)INT32_MAX);
	}
	if (rc == REL_RX_NEW || rc == REL_RX_DUP) {
		mark_seen(id);
		FUZZ_ASSERT(ack_queued(id) && rel_ack_pending(&r));
	}
}

static void
ev_pop(void)
{
	static uint8_t buf[REL_MSG_MAX];
	uint8_t op = 0;
	int n;

	n = rel_rx_pop(&r, &op, buf, sizeof(buf));
	if (!m.held[0]) {
		FUZZ_ASSERT(n == -1);
		return;
	}
	/* The next id, with the bytes it first arrived with. */
	FUZZ_ASSERT(n == m.in[0].len && op == m.in[0].op &&
	    memcmp(buf, m.in[0].data, (size_t)n) == 0);
	memmove(m.held, m.held + 1, sizeof(m.held) - sizeof(m.held[0]));
	memmove(m.in, m.in + 1, sizeof(m.in) - sizeof(m.in[0]));
	m.held[REL_RECV_WINDOW - 1] = false;
	m.expected++;
	FUZZ_ASSERT(r.recv_expected == m.expected);
}

static void
ev_queue(struct fuzz_in *in)
{
	const uint8_t *p;
	unsigned slot = m.send_next % REL_SEND_WINDOW;
	size_t len;
	int64_t id;

	p = fuzz_bytes(in, fuzz_u8(in), &len);
	/* Room exactly when the message a window ago is ACKed. */
	FUZZ_ASSERT(rel_tx_room(&r) == !m.unacked[slot]);
	id = rel_tx_queue(&r, P_CONTROL_V1, p, len);
	if (m.unacked[slot]) {
		FUZZ_ASSERT(id == -1);
		return;
	}
	FUZZ_ASSERT(id == m.send_next);
	m.unacked[slot] = true;
	m.out[slot].id = m.send_next++;
	m.out[slot].op = P_CONTROL_V1;
	m.out[slot].len = (uint16_t)len;
	if (len)
		memcpy(m.out[slot].data, p, len);
}

static void
ev_due(struct fuzz_in *in)
{
	const struct rel_out *o;
	uint32_t sent[REL_SEND_WINDOW + 1];
	unsigned n = 0, i, slot;

	m.now += fuzz_u16(in);
	while ((o = rel_tx_due(&r, m.now)) != NULL) {
		/* Each unACKed message at most once per instant. */
		FUZZ_ASSERT(n < REL_SEND_WINDOW);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(sent[i] != o->id);
		sent[n++] = o->id;
		slot = o->id % REL_SEND_WINDOW;
		FUZZ_ASSERT(m.unacked[slot] && m.out[slot].id == o->id);
		FUZZ_ASSERT(o->op == m.out[slot].op &&
		    o->len == m.out[slot].len && (o->len == 0 ||
		    memcmp(o->data, m.out[slot].data, o->len) == 0));
		FUZZ_ASSERT(o->next_tx_ms > m.now &&
		    o->rto_ms <= REL_RTO_MAX_MS);
	}
	FUZZ_ASSERT(rel_next_deadline(&r) == UINT64_MAX ||
	    rel_next_deadline(&r) > m.now);
}

static void
ev_ack(struct fuzz_in *in)
{
	struct pkt_ack ack;
	uint32_t base = m.send_next - REL_SEND_WINDOW;
	unsigned i, j, want = 0, slot;

	memset(&ack, 0, sizeof(ack));
	ack.n = fuzz_u8(in) % (PKT_ACK_MAX + 1);
	for (i = 0; i < ack.n; i++)
		ack.id[i] = base + fuzz_u8(in) % (2 * REL_SEND_WINDOW);
	for (i = 0; i < ack.n; i++) {
		for (j = 0; j < i; j++)
			if (ack.id[j] == ack.id[i])
				break;
		slot = ack.id[i] % REL_SEND_WINDOW;
		if (j == i && m.unacked[slot] && m.out[slot].id == ack.id[i])
			want++;
	}
	FUZZ_ASSERT(rel_ack_input(&r, &ack) == (int)want);
	for (i = 0; i < ack.n; i++) {
		slot = ack.id[i] % REL_SEND_WINDOW;
		if (m.unacked[slot] && m.out[slot].id == ack.id[i])
			m.unacked[slot] = false;
	}
	for (i = 0, j = 0; i < REL_SEND_WINDOW; i++)
		j += m.unacked[i];
	FUZZ_ASSERT(rel_tx_outstanding(&r) == (j > 0));
}

static void
ev_take(struct fuzz_in *in)
{
	static const uint8_t rsid[PKT_SID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t q[REL_ACK_QUEUE];
	unsigned max = fuzz_u8(in), nq = r.n_ack_q, i, j, lim;
	struct pkt_ack ack;

	memcpy(q, r.ack_q, sizeof(q));
	rel_ack_take(&r, &ack, max, rsid);
	lim = max < PKT_ACK_MAX ? max : PKT_ACK_MAX;
	FUZZ_ASSERT(ack.n <= lim);
	/* Queued ACKs first, oldest first; the rest are repeats. */
	FUZZ_ASSERT(ack.n >= (nq < lim ? nq : lim));
	for (i = 0; i < ack.n; i++) {
		if (i < nq)
			FUZZ_ASSERT(ack.id[i] == q[i]);
		FUZZ_ASSERT(was_seen(ack.id[i]));
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(ack.id[j] != ack.id[i]);
	}
	FUZZ_ASSERT(r.n_ack_q == nq - (nq < lim ? nq : lim));
	if (ack.n > 0)
		FUZZ_ASSERT(memcmp(ack.rsid, rsid, PKT_SID_LEN) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	unsigned nev;
	uint8_t kind;

	fuzz_in_init(&in, data, size);
	memset(&m, 0, sizeof(m));
	m.send_next = fuzz_u8(&in) & 1;
	m.expected = m.first = fuzz_u8(&in);
	rel_init(&r, m.send_next, m.expected);
	for (nev = 0; nev < MAX_EVENTS && fuzz_in_left(&in) > 0; nev++) {
		kind = fuzz_u8(&in);
		switch ((kind & 0x3f) % EV_N) {
		case EV_RX:
			ev_rx(kind, &in);
			break;
		case EV_POP:
			ev_pop();
			break;
		case EV_QUEUE:
			ev_queue(&in);
			break;
		case EV_DUE:
			ev_due(&in);
			break;
		case EV_ACK:
			ev_ack(&in);
			break;
		case EV_TAKE:
			ev_take(&in);
			break;
		}
	}
	rel_free(&r);
	return 0;
}
