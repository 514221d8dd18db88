#!/bin/bash
#
# mcnload.sh -- the load generator end to end, in the netns rig of lib.sh:
#
#   client ns: mcnload (50 protocol-level clients, one UDP socket each,
#              bound to 10.99.1.2)
#   gw ns:     mycrypnetd, then OpenVPN 2.6 with the same configuration
#   inet ns:   mcnload --echo-server on 10.99.2.2:9 (no route back: an
#              echo proves tunnel, forwarding and NAT together)
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/mcnload.sh
#
# Without MCN_SERVER both servers run in turn (OpenVPN 2.6 proves
# mcnload itself); with it, only that one.  Exit 0 pass, 1 fail, 77 skip.
#
# For each server:
#   1. storm: 50 clients, each with its own certificate (clientN: OpenVPN
#      2.6 without duplicate-cn replaces a session whose CN returns), 25
#      handshakes in flight; all must connect, none fail, and each must
#      leave with EXIT (cc-exit), which the server must log;
#   2. steady: 8 clients send inner UDP at 200 packets/s each for 3 s to
#      the echo host; every client connects, packets reach the echo host
#      and come back (at most 1 % lost on this idle rig), RTT is measured;
#   3. blast: one client for 1 s; the echo host counts what arrives;
#   4. refusals are reported as failures (exit status 1): a wrong tls-auth
#      key gets no answer (timeout-reset), a revoked certificate is
#      refused after the reset (tls / auth-failed with an alert, or a
#      timeout waiting for key-method-2 when the server drops it quietly).
# The server must be running after all of them.
set -euo pipefail

explicit_server=${MCN_SERVER:-}
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly STORM=50
readonly STEADY=8
LOAD=$MCN_TOP_BUILDDIR/tests/bench/mcnload
ECHO_ADDR=$RIG_INET_ADDR:9

# result KEY FILE: the value of KEY in FILE's mcnload-result line.
result()
{
	grep '^mcnload-result ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# load NAME ARGS...: runs mcnload in the client namespace with the rig's
# server, PKI and tls-auth settings; output in $RIG_WORK/NAME.out.
load()
{
	local name=$1 out=$RIG_WORK/$1.out

	shift
	if ! run_in client timeout 120 "$LOAD" --bind "$RIG_CLIENT_ADDR" \
	    --remote "$RIG_GW_ADDR:$RIG_PORT" --ca "$RIG_WORK/ca.crt" \
	    --tls-auth "$RIG_WORK/ta.key" --auth SHA256 \
	    --target "$ECHO_ADDR" --server-pid "$SERVER_PID" -q "$@" \
	    >"$out" 2>&1; then
		fail "mcnload $name against $MCN_SERVER failed" "$out" \
		    "$SERVER_LOG"
	fi
	grep -q '^mcnload-result ' "$out" ||
	    fail "mcnload $name printed no result line" "$out"
	say "$name: $(grep '^mcnload-result ' "$out" | cut -c1-220)"
}

# refused NAME ARGS...: like load, but mcnload must exit 1 (a failure).
refused()
{
	local name=$1 out=$RIG_WORK/$1.out rc=0

	shift
	run_in client timeout 60 "$LOAD" --bind "$RIG_CLIENT_ADDR" \
	    --remote "$RIG_GW_ADDR:$RIG_PORT" --ca "$RIG_WORK/ca.crt" \
	    --auth SHA256 --hand-window 3 -q "$@" >"$out" 2>&1 || rc=$?
	[[ $rc -eq 1 ]] ||
	    fail "mcnload $name against $MCN_SERVER: exit $rc, want 1" "$out"
	say "$name: $(grep '^mcnload-result ' "$out" | grep -o 'ok=.*' |
	    cut -c1-160)"
}

# expect NAME KEY OP VALUE: numeric check on a result key.
expect()
{
	local v

	v=$(result "$2" "$RIG_WORK/$1.out")
	[[ -n $v ]] || fail "$1: no $2 in the result" "$RIG_WORK/$1.out"
	awk -v v="$v" -v w="$4" "BEGIN { exit !(v $3 w) }" ||
	    fail "$1 against $MCN_SERVER: $2=$v, want $3 $4" \
	    "$RIG_WORK/$1.out" "$SERVER_LOG"
}

# count_log PATTERN: lines of the server log matching the regex.
count_log()
{
	grep -Ec -- "$1" "$SERVER_LOG" || true
}

