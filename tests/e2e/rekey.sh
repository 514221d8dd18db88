#!/bin/bash
#
# rekey.sh -- data-channel renegotiation loses nothing (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/rekey.sh     (exit 0/1/77)
#
# A numbered UDP stream (udpseq: client ns -> inet host, each datagram
# echoed back, so both directions cross the tunnel) runs while the keys
# change under it; every phase counts zero lost, zero duplicated and zero
# out of window (64) in both directions, and the client log shows no
# "keys out of sync" or replay/decrypt errors.  One server and one client
# per phase, in the lib.sh rig:
#
#   phase       server                client              stream
#   server      reneg-sec 4,          (default)           1000 pps 14 s
#               tran-window 3
#   client      reneg-sec 0           reneg-sec 2, verb 6  500 pps 17 s
#   server-wrap reneg-sec 2           verb 6               500 pps 17 s
#   bytes       reneg-sec 0,          (default)           1000 pps 7 s
#               reneg-bytes 200000
#   pkts        reneg-sec 0,          (default)           1000 pps 7 s
#               reneg-pkts 1500
#
# server: at least 3 renegotiations, all started by the server (the
#   client logs no "TLS: soft reset" of its own); the old key is dropped
#   3 s after each (tran-window 3, below the interval), which costs
#   nothing since the client moves to the new key at once.
# client: at least 8, all started by the client; the key_ids of its
#   SOFT_RESETs (client log, verb 6) run 1..7 and wrap to 1, and data
#   flows on the wrapped key (P_DATA_V2 kid=1 read after the wrap).
# server-wrap: the same for the server's own key_id counter, and for
#   mycrypnetd its event=rekey lines name the same key_ids.
# bytes, pkts: at least 3 renegotiations, none by time, none by the
#   client; the server log counts them (mycrypnetd: event=rekey,
#   openvpn: "TLS: soft reset ... bytes=N/LIMIT" or "pkts=N/LIMIT").
#
# Client option combinations (besides client.conf; all with "txqueuelen
# 2000", see phase_start): none; "verb 6"; "reneg-sec 2" + "verb 6"
# (verb 6 logs each packet's key_id).
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly PPS=1000
# At verb 6 the client logs every packet: half the rate keeps it well
# ahead of the stream on a busy 2-core box.
readonly PPS_V6=500

# renegs LOG: renegotiations that client completed: TLS handshakes (one
# "Control Channel:" line each at verb 3) after the first.
renegs()
{
	local n

	n=$(grep -c "Control Channel: TLS" "$1" || true)
	echo $((n > 0 ? n - 1 : 0))
}

# client_initiated LOG: soft resets the client started itself.
client_initiated()
{
	grep -c "TLS: soft reset" "$1" || true
}

# server_rekeys: renegotiations in the server log.
server_rekeys()
{
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		grep -c "event=rekey " "$SERVER_LOG" || true
	else
		grep -c "TLS: soft reset" "$SERVER_LOG" || true
	fi
}

# kid_seq LOG: the key_ids of the SOFT_RESETs in a verb 6 client log, one
# per renegotiation (retransmissions and the answer folded), as
# "R1 R2 ..." (R: the server sent it first) or "W1 ..." (the client did).
kid_seq()
{
	awk '/P_CONTROL_SOFT_RESET_V1 kid=/ {
		dir = ($0 ~ / READ /) ? "R" : "W"
		match($0, /kid=[0-9]+/)
		k = substr($0, RSTART + 4, RLENGTH - 4)
		if (k != last) { printf "%s%s%s", sep, dir, k; sep = " " }
		last = k
	} END { print "" }' "$1"
}

# check_clean LOG: no sign of a key mix-up in the client log.
check_clean()
{
	if grep -Eq "out of sync|bad packet ID|Replay-window backtrack|packet error|Decrypt error" "$1"; then
		fail "client log shows decrypt/replay errors" "$1"
	fi
}

# phase_start NAME [CLIENT DIRECTIVES]...: server with SERVER_CONF_SET
# (1 if mycrypnetd lacks one: the phase is skipped), then a client.
# CLOG is its log.
phase_start()
{
	local name=$1

	shift
	RIG_SERVER_TAG=$name
	rig_supported "$name: ${SERVER_CONF_SET[*]}" || return 1
	rig_server_start
	# txqueuelen 2000 (the kernel default for tun is 500): the tun queue
	# then rides out a 2 s stall of the client process on a loaded box; a
	# datagram the server drops is lost all the same.
	rig_client_up client "c-$name" client1 "txqueuelen 2000" "$@"
	CPID=$BG_PID
	CLOG=$RIG_WORK/c-$name.log
}

phase_end()
{
	rig_stop "$CPID"
	rig_server_stop
}

