/*
 * mcnload: protocol-level OpenVPN 2.6 clients by the thousand, from one
 * process, without tun devices (issue 4, "Load generator").
 *
 * Each simulated client is a struct client driven by one event loop
 * (epoll, one thread): its own UDP socket connected to the server, the
 * control channel of common/ (tls-auth, reliable, TLS over memory BIOs,
 * key-method-2, PUSH_REPLY) and a data channel (common/datachan) that
 * carries crafted inner IPv4/UDP packets to an "internet host" running
 * the built-in echo server.
 *
 * Files:
 *   mcnload.c         set-up, the phase machine, main
 *   mcnload_opts.c    the command line and the usage text
 *   mcnload_client.c  one client's control channel, handshake to PUSH_REPLY
 *   mcnload_data.c    data keys, keepalive, traffic, inner packets in/out
 *   mcnload_loop.c    sockets, epoll, timer heap, batched send/receive
 *   mcnload_report.c  counters, summary table and key=value line
 *   mcnload_echo.c    --echo-server for the internet-host namespace
 *   mcnload_push.c    pure: PUSH_REPLY parser, peer-info, OCC options
 *   mcnload_inner.c   pure: IPv4/UDP crafting, checksums, probe header
 *   mcnload_hist.c    pure: latency histogram and percentiles
 * The pure files depend on nothing but libc; tests/unit/test_mcnload.c
 * links them alone.
 */
#ifndef MCN_LOAD_H
#define MCN_LOAD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcnload_pure.h"

/* ---- the load generator proper ---- */

enum mcn_mode {
	MODE_NONE,
	MODE_STORM,
	MODE_IDLE,
	MODE_STEADY,
	MODE_BLAST,
	MODE_ECHO,
};

/* --abuse: what a misbehaving client sends instead of its probes. */
enum mcn_abuse {
	ABUSE_NONE,
	ABUSE_OVERSIZED,	/* inner packets tun-mtu + ABUSE_OVER long */
	ABUSE_MALFORMED,	/* broken IPv4 headers (inner_malform) */
};
#define ABUSE_OVER	100

struct mcn_conf {
	enum mcn_mode	 mode;
	enum mcn_abuse	 abuse;
	unsigned	 nclients;
	struct sockaddr_in remote, bind, target, listen;
	bool		 have_bind;
	const char	*ca, *cert, *key, *cert_dir;
	unsigned	 cert_base;
	const char	*ta_file;
	int		 key_dir;	/* 0, 1, or -1 = none */
	const char	*auth;		/* tls-auth digest */
	const char	*ciphers;	/* IV_CIPHERS */
	unsigned	 iv_proto;
	const char	*iv_ver, *iv_plat;
	int		 tun_mtu;
	int		 tls_min;	/* TLS1_2_VERSION / TLS1_3_VERSION */
	double		 hand_window_s;
	double		 push_request_s;
	unsigned	 concurrency;
	double		 connect_rate;	/* starts per second, 0 = no limit */
	double		 duration_s;
	double		 rate;		/* packets per second per client */
	uint64_t	 bytes;		/* per client, steady */
	unsigned	 size;		/* inner IPv4 packet length */
	unsigned	 window;	/* unechoed packets per client */
	unsigned	 batch;		/* blast: packets per sendmmsg */
	bool		 blast_echo;
	bool		 no_gso;
	bool		 adapt;		/* blast paced to the delivered rate */
	bool		 no_exit;
	double		 exit_wait_s;
	double		 drain_s;
	pid_t		 server_pid;
	bool		 quiet;
	int		 verbose;
};

/* Client states, in handshake order. */
enum cstate {
	CS_NEW,		/* not started */
	CS_RESET,	/* HARD_RESET_CLIENT_V2 sent, waiting for the server's */
	CS_TLS,		/* TLS handshake */
	CS_KM2,		/* our key-method-2 sent, waiting for the server's */
	CS_PUSH,	/* waiting for PUSH_REPLY */
	CS_UP,		/* data channel keys derived */
	CS_EXIT,	/* EXIT sent, waiting for its ACK */
	CS_DONE,	/* left cleanly */
	CS_FAILED,
};

