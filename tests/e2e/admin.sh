#!/bin/bash
#
# admin.sh -- an admin's day with stock clients: privileges, mcnctl
# status/kick/reload, metrics, restart with the same address.
#
#   tests/e2e/admin.sh        (mycrypnetd; exit 0/1/77)
#
# The gateway runs as "user nobody" / "group nogroup" with two workers,
# server-ipv6, ifconfig-pool-persist and metrics-listen; its key and
# tls-auth key are root-only (0600), as an operator keeps them.
# 1. After start the daemon (every thread) runs as nobody:nogroup with
#    CAP_NET_ADMIN only, no_new_privs; anything it forked keeps no more
#    than CAP_DAC_READ_SEARCH.  The control socket is 0660 root:nogroup and
#    another user cannot use it.
# 2. client2 then client1 connect.  "mcnctl --json status" is checked
#    field by field against what the clients and the PKI say: CN, real
#    address, virtual IPv4/IPv6, bytes in/out (counted against a ping),
#    connected since, cipher, TLS version, key id and rekey times (client2
#    renegotiates every 4 s), worker, peer-id, IV_PLAT/IV_VER, certificate
#    serial; the header's uptime, clients, workers and CRL next-update.
#    The table shows the same rows; stats and /metrics count them.
# 3. Reload with both clients connected while a numbered UDP stream runs
#    through client1: a good change (push, keepalive, verb) by mcnctl
#    reload and by SIGHUP, a broken file (refused, with file and line, and
#    nothing changes), a restart-only change (port: reported "needs
#    restart", running value kept).  Zero datagrams lost, the same
#    sessions (connected since, peer-id) afterwards, no client restarted.
# 4. kick by CN in the middle of a renegotiation client2 started (it
#    reconnects, and gets the reloaded push), by
#    virtual IP (client1 reconnects), by ADDR:PORT with --halt (client2
#    stops); an unknown target is an error, exit status 1.
# 5. Restart (SIGTERM; clients told to reconnect): client1 comes back by
#    itself and gets its address back from the pool file, which the
#    daemon wrote as nobody.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"
readonly METRICS_PORT=9511
MCNCTL=$MCN_TOP_BUILDDIR/mcnctl/mcnctl

[[ $MCN_SERVER == mycrypnetd ]] || skip "admin tests mycrypnetd's own tools"
[[ -x $MCNCTL ]] || skip "mcnctl is not built"
if ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null
then
	skip "no user nobody / group nogroup on this system"
fi
command -v python3 >/dev/null || skip "python3 (for the JSON checks) missing"

rig_require
RIG_IPV6=1
rig_up
rig_up_client2
rig_pki_mcnca 2
for c in client1 client2; do
	cp "$RIG_WORK/ca/issued/$c.crt" "$RIG_WORK/ca/private/$c.key" "$RIG_WORK/"
done

# Root-only secrets, and a state directory the unprivileged daemon owns.
chmod 0600 "$RIG_WORK/server.key" "$RIG_WORK/ta.key"
! runuser -u nobody -- cat "$RIG_WORK/server.key" >/dev/null 2>&1 ||
    fail "precondition: nobody can read server.key"
mkdir "$RIG_WORK/state"
chown nobody:nogroup "$RIG_WORK/state"

SERVER_CONF_SET=(
	"server-ipv6 fd00:99:8::/64"
	"user nobody"
	"group nogroup"
	"workers 2"
	"ifconfig-pool-persist state/ipp.txt 1"
	"metrics-listen 127.0.0.1:$METRICS_PORT"
)
SOCK=$RIG_WORK/control.sock

# ctl ARGS...: mcnctl on this test's socket.
ctl()
{
	"$MCNCTL" -s "$SOCK" "$@"
}

# jget FILE PATH: one value from a JSON file.  PATH is dot-separated keys;
# "key=value" picks the one array element whose key has that value.
# Prints null for null, JSON for objects and lists.
jget()
{
	python3 - "$1" "$2" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for part in sys.argv[2].split("."):
	    if "=" in part:
	        k, v = part.split("=", 1)
	        m = [e for e in d if str(e.get(k)) == v]
	        if len(m) != 1:
	            print("<%d elements with %s>" % (len(m), part))
	            sys.exit(0)
	        d = m[0]
	    elif isinstance(d, dict) and part in d:
	        d = d[part]
	    else:
	        print("<no %s>" % part)
	        sys.exit(0)
	if d is None:
	    print("null")
	elif isinstance(d, (dict, list, bool)):
	    print(json.dumps(d))
	else:
	    print(d)
	EOF
}

