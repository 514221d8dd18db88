/*
 * The TCP transport (spec §1.1): each packet is preceded by its length (2
 * bytes, big-endian).  Every worker accepts on its own socket of an
 * SO_REUSEPORT group, so a connection and its session belong to the
 * worker that accepted it.  There is no stateless cookie on TCP: the
 * handshake of TCP itself proved the address, so the first packet (a
 * client reset with a valid HMAC) creates the session.
 *
 * Limits: a connection must send a valid first packet within
 * TCP_FIRST_PACKET_S of its accept (counted from then, not from its last
 * byte: a byte a second does not keep it), an address may hold at most
 * TCP_HALFOPEN_PER_SRC connections without one on each worker, a frame
 * may not exceed the largest packet we accept, a worker holds at most
 * TCP_CONNS_MAX connections, and a client that does not read makes us
 * drop its data (never buffer without bound).
 */
#include "config.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "ctlwrap.h"
#include "data.h"
#include "gw.h"
#include "log.h"
#include "session.h"
#include "tcp.h"
#include "tlscryptv2.h"
#include "udp.h"
#include "worker.h"

#define TCP_FIRST_PACKET_S	10	/* accepted, no valid packet: closed */
#define TCP_HALFOPEN_PER_SRC	16	/* per worker, IPv4 address or /64 */
#define TCP_CONNS_MAX		8192	/* per worker */
#define TCP_OUT_MAX		(1 << 20)	/* unread by the client: drop */
#define TCP_DRAIN_S		2	/* closing: time to flush RESTART */
#define TCP_FRAME_MAX		PKT_BUF

struct tcpconn {
	struct worker		*w;
	struct bufferevent	*bev;
	struct peer_addr	 peer;
	struct session		*s;		/* NULL until the first packet */
	struct tcpconn		*next, *prev;
	uint64_t		 first_by_ms;	/* the first packet's deadline */
	bool			 closing;
};

static void	conn_free(struct tcpconn *);

static void
conn_unlink(struct tcpconn *c)
{
	struct worker *w = c->w;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->tcp_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->ntcp--;
}

static void
conn_free(struct tcpconn *c)
{
	conn_unlink(c);
	bufferevent_free(c->bev);
	free(c);
}

/* Ends the connection; its session (if any) was closed or detached. */
static void
conn_close(struct tcpconn *c)
{
	struct session *s = c->s;

	if (s != NULL) {
		c->s = NULL;
		s->tcp = NULL;
		session_close(s, "TCP connection closed");
	}
	conn_free(c);
}

/* Output drained (or timed out) on a closing connection: free it. */
static void
drained_cb(struct bufferevent *bev, void *arg)
{
	conn_free(arg);
}

static void
closing_event_cb(struct bufferevent *bev, short what, void *arg)
{
	conn_free(arg);
}

