#!/bin/bash
#
# session_life.sh -- keepalive, expiry and CRL reload with stock clients.
#
#   tests/e2e/session_life.sh        (mycrypnetd only; exit 0/1/77)
#
# With "keepalive 2 6" (server pings every 2 s, pushes ping-restart 6,
# expires a silent client after 12 s):
# 1. Two clients stay connected while idle for longer than their pushed
#    ping-restart: the server's pings reach them, theirs reach the server.
# 2. A client killed without notice is expired by ping-restart and its
#    address is freed: when it comes back it gets the same address.
# 3. SIGHUP with a garbage CRL is refused with a log line; the previous CRL
#    stays and nobody is disturbed.  SIGHUP with a CRL that revokes client2
#    halts client2 within a second (it exits), client1 keeps its tunnel,
#    and client2 cannot connect again.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"

[[ $MCN_SERVER == mycrypnetd ]] || skip "session_life tests mycrypnetd only"

# connect NAME CERT: starts a client and waits for it; its pid in
# CLIENT_PID[NAME].
declare -A CLIENT_PID
connect()
{
	local log=$RIG_WORK/$1.log

	rig_client_start "$1" "$(rig_client_conf "$1" "$2")"
	CLIENT_PID[$1]=$BG_PID
	wait_for_log "$log" "$COMPLETED" 20 "$BG_PID" ||
	    fail "$1 did not connect" "$log" "$SERVER_LOG"
}

# vip LOG: the address the server pushed to that client (last one).
vip()
{
	grep -Eo 'ifconfig 10\.99\.8\.[0-9]+' "$1" | tail -n 1 | cut -d' ' -f2
}

# tun LOG: the tun device that client opened (both share the namespace).
tun()
{
	grep -Eo 'TUN/TAP device tun[0-9]+ opened' "$1" | tail -n 1 | cut -d' ' -f3
}

# ping_from NAME WHY: ping the inet host out of that client's own tun.
ping_from()
{
	local dev

	dev=$(tun "$RIG_WORK/$1.log")
	run_in client ping -q -c 2 -i 0.2 -W 2 -I "$dev" "$RIG_INET_ADDR" \
	    >/dev/null || fail "ping from $1 ($dev) failed ($2)" "$SERVER_LOG"
}

rig_require
say "session_life with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 2

SERVER_CONF_SET=("keepalive 2 6")
rig_server_start

# Both clients live in the client namespace: each gets its own tun.
connect c1 client1
connect c2 client2
vip1=$(vip "$RIG_WORK/c1.log")
vip2=$(vip "$RIG_WORK/c2.log")
say "connected: client1 $vip1, client2 $vip2"

# 1. Idle past the pushed ping-restart (6 s): nobody restarts.
sleep 8
for c in c1 c2; do
	grep -Eq "Inactivity timeout|SIGUSR1" "$RIG_WORK/$c.log" &&
	    fail "$c restarted while idle: server pings did not arrive" \
	    "$RIG_WORK/$c.log"
done
grep -q "event=disconnect" "$SERVER_LOG" &&
    fail "server expired a live client" "$SERVER_LOG"
ping_from c1 "after idling"
say "idle 8 s with pushed ping-restart 6: both tunnels alive (pings both ways)"

# 2. Kill client2 without notice: expired after 12 s, address freed.
kill -KILL "${CLIENT_PID[c2]}"
wait "${CLIENT_PID[c2]}" 2>/dev/null || true
wait_for_log "$SERVER_LOG" "event=disconnect cn=client2 .*ping-restart" 20 \
    "$SERVER_PID" || fail "silent client2 was not expired" "$SERVER_LOG"
say "killed client2 expired: $(grep -o 'event=disconnect cn=client2.*' \
    "$SERVER_LOG" | tail -n 1)"
mv "$RIG_WORK/c2.log" "$RIG_WORK/c2-first.log"
connect c2 client2
[[ $(vip "$RIG_WORK/c2.log") == "$vip2" ]] ||
    fail "client2 came back as $(vip "$RIG_WORK/c2.log"), not $vip2" \
    "$RIG_WORK/c2.log"
say "client2 back with its freed address $vip2"

# 3a. A garbage CRL is refused; everybody stays.
cp "$RIG_WORK/crl.pem" "$RIG_WORK/crl.good"
echo "this is not a CRL" >"$RIG_WORK/crl.pem"
kill -HUP "$SERVER_PID"
wait_for_log "$SERVER_LOG" "event=crl-reload-failed" 3 "$SERVER_PID" ||
    fail "garbage CRL was not reported" "$SERVER_LOG"
ping_from c1 "after the garbage CRL"
ping_from c2 "after the garbage CRL"
say "garbage CRL refused: $(grep -o 'event=crl-reload-failed.*' \
    "$SERVER_LOG" | tail -n 1)"

# 3b. Revoke client2: halted at once, client1 untouched.
cp "$RIG_WORK/crl.good" "$RIG_WORK/crl.pem"
(cd "$RIG_WORK" &&
    openssl ca -config .ca/openssl.cnf -revoke client2.crt >/dev/null 2>&1 &&
    openssl ca -config .ca/openssl.cnf -gencrl -crlexts crl_ext \
    -crldays 30 -out crl.pem >/dev/null 2>&1) || fail "could not revoke client2"
t0=$(date +%s%N)
kill -HUP "$SERVER_PID"
wait_for_log "$RIG_WORK/c2.log" "Halt command was pushed" 3 ||
    fail "client2 was not halted" "$RIG_WORK/c2.log" "$SERVER_LOG"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[[ $ms -le 1000 ]] || fail "client2 halted after $ms ms, not within 1 s"
wait_exit "${CLIENT_PID[c2]}" 5 || fail "client2 still running after HALT" \
    "$RIG_WORK/c2.log"
grep -q "event=kick cn=client2 .*revoked" "$SERVER_LOG" ||
    fail "no kick line naming client2" "$SERVER_LOG"
grep -q "event=kick cn=client1" "$SERVER_LOG" &&
    fail "client1 was kicked too" "$SERVER_LOG"
ping_from c1 "after revoking client2"
[[ $(grep -c "$COMPLETED" "$RIG_WORK/c1.log") -eq 1 ]] ||
    fail "client1 reconnected" "$RIG_WORK/c1.log"
say "revoked client2 halted in $ms ms; client1 unaffected"

# 3c. client2 cannot come back.
before=$(wc -l <"$SERVER_LOG")
rig_client_start c2-again "$(rig_client_conf c2-again client2 \
    "hand-window 4" "connect-retry-max 1")"
if wait_for_log "$RIG_WORK/c2-again.log" "$COMPLETED" 8 "$BG_PID"; then
	fail "revoked client2 connected again" "$RIG_WORK/c2-again.log"
fi
stop_pid "$BG_PID"
tail -n "+$((before + 1))" "$SERVER_LOG" | grep -q "certificate revoked" ||
    fail "server did not log the revoked reconnect" "$SERVER_LOG"
say "revoked client2 refused on reconnect"

say "PASS"
