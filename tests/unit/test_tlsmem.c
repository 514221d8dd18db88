/*
 * TLS over memory BIOs: full handshakes between a server and a client
 * tlsmem entirely in memory, with a throw-away PKI (testpki.c).  Bytes
 * move between the two in chunks of arbitrary size, as the control
 * channel would carry them, and each side is driven after every chunk.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "testpki.h"
#include "tlsmem.h"
#include "vec.h"

#define EKM_LABEL	"EXPORTER-OpenVPN-datakeys"

static struct testpki pki;

static const size_t chunks[] = { 1156, 1, 100, 1 << 16 };
#define NCHUNKS ((int)(sizeof(chunks) / sizeof(chunks[0])))

static struct tlsmem_ctx *
server_ctx(const char *crl, int vmin)
{
	struct tlsmem_conf conf = {
		.ca_pem = pki.ca.cert,
		.cert_pem = pki.server.cert,
		.key_pem = pki.server.key,
		.crl_pem = crl,
		.tls_version_min = vmin,
	};
	char err[256] = "";
	struct tlsmem_ctx *c = tlsmem_ctx_new(&conf, err, sizeof(err));

	ck_assert_msg(c != NULL, "server ctx: %s", err);
	return c;
}

static struct tlsmem_ctx *
client_ctx(const struct testpki_cred *cred, const char *ca, int vmax)
{
	struct tlsmem_conf conf = {
		.ca_pem = ca,
		.cert_pem = cred ? cred->cert : NULL,
		.key_pem = cred ? cred->key : NULL,
		.tls_version_max = vmax,
	};
	char err[256] = "";
	struct tlsmem_ctx *c = tlsmem_ctx_new_client(&conf, err, sizeof(err));

	ck_assert_msg(c != NULL, "client ctx: %s", err);
	return c;
}

/*
 * Moves all pending output of from into to, chunk bytes at a time,
 * advancing to's handshake after each chunk as a daemon would.
 */
static size_t
pump(struct tlsmem *from, struct tlsmem *to, size_t chunk, int *rc_to)
{
	static uint8_t buf[1 << 16];
	size_t n, total = 0;

	while ((n = tlsmem_out_take(from, buf, chunk)) > 0) {
		ck_assert_uint_le(n, chunk);
		ck_assert_int_eq(tlsmem_feed(to, buf, n), 0);
		if (*rc_to == 0)
			*rc_to = tlsmem_handshake(to);
		total += n;
	}
	ck_assert_uint_eq(tlsmem_out_pending(from), 0);
	return total;
}

struct hs {
	int	rc_c, rc_s;
	size_t	server_first_flight;
};

static void
handshake(struct tlsmem *c, struct tlsmem *s, size_t chunk, struct hs *h)
{
	size_t moved, n;
	int round;

	memset(h, 0, sizeof(*h));
	h->rc_c = tlsmem_handshake(c);		/* ClientHello */
	ck_assert_int_eq(h->rc_c, 0);
	ck_assert_uint_gt(tlsmem_out_pending(c), 0);
	for (round = 0; round < 20; round++) {
		moved = pump(c, s, chunk, &h->rc_s);
		moved += n = pump(s, c, chunk, &h->rc_c);
		if (round == 0)
			h->server_first_flight = n;
		if (moved == 0)
			break;
	}
	ck_assert_int_lt(round, 20);
}

static void
roundtrip(struct tlsmem *from, struct tlsmem *to, size_t len)
{
	uint8_t msg[4096], got[4096];
	size_t i;
	int rc = 1, n;

	for (i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + len);
	ck_assert_int_eq(tlsmem_write(from, msg, len), 0);
	pump(from, to, 1156, &rc);
	n = tlsmem_read(to, got, sizeof(got));
	ck_assert_int_eq(n, (int)len);
	ck_assert_mem_eq(got, msg, len);
	ck_assert_int_eq(tlsmem_read(to, got, sizeof(got)), 0);
}

