/*
 * tls-crypt-v2 on the captured udp-tls-crypt-v2 session (spec §3.2, §5.4):
 * key files, WKc unwrap/wrap, V3 / WKC_V1 packets, the stateless reset
 * reply with its early-negotiation TLV, key generation.
 *
 * ref_wkc() is an independent one-shot implementation of the WKc
 * construction, used to build WKcs our wrapper refuses to make (over 1024
 * bytes, no metadata) so that unwrap is tested on exactly one defect.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pkt.h"
#include "tlscrypt.h"
#include "tlscryptv2.h"
#include "vec.h"
#include "tlscrypt_test.h"

#define V2_DIR		"udp-tls-crypt-v2/"
#define V2_EXPECTED	V2_DIR "expected.txt"
#define V2_SRVKEY	V2_DIR "tcv2-server.key"
#define V2_CLIKEY	V2_DIR "tcv2-client.key"
#define V2_F1		V2_DIR "01_p_control_hard_reset_client_v3.hex"
#define V2_F2		V2_DIR "02_p_control_hard_reset_server_v2.hex"
#define V2_F3		V2_DIR "03_p_control_wkc_v1.hex"
#define V2_F4		V2_DIR "04_p_control_v1.hex"

static void
load_srvkey(uint8_t key[TLSCRYPTV2_SRVKEY_LEN])
{
	char err[256] = "", *text;
	size_t len;

	text = vec_read(V2_SRVKEY, &len);
	ck_assert_msg(tlscryptv2_server_key_parse(text, len, key, err,
	    sizeof(err)) == 0, "%s", err);
	free(text);
}

static void
load_clikey(struct tlscryptv2_client_key *ck)
{
	char err[256] = "", *text;
	size_t len;

	text = vec_read(V2_CLIKEY, &len);
	ck_assert_msg(tlscryptv2_client_key_parse(text, len, ck, err,
	    sizeof(err)) == 0, "%s", err);
	free(text);
}

static struct tlscryptv2_server *
srv_new(const uint8_t key[TLSCRYPTV2_SRVKEY_LEN])
{
	char err[256] = "";
	struct tlscryptv2_server *srv;

	srv = tlscryptv2_server_new(key, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	return srv;
}

static struct tlscrypt *
kc_new(const uint8_t kc[TLSCRYPT_KEY_LEN], enum tlscrypt_role role)
{
	char err[256] = "";
	struct tlscrypt *tc = tlscrypt_new(kc, role, err, sizeof(err));

	ck_assert_msg(tc != NULL, "%s", err);
	return tc;
}

/*
 * WKc = T || AES-256-CTR(Ke, T[0..15], Kc || meta) || len, one-shot.
 * lenf: the length field to write and authenticate, 0 for the true one.
 */
static size_t
ref_wkc_len(const uint8_t srvkey[128], const uint8_t kc[256],
    const uint8_t *meta, size_t mlen, uint16_t lenf, uint8_t *out)
{
	uint8_t in[2 + 256 + 2048];
	size_t total = 32 + 256 + mlen + 2, got;
	size_t field = lenf ? lenf : total;
	EVP_CIPHER_CTX *c;
	int outl;

	ck_assert_uint_le(mlen, 2048);
	in[0] = (uint8_t)(field >> 8);
	in[1] = (uint8_t)field;
	memcpy(in + 2, kc, 256);
	if (mlen > 0)
		memcpy(in + 2 + 256, meta, mlen);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    srvkey + 64, 32, in, 2 + 256 + mlen, out, 32, &got));
	ck_assert_uint_eq(got, 32);
	ck_assert_ptr_nonnull(c = EVP_CIPHER_CTX_new());
	ck_assert(EVP_EncryptInit_ex2(c, EVP_aes_256_ctr(), srvkey, out,
	    NULL));
	ck_assert(EVP_EncryptUpdate(c, out + 32, &outl, in + 2,
	    (int)(256 + mlen)));
	ck_assert_uint_eq((size_t)outl, 256 + mlen);
	EVP_CIPHER_CTX_free(c);
	out[total - 2] = in[0];
	out[total - 1] = in[1];
	return total;
}

