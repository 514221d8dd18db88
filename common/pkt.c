/*
 * OpenVPN packet codec: control-packet bodies (spec §1.3-§1.6).
 */
#include "config.h"

#include "pkt.h"

const char *
pkt_op_name(uint8_t op)
{
	switch (op) {
	case P_CONTROL_HARD_RESET_CLIENT_V1:
		return "P_CONTROL_HARD_RESET_CLIENT_V1";
	case P_CONTROL_HARD_RESET_SERVER_V1:
		return "P_CONTROL_HARD_RESET_SERVER_V1";
	case P_CONTROL_SOFT_RESET_V1:
		return "P_CONTROL_SOFT_RESET_V1";
	case P_CONTROL_V1:
		return "P_CONTROL_V1";
	case P_ACK_V1:
		return "P_ACK_V1";
	case P_DATA_V1:
		return "P_DATA_V1";
	case P_CONTROL_HARD_RESET_CLIENT_V2:
		return "P_CONTROL_HARD_RESET_CLIENT_V2";
	case P_CONTROL_HARD_RESET_SERVER_V2:
		return "P_CONTROL_HARD_RESET_SERVER_V2";
	case P_DATA_V2:
		return "P_DATA_V2";
	case P_CONTROL_HARD_RESET_CLIENT_V3:
		return "P_CONTROL_HARD_RESET_CLIENT_V3";
	case P_CONTROL_WKC_V1:
		return "P_CONTROL_WKC_V1";
	default:
		return "unknown";
	}
}

bool
pkt_sid_valid(const uint8_t sid[PKT_SID_LEN])
{
	uint8_t acc = 0;
	int i;

	for (i = 0; i < PKT_SID_LEN; i++)
		acc |= sid[i];
	return acc != 0;
}

int
pkt_body_parse(uint8_t op, const uint8_t *p, size_t len, struct pkt_body *out)
{
	struct rbuf r;
	unsigned i;

	if (!pkt_is_control(op))
		return -1;
	rbuf_init(&r, p, len);
	out->ack.n = rbuf_u8(&r);
	if (out->ack.n > PKT_ACK_MAX)
		return -1;
	for (i = 0; i < out->ack.n; i++)
		out->ack.id[i] = rbuf_u32(&r);
	if (out->ack.n > 0)
		rbuf_copy(&r, out->ack.rsid, PKT_SID_LEN);
	out->has_msgid = pkt_has_msgid(op);
	out->msgid = out->has_msgid ? rbuf_u32(&r) : 0;
	if (r.err)
		return -1;
	out->payload = rbuf_rest(&r, &out->payload_len);
	if (op == P_ACK_V1 && (out->ack.n == 0 || out->payload_len != 0))
		return -1;
	return 0;
}

int
pkt_body_write(struct wbuf *w, uint8_t op, const struct pkt_ack *ack,
    uint32_t msgid, const uint8_t *payload, size_t payload_len)
{
	unsigned i, n = ack ? ack->n : 0;

	if (n > PKT_ACK_MAX)
		return -1;
	wbuf_u8(w, (uint8_t)n);
	for (i = 0; i < n; i++)
		wbuf_u32(w, ack->id[i]);
	if (n > 0)
		wbuf_bytes(w, ack->rsid, PKT_SID_LEN);
	if (pkt_has_msgid(op))
		wbuf_u32(w, msgid);
	if (op != P_ACK_V1)
		wbuf_bytes(w, payload, payload_len);
	return w->err ? -1 : 0;
}
