#!/bin/bash
#
# man_lint.sh -- every page in doc/man formats without a warning:
# mandoc -Tlint when installed (the stricter), else groff with all
# warnings on.  Exit 0 pass, 1 fail, 77 skip (neither formatter).
set -euo pipefail

src=${MCN_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

pages=("$src"/doc/man/*.[0-9])
[[ -e ${pages[0]} ]] || { echo "FAIL: no pages in $src/doc/man"; exit 1; }

if command -v mandoc >/dev/null; then
	lint() { mandoc -Tlint -Wwarning "$1" 2>&1; }
elif command -v groff >/dev/null; then
	# -ww: all warnings; -z: no output, only the diagnostics.
	lint() { groff -mandoc -ww -z -Tutf8 "$1" 2>&1; }
else
	echo "SKIP: neither mandoc nor groff installed"
	exit 77
fi

rc=0
for p in "${pages[@]}"; do
	out=$(lint "$p") || true
	if [[ -n $out ]]; then
		echo "FAIL: ${p#"$src"/}:"
		echo "$out"
		rc=1
	else
		echo "ok: ${p#"$src"/}"
	fi
done
exit "$rc"