static size_t
ref_wkc(const uint8_t srvkey[128], const uint8_t kc[256],
    const uint8_t *meta, size_t mlen, uint8_t *out)
{
	return ref_wkc_len(srvkey, kc, meta, mlen, 0, out);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

START_TEST(test_key_files)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], exp[64], bad[TLSCRYPTV2_SRVKEY_LEN];
	struct tlscryptv2_client_key ck, ck2;
	char out[4096], err[256], *text, *junk;
	size_t len;
	int n;

	/* Server key: 128 bytes, Ke = [0..31], Ka = [64..95]. */
	load_srvkey(key);
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, NULL, "server Ke", exp,
	    sizeof(exp), NULL), 32);
	ck_assert_mem_eq(key, exp, 32);
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, NULL, "server Ka", exp,
	    sizeof(exp), NULL), 32);
	ck_assert_mem_eq(key + 64, exp, 32);
	text = vec_read(V2_SRVKEY, &len);
	n = tlscryptv2_server_key_format(key, out, sizeof(out));
	ck_assert_int_eq(n, (int)len);
	ck_assert_str_eq(out, text);	/* what openvpn --genkey wrote */
	ck_assert_int_eq(tlscryptv2_server_key_format(key, out, len), -1);
	/* Text before the block is ignored, as by openvpn. */
	ck_assert_ptr_nonnull(junk = malloc(len + 32));
	n = snprintf(junk, len + 32, "# comment\n\n%s", text);
	ck_assert_int_eq(tlscryptv2_server_key_parse(junk, (size_t)n, bad,
	    err, sizeof(err)), 0);
	ck_assert_mem_eq(bad, key, sizeof(key));
	free(junk);
	free(text);

	/* Client key: Kc || WKc (299 bytes, length field 012b). */
	load_clikey(&ck);
	ck_assert_uint_eq(ck.wkc_len, 299);
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, NULL, "WKc length field",
	    exp, sizeof(exp), NULL), 2);
	ck_assert_mem_eq(ck.wkc + 297, exp, 2);
	text = vec_read(V2_CLIKEY, &len);
	n = tlscryptv2_client_key_format(&ck, out, sizeof(out));
	ck_assert_int_eq(n, (int)len);
	ck_assert_str_eq(out, text);
	/* The wrong kind of file, or none. */
	err[0] = '\0';
	ck_assert_int_eq(tlscryptv2_server_key_parse(text, len, bad, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "expected"));
	free(text);
	text = vec_read(V2_SRVKEY, &len);
	ck_assert_int_eq(tlscryptv2_client_key_parse(text, len, &ck2, err,
	    sizeof(err)), -1);
	/* A server key with its last base64 line dropped: too short. */
	{
		char *last = strstr(text, "+mRm");

		ck_assert_ptr_nonnull(last);
		memmove(last, strchr(last, '\n') + 1,
		    strlen(strchr(last, '\n') + 1) + 1);
		err[0] = '\0';
		ck_assert_int_eq(tlscryptv2_server_key_parse(text,
		    strlen(text), bad, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "required"));
	}
	free(text);
	ck_assert_int_eq(tlscryptv2_server_key_parse("nothing", 7, bad, err,
	    sizeof(err)), -1);
	/* A client key whose WKc length field does not match. */
	ck2 = ck;
	ck2.wkc[298] ^= 1;
	n = tlscryptv2_client_key_format(&ck2, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tlscryptv2_client_key_parse(out, (size_t)n, &ck2,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "length field"));
}
END_TEST

START_TEST(test_unwrap_wkc_vector)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], meta[16], wkc[TLSCRYPTV2_WKC_MAX];
	struct tlscryptv2_client_key cf;
	struct tlscryptv2_server *srv;
	struct tlscryptv2_ckey ck;
	struct wbuf w;

	load_srvkey(key);
	load_clikey(&cf);
	srv = srv_new(key);
	memset(&ck, 0, sizeof(ck));
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, cf.wkc, cf.wkc_len, &ck),
	    0);
	ck_assert_mem_eq(ck.kc, cf.kc, 256);
	/* metadata = 01 000000006b078899: TIMESTAMP */
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, NULL, "metadata = ", meta,
	    sizeof(meta), NULL), 9);
	ck_assert_int_eq(ck.meta_type, meta[0]);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_TIMESTAMP);
	ck_assert_uint_eq(ck.meta_len, 8);
	ck_assert_mem_eq(ck.meta, meta + 1, 8);
	ck_assert(ck.has_time);
	ck_assert_uint_eq(ck.time, 0x6b078899ull);
	/* SIV is deterministic: wrapping Kc and the metadata again gives
	 * the captured WKc, and so does the reference construction. */
	wbuf_init(&w, wkc, sizeof(wkc));
	ck_assert_int_eq(tlscryptv2_wrap_wkc(srv, cf.kc, meta[0], meta + 1, 8,
	    &w), 0);
	ck_assert_uint_eq(w.len, 299);
	ck_assert_mem_eq(wkc, cf.wkc, 299);
	ck_assert_uint_eq(ref_wkc(key, cf.kc, meta, 9, wkc), 299);
	ck_assert_mem_eq(wkc, cf.wkc, 299);
	tlscryptv2_server_free(srv);
}
END_TEST

