#!/usr/bin/env bash
# Installs what building and testing mycrypnetd needs, from Debian 12's
# own archive.  Idempotent; needs root.
set -euo pipefail

PKGS=(
	build-essential autoconf automake libtool pkg-config
	libssl-dev libevent-dev libnl-3-dev libnl-route-3-dev libnl-nf-3-dev
	libjansson-dev check libnftables-dev
	openvpn iproute2 nftables iperf3 tcpdump iputils-ping procps
	openssl python3
	clang libclang-rt-14-dev systemd groff-base
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
