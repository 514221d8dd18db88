/*
 * Merging packets for the tun device (server/tungro.c): runs of TCP and
 * UDP segments become one packet whose virtio header, lengths and
 * checksums let the kernel cut it back into the same segments; anything
 * that must not be merged ends a run or goes alone.  Cutting back is
 * checked with a reference segmentation (tungro_ref.c), as the kernel
 * does it (RFC 1071 checksums, TCP/UDP over IPv4).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "tungro.h"
#include "tungro_ref.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

static struct tungro g;

static bool v6;		/* templates over IPv6 */

/* The virtio header in front of a merged packet (unaligned there). */
static struct virtio_net_hdr
vhdr(const uint8_t *m)
{
	struct virtio_net_hdr vh;

	memcpy(&vh, m, sizeof(vh));
	return vh;
}

/* The IP header of a template: 10.0.0.2 -> 10.1.0.1, or fd00::2 ->
 * fd00:1::1; its length. */
static size_t
ip(uint8_t *p, uint8_t proto, size_t len, unsigned id)
{
	if (v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = proto;
		p[7] = 64;
		p[8] = p[24] = 0xfd;
		p[23] = 2;
		p[27] = p[39] = 1;
		return 40;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(id >> 8);	/* some IP ID */
	p[5] = (uint8_t)id;
	p[6] = 0x40;			/* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x01\x00\x01", 8);
	return 20;
}

/* A TCP segment, port 1000 -> 80, with n bytes of payload (byte i is
 * (seq + i) & 0xff), ACK and flags, 12 bytes of options. */
static size_t
tcp(uint8_t *p, uint32_t seq, size_t n, uint8_t flags)
{
	size_t hl = v6 ? 40 : 20, len = hl + 32 + n, i;
	uint8_t *t = p + hl;

	ip(p, IPPROTO_TCP, len, seq >> 8);
	memset(t, 0, 32);
	memcpy(t, "\x03\xe8\x00\x50", 4);
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	memcpy(t + 8, "\x00\x00\x10\x00", 4);	/* ack */
	t[12] = 8 << 4;				/* 32-byte header */
	t[13] = flags;
	t[14] = 0x01;				/* window */
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09",
	    12);				/* NOP NOP timestamps */
	for (i = 0; i < n; i++)
		t[32 + i] = (uint8_t)(seq + i);
	tungro_ref_checksums(p, len);
	return len;
}

/* A UDP datagram, port 5000 -> 9, with n bytes (byte i is (k + i) &
 * 0xff). */
static size_t
udp(uint8_t *p, unsigned k, size_t n)
{
	size_t hl = v6 ? 40 : 20, len = hl + 8 + n, i;
	uint8_t *u = p + hl;

	ip(p, IPPROTO_UDP, len, k);
	memcpy(u, "\x13\x88\x00\x09", 4);
	u[4] = (uint8_t)((n + 8) >> 8);
	u[5] = (uint8_t)(n + 8);
	u[6] = u[7] = 0;
	for (i = 0; i < n; i++)
		u[8 + i] = (uint8_t)(k + i);
	tungro_ref_checksums(p, len);
	return len;
}

/*
 * Cuts a merged packet back as the kernel would (tungro_ref.c) and checks
 * that the pieces are the nseg packets want[], with their checksums, but
 * for the IP ID and checksum (and PSH, kept on the last piece only).
 */
static void
cut_and_compare(const uint8_t *m, size_t mlen, uint8_t want[][1600],
    const size_t *wlen, unsigned nseg)
{
	static uint8_t seg[TUNGRO_SEGS][TUNGRO_REF_MAX];
	size_t slen[TUNGRO_SEGS];
	const char *why;
	int i, n;

	n = tungro_ref_cut(m, mlen, seg, slen, TUNGRO_SEGS, &why);
	ck_assert_msg(n >= 0, "not a merged packet: %s", why);
	ck_assert_int_eq(n, (int)nseg);
	for (i = 0; i < n; i++) {
		ck_assert(tungro_ref_checksums_ok(want[i], wlen[i]));
		ck_assert_msg(tungro_ref_same(seg[i], slen[i], want[i],
		    wlen[i], true), "segment %d differs", i);
	}
}

static uint8_t pk[80][1600];
static size_t pl[80];

/* Over IPv4 (_i 0) and IPv6 (_i 1). */
START_TEST(test_tcp_run)
{
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg, n = 10;

	v6 = _i;
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
	ck_assert_uint_eq(vhdr(m).gso_type,
	    v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	ck_assert_uint_eq(vhdr(m).gso_size, 1400);
	ck_assert_uint_eq(vhdr(m).hdr_len,
	    v6 ? 72 : 52);
	ck_assert_uint_eq(vhdr(m).csum_offset, 16);
	cut_and_compare(m, mlen, pk, pl, n);
	ck_assert_ptr_null(tungro_take(&g, &mlen, &nseg));
}
END_TEST

START_TEST(test_udp_run)
{
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg, n = 5;

	v6 = _i;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < n; i++) {
		pl[i] = udp(pk[i], i, i == n - 1 ? 77 : 1200);
		ck_assert(tungro_add(&g, pk[i], pl[i]));
	}
	ck_assert_ptr_nonnull(m = tungro_take(&g, &mlen, &nseg));
	ck_assert_uint_eq(nseg, n);
	ck_assert_uint_eq(vhdr(m).gso_type,
	    VIRTIO_NET_HDR_GSO_UDP_L4);
	ck_assert_uint_eq(vhdr(m).csum_offset, 6);
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

	v6 = _i;
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

	v6 = false;
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
	p[0] = 0x55;				/* IP version 5 */
	ck_assert(!tungro_add(&g, p, len));
	v6 = true;
	len = tcp(p, 1, 100, 0x10);
	p[6] = 0;				/* a hop-by-hop header */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x10);
	p[5]++;					/* payload length */
	ck_assert(!tungro_add(&g, p, len));
	len = tcp(p, 1, 100, 0x02);		/* SYN */
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
		{ 38, 1 },		/* urgent pointer (without URG) */
		{ 51, 0x0a },		/* a timestamp option */
	};
	uint8_t p[1600];
	size_t i, len;

	v6 = false;
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