static void
good_session(int vmax, const char *version, const char *crl)
{
	struct tlsmem_ctx *sc = server_ctx(crl, 0);
	struct tlsmem_ctx *cc = client_ctx(&pki.client, pki.ca.cert, vmax);
	uint8_t ks[256], kc[256], zero[256] = { 0 };
	struct tlsmem_peer ps, pc;
	struct hs h;
	int i;

	for (i = 0; i < NCHUNKS; i++) {
		struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);

		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(tlsmem_export_keys(s, ks), -1);
		handshake(c, s, chunks[i], &h);
		ck_assert_msg(h.rc_s == 1, "chunk %zu: server: %s", chunks[i],
		    tlsmem_error(s));
		ck_assert_msg(h.rc_c == 1, "chunk %zu: client: %s", chunks[i],
		    tlsmem_error(c));
		ck_assert(tlsmem_established(s) && tlsmem_established(c));
		ck_assert_str_eq(tlsmem_error(s), "");

		ck_assert_int_eq(tlsmem_export_keys(s, ks), 0);
		ck_assert_int_eq(tlsmem_export_keys(c, kc), 0);
		ck_assert_mem_eq(ks, kc, 256);
		ck_assert(memcmp(ks, zero, 256) != 0);

		ck_assert_int_eq(tlsmem_peer_info(s, &ps), 0);
		ck_assert_str_eq(ps.cn, "client1");
		ck_assert_str_eq(ps.serial, "03EA");	/* 1002 */
		ck_assert_str_eq(ps.version, version);
		ck_assert_uint_gt(strlen(ps.cipher), 0);
		ck_assert_int_eq(tlsmem_peer_info(c, &pc), 0);
		ck_assert_str_eq(pc.cn, "server");
		ck_assert_str_eq(pc.version, version);
		ck_assert_str_eq(pc.cipher, ps.cipher);

		/* Key-method-2 sized messages both ways, client first. */
		roundtrip(c, s, 419);
		roundtrip(s, c, 198);
		roundtrip(s, c, 195);
		roundtrip(c, s, 13);
		tlsmem_free(s);
		tlsmem_free(c);
	}
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}

START_TEST(test_good_tls13)
{
	good_session(0, "TLSv1.3", NULL);
}
END_TEST

START_TEST(test_good_tls12)
{
	good_session(TLS1_2_VERSION, "TLSv1.2", NULL);
}
END_TEST

START_TEST(test_good_with_crl)
{
	good_session(0, "TLSv1.3", pki.crl);
	good_session(TLS1_2_VERSION, "TLSv1.2", pki.crl);
}
END_TEST

/* A refused client: the server names the reason and queues an alert. */
struct bad_client {
	const struct testpki_cred *cred;
	bool crl;
	const char *want;
};

static void
refused(const struct bad_client *b, int vmax)
{
	struct tlsmem_ctx *sc = server_ctx(b->crl ? pki.crl : NULL, 0);
	struct tlsmem_ctx *cc = client_ctx(b->cred, pki.ca.cert, vmax);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	uint8_t buf[256];
	struct hs h;
	int rc;

	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, -1);
	ck_assert_str_eq(tlsmem_error(s), b->want);
	ck_assert(!tlsmem_established(s));
	ck_assert_int_eq(tlsmem_handshake(s), -1);
	ck_assert_int_eq(tlsmem_export_keys(s, buf), -1);
	ck_assert_int_eq(tlsmem_write(s, buf, 1), -1);

	/* The alert reached the client: TLS 1.2 fails in the handshake,
	 * a TLS 1.3 client finished first and learns it on reading. */
	if (vmax == TLS1_2_VERSION)
		ck_assert_int_eq(h.rc_c, -1);
	else {
		ck_assert_int_eq(h.rc_c, 1);
		rc = tlsmem_read(c, buf, sizeof(buf));
		ck_assert_int_eq(rc, -1);
	}
	ck_assert_msg(strncmp(tlsmem_error(c), "peer sent alert: ", 17) == 0,
	    "client: %s", tlsmem_error(c));
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}

