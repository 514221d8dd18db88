/*
 * mcnflood: floods a server with control packets, for the flood tests and
 * benchmarks (issue 7).
 *
 *   mcnflood -t HOST -p PORT [-d SECONDS] [-r PPS] MODE [args]
 *
 * MODE
 *   forged            HARD_RESET_CLIENT_V2-shaped packets with a wrong
 *                     tls-auth HMAC (what an attacker without the key
 *                     sends): the server must drop them after one HMAC.
 *   resets KEYFILE DIGEST
 *                     valid-looking resets (right HMAC, key direction 1)
 *                     with fresh session ids: the server answers
 *                     statelessly and must keep no state.
 *   -s NET/PREFIX     (with either mode) spoof the source address from
 *                     NET/PREFIX, through a raw socket: every packet from
 *                     another address (needs root; only addresses inside
 *                     the test's own namespaces, e.g. 10.99.3.0/24).
 *
 * Prints one line: mode=.. sent=.. seconds=.. pps=..
 * Packets are sent with sendmmsg in batches of 64 (raw: one per call).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "pkt.h"
#include "statickey.h"
#include "tlsauth.h"

#define BATCH	64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mcnflood -t HOST -p PORT [-d SECONDS] "
	    "[-r PPS] [-s NET/PREFIX] forged | resets KEYFILE DIGEST\n");
	exit(2);
}

/*
 * A client reset: valid HMAC if ta != NULL, else garbage where the HMAC
 * is.  Session ids come from a counter: cheap, distinct, never zero.
 */
static size_t
make_reset(struct tlsauth *ta, uint32_t pid, uint8_t *out, size_t cap)
{
	static uint64_t sidctr = 0x5a5a000000000001ull;
	struct ctl_hdr h;
	uint8_t body[16];
	struct wbuf wb, bw;
	struct pkt_ack ack = { .n = 0 };
	uint64_t sid = sidctr++;
	int i;

	memset(&h, 0, sizeof(h));
	h.op = P_CONTROL_HARD_RESET_CLIENT_V2;
	for (i = 0; i < 8; i++, sid >>= 8)
		h.sid[i] = (uint8_t)sid;
	h.pid = pid;
	h.ptime = (uint32_t)time(NULL);
	wbuf_init(&bw, body, sizeof(body));
	pkt_body_write(&bw, h.op, &ack, 0, NULL, 0);
	if (ta != NULL) {
		wbuf_init(&wb, out, cap);
		if (tlsauth_wrap(ta, &wb, &h, body, bw.len) == -1)
			return 0;
		return wb.len;
	}
	/* Same size as a SHA256 reset (54 bytes), garbage where the HMAC is. */
	out[0] = pkt_op_byte(h.op, 0);
	memcpy(out + 1, h.sid, 8);
	for (i = 0; i < 32; i++)		/* not a valid HMAC */
		out[9 + i] = (uint8_t)(sidctr * 131 + (uint64_t)i * 7);
	be32_put(out + 41, h.pid);
	be32_put(out + 45, h.ptime);
	memcpy(out + 49, body, bw.len);
	return 49 + bw.len;
}

static uint16_t
csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;

	for (; n > 1; n -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (n)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 + UDP headers in front of payload, from src to dst. */
static size_t
make_raw(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    const uint8_t *payload, size_t plen, uint8_t *out)
{
	struct iphdr *ip = (struct iphdr *)out;
	struct udphdr *udp = (struct udphdr *)(out + sizeof(*ip));
	uint8_t pseudo[12];
	uint32_t sum = 0;
	size_t i;

	memset(out, 0, sizeof(*ip) + sizeof(*udp));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src;
	ip->daddr = dst;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*udp) + plen));
	ip->check = htons(csum(ip, sizeof(*ip), 0));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons((uint16_t)(sizeof(*udp) + plen));
	memcpy(out + sizeof(*ip) + sizeof(*udp), payload, plen);
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	memcpy(pseudo + 10, &udp->len, 2);
	for (i = 0; i < 12; i += 2)
		sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	udp->check = htons(csum(udp, sizeof(*udp) + plen, sum));
	if (udp->check == 0)
		udp->check = 0xffff;
	return sizeof(*ip) + sizeof(*udp) + plen;
}

