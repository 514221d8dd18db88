/*
 * fake_control: the real control socket (server/control*.c) with canned
 * answers, for testing mcnctl without a daemon (tests/unit/
 * test_mcnctl.sh).
 *
 *   fake_control SOCKET [--fail-reload]
 *
 * Serves until SIGTERM/SIGINT; logs each kick and reload it is asked
 * for on stdout ("kick target=alice halt=1"), so a test can check what
 * mcnctl sent.  Its clock is fixed (FAKE_NOW), so renderings are exact.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "control.h"
#include "log.h"
#include "metrics.h"

#define FAKE_NOW	1700000000	/* 2023-11-14 22:13:20 UTC */

static bool	fail_reload;

static json_t *
fake_status(void *arg)
{
	struct control_status_hdr h = {
		.now = FAKE_NOW, .uptime_s = 2 * 3600 + 3 * 60 + 5,
		.clients = 2, .workers = 1, .has_crl = true,
		.crl_next_update = FAKE_NOW + 29 * 86400 + 4 * 3600,
	};
	struct control_client alice = {
		.common_name = "alice", .real_address = "198.51.100.7:51234",
		.virtual_ipv4 = "10.8.0.6", .virtual_ipv6 = NULL,
		.bytes_in = 1288490, .bytes_out = 5368709120ULL,
		.connected_since = FAKE_NOW - (2 * 3600 + 3 * 60),
		.data_cipher = "AES-256-GCM", .tls_version = "TLSv1.3",
		.key_id = 1, .last_rekey = FAKE_NOW - 192,
		.next_rekey = FAKE_NOW + 3408, .worker = 0, .peer_id = 0,
		.platform = "linux", .version = "2.6.14",
		.cert_serial = "0A1B2C3D",
	};
	struct control_client bob = {
		.common_name = "bob", .real_address = "[2001:db8::5]:1194",
		.virtual_ipv4 = "10.8.0.7", .virtual_ipv6 = "fd00::7",
		.bytes_in = 512, .bytes_out = 0,
		.connected_since = FAKE_NOW - 42,
		.data_cipher = "CHACHA20-POLY1305", .tls_version = "TLSv1.2",
		.key_id = 0, .last_rekey = FAKE_NOW - 42, .next_rekey = 0,
		.worker = 0, .peer_id = 1, .platform = NULL, .version = NULL,
		.cert_serial = "01",
	};
	json_t *st;

	if ((st = control_status_new(&h)) == NULL ||
	    control_status_add(st, &alice) == -1 ||
	    control_status_add(st, &bob) == -1) {
		json_decref(st);
		return NULL;
	}
	return st;
}

static int
fake_kick(void *arg, const char *target, bool halt, int *n, char *err,
    size_t errlen)
{
	printf("kick target=%s halt=%d\n", target, halt);
	fflush(stdout);
	if (strcmp(target, "fail") == 0) {
		snprintf(err, errlen, "simulated failure");
		return -1;
	}
	if (strcmp(target, "alice") == 0 || strcmp(target, "10.8.0.6") == 0 ||
	    strcmp(target, "198.51.100.7:51234") == 0 ||
	    strcmp(target, "bob") == 0)
		*n = 1;
	else
		*n = 0;
	return 0;
}

static int
fake_reload(void *arg, char *err, size_t errlen)
{
	printf("reload\n");
	fflush(stdout);
	if (fail_reload) {
		snprintf(err, errlen, "mycrypnetd.conf:3: unknown directive "
		    "\"frobnicate\"; nothing changed");
		return -1;
	}
	return 0;
}

static json_t *
fake_stats(void *arg)
{
	struct metrics_snapshot s;

	memset(&s, 0, sizeof(s));
	s.uptime_s = 7385;
	s.clients = 2;
	s.workers = 1;
	s.has_crl = true;
	s.crl_next_update = FAKE_NOW + 86400;
	s.now = FAKE_NOW;
	s.rx_packets = 1000;
	s.rx_bytes = 1288490;
	s.tx_packets = 2000;
	s.tx_bytes = 5368709120ULL;
	s.forged_dropped = 17;
	s.spoofed_src_dropped = 3;
	s.handshakes_ok = 5;
	s.handshakes_failed[METRICS_HS_TLS] = 2;
	s.handshakes_failed[METRICS_HS_REVOKED] = 1;
	metrics_hist_observe(&s.handshake_duration, 0.02);
	metrics_hist_observe(&s.handshake_duration, 0.3);
	metrics_hist_observe(&s.handshake_duration, 120);
	return metrics_stats_json(&s);
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char *argv[])
{
	static const struct control_ops ops = {
		.status = fake_status, .kick = fake_kick,
		.reload = fake_reload, .stats = fake_stats,
	};
	struct event_base *base;
	struct event *ev_term, *ev_int;
	struct control *c;
	char err[512];

	if (argc < 2 || argc > 3 || (argc == 3 &&
	    strcmp(argv[2], "--fail-reload") != 0)) {
		fprintf(stderr, "usage: fake_control SOCKET [--fail-reload]\n");
		return 2;
	}
	fail_reload = argc == 3;
	log_init(3, "fake_control");
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		return 1;
	if ((c = control_new(base, argv[1], &ops, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fake_control: %s\n", err);
		return 1;
	}
	ev_term = evsignal_new(base, SIGTERM, stop_cb, base);
	ev_int = evsignal_new(base, SIGINT, stop_cb, base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	control_free(c);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(base);
	return 0;
}
