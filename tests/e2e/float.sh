#!/bin/bash
#
# float.sh -- a session follows its client to a new source port (NAT
# rebinding), and only for authenticated data (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/float.sh     (exit 0/1/77)
#
# The client (options: lport 51000, txqueuelen 1000 -- twice the tun
# queue of the kernel default, so a stall of the client process on a loaded
# box costs nothing) streams 500 numbered datagrams a
# second to the inet host and back (udpseq) for 8 s.  Meanwhile, in the
# client namespace, stateless nftables rules (priority raw, notrack, so no
# conntrack is involved) rewrite its source port:
#   t=2 s  out: udp sport 51000 dport 1194 -> sport 52000
#          in:  udp sport 1194 dport 52000 -> dport 51000
#          the server must float the session to :52000 (mycrypnetd:
#          event=float cn=client1 from=...:51000 to=...:52000; openvpn at
#          verb 4: "floated from ...:51000 to ...:52000") and answer there
#          (tcpdump on the client's link sees :1194 -> :52000).
#   t=3.5  three forged P_DATA_V2 datagrams with the client's peer-id and
#          key_id 0 from yet another port: no float (the session stays on
#          :52000) -- mycrypnetd counts them as decrypt_failed (SIGUSR2).
#   t=5 s  the out rule goes (the in rule stays, so datagrams the server
#          sent to :52000 before it learns of the move still arrive): the
#          session floats back to :51000.
# The stream must lose nothing either way: exactly two floats, zero
# lost/duplicated/out of window in both directions.
#
# Not tested: a P_DATA_V1 client must not float (its session is found by
# address); a 2.6 client always announces DATA_V2, and no client option
# turns it off.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly LPORT=51000 NPORT=52000

# floats: the float lines of the server log, as "FROM-PORT>TO-PORT".
floats()
{
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		sed -nE 's/.*event=float cn=client1 from=[^ ]*:([0-9]+) to=[^ ]*:([0-9]+).*/\1>\2/p' \
		    "$SERVER_LOG"
	else
		sed -nE 's/.*\(client1\) floated from [^ ]*:([0-9]+) to [^ ]*:([0-9]+).*/\1>\2/p' \
		    "$SERVER_LOG"
	fi | tr '\n' ' '
}

# wait_floats N: until the server log has N float lines (3 s).
wait_floats()
{
	local i f

	for ((i = 0; i < 30; i++)); do
		read -r -a f <<<"$(floats)"
		[[ ${#f[@]} -ge $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# stats_field NAME: the daemon's counter NAME from a fresh SIGUSR2.
stats_field()
{
	local before i

	before=$(grep -c "event=stats" "$SERVER_LOG" || true)
	kill -USR2 "$SERVER_PID"
	for ((i = 0; i < 30; i++)); do
		[[ $(grep -c "event=stats" "$SERVER_LOG" || true) -gt $before ]] &&
		    break
		sleep 0.1
	done
	grep "event=stats" "$SERVER_LOG" | tail -n 1 |
	    grep -o " $1=[0-9]*" | cut -d= -f2
}

rig_require
say "float with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 1
# verb 4: OpenVPN logs floats at that level; mycrypnetd at any.
SERVER_CONF_SET=("verb 4")
rig_supported "float (default configuration)" || rig_pass
rig_server_start
rig_client_up client c1 client1 "lport $LPORT" "txqueuelen 1000"
peer_id=$(grep -Eo "peer-id: [0-9]+" "$RIG_WORK/c1.log" | head -n 1 |
    cut -d' ' -f2)
[[ -n $peer_id ]] || fail "the client was given no peer-id (P_DATA_V2)" \
    "$RIG_WORK/c1.log"
say "client1 connected from :$LPORT, peer-id $peer_id"

rig_capture client veth0 link "udp and host $RIG_GW_ADDR and port $RIG_PORT"
dump=$BG_PID
rig_stream_start stream 8 500
sleep 2

run_in client nft -f - <<EOF
table ip mcn_float_out {
	chain out {
		type filter hook output priority raw; policy accept;
		udp sport $LPORT udp dport $RIG_PORT notrack udp sport set $NPORT
	}
}
table ip mcn_float_in {
	chain in {
		type filter hook prerouting priority raw; policy accept;
		udp sport $RIG_PORT udp dport $NPORT notrack udp dport set $LPORT
	}
}
EOF
wait_floats 1 || fail "no float after the source port changed to $NPORT" \
    "$SERVER_LOG"
say "source port now $NPORT: server floats: $(floats)"

sleep 1.5
[[ $MCN_SERVER == mycrypnetd ]] && failed0=$(stats_field decrypt_failed)
# P_DATA_V2 (9 << 3 | key_id 0), the peer-id, then 40 bytes of junk:
# well-formed, but no tag can verify.
forged=$(printf '\\x48\\x%02x\\x%02x\\x%02x' $((peer_id >> 16 & 255)) \
    $((peer_id >> 8 & 255)) $((peer_id & 255)))
forged+=$(printf '\\x%02x' {1..40})
for _ in 1 2 3; do
	run_in client bash -c "printf '$forged' >/dev/udp/$RIG_GW_ADDR/$RIG_PORT"
done
sleep 0.5
[[ $(floats) == "$LPORT>$NPORT " ]] ||
    fail "forged data moved the session: floats: $(floats)" "$SERVER_LOG"
if [[ $MCN_SERVER == mycrypnetd ]]; then
	failed1=$(stats_field decrypt_failed)
	[[ -n $failed1 && $failed1 -ge $((failed0 + 3)) ]] ||
	    fail "decrypt_failed went from $failed0 to $failed1, not +3" \
	    "$SERVER_LOG"
	say "3 forged P_DATA_V2 from a third port: no float, decrypt_failed +$((failed1 - failed0))"
else
	say "3 forged P_DATA_V2 from a third port: no float"
fi

sleep 1
run_in client nft delete table ip mcn_float_out
wait_floats 2 || fail "no float back to $LPORT" "$SERVER_LOG"
say "source port $LPORT again: server floats: $(floats)"

rig_stream_wait stream
sleep 0.2
rig_stop "$dump"
[[ $(floats) == "$LPORT>$NPORT $NPORT>$LPORT " ]] ||
    fail "floats were '$(floats)', expected $LPORT>$NPORT $NPORT>$LPORT" \
    "$SERVER_LOG"
to_new=$(rig_count link "src host $RIG_GW_ADDR and src port $RIG_PORT and dst port $NPORT")
to_old=$(rig_count link "src host $RIG_GW_ADDR and src port $RIG_PORT and dst port $LPORT")
[[ $to_new -ge 100 && $to_old -ge 100 ]] ||
    fail "server sent $to_new datagrams to :$NPORT and $to_old to :$LPORT"
say "the server answered at both ports ($to_new to :$NPORT, $to_old to :$LPORT)"
n=$(rig_count link "src host $RIG_CLIENT_ADDR and dst port $RIG_PORT and not src port $LPORT and not src port $NPORT")
[[ $n -ge 3 ]] || fail "the capture saw $n forged datagrams, not 3"
rig_stream_check "8 s stream across two floats" "$SERVER_LOG" \
    "$RIG_WORK/c1.log"
pid_alive "$SERVER_PID" || fail "server died" "$SERVER_LOG"
[[ $(grep -c "Initialization Sequence Completed" "$RIG_WORK/c1.log") -eq 1 ]] ||
    fail "the client reconnected" "$RIG_WORK/c1.log"
rig_pass
