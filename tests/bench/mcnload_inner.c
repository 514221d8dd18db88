/*
 * Inner packets: the IPv4/UDP datagrams a client "sends from its tun",
 * with correct header and UDP checksums (the server checks the source
 * address; the exit NAT and the echo host check the checksums), and the
 * probe header at the start of every payload.
 *
 * Checksums follow RFC 1071 §2(B): the ones'-complement sum does not
 * depend on byte order, so words are summed as they lie in memory and
 * the folded result is stored back the same way (memcpy, not htons).
 */
#include "config.h"

#include <string.h>

#include "mcnload_pure.h"

uint32_t
csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t acc = sum;
	uint32_t w32;
	uint16_t w16;

	while (len >= 4) {
		memcpy(&w32, b, 4);
		acc += w32;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, b, 2);
		acc += w16;
		b += 2;
		len -= 2;
	}
	if (len == 1) {
		/* The odd byte is the high half of a zero-padded word. */
		w16 = 0;
		memcpy(&w16, b, 1);
		acc += w16;
	}
	/* Fold to 32 bits; the caller may keep adding. */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Sum of the UDP pseudo-header (spec: RFC 768) for a datagram of ulen. */
static uint32_t
pseudo_sum(uint32_t src, uint32_t dst, uint16_t ulen)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	put16(ph + 10, ulen);
	return csum_add(0, ph, sizeof(ph));
}

size_t
inner_udp_build(uint8_t *buf, size_t cap, const struct inner_flow *f,
    uint16_t ip_id, const uint8_t *payload, size_t plen)
{
	size_t tot = INNER_HDRS + plen;
	uint8_t *ip = buf, *udp = buf + INNER_IP_HDR;
	uint16_t c;

	if (tot > cap || tot > 65535)
		return 0;
	ip[0] = 0x45;			/* IPv4, 20-byte header */
	ip[1] = 0;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, ip_id);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &f->src, 4);
	memcpy(ip + 16, &f->dst, 4);
	c = csum_fold(csum_add(0, ip, INNER_IP_HDR));
	memcpy(ip + 10, &c, 2);

	put16(udp, f->sport);
	put16(udp + 2, f->dport);
	put16(udp + 4, (uint16_t)(INNER_UDP_HDR + plen));
	udp[6] = udp[7] = 0;
	if (plen > 0 && payload != udp + INNER_UDP_HDR)
		memmove(udp + INNER_UDP_HDR, payload, plen);
	c = csum_fold(csum_add(pseudo_sum(f->src, f->dst,
	    (uint16_t)(INNER_UDP_HDR + plen)), udp, INNER_UDP_HDR + plen));
	if (c == 0)
		c = 0xffff;		/* 0 means "no checksum" in UDP */
	memcpy(udp + 6, &c, 2);
	return tot;
}

int
inner_udp_parse(const uint8_t *p, size_t len, struct inner_flow *f,
    const uint8_t **payload, size_t *plen, const char **why)
{
	size_t ihl, tot, ulen;
	const uint8_t *udp;

	if (len < INNER_IP_HDR || (p[0] >> 4) != 4) {
		*why = "not IPv4";
		return -1;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (ihl < INNER_IP_HDR || tot < ihl + INNER_UDP_HDR || tot > len) {
		*why = "bad IPv4 lengths";
		return -1;
	}
	if (csum_fold(csum_add(0, p, ihl)) != 0) {
		*why = "bad IPv4 header checksum";
		return -1;
	}
	if (p[9] != IPPROTO_UDP) {
		*why = "not UDP";
		return -1;
	}
	if ((get16(p + 6) & 0x3fff) != 0) {
		*why = "IPv4 fragment";
		return -1;
	}
	udp = p + ihl;
	ulen = get16(udp + 4);
	if (ulen < INNER_UDP_HDR || ulen != tot - ihl) {
		*why = "bad UDP length";
		return -1;
	}
	memcpy(&f->src, p + 12, 4);
	memcpy(&f->dst, p + 16, 4);
	if ((udp[6] | udp[7]) != 0 && csum_fold(csum_add(pseudo_sum(f->src,
	    f->dst, (uint16_t)ulen), udp, ulen)) != 0) {
		*why = "bad UDP checksum";
		return -1;
	}
	f->sport = get16(udp);
	f->dport = get16(udp + 2);
	*payload = udp + INNER_UDP_HDR;
	*plen = ulen - INNER_UDP_HDR;
	return 0;
}

size_t
inner_malform(uint8_t *p, size_t len, unsigned n)
{
	uint16_t c;

	switch (n % INNER_MALFORM_KINDS) {
	case 0:
		put16(p + 2, (uint16_t)(len + 100));
		break;
	case 1:
		p[0] = 0x44;
		break;
	case 2:
		p[0] = 0x55;
		break;
	default:
		return len < 12 ? len : 12;
	}
	p[10] = p[11] = 0;
	c = csum_fold(csum_add(0, p, INNER_IP_HDR));
	memcpy(p + 10, &c, 2);
	return len;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/*
 * Probe layout (48 bytes, big-endian):
 *   0 magic "MCNL"   4 flags  5..7 zero   8 run   12 flow
 *   16 seq (8)       24 ts_ns (8)         32 srv_pkts (8)  40 srv_bytes (8)
 */
void
probe_put(uint8_t *p, const struct probe *pr)
{
	put32(p, PROBE_MAGIC);
	p[4] = pr->flags;
	p[5] = p[6] = p[7] = 0;
	put32(p + 8, pr->run);
	put32(p + 12, pr->flow);
	put64(p + 16, pr->seq);
	put64(p + 24, pr->ts_ns);
	put64(p + 32, pr->srv_pkts);
	put64(p + 40, pr->srv_bytes);
}

int
probe_get(const uint8_t *p, size_t len, struct probe *pr)
{
	if (len < PROBE_LEN || get32(p) != PROBE_MAGIC)
		return -1;
	pr->flags = p[4];
	pr->run = get32(p + 8);
	pr->flow = get32(p + 12);
	pr->seq = get64(p + 16);
	pr->ts_ns = get64(p + 24);
	pr->srv_pkts = get64(p + 32);
	pr->srv_bytes = get64(p + 40);
	return 0;
}

void
probe_set_srv(uint8_t *p, uint64_t pkts, uint64_t bytes)
{
	put64(p + 32, pkts);
	put64(p + 40, bytes);
}
