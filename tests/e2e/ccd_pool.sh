#!/bin/bash
#
# ccd_pool.sh -- client-config-dir and ifconfig-pool-persist with stock
# clients.
#
#   tests/e2e/ccd_pool.sh        (mycrypnetd; exit 0/1/77)
#
# With "client-config-dir ccd" and "ifconfig-pool-persist ipp.txt 1":
# 1. client2 then client1 connect and get .2 and .3 from the pool; the
#    file is written while they are connected (every second), in
#    OpenVPN's format.
# 2. ccd/client3 (ifconfig-push .77, a push) gets exactly that address and
#    that route; ccd/client4 ("disable") is refused.
# 3. After a restart (SIGTERM, which also writes the file), client1
#    connects first and still gets .3, client2 gets .2: the same
#    addresses, not the lowest free ones.
# 4. A malformed ccd file refuses that client with the file and line in
#    the log; the others are unaffected.
# 5. Clients that die without notice and reconnect at once (the old
#    sessions still alive; no duplicate-cn) get the same address back,
#    fixed (client3) or from the pool (client1): the new session takes
#    it over from the old one, which is replaced.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

readonly COMPLETED="Initialization Sequence Completed"

[[ $MCN_SERVER == mycrypnetd ]] || skip "ccd_pool tests mycrypnetd only"

declare -A CLIENT_PID

# connect NAME CERT: starts a client and waits for it.
connect()
{
	local log=$RIG_WORK/$1.log

	rig_client_start "$1" "$(rig_client_conf "$1" "$2")"
	CLIENT_PID[$1]=$BG_PID
	wait_for_log "$log" "$COMPLETED" 20 "$BG_PID" ||
	    fail "$1 did not connect" "$log" "$SERVER_LOG"
}

# refused NAME CERT: starts a client that must not get in.
refused()
{
	local log=$RIG_WORK/$1.log

	rig_client_start "$1" "$(rig_client_conf "$1" "$2" \
	    "hand-window 4" "connect-retry-max 1")"
	if wait_for_log "$log" "$COMPLETED" 8 "$BG_PID"; then
		fail "$1 connected but should have been refused" "$log"
	fi
	stop_pid "$BG_PID"
	grep -q "AUTH_FAILED" "$log" ||
	    fail "$1 was not told AUTH_FAILED" "$log" "$SERVER_LOG"
}

# vip LOG: the address the server pushed to that client (last one).
vip()
{
	grep -Eo 'ifconfig 10\.99\.8\.[0-9]+' "$1" | tail -n 1 | cut -d' ' -f2
}

# expect_vip NAME ADDR
expect_vip()
{
	local got

	got=$(vip "$RIG_WORK/$1.log")
	[[ $got == "$2" ]] ||
	    fail "$1 got ${got:-no address}, not $2" "$RIG_WORK/$1.log" \
	    "$SERVER_LOG"
}

stop_clients()
{
	local c

	for c in "${!CLIENT_PID[@]}"; do
		stop_pid "${CLIENT_PID[$c]}"
		mv "$RIG_WORK/$c.log" "$RIG_WORK/$c-$RUN.log"
	done
	CLIENT_PID=()
}

rig_require
say "ccd_pool with MCN_SERVER=$MCN_SERVER"
rig_up
rig_pki 4

mkdir "$RIG_WORK/ccd"
cat >"$RIG_WORK/ccd/client3" <<'EOF'
# a fixed address and one more route for client3
ifconfig-push 10.99.8.77 255.255.255.0
push "route 10.99.50.0 255.255.255.0"
EOF
echo disable >"$RIG_WORK/ccd/client4"
SERVER_CONF_SET=("client-config-dir ccd" "ifconfig-pool-persist ipp.txt 1")

# 1. The pool, and the file written while clients are connected.
RUN=1
rig_server_start
grep -q "event=pool-restored .*leases=0" "$SERVER_LOG" ||
    fail "no pool-restored line for a new file" "$SERVER_LOG"
connect c2 client2
connect c1 client1
expect_vip c2 10.99.8.2
expect_vip c1 10.99.8.3
wait_for_log "$RIG_WORK/ipp.txt" "^client1,10\.99\.8\.3," 5 ||
    fail "ipp.txt was not written while running" "$SERVER_LOG"
