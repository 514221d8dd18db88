/*
 * One client's data channel (spec §8, §12): keys from the pushed
 * parameters, keepalive both ways, and the traffic of --steady and
 * --blast: inner IPv4/UDP packets from the pushed address to the
 * --target host, each starting with a probe (sequence number and send
 * time) that the echo server returns with its own receive counts.
 *
 * Traffic shapes:
 *   --rate R     a token bucket per client, R packets per second;
 *   no --rate    (steady) at most --window probes not yet echoed; a
 *                window that sees no echo for WATCHDOG_MS counts its
 *                packets as lost and opens again;
 *   --blast      --batch packets per sendmmsg, as fast as the loop runs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "datachan.h"
#include "mcnload.h"
#include "pkt.h"

#define WATCHDOG_MS	200	/* a full window without echoes: lost */
#define ADAPT_MS	50	/* --adapt: one rate step per interval */
#define ADAPT_LOSS	0.01	/* grow below this loss, back off above */
#define ADAPT_MIN	1000.0	/* packets per second */
#define ADAPT_RTT_MS	5u	/* a queue this deep is congestion */
#define TOKEN_BURST_S	0.01	/* a rate may catch up this much at once */

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Is name in the colon-separated list (case-insensitive, as OpenSSL)? */
static bool
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p != '\0') {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		if (len == n && strncasecmp(p, name, n) == 0)
			return true;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return false;
}

int
data_up(struct mcn *m, struct client *c, const struct push_opts *po,
    const uint8_t key_block[256], const char *cipher, char *err,
    size_t errlen)
{
	enum dc_cipher dc = dc_cipher_from_name(cipher);

	/* 2.6 refuses a cipher it did not offer ("not allowed"). */
	if (dc == DC_CIPHER_NONE || !in_list(m->conf->ciphers, cipher)) {
		snprintf(err, errlen, "server chose cipher %s, not in %s",
		    cipher, m->conf->ciphers);
		return -1;
	}
	if (!po->have_ifconfig) {
		snprintf(err, errlen, "no ifconfig in PUSH_REPLY");
		return -1;
	}
	if ((c->dc = dc_key_new(dc, key_block, DC_ROLE_CLIENT, m->conf->auth,
	    err, errlen)) == NULL)
		return -1;
	c->peer_id = po->have_peer_id ? po->peer_id : PKT_PEER_ID_NONE;
	c->vip = po->vip;
	c->cc_exit = po->cc_exit;
	c->ping_s = po->ping;
	c->ping_restart_s = po->ping_restart;
	c->tx_pid = 1;
	replay_init(&c->rx_replay);
	c->last_rx_ms = m->now_ms;
	c->ip_id = (uint16_t)(c->idx * 7919u);
	return 0;
}

/* Encrypts plain into the send queue. */
static int
data_send(struct mcn *m, struct client *c, const uint8_t *plain, size_t len)
{
	int n;

	n = dc_encrypt(c->dc, c->key_id, c->peer_id, c->tx_pid, plain, len,
	    tx_slot(m), MCN_BUF_LEN);
	if (n < 0)
		return -1;
	c->tx_pid++;
	tx_commit(m, c, (size_t)n);
	c->last_tx_ms = m->now_ms;
	return 0;
}

/* Builds one probe and encrypts it into out; its length, or -1. */
static int
probe_encrypt(struct mcn *m, struct client *c, uint8_t flags, uint8_t *out,
    size_t cap)
{
	const struct mcn_conf *cf = m->conf;
	uint8_t pkt[MCN_BUF_LEN];
	struct inner_flow f;
	struct probe pr;
	size_t plen = cf->size - INNER_HDRS, len;
	int n;

	memset(&pr, 0, sizeof(pr));
	pr.flags = flags;
	pr.run = m->run_id;
	pr.flow = c->idx;
	pr.seq = ++c->tx_seq;
	pr.ts_ns = mono_ns();
	/* The payload is built in place, after the headers. */
	probe_put(pkt + INNER_HDRS, &pr);
	memset(pkt + INNER_HDRS + PROBE_LEN, 0, plen - PROBE_LEN);
	f.src = c->vip.s_addr;
	f.dst = cf->target.sin_addr.s_addr;
	f.sport = (uint16_t)(10000 + c->idx % 50000);
	f.dport = ntohs(cf->target.sin_port);
	len = inner_udp_build(pkt, sizeof(pkt), &f, c->ip_id++,
	    pkt + INNER_HDRS, plen);
	if (len > 0 && cf->abuse == ABUSE_MALFORMED)
		len = inner_malform(pkt, len, (unsigned)pr.seq);
	if (len == 0 || (n = dc_encrypt(c->dc, c->key_id, c->peer_id,
	    c->tx_pid, pkt, len, out, cap)) < 0)
		return -1;
	c->tx_pid++;
	c->tx_pkts++;
	c->tx_bytes += len;
	c->last_tx_ms = m->now_ms;
	return n;
}

