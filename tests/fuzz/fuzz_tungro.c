/*
 * libFuzzer target for the merging of packets into the tun device
 * (server/tungro.c).  The input is a program: each step makes a TCP or
 * UDP packet over IPv4 or IPv6 from a template with fields from the input
 * (payload length, flags, sequence step, one header byte overwritten,
 * checksums right or not), or takes raw bytes, or flushes.  What passes
 * inner_check, as in the daemon, goes through tungro_add and tungro_take
 * exactly as tun_write and tun_flush use them.  Checks: every packet
 * comes out once and in order; one written alone is byte for byte what
 * came in, behind an empty virtio header; a merged packet, cut back as
 * the kernel would (tests/unit/tungro_ref.c), gives the packets that went
 * in but for IP ID and checksums.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "inner.h"
#include "tungro.h"
#include "tungro_ref.h"

#define STEPS	200
#define MTU	1500

static struct tungro g;
static uint8_t in_pkt[STEPS][TUNGRO_REF_MAX];	/* what went in, in order */
static size_t in_len[STEPS];
static unsigned nin, nout;			/* went in, came out */
static uint8_t seg[TUNGRO_SEGS][TUNGRO_REF_MAX];
static size_t seg_len[TUNGRO_SEGS];

/* What tun_flush writes. */
static void
flush(void)
{
	static const uint8_t none[TUNGRO_HDR_LEN];
	const uint8_t *m;
	const char *why;
	size_t mlen;
	unsigned nseg;
	int i, n;

	if ((m = tungro_take(&g, &mlen, &nseg)) == NULL)
		return;
	FUZZ_ASSERT(nseg >= 1 && nout + nseg <= nin);
	if (nseg == 1) {
		FUZZ_ASSERT(memcmp(m, none, TUNGRO_HDR_LEN) == 0);
		FUZZ_ASSERT(mlen - TUNGRO_HDR_LEN == in_len[nout]);
		FUZZ_ASSERT(memcmp(m + TUNGRO_HDR_LEN, in_pkt[nout],
		    in_len[nout]) == 0);
		nout++;
		return;
	}
	n = tungro_ref_cut(m, mlen, seg, seg_len, TUNGRO_SEGS, &why);
	if (n < 0)
		fprintf(stderr, "not a merged packet: %s\n", why);
	FUZZ_ASSERT(n == (int)nseg);
	for (i = 0; i < n; i++, nout++)
		FUZZ_ASSERT(tungro_ref_same(seg[i], seg_len[i], in_pkt[nout],
		    in_len[nout], false));
}

/* What tun_write does with one packet. */
static void
write_pkt(const uint8_t *p, size_t len)
{
	int v;

	if (inner_check(p, len, MTU, &v) != INNER_OK)
		return;
	memcpy(in_pkt[nin], p, len);
	in_len[nin++] = len;
	if (tungro_add(&g, p, len))
		return;
	flush();
	if (tungro_add(&g, p, len))
		return;
	FUZZ_ASSERT(nout == nin - 1);		/* written alone, in order */
	nout++;
}

/* A template packet over IPv4 or IPv6: TCP (20-byte header + options)
 * or UDP. */
static size_t
make(struct fuzz_in *in, uint8_t *p, bool tcp, uint32_t *seq)
{
	uint8_t how = fuzz_u8(in), mut_at = fuzz_u8(in), mut = fuzz_u8(in);
	bool v6 = how & 0x80;
	size_t iphl = v6 ? 40 : 20, hl = tcp ? 20 + 4 * (fuzz_u8(in) % 4) : 8;
	size_t n = fuzz_u16(in) % (MTU - iphl - hl + 1);
	size_t len = iphl + hl + n, i;
	uint8_t *l4 = p + iphl;

	memset(p, 0, iphl + hl);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		p[7] = 64;
		p[8] = p[24] = 0xfd;
		p[23] = 2;
		p[39] = 1;
	} else {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[4] = how;
		p[6] = 0x40;
		p[8] = 64;
		p[9] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		memcpy(p + 12, "\x0a\x00\x00\x02\x0a\x01\x00\x01", 8);
	}
	memcpy(l4, "\x03\xe8\x00\x50", 4);
	if (tcp) {
		/* Mostly the next bytes; sometimes a jump. */
		if (how & 0x10)
			*seq += fuzz_u8(in);
		l4[4] = (uint8_t)(*seq >> 24);
		l4[5] = (uint8_t)(*seq >> 16);
		l4[6] = (uint8_t)(*seq >> 8);
		l4[7] = (uint8_t)*seq;
		*seq += (uint32_t)n;
		l4[11] = 1;				/* ack */
		l4[12] = (uint8_t)(hl / 4 << 4);
		l4[13] = how & 0x20 ? fuzz_u8(in) : (how & 0x40 ? 0x18 : 0x10);
		l4[14] = 1;
		for (i = 20; i < hl; i++)
			l4[i] = 1;			/* NOPs */
	} else {
		l4[4] = (uint8_t)((n + 8) >> 8);
		l4[5] = (uint8_t)(n + 8);
	}
	for (i = 0; i < n; i++)
		l4[hl + i] = (uint8_t)(i * 7 + how);
	if (how & 0x01)
		p[mut_at % (iphl + hl)] = mut;		/* a header byte */
	if (!(how & 0x02))
		tungro_ref_checksums(p, len);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	uint8_t p[TUNGRO_REF_MAX];
	const uint8_t *raw;
	uint32_t seq = 1000;
	size_t len, got;
	unsigned step;

	memset(&g, 0, sizeof(g));
	nin = nout = 0;
	fuzz_in_init(&in, data, size);
	g.no_udp = fuzz_u8(&in) == 0xff;
	for (step = 0; step < STEPS && fuzz_in_left(&in) > 0; step++) {
		switch (fuzz_u8(&in) % 4) {
		case 0:
			len = make(&in, p, true, &seq);
			write_pkt(p, len);
			break;
		case 1:
			len = make(&in, p, false, &seq);
			write_pkt(p, len);
			break;
		case 2:
			len = fuzz_u16(&in) % TUNGRO_REF_MAX;
			raw = fuzz_bytes(&in, len, &got);
			write_pkt(raw, got);
			break;
		default:
			flush();
			break;
		}
	}
	flush();
	FUZZ_ASSERT(nout == nin);
	return 0;
}
