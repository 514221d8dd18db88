/*
 * Data-channel key derivation (spec §7).  TLS-EKM is done by tlsmem
 * (tlsmem_export_keys); this file holds the legacy TLS-PRF for clients
 * that do not announce IV_PROTO bit 3.
 */
#ifndef MCN_KDF_H
#define MCN_KDF_H

#include <stdint.h>

#include "pkt.h"

#define KDF_KEY_BLOCK_LEN	256

/*
 * master = PRF(pre_master, "OpenVPN master secret" || c_random1 || s_random1, 48)
 * out    = PRF(master, "OpenVPN key expansion" || c_random2 || s_random2
 *              || client_sid || server_sid, 256)
 * PRF is the TLS 1.0 MD5/SHA1 PRF.  0 or -1.
 */
int	kdf_prf_key_block(const uint8_t pre_master[48],
	    const uint8_t c_random1[32], const uint8_t s_random1[32],
	    const uint8_t c_random2[32], const uint8_t s_random2[32],
	    const uint8_t client_sid[PKT_SID_LEN],
	    const uint8_t server_sid[PKT_SID_LEN],
	    uint8_t out[KDF_KEY_BLOCK_LEN]);

#endif /* MCN_KDF_H */
