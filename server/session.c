/*
 * Sessions and the worker's lookup tables.
 */
#include "config.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "data.h"
#include "dir.h"
#include "gw.h"
#include "log.h"
#include "session.h"
#include "tcp.h"
#include "tlscrypt.h"

#define ADDR_BUCKETS_INITIAL	1024
#define PEER_IDS_INITIAL	256

static void	session_timer_cb(evutil_socket_t, short, void *);

void
session_table_init(struct session_table *st)
{
	memset(st, 0, sizeof(*st));
}

void
session_table_free(struct session_table *st)
{
	free(st->by_addr);
	free(st->by_peer_id);
	free(st->by_vip);
	memset(st, 0, sizeof(*st));
}

static int
table_ensure(struct worker *w)
{
	struct session_table *st = &w->st;

	if (st->by_addr == NULL) {
		st->by_addr = calloc(ADDR_BUCKETS_INITIAL, sizeof(*st->by_addr));
		st->addr_mask = ADDR_BUCKETS_INITIAL - 1;
	}
	if (st->by_vip == NULL)
		st->by_vip = calloc(w->gw->pool.size, sizeof(*st->by_vip));
	if (st->by_peer_id == NULL) {
		st->by_peer_id = calloc(PEER_IDS_INITIAL,
		    sizeof(*st->by_peer_id));
		st->peer_id_cap = PEER_IDS_INITIAL;
	}
	return st->by_addr && st->by_vip && st->by_peer_id ? 0 : -1;
}

/* Doubles the address hash when it gets crowded. */
static void
addr_table_grow(struct session_table *st)
{
	uint32_t n = (st->addr_mask + 1) * 2, i;
	struct session **nb, *s, *next;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* keep the old, longer chains */
	for (i = 0; i <= st->addr_mask; i++)
		for (s = st->by_addr[i]; s != NULL; s = next) {
			uint32_t h = addr_hash(&s->addr) & (n - 1);

			next = s->hnext;
			s->hnext = nb[h];
			nb[h] = s;
		}
	free(st->by_addr);
	st->by_addr = nb;
	st->addr_mask = n - 1;
}

static void
addr_link(struct session_table *st, struct session *s)
{
	uint32_t h = addr_hash(&s->addr) & st->addr_mask;

	s->hnext = st->by_addr[h];
	st->by_addr[h] = s;
}

static void
addr_unlink(struct session_table *st, struct session *s)
{
	struct session **pp = &st->by_addr[addr_hash(&s->addr) & st->addr_mask];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == s) {
			*pp = s->hnext;
			s->hnext = NULL;
			return;
		}
}

