#!/bin/bash
#
# ciphers.sh -- every data-channel cipher with the stock client (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/ciphers.sh     (exit 0/1/77)
#
# Server 1: data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305:AES-256-CBC
# (auth SHA256, as in server.conf).  One client at a time; each must
# negotiate the cipher below (client log "Data Channel: cipher '...'",
# and mycrypnetd's event=connect cipher=), then ping the inet host and
# move data with iperf3 (TCP, 2 s) through the tunnel:
#
#   client options (besides client.conf)             cipher
#   (none: 2.6 default data-ciphers)                  AES-256-GCM
#   data-ciphers AES-128-GCM                          AES-128-GCM
#   data-ciphers CHACHA20-POLY1305                    CHACHA20-POLY1305
#   data-ciphers AES-256-CBC, auth SHA256             AES-256-CBC + SHA256
#   data-ciphers CHACHA20-POLY1305:AES-128-GCM        AES-128-GCM (the
#                                                     server's order wins)
#   data-ciphers AES-192-GCM                          none: AUTH_FAILED
#
# Server 2: data-ciphers AES-256-GCM, data-ciphers-fallback AES-256-CBC.
# The fallback is for clients that announce no ciphers at all (before
# 2.4); a 2.6 client always announces IV_CIPHERS, so (as with OpenVPN
# 2.6) it does not apply to one:
#   (none)                                            AES-256-GCM
#   data-ciphers AES-256-CBC, auth SHA256             none: AUTH_FAILED
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"
N=0

# use_cipher WANT [DIRECTIVE ARGS]...: a client with those options
# negotiates WANT and passes traffic; then it is stopped.
use_cipher()
{
	local want=$1 name log got rate out

	shift
	N=$((N + 1))
	name=c$N
	log=$RIG_WORK/$name.log
	rig_client_up client "$name" client1 "$@"
	got=$(grep -Eo "Data Channel: cipher '[^']*'(, auth '[^']*')?" "$log" |
	    head -n 1)
	[[ $got == "Data Channel: cipher '$want'"* ]] ||
	    fail "client [$*]: negotiated '$got', expected $want" "$log" \
	    "$SERVER_LOG"
	if [[ $want == *CBC ]] && [[ $got != *"auth 'SHA256'" ]]; then
		fail "client [$*]: CBC without HMAC-SHA256: $got" "$log"
	fi
	if [[ $MCN_SERVER == mycrypnetd ]] &&
	    ! grep "event=connect cn=client1 " "$SERVER_LOG" | tail -n 1 |
	    grep -Eq " cipher=$want( |$)"; then
		fail "client [$*]: its event=connect does not say cipher=$want" \
		    "$SERVER_LOG"
	fi
	run_in client ping -q -c 3 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "client [$*] ($want): ping through the tunnel failed" "$log" \
	    "$SERVER_LOG"
	out=$RIG_WORK/$name.iperf
	run_in client timeout 20 iperf3 -c "$RIG_INET_ADDR" -t 2 -f m \
	    >"$out" 2>&1 || fail "client [$*] ($want): iperf3 failed" "$out" \
	    "$log" "$SERVER_LOG"
	rate=$(awk '/ receiver$/ { print $(NF - 2) }' "$out")
	[[ -n $rate && $rate != 0* ]] ||
	    fail "client [$*] ($want): iperf3 moved no data" "$out"
	say "client [${*:-default}]: $got, ping ok, iperf3 $rate Mbit/s"
	rig_stop "$BG_PID"
}

# refused [DIRECTIVE ARGS]...: a client with those options gets AUTH_FAILED
# and never completes.
refused()
{
	local name log pid

	N=$((N + 1))
	name=c$N
	log=$RIG_WORK/$name.log
	rig_client_start "$name" "$(rig_client_conf "$name" client1 "$@")"
	pid=$BG_PID
	if ! wait_for_log "$log" "AUTH_FAILED|$COMPLETED" 10 "$pid"; then
		fail "client [$*]: no AUTH_FAILED within 10 s; the client says: $(grep -Em 1 "TLS (ERROR|Error)" "$log" || echo nothing)" \
		    "$log" "$SERVER_LOG"
	fi
	! grep -q "$COMPLETED" "$log" ||
	    fail "client [$*] (no shared cipher) connected" "$log" "$SERVER_LOG"
	say "client [$*]: refused: $(grep -o 'AUTH_FAILED.*' "$log" | head -n 1)"
	rig_stop "$pid"
}

rig_require
say "ciphers with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 1
start_bg inet "$RIG_WORK/iperf3-server.log" iperf3 -s -B "$RIG_INET_ADDR"
wait_listen inet tcp "$RIG_INET_ADDR:5201" 5 ||
    fail "iperf3 server did not listen" "$RIG_WORK/iperf3-server.log"

RIG_SERVER_TAG=all
SERVER_CONF_SET=("data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305:AES-256-CBC")
if rig_supported "four data ciphers"; then
	rig_server_start
	use_cipher AES-256-GCM
	use_cipher AES-128-GCM "data-ciphers AES-128-GCM"
	use_cipher CHACHA20-POLY1305 "data-ciphers CHACHA20-POLY1305"
	use_cipher AES-256-CBC "data-ciphers AES-256-CBC" "auth SHA256"
	use_cipher AES-128-GCM "data-ciphers CHACHA20-POLY1305:AES-128-GCM"
	refused "data-ciphers AES-192-GCM"
	rig_server_stop
fi

RIG_SERVER_TAG=fallback
SERVER_CONF_SET=("data-ciphers AES-256-GCM" "data-ciphers-fallback AES-256-CBC")
if rig_supported "data-ciphers-fallback"; then
	rig_server_start
	use_cipher AES-256-GCM
	refused "data-ciphers AES-256-CBC" "auth SHA256"
	rig_server_stop
fi

rig_pass