START_TEST(test_bad_clients)
{
	const struct bad_client bad[] = {
		{ &pki.client_other_ca, false,
		    "certificate is not signed by our CA (CN \"stranger\")" },
		{ &pki.client_server_eku, false,
		    "certificate lacks EKU clientAuth (CN \"client-srv-eku\")" },
		{ &pki.client_no_eku, false,
		    "certificate lacks EKU clientAuth (CN \"client-no-eku\")" },
		{ &pki.client_revoked, true,
		    "certificate revoked (CN \"client-revoked\")" },
		{ &pki.client_no_cn, false, "certificate has no subject CN" },
		{ NULL, false, "client sent no certificate" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(&bad[i], 0);
		refused(&bad[i], TLS1_2_VERSION);
	}
}
END_TEST

/* Without the CRL the revoked certificate is accepted: the CRL matters. */
START_TEST(test_revoked_needs_crl)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, 0);
	struct tlsmem_ctx *cc = client_ctx(&pki.client_revoked, pki.ca.cert, 0);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	struct hs h;

	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, 1);
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}
END_TEST

/*
 * One handshake of cred against a server trusting ca with CRL(s) crl:
 * 1, or -1 with the server's reason in why.
 */
static int
session_with(const char *ca, const char *crl, const struct testpki_cred *cred,
    char *why, size_t whylen)
{
	struct tlsmem_conf conf = {
		.ca_pem = ca, .cert_pem = pki.server.cert,
		.key_pem = pki.server.key, .crl_pem = crl,
	};
	char err[256] = "";
	struct tlsmem_ctx *sc = tlsmem_ctx_new(&conf, err, sizeof(err));
	struct tlsmem_ctx *cc = client_ctx(cred, pki.ca.cert, 0);
	struct tlsmem *s, *c;
	struct hs h;

	ck_assert_msg(sc != NULL, "server ctx: %s", err);
	s = tlsmem_new(sc);
	c = tlsmem_new(cc);
	handshake(c, s, 1156, &h);
	snprintf(why, whylen, "%s", h.rc_s == 1 ? "" : tlsmem_error(s));
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
	return h.rc_s;
}

/*
 * A chain through an intermediate CA: as OpenSSL's CRL_CHECK_ALL would,
 * every certificate of the chain needs a current CRL of its issuer, and
 * a revoked intermediate refuses what it issued.
 */
