/*
 * tls-auth (spec §2.2, §2.3).
 *
 * Two HMAC contexts are keyed once in tlsauth_new(); per packet a context
 * is only re-initialised (EVP_MAC_init with a NULL key keeps the key), so
 * a forged packet costs a length test and one HMAC, and allocates nothing.
 * The HMAC input is the packet with the replay packet-id moved to the
 * front and the HMAC field left out; it is fed as three updates straight
 * from the packet rather than copied into swapped order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tlsauth.h"

#define TA_HDR_LEN	(1 + PKT_SID_LEN)	/* op|kid, session-id */
#define TA_PID_LEN	8			/* long-form replay packet-id */
#define TA_MAX_HMAC	64

/* Key halves of the 256-byte static key (spec §2.1): keys[i].hmac. */
#define TA_HMAC0	64
#define TA_HMAC1	192

struct tlsauth {
	EVP_MAC_CTX	*send;
	EVP_MAC_CTX	*recv;
	size_t		 hlen;
};

static const char *const ta_digests[] = {
	"SHA1", "SHA224", "SHA256", "SHA384", "SHA512",
};

static const char *
ta_digest_name(const char *digest)
{
	size_t i;

	for (i = 0; i < sizeof(ta_digests) / sizeof(ta_digests[0]); i++)
		if (strcasecmp(digest, ta_digests[i]) == 0)
			return ta_digests[i];
	return NULL;
}

/* A fresh HMAC context keyed with len bytes of key.  NULL on failure. */
static EVP_MAC_CTX *
ta_mac_new(EVP_MAC *mac, const char *digest, const uint8_t *key, size_t len)
{
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct tlsauth *
tlsauth_new(const uint8_t key[256], int direction, const char *digest,
    char *err, size_t errlen)
{
	struct tlsauth *ta = NULL;
	EVP_MAC *mac = NULL;
	const char *dname;
	size_t soff, roff;

	if (digest == NULL || (dname = ta_digest_name(digest)) == NULL) {
		snprintf(err, errlen, "tls-auth: unsupported digest \"%s\"",
		    digest ? digest : "(null)");
		goto fail;
	}
	switch (direction) {
	case 0:				/* send keys[0], receive keys[1] */
		soff = TA_HMAC0;
		roff = TA_HMAC1;
		break;
	case 1:				/* send keys[1], receive keys[0] */
		soff = TA_HMAC1;
		roff = TA_HMAC0;
		break;
	case TLSAUTH_DIR_NONE:
		soff = roff = TA_HMAC0;
		break;
	default:
		snprintf(err, errlen, "tls-auth: bad key direction %d",
		    direction);
		goto fail;
	}
	if ((ta = calloc(1, sizeof(*ta))) == NULL) {
		snprintf(err, errlen, "tls-auth: out of memory");
		goto fail;
	}
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
		snprintf(err, errlen, "tls-auth: HMAC not available");
		goto fail;
	}
	{
		EVP_MD *md = EVP_MD_fetch(NULL, dname, NULL);
		int n = md ? EVP_MD_get_size(md) : -1;

		EVP_MD_free(md);
		if (n <= 0 || n > TA_MAX_HMAC) {
			snprintf(err, errlen, "tls-auth: digest %s not "
			    "available", dname);
			goto fail;
		}
		ta->hlen = (size_t)n;
	}
	ta->send = ta_mac_new(mac, dname, key + soff, ta->hlen);
	ta->recv = ta_mac_new(mac, dname, key + roff, ta->hlen);
	if (ta->send == NULL || ta->recv == NULL) {
		snprintf(err, errlen, "tls-auth: cannot key HMAC-%s", dname);
		goto fail;
	}
	EVP_MAC_free(mac);		/* the contexts hold their own ref */
	return ta;
fail:
	EVP_MAC_free(mac);
	tlsauth_free(ta);
	return NULL;
}

void
tlsauth_free(struct tlsauth *ta)
{
	if (ta == NULL)
		return;
	EVP_MAC_CTX_free(ta->send);
	EVP_MAC_CTX_free(ta->recv);
	free(ta);
}

size_t
tlsauth_hmac_len(const struct tlsauth *ta)
{
	return ta->hlen;
}

size_t
tlsauth_overhead(const struct tlsauth *ta)
{
	return ta->hlen + TA_PID_LEN;
}

/*
 * HMAC over pid||time, op||sid, body into md (ta->hlen bytes).  0 or -1.
 */
static int
ta_hmac(struct tlsauth *ta, EVP_MAC_CTX *ctx, const uint8_t *hdr,
    const uint8_t *pid, const uint8_t *body, size_t body_len, uint8_t *md)
{
	size_t n;

	if (!EVP_MAC_init(ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(ctx, pid, TA_PID_LEN) ||
	    !EVP_MAC_update(ctx, hdr, TA_HDR_LEN) ||
	    (body_len > 0 && !EVP_MAC_update(ctx, body, body_len)) ||
	    !EVP_MAC_final(ctx, md, &n, TA_MAX_HMAC) || n != ta->hlen)
		return -1;
	return 0;
}

int
tlsauth_unwrap(struct tlsauth *ta, const uint8_t *pkt, size_t len,
    struct ctl_hdr *h, const uint8_t **body, size_t *body_len)
{
	uint8_t md[TA_MAX_HMAC];
	const uint8_t *hdr, *mac, *pid, *rest;
	struct rbuf r;
	size_t nrest;

	/* Cheapest test first: a runt costs no crypto. */
	if (len < TA_HDR_LEN + ta->hlen + TA_PID_LEN)
		return -1;
	rbuf_init(&r, pkt, len);
	hdr = rbuf_bytes(&r, TA_HDR_LEN);
	mac = rbuf_bytes(&r, ta->hlen);
	pid = rbuf_bytes(&r, TA_PID_LEN);
	if (r.err)
		return -1;
	rest = rbuf_rest(&r, &nrest);
	if (ta_hmac(ta, ta->recv, hdr, pid, rest, nrest, md) == -1 ||
	    CRYPTO_memcmp(md, mac, ta->hlen) != 0)
		return -1;
	h->op = pkt_op(hdr[0]);
	h->key_id = pkt_key_id(hdr[0]);
	memcpy(h->sid, hdr + 1, PKT_SID_LEN);
	h->pid = be32_get(pid);
	h->ptime = be32_get(pid + 4);
	*body = rest;
	*body_len = nrest;
	return 0;
}

int
tlsauth_wrap(struct tlsauth *ta, struct wbuf *out, const struct ctl_hdr *h,
    const uint8_t *body, size_t body_len)
{
	uint8_t *hdr, *mac, *pid, *dst;

	hdr = wbuf_reserve(out, TA_HDR_LEN);
	mac = wbuf_reserve(out, ta->hlen);
	pid = wbuf_reserve(out, TA_PID_LEN);
	dst = wbuf_reserve(out, body_len);
	if (out->err)
		return -1;
	hdr[0] = pkt_op_byte(h->op, h->key_id);
	memcpy(hdr + 1, h->sid, PKT_SID_LEN);
	be32_put(pid, h->pid);
	be32_put(pid + 4, h->ptime);
	/* memmove: the body may already sit at its final place in out. */
	if (body_len > 0 && dst != body)
		memmove(dst, body, body_len);
	return ta_hmac(ta, ta->send, hdr, pid, dst, body_len, mac);
}