# expect WHAT GOT WANT
expect()
{
	[[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'" "$RIG_WORK/status.json"
}

# expect_in WHAT GOT LOW HIGH: an integer in [LOW, HIGH].
expect_in()
{
	if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
		fail "$1: got '$2', want $3..$4" "$RIG_WORK/status.json"
	fi
}

# status: mcnctl --json status into status.json.
status()
{
	ctl --json status >"$RIG_WORK/status.json" ||
	    fail "mcnctl status failed" "$RIG_WORK/status.json"
}

# s CN FIELD: a session field from status.json.
s()
{
	jget "$RIG_WORK/status.json" "result.sessions.common_name=$1.$2"
}

# tun_addr NS 4|6: the client's tunnel address.
tun_addr()
{
	if [[ $2 == 4 ]]; then
		run_in "$1" ip -4 -o addr show dev tun0 | awk '{print $4}' |
		    cut -d/ -f1
	else
		run_in "$1" ip -6 -o addr show dev tun0 scope global |
		    awk '{print $4}' | cut -d/ -f1
	fi
}

# completed NAME: how often that client completed a connection.
completed()
{
	grep -c "$COMPLETED" "$RIG_WORK/$1.log" || true
}

# wait_completed NAME N: until the client completed N connections (20 s).
wait_completed()
{
	local i

	for ((i = 0; i < 200; i++)); do
		(($(completed "$1") >= $2)) && return 0
		sleep 0.1
	done
	fail "$1 did not complete connection $2" "$RIG_WORK/$1.log" "$SERVER_LOG"
}

# proc_field PID FIELD: a /proc/PID/status value, blanks squeezed.
proc_field()
{
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}

# metrics: the /metrics page, from inside the gateway's namespace.
metrics()
{
	run_in gw python3 -c "
import urllib.request
print(urllib.request.urlopen('http://127.0.0.1:$METRICS_PORT/metrics',
    timeout=5).read().decode())"
}

# --- 1. privileges ---------------------------------------------------------

rig_server_start
# Bound is not yet ready: the drop comes after the sockets are open.
wait_for_log "$SERVER_LOG" "$COMPLETED" 5 "$SERVER_PID" ||
    fail "mycrypnetd did not complete its start-up" "$SERVER_LOG"
NOBODY_UID=$(id -u nobody)
NOGROUP_GID=$(getent group nogroup | cut -d: -f3)
CAP_NET_ADMIN_MASK=0000000000001000
for task in /proc/"$SERVER_PID"/task/*; do
	t=${task##*/}
	u=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$task/status")
	g=$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "$task/status")
	expect "thread $t uids" "$u" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	expect "thread $t gids" "$g" "$NOGROUP_GID $NOGROUP_GID $NOGROUP_GID $NOGROUP_GID"
	expect "thread $t CapEff" "$(awk '$1 == "CapEff:" { print $2 }' \
	    "$task/status")" $CAP_NET_ADMIN_MASK
done
expect "daemon CapPrm" "$(proc_field "$SERVER_PID" CapPrm)" $CAP_NET_ADMIN_MASK
expect "daemon CapBnd" "$(proc_field "$SERVER_PID" CapBnd)" $CAP_NET_ADMIN_MASK
expect "daemon CapInh" "$(proc_field "$SERVER_PID" CapInh)" 0000000000000000
expect "daemon CapAmb" "$(proc_field "$SERVER_PID" CapAmb)" 0000000000000000
expect "daemon NoNewPrivs" "$(proc_field "$SERVER_PID" NoNewPrivs)" 1
expect "daemon supplementary groups" "$(proc_field "$SERVER_PID" Groups)" \
    "$NOGROUP_GID"
