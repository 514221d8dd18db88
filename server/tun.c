/*
 * The TUN device: one non-blocking fd carrying bare IP packets.
 *
 * IFF_NO_PI: no 4-byte packet-information header, so a read returns
 * exactly one IPv4/IPv6 packet and a write takes one.  The interface
 * lives as long as the fd (it is not made persistent), so a daemon that
 * dies leaves no tun device behind.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tun.h"

#define TUN_CLONE_DEV	"/dev/net/tun"
/* "tun" asks the kernel for the first free tunN. */
#define TUN_AUTO_NAME	"tun"
#define TUN_AUTO_FMT	"tun%d"

/*
 * An explicit name must be a name the kernel would accept (dev_valid_name)
 * and must not contain '%', which the kernel would expand as a format.
 */
static int
tun_name_ok(const char *dev)
{
	size_t	 len = strlen(dev);
	size_t	 i;

	if (len == 0 || len >= IFNAMSIZ)
		return 0;
	if (strcmp(dev, ".") == 0 || strcmp(dev, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dev[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%')
			return 0;
	}
	return 1;
}

static int
tun_open1(const char *dev, bool mq, bool vnet, char ifname[IFNAMSIZ],
    char *err, size_t errlen)
{
	struct ifreq	 ifr;
	int		 fd = -1;

	if (dev == NULL || !tun_name_ok(dev)) {
		snprintf(err, errlen, "invalid tun device name \"%s\" "
		    "(1-%d characters, no '/', ':', '%%' or spaces)",
		    dev == NULL ? "" : dev, IFNAMSIZ - 1);
		goto fail;
	}

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (mq ? IFF_MULTI_QUEUE : 0) |
	    (vnet ? IFF_VNET_HDR : 0);
	if (strcmp(dev, TUN_AUTO_NAME) == 0)
		strcpy(ifr.ifr_name, TUN_AUTO_FMT);
	else
		strcpy(ifr.ifr_name, dev);	/* length checked above */

	if ((fd = open(TUN_CLONE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s (is the tun module "
		    "loaded? are you root / CAP_NET_ADMIN?)", TUN_CLONE_DEV,
		    strerror(errno));
		goto fail;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		int	 e = errno;
		const char *hint = "";

		if (e == EPERM)
			hint = " (CAP_NET_ADMIN needed)";
		else if (e == EBUSY)
			hint = " (already opened by another process)";
		else if (e == EINVAL)
			hint = " (exists and is not a tun device?)";
		snprintf(err, errlen, "cannot create tun device %s: %s%s",
		    dev, strerror(e), hint);
		goto fail;
	}

	/* The kernel wrote back the name it chose (tunN for "tun%d"). */
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return fd;

 fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
tun_open(const char *dev, char ifname[IFNAMSIZ], char *err, size_t errlen)
{
	return tun_open1(dev, false, false, ifname, err, errlen);
}

int
tun_open_mq(const char *dev, int n, int *fds, char ifname[IFNAMSIZ],
    char *err, size_t errlen)
{
	int i;

	if (n <= 1) {
		fds[0] = tun_open1(dev, false, true, ifname, err, errlen);
		return fds[0] == -1 ? -1 : 0;
	}
	/* The first open names the device; the others attach queues to it. */
	if ((fds[0] = tun_open1(dev, true, true, ifname, err, errlen)) == -1)
		return -1;
	for (i = 1; i < n; i++) {
		char name[IFNAMSIZ];

		if ((fds[i] = tun_open1(ifname, true, true, name, err,
		    errlen)) == -1) {
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
	}
	return 0;
}
