/*
 * Listening sockets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "listen.h"

#define UDP_BUF_BYTES	(4 << 20)	/* absorbs bursts on a busy gateway */
#define TCP_BACKLOG	1024

int
listen_socket(const struct cfg_listen *l, int type, bool reuseport,
    char *err, size_t errlen)
{
	const char *what = type == SOCK_DGRAM ? "udp" : "tcp";
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int fd, sz = UDP_BUF_BYTES, one = 1, zero = 0;

	if ((fd = socket(l->v6 ? AF_INET6 : AF_INET,
	    type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s socket: %s", what, strerror(errno));
		return -1;
	}
	if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) == -1) || (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)) {
		snprintf(err, errlen, "%s socket options: %s", what,
		    strerror(errno));
		goto fail;
	}
	if (type == SOCK_DGRAM) {
		/* FORCE needs CAP_NET_ADMIN; otherwise up to rmem_max. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
		    sizeof(sz)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz,
		    sizeof(sz)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	if (l->v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
	    sizeof(zero)) == -1) {
		snprintf(err, errlen, "IPV6_V6ONLY: %s", strerror(errno));
		goto fail;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = l->local;
	sin.sin_port = htons(l->port);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(l->port);
	if (l->has_local6)
		sin6.sin6_addr = l->local6;
	else if (l->local.s_addr != htonl(INADDR_ANY)) {
		/* An IPv4 address on an IPv6 socket: its mapped form. */
		sin6.sin6_addr.s6_addr[10] = sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6.sin6_addr.s6_addr[12], &l->local, 4);
	}
	if (l->v6 ? bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1 :
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		snprintf(err, errlen, "bind to %s port %u: %s", what, l->port,
		    strerror(errno));
		goto fail;
	}
	if (type == SOCK_STREAM && listen(fd, TCP_BACKLOG) == -1) {
		snprintf(err, errlen, "listen on tcp port %u: %s", l->port,
		    strerror(errno));
		goto fail;
	}
	return fd;
 fail:
	close(fd);
	return -1;
}