START_TEST(test_crl_whole_chain)
{
	struct testpki_cred sub, leaf;
	const long sub_serial = 900, leaf_serial = 901;
	char *ca, *root_crl, *sub_crl, *root_rev, *sub_rev, *crls, why[320];

	ck_assert_int_eq(testpki_issue(&pki.ca, "Sub CA", TESTPKI_CA,
	    sub_serial, &sub), 0);
	ck_assert_int_eq(testpki_issue(&sub, "client-sub", TESTPKI_EKU_CLIENT,
	    leaf_serial, &leaf), 0);
	ck_assert_ptr_nonnull(root_crl = testpki_crl(&pki.ca, NULL, 0));
	ck_assert_ptr_nonnull(sub_crl = testpki_crl(&sub, NULL, 0));
	ck_assert_ptr_nonnull(root_rev = testpki_crl(&pki.ca, &sub_serial, 1));
	ck_assert_ptr_nonnull(sub_rev = testpki_crl(&sub, &leaf_serial, 1));
	ck_assert_ptr_nonnull(ca = malloc(strlen(pki.ca.cert) +
	    strlen(sub.cert) + 1));
	strcpy(ca, pki.ca.cert);
	strcat(ca, sub.cert);
	crls = malloc(strlen(root_rev) + strlen(sub_rev) + 1);
	ck_assert_ptr_nonnull(crls);

	/* No CRL at all: the chain is fine. */
	ck_assert_int_eq(session_with(ca, NULL, &leaf, why, sizeof(why)), 1);
	/* The root's CRL only: the intermediate's certificates lack one. */
	ck_assert_int_eq(session_with(ca, root_crl, &leaf, why, sizeof(why)),
	    -1);
	ck_assert_str_eq(why, "no CRL for the certificate's issuer (every CA "
	    "in the chain needs a CRL) (CN \"client-sub\")");
	/* Both, empty: in. */
	sprintf(crls, "%s%s", root_crl, sub_crl);
	ck_assert_int_eq(session_with(ca, crls, &leaf, why, sizeof(why)), 1);
	/* The intermediate's CRL lists the leaf. */
	sprintf(crls, "%s%s", root_crl, sub_rev);
	ck_assert_int_eq(session_with(ca, crls, &leaf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "certificate revoked (CN \"client-sub\")");
	/* The root's CRL lists the intermediate. */
	sprintf(crls, "%s%s", root_rev, sub_crl);
	ck_assert_int_eq(session_with(ca, crls, &leaf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "a CA certificate of its chain is revoked "
	    "(CN \"client-sub\")");
	/* ... which does not touch the root's direct clients. */
	ck_assert_int_eq(session_with(ca, crls, &pki.client, why,
	    sizeof(why)), 1);

	free(crls);
	free(ca);
	free(root_crl);
	free(sub_crl);
	free(root_rev);
	free(sub_rev);
	free(sub.cert);
	free(sub.key);
	free(leaf.cert);
	free(leaf.key);
}
END_TEST

/* The client side checks the server: another CA is refused. */
START_TEST(test_client_refuses_server)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, 0);
	struct tlsmem_ctx *cc = client_ctx(&pki.client, pki.other_ca.cert, 0);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	struct hs h;

	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_c, -1);
	ck_assert_str_eq(tlsmem_error(c),
	    "certificate is not signed by our CA (CN \"server\")");
	ck_assert_int_eq(h.rc_s, -1);
	ck_assert_str_eq(tlsmem_error(s), "peer sent alert: unknown CA");
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}
END_TEST

START_TEST(test_version_mismatch)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, TLS1_3_VERSION);
	struct tlsmem_ctx *cc = client_ctx(&pki.client, pki.ca.cert,
	    TLS1_2_VERSION);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	struct hs h;

	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, -1);
	ck_assert_int_eq(h.rc_c, -1);
	ck_assert_msg(strstr(tlsmem_error(s), "TLS handshake failed: ") ==
	    tlsmem_error(s), "%s", tlsmem_error(s));
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}
END_TEST

/* One record per read (commands must not merge across records), and the
 * context may go away while sessions made from it live on. */
START_TEST(test_records_and_ctx_lifetime)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, 0);
	struct tlsmem_ctx *cc = client_ctx(&pki.client, pki.ca.cert, 0);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	uint8_t buf[2048];
	struct hs h;
	int rc = 1;

	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, 1);
	ck_assert_int_eq(tlsmem_write(s, (const uint8_t *)"PUSH_REPLY,a", 13),
	    0);
	ck_assert_int_eq(tlsmem_write(s, (const uint8_t *)"EXIT", 5), 0);
	pump(s, c, 1156, &rc);
	ck_assert_int_eq(tlsmem_read(c, buf, sizeof(buf)), 13);
	ck_assert_str_eq((char *)buf, "PUSH_REPLY,a");
	ck_assert_int_eq(tlsmem_read(c, buf, sizeof(buf)), 5);
	ck_assert_str_eq((char *)buf, "EXIT");
	ck_assert_int_eq(tlsmem_read(c, buf, sizeof(buf)), 0);
	tlsmem_free(s);
	tlsmem_free(c);
}
END_TEST

/*
 * TLS 1.3 exporter written out from RFC 8446 §7.5, independent of
 * SSL_export_keying_material():
 *   HKDF-Expand-Label(Derive-Secret(secret, label, ""), "exporter",
 *                     Hash(""), len)
 */
