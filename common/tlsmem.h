/*
 * TLS over OpenSSL memory BIOs (spec §6.1): the control channel carries
 * the TLS byte stream in reliable messages, so TLS never touches a socket.
 *
 * One struct tlsmem_ctx per server configuration (SSL_CTX: our chain and
 * key, the CA store with the CRL, client-certificate policy) and one
 * struct tlsmem per key state (a fresh TLS session for every key_id).
 */
#ifndef MCN_TLSMEM_H
#define MCN_TLSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tlsmem_ctx;
struct tlsmem;

struct tlsmem_conf {
	const char	*ca_pem;	/* trusted CA certificate(s), PEM text */
	const char	*cert_pem;	/* our certificate (and chain), PEM */
	const char	*key_pem;	/* our private key, PEM, unencrypted */
	const char	*crl_pem;	/* CRL(s) of the CA, PEM; NULL = none */
	int		 tls_version_min; /* TLS1_2_VERSION (default) or TLS1_3_VERSION */
	int		 tls_version_max; /* 0 = no limit (default), or as above */
	const char	*cipher_list;	/* TLS <= 1.2 (OpenSSL syntax); NULL default */
	const char	*ciphersuites;	/* TLS 1.3; NULL = OpenSSL's default */
	bool		 crl_expired_ok; /* an expired CRL still applies, but
					  * does not refuse everyone */
};

/*
 * Builds the server context.  Checks at start what every stock client
 * would otherwise reject later: the certificate matches the key, chains to
 * ca_pem, has a keyUsage extension and EKU serverAuth.  The CRL must be
 * signed by the CA.  Client certificates are required and must chain to
 * the CA, pass the CRL and carry EKU clientAuth.  NULL + reason in err.
 */
struct tlsmem_ctx *tlsmem_ctx_new(const struct tlsmem_conf *, char *err,
		    size_t errlen);
/*
 * Builds a client context (load generator, tests): the server's chain
 * must verify against ca_pem (and crl_pem if given) and its leaf must
 * carry keyUsage and EKU serverAuth, as "remote-cert-tls server" demands.
 * cert_pem/key_pem may be NULL (no client certificate); no policy is
 * applied to our own certificate, so tests can present bad ones.
 */
struct tlsmem_ctx *tlsmem_ctx_new_client(const struct tlsmem_conf *,
		    char *err, size_t errlen);
/* The context is immutable: share it between threads freely.  Sessions
 * hold their own reference, so it may be freed while they live on. */
/*
 * A context is reference-counted so threads can share it: _ref takes a
 * reference (returns its argument), _free drops one and frees the last.
 */
struct tlsmem_ctx *tlsmem_ctx_ref(struct tlsmem_ctx *);
void		 tlsmem_ctx_free(struct tlsmem_ctx *);

/* A new TLS session in the context's role (server or client); NULL on
 * failure.  One session is used by one thread at a time. */
struct tlsmem	*tlsmem_new(struct tlsmem_ctx *);
void		 tlsmem_free(struct tlsmem *);

/* Hands ciphertext received from the peer to TLS.  0 or -1. */
int	tlsmem_feed(struct tlsmem *, const uint8_t *p, size_t len);

/*
 * Advances the handshake with what was fed.  Returns 1 once the
 * handshake is complete, 0 while it is in progress, -1 on failure (then
 * tlsmem_error() says why, e.g. "certificate revoked").  Check
 * tlsmem_out_pending() after every call, also after -1: a refusing
 * server has a fatal alert queued that tells the client why.  A client
 * (TLS 1.3) completes before the server has judged its certificate; a
 * refusal then surfaces in its next tlsmem_read().
 */
int	tlsmem_handshake(struct tlsmem *);
bool	tlsmem_established(const struct tlsmem *);

/* Reads decrypted application data: >0 bytes, 0 nothing yet, -1 error.
 * At most one TLS record per call.  May queue output (alerts). */
int	tlsmem_read(struct tlsmem *, uint8_t *buf, size_t cap);
/* Writes one application-data record.  0 or -1. */
int	tlsmem_write(struct tlsmem *, const uint8_t *p, size_t len);

/* Ciphertext waiting to go to the peer. */
size_t	tlsmem_out_pending(const struct tlsmem *);
/* Moves up to cap bytes of it into buf; returns the count. */
size_t	tlsmem_out_take(struct tlsmem *, uint8_t *buf, size_t cap);

/* TLS-EKM key block: label "EXPORTER-OpenVPN-datakeys", no context. */
int	tlsmem_export_keys(struct tlsmem *, uint8_t out[256]);

/* The first reason the session failed, for logs; "" if none. */
const char *tlsmem_error(const struct tlsmem *);

/* Facts about the verified peer (after the handshake). */
struct tlsmem_peer {
	char	cn[65];		/* subject CN, non-printables replaced by '_' */
	char	serial[80];	/* hex serial */
	char	version[16];	/* "TLSv1.3" */
	char	cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
};
int	tlsmem_peer_info(const struct tlsmem *, struct tlsmem_peer *);

/*
 * A verified peer certificate kept by a session, so that a new CA/CRL
 * can be applied to clients already connected (CRL reload).
 */
struct tlsmem_cert;

/* The peer's leaf after the handshake (a new reference), or NULL. */
struct tlsmem_cert *tlsmem_peer_cert(const struct tlsmem *);
void	tlsmem_cert_free(struct tlsmem_cert *);
/*
 * Verifies cert against the context's CA and CRL and our leaf policy, as
 * a handshake would now.  0, or -1 with the reason in err (e.g.
 * "certificate revoked").
 */
int	tlsmem_ctx_verify(const struct tlsmem_ctx *, const struct tlsmem_cert *,
	    char *err, size_t errlen);
/* The earliest nextUpdate of the context's CRLs (Unix time), 0 if none. */
int64_t	tlsmem_ctx_crl_next_update(const struct tlsmem_ctx *);

#endif /* MCN_TLSMEM_H */
