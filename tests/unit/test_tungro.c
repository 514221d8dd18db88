/*
 * Merging packets for the tun device (server/tungro.c): runs of TCP and
 * UDP segments become one packet whose virtio header, lengths and
 * checksums let the kernel cut it back into the same segments; anything
 * that must not be merged ends a run or goes alone.  Cutting back is
 * checked with a reference segmentation written here, as the kernel does
 * it (RFC 1071 checksums, TCP/UDP over IPv4).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "tungro.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

static struct tungro g;

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
csum(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Fills the IPv4 and L4 checksums of p as a sender would. */
static void
checksums(uint8_t *p, size_t len)
{
	size_t l4 = len - 20;
	uint16_t c;
	int off = p[9] == IPPROTO_TCP ? 16 : 6;

	p[10] = p[11] = 0;
	c = csum(sum(p, 20, 0));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20 + off] = p[20 + off + 1] = 0;
	c = csum(sum(p + 20, l4, sum(p + 12, 8, 0) + p[9] + (uint32_t)l4));
	if (c == 0 && p[9] == IPPROTO_UDP)
		c = 0xffff;
	p[20 + off] = (uint8_t)(c >> 8);
	p[20 + off + 1] = (uint8_t)c;
}

static bool
checksums_ok(const uint8_t *p, size_t len)
{
	size_t l4 = len - 20;

	return csum(sum(p, 20, 0)) == 0 &&
	    csum(sum(p + 20, l4, sum(p + 12, 8, 0) + p[9] + (uint32_t)l4)) == 0;
}

/* A TCP segment 10.0.0.2:1000 -> 10.1.0.1:80 with n bytes of payload
 * (byte i is (seq + i) & 0xff), ACK and flags, 12 bytes of options. */
static size_t
tcp(uint8_t *p, uint32_t seq, size_t n, uint8_t flags)
{
	size_t len = 20 + 32 + n, i;

	memset(p, 0, 52);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(seq >> 8);	/* some IP ID */
	p[6] = 0x40;			/* DF */
	p[8] = 64;
	p[9] = IPPROTO_TCP;
	memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x01\x00\x01", 8);
	memcpy(p + 20, "\x03\xe8\x00\x50", 4);
	p[24] = (uint8_t)(seq >> 24);
	p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	memcpy(p + 28, "\x00\x00\x10\x00", 4);	/* ack */
	p[32] = 8 << 4;				/* 32-byte header */
	p[33] = flags;
	p[34] = 0x01;				/* window */
	memcpy(p + 40, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09",
	    12);				/* NOP NOP timestamps */
	for (i = 0; i < n; i++)
		p[52 + i] = (uint8_t)(seq + i);
	checksums(p, len);
	return len;
}

/* A UDP datagram 10.0.0.2:5000 -> 10.1.0.1:9 with n bytes (byte i is
 * (k + i) & 0xff). */
static size_t
udp(uint8_t *p, unsigned k, size_t n)
{
	size_t len = 28 + n, i;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[5] = (uint8_t)k;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x01\x00\x01", 8);
	memcpy(p + 20, "\x13\x88\x00\x09", 4);
	p[24] = (uint8_t)((n + 8) >> 8);
	p[25] = (uint8_t)(n + 8);
	for (i = 0; i < n; i++)
		p[28 + i] = (uint8_t)(k + i);
	checksums(p, len);
	return len;
}

/*
 * Cuts a merged packet back as the kernel would and checks that the
 * pieces are nseg valid packets equal to want[] but for IP ID and
 * checksums (and TCP flags PSH, kept on the last piece only).
 */
