#!/bin/bash
#
# test_mcnca_openvpn.sh -- a PKI and profiles made by mcnca, used as-is
# by stock OpenVPN 2.6 on both ends, in a private network namespace:
#
#   +--------------------- unshare -n (this test only) ----------------+
#   |  lo 10.99.1.1                                                    |
#   |  openvpn servers (tests/e2e/server.conf's directives, pointing   |
#   |    at the mcnca database, + remote-cert-tls client), one per     |
#   |    control-channel key:                                          |
#   |      :1194 tls-auth ta.key 0                                     |
#   |      :1195 tls-crypt tc.key                                      |
#   |      :1196 tls-crypt-v2 tls-crypt-v2-server.key, and a           |
#   |            tls-crypt-v2-verify script reading mcnca's metadata   |
#   |  openvpn --config client1-OS.ovpn   (linux, macos, android, ios) |
#   |  openvpn --config client1-tc.ovpn, client1-v2.ovpn               |
#   |  openvpn --config gone-linux.ovpn   (revoked + gen-crl: refused) |
#   |  openvpn --config gone-v2.ovpn      (revoked: the verify script  |
#   |            refuses its client key by the serial in it)           |
#   |  openvpn --config foreign-v2.ovpn   (client key wrapped by       |
#   |            another server key: cannot be unwrapped)              |
#   +------------------------------------------------------------------+
#
# This proves the certificates (keyUsage/EKU for remote-cert-tls both
# ways), the tls-auth key and direction, the tls-crypt key, the
# tls-crypt-v2 server and client keys and their metadata, auth SHA256,
# the CRL and the profile syntax against the reference implementation;
# the netns rig (tests/e2e/profile.sh, profile_wrap.sh) does the same
# against mycrypnetd.  Needs root, unshare, openvpn and /dev/net/tun;
# exits 77 (skip) without them.
set -euo pipefail

