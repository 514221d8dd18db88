/*
 * libFuzzer target: the first-packet classifier.
 *
 * server/udp.c decides what a datagram from an address without a session
 * costs us (control_input() with no session): opcode test, tls-auth HMAC
 * (through the control-wrap dispatch), then for a client reset the
 * stateless reply with the session-id cookie, for P_CONTROL_V1 / P_ACK_V1
 * the cookie echo.  Those functions are static and tied to the worker, so
 * this target replays the same decisions over the pure pieces they are
 * made of (ctlwrap, pkt, cookie, replay) and checks what must hold on
 * every path; keep it in step with udp.c.  (tls-crypt-v2's stateless
 * packets: fuzz_tlscryptv2.)
 *
 * Input: flags (1) || rest
 *   flags & 1  WRAP: rest is a cleartext packet, op|kid (1) | session-id
 *              (8) | pid (4) | time (4) | body, that the target wraps with
 *              the client's key first: the HMAC holds, and the fuzzer
 *              works on the body parser and everything after it.
 *   flags & 2  ECHO (with WRAP): the remote session-id of the body's ACK
 *              array is replaced by the cookie for the packet's session-id,
 *              as a real client echoes it, so the accepting path of the
 *              cookie check is reached.
 *   flags & 4  SHA1 keys (the default --auth, 20-byte HMAC), else SHA256.
 *   otherwise  rest is a raw datagram; the captured client packets in the
 *              seed corpus authenticate under the vectors' ta.key.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "cookie.h"
#include "ctlwrap.h"
#include "fuzz.h"
#include "pkt.h"
#include "replay.h"
#include "tlsauth.h"

#define F_WRAP		0x01
#define F_ECHO		0x02
#define F_SHA1		0x04

#define HAND_WINDOW	60
#define NOW		1795655948u	/* the capture's packet-id time */
#define CLEAR_HDR	(1 + PKT_SID_LEN + 8)

/* [0] SHA256, [1] SHA1: the server side, and the client's key. */
static struct ctlwrap	*srv_cw[2];
static struct tlsauth	*cli_ta[2];
static struct cookie	*ck;
/* A client address as server/addr.c encodes it: family, port, address. */
static const uint8_t	 addr[] = { 2, 0xc3, 0x50, 10, 99, 1, 2 };
static const uint8_t	 addr2[] = { 2, 0xc3, 0x50, 10, 99, 1, 3 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t ckey[COOKIE_KEY_LEN] = { 0x42, 0x17 };
	uint8_t key[256];
	char err[256];

	fuzz_statickey("udp-tls-auth-sha256/ta.key", key);
	srv_cw[0] = ctlwrap_new_tls_auth(key, 0, "SHA256", err, sizeof(err));
	cli_ta[0] = tlsauth_new(key, 1, "SHA256", err, sizeof(err));
	fuzz_statickey("udp-tls-auth-sha1-default/ta.key", key);
	srv_cw[1] = ctlwrap_new_tls_auth(key, 0, "SHA1", err, sizeof(err));
	cli_ta[1] = tlsauth_new(key, 1, "SHA1", err, sizeof(err));
	ck = cookie_new(ckey);
	FUZZ_ASSERT(srv_cw[0] && cli_ta[0] && srv_cw[1] && cli_ta[1] && ck);
	return 0;
}

/* A parsed body re-encodes to the same bytes: the encoding is canonical,
 * so the parser neither drops nor invents a field. */
static void
check_body_roundtrip(uint8_t op, const uint8_t *body, size_t blen,
    const struct pkt_body *pb)
{
	static uint8_t buf[PKT_MAX_WIRE + 64];
	struct wbuf w;

	FUZZ_ASSERT(pb->ack.n <= PKT_ACK_MAX);
	FUZZ_ASSERT(pb->has_msgid == pkt_has_msgid(op));
	FUZZ_ASSERT(pb->payload >= body && pb->payload + pb->payload_len ==
	    body + blen);
	wbuf_init(&w, buf, sizeof(buf));
	FUZZ_ASSERT(pkt_body_write(&w, op, &pb->ack, pb->msgid, pb->payload,
	    pb->payload_len) == 0);
	FUZZ_ASSERT(w.len == blen && memcmp(buf, body, blen) == 0);
}

