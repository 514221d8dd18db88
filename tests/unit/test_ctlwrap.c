/*
 * ctlwrap: each mode on captured packets and in round trips with a
 * stand-in client (a tlsauth of the other direction, a client-role
 * tlscrypt, a client-role Kc instance appending the WKc).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlwrap.h"
#include "pkt.h"
#include "vec.h"
#include "tlscrypt_test.h"

#define TA_DIR	"udp-tls-auth-sha256/"
#define TC_DIR	"udp-tls-crypt/"
#define V2_DIR	"udp-tls-crypt-v2/"

static const uint8_t test_body[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0xa3, 0x50, 0xaf, 0x0c, 0x25, 0x52,
	0x01, 0x9c, 0x00, 0x00, 0x00, 0x01, 0x16, 0x03, 0x01, 0x00, 0x01,
	0x42,
};

static const struct ctl_hdr test_hdr = {
	.op = P_CONTROL_V1, .key_id = 0,
	.sid = { 0xe4, 0xd3, 0xce, 0x9a, 0xf0, 0xc7, 0x0c, 0x2c },
	.pid = 3, .ptime = 0x6b078980,
};

static void
hdr_eq(const struct ctl_hdr *a, const struct ctl_hdr *b)
{
	ck_assert_uint_eq(a->op, b->op);
	ck_assert_uint_eq(a->key_id, b->key_id);
	ck_assert_mem_eq(a->sid, b->sid, PKT_SID_LEN);
	ck_assert_uint_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->ptime, b->ptime);
}

START_TEST(test_tls_auth)
{
	uint8_t key[256], pkt[TT_MAXPKT], wire[TT_MAXPKT], scratch[TT_MAXPKT];
	struct tlsauth *cli;
	struct ctlwrap *w;
	struct ctl_hdr h;
	const uint8_t *b;
	char err[256] = "";
	size_t len, blen;
	struct wbuf wb;

	tt_statickey(TA_DIR "ta.key", key);
	ck_assert_ptr_null(ctlwrap_new_tls_auth(key, 0, "MD4x", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "digest"));
	w = ctlwrap_new_tls_auth(key, 0, "SHA256", err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	cli = tlsauth_new(key, 1, "SHA256", err, sizeof(err));
	ck_assert_ptr_nonnull(cli);
	ck_assert_int_eq(ctlwrap_mode(w), CTLWRAP_TLS_AUTH);
	ck_assert_uint_eq(ctlwrap_overhead(w, NULL), 40);

	/* Captured C->S reset: body points into the packet. */
	len = vec_hex_file(TA_DIR "01_hard_reset_client_v2.hex", pkt,
	    sizeof(pkt));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	ck_assert_ptr_eq(b, pkt + 49);
	ck_assert_uint_eq(blen, 5);
	ck_assert_uint_eq(h.op, P_CONTROL_HARD_RESET_CLIENT_V2);
	/* Captured S->C reset: reproduced byte for byte. */
	len = vec_hex_file(TA_DIR "02_hard_reset_server_v2.hex", pkt,
	    sizeof(pkt));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	ck_assert_int_eq(tlsauth_unwrap(cli, pkt, len, &h, &b, &blen), 0);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &h, b, blen), 0);
	ck_assert_uint_eq(wb.len, len);
	ck_assert_mem_eq(wire, pkt, len);

	/* Round trips both ways. */
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(tlsauth_unwrap(cli, wire, wb.len, &h, &b, &blen), 0);
	hdr_eq(&h, &test_hdr);
	ck_assert_uint_eq(blen, sizeof(test_body));
	ck_assert_mem_eq(b, test_body, blen);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(tlsauth_wrap(cli, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	hdr_eq(&h, &test_hdr);
	ck_assert_mem_eq(b, test_body, sizeof(test_body));
	/* Opcodes 10/11 do not exist without tls-crypt-v2, even when the
	 * packet is authentic. */
	h = test_hdr;
	h.op = P_CONTROL_WKC_V1;
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(tlsauth_wrap(cli, &wb, &h, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, 0, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	ck_assert_ptr_null(ctlwrap_peer_new(w, NULL, err, sizeof(err)));
	tlsauth_free(cli);
	ctlwrap_free(w);
}
END_TEST

START_TEST(test_tls_crypt)
{
	uint8_t key[256], pkt[TT_MAXPKT], wire[TT_MAXPKT], scratch[TT_MAXPKT];
	struct tlscrypt *cli;
	struct ctlwrap *w;
	struct ctl_hdr h;
	const uint8_t *b;
	char err[256] = "";
	size_t len, blen;
	struct wbuf wb;

	tt_statickey(TC_DIR "tc.key", key);
	w = ctlwrap_new_tls_crypt(key, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	cli = tlscrypt_new(key, TLSCRYPT_CLIENT, err, sizeof(err));
	ck_assert_ptr_nonnull(cli);
	ck_assert_int_eq(ctlwrap_mode(w), CTLWRAP_TLS_CRYPT);
	ck_assert_uint_eq(ctlwrap_overhead(w, NULL), 40);

	len = vec_hex_file(TC_DIR "03_p_control_v1.hex", pkt, sizeof(pkt));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	ck_assert_ptr_eq(b, scratch);
	ck_assert_uint_eq(blen, len - 49);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    len - 50, &b, &blen, NULL), -1);
	len = vec_hex_file(TC_DIR "02_p_control_hard_reset_server_v2.hex",
	    pkt, sizeof(pkt));
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen), 0);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &h, b, blen), 0);
	ck_assert_uint_eq(wb.len, len);
	ck_assert_mem_eq(wire, pkt, len);

	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(tlscrypt_unwrap(cli, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen), 0);
	hdr_eq(&h, &test_hdr);
	ck_assert_mem_eq(b, test_body, sizeof(test_body));
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(tlscrypt_wrap(cli, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	hdr_eq(&h, &test_hdr);
	ck_assert_mem_eq(b, test_body, sizeof(test_body));
	h = test_hdr;
	h.op = P_CONTROL_HARD_RESET_CLIENT_V3;
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(tlscrypt_wrap(cli, &wb, &h, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	tlscrypt_free(cli);
	ctlwrap_free(w);
}
END_TEST

static void
v2_keys(uint8_t srvkey[TLSCRYPTV2_SRVKEY_LEN],
    struct tlscryptv2_client_key *cf)
{
	char err[256] = "", *text;
	size_t len;

	text = vec_read(V2_DIR "tcv2-server.key", &len);
	ck_assert_int_eq(tlscryptv2_server_key_parse(text, len, srvkey, err,
	    sizeof(err)), 0);
	free(text);
	text = vec_read(V2_DIR "tcv2-client.key", &len);
	ck_assert_int_eq(tlscryptv2_client_key_parse(text, len, cf, err,
	    sizeof(err)), 0);
	free(text);
}

START_TEST(test_tls_crypt_v2)
{
	uint8_t srvkey[TLSCRYPTV2_SRVKEY_LEN], pkt[TT_MAXPKT], wire[TT_MAXPKT];
	uint8_t scratch[TT_MAXPKT], body[TT_MAXPKT], p3[TT_MAXPKT];
	struct tlscryptv2_client_key cf;
	struct tlscrypt *cli, *peer, *other;
	struct tlscryptv2_ckey ck;
	struct ctlwrap *w;
	struct ctl_hdr h, h1;
	const uint8_t *b;
	char err[256] = "";
	size_t len, blen, n3;
	struct wbuf wb;

	v2_keys(srvkey, &cf);
	w = ctlwrap_new_tls_crypt_v2(srvkey, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	cli = tlscrypt_new(cf.kc, TLSCRYPT_CLIENT, err, sizeof(err));
	ck_assert_ptr_nonnull(cli);
	ck_assert_int_eq(ctlwrap_mode(w), CTLWRAP_TLS_CRYPT_V2);
	ck_assert_uint_eq(ctlwrap_overhead(w, NULL), 40);

	/* No peer-less unwrap yet: no key for a stateless reply. */
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &test_hdr, test_body,
	    sizeof(test_body)), -1);

	/* 1: V3 from an unknown peer; Kc comes out of the WKc. */
	len = vec_hex_file(V2_DIR "01_p_control_hard_reset_client_v3.hex",
	    pkt, sizeof(pkt));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);	/* ck required */
	memset(&ck, 0, sizeof(ck));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, &ck), 0);
	ck_assert_mem_eq(ck.kc, cf.kc, 256);
	ck_assert_uint_eq(ck.time, 0x6b078899ull);
	ck_assert_uint_eq(blen, 5);
	ck_assert_mem_eq(b, "\0\0\0\0\0", 5);
	ck_assert(tlscryptv2_early_neg(h.pid));
	h1 = h;

	/* 2: the stateless reply, wrapped with that Kc, as captured. */
	len = vec_hex_file(V2_DIR "02_p_control_hard_reset_server_v2.hex",
	    pkt, sizeof(pkt));
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, &h, body, sizeof(body),
	    &b, &blen), 0);
	ck_assert_mem_eq(b + 5, h1.sid, 8);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &h, b, blen), 0);
	ck_assert_uint_eq(wb.len, len);
	ck_assert_mem_eq(wire, pkt, len);
	/* After a failed unwrap the scratch key is no longer usable. */
	pkt[20] ^= 1;
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, pkt, len, &h, scratch,
	    sizeof(scratch), &b, &blen, &ck), -1);
	pkt[20] ^= 1;
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, NULL, &wb, &test_hdr, test_body,
	    sizeof(test_body)), -1);

	/* 3: WKC_V1 without state (the cookie packet): unwraps, and the
	 * session's own Kc context is created from ck. */
	n3 = vec_hex_file(V2_DIR "03_p_control_wkc_v1.hex", p3, sizeof(p3));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, &ck), 0);
	ck_assert_uint_eq(h.op, P_CONTROL_WKC_V1);
	ck_assert_uint_eq(blen, n3 - 299 - 49);
	memcpy(body, b, blen);
	peer = ctlwrap_peer_new(w, &ck, err, sizeof(err));
	ck_assert_msg(peer != NULL, "%s", err);
	/* The same packet again within the session (a retransmission):
	 * the WKc is stripped, Kc of the session checks the rest. */
	ck_assert_int_eq(ctlwrap_unwrap(w, peer, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	ck_assert_mem_eq(b, body, blen);
	/* ...even with a damaged WKc: the inner tag is what counts. */
	p3[n3 - 100] ^= 0x80;
	ck_assert_int_eq(ctlwrap_unwrap(w, peer, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, &ck), -1);
	p3[n3 - 100] ^= 0x80;
	p3[30] ^= 0x80;				/* inner tag */
	ck_assert_int_eq(ctlwrap_unwrap(w, peer, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	p3[30] ^= 0x80;

	/* 4: the server's P_CONTROL_V1 with the session context. */
	len = vec_hex_file(V2_DIR "04_p_control_v1.hex", pkt, sizeof(pkt));
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, &h, body, sizeof(body),
	    &b, &blen), 0);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, peer, &wb, &h, b, blen), 0);
	ck_assert_uint_eq(wb.len, len);
	ck_assert_mem_eq(wire, pkt, len);
	ck_assert_uint_eq(ctlwrap_overhead(w, peer), 40);

	/* Round trips within the session; without the session context a
	 * packet with no WKc cannot be read. */
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(tlscrypt_wrap(cli, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(ctlwrap_unwrap(w, peer, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), 0);
	hdr_eq(&h, &test_hdr);
	ck_assert_mem_eq(b, test_body, sizeof(test_body));
	ck_assert_int_eq(ctlwrap_unwrap(w, NULL, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen, &ck), -1);
	wbuf_init(&wb, wire, sizeof(wire));
	ck_assert_int_eq(ctlwrap_wrap(w, peer, &wb, &test_hdr, test_body,
	    sizeof(test_body)), 0);
	ck_assert_int_eq(tlscrypt_unwrap(cli, wire, wb.len, &h, scratch,
	    sizeof(scratch), &b, &blen), 0);
	ck_assert_mem_eq(b, test_body, sizeof(test_body));
	/* Another client's Kc does not open this session's packets (a
	 * change in the C->S cipher key K[128..159] is enough). */
	cf.kc[130] ^= 1;
	other = tlscrypt_new(cf.kc, TLSCRYPT_SERVER, err, sizeof(err));
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(ctlwrap_unwrap(w, other, p3, n3, &h, scratch,
	    sizeof(scratch), &b, &blen, NULL), -1);
	tlscrypt_free(other);
	tlscrypt_free(peer);
	tlscrypt_free(cli);
	ctlwrap_free(w);
}
END_TEST

TCase *
tt_tcase_ctlwrap(void)
{
	TCase *tc = tcase_create("ctlwrap");

	tcase_add_test(tc, test_tls_auth);
	tcase_add_test(tc, test_tls_crypt);
	tcase_add_test(tc, test_tls_crypt_v2);
	return tc;
}
