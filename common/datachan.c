/*
 * Data channel (spec §8.1, §8.2).
 *
 * A struct dc_key holds one cipher context per direction, keyed once in
 * dc_key_new(); per packet only the IV is set (EVP_*Init_ex with NULL
 * cipher and key), so the per-packet path neither allocates nor fetches.
 *
 * AEAD:  hdr | pid (4) | tag (16) | ct         nonce = pid || implicit IV
 * CBC:   hdr | HMAC (L) | IV (16) | CBC(pid (4) || plain || PKCS#7 pad)
 *        HMAC = HMAC(hmac key, IV || CBC ciphertext), checked before
 *        decryption (encrypt-then-MAC); hdr is not authenticated.
 * hdr is op|kid (P_DATA_V1) or op|kid + 3-byte peer-id (P_DATA_V2).
 *
 * Key block layout (spec §7.1): keys[0] = KB[0..127] is client->server,
 * keys[1] = KB[128..255] server->client; each key is cipher[64] ||
 * hmac[64], the AEAD implicit IV being the first 8 bytes of the hmac half.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "buf.h"
#include "datachan.h"
#include "pkt.h"

#define DC_PID_LEN	4
#define DC_IMPL_IV_LEN	8
#define DC_NONCE_LEN	(DC_PID_LEN + DC_IMPL_IV_LEN)
#define DC_CBC_BLOCK	16
#define DC_MAX_HMAC	64
#define DC_KEY_HALF	128	/* one direction's cipher[64] || hmac[64] */
#define DC_HMAC_OFF	64
#define DC_HDR_V1	1
#define DC_HDR_V2	4
/* Keeps every length we pass to OpenSSL comfortably inside an int. */
#define DC_MAX_LEN	((size_t)INT_MAX - 2 * DC_MAX_OVERHEAD)

_Static_assert(DC_MAX_OVERHEAD >= DC_HDR_V2 + DC_MAX_HMAC + DC_CBC_BLOCK +
    DC_PID_LEN + DC_CBC_BLOCK, "DC_MAX_OVERHEAD too small for CBC");

const uint8_t dc_ping_magic[DC_PING_LEN] = {
	0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
	0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48,
};

const uint8_t dc_occ_magic[DC_OCC_MAGIC_LEN] = {
	0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
	0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c,
};

static const struct dc_alg {
	enum dc_cipher	 id;
	const char	*name;
	bool		 aead;
} dc_algs[] = {
	{ DC_AES_128_GCM,	"AES-128-GCM",		true },
	{ DC_AES_256_GCM,	"AES-256-GCM",		true },
	{ DC_CHACHA20_POLY1305,	"CHACHA20-POLY1305",	true },
	{ DC_AES_256_CBC,	"AES-256-CBC",		false },
};

struct dc_dir {
	EVP_CIPHER_CTX	*cctx;
	EVP_MAC_CTX	*mac;			/* CBC only */
	uint8_t		 iv[DC_IMPL_IV_LEN];	/* AEAD only */
};

struct dc_key {
	enum dc_cipher	 cipher;
	bool		 aead;
	size_t		 hlen;		/* CBC HMAC length */
	struct dc_dir	 enc;
	struct dc_dir	 dec;
};

static const struct dc_alg *
dc_alg(enum dc_cipher c)
{
	size_t i;

	for (i = 0; i < sizeof(dc_algs) / sizeof(dc_algs[0]); i++)
		if (dc_algs[i].id == c)
			return &dc_algs[i];
	return NULL;
}

const char *
dc_cipher_name(enum dc_cipher c)
{
	const struct dc_alg *a = dc_alg(c);

	return a ? a->name : "none";
}

enum dc_cipher
dc_cipher_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return DC_CIPHER_NONE;
	for (i = 0; i < sizeof(dc_algs) / sizeof(dc_algs[0]); i++)
		if (strcasecmp(name, dc_algs[i].name) == 0)
			return dc_algs[i].id;
	return DC_CIPHER_NONE;
}

bool
dc_cipher_available(enum dc_cipher c)
{
	const struct dc_alg *a = dc_alg(c);
	EVP_CIPHER *ci;

	if (a == NULL || (ci = EVP_CIPHER_fetch(NULL, a->name, NULL)) == NULL)
		return false;
	EVP_CIPHER_free(ci);
	return true;
}

enum dc_cipher
dc_key_cipher(const struct dc_key *k)
{
	return k->cipher;
}

