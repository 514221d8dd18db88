/*
 * The virtual-address pool of "server NET MASK" with topology subnet:
 * the server takes NET+1, clients get NET+2 .. broadcast-1.
 */
#ifndef MCN_POOL_H
#define MCN_POOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct pool {
	uint32_t	 net;		/* host order */
	uint32_t	 size;		/* addresses in the subnet */
	uint32_t	 used;
	uint64_t	*bits;		/* one per address offset */
	uint32_t	 hint;
};

int	pool_init(struct pool *, struct in_addr net, int prefix);
void	pool_free(struct pool *);
/* Lowest free client address; -1 when the pool is exhausted. */
int	pool_alloc(struct pool *, struct in_addr *out);
void	pool_release(struct pool *, struct in_addr);
/* Offset of addr in the subnet, or -1 if outside. */
int64_t	pool_offset(const struct pool *, struct in_addr);
struct in_addr pool_gateway(const struct pool *);	/* NET+1 */

/*
 * server-ipv6: the client with IPv4 pool offset off has NET6::1000 + off
 * (as OpenVPN's ifconfig-ipv6-pool), so one allocation gives both.
 * net6 has a prefix of /64 or longer.
 */
#define POOL6_BASE	0x1000
void	pool6_addr(const struct in6_addr *net6, uint32_t off,
	    struct in6_addr *out);
/* The IPv4 pool offset of a tunnel IPv6 address, or -1. */
int64_t	pool6_offset(const struct pool *, const struct in6_addr *net6,
	    const struct in6_addr *);
/* NET6::1, the gateway's. */
void	pool6_gateway(const struct in6_addr *net6, struct in6_addr *out);

#endif /* MCN_POOL_H */
