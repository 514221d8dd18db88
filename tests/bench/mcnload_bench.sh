#!/bin/bash
#
# mcnload_bench.sh -- mycrypnetd against OpenVPN 2.6, driven by mcnload in
# the netns rig of tests/e2e/lib.sh (client -> gw -> inet).
#
#   tests/bench/mcnload_bench.sh [-n RUNS] [-s "200 1000"] [-i IDLE]
#                                [-d SECONDS] [-o RESULTS.tsv]
#
# MCN_BENCH_PKI=DIR reuses a PKI made by tests/e2e/pki.sh DIR N (N at
# least the largest client count) instead of making one (about 100 s per
# 1000 clients).  MCN_BENCH_NICE=-20 runs the server, mcnload and the
# echo host at that nice level, for a machine busy with other work; with
# autogroup scheduling (kernel.sched_autogroup_enabled) nice orders tasks
# only within a session, so it also sets this session's autogroup nice
# (/proc/self/autogroup), which is what ranks it against other sessions.
#
# Each measurement gets a fresh rig and a fresh server, pinned to CPU 1
# (mcnload and the echo host on CPU 0, when there are two CPUs):
#
#   storm N   N clients, each its own certificate (clientN), 100
#             handshakes in flight; handshakes/s, connect latency, and the
#             server's CPU time (utime + stime from /proc/PID/stat, all its
#             threads) and RSS over the connect phase, per handshake;
#   blast     one client sends 1400-byte inner UDP packets as fast as it
#             can (UDP GSO trains) for -d seconds: overload; the echo host
#             counts what arrives ("delivered"), the server's CPU per
#             delivered packet;
#   blast adapt  the same paced by --adapt for 2 * -d seconds: the rate
#             the server carries without loss or queueing;
#   idle N    N clients connect and stay idle (keepalive: ping 10,
#             ping-restart 60 pushed) for -d * 3 seconds; how many stay
#             up, and the server's RSS per client.
#
# Both servers get tests/e2e/server.conf with a /21 pool (2046 clients;
# the blast client gets 10.99.8.2, inside the rig's masquerade) and
# "max-clients 4096" (both default to 1024).  OpenVPN also gets
# "connect-freq-initial 10000 10": its default, 100 stateless replies per
# 10 s, would measure that limiter rather than the handshake
# (mycrypnetd's own limiter allows 5000/s with a burst of 10000).
# Benchmarks never run in make check.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

usage()
{
	echo "usage: $0 [-n RUNS] [-s \"N ...\"] [-i IDLE] [-d SECONDS]" \
	    "[-o RESULTS.tsv]" >&2
	exit 2
}

runs=1
storms="200 1000"
idle=1000
secs=5
out=''
while getopts n:s:i:d:o: opt; do
	case $opt in
	n)	runs=$OPTARG ;;
	s)	storms=$OPTARG ;;
	i)	idle=$OPTARG ;;
	d)	secs=$OPTARG ;;
	o)	out=$OPTARG ;;
	*)	usage ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ &&
    $idle =~ ^[0-9]+$ ]] || usage

LOAD=$MCN_TOP_BUILDDIR/tests/bench/mcnload
ECHO_ADDR=$RIG_INET_ADDR:9
RESULTS=''
LOAD_WRAP=()

# server_conf_for SERVER: the SERVER_CONF_SET lines for it.
server_conf_for()
{
	SERVER_CONF_SET=("server 10.99.8.0 255.255.248.0" "max-clients 4096")
	if [[ $1 == openvpn ]]; then
		SERVER_CONF_SET+=("connect-freq-initial 10000 10")
	fi
}

# measure SERVER WHAT ARGS...: one fresh rig, one mcnload run; appends
# "SERVER<TAB>WHAT<TAB>result line" to RESULTS.
measure()
{
	local server=$1 what=$2 log line

	shift 2
	MCN_SERVER=$server
	server_conf_for "$server"
	rig_up
	rig_server_start
	start_bg inet "$RIG_WORK/echo.log" "${LOAD_WRAP[@]}" "$LOAD" \
	    --echo-server --listen "$ECHO_ADDR"
	wait_listen inet udp "$ECHO_ADDR" 5 ||
	    fail "echo server did not listen" "$RIG_WORK/echo.log"
	log=$RIG_WORK/$server-$what.out
	run_in client "${LOAD_WRAP[@]}" "$LOAD" --bind "$RIG_CLIENT_ADDR" \
	    --remote "$RIG_GW_ADDR:$RIG_PORT" --ca "$RIG_WORK/ca.crt" \
	    --tls-auth "$RIG_WORK/ta.key" --auth SHA256 \
	    --target "$ECHO_ADDR" --server-pid "$SERVER_PID" -q "$@" \
	    >"$log" 2>&1 || true
	line=$(grep '^mcnload-result ' "$log") ||
	    fail "mcnload $what against $server: no result" "$log" \
	    "$SERVER_LOG"
	pid_alive "$SERVER_PID" || fail "$server died during $what" \
	    "$SERVER_LOG" "$log"
	RESULTS+="$server"$'\t'"$what"$'\t'"$line"$'\n'
	printf '%-11s %-11s %s\n' "$server" "$what" "$(summary_of "$what" \
	    "$line")"
	stop_all
	rig_down
}

