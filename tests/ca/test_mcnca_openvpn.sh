#!/bin/bash
#
# test_mcnca_openvpn.sh -- a PKI and profiles made by mcnca, used as-is
# by stock OpenVPN 2.6 on both ends, in a private network namespace:
#
#   +--------------------- unshare -n (this test only) ----------------+
#   |  lo 10.99.1.1                                                    |
#   |  openvpn server (tests/e2e/server.conf's directives, pointing    |
#   |    at the mcnca database, + remote-cert-tls client)              |
#   |  openvpn --config client1-OS.ovpn   (linux, macos, android, ios) |
#   |  openvpn --config gone-linux.ovpn   (revoked + gen-crl: refused) |
#   +------------------------------------------------------------------+
#
# This proves the certificates (keyUsage/EKU for remote-cert-tls both
# ways), the tls-auth key and direction, auth SHA256, the CRL and the
# profile syntax against the reference implementation; the netns rig
# (tests/e2e) does the same against mycrypnetd.  Needs root, unshare,
# openvpn and /dev/net/tun; exits 77 (skip) without them.
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

# --- inside the namespace ---------------------------------------------------
if [[ ${1:-} == --in-netns ]]; then
	work=$2
	pids=()
	trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done; wait' EXIT
	ip link set lo up
	ip addr add 10.99.1.1/32 dev lo
	openvpn --config "$work/server.conf" --log "$work/server.log" &
	pids+=($!)
	wait_log "$work/server.log" 'Initialization Sequence Completed' 10 ||
	    { cat "$work/server.log"; fail "the openvpn server did not start"; }

	# The exported profile is used unchanged; the command line only
	# keeps the data channel in user space and gives up early.
	extra=(--disable-dco --connect-retry 1 1 --connect-retry-max 3)
	if [[ ! -x /etc/openvpn/update-resolv-conf ]]; then
		echo "note: no /etc/openvpn/update-resolv-conf (not Debian?): up/down replaced by /bin/true"
		extra+=(--up /bin/true --down /bin/true)
	fi
	for os in linux macos android ios; do
		log=$work/client-$os.log
		openvpn --config "$work/client1-$os.ovpn" "${extra[@]}" --log "$log" &
		pid=$!
		pids+=($pid)
		wait_log "$log" 'Initialization Sequence Completed' 15 ||
		    { cat "$log"; fail "the $os profile did not connect"; }
		grep -q "Data Channel: cipher 'AES-256-GCM'" "$log" ||
		    { cat "$log"; fail "$os: no AES-256-GCM data channel"; }
		kill "$pid"
		wait "$pid" || :
		echo "ok: the $os profile connects"
	done

	log=$work/client-gone.log
	openvpn --config "$work/gone-linux.ovpn" "${extra[@]}" --log "$log" &
	pid=$!
	pids+=($pid)
	wait_log "$work/server.log" 'certificate revoked' 15 ||
	    { cat "$work/server.log"; fail "the server did not refuse the revoked client"; }
	! grep -q 'Initialization Sequence Completed' "$log" ||
	    fail "the revoked client connected"
	kill "$pid" 2>/dev/null || :
	wait "$pid" || :
	echo "ok: the revoked client is refused (crl-verify)"
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
for os in linux macos android ios; do
	q -d "$db" export client1 --os "$os" --remote 10.99.1.1:1194/udp \
	    --out "$work/client1-$os.ovpn"
done
q -d "$db" export gone --os linux --remote 10.99.1.1:1194/udp --out "$work/gone-linux.ovpn"
q -d "$db" revoke gone --reason keyCompromise
q -d "$db" gen-crl

cat >"$work/server.conf" <<EOF
dev tun
proto udp
local 10.99.1.1
port 1194
ca $db/ca.crt
cert $db/issued/server.crt
key $db/private/server.key
dh none
tls-auth $db/ta.key 0
auth SHA256
crl-verify $db/crl.pem
remote-cert-tls client
topology subnet
server 10.99.8.0 255.255.255.0
push "redirect-gateway def1"
keepalive 10 60
data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
disable-dco
verb 3
EOF

unshare -n "$BASH" "$0" --in-netns "$work" || fail "see above"
echo "PASS"
