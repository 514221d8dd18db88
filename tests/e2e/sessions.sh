#!/bin/bash
#
# sessions.sh -- session life with two client namespaces (issue 3):
# explicit exit, max-clients, duplicate-cn, client-to-client.
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/sessions.sh     (exit 0/1/77)
#
# Clients run in the rig's client namespace and in a second one
# (rig_up_client2), so each has its own tun and address and they can try
# to reach each other's tunnel address.  One server per part:
#
# exit (default config): client1 (explicit-exit-notify 1) and client2
#   connected; SIGTERM to client1: the server logs its EXIT within 1 s
#   (mycrypnetd: event=disconnect cn=client1 reason="client exited
#   (EXIT)", the session is gone; openvpn: "CC-EEN exit message received",
#   then it keeps the instance 5 s more by design); client1 connects again
#   and gets its address back without replacing anything (mycrypnetd: no
#   "replaced" disconnect, so the EXIT had freed it); client2 undisturbed.
# max-clients 2: client1 (explicit-exit-notify 1) and client2 connected,
#   client3 refused; client1 exits; client3 then gets in.
# duplicate-cn off (default): a second client with client1's certificate
#   replaces the first: the server logs it (mycrypnetd: event=disconnect
#   cn=client1 reason="...replaced..."; openvpn: "previous active sessions
#   by this client to be dropped"), the new one passes traffic, the old
#   one's tunnel is dead, and the new one stays replaced-free for 3 s.
# duplicate-cn: both client1 logins stay, with different addresses, and
#   both pass traffic.
# client-to-client off (default): client1 cannot ping client2's tunnel
#   address (nor the reverse); both reach the inet host.  OpenVPN has no
#   such isolation of its own (the kernel forwards tun to tun), so for
#   MCN_SERVER=openvpn the rig adds the operator's usual forward drop
#   (iifname tun* oifname tun*): the check still proves the test sees a
#   blocked path.
# client-to-client: client1 and client2 ping each other's tunnel address
#   (with openvpn the forward drop above stays: its client-to-client
#   routes inside the server).
#
# Client options: client.conf; + explicit-exit-notify 1 where it exits.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A PID VIP NS

# up NAME NS CERT [DIRECTIVE ARGS]...: a connected client; PID, VIP, NS.
up()
{
	local name=$1 ns=$2

	shift 2
	rig_client_up "$ns" "$name" "$@"
	PID[$name]=$BG_PID
	NS[$name]=$ns
	VIP[$name]=$(grep -Eo 'ifconfig 10\.99\.8\.[0-9]+' "$RIG_WORK/$name.log" |
	    tail -n 1 | cut -d' ' -f2)
	[[ -n ${VIP[$name]} ]] || fail "$name: no address pushed" \
	    "$RIG_WORK/$name.log"
}

down()
{
	rig_stop "${PID[$1]}"
}

# reach NAME DEST: NAME's namespace pings DEST (through its tunnel).
reach()
{
	run_in "${NS[$1]}" ping -q -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# log_since N PATTERN: the server log after line N matches PATTERN.
log_since()
{
	tail -n "+$(($1 + 1))" "$SERVER_LOG" | grep -Eq -- "$2"
}

# exit_line: what the server logs when client1's EXIT arrives.
exit_line()
{
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		echo 'event=disconnect cn=client1 .*reason="client exited \(EXIT\)"'
	else
		echo 'client1/.*CC-EEN exit message received'
	fi
}

# exit_client NAME: SIGTERM; the server must log the EXIT within 1 s.
exit_client()
{
	local n t0 t1

	n=$(wc -l <"$SERVER_LOG")
	t0=$(date +%s%N)
	kill -TERM "${PID[$1]}"
	for ((i = 0; i < 40; i++)); do
		log_since "$n" "$(exit_line)" && break
		sleep 0.025
	done
	t1=$(date +%s%N)
	log_since "$n" "$(exit_line)" ||
	    fail "$1's EXIT not logged within 1 s" "$SERVER_LOG" \
	    "$RIG_WORK/$1.log"
	EXIT_MS=$(((t1 - t0) / 1000000))
	wait_exit "${PID[$1]}" 5 || fail "$1 did not exit" "$RIG_WORK/$1.log"
	down "$1"
	if [[ $MCN_SERVER == openvpn ]]; then
		# OpenVPN frees the instance 5 s after the EXIT.
		wait_for_log "$SERVER_LOG" "client1/.*client-instance exiting" 8 ||
		    fail "openvpn did not free client1" "$SERVER_LOG"
	fi
}

rig_require
say "sessions with MCN_SERVER=$MCN_SERVER"
rig_up
rig_up_client2
rig_pki 3
if [[ $MCN_SERVER == openvpn ]]; then
	run_in gw nft -f - <<-EOF
	table inet mcn_rig_c2c {
		chain forward {
			type filter hook forward priority filter; policy accept;
			iifname "tun*" oifname "tun*" drop
		}
	}
	EOF
fi

# --- explicit-exit-notify -------------------------------------------------
if rig_part exit; then
	up c1 client client1 "explicit-exit-notify 1"
	up c2 client2 client2
	vip1=${VIP[c1]}
	n=$(wc -l <"$SERVER_LOG")
	exit_client c1
	say "client1 exited: the server logged its EXIT after $EXIT_MS ms"
	up c1 client client1 "explicit-exit-notify 1"
	[[ ${VIP[c1]} == "$vip1" ]] ||
	    fail "client1 came back as ${VIP[c1]}, not $vip1" "$SERVER_LOG"
	! log_since "$n" 'event=disconnect cn=client1 .*replaced' ||
	    fail "client1's exited session was still there to replace" \
	    "$SERVER_LOG"
	reach c1 "$RIG_INET_ADDR" || fail "client1 (again): no traffic" "$SERVER_LOG"
	reach c2 "$RIG_INET_ADDR" || fail "client2 disturbed" "$SERVER_LOG"
	[[ $(grep -c "Initialization Sequence Completed" "$RIG_WORK/c2.log") -eq 1 ]] ||
	    fail "client2 reconnected" "$RIG_WORK/c2.log"
	say "client1 back with its address $vip1; client2 undisturbed"
	down c1
	down c2
fi

# --- max-clients ----------------------------------------------------------
if rig_part max-clients "max-clients 2"; then
	up c1 client client1 "explicit-exit-notify 1"
	up c2 client2 client2
	n=$(wc -l <"$SERVER_LOG")
	rig_client_refused client c3-refused client3
	log_since "$n" "max-clients|maximum number of clients" ||
	    fail "max-clients: the server log does not say why client3 was refused" \
	    "$SERVER_LOG"
	say "max-clients 2: a third client is refused ($(tail -n "+$((n + 1))" \
	    "$SERVER_LOG" | grep -Eo "max-clients.*|maximum number of clients.*" |
	    head -n 1))"
	exit_client c1
	up c3 client client3
	reach c3 "$RIG_INET_ADDR" || fail "client3: no traffic" "$SERVER_LOG"
	say "client1 exited: client3 gets in (${VIP[c3]})"
	down c3
	down c2
