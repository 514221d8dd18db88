#!/bin/bash
#
# mcnload_bench.sh -- mycrypnetd against OpenVPN 2.6, driven by mcnload in
# the netns rig of tests/e2e/lib.sh (client -> gw -> inet).
#
#   tests/bench/mcnload_bench.sh [-n RUNS] [-s "200 1000"] [-i IDLE]
#                                [-d SECONDS] [-a CLIENTS] [-f PPS] [-c]
#                                [-o RESULTS.tsv]
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
#             up, and the server's RSS per client;
#   steady M  (-a M) M clients, each keeping a window of 16 unechoed
#             1400-byte packets to the echo host for -d seconds: the
#             aggregate both ways;
#   flood     (-f PPS) mcnflood sends forged resets (wrong tls-auth HMAC)
#             as fast as it can for -d seconds from a second client
#             namespace, nobody connected: what the server read
#             (InDatagrams of the gw namespace), what the kernel dropped
#             for it (RcvbufErrors), its CPU time, and the lines it
#             logged meanwhile; then its CPU per forged packet at full
#             batches (see flood_drop);
#   steady M flood  (-f PPS) "steady M" (M = 8 without -a) while mcnflood
#             sends PPS forged packets per second from the second
#             namespace, from the moment all M are up: what live clients
#             keep.
#
# Both servers get tests/e2e/server.conf with a /21 pool (2046 clients;
# the blast client gets 10.99.8.2, inside the rig's masquerade) and
# "max-clients 4096" (both default to 1024).  OpenVPN also gets
# "connect-freq-initial 10000 10": its default, 100 stateless replies per
# 10 s, would measure that limiter rather than the handshake
# (mycrypnetd's own limiter allows 5000/s with a burst of 10000).  The
# idle test gets a /18 pool (10.99.64.0, 16382 clients; its clients send
# no traffic out) and "max-clients 16384".
#
# -c gives every client the one certificate client1 and both servers
# "duplicate-cn" (without it both replace a session whose CN logs in
# again), so a PKI of one client serves any size; without -c, each client
# has its own certificate, clientN.
# Benchmarks never run in make check.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib_bench.sh
. "$(dirname "$0")/lib_bench.sh"

usage()
{
	echo "usage: $0 [-n RUNS] [-s \"N ...\"] [-i IDLE] [-d SECONDS]" \
	    "[-a CLIENTS] [-f PPS] [-c] [-o RESULTS.tsv]" >&2
	exit 2
}

runs=1
storms="200 1000"
idle=1000
secs=5
steady=0
flood=''
shared=0
out=''
while getopts n:s:i:d:a:f:co: opt; do
	case $opt in
	n)	runs=$OPTARG ;;
	s)	storms=$OPTARG ;;
	i)	idle=$OPTARG ;;
	d)	secs=$OPTARG ;;
	a)	steady=$OPTARG ;;
	f)	flood=$OPTARG ;;
	c)	shared=1 ;;
	o)	out=$OPTARG ;;
	*)	usage ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ &&
    $idle =~ ^[0-9]+$ && $steady =~ ^[0-9]+$ &&
    $flood =~ ^[0-9]*$ ]] || usage

LOAD=$MCN_TOP_BUILDDIR/tests/bench/mcnload
FLOOD=$MCN_TOP_BUILDDIR/tests/bench/mcnflood
ECHO_ADDR=$RIG_INET_ADDR:9
RESULTS=''
MEASURE_FLOOD=''	# PPS of forged packets during the next measure
readonly DRAIN_CYCLES=40	# stop / fill / drain cycles of flood_drop

# server_conf_for SERVER WHAT: the SERVER_CONF_SET lines for it.
server_conf_for()
{
	SERVER_CONF_SET=("server 10.99.8.0 255.255.248.0" "max-clients 4096")
	if [[ $2 == idle* ]]; then
		SERVER_CONF_SET=("server 10.99.64.0 255.255.192.0"
		    "max-clients 16384")
	fi
	if [[ $1 == openvpn ]]; then
		SERVER_CONF_SET+=("connect-freq-initial 10000 10")
	fi
	if [[ $shared == 1 ]]; then
		SERVER_CONF_SET+=("duplicate-cn")
	fi
}

# certs: mcnload's certificate options (-c: one for all).
certs()
{
	if [[ $shared == 1 ]]; then
		echo --cert "$RIG_WORK/client1.crt" --key "$RIG_WORK/client1.key"
	else
		echo --cert-dir "$RIG_WORK"
	fi
}

# flood_start PPS DURATION: mcnflood from client2 (rig_up_client2 first),
# forged packets to the server; PPS 0 = as fast as it can.  Pid in BG_PID.
flood_start()
{
	local rate=()

	[[ $1 -gt 0 ]] && rate=(-r "$1")
	start_bg client2 "$RIG_WORK/flood.out" "${LOAD_WRAP[@]}" "$FLOOD" \
	    -t "$RIG_GW_ADDR" -p "$RIG_PORT" -d "$2" "${rate[@]}" forged
}

