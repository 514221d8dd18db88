/*
 * TLS over OpenSSL memory BIOs (spec §6.1, §7.2, §13).
 *
 * Bytes from the peer go into a memory BIO that TLS reads (tlsmem_feed);
 * what TLS writes collects in a second memory BIO that the caller drains
 * (tlsmem_out_take) into control-channel messages.  No socket is involved,
 * so every call returns at once: "want read" simply means "feed me more".
 *
 * The verify callback and the info callback find their struct tlsmem
 * through the SSL's app-data slot (ex_data index 0, reserved by OpenSSL for
 * this use), so no process-wide ex_data index and no global is needed.
 *
 * Invariants: a struct tlsmem_ctx is immutable once built, hence safe to
 * share between threads; each SSL holds its own reference to the SSL_CTX,
 * so a context may be freed (config reload) while sessions made from it
 * live on.  t->err keeps the first reason a session failed.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsmem.h"

#define EKM_LABEL	"EXPORTER-OpenVPN-datakeys"
#define EKM_LEN		256
#define CN_MAX		64	/* X.509 ub-common-name; OpenVPN's limit */

struct tlsmem_ctx {
	SSL_CTX		*ssl_ctx;
	bool		 server;
};

struct tlsmem {
	SSL		*ssl;
	BIO		*rbio;		/* peer -> TLS (tlsmem_feed) */
	BIO		*wbio;		/* TLS -> peer (tlsmem_out_take) */
	bool		 server;
	bool		 established;
	bool		 failed;
	char		 err[320];
};

/* The reason of the newest queued OpenSSL error, or a placeholder. */
static const char *
ossl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	return r != NULL ? r : "unknown OpenSSL error";
}

/* printf into err, then empty the (thread-local) OpenSSL error queue. */
static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
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
static void
cert_cn(X509 *x, char *out, size_t cap)
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
static const char *
leaf_policy(X509 *x, bool we_are_server)
{
	uint32_t f = X509_get_extension_flags(x);
	char cn[CN_MAX + 1];

	if (f & EXFLAG_INVALID)
		return "certificate has malformed extensions";
	if (we_are_server) {
		if (!(f & EXFLAG_XKUSAGE) ||
		    !(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT))
			return "certificate lacks EKU clientAuth";
		cert_cn(x, cn, sizeof(cn));
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
static const char *
verify_reason(int e, int depth, X509 *leaf, bool we_are_server)
{
	const char *p;

	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		return "certificate revoked";
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
		if (depth == 0 && (p = leaf_policy(leaf, we_are_server)) != NULL)
			return p;
		return we_are_server ? "certificate is not valid for TLS "
		    "client authentication" : "certificate is not valid for "
		    "a TLS server";
	default:
		return X509_verify_cert_error_string(e);
	}
}

/* Records the first refusal reason of a session, naming the CN if any. */
static void
refuse(struct tlsmem *t, const char *why, X509 *leaf)
{
	char cn[CN_MAX + 1];

	if (t->err[0] != '\0')
		return;
	cert_cn(leaf, cn, sizeof(cn));
	if (cn[0] != '\0')
		snprintf(t->err, sizeof(t->err), "%s (CN \"%s\")", why, cn);
	else
		snprintf(t->err, sizeof(t->err), "%s", why);
}

static int
verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tlsmem *t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(sctx);
	int depth = X509_STORE_CTX_get_error_depth(sctx);
	const char *why = NULL;

	if (t == NULL)
		return 0;
	if (!ok)
		why = verify_reason(X509_STORE_CTX_get_error(sctx), depth, leaf,
		    t->server);
	else if (depth == 0 && (why = leaf_policy(leaf, t->server)) != NULL)
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_INVALID_PURPOSE);
	if (why == NULL)
		return 1;
	refuse(t, why, leaf);
	return 0;
}