grep -q "^client2,10\.99\.8\.2," "$RIG_WORK/ipp.txt" ||
    fail "ipp.txt lacks client2: $(cat "$RIG_WORK/ipp.txt")"
say "pool: client2 10.99.8.2, client1 10.99.8.3; ipp.txt written live"

# 2. Per-client files.
connect c3 client3
expect_vip c3 10.99.8.77
grep -q "route 10.99.50.0 255.255.255.0" "$RIG_WORK/c3.log" ||
    fail "client3 did not get its ccd push" "$RIG_WORK/c3.log"
run_in client ip route show 10.99.50.0/24 | grep -q dev ||
    fail "client3's pushed route is not installed"
grep -q "route 10.99.50.0" "$RIG_WORK/c1.log" &&
    fail "client1 got client3's push" "$RIG_WORK/c1.log"
say "ccd: client3 has its ifconfig-push 10.99.8.77 and its route"
refused c4 client4
grep -q 'event=auth-failed cn=client4 .*disabled by client-config-dir' \
    "$SERVER_LOG" || fail "no auth-failed line for client4" "$SERVER_LOG"
say "ccd: client4 (disable) refused"

# 3. Restart: same addresses, whoever comes first.
stop_clients
stop_pid "$SERVER_PID"
grep -q "exited cleanly" "$SERVER_LOG" ||
    fail "mycrypnetd did not exit cleanly" "$SERVER_LOG"
[[ ! -e $RIG_WORK/ipp.txt.tmp ]] || fail "ipp.txt.tmp left behind"
say "ipp.txt at exit: $(tr '\n' ' ' <"$RIG_WORK/ipp.txt")"
mv "$SERVER_LOG" "$RIG_WORK/server-run1.log"
RUN=2
rig_server_start
grep -q "event=pool-restored .*leases=3" "$SERVER_LOG" ||
    fail "the pool file was not restored" "$SERVER_LOG"
connect c1 client1
connect c2 client2
expect_vip c1 10.99.8.3
expect_vip c2 10.99.8.2
say "after restart: client1 10.99.8.3, client2 10.99.8.2 again"

# 4. A malformed file refuses that client only.
printf '%s\n' 'push "route 10.99.51.0 255.255.255.0"' \
    'ifconfig-push 10.99.9.5 255.255.255.0' >"$RIG_WORK/ccd/client3"
refused c3 client3
want="ccd/client3:2: ifconfig-push: 10.99.9.5 is outside the server subnet"
grep -q "event=ccd-error cn=client3 .*$want 10.99.8.0/24" "$SERVER_LOG" ||
    fail "no ccd-error line naming file and line" "$SERVER_LOG"
run_in client ping -q -c 2 -i 0.2 -W 2 "$RIG_INET_ADDR" >/dev/null ||
    fail "the other clients lost their tunnel" "$SERVER_LOG"
say "malformed ccd/client3 refused: $(grep -o 'event=ccd-error.*' \
    "$SERVER_LOG" | tail -n 1)"

# 5. Reconnect while the old session lives.
echo "ifconfig-push 10.99.8.77 255.255.255.0" >"$RIG_WORK/ccd/client3"
connect c3 client3
expect_vip c3 10.99.8.77
for c in c3 c1; do
	kill -KILL "${CLIENT_PID[$c]}"
	wait "${CLIENT_PID[$c]}" 2>/dev/null || true
	mv "$RIG_WORK/$c.log" "$RIG_WORK/$c-killed.log"
done
connect c3 client3
connect c1 client1
expect_vip c3 10.99.8.77
expect_vip c1 10.99.8.3
dev=$(grep -Eo 'TUN/TAP device tun[0-9]+ opened' "$RIG_WORK/c3.log" |
    tail -n 1 | cut -d' ' -f3)
run_in client ping -q -c 2 -i 0.2 -W 2 -I "$dev" "$RIG_INET_ADDR" \
    >/dev/null || fail "client3's new tunnel does not work" "$SERVER_LOG"
say "killed client3 and client1 came back at once: 10.99.8.77 and 10.99.8.3"

say "PASS"
