#!/usr/bin/env bash
# run.sh -t SECONDS [-j JOBS] -s FUZZDIR -o OUTDIR TARGET...
#
# Runs each libFuzzer target (a built binary) for SECONDS over its seeds,
# FUZZDIR/corpus/NAME, and its regression inputs, FUZZDIR/regressions/NAME
# (inputs that once crashed it, run first), with FUZZDIR/NAME.dict if there
# is one; JOBS targets at a time.  New inputs go to OUTDIR/NAME/corpus (kept
# between runs), crash, leak and timeout inputs to OUTDIR/NAME/, the log to
# OUTDIR/NAME/log.  Prints one line per target and writes them to
# OUTDIR/summary.tsv; exits 1 if any target failed (a crash, a leak, a
# timeout of one input, an invariant violated).
#
# Leak detection is on where LeakSanitizer works (it needs to suspend
# threads, which some containers forbid); MCN_FUZZ_LEAKS=0 or 1 decides.
set -uo pipefail

usage()
{
	echo "usage: $0 -t SECONDS [-j JOBS] -s FUZZDIR -o OUTDIR TARGET..." >&2
	exit 2
}

time=20 jobs=2 fuzzdir= out=
while getopts t:j:s:o: opt; do
	case $opt in
	t) time=$OPTARG ;;
	j) jobs=$OPTARG ;;
	s) fuzzdir=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ -n $fuzzdir && -n $out && $# -gt 0 ]] || usage
fuzzdir=$(cd "$fuzzdir" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Longest input worth trying per target (the largest legal message, with
# some room past it); the default is libFuzzer's, from the seeds.
max_len()
{
	case $1 in
	fuzz_km2)	echo 12288 ;;	# KM2_CLIENT_MAX is 10877
	fuzz_cfg)	echo 16384 ;;	# inline PEM blocks
	fuzz_ctlmsg)	echo 8192 ;;
	fuzz_reliable)	echo 8192 ;;	# event sequences
	fuzz_statickey)	echo 4096 ;;
	*)		echo 4096 ;;	# datagrams: PKT_MAX_WIRE 2048
	esac
}

# run_one BINARY: fuzzes one target; its status is the target's verdict.
run_one()
{
	local bin=$1 name dir seeds reg dict rc args

	name=$(basename "$bin")
	dir=$out/$name
	mkdir -p "$dir/corpus"
	rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* \
	    "$dir"/slow-unit-*
	seeds=$fuzzdir/corpus/$name
	reg=$fuzzdir/regressions/$name
	dict=$fuzzdir/${name#fuzz_}.dict
	# Exit 1 for a crash, a leak or an invariant, 2 for a timeout (not
	# libFuzzer's 77, which an automake harness would take for a skip).
	args=(-max_total_time="$time" -timeout=10 -rss_limit_mb=2048
	    -error_exitcode=1 -timeout_exitcode=2
	    -max_len="$(max_len "$name")" -print_final_stats=1
	    -detect_leaks="${MCN_FUZZ_LEAKS:-1}" -artifact_prefix="$dir/")
	[[ -f $dict ]] && args+=(-dict="$dict")
	args+=("$dir/corpus")
	[[ -d $seeds ]] && args+=("$seeds")
	[[ -d $reg ]] && args+=("$reg")
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	    "$bin" "${args[@]}" >"$dir/log" 2>&1
	rc=$?
	echo "$rc" >"$dir/rc"
	summarize "$name" "$dir" "$rc" "$seeds"
}

# summarize NAME DIR STATUS SEEDS: the target's line for the table.
summarize()
{
	local name=$1 dir=$2 rc=$3 seeds=$4 log=$2/log
	local execs rate cov ft nseeds verdict a

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	nseeds=$(find "$seeds" -type f 2>/dev/null | wc -l)
	verdict=PASS
	[[ $rc -eq 0 ]] || verdict="FAIL($rc)"
	printf '%s\t%s\tseeds=%s\texecs=%s\texec/s=%s\tcov=%s\tft=%s\n' \
	    "$name" "$verdict" "$nseeds" "${execs:-?}" "${rate:-?}" \
	    "${cov:-?}" "${ft:-?}" | tee -a "$out/summary.tsv"
	if [[ $rc -ne 0 ]]; then
		echo "---- $name: last 40 lines of $dir/log"
		tail -n 40 "$dir/log"
		for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
		    "$dir"/oom-*; do
			[[ -f $a ]] && echo "reproduce: $bin_dir/$name $a"
		done
		echo "----"
	fi
}

: >"$out/summary.tsv"
# LeakSanitizer fails every process at exit where it cannot suspend
# threads (some containers): then fuzz without leak detection, and say so.
if [[ -z ${MCN_FUZZ_LEAKS:-} ]]; then
	mkdir -p "$out/.empty"
	if "$1" -runs=0 -detect_leaks=1 "$out/.empty" 2>&1 |
	    grep -q 'LeakSanitizer has encountered a fatal error'; then
		echo "fuzz: LeakSanitizer does not work here: leaks not checked"
		MCN_FUZZ_LEAKS=0
	fi
fi
failed=0
bin_dir=$(cd "$(dirname "$1")" && pwd)
start=$SECONDS
for bin in "$@"; do
	name=$(basename "$bin")
	rm -f "$out/$name/rc"
	[[ -x $bin ]] || { echo "$bin: not built" >&2; failed=1; continue; }
	while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
		wait -n
	done
	run_one "$bin" &
done
wait
for bin in "$@"; do
	name=$(basename "$bin")
	[[ $(cat "$out/$name/rc" 2>/dev/null) == 0 ]] || failed=1
done
echo "fuzz: $# targets, ${time}s each, $jobs at a time: $((SECONDS - start))s"
if [[ $failed -ne 0 ]]; then
	echo "fuzz: FAILED (the inputs are listed above: copy each to" \
	    "tests/fuzz/regressions/<target>/, where every run tries it first)"
	exit 1
fi
echo "fuzz: all targets passed"
