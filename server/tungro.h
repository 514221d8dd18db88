/*
 * Coalescing what goes into the tun device, as NIC receive offload (GRO)
 * does: decrypted packets of one TCP or UDP flow (IPv4 or IPv6) that
 * follow each other -- same addresses, ports and headers, consecutive
 * TCP sequence numbers, segments of one size but the last -- are written
 * as one packet of up to 64 kB with a virtio_net_hdr saying how the
 * kernel would cut it back (IFF_VNET_HDR: TCPv4/TCPv6 or UDP L4
 * segmentation, checksum to fill in).  The kernel then routes, NATs and
 * forwards it once instead of once per packet, and cuts it where it
 * must (or a receiving TCP takes it whole).
 *
 * Only what the kernel can cut back into the very packets that came in
 * (but for IP IDs and checksums, which it recomputes) is merged; anything
 * else -- fragments, IPv4 options, IPv6 extension headers, TCP with SYN,
 * FIN, RST, URG, ECE or CWR, a change of TCP options, window or ACK --
 * ends the run and goes alone.  Order is kept: whatever is pending is
 * written before anything that does not join it.  Pure: the caller
 * writes.
 */
#ifndef MCN_TUNGRO_H
#define MCN_TUNGRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUNGRO_HDR_LEN	10	/* struct virtio_net_hdr, native order */
#define TUNGRO_MAX	65535	/* a merged packet's bytes at most (IPv4's
				 * largest total length) */
#define TUNGRO_SEGS	64	/* segments in one packet at most */

struct tungro {
	size_t		 len;		/* packet bytes pending; 0: none */
	unsigned	 nseg;		/* packets merged into it */
	size_t		 iphl;		/* IP header bytes: 20 or 40 */
	size_t		 hlen;		/* IP + TCP/UDP header bytes */
	size_t		 seg;		/* payload of each packet (gso_size) */
	uint32_t	 next_seq;	/* TCP: sequence number that joins */
	bool		 closed;	/* a short or PSH segment came last */
	bool		 no_udp;	/* the kernel cannot cut UDP (before
					 * Linux 6.2): TCP only */
	bool		 off;		/* merge nothing */
	uint8_t		 buf[TUNGRO_HDR_LEN + TUNGRO_MAX];
};

/*
 * Takes p[0..len), a well-formed IP packet (inner_check), if it continues
 * the pending packet, or -- with nothing pending -- if it can start one.
 * false: the caller must write what is pending (tungro_take) and then
 * try again, or write p alone.
 */
bool		 tungro_add(struct tungro *, const uint8_t *p, size_t len);

/*
 * The pending packet behind its virtio_net_hdr, ready to write: *len
 * bytes, *nseg packets merged (1: written as it came, no offload asked).
 * Nothing is pending afterwards.  NULL if nothing was.
 */
const uint8_t	*tungro_take(struct tungro *, size_t *len, unsigned *nseg);

#endif /* MCN_TUNGRO_H */
