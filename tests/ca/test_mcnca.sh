#!/bin/bash
#
# test_mcnca.sh -- mcnca end to end, checked with the openssl CLI (and
# the openvpn 2.6 option parser when installed).
#
#   init (encrypted CA key) -> issue-server / issue-client -> openssl
#   verify with purposes -> revoke + gen-crl -> openssl verify -crl_check
#   -> list --json -> gen-tls-auth -> export per OS -> gen-tls-crypt,
#   gen-tls-crypt-v2, gen-tls-crypt-v2-client and export --wrap (keys
#   read back, compared in shape with openvpn --genkey's) -> every error
#   path the issue names (wrong passphrase, duplicate, unknown NAME,
#   corrupt index, expired CA) -> the lock under concurrent writers.
#
# Needs the built ca-tools/mcnca, openssl and python3; exits 77 (skip)
# without them.  Runs unprivileged, never prompts (no passphrase ever
# comes from a terminal here), and leaves nothing behind on success.
set -euo pipefail

top=${MCN_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
mcnca=$top/ca-tools/mcnca

skip() { echo "SKIP: $*"; exit 77; }
[[ -x $mcnca ]] || skip "$mcnca not built (make ca-tools/mcnca)"
command -v openssl >/dev/null || skip "openssl not installed"
command -v python3 >/dev/null || skip "python3 not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/test_mcnca.XXXXXX")
trap 'rc=$?; if [[ $rc -eq 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi' EXIT
cd "$work"

