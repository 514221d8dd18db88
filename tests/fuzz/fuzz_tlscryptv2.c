/*
 * libFuzzer target: tls-crypt-v2 (common/tlscryptv2.c) behind the
 * server's control-wrap dispatch (common/ctlwrap.c): V3 / WKC_V1 packets
 * from a peer without state, the WKc, the early-negotiation TLVs.
 *
 * Input: mode (1) || rest, mode & 3 selects:
 *   0  RAW: rest is a datagram for ctlwrap_unwrap() without a peer (the
 *      captured V3 and WKC_V1 packets authenticate under the vectors'
 *      server key).
 *   1  WKC: rest is a wrapped client key for tlscryptv2_unwrap_wkc(), and a
 *      packet for tlscryptv2_split().
 *   2  BUILD: rest is metadata type (1) | metadata length (2) | metadata |
 *      op|kid (1) | session-id (8) | pid (4) | time (4) | body; the target
 *      wraps the vectors' client key Kc with that metadata and the packet
 *      with Kc, as a client does, and the server must recover all of it.
 *      With mode & 4 one bit of the result is flipped (position from the
 *      two bytes after the mode) and the server must refuse it.
 *   3  TLV: rest is a hard-reset payload for tlscryptv2_earlyneg_parse().
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "../unit/vec.h"
#include "ctlwrap.h"
#include "fuzz.h"
#include "pkt.h"
#include "tlscrypt.h"
#include "tlscryptv2.h"

#define M_RAW		0
#define M_WKC		1
#define M_BUILD		2
#define M_TLV		3
#define F_FLIP		0x04
#define CLEAR_HDR	(1 + PKT_SID_LEN + 8)

/*
 * srv: what the daemon would hold; v2: the same server key, for the WKc
 * calls; cli: the client's Kc in the client role, from cli_key.
 */
static struct ctlwrap		*srv;
static struct tlscryptv2_server	*v2;
static struct tlscrypt		*cli;
static struct tlscryptv2_client_key cli_key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t skey[TLSCRYPTV2_SRVKEY_LEN];
	char err[256], *text;
	size_t len;

	text = vec_read("udp-tls-crypt-v2/tcv2-server.key", &len);
	FUZZ_ASSERT(tlscryptv2_server_key_parse(text, len, skey, err,
	    sizeof(err)) == 0);
	free(text);
	text = vec_read("udp-tls-crypt-v2/tcv2-client.key", &len);
	FUZZ_ASSERT(tlscryptv2_client_key_parse(text, len, &cli_key, err,
	    sizeof(err)) == 0);
	free(text);
	srv = ctlwrap_new_tls_crypt_v2(skey, err, sizeof(err));
	v2 = tlscryptv2_server_new(skey, err, sizeof(err));
	cli = tlscrypt_new(cli_key.kc, TLSCRYPT_CLIENT, err, sizeof(err));
	FUZZ_ASSERT(srv != NULL && v2 != NULL && cli != NULL);
	return 0;
}

static bool
is_wkc_op(uint8_t op)
{
	return op == P_CONTROL_HARD_RESET_CLIENT_V3 || op == P_CONTROL_WKC_V1;
}

/*
 * The server's side of a packet from a peer without state.  On success
 * the reply must be possible, and the per-session context made from the
 * unwrapped Kc must accept the same packet again.  Returns 0 or -1; ck
 * receives the unwrapped key.
 */
static int
unwrap_stateless(const uint8_t *p, size_t len, struct tlscryptv2_ckey *ck,
    struct ctl_hdr *h, const uint8_t **body, size_t *blen)
{
	static uint8_t scratch[PKT_MAX_WIRE], scratch2[PKT_MAX_WIRE];
	static uint8_t reply[PKT_MAX_WIRE];
	struct ctl_hdr h2, rh;
	struct pkt_body pb;
	struct tlscrypt *peer;
	const uint8_t *body2;
	size_t blen2;
	struct wbuf w;
	uint16_t tlv;
	char err[256];

