/*
 * Inner packet checks (inner.h).  A tun device hands us exactly one IP
 * packet per read, so a client's tun does the same: the IPv4 total
 * length, or the IPv6 payload length plus its header, is the length.
 */
#include "config.h"

#include "inner.h"

#define IP4_HDR		20
#define IP6_HDR		40

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

enum inner_verdict
inner_check(const uint8_t *p, size_t len, size_t mtu, int *version)
{
	size_t ihl;

	if (len > mtu)
		return INNER_OVERSIZED;
	if (len == 0)
		return INNER_MALFORMED;
	switch (p[0] >> 4) {
	case 4:
		if (len < IP4_HDR)
			return INNER_MALFORMED;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		if (ihl < IP4_HDR || ihl > len || be16(p + 2) != len)
			return INNER_MALFORMED;
		*version = 4;
		return INNER_OK;
	case 6:
		/* A jumbogram (payload length 0 and more bytes) cannot
		 * fit a tun MTU: it fails this too. */
		if (len < IP6_HDR || be16(p + 4) + IP6_HDR != len)
			return INNER_MALFORMED;
		*version = 6;
		return INNER_OK;
	default:
		return INNER_MALFORMED;
	}
}
