/*
 * What the kernel makes of a merged packet: see tungro_ref.h.
 */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tungro.h"
#include "tungro_ref.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

static uint32_t
sum(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* IP header length (20 or 40) and transport protocol. */
static size_t
iphl_of(const uint8_t *p, uint8_t *proto)
{
	if ((p[0] >> 4) == 6) {
		*proto = p[6];
		return 40;
	}
	*proto = p[9];
	return 20;
}

static size_t
l4_csum_at(const uint8_t *p)
{
	uint8_t proto;
	size_t hl = iphl_of(p, &proto);

	return hl + (proto == IPPROTO_TCP ? 16 : 6);
}

static uint32_t
pseudo(const uint8_t *p, size_t len)
{
	uint8_t proto;
	size_t hl = iphl_of(p, &proto), l4 = len - hl;

	if (hl == 40)
		return sum(p + 8, 32, 0) + proto + (uint32_t)(l4 >> 16) +
		    (uint32_t)(l4 & 0xffff);
	return sum(p + 12, 8, 0) + proto + (uint32_t)l4;
}

static void
set_ip_len(uint8_t *p, size_t len)
{
	if ((p[0] >> 4) == 6) {
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
	} else {
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
	}
}

void
tungro_ref_checksums(uint8_t *p, size_t len)
{
	uint8_t proto;
	size_t hl = iphl_of(p, &proto), at = l4_csum_at(p);
	uint16_t c;

	if (len < at + 2)
		return;		/* not a packet these tests make */
	if (hl == 20) {
		p[10] = p[11] = 0;
		c = (uint16_t)~fold(sum(p, 20, 0));
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
	}
	p[at] = p[at + 1] = 0;
	c = (uint16_t)~fold(sum(p + hl, len - hl, pseudo(p, len)));
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff;
	p[at] = (uint8_t)(c >> 8);
	p[at + 1] = (uint8_t)c;
}

bool
tungro_ref_checksums_ok(const uint8_t *p, size_t len)
{
	uint8_t proto;
	size_t hl = iphl_of(p, &proto);

	if (len < l4_csum_at(p) + 2)
		return false;
	return (hl == 40 || fold(sum(p, 20, 0)) == 0xffff) &&
	    fold(sum(p + hl, len - hl, pseudo(p, len))) == 0xffff;
}

int
tungro_ref_cut(const uint8_t *m, size_t mlen, uint8_t out[][TUNGRO_REF_MAX],
    size_t *outlen, unsigned max, const char **why)
{
	struct virtio_net_hdr vh;
	const uint8_t *p = m + TUNGRO_HDR_LEN;
	size_t plen = mlen - TUNGRO_HDR_LEN, off, n, hl, iphl, at;
	uint8_t proto, gso_tcp;
	uint32_t seq;
	unsigned i;
	bool tcp;

	*why = "";
	if (mlen < TUNGRO_HDR_LEN + 28)
		return *why = "short", -1;
	memcpy(&vh, m, sizeof(vh));
	iphl = iphl_of(p, &proto);
	tcp = proto == IPPROTO_TCP;
	gso_tcp = iphl == 20 ? VIRTIO_NET_HDR_GSO_TCPV4 :
	    VIRTIO_NET_HDR_GSO_TCPV6;
	hl = vh.hdr_len;
	if (vh.flags != VIRTIO_NET_HDR_F_NEEDS_CSUM || vh.csum_start != iphl ||
	    vh.gso_type != (tcp ? gso_tcp : VIRTIO_NET_HDR_GSO_UDP_L4) ||
	    vh.csum_offset != (tcp ? 16 : 6) || vh.gso_size == 0 ||
	    hl < iphl + 8 || hl >= plen)
		return *why = "virtio header", -1;
	if (iphl == 20 && (size_t)(p[2] << 8 | p[3]) != plen)
		return *why = "IP total length", -1;
	if (iphl == 40 && (size_t)(p[4] << 8 | p[5]) != plen - 40)
		return *why = "IPv6 payload length", -1;
	if (iphl == 20 && fold(sum(p, 20, 0)) != 0xffff)
		return *why = "IP checksum", -1;
	if (!tcp && (size_t)(p[iphl + 4] << 8 | p[iphl + 5]) != plen - iphl)
		return *why = "UDP length", -1;
	at = l4_csum_at(p);
	if ((uint16_t)(p[at] << 8 | p[at + 1]) != fold(pseudo(p, plen)))
		return *why = "pseudo-header sum", -1;
	seq = (uint32_t)p[iphl + 4] << 24 | (uint32_t)p[iphl + 5] << 16 |
	    (uint32_t)p[iphl + 6] << 8 | p[iphl + 7];
	for (i = 0, off = hl; off < plen; i++, off += n) {
		uint8_t *o = out[i], *l4 = out[i] + iphl;

		n = plen - off < vh.gso_size ? plen - off : vh.gso_size;
		if (i == max || hl + n > TUNGRO_REF_MAX)
			return *why = "too many or too long segments", -1;
		memcpy(o, p, hl);
		memcpy(o + hl, p + off, n);
		set_ip_len(o, hl + n);
		if (tcp) {
			uint32_t q = seq + (uint32_t)(off - hl);

			l4[4] = (uint8_t)(q >> 24);
			l4[5] = (uint8_t)(q >> 16);
			l4[6] = (uint8_t)(q >> 8);
			l4[7] = (uint8_t)q;
			if (off + n < plen)
				l4[13] &= (uint8_t)~0x08;	/* PSH */
		} else {
			l4[4] = (uint8_t)((n + 8) >> 8);
			l4[5] = (uint8_t)(n + 8);
		}
		tungro_ref_checksums(o, hl + n);
		outlen[i] = hl + n;
	}
	return (int)i;
}

bool
tungro_ref_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    bool l4_csum)
{
	size_t at, from;

	if (alen != blen || alen < 28 || (a[0] >> 4) != (b[0] >> 4))
		return false;
	/* IPv4: all but the ID (4-5) and the checksum (10-11). */
	if ((a[0] >> 4) == 4 && (memcmp(a, b, 4) != 0 ||
	    memcmp(a + 6, b + 6, 4) != 0))
		return false;
	from = (a[0] >> 4) == 4 ? 12 : 0;
	if (l4_csum)
		return memcmp(a + from, b + from, alen - from) == 0;
	at = l4_csum_at(a);
	return memcmp(a + from, b + from, at - from) == 0 &&
	    memcmp(a + at + 2, b + at + 2, alen - at - 2) == 0;
}
