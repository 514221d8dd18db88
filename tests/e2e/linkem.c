/*
 * linkem -- a lossy link for the netns rig: netem's loss, duplicate and
 * reorder/delay model, in user space, for kernels built without sch_netem
 * (the CI machine's is one).  faults.sh runs one in the client namespace
 * and one in the gateway's, each impairing its side's outgoing tunnel
 * packets, and reads the counters to account for every packet the link
 * dropped or duplicated.
 *
 *   linkem -d DEV -m MARK [-l LOSS%] [-u DUP%] [-r REORDER%] [-t DELAY_MS]
 *          [-k OVERTAKE] [-b BIG] [-S SEED]
 *   linkem                  self-test (make check runs it)
 *
 * It creates the tun device DEV; the caller routes the packets to impair
 * into it (policy routing by port) and routes packets carrying fwmark
 * MARK as before.  Every IPv4 packet read from DEV is, in this order:
 *   dropped with probability LOSS;
 *   else sent twice with probability DUP (a duplicate, as netem's);
 *   each copy sent at once with probability REORDER, else held DELAY_MS
 *   and then sent: with a delay, REORDER% of the packets overtake the
 *   ones held before them ("netem delay D reorder R").  Without -t no
 *   copy is held.  A held copy also leaves once OVERTAKE (default 3)
 *   copies have overtaken it: after linkem itself was not scheduled for
 *   a while it reads a backlog at once, and a delay counted from the
 *   read would let hundreds of packets overtake one -- far beyond any
 *   replay window, which netem, timing the sender, never does.
 * Sending is through a raw socket (the IP header as read) with SO_MARK
 * MARK, so the copy leaves by the ordinary route.  Packets are counted
 * in four classes, by the OpenVPN opcode (first byte of the UDP payload)
 * and the payload's length:
 *   big   P_DATA_V1/V2 with more than BIG (default 100) bytes: the
 *         tunnelled udpseq stream (100-byte datagrams, 152 bytes here);
 *   keep  P_DATA_V1/V2 of at most 48 bytes: OpenVPN's keepalive ping (16
 *         bytes inside, 40 with P_DATA_V2 and an AEAD tag);
 *   data  the other data packets (small pings: 16 bytes of ICMP data
 *         are 68 here);
 *   ctl   everything else (control channel, ACKs, resets).
 * On SIGUSR1 and at exit (SIGTERM, SIGINT) it prints one line:
 *   role=linkem seed= {ctl,keep,data,big}_{in,drop,dup} delayed sent
 *   send_err held bad
 * "in" counts packets read, "drop" those lost, "dup" those sent twice;
 * "held" is what was still held at exit (not sent); "bad" what was not
 * IPv4 (dropped, uncounted in the classes).  So per class the link
 * delivered in - drop distinct packets and dup extra copies.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LE_MTU		2048		/* larger than any tun packet here */
#define LE_HOLD_MAX	1024		/* packets held at once */
#define LE_BIG_DEFAULT	100
#define LE_KEEP_MAX	48
#define LE_OVERTAKE	3
#define P_DATA_V1	6
#define P_DATA_V2	9

enum le_class { CLS_CTL, CLS_KEEP, CLS_DATA, CLS_BIG, CLS_N };
static const char *const le_class_name[CLS_N] = { "ctl", "keep", "data",
    "big" };

struct le_opts {
	double		 loss, dup, reorder;	/* probabilities, 0..1 */
	uint64_t	 delay_ns;
	uint64_t	 overtake;	/* copies that may overtake a held one */
	size_t		 big;
};

struct le_ctr {
	uint64_t	 in[CLS_N], drop[CLS_N], dup[CLS_N];
	uint64_t	 delayed, sent, send_err, bad;
};

/*
 * A held copy, sent at due or once overtake copies were sent at once
 * after it (passed reached mark + overtake).  Held copies share one delay
 * and marks only grow: a FIFO.
 */
struct le_held {
	uint64_t	 due;
	uint64_t	 mark;		/* passed when it was held */
	size_t		 len;
	uint8_t		 pkt[LE_MTU];
};

struct le_link {
	struct le_opts	 o;
	struct le_ctr	 c;
	uint64_t	 rng;
	struct le_held	*held;
	size_t		 head, count;
	uint64_t	 passed;	/* copies sent at once */
	int		 rawfd;
};

