/*
 * libFuzzer target: tls-crypt unwrap (common/tlscrypt.c) behind the
 * server's control-wrap dispatch (common/ctlwrap.c), then the body parser.
 *
 * Input: flags (1) || rest
 *   flags & 1  WRAP: rest is a cleartext packet, op|kid (1) | session-id
 *              (8) | pid (4) | time (4) | body, that the target encrypts
 *              with the client's tls-crypt key first; the server must then
 *              unwrap it to exactly that header and body.
 *   flags & 2  with WRAP: flip one bit of the wrapped packet (position from
 *              the two bytes after the flags); the server must refuse it.
 *   otherwise  rest is a raw datagram; the captured client packets in the
 *              seed corpus authenticate under the vectors' tc.key.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "ctlwrap.h"
#include "fuzz.h"
#include "pkt.h"
#include "tlscrypt.h"

#define F_WRAP		0x01
#define F_FLIP		0x02
#define CLEAR_HDR	(1 + PKT_SID_LEN + 8)

static struct ctlwrap	*srv;
static struct tlscrypt	*cli;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t key[256];
	char err[256];

	fuzz_statickey("udp-tls-crypt/tc.key", key);
	srv = ctlwrap_new_tls_crypt(key, err, sizeof(err));
	cli = tlscrypt_new(key, TLSCRYPT_CLIENT, err, sizeof(err));
	FUZZ_ASSERT(srv != NULL && cli != NULL);
	FUZZ_ASSERT(ctlwrap_mode(srv) == CTLWRAP_TLS_CRYPT);
	return 0;
}

/* The server's side; want is the header the packet was wrapped with. */
static int
unwrap(const uint8_t *p, size_t len, const struct ctl_hdr *want,
    const uint8_t *wbody, size_t wblen)
{
	static uint8_t scratch[PKT_MAX_WIRE];
	struct ctl_hdr h;
	struct pkt_body pb;
	const uint8_t *body;
	size_t blen;

	if (ctlwrap_unwrap(srv, NULL, p, len, &h, scratch, sizeof(scratch),
	    &body, &blen, NULL) == -1)
		return -1;
	FUZZ_ASSERT(len >= TLSCRYPT_MIN_PKT && blen == len - TLSCRYPT_MIN_PKT);
	FUZZ_ASSERT(body == scratch && blen <= sizeof(scratch));
	FUZZ_ASSERT(h.op == pkt_op(p[0]) && h.key_id == pkt_key_id(p[0]));
	/* Opcodes 10/11 carry a WKc: never accepted in tls-crypt mode. */
	FUZZ_ASSERT(h.op != P_CONTROL_HARD_RESET_CLIENT_V3 &&
	    h.op != P_CONTROL_WKC_V1);
	if (want != NULL)
		FUZZ_ASSERT(h.op == want->op && h.key_id == want->key_id &&
		    h.pid == want->pid && h.ptime == want->ptime &&
		    memcmp(h.sid, want->sid, PKT_SID_LEN) == 0 &&
		    blen == wblen && (blen == 0 ||
		    memcmp(body, wbody, blen) == 0));
	if (pkt_body_parse(h.op, body, blen, &pb) == 0)
		FUZZ_ASSERT(pb.ack.n <= PKT_ACK_MAX && pb.payload >= body &&
		    pb.payload + pb.payload_len == body + blen);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t clear[PKT_MAX_WIRE], pkt[PKT_MAX_WIRE + 64];
	struct ctl_hdr h;
	struct wbuf w;
	uint8_t flags;
	uint16_t flip = 0;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (!(flags & F_WRAP)) {
		unwrap(data, size, NULL, NULL, 0);
		return 0;
	}
	if (flags & F_FLIP) {
		if (size < 2)
			return 0;
		flip = (uint16_t)(data[0] << 8 | data[1]);
		data += 2;
		size -= 2;
	}
	if (size > sizeof(clear))
		size = sizeof(clear);
	memset(clear, 0, CLEAR_HDR);
	memcpy(clear, data, size);
	n = size < CLEAR_HDR ? CLEAR_HDR : size;
	h.op = pkt_op(clear[0]);
	h.key_id = pkt_key_id(clear[0]);
	memcpy(h.sid, clear + 1, PKT_SID_LEN);
	h.pid = be32_get(clear + 1 + PKT_SID_LEN);
	h.ptime = be32_get(clear + 1 + PKT_SID_LEN + 4);
	wbuf_init(&w, pkt, sizeof(pkt));
	FUZZ_ASSERT(tlscrypt_wrap(cli, &w, &h, clear + CLEAR_HDR,
	    n - CLEAR_HDR) == 0);
	FUZZ_ASSERT(w.len == n + TLSCRYPT_TAG_LEN);
	if (!(flags & F_FLIP)) {
		rc = unwrap(pkt, w.len, &h, clear + CLEAR_HDR, n - CLEAR_HDR);
		/* Only the WKc opcodes are refused when the tag holds. */
		FUZZ_ASSERT(rc == 0 || h.op == P_CONTROL_HARD_RESET_CLIENT_V3 ||
		    h.op == P_CONTROL_WKC_V1);
		return 0;
	}
	/* Every bit is authenticated: header, tag and ciphertext. */
	pkt[(flip >> 3) % w.len] ^= (uint8_t)(1u << (flip & 7));
	FUZZ_ASSERT(unwrap(pkt, w.len, NULL, NULL, 0) == -1);
	return 0;
}
