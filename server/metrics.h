/*
 * Metrics: the daemon's counters as one snapshot struct, served in the
 * Prometheus text exposition format 0.0.4 on GET /metrics (evhttp, on
 * the daemon's event loop), and as the "stats" answer of the control
 * socket (metrics_stats_json).  Labels take values from fixed sets
 * only (handshake result, failure reason, histogram bucket): nothing per
 * client, so the number of series is a constant.
 *
 * The daemon keeps a struct metrics_hist per worker, records each
 * handshake's latency with metrics_hist_observe() (a dozen compares and
 * two adds), and sums the workers' into the snapshot with
 * metrics_hist_merge() when asked.
 */
#ifndef MCN_METRICS_H
#define MCN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct metrics;

/* Handshake latency buckets: upper bounds in seconds (le, inclusive). */
#define METRICS_HIST_NBOUNDS	12
extern const double metrics_hist_bounds[METRICS_HIST_NBOUNDS];

struct metrics_hist {
	/* Not cumulative: bucket[i] counts bounds[i-1] < x <= bounds[i];
	 * bucket[METRICS_HIST_NBOUNDS] counts x > the last bound. */
	uint64_t	bucket[METRICS_HIST_NBOUNDS + 1];
	double		sum;		/* seconds */
};

/* Records one observation; negative counts as 0, NaN and Inf are
 * ignored. */
void		metrics_hist_observe(struct metrics_hist *, double seconds);
/* dst += src (summing workers). */
void		metrics_hist_merge(struct metrics_hist *dst,
		    const struct metrics_hist *src);
/* Observations recorded (the +Inf bucket's cumulative count). */
uint64_t	metrics_hist_count(const struct metrics_hist *);

/* Why a handshake failed: the label values of handshake_failures_total. */
enum metrics_hs_reason {
	METRICS_HS_TLS,		/* TLS refused: bad cert, unknown CA, alert */
	METRICS_HS_REVOKED,	/* the client's certificate is on the CRL */
	METRICS_HS_CERT,	/* no client certificate, or it changed */
	METRICS_HS_CIPHER,	/* no data cipher in common */
	METRICS_HS_PROTOCOL,	/* bad key-method-2 or control message */
	METRICS_HS_TIMEOUT,	/* hand-window expired */
	METRICS_HS_POOL,	/* address pool exhausted */
	METRICS_HS_INTERNAL,	/* our fault: randomness, memory, keys */
	METRICS_HS_OTHER,
	METRICS_HS_NREASONS
};
/* "tls", "revoked", ... indexed by enum metrics_hs_reason. */
extern const char *const metrics_hs_reason_names[METRICS_HS_NREASONS];

/*
 * Everything reported, summed over workers.  Add a counter here and in
 * the table in metrics.c: both the exposition and the stats JSON follow.
 */
struct metrics_snapshot {
	uint64_t	uptime_s;
	unsigned	clients;	/* authenticated sessions */
	unsigned	workers;
	bool		has_crl;
	int64_t		crl_next_update;	/* unix time, if has_crl */
	int64_t		now;		/* unix time; 0: metrics.c asks time() */

	uint64_t	rx_packets, rx_bytes;	/* UDP, from clients */
	uint64_t	tx_packets, tx_bytes;	/* UDP, to clients */
	uint64_t	tun_rx_packets, tun_tx_packets;
	uint64_t	forged_dropped;		/* tls-auth/crypt HMAC wrong */
	uint64_t	spoofed_src_dropped;	/* inner source not the client's */
	uint64_t	replay_dropped;
	uint64_t	unknown_peer;
	uint64_t	malformed;
	uint64_t	decrypt_failed;
	uint64_t	no_route;		/* tun packet for no client */
	uint64_t	resets_sent;		/* stateless reset replies */
	uint64_t	resets_limited;
	uint64_t	bad_cookie;
	uint64_t	tx_dropped;		/* socket send buffer full */
	uint64_t	tun_dropped;
	uint64_t	handoff_out, handoff_in;	/* between workers */
	uint64_t	handoff_dropped;
	uint64_t	c2c_dropped;		/* client-to-client off */
	uint64_t	max_clients_refused;
	uint64_t	reneg_kicked;		/* renegotiation storms */
	uint64_t	tcp_refused;		/* half-open limit per source */
	uint64_t	tcp_timeouts;		/* no first packet in time */

	uint64_t	handshakes_ok;
	uint64_t	handshakes_failed[METRICS_HS_NREASONS];
	struct metrics_hist handshake_duration;
};

struct metrics_ops {
	/*
	 * Fills *snap (zeroed by the caller) with the current values.
	 * Called in the event loop thread, once per scrape.  0, or -1
	 * (answered 503).
	 */
	int	(*snapshot)(void *arg, struct metrics_snapshot *snap);
};

/*
 * Serves GET /metrics on addr_port: "127.0.0.1:9100", "[::1]:9100",
 * "0.0.0.0:9100" or ":9100" (all IPv4 addresses); numeric addresses
 * only; port 0 takes an ephemeral one (metrics_port() tells which).
 * ops and arg must outlive the metrics.  NULL with a reason in err.
 */
struct metrics	*metrics_new(struct event_base *, const char *addr_port,
		    const struct metrics_ops *ops, void *arg, char *err,
		    size_t errlen);
void		 metrics_free(struct metrics *);
/* The port listened on (host order). */
uint16_t	 metrics_port(const struct metrics *);

/* The exposition text of snap, appended to out (an evbuffer). */
struct evbuffer;
int		 metrics_render(const struct metrics_snapshot *,
		    struct evbuffer *out);

/*
 * The "stats" answer of the control socket (doc/control-protocol.md):
 * {"now", "uptime_s", "clients", "workers", "crl_next_update",
 *  "counters": {name: n, ...},
 *  "handshakes_failed_by_reason": {reason: n, ...},
 *  "handshake_duration_seconds": {"count", "sum", "buckets": [...]}}.
 */
json_t		*metrics_stats_json(const struct metrics_snapshot *);

#endif /* MCN_METRICS_H */
