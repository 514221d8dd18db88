/*
 * The UDP side of a worker: batched receive, the first-packet classifier
 * and stateless handshake (spec §2.5, §5), dispatch to sessions, and the
 * batched send queue.
 *
 * Classify before allocating: a packet from an unknown address costs at
 * most one HMAC (tls-auth) and, for a valid reset, one cookie HMAC and a
 * reply; state is created only when the client echoes the cookie.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/filter.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "cookie.h"
#include "ctl.h"
#include "data.h"
#include "dir.h"
#include "gw.h"
#include "log.h"
#include "session.h"
#include "ctlwrap.h"
#include "tlsauth.h"
#include "tlscryptv2.h"
#include "tungro.h"
#include "udp.h"
#include "worker.h"

#define RX_BATCH		64
/* A UDP GSO run: at most this many datagrams (the kernel's limit is 64
 * or 128) and bytes. */
#define TX_GSO_SEGS		64
#define TX_GSO_MAX		65000
#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103	/* Linux 4.18, <linux/udp.h> */
#endif
#define RX_ROUNDS		8	/* batches per callback, then yield */
/*
 * Stateless reset replies: at most this many per second, with a burst
 * allowance (the reply is 66 bytes for a 54-byte request, so reflection
 * gains an attacker little; the limit bounds our work under a flood).
 */
#define RESET_RATE		5000.0
#define RESET_BURST		10000.0

void
worker_clock(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->now_wall = (uint64_t)ts.tv_sec;
}

static void tx_send(struct worker *);

uint8_t *
tx_begin(struct worker *w)
{
	if (w->tx.n == TX_BATCH)
		tx_send(w);
	return w->tx.buf[w->tx.n];
}

void
tx_commit(struct worker *w, const struct peer_addr *to, size_t len)
{
	struct txbatch *tx = &w->tx;
	unsigned i = tx->n;

	tx->to[i] = *to;
	tx->iov[i].iov_base = tx->buf[i];
	tx->iov[i].iov_len = len;
	memset(&tx->msg[i].msg_hdr, 0, sizeof(tx->msg[i].msg_hdr));
	tx->msg[i].msg_hdr.msg_name = &tx->to[i].u;
	tx->msg[i].msg_hdr.msg_namelen = tx->to[i].len;
	tx->msg[i].msg_hdr.msg_iov = &tx->iov[i];
	tx->msg[i].msg_hdr.msg_iovlen = 1;
	tx->n++;
	w->ctr.tx_pkts++;
	w->ctr.tx_bytes += len;
}

void
tx_queue(struct worker *w, const struct peer_addr *to, const uint8_t *p,
    size_t len)
{
	uint8_t *b = tx_begin(w);

	memcpy(b, p, len);
	tx_commit(w, to, len);
}

/* Groups tx's datagrams from first on into runs (see struct txbatch),
 * numbered from at; returns the number after the last. */
static unsigned
tx_runs(struct txbatch *tx, unsigned first, unsigned at)
{
	unsigned i = first, j, nr = at;
	size_t seg, total;
	struct msghdr *h;
	struct cmsghdr *cm;
	uint16_t gso;

	while (i < tx->n) {
		seg = total = tx->iov[i].iov_len;
		for (j = i + 1; !tx->no_gso && j < tx->n &&
		    j - i < TX_GSO_SEGS && tx->iov[j - 1].iov_len == seg &&
		    tx->iov[j].iov_len <= seg &&
		    total + tx->iov[j].iov_len <= TX_GSO_MAX &&
		    tx->to[j].len == tx->to[i].len &&
		    memcmp(&tx->to[j].u, &tx->to[i].u, tx->to[i].len) == 0; j++)
			total += tx->iov[j].iov_len;
		tx->run[nr] = tx->msg[i];
		h = &tx->run[nr].msg_hdr;
		h->msg_iovlen = j - i;
		if (j - i > 1) {
			h->msg_control = tx->run_ctl[nr].b;
			h->msg_controllen = sizeof(tx->run_ctl[nr].b);
			cm = CMSG_FIRSTHDR(h);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(gso));
			gso = (uint16_t)seg;
			memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
		}
		tx->run_first[nr++] = i;
		i = j;
	}
	return nr;
}