run_server()
{
	local echo_pid n want_exit a b i

	MCN_SERVER=$1
	rig_up
	rig_server_start
	start_bg inet "$RIG_WORK/echo-$MCN_SERVER.log" "$LOAD" --echo-server \
	    --listen "$ECHO_ADDR"
	echo_pid=$BG_PID
	wait_listen inet udp "$ECHO_ADDR" 5 ||
	    fail "echo server did not listen" "$RIG_WORK/echo-$MCN_SERVER.log"

	load "storm-$MCN_SERVER" --storm "$STORM" --concurrency 25 \
	    --cert-dir "$RIG_WORK"
	expect "storm-$MCN_SERVER" ok == "$STORM"
	expect "storm-$MCN_SERVER" failed == 0
	expect "storm-$MCN_SERVER" hs_per_s '>' 0
	# Every client said goodbye with EXIT on the control channel.
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		want_exit='reason="client exited \(EXIT\)"'
		n=$(count_log 'event=connect ')
	else
		want_exit='CC-EEN exit message received by peer'
		n=$(count_log 'Peer Connection Initiated')
	fi
	[[ $n -ge $STORM ]] ||
	    fail "the server logged $n connects, want $STORM" "$SERVER_LOG"
	for ((i = 0; i < 30; i++)); do
		[[ $(count_log "$want_exit") -ge $STORM ]] && break
		sleep 0.1
	done
	n=$(count_log "$want_exit")
	[[ $n -ge $STORM ]] ||
	    fail "the server saw $n EXITs, want $STORM" "$SERVER_LOG"
	say "storm against $MCN_SERVER: $STORM connected, $n EXITs logged"

	load "steady-$MCN_SERVER" --steady "$STEADY" --duration 3 \
	    --rate 200 --size 600 --cert-dir "$RIG_WORK" --cert-base 11
	expect "steady-$MCN_SERVER" ok == "$STEADY"
	expect "steady-$MCN_SERVER" failed == 0
	expect "steady-$MCN_SERVER" up_at_end == "$STEADY"
	expect "steady-$MCN_SERVER" tx_pkts '>=' $((STEADY * 200 * 2))
	expect "steady-$MCN_SERVER" loss_up_pct '<=' 1
	expect "steady-$MCN_SERVER" loss_rt_pct '<=' 1
	expect "steady-$MCN_SERVER" rtt_samples '>' 0
	expect "steady-$MCN_SERVER" inner_bad == 0
	expect "steady-$MCN_SERVER" data_bad == 0

	load "blast-$MCN_SERVER" --blast --duration 1 \
	    --cert "$RIG_WORK/client21.crt" --key "$RIG_WORK/client21.key"
	expect "blast-$MCN_SERVER" ok == 1
	expect "blast-$MCN_SERVER" delivered_pkts '>' 1000

	refused "wrongkey-$MCN_SERVER" --storm 2 --tls-auth \
	    "$RIG_WORK/wrong-ta.key" --cert "$RIG_WORK/client22.crt" \
	    --key "$RIG_WORK/client22.key"
	expect "wrongkey-$MCN_SERVER" ok == 0
	expect "wrongkey-$MCN_SERVER" fail_timeout-reset == 2
	refused "revoked-$MCN_SERVER" --storm 1 --tls-auth "$RIG_WORK/ta.key" \
	    --cert "$RIG_WORK/revoked.crt" --key "$RIG_WORK/revoked.key"
	expect "revoked-$MCN_SERVER" ok == 0
	# The server answered the reset and refused the certificate: with
	# an alert (tls, auth-failed), or silently (OpenVPN 2.6 drops the
	# key state, so its clients wait out hand-window for key-method-2).
	n=0
	for a in tls auth-failed timeout-tls timeout-km2; do
		b=$(result "fail_$a" "$RIG_WORK/revoked-$MCN_SERVER.out")
		n=$((n + ${b:-0}))
	done
	[[ $n -eq 1 ]] || fail "revoked certificate not reported as refused" \
	    "$RIG_WORK/revoked-$MCN_SERVER.out"

	pid_alive "$SERVER_PID" || fail "$MCN_SERVER died" "$SERVER_LOG"
	stop_pid "$echo_pid"
	grep -q '^mcnload-echo rx=[1-9]' "$RIG_WORK/echo-$MCN_SERVER.log" ||
	    fail "the echo server counted nothing" \
	    "$RIG_WORK/echo-$MCN_SERVER.log"
	stop_all
	rig_down
}

MCN_SERVER=openvpn
rig_require
[[ -x $LOAD ]] || skip "mcnload not built ($LOAD)"
servers=()
if [[ -n $explicit_server ]]; then
	servers=("$explicit_server")
else
	[[ -x $MCN_DAEMON ]] && servers+=(mycrypnetd)
	servers+=(openvpn)
fi
for s in "${servers[@]}"; do
	MCN_SERVER=$s
	rig_require
done

mkdir -p "$RIG_WORK"
trap rig_exit EXIT
rig_pki "$STORM"
for s in "${servers[@]}"; do
	run_server "$s"
done
say "PASS: mcnload against ${servers[*]}"
