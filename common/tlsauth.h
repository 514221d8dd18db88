/*
 * tls-auth: HMAC-authenticated control channel (spec §2).
 *
 *   op|kid (1) | session-id (8) | HMAC (L) | pid (4) | time (4) | body...
 *   HMAC = HMAC-<auth>(key, pid || time || op|kid || session-id || body)
 *
 * A struct tlsauth holds the two directional HMAC keys and keyed MAC
 * contexts.  It is not thread-safe (the MAC contexts are reused per call):
 * each worker creates its own from the same key bytes.
 */
#ifndef MCN_TLSAUTH_H
#define MCN_TLSAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pkt.h"

#define TLSAUTH_DIR_NONE	(-1)	/* no key-direction: both ways keys[0] */

/* The cleartext header of every control packet, as seen by the wrap layer. */
struct ctl_hdr {
	uint8_t		op;
	uint8_t		key_id;
	uint8_t		sid[PKT_SID_LEN];
	uint32_t	pid;	/* replay packet-id */
	uint32_t	ptime;	/* replay packet-id time */
};

struct tlsauth;

/*
 * key: the 256 key-file bytes.  direction: 0, 1 or TLSAUTH_DIR_NONE, as in
 * "tls-auth FILE 0".  digest: "SHA1", "SHA256", "SHA512" (OpenVPN's --auth;
 * case-insensitive).  NULL and a reason in err on failure.
 */
struct tlsauth	*tlsauth_new(const uint8_t key[256], int direction,
		    const char *digest, char *err, size_t errlen);
void		 tlsauth_free(struct tlsauth *);
size_t		 tlsauth_hmac_len(const struct tlsauth *);
/* Bytes tls-auth adds to a packet: HMAC + 8-byte replay packet-id. */
size_t		 tlsauth_overhead(const struct tlsauth *);

/*
 * Verifies the HMAC of a received packet (constant-time compare) and on
 * success fills h and points body at the bytes after the replay
 * packet-id (inside pkt).  Returns -1 for a short packet or a bad HMAC.
 * Allocates nothing; the replay check is the caller's (after this).
 */
int	tlsauth_unwrap(struct tlsauth *, const uint8_t *pkt, size_t len,
	    struct ctl_hdr *h, const uint8_t **body, size_t *body_len);

/* Writes a whole packet: header, HMAC, replay id, body.  0 or -1. */
int	tlsauth_wrap(struct tlsauth *, struct wbuf *out,
	    const struct ctl_hdr *h, const uint8_t *body, size_t body_len);

#endif /* MCN_TLSAUTH_H */