void
tcp_session_closed(struct session *s)
{
	struct tcpconn *c = s->tcp;
	struct timeval tv = { TCP_DRAIN_S, 0 };

	s->tcp = NULL;
	if (c == NULL)
		return;
	c->s = NULL;
	c->closing = true;
	/* Let what we sent last (RESTART, AUTH_FAILED) reach the client. */
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_free(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_setcb(c->bev, NULL, drained_cb, closing_event_cb, c);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
}

uint8_t *
sess_tx_begin(struct session *s)
{
	if (s->tcp_flag)
		return s->w->tcpbuf + 2;
	return tx_begin(s->w);
}

void
sess_tx_commit(struct session *s, size_t len)
{
	struct worker *w = s->w;
	struct tcpconn *c = s->tcp;
	uint8_t *frame = w->tcpbuf;

	if (!s->tcp_flag) {
		tx_commit(w, &s->addr, len);
		return;
	}
	if (c == NULL || c->closing || len > 0xffff ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > TCP_OUT_MAX) {
		w->ctr.tx_dropped++;
		return;
	}
	frame[0] = (uint8_t)(len >> 8);
	frame[1] = (uint8_t)len;
	if (bufferevent_write(c->bev, frame, len + 2) == -1) {
		w->ctr.tx_dropped++;
		return;
	}
	w->ctr.tx_pkts++;
	w->ctr.tx_bytes += len;
}

/*
 * The first packet of a connection: a client reset (V3 for tls-crypt-v2)
 * that authenticates creates the session, statefully.
 */
static struct session *
tcp_first(struct tcpconn *c, const uint8_t *p, size_t len,
    struct ctl_hdr *h, const uint8_t **body, size_t *blen)
{
	struct worker *w = c->w;
	const struct cfg *cfg = w->cfg;
	struct tlscryptv2_ckey ck;
	struct pkt_body pb;
	struct session *s;
	uint8_t sid[PKT_SID_LEN];
	char err[256];

	ck.meta_type = -1;
	if (ctlwrap_unwrap(w->cw, NULL, p, len, h, w->scratch, PKT_MAX_WIRE,
	    body, blen, &ck) == -1) {
		w->ctr.forged++;
		return NULL;
	}
	if ((h->op != P_CONTROL_HARD_RESET_CLIENT_V2 &&
	    h->op != P_CONTROL_HARD_RESET_CLIENT_V3) || h->key_id != 0 ||
	    pkt_body_parse(h->op, *body, *blen, &pb) == -1 || pb.msgid != 0 ||
	    !pkt_sid_valid(h->sid)) {
		w->ctr.malformed++;
		goto fail;
	}
	if (__atomic_load_n(&w->gw->nsessions, __ATOMIC_RELAXED) >=
	    cfg->max_clients) {
		w->ctr.max_clients++;
		goto fail;
	}
	if (RAND_bytes(sid, sizeof(sid)) != 1 ||
	    (s = session_new(w, &c->peer, sid, h->sid,
	    SESSION_STATEFUL | SESSION_TCP)) == NULL)
		goto fail;
	if (ctlwrap_mode(w->cw) == CTLWRAP_TLS_CRYPT_V2) {
		if ((s->kc = ctlwrap_peer_new(w->cw, &ck, err,
		    sizeof(err))) == NULL) {
			log_warnx("tls-crypt-v2 client key: %s", err);
			session_close(s, "could not set up the session");
			goto fail;
		}
		s->wkc_meta_type = ck.meta_type;
		s->wkc_time = ck.has_time ? ck.time : 0;
	}
	OPENSSL_cleanse(&ck, sizeof(ck));
	s->tcp = c;
	c->s = s;
	/* From now on the session's keepalive decides liveness. */
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	return s;
 fail:
	OPENSSL_cleanse(&ck, sizeof(ck));
	return NULL;
}

/* One framed packet.  Returns -1 if the connection must end. */
static int
tcp_packet(struct tcpconn *c, const uint8_t *p, size_t len)
{
	struct worker *w = c->w;
	struct session *s = c->s;
	struct ctl_hdr h;
	const uint8_t *body;
	size_t blen;
	uint8_t op;

	w->ctr.rx_pkts++;
	w->ctr.rx_bytes += len;
	if (len < 1) {
		w->ctr.malformed++;
		return -1;
	}
	op = pkt_op(p[0]);
	if (s == NULL) {
		/* Anything but a good reset ends the connection: no state
		 * is worth keeping for a stranger. */
		if ((s = tcp_first(c, p, len, &h, &body, &blen)) == NULL)
			return -1;
	} else if (op == P_DATA_V2 || op == P_DATA_V1) {
		data_session_input(s, &c->peer, p, len);
		return 0;
	} else if (!pkt_is_control(op) || len <= PKT_SID_LEN ||
	    CRYPTO_memcmp(p + 1, s->sid_remote, PKT_SID_LEN) != 0) {
		w->ctr.malformed++;
		return 0;
	} else if (ctlwrap_unwrap(w->cw, s->kc, p, len, &h, w->scratch,
	    PKT_MAX_WIRE, &body, &blen, NULL) == -1) {
		w->ctr.forged++;
		return 0;
	}
	if (!replay_long_accept(&s->ctl_rx_replay, h.pid, h.ptime)) {
		w->ctr.replay++;
		return 0;
	}
	ctl_input(s, &h, body, blen);
	session_schedule(s);
	return 0;
}

/*
 * True at most once a second per worker: a flood of refusals must not
 * become a flood of log lines (the counters have the totals).
 */
static bool
tcp_log_due(struct worker *w)
{
	if (w->now_ms - w->tcp_logged_ms < 1000)
		return false;
	w->tcp_logged_ms = w->now_ms;
	return true;
}

/* No valid first packet within TCP_FIRST_PACKET_S of the accept. */
static void
first_timeout(struct tcpconn *c)
{
	struct worker *w = c->w;
	char abuf[ADDR_STRLEN];

	w->ctr.tcp_timeouts++;
	if (tcp_log_due(w))
		log_event(1, "tcp-timeout", "addr=%s reason=\"no valid first "
		    "packet within %d s\"", addr_str(&c->peer, abuf),
		    TCP_FIRST_PACKET_S);
	conn_close(c);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct tcpconn *c = arg;
	struct worker *w = c->w;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2], *frame = w->tcprxbuf;
	size_t n;

	worker_clock(w);
	if (c->s == NULL && !c->closing && w->now_ms >= c->first_by_ms) {
		first_timeout(c);
		goto out;
	}
	while (!c->closing && evbuffer_get_length(in) >= 2) {
		evbuffer_copyout(in, hdr, 2);
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (n > TCP_FRAME_MAX) {
			w->ctr.malformed++;
			conn_close(c);
			goto out;
		}
		if (evbuffer_get_length(in) < n + 2)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, frame, n);
		if (tcp_packet(c, frame, n) == -1) {
			conn_close(c);
			goto out;
		}
	}
	if (c->s == NULL && !c->closing) {
		/* Silence, too, counts from the accept, not from this read. */
		uint64_t left = c->first_by_ms - w->now_ms;
		struct timeval tv = { (time_t)(left / 1000),
		    (suseconds_t)(left % 1000) * 1000 };

		bufferevent_set_timeouts(bev, &tv, NULL);
	}
 out:
	tx_flush(w);
	handoff_signal(w);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcpconn *c = arg;

	worker_clock(c->w);
	/* EOF, an error, or silence before the first packet. */
	if (c->s == NULL && (what & BEV_EVENT_TIMEOUT))
		first_timeout(c);
	else
		conn_close(c);
}

