# shellcheck shell=bash
#
# lib.sh -- the netns rig for the end-to-end tests and the benchmark.
# Source it from a bash script running with `set -euo pipefail`.
#
#   client ns                 gw ns                            inet ns
#   mcn-client-PID-N          mcn-gw-PID-N                     mcn-inet-PID-N
#  +----------------+       +------------------------------+  +----------------+
#  | openvpn client |       | server: openvpn | mycrypnetd  |  | "the Internet" |
#  |   tun0         |       |   udp 10.99.1.1:1194         |  |  iperf3 -s     |
#  |   10.99.8.x/24 |       |   tun0 10.99.8.1/24          |  |                |
#  |                |       |                              |  |                |
#  | veth0          |-------| cli0                  exit0  |--| veth0          |
#  | 10.99.1.2/24   |       | 10.99.1.1/24   10.99.2.1/24  |  | 10.99.2.2/24   |
#  +----------------+       +------------------------------+  +----------------+
#   default via 10.99.1.1    forwarding on, and               only 10.99.2.0/24:
#                            masquerade 10.99.8.0/24 -> exit0 no route back to the
#                                                             client or tunnel nets
#
# The inet host can answer only what reaches it NATed to 10.99.2.1, so a
# reply proves the tunnel, the forwarding and the masquerade together.
#
# Options (set before rig_up):
#   RIG_IPV6=1     IPv6 too: fd00:99:1::2/64 client -- fd00:99:1::1/64 gw,
#                  gw fd00:99:2::1/64 -- fd00:99:2::2/64 inet; the client
#                  routes ::/0 via the gw, the inet host only its own /64
#                  (no way back to the tunnel's fd00:99:8::/64).  For
#                  openvpn the rig adds forwarding and a NAT66 masquerade
#                  of fd00:99:8::/64 out of exit0.
# And after it:
#   rig_up_client2 a second client namespace (NS_CLIENT2, "client2" for
#                  run_in), veth0 10.99.3.2/24 [fd00:99:3::2/64] to gw cli1
#                  10.99.3.1/24 [fd00:99:3::1/64], default via gw: two
#                  clients that must not share tun devices or addresses.
#
# Which server runs in gw is chosen by MCN_SERVER:
#   mycrypnetd (default)  $MCN_TOP_BUILDDIR/server/mycrypnetd --config FILE;
#                         it enables forwarding and sets up the NAT itself
#                         (exit-interface), so the rig leaves both off.
#   openvpn               OpenVPN 2.6 with the same file minus exit-interface
#                         plus remote-cert-tls client and disable-dco; the
#                         rig turns on forwarding and adds the nft masquerade.
#
# Every process the rig starts is recorded by pid and stopped by pid; the
# namespaces carry this shell's pid in their names so parallel runs do not
# collide, and an EXIT trap removes them on every path out.  Logs and the
# PKI live in $RIG_WORK, kept on failure and removed on success or skip (set
# MCN_E2E_KEEP=1 to keep it always).
#
# Addresses: only 10.99.0.0/16 and fd00::/8 inside namespaces the rig
# creates.

RIG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MCN_TOP_SRCDIR=${MCN_TOP_SRCDIR:-$(cd "$RIG_LIB_DIR/../.." && pwd)}
MCN_TOP_BUILDDIR=${MCN_TOP_BUILDDIR:-$MCN_TOP_SRCDIR}
MCN_SERVER=${MCN_SERVER:-mycrypnetd}
MCN_DAEMON=${MCN_DAEMON:-$MCN_TOP_BUILDDIR/server/mycrypnetd}