static volatile sig_atomic_t stop_flag, report_flag;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_flag = 1;
	else
		stop_flag = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: uniform in [0, 1). */
static double
le_rand(struct le_link *l)
{
	l->rng ^= l->rng >> 12;
	l->rng ^= l->rng << 25;
	l->rng ^= l->rng >> 27;
	return (double)((l->rng * 0x2545f4914f6cdd1dull) >> 11) /
	    (double)(1ull << 53);
}

/* The class of an IPv4 packet; -1 if it is not one. */
static int
le_classify(const uint8_t *p, size_t len, size_t big)
{
	size_t ihl, off;
	uint8_t op;

	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl)
		return -1;
	off = ihl + 8;
	if (p[9] != IPPROTO_UDP || len <= off)
		return CLS_CTL;
	op = p[off] >> 3;
	if (op != P_DATA_V1 && op != P_DATA_V2)
		return CLS_CTL;
	if (len - off > big)
		return CLS_BIG;
	return len - off <= LE_KEEP_MAX ? CLS_KEEP : CLS_DATA;
}

static void
le_send(struct le_link *l, const uint8_t *p, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	if (l->rawfd == -1) {		/* the self-test */
		l->c.sent++;
		return;
	}
	memcpy(&to.sin_addr, p + 16, 4);
	if (sendto(l->rawfd, p, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	    (ssize_t)len)
		l->c.sent++;
	else
		l->c.send_err++;
}

/* One copy: sent now, or held for the delay (sent now if the FIFO is full). */
static void
le_emit(struct le_link *l, const uint8_t *p, size_t len, uint64_t now)
{
	struct le_held *h;

	if (l->o.delay_ns == 0 || le_rand(l) < l->o.reorder ||
	    l->count == LE_HOLD_MAX || len > LE_MTU) {
		le_send(l, p, len);
		l->passed++;
		return;
	}
	h = &l->held[(l->head + l->count) % LE_HOLD_MAX];
	h->due = now + l->o.delay_ns;
	h->mark = l->passed;
	h->len = len;
	memcpy(h->pkt, p, len);
	l->count++;
	l->c.delayed++;
}

/* A packet read from the tun: counted, then lost, duplicated or passed. */
static void
le_input(struct le_link *l, const uint8_t *p, size_t len, uint64_t now)
{
	int k = le_classify(p, len, l->o.big);

	if (k < 0) {
		l->c.bad++;
		return;
	}
	l->c.in[k]++;
	if (le_rand(l) < l->o.loss) {
		l->c.drop[k]++;
		return;
	}
	le_emit(l, p, len, now);
	if (le_rand(l) < l->o.dup) {
		l->c.dup[k]++;
		le_emit(l, p, len, now);
	}
}

/* Sends the held copies that are due; the ms until the next, or -1. */
static int
le_release(struct le_link *l, uint64_t now)
{
	struct le_held *h;

	while (l->count > 0) {
		h = &l->held[l->head];
		if (h->due > now && l->passed - h->mark < l->o.overtake)
			return (int)((h->due - now + 999999) / 1000000);
		le_send(l, h->pkt, h->len);
		l->head = (l->head + 1) % LE_HOLD_MAX;
		l->count--;
	}
	return -1;
}

static void
le_report(const struct le_link *l, uint64_t seed)
{
	int k;

	printf("role=linkem seed=%" PRIu64, seed);
	for (k = 0; k < CLS_N; k++)
		printf(" %s_in=%" PRIu64 " %s_drop=%" PRIu64 " %s_dup=%"
		    PRIu64, le_class_name[k], l->c.in[k], le_class_name[k],
		    l->c.drop[k], le_class_name[k], l->c.dup[k]);
	printf(" delayed=%" PRIu64 " sent=%" PRIu64 " send_err=%" PRIu64
	    " held=%zu bad=%" PRIu64 "\n", l->c.delayed, l->c.sent,
	    l->c.send_err, l->count, l->c.bad);
	fflush(stdout);
}

static int
le_tun_open(const char *dev)
{
	struct ifreq ifr;
	int fd;

	if (strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "linkem: device name too long: %s\n", dev);
		return -1;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1) {
		perror("linkem: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, dev);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		fprintf(stderr, "linkem: TUNSETIFF %s: %s\n", dev,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
le_run(struct le_link *l, int tunfd, uint64_t seed)
{
	uint8_t buf[LE_MTU];
	ssize_t n;

	while (!stop_flag) {
		struct pollfd pfd = { .fd = tunfd, .events = POLLIN };
		int wait = le_release(l, now_ns());

		if (report_flag) {
			report_flag = 0;
			le_report(l, seed);
		}
		if (wait < 0 || wait > 100)
			wait = 100;
		if (poll(&pfd, 1, wait) <= 0)
			continue;
		if ((n = read(tunfd, buf, sizeof(buf))) > 0)
			le_input(l, buf, (size_t)n, now_ns());
	}
	le_report(l, seed);
	return 0;
}

/* --- self-test --------------------------------------------------------- */

static int st_failed;

/* A self-test condition: a failed one is named by its line and text. */
static void
st_expect(bool ok, int line, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "linkem self-test: line %d: %s\n", line, what);
	st_failed = 1;
}

#define CHECK(c)	st_expect((c), __LINE__, #c)

/* An IPv4/UDP packet whose payload starts with opcode op. */
static size_t
st_packet(uint8_t *p, uint8_t op, size_t payload)
{
	size_t len = 28 + payload;

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[9] = IPPROTO_UDP;
	if (payload > 0)
		p[28] = (uint8_t)(op << 3);
	return len;
}

static void
selftest_classify(void)
{
	uint8_t p[LE_MTU];
	size_t len;

	len = st_packet(p, P_DATA_V2, 152);
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_BIG);
	len = st_packet(p, P_DATA_V1, 101);
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_BIG);
	len = st_packet(p, P_DATA_V2, 100);	/* not more than BIG */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_DATA);
	len = st_packet(p, P_DATA_V2, 49);
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_DATA);
	len = st_packet(p, P_DATA_V2, 40);	/* a keepalive ping */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_KEEP);
	len = st_packet(p, 4, 600);		/* P_CONTROL_V1 */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_CTL);
	len = st_packet(p, 0, 0);		/* no payload */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_CTL);
	p[9] = IPPROTO_ICMP;
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == CLS_CTL);
	p[0] = 0x60;				/* IPv6 */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == -1);
	p[0] = 0x44;				/* IHL 16 */
	CHECK(le_classify(p, len, LE_BIG_DEFAULT) == -1);
	CHECK(le_classify(p, 19, LE_BIG_DEFAULT) == -1);
}

