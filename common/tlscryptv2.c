/*
 * tls-crypt-v2 (spec §3.2): wrapped client keys, V3 / WKC_V1 packets,
 * early negotiation (§5.4).  The key files are in tlscryptv2_key.c.
 *
 * The WKc is SIV-like, as tls-crypt: T authenticates the cleartext and is
 * the CTR IV, so unwrapping decrypts first and authenticates second.  The
 * server-key contexts are keyed once; per WKc only the IV is set and the
 * MAC re-initialised, so a forged V3 packet costs its length tests, one
 * AES-CTR pass over at most 990 bytes and one HMAC, and allocates nothing.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "pkt.h"
#include "tlscryptv2.h"

#define V2_KE_OFF	0	/* server key: cipher[0..31] */
#define V2_KA_OFF	64	/* server key: hmac[0..31] */
#define V2_KA_LEN	32
#define V2_LENF		2	/* trailing length field */

struct tlscryptv2_server {
	EVP_CIPHER_CTX	*ctr;	/* Ke; CTR runs the same both ways */
	EVP_MAC_CTX	*mac;	/* Ka */
};

struct tlscryptv2_server *
tlscryptv2_server_new(const uint8_t key[TLSCRYPTV2_SRVKEY_LEN], char *err,
    size_t errlen)
{
	struct tlscryptv2_server *srv = NULL;
	EVP_CIPHER *cipher = NULL;
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[2];

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "tls-crypt-v2: out of memory");
		goto fail;
	}
	if ((cipher = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL)) == NULL ||
	    (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
		snprintf(err, errlen, "tls-crypt-v2: AES-256-CTR or HMAC not "
		    "available");
		goto fail;
	}
	if ((srv->ctr = EVP_CIPHER_CTX_new()) == NULL ||
	    (srv->mac = EVP_MAC_CTX_new(mac)) == NULL) {
		snprintf(err, errlen, "tls-crypt-v2: out of memory");
		goto fail;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_CipherInit_ex2(srv->ctr, cipher, key + V2_KE_OFF, NULL, 1,
	    NULL) ||
	    !EVP_MAC_init(srv->mac, key + V2_KA_OFF, V2_KA_LEN, params)) {
		snprintf(err, errlen, "tls-crypt-v2: cannot key the server "
		    "key");
		goto fail;
	}
	EVP_CIPHER_free(cipher);
	EVP_MAC_free(mac);
	return srv;
fail:
	ERR_clear_error();
	EVP_CIPHER_free(cipher);
	EVP_MAC_free(mac);
	tlscryptv2_server_free(srv);
	return NULL;
}

void
tlscryptv2_server_free(struct tlscryptv2_server *srv)
{
	if (srv == NULL)
		return;
	EVP_CIPHER_CTX_free(srv->ctr);
	EVP_MAC_CTX_free(srv->mac);
	free(srv);
}

/* One CTR step continuing the keystream; 0 or -1. */
static int
v2_ctr(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t n)
{
	int outl;

	if (n == 0)
		return 0;
	if (n > INT_MAX || !EVP_CipherUpdate(ctx, out, &outl, in, (int)n) ||
	    (size_t)outl != n)
		return -1;
	return 0;
}

/*
 * T = HMAC-SHA256(Ka, lenf || kc || type || data); has_type false for a
 * WKc without metadata.  0 or -1.
 */
