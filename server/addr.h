/*
 * Transport addresses of peers: comparison, hashing, printing, and the
 * canonical byte encoding the session-id cookie is computed over.
 */
#ifndef MCN_ADDR_H
#define MCN_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct peer_addr {
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	} u;
	socklen_t	len;
};

#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 8)
#define ADDR_KEYLEN	19	/* family (1) + port (2) + address (16) */

bool		 addr_eq(const struct peer_addr *, const struct peer_addr *);
uint32_t	 addr_hash(const struct peer_addr *);
/* "10.99.1.2:51234" or "[fd00::2]:51234" */
const char	*addr_str(const struct peer_addr *, char buf[ADDR_STRLEN]);
/* Canonical bytes for the cookie; returns the length used. */
size_t		 addr_key(const struct peer_addr *, uint8_t out[ADDR_KEYLEN]);
void		 addr_from_sockaddr(struct peer_addr *, const void *sa,
		    socklen_t len);
const char	*inaddr_str(struct in_addr, char buf[INET_ADDRSTRLEN]);

#endif /* MCN_ADDR_H */
