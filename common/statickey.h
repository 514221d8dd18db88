/*
 * OpenVPN static key files ("-----BEGIN OpenVPN Static key V1-----",
 * spec §2.1), used by tls-auth and tls-crypt.
 */
#ifndef MCN_STATICKEY_H
#define MCN_STATICKEY_H

#include <stddef.h>
#include <stdint.h>

#define STATICKEY_LEN	256	/* two keys of cipher[64] || hmac[64] */

/*
 * Parses the text of a key file (or an inline <tls-auth> block).  Text
 * before the header line is ignored; inside the block only hex digits and
 * whitespace are allowed; exactly 256 bytes must be present and the footer
 * must follow.  On error returns -1 and writes a one-line reason that names
 * the line number into err.
 */
int	statickey_parse(const char *text, size_t len,
	    uint8_t out[STATICKEY_LEN], char *err, size_t errlen);

/* Writes a key file as openvpn --genkey does (32 hex digits per line);
 * returns its length or -1 if cap is too small. */
int	statickey_format(const uint8_t key[STATICKEY_LEN], char *out, size_t cap);

#endif /* MCN_STATICKEY_H */
