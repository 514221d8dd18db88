/*
 * --echo-server: the "internet host" of the rig.  Receives UDP in
 * batches (recvmmsg) and answers in batches (sendmmsg):
 *
 *   a probe marked ECHO   goes back whole, with our receive counts of its
 *                         flow written into it (so the client can tell
 *                         loss on the way up from loss on the way down);
 *   a probe marked COUNT  is only counted; the flow gets a 48-byte report
 *                         (counts, and the sequence number and send time
 *                         of the probe that triggered it) at most every
 *                         REPORT_MS, and at once for a FLUSH probe;
 *   anything else         is echoed as it came (a plain UDP echo).
 *
 * Flows are keyed by (run, flow) from the probe, not by address: after
 * the gateway's NAT every client looks alike but for its port.  Byte
 * counts include the 28 bytes of IPv4 and UDP headers, as the client
 * counts its inner packets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcnload.h"

#define ECHO_BATCH	64
#define FLOW_SLOTS	(1u << 16)
#define FLOW_PROBES	8
#define REPORT_MS	10
#define ECHO_SOCKBUF	(8 << 20)

struct flow {
	bool		used;
	uint32_t	run, id;
	uint64_t	pkts, bytes;
	uint64_t	last_report_ms;
};

struct echo {
	int		 fd;
	struct flow	*flows;
	uint64_t	 rx, rx_bytes, echoed, reports, plain, dropped;
	struct mmsghdr	 rmsg[ECHO_BATCH], smsg[ECHO_BATCH];
	struct iovec	 riov[ECHO_BATCH], siov[ECHO_BATCH];
	struct sockaddr_in raddr[ECHO_BATCH];
	uint8_t		 rbuf[ECHO_BATCH][MCN_BUF_LEN];
	uint8_t		 rep[ECHO_BATCH][PROBE_LEN];
};

static uint64_t
now_ms(void)
{
	return mono_ns() / 1000000u;
}

/* The flow's slot; a slot of an older run is taken over. */
static struct flow *
flow_get(struct echo *e, uint32_t run, uint32_t id)
{
	uint32_t h = (run * 2654435761u) ^ (id * 40503u), i;
	struct flow *f, *victim = NULL;

	for (i = 0; i < FLOW_PROBES; i++) {
		f = &e->flows[(h + i) & (FLOW_SLOTS - 1)];
		if (f->used && f->run == run && f->id == id)
			return f;
		if (victim == NULL && (!f->used || f->run != run))
			victim = f;
	}
	if (victim == NULL)
		victim = &e->flows[h & (FLOW_SLOTS - 1)];
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->run = run;
	victim->id = id;
	return victim;
}

/* Queues datagram i of the batch (or the report in rep[i]) as reply k. */
static void
reply(struct echo *e, unsigned k, unsigned i, void *p, size_t len)
{
	e->siov[k].iov_base = p;
	e->siov[k].iov_len = len;
	memset(&e->smsg[k].msg_hdr, 0, sizeof(e->smsg[k].msg_hdr));
	e->smsg[k].msg_hdr.msg_name = &e->raddr[i];
	e->smsg[k].msg_hdr.msg_namelen = sizeof(e->raddr[i]);
	e->smsg[k].msg_hdr.msg_iov = &e->siov[k];
	e->smsg[k].msg_hdr.msg_iovlen = 1;
}

static unsigned
handle(struct echo *e, unsigned i, size_t len, uint64_t now, unsigned k)
{
	uint8_t *p = e->rbuf[i];
	struct probe pr, rp;
	struct flow *f;

	e->rx++;
	e->rx_bytes += len;
	if (probe_get(p, len, &pr) == -1 || (pr.flags & PROBE_REPORT)) {
		e->plain++;
		reply(e, k, i, p, len);
		return k + 1;
	}
	f = flow_get(e, pr.run, pr.flow);
	f->pkts++;
	f->bytes += len + INNER_HDRS;
	if (pr.flags & PROBE_ECHO) {
		probe_set_srv(p, f->pkts, f->bytes);
		e->echoed++;
		reply(e, k, i, p, len);
		return k + 1;
	}
	if (!(pr.flags & PROBE_FLUSH) && now - f->last_report_ms < REPORT_MS)
		return k;
	f->last_report_ms = now;
	memset(&rp, 0, sizeof(rp));
	rp.flags = PROBE_REPORT;
	rp.run = pr.run;
	rp.flow = pr.flow;
	rp.seq = pr.seq;
	rp.ts_ns = pr.ts_ns;
	rp.srv_pkts = f->pkts;
	rp.srv_bytes = f->bytes;
	probe_put(e->rep[i], &rp);
	e->reports++;
	reply(e, k, i, e->rep[i], PROBE_LEN);
	return k + 1;
}