static void
cut_and_compare(const uint8_t *m, size_t mlen, uint8_t want[][1600],
    const size_t *wlen, unsigned nseg)
{
	struct virtio_net_hdr vh;
	const uint8_t *p = m + TUNGRO_HDR_LEN;
	size_t plen = mlen - TUNGRO_HDR_LEN, off, n, hl;
	uint8_t seg[1600];
	uint32_t s, seq;
	unsigned i;

	memcpy(&vh, m, sizeof(vh));
	ck_assert_uint_eq(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	ck_assert_uint_eq(vh.csum_start, 20);
	hl = vh.hdr_len;
	ck_assert_uint_eq((p[2] << 8) | p[3], plen);
	ck_assert(csum(sum(p, 20, 0)) == 0);
	/* The L4 checksum field holds the pseudo-header sum. */
	s = sum(p + 12, 8, 0) + p[9] + (uint32_t)(plen - 20);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ck_assert_uint_eq((p[20 + vh.csum_offset] << 8) |
	    p[20 + vh.csum_offset + 1], s);
	seq = (uint32_t)(p[24] << 24 | p[25] << 16 | p[26] << 8 | p[27]);
	for (i = 0, off = hl; off < plen; i++, off += n) {
		n = plen - off < vh.gso_size ? plen - off : vh.gso_size;
		ck_assert_uint_lt(i, nseg);
		memcpy(seg, p, hl);
		memcpy(seg + hl, p + off, n);
		seg[2] = (uint8_t)((hl + n) >> 8);
		seg[3] = (uint8_t)(hl + n);
		if (p[9] == IPPROTO_TCP) {
			uint32_t q = seq + (uint32_t)(off - hl);

			seg[24] = (uint8_t)(q >> 24);
			seg[25] = (uint8_t)(q >> 16);
			seg[26] = (uint8_t)(q >> 8);
			seg[27] = (uint8_t)q;
			if (off + n < plen)
				seg[33] &= (uint8_t)~0x08;	/* PSH: last */
		} else {
			seg[24] = (uint8_t)((n + 8) >> 8);
			seg[25] = (uint8_t)(n + 8);
		}
		checksums(seg, hl + n);
		ck_assert_uint_eq(hl + n, wlen[i]);
		ck_assert(checksums_ok(want[i], wlen[i]));
		/* Equal but for the IP ID and the IP checksum. */
		ck_assert_mem_eq(seg, want[i], 4);
		ck_assert_mem_eq(seg + 6, want[i] + 6, 4);
		ck_assert_mem_eq(seg + 12, want[i] + 12, wlen[i] - 12);
	}
	ck_assert_uint_eq(i, nseg);
}

static uint8_t pk[80][1600];
static size_t pl[80];

START_TEST(test_tcp_run)
{
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg, n = 10;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < n; i++) {
		pl[i] = tcp(pk[i], 1000 + i * 1400, i == n - 1 ? 300 : 1400,
		    i == n - 1 ? 0x18 : 0x10);
		ck_assert(tungro_add(&g, pk[i], pl[i]));
	}
	/* The short PSH segment closed the run. */
	pl[n] = tcp(pk[n], 1000 + 9 * 1400 + 300, 1400, 0x10);
	ck_assert(!tungro_add(&g, pk[n], pl[n]));
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_eq(nseg, n);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->gso_type,
	    VIRTIO_NET_HDR_GSO_TCPV4);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->gso_size, 1400);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->hdr_len, 52);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->csum_offset, 16);
	cut_and_compare(m, mlen, pk, pl, n);
	ck_assert_ptr_null(tungro_take(&g, &mlen, &nseg));
}
END_TEST

START_TEST(test_udp_run)
{
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg, n = 5;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < n; i++) {
		pl[i] = udp(pk[i], i, i == n - 1 ? 77 : 1200);
		ck_assert(tungro_add(&g, pk[i], pl[i]));
	}
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_eq(nseg, n);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->gso_type,
	    VIRTIO_NET_HDR_GSO_UDP_L4);
	ck_assert_uint_eq(((const struct virtio_net_hdr *)m)->csum_offset, 6);
	cut_and_compare(m, mlen, pk, pl, n);

	/* Where the kernel cannot cut UDP, UDP goes alone. */
	memset(&g, 0, sizeof(g));
	g.no_udp = true;
	ck_assert(!tungro_add(&g, pk[0], pl[0]));
}
END_TEST

/* One packet taken alone: no offload, every byte as it came. */
START_TEST(test_single)
{
	static const uint8_t none[TUNGRO_HDR_LEN];
	const uint8_t *m;
	size_t mlen;
	unsigned nseg;

	memset(&g, 0, sizeof(g));
	pl[0] = tcp(pk[0], 5, 1000, 0x10);
	ck_assert(tungro_add(&g, pk[0], pl[0]));
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_eq(nseg, 1);
	ck_assert_uint_eq(mlen, TUNGRO_HDR_LEN + pl[0]);
	ck_assert_mem_eq(m, none, TUNGRO_HDR_LEN);
	ck_assert_mem_eq(m + TUNGRO_HDR_LEN, pk[0], pl[0]);
}
END_TEST

