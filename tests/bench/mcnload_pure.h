/*
 * The pure parts of mcnload: PUSH_REPLY parsing, the peer-info and OCC
 * strings a 2.6 client sends, inner IPv4/UDP packets with their
 * checksums, the probe header, and a latency histogram.  Functions over
 * buffers only (libc, no sockets, no OpenSSL, no globals), so
 * tests/unit/test_mcnload.c links these files alone.
 */
#ifndef MCN_LOAD_PURE_H
#define MCN_LOAD_PURE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- pure: PUSH_REPLY, peer-info, OCC options (mcnload_push.c) ---- */

struct push_opts {
	bool		have_ifconfig;
	struct in_addr	vip, mask;		/* ifconfig A M */
	bool		have_peer_id;
	uint32_t	peer_id;
	char		cipher[32];		/* "" if not pushed */
	bool		cc_exit, tls_ekm, dyn_tls_crypt;
	unsigned	unknown_flags;		/* protocol-flags we do not know */
	int		ping, ping_restart;	/* 0 if not pushed */
	int		tun_mtu;		/* 0 if not pushed */
	bool		topology_subnet;
	bool		have_route_gw;
	struct in_addr	route_gw;
	unsigned	nopts;			/* options seen, all messages */
	unsigned	nother;			/* options we only count */
	unsigned	nmsgs;			/* PUSH_REPLY messages seen */
};

void	push_opts_init(struct push_opts *);
/*
 * Parses one PUSH_REPLY message (without its NUL) into po, cumulatively
 * over push-continuation messages.  Returns 1 when the reply is complete
 * (no continuation, or "push-continuation 1"), 2 when more messages
 * follow, -1 with a reason in err for a malformed message or a known
 * option with a bad value.
 */
int	push_reply_parse(const char *msg, struct push_opts *po, char *err,
	    size_t errlen);

/* The peer-info block a Debian 2.6.14 client sends (spec §6.4). */
struct peer_info_conf {
	const char	*ver;		/* IV_VER, "2.6.14" */
	const char	*plat;		/* IV_PLAT, "linux" */
	int		 mtu;		/* IV_MTU, tun-mtu + 100 */
	const char	*ciphers;	/* IV_CIPHERS */
	unsigned	 proto;		/* IV_PROTO, 990 */
};
/* Returns the length written (without NUL), or -1 if cap is too small. */
int	mcn_peer_info(char *out, size_t cap, const struct peer_info_conf *);
/*
 * The client's OCC options string (spec §6.3); keydir < 0 omits it.
 * link-mtu is the legacy value 2.6 computes for BF-CBC + the tls-auth
 * digest (1553 for SHA256, as captured).  Length or -1.
 */
int	mcn_occ_options(char *out, size_t cap, int tun_mtu, int keydir,
	    const char *auth, size_t hmac_len);
/* The "cipher X" item of an OCC options string, into out; 0 or -1. */
int	mcn_occ_cipher(const char *options, char *out, size_t cap);

/* ---- pure: inner IPv4/UDP packets and the probe (mcnload_inner.c) ---- */

#define INNER_IP_HDR	20
#define INNER_UDP_HDR	8
#define INNER_HDRS	(INNER_IP_HDR + INNER_UDP_HDR)

struct inner_flow {
	uint32_t	src, dst;	/* network byte order */
	uint16_t	sport, dport;	/* host byte order */
};

/* Ones'-complement sum (RFC 1071) of p, added to sum; fold with csum_fold. */
uint32_t	csum_add(uint32_t sum, const void *p, size_t len);
uint16_t	csum_fold(uint32_t sum);	/* result in wire order */

/*
 * Writes IPv4 + UDP headers and payload into buf (DF set, TTL 64, both
 * checksums).  Returns the packet length, or 0 if cap is too small or
 * the packet would exceed 65535 bytes.
 */
size_t	inner_udp_build(uint8_t *buf, size_t cap, const struct inner_flow *,
	    uint16_t ip_id, const uint8_t *payload, size_t plen);
/*
 * Checks an IPv4/UDP packet (version, lengths, header checksum, UDP
 * checksum unless zero) and returns its flow and payload.  0, or -1 with
 * a static reason in *why.
 */
int	inner_udp_parse(const uint8_t *p, size_t len, struct inner_flow *,
	    const uint8_t **payload, size_t *plen, const char **why);

/*
 * --abuse malformed: breaks a well-formed IPv4 packet of len bytes (from
 * inner_udp_build) in one of INNER_MALFORM_KINDS ways, chosen by n % 4:
 *   0  total length 100 more than the packet has
 *   1  header length 16 bytes (IHL 4)
 *   2  IP version 5
 *   3  cut to 12 bytes, shorter than any IP header
 * The header checksum is recomputed (0..2), so only that field is wrong.
 * Returns the new length.
 */
#define INNER_MALFORM_KINDS	4
size_t	inner_malform(uint8_t *p, size_t len, unsigned n);

/*
 * The probe: the first bytes of every inner UDP payload mcnload sends.
 * The echo server fills in srv_pkts/srv_bytes (what it has received on
 * this flow so far) before echoing, or answers with a report only.
 */
#define PROBE_MAGIC	0x4d434e4cu	/* "MCNL" */
#define PROBE_LEN	48
#define PROBE_ECHO	0x01	/* echo the whole datagram back */
#define PROBE_COUNT	0x02	/* only count it; report now and then */
#define PROBE_REPORT	0x04	/* this is a report from the echo server */
#define PROBE_FLUSH	0x08	/* answer at once (end of a run) */

struct probe {
	uint8_t		flags;
	uint32_t	run;		/* random per mcnload run */
	uint32_t	flow;		/* client index */
	uint64_t	seq;
	uint64_t	ts_ns;		/* sender's monotonic clock */
	uint64_t	srv_pkts, srv_bytes;
};

void	probe_put(uint8_t *p, const struct probe *);
/* 0, or -1 if p is shorter than PROBE_LEN or lacks the magic. */
int	probe_get(const uint8_t *p, size_t len, struct probe *);
/* Rewrites only the echo server's fields of a probe in place. */
void	probe_set_srv(uint8_t *p, uint64_t pkts, uint64_t bytes);

/* ---- pure: latency histogram (mcnload_hist.c) ---- */

/* Log-linear buckets: 16 per power of two (<= 6.25 % error), 1 ns..2^40 ns. */
#define HIST_SUB	16
#define HIST_BUCKETS	((40 - 3) * HIST_SUB)

struct hist {
	uint64_t	b[HIST_BUCKETS];
	uint64_t	n, min, max;
	double		sum;
};

void		hist_init(struct hist *);
void		hist_add(struct hist *, uint64_t ns);
/* The value below which a fraction q (0..1) of samples lie; 0 if empty. */
uint64_t	hist_quantile(const struct hist *, double q);
/* Exact quantile of a sorted array (nearest rank). */
uint64_t	sorted_quantile(const uint64_t *v, size_t n, double q);

#endif /* MCN_LOAD_PURE_H */
