#!/bin/bash
#
# iroute.sh -- networks behind clients (site-to-site): "route" in the
# server config, "iroute" in client-config-dir files, with stock clients.
#
#   tests/e2e/iroute.sh     (mycrypnetd: its counters; exit 0/1/77)
#
# Two sites: client1 in the client namespace has the LAN 10.99.60.0/24
# (on a veth lan0, 10.99.60.1), client2 in the client2 namespace
# has 10.99.61.0/24 (10.99.61.1).  The server routes both (route
# 10.99.60.0/23), with client-to-client on; ccd/client1 and ccd/client2 give each its iroute.
# 1. site to site: a host on client1's LAN pings one on client2's
#    (ping -I 10.99.60.1 10.99.61.1) and back the other way.
# 2. LAN to the Internet: 10.99.60.1 pings the inet host, which has no
#    route back: only the exit NAT, which covers the routes, lets it.
# 3. the gateway reaches 10.99.60.1 (the kernel's route into the tun,
#    the daemon's iroute lookup to client1).
# 4. origin: client1 sending from 10.99.62.1 (a LAN it has no iroute for)
#    is dropped (spoofed_src_dropped grows by exactly the pings).
# 5. a client whose iroute lies inside no route is refused, the log
#    naming the file and network; a client announcing client1's network
#    takes it over (event=iroute-moved naming client1's address).
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lib_abuse.sh
. "$(dirname "$0")/lib_abuse.sh"

readonly LAN1=10.99.60 LAN2=10.99.61 STRAY=10.99.62 PINGS=5

declare -A VIP

# up NS NAME CERT: a client, waited for; VIP[NAME] its address.
up()
{
	rig_client_up "$@"
	VIP[$2]=$(sed -nE 's/.*PUSH_REPLY.*,ifconfig (10\.99\.8\.[0-9]+) .*/\1/p' \
	    "$RIG_WORK/$2.log" | tail -n 1)
	[[ -n ${VIP[$2]} ]] || fail "$2: no address pushed" "$RIG_WORK/$2.log"
}

# lan NS ADDR...: the site's LAN: a veth pair lan0/lan1 inside NS (the
# kernel may lack the dummy driver), ADDR/24 each on lan0.
lan()
{
	local ns=$1 a

	shift
	run_in "$ns" ip link add lan0 type veth peer name lan1
	for a in "$@"; do
		run_in "$ns" ip addr add "$a/24" dev lan0
	done
	run_in "$ns" ip link set lan1 up
	run_in "$ns" ip link set lan0 up
}

# pings NS SRC DST WHAT: PINGS pings from SRC to DST must all come back.
pings()
{
	run_in "$1" ping -q -c "$PINGS" -i 0.1 -W 2 -I "$2" "$3" \
	    >"$RIG_WORK/ping.out" 2>&1 ||
	    fail "$4: ping -I $2 $3 in $1 failed: $(grep -E 'loss|unreach' \
	    "$RIG_WORK/ping.out")" "$SERVER_LOG"
}

abuse_rig_up 4
lan client "$LAN1.1" "$STRAY.1"
lan client2 "$LAN2.1"
mkdir "$RIG_WORK/ccd"
echo "iroute $LAN1.0 255.255.255.0" >"$RIG_WORK/ccd/client1"
echo "iroute $LAN2.0 255.255.255.0" >"$RIG_WORK/ccd/client2"
printf '# no route covers this\niroute 10.99.63.0 255.255.255.0\n' \
    >"$RIG_WORK/ccd/client3"
echo "iroute $LAN1.0 255.255.255.0" >"$RIG_WORK/ccd/client4"
# One route for both sites' /24s (SERVER_CONF_SET sets a directive once).
SERVER_CONF_SET=("client-config-dir ccd" "client-to-client"
    "route $LAN1.0 255.255.254.0")
