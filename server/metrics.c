/*
 * Prometheus metrics over evhttp, and the same numbers as the control
 * socket's "stats" answer.  One table (counter_table) lists the plain
 * counters with their JSON key, metric name and help text, so the two
 * renderings cannot drift apart; the labelled families (handshakes,
 * failure reasons, the latency histogram) are written out by hand.
 *
 * Exposition format 0.0.4: "# HELP" and "# TYPE" before each family's
 * samples, every family once, label values from fixed sets only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "metrics.h"

#define PREFIX			"mycrypnetd_"
#define HTTP_TIMEOUT_S		10
#define HTTP_MAX_HEADERS	8192
#define HTTP_MAX_BODY		4096
#define CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"

/* Seconds: a LAN handshake takes ~10 ms, a busy or far one seconds; the
 * hand-window (60 s by default) ends the rest. */
const double metrics_hist_bounds[METRICS_HIST_NBOUNDS] = {
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};

const char *const metrics_hs_reason_names[METRICS_HS_NREASONS] = {
	[METRICS_HS_TLS] = "tls",
	[METRICS_HS_REVOKED] = "revoked",
	[METRICS_HS_CERT] = "certificate",
	[METRICS_HS_CIPHER] = "cipher",
	[METRICS_HS_PROTOCOL] = "protocol",
	[METRICS_HS_TIMEOUT] = "timeout",
	[METRICS_HS_POOL] = "pool_exhausted",
	[METRICS_HS_INTERNAL] = "internal",
	[METRICS_HS_OTHER] = "other",
};

struct counter_desc {
	const char	*key;		/* in the stats JSON "counters" */
	const char	*metric;	/* after PREFIX */
	const char	*help;
	size_t		 off;		/* of a uint64_t in the snapshot */
};

#define CTR(key, metric, help) \
	{ #key, metric, help, offsetof(struct metrics_snapshot, key) }

static const struct counter_desc counter_table[] = {
	CTR(rx_packets, "rx_packets_total",
	    "UDP packets received from clients."),
	CTR(rx_bytes, "rx_bytes_total", "UDP bytes received from clients."),
	CTR(tx_packets, "tx_packets_total", "UDP packets sent to clients."),
	CTR(tx_bytes, "tx_bytes_total", "UDP bytes sent to clients."),
	CTR(tun_rx_packets, "tun_rx_packets_total",
	    "Packets read from the tun device."),
	CTR(tun_tx_packets, "tun_tx_packets_total",
	    "Packets written to the tun device."),
	CTR(forged_dropped, "forged_packets_dropped_total",
	    "Packets dropped because their tls-auth or tls-crypt "
	    "authentication failed."),
	CTR(spoofed_src_dropped, "spoofed_source_dropped_total",
	    "Tunnel packets dropped because their inner source address is "
	    "not the client's."),
	CTR(replay_dropped, "replay_dropped_total",
	    "Packets dropped as replayed or too old."),
	CTR(unknown_peer, "unknown_peer_packets_total",
	    "Packets dropped because no session matches them."),
	CTR(malformed, "malformed_packets_total",
	    "Packets dropped because they do not parse."),
	CTR(decrypt_failed, "decrypt_failed_total",
	    "Data packets dropped because they did not decrypt."),
	CTR(no_route, "no_route_dropped_total",
	    "Tun packets dropped because no client has their destination."),
	CTR(resets_sent, "stateless_resets_total",
	    "Stateless reset replies sent to new clients."),
	CTR(resets_limited, "stateless_resets_limited_total",
	    "Reset replies withheld by the anti-reflection rate limit."),
	CTR(bad_cookie, "bad_cookie_total",
	    "Session-id cookie echoes that did not verify."),
	CTR(tx_dropped, "tx_dropped_total",
	    "Packets dropped because the socket send buffer was full."),
	CTR(tun_dropped, "tun_dropped_total",
	    "Packets dropped because the tun device was full."),
	CTR(handoff_out, "handoff_out_packets_total",
	    "Packets passed to the worker that owns their session."),
	CTR(handoff_in, "handoff_in_packets_total",
	    "Packets received from another worker."),
	CTR(handoff_dropped, "handoff_dropped_total",
	    "Packets dropped because another worker's queue was full."),
	CTR(c2c_dropped, "client_to_client_dropped_total",
	    "Packets between two clients dropped (client-to-client off)."),
	CTR(max_clients_refused, "max_clients_refused_total",
	    "New clients refused because max-clients was reached."),
	CTR(reneg_kicked, "renegotiation_kicked_total",
	    "Clients sent HALT for starting renegotiations too often."),
	CTR(tcp_refused, "tcp_refused_total",
	    "TCP connections refused: too many from one address without "
	    "a valid first packet."),
	CTR(tcp_timeouts, "tcp_timeouts_total",
	    "TCP connections closed without a valid first packet in time."),
};

struct metrics {
	struct evhttp		*http;
	const struct metrics_ops *ops;
	void			*arg;
	uint16_t		 port;
};

void
metrics_hist_observe(struct metrics_hist *h, double x)
{
	unsigned i;

	if (!isfinite(x))
		return;		/* one NaN or Inf would poison the sum */
	if (x < 0)
		x = 0;
	for (i = 0; i < METRICS_HIST_NBOUNDS; i++)
		if (x <= metrics_hist_bounds[i])
			break;
	h->bucket[i]++;
	h->sum += x;
}

void
metrics_hist_merge(struct metrics_hist *dst, const struct metrics_hist *src)
{
	unsigned i;

	for (i = 0; i <= METRICS_HIST_NBOUNDS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->sum += src->sum;
}

uint64_t
metrics_hist_count(const struct metrics_hist *h)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i <= METRICS_HIST_NBOUNDS; i++)
		n += h->bucket[i];
	return n;
}

