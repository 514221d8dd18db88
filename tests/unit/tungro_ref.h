/*
 * A reference for server/tungro.c, shared by its unit test and its fuzz
 * target: what the kernel makes of a merged packet (cut back into
 * segments, RFC 1071 checksums filled in), written from the kernel's
 * documented behaviour rather than from tungro.c.
 */
#ifndef MCN_TUNGRO_REF_H
#define MCN_TUNGRO_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUNGRO_REF_MAX	2048	/* the largest segment the tests make */

/* Fills the IPv4 header checksum and the TCP or UDP checksum of p (if
 * it is long enough to hold them). */
void	tungro_ref_checksums(uint8_t *p, size_t len);
/* Do p's IPv4 and TCP/UDP checksums verify? */
bool	tungro_ref_checksums_ok(const uint8_t *p, size_t len);

/*
 * Cuts m[0..mlen) (a virtio_net_hdr asking for TCPv4 or UDP segmentation
 * with NEEDS_CSUM, then the packet) as the kernel would, into out[],
 * at most max segments: each with its length, TCP sequence number, PSH on
 * the last only, and checksums.  Returns the number of segments, or -1
 * (reason in why) if m is not what tungro_take must produce: header fields,
 * total length, IP checksum, the pseudo-header sum in the checksum field.
 */
int	tungro_ref_cut(const uint8_t *m, size_t mlen,
	    uint8_t out[][TUNGRO_REF_MAX], size_t *outlen, unsigned max,
	    const char **why);

/*
 * Are a and b the same packet but for the IP ID and the IP checksum (and
 * the TCP/UDP checksum unless l4_csum)?
 */
bool	tungro_ref_same(const uint8_t *a, size_t alen, const uint8_t *b,
	    size_t blen, bool l4_csum);

#endif /* MCN_TUNGRO_REF_H */