START_TEST(test_wkc_corrupt)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], wkc[2048], meta[1024];
	struct tlscryptv2_client_key cf;
	struct tlscryptv2_server *srv;
	struct tlscryptv2_ckey ck;
	size_t i, n;
	struct wbuf w;

	load_srvkey(key);
	load_clikey(&cf);
	srv = srv_new(key);
	/* Any flipped bit: tag, ciphertext, length field. */
	for (i = 0; i < cf.wkc_len * 8; i++) {
		cf.wkc[i / 8] ^= (uint8_t)(1u << (i % 8));
		memset(ck.kc, 0x55, sizeof(ck.kc));
		ck_assert_msg(tlscryptv2_unwrap_wkc(srv, cf.wkc, cf.wkc_len,
		    &ck) == -1, "bit %zu flipped but accepted", i);
		ck_assert(memcmp(ck.kc, cf.kc, 256) != 0);
		cf.wkc[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* A failed tag check leaves no key behind. */
	cf.wkc[40] ^= 1;
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, cf.wkc, cf.wkc_len, &ck),
	    -1);
	ck_assert(all_zero(ck.kc, sizeof(ck.kc)));
	cf.wkc[40] ^= 1;
	/* Truncated or extended. */
	for (i = 0; i < cf.wkc_len; i++)
		ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, cf.wkc, i, &ck),
		    -1);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, cf.wkc, cf.wkc_len, &ck),
	    0);
	/* Length rules on otherwise valid WKcs (correct tag). */
	memset(meta, 0xa5, sizeof(meta));
	meta[0] = TLSCRYPTV2_META_USER;
	n = ref_wkc(key, cf.kc, meta, TLSCRYPTV2_META_MAX, wkc);
	ck_assert_uint_eq(n, 1024);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), 0);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_USER);
	ck_assert_uint_eq(ck.meta_len, 733);
	ck_assert(!ck.has_time);
	n = ref_wkc(key, cf.kc, meta, TLSCRYPTV2_META_MAX + 1, wkc);
	ck_assert_uint_eq(n, 1025);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), -1);
	n = ref_wkc(key, cf.kc, meta, 9, wkc);	/* USER, 8 bytes: no time */
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), 0);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_USER);
	ck_assert_uint_eq(ck.meta_len, 8);
	ck_assert(!ck.has_time);
	n = ref_wkc(key, cf.kc, NULL, 0, wkc);		/* no metadata */
	ck_assert_uint_eq(n, TLSCRYPTV2_WKC_MIN);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), 0);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_NONE);
	ck_assert_uint_eq(ck.meta_len, 0);
	/* Our wrapper keeps to the limit. */
	wbuf_init(&w, wkc, sizeof(wkc));
	ck_assert_int_eq(tlscryptv2_wrap_wkc(srv, cf.kc, 0, meta + 1, 733,
	    &w), 0);
	ck_assert_uint_eq(w.len, 1024);
	wbuf_init(&w, wkc, sizeof(wkc));
	ck_assert_int_eq(tlscryptv2_wrap_wkc(srv, cf.kc, 0, meta + 1, 734,
	    &w), -1);
	wbuf_init(&w, wkc, 298);
	ck_assert_int_eq(tlscryptv2_wrap_wkc(srv, cf.kc, 1, meta, 8, &w), -1);
	/* The length field must equal the WKc size, even when the tag
	 * covers the wrong value. */
	n = ref_wkc_len(key, cf.kc, meta, 9, 298, wkc);
	ck_assert_uint_eq(n, 299);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), -1);
	n = ref_wkc_len(key, cf.kc, meta, 9, 299, wkc);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, n, &ck), 0);
	memcpy(wkc, cf.wkc, cf.wkc_len);
	wkc[297] = 0x01;
	wkc[298] = 0x2a;
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, cf.wkc_len, &ck), -1);
	wkc[298] = 0x2c;
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, wkc, cf.wkc_len, &ck), -1);
	tlscryptv2_server_free(srv);
}
END_TEST

