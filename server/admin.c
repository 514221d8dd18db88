/*
 * The daemon's answers to the admin: the control socket's status, kick,
 * reload and stats, and the metrics snapshot.  They run in the main
 * thread and learn about sessions only by asking each worker (a command
 * that runs in the worker's thread): the workers own the sessions.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cfg.h"
#include "control.h"
#include "datachan.h"
#include "gw.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "tlsmem.h"
#include "udp.h"
#include "worker.h"

/* One worker's share of a status: its own JSON object, never shared. */
struct status_part {
	json_t		*status;
	unsigned	 rows;
};

struct status_walk {
	struct worker		*w;
	struct status_part	*part;
};

static void
status_row(struct session *s, void *arg)
{
	struct status_walk *sw = arg;
	struct worker *w = sw->w;
	const struct cfg *cfg = w->cfg;
	struct control_client row;
	struct tlsmem_peer tp;
	struct keystate *ks;
	char abuf[ADDR_STRLEN], vbuf[INET_ADDRSTRLEN], v6buf[INET6_ADDRSTRLEN];

	/* A kicked session is gone for the admin, while it waits for the
	 * client to acknowledge its RESTART/HALT. */
	if (!s->authenticated || s->kick_cmd[0] != '\0' ||
	    (ks = session_ks_ctl(s)) == NULL)
		return;
	memset(&row, 0, sizeof(row));
	memset(&tp, 0, sizeof(tp));
	tlsmem_peer_info(ks->tls, &tp);
	row.common_name = s->cn;
	row.real_address = addr_str(&s->addr, abuf);
	row.virtual_ipv4 = s->has_vip ? inaddr_str(s->vip, vbuf) : NULL;
	row.virtual_ipv6 = s->has_vip6 ? inet_ntop(AF_INET6, &s->vip6, v6buf,
	    sizeof(v6buf)) : NULL;
	row.bytes_in = s->bytes_in;
	row.bytes_out = s->bytes_out;
	row.connected_since = (int64_t)s->connected_wall;
	row.data_cipher = dc_cipher_name(s->cipher);
	row.tls_version = tp.version[0] ? tp.version : NULL;
	row.key_id = ks->key_id;
	row.last_rekey = (int64_t)w->now_wall -
	    (int64_t)((w->now_ms - ks->active_ms) / 1000);
	row.next_rekey = ks->reneg_at_ms ? (int64_t)w->now_wall +
	    ((int64_t)ks->reneg_at_ms - (int64_t)w->now_ms) / 1000 : 0;
	if (cfg->reneg_sec <= 0)
		row.next_rekey = 0;
	row.worker = (unsigned)w->idx;
	row.peer_id = s->peer_id == PKT_PEER_ID_NONE ? -1 : (int64_t)s->peer_id;
	row.platform = s->pi.plat[0] ? s->pi.plat : NULL;
	row.version = s->pi.ver[0] ? s->pi.ver : NULL;
	row.cert_serial = s->serial[0] ? s->serial : NULL;
	if (control_status_add(sw->part->status, &row) == 0)
		sw->part->rows++;
}

static void
status_in_worker(struct worker *w, void *arg)
{
	struct status_part *parts = arg;
	struct status_walk sw = { w, &parts[w->idx] };

	worker_clock(w);
	session_foreach(w, status_row, &sw);
}

static uint64_t
uptime(const struct gw *gw)
{
	uint64_t now = (uint64_t)time(NULL);

	return now > gw->start_wall ? now - gw->start_wall : 0;
}

json_t *
admin_status(struct admin *a)
{
	struct gw *gw = a->gw;
	struct control_status_hdr hdr, none;
	struct status_part *parts;
	struct wcmd *cmds;
	json_t *st = NULL, *sessions;
	unsigned rows = 0;
	int i;

	if (*a->stopping)
		return NULL;
	parts = calloc((size_t)gw->nworkers, sizeof(*parts));
	cmds = calloc((size_t)gw->nworkers, sizeof(*cmds));
	if (parts == NULL || cmds == NULL)
		goto done;
	memset(&none, 0, sizeof(none));
	for (i = 0; i < gw->nworkers; i++) {
		if ((parts[i].status = control_status_new(&none)) == NULL)
			goto done;
		cmds[i].type = WCMD_FOREACH;
		cmds[i].u.foreach.fn = status_in_worker;
		cmds[i].u.foreach.arg = parts;
	}
	if (workers_run_all(gw, cmds) == -1) {
		parts = NULL;	/* a worker may still write to them */
		cmds = NULL;
		goto done;
	}
	for (i = 0; i < gw->nworkers; i++)
		rows += parts[i].rows;
	memset(&hdr, 0, sizeof(hdr));
	hdr.now = (int64_t)time(NULL);
	hdr.uptime_s = uptime(gw);
	hdr.clients = rows;
	hdr.workers = (unsigned)gw->nworkers;
	hdr.crl_next_update = __atomic_load_n(&gw->crl_next_update,
	    __ATOMIC_RELAXED);
	hdr.has_crl = hdr.crl_next_update != 0;
	if ((st = control_status_new(&hdr)) == NULL)
		goto done;
	sessions = json_object_get(st, "sessions");
	for (i = 0; i < gw->nworkers; i++)
		json_array_extend(sessions,
		    json_object_get(parts[i].status, "sessions"));
done:
	for (i = 0; parts != NULL && i < gw->nworkers; i++)
		json_decref(parts[i].status);
	free(parts);
	free(cmds);
	return st;
}

