/*
 * X.509 for mcnca on OpenSSL 3: keys (pki_key.c), certificates and CRLs
 * (pki_cert.c).  Times are passed in; nothing here touches the database.
 */
#ifndef MCN_PKI_H
#define MCN_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "db.h"

#define PKI_PBKDF2_ITER	600000	/* PBKDF2-HMAC-SHA256 rounds for the CA key */
#define PKI_SERIAL_BITS	128
#define PKI_BACKDATE	300	/* notBefore this many seconds in the past,
				 * for clients whose clock lags a little */

enum pki_alg {
	PKI_RSA,
	PKI_EC
};

struct pki_keyspec {
	enum pki_alg	alg;
	int		bits;		/* RSA: 2048, 3072, 4096 */
	char		curve[8];	/* EC: "P-256", "P-384" */
};

/* "rsa:2048|rsa:3072|rsa:4096|ec:P-256|ec:P-384" (case-insensitive). */
int	pki_keyspec_parse(const char *s, struct pki_keyspec *ks, char *err,
	    size_t errlen);
EVP_PKEY	*pki_keygen(const struct pki_keyspec *ks, char *err,
		    size_t errlen);

/*
 * PEM texts (caller frees).  An encrypted key is PKCS#8 with PBES2:
 * AES-256-CBC under PBKDF2-HMAC-SHA256, PKI_PBKDF2_ITER rounds and a
 * random 16-byte salt, readable by "openssl pkey".
 */
char	*pki_key_pem(EVP_PKEY *key, size_t *len);
char	*pki_key_pem_encrypted(EVP_PKEY *key, const char *pass,
	    size_t passlen, size_t *len, char *err, size_t errlen);
/*
 * Decrypts an encrypted PKCS#8 PEM key.  A text that is not one is
 * reported as such; a failing decryption as a wrong passphrase.  fname
 * only names the file in messages.
 */
EVP_PKEY	*pki_key_decrypt(const char *pem, size_t len, const char *pass,
		    size_t passlen, const char *fname, char *err,
		    size_t errlen);

char	*pki_cert_pem(X509 *cert, size_t *len);
X509	*pki_cert_parse(const char *pem, size_t len, const char *fname,
	    char *err, size_t errlen);

/* A fresh random positive serial, PKI_SERIAL_BITS bits, and its hex. */
BIGNUM	*pki_serial_new(char hex[DB_SERIAL_MAX + 1]);

/* Seconds since the epoch of an ASN1_TIME; -1 on error. */
int	pki_time_get(const ASN1_TIME *t, int64_t *out);

/*
 * A self-signed CA: CN=cn, basicConstraints critical CA:TRUE, keyUsage
 * critical keyCertSign,cRLSign, subjectKeyIdentifier.
 */
X509	*pki_make_ca(EVP_PKEY *key, const char *cn, const BIGNUM *serial,
	    int64_t now, int days, char *err, size_t errlen);

/*
 * A leaf certificate CN=name signed by the CA, valid until not_after.
 * Both kinds: basicConstraints CA:FALSE, subject and authority key
 * identifiers.  server: keyUsage critical digitalSignature (plus
 * keyEncipherment for an RSA key: RFC 5480 forbids it for EC keys),
 * extendedKeyUsage serverAuth, subjectAltName DNS:name (IP:name for an
 * address).  client: keyUsage critical digitalSignature,
 * extendedKeyUsage clientAuth.
 */
X509	*pki_make_leaf(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key,
	    enum db_kind kind, const char *name, const BIGNUM *serial,
	    int64_t now, int64_t not_after, char *err, size_t errlen);

/*
 * A v2 CRL over every revoked entry of db, with cRLNumber number,
 * authorityKeyIdentifier, lastUpdate now, nextUpdate now + days, and a
 * reasonCode on each entry whose reason is not "unspecified".
 */
X509_CRL	*pki_make_crl(X509 *ca, EVP_PKEY *cakey, const struct db *db,
		    uint64_t number, int64_t now, int days, char *err,
		    size_t errlen);
char	*pki_crl_pem(X509_CRL *crl, size_t *len);
/* The nextUpdate of a PEM CRL; -1 if it is not one or has none. */
int	pki_crl_next_update(const char *pem, size_t len, int64_t *t);

/* Appends the first queued OpenSSL error (if any) to a message. */
void	pki_ossl_err(char *err, size_t errlen, const char *what);

#endif /* MCN_PKI_H */
