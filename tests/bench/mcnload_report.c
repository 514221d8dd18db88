/*
 * Measurements and their output: CPU time and RSS of a process from
 * /proc (the server under test, --server-pid) and of ourselves, a
 * progress line per second on stderr, and at the end a table for people
 * and one line for scripts:
 *
 *   mcnload-result mode=storm clients=200 ok=200 failed=0 hs_per_s=...
 *
 * Every key in that line is documented in mcnload -h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mcnload.h"

static const char *const mode_names[] = {
	[MODE_NONE] = "none", [MODE_STORM] = "storm", [MODE_IDLE] = "idle",
	[MODE_STEADY] = "steady", [MODE_BLAST] = "blast", [MODE_ECHO] = "echo",
};

/* utime + stime (fields 14, 15 of /proc/PID/stat) and VmRSS. */
void
proc_sample(pid_t pid, struct proc_sample *ps)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	int n;

	memset(ps, 0, sizeof(*ps));
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = (int)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* The command name may contain spaces: skip to its closing ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return;
	ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	ps->ok = true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (sscanf(buf, "VmRSS: %ld", &ps->rss_kb) == 1)
			break;
	fclose(f);
}

double
self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

long
self_rss_kb(void)
{
	struct proc_sample ps;

	proc_sample(getpid(), &ps);
	return ps.rss_kb;
}

static double
ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static unsigned
failures(const struct mcn *m)
{
	unsigned i, n = 0;

	for (i = 1; i < FR__MAX; i++)
		n += m->st.fail[i];
	return n;
}

void
report_progress(struct mcn *m)
{
	const struct mcn_stats *st = &m->st;
	double t = secs(m->now_ns - st->t0_ns);

	if (m->conf->quiet)
		return;
	switch (m->phase) {
	case PH_CONNECT:
		fprintf(stderr, "[%6.1fs] connect: started %u/%u, up %u, "
		    "handshaking %u, failed %u\n", t, m->next_start, m->n,
		    m->n_up, m->n_hs, failures(m));
		break;
	case PH_RUN:
		fprintf(stderr, "[%6.1fs] run: up %u, failed %u, ctl rx %llu, "
		    "udp tx %llu rx %llu\n", t, m->n_up, failures(m),
		    (unsigned long long)st->ctl_rx,
		    (unsigned long long)st->udp_tx,
		    (unsigned long long)st->udp_rx);
		break;
	default:
		break;
	}
}