static uint64_t
counter_value(const struct metrics_snapshot *s, const struct counter_desc *d)
{
	uint64_t v;

	memcpy(&v, (const char *)s + d->off, sizeof(v));
	return v;
}

static uint64_t
failed_total(const struct metrics_snapshot *s)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < METRICS_HS_NREASONS; i++)
		n += s->handshakes_failed[i];
	return n;
}

static void
family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX
	    "%s %s\n", name, help, name, type);
}

static void
sample_u(struct evbuffer *out, const char *name, uint64_t v)
{
	evbuffer_add_printf(out, PREFIX "%s %llu\n", name,
	    (unsigned long long)v);
}

static void
render_hist(struct evbuffer *out, const char *name,
    const struct metrics_hist *h)
{
	uint64_t cum = 0;
	unsigned i;

	for (i = 0; i < METRICS_HIST_NBOUNDS; i++) {
		cum += h->bucket[i];
		evbuffer_add_printf(out, PREFIX "%s_bucket{le=\"%g\"} %llu\n",
		    name, metrics_hist_bounds[i], (unsigned long long)cum);
	}
	cum += h->bucket[METRICS_HIST_NBOUNDS];
	evbuffer_add_printf(out, PREFIX "%s_bucket{le=\"+Inf\"} %llu\n"
	    PREFIX "%s_sum %.9g\n" PREFIX "%s_count %llu\n", name,
	    (unsigned long long)cum, name, h->sum, name,
	    (unsigned long long)cum);
}

