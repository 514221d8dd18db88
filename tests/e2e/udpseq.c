/*
 * udpseq -- a numbered UDP stream for the end-to-end tests: proves that
 * no datagram is lost, duplicated or reordered while the tunnel under it
 * renegotiates keys or floats.
 *
 *   udpseq echo -l ADDR:PORT [-i IDLE] [-T MAX] [-W WINDOW]
 *   udpseq send -c ADDR:PORT [-r PPS] (-n COUNT | -t SECONDS) [-s SIZE]
 *               [-w LINGER] [-W WINDOW] [-p]
 *   udpseq                  self-test (make check runs it)
 *
 * The sender sends COUNT datagrams at PPS, each with a 64-bit sequence
 * number, the total it will send and a CLOCK_MONOTONIC timestamp.  The
 * echo answers each one with a datagram carrying its own sequence number
 * (so the return direction is a numbered stream too), the number it
 * answers and both timestamps.  Both run on one host (in different
 * network namespaces), so one-way delays are meaningful.
 *
 * Each side prints one line of key=value on exit (echo: after IDLE
 * seconds without traffic, MAX seconds, or SIGTERM/SIGINT):
 *   echo: role=echo rx expected lost gaps dup reordered out_of_window
 *         owd_max_us tx gaps_at
 *   send: role=send sent echoed lost gaps dup rev_rx rev_lost rev_dup
 *         rev_reordered rev_out_of_window rtt_avg_us rtt_max_us
 *         rev_owd_max_us t0_ms duration_ms gaps_at
 * "lost" is expected minus distinct numbers received (for the sender:
 * its datagrams that never came back, either way); "gaps" the number of
 * runs of missing numbers, "gaps_at" the first few as START+LEN;
 * "reordered" a number lower than one already seen, "out_of_window" one
 * WINDOW (default 64) or more below the highest seen.  The exit status
 * is 0 whenever the run completed: the test judges the numbers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define US_MAGIC	0x4d434e53u	/* "MCNS" */
#define US_DATA		1
#define US_ECHO		2
#define US_HDR		56		/* bytes of header, the minimum size */
#define US_MAXSIZE	1400
#define US_MAXCOUNT	100000000ull	/* bounds the bitmap: 12.5 MB */
#define US_GAPS_SHOWN	5
#define NS_PER_S	UINT64_C(1000000000)
#define NS_PER_MS	UINT64_C(1000000)

/* Wire layout, big-endian; the rest of a datagram is padding. */
struct us_pkt {
	uint32_t	magic;
	uint8_t		type;
	uint64_t	seq;	/* data: sender's number; echo: echo's own */
	uint64_t	total;	/* data: datagrams the sender will send */
	uint64_t	ts;	/* sender's send time, ns */
	uint64_t	oseq;	/* echo: the number it answers */
	uint64_t	ets;	/* echo: its send time, ns */
};

/*
 * Accounting for one numbered stream.  Invariant: uniq + dup == rx, and
 * every number below limit that was received has its bit set.
 */
struct seqstat {
	uint8_t		*seen;
	uint64_t	 limit;		/* numbers >= limit are refused */
	uint64_t	 window;
	uint64_t	 rx, uniq, dup, reordered, oow, bogus;
	uint64_t	 highest;
	bool		 any;
};

enum seq_verdict { SEQ_NEW, SEQ_REORDERED, SEQ_OOW, SEQ_DUP, SEQ_BOGUS };

static volatile sig_atomic_t stop_flag;

static int
seqstat_init(struct seqstat *st, uint64_t limit, uint64_t window)
{
	memset(st, 0, sizeof(*st));
	if (limit == 0 || limit > US_MAXCOUNT)
		return -1;
	if ((st->seen = calloc((size_t)(limit + 7) / 8, 1)) == NULL)
		return -1;
	st->limit = limit;
	st->window = window;
	return 0;
}

static void
seqstat_free(struct seqstat *st)
{
	free(st->seen);
	st->seen = NULL;
}

static enum seq_verdict
seqstat_add(struct seqstat *st, uint64_t seq)
{
	enum seq_verdict v = SEQ_NEW;

	if (seq >= st->limit) {
		st->bogus++;
		return SEQ_BOGUS;
	}
	st->rx++;
	if (st->seen[seq / 8] & (1u << (seq % 8))) {
		st->dup++;
		return SEQ_DUP;
	}
	st->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	st->uniq++;
	if (!st->any || seq > st->highest) {
		st->highest = seq;
		st->any = true;
	} else if (st->highest - seq >= st->window) {
		st->oow++;
		v = SEQ_OOW;
	} else {
		st->reordered++;
		v = SEQ_REORDERED;
	}
	return v;
}

