/*
 * The event loop: one epoll set over every client's UDP socket (each
 * bound to --bind and connected to the server, so the server sees one
 * source port per client), a signalfd, a binary min-heap of client
 * deadlines, and a send queue flushed with sendmmsg, one call per run of
 * packets for the same socket.
 *
 * Invariants: a client is in the heap iff its next_ms is finite
 * (heap_pos is its index there); the send queue never holds a packet for
 * a closed socket (sock_close flushes first, so a reused descriptor
 * cannot carry a stale packet).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <netinet/udp.h>
#include <fcntl.h>
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

#define TXQ_MAX		256
#define RX_BATCH	64
#define RX_ROUNDS	4	/* batches per socket per wake-up */
#define EV_MAX		512
#define SIG_TOKEN	UINT64_MAX
#define MAX_WAIT_MS	100	/* wake up at least this often */
#define BLAST_SOCKBUF	(4 << 20)

struct loop {
	int		 ep, sigfd;
	struct client	**heap;
	unsigned	 heap_n;
	unsigned	 txn;
	int		 txfd[TXQ_MAX];
	struct mmsghdr	 txmsg[TXQ_MAX];
	struct iovec	 txiov[TXQ_MAX];
	uint8_t		 txbuf[TXQ_MAX][MCN_BUF_LEN];
	struct mmsghdr	 rxmsg[RX_BATCH];
	struct iovec	 rxiov[RX_BATCH];
	uint8_t		 rxbuf[RX_BATCH][MCN_BUF_LEN];
	uint8_t		 gsobuf[GSO_BUF_LEN];
};

void
clock_now(struct mcn *m)
{
	struct timespec ts;

	m->now_ns = mono_ns();
	m->now_ms = m->now_ns / 1000000u;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->now_wall = (uint32_t)ts.tv_sec;
}

/* ---- timer heap -------------------------------------------------------- */

static void
heap_set(struct loop *l, unsigned i, struct client *c)
{
	l->heap[i] = c;
	c->heap_pos = i;
}

static void
heap_up(struct loop *l, unsigned i)
{
	struct client *c = l->heap[i];

	while (i > 0 && l->heap[(i - 1) / 2]->next_ms > c->next_ms) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, c);
}

static void
heap_down(struct loop *l, unsigned i)
{
	struct client *c = l->heap[i];
	unsigned k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= l->heap_n)
			break;
		if (k + 1 < l->heap_n &&
		    l->heap[k + 1]->next_ms < l->heap[k]->next_ms)
			k++;
		if (l->heap[k]->next_ms >= c->next_ms)
			break;
		heap_set(l, i, l->heap[k]);
		i = k;
	}
	heap_set(l, i, c);
}

static void
heap_remove(struct loop *l, struct client *c)
{
	unsigned i = c->heap_pos;
	struct client *last;

	c->heap_pos = UINT32_MAX;
	last = l->heap[--l->heap_n];
	if (i == l->heap_n)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->heap_pos);
}

/* Re-files c under its next deadline (control, data, traffic). */
void
timer_update(struct mcn *m, struct client *c)
{
	struct loop *l = m->loop;
	uint64_t t, d;

	t = client_ctl_deadline(m, c);
	if ((d = data_deadline(m, c)) < t)
		t = d;
	/* A deadline already past runs on the next pass, not in a loop. */
	if (t != UINT64_MAX && t <= m->now_ms)
		t = m->now_ms + 1;
	c->next_ms = t;
	if (t == UINT64_MAX) {
		if (c->heap_pos != UINT32_MAX)
			heap_remove(l, c);
		return;
	}
	if (c->heap_pos == UINT32_MAX) {
		l->heap[l->heap_n] = c;
		c->heap_pos = l->heap_n++;
	}
	heap_up(l, c->heap_pos);
	heap_down(l, c->heap_pos);
}

/* ---- sockets ------------------------------------------------------------ */