static int
v2_tag(EVP_MAC_CTX *ctx, const uint8_t lenf[V2_LENF], const uint8_t *kc,
    bool has_type, uint8_t type, const uint8_t *data, size_t data_len,
    uint8_t tag[TLSCRYPT_TAG_LEN])
{
	size_t got;

	if (!EVP_MAC_init(ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(ctx, lenf, V2_LENF) ||
	    !EVP_MAC_update(ctx, kc, TLSCRYPT_KEY_LEN) ||
	    (has_type && !EVP_MAC_update(ctx, &type, 1)) ||
	    (data_len > 0 && !EVP_MAC_update(ctx, data, data_len)) ||
	    !EVP_MAC_final(ctx, tag, &got, TLSCRYPT_TAG_LEN) ||
	    got != TLSCRYPT_TAG_LEN)
		return -1;
	return 0;
}

int
tlscryptv2_unwrap_wkc(struct tlscryptv2_server *srv, const uint8_t *wkc,
    size_t len, struct tlscryptv2_ckey *out)
{
	uint8_t check[TLSCRYPT_TAG_LEN], type = 0;
	const uint8_t *tag, *ckc, *ctype = NULL, *cdata = NULL, *lenf;
	struct rbuf r;
	size_t ndata = 0, i;
	bool has_type;

	/* Lengths first, from the cleartext trailer: no crypto for a runt,
	 * an oversized WKc or a length field that does not match. */
	if (len < TLSCRYPTV2_WKC_MIN || len > TLSCRYPTV2_WKC_MAX)
		return -1;
	has_type = len > TLSCRYPTV2_WKC_MIN;
	if (has_type)
		ndata = len - TLSCRYPTV2_WKC_MIN - 1;
	rbuf_init(&r, wkc, len);
	tag = rbuf_bytes(&r, TLSCRYPT_TAG_LEN);
	ckc = rbuf_bytes(&r, TLSCRYPT_KEY_LEN);
	if (has_type) {
		ctype = rbuf_bytes(&r, 1);
		cdata = rbuf_bytes(&r, ndata);
	}
	lenf = rbuf_bytes(&r, V2_LENF);
	if (r.err || ((size_t)lenf[0] << 8 | lenf[1]) != len)
		return -1;
	if (!EVP_CipherInit_ex2(srv->ctr, NULL, NULL, tag, -1, NULL) ||
	    v2_ctr(srv->ctr, out->kc, ckc, TLSCRYPT_KEY_LEN) == -1 ||
	    v2_ctr(srv->ctr, &type, ctype, has_type ? 1 : 0) == -1 ||
	    v2_ctr(srv->ctr, out->meta, cdata, ndata) == -1 ||
	    v2_tag(srv->mac, lenf, out->kc, has_type, type, out->meta, ndata,
	    check) == -1) {
		ERR_clear_error();
		goto fail;
	}
	if (CRYPTO_memcmp(check, tag, TLSCRYPT_TAG_LEN) != 0)
		goto fail;
	out->meta_type = has_type ? type : TLSCRYPTV2_META_NONE;
	out->meta_len = ndata;
	out->has_time = out->meta_type == TLSCRYPTV2_META_TIMESTAMP &&
	    ndata == 8;
	out->time = 0;
	if (out->has_time)
		for (i = 0; i < 8; i++)
			out->time = out->time << 8 | out->meta[i];
	return 0;
fail:
	OPENSSL_cleanse(out->kc, sizeof(out->kc));
	return -1;
}

int
tlscryptv2_wrap_wkc(struct tlscryptv2_server *srv,
    const uint8_t kc[TLSCRYPT_KEY_LEN], uint8_t meta_type,
    const uint8_t *data, size_t data_len, struct wbuf *out)
{
	uint8_t *tag, *ckc, *cmeta, *lenf;
	size_t total;

	if (data_len > TLSCRYPTV2_META_MAX - 1)
		return -1;
	total = TLSCRYPTV2_WKC_MIN + 1 + data_len;
	tag = wbuf_reserve(out, TLSCRYPT_TAG_LEN);
	ckc = wbuf_reserve(out, TLSCRYPT_KEY_LEN);
	cmeta = wbuf_reserve(out, 1 + data_len);
	lenf = wbuf_reserve(out, V2_LENF);
	if (out->err)
		return -1;
	lenf[0] = (uint8_t)(total >> 8);
	lenf[1] = (uint8_t)total;
	if (v2_tag(srv->mac, lenf, kc, true, meta_type, data, data_len,
	    tag) == -1 ||
	    !EVP_CipherInit_ex2(srv->ctr, NULL, NULL, tag, -1, NULL) ||
	    v2_ctr(srv->ctr, ckc, kc, TLSCRYPT_KEY_LEN) == -1 ||
	    v2_ctr(srv->ctr, cmeta, &meta_type, 1) == -1 ||
	    v2_ctr(srv->ctr, cmeta + 1, data, data_len) == -1) {
		ERR_clear_error();
		out->err = true;
		return -1;
	}
	return 0;
}

int
tlscryptv2_split(const uint8_t *pkt, size_t len, size_t *inner_len,
    const uint8_t **wkc, size_t *wkc_len)
{
	struct rbuf r;
	size_t n;

	if (len < TLSCRYPT_MIN_PKT + TLSCRYPTV2_WKC_MIN)
		return -1;
	rbuf_init(&r, pkt, len);
	rbuf_skip(&r, len - V2_LENF);
	n = rbuf_u16(&r);
	if (r.err || n < TLSCRYPTV2_WKC_MIN || n > TLSCRYPTV2_WKC_MAX ||
	    n > len - TLSCRYPT_MIN_PKT)
		return -1;
	rbuf_init(&r, pkt, len);
	rbuf_skip(&r, len - n);
	*wkc = rbuf_bytes(&r, n);
	if (r.err)
		return -1;
	*inner_len = len - n;
	*wkc_len = n;
	return 0;
}

int
tlscryptv2_unwrap(struct tlscryptv2_server *srv, struct tlscrypt *kcctx,
    const uint8_t *pkt, size_t len, struct tlscryptv2_ckey *ck,
    struct ctl_hdr *h, uint8_t *out, size_t outcap,
    const uint8_t **body, size_t *body_len)
{
	const uint8_t *wkc;
	size_t inner, nwkc;
	uint8_t op;

	/* Everything that needs no key first: opcode, all lengths. */
	if (len < 1)
		return -1;
	op = pkt_op(pkt[0]);
	if (op != P_CONTROL_HARD_RESET_CLIENT_V3 && op != P_CONTROL_WKC_V1)
		return -1;
	if (tlscryptv2_split(pkt, len, &inner, &wkc, &nwkc) == -1 ||
	    inner - TLSCRYPT_MIN_PKT > outcap)
		return -1;
	if (tlscryptv2_unwrap_wkc(srv, wkc, nwkc, ck) == -1)
		return -1;
	if (tlscrypt_rekey(kcctx, ck->kc) == -1 ||
	    tlscrypt_unwrap(kcctx, pkt, inner, h, out, outcap, body,
	    body_len) == -1) {
		OPENSSL_cleanse(ck->kc, sizeof(ck->kc));
		return -1;
	}
	return 0;
}

int
tlscryptv2_client_wrap(struct tlscrypt *kcctx, struct wbuf *out,
    const struct ctl_hdr *h, const uint8_t *body, size_t body_len,
    const uint8_t *wkc, size_t wkc_len)
{
	if (wkc_len < TLSCRYPTV2_WKC_MIN || wkc_len > TLSCRYPTV2_WKC_MAX)
		return -1;
	if (tlscrypt_wrap(kcctx, out, h, body, body_len) == -1 ||
	    !wbuf_bytes(out, wkc, wkc_len))
		return -1;
	return 0;
}

bool
tlscryptv2_early_neg(uint32_t first_pid)
{
	/* As OpenVPN 2.6's server: ((id & MASK) & START) == START. */
	return ((first_pid & TLSCRYPTV2_EARLY_NEG_MASK) &
	    TLSCRYPTV2_EARLY_NEG_START) == TLSCRYPTV2_EARLY_NEG_START;
}

int
tlscryptv2_earlyneg_write(struct wbuf *w, uint16_t flags)
{
	wbuf_u16(w, TLSCRYPTV2_TLV_EARLY_NEG_FLAGS);
	wbuf_u16(w, 2);
	wbuf_u16(w, flags);
	return w->err ? -1 : 0;
}

int
tlscryptv2_earlyneg_parse(const uint8_t *p, size_t len, uint16_t *flags)
{
	struct rbuf r;
	uint16_t type, vlen;

	*flags = 0;
	rbuf_init(&r, p, len);
	while (rbuf_left(&r) > 0) {
		if (rbuf_left(&r) < 4)
			return -1;
		type = rbuf_u16(&r);
		vlen = rbuf_u16(&r);
		if (rbuf_left(&r) < vlen)
			return -1;
		if (type == TLSCRYPTV2_TLV_EARLY_NEG_FLAGS) {
			if (vlen != 2)
				return -1;
			*flags |= rbuf_u16(&r);
		} else
			rbuf_skip(&r, vlen);	/* unknown types are skipped */
	}
	return r.err ? -1 : 0;
}