nthreads=$(proc_field "$SERVER_PID" Threads)
for child in $(pgrep -P "$SERVER_PID" || true); do
	eff=$(proc_field "$child" CapEff)
	((16#$eff & ~16#4)) &&
	    fail "child $child ($(cat "/proc/$child/comm")) has capabilities $eff"
	say "helper process $child ($(cat "/proc/$child/comm")): CapEff $eff"
done
expect "control socket mode and owner" \
    "$(stat -c '%a %U %G' "$SOCK")" "660 root nogroup"
if setpriv --reuid=daemon --regid=daemon --clear-groups \
    "$MCNCTL" -s "$SOCK" status >"$RIG_WORK/daemon-user.out" 2>&1; then
	fail "user daemon could use the control socket" "$RIG_WORK/daemon-user.out"
fi
say "daemon: $nthreads threads as nobody:nogroup, CapEff=CapPrm=CapBnd=" \
    "CAP_NET_ADMIN, no_new_privs; socket 0660 root:nogroup, refused to" \
    "user daemon ($(sed -n "1s/.*: //p" "$RIG_WORK/daemon-user.out"))"

# --- 2. status, field by field ---------------------------------------------

t_conn0=$(date +%s)
rig_client_up client2 client2 client2 "lport 41002" "reneg-sec 4"
C2PID=$BG_PID
rig_client_up client client1 client1 "lport 41001"
t_conn1=$(date +%s)
run_in client ping -c 3 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "client1 cannot reach the inet host" "$SERVER_LOG"

status
s1_in=$(s client1 bytes_in) s1_out=$(s client1 bytes_out)
# 20 echo requests of 84 bytes (IPv4 + ICMP + 56) out, 20 replies back.
run_in client ping -q -c 20 -i 0.05 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "ping through client1's tunnel lost packets"
# client2 renegotiates every 4 s: wait for its first new key.
for ((i = 0; i < 100; i++)); do
	status
	k=$(s client2 key_id)
	[[ $k =~ ^[1-7]$ ]] && break
	sleep 0.1
done
t_now=$(date +%s)
ctl status >"$RIG_WORK/status.txt" || fail "mcnctl status (table) failed"

expect "header clients" "$(jget "$RIG_WORK/status.json" result.clients)" 2
expect "header workers" "$(jget "$RIG_WORK/status.json" result.workers)" 2
expect "answer schema" "$(jget "$RIG_WORK/status.json" schema)" 1
expect "answer ok" "$(jget "$RIG_WORK/status.json" ok)" true
now=$(jget "$RIG_WORK/status.json" result.now)
expect_in "header now" "$now" $((t_now - 2)) $((t_now + 1))
expect_in "header uptime_s" "$(jget "$RIG_WORK/status.json" result.uptime_s)" \
    1 $((now - t_conn0 + 30))
crl_next=$(date -d "$(openssl crl -in "$RIG_WORK/crl.pem" -noout \
    -nextupdate | cut -d= -f2)" +%s)
expect "header crl_next_update" \
    "$(jget "$RIG_WORK/status.json" result.crl_next_update)" "$crl_next"

ovpn_ver=$(openvpn --version | awk 'NR == 1 { print $2 }')
workers_seen=''
for c in client1 client2; do
	case $c in
	client1) ns=client addr=$RIG_CLIENT_ADDR:41001 ;;
	client2) ns=client2 addr=$RIG_CLIENT2_ADDR:41002 ;;
	esac
	log=$RIG_WORK/$c.log
	expect "$c common_name" "$(s $c common_name)" $c
	expect "$c real_address" "$(s $c real_address)" "$addr"
	expect "$c virtual_ipv4" "$(s $c virtual_ipv4)" "$(tun_addr "$ns" 4)"
	expect "$c virtual_ipv6" "$(s $c virtual_ipv6)" "$(tun_addr "$ns" 6)"
	[[ $(s $c virtual_ipv6) == fd00:99:8::* ]] ||
	    fail "$c virtual_ipv6 $(s $c virtual_ipv6) not in server-ipv6"
	expect_in "$c connected_since" "$(s $c connected_since)" \
	    $((t_conn0 - 1)) $((t_conn1 + 1))
	expect "$c data_cipher" "$(s $c data_cipher)" \
	    "$(grep -Eo "Data Channel: cipher '[^']+'" "$log" | tail -n 1 |
	    cut -d"'" -f2)"
	expect "$c tls_version" "$(s $c tls_version)" \
	    "$(grep -Eo 'Control Channel: TLSv1\.[0-9]' "$log" | tail -n 1 |
	    cut -d' ' -f3)"
	expect "$c peer_id" "$(s $c peer_id)" \
	    "$(grep -Eo 'peer-id: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)"
	w=$(s $c worker)
	expect_in "$c worker" "$w" 0 1
	workers_seen+=" $w"
	expect "$c platform" "$(s $c platform)" linux
	expect "$c version" "$(s $c version)" "$ovpn_ver"
	expect "$c cert_serial" "$(s $c cert_serial)" \
	    "$(openssl x509 -in "$RIG_WORK/ca/issued/$c.crt" -noout -serial |
	    cut -d= -f2)"
	grep -q "^$c .*$(s $c virtual_ipv4)" "$RIG_WORK/status.txt" ||
	    grep -q "$c.*$(s $c virtual_ipv4)" "$RIG_WORK/status.txt" ||
	    fail "the status table lacks $c" "$RIG_WORK/status.txt"
