/*
 * Coalescing packets into the tun device: see tungro.h.
 */
#include "config.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "tungro.h"

/* Linux 6.2's (tun's UDP segmentation); Debian 12's headers predate it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

#define IP4_HLEN	20
#define TCP_HLEN	20
#define UDP_HLEN	8

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of n bytes (n even), unfolded. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * The packet's transport header length and payload length if it may
 * start or join a merged packet (IPv4 without options or fragments; TCP
 * with ACK and at most PSH besides, or UDP; some payload), else 0.
 */
static size_t
l4_header(const struct tungro *g, const uint8_t *p, size_t len,
    size_t *payload)
{
	size_t thl;

	if (g->off || len < IP4_HLEN + UDP_HLEN || p[0] != 0x45 ||
	    get16(p + 2) != len || (get16(p + 6) & 0x3fff) != 0)
		return 0;
	switch (p[9]) {
	case IPPROTO_TCP:
		if (len < IP4_HLEN + TCP_HLEN)
			return 0;
		thl = (size_t)(p[IP4_HLEN + 12] >> 4) * 4;
		if (thl < TCP_HLEN || IP4_HLEN + thl >= len ||
		    (p[IP4_HLEN + 13] & ~TH_PSH) != TH_ACK)
			return 0;
		*payload = len - IP4_HLEN - thl;
		return thl;
	case IPPROTO_UDP:
		if (g->no_udp || get16(p + IP4_HLEN + 4) != len - IP4_HLEN ||
		    len == IP4_HLEN + UDP_HLEN)
			return 0;
		*payload = len - IP4_HLEN - UDP_HLEN;
		return UDP_HLEN;
	default:
		return 0;
	}
}

static void
start(struct tungro *g, const uint8_t *p, size_t len, size_t thl,
    size_t payload)
{
	memcpy(g->buf + TUNGRO_HDR_LEN, p, len);
	g->len = len;
	g->nseg = 1;
	g->hlen = IP4_HLEN + thl;
	g->seg = payload;
	g->closed = p[9] == IPPROTO_TCP && (p[IP4_HLEN + 13] & TH_PSH);
	if (p[9] == IPPROTO_TCP)
		g->next_seq = get32(p + IP4_HLEN + 4) + (uint32_t)payload;
}

bool
tungro_add(struct tungro *g, const uint8_t *p, size_t len)
{
	uint8_t *h = g->buf + TUNGRO_HDR_LEN;
	size_t thl, payload = 0;

	if ((thl = l4_header(g, p, len, &payload)) == 0)
		return false;
	if (g->len == 0) {
		/* A PSH segment alone gains nothing from a copy. */
		if (p[9] == IPPROTO_TCP && (p[IP4_HLEN + 13] & TH_PSH))
			return false;
		start(g, p, len, thl, payload);
		return true;
	}
	if (g->closed || g->nseg == TUNGRO_SEGS || payload > g->seg ||
	    g->len + payload > TUNGRO_MAX || IP4_HLEN + thl != g->hlen ||
	    /* version, IHL, TOS; flags, TTL, protocol; addresses */
	    memcmp(p, h, 2) != 0 || memcmp(p + 6, h + 6, 4) != 0 ||
	    memcmp(p + 12, h + 12, 8) != 0 ||
	    memcmp(p + IP4_HLEN, h + IP4_HLEN, 4) != 0)	/* ports */
		return false;
	if (p[9] == IPPROTO_TCP) {
		/* Same ACK, offset, window and options; the next bytes. */
		if (get32(p + IP4_HLEN + 4) != g->next_seq ||
		    memcmp(p + IP4_HLEN + 8, h + IP4_HLEN + 8, 5) != 0 ||
		    memcmp(p + IP4_HLEN + 14, h + IP4_HLEN + 14, 2) != 0 ||
		    memcmp(p + IP4_HLEN + TCP_HLEN, h + IP4_HLEN + TCP_HLEN,
		    thl - TCP_HLEN) != 0)
			return false;
		g->next_seq += (uint32_t)payload;
		if (p[IP4_HLEN + 13] & TH_PSH) {
			h[IP4_HLEN + 13] |= TH_PSH;	/* the last segment's */
			g->closed = true;
		}
	}
	memcpy(h + g->len, p + g->hlen, payload);
	g->len += payload;
	g->nseg++;
	if (payload < g->seg)
		g->closed = true;
	return true;
}

const uint8_t *
tungro_take(struct tungro *g, size_t *len, unsigned *nseg)
{
	struct virtio_net_hdr vh;
	uint8_t *h = g->buf + TUNGRO_HDR_LEN;
	size_t l4len;
	uint32_t s;

	if (g->len == 0)
		return NULL;
	memset(&vh, 0, sizeof(vh));
	if (g->nseg > 1) {
		l4len = g->len - IP4_HLEN;
		put16(h + 2, (uint16_t)g->len);
		put16(h + 10, 0);
		put16(h + 10, (uint16_t)~fold(sum16(h, IP4_HLEN, 0)));
		/* The pseudo-header sum goes in the checksum field; the
		 * kernel adds the rest when it cuts (NEEDS_CSUM). */
		s = sum16(h + 12, 8, 0) + h[9] + (uint32_t)l4len;
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.hdr_len = (uint16_t)g->hlen;
		vh.gso_size = (uint16_t)g->seg;
		vh.csum_start = IP4_HLEN;
		if (h[9] == IPPROTO_TCP) {
			vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
			vh.csum_offset = 16;
			put16(h + IP4_HLEN + 16, fold(s));
		} else {
			vh.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
			vh.csum_offset = 6;
			put16(h + IP4_HLEN + 4, (uint16_t)l4len);
			put16(h + IP4_HLEN + 6, fold(s));
		}
	}
	memcpy(g->buf, &vh, TUNGRO_HDR_LEN);
	*len = TUNGRO_HDR_LEN + g->len;
	*nseg = g->nseg;
	g->len = 0;
	g->nseg = 0;
	return g->buf;
}
