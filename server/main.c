/*
 * mycrypnetd: the MyCrypNet concentrator.
 *
 * Start-up order: config and PKI (every check that can fail is done
 * before anything on the system changes), then the tun device (one queue
 * per worker), addresses, forwarding, exit NAT, the UDP sockets (one per
 * worker, an SO_REUSEPORT group steered by peer-id), the workers, and
 * the main thread's own event loop, which only handles signals.
 * Shutdown undoes it in reverse after the workers told every client to
 * reconnect.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cfg.h"
#include "cfg_lex.h"
#include "control.h"
#include "dir.h"
#include "gw.h"
#include "listen.h"
#include "loader.h"
#include "log.h"
#include "nat.h"
#include "netcfg.h"
#include "privdrop.h"
#include "sdnotify.h"
#include "poolfile.h"
#include "ctlwrap.h"
#include "tlsmem.h"
#include "tun.h"
#include "udp.h"
#include "worker.h"

struct daemon_state {
	struct gw		 gw;
	struct event_base	*base;
	struct netcfg		*nc;
	bool			 nat_up;
	struct event		*ev_sig[4];
	struct event		*ev_tick;
	time_t			 crl_warned;
	bool			 stopping;
	struct admin		 admin;
	struct control		*control;
	struct metrics		*metrics;
	struct loader		*loader;	/* with user: reads reloads */
	/* ifconfig-pool-persist */
	bool			 pool_loaded;	/* else never saved over */
	uint64_t		 pool_saved_gen;
	struct event		*ev_pool;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mycrypnetd --config FILE        run the concentrator "
	    "(foreground, logs to stderr)\n"
	    "       mycrypnetd --check-config FILE  validate FILE and exit "
	    "(0 = valid)\n"
	    "       mycrypnetd --version\n");
}

static void	crl_check_expiry(struct daemon_state *, bool);
static int	reload_config1(struct daemon_state *, char *, size_t);

/* The TLS settings of cfg. */
static void
tls_conf(const struct cfg *cfg, struct tlsmem_conf *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->ca_pem = cfg->ca_pem;
	tc->cert_pem = cfg->cert_pem;
	tc->key_pem = cfg->key_pem;
	tc->crl_pem = cfg->crl_pem;
	tc->tls_version_min = cfg->tls_version_min;
	tc->cipher_list = cfg->tls_cipher;
	tc->ciphersuites = cfg->tls_ciphersuites;
	tc->crl_expired_ok = !cfg->crl_expired_reject;
}

