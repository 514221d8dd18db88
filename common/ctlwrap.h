/*
 * ctlwrap: whichever control-channel protection is configured (tls-auth,
 * tls-crypt or tls-crypt-v2), behind one server-side interface.
 *
 * Thread rules.  A struct ctlwrap owns keyed OpenSSL contexts that every
 * call mutates: create one per worker from the same key bytes and never
 * share it.  In TLS_CRYPT_V2 mode each session owns its own Kc context
 * (ctlwrap_peer_new(), freed with tlscrypt_free()); it is used only by the
 * worker that owns the session.  Kc contexts do not reference the
 * ctlwrap they came from.
 *
 * The "peer" argument of unwrap/wrap is the session's own tls-crypt
 * context or NULL:
 *   NULL      the instance key (tls-auth / tls-crypt); in TLS_CRYPT_V2 a
 *             packet from a peer without state, which must carry a WKc
 *             (opcodes 10, 11): its Kc is unwrapped into the instance's
 *             scratch context, which then wraps the stateless reply.
 *   non-NULL  tls-crypt with that context, in any mode (tls-crypt-v2 Kc
 *             of an established session; later also a dyn-tls-crypt key).
 *             In TLS_CRYPT_V2 a trailing WKc (opcodes 10, 11) is stripped
 *             and ignored: the inner tag, made with the session's Kc,
 *             authenticates the packet.
 */
#ifndef MCN_CTLWRAP_H
#define MCN_CTLWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tlsauth.h"
#include "tlscrypt.h"
#include "tlscryptv2.h"

enum ctlwrap_mode {
	CTLWRAP_TLS_AUTH = 1,
	CTLWRAP_TLS_CRYPT,
	CTLWRAP_TLS_CRYPT_V2,
};

struct ctlwrap;

/* Constructors: server role.  NULL and a reason in err on failure. */
struct ctlwrap	*ctlwrap_new_tls_auth(const uint8_t key[256], int direction,
		    const char *digest, char *err, size_t errlen);
struct ctlwrap	*ctlwrap_new_tls_crypt(const uint8_t key[TLSCRYPT_KEY_LEN],
		    char *err, size_t errlen);
struct ctlwrap	*ctlwrap_new_tls_crypt_v2(
		    const uint8_t srvkey[TLSCRYPTV2_SRVKEY_LEN], char *err,
		    size_t errlen);
void		 ctlwrap_free(struct ctlwrap *);
enum ctlwrap_mode ctlwrap_mode(const struct ctlwrap *);

/*
 * Bytes the protection adds to a control packet (excluding the appended
 * WKc, which only clients send).
 */
size_t		 ctlwrap_overhead(const struct ctlwrap *,
		    const struct tlscrypt *peer);

/*
 * Unwraps a received control packet.  On success fills h and points body
 * at the cleartext ACK array || msg-pid || payload: inside pkt for
 * tls-auth, inside scratch (cap bytes, must not overlap pkt) otherwise;
 * a scratch of PKT_MAX_WIRE bytes always suffices.
 *
 * ck: used only in TLS_CRYPT_V2 with peer == NULL, where it receives Kc
 * and the metadata of the packet's WKc (may be NULL otherwise).
 *
 * Returns -1 for anything that does not authenticate, including opcodes
 * 10/11 outside TLS_CRYPT_V2 and, in TLS_CRYPT_V2 without peer, opcodes
 * other than 10/11.  No allocation; the replay check is the caller's.
 */
int	ctlwrap_unwrap(struct ctlwrap *, struct tlscrypt *peer,
	    const uint8_t *pkt, size_t len, struct ctl_hdr *h,
	    uint8_t *scratch, size_t cap, const uint8_t **body,
	    size_t *body_len, struct tlscryptv2_ckey *ck);

/*
 * Writes a whole packet.  In TLS_CRYPT_V2 with peer == NULL this is the
 * stateless reply: it uses the Kc of the WKc that the last ctlwrap_unwrap()
 * call on this instance accepted, and fails (-1) if that last call was not
 * a successful peer-less unwrap.  0 or -1.
 */
int	ctlwrap_wrap(struct ctlwrap *, struct tlscrypt *peer,
	    struct wbuf *out, const struct ctl_hdr *h, const uint8_t *body,
	    size_t body_len);

/*
 * The per-session Kc context (TLSCRYPT_SERVER role) for a tls-crypt-v2
 * client, from the ck that a peer-less unwrap produced.  The session owns
 * it (tlscrypt_free()).  NULL and a reason in err on failure.
 */
struct tlscrypt	*ctlwrap_peer_new(const struct ctlwrap *,
		    const struct tlscryptv2_ckey *ck, char *err,
		    size_t errlen);

#endif /* MCN_CTLWRAP_H */
