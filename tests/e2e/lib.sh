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
# PKI live in $RIG_WORK, kept on failure and removed on success (set
# MCN_E2E_KEEP=1 to keep it always).
#
# Addresses: only 10.99.0.0/16 inside namespaces the rig creates.

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
NS_CLIENT='' NS_GW='' NS_INET=''
BG_PID=''			# set by start_bg
SERVER_PID='' SERVER_LOG=''
SERVER_WRAP=()		# prefix for the server command, e.g. (taskset -c 1)
SERVER_CONF_SET=()	# "directive args" lines a test sets in server.conf
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
	(cd "$RIG_WORK" && exec ip netns exec "$ns" "$@") >"$log" 2>&1 &
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
	if [[ $rc -eq 0 && ${MCN_E2E_KEEP:-0} != 1 ]]; then
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

# conf_set FILE DIRECTIVE [ARGS]: replaces the directive, or appends it.
conf_set()
{
	local file=$1 dir=$2

	shift 2
	conf_del "$file" "$dir"
	echo "$dir${*:+ $*}" >>"$file"
}

# rig_server_conf: writes the configuration for $MCN_SERVER into
# $RIG_WORK, with the test's SERVER_CONF_SET lines, and prints its path.
rig_server_conf()
{
	local conf=$RIG_WORK/server-$MCN_SERVER.conf line

	cp "$RIG_LIB_DIR/server.conf" "$conf"
	for line in "${SERVER_CONF_SET[@]}"; do
		# shellcheck disable=SC2086 # split "directive args"
		conf_set "$conf" $line
	done
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
# "lport 21001" (which also drops nobind).  Prints the path.
rig_client_conf()
{
	local conf=$RIG_WORK/$1.conf cert=$2 line

	shift 2
	cp "$RIG_LIB_DIR/client.conf" "$conf"
	conf_set "$conf" cert "$cert.crt"
	conf_set "$conf" key "$cert.key"
	for line in "$@"; do
		[[ $line == lport\ * ]] && conf_del "$conf" nobind
		# shellcheck disable=SC2086 # split "directive args"
		conf_set "$conf" $line
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
	SERVER_LOG=$RIG_WORK/server-$MCN_SERVER.log
	if [[ $MCN_SERVER == openvpn ]]; then
		run_in gw sysctl -qw net.ipv4.ip_forward=1
		run_in gw nft -f - <<-EOF
		table ip mcn_rig_nat {
			chain postrouting {
				type nat hook postrouting priority srcnat;
				ip saddr $RIG_TUN_NET oifname "$RIG_EXIT_IF" masquerade
			}
		}
		EOF
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

# rig_wait_daemon TIMEOUT: mycrypnetd logged its ready line or bound its
# port, and is still running.
rig_wait_daemon()
{
	local i

	for ((i = 0; i <= $1 * 10; i++)); do
		pid_alive "$SERVER_PID" || return 1
		grep -q "Initialization Sequence Completed" "$SERVER_LOG" &&
		    return 0
		wait_listen gw udp "$RIG_GW_ADDR:$RIG_PORT" 0 && return 0
		sleep 0.1
	done
	return 1
}

# rig_client_start NAME CONF: starts an openvpn client (behind
# CLIENT_WRAP) in the client namespace, log $RIG_WORK/NAME.log; pid in
# BG_PID.
rig_client_start()
{
	start_bg client "$RIG_WORK/$1.log" "${CLIENT_WRAP[@]}" \
	    openvpn --config "$2"
}