top=${MCN_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
mcnca=$top/ca-tools/mcnca

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_log FILE PATTERN SECONDS: 0 once PATTERN shows up in FILE.
wait_log()
{
	local i

	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# connects NAME PROFILE SERVER: the client on PROFILE gets its tunnel
# with an AES-256-GCM data channel (SERVER: the server log's tag).
connects()
{
	local log=$work/client-$1.log pid

	openvpn --config "$2" "${extra[@]}" --log "$log" &
	pid=$!
	pids+=($pid)
	wait_log "$log" 'Initialization Sequence Completed' 15 ||
	    { cat "$log" "$work/server-$3.log"; fail "$1 did not connect"; }
	grep -q "Data Channel: cipher 'AES-256-GCM'" "$log" ||
	    { cat "$log"; fail "$1: no AES-256-GCM data channel"; }
	kill "$pid"
	wait "$pid" || :
	echo "ok: $1 connects ($3)"
}

# refused NAME PROFILE SERVER WHY: the server logs WHY (a pattern) and
# the client never completes.
refused()
{
	local log=$work/client-$1.log pid

	openvpn --config "$2" "${extra[@]}" --hand-window 5 --log "$log" &
	pid=$!
	pids+=($pid)
	wait_log "$work/server-$3.log" "$4" 15 ||
	    { cat "$work/server-$3.log"; fail "the server did not refuse $1 ($4)"; }
	! grep -q 'Initialization Sequence Completed' "$log" ||
	    fail "$1 connected"
	kill "$pid" 2>/dev/null || :
	wait "$pid" || :
	echo "ok: $1 is refused ($4)"
}

# --- inside the namespace ---------------------------------------------------
if [[ ${1:-} == --in-netns ]]; then
	work=$2
	pids=()
	trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done; wait' EXIT
	ip link set lo up
	ip addr add 10.99.1.1/32 dev lo
	for k in ta tc v2; do
		openvpn --config "$work/server-$k.conf" --log "$work/server-$k.log" &
		pids+=($!)
	done
	for k in ta tc v2; do
		wait_log "$work/server-$k.log" 'Initialization Sequence Completed' 10 ||
		    { cat "$work/server-$k.log"; fail "the openvpn $k server did not start"; }
	done

	# The exported profile is used unchanged; the command line only
	# keeps the data channel in user space and gives up early.
	extra=(--disable-dco --connect-retry 1 1 --connect-retry-max 3)
	if [[ ! -x /etc/openvpn/update-resolv-conf ]]; then
		echo "note: no /etc/openvpn/update-resolv-conf (not Debian?): up/down replaced by /bin/true"
		extra+=(--up /bin/true --down /bin/true)
	fi
	for os in linux macos android ios; do
		connects "$os" "$work/client1-$os.ovpn" ta
	done
	connects tls-crypt "$work/client1-tc.ovpn" tc
	connects tls-crypt-v2 "$work/client1-v2.ovpn" v2
	grep -q "^type=0 {\"mcnca\":1,\"cn\":\"client1\",\"serial\":\"$(cat "$work/client1.serial")\",\"created\":\"[0-9T:-]*Z\"}\$" \
	    "$work/verify.log" ||
	    { cat "$work/verify.log"; fail "the verify script did not get client1's metadata"; }
	echo "ok: the server's tls-crypt-v2-verify script reads the metadata"

	refused gone "$work/gone-linux.ovpn" ta 'certificate revoked'
	refused gone-v2 "$work/gone-v2.ovpn" v2 'TLS CRYPT V2 VERIFY SCRIPT ERROR'
	refused foreign-v2 "$work/foreign-v2.ovpn" v2 'Can not unwrap tls-crypt-v2 client key'
	exit 0
fi

# --- outside: prerequisites and the PKI ---------------------------------------
[[ -x $mcnca ]] || skip "$mcnca not built (make ca-tools/mcnca)"
[[ $(id -u) -eq 0 ]] || skip "needs root (a network namespace and tun devices)"
command -v openvpn >/dev/null || skip "openvpn not installed"
command -v unshare >/dev/null || skip "unshare not installed"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
unshare -n true 2>/dev/null || skip "cannot create a network namespace"

work=$(mktemp -d "${TMPDIR:-/tmp}/test_mcnca_openvpn.XXXXXX")
trap 'rc=$?; if [[ $rc -eq 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi' EXIT
db=$work/pki
export MCNCA_PASS='demo passphrase, not for production'

q() { "$mcnca" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; fail "mcnca $*"; }; }
q -d "$db" init
q -d "$db" issue-server server
q -d "$db" issue-client client1
q -d "$db" issue-client gone
q -d "$db" gen-tls-auth
q -d "$db" gen-tls-crypt
q -d "$db" gen-tls-crypt-v2
for os in linux macos android ios; do
	q -d "$db" export client1 --os "$os" --remote 10.99.1.1:1194/udp \
	    --wrap tls-auth --out "$work/client1-$os.ovpn"
done
q -d "$db" export client1 --os linux --remote 10.99.1.1:1195/udp --wrap tls-crypt \
    --out "$work/client1-tc.ovpn"
q -d "$db" export client1 --os linux --remote 10.99.1.1:1196/udp --wrap tls-crypt-v2 \
    --out "$work/client1-v2.ovpn"
q -d "$db" export gone --os linux --remote 10.99.1.1:1194/udp --wrap tls-auth \
    --out "$work/gone-linux.ovpn"
q -d "$db" export gone --os linux --remote 10.99.1.1:1196/udp --wrap tls-crypt-v2 \
    --out "$work/gone-v2.ovpn"
# The same client, but its key wrapped by another CA's server key.
cp -a "$db" "$work/other"
q -d "$work/other" gen-tls-crypt-v2 --force
q -d "$work/other" export client1 --os linux --remote 10.99.1.1:1196/udp \
    --wrap tls-crypt-v2 --out "$work/foreign-v2.ovpn"
q -d "$db" revoke gone --reason keyCompromise
q -d "$db" gen-crl

# What a gateway can do with the metadata (doc/profiles.md): accept a
# client key only for a certificate that is still valid.
"$mcnca" -d "$db" list | awk '$3 == "valid" { print $5 }' >"$work/valid-serials"
"$mcnca" -d "$db" list | awk '$1 == "client1" { print $5 }' >"$work/client1.serial"
cat >"$work/verify.sh" <<EOF
#!/bin/sh
meta=\$(cat "\$metadata_file")
printf 'type=%s %s\\n' "\$metadata_type" "\$meta" >>"$work/verify.log"
serial=\$(printf '%s' "\$meta" | sed -n 's/.*"serial":"\\([0-9A-F]*\\)".*/\\1/p')
[ "\$metadata_type" = 0 ] && [ -n "\$serial" ] && grep -qx "\$serial" "$work/valid-serials"
EOF
chmod 755 "$work/verify.sh"

# server_conf KEY PORT SUBNET LINE...: an OpenVPN server on the database.
server_conf()
{
	local k=$1 port=$2 net=$3 line

	shift 3
	cat >"$work/server-$k.conf" <<EOF
dev tun
proto udp
local 10.99.1.1
port $port
ca $db/ca.crt
cert $db/issued/server.crt
key $db/private/server.key
dh none
auth SHA256
crl-verify $db/crl.pem
remote-cert-tls client
topology subnet
server $net 255.255.255.0
push "redirect-gateway def1"
keepalive 10 60
data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
disable-dco
verb 3
EOF
	for line in "$@"; do
		echo "$line" >>"$work/server-$k.conf"
	done
}
server_conf ta 1194 10.99.8.0 "tls-auth $db/ta.key 0"
server_conf tc 1195 10.99.9.0 "tls-crypt $db/tc.key"
server_conf v2 1196 10.99.10.0 "tls-crypt-v2 $db/tls-crypt-v2-server.key" \
    "tls-crypt-v2-verify $work/verify.sh" "script-security 2"

unshare -n "$BASH" "$0" --in-netns "$work" || fail "see above"
echo "PASS"
