/*
 * A throw-away PKI made in-process with OpenSSL (EC P-256, SHA-256), for
 * tests that need real certificates: good and deliberately bad ones.
 * Everything is PEM text, valid from an hour ago for a day.
 */
#ifndef MCN_TEST_PKI_H
#define MCN_TEST_PKI_H

#include <stdbool.h>

/* A certificate with its private key (PEM text, malloc'ed). */
struct testpki_cred {
	char	*cert;
	char	*key;
};

/* Properties of a certificate testpki_issue() makes. */
#define TESTPKI_CA		0x01	/* CA:TRUE, keyCertSign|cRLSign */
#define TESTPKI_KU		0x02	/* keyUsage digitalSignature */
#define TESTPKI_EKU_SERVER	0x04	/* EKU serverAuth */
#define TESTPKI_EKU_CLIENT	0x08	/* EKU clientAuth */

struct testpki {
	struct testpki_cred ca;			/* "Test CA" */
	struct testpki_cred other_ca;		/* "Other CA", unrelated */
	struct testpki_cred server;		/* KU + EKU serverAuth */
	struct testpki_cred client;		/* EKU clientAuth, CN "client1" */
	struct testpki_cred client_other_ca;	/* clientAuth, by other_ca */
	struct testpki_cred client_server_eku;	/* EKU serverAuth only */
	struct testpki_cred client_no_eku;	/* no EKU extension */
	struct testpki_cred client_revoked;	/* listed in crl */
	struct testpki_cred client_no_cn;	/* clientAuth, no CN */
	struct testpki_cred server_no_ku;	/* EKU serverAuth, no keyUsage */
	struct testpki_cred server_no_eku;	/* KU, EKU clientAuth only */
	char	*crl;			/* by ca, lists client_revoked */
	char	*crl_other_ca;		/* by other_ca, empty */
	long	 revoked_serial;
};

/*
 * Issues a certificate for cn (NULL = no CN; the subject then carries an
 * O only) signed by issuer, or self-signed if issuer is NULL.  flags are
 * TESTPKI_*.  0 or -1.
 */
int	testpki_issue(const struct testpki_cred *issuer, const char *cn,
	    unsigned flags, long serial, struct testpki_cred *out);
/* A CRL by issuer listing the given serials.  Returns PEM or NULL. */
char	*testpki_crl(const struct testpki_cred *issuer, const long *serials,
	    int n);
/* The same with lastUpdate/nextUpdate at these offsets (s) from now. */
char	*testpki_crl_dated(const struct testpki_cred *issuer,
	    const long *serials, int n, long last_update, long next_update);

/* Makes the whole set; 0 or -1. */
int	testpki_generate(struct testpki *);
void	testpki_free(struct testpki *);

#endif
