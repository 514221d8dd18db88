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
 * share between threads; each session holds a reference to it (and its
 * SSL one to the SSL_CTX), so a context may be released (config reload)
 * while sessions made from it live on.  t->err keeps the first reason a session failed.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlscert.h"
#include "tlsmem.h"

#define EKM_LABEL	"EXPORTER-OpenVPN-datakeys"
#define EKM_LEN		256

struct tlsmem_ctx {
	SSL_CTX		*ssl_ctx;
	bool		 server;
	bool		 crl_expired_ok;	/* crl-expired warn */
	int		 refs;		/* atomic: holders of this context, and
					 * each session made from it */
	int64_t		 crl_next_update;	/* 0 = no CRL */
	/* The CRLs (NULL: none) and the CA that signed each (parallel),
	 * checked once when loaded: see check_revocation. */
	STACK_OF(X509_CRL) *crls;
	STACK_OF(X509)	*crl_signers;
};

struct tlsmem {
	struct tlsmem_ctx *ctx;		/* a reference: the CRLs */
	SSL		*ssl;
	BIO		*rbio;		/* peer -> TLS (tlsmem_feed) */
	BIO		*wbio;		/* TLS -> peer (tlsmem_out_take) */
	bool		 server;
	bool		 crl_expired_ok;
	bool		 established;
	bool		 failed;
	char		 err[320];
};

/* Records the first refusal reason of a session, naming the CN if any. */
static void
refuse(struct tlsmem *t, const char *why, X509 *leaf)
{
	char cn[CN_MAX + 1];

	if (t->err[0] != '\0')
		return;
	tlscert_cn(leaf, cn, sizeof(cn));
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
	/* crl-expired warn: an expired CRL still revokes what it lists. */
	if (!ok && t->crl_expired_ok &&
	    X509_STORE_CTX_get_error(sctx) == X509_V_ERR_CRL_HAS_EXPIRED)
		return 1;
	if (!ok)
		why = tlscert_verify_reason(X509_STORE_CTX_get_error(sctx), depth, leaf,
		    t->server);
	else if (depth == 0 && (why = tlscert_leaf_policy(leaf, t->server)) != NULL)
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
version_ok(int v)
{
	return v == TLS1_2_VERSION || v == TLS1_3_VERSION;
}

/* An error of the revocation check, through the verify callback as
 * OpenSSL reports its own: 1 to go on (the callback let it pass), 0. */
static int
revocation_error(X509_STORE_CTX *sctx, int err, int depth, X509 *x)
{
	X509_STORE_CTX_verify_cb cb = X509_STORE_CTX_get_verify_cb(sctx);

	X509_STORE_CTX_set_error(sctx, err);
	X509_STORE_CTX_set_error_depth(sctx, depth);
	X509_STORE_CTX_set_current_cert(sctx, x);
	return cb != NULL ? cb(0, sctx) : 0;
}

/*
 * Certificate x, at depth in the chain, issued by issuer: covered by a
 * CRL of that issuer, current, and not listed in it.  The CRL must be one
 * that issuer signed: the one checked at load (same certificate), or,
 * should two CAs share a name, one whose signature its key verifies now.
 */
static int
check_cert_revocation(X509_STORE_CTX *sctx, const struct tlsmem_ctx *c,
    int depth, X509 *x, X509 *issuer)
{
	X509_CRL *crl = NULL, *cand;
	X509_REVOKED *rev;
	const ASN1_TIME *next;
	EVP_PKEY *ikey;
	int i;

	for (i = 0; crl == NULL && i < sk_X509_CRL_num(c->crls); i++) {
		cand = sk_X509_CRL_value(c->crls, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(cand),
		    X509_get_issuer_name(x)) != 0)
			continue;
		if (X509_cmp(sk_X509_value(c->crl_signers, i), issuer) == 0 ||
		    ((ikey = X509_get0_pubkey(issuer)) != NULL &&
		    X509_CRL_verify(cand, ikey) == 1))
			crl = cand;
	}
	ERR_clear_error();
	if (crl == NULL)
		return revocation_error(sctx, X509_V_ERR_UNABLE_TO_GET_CRL,
		    depth, x);
	if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), NULL) >= 0 &&
	    !revocation_error(sctx, X509_V_ERR_CRL_NOT_YET_VALID, depth, x))
		return 0;
	if ((next = X509_CRL_get0_nextUpdate(crl)) != NULL &&
	    X509_cmp_time(next, NULL) <= 0 &&
	    !revocation_error(sctx, X509_V_ERR_CRL_HAS_EXPIRED, depth, x))
		return 0;
	if (X509_CRL_get0_by_cert(crl, &rev, x) == 1)
		return revocation_error(sctx, X509_V_ERR_CERT_REVOKED, depth, x);
	return 1;
}