/*
 * 100000 big packets through 10% loss, 5% duplicates, 25% reorder, 5 ms:
 * every packet is accounted for (sent = in - drop + dup once all held
 * ones are released), the rates are near the asked ones, and held copies
 * leave in order after exactly the delay.
 */
static void
selftest_model(void)
{
	struct le_link l = { .o = { 0.10, 0.05, 0.25, 5000000, 1000,
	    LE_BIG_DEFAULT },
	    .rng = 42, .rawfd = -1 };
	uint8_t p[LE_MTU];
	uint64_t t = 1000000000ull, n = 100000, i;
	size_t len = st_packet(p, P_DATA_V2, 152);

	l.held = calloc(LE_HOLD_MAX, sizeof(*l.held));
	CHECK(l.held != NULL);
	if (l.held == NULL)
		return;
	for (i = 0; i < n; i++, t += 4000000) {	/* 250 pps */
		le_input(&l, p, len, t);
		CHECK(le_release(&l, t) == -1 || l.count <= 4);
	}
	CHECK(le_release(&l, t + 4999999) == -1);
	CHECK(l.count == 0);
	CHECK(l.passed + l.c.delayed == l.c.sent);
	CHECK(l.c.in[CLS_BIG] == n && l.c.in[CLS_CTL] == 0);
	CHECK(l.c.sent == n - l.c.drop[CLS_BIG] + l.c.dup[CLS_BIG]);
	CHECK(l.c.drop[CLS_BIG] > n * 9 / 100 && l.c.drop[CLS_BIG] < n * 11 / 100);
	CHECK(l.c.dup[CLS_BIG] > n * 4 / 100 && l.c.dup[CLS_BIG] < n * 6 / 100);
	CHECK(l.c.delayed > l.c.sent * 70 / 100 &&
	    l.c.delayed < l.c.sent * 80 / 100);
	/* One held copy: due after exactly the delay, not a ns before. */
	l.o.reorder = 0;
	l.o.loss = l.o.dup = 0;
	le_input(&l, p, len, 7000000);
	CHECK(l.count == 1 && le_release(&l, 11999999) == 1 && l.count == 1);
	CHECK(le_release(&l, 12000000) == -1 && l.count == 0);
	/* A backlog read at once: each held copy leaves after 3 overtook. */
	l.o.overtake = 3;
	l.o.reorder = 1;
	l.held[0].due = 20000000;
	l.held[0].mark = l.passed;
	l.head = 0;
	l.count = 1;
	le_input(&l, p, len, 13000000);
	le_input(&l, p, len, 13000000);
	CHECK(le_release(&l, 13000000) == 7 && l.count == 1);
	le_input(&l, p, len, 13000000);
	CHECK(le_release(&l, 13000000) == -1 && l.count == 0);
	free(l.held);
}