done
# Keys: client1 still on its first, due in reneg-sec (3600 s, less the
# jitter); client2 renegotiated 4 s after it connected.
expect "client1 key_id" "$(s client1 key_id)" 0
expect_in "client1 last_rekey" "$(s client1 last_rekey)" \
    $((t_conn0 - 1)) $((t_conn1 + 1))
expect_in "client1 next_rekey - last_rekey" \
    $(($(s client1 next_rekey) - $(s client1 last_rekey))) 3000 3600
expect_in "client2 key_id" "$(s client2 key_id)" 1 7
expect_in "client2 last_rekey" "$(s client2 last_rekey)" \
    $(($(s client2 connected_since) + 3)) "$now"
# Bytes: the 20 pings, plus at most keepalives and a little else.
d_in=$(($(s client1 bytes_in) - s1_in))
d_out=$(($(s client1 bytes_out) - s1_out))
expect_in "client1 bytes_in growth over 20 pings" "$d_in" 1680 4000
expect_in "client1 bytes_out growth over 20 pings" "$d_out" 1680 4000
say "status JSON: every field of both sessions and the header as the" \
    "clients and the PKI say (workers$workers_seen; client1 +$d_in/+$d_out" \
    "bytes for 20 pings; client2 key_id $(s client2 key_id))"

ctl --json stats >"$RIG_WORK/stats.json" || fail "mcnctl stats failed"
expect_in "stats handshakes_ok" \
    "$(jget "$RIG_WORK/stats.json" result.counters.handshakes_ok)" 2 100
expect "stats handshakes_failed" \
    "$(jget "$RIG_WORK/stats.json" result.counters.handshakes_failed)" 0
metrics >"$RIG_WORK/metrics.txt" || fail "GET /metrics failed"
grep -qx "mycrypnetd_clients 2" "$RIG_WORK/metrics.txt" ||
    fail "/metrics does not count 2 clients" "$RIG_WORK/metrics.txt"
grep -q "^mycrypnetd_crl_.* [0-9]" "$RIG_WORK/metrics.txt" ||
    fail "/metrics lacks the CRL's time to expiry" "$RIG_WORK/metrics.txt"
! grep -q "client1" "$RIG_WORK/metrics.txt" ||
    fail "/metrics has per-client labels" "$RIG_WORK/metrics.txt"
say "stats and /metrics agree: 2 clients, $(jget "$RIG_WORK/stats.json" \
    result.counters.handshakes_ok) handshakes ok, 0 failed"

# --- 3. reload with clients connected --------------------------------------

CONF=$RIG_WORK/server-mycrypnetd.conf
since1=$(s client1 connected_since) pid1=$(s client1 peer_id)
since2=$(s client2 connected_since) pid2=$(s client2 peer_id)
n_reload=$(grep -c "event=reload " "$SERVER_LOG" || true)

rig_stream_start reload 12 500
sleep 1
# A good change, by mcnctl: new clients get the push and the keepalive.
echo 'push "dhcp-option DNS 10.99.8.1"' >>"$CONF"
conf_set "$CONF" keepalive 5 30
ctl reload >"$RIG_WORK/reload1.out" 2>&1 ||
    fail "mcnctl reload of a good file failed" "$RIG_WORK/reload1.out"
