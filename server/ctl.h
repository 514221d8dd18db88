/*
 * The control channel of one session: tls-auth wrapping, the reliability
 * layer, TLS, key-method-2, PUSH_REPLY and the other text commands, and
 * the derivation of data-channel keys (spec §4, §6, §7, §9).
 */
#ifndef MCN_CTL_H
#define MCN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsauth.h"

struct session;
struct keystate;

/*
 * Handles a control packet already authenticated (HMAC) and
 * replay-checked by the caller; h is its header, body the rest.
 */
void	ctl_input(struct session *, const struct ctl_hdr *h,
	    const uint8_t *body, size_t len);

/* Sends what is due: new TLS output, retransmissions, bare ACKs. */
void	ctl_flush(struct session *);

/* Sends a text command ("RESTART", "HALT,reason") on the newest
 * established key state.  0 or -1. */
int	ctl_command(struct session *, const char *cmd);

/*
 * Ends a session from our side: sends cmd ("RESTART", "HALT,...") and
 * closes it shortly after (long enough to retransmit once); logs reason.
 */
void	ctl_kick(struct session *, const char *cmd, const char *reason);

/* A packet-id this high starts a renegotiation (spec §8.3). */
#define KEY_PID_WRAP	0xFF000000u

/* reneg-bytes, reneg-pkts or the packet-id limit reached on ks. */
bool	ctl_key_used_up(const struct session *, const struct keystate *);

/* Earliest control-channel deadline (retransmit, hand-window). */
uint64_t ctl_deadline(struct session *);
/* Called by the session timer: retransmits, fails late handshakes. */
void	ctl_timer(struct session *);

struct keystate	*ks_new(struct session *, uint8_t key_id, uint32_t send_first,
		    uint32_t recv_first);
void		 ks_free(struct keystate *);

/* Wraps a control body with tls-auth and queues it for sending. */
void	ctl_send_raw(struct session *, uint8_t op, uint8_t key_id,
	    const uint8_t *body, size_t len);

#endif /* MCN_CTL_H */