/* Unwraps frame rel (S->C) with a client-role Kc instance. */
static size_t
s2c_unwrap(struct tlscrypt *cli, const char *rel, uint8_t *pkt,
    struct ctl_hdr *h, uint8_t *out)
{
	const uint8_t *body;
	size_t len, blen;

	len = vec_hex_file(rel, pkt, TT_MAXPKT);
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, h, out, TT_MAXPKT,
	    &body, &blen), 0);
	ck_assert_uint_eq(blen, len - TLSCRYPT_MIN_PKT);
	return blen;
}

/* Plaintext of a frame in expected.txt matches body (prefix if "..."). */
static void
check_plain(const char *section, const uint8_t *body, size_t blen)
{
	uint8_t exp[TT_MAXPKT];
	bool trunc;
	size_t n;

	n = tt_exp_hex(V2_EXPECTED, section, "; plaintext:", exp, sizeof(exp),
	    &trunc);
	ck_assert_msg(trunc ? n < blen : n == blen, "%s: %zu bytes, "
	    "expected %zu", section, blen, n);
	ck_assert_mem_eq(body, exp, n);
}

START_TEST(test_packets)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], pkt[TT_MAXPKT], out[TT_MAXPKT];
	uint8_t body[TT_MAXPKT], wire[TT_MAXPKT], pid[8];
	struct tlscryptv2_client_key cf;
	struct tlscryptv2_server *srv;
	struct tlscrypt *scratch, *cli;
	struct tlscryptv2_ckey ck;
	struct ctl_hdr h, h1;
	const uint8_t *b, *wkc;
	size_t len, blen, inner, nwkc;
	struct pkt_ack ack;
	uint16_t flags;
	struct wbuf w;

	load_srvkey(key);
	load_clikey(&cf);
	srv = srv_new(key);
	memset(body, 0, sizeof(body));
	scratch = kc_new(body, TLSCRYPT_SERVER);	/* dummy key */
	cli = kc_new(cf.kc, TLSCRYPT_CLIENT);

	/* 1: HARD_RESET_CLIENT_V3 = tls-crypt(Kc) 54 bytes || WKc 299. */
	len = vec_hex_file(V2_F1, pkt, sizeof(pkt));
	ck_assert_uint_eq(len, 353);
	ck_assert_int_eq(tlscryptv2_split(pkt, len, &inner, &wkc, &nwkc), 0);
	ck_assert_uint_eq(inner, 54);
	ck_assert_uint_eq(nwkc, 299);
	ck_assert_mem_eq(wkc, cf.wkc, 299);
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, sizeof(out), &b, &blen), 0);
	ck_assert_mem_eq(ck.kc, cf.kc, 256);
	ck_assert_uint_eq(ck.time, 0x6b078899ull);
	ck_assert_uint_eq(h.op, P_CONTROL_HARD_RESET_CLIENT_V3);
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, "=== frame 1 ",
	    "replay packet-id", pid, 4, NULL), 4);
	ck_assert_uint_eq(h.pid, be32_get(pid));
	ck_assert_uint_eq(h.pid, 0x0f000001);
	ck_assert_uint_eq(tt_exp_hex(V2_EXPECTED, "=== frame 1 ", " time ",
	    pid, 4, NULL), 4);
	ck_assert_uint_eq(h.ptime, be32_get(pid));
	ck_assert(tlscryptv2_early_neg(h.pid));
	check_plain("=== frame 1 ", b, blen);
	h1 = h;
	/* The client side reproduces it byte for byte. */
	wbuf_init(&w, wire, sizeof(wire));
	ck_assert_int_eq(tlscryptv2_client_wrap(cli, &w, &h, b, blen, cf.wkc,
	    cf.wkc_len), 0);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(wire, pkt, len);

	/* 2: the stateless reply, wrapped with Kc (scratch now holds it):
	 * ACK [0] + client sid, msg-pid 0, TLV 0001 0002 0001. */
	memset(&ack, 0, sizeof(ack));
	ack.n = 1;
	memcpy(ack.rsid, h1.sid, PKT_SID_LEN);
	wbuf_init(&w, body, sizeof(body));
	ck_assert_int_eq(pkt_body_write(&w, P_CONTROL_HARD_RESET_SERVER_V2,
	    &ack, 0, NULL, 0), 0);
	ck_assert_int_eq(tlscryptv2_earlyneg_write(&w,
	    TLSCRYPTV2_FLAG_RESEND_WKC), 0);
	ck_assert_mem_eq(body + w.len - 6, "\x00\x01\x00\x02\x00\x01", 6);
	check_plain("=== frame 2 ", body, w.len);
	blen = s2c_unwrap(cli, V2_F2, pkt, &h, out);
	ck_assert_uint_eq(blen, w.len);
	ck_assert_mem_eq(out, body, blen);
	ck_assert_uint_eq(h.op, P_CONTROL_HARD_RESET_SERVER_V2);
	ck_assert_uint_eq(h.pid, 1);
	ck_assert_int_eq(tlscryptv2_earlyneg_parse(out + 17, blen - 17,
	    &flags), 0);
	ck_assert_uint_eq(flags, TLSCRYPTV2_FLAG_RESEND_WKC);
	wbuf_init(&w, wire, sizeof(wire));
	ck_assert_int_eq(tlscrypt_wrap(scratch, &w, &h, body, blen), 0);
	ck_assert_uint_eq(w.len, 72);
	ck_assert_mem_eq(wire, pkt, 72);

	/* 3: P_CONTROL_WKC_V1, ClientHello + WKc, replay id 0x0f000002. */
	len = vec_hex_file(V2_F3, pkt, sizeof(pkt));
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, sizeof(out), &b, &blen), 0);
	ck_assert_mem_eq(ck.kc, cf.kc, 256);
	ck_assert_uint_eq(h.op, P_CONTROL_WKC_V1);
	ck_assert_uint_eq(h.pid, 0x0f000002);
	ck_assert_uint_eq(blen, len - 299 - TLSCRYPT_MIN_PKT);
	check_plain("=== frame 3 ", b, blen);
	wbuf_init(&w, wire, sizeof(wire));
	ck_assert_int_eq(tlscryptv2_client_wrap(cli, &w, &h, b, blen, cf.wkc,
	    cf.wkc_len), 0);
	ck_assert_mem_eq(wire, pkt, len);

	/* 4: plain tls-crypt with Kc from now on; server replay id 2. */
	blen = s2c_unwrap(cli, V2_F4, pkt, &h, out);
	ck_assert_uint_eq(h.op, P_CONTROL_V1);
	ck_assert_uint_eq(h.pid, 2);
	check_plain("=== frame 4 ", out, blen);
	wbuf_init(&w, wire, sizeof(wire));
	ck_assert_int_eq(tlscrypt_wrap(scratch, &w, &h, out, blen), 0);
	ck_assert_uint_eq(w.len, 1206);
	ck_assert_mem_eq(wire, pkt, 1206);

	tlscrypt_free(scratch);
	tlscrypt_free(cli);
	tlscryptv2_server_free(srv);
}
END_TEST