# The same by SIGHUP, with the log level changed.
conf_set "$CONF" verb 4
kill -HUP "$SERVER_PID"
for ((i = 0; i < 50; i++)); do
	(($(grep -c "event=reload " "$SERVER_LOG") >= n_reload + 2)) && break
	sleep 0.1
done
(($(grep -c "event=reload " "$SERVER_LOG") >= n_reload + 2)) ||
    fail "SIGHUP: no reload event" "$SERVER_LOG"
# A broken file: refused with its file and line; nothing changes.
cp "$CONF" "$CONF.good"
echo "keepalive ten sixty" >>"$CONF"
bad_line=$(wc -l <"$CONF")
if ctl reload >"$RIG_WORK/reload2.out" 2>&1; then
	fail "mcnctl reload accepted a broken file" "$RIG_WORK/reload2.out"
fi
grep -q "$CONF:$bad_line" "$RIG_WORK/reload2.out" ||
    fail "the refusal does not name $CONF:$bad_line" "$RIG_WORK/reload2.out"
grep -q "event=reload-failed" "$SERVER_LOG" ||
    fail "no reload-failed event" "$SERVER_LOG"
mv "$CONF.good" "$CONF"
# A restart-only change: reported, the running value kept.
conf_set "$CONF" port 1195
ctl reload >"$RIG_WORK/reload3.out" 2>&1 ||
    fail "mcnctl reload with a new port failed" "$RIG_WORK/reload3.out"
grep -q "event=reload-needs-restart .*port" "$SERVER_LOG" ||
    fail "the port change was not reported as needing a restart" "$SERVER_LOG"
run_in gw ss -H -uln "sport = :$RIG_PORT" | grep -q . ||
    fail "the daemon stopped listening on $RIG_PORT"
conf_set "$CONF" port "$RIG_PORT"
ctl reload >/dev/null || fail "reload back to port $RIG_PORT failed"
rig_stream_wait reload
rig_stream_check "stream through client1 across 4 reloads, 1 refused" \
    "$SERVER_LOG"

status
expect "clients after reloads" "$(jget "$RIG_WORK/status.json" result.clients)" 2
expect "client1 connected_since after reloads" "$(s client1 connected_since)" "$since1"
expect "client1 peer_id after reloads" "$(s client1 peer_id)" "$pid1"
expect "client2 connected_since after reloads" "$(s client2 connected_since)" "$since2"
expect "client2 peer_id after reloads" "$(s client2 peer_id)" "$pid2"
for c in client1 client2; do
	expect "$c connections after reloads" "$(completed $c)" 1
	! grep -q "SIGUSR1\|Restart pause" "$RIG_WORK/$c.log" ||
	    fail "$c restarted during the reloads" "$RIG_WORK/$c.log"
done
! grep -q "event=kick\|event=disconnect" "$SERVER_LOG" ||
    fail "a client was disconnected by a reload" "$SERVER_LOG"
say "reloads: mcnctl and SIGHUP applied, broken file refused at line" \
    "$bad_line, port change 'needs restart'; no client dropped"

# --- 4. kick -----------------------------------------------------------------

# The kick crosses a renegotiation client2 starts: its SOFT_RESET is held
# back (dropped on the way in) until after the kick, so the client's
# newest key -- the only one it reads control messages from -- does not
# exist on the server when the RESTART goes out on the old one.  The
# RESTART must still reach it, on the new key once the retransmitted
# SOFT_RESET gets through.
run_in gw nft -f - <<-EOF
	table inet mcn_admin_hold {
		chain input {
			type filter hook input priority 0;
			ip saddr $RIG_CLIENT2_ADDR udp dport $RIG_PORT drop
		}
	}
	EOF
# held: client2 has started more renegotiations than the gateway
# completed (event=rekey), so one is held back by the rule (it may have
# started just before the rule went in: its next packets cannot pass).
held()
{
	local started finished

	started=$(grep -c "TLS: soft reset" "$RIG_WORK/client2.log" || true)
	finished=$(grep -c "event=rekey cn=client2 " "$SERVER_LOG" || true)
	((started > finished))
}
for ((i = 0; i < 80; i++)); do
	# Twice, half a second apart: not one about to complete.
	held && sleep 0.5 && held && break
	sleep 0.1
done
held || fail "client2 started no renegotiation" "$RIG_WORK/client2.log" \
    "$SERVER_LOG"