# measure SERVER WHAT ARGS...: one fresh rig, one mcnload run; appends
# "SERVER<TAB>WHAT<TAB>result line" to RESULTS.  With MEASURE_FLOOD set,
# mcnflood sends that many forged packets per second from client2 once
# every client is up (from mcnload's first progress line of its run
# phase, within its first second), until mcnload ends.
measure()
{
	local server=$1 what=$2 log line
	local -a args

	shift 2
	MCN_SERVER=$server
	server_conf_for "$server" "$what"
	rig_up
	rig_server_start
	start_bg inet "$RIG_WORK/echo.log" "${LOAD_WRAP[@]}" "$LOAD" \
	    --echo-server --listen "$ECHO_ADDR"
	wait_listen inet udp "$ECHO_ADDR" 5 ||
	    fail "echo server did not listen" "$RIG_WORK/echo.log"
	log=$RIG_WORK/$server-$what.out
	args=(--bind "$RIG_CLIENT_ADDR" --remote "$RIG_GW_ADDR:$RIG_PORT"
	    --ca "$RIG_WORK/ca.crt" --tls-auth "$RIG_WORK/ta.key"
	    --auth SHA256 --target "$ECHO_ADDR" --server-pid "$SERVER_PID")
	if [[ -n $MEASURE_FLOOD ]]; then
		measure_flooded "$@"
	else
		run_in client "${LOAD_WRAP[@]}" "$LOAD" "${args[@]}" -q "$@" \
		    >"$log" 2>&1 || true
	fi
	line=$(grep '^mcnload-result ' "$log") ||
	    fail "mcnload $what against $server: no result" "$log" \
	    "$SERVER_LOG"
	pid_alive "$SERVER_PID" || fail "$server died during $what" \
	    "$SERVER_LOG" "$log"
	[[ -n $MEASURE_FLOOD ]] && line+=" flood_pps=$MEASURE_FLOOD"
	RESULTS+="$server"$'\t'"$what"$'\t'"$line"$'\n'
	printf '%-11s %-11s %s\n' "$server" "$what" "$(summary_of "$what" \
	    "$line")"
	stop_all
	rig_down
}

# measure_flooded ARGS...: measure's mcnload run (its args and log) with
# the flood of MEASURE_FLOOD packets/s over its run phase.
measure_flooded()
{
	local lpid fpid

	rig_up_client2
	start_bg client "$log" "${LOAD_WRAP[@]}" "$LOAD" "${args[@]}" "$@"
	lpid=$BG_PID
	wait_for_log "$log" '\] run: ' 120 "$lpid" ||
	    fail "mcnload never reached its run phase" "$log" "$SERVER_LOG"
	flood_start "$MEASURE_FLOOD" 3600
	fpid=$BG_PID
	wait "$lpid" || true
	rig_stop "$lpid"
	pid_alive "$fpid" || fail "mcnflood stopped" "$RIG_WORK/flood.out"
	rig_stop "$fpid"
}

