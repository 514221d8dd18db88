#!/bin/bash
#
# first_light.sh -- end to end with the stock OpenVPN 2.6 client.
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/first_light.sh
#
# Exit 0 pass, 1 fail, 77 skip (not root, tools or the daemon missing).
# The rig is in lib.sh (topology diagram there); MCN_SERVER=openvpn runs
# the same checks against OpenVPN 2.6 to prove the test itself.
#
# 1. A good client completes within GOOD_TIMEOUT seconds, its route to the
#    inet host goes through its tun, ping and a short iperf3 reach that
#    host, and the host sees only the gateway's exit address (NAT).
# 2. While that client stays connected, four bad clients are refused, one
#    at a time, each on its own source port; the good client must still
#    pass traffic after each and must never have reconnected:
#      wrong tls-auth key    the server sends nothing back at all (capture)
#      revoked certificate   handshake refused, server log says revoked/CRL
#      another CA            handshake refused
#      EKU serverAuth only   handshake refused
#    "Refused" means the server answered the tls-auth'd reset (the client
#    logs "TLS: Initial packet from"), so the packet layer works, and the
#    client never completed.  A bad client gives up on its own after
#    BAD_WINDOW seconds (hand-window + connect-retry-max 1); a normal
#    connect here takes well under one second.
# 3. mycrypnetd only: its log names each refusal's reason; the forged
#    packets of the wrong-key client were counted (SIGUSR2 stats) and not
#    logged one by one; on SIGTERM it tells the client to reconnect
#    (RESTART), removes its NAT table and its tun, and exits 0.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly GOOD_TIMEOUT=20
readonly BAD_WINDOW=4
readonly COMPLETED="Initialization Sequence Completed"

GOOD_LOG=''
GOOD_PID=''

# ping_inet WHAT: the good client reaches the inet host through the tunnel.
ping_inet()
{
	pid_alive "$GOOD_PID" || fail "good client died ($1)" "$GOOD_LOG"
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "ping $RIG_INET_ADDR from the client failed ($1)" \
	    "$GOOD_LOG" "$SERVER_LOG"
}

# capture NS IFACE NAME FILTER: tcpdump into $RIG_WORK/NAME.pcap; pid in
# BG_PID once it is listening.
capture()
{
	local log=$RIG_WORK/$3.tcpdump.log

	start_bg "$1" "$log" tcpdump -i "$2" -n -U --immediate-mode -Z root \
	    -w "$RIG_WORK/$3.pcap" "$4"
	wait_for_log "$log" "listening on" 5 "$BG_PID" ||
	    fail "tcpdump did not start in $1" "$log"
}

# count_pkts NAME FILTER: packets in NAME.pcap matching FILTER.
count_pkts()
{
	tcpdump -r "$RIG_WORK/$1.pcap" -n "$2" 2>/dev/null | wc -l
}

# new_server_lines SINCE: the server log after its first SINCE lines.
new_server_lines()
{
	tail -n "+$(($1 + 1))" "$SERVER_LOG"
}

check_good_client()
{
	local route

	GOOD_LOG=$RIG_WORK/good.log
	rig_client_start good "$(rig_client_conf good client1)"
	GOOD_PID=$BG_PID
	wait_for_log "$GOOD_LOG" "$COMPLETED" "$GOOD_TIMEOUT" "$GOOD_PID" ||
	    fail "good client did not complete within ${GOOD_TIMEOUT}s" \
	    "$GOOD_LOG" "$SERVER_LOG"
	say "good client connected: $(grep -Eo 'Data Channel: cipher .*' \
	    "$GOOD_LOG" | head -n 1)"

	route=$(run_in client ip route get "$RIG_INET_ADDR" | head -n 1)
	[[ $route =~ \ dev\ tun[0-9]+\  ]] ||
	    fail "route to $RIG_INET_ADDR is not via the tunnel: $route" \
	    "$GOOD_LOG"
	say "route: $route"
	ping_inet "first ping"
	say "ping $RIG_INET_ADDR through the tunnel: ok"
}