int
metrics_render(const struct metrics_snapshot *s, struct evbuffer *out)
{
	const struct counter_desc *d;
	int64_t now = s->now != 0 ? s->now : (int64_t)time(NULL);
	unsigned i;

	family(out, "build_info", "gauge", "The running version; always 1.");
	evbuffer_add_printf(out, PREFIX "build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	family(out, "uptime_seconds", "gauge", "Seconds since the daemon "
	    "started.");
	sample_u(out, "uptime_seconds", s->uptime_s);
	family(out, "clients", "gauge", "Clients connected (authenticated "
	    "sessions).");
	sample_u(out, "clients", s->clients);
	family(out, "workers", "gauge", "Worker threads.");
	sample_u(out, "workers", s->workers);

	for (d = counter_table; d < counter_table + sizeof(counter_table) /
	    sizeof(counter_table[0]); d++) {
		family(out, d->metric, "counter", d->help);
		sample_u(out, d->metric, counter_value(s, d));
	}

	family(out, "handshakes_total", "counter", "Client handshakes "
	    "finished, by result.");
	evbuffer_add_printf(out, PREFIX "handshakes_total{result=\"ok\"} %llu\n"
	    PREFIX "handshakes_total{result=\"failed\"} %llu\n",
	    (unsigned long long)s->handshakes_ok,
	    (unsigned long long)failed_total(s));
	family(out, "handshake_failures_total", "counter", "Client "
	    "handshakes refused, by reason.");
	for (i = 0; i < METRICS_HS_NREASONS; i++)
		evbuffer_add_printf(out, PREFIX "handshake_failures_total"
		    "{reason=\"%s\"} %llu\n", metrics_hs_reason_names[i],
		    (unsigned long long)s->handshakes_failed[i]);
	family(out, "handshake_duration_seconds", "histogram", "Time from "
	    "the start of a handshake (first or renegotiation) to its data "
	    "channel keys.");
	render_hist(out, "handshake_duration_seconds", &s->handshake_duration);

	/* Absent without a CRL: "no CRL" is not "expires now". */
	if (s->has_crl) {
		family(out, "crl_expiry_seconds", "gauge", "Seconds until the "
		    "CRL's nextUpdate; negative once it has passed.");
		evbuffer_add_printf(out, PREFIX "crl_expiry_seconds %lld\n",
		    (long long)(s->crl_next_update - now));
		family(out, "crl_next_update_timestamp_seconds", "gauge",
		    "The CRL's nextUpdate, in seconds since the epoch.");
		evbuffer_add_printf(out, PREFIX "crl_next_update_timestamp_"
		    "seconds %lld\n", (long long)s->crl_next_update);
	}
	return 0;
}

json_t *
metrics_stats_json(const struct metrics_snapshot *s)
{
	const struct counter_desc *d;
	const struct metrics_hist *h = &s->handshake_duration;
	json_t *root, *ctr, *why, *hist, *buckets;
	uint64_t cum = 0;
	unsigned i;
	int bad = 0;

	root = json_pack("{s:I, s:I, s:I, s:I, s:o}", "now", (json_int_t)
	    (s->now != 0 ? s->now : (int64_t)time(NULL)), "uptime_s",
	    (json_int_t)s->uptime_s, "clients", (json_int_t)s->clients,
	    "workers", (json_int_t)s->workers, "crl_next_update",
	    s->has_crl ? json_integer(s->crl_next_update) : json_null());
	ctr = json_object();
	why = json_object();
	buckets = json_array();
	if (root == NULL || ctr == NULL || why == NULL || buckets == NULL)
		goto fail;
	for (d = counter_table; d < counter_table + sizeof(counter_table) /
	    sizeof(counter_table[0]); d++)
		bad |= json_object_set_new(ctr, d->key,
		    json_integer((json_int_t)counter_value(s, d)));
	bad |= json_object_set_new(ctr, "handshakes_ok",
	    json_integer((json_int_t)s->handshakes_ok));
	bad |= json_object_set_new(ctr, "handshakes_failed",
	    json_integer((json_int_t)failed_total(s)));
	for (i = 0; i < METRICS_HS_NREASONS; i++)
		bad |= json_object_set_new(why, metrics_hs_reason_names[i],
		    json_integer((json_int_t)s->handshakes_failed[i]));
	for (i = 0; i < METRICS_HIST_NBOUNDS; i++) {
		cum += h->bucket[i];
		bad |= json_array_append_new(buckets, json_pack("{s:f, s:I}",
		    "le", metrics_hist_bounds[i], "count", (json_int_t)cum));
	}
	hist = json_pack("{s:I, s:f, s:o}", "count",
	    (json_int_t)metrics_hist_count(h), "sum", h->sum, "buckets",
	    buckets);
	buckets = NULL;		/* consumed by the pack */
	bad |= json_object_set_new(root, "counters", ctr);
	bad |= json_object_set_new(root, "handshakes_failed_by_reason", why);
	ctr = why = NULL;
	bad |= json_object_set_new(root, "handshake_duration_seconds", hist);
	if (bad)
		goto fail;
	return root;
fail:
	json_decref(root);
	json_decref(ctr);
	json_decref(why);
	json_decref(buckets);
	return NULL;
}

