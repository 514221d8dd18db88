/*
 * Interface configuration over rtnetlink (libnl-route-3), and the IPv4
 * forwarding switch.  Nothing here runs ip(8) or sysctl(8).
 *
 * Invariant: fwd_changed is set only when this process turned forwarding
 * from 0 to 1, so netcfg_forwarding_restore never switches off forwarding
 * that the administrator had enabled.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netcfg.h"

#define NETCFG_IP6_FORWARD	"/proc/sys/net/ipv6/conf/all/forwarding"
#define NETCFG_IP_FORWARD	"/proc/sys/net/ipv4/ip_forward"
/* RFC 791 minimum; the kernel refuses less on an IPv4 interface. */
#define NETCFG_MTU_MIN		68
#define NETCFG_MTU_MAX		65535

struct netcfg {
	struct nl_sock	*sk;
	int		 fwd_changed;
	int		 fwd6_changed;	/* the same for IPv6 */
};

struct netcfg *
netcfg_open(char *err, size_t errlen)
{
	struct netcfg	*nc;
	int		 rc;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		snprintf(err, errlen, "netcfg: %s", strerror(errno));
		return NULL;
	}
	if ((nc->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "netcfg: cannot allocate netlink socket");
		goto fail;
	}
	if ((rc = nl_connect(nc->sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "netcfg: cannot connect rtnetlink: %s",
		    nl_geterror(rc));
		goto fail;
	}
	return nc;

 fail:
	if (nc->sk != NULL)
		nl_socket_free(nc->sk);
	free(nc);
	return NULL;
}

void
netcfg_close(struct netcfg *nc)
{
	if (nc == NULL)
		return;
	nl_socket_free(nc->sk);	/* also closes it */
	free(nc);
}

/* One attribute change on an existing link (MTU or IFF_UP). */
static int
netcfg_link_change(struct netcfg *nc, struct rtnl_link *link, int mtu, int up,
    const char *what, char *err, size_t errlen)
{
	struct rtnl_link	*chg;
	int			 rc;

	if ((chg = rtnl_link_alloc()) == NULL) {
		snprintf(err, errlen, "%s %s: out of memory", what,
		    rtnl_link_get_name(link));
		return -1;
	}
	if (mtu > 0)
		rtnl_link_set_mtu(chg, (unsigned int)mtu);
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	rc = rtnl_link_change(nc->sk, link, chg, 0);
	rtnl_link_put(chg);
	if (rc < 0) {
		snprintf(err, errlen, "%s %s: %s", what,
		    rtnl_link_get_name(link), nl_geterror(rc));
		return -1;
	}
	return 0;
}

int
netcfg_tun_up(struct netcfg *nc, const char *ifname, struct in_addr addr,
    int prefix, int mtu, char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL;
	struct rtnl_addr	*ra = NULL;
	struct nl_addr		*local = NULL;
	char			 astr[INET_ADDRSTRLEN];
	int			 rc, ret = -1;

	if (ifname == NULL || *ifname == '\0' || strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "invalid interface name");
		goto done;
	}
	if (prefix < 1 || prefix > 32) {
		snprintf(err, errlen, "%s: invalid prefix length /%d", ifname,
		    prefix);
		goto done;
	}
	if (mtu < NETCFG_MTU_MIN || mtu > NETCFG_MTU_MAX) {
		snprintf(err, errlen, "%s: invalid MTU %d (%d-%d)", ifname, mtu,
		    NETCFG_MTU_MIN, NETCFG_MTU_MAX);
		goto done;
	}
	inet_ntop(AF_INET, &addr, astr, sizeof(astr));

	if ((rc = rtnl_link_get_kernel(nc->sk, 0, ifname, &link)) < 0) {
		if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
			snprintf(err, errlen, "no interface %s", ifname);
		else
			snprintf(err, errlen, "interface %s: %s", ifname,
			    nl_geterror(rc));
		goto done;
	}

	if (netcfg_link_change(nc, link, mtu, 0, "set MTU on", err,
	    errlen) == -1)
		goto done;

	/*
	 * NLM_F_REPLACE makes a second call with the same address succeed
	 * (the kernel refreshes it instead of answering EEXIST).  The kernel
	 * installs the prefix route (proto kernel, scope link) itself.
	 */
	if ((ra = rtnl_addr_alloc()) == NULL ||
	    (local = nl_addr_build(AF_INET, &addr, sizeof(addr))) == NULL) {
		snprintf(err, errlen, "add address on %s: out of memory",
		    ifname);
		goto done;
	}
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(ra, rtnl_link_get_ifindex(link));
	rtnl_addr_set_family(ra, AF_INET);
	if ((rc = rtnl_addr_set_local(ra, local)) < 0) {
		snprintf(err, errlen, "add address %s/%d on %s: %s", astr,
		    prefix, ifname, nl_geterror(rc));
		goto done;
	}
	rtnl_addr_set_prefixlen(ra, prefix);
	if ((rc = rtnl_addr_add(nc->sk, ra, NLM_F_REPLACE)) < 0) {
		snprintf(err, errlen, "add address %s/%d on %s: %s", astr,
		    prefix, ifname, nl_geterror(rc));
		goto done;
	}

	if (netcfg_link_change(nc, link, 0, 1, "bring up", err, errlen) == -1)
		goto done;
	ret = 0;

 done:
	if (local != NULL)
		nl_addr_put(local);
	if (ra != NULL)
		rtnl_addr_put(ra);
	if (link != NULL)
		rtnl_link_put(link);
	return ret;
}

