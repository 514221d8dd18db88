# shellcheck shell=bash
#
# lib_bench.sh -- what the benchmark scripts share.  Source it after
# tests/e2e/lib.sh (it uses the rig's namespaces and wrappers).
#
#   bench_pin         server on CPU 1, clients and load on CPU 0 (when
#                     there are two CPUs), MCN_BENCH_NICE applied
#   bench_machine     one line: CPUs, model, kernel, OpenVPN, OpenSSL
#   pid_cpu_ticks     utime + stime of a process (all its threads)
#   pid_cpu_ns        the same in ns, from schedstat
#   gw_cpu_ticks      the same summed over the gw namespace
#   udp_counters      a namespace's UDP counters from /proc/net/snmp
#   udp_wait_drained  until the sockets on a port have read their queues
#   bench_pki MAX     the PKI: MCN_BENCH_PKI copied in, or pki.sh

# shellcheck disable=SC2034 # read by the scripts that source this
CLK_TCK=$(getconf CLK_TCK)
LOAD_WRAP=()		# prefix for mcnload, mcnflood and the echo host
BENCH_PINNING=''	# how bench_pin placed things, for the report

# bench_pin: SERVER_WRAP (lib.sh) pins the server to CPU 1, CLIENT_WRAP
# (lib.sh: stock clients, iperf3, ping) and LOAD_WRAP to CPU 0.
# MCN_BENCH_NICE=-20 runs all of them at that nice level, for a machine
# busy with other work; with autogroup scheduling
# (kernel.sched_autogroup_enabled) nice orders tasks only within a
# session, so it also sets this session's autogroup nice
# (/proc/self/autogroup), which is what ranks it against other sessions.
bench_pin()
{
	if [[ $(nproc) -ge 2 ]]; then
		SERVER_WRAP=(taskset -c 1)
		CLIENT_WRAP=(taskset -c 0)
		BENCH_PINNING="server on CPU 1, clients and load on CPU 0"
	else
		SERVER_WRAP=()
		CLIENT_WRAP=()
		BENCH_PINNING="not pinned: only one CPU"
	fi
	if [[ -n ${MCN_BENCH_NICE:-} ]]; then
		SERVER_WRAP=(nice -n "$MCN_BENCH_NICE" "${SERVER_WRAP[@]}")
		CLIENT_WRAP=(nice -n "$MCN_BENCH_NICE" "${CLIENT_WRAP[@]}")
		BENCH_PINNING+=", nice $MCN_BENCH_NICE"
		if [[ -w /proc/self/autogroup ]] &&
		    echo "$MCN_BENCH_NICE" >/proc/self/autogroup 2>/dev/null
		then
			BENCH_PINNING+=" (and its autogroup)"
		fi
	fi
	# shellcheck disable=SC2034 # read by the scripts that source this
	LOAD_WRAP=("${CLIENT_WRAP[@]}")
}

# bench_machine: the machine in one line.
bench_machine()
{
	echo "$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' |
	    head -n 1)), kernel $(uname -r), $(openvpn --version |
	    head -n 1 | cut -d' ' -f1-2), $(openssl version)"
}

# pid_cpu_ticks PID: utime + stime of one process, all its threads.
pid_cpu_ticks()
{
	local stat f

	stat=$(cat "/proc/$1/stat")
	# Fields after "(comm) ": state is f[0], utime f[11], stime f[12].
	read -r -a f <<<"${stat##*) }"
	echo $((f[11] + f[12]))
}

# pid_cpu_ns PID: time on a CPU of every thread of PID, in ns
# (/proc/PID/task/*/schedstat: finer than the ticks of stat).
pid_cpu_ns()
{
	cat "/proc/$1/task/"*/schedstat | awk '{ n += $1 } END { printf "%.0f\n", n }'
}

# gw_cpu_ticks: utime + stime of every process in the gw namespace.
gw_cpu_ticks()
{
	local pid total=0 t

	for pid in $(ip netns pids "$NS_GW"); do
		t=$(pid_cpu_ticks "$pid" 2>/dev/null) || continue
		total=$((total + t))
	done
	echo "$total"
}

# udp_counters NS: "InDatagrams RcvbufErrors InErrors" of the namespace
# (InDatagrams counts what sockets read, so what the server processed).
udp_counters()
{
	run_in "$1" cat /proc/net/snmp | awk '
	$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) k[$i] = i; h = 1; next }
	$1 == "Udp:" { print $k["InDatagrams"], $k["RcvbufErrors"], $k["InErrors"] }'
}

# udp_wait_drained NS PORT TIMEOUT: 0 once no UDP socket on PORT in NS
# has datagrams queued (/proc/net/udp and udp6, rx_queue), 1 after
# TIMEOUT seconds.
udp_wait_drained()
{
	local i port

	port=$(printf '%04X' "$2")
	for ((i = 0; i <= $3 * 100; i++)); do
		run_in "$1" cat /proc/net/udp /proc/net/udp6 | awk -v p="$port" '
		    { split($2, a, ":"); split($5, q, ":") }
		    a[2] == p && q[2] != "00000000" { n++ }
		    END { exit n > 0 }' && return 0
		sleep 0.01
	done
	return 1
}

# bench_pki MAX: the PKI in $RIG_WORK: MCN_BENCH_PKI=DIR (made by
# tests/e2e/pki.sh DIR N with N >= MAX) copied in, or made now (about
# 100 s per 1000 clients).
bench_pki()
{
	if [[ -n ${MCN_BENCH_PKI:-} ]]; then
		[[ -f $MCN_BENCH_PKI/client$1.crt ]] ||
		    fail "$MCN_BENCH_PKI has no client$1.crt"
		cp -a "$MCN_BENCH_PKI"/. "$RIG_WORK"/
	else
		rig_pki "$1"
	fi
}
