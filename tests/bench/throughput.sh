#!/bin/bash
#
# throughput.sh -- single-stream TCP through the tunnel, OpenVPN 2.6 server
# against mycrypnetd, with the stock openvpn client.
#
#   tests/bench/throughput.sh [-n RUNS] [-t SECONDS] [-o RESULTS.tsv]
#
# Uses the netns rig of tests/e2e/lib.sh (client -> gw -> inet) so NAT and
# forwarding are in the path.  For each run: a fresh rig, the server, one
# client, then `iperf3 -c 10.99.2.2 -t SECONDS -J` from the client
# namespace to the inet host.  Recorded per run: receiver Mbit/s, TCP
# retransmits, and the CPU time (utime + stime from /proc/PID/stat) of
# every process in the gw namespace -- the server, including any threads
# or children -- consumed during the transfer, as µs per MB received
# (MB = 10^6 bytes) and as a share of one core.  Softirq work (veth,
# forwarding, NAT) is charged to whatever runs on that CPU, so it is only
# partly in the server's numbers.
#
# Fairness (research/performance.md §5.2): both servers get the same
# configuration (tests/e2e/server.conf; openvpn with data-channel offload
# disabled), so the same cipher, tun-mtu 1500 and default mssfix; the
# server is pinned to CPU 1, the client and both iperf3 ends to CPU 0; the
# implementations alternate, RUNS each (default 3); medians are reported.
# With the stock openvpn client on the same box the client is the
# bottleneck, so server CPU per MB is the primary metric, not Mbit/s.
#
# If mycrypnetd is not built, only openvpn is measured.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

usage()
{
	echo "usage: $0 [-n RUNS] [-t SECONDS] [-o RESULTS.tsv]" >&2
	exit 2
}

runs=${MCN_BENCH_RUNS:-3}
secs=${MCN_BENCH_SECONDS:-8}
out=''
while getopts n:t:o: opt; do
	case $opt in
	n)	runs=$OPTARG ;;
	t)	secs=$OPTARG ;;
	o)	out=$OPTARG ;;
	*)	usage ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] || usage

CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK
RESULTS=''

