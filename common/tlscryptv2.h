/*
 * tls-crypt-v2: per-client tls-crypt keys wrapped with a server key
 * (spec §3.2), the early-negotiation TLVs of the reset payload (§5.4) and
 * the PEM key files of `openvpn --genkey tls-crypt-v2-server|-client`.
 *
 * Wrapped client key, as appended to HARD_RESET_CLIENT_V3 / CONTROL_WKC_V1:
 *
 *   WKc = T (32) || AES-256-CTR(Ke, IV = T[0..15], Kc || metadata) || len (2)
 *   T   = HMAC-SHA256(Ka, len || Kc || metadata)
 *   len = length of the whole WKc, big-endian; at most 1024
 *   metadata = type (1) || data       0x00 USER, 0x01 TIMESTAMP (8-byte BE)
 *
 * with Ke = server_key[0..31], Ka = server_key[64..95].
 *
 * A struct tlscryptv2_server holds the keyed server-key contexts; like
 * struct tlscrypt it is not thread-safe: one per worker.
 */
#ifndef MCN_TLSCRYPTV2_H
#define MCN_TLSCRYPTV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tlscrypt.h"

#define TLSCRYPTV2_SRVKEY_LEN	128	/* cipher[64] || hmac[64] */
#define TLSCRYPTV2_WKC_MAX	1024	/* TLS_CRYPT_V2_MAX_WKC_LEN */
/* Smallest WKc that can carry a Kc: tag, Kc, length field. */
#define TLSCRYPTV2_WKC_MIN	(TLSCRYPT_TAG_LEN + TLSCRYPT_KEY_LEN + 2)
/* Most metadata bytes (type byte included) that fit a WKc: 734. */
#define TLSCRYPTV2_META_MAX	(TLSCRYPTV2_WKC_MAX - TLSCRYPTV2_WKC_MIN)

#define TLSCRYPTV2_META_USER		0x00
#define TLSCRYPTV2_META_TIMESTAMP	0x01
#define TLSCRYPTV2_META_NONE		(-1)	/* WKc without metadata */

/* Early negotiation (spec §3.2, §5.4, Appendix A). */
#define TLSCRYPTV2_EARLY_NEG_MASK	0xFF000000u
#define TLSCRYPTV2_EARLY_NEG_START	0x0F000000u
#define TLSCRYPTV2_TLV_EARLY_NEG_FLAGS	0x0001
#define TLSCRYPTV2_FLAG_RESEND_WKC	0x0001
#define TLSCRYPTV2_EARLY_NEG_TLV_LEN	6	/* type, length, flags */

/* What a WKc unwraps to.  Holds key material: wipe after use. */
struct tlscryptv2_ckey {
	uint8_t		kc[TLSCRYPT_KEY_LEN];	/* the client's tls-crypt key */
	int		meta_type;	/* metadata type byte, or META_NONE */
	size_t		meta_len;	/* bytes of data after the type byte */
	uint8_t		meta[TLSCRYPTV2_META_MAX];
	bool		has_time;	/* TIMESTAMP with exactly 8 bytes */
	uint64_t	time;		/* its value (Unix seconds) */
};

/* A client key file: Kc || WKc. */
struct tlscryptv2_client_key {
	uint8_t		kc[TLSCRYPT_KEY_LEN];
	size_t		wkc_len;
	uint8_t		wkc[TLSCRYPTV2_WKC_MAX];
};

struct tlscryptv2_server;

struct tlscryptv2_server *tlscryptv2_server_new(
		    const uint8_t key[TLSCRYPTV2_SRVKEY_LEN], char *err,
		    size_t errlen);
void		 tlscryptv2_server_free(struct tlscryptv2_server *);

/*
 * Unwraps a WKc (exactly len bytes): TLSCRYPTV2_WKC_MIN <= len <=
 * TLSCRYPTV2_WKC_MAX and the trailing length field equals len (checked
 * before any crypto), then decrypts Kc and metadata into out and verifies
 * T in constant time.  0, or -1 with out->kc wiped.  Allocates nothing.
 */
int	tlscryptv2_unwrap_wkc(struct tlscryptv2_server *, const uint8_t *wkc,
	    size_t len, struct tlscryptv2_ckey *out);

/*
 * Wraps kc with metadata type || data (data_len <= TLSCRYPTV2_META_MAX - 1)
 * into a WKc appended to out.  Deterministic: the same inputs give the same
 * WKc.  0 or -1.
 */
int	tlscryptv2_wrap_wkc(struct tlscryptv2_server *,
	    const uint8_t kc[TLSCRYPT_KEY_LEN], uint8_t meta_type,
	    const uint8_t *data, size_t data_len, struct wbuf *out);

