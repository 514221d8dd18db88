/*
 * tun, netcfg and nat against the real kernel, as root, each test in a
 * network namespace of its own (unshare(CLONE_NEWNET) in the fixture, and
 * once more in main() before anything else), so the host's interfaces,
 * routes, sysctls and ruleset are never touched.  Results are read back
 * independently: libnl caches for links/addresses/routes, libnftables
 * "list" output for the ruleset, and real packets through the tun fd.
 *
 *   [UDP socket] --10.99.8.0/24--> tun0 (10.99.8.1/24) <--fd--> test
 *   nat: ip saddr 10.99.8.0/24 oifname "ex0" masquerade   (ex0/ex1 veth)
 *
 * Skips (exit 77) when not root, without /dev/net/tun, or when a network
 * namespace cannot be created.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <nftables/libnftables.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nat.h"
#include "netcfg.h"
#include "tun.h"

#define IP_FORWARD	"/proc/sys/net/ipv4/ip_forward"

static char err[512];

/* --- helpers: independent views of kernel state ------------------------ */

static struct nl_sock *
nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(nl_connect(sk, NETLINK_ROUTE), 0);
	return sk;
}

static struct in_addr
ip4(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
link_up(const char *name)
{
	struct nl_sock		*sk = nl_open();
	struct rtnl_link	*link, *chg;

	ck_assert_int_eq(rtnl_link_get_kernel(sk, 0, name, &link), 0);
	chg = rtnl_link_alloc();
	rtnl_link_set_flags(chg, IFF_UP);
	ck_assert_int_eq(rtnl_link_change(sk, link, chg, 0), 0);
	rtnl_link_put(chg);
	rtnl_link_put(link);
	nl_socket_free(sk);
}

/* The exit interface for NAT: a veth pair (no dummy driver here). */
static void
make_exit_if(void)
{
	struct nl_sock *sk = nl_open();

	ck_assert_int_eq(rtnl_link_veth_add(sk, "ex0", "ex1", getpid()), 0);
	nl_socket_free(sk);
	link_up("ex0");
}

/* Fresh link object from the kernel; caller puts it. */
static struct rtnl_link *
link_get(const char *name)
{
	struct nl_sock		*sk = nl_open();
	struct rtnl_link	*link = NULL;

	ck_assert_msg(rtnl_link_get_kernel(sk, 0, name, &link) == 0,
	    "no link %s", name);
	nl_socket_free(sk);
	return link;
}

static int
has_addr(int ifindex, const char *local, int prefix)
{
	struct nl_sock	*sk = nl_open();
	struct nl_cache	*cache;
	struct nl_object *o;
	struct in_addr	 want = ip4(local);
	int		 found = 0;

	ck_assert_int_eq(rtnl_addr_alloc_cache(sk, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr	*l = rtnl_addr_get_local(a);

		if (rtnl_addr_get_family(a) != AF_INET ||
		    rtnl_addr_get_ifindex(a) != ifindex || l == NULL)
			continue;
		if (nl_addr_get_len(l) == 4 &&
		    memcmp(nl_addr_get_binary_addr(l), &want, 4) == 0 &&
		    rtnl_addr_get_prefixlen(a) == prefix)
			found++;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return found;
}

/* The kernel's prefix route: main table, proto kernel, scope link. */
static int
has_route(int ifindex, const char *dst, int prefix)
{
	struct nl_sock	*sk = nl_open();
	struct nl_cache	*cache;
	struct nl_object *o;
	struct in_addr	 want = ip4(dst);
	int		 found = 0;

	ck_assert_int_eq(rtnl_route_alloc_cache(sk, AF_INET, 0, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route	*r = (struct rtnl_route *)o;
		struct nl_addr		*d = rtnl_route_get_dst(r);
		struct rtnl_nexthop	*nh;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN || d == NULL ||
		    nl_addr_get_len(d) != 4 ||
		    nl_addr_get_prefixlen(d) != (unsigned int)prefix ||
		    memcmp(nl_addr_get_binary_addr(d), &want, 4) != 0)
			continue;
		if (rtnl_route_get_nnexthops(r) != 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) == ifindex &&
		    rtnl_route_get_protocol(r) == RTPROT_KERNEL &&
		    rtnl_route_get_scope(r) == RT_SCOPE_LINK)
			found++;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return found;
}

/* Runs nft commands directly; output (malloc'd) to *out if non-NULL. */
static int
nft(const char *cmd, char **out)
{
	struct nft_ctx	*ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int		 rc;

	ck_assert_ptr_nonnull(ctx);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	if (out != NULL)
		*out = strdup(rc == 0 ? nft_ctx_get_output_buffer(ctx) :
		    nft_ctx_get_error_buffer(ctx));
	nft_ctx_free(ctx);
	return rc;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static char
fwd_read(void)
{
	char	 c = '?';
	int	 fd = open(IP_FORWARD, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	return c;
}

static void
fwd_write(char c)
{
	int fd = open(IP_FORWARD, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, &c, 1), 1);
	close(fd);
}

/* tun0 up as 10.99.8.1/24; returns the fd. */
static int
tun_up(const char *dev, char ifname[IFNAMSIZ], const char *addr, int mtu)
{
	struct netcfg	*nc;
	int		 fd;

	fd = tun_open(dev, ifname, err, sizeof(err));
	ck_assert_msg(fd >= 0, "tun_open: %s", err);
	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert_msg(netcfg_tun_up(nc, ifname, ip4(addr), 24, mtu, err,
	    sizeof(err)) == 0, "netcfg_tun_up: %s", err);
	netcfg_close(nc);
	return fd;
}

/* Each test runs in its own, empty network namespace. */
static void
setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
	    strerror(errno));
	link_up("lo");
}

/* --- tun ------------------------------------------------------------------ */

START_TEST(test_tun_auto_name)
{
	char		 n0[IFNAMSIZ], n1[IFNAMSIZ];
	struct ifreq	 ifr;
	int		 fd0, fd1;

	fd0 = tun_open("tun", n0, err, sizeof(err));
	ck_assert_msg(fd0 >= 0, "%s", err);
	ck_assert_str_eq(n0, "tun0");
	fd1 = tun_open("tun", n1, err, sizeof(err));
	ck_assert_msg(fd1 >= 0, "%s", err);
	ck_assert_str_eq(n1, "tun1");

	ck_assert(fcntl(fd0, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd0, F_GETFD) & FD_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	ck_assert_int_eq(ioctl(fd0, TUNGETIFF, &ifr), 0);
	ck_assert_int_eq(ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI),
	    IFF_TUN | IFF_NO_PI);
	ck_assert_str_eq(ifr.ifr_name, "tun0");
	close(fd0);
	close(fd1);
}
END_TEST

START_TEST(test_tun_named)
{
	struct netcfg	*nc;
	char		 name[IFNAMSIZ];
	int		 fd, fd2;

	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert(!netcfg_link_exists(nc, "mcntest0"));
	fd = tun_open("mcntest0", name, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_str_eq(name, "mcntest0");
	ck_assert(netcfg_link_exists(nc, "mcntest0"));
	ck_assert(netcfg_link_exists(nc, "lo"));
	ck_assert(!netcfg_link_exists(nc, "tun0"));

	/* Single queue: a second open of the same name is refused. */
	fd2 = tun_open("mcntest0", name, err, sizeof(err));
	ck_assert_int_eq(fd2, -1);
	ck_assert_msg(strstr(err, "mcntest0") != NULL, "%s", err);

	/* Not persistent: the interface goes with the fd. */
	close(fd);
	ck_assert(!netcfg_link_exists(nc, "mcntest0"));
	netcfg_close(nc);
}
END_TEST

START_TEST(test_tun_bad_names)
{
	static const char *bad[] = {
		"", "a/b", "a b", "a:0", "x%d", ".", "..",
		"abcdefghijklmnop",	/* 16 = IFNAMSIZ */
	};
	char	 name[IFNAMSIZ];
	size_t	 i;
	int	 fd;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(tun_open(bad[i], name, err, sizeof(err)) == -1,
		    "accepted \"%s\"", bad[i]);
		ck_assert_msg(strstr(err, "invalid tun device name") != NULL,
		    "%s", err);
	}
	/* The longest valid name works. */
	fd = tun_open("abcdefghijklmno", name, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_str_eq(name, "abcdefghijklmno");
	close(fd);
}
END_TEST

/* A veth is not a tun: TUNSETIFF on its name fails with a clear message. */
START_TEST(test_tun_name_taken)
{
	char	 name[IFNAMSIZ];

	make_exit_if();
	ck_assert_int_eq(tun_open("ex0", name, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot create tun device ex0") != NULL,
	    "%s", err);
}
END_TEST

/* --- netcfg ---------------------------------------------------------------- */

START_TEST(test_netcfg_tun_up)
{
	struct rtnl_link	*link;
	struct netcfg		*nc;
	char			 name[IFNAMSIZ];
	int			 fd, ifindex;

	fd = tun_up("tun", name, "10.99.8.1", 1500);
	ck_assert_str_eq(name, "tun0");

	link = link_get("tun0");
	ifindex = rtnl_link_get_ifindex(link);
	ck_assert_uint_eq(rtnl_link_get_mtu(link), 1500);
	ck_assert(rtnl_link_get_flags(link) & IFF_UP);
	/* The fd holds the device, so the carrier is there too. */
	ck_assert(rtnl_link_get_flags(link) & IFF_RUNNING);
	rtnl_link_put(link);

	ck_assert_int_eq(has_addr(ifindex, "10.99.8.1", 24), 1);
	ck_assert_int_eq(has_route(ifindex, "10.99.8.0", 24), 1);

	/* Idempotent: a second call succeeds and adds nothing. */
	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert_msg(netcfg_tun_up(nc, "tun0", ip4("10.99.8.1"), 24, 1500,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(has_addr(ifindex, "10.99.8.1", 24), 1);
	ck_assert_int_eq(has_route(ifindex, "10.99.8.0", 24), 1);
	netcfg_close(nc);
	close(fd);
}
END_TEST

/* tun's default MTU is 1500, so prove a different one is applied. */
START_TEST(test_netcfg_mtu)
{
	struct rtnl_link	*link;
	char			 name[IFNAMSIZ];
	int			 fd;

	fd = tun_up("mcntest0", name, "10.99.9.1", 1420);
	link = link_get("mcntest0");
	ck_assert_uint_eq(rtnl_link_get_mtu(link), 1420);
	ck_assert_int_eq(has_addr(rtnl_link_get_ifindex(link), "10.99.9.1",
	    24), 1);
	rtnl_link_put(link);
	close(fd);
}
END_TEST

/*
 * Packets really flow: a datagram to 10.99.8.2 comes out of the fd as a
 * bare IPv4 packet (no PI header), and a packet written to the fd is
 * delivered to a local socket on 10.99.8.1.
 */
START_TEST(test_tun_packets)
{
	struct sockaddr_in	 sin;
	struct in_addr		 local, peer;
	struct pollfd		 pfd;
	uint8_t			 pkt[2048];
	uint32_t		 sum = 0;
	char			 name[IFNAMSIZ], buf[64];
	ssize_t			 n;
	int			 fd, s, i;

	fd = tun_up("tun", name, "10.99.8.1", 1500);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = ip4("10.99.8.1");
	sin.sin_port = htons(5555);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);

	/* Out: kernel -> tun fd. */
	sin.sin_addr = ip4("10.99.8.2");
	sin.sin_port = htons(7777);
	ck_assert_int_eq(sendto(s, "hello", 5, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 5);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/*
	 * The kernel also sends its own IPv6 traffic (router solicitation,
	 * MLD) out of a fresh tun: skip any packet that is not IPv4.
	 */
	for (i = 0; i < 16; i++) {
		ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
		n = read(fd, pkt, sizeof(pkt));
		ck_assert_int_gt(n, 0);
		if (pkt[0] >> 4 == 4)
			break;
		ck_assert_uint_eq(pkt[0] >> 4, 6);
	}
	ck_assert_int_eq(n, 20 + 8 + 5);
	ck_assert_uint_eq(pkt[0], 0x45);
	ck_assert_uint_eq(pkt[9], IPPROTO_UDP);
	local = ip4("10.99.8.1");
	peer = ip4("10.99.8.2");
	ck_assert_mem_eq(pkt + 12, &local, 4);
	ck_assert_mem_eq(pkt + 16, &peer, 4);
	ck_assert_mem_eq(pkt + 28, "hello", 5);

	/* In: tun fd -> kernel; swap addresses and ports, fix checksums. */
	memcpy(buf, pkt + 12, 4);
	memcpy(pkt + 12, pkt + 16, 4);
	memcpy(pkt + 16, buf, 4);
	memcpy(buf, pkt + 20, 2);
	memcpy(pkt + 20, pkt + 22, 2);
	memcpy(pkt + 22, buf, 2);
	memcpy(pkt + 28, "world", 5);
	pkt[26] = pkt[27] = 0;		/* UDP checksum optional in IPv4 */
	pkt[10] = pkt[11] = 0;
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	pkt[10] = (uint8_t)(~sum >> 8);
	pkt[11] = (uint8_t)~sum;
	ck_assert_int_eq(write(fd, pkt, (size_t)n), n);
	pfd.fd = s;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	ck_assert_int_eq(recv(s, buf, sizeof(buf), 0), 5);
	ck_assert_mem_eq(buf, "world", 5);
	close(s);
	close(fd);
}
END_TEST

START_TEST(test_netcfg_errors)
{
	struct rtnl_link *link;
	struct netcfg	*nc;
	char		 name[IFNAMSIZ];
	int		 fd;

	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert_int_eq(netcfg_tun_up(nc, "nosuch0", ip4("10.99.8.1"), 24,
	    1500, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "no interface nosuch0");
	ck_assert(!netcfg_link_exists(nc, "nosuch0"));
	ck_assert(!netcfg_link_exists(nc, ""));

	fd = tun_open("tun", name, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netcfg_tun_up(nc, name, ip4("10.99.8.1"), 33, 1500,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "prefix") != NULL, "%s", err);
	ck_assert_int_eq(netcfg_tun_up(nc, name, ip4("10.99.8.1"), 24, 67,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "MTU") != NULL, "%s", err);
	/* Nothing half-done by the refused calls. */
	link = link_get(name);
	ck_assert(!(rtnl_link_get_flags(link) & IFF_UP));
	ck_assert_uint_eq(rtnl_link_get_mtu(link), 1500);
	rtnl_link_put(link);
	netcfg_close(nc);
	close(fd);
}
END_TEST

START_TEST(test_forwarding)
{
	struct netcfg *nc;

	/* A new namespace starts with forwarding off. */
	ck_assert_int_eq(fwd_read(), '0');
	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert_msg(netcfg_forwarding_on(nc, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_int_eq(fwd_read(), '1');
	ck_assert_int_eq(netcfg_forwarding_on(nc, err, sizeof(err)), 0);
	netcfg_forwarding_restore(nc);
	ck_assert_int_eq(fwd_read(), '0');
	netcfg_forwarding_restore(nc);	/* second restore: no-op */
	ck_assert_int_eq(fwd_read(), '0');
	netcfg_close(nc);

	/* Already on: left on at restore, it was not ours. */
	fwd_write('1');
	ck_assert_ptr_nonnull(nc = netcfg_open(err, sizeof(err)));
	ck_assert_int_eq(netcfg_forwarding_on(nc, err, sizeof(err)), 0);
	ck_assert_int_eq(fwd_read(), '1');
	netcfg_forwarding_restore(nc);
	ck_assert_int_eq(fwd_read(), '1');
	netcfg_close(nc);
}
END_TEST

/* --- nat ------------------------------------------------------------------- */

#define RULE_8	"ip saddr 10.99.8.0/24 oifname \"ex0\" masquerade"

START_TEST(test_nat_setup)
{
	char	*out;

	make_exit_if();
	/* Host bits are cleared: 10.99.8.1/24 means 10.99.8.0/24. */
	ck_assert_msg(nat_setup("ex0", ip4("10.99.8.1"), 24, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft("list table ip " NAT_TABLE, &out), 0);
	ck_assert_msg(strstr(out, "chain postrouting {") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "type nat hook postrouting priority srcnat;")
	    != NULL, "%s", out);
	ck_assert_msg(strstr(out, RULE_8) != NULL, "%s", out);
	ck_assert_int_eq(count(out, "masquerade"), 1);
	free(out);

	/* Only our table exists. */
	ck_assert_int_eq(nft("list tables", &out), 0);
	ck_assert_str_eq(out, "table ip " NAT_TABLE "\n");
	free(out);
}
END_TEST

START_TEST(test_nat_replace)
{
	char	*out;

	make_exit_if();
	/* A stale table from a killed run, with extra content. */
	ck_assert_int_eq(nft("add table ip " NAT_TABLE "\n"
	    "add chain ip " NAT_TABLE " junk\n"
	    "add rule ip " NAT_TABLE " junk counter\n", NULL), 0);
	ck_assert_msg(nat_setup("ex0", ip4("10.99.7.0"), 24, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nat_setup("ex0", ip4("10.99.8.0"), 24, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft("list table ip " NAT_TABLE, &out), 0);
	ck_assert_msg(strstr(out, RULE_8) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "10.99.7.0") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "junk") == NULL, "%s", out);
	ck_assert_int_eq(count(out, "masquerade"), 1);
	ck_assert_int_eq(count(out, "chain "), 1);
	free(out);

	/* A /32 pool and an exit that does not exist yet are both fine. */
	ck_assert_msg(nat_setup("wg-exit.1", ip4("10.99.3.3"), 32, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft("list table ip " NAT_TABLE, &out), 0);
	ck_assert_msg(strstr(out, "ip saddr 10.99.3.3 oifname \"wg-exit.1\" "
	    "masquerade") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_nat_teardown)
{
	char	*out;

	make_exit_if();
	ck_assert_int_eq(nft("add table ip other\n"
	    "add chain ip other post { type nat hook postrouting priority 0; }\n"
	    "add rule ip other post oifname \"ex0\" counter\n", NULL), 0);
	ck_assert_msg(nat_setup("ex0", ip4("10.99.8.0"), 24, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nat_teardown(err, sizeof(err)) == 0, "%s", err);

	ck_assert_int_ne(nft("list table ip " NAT_TABLE, NULL), 0);
	ck_assert_int_eq(nft("list tables", &out), 0);
	ck_assert_str_eq(out, "table ip other\n");
	free(out);
	ck_assert_int_eq(nft("list table ip other", &out), 0);
	ck_assert_msg(strstr(out, "oifname \"ex0\" counter") != NULL, "%s",
	    out);
	free(out);

	/* Teardown with no table is not an error (failure paths call it). */
	ck_assert_msg(nat_teardown(err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft("list tables", &out), 0);
	ck_assert_str_eq(out, "table ip other\n");
	free(out);
}
END_TEST

START_TEST(test_nat_bad_input)
{
	static const char *bad[] = {
		"", "ex0\" accept; flush ruleset; \"", "ex0\"", "ex 0",
		"eth*", "a;b", "a\nb", ".", "..", "abcdefghijklmnop", "é0",
	};
	char	*out;
	size_t	 i;

	ck_assert_int_eq(nft("add table ip other\n", NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(nat_setup(bad[i], ip4("10.99.8.0"), 24, err,
		    sizeof(err)) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(strstr(err, "invalid exit interface") != NULL,
		    "%s", err);
	}
	ck_assert_int_eq(nat_setup("ex0", ip4("10.99.8.0"), 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(nat_setup("ex0", ip4("10.99.8.0"), 33, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "prefix") != NULL, "%s", err);
	ck_assert_int_eq(nft("list tables", &out), 0);
	ck_assert_str_eq(out, "table ip other\n");
	free(out);
}
END_TEST

static Suite *
system_suite(void)
{
	Suite	*s = suite_create("system");
	TCase	*tc;

	tc = tcase_create("tun");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_tun_auto_name);
	tcase_add_test(tc, test_tun_named);
	tcase_add_test(tc, test_tun_bad_names);
	tcase_add_test(tc, test_tun_name_taken);
	tcase_add_test(tc, test_tun_packets);
	suite_add_tcase(s, tc);

	tc = tcase_create("netcfg");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_netcfg_tun_up);
	tcase_add_test(tc, test_netcfg_mtu);
	tcase_add_test(tc, test_netcfg_errors);
	tcase_add_test(tc, test_forwarding);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_nat_setup);
	tcase_add_test(tc, test_nat_replace);
	tcase_add_test(tc, test_nat_teardown);
	tcase_add_test(tc, test_nat_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (geteuid() != 0) {
		printf("test_system: SKIP: needs root (creates network "
		    "namespaces and tun devices)\n");
		return 77;
	}
	if (access("/dev/net/tun", F_OK) != 0) {
		printf("test_system: SKIP: /dev/net/tun missing (%s)\n",
		    strerror(errno));
		return 77;
	}
	/*
	 * Leave the host's namespace before anything else, so even a test
	 * whose fixture did not run (CK_FORK=no edge cases) stays private.
	 */
	if (unshare(CLONE_NEWNET) != 0) {
		printf("test_system: SKIP: cannot create a network namespace: "
		    "%s\n", strerror(errno));
		return 77;
	}
	sr = srunner_create(system_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
