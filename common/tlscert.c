/*
 * Certificate policy for the TLS control channel (spec §13): loading PEM
 * text, the checks a server certificate must pass at start, what we
 * demand of a peer's leaf, and plain-words reasons for refusals.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlscert.h"


const char *
tlscert_ossl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	return r != NULL ? r : "unknown OpenSSL error";
}

/* printf into err, then empty the (thread-local) OpenSSL error queue. */
void
tlscert_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error();
}

/*
 * Subject CN as OpenVPN derives the client identity: the last CN entry,
 * as UTF-8, every byte that is not printable ASCII replaced by '_', at
 * most 64 characters.  "" if there is none.
 */
void
tlscert_cn(X509 *x, char *out, size_t cap)
{
	X509_NAME *name;
	X509_NAME_ENTRY *ent;
	unsigned char *u = NULL;
	int i, last = -1, n;
	size_t k;

	out[0] = '\0';
	if (x == NULL || (name = X509_get_subject_name(x)) == NULL)
		return;
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName,
	    last)) >= 0)
		last = i;
	if (last < 0 || (ent = X509_NAME_get_entry(name, last)) == NULL)
		return;
	if ((n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(ent))) < 0) {
		ERR_clear_error();
		return;
	}
	for (k = 0; k < (size_t)n && k < CN_MAX && k + 1 < cap; k++)
		out[k] = (u[k] >= 0x20 && u[k] <= 0x7e) ? (char)u[k] : '_';
	out[k] = '\0';
	OPENSSL_free(u);
}

/*
 * What we demand of the peer's leaf beyond a valid chain.  Clients: EKU
 * clientAuth (a certificate without EKU or with serverAuth only is
 * refused) and a CN, which is the client's identity.  Servers (client
 * role): what "remote-cert-tls server" demands, keyUsage + EKU serverAuth.
 */
const char *
tlscert_leaf_policy(X509 *x, bool we_are_server)
{
	uint32_t f = X509_get_extension_flags(x);
	char cn[CN_MAX + 1];

	if (f & EXFLAG_INVALID)
		return "certificate has malformed extensions";
	if (we_are_server) {
		if (!(f & EXFLAG_XKUSAGE) ||
		    !(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT))
			return "certificate lacks EKU clientAuth";
		tlscert_cn(x, cn, sizeof(cn));
		if (cn[0] == '\0')
			return "certificate has no subject CN";
		return NULL;
	}
	if (!(f & EXFLAG_KUSAGE))
		return "server certificate has no keyUsage extension";
	if (!(f & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER))
		return "server certificate lacks EKU serverAuth";
	return NULL;
}

/* Plain words for a chain-verification error at the given depth. */
const char *
tlscert_verify_reason(int e, int depth, X509 *leaf, bool we_are_server)
{
	const char *p;

	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		return depth > 0 ? "a CA certificate of its chain is revoked" :
		    "certificate revoked";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return "certificate is not signed by our CA";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "certificate has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "certificate is not yet valid";
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return "no CRL for the certificate's issuer (every CA in "
		    "the chain needs a CRL)";
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return "our CRL has expired (its nextUpdate has passed)";
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return "our CRL is not yet valid";
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
		return "our CRL's signature does not verify";
	case X509_V_ERR_INVALID_PURPOSE:
		/* OpenSSL's purpose check: say which property is missing. */
		if (depth == 0 && (p = tlscert_leaf_policy(leaf, we_are_server)) != NULL)
			return p;
		return we_are_server ? "certificate is not valid for TLS "
		    "client authentication" : "certificate is not valid for "
		    "a TLS server";
	default:
		return X509_verify_cert_error_string(e);
	}
}

static int
tlscert_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;	/* encrypted keys are refused, never prompted for */
}

static bool
tlscert_pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/*
 * Appends every certificate (crls NULL) or every CRL (certs NULL) in pem
 * to the stack given; at least one must be there.  Other PEM blocks are
 * skipped, so a combined file works.  what names the input.
 */
int
tlscert_load_pem(const char *pem, const char *what,
    STACK_OF(X509) *certs, STACK_OF(X509_CRL) *crls, char *err, size_t errlen)
{
	X509 *x = NULL;
	X509_CRL *c = NULL;
	BIO *b;
	int n, rc = -1;

	if (pem == NULL) {
		tlscert_seterr(err, errlen, "%s: not configured", what);
		return -1;
	}
	if ((b = BIO_new_mem_buf(pem, -1)) == NULL) {
		tlscert_seterr(err, errlen, "%s: out of memory", what);
		return -1;
	}
	for (n = 0;; n++) {
		ERR_set_mark();
		if (crls == NULL)
			x = PEM_read_bio_X509(b, NULL, tlscert_no_passphrase, NULL);
		else
			c = PEM_read_bio_X509_CRL(b, NULL, tlscert_no_passphrase, NULL);
		if (x == NULL && c == NULL) {
			if (n > 0 && tlscert_pem_at_end()) {
				ERR_pop_to_mark();
				rc = 0;
				break;
			}
			ERR_clear_last_mark();
			tlscert_seterr(err, errlen, "%s: %s %s: %s", what, n > 0 ?
			    "cannot parse a" : "no readable", crls == NULL ?
			    "certificate" : "CRL", tlscert_ossl_reason());
			break;
		}
		ERR_clear_last_mark();
		if (x != NULL ? !sk_X509_push(certs, x) :
		    !sk_X509_CRL_push(crls, c)) {
			X509_free(x);
			X509_CRL_free(c);
			tlscert_seterr(err, errlen, "%s: out of memory", what);
			break;
		}
		x = NULL;
		c = NULL;
	}
	BIO_free(b);
	return rc;
}