/*
 * Missing numbers below n: the run count, and the first few runs as
 * "START+LEN" (comma-separated, "-" if none) into buf.
 */
static uint64_t
seqstat_gaps(const struct seqstat *st, uint64_t n, char *buf, size_t len)
{
	uint64_t i, start = 0, runs = 0;
	bool in_gap = false;
	size_t off = 0;

	if (n > st->limit)
		n = st->limit;
	buf[0] = '\0';
	for (i = 0; i <= n; i++) {
		bool missing = i < n && !(st->seen[i / 8] & (1u << (i % 8)));

		if (missing && !in_gap) {
			start = i;
			in_gap = true;
		} else if (!missing && in_gap) {
			if (runs < US_GAPS_SHOWN && off < len)
				off += (size_t)snprintf(buf + off, len - off,
				    "%s%" PRIu64 "+%" PRIu64, runs ? "," : "",
				    start, i - start);
			runs++;
			in_gap = false;
		}
	}
	if (runs == 0)
		snprintf(buf, len, "-");
	return runs;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000;
}

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
pkt_encode(const struct us_pkt *k, uint8_t *buf, size_t size)
{
	memset(buf, 0, size);
	buf[0] = (uint8_t)(k->magic >> 24);
	buf[1] = (uint8_t)(k->magic >> 16);
	buf[2] = (uint8_t)(k->magic >> 8);
	buf[3] = (uint8_t)k->magic;
	buf[4] = k->type;
	put64(buf + 8, k->seq);
	put64(buf + 16, k->total);
	put64(buf + 24, k->ts);
	put64(buf + 32, k->oseq);
	put64(buf + 40, k->ets);
}

/* 0 and *k filled for a well-formed datagram of the expected type. */
static int
pkt_decode(const uint8_t *buf, size_t len, uint8_t type, struct us_pkt *k)
{
	if (len < US_HDR)
		return -1;
	k->magic = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3];
	k->type = buf[4];
	if (k->magic != US_MAGIC || k->type != type)
		return -1;
	k->seq = get64(buf + 8);
	k->total = get64(buf + 16);
	k->ts = get64(buf + 24);
	k->oseq = get64(buf + 32);
	k->ets = get64(buf + 40);
	return 0;
}

/* ADDR:PORT or [ADDR6]:PORT into ss. */
static int
parse_addr(const char *arg, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;
	size_t hl;

	if (colon == NULL)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535 || colon == arg)
		return -1;
	hl = (size_t)(colon - arg);
	if (arg[0] == '[' && hl >= 2 && arg[hl - 1] == ']') {
		arg++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, arg, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr)) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)ss)->sin6_addr)) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static void
on_signal(int sig)
{
	stop_flag = 1;
}

static uint64_t
num_opt(const char *name, const char *arg, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end != '\0' || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "udpseq: -%s %s: expected %" PRIu64 "..%"
		    PRIu64 "\n", name, arg, min, max);
		exit(2);
	}
	return v;
}

/* The echo: answers every data datagram until idle, MAX or a signal. */
static int
run_echo(int fd, uint64_t idle_s, uint64_t max_s, uint64_t window)
{
	struct seqstat st = { 0 };
	uint8_t buf[US_MAXSIZE + 1];
	char gaps_at[128];
	uint64_t tx = 0, expected = 0, owd_max = 0, last = 0, start = now_ns();
	uint64_t gaps = 0;
	struct sockaddr_storage from;
	struct us_pkt k;
	socklen_t fl;
	ssize_t n;

	while (!stop_flag) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();

		if (max_s && t - start >= max_s * NS_PER_S)
			break;
		if (last && t - last >= idle_s * NS_PER_S)
			break;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fl);
		if (n < 0 || pkt_decode(buf, (size_t)n, US_DATA, &k) == -1)
			continue;
		t = now_ns();
		last = t;
		if (st.seen == NULL) {
			if (k.total == 0 ||
			    seqstat_init(&st, k.total, window) == -1) {
				fprintf(stderr, "udpseq: bad total %" PRIu64
				    "\n", k.total);
				return 1;
			}
			expected = k.total;
		}
		seqstat_add(&st, k.seq);
		if (t > k.ts && t - k.ts > owd_max)
			owd_max = t - k.ts;
		k.type = US_ECHO;
		k.oseq = k.seq;
		k.seq = tx;
		k.ets = now_ns();
		pkt_encode(&k, buf, (size_t)n);
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		    fl) == n)
			tx++;
	}
	gaps_at[0] = '-';
	gaps_at[1] = '\0';
	if (st.seen != NULL)
		gaps = seqstat_gaps(&st, expected, gaps_at, sizeof(gaps_at));
	printf("role=echo rx=%" PRIu64 " expected=%" PRIu64 " lost=%" PRIu64
	    " gaps=%" PRIu64 " dup=%" PRIu64 " reordered=%" PRIu64
	    " out_of_window=%" PRIu64 " owd_max_us=%" PRIu64 " tx=%" PRIu64
	    " gaps_at=%s\n", st.rx, expected, expected - st.uniq, gaps,
	    st.dup, st.reordered, st.oow, owd_max / 1000, tx, gaps_at);
	fflush(stdout);
	seqstat_free(&st);
	return 0;
}

