#!/bin/bash
#
# crl.sh -- the CRL policy: an expired CRL (crl-expired warn|reject), and
# a CRL from another CA refused on SIGHUP (issue 3).
#
#   MCN_SERVER=mycrypnetd|openvpn tests/e2e/crl.sh     (exit 0/1/77)
#
# CRLs, made with openssl ca from pki.sh's CA database:
#   crl.pem          fresh, revokes "revoked" (pki.sh)
#   crl-expired.pem  the same list, lastUpdate 2 h ago, nextUpdate 1 h ago
#                    (-crl_lastupdate / -crl_nextupdate: no clock faking)
#   crl-foreign.pem  signed by other-ca, revokes client1's serial
#
# warn (default; mycrypnetd only -- the directive is ours):
#   start on crl.pem, client1 connected; crl-expired.pem + SIGHUP: the
#   daemon logs event=crl-expired with the nextUpdate date (to the
#   minute) and policy=warn, client1 keeps its tunnel, client2 still gets
#   in, "revoked" is still refused (what the CRL lists stays revoked);
#   then a restart on the expired CRL: logged again at start, client2 gets
#   in.
# reject: crl-expired reject (OpenVPN: its only behaviour, no directive),
#   started on crl-expired.pem: client1 is refused after the server
#   answered (mycrypnetd: event=crl-expired policy=reject; openvpn: "CRL
#   has expired").
# foreign (mycrypnetd only -- OpenVPN re-reads the file per connection
#   and has no reload to refuse): start on crl.pem, client1 connected;
#   crl-foreign.pem + SIGHUP: event=crl-reload-failed with its reason, the
#   previous CRL stays: client1 is neither halted nor disturbed, client2
#   gets in, "revoked" is still refused.
# reneg (both servers): every renegotiation verifies the client's
#   certificate again against the CRL in force.  With crl-expired reject
#   and a CRL whose nextUpdate is 15 s away, client1 (reneg-sec 4)
#   connects and renegotiates while it is valid; once it has expired the
#   next renegotiation is refused (CRL expired) -- with no SIGHUP and no
#   kick: the handshake itself checked.
#
# Client options: client.conf; reneg-sec 4 for the reneg part.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"

# refused NAME CERT: the server answers that client, which never gets in.
refused()
{
	rig_client_refused client "$1" "$2"
	grep -q "Initial packet from" "$REFUSED_LOG" ||
	    fail "$1: the server never answered" "$REFUSED_LOG" "$SERVER_LOG"
}

# hup_crl FILE: installs FILE as crl.pem and sends SIGHUP; waits for the
# daemon's verdict (event=crl-reload or crl-reload-failed).
hup_crl()
{
	local n

	cp "$RIG_WORK/$1" "$RIG_WORK/crl.pem"
	n=$(grep -c "event=crl-reload" "$SERVER_LOG" || true)
	kill -HUP "$SERVER_PID"
	for ((i = 0; i < 30; i++)); do
		[[ $(grep -c "event=crl-reload" "$SERVER_LOG" || true) -gt $n ]] &&
		    return 0
		sleep 0.1
	done
	fail "no crl-reload event after SIGHUP with $1" "$SERVER_LOG"
}

# expired_logged POLICY: the daemon's event=crl-expired line names the
# policy and the CRL's nextUpdate (date, hour and minute, UTC).
expired_logged()
{
	local line

	wait_for_log "$SERVER_LOG" "event=crl-expired .*policy=$1" 3 ||
	    fail "no event=crl-expired policy=$1" "$SERVER_LOG"
	line=$(grep "event=crl-expired .*policy=$1" "$SERVER_LOG" | tail -n 1)
	[[ $line == *"$NEXT_DAY"*"$NEXT_HM"* ]] ||
	    fail "the crl-expired line does not give the date $NEXT_DAY $NEXT_HM: $line" \
	    "$SERVER_LOG"
	say "logged: event=${line#*event=}"
}

# still_up NAME PID: that client was not disturbed.
still_up()
{
	pid_alive "$2" || fail "$1 died" "$RIG_WORK/$1.log" "$SERVER_LOG"
	run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "$1 lost its tunnel" "$RIG_WORK/$1.log" "$SERVER_LOG"
	if [[ $(grep -c "$COMPLETED" "$RIG_WORK/$1.log") -ne 1 ]] ||
	    grep -q "Halt command\|Connection reset command" "$RIG_WORK/$1.log"
	then
		fail "$1 was halted or restarted" "$RIG_WORK/$1.log"
	fi
}

rig_require
say "crl with MCN_SERVER=$MCN_SERVER"
rig_up
rig_up_client2
rig_pki 2

# The expired CRL and the foreign one.
utc()
{
	date -u -d "$1" +%Y%m%d%H%M%SZ
}
(
	cd "$RIG_WORK" &&
	openssl ca -config .ca/openssl.cnf -gencrl -crlexts crl_ext \
	    -crl_lastupdate "$(utc '-2 hours')" \
	    -crl_nextupdate "$(utc '-1 hour')" -out crl-expired.pem &&
	mkdir -p .ca2 && : >.ca2/index.txt && echo 2000 >.ca2/crlnumber &&
	sed -e 's|^dir = .ca$|dir = .ca2|' \
	    -e 's|^certificate = ca.crt|certificate = other-ca.crt|' \
	    -e 's|^private_key = ca.key|private_key = other-ca.key|' \
	    .ca/openssl.cnf >.ca2/openssl.cnf &&
	openssl ca -config .ca2/openssl.cnf -revoke client1.crt &&
	openssl ca -config .ca2/openssl.cnf -gencrl -crlexts crl_ext \
	    -crldays 30 -out crl-foreign.pem
) >"$RIG_WORK/crls.log" 2>&1 || fail "making the CRLs" "$RIG_WORK/crls.log"
cp "$RIG_WORK/crl.pem" "$RIG_WORK/crl-fresh.pem"
next=$(openssl crl -in "$RIG_WORK/crl-expired.pem" -noout -nextupdate |
    cut -d= -f2)