checks=0
ok() { checks=$((checks + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }

# run CMD...: runs mcnca, output in out/err; fails the test if it fails.
run()
{
	"$mcnca" "$@" >out 2>err || { cat out err >&2; fail "mcnca $*"; }
	ok
}

# refuse WANT_RC PATTERN CMD...: mcnca must exit WANT_RC (never a crash)
# and say PATTERN (an ERE) on stderr.
refuse()
{
	local want=$1 pat=$2 rc=0

	shift 2
	"$mcnca" "$@" >out 2>err || rc=$?
	[[ $rc -eq $want ]] || { cat out err >&2;
	    fail "mcnca $*: exit $rc, want $want"; }
	grep -Eq -- "$pat" err || { cat err >&2;
	    fail "mcnca $*: stderr lacks /$pat/"; }
	ok
}

mode() { stat -c %a "$1"; }
json() { "$mcnca" -d "$1" list --json | python3 -c "import json,sys; d=json.load(sys.stdin); $2"; }

echo 'correct horse battery staple' >pass
echo 'not the passphrase' >wrongpass
chmod 600 pass wrongpass
db=$work/pki

# --- init -----------------------------------------------------------------
run -d "$db" init --pass-file pass --cn "Test CA"
[[ -f $db/ca.crt && -f $db/ca.key && -f $db/index.json ]] || fail "init files"
[[ $(mode "$db") == 700 ]] || fail "DIR mode $(mode "$db")"
[[ $(mode "$db/ca.key") == 600 ]] || fail "ca.key mode $(mode "$db/ca.key")"
! grep -q 'BEGIN PRIVATE KEY' "$db/ca.key" || fail "CA key in clear (PKCS#8)"
! grep -q 'BEGIN EC PRIVATE KEY' "$db/ca.key" || fail "CA key in clear (SEC1)"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$db/ca.key" || fail "CA key not encrypted"
ok
# PBES2 = AES-256-CBC + PBKDF2-HMAC-SHA256, 600000 rounds
openssl asn1parse -in "$db/ca.key" >asn
grep -q ':PBES2' asn && grep -q ':PBKDF2' asn && grep -q ':hmacWithSHA256' asn &&
    grep -q ':aes-256-cbc' asn && grep -q 'INTEGER *:0927C0' asn ||
    { cat asn; fail "CA key encryption parameters"; }
if openssl pkey -in "$db/ca.key" -passin file:wrongpass -noout 2>/dev/null; then
	fail "openssl opened the CA key with the wrong passphrase"
fi
openssl pkey -in "$db/ca.key" -passin file:pass -noout || fail "openssl cannot open the CA key"
ok
openssl x509 -in "$db/ca.crt" -noout -text >ca.txt
grep -A1 'Basic Constraints: critical' ca.txt | grep -q 'CA:TRUE' &&
    grep -A1 'Key Usage: critical' ca.txt | grep -q 'Certificate Sign, CRL Sign' &&
    grep -q 'Subject Key Identifier' ca.txt && grep -q 'CN = Test CA' ca.txt ||
    { cat ca.txt; fail "CA extensions"; }
ok

# init refuses to overwrite: the key stays byte for byte
sum=$(sha256sum <"$db/ca.key")
refuse 1 'refusing to overwrite' -d "$db" init --pass-file pass
[[ $(sha256sum <"$db/ca.key") == "$sum" ]] || fail "init overwrote ca.key"
# a new CA needs a passphrase of 8 characters or more
echo short >shortpass
refuse 1 'at least 8' -d "$work/short" init --pass-file shortpass
refuse 2 'key type' -d "$work/bad" init --pass-file pass --key rsa:1024
refuse 2 -- '--cn' -d "$work/bad" init --pass-file pass --cn "$(printf 'a\nb')"
[[ ! -e $work/bad ]] || fail "a refused init left a directory"

# --- wrong passphrase, no passphrase --------------------------------------
refuse 1 'wrong passphrase' -d "$db" --pass-file wrongpass issue-client nobody
MCNCA_PASS='not it either' refuse 1 'wrong passphrase' -d "$db" issue-client nobody
if command -v setsid >/dev/null; then
	# no --pass-file, no MCNCA_PASS, no terminal: a clear refusal
	rc=0
	env -u MCNCA_PASS setsid -w "$mcnca" -d "$db" issue-client nobody \
	    </dev/null >out 2>err || rc=$?
	[[ $rc -eq 1 ]] && grep -q 'no CA passphrase' err ||
	    { cat err; fail "no passphrase source: exit $rc"; }
	ok
fi
json "$db" 'assert d["certs"] == [], d' || fail "a failed issue left an entry"

# --- issue ------------------------------------------------------------------
run -d "$db" --pass-file pass issue-server server
MCNCA_PASS='correct horse battery staple' run -d "$db" issue-client client1
run -d "$db" issue-client client2 --key rsa:2048 --days 30 --pass-file pass
run -d "$db" issue-client bad --pass-file pass
run -d "$db" issue-server gw2.example.com --key ec:P-384 --pass-file pass
for n in server client1 client2 bad gw2.example.com; do
	[[ $(mode "$db/private/$n.key") == 600 ]] || fail "$n.key mode"
	openssl pkey -in "$db/private/$n.key" -noout || fail "$n.key"
done
ok

openssl verify -CAfile "$db/ca.crt" -purpose sslserver \
    "$db/issued/server.crt" "$db/issued/gw2.example.com.crt" || fail "verify server"
openssl verify -CAfile "$db/ca.crt" -purpose sslclient \
    "$db/issued/client1.crt" "$db/issued/client2.crt" || fail "verify clients"
ok
# and not the other way round
if openssl verify -CAfile "$db/ca.crt" -purpose sslserver \
    "$db/issued/client1.crt" >/dev/null 2>&1; then
	fail "a client certificate passes as a server"
fi
if openssl verify -CAfile "$db/ca.crt" -purpose sslclient \
    "$db/issued/server.crt" >/dev/null 2>&1; then
	fail "a server certificate passes as a client"
fi
ok

# What "remote-cert-tls server" needs (spec §13): keyUsage present, EKU
# serverAuth.  EC keys: digitalSignature only; RSA: + keyEncipherment.
openssl x509 -in "$db/issued/server.crt" -noout -text >srv.txt
grep -A1 'X509v3 Key Usage: critical' srv.txt | grep -qx ' *Digital Signature' &&
    grep -A1 'Extended Key Usage' srv.txt | grep -q 'TLS Web Server Authentication' &&
    grep -q 'DNS:server' srv.txt &&
    grep -A1 'Basic Constraints' srv.txt | grep -q 'CA:FALSE' &&
    grep -q 'Subject Key Identifier' srv.txt &&
    grep -q 'Authority Key Identifier' srv.txt ||
    { cat srv.txt; fail "server certificate extensions"; }
openssl x509 -in "$db/issued/client2.crt" -noout -text >cli.txt
grep -A1 'X509v3 Key Usage: critical' cli.txt | grep -qx ' *Digital Signature' &&
    grep -A1 'Extended Key Usage' cli.txt | grep -q 'TLS Web Client Authentication' &&
    grep -q 'Public-Key: (2048 bit)' cli.txt ||
    { cat cli.txt; fail "client certificate extensions"; }
openssl x509 -in "$db/issued/gw2.example.com.crt" -noout -text >gw2.txt
grep -q 'NIST CURVE: P-384' gw2.txt && grep -q 'DNS:gw2.example.com' gw2.txt ||
    fail "P-384 server"
ok

# serials: 128-bit, unique, the ones in the certificates
json "$db" '
s = [c["serial"] for c in d["certs"]] + [d["ca"]["serial"]]
assert len(set(s)) == len(s), s
assert all(0 < int(x, 16) < 2**128 for x in s), s
print("\n".join(c["name"] + " " + c["serial"] for c in d["certs"]))' >serials
while read -r name serial; do
	crt=$db/issued/$name.crt
	got=$(openssl x509 -in "$crt" -noout -serial | cut -d= -f2)
	[[ ${got^^} == "$serial" ]] || fail "$name: serial $got, index $serial"
done <serials
ok

# duplicate active NAME, bad names, unknown NAME
refuse 1 'already has a valid client certificate' -d "$db" --pass-file pass issue-client client1
refuse 1 'already has a valid server certificate' -d "$db" --pass-file pass issue-client server
refuse 2 'must start with a letter' -d "$db" --pass-file pass issue-client '../etc/x'
refuse 2 "'/' is not allowed" -d "$db" --pass-file pass issue-client 'a/b'
refuse 2 'one NAME' -d "$db" --pass-file pass issue-client
refuse 1 'no valid certificate named "nosuch"' -d "$db" revoke nosuch
refuse 1 'no valid certificate named "nosuch"' -d "$db" export nosuch --os linux --remote h

# --- revoke, gen-crl ------------------------------------------------------
bad_serial=$(awk '$1 == "bad" { print $2 }' serials)
refuse 2 'unknown --reason' -d "$db" revoke bad --reason boredom
run -d "$db" revoke bad --reason keyCompromise
refuse 1 'revoked already' -d "$db" revoke bad
[[ ! -e $db/issued/bad.crt && ! -e $db/private/bad.key ]] || fail "revoked files not archived"
bad_crt=$db/archive/bad-$bad_serial.crt
[[ -f $bad_crt && $(mode "$db/archive/bad-$bad_serial.key") == 600 ]] || fail "archive"
ok
refuse 1 'wrong passphrase' -d "$db" gen-crl --pass-file wrongpass
run -d "$db" gen-crl --pass-file pass
[[ -f $db/crl.pem ]] || fail "no crl.pem"
openssl crl -in "$db/crl.pem" -CAfile "$db/ca.crt" -noout 2>&1 | grep -q 'verify OK' ||
    fail "CRL signature"
openssl crl -in "$db/crl.pem" -noout -text >crl.txt
grep -q 'Version 2' crl.txt && grep -A1 'CRL Number' crl.txt | grep -qx ' *1' &&
    grep -q 'Authority Key Identifier' crl.txt &&
    grep -qi "Serial Number: $bad_serial\$" crl.txt &&
    grep -q 'Key Compromise' crl.txt ||
    { cat crl.txt; fail "CRL contents"; }
[[ $(grep -c 'Serial Number' crl.txt) -eq 1 ]] || fail "CRL lists more than the revoked one"
next=$(openssl crl -in "$db/crl.pem" -noout -nextupdate | cut -d= -f2)
days=$(( ($(date -d "$next" +%s) - $(date +%s) + 43200) / 86400 ))
[[ $days -eq 30 ]] || fail "nextUpdate in $days days, want 30"
ok
if openssl verify -crl_check -CRLfile "$db/crl.pem" -CAfile "$db/ca.crt" \
    "$bad_crt" >verify.out 2>&1; then
	fail "the revoked certificate still verifies"
fi
grep -q 'certificate revoked' verify.out || { cat verify.out; fail "revocation reason"; }
openssl verify -crl_check -CRLfile "$db/crl.pem" -CAfile "$db/ca.crt" \
    "$db/issued/client1.crt" "$db/issued/server.crt" || fail "good certificates with the CRL"
ok
# a second CRL gets the next number, --days and --out are honoured
run -d "$db" gen-crl --days 7 --out "$work/crl2.pem" --pass-file pass
openssl crl -in crl2.pem -noout -text | grep -A1 'CRL Number' | grep -qx ' *2' ||
    fail "second CRL number"
ok
# the NAME of a revoked certificate can be issued again
run -d "$db" issue-client bad --pass-file pass
json "$db" '
b = [c for c in d["certs"] if c["name"] == "bad"]
assert [c["status"] for c in b] == ["revoked", "valid"], b
assert b[0]["reason"] == "keyCompromise" and b[0]["revoked_at"], b[0]
assert b[1]["reason"] is None and b[1]["revoked_at"] is None, b[1]' || fail "re-issue"
ok

# --- list -----------------------------------------------------------------
"$mcnca" -d "$db" list --json >list.json
python3 -c 'import json,sys; json.load(sys.stdin)' <list.json || fail "list --json is not JSON"
json "$db" '
c = {x["name"]: x for x in d["certs"] if x["status"] == "valid"}
assert set(c) == {"server", "client1", "client2", "bad", "gw2.example.com"}, c
assert c["server"]["type"] == "server" and c["client1"]["type"] == "client"
assert not c["client1"]["expired"]
assert d["crl_number"] == 2 and d["ca"]["cn"] == "Test CA"
assert d["crl"]["next_update"] and not d["crl"]["expired"], d["crl"]
assert c["client1"]["cert"].endswith("/issued/client1.crt")' || fail "list --json contents"
run -d "$db" list
grep -Eq '^client2 +client +valid ' out && grep -Eq '^bad +client +revoked ' out ||
    { cat out; fail "list table"; }
ok

# --- tls-auth -------------------------------------------------------------
refuse 1 'gen-tls-auth' -d "$db" export client1 --os linux --remote 10.99.1.1
run -d "$db" gen-tls-auth
[[ $(mode "$db/ta.key") == 600 ]] || fail "ta.key mode"
[[ $(grep -c '^[0-9a-f]\{32\}$' "$db/ta.key") -eq 16 ]] || fail "ta.key format"
sum=$(sha256sum <"$db/ta.key")
refuse 1 'use --force' -d "$db" gen-tls-auth
[[ $(sha256sum <"$db/ta.key") == "$sum" ]] || fail "gen-tls-auth overwrote ta.key"
run -d "$db" gen-tls-auth --force
[[ $(sha256sum <"$db/ta.key") != "$sum" ]] || fail "--force kept the old key"
ok

# --- export ---------------------------------------------------------------
# block BLOCK FILE: the contents of <BLOCK> ... </BLOCK> in FILE.
block() { sed -n "/^<$1>\$/,/^<\/$1>\$/p" "$2" | sed '1d;$d'; }

# The rig's command line, verbatim.
"$mcnca" -d "$db" export client1 --os linux --remote 10.99.1.1:1194/udp >rig.ovpn
for os in linux windows macos android ios; do
	f=$work/client1-$os.ovpn
	run -d "$db" export client1 --os "$os" --remote 10.99.1.1:1194/udp --out "$f"
	[[ $(mode "$f") == 600 ]] || fail "$os profile mode $(mode "$f")"
	for line in client 'dev tun' 'remote 10.99.1.1 1194 udp' \
	    'resolv-retry infinite' nobind persist-key persist-tun \
	    'remote-cert-tls server' 'auth SHA256' 'key-direction 1' 'verb 3'; do
		grep -qx "$line" "$f" || fail "$os: no line '$line'"
	done
	! grep -Eq '^(ns-cert-type|remote-random|ca|cert|key|tls-auth) ' "$f" ||
	    fail "$os: a file reference or a deprecated option"
	# the inline blocks are the database's files
	diff <(block ca "$f") "$db/ca.crt" >/dev/null || fail "$os: <ca>"
	diff <(block cert "$f") "$db/issued/client1.crt" >/dev/null || fail "$os: <cert>"
	diff <(block key "$f") "$db/private/client1.key" >/dev/null || fail "$os: <key>"
	diff <(block tls-auth "$f") <(sed -n '/^-----BEGIN/,$p' "$db/ta.key") \
	    >/dev/null || fail "$os: <tls-auth>"
	# the CA key is never in a profile
	! grep -q 'ENCRYPTED' "$f" || fail "$os: CA key in the profile"
	case $os in
	linux)
		grep -qx 'script-security 2' "$f" &&
		    grep -qx 'up /etc/openvpn/update-resolv-conf' "$f" &&
		    grep -qx 'down /etc/openvpn/update-resolv-conf' "$f" &&
		    ! grep -q '^block-outside-dns' "$f" ||
		    fail "linux platform lines"
		cmp -s "$f" rig.ovpn || fail "--out and stdout differ"
		;;
	windows)
		grep -qx 'block-outside-dns' "$f" &&
		    ! grep -Eq '^(script-security|up|down) ' "$f" ||
		    fail "windows platform lines"
		;;
	*)
		! grep -Eq '^(script-security|up|down|block-outside-dns)( |$)' "$f" ||
		    fail "$os: script or Windows lines"
		;;
	esac
	ok
