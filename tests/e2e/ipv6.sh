#!/bin/bash
#
# ipv6.sh -- IPv6 inside the tunnel and as the transport (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/ipv6.sh     (exit 0/1/77)
#
# The rig with RIG_IPV6=1 (lib.sh): client fd00:99:1::2, gw fd00:99:1::1 /
# fd00:99:2::1, inet host fd00:99:2::2 with no route to the tunnel's
# fd00:99:8::/64.
#
# tunnel6  server: server-ipv6 fd00:99:8::/64, push "redirect-gateway def1
#          ipv6"; client: txqueuelen 1000 (rides out a stall of the client
#          on a loaded box, as in rekey.sh), IPv4 transport
#   - the client gets an address in fd00:99:8::/64 (ifconfig-ipv6 pushed)
#     and routes fd00:99:2::2 through its tun;
#   - ping -6 fd00:99:2::2 works, and the inet host sees every echo request
#     from the gateway's exit address fd00:99:2::1 (NAT66; tcpdump there);
#   - a 3 s numbered UDP stream over IPv6 to the inet host and back loses
#     nothing; 2 s of iperf3 (TCP) over IPv6 moves data; IPv4 through the
#     same tunnel still works.
# transport6  server: proto udp6 and no "local" (dual-stack listening)
#   - client 1 (client ns): proto udp6, remote fd00:99:1::1 1194: connects
#     over IPv6 (client log "link remote: [AF_INET6]fd00:99:1::1"; the
#     server names the peer fd00:99:1::2) and reaches the inet host;
#   - client 2 (second client ns): proto udp, remote 10.99.3.1 1194 (the
#     gateway on its own link): connects over IPv4 to the same socket;
#     both pass traffic at once.
# OpenVPN as the server: the rig adds forwarding and the NAT66 masquerade
# that mycrypnetd sets up itself.
set -euo pipefail

RIG_IPV6=1
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly TUN6_PREFIX=fd00:99:8:

rig_require
say "ipv6 with MCN_SERVER=$MCN_SERVER"
rig_up
rig_up_client2
rig_pki 2

# --- IPv6 inside the tunnel, NAT66 --------------------------------------
if rig_part tunnel6 "server-ipv6 $RIG_TUN_NET6" \
    "push \"redirect-gateway def1 ipv6\""; then
	rig_client_up client c6 client1 "txqueuelen 1000"
	c6=$BG_PID
	log=$RIG_WORK/c6.log
	addr6=$(grep -Eo "ifconfig-ipv6 [0-9a-f:]+/64" "$log" | head -n 1 |
	    cut -d' ' -f2)
	[[ $addr6 == "$TUN6_PREFIX"* ]] ||
	    fail "no pushed IPv6 address in $RIG_TUN_NET6 (got '${addr6:-none}')" \
	    "$log" "$SERVER_LOG"
	route=$(run_in client ip -6 route get "$RIG_INET_ADDR6" | head -n 1)
	[[ $route =~ \ dev\ tun[0-9]+\  ]] ||
	    fail "route to $RIG_INET_ADDR6 is not via the tunnel: $route" "$log"
	say "client got $addr6; route: $route"

	rig_capture inet veth0 inet6 "icmp6 and ip6[40] == 128"
	dump=$BG_PID
	run_in client ping -6 -q -c 3 -i 0.2 -W 2 "$RIG_INET_ADDR6" >/dev/null ||
	    fail "ping -6 $RIG_INET_ADDR6 through the tunnel failed" "$log" \
	    "$SERVER_LOG"
	sleep 0.2
	rig_stop "$dump"
	all=$(rig_count inet6 "icmp6")
	nat=$(rig_count inet6 "icmp6 and src host $RIG_EXIT_ADDR6")
	[[ $all -ge 3 && $nat -eq $all ]] ||
	    fail "inet host saw $all echo requests, $nat from $RIG_EXIT_ADDR6" \
	    "$RIG_WORK/inet6.tcpdump.log"
	say "ping -6 $RIG_INET_ADDR6: ok; the inet host sees $RIG_EXIT_ADDR6 ($nat/$all)"

	rig_stream stream6 3 500 client "$RIG_INET_ADDR6"
	rig_stream_check "IPv6 in the tunnel, 3 s at 500 pps" "$log" "$SERVER_LOG"
	# Bulk TCP over IPv6 (mycrypnetd merges its segments into the tun).
	start_bg inet "$RIG_WORK/iperf6-server.log" iperf3 -s -1 \
	    -B "$RIG_INET_ADDR6"
	wait_listen inet tcp "[$RIG_INET_ADDR6]:5201" 5 ||
	    fail "iperf3 server did not listen" "$RIG_WORK/iperf6-server.log"
	out=$RIG_WORK/iperf6.out
	run_in client timeout 20 iperf3 -6 -c "$RIG_INET_ADDR6" -t 2 -f m \
	    >"$out" 2>&1 || fail "iperf3 over IPv6 failed" "$out" "$log" \
	    "$SERVER_LOG"
	rate=$(awk '/ receiver$/ { print $(NF - 2) }' "$out")
	[[ -n $rate && $rate != 0* ]] ||
	    fail "iperf3 over IPv6 moved no data" "$out"
	say "TCP over IPv6 in the tunnel: iperf3 $rate Mbit/s"
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "IPv4 through the IPv6-enabled tunnel failed" "$log"
	say "IPv4 through the same tunnel: ok"
	rig_stop "$c6"
fi

# --- IPv6 transport, dual-stack listening -------------------------------
if rig_part transport6 "proto udp6" -local; then
	rig_client_up client t6 client1 "proto udp6" \
	    "remote $RIG_GW_ADDR6 $RIG_PORT"
	t6=$BG_PID
	grep -q "link remote: \[AF_INET6\]$RIG_GW_ADDR6" "$RIG_WORK/t6.log" ||
	    fail "client 1 did not connect over IPv6" "$RIG_WORK/t6.log"
	grep -q "$RIG_CLIENT_ADDR6" "$SERVER_LOG" ||
	    fail "the server log does not name the IPv6 peer $RIG_CLIENT_ADDR6" \
	    "$SERVER_LOG"
	# Its own link's gateway address: a socket bound to [::] answers
	# from the address the route prefers (openvpn would need multihome
	# to answer from another).
	rig_client_up client2 t4 client2 "remote $RIG_GW2_ADDR $RIG_PORT"
	t4=$BG_PID
	grep -q "link remote: \[AF_INET\]$RIG_GW2_ADDR" "$RIG_WORK/t4.log" ||
	    fail "client 2 did not connect over IPv4" "$RIG_WORK/t4.log"
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "client 1 (IPv6 transport): no traffic" "$RIG_WORK/t6.log" \
	    "$SERVER_LOG"
	run_in client2 ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "client 2 (IPv4 transport): no traffic" "$RIG_WORK/t4.log" \
	    "$SERVER_LOG"
	say "proto udp6 server: client over IPv6 ($RIG_CLIENT_ADDR6) and client over IPv4 ($RIG_CLIENT2_ADDR) both pass traffic"
	rig_stop "$t4"
	rig_stop "$t6"
fi

rig_pass