struct session *
session_new(struct worker *w, const struct peer_addr *addr,
    const uint8_t sid_local[PKT_SID_LEN], const uint8_t sid_remote[PKT_SID_LEN],
    unsigned flags)
{
	bool stateful = (flags & SESSION_STATEFUL) != 0;
	struct session *s;

	if (table_ensure(w) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->w = w;
	s->addr = *addr;
	s->peer_id = PKT_PEER_ID_NONE;
	memcpy(s->sid_local, sid_local, PKT_SID_LEN);
	memcpy(s->sid_remote, sid_remote, PKT_SID_LEN);
	/* After a cookie handshake replay id 1 went out with the stateless
	 * reset, and our message 0 was that reset. */
	s->ctl_tx_pid = stateful ? 1 : 2;
	s->wkc_meta_type = -1;
	s->ctl_tx_time = (uint32_t)w->now_wall;
	replay_long_init(&s->ctl_rx_replay);
	s->created_ms = s->last_rx_ms = s->last_tx_ms = w->now_ms;
	s->connected_wall = w->now_wall;
	if ((s->ks[0] = ks_new(s, 0, stateful ? 0 : 1,
	    stateful ? 0 : 1)) == NULL ||
	    (stateful && rel_tx_queue(&s->ks[0]->rel,
	    P_CONTROL_HARD_RESET_SERVER_V2, NULL, 0) < 0) ||
	    (s->timer = evtimer_new(w->base, session_timer_cb, s)) == NULL) {
		if (s->ks[0])
			ks_free(s->ks[0]);
		free(s);
		return NULL;
	}
	if (flags & SESSION_TCP)
		s->tcp_flag = true;	/* its connection is attached next */
	else {
		if (w->st.count + 1 > (w->st.addr_mask + 1) * 2)
			addr_table_grow(&w->st);
		addr_link(&w->st, s);
		dir_set(w->gw->dir, &s->addr, w->idx);
	}
	s->all_next = w->st.all;
	if (w->st.all)
		w->st.all->all_prev = s;
	w->st.all = s;
	w->st.count++;
	__atomic_add_fetch(&w->gw->nsessions, 1, __ATOMIC_RELAXED);
	return s;
}

/*
 * The virtual address comes from the one pool shared by all workers; the
 * owner table tells a worker that reads a packet for it from the tun
 * which worker to hand it to.  The peer-id is this worker's: peer_id %
 * nworkers == idx, which is what the kernel's socket steering uses.
 */
int
session_assign(struct session *s)
{
	struct worker *w = s->w;
	struct gw *gw = w->gw;
	struct session_table *st = &w->st;
	char from[POOL_LEASE_CN_MAX + 1], vbuf[INET_ADDRSTRLEN];
	enum pool_lease_how how;
	bool takeover = !w->cfg->duplicate_cn;
	int64_t prev[CCD_MAX_IROUTE];	/* iroute_claim's answers */
	uint32_t i;
	int64_t off;

	/*
	 * The session is the lease's holder.  Without duplicate-cn the CN's
	 * old session is about to be replaced (replace_same_cn): its
	 * address passes to this one, and the old session's release later
	 * frees nothing.
	 */
	pthread_mutex_lock(&gw->pool_mu);
	if (s->ccd.has_ifconfig) {
		s->vip = s->ccd.ifconfig_addr;
		how = pool_lease_acquire_addr(&gw->leases, s->cn, (uintptr_t)s,
		    takeover, s->vip, from);
	} else
		how = pool_lease_acquire(&gw->leases, s->cn, (uintptr_t)s,
		    takeover, &s->vip, from);
	if (how != POOL_LEASE_FULL) {
		off = pool_offset(&gw->pool, s->vip);
		__atomic_store_n(&gw->vip_owner[off], (uint8_t)(w->idx + 1),
		    __ATOMIC_RELEASE);
		/* A session of the CN that held the address may have had
		 * other networks behind it. */
		iroute_release(&gw->iroutes, off);
		for (i = 0; i < s->ccd.niroute; i++)
			prev[i] = iroute_claim(&gw->iroutes,
			    s->ccd.iroute[i].net, s->ccd.iroute[i].prefix, off);
	}
	pthread_mutex_unlock(&gw->pool_mu);
	if (how == POOL_LEASE_FULL)
		return -1;
	for (i = 0; i < s->ccd.niroute; i++) {
		char nbuf[INET_ADDRSTRLEN], pbuf[INET_ADDRSTRLEN];
		struct in_addr pa;

		inaddr_str(s->ccd.iroute[i].net, nbuf);
		if (prev[i] == -1)
			log_event(0, "iroute-full", "cn=%s net=%s/%d reason=\"no "
			    "room for more than %d networks behind clients: "
			    "not routed to this client\"", s->cn, nbuf,
			    s->ccd.iroute[i].prefix, IROUTE_MAX);
		else if (prev[i] > 0) {
			pa.s_addr = htonl(gw->pool.net + (uint32_t)(prev[i] - 1));
			log_event(1, "iroute-moved", "cn=%s net=%s/%d "
			    "from_vip=%s", s->cn, nbuf,
			    s->ccd.iroute[i].prefix, inaddr_str(pa, pbuf));
		}
	}
	if (how == POOL_LEASE_TAKEN)
		log_event(1, "lease-reassigned", "cn=%s vip=%s from_cn=%s",
		    s->cn, inaddr_str(s->vip, vbuf), from);
	s->has_vip = true;
	off = pool_offset(&gw->pool, s->vip);
	st->by_vip[off] = s;
	if (w->cfg->has_server6) {
		pool6_addr(&w->cfg->server6_net, (uint32_t)off, &s->vip6);
		s->has_vip6 = true;
	}

	for (i = 0; i < st->peer_id_cap; i++)
		if (st->by_peer_id[i] == NULL)
			break;
	if (i == st->peer_id_cap) {
		uint32_t ncap = st->peer_id_cap * 2;
		struct session **n = realloc(st->by_peer_id,
		    ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		memset(n + st->peer_id_cap, 0,
		    (ncap - st->peer_id_cap) * sizeof(*n));
		st->by_peer_id = n;
		st->peer_id_cap = ncap;
	}
	st->by_peer_id[i] = s;
	s->peer_id = i * (uint32_t)gw->nworkers + (uint32_t)w->idx;
	if (s->peer_id > PKT_PEER_ID_MAX)
		return -1;
	return 0;
}

void
session_close_later(struct session *s, uint64_t delay_ms, const char *reason)
{
	uint64_t t = s->w->now_ms + delay_ms;

	/* The earliest close wins, and with it its reason. */
	if (s->close_at_ms == 0 || t < s->close_at_ms) {
		s->close_at_ms = t;
		snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	}
}

void
session_close(struct session *s, const char *reason)
{
	struct worker *w = s->w;
	struct session_table *st = &w->st;
	char abuf[ADDR_STRLEN], vbuf[INET_ADDRSTRLEN];
	int i;

	if (s->authenticated)
		log_event(1, "disconnect", "cn=%s addr=%s vip=%s reason=\"%s\" "
		    "bytes_in=%llu bytes_out=%llu duration=%llus", s->cn,
		    addr_str(&s->addr, abuf),
		    s->has_vip ? inaddr_str(s->vip, vbuf) : "-", reason,
		    (unsigned long long)s->bytes_in,
		    (unsigned long long)s->bytes_out,
		    (unsigned long long)(w->now_wall - s->connected_wall));
	else
		log_at(3, "session %s closed before authentication: %s",
		    addr_str(&s->addr, abuf), reason);
	if (!s->tcp_flag) {
		addr_unlink(st, s);
		dir_del(w->gw->dir, &s->addr, w->idx);
	} else if (s->tcp != NULL)
		tcp_session_closed(s);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		st->all = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	if (s->has_vip) {
		struct gw *gw = w->gw;
		int64_t off = pool_offset(&gw->pool, s->vip);

		if (off >= 0 && st->by_vip[off] == s)
			st->by_vip[off] = NULL;
		pthread_mutex_lock(&gw->pool_mu);
		/* Not if a new session of the CN took the address over. */
		if (pool_lease_release(&gw->leases, s->vip, (uintptr_t)s) &&
		    off >= 0) {
			__atomic_store_n(&gw->vip_owner[off], 0,
			    __ATOMIC_RELEASE);
			iroute_release(&gw->iroutes, off);
		}
		pthread_mutex_unlock(&gw->pool_mu);
	}
	if (s->peer_id != PKT_PEER_ID_NONE) {
		uint32_t slot = s->peer_id / (uint32_t)w->gw->nworkers;

		if (slot < st->peer_id_cap && st->by_peer_id[slot] == s)
			st->by_peer_id[slot] = NULL;
	}
	for (i = 0; i < SESSION_KS_MAX; i++)
		if (s->ks[i])
			ks_free(s->ks[i]);
	if (s->cert)
		tlsmem_cert_free(s->cert);
	ccd_free(&s->ccd);
	if (s->kc)
		tlscrypt_free(s->kc);
	event_free(s->timer);
	st->count--;
	__atomic_sub_fetch(&w->gw->nsessions, 1, __ATOMIC_RELAXED);
	free(s);
}

struct session *
session_by_addr(struct worker *w, const struct peer_addr *a)
{
	struct session *s;

	if (w->st.by_addr == NULL)
		return NULL;
	for (s = w->st.by_addr[addr_hash(a) & w->st.addr_mask]; s != NULL;
	    s = s->hnext)
		if (addr_eq(&s->addr, a))
			return s;
	return NULL;
}

struct session *
session_by_peer_id(struct worker *w, uint32_t peer_id)
{
	uint32_t n = (uint32_t)w->gw->nworkers, i = peer_id / n;

	if (peer_id % n != (uint32_t)w->idx || i >= w->st.peer_id_cap)
		return NULL;
	return w->st.by_peer_id[i];
}

struct session *
session_by_vip_off(struct worker *w, int64_t off)
{
	if (w->st.by_vip == NULL || off < 0 || off >= w->gw->pool.size)
		return NULL;
	return w->st.by_vip[off];
}

struct session *
session_by_vip(struct worker *w, struct in_addr a)
{
	int64_t off;

	if (w->st.by_vip == NULL ||
	    (off = pool_offset(&w->gw->pool, a)) < 0)
		return NULL;
	return w->st.by_vip[off];
}

void
session_move(struct session *s, const struct peer_addr *to)
{
	addr_unlink(&s->w->st, s);
	dir_del(s->w->gw->dir, &s->addr, s->w->idx);
	s->addr = *to;
	addr_link(&s->w->st, s);
	dir_set(s->w->gw->dir, &s->addr, s->w->idx);
}

struct keystate *
session_ks(struct session *s, uint8_t key_id)
{
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++)
		if (s->ks[i] && s->ks[i]->key_id == key_id)
			return s->ks[i];
	return NULL;
}

/*
 * Whether the client can decrypt what we send on ks, latched once true:
 * everything we sent on it is ACKed, or the client sent us data on it.
 * (ks->pkts counts both directions, but nothing is sent on ks before
 * this is true.)  Without the second, a lost ACK of our last control
 * message, the PUSH_REPLY, would keep a new client's only key from
 * carrying anything to it until our retransmission is ACKed.
 */
bool
session_ks_tx_ready(struct keystate *ks)
{
	if (!ks->tx_ready && ks->state == KS_ACTIVE && ks->dc != NULL &&
	    (ks->pkts > 0 || (!rel_tx_outstanding(&ks->rel) &&
	    tlsmem_out_pending(ks->tls) == 0)))
		ks->tx_ready = true;
	return ks->tx_ready;
}

/*
 * The newest key the client can decrypt; until a new one is ready the
 * previous key (the lame duck) keeps carrying the traffic.
 */
struct keystate *
session_ks_tx(struct session *s)
{
	struct keystate *ks;
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++) {
		if ((ks = s->ks[i]) == NULL || ks->state != KS_ACTIVE ||
		    ks->dc == NULL)
			continue;
		if (session_ks_tx_ready(ks))
			return ks;
	}
	return NULL;
}