/* The IPv6 header's parts that end a run; IPv4 and IPv6 never mix. */
START_TEST(test_v6_breaks)
{
	static const struct { int off; uint8_t val; } diff[] = {
		{ 1, 0x10 },		/* traffic class */
		{ 3, 0x05 },		/* flow label */
		{ 7, 63 },		/* hop limit */
		{ 23, 3 },		/* source address */
		{ 39, 9 },		/* destination address */
		{ 41, 0xe9 },		/* source port */
	};
	uint8_t p[1600];
	size_t i, len;

	v6 = true;
	for (i = 0; i < sizeof(diff) / sizeof(diff[0]); i++) {
		memset(&g, 0, sizeof(g));
		ck_assert(tungro_add(&g, pk[0], tcp(pk[0], 100, 500, 0x10)));
		len = tcp(p, 600, 500, 0x10);
		p[diff[i].off] = diff[i].val;
		ck_assert_msg(!tungro_add(&g, p, len), "byte %d", diff[i].off);
		ck_assert(tungro_add(&g, p, tcp(p, 600, 500, 0x10)));
	}
	v6 = false;
	ck_assert(!tungro_add(&g, p, tcp(p, 1100, 500, 0x10)));
}
END_TEST

/* At most TUNGRO_SEGS packets and 65535 bytes in one. */
START_TEST(test_limits)
{
	uint8_t p[1600];
	const uint8_t *m;
	size_t mlen;
	unsigned i, nseg;

	v6 = _i;
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
	ck_assert_uint_eq(i, (65535 - (v6 ? 72 : 52)) / 1448);
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

	tcase_add_loop_test(tc, test_tcp_run, 0, 2);
	tcase_add_loop_test(tc, test_udp_run, 0, 2);
	tcase_add_loop_test(tc, test_single, 0, 2);
	tcase_add_test(tc, test_never_start);
	tcase_add_test(tc, test_tcp_breaks);
	tcase_add_test(tc, test_v6_breaks);
	tcase_add_loop_test(tc, test_limits, 0, 2);
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
