#!/bin/bash
#
# profile_wrap.sh -- mcnca's tls-crypt and tls-crypt-v2 profiles against
# mycrypnetd, with the stock openvpn 2.6 client and the profiles as
# exported (profile.sh does the same for tls-auth):
#
#   client ns (client1)          gw ns                        inet ns
#   client2 ns (client2)  ---->  mycrypnetd 10.99.1.1:1194 -> 10.99.2.2
#
# 1. mcnca makes the PKI (rig_pki_mcnca: CA, tls-auth key, server and two
#    client certificates, CRL), then gen-tls-crypt and gen-tls-crypt-v2;
#    the gateway gets tc.key and tls-crypt-v2-server.key as well.  With
#    three keys in the CA, export must be given --wrap.  A copy of the
#    CA database with another server key (gen-tls-crypt-v2 --force)
#    exports client1 a "foreign" tls-crypt-v2 profile.
# 2. server: -tls-auth, tls-crypt tc.key
#    client1's --wrap tls-crypt profile connects and reaches the inet host.
# 3. server: -tls-auth, tls-crypt-v2 tls-crypt-v2-server.key
#    the foreign profile's resets get no answer at all (checked on the
#    wire, before any other client talks to this server); then client1's
#    and client2's --wrap tls-crypt-v2 profiles (a client key each) are
#    connected at once, each reaches the inet host, and mcnctl --json
#    status lists both.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"
MCNCTL=$MCN_TOP_BUILDDIR/mcnctl/mcnctl

[[ $MCN_SERVER == mycrypnetd ]] || skip "profile_wrap.sh tests mycrypnetd"

# The linux profile runs Debian's update-resolv-conf; where resolvconf
# is installed it would change the host's DNS (see profile.sh).
SAFE=()
[[ -x /sbin/resolvconf ]] && SAFE=(--up /bin/true --down /bin/true)

# export_profile NAME WRAP OUT [DB]: NAME's linux profile with --wrap
# WRAP from the CA database DB (default the rig's) into $RIG_WORK/OUT.
export_profile()
{
	"${MCNCA[0]}" -d "${4:-$RIG_WORK/ca}" export "$1" --os linux \
	    --wrap "$2" --remote "$RIG_GW_ADDR:$RIG_PORT/udp" \
	    --out "$RIG_WORK/$3" >>"$RIG_WORK/mcnca.log" 2>&1 ||
	    fail "mcnca export $1 --wrap $2" "$RIG_WORK/mcnca.log"
}

# profile_client NS NAME PROFILE [ARGS]: the stock client on that
# profile in NS; pid in BG_PID.
profile_client()
{
	local ns=$1 name=$2 profile=$3

	shift 3
	start_bg "$ns" "$RIG_WORK/$name.log" openvpn --config "$profile" \
	    --disable-dco --connect-retry 1 1 "${SAFE[@]}" "$@"
}

# connect NS NAME PROFILE: that client gets in and pings the inet host
# through its tunnel; pid in BG_PID (left running).
connect()
{
	local log=$RIG_WORK/$2.log

	profile_client "$@"
	wait_for_log "$log" "$COMPLETED" 20 "$BG_PID" ||
	    fail "$2 did not connect with its exported profile" "$log" \
	    "$SERVER_LOG"
	run_in "$1" ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "$2: no traffic through the tunnel" "$log" "$SERVER_LOG"
	say "$2: connected with ${3##*/}, $RIG_INET_ADDR reachable"
}

# check_json COMMAND PYTHON: mcnctl --json COMMAND into COMMAND.json,
# then the Python assertion on its parsed answer d; skipped (0) without
# mcnctl or python3.
check_json()
{
	local f=$RIG_WORK/$1.json

	[[ -x $MCNCTL ]] && command -v python3 >/dev/null || return 0
	"$MCNCTL" -s "$RIG_WORK/control.sock" --json "$1" >"$f" ||
	    fail "mcnctl $1" "$f"
	python3 -c "import json, sys
d = json.load(open(sys.argv[1]))['result']
$2" "$f" || fail "mcnctl --json $1: $2" "$f"
}

rig_require
rig_up
rig_up_client2
rig_pki_mcnca 2
{
	"${MCNCA[@]}" gen-tls-crypt &&
	"${MCNCA[@]}" gen-tls-crypt-v2 &&
	cp -a "$RIG_WORK/ca" "$RIG_WORK/ca-other" &&
	"${MCNCA[0]}" -d "$RIG_WORK/ca-other" gen-tls-crypt-v2 --force
} >>"$RIG_WORK/mcnca.log" 2>&1 || fail "mcnca gen-tls-crypt*" "$RIG_WORK/mcnca.log"
cp "$RIG_WORK/ca/tc.key" "$RIG_WORK/ca/tls-crypt-v2-server.key" "$RIG_WORK/"
# Three keys in the CA: export wants to be told which the gateway uses.
if "${MCNCA[@]}" export client1 --os linux --remote "$RIG_GW_ADDR" \
    >/dev/null 2>"$RIG_WORK/several.err"; then
	fail "export chose a key among three" "$RIG_WORK/several.err"
