/*
 * Certificate policy shared by tlsmem.c (internal to common/).
 */
#ifndef MCN_TLSCERT_H
#define MCN_TLSCERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#define CN_MAX		64	/* X.509 ub-common-name; OpenVPN's limit */

/* The reason of the newest queued OpenSSL error, or a placeholder. */
const char	*tlscert_ossl_reason(void);
/* printf into err, then empty the (thread-local) OpenSSL error queue. */
void		 tlscert_seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Subject CN as OpenVPN derives the identity ("" if none). */
void		 tlscert_cn(X509 *x, char *out, size_t cap);
/* What we demand of the peer's leaf beyond a valid chain; NULL if ok. */
const char	*tlscert_leaf_policy(X509 *x, bool we_are_server);
/* Plain words for a chain-verification error at depth. */
const char	*tlscert_verify_reason(int e, int depth, X509 *leaf,
		    bool we_are_server);
/* Appends every certificate (crls NULL) or CRL (certs NULL) of pem. */
int		 tlscert_load_pem(const char *pem, const char *what,
		    STACK_OF(X509) *certs, STACK_OF(X509_CRL) *crls,
		    char *err, size_t errlen);
EVP_PKEY	*tlscert_load_key(const char *pem, char *err, size_t errlen);
/* Does leaf chain to a certificate of ca (dates not checked)? */
int		 tlscert_check_chain(STACK_OF(X509) *ca, X509 *leaf,
		    STACK_OF(X509) *untrusted, char *err, size_t errlen);
/* What every "remote-cert-tls server" client would refuse later. */
int		 tlscert_check_server_leaf(X509 *x, char *err, size_t errlen);
/*
 * Each CRL must carry a valid signature of one of our CAs (that may sign
 * CRLs), and be a plain full CRL: no delta CRL, no issuing distribution
 * point (its scope), no other critical extension.  If signers is not
 * NULL, the CA that signed each CRL is pushed onto it, in order (a new
 * reference each).
 */
int		 tlscert_check_crls(STACK_OF(X509_CRL) *crls,
		    STACK_OF(X509) *ca, STACK_OF(X509) *signers, char *err,
		    size_t errlen);

#endif /* MCN_TLSCERT_H */
