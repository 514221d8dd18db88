#!/bin/bash
#
# test_mcnctl.sh -- the built mcnctl against fake_control (the real
# control socket code with canned answers and a fixed clock):
#
#   status (header, table, humanised bytes and durations, alignment)
#   -> status --json (parsed, field by field) -> kick (RESTART, --halt,
#   unknown target, daemon failure) -> reload (ok, refused) -> stats ->
#   version -> help -> every usage error (exit 2) -> no daemon, a socket
#   that answers garbage, one that never answers (exit 3).
#
# Needs the built mcnctl/mcnctl and tests/unit/fake_control, and python3
# (to parse JSON); exits 77 (skip) without them.  Unprivileged; ends only
# the processes it started, by pid.
set -euo pipefail

top=${MCN_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
mcnctl=$top/mcnctl/mcnctl
fake=$top/tests/unit/fake_control

skip() { echo "SKIP: $*"; exit 77; }
[[ -x $mcnctl ]] || skip "$mcnctl not built (make mcnctl/mcnctl)"
[[ -x $fake ]] || skip "$fake not built (make tests/unit/fake_control)"
command -v python3 >/dev/null || skip "python3 not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/test_mcnctl.XXXXXX")
pids=()
cleanup()
{
	local rc=$? p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [[ $rc -eq 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
cd "$work"
export TZ=UTC LC_ALL=C

checks=0
ok() { checks=$((checks + 1)); }
fail() { echo "FAIL: $*" >&2; [[ -f out ]] && cat out err >&2; exit 1; }

sock=$work/run/control.sock

# start_fake SOCKET [ARGS]: runs fake_control, waits for its socket.
start_fake()
{
	local s=$1 i
	shift
	"$fake" "$s" "$@" >>fake.log 2>>fake.err &
	pids+=($!)
	for i in $(seq 100); do
		[[ -S $s ]] && return 0
		sleep 0.05
	done
	fail "fake_control did not come up on $s"
}

# run WANT_RC ARGS...: mcnctl's stdout in out, stderr in err.
run()
{
	local want=$1 rc=0
	shift
	"$mcnctl" "$@" >out 2>err || rc=$?
	[[ $rc -eq $want ]] || fail "mcnctl $* exited $rc, want $want"
	ok
}

has() { grep -qF -- "$1" "${2:-out}" || fail "no \"$1\" in ${2:-out}"; ok; }
json() { python3 -c "import json,sys; a=json.load(open('out')); $1" ||
	fail "JSON check: $1"; ok; }

start_fake "$sock"
[[ $(stat -c %a "$sock") == 660 ]] || fail "socket mode $(stat -c %a "$sock")"
[[ $(stat -c %a "$work/run") == 750 ]] || fail "dir mode"
ok

# --- status -------------------------------------------------------------
run 0 -s "$sock" status
[[ ! -s err ]] || fail "status wrote to stderr"
has "uptime:           2h03m"
has "clients:          2"
has "workers:          1"
has "CRL next update:  2023-12-14 02:13:20 UTC (in 29d04h)"
python3 - <<'EOF' || fail "status table"
lines = open("out").read().splitlines()
hdr = next(l for l in lines if l.startswith("COMMON NAME"))
alice = next(l for l in lines if l.startswith("alice "))
bob = next(l for l in lines if l.startswith("bob "))
# Left-aligned columns start where their title does.
for title, a, b in (("REAL ADDRESS", "198.51.100.7:51234", "[2001:db8::5]:1194"),
                    ("CIPHER", "AES-256-GCM", "CHACHA20-POLY1305"),
                    ("SERIAL", "0A1B2C3D", "01")):
    col = hdr.index(title)
    assert alice[col:].startswith(a) and bob[col:].startswith(b), title
# Right-aligned columns end where their title ends.
for title, a, b in (("IN", "1.2 MiB", "512 B"), ("OUT", "5.0 GiB", "0 B"),
                    ("CONNECTED", "2h03m", "42s"),
                    ("LAST REKEY", "3m12s ago", "42s ago")):
    end = hdr.index("  " + title + "  ") + 2 + len(title)
    assert alice[:end].endswith(a), (title, alice[:end])
    assert bob[:end].endswith(b), (title, bob[:end])
assert "in 56m48s" in alice and "fd00::7" in bob
# Nulls are "-": alice has no IPv6, bob no rekey due, platform, version.
assert bob.split().count("-") == 3, bob
assert alice.split()[3] == "-", alice
EOF
ok

run 0 -s "$sock" status --json
json 'assert a["schema"] == 1 and a["ok"] is True and a["command"] == "status"'
json 'r = a["result"]; assert (r["uptime_s"], r["clients"], r["workers"]) == (7385, 2, 1)'
json 'assert a["result"]["crl_next_update"] == 1702520000'
json 's = a["result"]["sessions"]; assert [x["common_name"] for x in s] == ["alice", "bob"]'
json 's = a["result"]["sessions"][0]; assert s["virtual_ipv4"] == "10.8.0.6" and s["virtual_ipv6"] is None'
json 's = a["result"]["sessions"][0]; assert (s["bytes_in"], s["bytes_out"]) == (1288490, 5368709120)'
json 's = a["result"]["sessions"][0]; assert (s["data_cipher"], s["tls_version"], s["key_id"]) == ("AES-256-GCM", "TLSv1.3", 1)'
json 's = a["result"]["sessions"][0]; assert (s["platform"], s["version"], s["cert_serial"]) == ("linux", "2.6.14", "0A1B2C3D")'
json 's = a["result"]["sessions"][1]; assert s["next_rekey"] is None and s["platform"] is None and s["peer_id"] == 1'
json 'assert len(a["result"]["sessions"][0]) == 17'
# -j before the command means the same; the output is pretty.
cp out json1
run 0 -j -s "$sock" status
cmp -s out json1 || fail "-j status differs from status --json"
[[ $(wc -l <out) -gt 20 ]] || fail "--json is not pretty-printed"
ok

# --- kick ---------------------------------------------------------------
run 0 -s "$sock" kick alice --halt
has "kicked 1 session matching alice (HALT: they stop)"
has "kick target=alice halt=1" fake.log
run 0 -s "$sock" kick 10.8.0.6
has "kicked 1 session matching 10.8.0.6 (RESTART: they reconnect)"
has "kick target=10.8.0.6 halt=0" fake.log
run 0 -s "$sock" kick --halt 198.51.100.7:51234
has "kick target=198.51.100.7:51234 halt=1" fake.log
run 1 -s "$sock" kick nobody
[[ ! -s out ]] || fail "an error printed to stdout"
has 'mcnctl: kick: no client matches "nobody" (unknown-target)' err
run 1 -s "$sock" kick nobody --json
json 'assert a["ok"] is False and a["error"]["code"] == "unknown-target"'
has "unknown-target" err
run 1 -s "$sock" kick fail
has "mcnctl: kick: simulated failure (failed)" err
# A target starting with "-" after "--".
run 1 -s "$sock" kick -- -weird
has 'no client matches "-weird"' err

# --- reload, stats, version, help -----------------------------------------
run 0 -s "$sock" reload
has "reloaded"
has "reload" fake.log
sock2=$work/run2/control.sock
start_fake "$sock2" --fail-reload
run 1 -s "$sock2" reload
has 'mcnctl: reload: mycrypnetd.conf:3: unknown directive "frobnicate"; nothing changed (failed)' err

run 0 -s "$sock" stats
grep -Eq '^  forged_dropped +17$' out || fail "forged_dropped in stats"
ok
grep -Eq '^  tx_bytes +5368709120  \(5\.0 GiB\)$' out || fail "tx_bytes"
ok
grep -Eq '^  revoked +1$' out || fail "revoked in stats"
ok
has "handshake duration: 3 handshake(s)"
has "CRL next update:  2023-11-15 22:13:20 UTC (in 1d00h)"
run 0 -s "$sock" --json stats
json 'c = a["result"]["counters"]; assert (c["forged_dropped"], c["spoofed_src_dropped"], c["handshakes_ok"], c["handshakes_failed"]) == (17, 3, 5, 3)'
json 'r = a["result"]["handshakes_failed_by_reason"]; assert (r["tls"], r["revoked"], r["timeout"]) == (2, 1, 0)'
json 'h = a["result"]["handshake_duration_seconds"]; assert h["count"] == 3 and h["buckets"][-1]["count"] == 2'

run 0 -s "$sock" version
has "mcnctl "
has "mycrypnetd "
has "(control schema 1)"
run 0 help
for c in status kick reload stats version help; do has "  $c"; done
has "/run/mycrypnetd/control.sock"
run 0 help kick
has "usage: mcnctl [-s PATH] [--json] kick CN|VIRTUAL-IP|ADDR:PORT [--halt]"

# --- usage errors: 2, before any connection ----------------------------------
run 2
run 2 frobnicate
has 'no command "frobnicate"' err
run 2 -s "$sock" kick
run 2 -s "$sock" kick a b
run 2 -s "$sock" status extra
run 2 -s "$sock" status --halt
run 2 -s "$sock" -x status
run 2 -t 0 -s "$sock" status
run 2 -t abc -s "$sock" status
run 2 help nosuch

# --- no daemon, garbage, silence: 3 ------------------------------------------
run 3 -s "$work/none.sock" status
has "mcnctl: cannot connect to $work/none.sock: No such file or directory (is mycrypnetd running?)" err
python3 - "$work/garbage.sock" "$work/silent.sock" <<'EOF' &
import os, socket, sys, time
socks = []
for path, reply in ((sys.argv[1], b"hello there\n"), (sys.argv[2], None)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(4)
    socks.append((s, reply))
conns = []
deadline = time.time() + 20
for s, reply in socks:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        c, _ = s.accept()
    except OSError:
        continue
    c.recv(4096)
    if reply:
        c.sendall(reply)
    conns.append(c)
time.sleep(3)
EOF
pids+=($!)
for i in $(seq 100); do [[ -S $work/silent.sock ]] && break; sleep 0.05; done
run 3 -s "$work/garbage.sock" status
has "not a control answer" err
run 3 -t 1 -s "$work/silent.sock" status
has "no answer in time" err

# --- the fake's socket goes away with it -----------------------------------
kill "${pids[0]}"
wait "${pids[0]}" || true
[[ ! -e $sock ]] || fail "socket left behind"
ok

echo "PASS: $checks checks"