done
# several gateways: one remote line each, in order, and remote-random
run -d "$db" export client1 --os ios --remote gw1.example.com \
    --remote 'gw2.example.com:443/tcp' --remote '[2001:db8::1]:1195' --auth sha512 --out multi.ovpn
grep -A3 -x 'remote gw1.example.com 1194 udp' multi.ovpn | tr '\n' '|' |
    grep -qx 'remote gw1.example.com 1194 udp|remote gw2.example.com 443 tcp|remote 2001:db8::1 1195 udp|remote-random|' &&
    grep -qx 'auth SHA512' multi.ovpn || { cat multi.ovpn; fail "multi-remote profile"; }
ok
refuse 2 'at least one --remote' -d "$db" export client1 --os linux
refuse 2 -- '--os is needed' -d "$db" export client1 --remote h
refuse 2 'unknown --os' -d "$db" export client1 --os beos --remote h
refuse 2 'port' -d "$db" export client1 --os linux --remote h:99999
refuse 2 'server.s auth' -d "$db" export client1 --os linux --remote h --auth MD5
refuse 1 'server certificate' -d "$db" export server --os linux --remote h
refuse 1 'no valid certificate' -d "$db" export client2x --os linux --remote h

# The OpenVPN 2.6 option parser accepts the profiles (--show-ciphers
# parses the whole config and checks that the up/down scripts exist,
# then exits before connecting).  Windows's block-outside-dns exists only
# in Windows builds: parse the rest.
if command -v openvpn >/dev/null; then
	if [[ ! -x /etc/openvpn/update-resolv-conf ]]; then
		echo "note: no /etc/openvpn/update-resolv-conf (not Debian?): linux profile parsed without up/down"
		grep -Ev '^(up|down) ' client1-linux.ovpn >linux-rest.ovpn
		mv linux-rest.ovpn client1-linux.ovpn
	fi
	for os in linux macos android ios; do
		openvpn --config "client1-$os.ovpn" --show-ciphers >/dev/null 2>parse.err ||
		    { cat parse.err; fail "openvpn rejects the $os profile"; }
	done
	grep -vx 'block-outside-dns' client1-windows.ovpn >win-rest.ovpn
	openvpn --config win-rest.ovpn --show-ciphers >/dev/null 2>parse.err ||
	    { cat parse.err; fail "openvpn rejects the windows profile"; }
	ok