/* One recvmmsg batch and its replies; returns the datagrams read. */
static int
echo_batch(struct echo *e)
{
	unsigned i, k = 0, off = 0;
	uint64_t now;
	int n, s;

	for (i = 0; i < ECHO_BATCH; i++) {
		e->riov[i].iov_base = e->rbuf[i];
		e->riov[i].iov_len = MCN_BUF_LEN;
		memset(&e->rmsg[i].msg_hdr, 0, sizeof(e->rmsg[i].msg_hdr));
		e->rmsg[i].msg_hdr.msg_name = &e->raddr[i];
		e->rmsg[i].msg_hdr.msg_namelen = sizeof(e->raddr[i]);
		e->rmsg[i].msg_hdr.msg_iov = &e->riov[i];
		e->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(e->fd, e->rmsg, ECHO_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	now = now_ms();
	for (i = 0; i < (unsigned)n; i++)
		k = handle(e, i, e->rmsg[i].msg_len, now, k);
	while (off < k) {
		s = sendmmsg(e->fd, e->smsg + off, k - off, 0);
		if (s <= 0) {
			if (s < 0 && errno == EINTR)
				continue;
			e->dropped++;	/* that datagram, keep the rest */
			off++;
			continue;
		}
		off += (unsigned)s;
	}
	return n;
}

int
echo_server_run(const struct mcn_conf *cf)
{
	struct epoll_event ev, evs[4];
	struct signalfd_siginfo si;
	struct echo *e;
	uint64_t end = 0;
	int ep = -1, sfd = -1, sz = ECHO_SOCKBUF, n, i, k, rc = -1;
	sigset_t set;
	char abuf[INET_ADDRSTRLEN];

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->flows = calloc(FLOW_SLOTS, sizeof(*e->flows))) == NULL) {
		fprintf(stderr, "mcnload: echo: out of memory\n");
		goto out;
	}
	e->fd = -1;
	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (e->fd == -1) {
		fprintf(stderr, "mcnload: echo: socket: %s\n", strerror(errno));
		goto out;
	}
	if (setsockopt(e->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		setsockopt(e->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(e->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		setsockopt(e->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(e->fd, (const struct sockaddr *)&cf->listen,
	    sizeof(cf->listen)) == -1) {
		fprintf(stderr, "mcnload: echo: bind %s:%u: %s\n",
		    inet_ntop(AF_INET, &cf->listen.sin_addr, abuf, sizeof(abuf)),
		    ntohs(cf->listen.sin_port), strerror(errno));
		goto out;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = e->fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) == -1)
		goto out;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == -1)
		goto out;
	printf("mcnload echo server on %s:%u\n",
	    inet_ntop(AF_INET, &cf->listen.sin_addr, abuf, sizeof(abuf)),
	    ntohs(cf->listen.sin_port));
	fflush(stdout);
	if (cf->duration_s > 0)
		end = now_ms() + (uint64_t)(cf->duration_s * 1000);
	for (;;) {
		n = epoll_wait(ep, evs, 4, 200);
		if (n < 0 && errno != EINTR)
			goto out;
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				if (read(sfd, &si, sizeof(si)) > 0)
					goto done;
			} else {
				/* Drain a while, then look at signals. */
				for (k = 0; k < 64 &&
				    echo_batch(e) == ECHO_BATCH; k++)
					;
			}
		}
		if (end != 0 && now_ms() >= end)
			break;
	}
done:
	rc = 0;
	printf("mcnload-echo rx=%llu rx_bytes=%llu echoed=%llu reports=%llu "
	    "plain=%llu send_dropped=%llu\n", (unsigned long long)e->rx,
	    (unsigned long long)e->rx_bytes, (unsigned long long)e->echoed,
	    (unsigned long long)e->reports, (unsigned long long)e->plain,
	    (unsigned long long)e->dropped);
	fflush(stdout);
out:
	if (rc == -1 && errno != 0)
		fprintf(stderr, "mcnload: echo: %s\n", strerror(errno));
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	if (e != NULL) {
		if (e->fd >= 0)
			close(e->fd);
		free(e->flows);
		free(e);
	}
	return rc;
}