START_TEST(test_packets_corrupt)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], pkt[TT_MAXPKT], out[TT_MAXPKT];
	uint8_t body[TT_MAXPKT], wire[TT_MAXPKT];
	struct tlscryptv2_server *srv;
	struct tlscrypt *scratch, *cli;
	struct tlscryptv2_ckey ck;
	const uint8_t *b, *wkc;
	size_t len, blen, i, inner, nwkc;
	struct ctl_hdr h;
	struct wbuf w;

	load_srvkey(key);
	srv = srv_new(key);
	memset(out, 0, 256);
	scratch = kc_new(out, TLSCRYPT_SERVER);
	len = vec_hex_file(V2_F1, pkt, sizeof(pkt));
	for (i = 0; i < len * 8; i++) {
		pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_msg(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck,
		    &h, out, sizeof(out), &b, &blen) == -1,
		    "bit %zu flipped but accepted", i);
		pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < len; i++)
		ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, i, &ck,
		    &h, out, sizeof(out), &b, &blen), -1);
	/* Inner body one byte larger than out. */
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, 4, &b, &blen), -1);
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, 5, &b, &blen), 0);
	/* Not opcode 10/11: refused before any crypto, even if authentic. */
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, sizeof(out), &b, &blen), 0);
	memcpy(body, b, blen);
	cli = kc_new(ck.kc, TLSCRYPT_CLIENT);
	h.op = P_CONTROL_HARD_RESET_CLIENT_V2;
	wbuf_init(&w, wire, sizeof(wire));
	ck_assert_int_eq(tlscryptv2_client_wrap(cli, &w, &h, body, blen,
	    pkt + 54, 299), 0);
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, wire, w.len, &ck, &h,
	    out, sizeof(out), &b, &blen), -1);
	wire[0] = pkt_op_byte(P_CONTROL_HARD_RESET_CLIENT_V3, 0);
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, wire, w.len, &ck, &h,
	    out, sizeof(out), &b, &blen), -1);	/* tag covers the op */
	tlscrypt_free(cli);
	/* Split: length field beyond the packet or below a minimal WKc. */
	pkt[len - 2] = 0x01;
	pkt[len - 1] = 0x31;		/* 305 > 353 - 49 */
	ck_assert_int_eq(tlscryptv2_split(pkt, len, &inner, &wkc, &nwkc), -1);
	pkt[len - 1] = 0x30;		/* 304 = 353 - 49: splits, tag fails */
	ck_assert_int_eq(tlscryptv2_split(pkt, len, &inner, &wkc, &nwkc), 0);
	ck_assert_uint_eq(inner, 49);
	ck_assert_int_eq(tlscryptv2_unwrap(srv, scratch, pkt, len, &ck, &h,
	    out, sizeof(out), &b, &blen), -1);
	pkt[len - 2] = 0x01;
	pkt[len - 1] = 0x21;		/* 289 < 290 */
	ck_assert_int_eq(tlscryptv2_split(pkt, len, &inner, &wkc, &nwkc), -1);
	tlscrypt_free(scratch);
	tlscryptv2_server_free(srv);
}
END_TEST

