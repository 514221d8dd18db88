/*
 * Keys: key types, generation, PEM with and without encryption, serials.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "pki.h"

#define SALT_LEN	16

void
pki_ossl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	if (e == 0) {
		snprintf(err, errlen, "%s", what);
	} else {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s (%s)", what, buf);
	}
	ERR_clear_error();
}

int
pki_keyspec_parse(const char *s, struct pki_keyspec *ks, char *err,
    size_t errlen)
{
	memset(ks, 0, sizeof(*ks));
	if (strncasecmp(s, "rsa:", 4) == 0) {
		ks->alg = PKI_RSA;
		if (strcmp(s + 4, "2048") == 0)
			ks->bits = 2048;
		else if (strcmp(s + 4, "3072") == 0)
			ks->bits = 3072;
		else if (strcmp(s + 4, "4096") == 0)
			ks->bits = 4096;
		else
			goto bad;
		return 0;
	}
	if (strncasecmp(s, "ec:", 3) == 0) {
		ks->alg = PKI_EC;
		if (strcasecmp(s + 3, "P-256") == 0)
			snprintf(ks->curve, sizeof(ks->curve), "P-256");
		else if (strcasecmp(s + 3, "P-384") == 0)
			snprintf(ks->curve, sizeof(ks->curve), "P-384");
		else
			goto bad;
		return 0;
	}
bad:
	snprintf(err, errlen, "key type \"%s\" is not one of rsa:2048, "
	    "rsa:3072, rsa:4096, ec:P-256, ec:P-384", s);
	return -1;
}

EVP_PKEY *
pki_keygen(const struct pki_keyspec *ks, char *err, size_t errlen)
{
	EVP_PKEY *key;

	if (ks->alg == PKI_RSA)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)ks->bits);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ks->curve);
	if (key == NULL)
		pki_ossl_err(err, errlen, "key generation failed");
	return key;
}

/* The contents of a memory BIO as a NUL-terminated string. */
static char *
bio_string(BIO *bio, size_t *len)
{
	char *data, *out;
	long n;

	n = BIO_get_mem_data(bio, &data);
	if (n < 0 || (out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return out;
}

char *
pki_key_pem(EVP_PKEY *key, size_t *len)
{
	BIO *bio;
	char *out = NULL;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return NULL;
	/* OpenSSL 3 writes PKCS#8 ("BEGIN PRIVATE KEY") for every type. */
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
		out = bio_string(bio, len);
	BIO_free(bio);
	return out;
}

char *
pki_key_pem_encrypted(EVP_PKEY *key, const char *pass, size_t passlen,
    size_t *len, char *err, size_t errlen)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	unsigned char salt[SALT_LEN];
	BIO *bio = NULL;
	char *out = NULL;

	if (passlen > INT32_MAX) {
		snprintf(err, errlen, "passphrase too long");
		return NULL;
	}
	if ((p8 = EVP_PKEY2PKCS8(key)) == NULL ||
	    RAND_bytes(salt, sizeof(salt)) != 1) {
		pki_ossl_err(err, errlen, "cannot encode the key");
		goto out;
	}
	/* A NULL IV asks for a random one. */
	pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), PKI_PBKDF2_ITER, salt,
	    sizeof(salt), NULL, NID_hmacWithSHA256);
	if (pbe == NULL) {
		pki_ossl_err(err, errlen, "cannot set up PBES2");
		goto out;
	}
	if ((sig = PKCS8_set0_pbe(pass, (int)passlen, p8, pbe)) == NULL) {
		pki_ossl_err(err, errlen, "cannot encrypt the key");
		goto out;
	}
	pbe = NULL;	/* owned by sig now */
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PKCS8(bio, sig) != 1 ||
	    (out = bio_string(bio, len)) == NULL)
		pki_ossl_err(err, errlen, "cannot write the encrypted key");
out:
	BIO_free(bio);
	X509_SIG_free(sig);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return out;
}

EVP_PKEY *
pki_key_decrypt(const char *pem, size_t len, const char *pass,
    size_t passlen, const char *fname, char *err, size_t errlen)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_SIG *sig = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (len > INT32_MAX || passlen > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(err, errlen, "%s: cannot read", fname);
		return NULL;
	}
	sig = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (sig == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: not an encrypted PKCS#8 key (no "
		    "valid \"BEGIN ENCRYPTED PRIVATE KEY\" block); the file "
		    "is damaged", fname);
		return NULL;
	}
	/*
	 * A wrong passphrase fails the CBC padding check, or (1 time in
	 * 256) yields bytes that do not parse as a key: both are a wrong
	 * passphrase, since the PEM structure itself was fine.
	 */
	if ((p8 = PKCS8_decrypt(sig, pass, (int)passlen)) == NULL ||
	    (key = EVP_PKCS82PKEY(p8)) == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "wrong passphrase for the CA key %s",
		    fname);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	return key;
}

char *
pki_cert_pem(X509 *cert, size_t *len)
{
	BIO *bio;
	char *out = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, cert) == 1)
		out = bio_string(bio, len);
	BIO_free(bio);
	return out;
}

char *
pki_crl_pem(X509_CRL *crl, size_t *len)
{
	BIO *bio;
	char *out = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509_CRL(bio, crl) == 1)
		out = bio_string(bio, len);
	BIO_free(bio);
	return out;
}

X509 *
pki_cert_parse(const char *pem, size_t len, const char *fname, char *err,
    size_t errlen)
{
	X509 *cert = NULL;
	BIO *bio;

	if (len <= INT32_MAX && (bio = BIO_new_mem_buf(pem, (int)len)) !=
	    NULL) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (cert == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: not a PEM certificate; the file is "
		    "damaged", fname);
	}
	return cert;
}

BIGNUM *
pki_serial_new(char hex[DB_SERIAL_MAX + 1])
{
	BIGNUM *bn;
	char *h;

	if ((bn = BN_new()) == NULL)
		return NULL;
	do {
		if (BN_rand(bn, PKI_SERIAL_BITS, BN_RAND_TOP_ANY,
		    BN_RAND_BOTTOM_ANY) != 1) {
			BN_free(bn);
			return NULL;
		}
	} while (BN_is_zero(bn));
	if ((h = BN_bn2hex(bn)) == NULL || strlen(h) > DB_SERIAL_MAX) {
		OPENSSL_free(h);
		BN_free(bn);
		return NULL;
	}
	memcpy(hex, h, strlen(h) + 1);
	OPENSSL_free(h);
	return bn;
}

int
pki_time_get(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}