/* Keys one direction from its 128-byte half of the key block.  0 or -1. */
static int
dc_dir_init(struct dc_dir *d, const EVP_CIPHER *ci, bool aead, bool enc,
    const uint8_t *half, EVP_MAC *mac, const char *digest, size_t hlen)
{
	OSSL_PARAM params[2];

	if ((d->cctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex(d->cctx, ci, NULL, half, NULL, enc ? 1 : 0))
		return -1;
	if (aead) {
		if (EVP_CIPHER_CTX_get_iv_length(d->cctx) != DC_NONCE_LEN)
			return -1;
		memcpy(d->iv, half + DC_HMAC_OFF, DC_IMPL_IV_LEN);
		return 0;
	}
	/* CBC decryption strips the padding itself (dc_decrypt_cbc). */
	if (!enc && !EVP_CIPHER_CTX_set_padding(d->cctx, 0))
		return -1;
	if ((d->mac = EVP_MAC_CTX_new(mac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(d->mac, half + DC_HMAC_OFF, hlen, params))
		return -1;
	return 0;
}

struct dc_key *
dc_key_new(enum dc_cipher cipher, const uint8_t key_block[256],
    enum dc_role role, const char *auth_digest, char *err, size_t errlen)
{
	const struct dc_alg *a = dc_alg(cipher);
	struct dc_key *k = NULL;
	EVP_CIPHER *ci = NULL;
	EVP_MAC *mac = NULL;
	EVP_MD *md = NULL;
	const uint8_t *ehalf, *dhalf;
	const char *dname = NULL;
	int n;

	if (a == NULL) {
		snprintf(err, errlen, "data channel: no cipher");
		goto fail;
	}
	if ((ci = EVP_CIPHER_fetch(NULL, a->name, NULL)) == NULL) {
		snprintf(err, errlen, "data channel: %s not available",
		    a->name);
		goto fail;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "data channel: out of memory");
		goto fail;
	}
	k->cipher = cipher;
	k->aead = a->aead;
	if (!k->aead) {
		if (auth_digest == NULL ||
		    (md = EVP_MD_fetch(NULL, auth_digest, NULL)) == NULL ||
		    (n = EVP_MD_get_size(md)) < 16 || n > DC_MAX_HMAC) {
			snprintf(err, errlen, "data channel: %s needs an HMAC "
			    "digest, \"%s\" is not usable", a->name,
			    auth_digest ? auth_digest : "(none)");
			goto fail;
		}
		k->hlen = (size_t)n;
		dname = EVP_MD_get0_name(md);
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
			snprintf(err, errlen, "data channel: HMAC not "
			    "available");
			goto fail;
		}
	}
	if (role == DC_ROLE_SERVER) {
		ehalf = key_block + DC_KEY_HALF;
		dhalf = key_block;
	} else {
		ehalf = key_block;
		dhalf = key_block + DC_KEY_HALF;
	}
	if (dc_dir_init(&k->enc, ci, k->aead, true, ehalf, mac, dname,
	    k->hlen) == -1 ||
	    dc_dir_init(&k->dec, ci, k->aead, false, dhalf, mac, dname,
	    k->hlen) == -1) {
		snprintf(err, errlen, "data channel: cannot key %s", a->name);
		goto fail;
	}
	EVP_MD_free(md);
	EVP_MAC_free(mac);
	EVP_CIPHER_free(ci);
	return k;
fail:
	EVP_MD_free(md);
	EVP_MAC_free(mac);
	EVP_CIPHER_free(ci);
	dc_key_free(k);
	return NULL;
}

static void
dc_dir_free(struct dc_dir *d)
{
	EVP_CIPHER_CTX_free(d->cctx);
	EVP_MAC_CTX_free(d->mac);
}

void
dc_key_free(struct dc_key *k)
{
	if (k == NULL)
		return;
	dc_dir_free(&k->enc);
	dc_dir_free(&k->dec);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

/* Writes op|kid and, for P_DATA_V2, the peer-id. */
static void
dc_put_hdr(struct wbuf *w, uint8_t key_id, uint32_t peer_id)
{
	if (peer_id == PKT_PEER_ID_NONE)
		wbuf_u8(w, pkt_op_byte(P_DATA_V1, key_id));
	else
		wbuf_u32(w, (uint32_t)pkt_op_byte(P_DATA_V2, key_id) << 24 |
		    (peer_id & PKT_PEER_ID_NONE));
}

static int
dc_encrypt_aead(struct dc_key *k, uint8_t key_id, uint32_t peer_id,
    uint32_t pid, const uint8_t *plain, size_t len, struct wbuf *w)
{
	EVP_CIPHER_CTX *c = k->enc.cctx;
	uint8_t nonce[DC_NONCE_LEN];
	uint8_t *hdr = w->p, *pidp, *tag, *ct;
	int n, fin;

	dc_put_hdr(w, key_id, peer_id);
	pidp = wbuf_reserve(w, DC_PID_LEN);
	tag = wbuf_reserve(w, DC_TAG_LEN);
	ct = wbuf_reserve(w, len);
	if (w->err)
		return -1;
	be32_put(pidp, pid);
	memcpy(nonce, pidp, DC_PID_LEN);
	memcpy(nonce + DC_PID_LEN, k->enc.iv, DC_IMPL_IV_LEN);
	/* AAD: V2 everything up to the tag (contiguous), V1 the pid. */
	if (!EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(c, NULL, &n, peer_id == PKT_PEER_ID_NONE ?
	    pidp : hdr, peer_id == PKT_PEER_ID_NONE ? DC_PID_LEN :
	    DC_HDR_V2 + DC_PID_LEN) ||
	    !EVP_EncryptUpdate(c, ct, &n, plain, (int)len) ||
	    !EVP_EncryptFinal_ex(c, ct + n, &fin) ||
	    (size_t)n + (size_t)fin != len ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, DC_TAG_LEN, tag))
		return -1;
	return (int)w->len;
}

static int
dc_encrypt_cbc(struct dc_key *k, uint8_t key_id, uint32_t peer_id,
    uint32_t pid, const uint8_t *plain, size_t len, struct wbuf *w)
{
	EVP_CIPHER_CTX *c = k->enc.cctx;
	size_t ctlen = (DC_PID_LEN + len) / DC_CBC_BLOCK * DC_CBC_BLOCK +
	    DC_CBC_BLOCK;
	uint8_t pidb[DC_PID_LEN], *mac, *iv, *ct;
	int n1, n2, n3;
	size_t mlen;

	dc_put_hdr(w, key_id, peer_id);
	mac = wbuf_reserve(w, k->hlen);
	iv = wbuf_reserve(w, DC_CBC_BLOCK);
	ct = wbuf_reserve(w, ctlen);
	if (w->err)
		return -1;
	be32_put(pidb, pid);
	if (RAND_bytes(iv, DC_CBC_BLOCK) != 1 ||
	    !EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) ||
	    !EVP_EncryptUpdate(c, ct, &n1, pidb, DC_PID_LEN) ||
	    !EVP_EncryptUpdate(c, ct + n1, &n2, plain, (int)len) ||
	    !EVP_EncryptFinal_ex(c, ct + n1 + n2, &n3) ||
	    (size_t)n1 + (size_t)n2 + (size_t)n3 != ctlen)
		return -1;
	/* IV and ciphertext are adjacent in out: one update. */
	if (!EVP_MAC_init(k->enc.mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(k->enc.mac, iv, DC_CBC_BLOCK + ctlen) ||
	    !EVP_MAC_final(k->enc.mac, mac, &mlen, k->hlen) ||
	    mlen != k->hlen)
		return -1;
	return (int)w->len;
}

int
dc_encrypt(struct dc_key *k, uint8_t key_id, uint32_t peer_id, uint32_t pid,
    const uint8_t *plain, size_t len, uint8_t *out, size_t cap)
{
	struct wbuf w;

	if (pid == 0 || len > DC_MAX_LEN)
		return -1;
	if (cap > DC_MAX_LEN)
		cap = DC_MAX_LEN;
	wbuf_init(&w, out, cap);
	if (k->aead)
		return dc_encrypt_aead(k, key_id, peer_id, pid, plain, len,
		    &w);
	return dc_encrypt_cbc(k, key_id, peer_id, pid, plain, len, &w);
}

static int
dc_decrypt_aead(struct dc_key *k, struct rbuf *r, size_t hdrlen,
    uint32_t *pid, uint8_t *out, size_t cap)
{
	EVP_CIPHER_CTX *c = k->dec.cctx;
	uint8_t nonce[DC_NONCE_LEN];
	const uint8_t *hdr, *pidp, *tag, *ct;
	size_t len;
	int n, fin;

	hdr = rbuf_bytes(r, hdrlen);
	pidp = rbuf_bytes(r, DC_PID_LEN);
	tag = rbuf_bytes(r, DC_TAG_LEN);
	if (r->err)
		return -1;
	ct = rbuf_rest(r, &len);
	if (len > cap)
		return -1;
	memcpy(nonce, pidp, DC_PID_LEN);
	memcpy(nonce + DC_PID_LEN, k->dec.iv, DC_IMPL_IV_LEN);
	/* The tag is authenticated by Final; out is garbage if that fails. */
	if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, DC_TAG_LEN,
	    (void *)tag) ||
	    !EVP_DecryptUpdate(c, NULL, &n, hdrlen == DC_HDR_V2 ? hdr : pidp,
	    hdrlen == DC_HDR_V2 ? DC_HDR_V2 + DC_PID_LEN : DC_PID_LEN) ||
	    !EVP_DecryptUpdate(c, out, &n, ct, (int)len) ||
	    EVP_DecryptFinal_ex(c, out + n, &fin) <= 0 ||
	    (size_t)n + (size_t)fin != len)
		return -1;
	*pid = be32_get(pidp);
	return (int)len;
}