/*
 * Splits a P_CONTROL_HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1 packet: the
 * last 2 bytes are the WKc length n, the WKc is the last n bytes and the
 * first len - n bytes are a tls-crypt packet wrapped with Kc.  Checks only
 * lengths (WKC_MIN <= n <= WKC_MAX, inner >= TLSCRYPT_MIN_PKT).  0 or -1.
 */
int	tlscryptv2_split(const uint8_t *pkt, size_t len, size_t *inner_len,
	    const uint8_t **wkc, size_t *wkc_len);

/*
 * Server side of a V3 / WKC_V1 packet from a peer without state: split,
 * unwrap the WKc into ck, rekey kcctx (a TLSCRYPT_SERVER instance used as
 * scratch) with ck->kc, and tlscrypt_unwrap() the inner packet into out.
 * On success kcctx stays keyed with this client's Kc, ready to wrap the
 * reply.  0 or -1; order of checks: lengths, WKc (one AES-CTR pass + one
 * HMAC), then the inner packet.
 */
int	tlscryptv2_unwrap(struct tlscryptv2_server *, struct tlscrypt *kcctx,
	    const uint8_t *pkt, size_t len, struct tlscryptv2_ckey *ck,
	    struct ctl_hdr *h, uint8_t *out, size_t outcap,
	    const uint8_t **body, size_t *body_len);

/*
 * Client side (tests, tools): tlscrypt_wrap() with a TLSCRYPT_CLIENT Kc
 * instance, then appends the WKc.  0 or -1.
 */
int	tlscryptv2_client_wrap(struct tlscrypt *kcctx, struct wbuf *out,
	    const struct ctl_hdr *h, const uint8_t *body, size_t body_len,
	    const uint8_t *wkc, size_t wkc_len);

/*
 * True if the replay packet-id of a client's first packet announces early
 * negotiation (resending WKc).  2.6 clients start at 0x0F000001.  This is
 * the 2.6 server's rule, (id & 0x0F000000) == 0x0F000000; openvpn3 tests
 * the whole top byte, (id & 0xFF000000) == 0x0F000000.
 */
bool	tlscryptv2_early_neg(uint32_t first_pid);

/* Appends the EARLY_NEG_FLAGS TLV (000100 02 + flags).  0 or -1. */
int	tlscryptv2_earlyneg_write(struct wbuf *, uint16_t flags);

/*
 * Parses the TLVs of a hard-reset payload: type (2) len (2) value; unknown
 * types are skipped; EARLY_NEG_FLAGS must have length 2 and its flags are
 * ORed into *flags (0 if absent).  -1 if a TLV is truncated or malformed.
 */
int	tlscryptv2_earlyneg_parse(const uint8_t *p, size_t len,
	    uint16_t *flags);

/*
 * Key files.  Parsing finds the first PEM block in text (text before it is
 * ignored, as openvpn does) and requires the expected name: the server key
 * must decode to exactly 128 bytes; the client key to Kc (256) || WKc with
 * TLSCRYPTV2_WKC_MIN <= |WKc| <= TLSCRYPTV2_WKC_MAX and a matching length
 * field.  -1 and a one-line reason in err on error.
 */
int	tlscryptv2_server_key_parse(const char *text, size_t len,
	    uint8_t key[TLSCRYPTV2_SRVKEY_LEN], char *err, size_t errlen);
int	tlscryptv2_client_key_parse(const char *text, size_t len,
	    struct tlscryptv2_client_key *out, char *err, size_t errlen);

/*
 * Writers produce the bytes `openvpn --genkey` writes (PEM, base64 in
 * 64-column lines, trailing newline), NUL-terminated.  They return the
 * length without the NUL, or -1 if cap is too small or encoding failed.
 */
int	tlscryptv2_server_key_format(const uint8_t key[TLSCRYPTV2_SRVKEY_LEN],
	    char *out, size_t cap);
int	tlscryptv2_client_key_format(const struct tlscryptv2_client_key *,
	    char *out, size_t cap);

/* Generates a random server key file.  Length or -1 (reason in err). */
int	tlscryptv2_server_key_gen(char *out, size_t cap, char *err,
	    size_t errlen);

/*
 * Generates a random Kc, wraps it with the server key and writes the client
 * key file.  Metadata as openvpn does it: user != NULL gives USER with
 * those bytes (user_len <= TLSCRYPTV2_META_MAX - 1), otherwise TIMESTAMP
 * with now.  Length or -1 (reason in err).
 */
int	tlscryptv2_client_key_gen(struct tlscryptv2_server *,
	    const uint8_t *user, size_t user_len, uint64_t now,
	    char *out, size_t cap, char *err, size_t errlen);

#endif /* MCN_TLSCRYPTV2_H */
