/*
 * Worker threads: lifecycle, commands from the main thread, and the
 * hand-off of packets between workers.
 *
 * Hand-off queue invariant: slots [head, tail) hold packets for this
 * worker; producers (other workers) append at tail under ho->mu; the
 * consumer takes a snapshot of tail, processes [head, snapshot) without
 * the lock (producers never write below tail), then advances head.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "cookie.h"
#include "ctl.h"
#include "data.h"
#include "dir.h"
#include "log.h"
#include "reliable.h"
#include "session.h"
#include "ctlwrap.h"
#include "tlsauth.h"
#include "tlsmem.h"
#include "tcp.h"
#include "udp.h"
#include "worker.h"

#define HO_SLOTS		1024	/* a power of two */
#define SHUTDOWN_LINGER_MS	1000	/* wait this long for RESTART ACKs */
#define SHUTDOWN_POLL_MS	50

struct ho_slot {
	uint16_t		len;
	uint8_t			kind;
	struct peer_addr	from;
	uint8_t			*data;
};

struct handoff {
	pthread_mutex_t		mu;
	unsigned		head, tail;
	size_t			slot_size;
	struct ho_slot		slot[HO_SLOTS];
	uint8_t			*mem;
};

void
wdone_init(struct wdone *d, int pending)
{
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->pending = pending;
}

int
wdone_wait(struct wdone *d, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->mu);
	while (d->pending > 0 && rc == 0)
		rc = pthread_cond_timedwait(&d->cv, &d->mu, &ts);
	rc = d->pending > 0 ? -1 : 0;
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void
wdone_fini(struct wdone *d)
{
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
}

