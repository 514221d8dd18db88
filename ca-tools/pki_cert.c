/*
 * Certificates and CRLs.  The extensions follow what stock OpenVPN
 * clients check (spec §13): a server certificate must carry a keyUsage
 * extension and EKU serverAuth for "remote-cert-tls server"; a client
 * certificate EKU clientAuth for "remote-cert-tls client".
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki.h"

/* SHA-384 goes with a P-384 key, SHA-256 with everything else. */
static const EVP_MD *
sig_md(EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) > 256)
		return EVP_sha384();
	return EVP_sha256();
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, char *err,
    size_t errlen)
{
	X509_EXTENSION *ext;
	int ok;

	ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	if (!ok) {
		char what[128];

		snprintf(what, sizeof(what), "cannot add %s = %s",
		    OBJ_nid2sn(nid), value);
		pki_ossl_err(err, errlen, what);
		return -1;
	}
	return 0;
}

/* Version 3, serial, validity, subject CN and public key. */
static X509 *
cert_base(EVP_PKEY *key, const char *cn, const BIGNUM *serial,
    int64_t not_before, int64_t not_after, char *err, size_t errlen)
{
	X509 *x;
	X509_NAME *subj;
	ASN1_INTEGER *sn = NULL;
	int ok = 0;

	if ((x = X509_new()) == NULL)
		goto out;
	subj = X509_get_subject_name(x);
	ok = X509_set_version(x, X509_VERSION_3) == 1 &&
	    (sn = BN_to_ASN1_INTEGER(serial, NULL)) != NULL &&
	    X509_set_serialNumber(x, sn) == 1 &&
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) != NULL &&
	    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_pubkey(x, key) == 1;
out:
	ASN1_INTEGER_free(sn);
	if (!ok) {
		pki_ossl_err(err, errlen, "cannot build the certificate");
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
sign(X509 *x, EVP_PKEY *cakey, char *err, size_t errlen)
{
	if (X509_sign(x, cakey, sig_md(cakey)) <= 0) {
		pki_ossl_err(err, errlen, "cannot sign the certificate");
		return -1;
	}
	return 0;
}

X509 *
pki_make_ca(EVP_PKEY *key, const char *cn, const BIGNUM *serial,
    int64_t now, int days, char *err, size_t errlen)
{
	X509V3_CTX ctx;
	X509 *x;

	x = cert_base(key, cn, serial, now - PKI_BACKDATE,
	    now + (int64_t)days * 86400, err, errlen);
	if (x == NULL)
		return NULL;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) {
		pki_ossl_err(err, errlen, "cannot set the issuer");
		goto fail;
	}
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE", err,
	    errlen) == -1 ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign",
	    err, errlen) == -1 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash", err,
	    errlen) == -1 ||
	    sign(x, key, err, errlen) == -1)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

X509 *
pki_make_leaf(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key, enum db_kind kind,
    const char *name, const BIGNUM *serial, int64_t now, int64_t not_after,
    char *err, size_t errlen)
{
	unsigned char addr[16];
	char san[DB_NAME_MAX + 8];
	const char *ku;
	X509V3_CTX ctx;
	X509 *x;

	x = cert_base(key, name, serial, now - PKI_BACKDATE, not_after, err,
	    errlen);
	if (x == NULL)
		return NULL;
	if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1) {
		pki_ossl_err(err, errlen, "cannot set the issuer");
		goto fail;
	}
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "CA:FALSE", err,
	    errlen) == -1 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash", err,
	    errlen) == -1 ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always",
	    err, errlen) == -1)
		goto fail;
	if (kind == DB_KIND_SERVER) {
		/* RSA key exchange encrypts to the key (TLS 1.2 and older);
		 * RFC 5480 forbids keyEncipherment on an EC key. */
		ku = EVP_PKEY_is_a(key, "RSA") ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature";
		if (inet_pton(AF_INET, name, addr) == 1 ||
		    inet_pton(AF_INET6, name, addr) == 1)
			snprintf(san, sizeof(san), "IP:%s", name);
		else
			snprintf(san, sizeof(san), "DNS:%s", name);
		if (add_ext(x, &ctx, NID_key_usage, ku, err, errlen) == -1 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth", err,
		    errlen) == -1 ||
		    add_ext(x, &ctx, NID_subject_alt_name, san, err,
		    errlen) == -1)
			goto fail;
	} else {
		if (add_ext(x, &ctx, NID_key_usage,
		    "critical,digitalSignature", err, errlen) == -1 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "clientAuth", err,
		    errlen) == -1)
			goto fail;
	}
	if (sign(x, cakey, err, errlen) == -1)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int