/*
 * The X509_STORE's revocation check, what X509_V_FLAG_CRL_CHECK with
 * X509_V_FLAG_CRL_CHECK_ALL would do for full CRLs (tlscert_check_crls
 * refuses others): every certificate of the chain, the root included,
 * is covered by a current CRL of its issuer and not listed in it.
 * OpenSSL's own check verifies the CRL's signature again at every
 * handshake, a quarter of a handshake's CPU with P-256; ours were
 * verified when loaded.  The context comes from the session (handshake)
 * or the store context's app data (tlsmem_ctx_verify).
 */
static int
check_revocation(X509_STORE_CTX *sctx)
{
	const struct tlsmem_ctx *c = X509_STORE_CTX_get_app_data(sctx);
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(sctx);
	SSL *ssl;
	X509 *x;
	int i, n = sk_X509_num(chain);

	if (c == NULL && (ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx())) != NULL &&
	    SSL_get_app_data(ssl) != NULL)
		c = ((struct tlsmem *)SSL_get_app_data(ssl))->ctx;
	if (c == NULL || n <= 0)
		return revocation_error(sctx, X509_V_ERR_UNSPECIFIED, 0,
		    X509_STORE_CTX_get0_cert(sctx));
	if (c->crls == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		x = sk_X509_value(chain, i);
		if (!check_cert_revocation(sctx, c, i, x,
		    i + 1 < n ? sk_X509_value(chain, i + 1) : x))
			return 0;
	}
	return 1;
}

static struct tlsmem_ctx *
ctx_new(const struct tlsmem_conf *conf, bool server, char *err,
    size_t errlen)
{
	STACK_OF(X509) *ca = NULL, *chain = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	STACK_OF(X509) *signers = NULL;
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
		tlscert_seterr(err, errlen, "tls versions: min and max must be TLS "
		    "1.2 or 1.3, min <= max");
		goto fail;
	}
	if ((ca = sk_X509_new_null()) == NULL ||
	    (chain = sk_X509_new_null()) == NULL ||
	    (crls = sk_X509_CRL_new_null()) == NULL) {
		tlscert_seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (tlscert_load_pem(conf->ca_pem, "ca", ca, NULL, err, errlen) == -1)
		goto fail;
	if (server || conf->cert_pem != NULL) {
		if (tlscert_load_pem(conf->cert_pem, "cert", chain, NULL, err,
		    errlen) == -1)
			goto fail;
		if (conf->key_pem == NULL) {
			tlscert_seterr(err, errlen, "key: not configured");
			goto fail;
		}
		if ((key = tlscert_load_key(conf->key_pem, err, errlen)) == NULL)
			goto fail;
		leaf = sk_X509_shift(chain);	/* chain keeps the rest */
		if (X509_check_private_key(leaf, key) != 1) {
			tlscert_seterr(err, errlen, "key: private key does not match "
			    "the certificate (%s)", tlscert_ossl_reason());
			goto fail;
		}
	}
	if (server) {
		if (tlscert_check_chain(ca, leaf, chain, err, errlen) == -1 ||
		    tlscert_check_server_leaf(leaf, err, errlen) == -1)
			goto fail;
	}
	if (conf->crl_pem != NULL && ((signers = sk_X509_new_null()) == NULL ||
	    tlscert_load_pem(conf->crl_pem, "crl", NULL, crls, err,
	    errlen) == -1 || tlscert_check_crls(crls, ca, signers, err,
	    errlen) == -1))
		goto fail;

	if ((sc = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method())) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		tlscert_seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(sc, vmin) ||
	    !SSL_CTX_set_max_proto_version(sc, vmax)) {
		tlscert_seterr(err, errlen, "tls versions: %s", tlscert_ossl_reason());
		goto fail;
	}
	if (conf->cipher_list != NULL &&
	    !SSL_CTX_set_cipher_list(sc, conf->cipher_list)) {
		tlscert_seterr(err, errlen, "tls-cipher '%s': %s",
		    conf->cipher_list, tlscert_ossl_reason());
		goto fail;
	}
	if (conf->ciphersuites != NULL &&
	    !SSL_CTX_set_ciphersuites(sc, conf->ciphersuites)) {
		tlscert_seterr(err, errlen, "tls-ciphersuites '%s': %s",
		    conf->ciphersuites, tlscert_ossl_reason());
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
			tlscert_seterr(err, errlen, "ca: %s", tlscert_ossl_reason());
			goto fail;
		}
	}
	/* The CRLs stay out of the store: check_revocation uses them. */
	X509_STORE_set_check_revocation(store, check_revocation);

	if (leaf != NULL) {
		if (!SSL_CTX_use_certificate(sc, leaf) ||
		    !SSL_CTX_use_PrivateKey(sc, key)) {
			tlscert_seterr(err, errlen, "cert: %s", tlscert_ossl_reason());
			goto fail;
		}
		for (i = 0; i < sk_X509_num(chain); i++) {
			if (!SSL_CTX_add1_chain_cert(sc,
			    sk_X509_value(chain, i))) {
				tlscert_seterr(err, errlen, "cert: %s", tlscert_ossl_reason());
				goto fail;
			}
		}
	}
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | (server ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_cb);
	SSL_CTX_set_info_callback(sc, info_cb);

	c->ssl_ctx = sc;
	c->server = server;
	c->crl_expired_ok = conf->crl_expired_ok;
	c->refs = 1;
	if (conf->crl_pem != NULL) {
		c->crls = crls;
		c->crl_signers = signers;
		crls = NULL;
		signers = NULL;
	}
	for (i = 0; i < sk_X509_CRL_num(c->crls); i++) {
		const ASN1_TIME *nu =
		    X509_CRL_get0_nextUpdate(sk_X509_CRL_value(c->crls, i));
		struct tm tm;
		int64_t t;

		if (nu == NULL || ASN1_TIME_to_tm(nu, &tm) != 1)
			continue;
		t = (int64_t)timegm(&tm);
		if (c->crl_next_update == 0 || t < c->crl_next_update)
			c->crl_next_update = t;
	}
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
	sk_X509_pop_free(signers, X509_free);
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