static void
send_probe(struct mcn *m, struct client *c, uint8_t flags)
{
	int n;

	if ((n = probe_encrypt(m, c, flags, tx_slot(m), MCN_BUF_LEN)) > 0)
		tx_commit(m, c, (size_t)n);
}

static uint8_t
probe_flags(const struct mcn *m)
{
	if (m->conf->mode == MODE_BLAST && !m->conf->blast_echo)
		return PROBE_COUNT;
	return PROBE_ECHO;
}

int
data_send_probes(struct mcn *m, struct client *c, unsigned n)
{
	uint8_t flags = probe_flags(m);
	unsigned i;

	for (i = 0; i < n && c->dc != NULL; i++) {
		if (m->conf->bytes > 0 && c->tx_bytes >= m->conf->bytes) {
			if (!c->sent_all) {
				c->sent_all = true;
				m->n_sent_all++;
			}
			break;
		}
		send_probe(m, c, flags);
	}
	return (int)i;
}

void
data_flush_probe(struct mcn *m, struct client *c)
{
	if (c->dc != NULL)
		send_probe(m, c, probe_flags(m) | PROBE_FLUSH);
}

void
data_send_occ_exit(struct mcn *m, struct client *c)
{
	uint8_t msg[DC_OCC_MAGIC_LEN + 1];

	if (c->dc == NULL)
		return;
	memcpy(msg, dc_occ_magic, DC_OCC_MAGIC_LEN);
	msg[DC_OCC_MAGIC_LEN] = DC_OCC_EXIT;
	data_send(m, c, msg, sizeof(msg));
}

/* Refills a token bucket of rate per second; returns whole tokens. */
static unsigned
tokens(struct mcn *m, struct client *c, double rate, unsigned max)
{
	double burst = rate * TOKEN_BURST_S;
	unsigned k;

	if (burst < max)
		burst = max;
	c->tokens += rate * (double)(m->now_ms - c->tok_ms) / 1000.0;
	c->tok_ms = m->now_ms;
	if (c->tokens > burst)
		c->tokens = burst;
	k = c->tokens >= 1.0 ? (unsigned)c->tokens : 0;
	if (k > max)
		k = max;
	c->tokens -= k;
	return k;
}

static void
steady_send(struct mcn *m, struct client *c)
{
	const struct mcn_conf *cf = m->conf;
	uint64_t inflight;
	unsigned k;

	if (m->phase != PH_RUN || c->sent_all)
		return;
	if (cf->rate > 0) {
		if ((k = tokens(m, c, cf->rate, cf->batch)) > 0)
			data_send_probes(m, c, k);
		return;
	}
	inflight = c->tx_pkts - c->rx_pkts - c->forgiven;
	if (inflight >= cf->window &&
	    m->now_ms - c->last_echo_ms >= WATCHDOG_MS) {
		c->forgiven += inflight;
		inflight = 0;
		c->last_echo_ms = m->now_ms;
	}
	if (inflight < cf->window)
		data_send_probes(m, c, (unsigned)(cf->window - inflight));
}

/*
 * Up to n probes as one GSO train: equal-size datagrams back to back in
 * one buffer, one sendmsg, segmented by the kernel (UDP_SEGMENT).  The
 * per-datagram kernel cost, not the crypto, limits a sender (the
 * receiving veth path runs in its context), and GSO pays it once per
 * train.  Returns the probes sent, or -1 if the kernel refused GSO.
 */
