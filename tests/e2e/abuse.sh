#!/bin/bash
#
# abuse.sh -- a client with a valid certificate misbehaves: each abusive
# packet is dropped and counted, a renegotiation storm gets the client
# HALTed, and another client does not notice (issue 7).
#
#   tests/e2e/abuse.sh     (mycrypnetd: its counters; exit 0/1/77)
#
# lib.sh's rig with the second client namespace; the default server
# configuration (client-to-client off).  client2's stock openvpn streams
# 250 numbered datagrams a second to the inet host and back (udpseq)
# through every part, and must lose none.  The abuser is client1's
# stock openvpn in the client namespace, and mcnload (client3) for what
# a stock client cannot send:
#
# 1. spoofed inner sources: client1 adds an address that is not its own
#    to its tun, 10.99.8.200 and then client2's address, and pings the
#    inet host from each (SPOOF_PINGS each): spoofed_src_dropped grows by
#    exactly that and nothing reaches exit0; then a ping from its own
#    address gets through (capture on exit0: only those) -- dropped per
#    packet, the client itself keeps working.
# 2. client-to-client off: client1 pings client2's tunnel address:
#    c2c_dropped grows by exactly the pings, client2's tun sees none.
# 3. oversized and malformed: mcnload --abuse oversized (inner packets
#    tun-mtu + 100 bytes long) and --abuse malformed (IPv4 headers with a
#    wrong total length, IHL or version, or cut short), then a datagram
#    of 20000 bytes with client1's peer-id (past the largest the daemon
#    reads): malformed grows by exactly what was sent, and no more
#    reaches exit0 than a well-behaved mcnload run sends afterwards.
# 4. a renegotiation storm: client1 again, with reneg-pkts 10 and a ping
#    flood, so it renegotiates as fast as handshakes go: 20 go through
#    (RENEG_CLIENT_BURST in server/ctl.c); with the next the daemon logs
#    event=kick ... reason="too many renegotiations ...", counts
#    reneg_kicked and sends HALT on the new key (a client reads commands
#    on its newest key only); the client exits; client2 stays.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lib_abuse.sh
. "$(dirname "$0")/lib_abuse.sh"

readonly STREAM_PPS=250 SPOOF_PINGS=20 C2C_PINGS=10
readonly RENEG_BURST=20
readonly SPOOF_ADDR=10.99.8.200
LOAD=$MCN_TOP_BUILDDIR/tests/bench/mcnload

declare -A VIP PID

# up NS NAME CERT [DIRECTIVE ARGS]...: rig_client_up, then PID[NAME] and
# VIP[NAME], the address the server pushed.
up()
{
	rig_client_up "$@"
	PID[$2]=$BG_PID
	VIP[$2]=$(sed -nE 's/.*PUSH_REPLY.*,ifconfig (10\.99\.8\.[0-9]+) .*/\1/p' \
	    "$RIG_WORK/$2.log" | tail -n 1)
	[[ -n ${VIP[$2]} ]] || fail "$2: no address pushed" "$RIG_WORK/$2.log"
}

# grew FROM TO KEY WANT WHAT: counter KEY grew by exactly WANT.
grew()
{
	local d

	d=$(dctr "$1" "$2" "$3")
	[[ $d == "$4" ]] || fail "$5: $3 grew by $d, not $4" "$SERVER_LOG"
}

# load NAME ARGS...: mcnload as client3 in the client namespace, one
# client, steady to the inet host's port 9; TX (packets it sent).
load()
{
	local out=$RIG_WORK/$1.out

	shift
	run_in client timeout 60 "$LOAD" --remote "$RIG_GW_ADDR:$RIG_PORT" \
	    --ca "$RIG_WORK/ca.crt" --cert "$RIG_WORK/client3.crt" \
	    --key "$RIG_WORK/client3.key" --tls-auth "$RIG_WORK/ta.key" \
	    --auth SHA256 --target "$RIG_INET_ADDR:9" --steady 1 --drain 0.2 \
	    -q "$@" >"$out" 2>&1 || fail "mcnload $* failed" "$out" "$SERVER_LOG"
	TX=$(grep '^mcnload-result ' "$out" | tr ' ' '\n' | sed -n 's/^tx_pkts=//p')
	[[ -n $TX && $TX -gt 0 ]] || fail "mcnload $* sent nothing" "$out"
}

abuse_rig_up 3 "$LOAD"
rig_server_start
up client c1 client1
up client2 c2 client2 "txqueuelen 1000"
say "client1 ${VIP[c1]}, client2 ${VIP[c2]}; client2 streams $STREAM_PPS/s meanwhile"
rig_stream_start s1 16 "$STREAM_PPS" client2

# --- 1. spoofed inner sources -----------------------------------------------
rig_capture gw "$RIG_EXIT_IF" spoof "icmp[icmptype] == icmp-echo"
cap=$BG_PID
stats_take spoof-0
for src in "$SPOOF_ADDR" "${VIP[c2]}"; do
	run_in client ip addr add "$src/32" dev tun0
	run_in client ping -q -c "$SPOOF_PINGS" -i 0.05 -W 1 -I "$src" \
	    "$RIG_INET_ADDR" >/dev/null 2>&1 &&
	    fail "a ping from $src (not client1's) was answered"
	run_in client ip addr del "$src/32" dev tun0