ctl kick client2 >"$RIG_WORK/kick1.out" 2>&1 ||
    fail "mcnctl kick client2 failed" "$RIG_WORK/kick1.out"
grep -q "^kicked 1 session matching client2" "$RIG_WORK/kick1.out" ||
    fail "kick does not say how many" "$RIG_WORK/kick1.out"
sleep 0.5
run_in gw nft delete table inet mcn_admin_hold
wait_completed client2 2
grep -q "event=kick cn=client2" "$SERVER_LOG" ||
    fail "no kick event for client2" "$SERVER_LOG"
grep -q "PUSH_REPLY.*dhcp-option DNS 10.99.8.1" <(grep "PUSH: Received" \
    "$RIG_WORK/client2.log" | tail -n 1) ||
    fail "client2 reconnected without the reloaded push" "$RIG_WORK/client2.log"
grep -q "ping 5,ping-restart 30" <(grep "PUSH: Received" \
    "$RIG_WORK/client2.log" | tail -n 1) ||
    fail "client2 reconnected without the reloaded keepalive" \
    "$RIG_WORK/client2.log"
say "kick client2 in the middle of its renegotiation: it reconnected and" \
    "got the reloaded push and keepalive"

vip1=$(tun_addr client 4)
ctl --json kick "$vip1" >"$RIG_WORK/kick2.json" ||
    fail "mcnctl kick $vip1 failed" "$RIG_WORK/kick2.json"
expect "kick by virtual IP: kicked" "$(jget "$RIG_WORK/kick2.json" result.kicked)" 1
expect "kick by virtual IP: halt" "$(jget "$RIG_WORK/kick2.json" result.halt)" false
wait_completed client1 2
run_in client ping -c 2 -i 0.2 -W 3 "$RIG_INET_ADDR" >/dev/null ||
    fail "client1 does not pass traffic after its kick"
expect "client1 address after its kick" "$(tun_addr client 4)" "$vip1"

ctl kick "$RIG_CLIENT2_ADDR:41002" --halt >"$RIG_WORK/kick3.out" 2>&1 ||
    fail "mcnctl kick ADDR:PORT --halt failed" "$RIG_WORK/kick3.out"
wait_exit "$C2PID" 10 ||
    fail "client2 did not stop after kick --halt" "$RIG_WORK/client2.log"
rig_stop "$C2PID"
if ctl kick 10.99.8.250 >"$RIG_WORK/kick4.out" 2>&1; then
	fail "kick of an unknown target succeeded" "$RIG_WORK/kick4.out"
else
	rc=$?
fi
expect "kick unknown target: exit status" "$rc" 1
[[ -s $RIG_WORK/kick4.out ]] || fail "kick unknown target: no message"
# A kicked session lingers until its client acknowledges the message.
for ((i = 0; i < 50; i++)); do
	status
	[[ $(jget "$RIG_WORK/status.json" result.clients) == 1 ]] && break
	sleep 0.1
done
expect "clients after the kicks" "$(jget "$RIG_WORK/status.json" result.clients)" 1
say "kick by CN, virtual IP and ADDR:PORT --halt; unknown target:" \
    "$(head -n 1 "$RIG_WORK/kick4.out")"

# --- 5. restart: the same address back -------------------------------------

wait_for_log "$RIG_WORK/state/ipp.txt" "^client1,$vip1," 5 ||
    fail "the pool file lacks client1 at $vip1" "$SERVER_LOG"
rig_server_stop
grep -q "^client1,$vip1," "$RIG_WORK/state/ipp.txt" ||
    fail "the pool file at exit lacks client1" "$RIG_WORK/state/ipp.txt"
RIG_SERVER_TAG=restart
rig_server_start
wait_completed client1 3
expect "client1 address after the restart" "$(tun_addr client 4)" "$vip1"
expect "daemon uid after the restart" \
    "$(awk '$1 == "Uid:" { print $2 }' "/proc/$SERVER_PID/status")" \
    "$NOBODY_UID"
run_in client ping -c 2 -i 0.2 -W 3 "$RIG_INET_ADDR" >/dev/null ||
    fail "client1 does not pass traffic after the restart"
say "restart: client1 back by itself at $vip1 (not the lowest free" \
    "address), from the pool file written as nobody"

rig_pass
