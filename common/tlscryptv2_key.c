/*
 * tls-crypt-v2 key files (spec §3.2): PEM blocks "OpenVPN tls-crypt-v2
 * server key" (128 bytes) and "OpenVPN tls-crypt-v2 client key" (Kc ||
 * WKc), as `openvpn --genkey tls-crypt-v2-server|-client` writes them.
 *
 * openvpn reads and writes these with OpenSSL's generic PEM routines (empty
 * header, base64 in 64-column lines), and so do we: the output is then the
 * same byte for byte, and the parser accepts what openvpn accepts (the
 * first PEM block in the text, anything before it ignored).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "tlscryptv2.h"

#define V2_SRV_PEM	"OpenVPN tls-crypt-v2 server key"
#define V2_CLI_PEM	"OpenVPN tls-crypt-v2 client key"
#define V2_CLI_MAX	(TLSCRYPT_KEY_LEN + TLSCRYPTV2_WKC_MAX)

/*
 * Decodes the first PEM block of text into out (at most cap bytes); its
 * name must be name.  0 or -1 with a reason in err.
 */
static int
pem_decode(const char *text, size_t len, const char *name, uint8_t *out,
    size_t cap, size_t *outlen, char *err, size_t errlen)
{
	BIO *bio = NULL;
	char *rname = NULL, *rhdr = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	int ret = -1;

	if (len > INT_MAX) {
		snprintf(err, errlen, "%s: file too large", name);
		goto done;
	}
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto done;
	}
	if (!PEM_read_bio(bio, &rname, &rhdr, &data, &dlen)) {
		snprintf(err, errlen, "no valid \"-----BEGIN %s-----\" block",
		    name);
		goto done;
	}
	if (strcmp(rname, name) != 0) {
		snprintf(err, errlen, "found a \"%s\" block, expected \"%s\"",
		    rname, name);
		goto done;
	}
	if (dlen < 0 || (size_t)dlen > cap) {
		snprintf(err, errlen, "%s: %ld bytes, at most %zu allowed",
		    name, dlen, cap);
		goto done;
	}
	memcpy(out, data, (size_t)dlen);
	*outlen = (size_t)dlen;
	ret = 0;
done:
	ERR_clear_error();
	OPENSSL_free(rname);
	OPENSSL_free(rhdr);
	if (data != NULL)
		OPENSSL_clear_free(data, dlen > 0 ? (size_t)dlen : 0);
	BIO_free(bio);
	return ret;
}