static void
wdone_one(struct wdone *d)
{
	pthread_mutex_lock(&d->mu);
	if (--d->pending == 0)
		pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void
efd_signal(int efd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: signalled. */
	if (write(efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("eventfd write");
}

static void
efd_drain(int efd)
{
	uint64_t v;

	while (read(efd, &v, sizeof(v)) > 0)
		;
}

static void
post(struct worker *w, struct wcmd *c)
{
	c->next = NULL;
	pthread_mutex_lock(&w->cmd_mu);
	if (w->cmd_tail)
		w->cmd_tail->next = c;
	else
		w->cmd_head = c;
	w->cmd_tail = c;
	pthread_mutex_unlock(&w->cmd_mu);
	efd_signal(w->cmd_efd);
}

void
worker_post(struct worker *w, struct wcmd *c)
{
	post(w, c);
}

void
worker_post_owned(struct worker *w, struct wcmd *c)
{
	c->done = NULL;		/* the worker frees it */
	post(w, c);
}

int
workers_run_all(struct gw *gw, struct wcmd *cmds)
{
	struct wdone done;
	int i, rc;

	wdone_init(&done, gw->nworkers);
	for (i = 0; i < gw->nworkers; i++) {
		cmds[i].done = &done;
		worker_post(&gw->workers[i], &cmds[i]);
	}
	if ((rc = wdone_wait(&done, WORKER_CMD_TIMEOUT_MS)) == -1)
		log_warnx("a worker did not answer within %d ms",
		    WORKER_CMD_TIMEOUT_MS);
	else
		wdone_fini(&done);
	return rc;
}

/* --- commands ------------------------------------------------------------ */

struct reverify {
	struct tlsmem_ctx	*ctx;
	int			 kicked;
};

static void
reverify_one(struct session *s, void *arg)
{
	struct reverify *rv = arg;
	char err[256], msg[300];

	if (!s->authenticated || s->cert == NULL || s->close_at_ms)
		return;
	if (tlsmem_ctx_verify(rv->ctx, s->cert, err, sizeof(err)) == 0)
		return;
	snprintf(msg, sizeof(msg), "HALT,%s", err);
	ctl_kick(s, msg, err);
	rv->kicked++;
}

struct kick {
	const char	*target;
	bool		 halt;
	int		 n;
};

static void
kick_one(struct session *s, void *arg)
{
	struct kick *k = arg;
	char abuf[ADDR_STRLEN], vbuf[INET6_ADDRSTRLEN];

	if (!s->authenticated || s->close_at_ms)
		return;
	if (strcmp(s->cn, k->target) != 0 &&
	    strcmp(addr_str(&s->addr, abuf), k->target) != 0 &&
	    !(s->has_vip && strcmp(inaddr_str(s->vip, vbuf), k->target) == 0) &&
	    !(s->has_vip6 && strcmp(inet_ntop(AF_INET6, &s->vip6, vbuf,
	    sizeof(vbuf)), k->target) == 0))
		return;
	ctl_kick(s, k->halt ? "HALT,kicked by the administrator" :
	    "RESTART,kicked by the administrator", "kicked by the administrator");
	k->n++;
}

static void
replace_one(struct session *s, void *arg)
{
	const struct wcmd *c = arg;

	if (!s->authenticated || strcmp(s->cn, c->u.replace.cn) != 0 ||
	    (s->w->idx == c->u.replace.keep_worker &&
	    s->peer_id == c->u.replace.keep_peer_id))
		return;
	/* As OpenVPN does: the old session goes quietly; telling it to
	 * reconnect would make two devices with one certificate take turns
	 * knocking each other off. */
	session_close_later(s, 0, "replaced by a new login with the same CN");
	session_schedule(s);
}

static void
restart_one(struct session *s, void *arg)
{
	if (s->authenticated)
		ctl_command(s, "RESTART");
}

static bool
restart_pending(struct worker *w)
{
	uint32_t i;

	for (i = 0; i < w->st.peer_id_cap; i++) {
		struct session *s = w->st.by_peer_id ? w->st.by_peer_id[i] : NULL;
		struct keystate *ks;

		if (s && (ks = session_ks_ctl(s)) && rel_tx_outstanding(&ks->rel))
			return true;
	}
	return false;
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { 0, SHUTDOWN_POLL_MS * 1000 };

	worker_clock(w);
	if (w->now_ms >= w->stop_by_ms || !restart_pending(w)) {
		event_base_loopexit(w->base, NULL);
		return;
	}
	evtimer_add(w->ev_stop, &tv);
}

static void
count_authenticated(struct session *s, void *arg)
{
	if (s->authenticated && s->kick_cmd[0] == '\0')
		(*(unsigned *)arg)++;
}

static void
run_cmd(struct worker *w, struct wcmd *c)
{
	struct reverify rv;
	struct kick k;
	struct timeval tv = { 0, SHUTDOWN_POLL_MS * 1000 };

	switch (c->type) {
	case WCMD_CFG:
		w->cfg = c->u.reload.cfg;
		tlsmem_ctx_free(w->tls);
		w->tls = c->u.reload.ctx;
		rv.ctx = w->tls;
		rv.kicked = 0;
		session_foreach(w, reverify_one, &rv);
		c->n = rv.kicked;
		break;
	case WCMD_STATS:
		c->ctr = w->ctr;
		c->sessions = w->st.count;
		c->authenticated = 0;
		session_foreach(w, count_authenticated, &c->authenticated);
		break;
	case WCMD_KICK:
		k.target = c->u.kick.target;
		k.halt = c->u.kick.halt;
		k.n = 0;
		session_foreach(w, kick_one, &k);
		c->n = k.n;
		break;
	case WCMD_REPLACE_CN:
		session_foreach(w, replace_one, c);
		break;
	case WCMD_SHUTDOWN:
		if (w->stopping)
			break;
		w->stopping = true;
		session_foreach(w, restart_one, NULL);
		w->stop_by_ms = w->now_ms + SHUTDOWN_LINGER_MS;
		evtimer_add(w->ev_stop, &tv);
		break;
	case WCMD_FOREACH:
		c->u.foreach.fn(w, c->u.foreach.arg);
		break;
	}
}

static void
cmd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wcmd *c, *next;

	efd_drain(w->cmd_efd);
	pthread_mutex_lock(&w->cmd_mu);
	c = w->cmd_head;
	w->cmd_head = w->cmd_tail = NULL;
	pthread_mutex_unlock(&w->cmd_mu);
	worker_clock(w);
	for (; c != NULL; c = next) {
		next = c->next;
		run_cmd(w, c);
		if (c->done)
			wdone_one(c->done);
		else
			free(c);
	}
	tx_flush(w);
	handoff_signal(w);
}

/* --- hand-off -------------------------------------------------------------- */

void
handoff_push(struct worker *src, int dst, enum ho_kind kind,
    const struct peer_addr *from, const uint8_t *p, size_t len)
{
	struct worker *d;
	struct handoff *ho;
	struct ho_slot *sl;

	if (src->in_handoff || dst < 0 || dst >= src->gw->nworkers ||
	    dst == src->idx) {
		src->ctr.handoff_dropped++;
		return;
	}
	d = &src->gw->workers[dst];
	ho = d->ho;
	if (len > ho->slot_size) {
		src->ctr.handoff_dropped++;
		return;
	}
	pthread_mutex_lock(&ho->mu);
	if (ho->tail - ho->head == HO_SLOTS) {
		pthread_mutex_unlock(&ho->mu);
		src->ctr.handoff_dropped++;
		return;
	}
	sl = &ho->slot[ho->tail % HO_SLOTS];
	sl->kind = (uint8_t)kind;
	sl->len = (uint16_t)len;
	if (from)
		sl->from = *from;
	memcpy(sl->data, p, len);
	ho->tail++;
	pthread_mutex_unlock(&ho->mu);
	src->ho_pending |= 1ull << dst;
	src->ctr.handoff_out++;
}

void
handoff_signal(struct worker *src)
{
	uint64_t p = src->ho_pending;
	int i;

	src->ho_pending = 0;
	for (i = 0; p != 0; i++, p >>= 1)
		if (p & 1)
			efd_signal(src->gw->workers[i].ho_efd);
}

static void
ho_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct handoff *ho = w->ho;
	unsigned end, i;

	efd_drain(w->ho_efd);
	worker_clock(w);
	pthread_mutex_lock(&ho->mu);
	end = ho->tail;
	pthread_mutex_unlock(&ho->mu);
	w->in_handoff = true;
	for (i = ho->head; i != end; i++) {
		struct ho_slot *sl = &ho->slot[i % HO_SLOTS];

		w->ctr.handoff_in++;
		if (sl->kind == HO_TUN)
			data_tun_input(w, sl->data, sl->len);
		else
			udp_packet(w, &sl->from, sl->data, sl->len);
	}
	w->in_handoff = false;
	pthread_mutex_lock(&ho->mu);
	ho->head = end;
	pthread_mutex_unlock(&ho->mu);
	tx_flush(w);
}

/* --- lifecycle ------------------------------------------------------------- */

static int
handoff_init(struct worker *w, size_t slot_size)
{
	struct handoff *ho;
	unsigned i;

	if ((ho = calloc(1, sizeof(*ho))) == NULL ||
	    (ho->mem = malloc(slot_size * HO_SLOTS)) == NULL) {
		free(ho);
		return -1;
	}
	pthread_mutex_init(&ho->mu, NULL);
	ho->slot_size = slot_size;
	for (i = 0; i < HO_SLOTS; i++)
		ho->slot[i].data = ho->mem + i * slot_size;
	w->ho = ho;
	return 0;
}

int
worker_init(struct worker *w, struct gw *gw, int idx, char *err,
    size_t errlen)
{
	const struct cfg *cfg = gw->cfg;
	size_t slot = (size_t)cfg->tun_mtu + 256;

	w->gw = gw;
	w->cfg = gw->cfg;
	w->idx = idx;
	pthread_mutex_init(&w->cmd_mu, NULL);
	w->cmd_efd = w->ho_efd = -1;
	if ((w->base = event_base_new()) == NULL) {
		snprintf(err, errlen, "worker %d: event_base_new failed", idx);
		return -1;
	}
	worker_clock(w);
	if (udp_worker_init(w, err, errlen) == -1 ||
	    tcp_worker_init(w, err, errlen) == -1)
		return -1;
	w->tls = tlsmem_ctx_ref(gw->tls);
	if ((w->cw = ctlwrap_from_cfg(cfg, err, errlen)) == NULL ||
	    (w->scratch = malloc(PKT_MAX_WIRE)) == NULL)
		return -1;
	if ((w->cookie = cookie_new(gw->cookie_key)) == NULL) {
		snprintf(err, errlen, "cannot create the cookie HMAC");
		return -1;
	}
	if (slot < PKT_MAX_WIRE)
		slot = PKT_MAX_WIRE;
	if (handoff_init(w, slot) == -1 ||
	    (w->cmd_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (w->ho_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "worker %d: %s", idx, strerror(errno));
		return -1;
	}
	w->ev_cmd = event_new(w->base, w->cmd_efd, EV_READ | EV_PERSIST,
	    cmd_cb, w);
	w->ev_ho = event_new(w->base, w->ho_efd, EV_READ | EV_PERSIST,
	    ho_cb, w);
	w->ev_stop = evtimer_new(w->base, stop_cb, w);
	if (w->ev_cmd == NULL || w->ev_ho == NULL || w->ev_stop == NULL ||
	    event_add(w->ev_cmd, NULL) == -1 || event_add(w->ev_ho, NULL) == -1) {
		snprintf(err, errlen, "worker %d: cannot register events", idx);
		return -1;
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

int
worker_spawn(struct worker *w, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	/* Signals are the main thread's: workers never see them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "worker %d: pthread_create: %s", w->idx,
		    strerror(rc));
		return -1;
	}
	w->running = true;
	return 0;
}

void
worker_join(struct worker *w)
{
	if (w->running)
		pthread_join(w->thread, NULL);
	w->running = false;
}

static void
close_one(struct session *s, void *arg)
{
	session_close(s, arg);
}

void
worker_fini(struct worker *w)
{
	struct wcmd *c, *next;

	if (w->gw == NULL)
		return;
	worker_clock(w);
	session_foreach(w, close_one, "server shutting down");
	tcp_worker_fini(w);
	udp_worker_fini(w);
	for (c = w->cmd_head; c != NULL; c = next) {
		next = c->next;
		if (c->done)
			wdone_one(c->done);
		else
			free(c);
	}
	if (w->ev_cmd)
		event_free(w->ev_cmd);
	if (w->ev_ho)
		event_free(w->ev_ho);
	if (w->ev_stop)
		event_free(w->ev_stop);
	if (w->cmd_efd != -1)
		close(w->cmd_efd);
	if (w->ho_efd != -1)
		close(w->ho_efd);
	if (w->ho) {
		free(w->ho->mem);
		pthread_mutex_destroy(&w->ho->mu);
		free(w->ho);
	}
	ctlwrap_free(w->cw);
	free(w->scratch);
	cookie_free(w->cookie);
	tlsmem_ctx_free(w->tls);
	session_table_free(&w->st);
	if (w->base)
		event_base_free(w->base);
	pthread_mutex_destroy(&w->cmd_mu);
	w->gw = NULL;
}