enum fail_reason {
	FR_NONE,
	FR_TIMEOUT_RESET,	/* no HARD_RESET_SERVER_V2 within hand-window */
	FR_TIMEOUT_TLS,
	FR_TIMEOUT_KM2,
	FR_TIMEOUT_PUSH,
	FR_TLS,			/* TLS handshake or read failed */
	FR_AUTH_FAILED,
	FR_BAD_KM2,
	FR_BAD_PUSH,
	FR_KEYS,		/* no usable cipher / key derivation failed */
	FR_RESTART,		/* server sent RESTART */
	FR_HALT,
	FR_EXIT_RECEIVED,
	FR_PING_RESTART,	/* no packet from the server for ping-restart */
	FR_SOCKET,
	FR_RESOURCE,		/* out of memory, no TLS session */
	FR_ABORTED,		/* stopped by a signal while connecting */
	FR__MAX
};

const char	*fail_name(enum fail_reason);

/* Room for any packet we send or receive (data: tun-mtu + overhead). */
#define MCN_BUF_LEN	2048

struct hs;		/* handshake scratch, freed once up (mcnload_client.c) */
struct tlsmem;
struct tlsmem_ctx;
struct dc_key;
struct mcn;

#include "reliable.h"
#include "replay.h"

struct client {
	uint32_t	 idx;
	uint8_t		 state;		/* enum cstate */
	uint8_t		 fail;		/* enum fail_reason */
	uint8_t		 key_id;
	bool		 cc_exit;
	bool		 sent_all;	/* --bytes reached */
	int		 fd;
	uint32_t	 heap_pos;	/* UINT32_MAX = not queued */
	uint64_t	 next_ms;	/* timer deadline, UINT64_MAX = none */
	uint8_t		 sid[8], rsid[8];
	bool		 have_rsid;
	uint32_t	 ctl_pid, ctl_time;	/* tls-auth replay id we send */
	struct replay_long ctl_replay;
	struct reliable	 rel;
	struct tlsmem	*tls;
	struct tlsmem_ctx *tls_ctx;	/* own context (--cert-dir) */
	struct hs	*hs;
	/* data channel */
	struct dc_key	*dc;
	uint32_t	 peer_id;	/* PKT_PEER_ID_NONE: P_DATA_V1 */
	uint32_t	 tx_pid;
	struct replay_win rx_replay;
	struct in_addr	 vip;
	int		 ping_s, ping_restart_s;
	uint64_t	 last_rx_ms, last_tx_ms;
	uint64_t	 deadline_ms;	/* hand-window / exit wait */
	uint64_t	 t_start_ns, t_up_ns;
	/* traffic */
	double		 tokens;
	uint64_t	 tok_ms;
	uint64_t	 tx_seq;
	uint64_t	 tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t	 srv_pkts, srv_bytes;	/* latest report */
	uint64_t	 forgiven;	/* window credit for packets taken as lost */
	uint64_t	 last_echo_ms;
	uint16_t	 ip_id;
};

struct proc_sample {
	double		cpu_s;		/* utime + stime */
	long		rss_kb;
	bool		ok;
};

/* Phases of a run (mcnload.c drives them). */
enum mcn_phase {
	PH_CONNECT,	/* start clients through the concurrency window */
	PH_RUN,		/* idle / steady / blast for --duration */
	PH_DRAIN,	/* stop sending, collect the last echoes */
	PH_EXIT,	/* EXIT / OCC_EXIT, wait for the ACKs */
	PH_END,
};

struct mcn_stats {
	uint64_t	 t0_ns;			/* first client started */
	uint64_t	 t_last_up_ns;
	uint64_t	 t_connect_end_ns;	/* all up or failed */
	uint64_t	 t_run_ns, t_run_end_ns;
	uint64_t	*connect_ns;		/* latencies of clients up */
	size_t		 n_connect;
	unsigned	 fail[FR__MAX];
	char		 fail_sample[FR__MAX][160];
	unsigned	 fail_run;		/* failures after connecting */
	unsigned	 up_at_run_end;
	struct hist	 rtt;
	/* wire counters */
	uint64_t	 udp_tx, udp_rx, udp_tx_err;
	uint64_t	 ctl_tx, ctl_rx, ctl_bad, ctl_replay, ctl_other_kid;
	uint64_t	 data_bad, data_replay, data_early, inner_bad, inner_other;
	uint64_t	 foreign;
	uint64_t	 pings_rx, pings_tx;
	unsigned	 exit_cc, exit_acked, exit_occ;	/* how clients left */
	/* traffic, summed when the run phase ends */
	uint64_t	 tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t	 srv_pkts, srv_bytes;
	/* CPU and memory */
	struct proc_sample srv0, srv_up, srv_end;
	double		 self_cpu0, self_cpu_up;
	long		 self_rss_up_kb;
};

/* --adapt state: the paced blast rate and the last report used. */
struct mcn_adapt {
	double		 rate;		/* packets per second */
	uint64_t	 seq, srv;	/* cumulative, at the last step */
	uint64_t	 t_ms;
	uint64_t	 min_rtt_ns;
	unsigned	 steps;
};