static int
dc_decrypt_cbc(struct dc_key *k, struct rbuf *r, size_t hdrlen,
    uint32_t *pid, uint8_t *out, size_t cap)
{
	EVP_CIPHER_CTX *c = k->dec.cctx;
	uint8_t md[DC_MAX_HMAC], first[DC_CBC_BLOCK];
	const uint8_t *mac, *iv, *ct;
	size_t len, mlen, plen, pad, i;
	int n1, n2 = 0;
	uint8_t bad;

	rbuf_skip(r, hdrlen);
	mac = rbuf_bytes(r, k->hlen);
	iv = rbuf_bytes(r, DC_CBC_BLOCK);
	if (r->err)
		return -1;
	ct = rbuf_rest(r, &len);
	if (len == 0 || len % DC_CBC_BLOCK != 0 || len - DC_PID_LEN > cap)
		return -1;
	/* Encrypt-then-MAC: nothing is decrypted before the HMAC holds. */
	if (!EVP_MAC_init(k->dec.mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(k->dec.mac, iv, DC_CBC_BLOCK + len) ||
	    !EVP_MAC_final(k->dec.mac, md, &mlen, sizeof(md)) ||
	    mlen != k->hlen || CRYPTO_memcmp(md, mac, k->hlen) != 0)
		return -1;
	/*
	 * Padding is off on this context: the first block goes to a stack
	 * buffer to peel off the packet-id, the rest straight to out, so
	 * the plaintext lands at out[0] without a memmove.
	 */
	if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv) ||
	    !EVP_DecryptUpdate(c, first, &n1, ct, DC_CBC_BLOCK) ||
	    n1 != DC_CBC_BLOCK)
		return -1;
	memcpy(out, first + DC_PID_LEN, DC_CBC_BLOCK - DC_PID_LEN);
	if (len > DC_CBC_BLOCK &&
	    (!EVP_DecryptUpdate(c, out + DC_CBC_BLOCK - DC_PID_LEN, &n2,
	    ct + DC_CBC_BLOCK, (int)(len - DC_CBC_BLOCK)) ||
	    (size_t)n2 != len - DC_CBC_BLOCK))
		return -1;
	/* PKCS#7; authenticated already, so no padding oracle to fear. */
	plen = len - DC_PID_LEN;
	pad = out[plen - 1];
	if (pad == 0 || pad > DC_CBC_BLOCK || pad > plen)
		return -1;
	for (bad = 0, i = plen - pad; i < plen; i++)
		bad |= out[i] ^ (uint8_t)pad;
	if (bad)
		return -1;
	*pid = be32_get(first);
	OPENSSL_cleanse(first, sizeof(first));
	return (int)(plen - pad);
}

int
dc_decrypt(struct dc_key *k, const uint8_t *pkt, size_t len, uint32_t *pid,
    uint8_t *out, size_t cap)
{
	struct rbuf r;
	size_t hdrlen;

	if (len == 0 || len > DC_MAX_LEN)
		return -1;
	switch (pkt_op(pkt[0])) {
	case P_DATA_V1:
		hdrlen = DC_HDR_V1;
		break;
	case P_DATA_V2:
		hdrlen = DC_HDR_V2;
		break;
	default:
		return -1;
	}
	rbuf_init(&r, pkt, len);
	if (k->aead)
		return dc_decrypt_aead(k, &r, hdrlen, pid, out, cap);
	return dc_decrypt_cbc(k, &r, hdrlen, pid, out, cap);
}

bool
dc_is_ping(const uint8_t *p, size_t len)
{
	return len == DC_PING_LEN && memcmp(p, dc_ping_magic, DC_PING_LEN) == 0;
}

int
dc_occ_type(const uint8_t *p, size_t len)
{
	if (len < DC_OCC_MAGIC_LEN + 1 ||
	    memcmp(p, dc_occ_magic, DC_OCC_MAGIC_LEN) != 0)
		return -1;
	return p[DC_OCC_MAGIC_LEN];
}
