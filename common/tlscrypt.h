/*
 * tls-crypt: encrypted and authenticated control channel (spec §3.1).
 *
 *   op|kid (1) | session-id (8) | pid (4) | time (4) | tag (32) | C
 *   \____________ header H, cleartext (17) ________/
 *   tag = HMAC-SHA256(Ka, H || P)     P = ACK array || msg-pid || payload
 *   C   = AES-256-CTR(Ke, IV = tag[0..15], P)
 *
 * Key directions are fixed by role, not configured:
 *   server sends with Ke = K[0..31],    Ka = K[64..95],
 *          receives with Ke = K[128..159], Ka = K[192..223];
 *   a client uses the same slices the other way round.
 *
 * A struct tlscrypt holds four keyed contexts (two AES-256-CTR, two
 * HMAC-SHA256) created once; per packet only the IV is set and the MAC is
 * re-initialised, so neither call allocates.  Not thread-safe: one
 * instance per worker (or per session for tls-crypt-v2 Kc contexts).
 */
#ifndef MCN_TLSCRYPT_H
#define MCN_TLSCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tlsauth.h"	/* struct ctl_hdr */

#define TLSCRYPT_KEY_LEN	256	/* same file format as tls-auth */
#define TLSCRYPT_TAG_LEN	32
/* H: op|kid, session-id, replay pid, time */
#define TLSCRYPT_HDR_LEN	(1 + PKT_SID_LEN + 8)
/* Smallest valid packet: header and tag, empty body. */
#define TLSCRYPT_MIN_PKT	(TLSCRYPT_HDR_LEN + TLSCRYPT_TAG_LEN)
/* Bytes tls-crypt adds to a packet: replay packet-id + tag. */
#define TLSCRYPT_OVERHEAD	(8 + TLSCRYPT_TAG_LEN)

enum tlscrypt_role {
	TLSCRYPT_SERVER,	/* OpenVPN's KEY_DIRECTION_NORMAL */
	TLSCRYPT_CLIENT,	/* KEY_DIRECTION_INVERSE */
};

struct tlscrypt;

/* key: the 256 decoded key bytes (tls-crypt key file, or Kc).  NULL and a
 * reason in err on failure. */
struct tlscrypt	*tlscrypt_new(const uint8_t key[TLSCRYPT_KEY_LEN],
		    enum tlscrypt_role role, char *err, size_t errlen);
void		 tlscrypt_free(struct tlscrypt *);

/*
 * Re-keys an existing instance in place (same role) without allocating
 * contexts; used for the Kc of a stateless tls-crypt-v2 exchange.  0 or -1
 * (after -1 the instance must not be used until a rekey succeeds).
 */
int		 tlscrypt_rekey(struct tlscrypt *,
		    const uint8_t key[TLSCRYPT_KEY_LEN]);

size_t		 tlscrypt_overhead(void);

/*
 * Unwraps a received packet: decrypts the body into out (outcap bytes,
 * must not overlap pkt), recomputes the tag and compares it in constant
 * time.  On success fills h and points body at out (body_len = len -
 * TLSCRYPT_MIN_PKT).  Returns -1 for a packet shorter than
 * TLSCRYPT_MIN_PKT, a body larger than outcap, or a bad tag; out is then
 * garbage.  The replay check is the caller's (after this).
 */
int	tlscrypt_unwrap(struct tlscrypt *, const uint8_t *pkt, size_t len,
	    struct ctl_hdr *h, uint8_t *out, size_t outcap,
	    const uint8_t **body, size_t *body_len);

/*
 * Writes a whole packet: header, tag, encrypted body.  body may overlap out
 * (e.g. already sit at its final place): it is moved into place and then
 * encrypted in place.  0 or -1.
 */
int	tlscrypt_wrap(struct tlscrypt *, struct wbuf *out,
	    const struct ctl_hdr *h, const uint8_t *body, size_t body_len);

#endif /* MCN_TLSCRYPT_H */