/* Sorted connect latencies; the array is ours to reorder. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct kv {
	char	line[4096];
	size_t	len;
};

static void __attribute__((format(printf, 2, 3)))
kv_add(struct kv *kv, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (kv->len >= sizeof(kv->line) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(kv->line + kv->len, sizeof(kv->line) - kv->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		kv->len += (size_t)n;
	if (kv->len >= sizeof(kv->line))
		kv->len = sizeof(kv->line) - 1;
}

static void
report_connect(struct mcn *m, struct kv *kv)
{
	struct mcn_stats *st = &m->st;
	uint64_t span = st->t_last_up_ns > st->t0_ns ?
	    st->t_last_up_ns - st->t0_ns : 0;
	uint64_t p50, p99, pmax;
	double hs = span > 0 ? (double)st->n_connect / secs(span) : 0;
	double scpu = st->srv_up.cpu_s - st->srv0.cpu_s;
	double ccpu = st->self_cpu_up - st->self_cpu0;
	unsigned i, nfail = 0;

	qsort(st->connect_ns, st->n_connect, sizeof(uint64_t), cmp_u64);
	p50 = sorted_quantile(st->connect_ns, st->n_connect, 0.50);
	p99 = sorted_quantile(st->connect_ns, st->n_connect, 0.99);
	pmax = sorted_quantile(st->connect_ns, st->n_connect, 1.0);
	for (i = 1; i < FR__MAX; i++)
		if (i != FR_PING_RESTART)
			nfail += st->fail[i];

	printf("connect phase: %u clients, concurrency %u\n", m->n,
	    m->conf->concurrency);
	printf("  %-28s %zu of %u\n", "connected", st->n_connect, m->n);
	printf("  %-28s %.3f s\n", "time to all connected",
	    secs(st->t_connect_end_ns - st->t0_ns));
	printf("  %-28s %.1f /s\n", "handshakes", hs);
	printf("  %-28s p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	    "connect latency", ms(p50), ms(p99), ms(pmax));
	if (st->srv0.ok && st->srv_up.ok && st->n_connect > 0)
		printf("  %-28s %.2f s, %.3f ms per handshake, RSS %ld -> "
		    "%ld kB\n", "server CPU", scpu,
		    scpu * 1e3 / (double)st->n_connect, st->srv0.rss_kb,
		    st->srv_up.rss_kb);
	if (st->n_connect > 0)
		printf("  %-28s %.2f s, %.3f ms per handshake, RSS %ld kB\n",
		    "mcnload CPU", ccpu, ccpu * 1e3 / (double)st->n_connect,
		    st->self_rss_up_kb);
	kv_add(kv, " clients=%u concurrency=%u ok=%zu failed=%u", m->n,
	    m->conf->concurrency, st->n_connect, nfail);
	kv_add(kv, " t_all_ms=%.1f hs_per_s=%.1f lat_p50_ms=%.2f "
	    "lat_p99_ms=%.2f lat_max_ms=%.2f",
	    ms(st->t_connect_end_ns - st->t0_ns), hs, ms(p50), ms(p99),
	    ms(pmax));
	if (st->srv0.ok && st->srv_up.ok && st->n_connect > 0)
		kv_add(kv, " srv_cpu_s=%.3f srv_cpu_per_hs_ms=%.3f "
		    "srv_rss_kb=%ld srv_rss_per_client_kb=%.1f", scpu,
		    scpu * 1e3 / (double)st->n_connect, st->srv_up.rss_kb,
		    (double)(st->srv_up.rss_kb - st->srv0.rss_kb) /
		    (double)st->n_connect);
	if (st->n_connect > 0)
		kv_add(kv, " self_cpu_per_hs_ms=%.3f self_rss_kb=%ld",
		    ccpu * 1e3 / (double)st->n_connect, st->self_rss_up_kb);
}

static void
report_failures(struct mcn *m, struct kv *kv)
{
	struct mcn_stats *st = &m->st;
	unsigned i;

	if (failures(m) == 0)
		return;
	printf("failures by reason:\n");
	for (i = 1; i < FR__MAX; i++) {
		if (st->fail[i] == 0)
			continue;
		printf("  %-16s %6u   e.g. %s\n", fail_name(i), st->fail[i],
		    st->fail_sample[i]);
		kv_add(kv, " fail_%s=%u", fail_name(i), st->fail[i]);
	}
}

static void
report_traffic(struct mcn *m, struct kv *kv)
{
	struct mcn_stats *st = &m->st;
	double dur = secs(st->t_run_end_ns - st->t_run_ns);
	double up = dur > 0 ? (double)st->tx_bytes * 8 / dur / 1e6 : 0;
	double del = dur > 0 ? (double)st->srv_bytes * 8 / dur / 1e6 : 0;
	double down = dur > 0 ? (double)st->rx_bytes * 8 / dur / 1e6 : 0;
	double lup = st->tx_pkts ? 100.0 * (1.0 - (double)st->srv_pkts /
	    (double)st->tx_pkts) : 0;
	double scpu = st->srv_end.cpu_s - st->srv_up.cpu_s;
	bool echo = m->conf->mode == MODE_STEADY || m->conf->blast_echo;
	double ldown = 0, lrt = 0;
	uint64_t p50 = hist_quantile(&st->rtt, 0.5);
	uint64_t p99 = hist_quantile(&st->rtt, 0.99);

	if (echo && st->srv_pkts > 0)
		ldown = 100.0 * (1.0 - (double)st->rx_pkts /
		    (double)st->srv_pkts);
	if (echo && st->tx_pkts > 0)
		lrt = 100.0 * (1.0 - (double)st->rx_pkts / (double)st->tx_pkts);
	printf("traffic: %.2f s, inner packets of %u bytes to %s:%u\n", dur,
	    m->conf->size, inet_ntoa(m->conf->target.sin_addr),
	    ntohs(m->conf->target.sin_port));
	printf("  %-28s %llu pkts, %.1f Mbit/s, %.0f pkt/s\n", "sent",
	    (unsigned long long)st->tx_pkts, up,
	    dur > 0 ? (double)st->tx_pkts / dur : 0);
	printf("  %-28s %llu pkts, %.1f Mbit/s (loss %.2f %%)\n",
	    "delivered to the echo host", (unsigned long long)st->srv_pkts,
	    del, lup);
	if (echo)
		printf("  %-28s %llu pkts, %.1f Mbit/s (loss %.2f %%, round "
		    "trip %.2f %%)\n", "echoed back",
		    (unsigned long long)st->rx_pkts, down, ldown, lrt);
	if (m->conf->adapt)
		printf("  %-28s %.0f pkt/s = %.1f Mbit/s after %u steps\n",
		    "adapted rate", m->adapt.rate, m->adapt.rate *
		    m->conf->size * 8 / 1e6, m->adapt.steps);
	printf("  %-28s p50 %.3f ms, p99 %.3f ms, max %.3f ms (%llu "
	    "samples)\n", "round-trip time", ms(p50), ms(p99),
	    ms(st->rtt.max), (unsigned long long)st->rtt.n);
	if (st->srv_up.ok && st->srv_end.ok)
		printf("  %-28s %.2f s = %.0f %% of a core\n", "server CPU",
		    scpu, dur > 0 ? 100 * scpu / dur : 0);
	kv_add(kv, " duration_s=%.2f size=%u tx_pkts=%llu tx_mbps=%.1f "
	    "delivered_pkts=%llu delivered_mbps=%.1f loss_up_pct=%.3f",
	    dur, m->conf->size, (unsigned long long)st->tx_pkts, up,
	    (unsigned long long)st->srv_pkts, del, lup);
	if (echo)
		kv_add(kv, " rx_pkts=%llu rx_mbps=%.1f loss_down_pct=%.3f "
		    "loss_rt_pct=%.3f", (unsigned long long)st->rx_pkts, down,
		    ldown, lrt);
	if (m->conf->adapt)
		kv_add(kv, " adapt_pps=%.0f", m->adapt.rate);
	kv_add(kv, " rtt_p50_ms=%.3f rtt_p99_ms=%.3f rtt_samples=%llu",
	    ms(p50), ms(p99), (unsigned long long)st->rtt.n);
	if (st->srv_up.ok && st->srv_end.ok) {
		uint64_t pk = st->srv_pkts + (echo ? st->rx_pkts : 0);

		kv_add(kv, " srv_cpu_run_s=%.3f srv_core_pct=%.1f", scpu,
		    dur > 0 ? 100 * scpu / dur : 0);
		if (pk > 0)
			kv_add(kv, " srv_us_per_pkt=%.3f", scpu * 1e6 /
			    (double)pk);
	}
}

void
report_final(struct mcn *m)
{
	struct mcn_stats *st = &m->st;
	const struct mcn_conf *cf = m->conf;
	struct kv kv = { .len = 0 };

	kv_add(&kv, "mcnload-result mode=%s", mode_names[cf->mode]);
	report_connect(m, &kv);
	if (cf->mode == MODE_IDLE || cf->duration_s > 0) {
		printf("run phase: %.1f s\n", secs(st->t_run_end_ns -
		    st->t_run_ns));
		printf("  %-28s %u of %zu (failed after connecting: %u)\n",
		    "still up at the end", st->up_at_run_end, st->n_connect,
		    st->fail_run);
		printf("  %-28s sent %llu, received %llu\n", "keepalive pings",
		    (unsigned long long)st->pings_tx,
		    (unsigned long long)st->pings_rx);
		kv_add(&kv, " up_at_end=%u failed_after_up=%u pings_tx=%llu "
		    "pings_rx=%llu", st->up_at_run_end, st->fail_run,
		    (unsigned long long)st->pings_tx,
		    (unsigned long long)st->pings_rx);
	}
	if (cf->mode == MODE_STEADY || cf->mode == MODE_BLAST)
		report_traffic(m, &kv);
	printf("exit: %u EXIT on the control channel (%u ACKed), %u OCC_EXIT%s\n",
	    st->exit_cc, st->exit_acked, st->exit_occ,
	    cf->no_exit ? " (--no-exit)" : "");
	kv_add(&kv, " exit_cc=%u exit_acked=%u exit_occ=%u", st->exit_cc,
	    st->exit_acked, st->exit_occ);
	report_failures(m, &kv);
	printf("wire: udp tx %llu (errors %llu) rx %llu; control tx %llu rx "
	    "%llu (bad %llu, replayed %llu, other key_id %llu); data bad "
	    "%llu, replayed %llu, "
	    "early %llu; inner bad %llu, other %llu, foreign %llu\n",
	    (unsigned long long)st->udp_tx, (unsigned long long)st->udp_tx_err,
	    (unsigned long long)st->udp_rx, (unsigned long long)st->ctl_tx,
	    (unsigned long long)st->ctl_rx, (unsigned long long)st->ctl_bad,
	    (unsigned long long)st->ctl_replay,
	    (unsigned long long)st->ctl_other_kid,
	    (unsigned long long)st->data_bad,
	    (unsigned long long)st->data_replay,
	    (unsigned long long)st->data_early,
	    (unsigned long long)st->inner_bad,
	    (unsigned long long)st->inner_other,
	    (unsigned long long)st->foreign);
	kv_add(&kv, " udp_tx_err=%llu ctl_bad=%llu data_bad=%llu "
	    "inner_bad=%llu", (unsigned long long)st->udp_tx_err,
	    (unsigned long long)st->ctl_bad, (unsigned long long)st->data_bad,
	    (unsigned long long)st->inner_bad);
	printf("%s\n", kv.line);
	fflush(stdout);
}