/* What may not start a run. */
START_TEST(test_never_start)
{
	uint8_t p[1600];
	size_t len;

	memset(&g, 0, sizeof(g));
	len = tcp(p, 1, 100, 0x02);		/* SYN */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x11);		/* FIN */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x14);		/* RST */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x50);		/* ECE */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x18);		/* PSH alone */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 0, 0x10);		/* a bare ACK */
	ck_assert(!tungro_add(&g, p, len));
	len = udp(p, 1, 0);			/* empty UDP */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x10);
	p[6] = 0x20;				/* MF: a fragment */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x10);
	p[0] = 0x46;				/* IP options */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x10);
	p[9] = IPPROTO_ICMP;
	ck_assert(!tungro_add(&g, p, len));
	p[0] = 0x60;				/* IPv6 */
	ck_assert(!tungro_add(&g, p, len));
	ck_assert_uint_eq(g.len, 0);
}
END_TEST

/* Each difference ends a TCP run: the next packet is refused. */
START_TEST(test_tcp_breaks)
{
	static const struct { int off; uint8_t val; } diff[] = {
		{ 1, 0x01 },		/* TOS (ECN CE) */
		{ 8, 63 },		/* TTL */
		{ 15, 3 },		/* source address */
		{ 19, 9 },		/* destination address */
		{ 21, 0xe9 },		/* source port */
		{ 31, 1 },		/* ACK number */
		{ 35, 2 },		/* window */
		{ 51, 0x0a },		/* a timestamp option */
	};
	uint8_t p[1600];
	size_t i, len;

	for (i = 0; i < sizeof(diff) / sizeof(diff[0]); i++) {
		memset(&g, 0, sizeof(g));
		len = tcp(pk[0], 100, 500, 0x10);
		ck_assert(tungro_add(&g, pk[0], len));
		len = tcp(p, 600, 500, 0x10);
		p[diff[i].off] = diff[i].val;
		ck_assert_msg(!tungro_add(&g, p, len), "byte %d", diff[i].off);
		len = tcp(p, 600, 500, 0x10);
		ck_assert(tungro_add(&g, p, len));
	}
	/* A gap or an overlap in sequence numbers. */
	memset(&g, 0, sizeof(g));
	ck_assert(tungro_add(&g, pk[0], tcp(pk[0], 100, 500, 0x10)));
	ck_assert(!tungro_add(&g, p, tcp(p, 601, 500, 0x10)));
	ck_assert(!tungro_add(&g, p, tcp(p, 599, 500, 0x10)));
	/* A longer segment than the run's. */
	ck_assert(!tungro_add(&g, p, tcp(p, 600, 501, 0x10)));
	/* A shorter one joins and closes it. */
	ck_assert(tungro_add(&g, p, tcp(p, 600, 499, 0x10)));
	ck_assert(!tungro_add(&g, p, tcp(p, 1099, 499, 0x10)));
	/* Another header length. */
	memset(&g, 0, sizeof(g));
	ck_assert(tungro_add(&g, pk[0], tcp(pk[0], 100, 500, 0x10)));
	len = udp(p, 1, 500);
	ck_assert(!tungro_add(&g, p, len));
}
END_TEST

/* At most TUNGRO_SEGS packets and 65535 bytes in one. */
START_TEST(test_limits)
{
	uint8_t p[1600];
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < TUNGRO_SEGS; i++)
		ck_assert(tungro_add(&g, p, udp(p, i, 100)));
	ck_assert(!tungro_add(&g, p, udp(p, i, 100)));
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_eq(nseg, TUNGRO_SEGS);

	memset(&g, 0, sizeof(g));
	for (i = 0; ; i++)
		if (!tungro_add(&g, p, tcp(p, i * 1448, 1448, 0x10)))
			break;
	ck_assert_uint_eq(i, (65535 - 52) / 1448);
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_le(mlen - TUNGRO_HDR_LEN, 65535);
	ck_assert_uint_eq(nseg, i);
}
END_TEST

static Suite *
tungro_suite(void)
{
	Suite *s = suite_create("tungro");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tcp_run);
	tcase_add_test(tc, test_udp_run);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_never_start);
	tcase_add_test(tc, test_tcp_breaks);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tungro_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
