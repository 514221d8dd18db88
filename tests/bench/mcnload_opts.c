/*
 * mcnload's command line: the usage text (the reference for every mode,
 * option and result key) and the parser, which fills a struct mcn_conf
 * with defaults a Debian 2.6.14 client would use and checks what the
 * chosen mode needs.  Usage errors exit 2.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcnload.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mcnload MODE [options]\n"
"\n"
"Protocol-level OpenVPN 2.6 clients (UDP, tls-auth, TLS with a client\n"
"certificate, key-method 2, PUSH_REPLY, AEAD data channel) without tun\n"
"devices; each client has its own UDP socket, so its own source port.\n"
"\n"
"Modes:\n"
"  --storm N          connect N clients as fast as the window allows, then\n"
"                     leave (hold them --duration S first if given)\n"
"  --idle N           connect N clients, keep them idle (keepalive only)\n"
"                     for --duration, report how many stayed up\n"
"  --steady M         connect M clients; each sends inner IPv4/UDP packets\n"
"                     to --target for --duration (--rate, or --bytes, or a\n"
"                     --window of unechoed packets); throughput both ways,\n"
"                     loss and round-trip time\n"
"  --blast            one client, inner UDP packets as fast as possible\n"
"                     (sendmmsg batches); the echo host counts them\n"
"  --echo-server      run the echo host: echo mcnload probes (and any UDP)\n"
"                     on --listen; probes marked 'count' get reports only\n"
"\n"
"Server and identity:\n"
"  --remote ADDR:PORT server (default 10.99.1.1:1194)\n"
"  --bind ADDR        local address of every client socket\n"
"  --ca FILE          CA certificate (the server's chain must verify;\n"
"                     its leaf needs keyUsage and EKU serverAuth)\n"
"  --cert FILE --key FILE   one client certificate for all clients\n"
"  --cert-dir DIR     DIR/clientN.crt and DIR/clientN.key for client N\n"
"                     (N from --cert-base, default 1): distinct CNs.  Both\n"
"                     OpenVPN 2.6 and mycrypnetd replace a session when its\n"
"                     CN logs in again unless configured with duplicate-cn,\n"
"                     so one shared --cert needs duplicate-cn on the server\n"
"                     (tests/e2e/pki.sh DIR N makes client1..clientN)\n"
"  --tls-auth FILE    tls-auth key file (required)\n"
"  --key-direction D  1 (default), 0 or none\n"
"  --auth DIGEST      tls-auth digest: SHA1 (default, as OpenVPN), SHA256,\n"
"                     SHA512; must match the server's --auth\n"
"  --ciphers LIST     IV_CIPHERS (AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305)\n"
"  --iv-proto N       IV_PROTO (default 990, as 2.6.14)\n"
"  --iv-ver S --iv-plat S   IV_VER (2.6.14), IV_PLAT (linux)\n"
"  --tun-mtu N        announced tun-mtu (1500; IV_MTU = N + 100)\n"
"  --tls-min 1.2|1.3  lowest TLS version (default 1.2)\n"
"  --hand-window S    seconds a client may take to connect (default 60)\n"
"  --push-request S   PUSH_REQUEST interval until PUSH_REPLY (default 1)\n"
"\n"
"Connecting:\n"
"  --concurrency W    handshakes in flight at once (default 100)\n"
"  --connect-rate R   start at most R clients per second (default: no limit)\n"
"\n"
"Traffic:\n"
"  --target ADDR:PORT inner destination (default 10.99.2.2:9)\n"
"  --duration S       length of the run phase (idle/steady/blast: 10)\n"
"  --rate PPS         packets per second per client (steady; blast: a cap)\n"
"  --bytes N          steady: each client sends N bytes, then the run ends\n"
"  --window N         steady without --rate: unechoed packets (default 8)\n"
"  --size N           inner IPv4 packet length, 76..tun-mtu (default 1400)\n"
"  --batch N          packets per sendmmsg / token burst (default 64)\n"
"  --echo             blast: have every packet echoed (default: counted)\n"
"  --no-gso           blast: sendmmsg batches instead of UDP GSO trains\n"
"  --adapt            blast: pace to what the echo host receives (grow 10 %%\n"
"                     per 50 ms while loss < 1 %% and RTT < max(5 ms, 10 x\n"
"                     the lowest), else fall back): the rate the path\n"
"                     carries without loss or queueing, not overload\n"
"  --drain S          wait S seconds for the last echoes (default 1)\n"
"  --abuse KIND       steady/blast: send what a misbehaving client would,\n"
"                     for the server to drop and count: oversized (inner\n"
"                     packets tun-mtu + 100 bytes long, ignores --size)\n"
"                     or malformed (IPv4 headers with a wrong total\n"
"                     length, header length or version, or cut short)\n"
"\n"
"Leaving:\n"
"  --no-exit          vanish without EXIT / OCC_EXIT\n"
"  --exit-wait S      wait at most S seconds for EXIT to be ACKed (2)\n"
"\n"
"Echo server:\n"
"  --listen ADDR:PORT where to listen (default 0.0.0.0:9); runs until\n"
"                     SIGINT/SIGTERM or --duration\n"
"\n"
"Measurement and output:\n"
"  --server-pid PID   also report that process's CPU time and RSS (/proc)\n"
"  -q, --quiet        no progress lines on stderr\n"
"  -v, --verbose      log every client failure\n"
"  -h, --help\n"
"\n"
"The report ends with one line of key=value pairs, starting with\n"
"'mcnload-result mode=...'.  Keys: clients concurrency ok failed t_all_ms\n"
"hs_per_s (connected / time from first start to last connect)\n"
"lat_p50_ms lat_p99_ms lat_max_ms (connect latency: reset sent ->\n"
"data channel up) srv_cpu_s srv_cpu_per_hs_ms srv_rss_kb\n"
"srv_rss_per_client_kb (with --server-pid, over the connect phase)\n"
"self_cpu_per_hs_ms self_rss_kb; idle/hold: up_at_end failed_after_up\n"
"pings_tx pings_rx; traffic: duration_s size tx_pkts tx_mbps\n"
"delivered_pkts delivered_mbps (counted by the echo host) loss_up_pct\n"
"rx_pkts rx_mbps loss_down_pct loss_rt_pct (echo) rtt_p50_ms rtt_p99_ms\n"
"rtt_samples srv_cpu_run_s srv_core_pct srv_us_per_pkt; exit_cc exit_acked\n"
"exit_occ (how clients left); fail_REASON=N per failure reason;\n"
"udp_tx_err ctl_bad data_bad inner_bad.  Mbit/s count\n"
"inner IPv4 packets.  Exit status: 0 if every client connected and none\n"
"failed, 1 otherwise, 2 for usage errors.\n");
}

enum {
	O_STORM = 256, O_IDLE, O_STEADY, O_BLAST, O_ECHO_SERVER, O_REMOTE,
	O_BIND, O_CA, O_CERT, O_KEY, O_CERT_DIR, O_CERT_BASE, O_TLS_AUTH,
	O_KEY_DIR, O_AUTH, O_CIPHERS, O_IV_PROTO, O_IV_VER, O_IV_PLAT,
	O_TUN_MTU, O_TLS_MIN, O_HAND_WINDOW, O_PUSH_REQ, O_CONCURRENCY,
	O_CONNECT_RATE, O_TARGET, O_DURATION, O_RATE, O_BYTES, O_WINDOW,
	O_SIZE, O_BATCH, O_ECHO, O_NO_GSO, O_ADAPT, O_DRAIN, O_NO_EXIT,
	O_EXIT_WAIT, O_LISTEN, O_SERVER_PID, O_ABUSE,
};

static const struct option long_opts[] = {
	{ "storm", required_argument, NULL, O_STORM },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "steady", required_argument, NULL, O_STEADY },
	{ "blast", no_argument, NULL, O_BLAST },
	{ "echo-server", no_argument, NULL, O_ECHO_SERVER },
	{ "remote", required_argument, NULL, O_REMOTE },
	{ "bind", required_argument, NULL, O_BIND },
	{ "ca", required_argument, NULL, O_CA },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "cert-dir", required_argument, NULL, O_CERT_DIR },
	{ "cert-base", required_argument, NULL, O_CERT_BASE },
	{ "tls-auth", required_argument, NULL, O_TLS_AUTH },
	{ "key-direction", required_argument, NULL, O_KEY_DIR },
	{ "auth", required_argument, NULL, O_AUTH },
	{ "ciphers", required_argument, NULL, O_CIPHERS },
	{ "iv-proto", required_argument, NULL, O_IV_PROTO },
	{ "iv-ver", required_argument, NULL, O_IV_VER },
	{ "iv-plat", required_argument, NULL, O_IV_PLAT },
	{ "tun-mtu", required_argument, NULL, O_TUN_MTU },
	{ "tls-min", required_argument, NULL, O_TLS_MIN },
	{ "hand-window", required_argument, NULL, O_HAND_WINDOW },
	{ "push-request", required_argument, NULL, O_PUSH_REQ },
	{ "concurrency", required_argument, NULL, O_CONCURRENCY },
	{ "connect-rate", required_argument, NULL, O_CONNECT_RATE },
	{ "target", required_argument, NULL, O_TARGET },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "rate", required_argument, NULL, O_RATE },
	{ "bytes", required_argument, NULL, O_BYTES },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "size", required_argument, NULL, O_SIZE },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "echo", no_argument, NULL, O_ECHO },
	{ "no-gso", no_argument, NULL, O_NO_GSO },
	{ "adapt", no_argument, NULL, O_ADAPT },
	{ "drain", required_argument, NULL, O_DRAIN },
	{ "no-exit", no_argument, NULL, O_NO_EXIT },
	{ "exit-wait", required_argument, NULL, O_EXIT_WAIT },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "server-pid", required_argument, NULL, O_SERVER_PID },
	{ "abuse", required_argument, NULL, O_ABUSE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
die_usage(const char *opt, const char *why)
{
	fprintf(stderr, "mcnload: %s: %s (mcnload -h for help)\n", opt, why);
	exit(2);
}

static double
arg_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "want a number in %g..%g", lo, hi);
		die_usage(opt, why);
	}
	return v;
}

/* ADDR:PORT, or ADDR alone when port_default >= 0. */
static void
arg_addr(const char *opt, const char *s, struct sockaddr_in *sin,
    int port_default)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	long port = port_default;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (n >= sizeof(host))
		die_usage(opt, "address too long");
	memcpy(host, s, n);
	host[n] = '\0';
	if (colon != NULL)
		port = (long)arg_num(opt, colon + 1, 0, 65535);
	if (port < 0)
		die_usage(opt, "want ADDR:PORT");
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die_usage(opt, "want an IPv4 address");
	sin->sin_port = htons((uint16_t)port);
}