else
	echo "note: openvpn not installed, profiles not parsed"
fi

# --- tls-crypt, tls-crypt-v2 ----------------------------------------------
# pem_bytes FILE: the length of the first PEM block's contents.
pem_bytes()
{
	python3 - "$1" <<'EOF'
import base64, sys
t = open(sys.argv[1]).read().split("-----")
print(len(base64.b64decode("".join(t[2].split()))))
EOF
}
# shape FILE: the key file with every key line blanked (hex or base64).
shape() { sed -E 's/^[0-9a-f]{32}$/HEX/; s/^[A-Za-z0-9+\/=]{4,64}$/B64/' "$1"; }

refuse 1 'No such file.*gen-tls-crypt\)' -d "$db" export client1 --os linux \
    --remote h --wrap tls-crypt
run -d "$db" gen-tls-crypt
grep -qx "  server: tls-crypt $db/tc.key" out || { cat out; fail "gen-tls-crypt: server line"; }
[[ $(mode "$db/tc.key") == 600 ]] || fail "tc.key mode"
[[ $(grep -c '^[0-9a-f]\{32\}$' "$db/tc.key") -eq 16 ]] || fail "tc.key format"
cmp -s "$db/tc.key" "$db/ta.key" && fail "tc.key is ta.key"
sum=$(sha256sum <"$db/tc.key")
refuse 1 'tc.key exists.*--force' -d "$db" gen-tls-crypt
[[ $(sha256sum <"$db/tc.key") == "$sum" ]] || fail "gen-tls-crypt overwrote tc.key"
run -d "$db" gen-tls-crypt --force
[[ $(sha256sum <"$db/tc.key") != "$sum" && $(mode "$db/tc.key") == 600 ]] ||
    fail "gen-tls-crypt --force"
