/*
 * tls-crypt (spec §3.1).
 *
 * SIV-like: the tag over the cleartext is also the CTR IV, so a receiver
 * must decrypt before it can authenticate.  A forged packet therefore
 * costs a length test, one AES-CTR pass over its body and one HMAC; both
 * run on contexts keyed once in tlscrypt_new(): per packet the cipher only
 * gets a new IV (EVP_CipherInit_ex2 with a NULL key keeps the key schedule)
 * and the MAC is re-initialised with EVP_MAC_init(ctx, NULL, 0, NULL).
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

#include "tlscrypt.h"

#define TC_KE_LEN	32	/* AES-256 key */
#define TC_KA_LEN	32	/* HMAC-SHA256 key */

/* Key slices of the 256-byte key (spec §2.1): keys[i].cipher / .hmac. */
#define TC_CIPHER0	0
#define TC_HMAC0	64
#define TC_CIPHER1	128
#define TC_HMAC1	192

struct tlscrypt {
	enum tlscrypt_role	 role;
	EVP_CIPHER_CTX		*enc;	/* sending Ke */
	EVP_CIPHER_CTX		*dec;	/* receiving Ke */
	EVP_MAC_CTX		*smac;	/* sending Ka */
	EVP_MAC_CTX		*rmac;	/* receiving Ka */
};

/* Offsets of the keys this role sends and receives with. */
static void
tc_offsets(enum tlscrypt_role role, size_t *sc, size_t *sh, size_t *rc,
    size_t *rh)
{
	if (role == TLSCRYPT_SERVER) {
		*sc = TC_CIPHER0;
		*sh = TC_HMAC0;
		*rc = TC_CIPHER1;
		*rh = TC_HMAC1;
	} else {
		*sc = TC_CIPHER1;
		*sh = TC_HMAC1;
		*rc = TC_CIPHER0;
		*rh = TC_HMAC0;
	}
}

/*
 * Keys all four contexts.  With cipher/mac non-NULL they are set up from
 * scratch (first keying); with NULL only the keys change.  CTR encryption
 * and decryption are the same operation, so both cipher contexts run in
 * encrypt mode.
 */
static int
tc_key(struct tlscrypt *tc, const uint8_t key[TLSCRYPT_KEY_LEN],
    const EVP_CIPHER *cipher, int first)
{
	OSSL_PARAM params[2], *pp = NULL;
	size_t sc, sh, rc, rh;

	tc_offsets(tc->role, &sc, &sh, &rc, &rh);
	if (first) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		pp = params;
	}
	if (!EVP_CipherInit_ex2(tc->enc, first ? cipher : NULL, key + sc,
	    NULL, 1, NULL) ||
	    !EVP_CipherInit_ex2(tc->dec, first ? cipher : NULL, key + rc,
	    NULL, 1, NULL) ||
	    !EVP_MAC_init(tc->smac, key + sh, TC_KA_LEN, pp) ||
	    !EVP_MAC_init(tc->rmac, key + rh, TC_KA_LEN, pp)) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