static void
send_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer *b;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct metrics_snapshot snap;
	struct evbuffer *out;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		send_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found; the metrics are at /metrics\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		send_text(req, 405, "Method Not Allowed",
		    "only GET and HEAD\n");
		return;
	}
	memset(&snap, 0, sizeof(snap));
	if (m->ops->snapshot(m->arg, &snap) == -1) {
		send_text(req, HTTP_SERVUNAVAIL, "Service Unavailable",
		    "no snapshot\n");
		return;
	}
	if ((out = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metrics_render(&snap, out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", CONTENT_TYPE);
	if (cmd == EVHTTP_REQ_HEAD) {
		/* evhttp would send a body even to HEAD: give it none. */
		char len[24];

		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(out));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
		evbuffer_drain(out, evbuffer_get_length(out));
	}
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

/*
 * "ADDR:PORT", "[V6]:PORT" or ":PORT" into a socket address; numeric
 * only, so that nothing blocks on DNS and the listen address is exact.
 */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
    char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *p, *end;
	size_t hlen;
	unsigned long port;
	char *ep;
	bool v6;

	if ((v6 = (s[0] == '['))) {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			goto bad;
		hlen = (size_t)(end - s - 1);
		p = end + 2;
	} else {
		if ((end = strrchr(s, ':')) == NULL || strchr(s, ':') != end)
			goto bad;
		hlen = (size_t)(end - s);
		p = end + 1;
	}
	if (hlen >= sizeof(host) || (v6 && hlen == 0))
		goto bad;
	memcpy(host, v6 ? s + 1 : s, hlen);
	host[hlen] = '\0';
	if (*p < '0' || *p > '9')
		goto bad;
	errno = 0;
	port = strtoul(p, &ep, 10);
	if (*ep != '\0' || errno != 0 || port > 65535)
		goto bad;
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		*sslen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (hlen == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		*sslen = sizeof(*sin);
	}
	return 0;
bad:
	snprintf(err, errlen, "metrics-listen \"%s\": want ADDR:PORT, "
	    "[IPV6]:PORT or :PORT, with a numeric address and a port up to "
	    "65535", s);
	return -1;
}

static int
listen_socket(const char *addr_port, uint16_t *portp, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, one = 1;

	if (parse_listen(addr_port, &ss, &sslen, err, errlen) == -1)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "metrics-listen %s: socket: %s",
		    addr_port, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "metrics-listen %s: %s", addr_port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*portp = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

struct metrics *
metrics_new(struct event_base *base, const char *addr_port,
    const struct metrics_ops *ops, void *arg, char *err, size_t errlen)
{
	struct metrics *m;
	int fd;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->ops = ops;
	m->arg = arg;
	if ((fd = listen_socket(addr_port, &m->port, err, errlen)) == -1)
		goto fail;
	if ((m->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "metrics: evhttp_new failed");
		close(fd);
		goto fail;
	}
	/* Every method reaches http_cb, which answers 405 itself. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_timeout(m->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, HTTP_MAX_BODY);
	evhttp_set_gencb(m->http, http_cb, m);
	if (evhttp_accept_socket_with_handle(m->http, fd) == NULL) {
		snprintf(err, errlen, "metrics-listen %s: cannot accept",
		    addr_port);
		close(fd);
		goto fail;
	}
	return m;
fail:
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
	return NULL;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);	/* closes the bound socket */
	free(m);
}

uint16_t
metrics_port(const struct metrics *m)
{
	return m->port;
}