# check_nat: every echo request the inet host sees comes from 10.99.2.1.
check_nat()
{
	local all nat dump

	capture inet veth0 inet-icmp "icmp[icmptype] == icmp-echo"
	dump=$BG_PID
	run_in client ping -q -c 3 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "ping during the capture failed" "$GOOD_LOG" "$SERVER_LOG"
	sleep 0.2
	stop_pid "$dump"
	all=$(count_pkts inet-icmp "icmp")
	nat=$(count_pkts inet-icmp "icmp and src host $RIG_EXIT_ADDR")
	[[ $all -ge 1 && $nat -eq $all ]] ||
	    fail "inet host saw $all echo requests, $nat from $RIG_EXIT_ADDR" \
	    "$RIG_WORK/inet-icmp.tcpdump.log"
	say "inet host sees the pings from $RIG_EXIT_ADDR: ok ($nat/$all)"
}

check_iperf()
{
	local out=$RIG_WORK/iperf-client.log slog=$RIG_WORK/iperf-server.log
	local spid rate

	start_bg inet "$slog" iperf3 -s -1 -B "$RIG_INET_ADDR" --forceflush
	spid=$BG_PID
	wait_listen inet tcp "$RIG_INET_ADDR:5201" 5 ||
	    fail "iperf3 server did not listen" "$slog"
	run_in client timeout 20 iperf3 -c "$RIG_INET_ADDR" -t 3 -f m \
	    >"$out" 2>&1 ||
	    fail "iperf3 through the tunnel failed" "$out" "$slog" "$GOOD_LOG"
	rate=$(awk '/ receiver$/ { print $(NF - 2) }' "$out")
	[[ -n $rate && $rate != 0* ]] ||
	    fail "iperf3 moved no data" "$out"
	wait_exit "$spid" 5 || true
	grep -q "Accepted connection from $RIG_EXIT_ADDR" "$slog" ||
	    fail "iperf3 server did not see $RIG_EXIT_ADDR as the peer" "$slog"
	say "iperf3 TCP 3 s client -> inet: $rate Mbit/s, peer seen as $RIG_EXIT_ADDR"
}

# run_bad NAME CERT PORT [DIRECTIVE ARGS]...: runs a bad client until it
# gives up (or kill it), failing if it ever completes.  Sets BAD_LOG.
run_bad()
{
	local name=$1 cert=$2 port=$3 pid

	shift 3
	BAD_LOG=$RIG_WORK/$name.log
	rig_client_start "$name" "$(rig_client_conf "$name" "$cert" \
	    "lport $port" "hand-window $BAD_WINDOW" "connect-retry-max 1" "$@")"
	pid=$BG_PID
	if wait_for_log "$BAD_LOG" "$COMPLETED|Peer Connection Initiated" \
	    $((BAD_WINDOW + 4)) "$pid"; then
		fail "$name client was accepted" "$BAD_LOG" "$SERVER_LOG"
	fi
	stop_pid "$pid"
}

refuse_wrong_ta()
{
	local port=21001 sent answered dump

	capture client veth0 wrong-ta \
	    "udp and host $RIG_GW_ADDR and port $RIG_PORT and port $port"
	dump=$BG_PID
	run_bad wrong-ta client1 "$port" "tls-auth wrong-ta.key 1"
	sleep 0.2
	stop_pid "$dump"
	sent=$(count_pkts wrong-ta "src host $RIG_CLIENT_ADDR and src port $port")
	answered=$(count_pkts wrong-ta "src host $RIG_GW_ADDR and src port $RIG_PORT")
	[[ $sent -ge 2 ]] ||
	    fail "capture saw $sent packets from the wrong-ta client" "$BAD_LOG"
	[[ $answered -eq 0 ]] ||
	    fail "server sent $answered packets to a wrong tls-auth key" \
	    "$BAD_LOG" "$SERVER_LOG"
	! grep -q "Initial packet from" "$BAD_LOG" ||
	    fail "wrong-ta client got a server response" "$BAD_LOG"
	say "refused: wrong tls-auth key ($sent packets sent, 0 answered)"
	[[ $MCN_SERVER == mycrypnetd ]] && check_forged_counted "$sent" "$port"
	return 0
}

