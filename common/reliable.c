/*
 * Control-channel reliability layer (spec §4).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "reliable.h"

void
rel_init(struct reliable *r, uint32_t send_first, uint32_t recv_first)
{
	memset(r, 0, sizeof(*r));
	r->send_next = send_first;
	r->recv_expected = recv_first;
}

void
rel_free(struct reliable *r)
{
	unsigned i;

	for (i = 0; i < REL_SEND_WINDOW; i++) {
		free(r->out[i].data);
		r->out[i].data = NULL;
		r->out[i].active = false;
	}
	for (i = 0; i < REL_RECV_WINDOW; i++) {
		free(r->in[i].data);
		r->in[i].data = NULL;
		r->in[i].used = false;
	}
}

static void
out_release(struct rel_out *o)
{
	free(o->data);
	o->data = NULL;
	o->active = false;
}

int
rel_ack_input(struct reliable *r, const struct pkt_ack *ack)
{
	unsigned i, j;
	int acked = 0;

	for (i = 0; i < ack->n; i++) {
		struct rel_out *o = &r->out[ack->id[i] % REL_SEND_WINDOW];

		if (!o->active || o->id != ack->id[i])
			continue;	/* old or duplicate ACK */
		out_release(o);
		acked++;
		/* Messages older than an ACKed one were probably lost. */
		for (j = 0; j < REL_SEND_WINDOW; j++) {
			struct rel_out *p = &r->out[j];

			if (p->active && p->id < ack->id[i] &&
			    p->later_acks < 255)
				p->later_acks++;
		}
	}
	return acked;
}

static void
ack_queue(struct reliable *r, uint32_t id)
{
	unsigned i;

	for (i = 0; i < r->n_ack_q; i++)
		if (r->ack_q[i] == id)
			return;
	if (r->n_ack_q == REL_ACK_QUEUE) {
		/* Full: the oldest loses its place; the peer retransmits. */
		memmove(r->ack_q, r->ack_q + 1,
		    (REL_ACK_QUEUE - 1) * sizeof(r->ack_q[0]));
		r->n_ack_q--;
	}
	r->ack_q[r->n_ack_q++] = id;
}

enum rel_rx
rel_rx(struct reliable *r, uint32_t id, uint8_t op, const uint8_t *p,
    size_t len)
{
	struct rel_in *in;

	if (id - r->recv_expected >= REL_RECV_WINDOW) {
		/* Below the window: delivered already, ACK again. */
		if (r->recv_expected - id <= REL_RECV_WINDOW * 4 &&
		    id < r->recv_expected) {
			ack_queue(r, id);
			return REL_RX_DUP;
		}
		return REL_RX_OUT_OF_WINDOW;
	}
	in = &r->in[id % REL_RECV_WINDOW];
	if (in->used) {
		ack_queue(r, id);
		return REL_RX_DUP;
	}
	if (len > REL_MSG_MAX)
		return REL_RX_ERROR;
	if ((in->data = malloc(len ? len : 1)) == NULL)
		return REL_RX_ERROR;
	if (len)
		memcpy(in->data, p, len);
	in->len = (uint16_t)len;
	in->op = op;
	in->used = true;
	ack_queue(r, id);
	return REL_RX_NEW;
}

int
rel_rx_pop(struct reliable *r, uint8_t *op, uint8_t *buf, size_t cap)
{
	struct rel_in *in = &r->in[r->recv_expected % REL_RECV_WINDOW];
	int len;

	if (!in->used || in->len > cap)
		return -1;
	memcpy(buf, in->data, in->len);
	*op = in->op;
	len = in->len;
	free(in->data);
	in->data = NULL;
	in->used = false;
	r->recv_expected++;
	return len;
}

bool
rel_tx_room(const struct reliable *r)
{
	return !r->out[r->send_next % REL_SEND_WINDOW].active;
}

