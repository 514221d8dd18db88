/*
 * Legacy OpenVPN key derivation (spec §7.3) with the TLS 1.0 PRF, i.e.
 * OpenSSL's "TLS1-PRF" KDF with the "MD5-SHA1" digest (P_MD5 over the
 * first half of the secret XOR P_SHA1 over the second half).
 *
 * The KDF concatenates repeated seed parameters, so label, randoms and
 * session-ids are passed as they are, without assembling a seed buffer.
 * Runs once per key_id; nothing here is on a per-packet path.
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "kdf.h"

#define KDF_MASTER_LEN	48
#define KDF_MAX_SEEDS	5

static const char kdf_master_label[] = "OpenVPN master secret";
static const char kdf_expand_label[] = "OpenVPN key expansion";

struct kdf_seed {
	const void	*p;
	size_t		 len;
};

/* out = PRF(secret, seeds[0] || ... || seeds[n-1], outlen).  0 or -1. */
static int
kdf_tls1_prf(const uint8_t *secret, size_t secret_len,
    const struct kdf_seed *seeds, size_t n, uint8_t *out, size_t outlen)
{
	OSSL_PARAM params[KDF_MAX_SEEDS + 3], *p = params;
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	size_t i;
	int rc = -1;

	if (n > KDF_MAX_SEEDS)
		return -1;
	if ((kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)) == NULL)
		return -1;
	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto done;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"MD5-SHA1", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
	    (void *)secret, secret_len);
	for (i = 0; i < n; i++)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
		    (void *)seeds[i].p, seeds[i].len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) <= 0)
		goto done;
	rc = 0;
done:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
kdf_prf_key_block(const uint8_t pre_master[48],
    const uint8_t c_random1[32], const uint8_t s_random1[32],
    const uint8_t c_random2[32], const uint8_t s_random2[32],
    const uint8_t client_sid[PKT_SID_LEN],
    const uint8_t server_sid[PKT_SID_LEN], uint8_t out[KDF_KEY_BLOCK_LEN])
{
	uint8_t master[KDF_MASTER_LEN];
	const struct kdf_seed mseed[] = {
		{ kdf_master_label, sizeof(kdf_master_label) - 1 },
		{ c_random1, 32 },
		{ s_random1, 32 },
	};
	const struct kdf_seed kseed[] = {
		{ kdf_expand_label, sizeof(kdf_expand_label) - 1 },
		{ c_random2, 32 },
		{ s_random2, 32 },
		{ client_sid, PKT_SID_LEN },
		{ server_sid, PKT_SID_LEN },
	};
	int rc = -1;

	if (kdf_tls1_prf(pre_master, 48, mseed, 3, master, sizeof(master))
	    == -1)
		goto done;
	if (kdf_tls1_prf(master, sizeof(master), kseed, 5, out,
	    KDF_KEY_BLOCK_LEN) == -1)
		goto done;
	rc = 0;
done:
	OPENSSL_cleanse(master, sizeof(master));
	if (rc == -1)
		OPENSSL_cleanse(out, KDF_KEY_BLOCK_LEN);
	return rc;
}