static void
set_mode(struct mcn_conf *cf, enum mcn_mode mode, const char *n)
{
	if (cf->mode != MODE_NONE)
		die_usage("mode", "give exactly one mode");
	cf->mode = mode;
	if (n != NULL)
		cf->nclients = (unsigned)arg_num("clients", n, 1, 1000000);
	else
		cf->nclients = mode == MODE_BLAST ? 1 : 0;
}

void
mcn_parse_args(int argc, char **argv, struct mcn_conf *cf)
{
	int ch;

	memset(cf, 0, sizeof(*cf));
	arg_addr("--remote", "10.99.1.1:1194", &cf->remote, -1);
	arg_addr("--target", "10.99.2.2:9", &cf->target, -1);
	arg_addr("--listen", "0.0.0.0:9", &cf->listen, -1);
	cf->cert_base = 1;
	cf->key_dir = 1;
	cf->auth = "SHA1";
	cf->ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
	cf->iv_proto = 990;
	cf->iv_ver = "2.6.14";
	cf->iv_plat = "linux";
	cf->tun_mtu = 1500;
	cf->tls_min = TLS1_2_VERSION;
	cf->hand_window_s = 60;
	cf->push_request_s = 1;
	cf->concurrency = 100;
	cf->duration_s = -1;
	cf->size = 1400;
	cf->window = 8;
	cf->batch = 64;
	cf->drain_s = 1;
	cf->exit_wait_s = 2;

	while ((ch = getopt_long(argc, argv, "qvh", long_opts, NULL)) != -1) {
		switch (ch) {
		case O_STORM: set_mode(cf, MODE_STORM, optarg); break;
		case O_IDLE: set_mode(cf, MODE_IDLE, optarg); break;
		case O_STEADY: set_mode(cf, MODE_STEADY, optarg); break;
		case O_BLAST: set_mode(cf, MODE_BLAST, NULL); break;
		case O_ECHO_SERVER: set_mode(cf, MODE_ECHO, NULL); break;
		case O_REMOTE: arg_addr("--remote", optarg, &cf->remote, 1194); break;
		case O_BIND:
			arg_addr("--bind", optarg, &cf->bind, 0);
			cf->have_bind = true;
			break;
		case O_CA: cf->ca = optarg; break;
		case O_CERT: cf->cert = optarg; break;
		case O_KEY: cf->key = optarg; break;
		case O_CERT_DIR: cf->cert_dir = optarg; break;
		case O_CERT_BASE:
			cf->cert_base = (unsigned)arg_num("--cert-base", optarg,
			    0, 1e9);
			break;
		case O_TLS_AUTH: cf->ta_file = optarg; break;
		case O_KEY_DIR:
			if (strcmp(optarg, "none") == 0)
				cf->key_dir = -1;
			else
				cf->key_dir = (int)arg_num("--key-direction",
				    optarg, 0, 1);
			break;
		case O_AUTH: cf->auth = optarg; break;
		case O_CIPHERS: cf->ciphers = optarg; break;
		case O_IV_PROTO:
			cf->iv_proto = (unsigned)arg_num("--iv-proto", optarg, 0,
			    65535);
			break;
		case O_IV_VER: cf->iv_ver = optarg; break;
		case O_IV_PLAT: cf->iv_plat = optarg; break;
		case O_TUN_MTU:
			cf->tun_mtu = (int)arg_num("--tun-mtu", optarg, 576, 1500);
			break;
		case O_TLS_MIN:
			if (strcmp(optarg, "1.2") == 0)
				cf->tls_min = TLS1_2_VERSION;
			else if (strcmp(optarg, "1.3") == 0)
				cf->tls_min = TLS1_3_VERSION;
			else
				die_usage("--tls-min", "want 1.2 or 1.3");
			break;
		case O_HAND_WINDOW:
			cf->hand_window_s = arg_num("--hand-window", optarg, 1, 3600);
			break;
		case O_PUSH_REQ:
			cf->push_request_s = arg_num("--push-request", optarg,
			    0.01, 60);
			break;
		case O_CONCURRENCY:
			cf->concurrency = (unsigned)arg_num("--concurrency",
			    optarg, 1, 1000000);
			break;
		case O_CONNECT_RATE:
			cf->connect_rate = arg_num("--connect-rate", optarg, 0, 1e7);
			break;
		case O_TARGET: arg_addr("--target", optarg, &cf->target, -1); break;
		case O_DURATION:
			cf->duration_s = arg_num("--duration", optarg, 0, 1e6);
			break;
		case O_RATE: cf->rate = arg_num("--rate", optarg, 0, 1e8); break;
		case O_BYTES:
			cf->bytes = (uint64_t)arg_num("--bytes", optarg, 1, 1e15);
			break;
		case O_WINDOW:
			cf->window = (unsigned)arg_num("--window", optarg, 1, 65536);
			break;
		case O_SIZE:
			cf->size = (unsigned)arg_num("--size", optarg,
			    INNER_HDRS + PROBE_LEN, 1500);
			break;
		case O_BATCH:
			cf->batch = (unsigned)arg_num("--batch", optarg, 1, 256);
			break;
		case O_ECHO: cf->blast_echo = true; break;
		case O_NO_GSO: cf->no_gso = true; break;
		case O_ADAPT: cf->adapt = true; break;
		case O_DRAIN: cf->drain_s = arg_num("--drain", optarg, 0, 60); break;
		case O_NO_EXIT: cf->no_exit = true; break;
		case O_EXIT_WAIT:
			cf->exit_wait_s = arg_num("--exit-wait", optarg, 0, 60);
			break;
		case O_LISTEN: arg_addr("--listen", optarg, &cf->listen, 9); break;
		case O_SERVER_PID:
			cf->server_pid = (pid_t)arg_num("--server-pid", optarg, 1,
			    4194304);
			break;
		case O_ABUSE:
			cf->abuse = strcmp(optarg, "oversized") == 0 ?
			    ABUSE_OVERSIZED : strcmp(optarg, "malformed") == 0 ?
			    ABUSE_MALFORMED : ABUSE_NONE;
			if (cf->abuse == ABUSE_NONE)
				die_usage("--abuse", "want oversized or malformed");
			break;
		case 'q': cf->quiet = true; break;
		case 'v': cf->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc)
		die_usage(argv[optind], "unexpected argument");
	if (cf->mode == MODE_NONE)
		die_usage("mode", "give one of --storm, --idle, --steady, "
		    "--blast, --echo-server");
	if (cf->mode == MODE_ECHO)
		return;
	if (cf->duration_s < 0)
		cf->duration_s = cf->mode == MODE_STORM ? 0 : 10;
	if (cf->ta_file == NULL)
		die_usage("--tls-auth", "required (the server's HMAC firewall)");
	if (cf->ca == NULL)
		die_usage("--ca", "required");
	if (cf->cert_dir == NULL && (cf->cert == NULL || cf->key == NULL))
		die_usage("--cert/--key", "give both, or --cert-dir");
	if (cf->abuse != ABUSE_NONE && cf->mode != MODE_STEADY &&
	    cf->mode != MODE_BLAST)
		die_usage("--abuse", "only with --steady or --blast");
	if (cf->abuse == ABUSE_OVERSIZED)
		cf->size = (unsigned)cf->tun_mtu + ABUSE_OVER;
	else if ((int)cf->size > cf->tun_mtu)
		die_usage("--size", "larger than --tun-mtu");
}
