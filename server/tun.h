/*
 * The TUN device.
 */
#ifndef MCN_TUN_H
#define MCN_TUN_H

#include <net/if.h>
#include <stddef.h>

/*
 * Opens /dev/net/tun as IFF_TUN|IFF_NO_PI, non-blocking.  dev is "tun"
 * (the kernel picks tunN) or an explicit name.  The name it got goes to
 * ifname.  Returns the fd or -1 (reason in err).
 */
int	tun_open(const char *dev, char ifname[IFNAMSIZ], char *err,
	    size_t errlen);

/*
 * n queues of one multi-queue tun device (IFF_MULTI_QUEUE), one per
 * worker: fds[0..n-1].  With n == 1 a plain device.  Each packet read or
 * written is preceded by a struct virtio_net_hdr (IFF_VNET_HDR), so that
 * writes may carry merged packets (tungro.h); no offload is turned on for
 * reads, so what is read is always a single packet, checksums complete.
 * 0 or -1.
 */
int	tun_open_mq(const char *dev, int n, int *fds, char ifname[IFNAMSIZ],
	    char *err, size_t errlen);

#endif /* MCN_TUN_H */
