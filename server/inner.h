/*
 * The first look at a decrypted tunnel packet, before the data path
 * reads its addresses: an IPv4 or IPv6 header whose length fields agree
 * with what was decrypted, no longer than the tunnel's MTU.  The kernel
 * would drop such packets after the tun write anyway; checked here, the
 * client's abuse is counted as its own and costs no write.  Pure.
 */
#ifndef MCN_INNER_H
#define MCN_INNER_H

#include <stddef.h>
#include <stdint.h>

enum inner_verdict {
	INNER_OK = 0,
	INNER_MALFORMED,	/* not IPv4 or IPv6, or its lengths disagree */
	INNER_OVERSIZED,	/* longer than the tunnel's MTU */
};

/*
 * Checks p[0..len) against a tunnel MTU of mtu bytes.  On INNER_OK,
 * *version is 4 or 6 and p holds at least that version's fixed header.
 */
enum inner_verdict	inner_check(const uint8_t *p, size_t len, size_t mtu,
			    int *version);

#endif /* MCN_INNER_H */