/* As udp.c reset_reply(): answer a client reset without keeping state. */
static void
reset_reply(int alg, const struct ctl_hdr *h, const uint8_t *body,
    size_t blen)
{
	static uint8_t out[PKT_MAX_WIRE];
	struct pkt_body pb, rpb;
	struct pkt_ack ack;
	struct ctl_hdr rh, ch;
	uint8_t rbody[64];
	const uint8_t *cbody;
	size_t cblen;
	struct wbuf wb, wo;

	if (pkt_body_parse(h->op, body, blen, &pb) == -1)
		return;
	check_body_roundtrip(h->op, body, blen, &pb);
	if (pb.msgid != 0 || !pkt_sid_valid(h->sid))
		return;
	memset(&rh, 0, sizeof(rh));
	rh.op = P_CONTROL_HARD_RESET_SERVER_V2;
	cookie_make(ck, NOW, HAND_WINDOW, addr, sizeof(addr), h->sid, rh.sid);
	rh.pid = 1;
	rh.ptime = NOW;
	memset(&ack, 0, sizeof(ack));
	ack.n = 1;
	memcpy(ack.rsid, h->sid, PKT_SID_LEN);
	wbuf_init(&wb, rbody, sizeof(rbody));
	FUZZ_ASSERT(pkt_body_write(&wb, rh.op, &ack, 0, NULL, 0) == 0);
	wbuf_init(&wo, out, sizeof(out));
	FUZZ_ASSERT(ctlwrap_wrap(srv_cw[alg], NULL, &wo, &rh, rbody,
	    wb.len) == 0);

	/* The client accepts our reply and finds its own session-id... */
	FUZZ_ASSERT(tlsauth_unwrap(cli_ta[alg], out, wo.len, &ch, &cbody,
	    &cblen) == 0);
	FUZZ_ASSERT(ch.op == rh.op && ch.key_id == 0 &&
	    memcmp(ch.sid, rh.sid, PKT_SID_LEN) == 0);
	FUZZ_ASSERT(pkt_body_parse(ch.op, cbody, cblen, &rpb) == 0);
	FUZZ_ASSERT(rpb.ack.n == 1 && rpb.ack.id[0] == 0 && rpb.msgid == 0 &&
	    memcmp(rpb.ack.rsid, h->sid, PKT_SID_LEN) == 0);
	/* ...and the cookie holds for this client only. */
	FUZZ_ASSERT(cookie_check(ck, NOW, HAND_WINDOW, addr, sizeof(addr),
	    h->sid, rh.sid));
	FUZZ_ASSERT(!cookie_check(ck, NOW, HAND_WINDOW, addr2, sizeof(addr2),
	    h->sid, rh.sid));
}

/* As udp.c cookie_accept() and what follows it for a new session. */
static void
cookie_accept(const struct ctl_hdr *h, const uint8_t *body, size_t blen,
    bool echoed)
{
	struct pkt_body pb;
	struct replay_long rl;
	bool ok;

	if (pkt_body_parse(h->op, body, blen, &pb) == -1)
		return;
	check_body_roundtrip(h->op, body, blen, &pb);
	if (!cookie_echo_shape(h->op, &pb))
		return;
	ok = cookie_check(ck, NOW, HAND_WINDOW, addr, sizeof(addr), h->sid,
	    pb.ack.rsid);
	if (echoed)
		FUZZ_ASSERT(ok);
	if (!ok)
		return;
	replay_long_init(&rl);
	if (replay_long_accept(&rl, h->pid, h->ptime))
		FUZZ_ASSERT(!replay_long_accept(&rl, h->pid, h->ptime));
}

/*
 * The classifier.  want: the header the packet was wrapped with (WRAP
 * mode), so the HMAC must hold; NULL for a raw datagram.
 */