START_TEST(test_keygen)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN], cap_key[TLSCRYPTV2_SRVKEY_LEN];
	uint8_t user[800];
	struct tlscryptv2_client_key c1, c2;
	struct tlscryptv2_server *srv, *capsrv;
	struct tlscryptv2_ckey ck;
	char out[4096], err[256], *ref, *p, *nl;
	size_t reflen;
	int n, lines;

	/* Server key: same size and layout as the captured file. */
	n = tlscryptv2_server_key_gen(out, sizeof(out), err, sizeof(err));
	ck_assert_msg(n > 0, "%s", err);
	ref = vec_read(V2_SRVKEY, &reflen);
	ck_assert_int_eq(n, (int)reflen);
	ck_assert_int_eq(strncmp(out, ref, strchr(ref, '\n') - ref + 1), 0);
	ck_assert_str_eq(out + n - 44, ref + reflen - 44);	/* footer */
	for (p = out, lines = 0; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (lines++ > 0 && *p != '-')
			ck_assert_int_le(nl - p, 64);
	ck_assert_int_eq(lines, 5);
	free(ref);
	ck_assert_int_eq(tlscryptv2_server_key_parse(out, (size_t)n, key, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tlscryptv2_server_key_gen(out, 100, err,
	    sizeof(err)), -1);
	srv = srv_new(key);

	/* Client key with TIMESTAMP: same size as the captured one. */
	n = tlscryptv2_client_key_gen(srv, NULL, 0, 0x6b078899ull, out,
	    sizeof(out), err, sizeof(err));
	ck_assert_msg(n > 0, "%s", err);
	ref = vec_read(V2_CLIKEY, &reflen);
	ck_assert_int_eq(n, (int)reflen);
	ck_assert_int_eq(strncmp(out, ref, strchr(ref, '\n') - ref + 1), 0);
	free(ref);
	ck_assert_int_eq(tlscryptv2_client_key_parse(out, (size_t)n, &c1, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c1.wkc_len, 299);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, c1.wkc, c1.wkc_len, &ck),
	    0);
	ck_assert_mem_eq(ck.kc, c1.kc, 256);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_TIMESTAMP);
	ck_assert(ck.has_time);
	ck_assert_uint_eq(ck.time, 0x6b078899ull);
	/* It does not unwrap with another server key. */
	load_srvkey(cap_key);
	capsrv = srv_new(cap_key);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(capsrv, c1.wkc, c1.wkc_len,
	    &ck), -1);
	tlscryptv2_server_free(capsrv);

	/* USER metadata, up to the limit; fresh Kc every time. */
	n = tlscryptv2_client_key_gen(srv, (const uint8_t *)"hello", 5, 0,
	    out, sizeof(out), err, sizeof(err));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tlscryptv2_client_key_parse(out, (size_t)n, &c2, err,
	    sizeof(err)), 0);
	ck_assert(memcmp(c1.kc, c2.kc, 256) != 0);
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(srv, c2.wkc, c2.wkc_len, &ck),
	    0);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_USER);
	ck_assert_uint_eq(ck.meta_len, 5);
	ck_assert_mem_eq(ck.meta, "hello", 5);
	ck_assert(!ck.has_time);
	memset(user, 'u', sizeof(user));
	n = tlscryptv2_client_key_gen(srv, user, 733, 0, out, sizeof(out),
	    err, sizeof(err));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tlscryptv2_client_key_parse(out, (size_t)n, &c2, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c2.wkc_len, 1024);
	ck_assert_int_eq(tlscryptv2_client_key_gen(srv, user, 734, 0, out,
	    sizeof(out), err, sizeof(err)), -1);
	ck_assert_int_eq(tlscryptv2_client_key_gen(srv, NULL, 0, 0, out, 200,
	    err, sizeof(err)), -1);
	tlscryptv2_server_free(srv);
}
END_TEST