/* Sends what tx holds, in runs; a run the kernel refuses is dropped
 * (counted per datagram), unless it refused UDP GSO itself: then no
 * more runs, and the datagrams go one by one. */
static void
tx_send(struct worker *w)
{
	struct txbatch *tx = &w->tx;
	unsigned off = 0, nr, cnt;
	int n;

	if (w->udp_fd < 0) {
		tx->n = 0;	/* TCP only: nothing is ever queued here */
		return;
	}
	nr = tx_runs(tx, 0, 0);
	while (off < nr) {
		n = sendmmsg(w->udp_fd, tx->run + off, nr - off, 0);
		if (n >= 0) {
			off += (unsigned)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		cnt = tx->run[off].msg_hdr.msg_iovlen;
		if (cnt > 1 && (errno == EIO || errno == EINVAL ||
		    errno == ENOPROTOOPT)) {
			log_warnx("worker %d: UDP segmentation offload "
			    "refused (%s): datagrams go one by one", w->idx,
			    strerror(errno));
			tx->no_gso = true;
			nr = tx_runs(tx, tx->run_first[off], off);
			continue;
		}
		/* EAGAIN (buffer full) or a per-destination error: drop
		 * this run, keep the rest. */
		w->ctr.tx_dropped += cnt;
		off++;
	}
	tx->n = 0;
}

void
tx_flush(struct worker *w)
{
	tun_flush(w);
	tx_send(w);
}

static bool
reset_allowed(struct worker *w)
{
	uint64_t dt = w->now_ms - w->reset_refill_ms;

	if (dt > 0) {
		/* Each worker has its share of the rate. */
		w->reset_tokens += (double)dt * RESET_RATE / 1000.0 /
		    w->gw->nworkers;
		if (w->reset_tokens > RESET_BURST / w->gw->nworkers)
			w->reset_tokens = RESET_BURST / w->gw->nworkers;
		w->reset_refill_ms = w->now_ms;
	}
	if (w->reset_tokens < 1.0)
		return false;
	w->reset_tokens -= 1.0;
	return true;
}

/*
 * The control-channel protection of cfg: tls-auth, tls-crypt or
 * tls-crypt-v2 (the parser admits exactly one).
 */
struct ctlwrap *
ctlwrap_from_cfg(const struct cfg *cfg, char *err, size_t errlen)
{
	struct ctlwrap *cw;
	char e[256];

	if (cfg->has_tls_crypt_v2)
		cw = ctlwrap_new_tls_crypt_v2(cfg->tls_crypt_v2_key, e,
		    sizeof(e));
	else if (cfg->has_tls_crypt)
		cw = ctlwrap_new_tls_crypt(cfg->tls_crypt_key, e, sizeof(e));
	else
		cw = ctlwrap_new_tls_auth(cfg->tls_auth_key, cfg->tls_auth_dir,
		    cfg->auth, e, sizeof(e));
	if (cw == NULL)
		snprintf(err, errlen, "%s: %s", cfg->has_tls_crypt_v2 ?
		    "tls-crypt-v2" : cfg->has_tls_crypt ? "tls-crypt" :
		    "tls-auth", e);
	return cw;
}

/*
 * Answers a valid client reset without keeping any state: our session id
 * is the cookie, ACK [0], message 0.  For a tls-crypt-v2 client that can
 * resend its wrapped key, the payload asks it to (spec §3.2, §5.4); the
 * reply is then wrapped with that client's key, which the instance holds
 * only until its next unwrap, so this runs right after it.
 */
static void
reset_reply(struct worker *w, const struct peer_addr *from,
    const struct ctl_hdr *h, const uint8_t *body, size_t blen,
    bool resend_wkc)
{
	const struct cfg *cfg = w->cfg;
	struct pkt_body pb;
	struct pkt_ack ack;
	struct ctl_hdr rh;
	uint8_t akey[ADDR_KEYLEN], rbody[64], tlv[16];
	struct wbuf wb, out, tw;
	size_t alen;

	if (pkt_body_parse(h->op, body, blen, &pb) == -1 || pb.msgid != 0 ||
	    !pkt_sid_valid(h->sid)) {
		w->ctr.malformed++;
		return;
	}
	if (!reset_allowed(w)) {
		w->ctr.resets_limited++;
		return;
	}
	wbuf_init(&tw, tlv, sizeof(tlv));
	if (resend_wkc &&
	    tlscryptv2_earlyneg_write(&tw, TLSCRYPTV2_FLAG_RESEND_WKC) == -1)
		return;
	alen = addr_key(from, akey);
	rh.op = P_CONTROL_HARD_RESET_SERVER_V2;
	rh.key_id = 0;
	cookie_make(w->cookie, w->now_wall, (unsigned)cfg->hand_window, akey,
	    alen, h->sid, rh.sid);
	rh.pid = 1;
	rh.ptime = (uint32_t)w->now_wall;
	memset(&ack, 0, sizeof(ack));
	ack.n = 1;
	ack.id[0] = 0;
	memcpy(ack.rsid, h->sid, PKT_SID_LEN);
	wbuf_init(&wb, rbody, sizeof(rbody));
	if (pkt_body_write(&wb, rh.op, &ack, 0, tlv, tw.len) == -1)
		return;
	wbuf_init(&out, tx_begin(w), PKT_BUF);
	if (ctlwrap_wrap(w->cw, NULL, &out, &rh, rbody, wb.len) == -1)
		return;
	tx_commit(w, from, out.len);
	w->ctr.resets++;
}

static bool
sessions_full(struct worker *w, const struct peer_addr *from)
{
	const struct cfg *cfg = w->cfg;
	char abuf[ADDR_STRLEN];

	if (__atomic_load_n(&w->gw->nsessions, __ATOMIC_RELAXED) <
	    cfg->max_clients)
		return false;
	/* As OpenVPN: the client retries; say so once a second. */
	w->ctr.max_clients++;
	if (w->now_ms - w->full_logged_ms >= 1000) {
		w->full_logged_ms = w->now_ms;
		log_event(1, "refused", "addr=%s reason=\"max-clients %d "
		    "reached\"", addr_str(from, abuf), cfg->max_clients);
	}
	return true;
}

/*
 * A tls-crypt-v2 session keeps its client's key (from the WKc that came
 * with the packet that created it) for everything after.
 */
static int
session_take_kc(struct session *s, const struct tlscryptv2_ckey *ck)
{
	char err[256];

	if ((s->kc = ctlwrap_peer_new(s->w->cw, ck, err, sizeof(err))) == NULL) {
		log_warnx("tls-crypt-v2 client key: %s", err);
		return -1;
	}
	s->wkc_meta_type = ck->meta_type;
	s->wkc_time = ck->has_time ? ck->time : 0;
	return 0;
}

/*
 * The client's first packet after our reset must echo the cookie as the
 * remote session id of its ACK array; then the session is created.
 */
static struct session *
cookie_accept(struct worker *w, const struct peer_addr *from,
    const struct ctl_hdr *h, const uint8_t *body, size_t blen)
{
	const struct cfg *cfg = w->cfg;
	struct pkt_body pb;
	struct session *s;
	uint8_t akey[ADDR_KEYLEN];
	size_t alen;

	if (pkt_body_parse(h->op, body, blen, &pb) == -1 ||
	    !cookie_echo_shape(h->op, &pb)) {
		w->ctr.unknown_peer++;
		return NULL;
	}
	alen = addr_key(from, akey);
	if (!cookie_check(w->cookie, w->now_wall, (unsigned)cfg->hand_window,
	    akey, alen, h->sid, pb.ack.rsid)) {
		w->ctr.bad_cookie++;
		return NULL;
	}
	if (sessions_full(w, from))
		return NULL;
	if ((s = session_new(w, from, pb.ack.rsid, h->sid, 0)) == NULL) {
		log_warnx("out of memory creating a session");
		return NULL;
	}
	return s;
}

/*
 * A tls-crypt-v2 client that cannot resend its wrapped key (before 2.6):
 * the session must start with its first packet, as before the stateless
 * handshake (unless force-cookie refuses such clients).
 */
static struct session *
stateful_accept(struct worker *w, const struct peer_addr *from,
    const struct ctl_hdr *h, const uint8_t *body, size_t blen)
{
	struct pkt_body pb;
	uint8_t sid[PKT_SID_LEN];

	if (w->cfg->tls_crypt_v2_force_cookie) {
		w->ctr.bad_cookie++;
		return NULL;
	}
	if (pkt_body_parse(h->op, body, blen, &pb) == -1 || pb.msgid != 0 ||
	    !pkt_sid_valid(h->sid)) {
		w->ctr.malformed++;
		return NULL;
	}
	if (!reset_allowed(w)) {
		w->ctr.resets_limited++;
		return NULL;
	}
	if (sessions_full(w, from))
		return NULL;
	if (RAND_bytes(sid, sizeof(sid)) != 1)
		return NULL;
	return session_new(w, from, sid, h->sid, SESSION_STATEFUL);
}

static bool
is_client_reset(uint8_t op)
{
	return op == P_CONTROL_HARD_RESET_CLIENT_V2 ||
	    op == P_CONTROL_HARD_RESET_CLIENT_V3;
}

/* Another worker's session (its client moved): pass the packet on. */
static bool
hand_to_owner(struct worker *w, const struct peer_addr *from,
    const uint8_t *p, size_t len)
{
	int owner;

	if (w->gw->nworkers == 1 || w->in_handoff)
		return false;
	if ((owner = dir_get(w->gw->dir, from)) < 0 || owner == w->idx)
		return false;
	handoff_push(w, owner, HO_UDP, from, p, len);
	return true;
}

static void
control_input(struct worker *w, const struct peer_addr *from,
    const uint8_t *p, size_t len)
{
	struct tlscryptv2_ckey ck;
	struct tlscrypt *peer = NULL;
	struct ctl_hdr h;
	const uint8_t *body;
	size_t blen;
	struct session *s, *old = NULL;
	uint8_t op = pkt_op(p[0]);
	bool v2 = ctlwrap_mode(w->cw) == CTLWRAP_TLS_CRYPT_V2;
	bool same;

	s = session_by_addr(w, from);
	/* The sender's session id (cleartext, bytes 1..8) picks the key. */
	same = s != NULL && len > PKT_SID_LEN &&
	    CRYPTO_memcmp(p + 1, s->sid_remote, PKT_SID_LEN) == 0;
	if (same)
		peer = s->kc;
	else if (v2 && op != P_CONTROL_HARD_RESET_CLIENT_V3 &&
	    op != P_CONTROL_WKC_V1) {
		/* Without the session we have no key for this client. */
		if (s == NULL && hand_to_owner(w, from, p, len))
			return;
		w->ctr.unknown_peer++;
		return;
	}
	ck.meta_type = -1;
	if (ctlwrap_unwrap(w->cw, peer, p, len, &h, w->scratch, PKT_MAX_WIRE,
	    &body, &blen, &ck) == -1) {
		w->ctr.forged++;
		return;
	}
	if (s == NULL && !is_client_reset(h.op) &&
	    hand_to_owner(w, from, p, len))
		return;
	if (s != NULL && !same) {
		/*
		 * Another connection from the same address and port: the
		 * client restarted.  Answer its reset statelessly; replace
		 * the old session only when the new one proves itself.
		 */
		old = s;
		s = NULL;
	}
	if (s == NULL) {
		/* Shutting down: a client we told to reconnect must not get
		 * a new session from the daemon that is going away. */
		if (h.key_id != 0 || w->stopping) {
			w->ctr.unknown_peer++;
			goto out;
		}
		switch (h.op) {
		case P_CONTROL_HARD_RESET_CLIENT_V2:
			reset_reply(w, from, &h, body, blen, false);
			goto out;
		case P_CONTROL_HARD_RESET_CLIENT_V3:
			if (tlscryptv2_early_neg(h.pid)) {
				reset_reply(w, from, &h, body, blen, true);
				goto out;
			}
			if (old != NULL)
				session_close(old, "replaced by a new "
				    "connection from its address");
			old = NULL;
			if ((s = stateful_accept(w, from, &h, body, blen)) ==
			    NULL || session_take_kc(s, &ck) == -1)
				goto fail;
			break;
		case P_CONTROL_V1:
		case P_ACK_V1:
		case P_CONTROL_WKC_V1:
			if (v2 != (h.op == P_CONTROL_WKC_V1)) {
				w->ctr.unknown_peer++;
				goto out;
			}
			if ((s = cookie_accept(w, from, &h, body, blen)) == NULL)
				goto out;
			if (old != NULL)
				session_close(old, "replaced by a new "
				    "connection from its address");
			old = NULL;
			if (v2 && session_take_kc(s, &ck) == -1)
				goto fail;
			break;
		default:
			w->ctr.unknown_peer++;
			goto out;
		}
	}
	if (!replay_long_accept(&s->ctl_rx_replay, h.pid, h.ptime)) {
		w->ctr.replay++;
		goto out;
	}
	ctl_input(s, &h, body, blen);
	session_schedule(s);
 out:
	OPENSSL_cleanse(&ck, sizeof(ck));
	return;
 fail:
	if (s != NULL)
		session_close(s, "could not set up the session");
	OPENSSL_cleanse(&ck, sizeof(ck));
}

void
udp_packet(struct worker *w, const struct peer_addr *from, const uint8_t *p,
    size_t len)
{
	uint8_t op;

	w->ctr.rx_pkts++;
	w->ctr.rx_bytes += len;
	if (len < 1) {
		w->ctr.malformed++;
		return;
	}
	op = pkt_op(p[0]);
	if (op == P_DATA_V2 || op == P_DATA_V1)
		data_net_input(w, from, p, len);
	else if (pkt_is_control(op) && op != P_CONTROL_HARD_RESET_SERVER_V2)
		control_input(w, from, p, len);
	else
		w->ctr.malformed++;	/* key-method 1, server->server, junk */
}

struct rxbatch {
	struct mmsghdr		msg[RX_BATCH];
	struct iovec		iov[RX_BATCH];
	struct sockaddr_storage	from[RX_BATCH];
	uint8_t			buf[RX_BATCH][PKT_BUF];
};

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct rxbatch *rx = w->rx;
	struct peer_addr from;
	int n, i, round;

	worker_clock(w);
	for (round = 0; round < RX_ROUNDS; round++) {
		for (i = 0; i < RX_BATCH; i++) {
			rx->iov[i].iov_base = rx->buf[i];
			rx->iov[i].iov_len = PKT_BUF;
			memset(&rx->msg[i].msg_hdr, 0, sizeof(rx->msg[i].msg_hdr));
			rx->msg[i].msg_hdr.msg_name = &rx->from[i];
			rx->msg[i].msg_hdr.msg_namelen = sizeof(rx->from[i]);
			rx->msg[i].msg_hdr.msg_iov = &rx->iov[i];
			rx->msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, rx->msg, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (rx->msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				w->ctr.malformed++;
				continue;
			}
			addr_from_sockaddr(&from, &rx->from[i],
			    rx->msg[i].msg_hdr.msg_namelen);
			udp_packet(w, &from, rx->buf[i], rx->msg[i].msg_len);
		}
		tx_flush(w);
		if (n < RX_BATCH)
			break;
	}
	tx_flush(w);
	handoff_signal(w);
}