struct tlsmem_ctx *
tlsmem_ctx_ref(struct tlsmem_ctx *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void
tlsmem_ctx_free(struct tlsmem_ctx *c)
{
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	SSL_CTX_free(c->ssl_ctx);
	sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
	sk_X509_pop_free(c->crl_signers, X509_free);
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
	t->ctx = tlsmem_ctx_ref(c);
	t->server = c->server;
	t->crl_expired_ok = c->crl_expired_ok;
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
	tlsmem_ctx_free(t->ctx);
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
		snprintf(t->err, sizeof(t->err), "%s: %s", what, tlscert_ossl_reason());
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
	tlscert_cn(x, pi->cn, sizeof(pi->cn));
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

struct tlsmem_cert *
tlsmem_peer_cert(const struct tlsmem *t)
{
	/* SSL_get1_peer_certificate: a new reference the caller owns. */
	return (struct tlsmem_cert *)SSL_get1_peer_certificate(t->ssl);
}

void
tlsmem_cert_free(struct tlsmem_cert *c)
{
	X509_free((X509 *)c);
}

static int
expired_crl_ok_cb(int ok, X509_STORE_CTX *sctx)
{
	if (!ok && X509_STORE_CTX_get_error(sctx) == X509_V_ERR_CRL_HAS_EXPIRED)
		return 1;
	return ok;
}

int
tlsmem_ctx_verify(const struct tlsmem_ctx *c, const struct tlsmem_cert *cert,
    char *err, size_t errlen)
{
	X509 *x = (X509 *)cert;
	X509_STORE_CTX *sctx;
	const char *why = NULL;
	int rc = -1;

	if ((sctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(c->ssl_ctx), x,
	    NULL)) {
		tlscert_seterr(err, errlen, "out of memory");
		X509_STORE_CTX_free(sctx);
		return -1;
	}
	X509_STORE_CTX_set_app_data(sctx, (void *)c);	/* check_revocation */
	if (c->crl_expired_ok)
		X509_STORE_CTX_set_verify_cb(sctx, expired_crl_ok_cb);
	if (X509_verify_cert(sctx) != 1)
		why = tlscert_verify_reason(X509_STORE_CTX_get_error(sctx),
		    X509_STORE_CTX_get_error_depth(sctx), x, c->server);
	else
		why = tlscert_leaf_policy(x, c->server);
	if (why != NULL)
		tlscert_seterr(err, errlen, "%s", why);
	else
		rc = 0;
	X509_STORE_CTX_free(sctx);
	ERR_clear_error();
	return rc;
}

int64_t
tlsmem_ctx_crl_next_update(const struct tlsmem_ctx *c)
{
	return c->crl_next_update;
}