rig_server_start
run_in gw ip route show >"$RIG_WORK/gw-routes"
grep -q "^$LAN1.0/23 dev tun" "$RIG_WORK/gw-routes" ||
    fail "no kernel route for $LAN1.0/23 into the tun" \
    "$RIG_WORK/gw-routes" "$SERVER_LOG"
up client c1 client1
up client2 c2 client2
say "client1 ${VIP[c1]} with $LAN1.0/24, client2 ${VIP[c2]} with $LAN2.0/24"

# 1. Site to site, both ways.
pings client "$LAN1.1" "$LAN2.1" "site 1 to site 2"
pings client2 "$LAN2.1" "$LAN1.1" "site 2 to site 1"
say "site to site: $LAN1.1 <-> $LAN2.1, $PINGS pings each way"

# 2. A LAN host to the Internet through the exit NAT.
rig_capture gw "$RIG_EXIT_IF" nat "icmp[icmptype] == icmp-echo"
cap=$BG_PID
pings client "$LAN1.1" "$RIG_INET_ADDR" "LAN to the Internet"
sleep 0.3
rig_stop "$cap"
n=$(rig_count nat "icmp[icmptype] == icmp-echo and src host $RIG_EXIT_ADDR")
[[ $n == "$PINGS" ]] ||
    fail "exit0 saw $n of $PINGS echo requests from $RIG_EXIT_ADDR (NATed)"
say "LAN to the Internet: $PINGS pings from $LAN1.1 left exit0 as $RIG_EXIT_ADDR"

# 3. The gateway to a LAN host.
run_in gw ping -q -c "$PINGS" -i 0.1 -W 2 "$LAN1.1" >/dev/null ||
    fail "the gateway cannot reach $LAN1.1" "$SERVER_LOG"
say "gateway to $LAN1.1: $PINGS pings"

# 4. A source client1 has no iroute for.
stats_take stray-0
run_in client ping -q -c "$PINGS" -i 0.1 -W 1 -I "$STRAY.1" \
    "$RIG_INET_ADDR" >/dev/null 2>&1 &&
    fail "a ping from $STRAY.1 (no iroute) was answered"
stats_take stray-1
d=$(dctr stray-0 stray-1 spoofed_src_dropped)
[[ $d == "$PINGS" ]] ||
    fail "pings from $STRAY.1: spoofed_src_dropped grew by $d, not $PINGS" \
    "$SERVER_LOG"
say "from $STRAY.1 (no iroute): spoofed_src_dropped +$PINGS"

# 5. An iroute no route covers; a network taken over.
rig_client_start c3 "$(rig_client_conf c3 client3 "hand-window 4" \
    "connect-retry-max 1")"
pid=$BG_PID
wait_for_log "$RIG_WORK/c3.log" "AUTH_FAILED" 10 "$pid" ||
    fail "client3 was not told AUTH_FAILED" "$RIG_WORK/c3.log" "$SERVER_LOG"
rig_stop "$pid"
! grep -q "Initialization Sequence Completed" "$RIG_WORK/c3.log" ||
    fail "client3 got in" "$RIG_WORK/c3.log"
grep -q "event=ccd-error cn=client3 .*ccd/client3: iroute 10.99.63.0/24 is inside no route" \
    "$SERVER_LOG" || fail "no ccd-error line for client3's iroute" "$SERVER_LOG"
say "client3 (iroute 10.99.63.0/24, no route) refused: $(grep -o \
    'event=ccd-error cn=client3.*' "$SERVER_LOG" | cut -c1-90)..."
up client c4 client4
wait_for_log "$SERVER_LOG" \
    "event=iroute-moved cn=client4 net=$LAN1.0/24 from_vip=${VIP[c1]}" 5 ||
    fail "no iroute-moved line for client4" "$SERVER_LOG"
say "client4 announced $LAN1.0/24 too and took it over from ${VIP[c1]}"
pings client2 "$LAN2.1" "${VIP[c1]}" "client2 to client1 after the move"

pid_alive "$SERVER_PID" || fail "server died" "$SERVER_LOG"
rig_pass
