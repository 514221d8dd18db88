#!/bin/bash
#
# demo.sh -- a live gateway on the default configuration, with a demo
# client, in network namespaces (the README's first command runs this).
#
#   tests/e2e/demo.sh            check it works, then tear it down (a test)
#   tests/e2e/demo.sh --live     keep it up until Ctrl-C, printing how to
#                                reach it
#
# The gateway runs etc/mycrypnetd.conf unchanged except for where its files
# are: /etc/mycrypnetd/ becomes the demo's work directory.  The gateway's
# exit interface is named eth0 there, as the example config expects.
set -euo pipefail

live=0
[[ ${1:-} == --live ]] && live=1

RIG_EXIT_IF=eth0
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"

rig_require
[[ $MCN_SERVER == mycrypnetd ]] || skip "the demo runs mycrypnetd"
rig_up
# The demo PKI, made by mcnca as an operator would (see README).
rig_pki_mcnca 1
"${MCNCA[@]}" export client1 --os linux --remote "$RIG_GW_ADDR:$RIG_PORT/udp" \
    --out "$RIG_WORK/client1.ovpn" >>"$RIG_WORK/mcnca.log" 2>&1 ||
    fail "mcnca export" "$RIG_WORK/mcnca.log"

conf=$RIG_WORK/mycrypnetd.conf
sed "s|/etc/mycrypnetd/|$RIG_WORK/|g" "$MCN_TOP_SRCDIR/etc/mycrypnetd.conf" \
    >"$conf"
# As a test it may run beside other tests: its own control socket.  Live,
# the default one, so plain "mcnctl status" works.
[[ $live -eq 1 ]] || echo "control-socket $RIG_WORK/control.sock" >>"$conf"
SERVER_LOG=$RIG_WORK/mycrypnetd.log
start_bg gw "$SERVER_LOG" "$MCN_DAEMON" --config "$conf"
SERVER_PID=$BG_PID
rig_wait_daemon 10 || fail "mycrypnetd did not start" "$SERVER_LOG"

# The stock client on the exported profile, as a subscriber would run it.
SAFE=()
[[ -x /sbin/resolvconf ]] && SAFE=(--up /bin/true --down /bin/true)
CLIENT_LOG=$RIG_WORK/demo-client.log
start_bg client "$CLIENT_LOG" openvpn --config "$RIG_WORK/client1.ovpn" \
    --disable-dco "${SAFE[@]}"
wait_for_log "$CLIENT_LOG" "$COMPLETED" 20 "$BG_PID" ||
    fail "the demo client did not connect" "$CLIENT_LOG" "$SERVER_LOG"
run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "the demo client cannot reach $RIG_INET_ADDR" "$SERVER_LOG"
start_bg inet "$RIG_WORK/iperf3-server.log" iperf3 -s -B "$RIG_INET_ADDR"

if [[ $live -eq 0 ]]; then
	say "demo gateway up, client connected, $RIG_INET_ADDR reachable: PASS"
	exit 0
fi

cat <<EOF

  MyCrypNet demo gateway is up (etc/mycrypnetd.conf, default settings).

    client      namespace $NS_CLIENT   (openvpn 2.6 on client1.ovpn, tunnel address $(grep -Eo 'ifconfig 10\.[0-9.]+' "$CLIENT_LOG" | head -n 1 | cut -d' ' -f2))
    gateway     namespace $NS_GW       (mycrypnetd, udp 10.99.1.1:1194, NAT out of eth0)
    "Internet"  namespace $NS_INET     (10.99.2.2, runs iperf3 -s)

  Try, in another terminal:
    ip netns exec $NS_CLIENT ping 10.99.2.2
    ip netns exec $NS_CLIENT iperf3 -c 10.99.2.2
    ip netns exec $NS_INET tcpdump -ni veth0     (sees only 10.99.2.1, the exit NAT)
    $MCN_TOP_BUILDDIR/mcnctl/mcnctl status          (also --json, stats, kick client1)
    tail -f $SERVER_LOG

  Files: $RIG_WORK
    ca/            the CA database made by mcnca (export more profiles:
                   MCNCA_PASS='$MCNCA_PASS' $MCN_TOP_BUILDDIR/ca-tools/mcnca -d $RIG_WORK/ca ...)
    client1.ovpn   the demo client's profile
  Ctrl-C stops everything and removes the namespaces.

EOF
# Ctrl-C is how a live demo ends: a clean exit, the EXIT trap tidies up.
trap 'echo; say "stopping the demo"; exit 0' INT TERM
while pid_alive "$SERVER_PID"; do
	sleep 1
done
fail "mycrypnetd exited" "$SERVER_LOG"
