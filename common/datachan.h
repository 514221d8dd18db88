/*
 * Data channel (spec §8): AEAD (AES-128-GCM, AES-256-GCM,
 * CHACHA20-POLY1305) in P_DATA_V2 (with peer-id) and P_DATA_V1 framing.
 *
 *   V2: op|kid (1) | peer-id (3) | packet-id (4) | tag (16) | ciphertext
 *   V1: op|kid (1) |               packet-id (4) | tag (16) | ciphertext
 *   nonce = packet-id (4) || implicit IV (8); AAD = first 8 bytes (V2) or
 *   the packet-id (V1); implicit IVs from the HMAC halves of the key block.
 *
 * A struct dc_key is one key_id's keys for both directions, with cipher
 * contexts keyed once at creation; per packet only the nonce changes.  It
 * is used by a single thread (the worker that owns the session).
 */
#ifndef MCN_DATACHAN_H
#define MCN_DATACHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dc_cipher {
	DC_CIPHER_NONE = 0,
	DC_AES_128_GCM,
	DC_AES_256_GCM,
	DC_CHACHA20_POLY1305,
	DC_AES_256_CBC,		/* with HMAC; issue 3 */
};

#define DC_TAG_LEN	16
#define DC_MAX_OVERHEAD	104	/* header + pid + tag/HMAC + IV + CBC padding */

enum dc_role {
	DC_ROLE_SERVER,		/* encrypts with keys[1], decrypts with keys[0] */
	DC_ROLE_CLIENT,		/* the reverse (load generator, tests) */
};

/* OpenSSL-style upper-case names, "AES-256-GCM" ...; case-insensitive parse. */
const char	*dc_cipher_name(enum dc_cipher);
enum dc_cipher	 dc_cipher_from_name(const char *);	/* DC_CIPHER_NONE if unknown */
bool		 dc_cipher_available(enum dc_cipher);	/* built into OpenSSL here */

struct dc_key;

/*
 * key_block: the 256 bytes from TLS-EKM or the PRF.  auth_digest: the
 * HMAC digest for CBC ciphers ("SHA256"...), ignored for AEAD.
 */
struct dc_key	*dc_key_new(enum dc_cipher, const uint8_t key_block[256],
		    enum dc_role, const char *auth_digest, char *err,
		    size_t errlen);
void		 dc_key_free(struct dc_key *);
enum dc_cipher	 dc_key_cipher(const struct dc_key *);

/*
 * Builds a complete data packet in out: P_DATA_V2 with peer_id, or
 * P_DATA_V1 when peer_id is PKT_PEER_ID_NONE.  pid must be non-zero.
 * Returns the packet length, or -1 (cap too small, crypto failure).
 */
int	dc_encrypt(struct dc_key *, uint8_t key_id, uint32_t peer_id,
	    uint32_t pid, const uint8_t *plain, size_t len, uint8_t *out,
	    size_t cap);

/*
 * Authenticates and decrypts a complete data packet (V1 or V2 by its
 * opcode).  Returns the plaintext length and sets *pid, or -1 for a short
 * packet or a failed tag.  The replay check is the caller's.
 */
int	dc_decrypt(struct dc_key *, const uint8_t *pkt, size_t len,
	    uint32_t *pid, uint8_t *out, size_t cap);

/* In-band payloads (spec §8.5). */
#define DC_PING_LEN	16
#define DC_OCC_MAGIC_LEN 16
extern const uint8_t dc_ping_magic[DC_PING_LEN];
extern const uint8_t dc_occ_magic[DC_OCC_MAGIC_LEN];
enum { DC_OCC_REQUEST = 0, DC_OCC_REPLY = 1, DC_OCC_EXIT = 6 };

bool	dc_is_ping(const uint8_t *p, size_t len);
/* The OCC message type, or -1 if p is not an OCC message. */
int	dc_occ_type(const uint8_t *p, size_t len);

#endif /* MCN_DATACHAN_H */