crl_add_revoked(X509_CRL *crl, const struct db_entry *e, char *err,
    size_t errlen)
{
	X509_REVOKED *r = NULL;
	ASN1_INTEGER *sn = NULL;
	ASN1_ENUMERATED *reason = NULL;
	ASN1_TIME *when = NULL;
	BIGNUM *bn = NULL;
	int code, ok = 0;

	code = db_reason_code(e->reason);
	if ((r = X509_REVOKED_new()) == NULL ||
	    BN_hex2bn(&bn, e->serial) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_REVOKED_set_serialNumber(r, sn) != 1 ||
	    (when = ASN1_TIME_set(NULL, (time_t)e->revoked_at)) == NULL ||
	    X509_REVOKED_set_revocationDate(r, when) != 1)
		goto out;
	/* RFC 5280 5.3.1: omit reasonCode rather than say "unspecified". */
	if (code > 0 && ((reason = ASN1_ENUMERATED_new()) == NULL ||
	    ASN1_ENUMERATED_set(reason, code) != 1 ||
	    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) != 1))
		goto out;
	if (X509_CRL_add0_revoked(crl, r) != 1)
		goto out;
	r = NULL;
	ok = 1;
out:
	if (!ok)
		pki_ossl_err(err, errlen, "cannot add a revoked entry");
	X509_REVOKED_free(r);
	ASN1_INTEGER_free(sn);
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(when);
	BN_free(bn);
	return ok ? 0 : -1;
}

X509_CRL *
pki_make_crl(X509 *ca, EVP_PKEY *cakey, const struct db *db,
    uint64_t number, int64_t now, int days, char *err, size_t errlen)
{
	X509_EXTENSION *aki = NULL;
	ASN1_INTEGER *num = NULL;
	ASN1_TIME *t = NULL;
	X509_CRL *crl;
	X509V3_CTX ctx;
	size_t i;

	if ((crl = X509_CRL_new()) == NULL)
		goto fail;
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) != 1 ||
	    (t = ASN1_TIME_set(NULL, (time_t)now)) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1 ||
	    ASN1_TIME_set(t, (time_t)(now + (int64_t)days * 86400)) == NULL ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1)
		goto fail;
	for (i = 0; i < db->n; i++) {
		if (db->entries[i].status != DB_REVOKED)
			continue;
		if (crl_add_revoked(crl, &db->entries[i], err, errlen) == -1)
			goto fail_msg;
	}
	if (X509_CRL_sort(crl) != 1 ||
	    (num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(num, number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
		goto fail;
	X509V3_set_ctx(&ctx, ca, NULL, NULL, crl, 0);
	if ((aki = X509V3_EXT_nconf_nid(NULL, &ctx,
	    NID_authority_key_identifier, "keyid:always")) == NULL ||
	    X509_CRL_add_ext(crl, aki, -1) != 1)
		goto fail;
	if (X509_CRL_sign(crl, cakey, sig_md(cakey)) <= 0)
		goto fail;
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	return crl;
fail:
	pki_ossl_err(err, errlen, "cannot build the CRL");
fail_msg:
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return NULL;
}

int
pki_crl_next_update(const char *pem, size_t len, int64_t *t)
{
	X509_CRL *crl = NULL;
	const ASN1_TIME *next;
	BIO *bio;
	int rc = -1;

	if (len > INT32_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (crl != NULL && (next = X509_CRL_get0_nextUpdate(crl)) != NULL)
		rc = pki_time_get(next, t);
	X509_CRL_free(crl);
	ERR_clear_error();
	return rc;
}
