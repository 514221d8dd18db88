#!/bin/bash
#
# throughput.sh -- single-stream TCP through the tunnel, OpenVPN 2.6 server
# against mycrypnetd, with the stock openvpn client.
#
#   tests/bench/throughput.sh [-n RUNS] [-t SECONDS] [-l PINGS] [-R]
#                             [-o RESULTS.tsv]
#
# -R: the other way, from the inet host down to the client (iperf3 -R):
# what a VPN user mostly does.
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
# partly in the server's numbers.  Tunnelled packets are the client's tun
# packets both ways (the stock client's tun has no offloads: one packet
# each), so server CPU per packet counts data and ACKs, as
# research/performance.md T1 does.
#
# -l PINGS adds the round-trip time, PINGS pings 10 ms apart to the inet
# host each time: over the bare veth before the client starts (the gw
# forwards and masquerades the client's veth address for it, in a table
# of its own), through the idle tunnel, and through the tunnel while
# iperf3 loads it (the first second skipped; iperf3 runs at least
# PINGS / 100 + 2 s).  p50 and p99 of the replies; the added RTT is the
# tunnel's minus the bare veth's.
#
# Fairness (research/performance.md §5.2): both servers get the same
# configuration (tests/e2e/server.conf; openvpn with data-channel offload
# disabled), so the same cipher, tun-mtu 1500 and default mssfix; the
# server is pinned to CPU 1, the client and both iperf3 ends to CPU 0; the
# implementations alternate, RUNS each (default 3); medians are reported.
# With the stock openvpn client on the same box the client is the
# bottleneck, so server CPU per MB is the primary metric, not Mbit/s.
#
# MCN_BENCH_NICE as in mcnload_bench.sh.  If mycrypnetd is not built, only
# openvpn is measured.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=SCRIPTDIR/lib_bench.sh
. "$(dirname "$0")/lib_bench.sh"

usage()
{
	echo "usage: $0 [-n RUNS] [-t SECONDS] [-l PINGS] [-R] [-o RESULTS.tsv]" >&2
	exit 2
}

runs=${MCN_BENCH_RUNS:-3}
secs=${MCN_BENCH_SECONDS:-8}
pings=0
out=''
reverse=()
while getopts n:t:l:Ro: opt; do
	case $opt in
	R)	reverse=(-R) ;;
	n)	runs=$OPTARG ;;
	t)	secs=$OPTARG ;;
	l)	pings=$OPTARG ;;
	o)	out=$OPTARG ;;
	*)	usage ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ &&
    $pings =~ ^[0-9]+$ ]] || usage
if [[ $pings -gt 0 && $secs -lt $((pings / 100 + 2)) ]]; then
	secs=$((pings / 100 + 2))
fi

RESULTS=''
RTT_NONE='-	-	-'

now_ns()
{
	date +%s%N
}

# tun_packets: packets through the client's tun0, both ways.
tun_packets()
{
	run_in client cat /sys/class/net/tun0/statistics/rx_packets \
	    /sys/class/net/tun0/statistics/tx_packets |
	    awk '{ n += $1 } END { print n }'
}

# rtt_of FILE SKIP: "p50<TAB>p99<TAB>loss%" of ping's output in FILE,
# replies with icmp_seq <= SKIP left out.
rtt_of()
{
	python3 - "$1" "$2" <<-'EOF'
	import re, sys
	skip = int(sys.argv[2])
	rtt, seqs = [], 0
	for l in open(sys.argv[1]):
	    m = re.search(r"icmp_seq=(\d+) .*time=([\d.]+) ms", l)
	    if m and int(m.group(1)) > skip:
	        rtt.append(float(m.group(2)))
	    m = re.search(r"(\d+) packets transmitted", l)
	    if m:
	        seqs = int(m.group(1))
	if not rtt:
	    sys.exit("no ping replies in " + sys.argv[1])
	rtt.sort()
	pct = lambda p: rtt[min(len(rtt) - 1, int(p * len(rtt)))]
	sent = max(seqs - skip, len(rtt))
	print("%.3f\t%.3f\t%.1f" % (pct(0.5), pct(0.99),
	    100.0 * (sent - len(rtt)) / sent))
	EOF
}