int
main(int argc, char *argv[])
{
	const char *host = NULL, *spoof = NULL, *mode;
	struct tlsauth *ta = NULL;
	struct sockaddr_in to;
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	static uint8_t pkts[BATCH][128], raw[256];
	uint32_t snet = 0, smask = 0, pid = 1;
	double secs = 5, rate = 0, t0, t;
	unsigned long long sent = 0;
	int port = 0, ch, fd, i, prefix;

	while ((ch = getopt(argc, argv, "t:p:d:r:s:")) != -1) {
		switch (ch) {
		case 't': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 's': spoof = optarg; break;
		default: usage();
		}
	}
	if (host == NULL || port <= 0 || optind >= argc)
		usage();
	mode = argv[optind];
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
		usage();
	if (strcmp(mode, "resets") == 0) {
		uint8_t key[STATICKEY_LEN];
		char err[256], *text;
		FILE *f;
		long n;
		int rc;

		if (optind + 2 >= argc)
			usage();
		if ((f = fopen(argv[optind + 1], "r")) == NULL ||
		    fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		    (text = malloc((size_t)n + 1)) == NULL) {
			perror(argv[optind + 1]);
			return 1;
		}
		rewind(f);
		text[fread(text, 1, (size_t)n, f)] = '\0';
		fclose(f);
		rc = statickey_parse(text, strlen(text), key, err, sizeof(err));
		OPENSSL_cleanse(text, (size_t)n + 1);
		free(text);
		if (rc == -1 || (ta = tlsauth_new(key, 1, argv[optind + 2],
		    err, sizeof(err))) == NULL) {
			OPENSSL_cleanse(key, sizeof(key));
			fprintf(stderr, "mcnflood: %s\n", err);
			return 1;
		}
		OPENSSL_cleanse(key, sizeof(key));
	} else if (strcmp(mode, "forged") != 0)
		usage();
	if (spoof != NULL) {
		char buf[64], *slash;

		snprintf(buf, sizeof(buf), "%s", spoof);
		if ((slash = strchr(buf, '/')) == NULL)
			usage();
		*slash = '\0';
		prefix = atoi(slash + 1);
		if (inet_pton(AF_INET, buf, &snet) != 1 || prefix < 8 ||
		    prefix > 30)
			usage();
		smask = htonl(~0u << (32 - prefix));
		if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) == -1) {
			perror("raw socket");
			return 1;
		}
	} else if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
		perror("socket");
		return 1;
	}

	for (i = 0; i < BATCH; i++) {
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_name = &to;
		msg[i].msg_hdr.msg_namelen = sizeof(to);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		iov[i].iov_base = pkts[i];
	}
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		if (rate > 0 && (double)sent > rate * (t - t0)) {
			usleep(200);
			continue;
		}
		if (spoof != NULL) {
			uint32_t r, src;
			size_t n;

			RAND_bytes((uint8_t *)&r, sizeof(r));
			src = (snet & smask) | (r & ~smask);
			n = make_reset(ta, pid++, pkts[0], sizeof(pkts[0]));
			n = make_raw(src, to.sin_addr.s_addr,
			    (uint16_t)(1024 + (r >> 16) % 60000), (uint16_t)port,
			    pkts[0], n, raw);
			if (sendto(fd, raw, n, 0, (struct sockaddr *)&to,
			    sizeof(to)) > 0)
				sent++;
			continue;
		}
		for (i = 0; i < BATCH; i++)
			iov[i].iov_len = make_reset(ta, pid++, pkts[i],
			    sizeof(pkts[i]));
		if ((ch = sendmmsg(fd, msg, BATCH, 0)) > 0)
			sent += (unsigned long long)ch;
	}
	t = now_s() - t0;
	printf("mode=%s spoofed=%s sent=%llu seconds=%.2f pps=%.0f\n", mode,
	    spoof ? "yes" : "no", sent, t, (double)sent / t);
	tlsauth_free(ta);
	close(fd);
	return 0;
}