struct tlscrypt *
tlscrypt_new(const uint8_t key[TLSCRYPT_KEY_LEN], enum tlscrypt_role role,
    char *err, size_t errlen)
{
	struct tlscrypt *tc = NULL;
	EVP_CIPHER *cipher = NULL;
	EVP_MAC *mac = NULL;

	if (role != TLSCRYPT_SERVER && role != TLSCRYPT_CLIENT) {
		snprintf(err, errlen, "tls-crypt: bad role %d", (int)role);
		goto fail;
	}
	if ((tc = calloc(1, sizeof(*tc))) == NULL) {
		snprintf(err, errlen, "tls-crypt: out of memory");
		goto fail;
	}
	tc->role = role;
	if ((cipher = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL)) == NULL ||
	    (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
		snprintf(err, errlen, "tls-crypt: AES-256-CTR or HMAC not "
		    "available");
		goto fail;
	}
	if ((tc->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (tc->dec = EVP_CIPHER_CTX_new()) == NULL ||
	    (tc->smac = EVP_MAC_CTX_new(mac)) == NULL ||
	    (tc->rmac = EVP_MAC_CTX_new(mac)) == NULL) {
		snprintf(err, errlen, "tls-crypt: out of memory");
		goto fail;
	}
	if (tc_key(tc, key, cipher, 1) == -1) {
		snprintf(err, errlen, "tls-crypt: cannot key AES-256-CTR / "
		    "HMAC-SHA256");
		goto fail;
	}
	EVP_CIPHER_free(cipher);	/* the contexts hold their own refs */
	EVP_MAC_free(mac);
	return tc;
fail:
	ERR_clear_error();
	EVP_CIPHER_free(cipher);
	EVP_MAC_free(mac);
	tlscrypt_free(tc);
	return NULL;
}

void
tlscrypt_free(struct tlscrypt *tc)
{
	if (tc == NULL)
		return;
	EVP_CIPHER_CTX_free(tc->enc);	/* these wipe their key material */
	EVP_CIPHER_CTX_free(tc->dec);
	EVP_MAC_CTX_free(tc->smac);
	EVP_MAC_CTX_free(tc->rmac);
	free(tc);
}

int
tlscrypt_rekey(struct tlscrypt *tc, const uint8_t key[TLSCRYPT_KEY_LEN])
{
	return tc_key(tc, key, NULL, 0);
}

size_t
tlscrypt_overhead(void)
{
	return TLSCRYPT_OVERHEAD;
}

/* tag = HMAC-SHA256(ctx's key, hdr || p).  0 or -1. */
static int
tc_tag(EVP_MAC_CTX *ctx, const uint8_t *hdr, const uint8_t *p, size_t n,
    uint8_t tag[TLSCRYPT_TAG_LEN])
{
	size_t got;

	if (!EVP_MAC_init(ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(ctx, hdr, TLSCRYPT_HDR_LEN) ||
	    (n > 0 && !EVP_MAC_update(ctx, p, n)) ||
	    !EVP_MAC_final(ctx, tag, &got, TLSCRYPT_TAG_LEN) ||
	    got != TLSCRYPT_TAG_LEN)
		return -1;
	return 0;
}

/* AES-256-CTR with IV = tag[0..15]; out may equal in.  0 or -1. */
static int
tc_ctr(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in, size_t n,
    uint8_t *out)
{
	int outl;

	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL))
		return -1;
	if (n == 0)
		return 0;
	if (!EVP_CipherUpdate(ctx, out, &outl, in, (int)n) ||
	    (size_t)outl != n)
		return -1;
	return 0;
}

int
tlscrypt_unwrap(struct tlscrypt *tc, const uint8_t *pkt, size_t len,
    struct ctl_hdr *h, uint8_t *out, size_t outcap,
    const uint8_t **body, size_t *body_len)
{
	uint8_t tag[TLSCRYPT_TAG_LEN];
	const uint8_t *hdr, *rtag, *ct;
	struct rbuf r;
	size_t nct;

	/* Length tests first: a runt or an oversized body costs no crypto. */
	if (len < TLSCRYPT_MIN_PKT || len - TLSCRYPT_MIN_PKT > outcap ||
	    len - TLSCRYPT_MIN_PKT > INT_MAX)
		return -1;
	rbuf_init(&r, pkt, len);
	hdr = rbuf_bytes(&r, TLSCRYPT_HDR_LEN);
	rtag = rbuf_bytes(&r, TLSCRYPT_TAG_LEN);
	if (r.err)
		return -1;
	ct = rbuf_rest(&r, &nct);
	if (tc_ctr(tc->dec, rtag, ct, nct, out) == -1 ||
	    tc_tag(tc->rmac, hdr, out, nct, tag) == -1) {
		ERR_clear_error();
		return -1;
	}
	if (CRYPTO_memcmp(tag, rtag, TLSCRYPT_TAG_LEN) != 0)
		return -1;
	h->op = pkt_op(hdr[0]);
	h->key_id = pkt_key_id(hdr[0]);
	memcpy(h->sid, hdr + 1, PKT_SID_LEN);
	h->pid = be32_get(hdr + 1 + PKT_SID_LEN);
	h->ptime = be32_get(hdr + 1 + PKT_SID_LEN + 4);
	*body = out;
	*body_len = nct;
	return 0;
}

int
tlscrypt_wrap(struct tlscrypt *tc, struct wbuf *out, const struct ctl_hdr *h,
    const uint8_t *body, size_t body_len)
{
	uint8_t *hdr, *tag, *dst;

	if (body_len > INT_MAX)
		return -1;
	hdr = wbuf_reserve(out, TLSCRYPT_HDR_LEN);
	tag = wbuf_reserve(out, TLSCRYPT_TAG_LEN);
	dst = wbuf_reserve(out, body_len);
	if (out->err)
		return -1;
	/* memmove first: the body may overlap the header or tag we write. */
	if (body_len > 0 && dst != body)
		memmove(dst, body, body_len);
	hdr[0] = pkt_op_byte(h->op, h->key_id);
	memcpy(hdr + 1, h->sid, PKT_SID_LEN);
	be32_put(hdr + 1 + PKT_SID_LEN, h->pid);
	be32_put(hdr + 1 + PKT_SID_LEN + 4, h->ptime);
	if (tc_tag(tc->smac, hdr, dst, body_len, tag) == -1 ||
	    tc_ctr(tc->enc, tag, dst, body_len, dst) == -1) {
		ERR_clear_error();
		out->err = true;
		return -1;
	}
	return 0;
}
