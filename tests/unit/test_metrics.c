/*
 * Metrics (server/metrics.c): the latency histogram, the "stats" JSON,
 * and /metrics fetched over loopback with a small HTTP client, its body
 * checked line by line against the text exposition format 0.0.4: every
 * line a HELP, a TYPE or a well-formed sample; every family announced
 * once, before its samples, and not interleaved; histogram buckets
 * ascending and cumulative, +Inf equal to _count.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "metrics.h"

#define NOW		1700000000

static struct metrics_snapshot canned;
static int	snapshots, snapshot_rc;

static int
fake_snapshot(void *arg, struct metrics_snapshot *s)
{
	snapshots++;
	*s = canned;
	return snapshot_rc;
}

static const struct metrics_ops fake_ops = { .snapshot = fake_snapshot };

static void
canned_init(bool crl)
{
	memset(&canned, 0, sizeof(canned));
	canned.uptime_s = 3600;
	canned.clients = 7;
	canned.workers = 2;
	canned.now = NOW;
	canned.has_crl = crl;
	canned.crl_next_update = NOW + 86400;
	canned.rx_packets = 1001;
	canned.rx_bytes = 2002;
	canned.tx_packets = 3003;
	canned.tx_bytes = 4004;
	canned.forged_dropped = 55;
	canned.spoofed_src_dropped = 66;
	canned.handshakes_ok = 9;
	canned.handshakes_failed[METRICS_HS_TLS] = 3;
	canned.handshakes_failed[METRICS_HS_TIMEOUT] = 2;
	metrics_hist_observe(&canned.handshake_duration, 0.005);
	metrics_hist_observe(&canned.handshake_duration, 0.01);	/* le */
	metrics_hist_observe(&canned.handshake_duration, 0.2);
	metrics_hist_observe(&canned.handshake_duration, 0.2);
	metrics_hist_observe(&canned.handshake_duration, 3);
	metrics_hist_observe(&canned.handshake_duration, 500);
}

struct http_answer {
	int	 status;
	char	*headers;
	char	*body;
};