# flood_drop SERVER: nobody connected, two floods of forged packets from
# client2.  First as fast as mcnflood sends them, for -d seconds: what
# the server read (InDatagrams of the gw namespace), what the kernel
# dropped for it (RcvbufErrors), its CPU time and the lines it logged.
# One sender on CPU 0 cannot saturate a fast server, which then wakes up
# for a few packets at a time; so, second, its cost at full batches:
# DRAIN_CYCLES times the server is stopped (SIGSTOP), its socket queue
# filled by a 0.1 s flood, and the server continued until the queue is
# read; packets read per second of its CPU time (schedstat).  Appends
# "SERVER<TAB>flood<TAB>flood-result key=value..." to RESULTS.
flood_drop()
{
	local server=$1 u0 u1 u2 c0 c1 l0 l1 n1 n2 line i

	MCN_SERVER=$server
	server_conf_for "$server" flood
	rig_up
	rig_up_client2
	rig_server_start
	read -r -a u0 <<<"$(udp_counters gw)"
	c0=$(pid_cpu_ticks "$SERVER_PID")
	l0=$(wc -l <"$SERVER_LOG")
	flood_start 0 "$secs"
	wait_exit "$BG_PID" $((secs + 10)) ||
	    fail "mcnflood did not stop" "$RIG_WORK/flood.out"
	line=$(grep -E '^mode=forged ' "$RIG_WORK/flood.out") ||
	    fail "mcnflood printed no result" "$RIG_WORK/flood.out"
	udp_wait_drained gw "$RIG_PORT" 10 ||
	    fail "$server did not read its queue" "$SERVER_LOG"
	read -r -a u1 <<<"$(udp_counters gw)"
	c1=$(pid_cpu_ticks "$SERVER_PID")
	l1=$(wc -l <"$SERVER_LOG")
	n1=$(pid_cpu_ns "$SERVER_PID")
	for ((i = 0; i < DRAIN_CYCLES; i++)); do
		kill -STOP "$SERVER_PID"
		run_in client2 "${LOAD_WRAP[@]}" "$FLOOD" -t "$RIG_GW_ADDR" \
		    -p "$RIG_PORT" -d 0.1 forged >/dev/null
		kill -CONT "$SERVER_PID"
		udp_wait_drained gw "$RIG_PORT" 10 ||
		    fail "$server did not read its queue" "$SERVER_LOG"
	done
	n2=$(pid_cpu_ns "$SERVER_PID")
	read -r -a u2 <<<"$(udp_counters gw)"
	pid_alive "$SERVER_PID" || fail "$server died during the flood" \
	    "$SERVER_LOG"
	line=$(python3 - "$line" $((u1[0] - u0[0])) $((u1[1] - u0[1])) \
	    $((c1 - c0)) "$CLK_TCK" $((l1 - l0)) $((u2[0] - u1[0])) \
	    $((n2 - n1)) <<-'EOF'
	import sys
	kv = dict(x.split("=", 1) for x in sys.argv[1].split())
	read, rcvbuf, ticks, hz, lines, dread, dns = map(int, sys.argv[2:])
	secs, sent = float(kv["seconds"]), int(kv["sent"])
	cpu = ticks / hz
	print("flood-result sent=%d sent_pps=%.0f srv_read=%d srv_read_pps=%.0f"
	    " rcvbuf_drops=%d srv_cpu_s=%.2f srv_core_pct=%.0f"
	    " srv_read_per_core_s=%.0f log_lines=%d drain_read=%d"
	    " drain_cpu_s=%.3f drain_per_core_s=%.0f" % (sent, sent / secs,
	    read, read / secs, rcvbuf, cpu, 100 * cpu / secs,
	    read / cpu if cpu else 0, lines, dread, dns / 1e9,
	    dread * 1e9 / dns if dns else 0))
	EOF
	)
	RESULTS+="$server"$'\t'flood$'\t'"$line"$'\n'
	printf '%-11s %-11s %s\n' "$server" flood "${line#flood-result }"
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
	steady*) keys=(ok tx_mbps delivered_mbps rx_mbps loss_rt_pct
		    srv_core_pct srv_us_per_pkt rtt_p50_ms rtt_p99_ms) ;;
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
	    elif what.startswith("steady"):
	        metrics += [(what, "delivered_mbps", "delivered Mbit/s (up)", 1),
	                    (what, "rx_mbps", "echoed Mbit/s (down)", 1),
	                    (what, "srv_us_per_pkt", "server us/packet", -1)]
	    elif what == "flood":
	        metrics += [(what, "srv_read_pps", "forged read/s", 1),
	                    (what, "srv_read_per_core_s", "forged read per core-s", 1),
	                    (what, "drain_per_core_s", "... at full batches", 1),
	                    (what, "log_lines", "log lines", -1)]
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
[[ -z $flood || -x $FLOOD ]] || skip "mcnflood not built ($FLOOD)"
servers=(openvpn)
[[ -x $MCN_DAEMON ]] && servers+=(mycrypnetd)
bench_pin
max=$idle
for n in $storms $steady; do
	[[ $n -gt $max ]] && max=$n
done
[[ $shared == 1 ]] && max=1

mkdir -p "$RIG_WORK"
trap rig_exit EXIT
bench_pki "$max"
say()
{
	:
}
echo "mcnload bench: ${servers[*]}, $runs run(s) each, $BENCH_PINNING"
echo "$(bench_machine), ${MCN_PKI_ALG:-ec} certificates$([[ $shared == 1 ]] &&
    echo ", one for all clients (duplicate-cn)")"
live=$steady
[[ $live -gt 0 ]] || live=8
# shellcheck disable=SC2046 # certs prints separate words
for ((r = 1; r <= runs; r++)); do
	for s in "${servers[@]}"; do
		for n in $storms; do
			measure "$s" "storm $n" --storm "$n" $(certs)
		done
		measure "$s" blast --blast --duration "$secs" \
		    --cert "$RIG_WORK/client1.crt" --key "$RIG_WORK/client1.key"
		measure "$s" "blast adapt" --blast --adapt \
		    --duration $((secs * 2)) --cert "$RIG_WORK/client1.crt" \
		    --key "$RIG_WORK/client1.key"
		if [[ $idle -gt 0 ]]; then
			measure "$s" "idle $idle" --idle "$idle" \
			    --duration $((secs * 3)) $(certs)
		fi
		if [[ $steady -gt 0 ]]; then
			measure "$s" "steady $steady" --steady "$steady" \
			    --window 16 --duration "$secs" $(certs)
		fi
		if [[ -n $flood ]]; then
			flood_drop "$s"
			MEASURE_FLOOD=$flood
			measure "$s" "steady $live flood" --steady "$live" \
			    --window 16 --duration "$secs" $(certs)
			MEASURE_FLOOD=''
		fi
	done
done
table
if [[ -n $out ]]; then
	printf '%s' "$RESULTS" >"$out"
fi
