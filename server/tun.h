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

#endif /* MCN_TUN_H */