# rtt_bare: PINGS over the bare veth to the inet host, before the tunnel:
# the gw masquerades the client's veth address for it (the server turned
# forwarding on).  Prints rtt_of's line.
rtt_bare()
{
	local pf=$RIG_WORK/ping-bare.txt

	run_in gw nft -f - <<-EOF
	table ip mcn_bench_bare {
		chain postrouting {
			type nat hook postrouting priority srcnat;
			ip saddr $RIG_CLIENT_ADDR oifname "$RIG_EXIT_IF" masquerade
		}
	}
	EOF
	run_in gw sysctl -qw net.ipv4.ip_forward=1
	run_in client "${CLIENT_WRAP[@]}" ping -n -i 0.01 -c "$pings" \
	    "$RIG_INET_ADDR" >"$pf" 2>&1 || fail "bare ping failed" "$pf"
	run_in gw nft delete table ip mcn_bench_bare
	rtt_of "$pf" 0
}

# bench_run SERVER RUN: one measurement, appended to $RESULTS.
bench_run()
{
	local server=$1 run=$2 conf client_log cpid json
	local g0 g1 c0 c1 t0 t1 p0 p1 line f rtt ppid pfile

	MCN_SERVER=$server
	rig_up
	rig_server_start
	rtt=$RTT_NONE$'\t'$RTT_NONE$'\t'$RTT_NONE
	[[ $pings -gt 0 ]] && rtt=$(rtt_bare)
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

	if [[ $pings -gt 0 ]]; then
		# Not counted: the first packets of a flow (ARP, conntrack).
		run_in client ping -n -c 3 -i 0.2 "$RIG_INET_ADDR" >/dev/null ||
		    true
		pfile=$RIG_WORK/ping-idle-$server-$run.txt
		run_in client "${CLIENT_WRAP[@]}" ping -n -i 0.01 -c "$pings" \
		    "$RIG_INET_ADDR" >"$pfile" 2>&1 ||
		    fail "ping through the idle tunnel failed" "$pfile"
		rtt+=$'\t'$(rtt_of "$pfile" 0)
		# Under load: one second more, skipped (iperf3's ramp-up).
		pfile=$RIG_WORK/ping-load-$server-$run.txt
		start_bg client "$pfile" "${CLIENT_WRAP[@]}" ping -n -i 0.01 \
		    -c $((pings + 100)) -w "$secs" "$RIG_INET_ADDR"
		ppid=$BG_PID
	fi

	json=$RIG_WORK/iperf-$server-$run.json
	g0=$(gw_cpu_ticks)
	c0=$(pid_cpu_ticks "$cpid")
	p0=$(tun_packets)
	t0=$(now_ns)
	run_in client "${CLIENT_WRAP[@]}" timeout $((secs + 20)) \
	    iperf3 -c "$RIG_INET_ADDR" -t "$secs" "${reverse[@]}" -J \
	    >"$json" 2>&1 ||
	    fail "iperf3 through $server failed" "$json" "$client_log" \
	    "$SERVER_LOG"
	t1=$(now_ns)
	g1=$(gw_cpu_ticks)
	c1=$(pid_cpu_ticks "$cpid")
	p1=$(tun_packets)
	pid_alive "$SERVER_PID" || fail "$server died" "$SERVER_LOG"
	if [[ $pings -gt 0 ]]; then
		wait_exit "$ppid" 5 || fail "ping under load did not end" "$pfile"
		rtt+=$'\t'$(rtt_of "$pfile" 100)
	fi

	line=$(python3 - "$json" "$server" "$run" $((g1 - g0)) $((c1 - c0)) \
	    $(((t1 - t0) / 1000)) "$CLK_TCK" $((p1 - p0)) "$rtt" <<-'EOF'
	import json, sys
	path, server, run, gticks, cticks, wall_us, hz, pkts, rtt = sys.argv[1:]
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
	    "%.0f" % (scpu * 1e6 / mb), "%.0f" % (100 * ccpu / wall),
	    pkts, "%.2f" % (scpu * 1e6 / max(int(pkts), 1)), rtt]))
	EOF
	) || fail "cannot parse $json" "$json"
	RESULTS+=$line$'\n'
	IFS=$'\t' read -r -a f <<<"$line"
	printf '%-4s %-11s %8s %6s %9s %6s%% %9s %6s%% %9s %8s' "$run" \
	    "$server" "${f[@]:2:8}"
	[[ $pings -gt 0 ]] && printf ' %6s/%-6s %6s/%-6s %6s/%-6s' \
	    "${f[10]}" "${f[11]}" "${f[13]}" "${f[14]}" "${f[16]}" "${f[17]}"
	echo

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
	print("%-11s %8s %15s %9s %17s %6s %6s %9s" % ("server", "Mbit/s",
	    "(min-max)", "us/MB", "(min-max)", "srv%", "cli%", "us/pkt"))
	m = {}
	for s, rs in by.items():
	    m[s] = (med(rs, 2), med(rs, 6), med(rs, 9))
	    print("%-11s %8.1f %15s %9.0f %17s %5.0f%% %5.0f%% %9.2f" % (s,
	        med(rs, 2), rng(rs, 2), med(rs, 6), rng(rs, 6), med(rs, 5),
	        med(rs, 7), med(rs, 9)))
	if "openvpn" in m and "mycrypnetd" in m:
	    o, y = m["openvpn"], m["mycrypnetd"]
	    print("mycrypnetd/openvpn: throughput x%.2f, server CPU per MB x%.2f,"
	        " per packet x%.2f" % (y[0] / o[0], y[1] / o[1], y[2] / o[2]))
	if rows[0][10] != "-":
	    print("RTT ms p50/p99 (median of runs): bare veth, idle tunnel,"
	        " loaded tunnel")
	    for s, rs in by.items():
	        print("%-11s %s" % (s, "  ".join("%.3f/%.3f" % (med(rs, i),
	            med(rs, i + 1)) for i in (10, 13, 16))))
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
bench_pin