int
netcfg_route_add(struct netcfg *nc, const char *ifname, struct in_addr net,
    int prefix, char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL;
	struct rtnl_route	*rt = NULL;
	struct rtnl_nexthop	*nh = NULL;
	struct nl_addr		*dst = NULL;
	char			 nstr[INET_ADDRSTRLEN];
	int			 rc, ret = -1;

	inet_ntop(AF_INET, &net, nstr, sizeof(nstr));
	if (prefix < 1 || prefix > 32) {
		snprintf(err, errlen, "route %s: invalid prefix length /%d",
		    nstr, prefix);
		goto done;
	}
	if ((rc = rtnl_link_get_kernel(nc->sk, 0, ifname, &link)) < 0) {
		snprintf(err, errlen, "route %s/%d: interface %s: %s", nstr,
		    prefix, ifname, nl_geterror(rc));
		goto done;
	}
	if ((rt = rtnl_route_alloc()) == NULL ||
	    (nh = rtnl_route_nh_alloc()) == NULL ||
	    (dst = nl_addr_build(AF_INET, &net, sizeof(net))) == NULL) {
		snprintf(err, errlen, "route %s/%d: out of memory", nstr,
		    prefix);
		goto done;
	}
	nl_addr_set_prefixlen(dst, prefix);
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_type(rt, RTN_UNICAST);
	if ((rc = rtnl_route_set_dst(rt, dst)) < 0) {
		snprintf(err, errlen, "route %s/%d: %s", nstr, prefix,
		    nl_geterror(rc));
		goto done;
	}
	rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link));
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL;			/* the route owns it now */
	if ((rc = rtnl_route_add(nc->sk, rt, NLM_F_REPLACE)) < 0) {
		snprintf(err, errlen, "route %s/%d dev %s: %s", nstr, prefix,
		    ifname, nl_geterror(rc));
		goto done;
	}
	ret = 0;

 done:
	if (nh != NULL)
		rtnl_route_nh_free(nh);
	if (dst != NULL)
		nl_addr_put(dst);
	if (rt != NULL)
		rtnl_route_put(rt);
	if (link != NULL)
		rtnl_link_put(link);
	return ret;
}

