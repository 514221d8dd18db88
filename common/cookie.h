/*
 * The 2.6 stateless handshake: the server's session-id is an HMAC cookie
 * over the client's session-id, its address and a time slot (spec §5), so
 * no state exists for a client until it echoes the cookie back.
 *
 * Our construction (private to the server):
 *   slot = now / ((hand_window + 1) / 2)
 *   Ss   = HMAC-SHA256(key, slot (4, BE) || addr bytes || Sc)[0..7]
 * accepted if made in the current slot or one of the two before it.
 */
#ifndef MCN_COOKIE_H
#define MCN_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define COOKIE_KEY_LEN	32

struct cookie;

/* key: 32 random bytes chosen at start and never persisted. */
struct cookie	*cookie_new(const uint8_t key[COOKIE_KEY_LEN]);
void		 cookie_free(struct cookie *);

/*
 * addr/addrlen: a canonical encoding of the client's transport address
 * (the caller's choice, but the same for make and check).
 */
void	cookie_make(struct cookie *, uint64_t now_s, unsigned hand_window,
	    const void *addr, size_t addrlen, const uint8_t csid[PKT_SID_LEN],
	    uint8_t ssid[PKT_SID_LEN]);
bool	cookie_check(struct cookie *, uint64_t now_s, unsigned hand_window,
	    const void *addr, size_t addrlen, const uint8_t csid[PKT_SID_LEN],
	    const uint8_t ssid[PKT_SID_LEN]);

/*
 * Only the client's first packet after our stateless reset may open a
 * session: its message 1 (the ClientHello, or an empty P_CONTROL_WKC_V1)
 * or a bare ACK of our message 0, so every id it ACKs is our message 0
 * (or 1, sent just after).  Later packets of a connection we dropped (a
 * refused, kicked or replaced client still talking; a 2.6 client repeats
 * old ACKs such as [3,2,1,0] in every packet) must not resurrect it while
 * the cookie is valid (OpenVPN 2.6.15 closed the same hole).
 */
bool	cookie_echo_shape(uint8_t op, const struct pkt_body *);

#endif /* MCN_COOKIE_H */