# wait_wrap: after the stream, gives a slow box up to 10 s more for the
# 8th renegotiation, then sends a ping so data flows on that key.
wait_wrap()
{
	local i
	local -a ks

	for ((i = 0; i < 20; i++)); do
		read -r -a ks <<<"$(kid_seq "$CLOG")"
		[[ ${#ks[@]} -ge 8 ]] && break
		sleep 0.5
	done
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "no ping after the renegotiations" "$CLOG" "$SERVER_LOG"
}

# check_wrap NAME SEQ DIR: SEQ (from kid_seq) is DIR1 DIR2 ... DIR7 DIR1
# ... : at least 8 renegotiations, all started by DIR (R server, W
# client), key_ids wrapping 7 -> 1.
check_wrap()
{
	local name=$1 dir=$3 i=0 k
	local -a ks

	read -r -a ks <<<"$2"
	[[ ${#ks[@]} -ge 8 ]] ||
	    fail "$name: ${#ks[@]} renegotiations (need >= 8): $2" "$CLOG" \
	    "$SERVER_LOG"
	for k in "${ks[@]}"; do
		[[ $k == "$dir$((i % 7 + 1))" ]] ||
		    fail "$name: renegotiation $((i + 1)) is $k, expected $dir$((i % 7 + 1)) (sequence: $2)" \
		    "$CLOG" "$SERVER_LOG"
		i=$((i + 1))
	done
	# Data on the wrapped key: after the 8th SOFT_RESET, kid=1 data.
	awk '/P_CONTROL_SOFT_RESET_V1 kid=/ {
		match($0, /kid=[0-9]+/); k = substr($0, RSTART + 4, RLENGTH - 4)
		if (k != last) n++; last = k }
	    n >= 8 && / READ .*P_DATA_V2 kid=1 / { found = 1 }
	    END { exit !found }' "$CLOG" ||
	    fail "$name: no data read on key_id 1 after the wrap" "$CLOG"
}

rig_require
say "rekey with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 1

# --- server-initiated, reneg-sec 4 ---------------------------------------
SERVER_CONF_SET=("reneg-sec 4" "tran-window 3")
if phase_start server; then
	rig_stream server 14 "$PPS"
	n=$(renegs "$CLOG")
	[[ $n -ge 3 ]] || fail "server: $n renegotiations in 14 s (reneg-sec 4)" \
	    "$CLOG" "$SERVER_LOG"
	[[ $(client_initiated "$CLOG") -eq 0 ]] ||
	    fail "server: the client started a renegotiation" "$CLOG"
	[[ $(server_rekeys) -ge 3 ]] ||
	    fail "server: server log has $(server_rekeys) renegotiations" \
	    "$SERVER_LOG"
	check_clean "$CLOG"
	rig_stream_check "server reneg-sec 4 tran-window 3, $n server-initiated renegotiations" \
	    "$CLOG" "$SERVER_LOG"
	phase_end
fi

# --- client-initiated, reneg-sec 2 on the client, key_id wrap ------------
SERVER_CONF_SET=("reneg-sec 0")
if phase_start client "reneg-sec 2" "verb 6"; then
	rig_stream client 17 "$PPS_V6"
	wait_wrap
	kids=$(kid_seq "$CLOG")
	check_wrap client "$kids" W
	[[ $(client_initiated "$CLOG") -ge 8 ]] ||
	    fail "client: the client logged $(client_initiated "$CLOG") soft resets" \
	    "$CLOG"
	[[ $MCN_SERVER == openvpn ]] || [[ $(server_rekeys) -ge 8 ]] ||
	    fail "client: server log has $(server_rekeys) rekeys" "$SERVER_LOG"
	check_clean "$CLOG"
	rig_stream_check "client reneg-sec 2, $(renegs "$CLOG") client-initiated renegotiations" \
	    "$CLOG" "$SERVER_LOG"
	say "client-initiated key_ids: $kids"
	phase_end
fi

# --- server-initiated, reneg-sec 2, key_id wrap --------------------------
SERVER_CONF_SET=("reneg-sec 2")
if phase_start server-wrap "verb 6"; then
	rig_stream server-wrap 17 "$PPS_V6"
	wait_wrap
	kids=$(kid_seq "$CLOG")
	check_wrap server-wrap "$kids" R
	[[ $(client_initiated "$CLOG") -eq 0 ]] ||
	    fail "server-wrap: the client started a renegotiation" "$CLOG"
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		# The daemon's own log: the same first 8 key_ids.
		ids=$(grep -o "event=rekey .*" "$SERVER_LOG" |
		    grep -o "key_id=[0-9]*" | cut -d= -f2 | head -n 8 |
		    tr '\n' ' ')
		[[ ${ids% } == "$(tr -d R <<<"$kids" | cut -d' ' -f1-8)" ]] ||
		    fail "server-wrap: server key_ids '$ids' differ from the client's '$kids'" \
		    "$SERVER_LOG" "$CLOG"
	fi
	check_clean "$CLOG"
	rig_stream_check "server reneg-sec 2, $(renegs "$CLOG") renegotiations" \
	    "$CLOG" "$SERVER_LOG"
	say "server-initiated key_ids: $kids"
	phase_end
fi

# --- reneg-bytes and reneg-pkts -----------------------------------------
# 1000 pps of 100-byte datagrams each way is about 128 kB/s (tun bytes)
# and 1000 packets a second per direction: either limit is crossed at
# least every 1.6 s whether a side counts one direction or both.
for limit in "bytes 200000" "pkts 1500"; do
	what=${limit% *}
	SERVER_CONF_SET=("reneg-sec 0" "reneg-$limit")
	phase_start "$what" || continue
	rig_stream "$what" 7 "$PPS"
	n=$(server_rekeys)
	[[ $n -ge 3 ]] ||
	    fail "reneg-$limit: $n renegotiations in the server log in 7 s" \
	    "$SERVER_LOG" "$CLOG"
	[[ $(client_initiated "$CLOG") -eq 0 ]] ||
	    fail "reneg-$limit: the client started a renegotiation" "$CLOG"
	if [[ $MCN_SERVER == openvpn ]]; then
		# Each soft reset names the counter that crossed its limit.
		[[ $(grep -Ec "TLS: soft reset .*$what=[0-9]+/${limit#* }" \
		    "$SERVER_LOG") -eq $n ]] ||
		    fail "reneg-$limit: soft resets not all by $what" "$SERVER_LOG"
	fi
	check_clean "$CLOG"
	rig_stream_check "reneg-$limit: $n renegotiations (server log)" \
	    "$CLOG" "$SERVER_LOG"
	phase_end
done

rig_pass
