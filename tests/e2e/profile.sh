#!/bin/bash
#
# profile.sh -- the PKI and client profiles made by mcnca, end to end:
#
# 1. mcnca makes the CA, the server and two client certificates, the
#    tls-auth key and the CRL; the gateway gets copies of what it needs.
# 2. The stock openvpn 2.6 client connects to mycrypnetd with the exported
#    Linux profile, unchanged, and reaches the inet host.
# 3. mcnca revoke + gen-crl + SIGHUP: client1 is halted at once (kicked),
#    client2 keeps its tunnel, and client1's profile is refused after.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"

[[ $MCN_SERVER == mycrypnetd ]] || skip "profile.sh tests mycrypnetd"

# The profile runs Debian's update-resolv-conf; where resolvconf is
# installed it would change the host's DNS, so replace the scripts then
# (the command line overrides, the profile file stays as exported).
SAFE=()
[[ -x /sbin/resolvconf ]] && SAFE=(--up /bin/true --down /bin/true)

# profile_client NAME PROFILE [ARGS]: the stock client on that profile,
# in the client namespace; pid in BG_PID.
profile_client()
{
	local name=$1 profile=$2

	shift 2
	start_bg client "$RIG_WORK/$name.log" openvpn --config "$profile" \
	    --disable-dco --connect-retry 1 1 "${SAFE[@]}" "$@"
}

rig_require
rig_up
rig_pki_mcnca 2
for c in client1 client2; do
	"${MCNCA[@]}" export "$c" --os linux --remote "$RIG_GW_ADDR:$RIG_PORT/udp" \
	    --out "$RIG_WORK/$c.ovpn" >>"$RIG_WORK/mcnca.log" 2>&1 ||
	    fail "mcnca export $c" "$RIG_WORK/mcnca.log"
done
cp "$RIG_WORK/client1.ovpn" "$RIG_WORK/client1.ovpn.orig"
rig_server_start

profile_client c1 "$RIG_WORK/client1.ovpn"
C1=$BG_PID
wait_for_log "$RIG_WORK/c1.log" "$COMPLETED" 20 "$C1" ||
    fail "client1 did not connect with its exported profile" \
    "$RIG_WORK/c1.log" "$SERVER_LOG"
profile_client c2 "$RIG_WORK/client2.ovpn"
C2=$BG_PID
wait_for_log "$RIG_WORK/c2.log" "$COMPLETED" 20 "$C2" ||
    fail "client2 did not connect" "$RIG_WORK/c2.log" "$SERVER_LOG"
run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "no traffic through the tunnel" "$SERVER_LOG"
cmp -s "$RIG_WORK/client1.ovpn" "$RIG_WORK/client1.ovpn.orig" ||
    fail "the profile was changed"
say "exported Linux profiles connect unchanged; $RIG_INET_ADDR reachable"

if ! "${MCNCA[@]}" revoke client1 --reason keyCompromise \
    >>"$RIG_WORK/mcnca.log" 2>&1 ||
    ! "${MCNCA[@]}" gen-crl >>"$RIG_WORK/mcnca.log" 2>&1; then
	fail "mcnca revoke/gen-crl" "$RIG_WORK/mcnca.log"
fi
cp "$RIG_WORK/ca/crl.pem" "$RIG_WORK/crl.pem"
kill -HUP "$SERVER_PID"
wait_for_log "$RIG_WORK/c1.log" "Halt command was pushed" 3 ||
    fail "revoked client1 was not halted" "$RIG_WORK/c1.log" "$SERVER_LOG"
grep -q "event=kick cn=client1 .*revoked" "$SERVER_LOG" ||
    fail "no kick line for client1" "$SERVER_LOG"
wait_exit "$C1" 5 || fail "client1 still running after HALT" "$RIG_WORK/c1.log"
pid_alive "$C2" || fail "client2 died" "$RIG_WORK/c2.log"
grep -q "event=kick cn=client2" "$SERVER_LOG" && fail "client2 was kicked"
say "revoke + gen-crl + SIGHUP: client1 halted, client2 untouched"

before=$(wc -l <"$SERVER_LOG")
profile_client c1-again "$RIG_WORK/client1.ovpn" --hand-window 4 \
    --connect-retry-max 1
if wait_for_log "$RIG_WORK/c1-again.log" "$COMPLETED" 8 "$BG_PID"; then
	fail "revoked client1 connected again" "$RIG_WORK/c1-again.log"
fi
stop_pid "$BG_PID"
tail -n "+$((before + 1))" "$SERVER_LOG" | grep -q "certificate revoked" ||
    fail "the server did not refuse client1 as revoked" "$SERVER_LOG"
say "client1's profile is refused after revocation"
say "PASS"