/* PEM-encodes n bytes as openvpn does.  Length (no NUL) or -1. */
static int
pem_encode(const char *name, const uint8_t *data, size_t n, char *out,
    size_t cap)
{
	BIO *bio;
	BUF_MEM *bm = NULL;
	int ret = -1;

	if (n > INT_MAX || (bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio(bio, name, "", data, (long)n) <= 0)
		goto done;
	BIO_get_mem_ptr(bio, &bm);
	if (bm == NULL || bm->length >= cap || bm->length > INT_MAX)
		goto done;
	memcpy(out, bm->data, bm->length);
	out[bm->length] = '\0';
	ret = (int)bm->length;
done:
	if (bm != NULL)		/* base64 of key material */
		OPENSSL_cleanse(bm->data, bm->length);
	ERR_clear_error();
	BIO_free(bio);
	return ret;
}

int
tlscryptv2_server_key_parse(const char *text, size_t len,
    uint8_t key[TLSCRYPTV2_SRVKEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[TLSCRYPTV2_SRVKEY_LEN];
	size_t n;

	if (pem_decode(text, len, V2_SRV_PEM, buf, sizeof(buf), &n, err,
	    errlen) == -1)
		return -1;
	if (n != TLSCRYPTV2_SRVKEY_LEN) {
		snprintf(err, errlen, "%s: %zu bytes, %d required", V2_SRV_PEM,
		    n, TLSCRYPTV2_SRVKEY_LEN);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(key, buf, TLSCRYPTV2_SRVKEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int
tlscryptv2_client_key_parse(const char *text, size_t len,
    struct tlscryptv2_client_key *out, char *err, size_t errlen)
{
	uint8_t buf[V2_CLI_MAX];
	size_t n, nw;
	int ret = -1;

	if (pem_decode(text, len, V2_CLI_PEM, buf, sizeof(buf), &n, err,
	    errlen) == -1)
		goto done;
	if (n < TLSCRYPT_KEY_LEN + TLSCRYPTV2_WKC_MIN) {
		snprintf(err, errlen, "%s: %zu bytes, too short for Kc and "
		    "a wrapped key", V2_CLI_PEM, n);
		goto done;
	}
	nw = n - TLSCRYPT_KEY_LEN;
	if (((size_t)buf[n - 2] << 8 | buf[n - 1]) != nw) {
		snprintf(err, errlen, "%s: wrapped key length field %u does "
		    "not match its size %zu", V2_CLI_PEM,
		    (unsigned)(buf[n - 2] << 8 | buf[n - 1]), nw);
		goto done;
	}
	memcpy(out->kc, buf, TLSCRYPT_KEY_LEN);
	memcpy(out->wkc, buf + TLSCRYPT_KEY_LEN, nw);
	out->wkc_len = nw;
	ret = 0;
done:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int
tlscryptv2_server_key_format(const uint8_t key[TLSCRYPTV2_SRVKEY_LEN],
    char *out, size_t cap)
{
	return pem_encode(V2_SRV_PEM, key, TLSCRYPTV2_SRVKEY_LEN, out, cap);
}

int
tlscryptv2_client_key_format(const struct tlscryptv2_client_key *ck,
    char *out, size_t cap)
{
	uint8_t buf[V2_CLI_MAX];
	int ret;

	if (ck->wkc_len < TLSCRYPTV2_WKC_MIN ||
	    ck->wkc_len > TLSCRYPTV2_WKC_MAX)
		return -1;
	memcpy(buf, ck->kc, TLSCRYPT_KEY_LEN);
	memcpy(buf + TLSCRYPT_KEY_LEN, ck->wkc, ck->wkc_len);
	ret = pem_encode(V2_CLI_PEM, buf, TLSCRYPT_KEY_LEN + ck->wkc_len, out,
	    cap);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int
tlscryptv2_server_key_gen(char *out, size_t cap, char *err, size_t errlen)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN];
	int ret = -1;

	if (RAND_priv_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "tls-crypt-v2: no random bytes");
		goto done;
	}
	if ((ret = tlscryptv2_server_key_format(key, out, cap)) == -1)
		snprintf(err, errlen, "tls-crypt-v2: cannot encode the "
		    "server key (buffer of %zu bytes)", cap);
done:
	ERR_clear_error();
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int
tlscryptv2_client_key_gen(struct tlscryptv2_server *srv, const uint8_t *user,
    size_t user_len, uint64_t now, char *out, size_t cap, char *err,
    size_t errlen)
{
	struct tlscryptv2_client_key ck;
	uint8_t ts[8];
	struct wbuf w;
	int i, ret = -1;

	if (user != NULL && user_len > TLSCRYPTV2_META_MAX - 1) {
		snprintf(err, errlen, "tls-crypt-v2: metadata of %zu bytes, "
		    "at most %d allowed", user_len, TLSCRYPTV2_META_MAX - 1);
		goto done;
	}
	if (RAND_priv_bytes(ck.kc, sizeof(ck.kc)) != 1) {
		snprintf(err, errlen, "tls-crypt-v2: no random bytes");
		goto done;
	}
	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(now >> (56 - 8 * i));
	wbuf_init(&w, ck.wkc, sizeof(ck.wkc));
	if ((user != NULL ? tlscryptv2_wrap_wkc(srv, ck.kc,
	    TLSCRYPTV2_META_USER, user, user_len, &w) :
	    tlscryptv2_wrap_wkc(srv, ck.kc, TLSCRYPTV2_META_TIMESTAMP, ts,
	    sizeof(ts), &w)) == -1) {
		snprintf(err, errlen, "tls-crypt-v2: cannot wrap the client "
		    "key");
		goto done;
	}
	ck.wkc_len = w.len;
	if ((ret = tlscryptv2_client_key_format(&ck, out, cap)) == -1)
		snprintf(err, errlen, "tls-crypt-v2: cannot encode the "
		    "client key (buffer of %zu bytes)", cap);
done:
	ERR_clear_error();
	OPENSSL_cleanse(&ck, sizeof(ck));
	return ret;
}