/* Loads the config and builds the TLS context: everything that validates. */
static int
load(const char *path, struct cfg **cfgp, struct tlsmem_ctx **tlsp)
{
	struct tlsmem_conf tc;
	struct ctlwrap *cw;
	struct cfg *cfg;
	char err[1024];

	if ((cfg = cfg_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tls_conf(cfg, &tc);
	if ((*tlsp = tlsmem_ctx_new(&tc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		cfg_free(cfg);
		return -1;
	}
	if ((cw = ctlwrap_from_cfg(cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		tlsmem_ctx_free(*tlsp);
		cfg_free(cfg);
		return -1;
	}
	ctlwrap_free(cw);
	*cfgp = cfg;
	return 0;
}

static void
log_stats(struct daemon_state *d)
{
	struct gw *gw = &d->gw;
	struct counters sum;
	struct wcmd *cmds;
	unsigned clients = 0;
	int i;

	if ((cmds = calloc((size_t)gw->nworkers, sizeof(*cmds))) == NULL)
		return;
	for (i = 0; i < gw->nworkers; i++)
		cmds[i].type = WCMD_STATS;
	if (workers_run_all(gw, cmds) == -1)
		return;
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < gw->nworkers; i++) {
		counters_add(&sum, &cmds[i].ctr);
		clients += cmds[i].sessions;
	}
	counters_log(&sum, clients);
	free(cmds);
}

/*
 * SIGHUP: re-reads the CRL.  A CRL that does not parse or is not signed
 * by our CA is refused and the one in force stays; a good one applies to
 * new handshakes at once, and every worker re-verifies its connected
 * clients against it, disconnecting those it revokes now, not at their
 * next renegotiation.
 */
static int
reload_config(struct daemon_state *d, char *rerr, size_t rerrlen)
{
	int rc;

	sdnotify_reloading();
	rc = reload_config1(d, rerr, rerrlen);
	sdnotify_ready(NULL);
	return rc;
}

/*
 * SIGHUP and mcnctl reload: re-read the configuration file (and with it
 * the CRL) and validate it whole; a file that fails changes nothing.
 * After a privilege drop the files are read by the privileged loader
 * (loader.h) and parsed here from its record, with the same errors.  What
 * a running daemon can change (CFG_DIR_RELOAD: push options, keepalive,
 * log level, max-clients, ciphers, renegotiation, the CA/cert/key and the
 * CRL, per-client config...) applies at once without dropping a tunnel;
 * what it cannot (device, pool, listeners, control-channel keys, user) is
 * logged as needing a restart and left as it is.  Every worker adopts the
 * new snapshot and TLS context and re-verifies its clients' certificates,
 * halting those the new CA/CRL no longer accepts.
 */
static int
reload_config1(struct daemon_state *d, char *rerr, size_t rerrlen)
{
	struct gw *gw = &d->gw;
	struct cfg *old = gw->cfg, *nw;
	struct tlsmem_conf tc;
	struct tlsmem_ctx *ctx;
	struct wcmd *cmds;
	char err[1024], changed[512];
	const char *ev;
	int i, kicked = 0, nrestart;

	if ((nw = loader_load(d->loader, old->path, err, sizeof(err))) ==
	    NULL) {
		ev = strstr(err, "crl-verify") ? "crl-reload-failed" :
		    "reload-failed";
		goto refused;
	}
	if ((nrestart = cfg_carry_restart(nw, old, changed,
	    sizeof(changed))) == -1) {
		snprintf(err, sizeof(err), "out of memory");
		ev = "reload-failed";
		cfg_free(nw);
		goto refused;
	}
	tls_conf(nw, &tc);
	if ((ctx = tlsmem_ctx_new(&tc, err, sizeof(err))) == NULL) {
		ev = strncmp(err, "crl", 3) == 0 ? "crl-reload-failed" :
		    "reload-failed";
		cfg_free(nw);
		goto refused;
	}
	if (nrestart > 0)
		log_event(1, "reload-needs-restart", "directives=\"%s\" "
		    "action=\"running values kept; restart to apply\"",
		    changed);

	if ((cmds = calloc((size_t)gw->nworkers, sizeof(*cmds))) == NULL) {
		tlsmem_ctx_free(ctx);
		cfg_free(nw);
		snprintf(rerr, rerrlen, "out of memory");
		return -1;
	}
	for (i = 0; i < gw->nworkers; i++) {
		cmds[i].type = WCMD_CFG;
		cmds[i].u.reload.cfg = nw;
		cmds[i].u.reload.ctx = tlsmem_ctx_ref(ctx);
	}
	/* On a timeout the old snapshot may still be in use: keep it. */
	if (workers_run_all(gw, cmds) == -1) {
		snprintf(rerr, rerrlen, "a worker did not answer in time");
		return -1;
	}
	for (i = 0; i < gw->nworkers; i++)
		kicked += cmds[i].n;
	free(cmds);
	tlsmem_ctx_free(gw->tls);
	gw->tls = ctx;
	gw->cfg = nw;
	cfg_free(old);
	log_set_verb(nw->verb);
	__atomic_store_n(&gw->crl_next_update, tlsmem_ctx_crl_next_update(ctx),
	    __ATOMIC_RELAXED);
	log_event(1, "reload", "file=%s kicked=%d needs_restart=%d",
	    nw->path, kicked, nrestart);
	if (nw->crl_pem != NULL)
		log_event(1, "crl-reload", "file=%s next_update=%lld kicked=%d",
		    nw->crl_path ? nw->crl_path : "inline",
		    (long long)gw->crl_next_update, kicked);
	crl_check_expiry(d, true);
	return 0;
 refused:
	log_event(0, ev, "reason=\"%s\" action=\"running configuration "
	    "and CRL stay in force\"", err);
	snprintf(rerr, rerrlen, "%s (the running configuration stays)", err);
	return -1;
}

/* The control socket's "reload": the same as SIGHUP. */
static int
reload_op(void *arg, char *err, size_t errlen)
{
	return reload_config(arg, err, errlen);
}

/*
 * An expired CRL is logged loudly, at start, on reload and every hour
 * while it lasts: with crl-expired warn clients are still let in (and what
 * the CRL lists stays revoked); with reject nobody is.
 */
static void
crl_check_expiry(struct daemon_state *d, bool always)
{
	struct gw *gw = &d->gw;
	int64_t nu = __atomic_load_n(&gw->crl_next_update, __ATOMIC_RELAXED);
	time_t now = time(NULL);
	char when[64];
	struct tm tm;

	if (nu == 0 || nu > (int64_t)now)
		return;
	if (!always && now - d->crl_warned < 3600)
		return;
	d->crl_warned = now;
	gmtime_r(&(time_t){ (time_t)nu }, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_event(0, "crl-expired", "file=%s next_update=%s policy=%s "
	    "action=\"%s\"", gw->cfg->crl_path ? gw->cfg->crl_path : "inline",
	    when, gw->cfg->crl_expired_reject ? "reject" : "warn",
	    gw->cfg->crl_expired_reject ? "every client is refused until a "
	    "fresh CRL is loaded (SIGHUP)" : "clients are still accepted; "
	    "issue a fresh CRL (mcnca gen-crl) and send SIGHUP");
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	crl_check_expiry(arg, false);
}

/* --- ifconfig-pool-persist ---------------------------------------------- */

static void
pool_warn(void *arg, const char *msg)
{
	log_warnx("ifconfig-pool-persist: %s", msg);
}

/*
 * Reads the file into the lease table at start.  Bad lines are logged and
 * skipped; only a file that exists and cannot be read stops the start.
 */
static int
pool_restore(struct daemon_state *d)
{
	struct gw *gw = &d->gw;
	const struct cfg *cfg = gw->cfg;
	struct poolmap m;
	char err[512];
	int r, n;

	if ((r = poolfile_load(cfg->pool_persist, &m, pool_warn, NULL, err,
	    sizeof(err))) == -1) {
		log_warnx("ifconfig-pool-persist: %s", err);
		return -1;
	}
	n = pool_leases_restore(&gw->leases, &m, cfg->pool_persist_sec == 0,
	    cfg->pool_persist, pool_warn, NULL);
	poolmap_free(&m);
	if (n == -1) {
		log_warnx("ifconfig-pool-persist: out of memory");
		return -1;
	}
	log_event(1, "pool-restored", "file=%s leases=%d%s",
	    cfg->pool_persist, n, r == 0 ? " new_file=yes" : "");
	d->pool_saved_gen = gw->leases.gen;
	d->pool_loaded = true;
	return 0;
}

/*
 * Writes the lease table if it changed since the last write.  The copy is
 * taken under the pool lock; the file is written outside it, on the main
 * thread, so workers never wait for the disk.
 */
static void
pool_save(struct daemon_state *d)
{
	struct gw *gw = &d->gw;
	const struct cfg *cfg = gw->cfg;
	struct poolmap m;
	char err[512];
	uint64_t gen;
	size_t i;
	int rc, n;

	if (!d->pool_loaded || cfg->pool_persist_sec == 0)
		return;
	pthread_mutex_lock(&gw->pool_mu);
	gen = gw->leases.gen;
	rc = gen == d->pool_saved_gen ? 1 :
	    pool_leases_export(&gw->leases, &m);
	pthread_mutex_unlock(&gw->pool_mu);
	if (rc == 1)
		return;
	if (rc == -1) {
		log_warnx("ifconfig-pool-persist: out of memory");
		return;
	}
	/* As OpenVPN: the IPv6 address at the same offset, if any. */
	for (i = 0; cfg->has_server6 && i < m.n; i++) {
		pool6_addr(&cfg->server6_net, (uint32_t)pool_offset(&gw->pool,
		    m.v[i].addr), &m.v[i].addr6);
		m.v[i].has_addr6 = true;
	}
	n = poolfile_save(cfg->pool_persist, &m, err, sizeof(err));
	if (n == -1)
		log_event(0, "pool-save-failed", "reason=\"%s\"", err);
	else {
		if ((size_t)n < m.n)
			log_warnx("ifconfig-pool-persist: %zu common names "
			    "cannot be written in the file's format (a ',' "
			    "or a leading '#' or ';'); left out",
			    m.n - (size_t)n);
		d->pool_saved_gen = gen;
		log_at(3, "ifconfig-pool-persist: %d leases written to %s", n,
		    cfg->pool_persist);
	}
	poolmap_free(&m);
}

static void
pool_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	pool_save(arg);
}

static void
shutdown_workers(struct daemon_state *d)
{
	struct gw *gw = &d->gw;
	int i;

	for (i = 0; i < gw->nworkers; i++) {
		struct wcmd *c = calloc(1, sizeof(*c));

		if (c == NULL)
			continue;
		c->type = WCMD_SHUTDOWN;
		worker_post_owned(&gw->workers[i], c);
	}
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state *d = arg;
	char err[512];

	switch (sig) {
	case SIGUSR2:
		log_stats(d);
		return;
	case SIGHUP:
		log_at(1, "SIGHUP: reloading the configuration and the CRL");
		reload_config(d, err, sizeof(err));
		return;
	default:
		if (d->stopping)
			return;
		log_at(1, "%s received, telling clients to reconnect and "
		    "shutting down", strsignal((int)sig));
		d->stopping = true;
		sdnotify_stopping();
		shutdown_workers(d);
		event_base_loopexit(d->base, NULL);
	}
}

/*
 * user/group: give the control socket to the group, then become the user
 * with CAP_NET_ADMIN only.  A reload's files (the config, keys, CRL) are
 * read by the privileged loader, started before; the client-config-dir
 * files, read at each connect, must stay readable by the user: checked
 * now, so a wrong mode shows at start, not at the first client.
 */
static int
drop_privileges(struct daemon_state *d, char *err, size_t errlen)
{
	const struct cfg *cfg = d->gw.cfg;
	uid_t uid;
	gid_t gid;

	if (privdrop_resolve(cfg->user, cfg->group, &uid, &gid, err,
	    errlen) == -1 ||
	    control_set_owner(d->control, (uid_t)-1, gid, err, errlen) == -1 ||
	    privdrop(cfg->user, cfg->group, false, err, errlen) == -1)
		return -1;
	if (cfg->ccd_dir != NULL && access(cfg->ccd_dir, R_OK | X_OK) == -1) {
		snprintf(err, errlen, "client-config-dir %s is not readable by "
		    "user %s: %s", cfg->ccd_dir, cfg->user, strerror(errno));
		return -1;
	}
	log_at(1, "running as user %s (uid %u, gid %u) with CAP_NET_ADMIN "
	    "only; reloads read files through the privileged loader (pid %ld)",
	    cfg->user, (unsigned)uid, (unsigned)gid,
	    (long)loader_pid(d->loader));
	return 0;
}

static const char *
listen_str(const struct cfg_listen *l, const char *proto, char buf[32])
{
	snprintf(buf, 32, " %s%s port %u", proto, l->v6 ? "6" : "", l->port);
	return buf;
}

static int
workers_count(const struct cfg *cfg)
{
	long n = cfg->workers;

	if (n == 0 && (n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	return (int)n;
}

/* The tun queues, the sockets and the workers. */
static int
setup_workers(struct daemon_state *d, char *err, size_t errlen)
{
	struct gw *gw = &d->gw;
	int fds[WORKERS_MAX], i;
	char serr[256];

	if ((gw->workers = calloc((size_t)gw->nworkers,
	    sizeof(*gw->workers))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < gw->nworkers; i++)
		gw->workers[i].udp_fd = gw->workers[i].tcp_fd =
		    gw->workers[i].tun_fd = -1;
	if (tun_open_mq(gw->cfg->dev, gw->nworkers, fds, gw->tun_name, err,
	    errlen) == -1)
		return -1;
	for (i = 0; i < gw->nworkers; i++)
		gw->workers[i].tun_fd = fds[i];
	/* Bind order is the order of the reuseport group: socket i is
	 * worker i's, which the steering program relies on. */
	for (i = 0; gw->cfg->udp.on && i < gw->nworkers; i++)
		if ((gw->workers[i].udp_fd = listen_socket(&gw->cfg->udp,
		    SOCK_DGRAM, gw->nworkers > 1, err, errlen)) == -1)
			return -1;
	/* TCP: the kernel spreads accepted connections over the group. */
	for (i = 0; gw->cfg->tcp.on && i < gw->nworkers; i++)
		if ((gw->workers[i].tcp_fd = listen_socket(&gw->cfg->tcp,
		    SOCK_STREAM, gw->nworkers > 1, err, errlen)) == -1)
			return -1;
	if (gw->nworkers > 1 && gw->cfg->udp.on) {
		if (udp_steer_by_peer_id(gw->workers[0].udp_fd, gw->nworkers,
		    serr, sizeof(serr)) == 0)
			gw->bpf_steering = true;
		else
			log_warnx("no peer-id steering (%s): data packets go "
			    "by address hash and are handed to their worker",
			    serr);
	}
	return 0;
}

static void
teardown(struct daemon_state *d)
{
	struct gw *gw = &d->gw;
	struct counters sum;
	unsigned clients = 0;
	char err[512];
	int i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; gw->workers && i < gw->nworkers; i++) {
		worker_join(&gw->workers[i]);
		counters_add(&sum, &gw->workers[i].ctr);
		clients += gw->workers[i].st.count;
	}
	if (gw->workers && gw->workers[0].gw)
		counters_log(&sum, clients);
	for (i = 0; gw->workers && i < gw->nworkers; i++) {
		worker_fini(&gw->workers[i]);
		if (gw->workers[i].udp_fd >= 0)
			close(gw->workers[i].udp_fd);
		if (gw->workers[i].tcp_fd >= 0)
			close(gw->workers[i].tcp_fd);
		/* Closing the last queue removes the non-persistent tun. */
		if (gw->workers[i].tun_fd >= 0)
			close(gw->workers[i].tun_fd);
	}
	free(gw->workers);
	/* Every session has ended: all leases are offline, newest last. */
	pool_save(d);
	if (d->nat_up && nat_teardown(err, sizeof(err)) == -1)
		log_warnx("removing the NAT table: %s", err);
	if (d->nc) {
		netcfg_forwarding_restore(d->nc);
		netcfg_close(d->nc);
	}
	dir_free(gw->dir);
	free(gw->vip_owner);
	pool_leases_free(&gw->leases);
	pool_free(&gw->pool);
	tlsmem_ctx_free(gw->tls);
	OPENSSL_cleanse(gw->cookie_key, sizeof(gw->cookie_key));
	loader_stop(d->loader);
}

static int
run(const char *path)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR2 };
	struct daemon_state d;
	struct gw *gw = &d.gw;
	struct cfg *cfg;
	char err[1024], gbuf[INET_ADDRSTRLEN], lbuf[2][32];
	struct nat_net nets[1 + CFG_MAX_ROUTES];
	unsigned i;
	int rc = 1, w;

	memset(&d, 0, sizeof(d));
	if (load(path, &cfg, &gw->tls) == -1)
		return 1;
	log_set_verb(cfg->verb);
	gw->cfg = cfg;
	gw->nworkers = workers_count(cfg);
	gw->start_wall = (uint64_t)time(NULL);
	gw->crl_next_update = tlsmem_ctx_crl_next_update(gw->tls);
	pthread_mutex_init(&gw->pool_mu, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * With user, reloads need a reader that keeps root's file access.
	 * Forked first, while no thread runs and little is open or secret
	 * (not even the cookie key).
	 */
	if (cfg->user != NULL && (d.loader = loader_start(path, err,
	    sizeof(err))) == NULL) {
		log_warnx("privileged loader: %s", err);
		goto out;
	}

	if (RAND_bytes(gw->cookie_key, sizeof(gw->cookie_key)) != 1)
		fatalx("no randomness for the session-id cookie key");
	if (pool_init(&gw->pool, cfg->server_net, cfg->server_prefix) == -1 ||
	    pool_leases_init(&gw->leases, &gw->pool) == -1 ||
	    (gw->vip_owner = calloc(gw->pool.size, 1)) == NULL ||
	    (gw->dir = dir_new()) == NULL)
		fatalx("cannot set up the address pool");
	gw->gw_addr = pool_gateway(&gw->pool);
	if (cfg->pool_persist != NULL && pool_restore(&d) == -1)
		goto out;

	if (setup_workers(&d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	/* Without server-ipv6 the tun carries IPv4 only: no link-local
	 * address, no router solicitations. */
	if ((d.nc = netcfg_open(err, sizeof(err))) == NULL ||
	    (!cfg->has_server6 &&
	    netcfg_ipv6_off(gw->tun_name, err, sizeof(err)) == -1) ||
	    netcfg_tun_up(d.nc, gw->tun_name, gw->gw_addr, cfg->server_prefix,
	    cfg->tun_mtu, err, sizeof(err)) == -1 ||
	    netcfg_forwarding_on(d.nc, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (cfg->has_server6) {
		struct in6_addr gw6;

		pool6_gateway(&cfg->server6_net, &gw6);
		if (netcfg_tun_addr6(d.nc, gw->tun_name, &gw6,
		    cfg->server6_prefix, err, sizeof(err)) == -1 ||
		    netcfg_forwarding6_on(d.nc, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			goto out;
		}
	}
	for (i = 0; i < cfg->nroutes; i++) {
		char nbuf[INET_ADDRSTRLEN];

		if (netcfg_route_add(d.nc, gw->tun_name, cfg->routes[i].net,
		    cfg->routes[i].prefix, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			goto out;
		}
		log_at(1, "route %s/%d into %s (for clients' iroutes)",
		    inaddr_str(cfg->routes[i].net, nbuf),
		    cfg->routes[i].prefix, gw->tun_name);
	}
	if (!netcfg_link_exists(d.nc, cfg->exit_if))
		log_warnx("exit-interface %s does not exist (yet); the NAT "
		    "rule matches it by name once it appears", cfg->exit_if);
	/* The tunnel subnet, then the networks behind clients. */
	nets[0].net = cfg->server_net;
	nets[0].prefix = cfg->server_prefix;
	for (i = 0; i < cfg->nroutes; i++) {
		nets[i + 1].net = cfg->routes[i].net;
		nets[i + 1].prefix = cfg->routes[i].prefix;
	}
	if (nat_setup_nets(cfg->exit_if, nets, cfg->nroutes + 1, err,
	    sizeof(err)) == -1) {
		log_warnx("exit NAT: %s", err);
		goto out;
	}
	d.nat_up = true;
	if (cfg->has_server6 && nat_setup6(cfg->exit_if, &cfg->server6_net,
	    cfg->server6_prefix, err, sizeof(err)) == -1) {
		log_warnx("exit NAT66: %s", err);
		goto out;
	}
	for (w = 0; w < gw->nworkers; w++)
		if (worker_init(&gw->workers[w], gw, w, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			goto out;
		}
	if ((d.base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto out;
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d.ev_sig[i] = evsignal_new(d.base, sigs[i], signal_cb, &d);
		evsignal_add(d.ev_sig[i], NULL);
	}
	if (cfg->pool_persist != NULL && cfg->pool_persist_sec > 0) {
		struct timeval tv = { cfg->pool_persist_sec, 0 };

		if ((d.ev_pool = event_new(d.base, -1, EV_PERSIST,
		    pool_timer_cb, &d)) == NULL ||
		    event_add(d.ev_pool, &tv) == -1) {
			log_warnx("ifconfig-pool-persist: cannot set up the "
			    "timer");
			goto out;
		}
	}
	d.admin.gw = gw;
	d.admin.stopping = &d.stopping;
	d.admin.reload = reload_op;
	d.admin.reload_arg = &d;
	if ((d.control = control_new(d.base, cfg->control_socket ?
	    cfg->control_socket : CONTROL_SOCKET_DEFAULT, &admin_control_ops,
	    &d.admin, err, sizeof(err))) == NULL) {
		log_warnx("control socket: %s", err);
		goto out;
	}
	if (cfg->metrics_listen != NULL && (d.metrics = metrics_new(d.base,
	    cfg->metrics_listen, &admin_metrics_ops, &d.admin, err,
	    sizeof(err))) == NULL) {
		log_warnx("metrics-listen %s: %s", cfg->metrics_listen, err);
		goto out;
	}
	/* Everything privileged is open and no thread runs yet: drop. */
	if (cfg->user != NULL && drop_privileges(&d, err, sizeof(err)) == -1) {
		log_warnx("privilege drop: %s", err);
		goto out;
	}
	for (w = 0; w < gw->nworkers; w++)
		if (worker_spawn(&gw->workers[w], err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			shutdown_workers(&d);
			goto out;
		}

	log_at(1, "%s up: %s/%d, NAT out of %s, listening on%s%s%s, "
	    "%d worker%s%s", gw->tun_name, inaddr_str(gw->gw_addr, gbuf),
	    cfg->server_prefix, cfg->exit_if,
	    cfg->udp.on ? listen_str(&cfg->udp, "udp", lbuf[0]) : "",
	    cfg->udp.on && cfg->tcp.on ? " and" : "",
	    cfg->tcp.on ? listen_str(&cfg->tcp, "tcp", lbuf[1]) : "",
	    gw->nworkers, gw->nworkers == 1 ? "" : "s",
	    gw->bpf_steering ? " (peer-id steering)" : "");
	log_at(1, "Initialization Sequence Completed");
	if (sdnotify_ready("serving") == -1)
		log_warn("sd_notify READY");
	crl_check_expiry(&d, true);
	if ((d.ev_tick = event_new(d.base, -1, EV_PERSIST, tick_cb, &d)) != NULL)
		event_add(d.ev_tick, &(struct timeval){ 60, 0 });
	event_base_dispatch(d.base);
	rc = 0;
out:
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (d.ev_sig[i])
			event_free(d.ev_sig[i]);
	if (d.ev_pool)
		event_free(d.ev_pool);
	if (d.ev_tick)
		event_free(d.ev_tick);
	if (d.control)
		control_free(d.control);
	if (d.metrics)
		metrics_free(d.metrics);
	teardown(&d);
	if (d.base)
		event_base_free(d.base);
	pthread_mutex_destroy(&gw->pool_mu);
	cfg_free(gw->cfg);	/* the newest snapshot: reloads replace it */
	if (rc == 0)
		log_at(1, "exited cleanly");
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *check = NULL;
	struct tlsmem_ctx *tls;
	struct cfg *cfg;
	int ch;

	log_init(1, "mycrypnetd");
	while ((ch = getopt_long(argc, argv, "c:n:Vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			check = optarg;
			break;
		case 'V':
			printf("mycrypnetd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (config == NULL) == (check == NULL)) {
		usage(stderr);
		return 2;
	}
	if (check != NULL) {
		if (load(check, &cfg, &tls) == -1)
			return 1;
		printf("%s: configuration OK\n", check);
		tlsmem_ctx_free(tls);
		cfg_free(cfg);
		return 0;
	}
	return run(config);
}
