/*
 * Control-channel text messages (spec §9) and cipher negotiation (§10).
 */
#ifndef MCN_CTLMSG_H
#define MCN_CTLMSG_H

#include <stdbool.h>
#include <stddef.h>

#include "km2.h"

#define CTLMSG_MAX		2048	/* one command incl. NUL (TLS_CHANNEL_BUF_SIZE) */
#define CTLMSG_PUSH_BUNDLE	1024	/* largest PUSH_REPLY message we send */

/*
 * Iterates the NUL-terminated commands in one TLS read.  *pos is the
 * cursor (start at 0).  Each call returns the next command with trailing
 * CR/LF removed, copied into cmd (NUL-terminated), or false when none is
 * left.  Commands with non-printable characters are skipped; bytes after
 * the last NUL are discarded (they cannot be a whole command).
 */
bool	ctlmsg_next(const char *buf, size_t len, size_t *pos, char *cmd,
	    size_t cmdcap);

/*
 * Cipher negotiation as a 2.6 server does it (§10): walk server_ciphers
 * (colon-separated, preference order) and take the first one the client
 * lists in IV_CIPHERS (or AES-256-GCM/AES-128-GCM for IV_NCP >= 2 without
 * IV_CIPHERS; or the OCC "cipher X" hint only if IV_CIPHERS is absent).
 * If the client gave no information at all, fallback (may be NULL) is used.
 * Names compare without regard to case; out gets the server's spelling.
 * pi may be NULL (no peer-info).
 * Returns 0 and the cipher name in out, or -1 (no shared cipher).
 */
int	ncp_select(const char *server_ciphers, const struct peer_info *pi,
	    const char *client_options, const char *fallback, char *out,
	    size_t outcap);

/*
 * Builds the PUSH_REPLY messages for an option list (each option one
 * config line, no commas).  Messages are at most CTLMSG_PUSH_BUNDLE bytes
 * incl. NUL; if more than one is needed, each ends with
 * ",push-continuation 2" and the last with ",push-continuation 1".
 * The messages are written back to back, each NUL-terminated, into out.
 * Returns the number of messages, or -1 (an option with a comma, one
 * longer than 255 characters, an empty one, one with a non-printable
 * character -- the client would drop the whole message -- or out too
 * small).
 */
int	push_reply_build(const char *const *opts, size_t nopts, char *out,
	    size_t outcap, size_t *outlen);

#endif /* MCN_CTLMSG_H */