static int
blast_gso(struct mcn *m, struct client *c, unsigned n)
{
	uint8_t *buf = gso_buf(m);
	size_t off = 0, seg = 0;
	unsigned i;
	int len;

	for (i = 0; i < n && off + MCN_BUF_LEN <= GSO_BUF_LEN &&
	    i < GSO_MAX_SEGS; i++) {
		len = probe_encrypt(m, c, probe_flags(m), buf + off,
		    GSO_BUF_LEN - off);
		if (len < 0)
			break;
		if (seg == 0)
			seg = (size_t)len;
		off += (size_t)len;
		if ((size_t)len != seg) {	/* a shorter last one ends it */
			i++;
			break;
		}
	}
	if (i == 0)
		return 0;
	return gso_send(m, c, buf, off, seg) == -1 ? -1 : (int)i;
}

void
data_blast(struct mcn *m, struct client *c)
{
	const struct mcn_conf *cf = m->conf;
	unsigned k = cf->batch, sent = 0;
	int n;

	if (c->state != CS_UP || c->sent_all)
		return;
	if (cf->adapt || cf->rate > 0) {
		double r = cf->adapt ? m->adapt.rate : cf->rate;
		double burst = r * 0.002;	/* 2 ms per loop turn at most */

		k = tokens(m, c, r, burst > cf->batch ? (unsigned)burst :
		    cf->batch);
	}
	if (k == 0)
		return;
	while (m->gso && sent < k) {
		if ((n = blast_gso(m, c, k - sent)) <= 0) {
			if (n < 0) {
				fprintf(stderr, "mcnload: UDP GSO refused, "
				    "falling back to sendmmsg\n");
				m->gso = false;
			}
			break;
		}
		sent += (unsigned)n;
	}
	if (sent < k)
		data_send_probes(m, c, k - sent);
	tx_flush(m);
}

/*
 * --adapt: pace the blast to what arrives.  Reports carry cumulative
 * counts (srv_pkts of the seq probes sent so far), so the loss between
 * two reports ADAPT_MS apart is exact.  Congestion is loss above
 * ADAPT_LOSS or a round trip above max(ADAPT_RTT_MS, 10 x the smallest
 * seen) -- a deep socket buffer queues long before it drops.  Without
 * congestion the rate grows by a tenth (but not past 1.2 x what the
 * sender managed); with it, it falls to the delivered rate less 5 %.
 */
static void
adapt(struct mcn *m, const struct probe *pr, uint64_t rtt_ns)
{
	struct mcn_adapt *a = &m->adapt;
	double sent, got, loss, dt, limit;
	uint64_t rtt_max;

	if (a->min_rtt_ns == 0 || rtt_ns < a->min_rtt_ns)
		a->min_rtt_ns = rtt_ns;
	if (pr->seq <= a->seq || m->now_ms - a->t_ms < ADAPT_MS)
		return;
	sent = (double)(pr->seq - a->seq);
	got = (double)(pr->srv_pkts - a->srv);
	dt = (double)(m->now_ms - a->t_ms) / 1000.0;
	loss = got < sent ? 1.0 - got / sent : 0;
	rtt_max = a->min_rtt_ns * 10;
	if (rtt_max < ADAPT_RTT_MS * 1000000u)
		rtt_max = ADAPT_RTT_MS * 1000000u;
	if (loss >= ADAPT_LOSS)
		a->rate *= (1.0 - loss) * 0.95;
	else if (rtt_ns > rtt_max)
		a->rate *= 0.9;
	else {
		a->rate *= 1.1;
		limit = 1.2 * sent / dt;
		if (a->t_ms != 0 && a->rate > limit)
			a->rate = limit;
	}
	if (a->rate < ADAPT_MIN)
		a->rate = ADAPT_MIN;
	a->seq = pr->seq;
	a->srv = pr->srv_pkts;
	a->t_ms = m->now_ms;
	a->steps++;
}

