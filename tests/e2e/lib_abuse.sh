# shellcheck shell=bash
#
# lib_abuse.sh -- what the flood and abuse tests (floods.sh, abuse.sh)
# share: their rig, and what they read off the gateway: mycrypnetd's
# counters and clients (mcnctl --json on the rig's control socket), the
# kernel's UDP statistics in the gw namespace, the daemon's resident
# memory.  Source it after lib.sh.  Needs python3 for the JSON.

MCNCTL=${MCNCTL:-$MCN_TOP_BUILDDIR/mcnctl/mcnctl}

# abuse_rig_up NCLIENTS TOOL...: mycrypnetd only (the tests read its
# counters; OpenVPN has none: skip), mcnctl and TOOL... built, python3;
# then lib.sh's rig with the second client namespace and a PKI of
# NCLIENTS clients.
abuse_rig_up()
{
	local n=$1 t

	shift
	rig_require
	[[ $MCN_SERVER == mycrypnetd ]] ||
	    skip "$RIG_NAME reads mycrypnetd's counters; OpenVPN has none"
	for t in "$MCNCTL" "$@"; do
		[[ -x $t ]] || skip "$t is not built"
	done
	command -v python3 >/dev/null || skip "python3 (for the JSON) missing"
	say "$RIG_NAME with MCN_SERVER=$MCN_SERVER"
	rig_up
	rig_up_client2
	rig_pki "$n"
}

# stats_take TAG: mcnctl --json stats, flattened to "KEY VALUE" lines
# (the counters, then clients and workers) in $RIG_WORK/stats-TAG.
stats_take()
{
	local out=$RIG_WORK/stats-$1

	"$MCNCTL" -s "$RIG_WORK/control.sock" --json stats >"$out.json" 2>&1 ||
	    fail "mcnctl stats failed" "$out.json" "$SERVER_LOG"
	python3 - "$out.json" >"$out" <<-'EOF' || fail "bad stats" "$out.json"
	import json, sys
	r = json.load(open(sys.argv[1]))["result"]
	for k, v in list(r["counters"].items()) + [("clients", r["clients"]),
	    ("workers", r["workers"])]:
	    print(k, v)
	EOF
}

# ctr TAG KEY: KEY (a counter, clients or workers) in snapshot TAG.
ctr()
{
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' \
	    "$RIG_WORK/stats-$1" || fail "no $2 in the stats" \
	    "$RIG_WORK/stats-$1.json"
}

# dctr FROM TO KEY: how much counter KEY grew from snapshot FROM to TO.
dctr()
{
	echo $(($(ctr "$2" "$3") - $(ctr "$1" "$3")))
}

# stats_settled TAG KEY: takes snapshots TAG until counter KEY holds
# still for 0.3 s (the daemon has read what the kernel queued for it),
# at most 15 s.
stats_settled()
{
	local prev=-1 cur i

	for ((i = 0; i < 50; i++)); do
		stats_take "$1"
		cur=$(ctr "$1" "$2")
		[[ $cur == "$prev" ]] && return 0
		prev=$cur
		sleep 0.3
	done
	fail "counter $2 still moving after 15 s" "$SERVER_LOG"
}

# udp_stat FIELD: the gw namespace's Udp FIELD from /proc/net/snmp
# (InDatagrams, RcvbufErrors, InErrors, ...): the daemon's sockets are
# the only UDP sockets there.
udp_stat()
{
	# shellcheck disable=SC2016 # awk's own fields, not the shell's
	run_in gw awk -v f="$1" '/^Udp:/ {
		if (!n++) { for (i = 2; i <= NF; i++) if ($i == f) c = i }
		else print $c
	}' /proc/net/snmp
}

# softnet_drops: packets the kernel dropped from its per-CPU backlogs
# (all namespaces: /proc/net/softnet_stat is global), summed.
softnet_drops()
{
	local sum=0 line f

	while read -r line; do
		read -r -a f <<<"$line"
		sum=$((sum + 16#${f[1]}))
	done </proc/net/softnet_stat
	echo "$sum"
}

# rss_kb PID: resident memory of PID, in KiB.
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