int64_t
rel_tx_queue(struct reliable *r, uint8_t op, const uint8_t *p, size_t len)
{
	struct rel_out *o = &r->out[r->send_next % REL_SEND_WINDOW];

	if (o->active || len > REL_MSG_MAX)
		return -1;
	if ((o->data = malloc(len ? len : 1)) == NULL)
		return -1;
	if (len)
		memcpy(o->data, p, len);
	o->len = (uint16_t)len;
	o->op = op;
	o->id = r->send_next++;
	o->rto_ms = REL_RTO_INITIAL_MS;
	o->next_tx_ms = 0;
	o->later_acks = 0;
	o->active = true;
	return o->id;
}

const struct rel_out *
rel_tx_due(struct reliable *r, uint64_t now_ms)
{
	struct rel_out *best = NULL;
	unsigned i;

	for (i = 0; i < REL_SEND_WINDOW; i++) {
		struct rel_out *o = &r->out[i];

		if (!o->active)
			continue;
		if (o->next_tx_ms > now_ms &&
		    o->later_acks < REL_FAST_RETRANSMIT)
			continue;
		if (best == NULL || o->id < best->id)
			best = o;
	}
	if (best == NULL)
		return NULL;
	if (best->next_tx_ms != 0) {
		/* A retransmission: back off. */
		best->rto_ms *= 2;
		if (best->rto_ms > REL_RTO_MAX_MS)
			best->rto_ms = REL_RTO_MAX_MS;
	}
	best->next_tx_ms = now_ms + best->rto_ms;
	best->later_acks = 0;
	return best;
}

bool
rel_tx_outstanding(const struct reliable *r)
{
	unsigned i;

	for (i = 0; i < REL_SEND_WINDOW; i++)
		if (r->out[i].active)
			return true;
	return false;
}

static void
mru_push(struct reliable *r, uint32_t id)
{
	unsigned i;

	for (i = 0; i < r->n_ack_mru; i++)
		if (r->ack_mru[i] == id)
			break;
	if (i == r->n_ack_mru && r->n_ack_mru < REL_ACK_MRU)
		r->n_ack_mru++;
	if (i == REL_ACK_MRU)
		i = REL_ACK_MRU - 1;
	memmove(r->ack_mru + 1, r->ack_mru, i * sizeof(r->ack_mru[0]));
	r->ack_mru[0] = id;
}

void
rel_ack_take(struct reliable *r, struct pkt_ack *ack, unsigned max,
    const uint8_t rsid[PKT_SID_LEN])
{
	unsigned i, j, n = 0, taken;

	if (max > PKT_ACK_MAX)
		max = PKT_ACK_MAX;
	for (i = 0; i < r->n_ack_q && n < max; i++)
		ack->id[n++] = r->ack_q[i];
	taken = i;
	/* Fill the rest with recent ACKs, as 2.6 peers do: cheap insurance
	 * against a lost ACK, on every packet that has room. */
	for (i = 0; i < r->n_ack_mru && n < max; i++) {
		for (j = 0; j < n; j++)
			if (ack->id[j] == r->ack_mru[i])
				break;
		if (j == n)
			ack->id[n++] = r->ack_mru[i];
	}
	for (i = taken; i > 0; i--)
		mru_push(r, r->ack_q[i - 1]);
	memmove(r->ack_q, r->ack_q + taken,
	    (r->n_ack_q - taken) * sizeof(r->ack_q[0]));
	r->n_ack_q -= taken;
	ack->n = (uint8_t)n;
	if (n > 0)
		memcpy(ack->rsid, rsid, PKT_SID_LEN);
}

uint64_t
rel_next_deadline(const struct reliable *r)
{
	uint64_t t = UINT64_MAX;
	unsigned i;

	for (i = 0; i < REL_SEND_WINDOW; i++)
		if (r->out[i].active && r->out[i].next_tx_ms < t)
			t = r->out[i].next_tx_ms;
	return t;
}