static void
expand_label(const char *md, const uint8_t *key, size_t keylen,
    const char *label, const uint8_t *ctx, size_t ctxlen, uint8_t *out,
    size_t len)
{
	uint8_t info[600];
	size_t n = 0, ll = 6 + strlen(label);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];

	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll - 6);
	n += ll;
	info[n++] = (uint8_t)ctxlen;
	memcpy(info + n, ctx, ctxlen);
	n += ctxlen;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, n);
	params[3] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[4] = OSSL_PARAM_construct_end();
	ck_assert_int_eq(EVP_KDF_derive(kc, out, len, params), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void
tls13_exporter(const char *md, const uint8_t *secret, size_t slen,
    uint8_t out[256])
{
	uint8_t empty_hash[EVP_MAX_MD_SIZE], derived[EVP_MAX_MD_SIZE];
	unsigned int hl;

	ck_assert_int_eq(EVP_Digest("", 0, empty_hash, &hl,
	    EVP_get_digestbyname(md), NULL), 1);
	expand_label(md, secret, slen, EKM_LABEL, empty_hash, hl, derived, hl);
	expand_label(md, derived, hl, "exporter", empty_hash, hl, out, 256);
}

/* The helper reproduces the captured EKM of both captured sessions. */
START_TEST(test_ekm_captured)
{
	char *text = vec_read("udp-tls-auth-sha256/expected-tls-and-keys.txt",
	    NULL), *p, *q, hex[1024];
	uint8_t secret[48], want[256], got[256];
	int part, sessions = 0;

	p = text;
	while ((p = strstr(p, "EXPORTER_SECRET (TLS 1.3, SHA384 suite): ")) !=
	    NULL) {
		p = strchr(p, ':') + 2;
		q = strchr(p, '\n');
		memcpy(hex, p, (size_t)(q - p));
		hex[q - p] = '\0';
		ck_assert_uint_eq(vec_hex(hex, secret, sizeof(secret)), 48);
		for (part = 0; part < 4; part++) {
			ck_assert_ptr_nonnull(p = strstr(p, " bytes "));
			p = strchr(p, ':') + 2;
			memcpy(hex, p, 128);
			hex[128] = '\0';
			ck_assert_uint_eq(vec_hex(hex, want + part * 64, 64),
			    64);
		}
		tls13_exporter("SHA384", secret, sizeof(secret), got);
		ck_assert_mem_eq(got, want, 256);
		sessions++;
	}
	ck_assert_int_eq(sessions, 2);
	free(text);
}
END_TEST

static char keylog_secret[256];

static void
keylog_cb(const SSL *ssl, const char *line)
{
	if (strncmp(line, "EXPORTER_SECRET ", 16) == 0)
		snprintf(keylog_secret, sizeof(keylog_secret), "%s",
		    strrchr(line, ' ') + 1);
}

/*
 * A plain OpenSSL client (not tlsmem) against a tlsmem server: the
 * server's key block is the RFC 8446 exporter with OpenVPN's label.
 */
START_TEST(test_ekm_independent)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, 0);
	struct tlsmem *s = tlsmem_new(sc);
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	BIO *cb = BIO_new_mem_buf(pki.client.cert, -1);
	BIO *kb = BIO_new_mem_buf(pki.client.key, -1);
	X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	uint8_t buf[1 << 16], secret[64], want[256], got[256];
	int rc_s = 0, round, n;
	size_t slen;
	SSL *c;

	ck_assert(SSL_CTX_use_certificate(cctx, x) == 1 &&
	    SSL_CTX_use_PrivateKey(cctx, k) == 1);
	SSL_CTX_set_keylog_callback(cctx, keylog_cb);
	c = SSL_new(cctx);
	BIO_set_mem_eof_return(in, -1);
	SSL_set_bio(c, in, out);
	SSL_set_connect_state(c);
	for (round = 0; round < 10 && rc_s != 1; round++) {
		SSL_do_handshake(c);
		while ((n = BIO_read(out, buf, 1156)) > 0) {
			ck_assert_int_eq(tlsmem_feed(s, buf, (size_t)n), 0);
			rc_s = tlsmem_handshake(s);
		}
		while ((n = (int)tlsmem_out_take(s, buf, 1156)) > 0)
			BIO_write(in, buf, n);
	}
	ck_assert_msg(rc_s == 1, "%s", tlsmem_error(s));
	ck_assert_str_eq(SSL_get_version(c), "TLSv1.3");
	ck_assert_uint_gt(strlen(keylog_secret), 0);
	slen = vec_hex(keylog_secret, secret, sizeof(secret));

	tls13_exporter(EVP_MD_get0_name(SSL_CIPHER_get_handshake_digest(
	    SSL_get_current_cipher(c))), secret, slen, want);
	ck_assert_int_eq(tlsmem_export_keys(s, got), 0);
	ck_assert_mem_eq(got, want, 256);
	/* And what a stock client asks its library for. */
	ck_assert_int_eq(SSL_export_keying_material(c, want, 256, EKM_LABEL,
	    strlen(EKM_LABEL), NULL, 0, 0), 1);
	ck_assert_mem_eq(got, want, 256);

	SSL_free(c);
	SSL_CTX_free(cctx);
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	tlsmem_free(s);
	tlsmem_ctx_free(sc);
}
END_TEST