# summary_of WHAT LINE: the few keys that matter for WHAT.
summary_of()
{
	local keys

	case $1 in
	storm*)	keys=(ok failed hs_per_s t_all_ms lat_p50_ms lat_p99_ms
		    srv_cpu_per_hs_ms self_cpu_per_hs_ms) ;;
	blast*)	keys=(tx_mbps delivered_mbps loss_up_pct adapt_pps
		    srv_core_pct srv_us_per_pkt rtt_p50_ms) ;;
	idle*)	keys=(ok up_at_end failed_after_up pings_rx
		    srv_rss_per_client_kb self_rss_kb) ;;
	esac
	python3 - "$2" "${keys[@]}" <<-'EOF'
	import sys
	kv = dict(x.split("=", 1) for x in sys.argv[1].split()[1:] if "=" in x)
	print(" ".join("%s=%s" % (k, kv.get(k, "-")) for k in sys.argv[2:]))
	EOF
}

table()
{
	python3 - "$RESULTS" <<-'EOF'
	import statistics, sys
	rows = {}
	for l in sys.argv[1].splitlines():
	    if not l:
	        continue
	    server, what, line = l.split("\t")
	    kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
	    rows.setdefault((what, server), []).append(kv)
	def med(what, server, key):
	    v = [float(r[key]) for r in rows.get((what, server), []) if key in r]
	    return statistics.median(v) if v else None
	metrics = []
	def order(w):
	    p = w.split()
	    return (p[0], int(p[1]) if len(p) > 1 and p[1].isdigit() else 0, w)
	for what in sorted({w for w, _ in rows}, key=order):
	    if what.startswith("storm"):
	        metrics += [(what, "hs_per_s", "handshakes/s", 1),
	                    (what, "srv_cpu_per_hs_ms", "server CPU ms/handshake", -1),
	                    (what, "lat_p99_ms", "connect p99 ms", -1),
	                    (what, "t_all_ms", "all connected ms", -1)]
	    elif what.startswith("blast"):
	        metrics += [(what, "delivered_mbps", "1 client delivered Mbit/s", 1),
	                    (what, "loss_up_pct", "loss %", -1),
	                    (what, "srv_us_per_pkt", "server us/packet", -1)]
	    elif what.startswith("idle"):
	        metrics += [(what, "up_at_end", "clients still up", 1),
	                    (what, "srv_rss_per_client_kb", "server kB per client", -1)]
	print()
	print("%-12s %-28s %11s %11s %7s" % ("test", "metric", "openvpn", "mycrypnetd", "ratio"))
	for what, key, name, better in metrics:
	    o, m = med(what, "openvpn", key), med(what, "mycrypnetd", key)
	    r = ""
	    if o and m:
	        r = "x%.2f" % ((m / o) if better > 0 else (o / m))
	    def f(v):
	        if v is None:
	            return "-"
	        return "%.2f" % v if v < 10 else "%.1f" % v if v < 100 else "%.0f" % v
	    print("%-12s %-28s %11s %11s %7s" % (what, name, f(o), f(m), r))
	print("(ratio: how many times better mycrypnetd is; medians of the runs)")
	EOF
}

# shellcheck disable=SC2034 # read by lib.sh
MCN_SERVER=openvpn
rig_require
command -v python3 >/dev/null || skip "python3 not installed"
[[ -x $LOAD ]] || skip "mcnload not built ($LOAD)"
servers=(openvpn)
[[ -x $MCN_DAEMON ]] && servers+=(mycrypnetd)
if [[ $(nproc) -ge 2 ]]; then
	# shellcheck disable=SC2034 # read by lib.sh
	SERVER_WRAP=(taskset -c 1)
	LOAD_WRAP=(taskset -c 0)
	pinning="server on CPU 1, mcnload + echo host on CPU 0"
else
	pinning="not pinned: only one CPU"
fi
if [[ -n ${MCN_BENCH_NICE:-} ]]; then
	SERVER_WRAP=(nice -n "$MCN_BENCH_NICE" "${SERVER_WRAP[@]}")
	LOAD_WRAP=(nice -n "$MCN_BENCH_NICE" "${LOAD_WRAP[@]}")
	pinning+=", nice $MCN_BENCH_NICE"
	if [[ -w /proc/self/autogroup ]] &&
	    echo "$MCN_BENCH_NICE" >/proc/self/autogroup 2>/dev/null; then
		pinning+=" (and its autogroup)"
	fi
fi
max=$idle
for n in $storms; do
	[[ $n -gt $max ]] && max=$n
done

mkdir -p "$RIG_WORK"
trap rig_exit EXIT
if [[ -n ${MCN_BENCH_PKI:-} ]]; then
	[[ -f $MCN_BENCH_PKI/client$max.crt ]] ||
	    fail "$MCN_BENCH_PKI has no client$max.crt"
	cp -a "$MCN_BENCH_PKI"/. "$RIG_WORK"/
else
	rig_pki "$max"
fi
say()
{
	:
}
echo "mcnload bench: ${servers[*]}, $runs run(s) each, $pinning"
echo "$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n 1)), kernel $(uname -r), $(openvpn --version | head -n 1 | cut -d' ' -f1-2), ${MCN_PKI_ALG:-ec} certificates"
for ((r = 1; r <= runs; r++)); do
	for s in "${servers[@]}"; do
		for n in $storms; do
			measure "$s" "storm $n" --storm "$n" --cert-dir "$RIG_WORK"
		done
		measure "$s" blast --blast --duration "$secs" \
		    --cert "$RIG_WORK/client1.crt" --key "$RIG_WORK/client1.key"
		measure "$s" "blast adapt" --blast --adapt \
		    --duration $((secs * 2)) --cert "$RIG_WORK/client1.crt" \
		    --key "$RIG_WORK/client1.key"
		if [[ $idle -gt 0 ]]; then
			measure "$s" "idle $idle" --idle "$idle" \
			    --duration $((secs * 3)) --cert-dir "$RIG_WORK"
		fi
	done
done
table
if [[ -n $out ]]; then
	printf '%s' "$RESULTS" >"$out"
fi