int
sock_open(struct mcn *m, struct client *c)
{
	const struct mcn_conf *cf = m->conf;
	struct epoll_event ev;
	int fd, sz = BLAST_SOCKBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (cf->mode == MODE_BLAST) {
		/* FORCE: as root, past rmem_max/wmem_max. */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz,
		    sizeof(sz)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
		    sizeof(sz)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if ((cf->have_bind && bind(fd, (const struct sockaddr *)&cf->bind,
	    sizeof(cf->bind)) == -1) ||
	    connect(fd, (const struct sockaddr *)&cf->remote,
	    sizeof(cf->remote)) == -1) {
		if (cf->verbose)
			fprintf(stderr, "mcnload: client %u: socket: %s\n",
			    c->idx + 1, strerror(errno));
		close(fd);
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = c->idx;
	if (epoll_ctl(m->loop->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

void
sock_close(struct mcn *m, struct client *c)
{
	if (c->fd < 0)
		return;
	tx_flush(m);
	close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
}

/* ---- sending ------------------------------------------------------------ */

uint8_t *
tx_slot(struct mcn *m)
{
	struct loop *l = m->loop;

	if (l->txn == TXQ_MAX)
		tx_flush(m);
	return l->txbuf[l->txn];
}

void
tx_commit(struct mcn *m, struct client *c, size_t len)
{
	struct loop *l = m->loop;
	unsigned i = l->txn;

	l->txfd[i] = c->fd;
	l->txiov[i].iov_base = l->txbuf[i];
	l->txiov[i].iov_len = len;
	memset(&l->txmsg[i].msg_hdr, 0, sizeof(l->txmsg[i].msg_hdr));
	l->txmsg[i].msg_hdr.msg_iov = &l->txiov[i];
	l->txmsg[i].msg_hdr.msg_iovlen = 1;
	l->txn++;
}

void
tx_flush(struct mcn *m)
{
	struct loop *l = m->loop;
	unsigned i = 0, j;
	bool retried = false;
	int n;

	while (i < l->txn) {
		for (j = i + 1; j < l->txn && l->txfd[j] == l->txfd[i]; j++)
			;
		n = sendmmsg(l->txfd[i], l->txmsg + i, j - i, MSG_DONTWAIT);
		if (n > 0) {
			m->st.udp_tx += (unsigned)n;
			i += (unsigned)n;
			retried = false;
			continue;
		}
		/*
		 * A connected socket reports an earlier ICMP error once,
		 * instead of sending: try that packet again, once.
		 */
		if (n < 0 && !retried && (errno == ECONNREFUSED ||
		    errno == EINTR)) {
			retried = true;
			continue;
		}
		m->st.udp_tx_err++;
		i++;
		retried = false;
	}
	l->txn = 0;
}

uint8_t *
gso_buf(struct mcn *m)
{
	return m->loop->gsobuf;
}

int
gso_send(struct mcn *m, struct client *c, const uint8_t *p, size_t len,
    size_t seg)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(uint16_t))];
	} u;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr msg;
	struct cmsghdr *cm;
	uint16_t gs = (uint16_t)seg;
	ssize_t n;

	tx_flush(m);		/* keep the order of earlier packets */
	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (len > seg) {
		msg.msg_control = u.b;
		msg.msg_controllen = sizeof(u.b);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(gs));
		memcpy(CMSG_DATA(cm), &gs, sizeof(gs));
	}
	do
		n = sendmsg(c->fd, &msg, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT ||
		    errno == EOPNOTSUPP)
			return -1;
		m->st.udp_tx_err += (len + seg - 1) / seg;
		return 0;
	}
	m->st.udp_tx += (len + seg - 1) / seg;
	return 0;
}

/* ---- receiving ---------------------------------------------------------- */

static void
sock_input(struct mcn *m, struct client *c)
{
	struct loop *l = m->loop;
	int round, n, i;

	for (round = 0; round < RX_ROUNDS && c->fd >= 0; round++) {
		for (i = 0; i < RX_BATCH; i++) {
			l->rxiov[i].iov_base = l->rxbuf[i];
			l->rxiov[i].iov_len = MCN_BUF_LEN;
			memset(&l->rxmsg[i].msg_hdr, 0,
			    sizeof(l->rxmsg[i].msg_hdr));
			l->rxmsg[i].msg_hdr.msg_iov = &l->rxiov[i];
			l->rxmsg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(c->fd, l->rxmsg, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			/* ECONNREFUSED: an ICMP error, the socket lives on. */
			if (n < 0 && errno == ECONNREFUSED)
				continue;
			return;
		}
		m->st.udp_rx += (unsigned)n;
		for (i = 0; i < n && c->fd >= 0; i++)
			client_input(m, c, l->rxbuf[i], l->rxmsg[i].msg_len);
		if (n < RX_BATCH)
			return;
	}
}

/* ---- the loop ------------------------------------------------------------ */

int
loop_init(struct mcn *m)
{
	struct loop *l;
	sigset_t set;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->heap = calloc(m->n ? m->n : 1, sizeof(*l->heap))) == NULL) {
		free(l);
		return -1;
	}
	m->loop = l;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	{
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = SIG_TOKEN;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sigfd, &ev) == -1)
			return -1;
	}
	return 0;
}

void
loop_free(struct mcn *m)
{
	struct loop *l = m->loop;

	if (l == NULL)
		return;
	if (l->ep >= 0)
		close(l->ep);
	if (l->sigfd >= 0)
		close(l->sigfd);
	free(l->heap);
	free(l);
	m->loop = NULL;
}

static void
run_timers(struct mcn *m)
{
	struct loop *l = m->loop;
	struct client *c;

	/* timer_update never files a deadline <= now, so this ends. */
	while (l->heap_n > 0 && l->heap[0]->next_ms <= m->now_ms) {
		c = l->heap[0];
		heap_remove(l, c);
		c->next_ms = UINT64_MAX;
		client_timer(m, c);
	}
}

int
loop_run(struct mcn *m)
{
	struct loop *l = m->loop;
	struct epoll_event ev[EV_MAX];
	struct signalfd_siginfo si;
	uint64_t wait;
	int n, i, timeout;

	for (;;) {
		clock_now(m);
		run_timers(m);
		if (!mcn_tick(m))
			break;
		tx_flush(m);
		timeout = MAX_WAIT_MS;
		if ((n = mcn_timeout(m)) >= 0 && n < timeout)
			timeout = n;
		if (timeout > 0 && l->heap_n > 0) {
			wait = l->heap[0]->next_ms > m->now_ms ?
			    l->heap[0]->next_ms - m->now_ms : 0;
			if (wait < (uint64_t)timeout)
				timeout = (int)wait;
		}
		/* Busy (blast): let the echo host on this CPU run too. */
		if (timeout == 0)
			sched_yield();
		n = epoll_wait(l->ep, ev, EV_MAX, timeout);
		if (n < 0 && errno != EINTR)
			return -1;
		clock_now(m);
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == SIG_TOKEN) {
				while (read(l->sigfd, &si, sizeof(si)) ==
				    (ssize_t)sizeof(si))
					mcn_signal(m);
				continue;
			}
			if (ev[i].data.u64 < m->n)
				sock_input(m, &m->c[ev[i].data.u64]);
		}
		tx_flush(m);
	}
	tx_flush(m);
	return 0;
}