done
stats_take spoof-1
run_in client ping -q -c 5 -i 0.1 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "client1's own traffic no longer passes" "$SERVER_LOG"
sleep 0.3
rig_stop "$cap"
grew spoof-0 spoof-1 spoofed_src_dropped $((2 * SPOOF_PINGS)) "spoofed sources"
n=$(rig_count spoof "icmp[icmptype] == icmp-echo")
[[ $n == 5 ]] || fail "exit0 saw $n echo requests, not the 5 from client1's own address"
say "spoofed sources $SPOOF_ADDR and ${VIP[c2]}: spoofed_src_dropped" \
    "+$((2 * SPOOF_PINGS)), none on exit0; client1's own pings pass"

# --- 2. client-to-client off -----------------------------------------------
rig_capture client2 tun0 c2c "icmp"
cap=$BG_PID
stats_take c2c-0
run_in client ping -q -c "$C2C_PINGS" -i 0.05 -W 1 "${VIP[c2]}" \
    >/dev/null 2>&1 && fail "client1 reached client2 (${VIP[c2]})"
stats_take c2c-1
sleep 0.3
rig_stop "$cap"
grew c2c-0 c2c-1 c2c_dropped "$C2C_PINGS" "client-to-client"
n=$(rig_count c2c "icmp")
[[ $n == 0 ]] || fail "client2's tun saw $n ICMP packets from client1"
say "client1 -> client2 (${VIP[c2]}): c2c_dropped +$C2C_PINGS, client2's tun saw none"

# --- 3. oversized and malformed data -----------------------------------------
rig_capture gw "$RIG_EXIT_IF" bad "udp dst port 9"
cap=$BG_PID
stats_take bad-0
load oversized --rate 200 --duration 1 --abuse oversized
over=$TX
stats_take bad-1
load malformed --rate 200 --duration 1 --abuse malformed
mal=$TX
stats_take bad-2
peer_id=$(grep -Eo "peer-id: [0-9]+" "$RIG_WORK/c1.log" | head -n 1 |
    cut -d' ' -f2)
run_in client python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pid = $peer_id
s.sendto(bytes([0x48, pid >> 16 & 255, pid >> 8 & 255, pid & 255]) +
    bytes(19996), ('$RIG_GW_ADDR', $RIG_PORT))"
stats_settled bad-3 malformed
load good --rate 100 --duration 1
good=$TX
sleep 0.3
rig_stop "$cap"
grew bad-0 bad-1 malformed "$over" "oversized (mcnload sent $over)"
grew bad-1 bad-2 malformed "$mal" "malformed (mcnload sent $mal)"
grew bad-2 bad-3 malformed 1 "a 20000-byte datagram"
n=$(rig_count bad "udp dst port 9")
[[ $n -ge 1 && $n -le $good ]] ||
    fail "exit0 saw $n datagrams to port 9; the well-behaved run sent $good"
say "oversized: $over sent, malformed +$over; malformed: $mal sent," \
    "malformed +$mal; a 20000-byte datagram: +1; exit0 saw only the" \
    "well-behaved run's ($n of $good)"
rig_stream_wait s1
rig_stream_check "client2 during parts 1-3" "$SERVER_LOG" "$RIG_WORK/c2.log"

# --- 4. renegotiation storm --------------------------------------------------
rig_stream_start s2 6 "$STREAM_PPS" client2
stats_take reneg-0
mark=$(wc -l <"$SERVER_LOG")
rig_stop "${PID[c1]}"
up client c1s client1 "reneg-pkts 10"
t0=$(date +%s%N)
start_bg client "$RIG_WORK/storm.ping" ping -q -c 2000 -i 0.01 -W 1 \
    "$RIG_INET_ADDR"
pingpid=$BG_PID
wait_for_log "$SERVER_LOG" 'event=kick cn=client1 .*reason="too many renegotiations' \
    15 || fail "no kick for the renegotiation storm" "$SERVER_LOG" \
    "$RIG_WORK/c1s.log"
wait_exit "${PID[c1s]}" 10 ||
    fail "client1 did not stop after HALT" "$RIG_WORK/c1s.log"
t1=$(date +%s%N)
rig_stop "$pingpid"
grep -q "Halt command was pushed by server ('too many renegotiations')" \
    "$RIG_WORK/c1s.log" || fail "client1 got no HALT" "$RIG_WORK/c1s.log"
rekeys=$(tail -n "+$((mark + 1))" "$SERVER_LOG" | grep -c "event=rekey cn=client1 " || true)
[[ $rekeys -ge $RENEG_BURST && $rekeys -le $((RENEG_BURST + 3)) ]] ||
    fail "client1 renegotiated $rekeys times before the kick, not about $RENEG_BURST" \
    "$SERVER_LOG"
stats_take reneg-1
grew reneg-0 reneg-1 reneg_kicked 1 "renegotiation storm"
say "renegotiation storm: $rekeys renegotiations, then event=kick and HALT" \
    "($(((t1 - t0) / 1000000)) ms from the first ping to the client's exit)"
rig_stream_wait s2
rig_stream_check "client2 during the storm" "$SERVER_LOG" "$RIG_WORK/c2.log"
stats_take end
[[ $(ctr end clients) == 1 ]] ||
    fail "$(ctr end clients) clients at the end, not client2 alone" "$SERVER_LOG"
[[ $(grep -c "Initialization Sequence Completed" "$RIG_WORK/c2.log") -eq 1 ]] ||
    fail "client2 reconnected" "$RIG_WORK/c2.log"
say "client2: both streams intact, never reconnected"
pid_alive "$SERVER_PID" || fail "server died" "$SERVER_LOG"
rig_pass
