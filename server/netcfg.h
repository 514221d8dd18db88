/*
 * Interface configuration over rtnetlink (libnl-route-3).
 */
#ifndef MCN_NETCFG_H
#define MCN_NETCFG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct netcfg;

struct netcfg	*netcfg_open(char *err, size_t errlen);
void		 netcfg_close(struct netcfg *);

/* Sets the MTU, adds addr/prefix (which installs the subnet route) and
 * brings the link up.  0 or -1. */
int	netcfg_tun_up(struct netcfg *, const char *ifname, struct in_addr addr,
	    int prefix, int mtu, char *err, size_t errlen);

/*
 * Turns IPv6 off on ifname (no link-local address, no router
 * solicitations) while the tunnel carries IPv4 only.  A kernel without
 * IPv6 is not an error.  0 or -1.
 */
int	netcfg_ipv6_off(const char *ifname, char *err, size_t errlen);

/* Adds an IPv6 address (no DAD) to an interface that is up.  0 or -1. */
int	netcfg_tun_addr6(struct netcfg *, const char *ifname,
	    const struct in6_addr *addr, int prefix, char *err, size_t errlen);

/*
 * Routes net/prefix into ifname (an interface that is up), as "ip route
 * replace NET/PREFIX dev IFNAME" would; the route goes with the
 * interface.  0 or -1.
 */
int	netcfg_route_add(struct netcfg *, const char *ifname, struct in_addr net,
	    int prefix, char *err, size_t errlen);

/* True if the interface exists. */
bool	netcfg_link_exists(struct netcfg *, const char *ifname);

/*
 * IPv4 forwarding (/proc/sys/net/ipv4/ip_forward).  netcfg_forwarding_on
 * remembers whether it was off; netcfg_forwarding_restore puts it back
 * only in that case.
 */
int	netcfg_forwarding_on(struct netcfg *, char *err, size_t errlen);
/* The same for IPv6 (net.ipv6.conf.all.forwarding); restored alike. */
int	netcfg_forwarding6_on(struct netcfg *, char *err, size_t errlen);
void	netcfg_forwarding_restore(struct netcfg *);

#endif /* MCN_NETCFG_H */
