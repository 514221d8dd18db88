#!/bin/bash
#
# many_clients.sh -- twenty stock clients at once, UDP and TCP mixed, on a
# gateway with two workers (issue 4: "CI proves 20 concurrent real clients
# (UDP and TCP mixed) all pass traffic with workers 2").
#
#   tests/e2e/many_clients.sh     (exit 0/1/77)
#
# The rig of lib.sh; all twenty clients run in its client namespace:
#
#   client ns                          gw ns                     inet ns
#   c1..c10   proto udp, lport 21000+N mycrypnetd, workers 2     10.99.2.2
#   c11..c20  proto tcp-client         listen udp 10.99.1.1 1194 ping, iperf3
#   each its own tunN, no redirect;    listen tcp 10.99.1.1 1194
#   "from VIP lookup 100+N" ->         NAT out of exit0
#   "default dev tunN"
#
# The clients start together and must all complete within CONNECT_TIMEOUT.
# Each ignores the pushed redirect-gateway (twenty default routes cannot
# share a namespace); the test routes whatever leaves from its tunnel
# address through its own tun instead, so "ping -I VIP" and "iperf3 -B VIP"
# take that client's tunnel and nothing else.  Then:
#   - mcnctl --json status: 20 sessions, workers 2, each CN once with the
#     address its client configured, the UDP clients at their lport, the
#     TCP ones at a port of an established TCP connection on the gateway's
#     1194 (ss), and sessions on both workers (the kernel's SO_REUSEPORT
#     hash of the client's address and port spreads the first packets, so
#     all twenty on one worker would be a 1 in 500,000 accident);
#   - all twenty ping the inet host at once, PINGS each: no loss anywhere
#     (the inet host has no route back, so a reply proves the tunnel, the
#     forwarding and the NAT), and in the gateway each session's bytes_in
#     and bytes_out grew by at least PINGS echo packets (mycrypnetd counts
#     a packet for a session only if its source, coming in, or its
#     destination, going out, is that session's address);
#   - iperf3 for IPERF_SECONDS from a UDP and a TCP client at once, both
#     moving data, the inet host seeing the gateway's exit address;
#   - every client is still connected, having connected once.
#
# OpenVPN 2.6 as the server cannot listen on UDP and TCP in one process (it
# has no worker threads either): MCN_SERVER=openvpn skips.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"
readonly N_UDP=10 N_TCP=10
readonly N=$((N_UDP + N_TCP))
readonly CONNECT_TIMEOUT=30
readonly UDP_LPORT_BASE=21000	# UDP client i binds 21000+i
readonly TABLE_BASE=100		# client i's routing table: 100+i
readonly PINGS=5
readonly PING_BYTES=84		# an echo of ping's default 56 bytes, as IP
readonly IPERF_SECONDS=2
readonly IPERF_PORT_BASE=5200	# client i's iperf3 server: 5200+i
MCNCTL=$MCN_TOP_BUILDDIR/mcnctl/mcnctl

# By client number 1..N.
declare -a PID VIP WORKER REAL BIN BOUT BIN1 BOUT1

[[ $MCN_SERVER == mycrypnetd ]] ||
    skip "OpenVPN 2.6 cannot listen on UDP and TCP in one process and has no workers: this test is mycrypnetd's"
[[ -x $MCNCTL ]] || skip "mcnctl is not built"
command -v python3 >/dev/null || skip "python3 (for the JSON checks) missing"

# is_tcp I: client I connects over TCP.
is_tcp()
{
	(($1 > N_UDP))
}

# server_start: rig_server_start with a second listener.  SERVER_CONF_SET
# sets a directive once (conf_set replaces it), and listen must appear
# twice, so the TCP one is appended to the file the rig wrote.
server_start()
{
	local conf

	conf=$(rig_server_conf)
	echo "listen tcp $RIG_GW_ADDR $RIG_PORT" >>"$conf"
	SERVER_LOG=$RIG_WORK/server-$MCN_SERVER.log
	start_bg gw "$SERVER_LOG" "$MCN_DAEMON" --config "$conf"
	SERVER_PID=$BG_PID
	rig_wait_daemon 10 || fail "mycrypnetd did not start" "$SERVER_LOG"
	wait_listen gw tcp "$RIG_GW_ADDR:$RIG_PORT" 5 ||
	    fail "mycrypnetd does not listen on tcp $RIG_GW_ADDR:$RIG_PORT" \
	    "$SERVER_LOG"
	say "mycrypnetd serving udp and tcp $RIG_GW_ADDR:$RIG_PORT (pid $SERVER_PID)"
}

