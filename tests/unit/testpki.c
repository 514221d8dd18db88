/*
 * Throw-away PKI for tests (see testpki.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testpki.h"

#define VALID_BEFORE	(-3600L)	/* backdated: tolerate clock skew */
#define VALID_AFTER	(86400L)

static char *
bio_text(BIO *b)
{
	char *p, *s;
	long n = BIO_get_mem_data(b, &p);

	if (n <= 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

static char *
cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b != NULL && PEM_write_bio_X509(b, x))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

static char *
key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
	    NULL))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

static X509 *
read_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static EVP_PKEY *
read_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

int
testpki_issue(const struct testpki_cred *issuer, const char *cn,
    unsigned flags, long serial, struct testpki_cred *out)
{
	X509 *x = NULL, *ix = NULL;
	EVP_PKEY *k = NULL, *ik = NULL;
	X509_NAME *name;
	char eku[64] = "";
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((k = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto done;
	if (issuer != NULL && ((ix = read_cert(issuer->cert)) == NULL ||
	    (ik = read_key(issuer->key)) == NULL))
		goto done;
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), VALID_BEFORE);
	X509_gmtime_adj(X509_getm_notAfter(x), VALID_AFTER);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"MyCrypNet tests", -1, -1, 0);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ix ? X509_get_subject_name(ix) : name);
	X509_set_pubkey(x, k);
	if (add_ext(x, ix ? ix : x, NID_basic_constraints, (flags & TESTPKI_CA)
	    ? "critical,CA:TRUE" : "CA:FALSE") == -1 ||
	    add_ext(x, ix ? ix : x, NID_subject_key_identifier, "hash") == -1)
		goto done;
	if (ix != NULL && add_ext(x, ix, NID_authority_key_identifier,
	    "keyid:always") == -1)
		goto done;
	if ((flags & TESTPKI_CA) && add_ext(x, x, NID_key_usage,
	    "critical,keyCertSign,cRLSign") == -1)
		goto done;
	if ((flags & TESTPKI_KU) && add_ext(x, ix ? ix : x, NID_key_usage,
	    "critical,digitalSignature") == -1)
		goto done;
	if (flags & TESTPKI_EKU_SERVER)
		strcat(eku, "serverAuth");
	if (flags & TESTPKI_EKU_CLIENT)
		strcat(eku, eku[0] ? ",clientAuth" : "clientAuth");
	if (eku[0] && add_ext(x, ix ? ix : x, NID_ext_key_usage, eku) == -1)
		goto done;
	if (!X509_sign(x, ik ? ik : k, EVP_sha256()))
		goto done;
	if ((out->cert = cert_pem(x)) == NULL || (out->key = key_pem(k)) ==
	    NULL)
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		free(out->cert);
		free(out->key);
		memset(out, 0, sizeof(*out));
	}
	X509_free(x);
	X509_free(ix);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ik);
	return rc;
}

char *
testpki_crl(const struct testpki_cred *issuer, const long *serials, int n)
{
	return testpki_crl_dated(issuer, serials, n, VALID_BEFORE, VALID_AFTER);
}

char *
testpki_crl_dated(const struct testpki_cred *issuer, const long *serials,
    int n, long last_update, long next_update)
{
	X509 *ix = read_cert(issuer->cert);
	EVP_PKEY *ik = read_key(issuer->key);
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *sn = NULL;
	X509_REVOKED *r;
	BIO *b = NULL;
	char *s = NULL;
	int i;

	if (ix == NULL || ik == NULL || crl == NULL || t == NULL)
		goto done;
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ix));
	X509_gmtime_adj(t, last_update);
	X509_CRL_set1_lastUpdate(crl, t);
	for (i = 0; i < n; i++) {
		if ((r = X509_REVOKED_new()) == NULL ||
		    (sn = ASN1_INTEGER_new()) == NULL)
			goto done;
		ASN1_INTEGER_set(sn, serials[i]);
		X509_REVOKED_set_serialNumber(r, sn);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(sn);
		sn = NULL;
	}
	X509_gmtime_adj(t, next_update);
	X509_CRL_set1_nextUpdate(crl, t);
	X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, ik, EVP_sha256()) ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_CRL(b, crl))
		goto done;
	s = bio_text(b);
done:
	BIO_free(b);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	X509_free(ix);
	EVP_PKEY_free(ik);
	return s;
}

int
testpki_generate(struct testpki *p)
{
	const unsigned srv = TESTPKI_KU | TESTPKI_EKU_SERVER;
	const unsigned cli = TESTPKI_KU | TESTPKI_EKU_CLIENT;

	memset(p, 0, sizeof(*p));
	p->revoked_serial = 1005;
	if (testpki_issue(NULL, "Test CA", TESTPKI_CA, 1, &p->ca) == -1 ||
	    testpki_issue(NULL, "Other CA", TESTPKI_CA, 1, &p->other_ca) ==
	    -1 ||
	    testpki_issue(&p->ca, "server", srv, 1001, &p->server) == -1 ||
	    testpki_issue(&p->ca, "client1", cli, 1002, &p->client) == -1 ||
	    testpki_issue(&p->other_ca, "stranger", cli, 1003,
	    &p->client_other_ca) == -1 ||
	    testpki_issue(&p->ca, "client-srv-eku", srv, 1004,
	    &p->client_server_eku) == -1 ||
	    testpki_issue(&p->ca, "client-revoked", cli, p->revoked_serial,
	    &p->client_revoked) == -1 ||
	    testpki_issue(&p->ca, "client-no-eku", TESTPKI_KU, 1006,
	    &p->client_no_eku) == -1 ||
	    testpki_issue(&p->ca, NULL, cli, 1007, &p->client_no_cn) == -1 ||
	    testpki_issue(&p->ca, "server-no-ku", TESTPKI_EKU_SERVER, 1008,
	    &p->server_no_ku) == -1 ||
	    testpki_issue(&p->ca, "server-no-eku", cli, 1009,
	    &p->server_no_eku) == -1 ||
	    (p->crl = testpki_crl(&p->ca, &p->revoked_serial, 1)) == NULL ||
	    (p->crl_other_ca = testpki_crl(&p->other_ca, NULL, 0)) == NULL) {
		testpki_free(p);
		return -1;
	}
	return 0;
}

static void
cred_free(struct testpki_cred *c)
{
	free(c->cert);
	free(c->key);
	c->cert = c->key = NULL;
}

void
testpki_free(struct testpki *p)
{
	cred_free(&p->ca);
	cred_free(&p->other_ca);
	cred_free(&p->server);
	cred_free(&p->client);
	cred_free(&p->client_other_ca);
	cred_free(&p->client_server_eku);
	cred_free(&p->client_no_eku);
	cred_free(&p->client_revoked);
	cred_free(&p->client_no_cn);
	cred_free(&p->server_no_ku);
	cred_free(&p->server_no_eku);
	free(p->crl);
	free(p->crl_other_ca);
	p->crl = p->crl_other_ca = NULL;
}