/*
 * TLS 1.3: the client is done first and sends its key-method-2 record
 * right behind its Finished; the server finds it buffered once its own
 * handshake completes, without further input.
 */
START_TEST(test_data_behind_finished)
{
	struct tlsmem_ctx *sc = server_ctx(NULL, 0);
	struct tlsmem_ctx *cc = client_ctx(&pki.client, pki.ca.cert, 0);
	struct tlsmem *s = tlsmem_new(sc), *c = tlsmem_new(cc);
	uint8_t msg[419], buf[2048];
	int rc_c, rc_s = 0;

	memset(msg, 0x5a, sizeof(msg));
	ck_assert_int_eq(rc_c = tlsmem_handshake(c), 0);
	pump(c, s, 1156, &rc_s);
	pump(s, c, 1156, &rc_c);
	ck_assert_int_eq(rc_c, 1);
	ck_assert_int_eq(rc_s, 0);
	ck_assert_int_eq(tlsmem_write(c, msg, sizeof(msg)), 0);
	pump(c, s, 1156, &rc_s);
	ck_assert_int_eq(rc_s, 1);
	ck_assert_uint_eq(tlsmem_out_pending(s), 0);	/* no tickets */
	ck_assert_int_eq(tlsmem_read(s, buf, sizeof(buf)), (int)sizeof(msg));
	ck_assert_mem_eq(buf, msg, sizeof(msg));
	tlsmem_free(s);
	tlsmem_free(c);
	tlsmem_ctx_free(sc);
	tlsmem_ctx_free(cc);
}
END_TEST

static void
ctx_refused(const char *ca, const char *cert, const char *key,
    const char *crl, int vmin, const char *want)
{
	struct tlsmem_conf conf = {
		.ca_pem = ca, .cert_pem = cert, .key_pem = key, .crl_pem = crl,
		.tls_version_min = vmin,
	};
	char err[256] = "";

	ck_assert_ptr_null(tlsmem_ctx_new(&conf, err, sizeof(err)));
	ck_assert_msg(strstr(err, want) != NULL, "got \"%s\", want \"%s\"",
	    err, want);
}