# clients_start: all N clients at once; PID[i].
clients_start()
{
	local i opts

	for ((i = 1; i <= N; i++)); do
		opts=("dev tun$i" "pull-filter ignore redirect-gateway")
		if is_tcp "$i"; then
			opts+=("proto tcp-client")
		else
			opts+=("lport $((UDP_LPORT_BASE + i))")
		fi
		rig_client_start "c$i" "$(rig_client_conf "c$i" "client$i" \
		    "${opts[@]}")"
		PID[i]=$BG_PID
	done
}

# clients_wait: every client completes within CONNECT_TIMEOUT seconds.
clients_wait()
{
	local i left deadline=$((SECONDS + CONNECT_TIMEOUT))

	while :; do
		left=()
		for ((i = 1; i <= N; i++)); do
			grep -q "$COMPLETED" "$RIG_WORK/c$i.log" && continue
			pid_alive "${PID[i]}" ||
			    fail "c$i exited before connecting" \
			    "$RIG_WORK/c$i.log" "$SERVER_LOG"
			left+=("c$i")
		done
		[[ ${#left[@]} -eq 0 ]] && return 0
		((SECONDS < deadline)) ||
		    fail "not connected after ${CONNECT_TIMEOUT} s: ${left[*]}" \
		    "$RIG_WORK/${left[0]}.log" "$SERVER_LOG"
		sleep 0.2
	done
}

# clients_route: VIP[i], tunI's address (no other client's), and policy
# routing that sends what leaves from it through tunI: "from VIP[i]
# lookup 100+i", "default dev tunI" there.  One ip -batch for all, since
# every ip netns exec costs a fork and an exec.
clients_route()
{
	local i j dev addr route

	while read -r _ dev _ addr _; do
		if [[ $dev =~ ^tun([0-9]+)$ ]]; then
			VIP[BASH_REMATCH[1]]=${addr%/*}
		fi
	done < <(run_in client ip -4 -o addr show)
	for ((i = 1; i <= N; i++)); do
		[[ -n ${VIP[i]:-} ]] ||
		    fail "c$i: no tunnel address on tun$i" "$RIG_WORK/c$i.log"
		for ((j = 1; j < i; j++)); do
			[[ ${VIP[j]} != "${VIP[i]}" ]] ||
			    fail "c$j and c$i both have ${VIP[i]}" "$SERVER_LOG"
		done
	done
	for ((i = 1; i <= N; i++)); do
		echo "route add default dev tun$i table $((TABLE_BASE + i))"
		echo "rule add from ${VIP[i]} lookup $((TABLE_BASE + i))"
	done | run_in client ip -batch -
	route=$(for ((i = 1; i <= N; i++)); do
		echo "route get $RIG_INET_ADDR from ${VIP[i]}"
	done | run_in client ip -batch -)
	for ((i = 1; i <= N; i++)); do
		grep -q " from ${VIP[i]} dev tun$i " <<<"$route" ||
		    fail "c$i: $RIG_INET_ADDR from ${VIP[i]} is not routed via tun$i: $route"
	done
}

# clients_stop: SIGTERM to every client at once, then each reaped (the
# rig would stop them one after the other).
clients_stop()
{
	local i

	for ((i = 1; i <= N; i++)); do
		kill -TERM "${PID[i]}" 2>/dev/null || true
	done
	for ((i = 1; i <= N; i++)); do
		rig_stop "${PID[i]}"
	done
}

# sessions_table FILE: an mcnctl --json status as lines: "workers", then
# a line a session: CN WORKER VIRTUAL-IPV4 REAL-ADDRESS BYTES-IN BYTES-OUT.
sessions_table()
{
	python3 - "$1" <<-'EOF'
	import json, sys
	r = json.load(open(sys.argv[1]))["result"]
	print(r["workers"])
	for s in r["sessions"]:
	    print(s["common_name"], s["worker"], s["virtual_ipv4"],
	          s["real_address"], s["bytes_in"], s["bytes_out"])
	EOF
}

# status NAME: mcnctl --json status into NAME.json; WORKER, VIP check,
# REAL, BIN, BOUT by client number.  Fails unless it lists exactly the N
# clients, each once, at the address its client configured.
status()
{
	local json=$RIG_WORK/$1.json cn w vip real bin bout i n=0 workers

	"$MCNCTL" -s "$RIG_WORK/control.sock" --json status >"$json" ||
	    fail "mcnctl status failed" "$json"
	WORKER=() REAL=() BIN=() BOUT=()
	{
		read -r workers
		while read -r cn w vip real bin bout; do
			[[ $cn =~ ^client([0-9]+)$ ]] ||
			    fail "$1: unexpected session '$cn'" "$json"
			i=${BASH_REMATCH[1]}
			[[ -z ${WORKER[i]:-} ]] || fail "$1: $cn listed twice" "$json"
			[[ $vip == "${VIP[i]}" ]] ||
			    fail "$1: $cn has $vip, its client ${VIP[i]}" "$json"
			WORKER[i]=$w REAL[i]=$real BIN[i]=$bin BOUT[i]=$bout
			n=$((n + 1))
		done
	} < <(sessions_table "$json")
	[[ $workers == 2 ]] || fail "$1: status says workers $workers" "$json"
	[[ $n -eq $N ]] || fail "$1: $n sessions, want $N" "$json"
}

# check_transports: the UDP clients' sessions are at their lport, the TCP
# ones at the peer of an established connection to the gateway's TCP
# port; both workers own sessions.
check_transports()
{
	local i tcp per=([0]=0 [1]=0) udpw=() tcpw=()

	tcp=$(run_in gw ss -Htn state established "sport = :$RIG_PORT" |
	    awk '{ print $NF }')
	[[ $(wc -l <<<"$tcp") -eq $N_TCP ]] ||
	    fail "the gateway has $(wc -l <<<"$tcp") TCP connections on $RIG_PORT, want $N_TCP: $tcp"
	for ((i = 1; i <= N; i++)); do
		if is_tcp "$i"; then
			grep -qxF "${REAL[i]}" <<<"$tcp" ||
			    fail "client$i's session (${REAL[i]}) is no TCP connection of the gateway: $tcp" \
			    "$RIG_WORK/status1.json"
			tcpw+=("${WORKER[i]}")
		else
			[[ ${REAL[i]} == "$RIG_CLIENT_ADDR:$((UDP_LPORT_BASE + i))" ]] ||
			    fail "client$i's session is at ${REAL[i]}, not its UDP lport" \
			    "$RIG_WORK/status1.json"
			udpw+=("${WORKER[i]}")
		fi
		[[ ${WORKER[i]} == [01] ]] ||
		    fail "client$i on worker ${WORKER[i]}" "$RIG_WORK/status1.json"
		((per[WORKER[i]] += 1))
	done
	say "sessions: worker 0 owns ${per[0]}, worker 1 ${per[1]} (UDP clients' workers: ${udpw[*]}; TCP: ${tcpw[*]})"
	[[ ${per[0]} -gt 0 && ${per[1]} -gt 0 ]] ||
	    fail "all sessions on one worker" "$RIG_WORK/status1.json"
}

# ping_all: all N clients ping the inet host at once from their tunnel
# address; none may lose a packet.
ping_all()
{
	local i log out ppid=()

	for ((i = 1; i <= N; i++)); do
		start_bg client "$RIG_WORK/ping$i.log" ping -n -q -c "$PINGS" \
		    -i 0.2 -W 2 -I "${VIP[i]}" "$RIG_INET_ADDR"
		ppid[i]=$BG_PID
	done
	for ((i = 1; i <= N; i++)); do
		log=$RIG_WORK/ping$i.log
		wait "${ppid[i]}" || true
		rig_stop "${ppid[i]}"
		out=$(grep -Eo "[0-9]+ packets transmitted, [0-9]+ received, [0-9.]+% packet loss" "$log") ||
		    fail "c$i: ping failed" "$log" "$RIG_WORK/c$i.log"
		[[ $out == "$PINGS packets transmitted, $PINGS received, 0% packet loss" ]] ||
		    fail "c$i (${VIP[i]}): $out" "$log" "$RIG_WORK/c$i.log" \
		    "$SERVER_LOG"
	done
}

# iperf_pair UDP-CLIENT TCP-CLIENT: iperf3 from both at once, client i
# to its own server on the inet host, port IPERF_PORT_BASE+i.
iperf_pair()
{
	local i port rate spid=() cpid=() rates=()

	for i in "$@"; do
		port=$((IPERF_PORT_BASE + i))
		start_bg inet "$RIG_WORK/iperf-s$i.log" iperf3 -s -1 \
		    -B "$RIG_INET_ADDR" -p "$port" --forceflush
		spid[i]=$BG_PID
		wait_listen inet tcp "$RIG_INET_ADDR:$port" 5 ||
		    fail "iperf3 server on $port did not listen" \
		    "$RIG_WORK/iperf-s$i.log"
	done
	for i in "$@"; do
		start_bg client "$RIG_WORK/iperf-c$i.log" timeout 20 iperf3 \
		    -c "$RIG_INET_ADDR" -p $((IPERF_PORT_BASE + i)) \
		    -B "${VIP[i]}" -t "$IPERF_SECONDS" -f m
		cpid[i]=$BG_PID
	done
	for i in "$@"; do
		wait "${cpid[i]}" ||
		    fail "iperf3 from c$i failed" "$RIG_WORK/iperf-c$i.log" \
		    "$RIG_WORK/iperf-s$i.log" "$RIG_WORK/c$i.log"
		rig_stop "${cpid[i]}"
		wait_exit "${spid[i]}" 5 || true
		rig_stop "${spid[i]}"
		rate=$(awk '/ receiver$/ { print $(NF - 2) }' \
		    "$RIG_WORK/iperf-c$i.log")
		[[ -n $rate && $rate != 0* ]] ||
		    fail "iperf3 from c$i moved no data" "$RIG_WORK/iperf-c$i.log"
		grep -q "Accepted connection from $RIG_EXIT_ADDR" \
		    "$RIG_WORK/iperf-s$i.log" ||
		    fail "iperf3 server did not see $RIG_EXIT_ADDR as c$i's peer" \
		    "$RIG_WORK/iperf-s$i.log"
		rates+=("c$i $rate")
	done
	IPERF_RATES=$(printf '%s Mbit/s, ' "${rates[@]}")
}

rig_require
say "many_clients: $N_UDP UDP + $N_TCP TCP clients, workers 2"
rig_up
rig_pki "$N"
SERVER_CONF_SET=(-proto -local -port "listen udp $RIG_GW_ADDR $RIG_PORT"
    "workers 2")
server_start

t0=$(date +%s%N)
clients_start
clients_wait
say "all $N clients connected in $((($(date +%s%N) - t0) / 1000000)) ms"
clients_route

status status1
check_transports
for ((i = 1; i <= N; i++)); do
	BIN1[i]=${BIN[i]} BOUT1[i]=${BOUT[i]}
done

ping_all
say "all $N pinged $RIG_INET_ADDR at once, $PINGS each, no loss"
status status2
min=$((PINGS * PING_BYTES))
for ((i = 1; i <= N; i++)); do
	din=$((BIN[i] - BIN1[i])) dout=$((BOUT[i] - BOUT1[i]))
	((din >= min && dout >= min)) ||
	    fail "client$i's session counted $din bytes in, $dout out during its $PINGS pings (want >= $min each)" \
	    "$RIG_WORK/status1.json" "$RIG_WORK/status2.json"
done
say "the gateway counted every client's pings in its own session, both ways"

iperf_pair 1 $((N_UDP + 1))
say "iperf3 ${IPERF_SECONDS} s at once: ${IPERF_RATES%, }"

for ((i = 1; i <= N; i++)); do
	pid_alive "${PID[i]}" || fail "c$i exited" "$RIG_WORK/c$i.log"
	[[ $(grep -c "$COMPLETED" "$RIG_WORK/c$i.log") -eq 1 ]] ||
	    fail "c$i reconnected" "$RIG_WORK/c$i.log" "$SERVER_LOG"
done
say "all $N clients still up, none reconnected"
clients_stop

rig_pass
