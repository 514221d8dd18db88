#!/bin/bash
#
# ctlwrap.sh -- control-channel protection and TLS policy with the stock
# client (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/ctlwrap.sh     (exit 0/1/77)
#
# One server configuration per part; "-tls-auth" means the line is
# removed.  Accepted clients ping the inet host through the tunnel;
# refused ones must not complete.  "No answer" is checked on the wire, as
# in first_light.sh: the client sent resets and the server sent nothing
# back to that client's port (tcpdump in the client namespace).
#
# tls-crypt       server: -tls-auth, tls-crypt tc.key
#   client -tls-auth, tls-crypt tc.key               connects
#   client -tls-auth, tls-crypt tc-wrong.key         no answer
#   client (tls-auth ta.key 1, as client.conf)       no answer
# tls-crypt-v2    server: -tls-auth, tls-crypt-v2 v2-server.key
#   client -tls-auth, tls-crypt-v2 v2-client1.key    connects
#   client -tls-auth, tls-crypt-v2 v2-foreign.key    no answer (a client
#                 key wrapped by another server key)
# tls-crypt-v2 allow-noncookie: the same good client connects
# tls-version-min server: tls-version-min 1.3
#   client (default)                                 connects, TLSv1.3
#   client tls-version-max 1.2                       refused
# tls-ciphersuites / tls-cipher  server: tls-ciphersuites
#   TLS_CHACHA20_POLY1305_SHA256, tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256
#   client (default)                                 TLSv1.3 CHACHA20
#   client tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256     the same
#   client tls-version-min 1.3,
#          tls-ciphersuites TLS_AES_128_GCM_SHA256   refused
#   client tls-version-max 1.2                       TLSv1.2
#                                                    ECDHE-ECDSA-AES128-GCM-SHA256
#   client tls-version-max 1.2,
#          tls-cipher ECDHE-ECDSA-CHACHA20-POLY1305  refused
#
# Key files: openvpn --genkey tls-crypt / tls-crypt-v2-server /
# tls-crypt-v2-client, as an operator makes them.  The PKI is EC (the
# ECDSA TLS 1.2 suite above needs it).
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

export MCN_PKI_ALG=ec
PORT=21000

# connects NAME [DIRECTIVE ARGS]...: that client gets in and reaches the
# inet host; it is stopped after.  GOT_TLS: its "Control Channel:" line.
connects()
{
	local name=$1 log=$RIG_WORK/$1.log

	shift
	rig_client_up client "$name" client1 "$@"
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "$name: no traffic through the tunnel" "$log" "$SERVER_LOG"
	GOT_TLS=$(grep -o "Control Channel: [^,]*, cipher [^,]*" "$log" |
	    head -n 1)
	say "$name [$*]: connected, ping ok ($GOT_TLS)"
	rig_stop "$BG_PID"
}

# unanswered NAME [DIRECTIVE ARGS]...: that client's resets get no reply
# at all from the server.
unanswered()
{
	local name=$1 dump sent answered

	shift
	PORT=$((PORT + 1))
	rig_capture client veth0 "$name" \
	    "udp and host $RIG_GW_ADDR and port $RIG_PORT and port $PORT"
	dump=$BG_PID
	rig_client_refused client "$name" client1 "lport $PORT" "$@"
	sleep 0.2
	rig_stop "$dump"
	sent=$(rig_count "$name" "src host $RIG_CLIENT_ADDR and src port $PORT")
	answered=$(rig_count "$name" "src host $RIG_GW_ADDR and src port $RIG_PORT")
	[[ $sent -ge 1 ]] ||
	    fail "$name: capture saw $sent packets from the client" "$REFUSED_LOG"
	[[ $answered -eq 0 ]] ||
	    fail "$name: server sent $answered packets back" "$REFUSED_LOG" \
	    "$SERVER_LOG"
	! grep -q "Initial packet from" "$REFUSED_LOG" ||
	    fail "$name: the client got a server response" "$REFUSED_LOG"
	say "$name [$*]: no answer ($sent packets sent, 0 answered)"
}

# refused NAME [DIRECTIVE ARGS]...: the server answers (so the wrap
# matched) but the TLS handshake fails.
refused()
{
	local name=$1

	shift
	rig_client_refused client "$name" client1 "$@"
	grep -q "Initial packet from" "$REFUSED_LOG" ||
	    fail "$name: the server never answered" "$REFUSED_LOG" "$SERVER_LOG"
	say "$name [$*]: refused ($(grep -Eo 'TLS[ _][Ee]rror.*|AUTH_FAILED.*' \
	    "$REFUSED_LOG" | head -n 1))"
}

rig_require
say "ctlwrap with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 1
(
	cd "$RIG_WORK" &&
	openvpn --genkey tls-crypt tc.key &&
	openvpn --genkey tls-crypt tc-wrong.key &&
	openvpn --genkey tls-crypt-v2-server v2-server.key &&
	openvpn --genkey tls-crypt-v2-server v2-other.key &&
	openvpn --tls-crypt-v2 v2-server.key --genkey tls-crypt-v2-client \
	    v2-client1.key &&
	openvpn --tls-crypt-v2 v2-other.key --genkey tls-crypt-v2-client \
	    v2-foreign.key
) >"$RIG_WORK/genkey.log" 2>&1 || fail "openvpn --genkey" "$RIG_WORK/genkey.log"

if rig_part tls-crypt -tls-auth "tls-crypt tc.key"; then
	connects tc-good -tls-auth "tls-crypt tc.key"
	unanswered tc-wrong -tls-auth "tls-crypt tc-wrong.key"
	unanswered tc-tlsauth
	connects tc-again -tls-auth "tls-crypt tc.key"
fi

if rig_part tls-crypt-v2 -tls-auth "tls-crypt-v2 v2-server.key"; then
	connects v2-good -tls-auth "tls-crypt-v2 v2-client1.key"
	unanswered v2-foreign -tls-auth "tls-crypt-v2 v2-foreign.key"
	connects v2-again -tls-auth "tls-crypt-v2 v2-client1.key"
fi

if rig_part v2-noncookie -tls-auth "tls-crypt-v2 v2-server.key allow-noncookie"
then
	connects v2-noncookie -tls-auth "tls-crypt-v2 v2-client1.key"
fi

if rig_part tls13 "tls-version-min 1.3"; then
	connects tls13-default
	[[ $GOT_TLS == "Control Channel: TLSv1.3,"* ]] ||
	    fail "tls-version-min 1.3: negotiated '$GOT_TLS'"
	refused tls12-only "tls-version-max 1.2"
fi

if rig_part suites "tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256" \
    "tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256"; then
	connects suite-default
	[[ $GOT_TLS == *"cipher TLSv1.3 TLS_CHACHA20_POLY1305_SHA256" ]] ||
	    fail "server tls-ciphersuites: default client got '$GOT_TLS'"
	connects suite-match "tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256"
	[[ $GOT_TLS == *"cipher TLSv1.3 TLS_CHACHA20_POLY1305_SHA256" ]] ||
	    fail "server tls-ciphersuites: matching client got '$GOT_TLS'"
	refused suite-other "tls-version-min 1.3" \
	    "tls-ciphersuites TLS_AES_128_GCM_SHA256"
	connects tls12-cipher "tls-version-max 1.2"
	[[ $GOT_TLS == *"cipher TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256" ]] ||
	    fail "server tls-cipher: TLS 1.2 client got '$GOT_TLS'"
	refused tls12-other "tls-version-max 1.2" \
	    "tls-cipher ECDHE-ECDSA-CHACHA20-POLY1305"
fi

rig_pass
