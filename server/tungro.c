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
#define IP6_HLEN	40
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

/* Where a packet's parts are. */
struct shape {
	size_t		 iphl;		/* 20 (IPv4) or 40 (IPv6) */
	size_t		 thl;		/* TCP or UDP header */
	size_t		 payload;
	uint8_t		 proto;
};

/*
 * Whether p may start or join a merged packet -- IPv4 without options or
 * fragments, or IPv6 without extension headers; TCP with ACK and at most
 * PSH besides, or UDP; some payload -- and where its parts are.
 */
static bool
shape_of(const struct tungro *g, const uint8_t *p, size_t len,
    struct shape *s)
{
	const uint8_t *l4;

	if (g->off || len < IP4_HLEN + UDP_HLEN)
		return false;
	if (p[0] == 0x45) {
		if (get16(p + 2) != len || (get16(p + 6) & 0x3fff) != 0)
			return false;
		s->iphl = IP4_HLEN;
		s->proto = p[9];
	} else if ((p[0] >> 4) == 6) {
		if (len < IP6_HLEN + UDP_HLEN || get16(p + 4) != len - IP6_HLEN)
			return false;
		s->iphl = IP6_HLEN;
		s->proto = p[6];
	} else
		return false;
	l4 = p + s->iphl;
	switch (s->proto) {
	case IPPROTO_TCP:
		if (len < s->iphl + TCP_HLEN)
			return false;
		s->thl = (size_t)(l4[12] >> 4) * 4;
		if (s->thl < TCP_HLEN || s->iphl + s->thl >= len ||
		    (l4[13] & ~TH_PSH) != TH_ACK)
			return false;
		break;
	case IPPROTO_UDP:
		if (g->no_udp || get16(l4 + 4) != len - s->iphl ||
		    len == s->iphl + UDP_HLEN)
			return false;
		s->thl = UDP_HLEN;
		break;
	default:
		return false;
	}
	s->payload = len - s->iphl - s->thl;
	return true;
}

/* Same IP header but for what changes from packet to packet: IPv4's
 * length, ID and checksum, IPv6's payload length. */
static bool
same_ip(const uint8_t *p, const uint8_t *h, size_t iphl)
{
	if (iphl == IP4_HLEN)	/* version, IHL, TOS; flags, TTL, proto;
				 * addresses */
		return memcmp(p, h, 2) == 0 && memcmp(p + 6, h + 6, 4) == 0 &&
		    memcmp(p + 12, h + 12, 8) == 0;
	/* version, class, flow label; next header, hop limit; addresses */
	return memcmp(p, h, 4) == 0 && memcmp(p + 6, h + 6, 34) == 0;
}

static void
start(struct tungro *g, const uint8_t *p, size_t len, const struct shape *s)
{
	const uint8_t *l4 = p + s->iphl;

	memcpy(g->buf + TUNGRO_HDR_LEN, p, len);
	g->len = len;
	g->nseg = 1;
	g->iphl = s->iphl;
	g->hlen = s->iphl + s->thl;
	g->seg = s->payload;
	g->closed = s->proto == IPPROTO_TCP && (l4[13] & TH_PSH);
	if (s->proto == IPPROTO_TCP)
		g->next_seq = get32(l4 + 4) + (uint32_t)s->payload;
}

bool
tungro_add(struct tungro *g, const uint8_t *p, size_t len)
{
	uint8_t *h = g->buf + TUNGRO_HDR_LEN, *hl4;
	const uint8_t *l4;
	struct shape s;

	if (!shape_of(g, p, len, &s))
		return false;
	l4 = p + s.iphl;
	if (g->len == 0) {
		/* A PSH segment alone gains nothing from a copy. */
		if (s.proto == IPPROTO_TCP && (l4[13] & TH_PSH))
			return false;
		start(g, p, len, &s);
		return true;
	}
	hl4 = h + g->iphl;
	if (g->closed || g->nseg == TUNGRO_SEGS || s.payload > g->seg ||
	    g->len + s.payload > TUNGRO_MAX || s.iphl != g->iphl ||
	    s.iphl + s.thl != g->hlen || !same_ip(p, h, s.iphl) ||
	    memcmp(l4, hl4, 4) != 0)			/* ports */
		return false;
	if (s.proto == IPPROTO_TCP) {
		/* Same ACK, offset, window, urgent pointer (meaningless
		 * without URG, but kept) and options; the next bytes. */
		if (get32(l4 + 4) != g->next_seq ||
		    memcmp(l4 + 8, hl4 + 8, 5) != 0 ||
		    memcmp(l4 + 14, hl4 + 14, 2) != 0 ||
		    memcmp(l4 + 18, hl4 + 18, 2) != 0 ||
		    memcmp(l4 + TCP_HLEN, hl4 + TCP_HLEN,
		    s.thl - TCP_HLEN) != 0)
			return false;
		g->next_seq += (uint32_t)s.payload;
		if (l4[13] & TH_PSH) {
			hl4[13] |= TH_PSH;	/* the last segment's */
			g->closed = true;
		}
	}
	memcpy(h + g->len, p + g->hlen, s.payload);
	g->len += s.payload;
	g->nseg++;
	if (s.payload < g->seg)
		g->closed = true;
	return true;
}

const uint8_t *
tungro_take(struct tungro *g, size_t *len, unsigned *nseg)
{
	struct virtio_net_hdr vh;
	uint8_t *h = g->buf + TUNGRO_HDR_LEN, *l4 = h + g->iphl;
	size_t l4len = g->len - g->iphl;
	uint8_t proto;
	uint32_t s;

	if (g->len == 0)
		return NULL;
	memset(&vh, 0, sizeof(vh));
	if (g->nseg > 1) {
		if (g->iphl == IP4_HLEN) {
			proto = h[9];
			put16(h + 2, (uint16_t)g->len);
			put16(h + 10, 0);
			put16(h + 10, (uint16_t)~fold(sum16(h, IP4_HLEN, 0)));
			s = sum16(h + 12, 8, 0);
			vh.gso_type = proto == IPPROTO_TCP ?
			    VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_UDP_L4;
		} else {
			proto = h[6];
			put16(h + 4, (uint16_t)l4len);
			s = sum16(h + 8, 32, 0);
			vh.gso_type = proto == IPPROTO_TCP ?
			    VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_UDP_L4;
		}
		/* The pseudo-header sum goes in the checksum field; the
		 * kernel adds the rest when it cuts (NEEDS_CSUM). */
		s += proto + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.hdr_len = (uint16_t)g->hlen;
		vh.gso_size = (uint16_t)g->seg;
		vh.csum_start = (uint16_t)g->iphl;
		if (proto == IPPROTO_TCP) {
			vh.csum_offset = 16;
			put16(l4 + 16, fold(s));
		} else {
			vh.csum_offset = 6;
			put16(l4 + 4, (uint16_t)l4len);
			put16(l4 + 6, fold(s));
		}
	}
	memcpy(g->buf, &vh, TUNGRO_HDR_LEN);
	*len = TUNGRO_HDR_LEN + g->len;
	*nseg = g->nseg;
	g->len = 0;
	g->nseg = 0;
	return g->buf;
}