struct send_opts {
	uint64_t count, pps, size, linger_s, window;
	bool	 progress;
};

/* The sender: paced numbered datagrams, the echoes accounted as they come. */
static int
run_send(int fd, const struct send_opts *o)
{
	struct seqstat back, rev;
	uint8_t buf[US_MAXSIZE + 1];
	char gaps_at[128];
	uint64_t sent = 0, t0, t0_ms, end = 0, interval, rtt_sum = 0;
	uint64_t rtt_max = 0, owd_max = 0, next_report, gaps;
	struct us_pkt k;
	ssize_t n;

	if (seqstat_init(&back, o->count, o->window) == -1 ||
	    seqstat_init(&rev, o->count * 2, o->window) == -1) {
		fprintf(stderr, "udpseq: out of memory\n");
		return 1;
	}
	interval = NS_PER_S / o->pps;
	t0 = now_ns();
	t0_ms = unix_ms();
	next_report = t0 + NS_PER_S;
	while (!stop_flag) {
		uint64_t t = now_ns(), due = t0 + sent * interval;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec timeout = { 0, 50000000 };

		if (sent < o->count && t >= due) {
			k = (struct us_pkt){ .magic = US_MAGIC, .type = US_DATA,
			    .seq = sent, .total = o->count, .ts = t };
			pkt_encode(&k, buf, o->size);
			/* ECONNREFUSED: an ICMP error from an earlier one. */
			if (send(fd, buf, o->size, 0) == (ssize_t)o->size ||
			    errno == ECONNREFUSED)
				sent++;
			if (sent == o->count)
				end = now_ns() + o->linger_s * NS_PER_S;
			continue;
		}
		if (sent == o->count && (back.uniq == o->count || t >= end))
			break;
		if (o->progress && t >= next_report) {
			fprintf(stderr, "udpseq: t=%" PRIu64 "s sent=%" PRIu64
			    " echoed=%" PRIu64 "\n", (t - t0) / NS_PER_S,
			    sent, back.uniq);
			next_report += NS_PER_S;
		}
		/* ppoll: a millisecond poll timeout would spin at 1000 pps. */
		if (sent < o->count) {
			timeout.tv_sec = (time_t)((due - t) / NS_PER_S);
			timeout.tv_nsec = (long)((due - t) % NS_PER_S);
		}
		if (ppoll(&pfd, 1, &timeout, NULL) <= 0)
			continue;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0 ||
		    errno == ECONNREFUSED) {
			if (n < 0 || pkt_decode(buf, (size_t)n, US_ECHO, &k))
				continue;
			t = now_ns();
			if (seqstat_add(&back, k.oseq) != SEQ_DUP &&
			    k.oseq < o->count && t > k.ts) {
				rtt_sum += t - k.ts;
				if (t - k.ts > rtt_max)
					rtt_max = t - k.ts;
			}
			seqstat_add(&rev, k.seq);
			if (t > k.ets && t - k.ets > owd_max)
				owd_max = t - k.ets;
		}
	}
	gaps = seqstat_gaps(&back, sent, gaps_at, sizeof(gaps_at));
	printf("role=send sent=%" PRIu64 " echoed=%" PRIu64 " lost=%" PRIu64
	    " gaps=%" PRIu64 " dup=%" PRIu64 " rev_rx=%" PRIu64
	    " rev_lost=%" PRIu64 " rev_dup=%" PRIu64 " rev_reordered=%" PRIu64
	    " rev_out_of_window=%" PRIu64 " rtt_avg_us=%" PRIu64
	    " rtt_max_us=%" PRIu64 " rev_owd_max_us=%" PRIu64 " t0_ms=%" PRIu64
	    " duration_ms=%" PRIu64 " gaps_at=%s\n",
	    sent, back.uniq, sent - back.uniq, gaps, back.dup, rev.uniq,
	    rev.any ? rev.highest + 1 - rev.uniq : 0, rev.dup, rev.reordered,
	    rev.oow, back.uniq ? rtt_sum / back.uniq / 1000 : 0,
	    rtt_max / 1000, owd_max / 1000, t0_ms,
	    (now_ns() - t0) / NS_PER_MS, gaps_at);
	fflush(stdout);
	seqstat_free(&back);
	seqstat_free(&rev);
	return 0;
}