fi

# --- duplicate-cn off: the new login replaces the old --------------------
if rig_part dup-off; then
	up c1 client client1
	n=$(wc -l <"$SERVER_LOG")
	up c1b client2 client1
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		wait_for_log "$SERVER_LOG" \
		    'event=disconnect cn=client1 .*reason="[^"]*replaced' 3 ||
		    fail "the old client1 session was not replaced" "$SERVER_LOG"
	else
		log_since "$n" "new connection by client 'client1' will cause previous active sessions" ||
		    fail "openvpn did not drop the old client1" "$SERVER_LOG"
	fi
	reach c1b "$RIG_INET_ADDR" || fail "the new client1: no traffic" \
	    "$SERVER_LOG" "$RIG_WORK/c1b.log"
	! reach c1 "$RIG_INET_ADDR" ||
	    fail "the replaced client1 still passes traffic" "$SERVER_LOG"
	sleep 3
	reach c1b "$RIG_INET_ADDR" || fail "the new client1 lost its tunnel" \
	    "$SERVER_LOG" "$RIG_WORK/c1b.log"
	[[ $(grep -c "Initialization Sequence Completed" "$RIG_WORK/c1b.log") -eq 1 ]] ||
	    fail "the new client1 was replaced in turn" "$RIG_WORK/c1b.log" \
	    "$SERVER_LOG"
	say "duplicate-cn off: the second client1 login replaced the first"
	down c1b
	down c1
fi

# --- duplicate-cn: both stay -------------------------------------------------
if rig_part dup-on duplicate-cn; then
	up c1 client client1
	up c1b client2 client1
	[[ ${VIP[c1]} != "${VIP[c1b]}" ]] ||
	    fail "both client1 logins got ${VIP[c1]}" "$SERVER_LOG"
	reach c1 "$RIG_INET_ADDR" || fail "first client1: no traffic" "$SERVER_LOG"
	reach c1b "$RIG_INET_ADDR" || fail "second client1: no traffic" "$SERVER_LOG"
	! grep -Eq 'event=disconnect cn=client1 .*replaced' "$SERVER_LOG" ||
	    fail "duplicate-cn: a client1 session was replaced" "$SERVER_LOG"
	say "duplicate-cn: two client1 sessions (${VIP[c1]}, ${VIP[c1b]}), both pass traffic"
	down c1b
	down c1
fi

# --- client-to-client ------------------------------------------------------
if rig_part c2c-off; then
	up c1 client client1
	up c2 client2 client2
	reach c1 "$RIG_INET_ADDR" || fail "client1: no traffic" "$SERVER_LOG"
	reach c2 "$RIG_INET_ADDR" || fail "client2: no traffic" "$SERVER_LOG"
	! reach c1 "${VIP[c2]}" ||
	    fail "client-to-client off: client1 reached client2 (${VIP[c2]})" \
	    "$SERVER_LOG"
	! reach c2 "${VIP[c1]}" ||
	    fail "client-to-client off: client2 reached client1 (${VIP[c1]})" \
	    "$SERVER_LOG"
	say "client-to-client off: ${VIP[c1]} and ${VIP[c2]} cannot reach each other"
	down c2
	down c1
fi

if rig_part c2c-on client-to-client; then
	up c1 client client1
	up c2 client2 client2
	reach c1 "${VIP[c2]}" ||
	    fail "client-to-client: client1 cannot reach client2 (${VIP[c2]})" \
	    "$SERVER_LOG"
	reach c2 "${VIP[c1]}" ||
	    fail "client-to-client: client2 cannot reach client1 (${VIP[c1]})" \
	    "$SERVER_LOG"
	say "client-to-client: ${VIP[c1]} and ${VIP[c2]} reach each other"
	down c2
	down c1
fi

rig_pass