struct loop;
struct tlsauth;

struct mcn {
	const struct mcn_conf *conf;
	struct client	*c;
	unsigned	 n;
	/* shared protocol state (one thread: contexts are reused per call) */
	struct tlsauth	*ta;
	struct tlsmem_ctx *tls;		/* shared client context */
	char		 options[512];	/* OCC options string */
	char		 peer_info[1024];
	size_t		 chunk;		/* TLS bytes per P_CONTROL_V1 */
	uint32_t	 run_id;
	bool		 gso;		/* blast with UDP GSO trains */
	struct mcn_adapt adapt;
	/* clock */
	uint64_t	 now_ms, now_ns;
	uint32_t	 now_wall;
	struct loop	*loop;
	/* phase machine */
	enum mcn_phase	 phase;
	uint64_t	 phase_end_ms;
	unsigned	 next_start;	/* next client to start */
	unsigned	 n_hs, n_up, n_ended;	/* handshaking, up, done or failed */
	unsigned	 n_exiting;
	unsigned	 n_sent_all;	/* clients done with --bytes */
	double		 start_tokens;
	uint64_t	 start_tok_ms;
	bool		 stop;		/* a signal asked us to finish */
	bool		 quit;		/* a second one: now */
	uint64_t	 next_progress_ms;
	struct mcn_stats st;
};

/* mcnload_opts.c: the command line (exits 2 on a usage error). */
void	mcn_parse_args(int, char **, struct mcn_conf *);

/* mcnload.c: client state changes feed the phase machine. */
void	mcn_client_up(struct mcn *, struct client *);
void	mcn_client_ended(struct mcn *, struct client *, enum cstate old);
void	mcn_client_exiting(struct mcn *);	/* UP -> EXIT */
bool	mcn_tick(struct mcn *);		/* false when the run is over */
/* Longest the loop may sleep (ms): 0 = busy (blast), -1 = no limit. */
int	mcn_timeout(const struct mcn *);
void	mcn_signal(struct mcn *);

/* mcnload_client.c */
int	client_start(struct mcn *, struct client *);
void	client_input(struct mcn *, struct client *, const uint8_t *, size_t);
void	client_timer(struct mcn *, struct client *);
void	client_fail(struct mcn *, struct client *, enum fail_reason,
	    const char *detail);
void	client_exit(struct mcn *, struct client *);
void	client_free(struct mcn *, struct client *);
int	client_command(struct mcn *, struct client *, const char *);
void	client_flush(struct mcn *, struct client *);
uint64_t client_ctl_deadline(const struct mcn *, const struct client *);

/* mcnload_data.c */
int	data_up(struct mcn *, struct client *, const struct push_opts *,
	    const uint8_t key_block[256], const char *cipher, char *err,
	    size_t errlen);
void	data_input(struct mcn *, struct client *, const uint8_t *, size_t);
void	data_timer(struct mcn *, struct client *);
uint64_t data_deadline(const struct mcn *, const struct client *);
int	data_send_probes(struct mcn *, struct client *, unsigned n);
void	data_send_occ_exit(struct mcn *, struct client *);
void	data_blast(struct mcn *, struct client *);
void	data_flush_probe(struct mcn *, struct client *);
uint64_t mono_ns(void);

/* mcnload_loop.c */
uint8_t	*tx_slot(struct mcn *);
void	 tx_commit(struct mcn *, struct client *, size_t len);
void	 tx_flush(struct mcn *);
/* GSO trains (blast): a 64 KB buffer and one segmented sendmsg. */
#define GSO_BUF_LEN	65000
#define GSO_MAX_SEGS	64
uint8_t	*gso_buf(struct mcn *);
int	 gso_send(struct mcn *, struct client *, const uint8_t *, size_t len,
	    size_t seg);
void	 timer_update(struct mcn *, struct client *);
int	 sock_open(struct mcn *, struct client *);
void	 sock_close(struct mcn *, struct client *);
void	 clock_now(struct mcn *);
int	 loop_init(struct mcn *);
int	 loop_run(struct mcn *);
void	 loop_free(struct mcn *);

/* mcnload_report.c */
void	proc_sample(pid_t, struct proc_sample *);
double	self_cpu_s(void);
long	self_rss_kb(void);
void	report_progress(struct mcn *);
void	report_final(struct mcn *);

/* mcnload_echo.c */
int	echo_server_run(const struct mcn_conf *);

#endif /* MCN_LOAD_H */