struct keystate *
session_ks_ctl(struct session *s)
{
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++)
		if (s->ks[i] && s->ks[i]->state == KS_ACTIVE)
			return s->ks[i];
	return NULL;
}

static uint64_t
session_deadline(struct session *s)
{
	const struct cfg *cfg = s->w->cfg;
	uint64_t t = ctl_deadline(s), d;

	if (s->close_at_ms && s->close_at_ms < t)
		t = s->close_at_ms;
	/* Peer silent past ping-restart (server side: twice the pushed). */
	if (cfg->ping_restart > 0) {
		d = s->last_rx_ms + (uint64_t)cfg->ping_restart * 1000;
		if (d < t)
			t = d;
	}
	if (s->pushed && cfg->ping > 0) {
		d = s->last_tx_ms + (uint64_t)cfg->ping * 1000;
		if (d < t)
			t = d;
	}
	return t;
}

void
session_schedule(struct session *s)
{
	uint64_t t = session_deadline(s), now = s->w->now_ms;
	struct timeval tv;

	if (t <= now)
		t = now;
	t -= now;
	tv.tv_sec = (time_t)(t / 1000);
	tv.tv_usec = (suseconds_t)((t % 1000) * 1000);
	evtimer_add(s->timer, &tv);
}

static void
session_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct worker *w = s->w;
	const struct cfg *cfg = w->cfg;

	worker_clock(w);
	if (s->close_at_ms && s->close_at_ms <= w->now_ms) {
		session_close(s, s->close_reason);
		tx_flush(w);
		return;
	}
	if (cfg->ping_restart > 0 &&
	    w->now_ms >= s->last_rx_ms + (uint64_t)cfg->ping_restart * 1000) {
		session_close(s, "ping-restart: peer silent");
		tx_flush(w);
		return;
	}
	ctl_timer(s);
	if (s->close_at_ms && s->close_at_ms <= w->now_ms) {
		session_close(s, s->close_reason);
		tx_flush(w);
		return;
	}
	data_keepalive(s);
	tx_flush(w);
	session_schedule(s);
}

void
session_foreach(struct worker *w, void (*fn)(struct session *, void *),
    void *arg)
{
	struct session *s, *next;

	/* fn may close s (not others): take the next one first. */
	for (s = w->st.all; s != NULL; s = next) {
		next = s->all_next;
		fn(s, arg);
	}
}