static int
selftest(void)
{
	selftest_classify();
	selftest_model();
	printf("linkem self-test: %s\n", st_failed ? "FAIL" : "PASS");
	return st_failed;
}

/* --- main ---------------------------------------------------------------- */

static double
pct_opt(const char *name, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !(v >= 0 && v <= 100)) {
		fprintf(stderr, "linkem: -%s %s: expected 0..100\n", name, arg);
		exit(2);
	}
	return v / 100;
}

static uint64_t
num_opt(const char *name, const char *arg, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || arg[0] == '-' || v > max) {
		fprintf(stderr, "linkem: -%s %s: expected 0..%" PRIu64 "\n",
		    name, arg, max);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: linkem -d DEV -m MARK [-l LOSS%%] [-u DUP%%] [-r REORDER%%]\n"
	    "              [-t DELAY_MS] [-k OVERTAKE] [-b BIG] [-S SEED]\n"
	    "       linkem            (self-test)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct le_link l = { .o = { .overtake = LE_OVERTAKE,
	    .big = LE_BIG_DEFAULT } };
	struct sigaction sa;
	const char *dev = NULL;
	uint64_t seed = 0, mark = 0;
	int c, rc, tunfd, one = 1;

	if (argc == 1)
		return selftest();
	while ((c = getopt(argc, argv, "d:m:l:u:r:t:k:b:S:")) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'm': mark = num_opt("m", optarg, UINT32_MAX); break;
		case 'l': l.o.loss = pct_opt("l", optarg); break;
		case 'u': l.o.dup = pct_opt("u", optarg); break;
		case 'r': l.o.reorder = pct_opt("r", optarg); break;
		case 't': l.o.delay_ns = num_opt("t", optarg, 10000) * 1000000;
			break;
		case 'k': l.o.overtake = num_opt("k", optarg, 1000000); break;
		case 'b': l.o.big = num_opt("b", optarg, LE_MTU); break;
		case 'S': seed = num_opt("S", optarg, UINT64_MAX); break;
		default: usage();
		}
	}
	if (optind != argc || dev == NULL || mark == 0)
		usage();
	if (seed == 0)
		seed = now_ns() ^ ((uint64_t)getpid() << 32);
	l.rng = seed;
	if ((l.held = calloc(LE_HOLD_MAX, sizeof(*l.held))) == NULL) {
		fprintf(stderr, "linkem: out of memory\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if ((tunfd = le_tun_open(dev)) == -1)
		return 1;
	if ((l.rawfd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) ==
	    -1 || setsockopt(l.rawfd, SOL_SOCKET, SO_MARK, &(uint32_t){
	    (uint32_t)mark }, sizeof(uint32_t)) == -1 ||
	    setsockopt(l.rawfd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ==
	    -1) {
		perror("linkem: raw socket");
		return 1;
	}
	printf("linkem: ready dev=%s seed=%" PRIu64 "\n", dev, seed);
	fflush(stdout);
	rc = le_run(&l, tunfd, seed);
	free(l.held);
	return rc;
}