/* Remembers a fatal alert from the peer: often the only reason we get. */
static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct tlsmem *t;
	const char *desc;

	/* SSL_CB_READ_ALERT is two bits; a written alert shares one. */
	if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT ||
	    (ret >> 8) != SSL3_AL_FATAL)
		return;
	if ((t = SSL_get_app_data(ssl)) == NULL || t->err[0] != '\0')
		return;
	desc = SSL_alert_desc_string_long(ret);
	/* OpenSSL 3.0 has no text for TLS 1.3's "no client certificate". */
	if ((ret & 0xff) == TLS13_AD_CERTIFICATE_REQUIRED)
		desc = "certificate required";
	if (strcmp(desc, "unknown") == 0)
		snprintf(t->err, sizeof(t->err), "peer sent alert %d",
		    ret & 0xff);
	else
		snprintf(t->err, sizeof(t->err), "peer sent alert: %s", desc);
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;	/* encrypted keys are refused, never prompted for */
}

static bool
pem_at_end(void)
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
static int
load_pem(const char *pem, const char *what, STACK_OF(X509) *certs,
    STACK_OF(X509_CRL) *crls, char *err, size_t errlen)
{
	X509 *x = NULL;
	X509_CRL *c = NULL;
	BIO *b;
	int n, rc = -1;

	if (pem == NULL) {
		seterr(err, errlen, "%s: not configured", what);
		return -1;
	}
	if ((b = BIO_new_mem_buf(pem, -1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", what);
		return -1;
	}
	for (n = 0;; n++) {
		ERR_set_mark();
		if (crls == NULL)
			x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
		else
			c = PEM_read_bio_X509_CRL(b, NULL, no_passphrase, NULL);
		if (x == NULL && c == NULL) {
			if (n > 0 && pem_at_end()) {
				ERR_pop_to_mark();
				rc = 0;
				break;
			}
			ERR_clear_last_mark();
			seterr(err, errlen, "%s: %s %s: %s", what, n > 0 ?
			    "cannot parse a" : "no readable", crls == NULL ?
			    "certificate" : "CRL", ossl_reason());
			break;
		}
		ERR_clear_last_mark();
		if (x != NULL ? !sk_X509_push(certs, x) :
		    !sk_X509_CRL_push(crls, c)) {
			X509_free(x);
			X509_CRL_free(c);
			seterr(err, errlen, "%s: out of memory", what);
			break;
		}
		x = NULL;
		c = NULL;
	}
	BIO_free(b);
	return rc;
}

static EVP_PKEY *
load_key(const char *pem, char *err, size_t errlen)
{
	EVP_PKEY *k;
	BIO *b;

	if ((b = BIO_new_mem_buf(pem, -1)) == NULL) {
		seterr(err, errlen, "key: out of memory");
		return NULL;
	}
	if ((k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)) ==
	    NULL)
		seterr(err, errlen, "key: no readable unencrypted private "
		    "key: %s", ossl_reason());
	BIO_free(b);
	return k;
}

/* Does leaf chain to a certificate of ca (validity dates not checked)? */
static int
check_chain(STACK_OF(X509) *ca, X509 *leaf, STACK_OF(X509) *untrusted,
    char *err, size_t errlen)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *sctx = NULL;
	int i, rc = -1;

	if ((st = X509_STORE_new()) == NULL ||
	    (sctx = X509_STORE_CTX_new()) == NULL) {
		seterr(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < sk_X509_num(ca); i++)
		X509_STORE_add_cert(st, sk_X509_value(ca, i));
	if (!X509_STORE_CTX_init(sctx, st, leaf, untrusted)) {
		seterr(err, errlen, "cert: %s", ossl_reason());
		goto done;
	}
	/* Structure only: dates are the peers' business at handshake time. */
	X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(sctx) != 1) {
		seterr(err, errlen, "cert: certificate does not chain to the "
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
static int
check_server_leaf(X509 *x, char *err, size_t errlen)
{
	uint32_t f = X509_get_extension_flags(x);

	if (f & EXFLAG_INVALID) {
		seterr(err, errlen, "cert: certificate has malformed "
		    "extensions");
		return -1;
	}
	if (!(f & EXFLAG_KUSAGE)) {
		seterr(err, errlen, "cert: server certificate has no keyUsage "
		    "extension; clients with remote-cert-tls server refuse it");
		return -1;
	}
	if (!(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		seterr(err, errlen, "cert: server certificate keyUsage lacks "
		    "digitalSignature, which ECDHE and TLS 1.3 need");
		return -1;
	}
	if (!(f & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER)) {
		seterr(err, errlen, "cert: server certificate lacks EKU "
		    "serverAuth; clients with remote-cert-tls server refuse "
		    "it");
		return -1;
	}
	return 0;
}

/* Each CRL must carry a valid signature of one of our CAs. */
static int
check_crls(STACK_OF(X509_CRL) *crls, STACK_OF(X509) *ca, char *err,
    size_t errlen)
{
	X509_CRL *crl;
	X509 *c;
	char name[256];
	int i, j;
	bool ok;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		crl = sk_X509_CRL_value(crls, i);
		for (ok = false, j = 0; !ok && j < sk_X509_num(ca); j++) {
			c = sk_X509_value(ca, j);
			ok = X509_NAME_cmp(X509_get_subject_name(c),
			    X509_CRL_get_issuer(crl)) == 0 &&
			    X509_CRL_verify(crl, X509_get0_pubkey(c)) == 1;
			if (ok && (X509_get_extension_flags(c) & EXFLAG_KUSAGE) &&
			    !(X509_get_key_usage(c) & KU_CRL_SIGN)) {
				seterr(err, errlen, "crl: CA keyUsage lacks "
				    "cRLSign, so its CRL would be refused");
				return -1;
			}
		}
		if (!ok) {
			X509_NAME_oneline(X509_CRL_get_issuer(crl), name,
			    sizeof(name));
			seterr(err, errlen, "crl: CRL of \"%s\" is not signed "
			    "by a CA in ca", name);
			return -1;
		}
	}
	ERR_clear_error();
	return 0;
}

static int
version_ok(int v)
{
	return v == TLS1_2_VERSION || v == TLS1_3_VERSION;
}

static struct tlsmem_ctx *
ctx_new(const struct tlsmem_conf *conf, bool server, char *err,
    size_t errlen)
{
	STACK_OF(X509) *ca = NULL, *chain = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	struct tlsmem_ctx *c = NULL;
	EVP_PKEY *key = NULL;
	X509_STORE *store;
	SSL_CTX *sc = NULL;
	X509 *leaf = NULL;
	int i, vmin, vmax;

	ERR_clear_error();
	vmin = conf->tls_version_min ? conf->tls_version_min : TLS1_2_VERSION;
	vmax = conf->tls_version_max;
	if (!version_ok(vmin) || (vmax != 0 && (!version_ok(vmax) ||
	    vmax < vmin))) {
		seterr(err, errlen, "tls versions: min and max must be TLS "
		    "1.2 or 1.3, min <= max");
		goto fail;
	}
	if ((ca = sk_X509_new_null()) == NULL ||
	    (chain = sk_X509_new_null()) == NULL ||
	    (crls = sk_X509_CRL_new_null()) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (load_pem(conf->ca_pem, "ca", ca, NULL, err, errlen) == -1)
		goto fail;
	if (server || conf->cert_pem != NULL) {
		if (load_pem(conf->cert_pem, "cert", chain, NULL, err,
		    errlen) == -1)
			goto fail;
		if (conf->key_pem == NULL) {
			seterr(err, errlen, "key: not configured");
			goto fail;
		}
		if ((key = load_key(conf->key_pem, err, errlen)) == NULL)
			goto fail;
		leaf = sk_X509_shift(chain);	/* chain keeps the rest */
		if (X509_check_private_key(leaf, key) != 1) {
			seterr(err, errlen, "key: private key does not match "
			    "the certificate (%s)", ossl_reason());
			goto fail;
		}
	}
	if (server) {
		if (check_chain(ca, leaf, chain, err, errlen) == -1 ||
		    check_server_leaf(leaf, err, errlen) == -1)
			goto fail;
	}
	if (conf->crl_pem != NULL && (load_pem(conf->crl_pem, "crl", NULL,
	    crls, err, errlen) == -1 || check_crls(crls, ca, err, errlen) == -1))
		goto fail;

	if ((sc = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method())) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(sc, vmin) ||
	    !SSL_CTX_set_max_proto_version(sc, vmax)) {
		seterr(err, errlen, "tls versions: %s", ossl_reason());
		goto fail;
	}
	/* A fresh session per key_id: no tickets, no cache, no renegotiation. */
	SSL_CTX_set_options(sc, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(sc, 0);
	/* Thousands of idle sessions: give record buffers back when idle. */
	SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);

	store = SSL_CTX_get_cert_store(sc);
	for (i = 0; i < sk_X509_num(ca); i++) {
		if (!X509_STORE_add_cert(store, sk_X509_value(ca, i)) ||
		    (server && !SSL_CTX_add_client_CA(sc,
		    sk_X509_value(ca, i)))) {
			seterr(err, errlen, "ca: %s", ossl_reason());
			goto fail;
		}
	}
	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		if (!X509_STORE_add_crl(store, sk_X509_CRL_value(crls, i))) {
			seterr(err, errlen, "crl: %s", ossl_reason());
			goto fail;
		}
	}
	if (conf->crl_pem != NULL)
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);

	if (leaf != NULL) {
		if (!SSL_CTX_use_certificate(sc, leaf) ||
		    !SSL_CTX_use_PrivateKey(sc, key)) {
			seterr(err, errlen, "cert: %s", ossl_reason());
			goto fail;
		}
		for (i = 0; i < sk_X509_num(chain); i++) {
			if (!SSL_CTX_add1_chain_cert(sc,
			    sk_X509_value(chain, i))) {
				seterr(err, errlen, "cert: %s", ossl_reason());
				goto fail;
			}
		}
	}
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | (server ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_cb);
	SSL_CTX_set_info_callback(sc, info_cb);

	c->ssl_ctx = sc;
	c->server = server;
	sc = NULL;
	goto done;
fail:
	free(c);
	c = NULL;
done:
	SSL_CTX_free(sc);
	X509_free(leaf);
	EVP_PKEY_free(key);
	sk_X509_pop_free(ca, X509_free);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	ERR_clear_error();
	return c;
}

struct tlsmem_ctx *
tlsmem_ctx_new(const struct tlsmem_conf *conf, char *err, size_t errlen)
{
	return ctx_new(conf, true, err, errlen);
}

struct tlsmem_ctx *
tlsmem_ctx_new_client(const struct tlsmem_conf *conf, char *err,
    size_t errlen)
{
	return ctx_new(conf, false, err, errlen);
}

void
tlsmem_ctx_free(struct tlsmem_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl_ctx);
	free(c);
}