/* Same host: the IPv4 address (mapped or not), or an IPv6 /64. */
static bool
same_source(const struct peer_addr *a, const struct peer_addr *b)
{
	const struct in6_addr *a6 = &a->u.sin6.sin6_addr;

	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
	return memcmp(a6, &b->u.sin6.sin6_addr,
	    IN6_IS_ADDR_V4MAPPED(a6) ? 16 : 8) == 0;
}

/*
 * Does a already hold TCP_HALFOPEN_PER_SRC connections on w without a
 * first packet?  A walk over w's connections: at most TCP_CONNS_MAX.
 */
static bool
halfopen_full(const struct worker *w, const struct peer_addr *a)
{
	const struct tcpconn *c;
	unsigned n = 0;

	for (c = w->tcp_conns; c != NULL; c = c->next)
		if (c->s == NULL && !c->closing && same_source(&c->peer, a) &&
		    ++n >= TCP_HALFOPEN_PER_SRC)
			return true;
	return false;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { TCP_FIRST_PACKET_S, 0 };
	struct peer_addr peer;
	struct tcpconn *c;
	char abuf[ADDR_STRLEN];
	int one = 1;

	worker_clock(w);
	if (w->ntcp >= TCP_CONNS_MAX || w->stopping) {
		w->ctr.max_clients++;
		close(fd);
		return;
	}
	addr_from_sockaddr(&peer, sa, (socklen_t)salen);
	if (halfopen_full(w, &peer)) {
		w->ctr.tcp_refused++;
		if (tcp_log_due(w))
			log_event(1, "refused", "addr=%s reason=\"%d TCP "
			    "connections from its address without a first "
			    "packet\"", addr_str(&peer, abuf),
			    TCP_HALFOPEN_PER_SRC);
		close(fd);
		return;
	}
	/* Nagle would hold back small control and ACK packets. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(w->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->w = w;
	c->peer = peer;
	c->first_by_ms = w->now_ms + TCP_FIRST_PACKET_S * 1000;
	c->next = w->tcp_conns;
	if (w->tcp_conns)
		w->tcp_conns->prev = c;
	w->tcp_conns = c;
	w->ntcp++;
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	/* Read no more than a few frames ahead of processing them. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, 4 * TCP_FRAME_MAX);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int
tcp_worker_init(struct worker *w, char *err, size_t errlen)
{
	if (w->tcp_fd < 0)
		return 0;
	if ((w->tcpbuf = malloc(PKT_BUF + 2)) == NULL ||
	    (w->tcprxbuf = malloc(TCP_FRAME_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((w->tcp_listener = evconnlistener_new(w->base, accept_cb, w,
	    LEV_OPT_CLOSE_ON_FREE, -1, w->tcp_fd)) == NULL) {
		snprintf(err, errlen, "worker %d: cannot listen on tcp", w->idx);
		return -1;
	}
	w->tcp_fd = -1;		/* the listener owns it now */
	return 0;
}

void
tcp_worker_fini(struct worker *w)
{
	while (w->tcp_conns != NULL)
		conn_close(w->tcp_conns);
	if (w->tcp_listener)
		evconnlistener_free(w->tcp_listener);
	w->tcp_listener = NULL;
	free(w->tcpbuf);
	free(w->tcprxbuf);
}