/* One HTTP/1.0 exchange on 127.0.0.1:port, pumping base meanwhile. */
static void
http_fetch(struct event_base *base, int family, uint16_t port,
    const char *request, struct http_answer *ans)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct timespec ts = { 0, 1000000 };
	char *buf, *sep;
	size_t len = 0, cap = 1 << 20;
	ssize_t n;
	int fd, i;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
	}
	ck_assert_int_ge(fd = socket(family, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	if (connect(fd, (struct sockaddr *)&ss, sizeof(ss)) == -1)
		ck_assert_int_eq(errno, EINPROGRESS);
	for (i = 0; i < 1000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (send(fd, request, strlen(request), MSG_NOSIGNAL) ==
		    (ssize_t)strlen(request))
			break;
		nanosleep(&ts, NULL);
	}
	ck_assert_int_lt(i, 1000);
	ck_assert_ptr_nonnull(buf = malloc(cap));
	for (i = 0; i < 3000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == 0)
			break;
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		ck_assert_int_eq(errno, EAGAIN);
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(i < 3000, "no end of the answer");
	close(fd);
	buf[len] = '\0';
	ck_assert_int_eq(sscanf(buf, "HTTP/1.%*d %d", &ans->status), 1);
	ck_assert_ptr_nonnull(sep = strstr(buf, "\r\n\r\n"));
	*sep = '\0';
	ans->headers = strdup(buf);
	ans->body = strdup(sep + 4);
	free(buf);
}

static void
http_free(struct http_answer *a)
{
	free(a->headers);
	free(a->body);
}

/* The value of the sample whose line starts with "name labels ". */
static bool
sample(const char *body, const char *series, double *v)
{
	size_t sl = strlen(series);
	const char *p = body;

	while ((p = strstr(p, series)) != NULL) {
		if ((p == body || p[-1] == '\n') && p[sl] == ' ') {
			*v = strtod(p + sl + 1, NULL);
			return true;
		}
		p += sl;
	}
	return false;
}

static double
value(const char *body, const char *series)
{
	double v;

	ck_assert_msg(sample(body, series, &v), "no sample %s", series);
	return v;
}

#define MAX_FAMILIES	64

struct family {
	char	name[128];
	char	type[16];
	bool	help, done;
	/* histogram state */
	double	last_le, last_count, inf, count;
	bool	has_inf, has_count, has_sum;
	int	buckets;
};

static struct family *
family_of(struct family *fams, int nfams, const char *sample_name)
{
	char base[128];
	size_t l;
	int i;
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	unsigned k;

	for (i = 0; i < nfams; i++)
		if (strcmp(fams[i].name, sample_name) == 0)
			return &fams[i];
	for (k = 0; k < 3; k++) {
		l = strlen(sample_name);
		if (l > strlen(sfx[k]) &&
		    strcmp(sample_name + l - strlen(sfx[k]), sfx[k]) == 0) {
			snprintf(base, sizeof(base), "%.*s",
			    (int)(l - strlen(sfx[k])), sample_name);
			for (i = 0; i < nfams; i++)
				if (strcmp(fams[i].name, base) == 0 &&
				    strcmp(fams[i].type, "histogram") == 0)
					return &fams[i];
		}
	}
	return NULL;
}

/*
 * Checks the whole exposition; returns the number of sample lines.  The
 * label grammar is the format's: name="value" pairs, values with \\, \"
 * and \n escapes.
 */
static int
check_exposition(const char *body)
{
	static const char comment_re[] =
	    "^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$";
	static const char sample_re[] =
	    "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
	    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*)?\\})?"
	    " (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf)$";
	struct family fams[MAX_FAMILIES], *f, *cur = NULL;
	regex_t rc, rs;
	regmatch_t m[12];
	char *copy, *line, *save, name[128], kind[8], rest[512];
	int nfams = 0, nsamples = 0, i;

	memset(fams, 0, sizeof(fams));
	ck_assert_int_eq(regcomp(&rc, comment_re, REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&rs, sample_re, REG_EXTENDED), 0);
	ck_assert_msg(body[0] != '\0' && body[strlen(body) - 1] == '\n',
	    "the exposition must end with a newline");
	copy = strdup(body);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			ck_assert_msg(regexec(&rc, line, 12, m, 0) == 0,
			    "bad comment line: %s", line);
			snprintf(kind, sizeof(kind), "%.*s",
			    (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
			snprintf(name, sizeof(name), "%.*s",
			    (int)(m[2].rm_eo - m[2].rm_so), line + m[2].rm_so);
			snprintf(rest, sizeof(rest), "%s", line + m[3].rm_so);
			for (f = NULL, i = 0; i < nfams; i++)
				if (strcmp(fams[i].name, name) == 0)
					f = &fams[i];
			if (f == NULL) {
				ck_assert_int_lt(nfams, MAX_FAMILIES);
				f = &fams[nfams++];
				snprintf(f->name, sizeof(f->name), "%s", name);
			}
			ck_assert_msg(!f->done, "%s announced again after its "
			    "samples", name);
			if (cur != NULL && cur != f)
				cur->done = true;
			cur = f;
			if (strcmp(kind, "HELP") == 0) {
				ck_assert_msg(!f->help, "two HELP for %s", name);
				f->help = true;
			} else {
				ck_assert_msg(f->type[0] == '\0', "two TYPE "
				    "for %s", name);
				ck_assert_msg(strcmp(rest, "counter") == 0 ||
				    strcmp(rest, "gauge") == 0 ||
				    strcmp(rest, "histogram") == 0, "TYPE %s",
				    rest);
				snprintf(f->type, sizeof(f->type), "%.15s", rest);
			}
			continue;
		}
		ck_assert_msg(regexec(&rs, line, 12, m, 0) == 0,
		    "bad sample line: \"%s\"", line);
		nsamples++;
		snprintf(name, sizeof(name), "%.*s",
		    (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
		ck_assert_msg(strncmp(name, "mycrypnetd_", 11) == 0, "%s", name);
		f = family_of(fams, nfams, name);
		ck_assert_msg(f != NULL, "sample %s before its HELP/TYPE", name);
		ck_assert_msg(f->help && f->type[0], "%s lacks HELP or TYPE",
		    name);
		ck_assert_msg(f == cur, "%s interleaved with another family",
		    name);
		if (strcmp(f->type, "counter") == 0)
			ck_assert_msg(strlen(name) > 6 && strcmp(name +
			    strlen(name) - 6, "_total") == 0,
			    "counter %s does not end in _total", name);
		if (strcmp(f->type, "histogram") == 0) {
			double v = strtod(strrchr(line, ' ') + 1, NULL);
			char *le = strstr(line, "le=\"");

			ck_assert_msg(!f->has_count, "%s: after _count", line);
			if (strstr(name, "_bucket") != NULL) {
				ck_assert_ptr_nonnull(le);
				ck_assert_msg(!f->has_inf, "bucket after +Inf");
				ck_assert_msg(v >= f->last_count, "buckets not "
				    "cumulative: %s", line);
				f->last_count = v;
				if (strncmp(le + 4, "+Inf\"", 5) == 0) {
					f->has_inf = true;
					f->inf = v;
				} else {
					double b = strtod(le + 4, NULL);

					ck_assert_msg(f->buckets == 0 ||
					    b > f->last_le, "le not ascending");
					f->last_le = b;
				}
				f->buckets++;
			} else if (strstr(name, "_sum") != NULL) {
				f->has_sum = true;
			} else {
				ck_assert_msg(f->has_inf, "_count before +Inf");
				f->has_count = true;
				f->count = v;
			}
		}
	}
	for (i = 0; i < nfams; i++) {
		if (strcmp(fams[i].type, "histogram") != 0)
			continue;
		ck_assert_msg(fams[i].has_inf && fams[i].has_count &&
		    fams[i].has_sum, "%s incomplete", fams[i].name);
		ck_assert_msg(fams[i].inf == fams[i].count,
		    "%s: +Inf %g != count %g", fams[i].name, fams[i].inf,
		    fams[i].count);
	}
	regfree(&rc);
	regfree(&rs);
	free(copy);
	return nsamples;
}

START_TEST(test_hist)
{
	struct metrics_hist h, h2;
	unsigned i;

	memset(&h, 0, sizeof(h));
	metrics_hist_observe(&h, 0.01);		/* le is inclusive */
	metrics_hist_observe(&h, 0.0100001);
	metrics_hist_observe(&h, -1);		/* as 0 */
	metrics_hist_observe(&h, NAN);		/* ignored */
	metrics_hist_observe(&h, 60);
	metrics_hist_observe(&h, 61);
	metrics_hist_observe(&h, INFINITY);	/* ignored */
	ck_assert_uint_eq(h.bucket[0], 2);
	ck_assert_uint_eq(h.bucket[1], 1);
	ck_assert_uint_eq(h.bucket[METRICS_HIST_NBOUNDS - 1], 1);
	ck_assert_uint_eq(h.bucket[METRICS_HIST_NBOUNDS], 1);
	ck_assert_uint_eq(metrics_hist_count(&h), 5);
	ck_assert(fabs(h.sum - (0.01 + 0.0100001 + 60 + 61)) < 1e-9);
	for (i = 1; i < METRICS_HIST_NBOUNDS; i++)
		ck_assert(metrics_hist_bounds[i] > metrics_hist_bounds[i - 1]);
	memset(&h2, 0, sizeof(h2));
	metrics_hist_observe(&h2, 0.3);
	metrics_hist_merge(&h2, &h);
	ck_assert_uint_eq(metrics_hist_count(&h2), 6);
	ck_assert_uint_eq(h2.bucket[0], 2);
	ck_assert(fabs(h2.sum - (0.3 + 0.01 + 0.0100001 + 60 + 61)) < 1e-9);
}
END_TEST

START_TEST(test_render_direct)
{
	struct evbuffer *b = evbuffer_new();
	char *text;
	size_t n;

	canned_init(true);
	ck_assert_int_eq(metrics_render(&canned, b), 0);
	n = evbuffer_get_length(b);
	text = calloc(1, n + 1);
	evbuffer_remove(b, text, n);
	ck_assert_int_ge(check_exposition(text), 40);
	ck_assert(value(text, "mycrypnetd_clients") == 7);
	ck_assert(value(text, "mycrypnetd_workers") == 2);
	ck_assert(value(text, "mycrypnetd_uptime_seconds") == 3600);
	ck_assert(value(text, "mycrypnetd_rx_packets_total") == 1001);
	ck_assert(value(text, "mycrypnetd_rx_bytes_total") == 2002);
	ck_assert(value(text, "mycrypnetd_tx_packets_total") == 3003);
	ck_assert(value(text, "mycrypnetd_tx_bytes_total") == 4004);
	ck_assert(value(text, "mycrypnetd_forged_packets_dropped_total") == 55);
	ck_assert(value(text, "mycrypnetd_spoofed_source_dropped_total") == 66);
	ck_assert(value(text, "mycrypnetd_handshakes_total{result=\"ok\"}") ==
	    9);
	ck_assert(value(text, "mycrypnetd_handshakes_total{result=\"failed\"}")
	    == 5);
	ck_assert(value(text, "mycrypnetd_handshake_failures_total"
	    "{reason=\"tls\"}") == 3);
	ck_assert(value(text, "mycrypnetd_handshake_failures_total"
	    "{reason=\"timeout\"}") == 2);
	ck_assert(value(text, "mycrypnetd_handshake_failures_total"
	    "{reason=\"pool_exhausted\"}") == 0);
	ck_assert(value(text, "mycrypnetd_handshake_duration_seconds_bucket"
	    "{le=\"0.01\"}") == 2);
	ck_assert(value(text, "mycrypnetd_handshake_duration_seconds_bucket"
	    "{le=\"0.25\"}") == 4);
	ck_assert(value(text, "mycrypnetd_handshake_duration_seconds_bucket"
	    "{le=\"60\"}") == 5);
	ck_assert(value(text, "mycrypnetd_handshake_duration_seconds_bucket"
	    "{le=\"+Inf\"}") == 6);
	ck_assert(value(text, "mycrypnetd_handshake_duration_seconds_count") ==
	    6);
	ck_assert(fabs(value(text, "mycrypnetd_handshake_duration_seconds_sum")
	    - 503.415) < 1e-6);
	ck_assert(value(text, "mycrypnetd_crl_expiry_seconds") == 86400);
	ck_assert(value(text, "mycrypnetd_crl_next_update_timestamp_seconds") ==
	    NOW + 86400);
	ck_assert(value(text, "mycrypnetd_build_info{version=\""
	    PACKAGE_VERSION "\"}") == 1);
	free(text);

	/* No CRL: the CRL families are absent, not zero. */
	canned_init(false);
	metrics_render(&canned, b);
	n = evbuffer_get_length(b);
	text = calloc(1, n + 1);
	evbuffer_remove(b, text, n);
	check_exposition(text);
	ck_assert_ptr_null(strstr(text, "crl_"));
	free(text);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_http)
{
	struct event_base *base = event_base_new();
	struct http_answer a;
	struct metrics *m;
	char err[256];

	signal(SIGPIPE, SIG_IGN);
	canned_init(true);
	snapshots = snapshot_rc = 0;
	m = metrics_new(base, "127.0.0.1:0", &fake_ops, NULL, err,
	    sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_uint_ne(metrics_port(m), 0);

	http_fetch(base, AF_INET, metrics_port(m),
	    "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.headers, "Content-Type: text/plain; "
	    "version=0.0.4") != NULL, "%s", a.headers);
	ck_assert_int_ge(check_exposition(a.body), 40);
	ck_assert(value(a.body, "mycrypnetd_clients") == 7);
	ck_assert(value(a.body, "mycrypnetd_crl_expiry_seconds") == 86400);
	ck_assert_int_eq(snapshots, 1);
	http_free(&a);

	/* A query string is still /metrics; HTTP/1.1 works too. */
	http_fetch(base, AF_INET, metrics_port(m), "GET /metrics?x=1 HTTP/1.1"
	    "\r\nHost: x\r\nConnection: close\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 200);
	check_exposition(a.body);
	http_free(&a);

	http_fetch(base, AF_INET, metrics_port(m),
	    "GET / HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 404);
	http_free(&a);
	http_fetch(base, AF_INET, metrics_port(m),
	    "GET /metricsx HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 404);
	http_free(&a);
	http_fetch(base, AF_INET, metrics_port(m),
	    "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 405);
	ck_assert_ptr_nonnull(strstr(a.headers, "Allow: GET, HEAD"));
	http_free(&a);
	http_fetch(base, AF_INET, metrics_port(m),
	    "DELETE /metrics HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 405);
	http_free(&a);
	http_fetch(base, AF_INET, metrics_port(m),
	    "HEAD /metrics HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(a.body[0] == '\0', "HEAD with a body");
	ck_assert_ptr_nonnull(strstr(a.headers, "Content-Length: "));
	ck_assert_ptr_null(strstr(a.headers, "Content-Length: 0"));
	http_free(&a);
	ck_assert_int_eq(snapshots, 3);
	/* Garbage is answered (400) and the server goes on. */
	http_fetch(base, AF_INET, metrics_port(m), "NONSENSE\r\n\r\n", &a);
	ck_assert_int_ge(a.status, 400);
	http_free(&a);
	snapshot_rc = -1;
	http_fetch(base, AF_INET, metrics_port(m),
	    "GET /metrics HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 503);
	http_free(&a);
	snapshot_rc = 0;
	http_fetch(base, AF_INET, metrics_port(m),
	    "GET /metrics HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 200);
	http_free(&a);
	metrics_free(m);
	event_base_free(base);
}
END_TEST

START_TEST(test_http_ipv6)
{
	struct event_base *base = event_base_new();
	struct http_answer a;
	struct metrics *m;
	char err[256];
	int fd;

	/* No IPv6 loopback here (some containers): nothing to test. */
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1) {
		event_base_free(base);
		return;
	}
	close(fd);
	canned_init(false);
	snapshot_rc = 0;
	m = metrics_new(base, "[::1]:0", &fake_ops, NULL, err, sizeof(err));
	if (m == NULL && strstr(err, "Cannot assign") != NULL) {
		event_base_free(base);
		return;
	}
	ck_assert_msg(m != NULL, "%s", err);
	http_fetch(base, AF_INET6, metrics_port(m),
	    "GET /metrics HTTP/1.0\r\n\r\n", &a);
	ck_assert_int_eq(a.status, 200);
	check_exposition(a.body);
	http_free(&a);
	metrics_free(m);
	event_base_free(base);
}
END_TEST

START_TEST(test_bad_listen)
{
	static const char *const bad[] = {
		"", "9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999",
		"127.0.0.1:-1", "127.0.0.1:80x", "localhost:9100",
		"::1:9100", "[::1]9100", "[::1", "[]:9100", "[127.0.0.1]:9100",
		"300.1.1.1:9100",
	};
	struct event_base *base = event_base_new();
	struct metrics *m, *m2;
	char err[256], ap[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(metrics_new(base, bad[i], &fake_ops, NULL, err,
		    sizeof(err)) == NULL, "accepted \"%s\"", bad[i]);
		ck_assert_msg(strstr(err, "metrics-listen") != NULL, "%s", err);
	}
	/* A port in use is refused with the reason. */
	m = metrics_new(base, "127.0.0.1:0", &fake_ops, NULL, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(m);
	snprintf(ap, sizeof(ap), "127.0.0.1:%u", metrics_port(m));
	m2 = metrics_new(base, ap, &fake_ops, NULL, err, sizeof(err));
	ck_assert_ptr_null(m2);
	ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
	metrics_free(m);
	/* ":PORT" means every IPv4 address. */
	m = metrics_new(base, ":0", &fake_ops, NULL, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	metrics_free(m);
	event_base_free(base);
}
END_TEST

START_TEST(test_stats_json)
{
	json_t *j, *ctr, *why, *hist, *b;
	const char *key;
	json_t *v;
	uint64_t sum = 0;
	unsigned i;

	canned_init(true);
	ck_assert_ptr_nonnull(j = metrics_stats_json(&canned));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "now")), NOW);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "clients")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "crl_next_update")), NOW + 86400);
	ctr = json_object_get(j, "counters");
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "rx_packets")), 1001);
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "tx_bytes")), 4004);
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "forged_dropped")), 55);
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "spoofed_src_dropped")), 66);
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "handshakes_ok")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(ctr,
	    "handshakes_failed")), 5);
	json_object_foreach(ctr, key, v)
		ck_assert_msg(json_is_integer(v), "%s", key);
	why = json_object_get(j, "handshakes_failed_by_reason");
	ck_assert_int_eq(json_object_size(why), METRICS_HS_NREASONS);
	for (i = 0; i < METRICS_HS_NREASONS; i++)
		sum += json_integer_value(json_object_get(why,
		    metrics_hs_reason_names[i]));
	ck_assert_uint_eq(sum, 5);
	ck_assert_int_eq(json_integer_value(json_object_get(why, "tls")), 3);
	hist = json_object_get(j, "handshake_duration_seconds");
	ck_assert_int_eq(json_integer_value(json_object_get(hist, "count")), 6);
	ck_assert_int_eq(json_array_size(json_object_get(hist, "buckets")),
	    METRICS_HIST_NBOUNDS);
	b = json_array_get(json_object_get(hist, "buckets"), 0);
	ck_assert(json_real_value(json_object_get(b, "le")) == 0.01);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "count")), 2);
	b = json_array_get(json_object_get(hist, "buckets"),
	    METRICS_HIST_NBOUNDS - 1);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "count")), 5);
	json_decref(j);
	canned_init(false);
	ck_assert_ptr_nonnull(j = metrics_stats_json(&canned));
	ck_assert(json_is_null(json_object_get(j, "crl_next_update")));
	json_decref(j);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_hist);
	tcase_add_test(tc, test_render_direct);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_http_ipv6);
	tcase_add_test(tc, test_bad_listen);
	tcase_add_test(tc, test_stats_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