/* --- self-test -------------------------------------------------------- */

static int st_failed;

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "udpseq self-test: %s:%d: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		st_failed = 1;						\
	}								\
} while (0)

static void
selftest_accounting(void)
{
	struct seqstat st;
	char buf[128];
	uint64_t i;

	CHECK(seqstat_init(&st, 0, 64) == -1);
	CHECK(seqstat_init(&st, US_MAXCOUNT + 1, 64) == -1);

	/* In order, complete. */
	CHECK(seqstat_init(&st, 1000, 64) == 0);
	for (i = 0; i < 1000; i++)
		CHECK(seqstat_add(&st, i) == SEQ_NEW);
	CHECK(st.uniq == 1000 && st.dup == 0 && st.reordered == 0);
	CHECK(seqstat_gaps(&st, 1000, buf, sizeof(buf)) == 0);
	CHECK(strcmp(buf, "-") == 0);
	seqstat_free(&st);

	/* Holes at the start, middle and tail; a duplicate; out of range. */
	CHECK(seqstat_init(&st, 100, 64) == 0);
	for (i = 0; i < 100; i++)
		if (i != 0 && i != 5 && i != 6 && i != 99)
			seqstat_add(&st, i);
	CHECK(seqstat_add(&st, 10) == SEQ_DUP);
	CHECK(seqstat_add(&st, 100) == SEQ_BOGUS);
	CHECK(st.rx == 97 && st.uniq == 96 && st.dup == 1 && st.bogus == 1);
	CHECK(seqstat_gaps(&st, 100, buf, sizeof(buf)) == 3);
	CHECK(strcmp(buf, "0+1,5+2,99+1") == 0);
	/* A late arrival within the window is reordered, not lost. */
	CHECK(seqstat_add(&st, 99) == SEQ_NEW);
	CHECK(seqstat_add(&st, 6) == SEQ_OOW);
	CHECK(seqstat_add(&st, 5) == SEQ_OOW);
	CHECK(st.oow == 2 && st.reordered == 0);
	seqstat_free(&st);

	CHECK(seqstat_init(&st, 10, 4) == 0);
	seqstat_add(&st, 0);
	seqstat_add(&st, 2);
	CHECK(seqstat_add(&st, 1) == SEQ_REORDERED);
	seqstat_add(&st, 9);
	CHECK(seqstat_add(&st, 6) == SEQ_REORDERED);	/* 3 below: in */
	CHECK(seqstat_add(&st, 5) == SEQ_OOW);		/* 4 below: out */
	CHECK(st.reordered == 2 && st.oow == 1);
	CHECK(seqstat_gaps(&st, 10, buf, sizeof(buf)) == 2);
	CHECK(strcmp(buf, "3+2,7+2") == 0);
	seqstat_free(&st);
}

static void
selftest_codec(void)
{
	struct sockaddr_storage ss;
	struct us_pkt a = { US_MAGIC, US_ECHO, 0x0102030405060708ull, 9,
	    0xfffffffffffffffeull, 7, 3 }, b;
	uint8_t buf[US_HDR];
	socklen_t sl;

	pkt_encode(&a, buf, sizeof(buf));
	CHECK(buf[8] == 1 && buf[15] == 8);
	CHECK(pkt_decode(buf, sizeof(buf), US_ECHO, &b) == 0);
	CHECK(b.seq == a.seq && b.total == 9 && b.ts == a.ts && b.oseq == 7 &&
	    b.ets == 3);
	CHECK(pkt_decode(buf, sizeof(buf), US_DATA, &b) == -1);
	CHECK(pkt_decode(buf, US_HDR - 1, US_ECHO, &b) == -1);
	buf[0] ^= 1;
	CHECK(pkt_decode(buf, sizeof(buf), US_ECHO, &b) == -1);

	CHECK(parse_addr("10.99.2.2:9000", &ss, &sl) == 0 &&
	    ss.ss_family == AF_INET && sl == sizeof(struct sockaddr_in));
	CHECK(parse_addr("[fd00:99:2::2]:9000", &ss, &sl) == 0 &&
	    ss.ss_family == AF_INET6);
	CHECK(parse_addr("fd00:99:2::2:9000", &ss, &sl) == 0 &&
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 9000);
	CHECK(parse_addr("10.99.2.2", &ss, &sl) == -1);
	CHECK(parse_addr("10.99.2.2:70000", &ss, &sl) == -1);
	CHECK(parse_addr("host:1", &ss, &sl) == -1);
}