int
netcfg_tun_addr6(struct netcfg *nc, const char *ifname,
    const struct in6_addr *addr, int prefix, char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL;
	struct rtnl_addr	*ra = NULL;
	struct nl_addr		*local = NULL;
	char			 astr[INET6_ADDRSTRLEN];
	int			 rc, ret = -1;

	inet_ntop(AF_INET6, addr, astr, sizeof(astr));
	if ((rc = rtnl_link_get_kernel(nc->sk, 0, ifname, &link)) < 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    nl_geterror(rc));
		goto done;
	}
	if ((ra = rtnl_addr_alloc()) == NULL ||
	    (local = nl_addr_build(AF_INET6, addr, sizeof(*addr))) == NULL) {
		snprintf(err, errlen, "add address on %s: out of memory",
		    ifname);
		goto done;
	}
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(ra, rtnl_link_get_ifindex(link));
	rtnl_addr_set_family(ra, AF_INET6);
	if ((rc = rtnl_addr_set_local(ra, local)) < 0) {
		snprintf(err, errlen, "add address %s/%d on %s: %s", astr,
		    prefix, ifname, nl_geterror(rc));
		goto done;
	}
	rtnl_addr_set_prefixlen(ra, prefix);
	/* No duplicate address detection: nobody else is on a tun. */
	rtnl_addr_set_flags(ra, IFA_F_NODAD);
	if ((rc = rtnl_addr_add(nc->sk, ra, NLM_F_REPLACE)) < 0) {
		snprintf(err, errlen, "add address %s/%d on %s: %s", astr,
		    prefix, ifname, nl_geterror(rc));
		goto done;
	}
	ret = 0;
 done:
	if (local != NULL)
		nl_addr_put(local);
	if (ra != NULL)
		rtnl_addr_put(ra);
	if (link != NULL)
		rtnl_link_put(link);
	return ret;
}

bool
netcfg_link_exists(struct netcfg *nc, const char *ifname)
{
	struct rtnl_link	*link = NULL;

	if (ifname == NULL || *ifname == '\0' || strlen(ifname) >= IFNAMSIZ)
		return false;
	if (rtnl_link_get_kernel(nc->sk, 0, ifname, &link) < 0)
		return false;
	rtnl_link_put(link);
	return true;
}

/* Reads the single '0'/'1' of ip_forward into *val. */
static int
netcfg_fwd_read(const char *path, char *val, char *err, size_t errlen)
{
	char	 buf[8];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 1 || (buf[0] != '0' && buf[0] != '1')) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    n < 0 ? strerror(errno) : "unexpected content");
		return -1;
	}
	*val = buf[0];
	return 0;
}

static int
netcfg_fwd_write(const char *path, char val, char *err, size_t errlen)
{
	char	 buf[2] = { val, '\n' };
	int	 fd, ret = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s for writing: %s",
		    path, strerror(errno));
		return -1;
	}
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		ret = -1;
	}
	if (close(fd) == -1 && ret == 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		ret = -1;
	}
	return ret;
}

int
netcfg_forwarding_on(struct netcfg *nc, char *err, size_t errlen)
{
	char	 cur;

	if (netcfg_fwd_read(NETCFG_IP_FORWARD, &cur, err, errlen) == -1)
		return -1;
	if (cur == '1')
		return 0;	/* already on: not ours to restore */
	if (netcfg_fwd_write(NETCFG_IP_FORWARD, '1', err, errlen) == -1)
		return -1;
	nc->fwd_changed = 1;
	return 0;
}

int
netcfg_forwarding6_on(struct netcfg *nc, char *err, size_t errlen)
{
	char cur;

	if (netcfg_fwd_read(NETCFG_IP6_FORWARD, &cur, err, errlen) == -1)
		return -1;
	if (cur == '1')
		return 0;
	if (netcfg_fwd_write(NETCFG_IP6_FORWARD, '1', err, errlen) == -1)
		return -1;
	nc->fwd6_changed = 1;
	return 0;
}

void
netcfg_forwarding_restore(struct netcfg *nc)
{
	char err6[128];

	if (nc != NULL && nc->fwd6_changed &&
	    netcfg_fwd_write(NETCFG_IP6_FORWARD, '0', err6, sizeof(err6)) == 0)
		nc->fwd6_changed = 0;
	char	 err[128];

	if (nc == NULL || !nc->fwd_changed)
		return;
	/* Best effort at exit; nothing useful to do on failure. */
	if (netcfg_fwd_write(NETCFG_IP_FORWARD, '0', err, sizeof(err)) == 0)
		nc->fwd_changed = 0;
}

int
netcfg_ipv6_off(const char *ifname, char *err, size_t errlen)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    ifname);
	if ((f = fopen(path, "w")) == NULL) {
		if (errno == ENOENT)
			return 0;	/* no IPv6 in this kernel */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fputs("1\n", f) == EOF || fclose(f) == EOF) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
