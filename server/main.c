/*
 * mycrypnetd: the MyCrypNet concentrator.
 *
 * Start-up order: config and PKI (all checks that can fail are done
 * before anything on the system changes), then TUN, addresses, forwarding,
 * exit NAT, the UDP socket, and the event loop.  Shutdown undoes it in
 * reverse after telling every client to reconnect.
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
#include <unistd.h>

#include "cfg.h"
#include "cfg_lex.h"
#include "ctl.h"
#include "gw.h"
#include "log.h"
#include "nat.h"
#include "netcfg.h"
#include "reliable.h"
#include "session.h"
#include "tlsauth.h"
#include "tlsmem.h"
#include "tun.h"
#include "udp.h"

/* How long shutdown waits for clients to ACK the RESTART. */
#define SHUTDOWN_LINGER_MS	1000
#define SHUTDOWN_POLL_MS	50

struct daemon_state {
	struct gw	 gw;
	struct worker	 w;
	struct netcfg	*nc;
	bool		 nat_up;
	struct event	*ev_sig[4];
	struct event	*ev_linger;
	uint64_t	 linger_until;
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

/* Loads the config and builds the TLS context: everything that validates. */
static int
load(const char *path, struct cfg **cfgp, struct tlsmem_ctx **tlsp)
{
	struct tlsmem_conf tc;
	struct tlsauth *ta;
	struct cfg *cfg;
	char err[1024];

	if ((cfg = cfg_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	memset(&tc, 0, sizeof(tc));
	tc.ca_pem = cfg->ca_pem;
	tc.cert_pem = cfg->cert_pem;
	tc.key_pem = cfg->key_pem;
	tc.crl_pem = cfg->crl_pem;
	if ((*tlsp = tlsmem_ctx_new(&tc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		cfg_free(cfg);
		return -1;
	}
	if ((ta = tlsauth_new(cfg->tls_auth_key, cfg->tls_auth_dir, cfg->auth,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: tls-auth: %s\n", path, err);
		tlsmem_ctx_free(*tlsp);
		cfg_free(cfg);
		return -1;
	}
	tlsauth_free(ta);
	*cfgp = cfg;
	return 0;
}

static bool
restart_pending(struct worker *w)
{
	struct session_table *st = &w->st;
	uint32_t i;

	for (i = 0; i < st->peer_id_cap; i++) {
		struct session *s = st->by_peer_id ? st->by_peer_id[i] : NULL;
		struct keystate *ks;

		if (s && (ks = session_ks_tx(s)) && rel_tx_outstanding(&ks->rel))
			return true;
	}
	return false;
}

static void
linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_state *d = arg;
	struct timeval tv = { 0, SHUTDOWN_POLL_MS * 1000 };

	worker_clock(&d->w);
	if (d->w.now_ms >= d->linger_until || !restart_pending(&d->w)) {
		event_base_loopexit(d->w.base, NULL);
		return;
	}
	evtimer_add(d->ev_linger, &tv);
}

static void
restart_cb(struct session *s, void *arg)
{
	if (s->authenticated)
		ctl_command(s, "RESTART");
}

struct reverify {
	struct tlsmem_ctx	*ctx;
	unsigned		 kicked;
};

static void
reverify_cb(struct session *s, void *arg)
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

/*
 * SIGHUP: re-reads the CRL.  A CRL that does not parse or is not signed
 * by our CA is refused and the one in force stays; a good one applies to
 * new handshakes at once, and clients already connected whose
 * certificate no longer verifies are disconnected now, not at their
 * next renegotiation.
 */
static void
reload_crl(struct daemon_state *d)
{
	const struct cfg *cfg = d->gw.cfg;
	struct tlsmem_conf tc;
	struct tlsmem_ctx *ctx;
	struct reverify rv;
	char err[512], *text;
	size_t len;

	if (cfg->crl_path == NULL) {
		log_warnx("reload: no crl-verify file is configured; nothing "
		    "to reload");
		return;
	}
	if (cfg_lex_read_file(cfg->crl_path, &text, &len, err,
	    sizeof(err)) == -1) {
		log_event(0, "crl-reload-failed", "file=%s reason=\"%s\" "
		    "action=\"previous CRL stays in force\"", cfg->crl_path,
		    err);
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.ca_pem = cfg->ca_pem;
	tc.cert_pem = cfg->cert_pem;
	tc.key_pem = cfg->key_pem;
	tc.crl_pem = text;
	if ((ctx = tlsmem_ctx_new(&tc, err, sizeof(err))) == NULL) {
		log_event(0, "crl-reload-failed", "file=%s reason=\"%s\" "
		    "action=\"previous CRL stays in force\"", cfg->crl_path,
		    err);
		free(text);
		return;
	}
	tlsmem_ctx_free(d->gw.tls);
	d->gw.tls = ctx;
	free(d->gw.crl_pem);
	d->gw.crl_pem = text;
	d->gw.crl_next_update = tlsmem_ctx_crl_next_update(ctx);
	worker_clock(&d->w);
	rv.ctx = ctx;
	rv.kicked = 0;
	session_foreach(&d->w, reverify_cb, &rv);
	tx_flush(&d->w);
	log_event(1, "crl-reload", "file=%s next_update=%lld kicked=%u",
	    cfg->crl_path, (long long)d->gw.crl_next_update, rv.kicked);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state *d = arg;
	struct timeval tv = { 0, SHUTDOWN_POLL_MS * 1000 };

	if (sig == SIGUSR2) {
		worker_log_stats(&d->w);
		return;
	}
	if (sig == SIGHUP) {
		log_at(1, "SIGHUP: reloading the CRL (other configuration "
		    "changes need a restart in this version)");
		reload_crl(d);
		return;
	}
	if (d->w.stopping)
		return;
	log_at(1, "%s received, telling %u client(s) to reconnect and "
	    "shutting down", strsignal((int)sig), d->w.st.count);
	d->w.stopping = true;
	worker_clock(&d->w);
	session_foreach(&d->w, restart_cb, NULL);
	tx_flush(&d->w);
	d->linger_until = d->w.now_ms + SHUTDOWN_LINGER_MS;
	evtimer_add(d->ev_linger, &tv);
}

static void
teardown(struct daemon_state *d)
{
	char err[512];

	worker_stop(&d->w);
	if (d->nat_up && nat_teardown(err, sizeof(err)) == -1)
		log_warnx("removing the NAT table: %s", err);
	if (d->gw.tun_fd >= 0)
		close(d->gw.tun_fd);	/* a non-persistent tun goes away */
	if (d->w.udp_fd >= 0)
		close(d->w.udp_fd);
	if (d->nc) {
		netcfg_forwarding_restore(d->nc);
		netcfg_close(d->nc);
	}
	pool_free(&d->gw.pool);
	tlsmem_ctx_free(d->gw.tls);
	free(d->gw.crl_pem);
	OPENSSL_cleanse(d->gw.cookie_key, sizeof(d->gw.cookie_key));
}

static int
run(const char *path)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR2 };
	struct daemon_state d;
	struct cfg *cfg;
	char err[1024], gbuf[INET_ADDRSTRLEN];
	unsigned i;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	d.gw.tun_fd = d.w.udp_fd = -1;
	if (load(path, &cfg, &d.gw.tls) == -1)
		return 1;
	log_set_verb(cfg->verb);
	d.gw.cfg = cfg;
	d.gw.crl_next_update = tlsmem_ctx_crl_next_update(d.gw.tls);
	d.w.gw = &d.gw;
	signal(SIGPIPE, SIG_IGN);

	if (RAND_bytes(d.gw.cookie_key, sizeof(d.gw.cookie_key)) != 1)
		fatalx("no randomness for the session-id cookie key");
	if (pool_init(&d.gw.pool, cfg->server_net, cfg->server_prefix) == -1)
		fatalx("cannot set up the address pool");
	d.gw.gw_addr = pool_gateway(&d.gw.pool);

	if ((d.gw.tun_fd = tun_open(cfg->dev, d.gw.tun_name, err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if ((d.nc = netcfg_open(err, sizeof(err))) == NULL ||
	    netcfg_ipv6_off(d.gw.tun_name, err, sizeof(err)) == -1 ||
	    netcfg_tun_up(d.nc, d.gw.tun_name, d.gw.gw_addr, cfg->server_prefix,
	    cfg->tun_mtu, err, sizeof(err)) == -1 ||
	    netcfg_forwarding_on(d.nc, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (!netcfg_link_exists(d.nc, cfg->exit_if))
		log_warnx("exit-interface %s does not exist (yet); the NAT "
		    "rule matches it by name once it appears", cfg->exit_if);
	if (nat_setup(cfg->exit_if, cfg->server_net, cfg->server_prefix, err,
	    sizeof(err)) == -1) {
		log_warnx("exit NAT: %s", err);
		goto out;
	}
	d.nat_up = true;
	if ((d.w.udp_fd = udp_socket(cfg, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if ((d.w.base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto out;
	}
	if (worker_start(&d.w, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d.ev_sig[i] = evsignal_new(d.w.base, sigs[i], signal_cb, &d);
		evsignal_add(d.ev_sig[i], NULL);
	}
	d.ev_linger = evtimer_new(d.w.base, linger_cb, &d);

	log_at(1, "%s up: %s/%d, NAT out of %s, listening on udp port %u",
	    d.gw.tun_name, inaddr_str(d.gw.gw_addr, gbuf), cfg->server_prefix,
	    cfg->exit_if, cfg->port);
	log_at(1, "Initialization Sequence Completed");
	event_base_dispatch(d.w.base);
	rc = 0;
out:
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (d.ev_sig[i])
			event_free(d.ev_sig[i]);
	if (d.ev_linger)
		event_free(d.ev_linger);
	if (d.w.base)
		worker_log_stats(&d.w);
	teardown(&d);
	if (d.w.base)
		event_base_free(d.w.base);
	cfg_free(cfg);
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