ok

refuse 1 'tls-crypt-v2-server.key: No such file.*gen-tls-crypt-v2\)' \
    -d "$db" gen-tls-crypt-v2-client client1
run -d "$db" gen-tls-crypt-v2
v2srv=$db/tls-crypt-v2-server.key
grep -qx "  server: tls-crypt-v2 $v2srv" out || { cat out; fail "gen-tls-crypt-v2: server line"; }
[[ $(mode "$v2srv") == 600 ]] || fail "server key mode"
head -n 1 "$v2srv" | grep -qx -- '-----BEGIN OpenVPN tls-crypt-v2 server key-----' &&
    [[ $(pem_bytes "$v2srv") -eq 128 ]] || { cat "$v2srv"; fail "server key format"; }
sum=$(sha256sum <"$v2srv")
refuse 1 'tls-crypt-v2-server.key exists.*--force' -d "$db" gen-tls-crypt-v2
[[ $(sha256sum <"$v2srv") == "$sum" ]] || fail "gen-tls-crypt-v2 overwrote the key"
run -d "$db" gen-tls-crypt-v2 --force
[[ $(sha256sum <"$v2srv") != "$sum" && $(mode "$v2srv") == 600 ]] ||
    fail "gen-tls-crypt-v2 --force"
json "$db" '
k = d["wrap_keys"]
assert k["tls-auth"].endswith("/ta.key") and k["tls-crypt"].endswith("/tc.key"), k
assert k["tls-crypt-v2"].endswith("/tls-crypt-v2-server.key"), k' ||
    fail "list --json wrap_keys"
