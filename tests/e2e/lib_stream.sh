# shellcheck shell=bash
#
# lib_stream.sh -- the numbered UDP stream through the rig's tunnel, for
# tests that must count every datagram (rekey.sh, float.sh, ipv6.sh).
# lib.sh sources it; it uses the rig (start_bg, rig_stop, fail, say).
# The tool is tests/e2e/udpseq.c (RIG_UDPSEQ), built by make check.

readonly RIG_STREAM_PORT=9000

# kv KEY LINE: the value of KEY=value in a udpseq summary line.
kv()
{
	local re="(^| )$1=([^ ]*)"

	[[ $2 =~ $re ]] || return 1
	echo "${BASH_REMATCH[2]}"
}

# rig_stream NAME SECONDS PPS [NS [ECHO-ADDR]]: udpseq streams PPS
# numbered datagrams a second for SECONDS from NS (default client) to an
# echo on ECHO-ADDR (default the inet host), which answers each one: both
# directions cross the tunnel.  Summaries in STREAM_SEND / STREAM_ECHO
# (and $RIG_WORK/NAME.send, NAME.echo.log); the test judges them, e.g.
# with rig_stream_check.  rig_stream_start and rig_stream_wait do the
# same in two steps, for a test that acts while the stream runs.
STREAM_SEND='' STREAM_ECHO='' STREAM_EPID='' STREAM_SPID=''
rig_stream()
{
	rig_stream_start "$@"
	rig_stream_wait "$1"
}

rig_stream_start()
{
	local name=$1 secs=$2 pps=$3 ns=${4:-client} addr=${5:-$RIG_INET_ADDR}
	local target elog=$RIG_WORK/$1.echo.log

	[[ -x $RIG_UDPSEQ ]] || skip "udpseq not built: make tests/e2e/udpseq"
	target=$addr:$RIG_STREAM_PORT
	[[ $addr == *:* ]] && target="[$addr]:$RIG_STREAM_PORT"
	start_bg inet "$elog" "$RIG_UDPSEQ" echo -l "$target" -i 2 \
	    -T $((secs + 60))
	STREAM_EPID=$BG_PID
	wait_listen inet udp "$target" 5 || fail "udpseq echo did not bind" "$elog"
	# stdout is the summary; start_bg sends both to one file.
	start_bg "$ns" "$RIG_WORK/$name.send" "$RIG_UDPSEQ" send \
	    -c "$target" -r "$pps" -t "$secs" -w 3 -p
	STREAM_SPID=$BG_PID
}

# rig_stream_wait NAME: waits for the stream rig_stream_start began.
rig_stream_wait()
{
	local name=$1 elog=$RIG_WORK/$1.echo.log

	wait_exit "$STREAM_SPID" 600 || true
	wait "$STREAM_SPID" || fail "udpseq send failed" "$RIG_WORK/$name.send"
	rig_stop "$STREAM_SPID"
	wait_exit "$STREAM_EPID" 10 || fail "udpseq echo did not finish" "$elog"
	rig_stop "$STREAM_EPID"
	STREAM_SEND=$(grep -m 1 '^role=send' "$RIG_WORK/$name.send") ||
	    fail "no udpseq send summary" "$RIG_WORK/$name.send"
	STREAM_ECHO=$(grep -m 1 '^role=echo' "$elog") ||
	    fail "no udpseq echo summary" "$elog"
}

# rig_stream_check WHAT [LOG...]: the last rig_stream lost nothing, in
# either direction, and nothing came twice or out of the window; else
# fails naming the numbers (and dumping LOG...).  Reordering within the
# window is reported, not failed.
rig_stream_check()
{
	local what=$1 sent rx tx back k v bad=''

	shift
	sent=$(kv sent "$STREAM_SEND")
	rx=$(kv rx "$STREAM_ECHO")
	tx=$(kv tx "$STREAM_ECHO")
	back=$(kv rev_rx "$STREAM_SEND")
	[[ $rx == "$sent" ]] || bad+=" client->inet: $rx of $sent arrived;"
	[[ $back == "$tx" ]] || bad+=" inet->client: $back of $tx arrived;"
	for k in lost dup out_of_window; do
		v=$(kv "$k" "$STREAM_ECHO")
		[[ $v == 0 ]] || bad+=" client->inet $k=$v;"
	done
	for k in lost rev_lost rev_dup rev_out_of_window; do
		v=$(kv "$k" "$STREAM_SEND")
		[[ $v == 0 ]] || bad+=" send $k=$v;"
	done
	if [[ -n $bad ]]; then
		echo "udpseq send: $STREAM_SEND"
		echo "udpseq echo: $STREAM_ECHO"
		# The load average tells a starved box from a lossy server.
		fail "$what: stream not intact:$bad (gaps at seq $(kv gaps_at \
		    "$STREAM_ECHO") / $(kv gaps_at "$STREAM_SEND"); rtt max $(kv \
		    rtt_max_us "$STREAM_SEND") us; load average $(cut -d' ' \
		    -f1-3 /proc/loadavg))" "$@"
	fi
	say "$what: $sent datagrams each way, 0 lost, 0 dup, 0 out of window" \
	    "(reordered $(kv reordered "$STREAM_ECHO")/$(kv rev_reordered \
	    "$STREAM_SEND"); rtt avg $(kv rtt_avg_us "$STREAM_SEND") us," \
	    "max $(kv rtt_max_us "$STREAM_SEND") us)"
}