START_TEST(test_early_neg)
{
	static const struct {
		const char	*hex;
		int		 ret;
		uint16_t	 flags;
	} tlv[] = {
		{ "", 0, 0 },
		{ "000100020001", 0, 1 },
		{ "00050001aa000100020001", 0, 1 },	/* unknown skipped */
		{ "0007000000010002000200010002000000", -1, 0 },
		{ "00070000000100020002000100020001", 0, 3 },
		{ "00070000", 0, 0 },
		{ "0001", -1, 0 },			/* short header */
		{ "00010002", -1, 0 },			/* missing value */
		{ "0001000200", -1, 0 },		/* short value */
		{ "000100030000ff", -1, 0 },		/* flags not 2 bytes */
		{ "00010004000100000000", -1, 0 },	/* ditto, 4 bytes */
		{ "00050005aabb", -1, 0 },		/* unknown, short */
		{ "00010002000100", -1, 0 },		/* trailing byte */
	};
	uint8_t buf[64];
	uint16_t flags;
	struct wbuf w;
	size_t i, n;

	/* The 2.6 server's rule: the 0x0F bits of the top byte. */
	ck_assert(tlscryptv2_early_neg(0x0f000001));
	ck_assert(tlscryptv2_early_neg(0x0f000002));
	ck_assert(tlscryptv2_early_neg(0x1f000001));	/* openvpn3: no */
	ck_assert(tlscryptv2_early_neg(0xff000000));
	ck_assert(!tlscryptv2_early_neg(0x00000001));
	ck_assert(!tlscryptv2_early_neg(0x0e000001));
	ck_assert(!tlscryptv2_early_neg(0x00ffffff));

	wbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(tlscryptv2_earlyneg_write(&w,
	    TLSCRYPTV2_FLAG_RESEND_WKC), 0);
	ck_assert_uint_eq(w.len, TLSCRYPTV2_EARLY_NEG_TLV_LEN);
	ck_assert_mem_eq(buf, "\x00\x01\x00\x02\x00\x01", 6);
	wbuf_init(&w, buf, 5);
	ck_assert_int_eq(tlscryptv2_earlyneg_write(&w, 1), -1);

	for (i = 0; i < sizeof(tlv) / sizeof(tlv[0]); i++) {
		n = vec_hex(tlv[i].hex, buf, sizeof(buf));
		flags = 0xeeee;
		ck_assert_msg(tlscryptv2_earlyneg_parse(buf, n, &flags) ==
		    tlv[i].ret, "TLV %s", tlv[i].hex);
		if (tlv[i].ret == 0)
			ck_assert_uint_eq(flags, tlv[i].flags);
	}
}
END_TEST

TCase *
tt_tcase_tlscryptv2(void)
{
	TCase *tc = tcase_create("tlscryptv2");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_key_files);
	tcase_add_test(tc, test_unwrap_wkc_vector);
	tcase_add_test(tc, test_wkc_corrupt);
	tcase_add_test(tc, test_packets);
	tcase_add_test(tc, test_packets_corrupt);
	tcase_add_test(tc, test_keygen);
	tcase_add_test(tc, test_early_neg);
	return tc;
}
