#!/bin/sh
# sanitizer-wrap.sh TEST [ARGS...] -- runs one test of a sanitizer build
# (./configure --enable-sanitizers; the Makefile makes this the
# LOG_COMPILER).  ASan/UBSan/LSan reports of every process the test
# starts -- the test itself, Check's forked children, the daemon in the
# background of an e2e test -- go to files under $MCN_SAN_REPORTS; if
# there is any, it is printed into the test's log and the test fails, even
# when the process that reported was killed or its exit status ignored.
#
# gcc's UBSan ignores log_path in a process that also has ASan and prints
# to stderr: the test's own output is searched too, but a daemon's stderr
# goes to its log in the rig, so build with clang (scripts/sanitizers
# does) to catch everything.
set -u
dir=${MCN_SAN_REPORTS:?MCN_SAN_REPORTS is not set (run through make check)}
mkdir -p "$dir" || exit 99
name=$(basename "$1")
prefix=$dir/$name.report
out=$dir/$name.out
rm -f "$prefix".* "$out"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$prefix"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$prefix"
# Tests that judge memory use (tests/e2e/floods.sh) read this: under ASan
# the daemon's RSS is mostly the allocator's quarantine of freed blocks.
MCN_SANITIZED=1
export ASAN_OPTIONS UBSAN_OPTIONS MCN_SANITIZED

"$@" >"$out" 2>&1
rc=$?
cat "$out"

found=0
for f in "$prefix".*; do
	[ -s "$f" ] || continue
	found=1
	echo "=== sanitizer report $f"
	cat "$f"
done
if grep -Eq 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' \
    "$out"; then
	found=1
	echo "=== sanitizer report in the test's output (above)"
fi
rm -f "$out"
if [ $found -eq 1 ]; then
	echo "FAIL: sanitizer report(s) above (test exit status $rc)"
	exit 1
fi
exit $rc
