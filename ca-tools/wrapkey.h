/*
 * The CA's control-channel keys, text in, text out (cmd_wrap.c does the
 * files and the lock):
 *
 *	kind		DIR file		format
 *	tls-auth	ta.key			OpenVPN static key V1 (256 bytes)
 *	tls-crypt	tc.key			the same format, another key
 *	tls-crypt-v2	tls-crypt-v2-server.key	tls-crypt-v2 server key (PEM)
 *
 * and the tls-crypt-v2 client keys wrapped with the server key.  A client
 * key carries USER metadata (type 0x00) that says which certificate it
 * was made for, one line of compact JSON (doc/profiles.md):
 *
 *	{"mcnca":1,"cn":"alice","serial":"46AC...","created":"TIME"}
 *
 * The formats are those of `openvpn --genkey tls-auth|tls-crypt|
 * tls-crypt-v2-server|tls-crypt-v2-client`; common/statickey.c and
 * common/tlscryptv2_key.c read and write them.
 */
#ifndef MCN_WRAPKEY_H
#define MCN_WRAPKEY_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define WRAPKEY_TEXT_MAX	4096	/* any key file of these kinds fits */
#define WRAPKEY_META_VERSION	1	/* the "mcnca" member */

/* The file name in DIR and the command that makes it. */
const char	*wrapkey_file(enum profile_wrap w);
const char	*wrapkey_command(enum profile_wrap w);

/* A new random key file of kind w into out.  Length or -1 (err). */
int	wrapkey_gen(enum profile_wrap w, char *out, size_t cap, char *err,
	    size_t errlen);

/*
 * Checks that text is a key file of kind w.  For the two static-key
 * kinds, *block points at what a profile inlines (the key block without
 * the file's comment header); for tls-crypt-v2 it is NULL (a profile
 * gets a client key instead, never the server key).  0 or -1 (err).
 */
int	wrapkey_check(enum profile_wrap w, const char *text, size_t len,
	    const char **block, char *err, size_t errlen);

/* The metadata above for certificate cn/serial, made at created.
 * Length (no NUL) or -1 if it does not fit or does not fit a WKc. */
int	wrapkey_v2_meta(const char *cn, const char *serial, int64_t created,
	    char *out, size_t cap);

/*
 * A tls-crypt-v2 client key file: a fresh random Kc wrapped with the
 * server key file srv (its text), with wrapkey_v2_meta's metadata.
 * Length or -1 (err).
 */
int	wrapkey_v2_client(const char *srv, size_t srvlen, const char *cn,
	    const char *serial, int64_t created, char *out, size_t cap,
	    char *err, size_t errlen);

/* The server configuration line for a key of kind w at path
 * ("tls-auth PATH 0", "tls-crypt PATH", "tls-crypt-v2 PATH"). */
void	wrapkey_server_line(enum profile_wrap w, const char *path, char *out,
	    size_t cap);

#endif /* MCN_WRAPKEY_H */