	memset(&rh, 0, sizeof(rh));
	rh.op = P_CONTROL_HARD_RESET_SERVER_V2;
	if (ctlwrap_unwrap(srv, NULL, p, len, h, scratch, sizeof(scratch),
	    body, blen, ck) == -1) {
		/* No accepted WKc, so no key to answer with. */
		wbuf_init(&w, reply, sizeof(reply));
		FUZZ_ASSERT(ctlwrap_wrap(srv, NULL, &w, &rh, NULL, 0) == -1);
		return -1;
	}
	FUZZ_ASSERT(len >= 1 && is_wkc_op(pkt_op(p[0])) && h->op ==
	    pkt_op(p[0]));
	FUZZ_ASSERT(*body == scratch && *blen <= sizeof(scratch));
	FUZZ_ASSERT(ck->meta_len <= TLSCRYPTV2_META_MAX - 1);
	if (pkt_body_parse(h->op, *body, *blen, &pb) == 0 &&
	    h->op == P_CONTROL_HARD_RESET_CLIENT_V3)
		(void)tlscryptv2_earlyneg_parse(pb.payload, pb.payload_len,
		    &tlv);

	wbuf_init(&w, reply, sizeof(reply));
	FUZZ_ASSERT(ctlwrap_wrap(srv, NULL, &w, &rh, NULL, 0) == 0);
	peer = ctlwrap_peer_new(srv, ck, err, sizeof(err));
	FUZZ_ASSERT(peer != NULL);
	FUZZ_ASSERT(ctlwrap_unwrap(srv, peer, p, len, &h2, scratch2,
	    sizeof(scratch2), &body2, &blen2, NULL) == 0);
	FUZZ_ASSERT(h2.op == h->op && h2.pid == h->pid &&
	    blen2 == *blen && memcmp(body2, *body, *blen) == 0);
	tlscrypt_free(peer);
	return 0;
}

static void
mode_wkc(const uint8_t *p, size_t len)
{
	static uint8_t rewrap[TLSCRYPTV2_WKC_MAX];
	struct tlscryptv2_ckey ck;
	const uint8_t *wkc;
	size_t inner, nwkc;
	struct wbuf w;

	if (tlscryptv2_split(p, len, &inner, &wkc, &nwkc) == 0)
		FUZZ_ASSERT(nwkc >= TLSCRYPTV2_WKC_MIN &&
		    nwkc <= TLSCRYPTV2_WKC_MAX && inner + nwkc == len &&
		    inner >= TLSCRYPT_MIN_PKT && wkc == p + inner);
	if (tlscryptv2_unwrap_wkc(v2, p, len, &ck) == -1)
		return;
	FUZZ_ASSERT(len >= TLSCRYPTV2_WKC_MIN && len <= TLSCRYPTV2_WKC_MAX);
	FUZZ_ASSERT(ck.has_time == (ck.meta_type == TLSCRYPTV2_META_TIMESTAMP
	    && ck.meta_len == 8));
	if (ck.meta_type == TLSCRYPTV2_META_NONE) {
		FUZZ_ASSERT(len == TLSCRYPTV2_WKC_MIN && ck.meta_len == 0);
		return;
	}
	/* Wrapping is deterministic: the same key and metadata give back
	 * the same bytes, so unwrap lost nothing. */
	wbuf_init(&w, rewrap, sizeof(rewrap));
	FUZZ_ASSERT(tlscryptv2_wrap_wkc(v2, ck.kc, (uint8_t)ck.meta_type,
	    ck.meta, ck.meta_len, &w) == 0);
	FUZZ_ASSERT(w.len == len && memcmp(rewrap, p, len) == 0);
}