# check_forged_counted N PORT: the daemon's stats count at least N forged
# packets, and no log line names the forger's port.
check_forged_counted()
{
	local before forged i

	before=$(grep -c "event=stats" "$SERVER_LOG" || true)
	kill -USR2 "$SERVER_PID"
	for ((i = 0; i < 30; i++)); do
		[[ $(grep -c "event=stats" "$SERVER_LOG") -gt $before ]] && break
		sleep 0.1
	done
	forged=$(grep -o 'forged=[0-9]*' "$SERVER_LOG" | tail -n 1 | cut -d= -f2)
	[[ -n $forged && $forged -ge $1 ]] ||
	    fail "daemon counted ${forged:-no} forged packets, expected >= $1" 	    "$SERVER_LOG"
	! grep -q ":$2\b" "$SERVER_LOG" ||
	    fail "daemon logged the forged packets of port $2" "$SERVER_LOG"
	say "forged packets counted, not logged: forged=$forged"
}

# check_shutdown: SIGTERM -> RESTART to the client, NAT table and tun
# gone, exit status 0.
check_shutdown()
{
	local rc=0

	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5 || fail "daemon still running 5 s after SIGTERM" 	    "$SERVER_LOG"
	wait "$SERVER_PID" || rc=$?
	[[ $rc -eq 0 ]] || fail "daemon exited with status $rc" "$SERVER_LOG"
	wait_for_log "$GOOD_LOG" "Connection reset command was pushed" 3 ||
	    fail "client was not told to reconnect" "$GOOD_LOG" "$SERVER_LOG"
	! run_in gw nft list table ip mycrypnetd >/dev/null 2>&1 ||
	    fail "NAT table still there after exit" "$SERVER_LOG"
	[[ -z $(run_in gw ip -o link show type tun 2>/dev/null) ]] ||
	    fail "tun device still there after exit" "$SERVER_LOG"
	say "SIGTERM: client told to reconnect, NAT table and tun removed, exit 0"
}

# refuse_cert NAME CERT PORT [SERVER-LOG-REGEX]
refuse_cert()
{
	local name=$1 cert=$2 port=$3 want=${4:-} before why

	before=$(wc -l <"$SERVER_LOG")
	run_bad "$name" "$cert" "$port"
	grep -q "TLS: Initial packet from" "$BAD_LOG" ||
	    fail "$name: server never answered, so no certificate was checked" \
	    "$BAD_LOG" "$SERVER_LOG"
	if [[ -n $want ]] && ! new_server_lines "$before" | grep -Eqi "$want"
	then
		fail "$name: server log does not match /$want/" "$SERVER_LOG"
	fi
	why=$(new_server_lines "$before" |
	    grep -Ei "${want:-verify|refus|denied|reject}" | head -n 1 || true)
	say "refused: $name${why:+ (server: $why)}"
}

# The daemon names its reasons; OpenVPN's wording is its own.
WHY_FOREIGN='' WHY_SRVONLY=''
if [[ $MCN_SERVER == mycrypnetd ]]; then
	WHY_FOREIGN="not signed by our CA"
	WHY_SRVONLY="lacks EKU clientAuth"
fi

rig_require
say "first_light with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 1
rig_server_start

check_good_client
check_nat
check_iperf

refuse_wrong_ta
ping_inet "after the wrong tls-auth client"
refuse_cert revoked revoked 21002 "revoked|crl"
ping_inet "after the revoked client"
refuse_cert other-ca foreign 21003 "$WHY_FOREIGN"
ping_inet "after the other-CA client"
refuse_cert srvonly srvonly 21004 "$WHY_SRVONLY"
ping_inet "after the serverAuth-only client"

if [[ $(grep -c "$COMPLETED" "$GOOD_LOG") -ne 1 ]] ||
    grep -q "SIGUSR1" "$GOOD_LOG"; then
	fail "good client reconnected during the test" "$GOOD_LOG"
fi
[[ $MCN_SERVER == mycrypnetd ]] && check_shutdown

say "PASS (MCN_SERVER=$MCN_SERVER)"
