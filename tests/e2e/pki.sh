#!/bin/bash
#
# pki.sh -- a throw-away PKI for the netns tests, made with the openssl CLI.
#
#   pki.sh DIR [NCLIENTS]        (NCLIENTS defaults to 1)
#
# Environment: MCN_PKI_ALG=ec (default, P-256) or rsa (RSA-2048).
#
# Writes into DIR (created if missing; existing files are overwritten):
#   ca.crt ca.key              the CA (CA:TRUE, keyCertSign + cRLSign)
#   server.crt server.key      CN=server, KU digitalSignature,keyEncipherment,
#                              EKU serverAuth
#   clientN.crt clientN.key    CN=clientN (1..NCLIENTS), KU digitalSignature,
#                              EKU clientAuth
#   revoked.crt revoked.key    like a good client, but listed in crl.pem
#   crl.pem                    CRL signed by the CA listing "revoked"
#   crl-empty.pem              CRL signed by the CA listing nothing
#   foreign.crt foreign.key    a client certificate issued by other-ca
#   other-ca.crt other-ca.key  that other CA (not trusted by the server)
#   srvonly.crt srvonly.key    issued by the CA, EKU serverAuth only
#   ta.key                     tls-auth key (openvpn --genkey secret)
#   wrong-ta.key               a second, unrelated tls-auth key
#
# Certificates are valid from now for VALID_DAYS; both CRLs have
# nextUpdate VALID_DAYS ahead, since OpenSSL (and thus openvpn
# --crl-verify) rejects a CRL past its nextUpdate with "CRL has expired".  Scratch files
# (the openssl ca database) live in DIR/.ca and can be ignored.
set -euo pipefail

readonly VALID_DAYS=30

usage()
{
	echo "usage: $0 DIR [NCLIENTS]" >&2
	exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
dir=$1
nclients=${2:-1}
[[ $nclients =~ ^[0-9]+$ ]] || usage
alg=${MCN_PKI_ALG:-ec}
case $alg in
ec|rsa) ;;
*)	echo "$0: MCN_PKI_ALG must be ec or rsa, not '$alg'" >&2; exit 2 ;;
esac

command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }
command -v openvpn >/dev/null || { echo "$0: openvpn not found" >&2; exit 1; }

mkdir -p "$dir/.ca"
cd "$dir"

# One config serves the extension sections for "x509 -req" and the
# database for "ca -revoke / -gencrl".  The database is reset on every
# run so a rerun into the same DIR starts clean.
: >.ca/index.txt
echo 1000 >.ca/crlnumber
cat >.ca/openssl.cnf <<'EOF'
[ ca ]
default_ca = ca_default

[ ca_default ]
dir = .ca
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = ca.crt
private_key = ca.key
default_md = sha256
default_crl_days = 30
unique_subject = no

[ req ]
distinguished_name = req_dn
[ req_dn ]

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_server ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ v3_client ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ v3_srvonly ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ crl_ext ]
authorityKeyIdentifier = keyid
EOF
readonly cnf=.ca/openssl.cnf

serial=1

# quiet CMD...: runs CMD, showing its chatter only if it fails.
quiet()
{
	local out

	if ! out=$("$@" 2>&1); then
		printf '%s: failed: %s\n%s\n' "$0" "$*" "$out" >&2
		return 1
	fi
}

# newkey NAME: a private key in NAME.key, mode 0600.
newkey()
{
	local args

	if [[ $alg == ec ]]; then
		args=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
	else
		args=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048)
	fi
	(umask 077 && quiet openssl genpkey "${args[@]}" -out "$1.key")
}

# newca NAME CN: a self-signed CA in NAME.crt / NAME.key.
newca()
{
	newkey "$1"
	quiet openssl req -new -x509 -config "$cnf" -extensions v3_ca \
	    -key "$1.key" -subj "/CN=$2" -days "$VALID_DAYS" \
	    -set_serial "$serial" -sha256 -out "$1.crt"
	serial=$((serial + 1))
}

# issue NAME EXT [CA]: a leaf with CN=NAME and extension section EXT,
# signed by CA (default "ca").
issue()
{
	local name=$1 ext=$2 ca=${3:-ca}

	newkey "$name"
	quiet openssl req -new -config "$cnf" -key "$name.key" -subj "/CN=$name" \
	    -out ".ca/$name.csr"
	quiet openssl x509 -req -in ".ca/$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
	    -set_serial "$serial" -days "$VALID_DAYS" \
	    -sha256 -extfile "$cnf" -extensions "$ext" -out "$name.crt"
	serial=$((serial + 1))
}

newca ca "MyCrypNet test CA"
newca other-ca "Some other CA"

issue server v3_server
for ((i = 1; i <= nclients; i++)); do
	issue "client$i" v3_client
done
issue revoked v3_client
issue foreign v3_client other-ca
issue srvonly v3_srvonly

# The empty CRL first, then revoke and issue the real one.
quiet openssl ca -config "$cnf" -gencrl -crlexts crl_ext \
    -crldays "$VALID_DAYS" -out crl-empty.pem
quiet openssl ca -config "$cnf" -revoke revoked.crt -crl_reason keyCompromise
quiet openssl ca -config "$cnf" -gencrl -crlexts crl_ext \
    -crldays "$VALID_DAYS" -out crl.pem

for crl in crl-empty.pem crl.pem; do
	quiet openssl crl -in "$crl" -CAfile ca.crt -noout
done

(umask 077 && quiet openvpn --genkey secret ta.key &&
    quiet openvpn --genkey secret wrong-ta.key)