/* The real send and echo loops over loopback, in two processes. */
static void
selftest_loopback(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct send_opts o = { .count = 300, .pps = 3000, .size = 100,
	    .linger_s = 2, .window = 64 };
	socklen_t sl = sizeof(sin);
	int efd, sfd, status, p[2];
	char line[512];
	FILE *f;
	pid_t pid;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	efd = socket(AF_INET, SOCK_DGRAM, 0);
	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	if (efd == -1 || sfd == -1 || pipe(p) == -1 ||
	    bind(efd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(efd, (struct sockaddr *)&sin, &sl) == -1 ||
	    connect(sfd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("udpseq self-test: loopback sockets");
		st_failed = 1;
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		_exit(run_echo(efd, 1, 10, 64));
	}
	close(p[1]);
	close(efd);
	CHECK(run_send(sfd, &o) == 0);
	close(sfd);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	f = fdopen(p[0], "r");
	CHECK(f != NULL && fgets(line, sizeof(line), f) != NULL);
	if (f != NULL) {
		CHECK(strstr(line, "role=echo rx=300 expected=300 lost=0 ") ==
		    line);
		CHECK(strstr(line, " tx=300 ") != NULL);
		fclose(f);
	}
}

static int
selftest(void)
{
	selftest_accounting();
	selftest_codec();
	selftest_loopback();
	printf("udpseq self-test: %s\n", st_failed ? "FAIL" : "PASS");
	return st_failed;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: udpseq echo -l ADDR:PORT [-i IDLE_S] [-T MAX_S] [-W WINDOW]\n"
	    "       udpseq send -c ADDR:PORT [-r PPS] (-n COUNT | -t SECONDS)\n"
	    "              [-s SIZE] [-w LINGER_S] [-W WINDOW] [-p]\n"
	    "       udpseq            (self-test)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct send_opts o = { .pps = 1000, .size = 100, .linger_s = 2,
	    .window = 64 };
	struct sockaddr_storage ss;
	struct sigaction sa;
	const char *addr = NULL;
	uint64_t idle = 3, max = 0, secs = 0;
	bool echo;
	socklen_t sl;
	int c, fd;

	if (argc == 1)
		return selftest();
	if (strcmp(argv[1], "echo") == 0)
		echo = true;
	else if (strcmp(argv[1], "send") == 0)
		echo = false;
	else
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "l:c:i:T:W:r:n:t:s:w:p")) != -1) {
		switch (c) {
		case 'l':
		case 'c':
			if ((c == 'l') != echo)
				usage();
			addr = optarg;
			break;
		case 'i': idle = num_opt("i", optarg, 1, 3600); break;
		case 'T': max = num_opt("T", optarg, 1, 86400); break;
		case 'W': o.window = num_opt("W", optarg, 1, 1u << 20); break;
		case 'r': o.pps = num_opt("r", optarg, 1, 1000000); break;
		case 'n': o.count = num_opt("n", optarg, 1, US_MAXCOUNT / 2);
			break;
		case 't': secs = num_opt("t", optarg, 1, 86400); break;
		case 's': o.size = num_opt("s", optarg, US_HDR, US_MAXSIZE);
			break;
		case 'w': o.linger_s = num_opt("w", optarg, 0, 600); break;
		case 'p': o.progress = true; break;
		default: usage();
		}
	}
	if (optind != argc || addr == NULL)
		usage();
	if (!echo && (o.count != 0) == (secs != 0))
		usage();
	if (secs != 0)
		o.count = secs * o.pps;
	if (!echo && o.count > US_MAXCOUNT / 2) {
		fprintf(stderr, "udpseq: more than %llu datagrams\n",
		    US_MAXCOUNT / 2);
		return 2;
	}
	if (parse_addr(addr, &ss, &sl) == -1) {
		fprintf(stderr, "udpseq: '%s': expected ADDR:PORT\n", addr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1) {
		perror("udpseq: socket");
		return 1;
	}
	if (echo ? bind(fd, (struct sockaddr *)&ss, sl) :
	    connect(fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "udpseq: %s %s: %s\n", echo ? "bind" :
		    "connect", addr, strerror(errno));
		return 1;
	}
	return echo ? run_echo(fd, idle, max, o.window) : run_send(fd, &o);
}