readonly RIG_CLIENT_ADDR=10.99.1.2
readonly RIG_GW_ADDR=10.99.1.1
readonly RIG_EXIT_ADDR=10.99.2.1
readonly RIG_INET_ADDR=10.99.2.2
readonly RIG_TUN_NET=10.99.8.0/24
readonly RIG_PORT=1194
readonly RIG_CLIENT2_ADDR=10.99.3.2
readonly RIG_GW2_ADDR=10.99.3.1
readonly RIG_CLIENT_ADDR6=fd00:99:1::2
readonly RIG_GW_ADDR6=fd00:99:1::1
readonly RIG_EXIT_ADDR6=fd00:99:2::1
readonly RIG_INET_ADDR6=fd00:99:2::2
readonly RIG_TUN_NET6=fd00:99:8::/64
readonly RIG_CLIENT2_ADDR6=fd00:99:3::2
readonly RIG_GW2_ADDR6=fd00:99:3::1
RIG_IPV6=${RIG_IPV6:-0}
# The numbered UDP stream tool (tests/e2e/udpseq.c, built by make check).
RIG_UDPSEQ=${RIG_UDPSEQ:-$MCN_TOP_BUILDDIR/tests/e2e/udpseq}
# The gateway's interface towards "the Internet" (the demo names it eth0,
# as the example config expects).
RIG_EXIT_IF=${RIG_EXIT_IF:-exit0}

RIG_NAME=$(basename "$0" .sh)
RIG_WORK=${RIG_WORK:-$MCN_TOP_BUILDDIR/tests/e2e/work/$RIG_NAME.$$}
RIG_SEQ=0		# rig_up count, so one script can build several rigs
RIG_NS=()		# namespaces of the current rig
RIG_PIDS=()		# every background process, in start order
RIG_LOGS=()		# their logs, for the failure dump
RIG_DUMPED=0		# the failure dump was printed already
NS_CLIENT='' NS_GW='' NS_INET='' NS_CLIENT2=''
RIG_SKIPPED=()		# parts skipped: the daemon lacks a directive (rig_supported)
BG_PID=''			# set by start_bg
SERVER_PID='' SERVER_LOG=''
SERVER_WRAP=()		# prefix for the server command, e.g. (taskset -c 1)
SERVER_CONF_SET=()	# "directive args" lines a test sets in server.conf
RIG_SERVER_TAG=''	# if set, the server's conf and log are server-$MCN_SERVER-TAG.*
CLIENT_WRAP=()		# the same for openvpn clients

# --- reporting ----------------------------------------------------------

say()
{
	printf '[%3ds] %s\n' "$SECONDS" "$*"
}

skip()
{
	echo "SKIP: $*"
	exit 77
}

# dump_logs [FILE...]: the last lines of each (default: every log).
dump_logs()
{
	local f

	[[ $# -gt 0 ]] || set -- "${RIG_LOGS[@]}"
	for f in "$@"; do
		echo "---- last 25 lines of $f"
		if [[ -f $f ]]; then
			tail -n 25 "$f"
		else
			echo "(missing)"
		fi
	done
	echo "----"
	RIG_DUMPED=1
}

# fail MESSAGE [LOG...]: reports, shows the relevant logs (default all)
# and exits 1; the EXIT trap then takes the rig down.
fail()
{
	local msg=$1

	shift
	echo "FAIL: $msg"
	dump_logs "$@"
	# Again at the end: CI shows only the tail of a long log.
	echo "FAIL: $msg"
	exit 1
}

# --- prerequisites -------------------------------------------------------

rig_require()
{
	local c

	[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
	for c in ip openvpn iperf3 nft tcpdump ss openssl ping taskset; do
		command -v "$c" >/dev/null || skip "$c not installed"
	done
	[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
	case $MCN_SERVER in
	openvpn) ;;
	mycrypnetd)
		[[ -x $MCN_DAEMON ]] ||
		    skip "mycrypnetd not built ($MCN_DAEMON); set MCN_SERVER=openvpn for the baseline"
		;;
	*)	fail "MCN_SERVER must be openvpn or mycrypnetd, not '$MCN_SERVER'" ;;
	esac
}

# --- processes ----------------------------------------------------------

# ns_of NAME: client|gw|inet -> this rig's namespace; anything else as is.
ns_of()
{
	case $1 in
	client)	echo "$NS_CLIENT" ;;
	client2) echo "$NS_CLIENT2" ;;
	gw)	echo "$NS_GW" ;;
	inet)	echo "$NS_INET" ;;
	*)	echo "$1" ;;
	esac
}