NEXT_DAY=$(date -u -d "$next" +%Y-%m-%d)
NEXT_HM=$(date -u -d "$next" +%H:%M)
say "expired CRL: nextUpdate $next"

# --- warn (the default) ----------------------------------------------------
if [[ $MCN_SERVER == openvpn ]]; then
	say "warn: not an OpenVPN policy (it rejects), skipped for openvpn"
else
	SERVER_CONF_SET=("crl-expired warn")
	if rig_supported "crl-expired warn"; then
		rig_part warn
		rig_client_up client c1 client1
		c1=$BG_PID
		hup_crl crl-expired.pem
		expired_logged warn
		still_up c1 "$c1"
		rig_client_up client2 c2 client2
		rig_stop "$BG_PID"
		refused revoked-warn revoked
		say "warn, on SIGHUP: client1 kept, client2 admitted, revoked still refused"
		rig_stop "$c1"
		rig_part warn-start
		expired_logged warn
		rig_client_up client2 c2-start client2
		rig_stop "$BG_PID"
		say "warn, at start: client2 admitted"
	fi
fi

# --- reject ------------------------------------------------------------------
cp "$RIG_WORK/crl-expired.pem" "$RIG_WORK/crl.pem"
if [[ $MCN_SERVER == openvpn ]]; then
	rig_part reject
	refused c1-reject client1
	grep -q "CRL has expired" "$SERVER_LOG" ||
	    fail "openvpn did not say 'CRL has expired'" "$SERVER_LOG"
	say "reject (openvpn's only behaviour): client1 refused, CRL has expired"
elif rig_part reject "crl-expired reject"; then
	expired_logged reject
	refused c1-reject client1
	say "crl-expired reject: client1 refused"
fi

# --- every renegotiation re-verifies ----------------------------------------
(
	cd "$RIG_WORK" &&
	openssl ca -config .ca/openssl.cnf -gencrl -crlexts crl_ext \
	    -crl_lastupdate "$(utc '-1 minute')" \
	    -crl_nextupdate "$(utc '+15 seconds')" -out crl-short.pem
) >>"$RIG_WORK/crls.log" 2>&1 || fail "making the short CRL" "$RIG_WORK/crls.log"
short_end=$(date -d "$(openssl crl -in "$RIG_WORK/crl-short.pem" -noout \
    -nextupdate | cut -d= -f2)" +%s)
cp "$RIG_WORK/crl-short.pem" "$RIG_WORK/crl.pem"
if [[ $MCN_SERVER == openvpn ]]; then
	rig_part reneg
	reneg_refused="CRL has expired"
else
	rig_part reneg "crl-expired reject"
	reneg_refused="event=auth-failed .*key_id=[1-7] .*our CRL has expired"
fi
rig_client_up client c1r client1 "reneg-sec 4"
(($(date +%s) < short_end)) ||
    fail "the box is too slow: the short CRL expired before client1 connected"
wait_for_log "$RIG_WORK/c1r.log" "TLS: soft reset" 8 ||
    fail "client1 did not renegotiate" "$RIG_WORK/c1r.log"
! grep -Eq "$reneg_refused" "$SERVER_LOG" ||
    fail "a renegotiation was refused while the CRL was valid" "$SERVER_LOG"
wait_for_log "$SERVER_LOG" "$reneg_refused" \
    $((short_end - $(date +%s) + 12)) "$SERVER_PID" ||
    fail "no renegotiation was refused after the CRL expired" "$SERVER_LOG" \
    "$RIG_WORK/c1r.log"
! grep -q "event=kick\|event=crl-reload" "$SERVER_LOG" ||
    fail "the refusal came from a kick or a reload" "$SERVER_LOG"
say "reneg: renegotiations pass while the CRL is valid; the first after" \
    "its nextUpdate is refused: $(grep -Eo "$reneg_refused" "$SERVER_LOG" |
    head -n 1)"
rig_stop "$BG_PID"

# --- a CRL from another CA on SIGHUP ---------------------------------------
cp "$RIG_WORK/crl-fresh.pem" "$RIG_WORK/crl.pem"
if [[ $MCN_SERVER == openvpn ]]; then
	say "foreign CRL on SIGHUP: OpenVPN has no CRL reload to refuse, skipped"
elif rig_part foreign; then
	rig_client_up client c1f client1
	c1=$BG_PID
	hup_crl crl-foreign.pem
	line=$(grep "event=crl-reload" "$SERVER_LOG" | tail -n 1)
	[[ $line == *"event=crl-reload-failed "*"reason="* ]] ||
	    fail "the foreign CRL was not refused: $line" "$SERVER_LOG"
	say "refused: event=${line#*event=}"
	sleep 0.5
	! grep -q "event=kick" "$SERVER_LOG" ||
	    fail "a client was kicked by the refused CRL" "$SERVER_LOG"
	still_up c1f "$c1"
	rig_client_up client2 c2f client2
	rig_stop "$BG_PID"
	refused revoked-foreign revoked
	say "the previous CRL stays: client1 kept, client2 admitted, revoked refused"
	rig_stop "$c1"
fi

rig_pass