/* An echoed probe or a report from the echo server. */
static void
got_probe(struct mcn *m, struct client *c, const uint8_t *pl, size_t plen,
    size_t len)
{
	struct probe pr;
	uint64_t rtt;

	if (probe_get(pl, plen, &pr) == -1 || pr.run != m->run_id ||
	    pr.flow != c->idx) {
		m->st.foreign++;
		return;
	}
	if (pr.srv_pkts > c->srv_pkts) {
		c->srv_pkts = pr.srv_pkts;
		c->srv_bytes = pr.srv_bytes;
	}
	rtt = mono_ns() - pr.ts_ns;
	if (m->phase == PH_RUN || m->phase == PH_DRAIN)
		hist_add(&m->st.rtt, rtt);
	if (pr.flags & PROBE_REPORT) {
		if (m->conf->adapt && m->phase == PH_RUN)
			adapt(m, &pr, rtt);
		return;
	}
	c->rx_pkts++;
	c->rx_bytes += len;
	c->last_echo_ms = m->now_ms;
	if (m->conf->mode == MODE_STEADY && m->conf->rate <= 0)
		steady_send(m, c);
}

void
data_input(struct mcn *m, struct client *c, const uint8_t *p, size_t len)
{
	uint8_t plain[MCN_BUF_LEN];
	const uint8_t *pl;
	struct inner_flow f;
	const char *why;
	uint32_t pid;
	size_t plen;
	int n;

	if (c->dc == NULL || pkt_key_id(p[0]) != c->key_id) {
		/* Before PUSH_REPLY the client cannot decrypt (spec §7.5). */
		m->st.data_early++;
		return;
	}
	if ((n = dc_decrypt(c->dc, p, len, &pid, plain, sizeof(plain))) < 0) {
		m->st.data_bad++;
		return;
	}
	if (!replay_accept(&c->rx_replay, pid)) {
		m->st.data_replay++;
		return;
	}
	c->last_rx_ms = m->now_ms;
	if (dc_is_ping(plain, (size_t)n)) {
		m->st.pings_rx++;
		return;
	}
	if (dc_occ_type(plain, (size_t)n) >= 0)
		return;
	if (n < INNER_IP_HDR || (plain[0] >> 4) != 4 || plain[9] != 17) {
		/* Not ours: e.g. the router solicitations of OpenVPN's tun. */
		m->st.inner_other++;
		return;
	}
	if (inner_udp_parse(plain, (size_t)n, &f, &pl, &plen, &why) == -1 ||
	    (f.dst != c->vip.s_addr && (why = "not to our address"))) {
		m->st.inner_bad++;
		if (m->conf->verbose > 1)
			fprintf(stderr, "mcnload: client %u: inner packet of %d "
			    "bytes dropped: %s (first byte %02x)\n", c->idx + 1,
			    n, why, plain[0]);
		return;
	}
	got_probe(m, c, pl, plen, (size_t)n);
	timer_update(m, c);
}

uint64_t
data_deadline(const struct mcn *m, const struct client *c)
{
	const struct mcn_conf *cf = m->conf;
	uint64_t t = UINT64_MAX, d;

	if (c->state != CS_UP || c->dc == NULL)
		return t;
	if (c->ping_restart_s > 0)
		t = c->last_rx_ms + (uint64_t)c->ping_restart_s * 1000;
	if (c->ping_s > 0 &&
	    (d = c->last_tx_ms + (uint64_t)c->ping_s * 1000) < t)
		t = d;
	if (m->phase != PH_RUN || cf->mode != MODE_STEADY || c->sent_all)
		return t;
	if (cf->rate > 0) {
		double need = 1.0 - c->tokens;

		d = m->now_ms + (need > 0 ? (uint64_t)(need * 1000.0 /
		    cf->rate) : 0) + 1;
	} else if (c->tx_pkts - c->rx_pkts - c->forgiven >= cf->window)
		d = c->last_echo_ms + WATCHDOG_MS;
	else
		d = m->now_ms;
	return d < t ? d : t;
}

void
data_timer(struct mcn *m, struct client *c)
{
	if (c->ping_restart_s > 0 &&
	    m->now_ms >= c->last_rx_ms + (uint64_t)c->ping_restart_s * 1000) {
		client_fail(m, c, FR_PING_RESTART,
		    "no packet from the server for ping-restart seconds");
		return;
	}
	if (m->conf->mode == MODE_STEADY)
		steady_send(m, c);
	if (c->ping_s > 0 &&
	    m->now_ms >= c->last_tx_ms + (uint64_t)c->ping_s * 1000 &&
	    data_send(m, c, dc_ping_magic, DC_PING_LEN) == 0)
		m->st.pings_tx++;
}