# gw_cpu_ticks: utime + stime of every process in the gw namespace.
gw_cpu_ticks()
{
	local pid stat f total=0

	for pid in $(ip netns pids "$NS_GW"); do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		# Fields after "(comm) ": state is f[0], utime f[11], stime f[12].
		read -r -a f <<<"${stat##*) }"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

# pid_cpu_ticks PID: utime + stime of one process.
pid_cpu_ticks()
{
	local stat f

	stat=$(cat "/proc/$1/stat")
	read -r -a f <<<"${stat##*) }"
	echo $((f[11] + f[12]))
}

now_ns()
{
	date +%s%N
}

# bench_run SERVER RUN: one measurement, appended to $RESULTS.
bench_run()
{
	local server=$1 run=$2 conf client_log cpid json
	local g0 g1 c0 c1 t0 t1 line f

	MCN_SERVER=$server
	rig_up
	rig_server_start
	client_log=$RIG_WORK/client-$server-$run.log
	conf=$(rig_client_conf "client-$server-$run" client1)
	rig_client_start "client-$server-$run" "$conf"
	cpid=$BG_PID
	wait_for_log "$client_log" "Initialization Sequence Completed" 20 \
	    "$cpid" || fail "client did not connect to $server" \
	    "$client_log" "$SERVER_LOG"
	CIPHER=$(grep -Eo "Data Channel: cipher '[^']*'" "$client_log" |
	    head -n 1 | cut -d"'" -f2)

	start_bg inet "$RIG_WORK/iperf-server.log" "${CLIENT_WRAP[@]}" \
	    iperf3 -s -1 -B "$RIG_INET_ADDR"
	wait_listen inet tcp "$RIG_INET_ADDR:5201" 5 ||
	    fail "iperf3 server did not listen" "$RIG_WORK/iperf-server.log"

	json=$RIG_WORK/iperf-$server-$run.json
	g0=$(gw_cpu_ticks)
	c0=$(pid_cpu_ticks "$cpid")
	t0=$(now_ns)
	run_in client "${CLIENT_WRAP[@]}" timeout $((secs + 20)) \
	    iperf3 -c "$RIG_INET_ADDR" -t "$secs" -J >"$json" 2>&1 ||
	    fail "iperf3 through $server failed" "$json" "$client_log" \
	    "$SERVER_LOG"
	t1=$(now_ns)
	g1=$(gw_cpu_ticks)
	c1=$(pid_cpu_ticks "$cpid")
	pid_alive "$SERVER_PID" || fail "$server died" "$SERVER_LOG"

	line=$(python3 - "$json" "$server" "$run" $((g1 - g0)) $((c1 - c0)) \
	    $(((t1 - t0) / 1000)) "$CLK_TCK" <<-'EOF'
	import json, sys
	path, server, run, gticks, cticks, wall_us, hz = sys.argv[1:]
	with open(path) as f:
	    d = json.load(f)
	if "error" in d:
	    sys.exit("iperf3: " + d["error"])
	rx, tx = d["end"]["sum_received"], d["end"]["sum_sent"]
	wall = int(wall_us) / 1e6
	scpu = int(gticks) / int(hz)
	ccpu = int(cticks) / int(hz)
	mb = rx["bytes"] / 1e6
	print("\t".join([server, run,
	    "%.1f" % (rx["bits_per_second"] / 1e6), str(tx.get("retransmits", 0)),
	    "%.2f" % scpu, "%.0f" % (100 * scpu / wall),
	    "%.0f" % (scpu * 1e6 / mb), "%.0f" % (100 * ccpu / wall)]))
	EOF
	) || fail "cannot parse $json" "$json"
	RESULTS+=$line$'\n'
	IFS=$'\t' read -r -a f <<<"$line"
	printf '%-4s %-11s %8s %6s %9s %6s%% %9s %6s%%\n' "$run" "$server" \
	    "${f[@]:2}"

	stop_all
	rig_down
}

summary()
{
	python3 - <<-'EOF' "$RESULTS"
	import statistics, sys
	rows = [l.split("\t") for l in sys.argv[1].splitlines() if l]
	by = {}
	for r in rows:
	    by.setdefault(r[0], []).append(r)
	def med(rs, i):
	    return statistics.median(float(r[i]) for r in rs)
	def rng(rs, i):
	    v = [float(r[i]) for r in rs]
	    return "%g-%g" % (min(v), max(v))
	print()
	print("median of %d run(s) each:" % max(len(v) for v in by.values()))
	print("%-11s %8s %15s %9s %17s %6s %6s" % ("server", "Mbit/s", "(min-max)",
	    "us/MB", "(min-max)", "srv%", "cli%"))
	m = {}
	for s, rs in by.items():
	    m[s] = (med(rs, 2), med(rs, 6))
	    print("%-11s %8.1f %15s %9.0f %17s %5.0f%% %5.0f%%" % (s, med(rs, 2),
	        rng(rs, 2), med(rs, 6), rng(rs, 6), med(rs, 5), med(rs, 7)))
	if "openvpn" in m and "mycrypnetd" in m:
	    o, y = m["openvpn"], m["mycrypnetd"]
	    print("mycrypnetd/openvpn: throughput x%.2f, server CPU per MB x%.2f"
	        % (y[0] / o[0], y[1] / o[1]))
	EOF
}

MCN_SERVER=openvpn
rig_require
command -v python3 >/dev/null || skip "python3 not installed"
servers=(openvpn)
if [[ -x $MCN_DAEMON ]]; then
	servers+=(mycrypnetd)
else
	echo "NOTE: mycrypnetd not built ($MCN_DAEMON): measuring openvpn only"
fi
if [[ $(nproc) -ge 2 ]]; then
	SERVER_WRAP=(taskset -c 1)
	CLIENT_WRAP=(taskset -c 0)
	pinning="server on CPU 1, client + iperf3 on CPU 0"
else
	pinning="not pinned: only one CPU"
fi

mkdir -p "$RIG_WORK"
trap rig_exit EXIT
rig_pki 1
say()		# keep the table readable; failures still print in full
{
	:
}
echo "throughput: ${servers[*]}, $runs run(s) each, iperf3 -t $secs, $pinning"
echo "$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n 1)), kernel $(uname -r), $(openvpn --version | head -n 1 | cut -d' ' -f1-2)"
printf '%-4s %-11s %8s %6s %9s %7s %9s %7s\n' run server Mbit/s retr \
    srv-cpu-s srv% srv-us/MB cli%

CIPHER=''
for ((i = 1; i <= runs; i++)); do
	for s in "${servers[@]}"; do
		bench_run "$s" "$i"
	done
done
summary
echo "cipher: $CIPHER; srv% / cli% = share of one core used by the server / the openvpn client during the transfer"
if [[ -n $out ]]; then
	printf 'server\trun\tmbit_s\tretransmits\tsrv_cpu_s\tsrv_core_pct\tsrv_us_per_mb\tcli_core_pct\n%s' \
	    "$RESULTS" >"$out"
fi