run -d "$db" list
grep -qx "control-channel keys: tls-auth $db/ta.key, tls-crypt $db/tc.key, tls-crypt-v2 $v2srv" out ||
    { cat out; fail "list: control-channel keys"; }
ok

# Several keys: export must be told which one the gateway uses.
refuse 2 'several control-channel keys \(ta.key, tc.key, tls-crypt-v2-server.key\).*--wrap' \
    -d "$db" export client1 --os linux --remote 10.99.1.1
refuse 2 'unknown --wrap' -d "$db" export client1 --os linux --remote h --wrap secret
run -d "$db" export client1 --os linux --remote 10.99.1.1:1194/udp --wrap tls-auth --out ta.ovpn
cmp -s ta.ovpn client1-linux.ovpn || fail "--wrap tls-auth differs from the default"
grep -qx "mcnca: the gateway needs \"tls-auth $db/ta.key 0\" and \"auth SHA256\"" err ||
    { cat err; fail "export: the gateway's tls-auth line"; }
run -d "$db" export client1 --os android --remote 10.99.1.1 --wrap tls-crypt --out tc.ovpn
[[ $(mode tc.ovpn) == 600 ]] || fail "tls-crypt profile mode"
diff <(block tls-crypt tc.ovpn) <(sed -n '/^-----BEGIN/,$p' "$db/tc.key") >/dev/null ||
    fail "<tls-crypt> is not tc.key"
! grep -Eq '^key-direction|^<tls-auth>|^<tls-crypt-v2>' tc.ovpn ||
    fail "tls-crypt profile: key-direction or another wrap"
grep -qx "mcnca: the gateway needs \"tls-crypt $db/tc.key\"" err ||
    { cat err; fail "export: the gateway's tls-crypt line"; }
for os in linux ios; do
	run -d "$db" export client1 --os $os --remote 10.99.1.1 --wrap tls-crypt-v2 \
	    --out "v2-$os.ovpn"
	block tls-crypt-v2 "v2-$os.ovpn" >"v2-$os.key"
	! grep -Eq '^key-direction|^<tls-auth>|^<tls-crypt>' "v2-$os.ovpn" ||
	    fail "tls-crypt-v2 profile: key-direction or another wrap"
done
grep -qx "mcnca: the gateway needs \"tls-crypt-v2 $v2srv\"" err ||
    { cat err; fail "export: the gateway's tls-crypt-v2 line"; }