int
admin_kick(struct admin *a, const char *target, bool halt, int *n,
    char *err, size_t errlen)
{
	struct gw *gw = a->gw;
	struct wcmd *cmds;
	int i;

	*n = 0;
	if (*a->stopping) {
		snprintf(err, errlen, "shutting down");
		return -1;
	}
	if ((cmds = calloc((size_t)gw->nworkers, sizeof(*cmds))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < gw->nworkers; i++) {
		cmds[i].type = WCMD_KICK;
		snprintf(cmds[i].u.kick.target, sizeof(cmds[i].u.kick.target),
		    "%s", target);
		cmds[i].u.kick.halt = halt;
	}
	if (workers_run_all(gw, cmds) == -1) {
		snprintf(err, errlen, "a worker did not answer in time");
		return -1;
	}
	for (i = 0; i < gw->nworkers; i++)
		*n += cmds[i].n;
	free(cmds);
	return 0;
}

int
admin_snapshot(struct admin *a, struct metrics_snapshot *snap)
{
	struct gw *gw = a->gw;
	struct counters c;
	struct wcmd *cmds;
	unsigned clients = 0;
	int i;

	if (*a->stopping)
		return -1;
	if ((cmds = calloc((size_t)gw->nworkers, sizeof(*cmds))) == NULL)
		return -1;
	for (i = 0; i < gw->nworkers; i++)
		cmds[i].type = WCMD_STATS;
	if (workers_run_all(gw, cmds) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < gw->nworkers; i++) {
		counters_add(&c, &cmds[i].ctr);
		clients += cmds[i].authenticated;
	}
	free(cmds);
	snap->now = (int64_t)time(NULL);
	snap->uptime_s = uptime(gw);
	snap->clients = clients;
	snap->workers = (unsigned)gw->nworkers;
	snap->crl_next_update = __atomic_load_n(&gw->crl_next_update,
	    __ATOMIC_RELAXED);
	snap->has_crl = snap->crl_next_update != 0;
	snap->rx_packets = c.rx_pkts;
	snap->rx_bytes = c.rx_bytes;
	snap->tx_packets = c.tx_pkts;
	snap->tx_bytes = c.tx_bytes;
	snap->tun_rx_packets = c.tun_rx_pkts;
	snap->tun_tx_packets = c.tun_tx_pkts;
	snap->forged_dropped = c.forged;
	snap->spoofed_src_dropped = c.spoofed_src;
	snap->replay_dropped = c.replay;
	snap->unknown_peer = c.unknown_peer;
	snap->malformed = c.malformed;
	snap->decrypt_failed = c.decrypt_failed;
	snap->no_route = c.no_route;
	snap->resets_sent = c.resets;
	snap->resets_limited = c.resets_limited;
	snap->bad_cookie = c.bad_cookie;
	snap->tx_dropped = c.tx_dropped;
	snap->tun_dropped = c.tun_dropped;
	snap->handoff_out = c.handoff_out;
	snap->handoff_in = c.handoff_in;
	snap->handoff_dropped = c.handoff_dropped;
	snap->c2c_dropped = c.c2c_dropped;
	snap->max_clients_refused = c.max_clients;
	snap->reneg_kicked = c.reneg_kicked;
	snap->tcp_refused = c.tcp_refused;
	snap->tcp_timeouts = c.tcp_timeouts;
	snap->handshakes_ok = c.handshakes_ok;
	for (i = 0; i < METRICS_HS_NREASONS; i++)
		snap->handshakes_failed[i] = c.hs_failed[i];
	snap->handshake_duration = c.hs_duration;
	return 0;
}

json_t *
admin_stats(struct admin *a)
{
	struct metrics_snapshot snap;

	memset(&snap, 0, sizeof(snap));
	if (admin_snapshot(a, &snap) == -1)
		return NULL;
	return metrics_stats_json(&snap);
}

/* The callbacks, as control.c and metrics.c call them. */
static json_t *
op_status(void *arg)
{
	return admin_status(arg);
}

static int
op_kick(void *arg, const char *target, bool halt, int *n, char *err,
    size_t errlen)
{
	return admin_kick(arg, target, halt, n, err, errlen);
}

static int
op_reload(void *arg, char *err, size_t errlen)
{
	struct admin *a = arg;

	return a->reload(a->reload_arg, err, errlen);
}

static json_t *
op_stats(void *arg)
{
	return admin_stats(arg);
}

static int
op_snapshot(void *arg, struct metrics_snapshot *snap)
{
	return admin_snapshot(arg, snap);
}

const struct control_ops admin_control_ops = {
	.status = op_status,
	.kick = op_kick,
	.reload = op_reload,
	.stats = op_stats,
};

const struct metrics_ops admin_metrics_ops = {
	.snapshot = op_snapshot,
};