EVP_PKEY *
tlscert_load_key(const char *pem, char *err, size_t errlen)
{
	EVP_PKEY *k;
	BIO *b;

	if ((b = BIO_new_mem_buf(pem, -1)) == NULL) {
		tlscert_seterr(err, errlen, "key: out of memory");
		return NULL;
	}
	if ((k = PEM_read_bio_PrivateKey(b, NULL, tlscert_no_passphrase, NULL)) ==
	    NULL)
		tlscert_seterr(err, errlen, "key: no readable unencrypted private "
		    "key: %s", tlscert_ossl_reason());
	BIO_free(b);
	return k;
}

/* Does leaf chain to a certificate of ca (validity dates not checked)? */
int
tlscert_check_chain(STACK_OF(X509) *ca, X509 *leaf,
    STACK_OF(X509) *untrusted, char *err, size_t errlen)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *sctx = NULL;
	int i, rc = -1;

	if ((st = X509_STORE_new()) == NULL ||
	    (sctx = X509_STORE_CTX_new()) == NULL) {
		tlscert_seterr(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < sk_X509_num(ca); i++)
		X509_STORE_add_cert(st, sk_X509_value(ca, i));
	if (!X509_STORE_CTX_init(sctx, st, leaf, untrusted)) {
		tlscert_seterr(err, errlen, "cert: %s", tlscert_ossl_reason());
		goto done;
	}
	/* Structure only: dates are the peers' business at handshake time. */
	X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(sctx) != 1) {
		tlscert_seterr(err, errlen, "cert: certificate does not chain to the "
		    "CA in ca: %s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(sctx)));
		goto done;
	}
	rc = 0;
done:
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(st);
	ERR_clear_error();
	return rc;
}

/* What every "remote-cert-tls server" client would refuse later. */
int
tlscert_check_server_leaf(X509 *x, char *err, size_t errlen)
{
	uint32_t f = X509_get_extension_flags(x);

	if (f & EXFLAG_INVALID) {
		tlscert_seterr(err, errlen, "cert: certificate has malformed "
		    "extensions");
		return -1;
	}
	if (!(f & EXFLAG_KUSAGE)) {
		tlscert_seterr(err, errlen, "cert: server certificate has no keyUsage "
		    "extension; clients with remote-cert-tls server refuse it");
		return -1;
	}
	if (!(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		tlscert_seterr(err, errlen, "cert: server certificate keyUsage lacks "
		    "digitalSignature, which ECDHE and TLS 1.3 need");
		return -1;
	}
	if (!(f & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER)) {
		tlscert_seterr(err, errlen, "cert: server certificate lacks EKU "
		    "serverAuth; clients with remote-cert-tls server refuse "
		    "it");
		return -1;
	}
	return 0;
}

/* Each CRL must carry a valid signature of one of our CAs. */
int
tlscert_check_crls(STACK_OF(X509_CRL) *crls, STACK_OF(X509) *ca,
    STACK_OF(X509) *signers, char *err, size_t errlen)
{
	X509_CRL *crl;
	X509_EXTENSION *ext;
	X509 *c, *signer;
	char name[256];
	int i, j, nid;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		crl = sk_X509_CRL_value(crls, i);
		X509_NAME_oneline(X509_CRL_get_issuer(crl), name, sizeof(name));
		/* Revocation is checked by tlsmem.c, which knows full CRLs
		 * only: refuse what would mean more. */
		for (j = 0; j < X509_CRL_get_ext_count(crl); j++) {
			ext = X509_CRL_get_ext(crl, j);
			nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
			if (nid == NID_delta_crl) {
				tlscert_seterr(err, errlen, "crl: the CRL of \"%s\" "
				    "is a delta CRL: give the full CRL", name);
				return -1;
			}
			if (nid == NID_issuing_distribution_point) {
				tlscert_seterr(err, errlen, "crl: the CRL of \"%s\" "
				    "has an issuing distribution point (a partial "
				    "or indirect CRL): not supported", name);
				return -1;
			}
			if (X509_EXTENSION_get_critical(ext) &&
			    nid != NID_authority_key_identifier &&
			    nid != NID_crl_number) {
				tlscert_seterr(err, errlen, "crl: the CRL of \"%s\" "
				    "has an unsupported critical extension (%s)",
				    name, nid == NID_undef ? "unknown" :
				    OBJ_nid2sn(nid));
				return -1;
			}
		}
		for (signer = NULL, j = 0; signer == NULL &&
		    j < sk_X509_num(ca); j++) {
			c = sk_X509_value(ca, j);
			if (X509_NAME_cmp(X509_get_subject_name(c),
			    X509_CRL_get_issuer(crl)) == 0 &&
			    X509_CRL_verify(crl, X509_get0_pubkey(c)) == 1)
				signer = c;
		}
		if (signer == NULL) {
			tlscert_seterr(err, errlen, "crl: CRL of \"%s\" is not "
			    "signed by a CA in ca", name);
			return -1;
		}
		if ((X509_get_extension_flags(signer) & EXFLAG_KUSAGE) &&
		    !(X509_get_key_usage(signer) & KU_CRL_SIGN)) {
			tlscert_seterr(err, errlen, "crl: CA keyUsage lacks "
			    "cRLSign, so its CRL would be refused");
			return -1;
		}
		if (signers != NULL && X509_up_ref(signer) &&
		    !sk_X509_push(signers, signer)) {
			X509_free(signer);
			tlscert_seterr(err, errlen, "crl: out of memory");
			return -1;
		}
	}
	ERR_clear_error();
	return 0;
}