fi
grep -q "several control-channel keys" "$RIG_WORK/several.err" ||
    fail "export did not say why" "$RIG_WORK/several.err"
export_profile client1 tls-crypt client1-tls-crypt.ovpn
export_profile client1 tls-crypt-v2 client1-tls-crypt-v2.ovpn
export_profile client2 tls-crypt-v2 client2-tls-crypt-v2.ovpn
export_profile client1 tls-crypt-v2 foreign-tls-crypt-v2.ovpn \
    "$RIG_WORK/ca-other"
for f in client1-tls-crypt client1-tls-crypt-v2 client2-tls-crypt-v2 \
    foreign-tls-crypt-v2; do
	cp "$RIG_WORK/$f.ovpn" "$RIG_WORK/$f.ovpn.orig"
done
say "mcnca: tls-crypt and tls-crypt-v2 keys, profiles exported"

# Each part its own server (RIG_SERVER_TAG names its files); a part
# whose directive mycrypnetd lacks is skipped, and rig_pass says so.
RIG_SERVER_TAG=tls-crypt
SERVER_CONF_SET=(-tls-auth "tls-crypt tc.key")
if rig_supported "tls-crypt profile"; then
	rig_server_start
	connect client c1-tc "$RIG_WORK/client1-tls-crypt.ovpn"
	rig_stop "$BG_PID"
	rig_server_stop
fi

RIG_SERVER_TAG=tls-crypt-v2
SERVER_CONF_SET=(-tls-auth "tls-crypt-v2 tls-crypt-v2-server.key")
if rig_supported "tls-crypt-v2 profiles"; then
	rig_server_start
	# First, while no other client talks to this server: every packet
	# from its port to the client namespace would be an answer.
	rig_capture client veth0 foreign \
	    "udp and host $RIG_GW_ADDR and port $RIG_PORT"
	dump=$BG_PID
	profile_client client foreign "$RIG_WORK/foreign-tls-crypt-v2.ovpn" \
	    --hand-window 3 --connect-retry-max 1
	foreign=$BG_PID
	wait_for_log "$RIG_WORK/foreign.log" "$COMPLETED|TLS Error|TLS_ERROR" \
	    8 "$foreign" || true
	rig_stop "$foreign"
	sleep 0.2
	rig_stop "$dump"
	sent=$(rig_count foreign "src host $RIG_CLIENT_ADDR")
	answered=$(rig_count foreign "src host $RIG_GW_ADDR")
	[[ $sent -ge 1 ]] ||
	    fail "foreign: the capture saw no packet from the client" \
	    "$RIG_WORK/foreign.log"
	[[ $answered -eq 0 ]] ||
	    fail "foreign: the server sent $answered packets back" \
	    "$RIG_WORK/foreign.log" "$SERVER_LOG"
	! grep -Eq "Initial packet from|$COMPLETED" "$RIG_WORK/foreign.log" ||
	    fail "foreign: the client got an answer" "$RIG_WORK/foreign.log"
	check_json stats 'c = d["counters"]
assert c["forged_dropped"] >= 1 and c["handshakes_ok"] == 0, c'
	say "a client key wrapped by another server key: no answer ($sent sent, 0 answered, dropped as forged)"

	connect client c1-v2 "$RIG_WORK/client1-tls-crypt-v2.ovpn"
	C1=$BG_PID
	connect client2 c2-v2 "$RIG_WORK/client2-tls-crypt-v2.ovpn"
	C2=$BG_PID
	pid_alive "$C1" || fail "client1 died when client2 came" "$RIG_WORK/c1-v2.log"
	check_json status 'cns = sorted(s["common_name"] for s in d["sessions"])
assert cns == ["client1", "client2"], cns'
	say "mcnctl --json status: client1 and client2, each with its own client key"
	rig_stop "$C2"
	rig_stop "$C1"
fi

for f in client1-tls-crypt client1-tls-crypt-v2 client2-tls-crypt-v2 \
    foreign-tls-crypt-v2; do
	cmp -s "$RIG_WORK/$f.ovpn" "$RIG_WORK/$f.ovpn.orig" ||
	    fail "$f.ovpn was changed"
done
rig_pass