START_TEST(test_ctx_refusals)
{
	static const char bad_crl[] = "-----BEGIN X509 CRL-----\n"
	    "MIIBAAAA\n-----END X509 CRL-----\n";

	ctx_refused(pki.ca.cert, pki.server_no_ku.cert, pki.server_no_ku.key,
	    NULL, 0, "cert: server certificate has no keyUsage extension");
	ctx_refused(pki.ca.cert, pki.server_no_eku.cert, pki.server_no_eku.key,
	    NULL, 0, "cert: server certificate lacks EKU serverAuth");
	ctx_refused(pki.ca.cert, pki.server.cert, pki.client.key, NULL, 0,
	    "key: private key does not match the certificate");
	ctx_refused(pki.ca.cert, pki.server.cert, pki.server.key,
	    pki.crl_other_ca, 0, "crl: CRL of \"/O=MyCrypNet tests/CN=Other "
	    "CA\" is not signed by a CA in ca");
	ctx_refused(pki.ca.cert, pki.server.cert, pki.server.key, bad_crl, 0,
	    "crl: no readable CRL");
	ctx_refused(pki.ca.cert, pki.client_other_ca.cert,
	    pki.client_other_ca.key, NULL, 0, "cert: certificate does not "
	    "chain to the CA in ca: unable to get local issuer certificate");
	ctx_refused("", pki.server.cert, pki.server.key, NULL, 0,
	    "ca: no readable certificate");
	ctx_refused(pki.ca.cert, NULL, pki.server.key, NULL, 0,
	    "cert: not configured");
	ctx_refused(pki.ca.cert, pki.server.cert, "junk", NULL, 0,
	    "key: no readable unencrypted private key");
	ctx_refused(pki.ca.cert, pki.server.cert, pki.server.key, NULL,
	    TLS1_1_VERSION, "tls versions");

	/* Both CRLs together: the stranger's must still be refused. */
	{
		char both[8192];

		snprintf(both, sizeof(both), "%s%s", pki.crl, pki.crl_other_ca);
		ctx_refused(pki.ca.cert, pki.server.cert, pki.server.key, both,
		    0, "is not signed by a CA in ca");
	}
}
END_TEST

/*
 * A client verified under the old CRL is re-checked against a new context
 * (what a CRL reload does to sessions already connected).
 */
START_TEST(test_reverify_after_crl_reload)
{
	struct tlsmem_ctx *old = server_ctx(NULL, 0), *cc, *revoking;
	struct tlsmem *c, *s;
	struct tlsmem_cert *cert;
	struct tlsmem_peer pi;
	struct hs h;
	char err[256] = "";
	long serials[1];
	char *crl;

	cc = client_ctx(&pki.client, pki.ca.cert, 0);
	c = tlsmem_new(cc);
	s = tlsmem_new(old);
	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, 1);
	ck_assert_ptr_nonnull(cert = tlsmem_peer_cert(s));
	/* Still fine under the context it was verified with, and a CRL
	 * that lists someone else. */
	ck_assert_int_eq(tlsmem_ctx_verify(old, cert, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsmem_ctx_crl_next_update(old), 0);
	revoking = server_ctx(pki.crl, 0);
	ck_assert_int_eq(tlsmem_ctx_verify(revoking, cert, err, sizeof(err)), 0);
	ck_assert_int_gt(tlsmem_ctx_crl_next_update(revoking), 0);
	tlsmem_ctx_free(revoking);
	/* A new CRL listing its serial: refused, in plain words. */
	ck_assert_int_eq(tlsmem_peer_info(s, &pi), 0);
	serials[0] = strtol(pi.serial, NULL, 16);
	ck_assert_ptr_nonnull(crl = testpki_crl(&pki.ca, serials, 1));
	revoking = server_ctx(crl, 0);
	ck_assert_int_eq(tlsmem_ctx_verify(revoking, cert, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "certificate revoked");
	tlsmem_ctx_free(revoking);
	free(crl);
	tlsmem_cert_free(cert);
	tlsmem_free(c);
	tlsmem_free(s);
	tlsmem_ctx_free(cc);
	tlsmem_ctx_free(old);
}
END_TEST

/*
 * crl-expired: with the default OpenVPN behaviour an expired CRL refuses
 * everyone; with crl_expired_ok it still refuses what it lists and lets
 * the rest in.
 */
START_TEST(test_expired_crl_policy)
{
	long serials[1] = { pki.revoked_serial };
	char *crl = testpki_crl_dated(&pki.ca, serials, 1, -7200, -3600);
	struct tlsmem_conf conf = {
		.ca_pem = pki.ca.cert,
		.cert_pem = pki.server.cert,
		.key_pem = pki.server.key,
		.crl_pem = crl,
	};
	struct tlsmem_ctx *strict, *lenient, *cc;
	struct tlsmem *c, *s;
	struct hs h;
	char err[256];

	ck_assert_ptr_nonnull(crl);
	ck_assert_ptr_nonnull(strict = tlsmem_ctx_new(&conf, err, sizeof(err)));
	conf.crl_expired_ok = true;
	ck_assert_ptr_nonnull(lenient = tlsmem_ctx_new(&conf, err, sizeof(err)));
	ck_assert_int_lt(tlsmem_ctx_crl_next_update(strict), (int64_t)time(NULL));

	/* A good client: refused by the strict context, let in by the other. */
	cc = client_ctx(&pki.client, pki.ca.cert, 0);
	c = tlsmem_new(cc);
	s = tlsmem_new(strict);
	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, -1);
	ck_assert_ptr_nonnull(strstr(tlsmem_error(s), "CRL has expired"));
	tlsmem_free(c);
	tlsmem_free(s);
	c = tlsmem_new(cc);
	s = tlsmem_new(lenient);
	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, 1);
	tlsmem_free(c);
	tlsmem_free(s);
	tlsmem_ctx_free(cc);
	/* The revoked one stays refused under the lenient policy. */
	cc = client_ctx(&pki.client_revoked, pki.ca.cert, 0);
	c = tlsmem_new(cc);
	s = tlsmem_new(lenient);
	handshake(c, s, 1156, &h);
	ck_assert_int_eq(h.rc_s, -1);
	ck_assert_ptr_nonnull(strstr(tlsmem_error(s), "revoked"));
	tlsmem_free(c);
	tlsmem_free(s);
	tlsmem_ctx_free(cc);
	tlsmem_ctx_free(strict);
	tlsmem_ctx_free(lenient);
	free(crl);
}
END_TEST