static void
tun_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint8_t *buf = w->tunbuf;
	ssize_t n;
	int i;

	worker_clock(w);
	for (i = 0; i < RX_BATCH * RX_ROUNDS; i++) {
		n = read(fd, buf, TUNGRO_HDR_LEN + PKT_BUF);
		if (n <= 0)
			break;
		w->ctr.tun_rx_pkts++;
		/* No offload is on for reads (tun.h): a single packet,
		 * whatever the header says. */
		if (n <= TUNGRO_HDR_LEN) {
			w->ctr.tun_dropped++;
			continue;
		}
		data_tun_input(w, buf + TUNGRO_HDR_LEN,
		    (size_t)n - TUNGRO_HDR_LEN);
	}
	tx_flush(w);
	handoff_signal(w);
}

/*
 * Steering for the SO_REUSEPORT group (classic BPF, run by the kernel on
 * the UDP payload): a P_DATA_V2 packet goes to socket peer_id % n, the
 * worker that owns that peer-id; anything else returns an index past the
 * group, and the kernel falls back to its 4-tuple hash, which is how the
 * session's control packets reached the worker that created it.
 */
int
udp_steer_by_peer_id(int fd, int n, char *err, size_t errlen)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),		/* A = op|kid */
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 3),		/* A = opcode */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, P_DATA_V2, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),		/* A = word 0 */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffffff),	/* peer-id */
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (uint32_t)n),
		BPF_STMT(BPF_RET | BPF_A, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),		/* hash */
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog)) == -1) {
		snprintf(err, errlen, "SO_ATTACH_REUSEPORT_CBPF: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}


/* Is the running kernel major.minor or later? */
static bool
kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) == -1 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

int
udp_worker_init(struct worker *w, char *err, size_t errlen)
{
	unsigned i;

	if ((w->rx = malloc(sizeof(*w->rx))) == NULL ||
	    (w->tunbuf = malloc(TUNGRO_HDR_LEN + PKT_BUF)) == NULL ||
	    (w->gro = calloc(1, sizeof(*w->gro))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->gro->no_udp = !kernel_at_least(6, 2);
	for (i = 0; i < TX_BATCH; i++)
		if ((w->tx.buf[i] = malloc(PKT_BUF)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	session_table_init(&w->st);
	w->reset_tokens = RESET_BURST / w->gw->nworkers;
	w->reset_refill_ms = w->now_ms;
	if (w->udp_fd >= 0 && ((w->ev_udp = event_new(w->base, w->udp_fd,
	    EV_READ | EV_PERSIST, udp_read_cb, w)) == NULL ||
	    event_add(w->ev_udp, NULL) == -1)) {
		snprintf(err, errlen, "cannot register socket events");
		return -1;
	}
	w->ev_tun = event_new(w->base, w->tun_fd, EV_READ | EV_PERSIST,
	    tun_read_cb, w);
	if (w->ev_tun == NULL || event_add(w->ev_tun, NULL) == -1) {
		snprintf(err, errlen, "cannot register socket events");
		return -1;
	}
	return 0;
}

void
udp_worker_fini(struct worker *w)
{
	unsigned i;

	if (w->ev_udp)
		event_free(w->ev_udp);
	if (w->ev_tun)
		event_free(w->ev_tun);
	w->ev_udp = w->ev_tun = NULL;
	for (i = 0; i < TX_BATCH; i++)
		free(w->tx.buf[i]);
	free(w->rx);
	free(w->tunbuf);
	free(w->gro);
}

void
counters_log(const struct counters *c, unsigned clients)
{
	log_event(1, "stats", "clients=%u rx_pkts=%llu tx_pkts=%llu "
	    "tun_rx_pkts=%llu tun_tx_pkts=%llu forged=%llu unknown_peer=%llu "
	    "malformed=%llu replay=%llu decrypt_failed=%llu spoofed_src=%llu "
	    "no_route=%llu resets=%llu resets_limited=%llu bad_cookie=%llu "
	    "handshakes_ok=%llu handshakes_failed=%llu tx_dropped=%llu "
	    "tun_dropped=%llu handoff_out=%llu handoff_dropped=%llu "
	    "c2c_dropped=%llu max_clients=%llu reneg_kicked=%llu "
	    "tcp_refused=%llu tcp_timeouts=%llu", clients,
	    (unsigned long long)c->rx_pkts, (unsigned long long)c->tx_pkts,
	    (unsigned long long)c->tun_rx_pkts,
	    (unsigned long long)c->tun_tx_pkts,
	    (unsigned long long)c->forged, (unsigned long long)c->unknown_peer,
	    (unsigned long long)c->malformed, (unsigned long long)c->replay,
	    (unsigned long long)c->decrypt_failed,
	    (unsigned long long)c->spoofed_src,
	    (unsigned long long)c->no_route, (unsigned long long)c->resets,
	    (unsigned long long)c->resets_limited,
	    (unsigned long long)c->bad_cookie,
	    (unsigned long long)c->handshakes_ok,
	    (unsigned long long)c->handshakes_failed,
	    (unsigned long long)c->tx_dropped,
	    (unsigned long long)c->tun_dropped,
	    (unsigned long long)c->handoff_out,
	    (unsigned long long)c->handoff_dropped,
	    (unsigned long long)c->c2c_dropped,
	    (unsigned long long)c->max_clients,
	    (unsigned long long)c->reneg_kicked,
	    (unsigned long long)c->tcp_refused,
	    (unsigned long long)c->tcp_timeouts);
}

void
counters_add(struct counters *sum, const struct counters *c)
{
	const uint64_t *src = (const uint64_t *)c;
	uint64_t *dst = (uint64_t *)sum;
	size_t i;

	/* Everything before hs_duration is a uint64_t counter. */
	for (i = 0; i < offsetof(struct counters, hs_duration) /
	    sizeof(uint64_t); i++)
		dst[i] += src[i];
	metrics_hist_merge(&sum->hs_duration, &c->hs_duration);
}