# run_in NS CMD...: runs CMD in namespace NS (client, gw, inet or a name).
run_in()
{
	local ns

	ns=$(ns_of "$1")
	shift
	ip netns exec "$ns" "$@"
}

# start_bg NS LOGFILE CMD...: starts CMD in NS, in $RIG_WORK, stdout and
# stderr to LOGFILE; its pid (the command's own: ip netns exec and taskset
# exec) goes to BG_PID and the stop list.  Call it in this shell, not in
# $(...), or the pid would be recorded in a subshell.
start_bg()
{
	local ns log=$2

	ns=$(ns_of "$1")
	shift 2
	# Emptied here, not only by the background redirection: a caller
	# that reuses a log name must never read the previous run's lines.
	: >"$log"
	(cd "$RIG_WORK" && exec ip netns exec "$ns" "$@") >>"$log" 2>&1 &
	BG_PID=$!
	RIG_PIDS+=("$BG_PID")
	RIG_LOGS+=("$log")
}

# pid_alive PID: running (exited-but-unreaped children do not count).
pid_alive()
{
	local stat

	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# wait_exit PID TIMEOUT: 0 once PID has exited, 1 if still running.
wait_exit()
{
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID: SIGTERM, up to 5 s grace, then SIGKILL; reaps it.
stop_pid()
{
	local pid=$1

	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		wait_exit "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# stop_all: stops every recorded process, newest first.
stop_all()
{
	local i

	for ((i = ${#RIG_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${RIG_PIDS[i]}"
	done
	RIG_PIDS=()
}

# wait_for_log FILE PATTERN TIMEOUT [PID]: 0 once FILE matches the
# extended regex PATTERN; 1 after TIMEOUT seconds, or as soon as PID
# (the process writing FILE) has exited without it matching.
wait_for_log()
{
	local file=$1 pattern=$2 timeout=$3 pid=${4:-} i

	for ((i = 0; i <= timeout * 10; i++)); do
		grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
		if [[ -n $pid ]] && ! pid_alive "$pid"; then
			grep -Eq -- "$pattern" "$file" 2>/dev/null
			return
		fi
		sleep 0.1
	done
	return 1
}

# wait_listen NS tcp|udp ADDR:PORT TIMEOUT: 0 once a socket is bound there.
wait_listen()
{
	local ns=$1 proto=$2 addr=$3 timeout=$4 i flag=-tln

	[[ $proto == udp ]] && flag=-uln
	for ((i = 0; i <= timeout * 10; i++)); do
		run_in "$ns" ss -H "$flag" "src $addr" 2>/dev/null | grep -q . &&
		    return 0
		sleep 0.1
	done
	return 1
}

# --- topology -----------------------------------------------------------

# rig_up: the three namespaces of the diagram, wired and addressed, plus
# the EXIT trap.  Checks that the inet host really has no way back.
rig_up()
{
	local ns

	RIG_SEQ=$((RIG_SEQ + 1))
	RIG_LOGS=()
	NS_CLIENT=mcn-client-$$-$RIG_SEQ
	NS_GW=mcn-gw-$$-$RIG_SEQ
	NS_INET=mcn-inet-$$-$RIG_SEQ
	NS_CLIENT2=''
	mkdir -p "$RIG_WORK"
	set -E
	trap 'rig_err "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR
	trap rig_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	for ns in "$NS_CLIENT" "$NS_GW" "$NS_INET"; do
		ip netns add "$ns"
		RIG_NS+=("$ns")
		ip -n "$ns" link set lo up
	done

	# Created inside the namespaces, so the fixed names never meet in
	# the root namespace.
	ip -n "$NS_CLIENT" link add veth0 type veth peer name cli0 netns "$NS_GW"
	ip -n "$NS_GW" link add "$RIG_EXIT_IF" type veth peer name veth0 netns "$NS_INET"

	ip -n "$NS_CLIENT" addr add "$RIG_CLIENT_ADDR/24" dev veth0
	ip -n "$NS_CLIENT" link set veth0 up
	ip -n "$NS_CLIENT" route add default via "$RIG_GW_ADDR"

	ip -n "$NS_GW" addr add "$RIG_GW_ADDR/24" dev cli0
	ip -n "$NS_GW" addr add "$RIG_EXIT_ADDR/24" dev "$RIG_EXIT_IF"
	ip -n "$NS_GW" link set cli0 up
	ip -n "$NS_GW" link set "$RIG_EXIT_IF" up
	# A new namespace copies ip_forward from the host; start from off so
	# the server under test (or rig_server_start) must turn it on.
	run_in gw sysctl -qw net.ipv4.ip_forward=0

	ip -n "$NS_INET" addr add "$RIG_INET_ADDR/24" dev veth0
	ip -n "$NS_INET" link set veth0 up

	if run_in inet ip route get 10.99.8.2 >/dev/null 2>&1 ||
	    run_in inet ip route get "$RIG_CLIENT_ADDR" >/dev/null 2>&1; then
		fail "rig: the inet host has a route back to the client side"
	fi
	run_in client ping -c 1 -W 2 "$RIG_GW_ADDR" >/dev/null ||
	    fail "rig: client cannot reach the gateway on the veth"
	run_in gw ping -c 1 -W 2 "$RIG_INET_ADDR" >/dev/null ||
	    fail "rig: gateway cannot reach the inet host"
	[[ $RIG_IPV6 == 1 ]] && rig_up_ipv6
	return 0
}

# rig_up_ipv6: the IPv6 addresses and routes of RIG_IPV6=1 (rig_up calls
# it).  nodad: usable at once, no duplicate detection on a private link.
rig_up_ipv6()
{
	ip -n "$NS_CLIENT" addr add "$RIG_CLIENT_ADDR6/64" dev veth0 nodad
	ip -n "$NS_CLIENT" -6 route add default via "$RIG_GW_ADDR6"
	ip -n "$NS_GW" addr add "$RIG_GW_ADDR6/64" dev cli0 nodad
	ip -n "$NS_GW" addr add "$RIG_EXIT_ADDR6/64" dev "$RIG_EXIT_IF" nodad
	ip -n "$NS_INET" addr add "$RIG_INET_ADDR6/64" dev veth0 nodad
	run_in gw sysctl -qw net.ipv6.conf.all.forwarding=0
	if run_in inet ip -6 route get "${RIG_TUN_NET6%%/*}1000" \
	    >/dev/null 2>&1 ||
	    run_in inet ip -6 route get "$RIG_CLIENT_ADDR6" >/dev/null 2>&1
	then
		fail "rig: the inet host has an IPv6 route back to the client side"
	fi
	run_in client ping -6 -c 1 -W 2 "$RIG_GW_ADDR6" >/dev/null ||
	    fail "rig: client cannot reach the gateway over IPv6"
	run_in gw ping -6 -c 1 -W 2 "$RIG_INET_ADDR6" >/dev/null ||
	    fail "rig: gateway cannot reach the inet host over IPv6"
}

# rig_up_client2: the second client namespace (see the top), after rig_up.
rig_up_client2()
{
	NS_CLIENT2=mcn-client2-$$-$RIG_SEQ
	ip netns add "$NS_CLIENT2"
	RIG_NS+=("$NS_CLIENT2")
	ip -n "$NS_CLIENT2" link set lo up
	ip -n "$NS_CLIENT2" link add veth0 type veth peer name cli1 netns "$NS_GW"
	ip -n "$NS_CLIENT2" addr add "$RIG_CLIENT2_ADDR/24" dev veth0
	ip -n "$NS_CLIENT2" link set veth0 up
	ip -n "$NS_CLIENT2" route add default via "$RIG_GW2_ADDR"
	ip -n "$NS_GW" addr add "$RIG_GW2_ADDR/24" dev cli1
	ip -n "$NS_GW" link set cli1 up
	if [[ $RIG_IPV6 == 1 ]]; then
		ip -n "$NS_CLIENT2" addr add "$RIG_CLIENT2_ADDR6/64" dev veth0 nodad
		ip -n "$NS_CLIENT2" -6 route add default via "$RIG_GW2_ADDR6"
		ip -n "$NS_GW" addr add "$RIG_GW2_ADDR6/64" dev cli1 nodad
	fi
	# The server listens on the gw's other address: local delivery.
	run_in client2 ping -c 1 -W 2 "$RIG_GW_ADDR" >/dev/null ||
	    fail "rig: client2 cannot reach the gateway's $RIG_GW_ADDR"
}

# rig_down: stops every process, kills whatever is left inside our
# namespaces (only processes this script started can be there), and
# deletes them.  Safe to call twice.
rig_down()
{
	local ns pid

	stop_all
	for ns in "${RIG_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	RIG_NS=()
}

# rig_err COMMAND WHERE: names the command set -e is about to exit on.
rig_err()
{
	local rc=$?

	echo "error: '$1' failed (status $rc) at $2" >&2
	return "$rc"
}

rig_exit()
{
	local rc=$?

	trap - EXIT INT TERM ERR
	set +e
	if [[ $rc -ne 0 && $rc -ne 77 && $RIG_DUMPED -eq 0 ]]; then
		echo "FAIL: exit status $rc"
		dump_logs
	fi
	rig_down
	if [[ ($rc -eq 0 || $rc -eq 77) && ${MCN_E2E_KEEP:-0} != 1 ]]; then
		rm -rf "$RIG_WORK"
		rmdir "$(dirname "$RIG_WORK")" 2>/dev/null
	elif [[ -d $RIG_WORK ]]; then
		echo "work directory kept: $RIG_WORK"
	fi
	exit "$rc"
}

# --- PKI and configurations ---------------------------------------------

# rig_pki NCLIENTS: pki.sh into $RIG_WORK; prints how long it took.
rig_pki()
{
	local t0 t1

	t0=$(date +%s%N)
	"$RIG_LIB_DIR/pki.sh" "$RIG_WORK" "$1" || fail "pki.sh failed"
	t1=$(date +%s%N)
	say "PKI ($1 clients, ${MCN_PKI_ALG:-ec}) generated in $(((t1 - t0) / 1000000)) ms"
}

# rig_pki_mcnca NCLIENTS: the PKI made by mcnca, the way an operator
# would: the CA database in $RIG_WORK/ca (its key never leaves it), and
# what the gateway needs copied next to the server config (ca.crt,
# server.crt, server.key, ta.key, crl.pem).  Sets MCNCA (the command with
# its database) for the test's own revoke/export calls.
rig_pki_mcnca()
{
	local t0 t1 i bin=$MCN_TOP_BUILDDIR/ca-tools/mcnca

	[[ -x $bin ]] || skip "ca-tools/mcnca is not built"
	export MCNCA_PASS="rig passphrase $$"
	MCNCA=("$bin" -d "$RIG_WORK/ca")
	t0=$(date +%s%N)
	{
		"${MCNCA[@]}" init --cn "MyCrypNet test CA" &&
		"${MCNCA[@]}" gen-tls-auth &&
		"${MCNCA[@]}" issue-server server &&
		for ((i = 1; i <= $1; i++)); do
			"${MCNCA[@]}" issue-client "client$i" || exit 1
		done &&
		"${MCNCA[@]}" gen-crl
	} >"$RIG_WORK/mcnca.log" 2>&1 || fail "mcnca failed" "$RIG_WORK/mcnca.log"
	rig_pki_publish
	t1=$(date +%s%N)
	say "PKI by mcnca ($1 clients) in $(((t1 - t0) / 1000000)) ms"
}

# rig_pki_publish: copies what the gateway needs from the CA database.
rig_pki_publish()
{
	local ca=$RIG_WORK/ca

	cp "$ca/ca.crt" "$ca/issued/server.crt" "$ca/private/server.key" \
	    "$ca/ta.key" "$ca/crl.pem" "$RIG_WORK/"
}

# conf_del FILE DIRECTIVE: removes the directive's lines.
conf_del()
{
	sed -i -E "/^[[:space:]]*$2([[:space:]]|\$)/d" "$1"
}

# conf_apply FILE LINE: "directive args" sets it (conf_set); "-directive"
# removes it (conf_del).
conf_apply()
{
	local file=$1 line=$2

	if [[ $line == -* ]]; then
		conf_del "$file" "${line#-}"
	else
		# shellcheck disable=SC2086 # split "directive args"
		conf_set "$file" $line
	fi
}

# conf_set FILE DIRECTIVE [ARGS]: replaces the directive, or appends it.
conf_set()
{
	local file=$1 dir=$2

	shift 2
	conf_del "$file" "$dir"
	echo "$dir${*:+ $*}" >>"$file"
}

# rig_server_conf: writes the configuration for $MCN_SERVER into
# $RIG_WORK, with the test's SERVER_CONF_SET lines ("directive args" to
# set, "-directive" to remove), and prints its path.
rig_server_conf()
{
	local conf line

	conf=$RIG_WORK/server-$MCN_SERVER${RIG_SERVER_TAG:+-$RIG_SERVER_TAG}.conf

	cp "$RIG_LIB_DIR/server.conf" "$conf"
	for line in "${SERVER_CONF_SET[@]}"; do
		conf_apply "$conf" "$line"
	done
	if [[ $MCN_SERVER == mycrypnetd ]]; then
		# Each test its own control socket: tests run in parallel.
		conf_set "$conf" control-socket "$RIG_WORK/control.sock"
	fi
	if [[ $MCN_SERVER == openvpn ]]; then
		conf_del "$conf" exit-interface
		# openvpn accepts a serverAuth-only client certificate
		# unless told; mycrypnetd refuses it without a directive.
		conf_set "$conf" remote-cert-tls client
		# Keep the data channel in this process so its CPU time
		# is the whole cost, as for mycrypnetd.
		conf_set "$conf" disable-dco
	fi
	echo "$conf"
}

# rig_client_conf NAME CERT [DIRECTIVE ARGS]...: $RIG_WORK/NAME.conf from
# client.conf with CERT.crt/CERT.key; each further argument is one
# "directive args" line to set, e.g. "tls-auth wrong-ta.key 1" or
# "lport 21001" (which also drops nobind), or "-directive" to remove one
# (e.g. "-tls-auth").  Prints the path.
rig_client_conf()
{
	local conf=$RIG_WORK/$1.conf cert=$2 line

	shift 2
	cp "$RIG_LIB_DIR/client.conf" "$conf"
	conf_set "$conf" cert "$cert.crt"
	conf_set "$conf" key "$cert.key"
	for line in "$@"; do
		[[ $line == lport\ * ]] && conf_del "$conf" nobind
		conf_apply "$conf" "$line"
	done
	echo "$conf"
}

# --- servers and clients ------------------------------------------------

# rig_server_start: starts $MCN_SERVER in gw (behind SERVER_WRAP), waits
# until it serves; sets SERVER_PID and SERVER_LOG.
rig_server_start()
{
	local conf

	conf=$(rig_server_conf)
	SERVER_LOG=$RIG_WORK/server-$MCN_SERVER${RIG_SERVER_TAG:+-$RIG_SERVER_TAG}.log
	if [[ $MCN_SERVER == openvpn ]]; then
		run_in gw sysctl -qw net.ipv4.ip_forward=1
		# Declared, flushed and filled: the same after a restart.
		run_in gw nft -f - <<-EOF
		table ip mcn_rig_nat {
			chain postrouting {
				type nat hook postrouting priority srcnat;
			}
		}
		flush table ip mcn_rig_nat
		table ip mcn_rig_nat {
			chain postrouting {
				ip saddr $RIG_TUN_NET oifname "$RIG_EXIT_IF" masquerade
			}
		}
		EOF
		[[ $RIG_IPV6 == 1 ]] && rig_openvpn_nat66
		start_bg gw "$SERVER_LOG" "${SERVER_WRAP[@]}" openvpn --config "$conf"
		SERVER_PID=$BG_PID
		wait_for_log "$SERVER_LOG" "Initialization Sequence Completed" \
		    10 "$SERVER_PID" ||
		    fail "openvpn server did not start" "$SERVER_LOG"
	else
		start_bg gw "$SERVER_LOG" "${SERVER_WRAP[@]}" "$MCN_DAEMON" --config "$conf"
		SERVER_PID=$BG_PID
		rig_wait_daemon 10 ||
		    fail "mycrypnetd did not start" "$SERVER_LOG"
	fi
	say "$MCN_SERVER serving (pid $SERVER_PID)"
}

# rig_openvpn_nat66: for OpenVPN with RIG_IPV6=1, what mycrypnetd does
# itself: IPv6 forwarding and the tunnel's /64 masqueraded out of exit0.
rig_openvpn_nat66()
{
	run_in gw sysctl -qw net.ipv6.conf.all.forwarding=1
	run_in gw nft -f - <<-EOF
	table ip6 mcn_rig_nat6 {
		chain postrouting {
			type nat hook postrouting priority srcnat;
		}
	}
	flush table ip6 mcn_rig_nat6
	table ip6 mcn_rig_nat6 {
		chain postrouting {
			ip6 saddr $RIG_TUN_NET6 oifname "$RIG_EXIT_IF" masquerade
		}
	}
	EOF
}

# rig_part TAG [SERVER-LINE...]: (re)starts the server for the next part
# of a test, tagged TAG (its files), with SERVER_CONF_SET=(SERVER-LINE...);
# 1 if mycrypnetd lacks a directive (rig_supported: the part is skipped).
rig_part()
{
	RIG_SERVER_TAG=$1
	shift
	SERVER_CONF_SET=("$@")
	rig_server_stop
	rig_supported "$RIG_SERVER_TAG${*:+: $*}" || return 1
	rig_server_start
}

# rig_server_stop: stops the server (SIGTERM, by pid) so a test can start
# it again with another configuration.
rig_server_stop()
{
	[[ -n $SERVER_PID ]] && rig_stop "$SERVER_PID"
	SERVER_PID=''
}

# rig_stop PID: stop_pid, and forget it (a pid is never signalled after
# its process is gone, when it may belong to someone else).
rig_stop()
{
	local i

	stop_pid "$1"
	for i in "${!RIG_PIDS[@]}"; do
		[[ ${RIG_PIDS[i]} == "$1" ]] && unset 'RIG_PIDS[i]'
	done
	RIG_PIDS=("${RIG_PIDS[@]}")
}

# rig_wait_daemon TIMEOUT: mycrypnetd logged its ready line or bound its
# port (on any address: "proto udp6" without "local" binds [::]), and is
# still running.
rig_wait_daemon()
{
	local i

	for ((i = 0; i <= $1 * 10; i++)); do
		pid_alive "$SERVER_PID" || return 1
		grep -q "Initialization Sequence Completed" "$SERVER_LOG" &&
		    return 0
		run_in gw ss -H -uln "sport = :$RIG_PORT" 2>/dev/null |
		    grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# rig_supported WHAT: 0 if $MCN_SERVER takes the configuration that
# rig_server_conf makes now (always, for openvpn).  If mycrypnetd refuses
# it as a directive or value it does not have (yet) -- "not supported",
# "unknown directive", "not implemented" -- WHAT and the daemon's words go
# to RIG_SKIPPED and it returns 1: the caller skips that part, and
# rig_pass then exits 77 naming it.  Any other refusal fails the test.
rig_supported()
{
	local conf out why

	[[ $MCN_SERVER == openvpn ]] && return 0
	conf=$(rig_server_conf)
	if out=$(cd "$RIG_WORK" && "$MCN_DAEMON" --check-config "$conf" 2>&1)
	then
		return 0
	fi
	why=$(grep -Eim 1 "not supported|unknown directive|not implemented|unsupported" <<<"$out") ||
	    fail "$1: mycrypnetd --check-config refused the configuration: $out" \
	    "$conf"
	why=${why#"$conf":}
	RIG_SKIPPED+=("$1 (${why#*: })")
	say "SKIP part: $1: mycrypnetd lacks it: ${why#*: }"
	return 1
}

# rig_pass: the end of a test: PASS (exit 0), or, when rig_supported
# skipped parts, SKIP (exit 77) naming each; everything else that ran
# passed.
rig_pass()
{
	local s

	if [[ ${#RIG_SKIPPED[@]} -eq 0 ]]; then
		say "PASS (MCN_SERVER=$MCN_SERVER)"
		exit 0
	fi
	say "all parts that ran passed (MCN_SERVER=$MCN_SERVER); skipped:"
	for s in "${RIG_SKIPPED[@]}"; do
		say "  $s"
	done
	skip "$MCN_SERVER lacks: ${RIG_SKIPPED[*]}"
}

# rig_client_start NAME CONF: starts an openvpn client (behind
# CLIENT_WRAP) in the client namespace, log $RIG_WORK/NAME.log; pid in
# BG_PID.
rig_client_start()
{
	rig_client_start_in client "$@"
}

# rig_client_start_in NS NAME CONF: the same in namespace NS (client2).
rig_client_start_in()
{
	start_bg "$1" "$RIG_WORK/$2.log" "${CLIENT_WRAP[@]}" \
	    openvpn --config "$3"
}

# rig_client_up NS NAME CERT [DIRECTIVE ARGS]...: a client from
# rig_client_conf, started in NS and waited for (20 s); pid in BG_PID.
rig_client_up()
{
	local ns=$1 name=$2 log=$RIG_WORK/$2.log

	shift 2
	rig_client_start_in "$ns" "$name" "$(rig_client_conf "$name" "$@")"
	wait_for_log "$log" "Initialization Sequence Completed" 20 "$BG_PID" ||
	    fail "$name did not connect" "$log" "$SERVER_LOG"
}

# rig_client_refused NS NAME CERT [DIRECTIVE ARGS]...: a client that must
# not get in: started with hand-window 3 and connect-retry-max 1 (so it
# gives up by itself) and the given options, it must not complete within
# 8 s; stopped after a refusal sign (AUTH_FAILED, a TLS error) or its
# exit.  REFUSED_LOG is its log.
rig_client_refused()
{
	local ns=$1 name=$2 pid

	shift 2
	REFUSED_LOG=$RIG_WORK/$name.log
	rig_client_start_in "$ns" "$name" "$(rig_client_conf "$name" "$@" \
	    "hand-window 3" "connect-retry-max 1")"
	pid=$BG_PID
	wait_for_log "$REFUSED_LOG" "Initialization Sequence Completed|Peer Connection Initiated|AUTH_FAILED|TLS Error|TLS_ERROR" \
	    8 "$pid" || true
	! grep -Eq "Initialization Sequence Completed|Peer Connection Initiated" \
	    "$REFUSED_LOG" ||
	    fail "$name was accepted" "$REFUSED_LOG" "$SERVER_LOG"
	rig_stop "$pid"
}

# rig_capture NS IFACE NAME FILTER: tcpdump into $RIG_WORK/NAME.pcap; pid
# in BG_PID once it listens.
rig_capture()
{
	local log=$RIG_WORK/$3.tcpdump.log

	start_bg "$1" "$log" tcpdump -i "$2" -n -U --immediate-mode -Z root \
	    -w "$RIG_WORK/$3.pcap" "$4"
	wait_for_log "$log" "listening on" 5 "$BG_PID" ||
	    fail "tcpdump did not start in $1" "$log"
}

# rig_count NAME FILTER: packets in NAME.pcap matching FILTER.
rig_count()
{
	tcpdump -r "$RIG_WORK/$1.pcap" -n "$2" 2>/dev/null | wc -l
}

# --- the numbered UDP stream (udpseq): in its own file --------------------

# shellcheck source=SCRIPTDIR/lib_stream.sh
. "$RIG_LIB_DIR/lib_stream.sh"
