#!/bin/bash
#
# unit_verify.sh -- the systemd unit, as make generates it and through
# systemd-analyze.
#
# 1. make's contrib/systemd/mycrypnetd.service has every @variable@
#    substituted and absolute paths in its Exec lines.
# 2. The .in file, generated here with the build tree's daemon as
#    @sbindir@ (so verify can check that ExecStart= is executable) and
#    with the man pages in a scratch MANPATH (so verify can resolve the
#    Documentation= links to our own pages), passes
#    `systemd-analyze verify` with nothing said about the unit.
# 3. CapabilityBoundingSet= is the set test_privdrop proves sufficient
#    for the privilege drop (drop_from_unit_bounding_set).
# 4. `systemd-analyze security --offline` rates it no worse than
#    MAX_EXPOSURE (printed in the log; skipped by systemd < 250).
#
# Exit 0 pass, 1 fail, 77 skip (no systemd-analyze, or the daemon not
# built).  Writes only under a mktemp directory.
set -euo pipefail

readonly MAX_EXPOSURE=5.0
readonly BOUNDING="CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN"

src=${MCN_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MCN_TOP_BUILDDIR:-$src}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v systemd-analyze >/dev/null ||
    skip "systemd-analyze not installed (Debian: apt-get install systemd)"
[[ -x $build/server/mycrypnetd ]] || skip "$build/server/mycrypnetd not built"

work=$(mktemp -d "${TMPDIR:-/tmp}/unit_verify.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- 1. the generated unit -------------------------------------------------
gen=$build/contrib/systemd/mycrypnetd.service
[[ -f $gen ]] || fail "$gen missing (make generates it)"
if grep -n '@[a-z_]*@' "$gen"; then
	fail "$gen: unsubstituted @variable@ above"
fi
while IFS= read -r line; do
	cmd=${line#*=}
	cmd=${cmd##[-+!@:]}	# systemd's command prefixes
	[[ $cmd == /* ]] || fail "$gen: not an absolute path: $line"
done < <(grep -E '^Exec(Start|StartPre|Reload)=' "$gen")
echo "ok: $gen is fully substituted"

# --- 2. systemd-analyze verify --------------------------------------------
unit=$work/mycrypnetd.service
sed -e "s|@sbindir@|$build/server|g" -e "s|@sysconfdir@|$work/etc|g" \
    "$src/contrib/systemd/mycrypnetd.service.in" >"$unit"
if grep -n '@[a-z_]*@' "$unit"; then
	fail "the .in file has a @variable@ this test does not substitute"
fi
mkdir -p "$work/man/man5" "$work/man/man8"
cp "$src/doc/man/mycrypnetd.8" "$work/man/man8/"
cp "$src/doc/man/mycrypnetd.conf.5" "$work/man/man5/"

rc=0
MANPATH=$work/man SYSTEMD_LOG_LEVEL=notice \
    systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || rc=$?
cat "$work/verify.log"
[[ $rc -eq 0 ]] || fail "systemd-analyze verify exited $rc"
# Complaints about other units (a distribution's own) are not ours.
if grep -q 'mycrypnetd' "$work/verify.log"; then
	fail "systemd-analyze verify has something to say about the unit"
fi
echo "ok: systemd-analyze verify $(systemd-analyze --version | head -n 1)"

# --- 3. the bounding set ---------------------------------------------------
got=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[[ $got == "$BOUNDING" ]] ||
    fail "CapabilityBoundingSet=$got; test_privdrop proves '$BOUNDING' (change both)"
echo "ok: CapabilityBoundingSet=$got"

# --- 4. exposure -----------------------------------------------------------
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	systemd-analyze security --offline=true --no-pager "$unit" \
	    >"$work/security.log" 2>&1 || true
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    "$work/security.log")
	[[ -n $score ]] || { cat "$work/security.log"; fail "no exposure score"; }
	grep '✗' "$work/security.log" || true
	awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
	    fail "exposure $score is above $MAX_EXPOSURE"
	echo "ok: systemd-analyze security: exposure $score (at most $MAX_EXPOSURE)"
else
	echo "note: this systemd-analyze has no security --offline"
fi