static void
classify(int alg, const uint8_t *p, size_t len, const struct ctl_hdr *want,
    bool echoed)
{
	static uint8_t scratch[PKT_MAX_WIRE];
	struct ctl_hdr h;
	const uint8_t *body;
	size_t blen;
	uint8_t op;

	if (len < 1)
		return;
	op = pkt_op(p[0]);
	if (op == P_DATA_V1 || op == P_DATA_V2)
		return;		/* the data path: fuzz_datachan */
	if (!pkt_is_control(op) || op == P_CONTROL_HARD_RESET_SERVER_V2)
		return;			/* dropped as malformed */
	if (ctlwrap_unwrap(srv_cw[alg], NULL, p, len, &h, scratch,
	    sizeof(scratch), &body, &blen, NULL) == -1) {
		/* Only the WKc opcodes are refused when the HMAC holds. */
		FUZZ_ASSERT(want == NULL ||
		    op == P_CONTROL_HARD_RESET_CLIENT_V3 ||
		    op == P_CONTROL_WKC_V1);
		return;
	}
	/* tls-auth: the body stays in the packet. */
	FUZZ_ASSERT(blen + ctlwrap_overhead(srv_cw[alg], NULL) + 1 +
	    PKT_SID_LEN == len && body + blen == p + len);
	FUZZ_ASSERT(h.op == op && h.key_id == pkt_key_id(p[0]));
	if (want != NULL)
		FUZZ_ASSERT(h.op == want->op && h.key_id == want->key_id &&
		    h.pid == want->pid && h.ptime == want->ptime &&
		    memcmp(h.sid, want->sid, PKT_SID_LEN) == 0);
	if (h.key_id != 0)
		return;
	switch (h.op) {
	case P_CONTROL_HARD_RESET_CLIENT_V2:
		reset_reply(alg, &h, body, blen);
		break;
	case P_CONTROL_V1:
	case P_ACK_V1:
		cookie_accept(&h, body, blen, echoed);
		break;
	default:
		break;			/* unknown peer */
	}
}

/* ECHO: put the cookie for the session-id at clear[1..8] into the ACK
 * array of the body; false if the body has no ACK array to patch. */
static bool
echo_cookie(uint8_t *clear, size_t len)
{
	uint8_t *body = clear + CLEAR_HDR;
	size_t blen = len - CLEAR_HDR;
	unsigned n;

	if (blen < 1 || (n = body[0]) == 0 || n > PKT_ACK_MAX ||
	    blen < 1 + 4 * n + PKT_SID_LEN)
		return false;
	cookie_make(ck, NOW, HAND_WINDOW, addr, sizeof(addr), clear + 1,
	    body + 1 + 4 * n);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t clear[PKT_MAX_WIRE], pkt[PKT_MAX_WIRE + 128];
	struct ctl_hdr h;
	struct wbuf w;
	size_t n;
	uint8_t flags;
	int alg;
	bool echoed = false;

	if (size < 1)
		return 0;
	flags = data[0];
	alg = flags & F_SHA1 ? 1 : 0;
	data++;
	size--;
	if (!(flags & F_WRAP)) {
		classify(alg, data, size, NULL, false);
		return 0;
	}
	/* WRAP: the cleartext header, zero-filled if the input is short. */
	if (size > sizeof(clear))
		size = sizeof(clear);
	memset(clear, 0, CLEAR_HDR);
	memcpy(clear, data, size);
	n = size < CLEAR_HDR ? CLEAR_HDR : size;
	if (flags & F_ECHO)
		echoed = echo_cookie(clear, n);
	h.op = pkt_op(clear[0]);
	h.key_id = pkt_key_id(clear[0]);
	memcpy(h.sid, clear + 1, PKT_SID_LEN);
	h.pid = be32_get(clear + 1 + PKT_SID_LEN);
	h.ptime = be32_get(clear + 1 + PKT_SID_LEN + 4);
	wbuf_init(&w, pkt, sizeof(pkt));
	FUZZ_ASSERT(tlsauth_wrap(cli_ta[alg], &w, &h, clear + CLEAR_HDR,
	    n - CLEAR_HDR) == 0);
	classify(alg, pkt, w.len, &h, echoed);
	return 0;
}