# A fresh client key per export; metadata {"mcnca":1,"cn":"client1",
# "serial":S,"created":T} (USER type): Kc 256 + tag 32 + Kc 256 + 1 +
# metadata + length 2 bytes.
client1_serial=$(awk '$1 == "client1" { print $2 }' serials)
meta_len=$(( ${#client1_serial} + $(printf '%s' '{"mcnca":1,"cn":"client1","serial":"","created":"2026-01-01T00:00:00Z"}' | wc -c) ))
want=$((256 + 32 + 256 + 1 + meta_len + 2))
for k in v2-linux.key v2-ios.key; do
	head -n 1 "$k" | grep -qx -- '-----BEGIN OpenVPN tls-crypt-v2 client key-----' ||
	    fail "$k: not a client key"
	[[ $(pem_bytes "$k") -eq $want ]] || fail "$k: $(pem_bytes "$k") bytes, want $want"
done
cmp -s v2-linux.key v2-ios.key && fail "two exports share a client key"
! grep -q 'server key' v2-linux.ovpn || fail "the server key is in a profile"
ok
# gen-tls-crypt-v2-client: the same kind of key, to a file or stdout
run -d "$db" gen-tls-crypt-v2-client client1 --out c1.key
[[ $(mode c1.key) == 600 && $(pem_bytes c1.key) -eq $want ]] ||
    fail "gen-tls-crypt-v2-client --out"
grep -q 'wrote c1.key (tls-crypt-v2 client key for "client1")' err || fail "client key: stderr"
run -d "$db" gen-tls-crypt-v2-client client2
grep -q -- '-----END OpenVPN tls-crypt-v2 client key-----' out || fail "client key on stdout"
refuse 1 'server certificate' -d "$db" gen-tls-crypt-v2-client server
refuse 1 'no valid certificate named "nosuch"' -d "$db" gen-tls-crypt-v2-client nosuch
refuse 2 'one NAME' -d "$db" gen-tls-crypt-v2-client
ok
# A database with one key: export takes it without --wrap.
for k in tc v2; do
	cp -a "$db" "$work/only-$k"
	rm -f "$work/only-$k/ta.key"
	if [[ $k == tc ]]; then
		rm "$work/only-$k/tls-crypt-v2-server.key"
	else
		rm "$work/only-$k/tc.key"
	fi
	run -d "$work/only-$k" export client1 --os macos --remote h --out "only-$k.ovpn"
done
grep -qx '<tls-crypt>' only-tc.ovpn && grep -qx '<tls-crypt-v2>' only-v2.ovpn ||
    fail "export without --wrap in a one-key database"
rm -f "$work/only-tc/tc.key"
refuse 1 'no control-channel key.*gen-tls-auth, gen-tls-crypt or gen-tls-crypt-v2' \
    -d "$work/only-tc" export client1 --os linux --remote h
# A damaged server key is named, not inlined
printf 'garbage\n' >"$work/only-v2/tls-crypt-v2-server.key"
refuse 1 'only-v2/tls-crypt-v2-server.key: no valid' -d "$work/only-v2" \
    export client1 --os linux --remote h
ok

if command -v openvpn >/dev/null; then
	# Our files have the shape of openvpn --genkey's; openvpn reads our
	# server key (it wraps a client key of its own with it), and with the
	# same metadata its client key has the size and shape of ours.
	openvpn --genkey tls-crypt ovpn-tc.key >/dev/null
	openvpn --genkey tls-crypt-v2-server ovpn-v2srv.key >/dev/null
	diff <(shape ovpn-tc.key | sed 1,3d) <(shape "$db/tc.key" | sed 1,3d) ||
	    fail "tc.key differs in shape from openvpn --genkey tls-crypt"
	diff <(shape ovpn-v2srv.key) <(shape "$v2srv") ||
	    fail "the server key differs in shape from openvpn's"
	meta=$(printf '{"mcnca":1,"cn":"client1","serial":"%s","created":"2026-01-01T00:00:00Z"}' \
	    "$client1_serial" | base64 -w0)
	openvpn --tls-crypt-v2 "$v2srv" --genkey tls-crypt-v2-client ovpn-c1.key \
	    "$meta" >genkey.out 2>&1 || { cat genkey.out; fail "openvpn refuses our server key"; }
	[[ $(pem_bytes ovpn-c1.key) -eq $want ]] ||
	    fail "openvpn's client key with our metadata: $(pem_bytes ovpn-c1.key) bytes, ours $want"
	diff <(shape ovpn-c1.key) <(shape v2-linux.key) ||
	    fail "our client key differs in shape from openvpn's"
	for f in tc.ovpn v2-linux.ovpn v2-ios.ovpn; do
		grep -Ev '^(up|down) ' "$f" >parse.ovpn
		openvpn --config parse.ovpn --show-ciphers >/dev/null 2>parse.err ||
		    { cat parse.err; fail "openvpn rejects $f"; }
	done
	ok
fi

# --- corrupt index, missing database --------------------------------------
cp -a "$db" "$work/broken"
printf '{"version": 1, "ca": ' >"$work/broken/index.json"
refuse 1 'broken/index.json: not valid JSON: line 1' -d "$work/broken" list
refuse 1 'broken/index.json' -d "$work/broken" --pass-file pass issue-client x
python3 - "$db/index.json" >"$work/broken/index.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["certs"][1]["serial"] = d["certs"][0]["serial"]
json.dump(d, sys.stdout)
EOF
refuse 1 'index.json: certs\[1\]: serial .* used twice' -d "$work/broken" list
refuse 1 'nowhere is not a mcnca CA database' -d "$work/nowhere" list
[[ ! -e $work/nowhere ]] || fail "list created the directory"
mkdir "$work/empty"
refuse 1 'empty is not a mcnca CA database' -d "$work/empty" export x --os linux --remote h
[[ ! -e $work/empty/.lock ]] || fail "a lock file in a directory that is no database"
refuse 2 'no CA database' list
ok

# --- expired CA -----------------------------------------------------------
# Re-sign the CA certificate (same key, name and serial) with a validity
# in the past: mcnca must refuse to sign with it.
cp -a "$db" "$work/old"
ca_serial=$(json "$db" 'print(d["ca"]["serial"])')
mkdir x && : >x/index.txt && echo "$ca_serial" >x/serial
cat >x/cnf <<'EOF'
[ca]
default_ca = d
[d]
database = x/index.txt
serial = x/serial
new_certs_dir = x
default_md = sha256
policy = p
[p]
commonName = supplied
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
openssl pkey -in "$db/ca.key" -passin file:pass -out x/ca.key
openssl req -new -key x/ca.key -subj '/CN=Test CA' -out x/ca.csr
openssl ca -batch -config x/cnf -selfsign -keyfile x/ca.key -in x/ca.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -extensions ext \
    -notext -out "$work/old/ca.crt" 2>/dev/null
refuse 1 'CA certificate .*/old/ca.crt expired on 2020-02-01' -d "$work/old" --pass-file pass issue-client late
refuse 1 'expired on 2020-02-01' -d "$work/old" --pass-file pass gen-crl

# A leaf does not outlive its CA: --days is cut to the CA's end.
run -d "$work/short-ca" init --pass-file pass --days 10
run -d "$work/short-ca" issue-client c --days 100 --pass-file pass
grep -q 'ends with the CA' err || fail "no note about the shortened validity"
[[ $(openssl x509 -in "$work/short-ca/issued/c.crt" -noout -enddate) == \
   $(openssl x509 -in "$work/short-ca/ca.crt" -noout -enddate) ]] || fail "leaf outlives CA"
ok

# --- the lock -------------------------------------------------------------
# Concurrent writers serialise: every one of them lands in the index.
run -d "$work/conc" init --pass-file pass
pids=()
for i in 1 2 3 4 5 6; do
	"$mcnca" -d "$work/conc" --pass-file pass issue-client "p$i" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent issue failed"; done
json "$work/conc" 'assert sorted(c["name"] for c in d["certs"]) == ["p%d" % i for i in range(1, 7)], d
assert d["crl"] is None, d["crl"]' ||
    fail "concurrent issues lost an update"
ok
if command -v flock >/dev/null; then
	# a reader waits while a writer holds the lock, and says so
	flock "$work/conc/.lock" sleep 1.5 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	run -d "$work/conc" list
	waited=$(( ($(date +%s%N) - start) / 1000000 ))
	wait "$holder"
	grep -q 'locked by another mcnca; waiting' err && [[ $waited -ge 800 ]] ||
	    fail "list did not wait for the lock (${waited} ms)"
	ok
fi
[[ -z $(find "$db" "$work/conc" -name '*.tmp.*') ]] || fail "temporary files left"

echo "PASS: $checks checks"
