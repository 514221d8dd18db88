/*
 * mcnload -- thousands of OpenVPN 2.6 clients at the protocol level, from
 * one process and one thread, against mycrypnetd or OpenVPN 2.6 alike.
 * See mcnload.h for how the files fit and `mcnload -h` for the modes.
 *
 * A run goes through phases: CONNECT (clients start through a window of
 * --concurrency handshakes in flight), RUN (--duration of idle, steady
 * or blast traffic), DRAIN (the last echoes), EXIT (EXIT or OCC_EXIT,
 * ACKs awaited for --exit-wait), then the report.  SIGINT/SIGTERM skip
 * to EXIT; a second one ends at once.
 */
#include "config.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mcnload.h"
#include "pkt.h"
#include "statickey.h"
#include "tlsauth.h"
#include "tlsmem.h"

#define PEM_MAX		(256 * 1024)

/* ---- set-up ----------------------------------------------------------- */

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(PEM_MAX)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, PEM_MAX - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (lenp)
		*lenp = n;
	return buf;
}

static struct tlsmem_ctx *
tls_ctx_for(const struct mcn_conf *cf, const char *ca, const char *cert,
    const char *key, char *err, size_t errlen)
{
	struct tlsmem_conf tc;
	char *certpem, *keypem;
	struct tlsmem_ctx *ctx = NULL;

	if ((certpem = read_file(cert, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", cert, strerror(errno));
		return NULL;
	}
	if ((keypem = read_file(key, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", key, strerror(errno));
		free(certpem);
		return NULL;
	}
	memset(&tc, 0, sizeof(tc));
	tc.ca_pem = ca;
	tc.cert_pem = certpem;
	tc.key_pem = keypem;
	tc.tls_version_min = cf->tls_min;
	ctx = tlsmem_ctx_new_client(&tc, err, errlen);
	free(certpem);
	free(keypem);
	return ctx;
}

static int
setup(struct mcn *m, const struct mcn_conf *cf)
{
	struct peer_info_conf pic;
	uint8_t key[STATICKEY_LEN];
	char err[256], path[2][4096], *ta, *ca;
	struct rlimit rl;
	size_t len;
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->conf = cf;
	m->n = cf->nclients;
	m->gso = cf->mode == MODE_BLAST && !cf->no_gso;
	m->adapt.rate = cf->rate > 0 ? cf->rate : 10000;
	if ((ta = read_file(cf->ta_file, &len)) == NULL) {
		fprintf(stderr, "mcnload: %s: %s\n", cf->ta_file, strerror(errno));
		return -1;
	}
	if (statickey_parse(ta, len, key, err, sizeof(err)) == -1 ||
	    (m->ta = tlsauth_new(key, cf->key_dir, cf->auth, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "mcnload: %s: %s\n", cf->ta_file, err);
		free(ta);
		return -1;
	}
	free(ta);
	if ((ca = read_file(cf->ca, NULL)) == NULL) {
		fprintf(stderr, "mcnload: %s: %s\n", cf->ca, strerror(errno));
		return -1;
	}
	if ((m->c = calloc(m->n, sizeof(*m->c))) == NULL ||
	    (m->st.connect_ns = calloc(m->n, sizeof(uint64_t))) == NULL) {
		fprintf(stderr, "mcnload: out of memory for %u clients\n", m->n);
		free(ca);
		return -1;
	}
	if (cf->cert_dir == NULL && (m->tls = tls_ctx_for(cf, ca, cf->cert,
	    cf->key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mcnload: %s\n", err);
		free(ca);
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		struct client *c = &m->c[i];

		c->idx = i;
		c->fd = -1;
		c->heap_pos = UINT32_MAX;
		c->next_ms = UINT64_MAX;
		if (cf->cert_dir == NULL)
			continue;
		/* Built before the clock starts: not part of the storm. */
		snprintf(path[0], sizeof(path[0]), "%s/client%u.crt",
		    cf->cert_dir, cf->cert_base + i);
		snprintf(path[1], sizeof(path[1]), "%s/client%u.key",
		    cf->cert_dir, cf->cert_base + i);
		if ((c->tls_ctx = tls_ctx_for(cf, ca, path[0], path[1], err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "mcnload: client %u: %s\n", i + 1, err);
			free(ca);
			return -1;
		}
	}
	free(ca);

	if (mcn_occ_options(m->options, sizeof(m->options), cf->tun_mtu,
	    cf->key_dir, cf->auth, tlsauth_hmac_len(m->ta)) == -1)
		return -1;
	pic.ver = cf->iv_ver;
	pic.plat = cf->iv_plat;
	pic.mtu = cf->tun_mtu + 100;
	pic.ciphers = cf->ciphers;
	pic.proto = cf->iv_proto;
	if (mcn_peer_info(m->peer_info, sizeof(m->peer_info), &pic) == -1) {
		fprintf(stderr, "mcnload: peer-info too long\n");
		return -1;
	}
	/* TLS bytes per P_CONTROL_V1 so the packet fits 1250 with IP/UDP. */
	m->chunk = PKT_CTL_MAX_UDP - 1 - PKT_SID_LEN -
	    tlsauth_overhead(m->ta) - pkt_ack_size(PKT_ACK_MAX_ON_CONTROL) - 4;

	/* One descriptor per client, plus epoll, signalfd and stdio. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < m->n + 16) {
		fprintf(stderr, "mcnload: %u clients need %u descriptors, the "
		    "limit is %llu\n", m->n, m->n + 16,
		    (unsigned long long)rl.rlim_cur);
		return -1;
	}
	if (RAND_bytes((uint8_t *)&m->run_id, sizeof(m->run_id)) != 1 ||
	    loop_init(m) == -1) {
		fprintf(stderr, "mcnload: cannot set up the event loop: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
teardown(struct mcn *m)
{
	unsigned i;

	for (i = 0; m->c != NULL && i < m->n; i++) {
		if (m->loop != NULL)
			client_free(m, &m->c[i]);
		tlsmem_ctx_free(m->c[i].tls_ctx);
	}
	loop_free(m);
	tlsmem_ctx_free(m->tls);
	tlsauth_free(m->ta);
	free(m->st.connect_ns);
	free(m->c);
}

/* ---- the phase machine ------------------------------------------------ */

void
mcn_client_up(struct mcn *m, struct client *c)
{
	m->n_hs--;
	m->n_up++;
	c->t_up_ns = m->now_ns;
	m->st.connect_ns[m->st.n_connect++] = m->now_ns - c->t_start_ns;
	m->st.t_last_up_ns = m->now_ns;
	if (m->phase == PH_RUN) {
		c->tok_ms = c->last_echo_ms = m->now_ms;
		timer_update(m, c);
	}
}

void
mcn_client_ended(struct mcn *m, struct client *c, enum cstate old)
{
	if (old < CS_UP)
		m->n_hs--;
	else if (old == CS_UP)
		m->n_up--;
	else if (old == CS_EXIT)
		m->n_exiting--;
	m->n_ended++;
	if (c->state == CS_FAILED && old >= CS_UP)
		m->st.fail_run++;
}

void
mcn_client_exiting(struct mcn *m)
{
	m->n_up--;
	m->n_exiting++;
}

void
mcn_signal(struct mcn *m)
{
	if (m->stop)
		m->quit = true;
	m->stop = true;
}

static void
start_clients(struct mcn *m)
{
	const struct mcn_conf *cf = m->conf;
	struct client *c;

	while (m->next_start < m->n && m->n_hs < cf->concurrency) {
		if (cf->connect_rate > 0) {
			m->start_tokens += cf->connect_rate *
			    (double)(m->now_ms - m->start_tok_ms) / 1000.0;
			m->start_tok_ms = m->now_ms;
			if (m->start_tokens > cf->connect_rate / 100 + 1)
				m->start_tokens = cf->connect_rate / 100 + 1;
			if (m->start_tokens < 1)
				break;
			m->start_tokens -= 1;
		}
		if (m->next_start == 0)
			m->st.t0_ns = m->now_ns;
		c = &m->c[m->next_start++];
		m->n_hs++;
		client_start(m, c);
	}
}

static void
enter_run(struct mcn *m)
{
	unsigned i;

	m->phase = PH_RUN;
	m->st.t_run_ns = m->now_ns;
	m->phase_end_ms = m->now_ms + (uint64_t)(m->conf->duration_s * 1000);
	for (i = 0; i < m->n; i++) {
		struct client *c = &m->c[i];

		if (c->state != CS_UP)
			continue;
		c->tok_ms = c->last_echo_ms = m->now_ms;
		c->tokens = 0;
		timer_update(m, c);
	}
}

static void
enter_drain(struct mcn *m)
{
	bool traffic = m->conf->mode == MODE_STEADY ||
	    m->conf->mode == MODE_BLAST;
	unsigned i;

	m->phase = PH_DRAIN;
	m->st.t_run_end_ns = m->now_ns;
	m->st.up_at_run_end = m->n_up;
	proc_sample(m->conf->server_pid, &m->st.srv_end);
	m->phase_end_ms = m->now_ms +
	    (traffic ? (uint64_t)(m->conf->drain_s * 1000) : 0);
	for (i = 0; traffic && i < m->n; i++)
		if (m->c[i].state == CS_UP)
			data_flush_probe(m, &m->c[i]);
}

static void
enter_exit(struct mcn *m)
{
	struct mcn_stats *st = &m->st;
	unsigned i;

	if (m->phase == PH_CONNECT || m->phase == PH_RUN) {
		/* Interrupted: the run ends here. */
		if (m->phase == PH_CONNECT && st->t_connect_end_ns == 0)
			st->t_connect_end_ns = m->now_ns;
		if (m->phase == PH_CONNECT)
			proc_sample(m->conf->server_pid, &st->srv_up);
		if (st->t_run_ns == 0)
			st->t_run_ns = m->now_ns;
		enter_drain(m);
	}
	for (i = 0; i < m->n; i++) {
		struct client *c = &m->c[i];

		st->tx_pkts += c->tx_pkts;
		st->tx_bytes += c->tx_bytes;
		st->rx_pkts += c->rx_pkts;
		st->rx_bytes += c->rx_bytes;
		st->srv_pkts += c->srv_pkts;
		st->srv_bytes += c->srv_bytes;
	}
	m->phase = PH_EXIT;
	m->phase_end_ms = m->now_ms + (uint64_t)(m->conf->exit_wait_s * 1000);
	for (i = 0; i < m->n; i++) {
		struct client *c = &m->c[i];

		if (c->state > CS_NEW && c->state < CS_UP)
			client_fail(m, c, FR_ABORTED, "stopped while connecting");
		else if (c->state == CS_UP)
			client_exit(m, c);
	}
}

static void
connect_done(struct mcn *m)
{
	struct mcn_stats *st = &m->st;

	st->t_connect_end_ns = m->now_ns;
	proc_sample(m->conf->server_pid, &st->srv_up);
	st->self_cpu_up = self_cpu_s();
	st->self_rss_up_kb = self_rss_kb();
	if (m->conf->duration_s > 0)
		enter_run(m);
	else
		enter_exit(m);
}

bool
mcn_tick(struct mcn *m)
{
	const struct mcn_conf *cf = m->conf;

	if (m->quit)
		return false;
	if (m->stop && m->phase < PH_EXIT)
		enter_exit(m);
	switch (m->phase) {
	case PH_CONNECT:
		start_clients(m);
		if (m->next_start >= m->n && m->n_hs == 0)
			connect_done(m);
		break;
	case PH_RUN:
		if (cf->mode == MODE_BLAST && m->n_up > 0)
			data_blast(m, &m->c[0]);
		if (m->now_ms >= m->phase_end_ms || m->n_up == 0 ||
		    (cf->bytes > 0 && m->n_sent_all >= m->n_up))
			enter_drain(m);
		break;
	case PH_DRAIN:
		if (m->now_ms >= m->phase_end_ms)
			enter_exit(m);
		break;
	case PH_EXIT:
		if (m->n_exiting == 0 || m->now_ms >= m->phase_end_ms)
			m->phase = PH_END;
		break;
	case PH_END:
		break;
	}
	if (m->phase == PH_END)
		return false;
	if (m->now_ms >= m->next_progress_ms) {
		if (m->next_progress_ms != 0)
			report_progress(m);
		m->next_progress_ms = m->now_ms + 1000;
	}
	return true;
}

int
mcn_timeout(const struct mcn *m)
{
	if (m->phase == PH_RUN && m->conf->mode == MODE_BLAST && m->n_up > 0)
		return 0;
	if (m->phase == PH_CONNECT && m->conf->connect_rate > 0 &&
	    m->next_start < m->n)
		return 1;
	if (m->phase == PH_RUN || m->phase == PH_DRAIN || m->phase == PH_EXIT)
		return (int)(m->phase_end_ms > m->now_ms ?
		    m->phase_end_ms - m->now_ms : 0);
	return -1;
}

int
main(int argc, char **argv)
{
	struct mcn_conf cf;
	struct mcn m;
	int rc;

	mcn_parse_args(argc, argv, &cf);
	if (cf.mode == MODE_ECHO)
		return echo_server_run(&cf) == 0 ? 0 : 1;
	if (setup(&m, &cf) == -1) {
		teardown(&m);
		return 1;
	}
	clock_now(&m);
	proc_sample(cf.server_pid, &m.st.srv0);
	if (cf.server_pid > 0 && !m.st.srv0.ok)
		fprintf(stderr, "mcnload: cannot read /proc/%d/stat: the "
		    "server's CPU will not be reported\n", (int)cf.server_pid);
	m.st.self_cpu0 = self_cpu_s();
	m.st.t0_ns = m.now_ns;
	m.start_tok_ms = m.now_ms;
	hist_init(&m.st.rtt);
	m.phase = PH_CONNECT;
	rc = loop_run(&m);
	clock_now(&m);
	if (rc == -1)
		fprintf(stderr, "mcnload: event loop: %s\n", strerror(errno));
	report_final(&m);
	rc = rc == 0 && m.st.n_connect == m.n && m.st.fail_run == 0 ? 0 : 1;
	teardown(&m);
	return rc;
}