struct tlsmem *
tlsmem_new(struct tlsmem_ctx *c)
{
	struct tlsmem *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->ssl = SSL_new(c->ssl_ctx)) == NULL ||
	    (t->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (t->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(t->rbio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return NULL;
	}
	/* An empty input BIO means "retry later", not end of stream. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);	/* the SSL owns both now */
	SSL_set_app_data(t->ssl, t);
	t->server = c->server;
	if (t->server)
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	return t;
}

void
tlsmem_free(struct tlsmem *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

int
tlsmem_feed(struct tlsmem *t, const uint8_t *p, size_t len)
{
	if (len == 0)
		return 0;
	if (len > INT_MAX || BIO_write(t->rbio, p, (int)len) != (int)len) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* Marks the session failed after an SSL call; keeps an earlier reason. */
static int
fail(struct tlsmem *t, int sslerr, const char *what)
{
	unsigned long e = ERR_peek_last_error();

	t->failed = true;
	if (t->err[0] != '\0') {
		ERR_clear_error();
		return -1;
	}
	if (sslerr == SSL_ERROR_ZERO_RETURN)
		snprintf(t->err, sizeof(t->err), "peer closed the TLS session");
	else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		snprintf(t->err, sizeof(t->err), "client sent no certificate");
	else if (e != 0)
		snprintf(t->err, sizeof(t->err), "%s: %s", what, ossl_reason());
	else
		snprintf(t->err, sizeof(t->err), "%s (SSL error %d)", what,
		    sslerr);
	ERR_clear_error();
	return -1;
}

int
tlsmem_handshake(struct tlsmem *t)
{
	int r, e;

	if (t->failed)
		return -1;
	if (t->established)
		return 1;
	ERR_clear_error();
	if ((r = SSL_do_handshake(t->ssl)) == 1) {
		t->established = true;
		return 1;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return fail(t, e, "TLS handshake failed");
}

bool
tlsmem_established(const struct tlsmem *t)
{
	return t->established && !t->failed;
}

int
tlsmem_read(struct tlsmem *t, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int r, e;

	if (!t->established || t->failed) {
		r = tlsmem_handshake(t);
		if (r <= 0)
			return r;
	}
	if (cap == 0)
		return 0;
	if (cap > INT_MAX)
		cap = INT_MAX;
	ERR_clear_error();
	if ((r = SSL_read_ex(t->ssl, buf, cap, &n)) == 1)
		return (int)n;
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return fail(t, e, "TLS read failed");
}

int
tlsmem_write(struct tlsmem *t, const uint8_t *p, size_t len)
{
	size_t n = 0;
	int r;

	if (!t->established || t->failed)
		return -1;
	if (len == 0)
		return 0;
	ERR_clear_error();
	if ((r = SSL_write_ex(t->ssl, p, len, &n)) != 1 || n != len)
		return fail(t, SSL_get_error(t->ssl, r), "TLS write failed");
	return 0;
}

size_t
tlsmem_out_pending(const struct tlsmem *t)
{
	return BIO_ctrl_pending(t->wbio);
}

size_t
tlsmem_out_take(struct tlsmem *t, uint8_t *buf, size_t cap)
{
	int n;

	if (cap == 0)
		return 0;
	if (cap > INT_MAX)
		cap = INT_MAX;
	if ((n = BIO_read(t->wbio, buf, (int)cap)) <= 0)
		return 0;
	return (size_t)n;
}

int
tlsmem_export_keys(struct tlsmem *t, uint8_t out[256])
{
	if (!t->established || t->failed)
		return -1;
	if (SSL_export_keying_material(t->ssl, out, EKM_LEN, EKM_LABEL,
	    strlen(EKM_LABEL), NULL, 0, 0) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

const char *
tlsmem_error(const struct tlsmem *t)
{
	return t->err;
}

int
tlsmem_peer_info(const struct tlsmem *t, struct tlsmem_peer *pi)
{
	const SSL_CIPHER *ciph;
	X509 *x;
	BIGNUM *bn;
	char *hex;

	memset(pi, 0, sizeof(*pi));
	if (!t->established || t->failed ||
	    (x = SSL_get0_peer_certificate(t->ssl)) == NULL)
		return -1;
	cert_cn(x, pi->cn, sizeof(pi->cn));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) !=
	    NULL && (hex = BN_bn2hex(bn)) != NULL) {
		snprintf(pi->serial, sizeof(pi->serial), "%s", hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	snprintf(pi->version, sizeof(pi->version), "%s",
	    SSL_get_version(t->ssl));
	if ((ciph = SSL_get_current_cipher(t->ssl)) != NULL)
		snprintf(pi->cipher, sizeof(pi->cipher), "%s",
		    SSL_CIPHER_get_name(ciph));
	ERR_clear_error();
	return 0;
}
