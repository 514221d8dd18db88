/*
 * Peer transport addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

bool
addr_eq(const struct peer_addr *a, const struct peer_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_port == b->u.sin.sin_port &&
		    a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.sin6.sin6_port == b->u.sin6.sin6_port &&
		    memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
	return false;
}

uint32_t
addr_hash(const struct peer_addr *a)
{
	uint8_t k[ADDR_KEYLEN];
	size_t n = addr_key(a, k), i;
	uint32_t h = 2166136261u;	/* FNV-1a: keys are not attacker-chosen
					 * beyond port/address, and chains are
					 * short; the cookie gates creation. */

	for (i = 0; i < n; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

size_t
addr_key(const struct peer_addr *a, uint8_t out[ADDR_KEYLEN])
{
	memset(out, 0, ADDR_KEYLEN);
	out[0] = (uint8_t)a->u.sa.sa_family;
	if (a->u.sa.sa_family == AF_INET) {
		memcpy(out + 1, &a->u.sin.sin_port, 2);
		memcpy(out + 3, &a->u.sin.sin_addr, 4);
		return 7;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		memcpy(out + 1, &a->u.sin6.sin6_port, 2);
		memcpy(out + 3, &a->u.sin6.sin6_addr, 16);
		return 19;
	}
	return 1;
}

const char *
addr_str(const struct peer_addr *a, char buf[ADDR_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.sin.sin_addr, ip, sizeof(ip));
		snprintf(buf, ADDR_STRLEN, "%s:%u", ip,
		    ntohs(a->u.sin.sin_port));
	} else if (a->u.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&a->u.sin6.sin6_addr)) {
		/* An IPv4 client on a udp6 socket: show it as IPv4. */
		inet_ntop(AF_INET, &a->u.sin6.sin6_addr.s6_addr[12], ip,
		    sizeof(ip));
		snprintf(buf, ADDR_STRLEN, "%s:%u", ip,
		    ntohs(a->u.sin6.sin6_port));
	} else if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.sin6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", ip,
		    ntohs(a->u.sin6.sin6_port));
	} else
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

void
addr_from_sockaddr(struct peer_addr *a, const void *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (len > sizeof(a->u))
		len = sizeof(a->u);
	memcpy(&a->u, sa, len);
	a->len = len;
}

const char *
inaddr_str(struct in_addr in, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}