/* tls-cipher / tls-ciphersuites: OpenSSL refuses junk, named. */
START_TEST(test_cipher_lists)
{
	struct tlsmem_conf conf = {
		.ca_pem = pki.ca.cert,
		.cert_pem = pki.server.cert,
		.key_pem = pki.server.key,
		.ciphersuites = "TLS_NOT_A_SUITE",
	};
	struct tlsmem_ctx *c;
	char err[256] = "";

	ck_assert_ptr_null(tlsmem_ctx_new(&conf, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "tls-ciphersuites 'TLS_NOT_A_SUITE'"));
	conf.ciphersuites = NULL;
	conf.cipher_list = "NOTHING-AT-ALL";
	ck_assert_ptr_null(tlsmem_ctx_new(&conf, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "tls-cipher 'NOTHING-AT-ALL'"));
	conf.cipher_list = "ECDHE-ECDSA-AES256-GCM-SHA384";
	conf.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
	ck_assert_ptr_nonnull(c = tlsmem_ctx_new(&conf, err, sizeof(err)));
	tlsmem_ctx_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tlsmem");
	TCase *tc = tcase_create("tlsmem");
	SRunner *sr;
	int failed;

	if (testpki_generate(&pki) == -1) {
		fprintf(stderr, "cannot generate the test PKI\n");
		return 1;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_good_tls13);
	tcase_add_test(tc, test_good_tls12);
	tcase_add_test(tc, test_good_with_crl);
	tcase_add_test(tc, test_bad_clients);
	tcase_add_test(tc, test_revoked_needs_crl);
	tcase_add_test(tc, test_client_refuses_server);
	tcase_add_test(tc, test_version_mismatch);
	tcase_add_test(tc, test_records_and_ctx_lifetime);
	tcase_add_test(tc, test_data_behind_finished);
	tcase_add_test(tc, test_ctx_refusals);
	tcase_add_test(tc, test_ekm_captured);
	tcase_add_test(tc, test_ekm_independent);
	tcase_add_test(tc, test_reverify_after_crl_reload);
	tcase_add_test(tc, test_expired_crl_policy);
	tcase_add_test(tc, test_crl_whole_chain);
	tcase_add_test(tc, test_cipher_lists);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testpki_free(&pki);
	return failed ? 1 : 0;
}