mkdir -p "$RIG_WORK"
trap rig_exit EXIT
rig_pki 1
say()		# keep the table readable; failures still print in full
{
	:
}
echo "throughput: ${servers[*]}, $runs run(s) each, iperf3 -t $secs${reverse:+ -R (download)}, $BENCH_PINNING"
bench_machine
printf '%-4s %-11s %8s %6s %9s %7s %9s %7s %9s %8s' run server Mbit/s retr \
    srv-cpu-s srv% srv-us/MB cli% tun-pkts us/pkt
[[ $pings -gt 0 ]] && printf ' %13s %13s %13s' rtt-bare rtt-idle rtt-load
echo

CIPHER=''
for ((i = 1; i <= runs; i++)); do
	for s in "${servers[@]}"; do
		bench_run "$s" "$i"
	done
done
summary
echo "cipher: $CIPHER; srv% / cli% = share of one core used by the server / the openvpn client during the transfer"
if [[ -n $out ]]; then
	printf '%s\t' server run mbit_s retransmits srv_cpu_s srv_core_pct \
	    srv_us_per_mb cli_core_pct tun_pkts srv_us_per_pkt \
	    bare_p50_ms bare_p99_ms bare_loss_pct idle_p50_ms idle_p99_ms \
	    idle_loss_pct load_p50_ms load_p99_ms >"$out"
	printf 'load_loss_pct\n%s' "$RESULTS" >>"$out"
fi