static void
mode_build(bool flip_one, struct fuzz_in *in)
{
	static uint8_t wkc[TLSCRYPTV2_WKC_MAX], pkt[2 * PKT_MAX_WIRE];
	static uint8_t clear[PKT_MAX_WIRE];
	struct tlscryptv2_ckey ck;
	struct ctl_hdr h, got;
	const uint8_t *meta, *rest, *body;
	size_t mlen, n, blen;
	struct wbuf w;
	uint16_t flip = 0;
	uint8_t mtype;
	int rc;

	if (flip_one)
		flip = fuzz_u16(in);
	mtype = fuzz_u8(in);
	mlen = fuzz_u16(in) % TLSCRYPTV2_META_MAX;
	meta = fuzz_bytes(in, mlen, &mlen);
	rest = fuzz_bytes(in, sizeof(clear), &n);
	memset(clear, 0, CLEAR_HDR);
	memcpy(clear, rest, n);
	if (n < CLEAR_HDR)
		n = CLEAR_HDR;
	h.op = pkt_op(clear[0]);
	h.key_id = pkt_key_id(clear[0]);
	memcpy(h.sid, clear + 1, PKT_SID_LEN);
	h.pid = be32_get(clear + 1 + PKT_SID_LEN);
	h.ptime = be32_get(clear + 1 + PKT_SID_LEN + 4);

	wbuf_init(&w, wkc, sizeof(wkc));
	FUZZ_ASSERT(tlscryptv2_wrap_wkc(v2, cli_key.kc, mtype, meta, mlen,
	    &w) == 0);
	FUZZ_ASSERT(w.len == TLSCRYPTV2_WKC_MIN + 1 + mlen);
	n -= CLEAR_HDR;
	{
		size_t nwkc = w.len;

		wbuf_init(&w, pkt, sizeof(pkt));
		FUZZ_ASSERT(tlscryptv2_client_wrap(cli, &w, &h,
		    clear + CLEAR_HDR, n, wkc, nwkc) == 0);
	}
	if (flip_one) {
		pkt[(flip >> 3) % w.len] ^= (uint8_t)(1u << (flip & 7));
		FUZZ_ASSERT(unwrap_stateless(pkt, w.len, &ck, &got, &body,
		    &blen) == -1);
		return;
	}
	/* The body always fits the scratch buffer (n < PKT_MAX_WIRE), so
	 * the opcode decides alone. */
	rc = unwrap_stateless(pkt, w.len, &ck, &got, &body, &blen);
	if (!is_wkc_op(h.op)) {
		FUZZ_ASSERT(rc == -1);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(memcmp(ck.kc, cli_key.kc, sizeof(ck.kc)) == 0);
	FUZZ_ASSERT(ck.meta_type == mtype && ck.meta_len == mlen &&
	    (mlen == 0 || memcmp(ck.meta, meta, mlen) == 0));
	FUZZ_ASSERT(got.op == h.op && got.key_id == h.key_id &&
	    got.pid == h.pid && got.ptime == h.ptime &&
	    memcmp(got.sid, h.sid, PKT_SID_LEN) == 0);
	FUZZ_ASSERT(blen == n && (n == 0 ||
	    memcmp(body, clear + CLEAR_HDR, n) == 0));
}

static void
mode_tlv(const uint8_t *p, size_t len)
{
	uint8_t buf[TLSCRYPTV2_EARLY_NEG_TLV_LEN];
	uint16_t flags, again;
	struct wbuf w;

	if (tlscryptv2_earlyneg_parse(p, len, &flags) == -1)
		return;
	wbuf_init(&w, buf, sizeof(buf));
	FUZZ_ASSERT(tlscryptv2_earlyneg_write(&w, flags) == 0);
	FUZZ_ASSERT(tlscryptv2_earlyneg_parse(buf, w.len, &again) == 0 &&
	    again == flags);
	if (len >= 4)
		FUZZ_ASSERT(tlscryptv2_early_neg(be32_get(p)) ==
		    ((be32_get(p) & 0x0F000000u) == 0x0F000000u));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlscryptv2_ckey ck;
	struct ctl_hdr h;
	const uint8_t *body;
	struct fuzz_in in;
	size_t blen;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	switch (mode & 3) {
	case M_RAW:
		(void)unwrap_stateless(data, size, &ck, &h, &body, &blen);
		break;
	case M_WKC:
		mode_wkc(data, size);
		break;
	case M_BUILD:
		fuzz_in_init(&in, data, size);
		mode_build((mode & F_FLIP) != 0, &in);
		break;
	case M_TLV:
		mode_tlv(data, size);
		break;
	}
	return 0;
}
