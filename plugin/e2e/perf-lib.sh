# Helpers of the plugin's e2e performance step (plugin/e2e/40-perf.sh),
# busybox sh; installed as /opt/e2e/perf-lib.sh.  Figures are printed as
# `PERF name value unit [detail]` lines (and repeated as E2E-INFO lines,
# which tests/e2e/run forwards to its own output); only real assertions
# print PASS/FAIL.

# shellcheck disable=SC2034 # PF_RATE, PF_SMP, ...: read by the step
PF_WORK=/tmp/vcpustats-perf
rm -rf "$PF_WORK"
mkdir -p "$PF_WORK"

# pf_figure NAME VALUE UNIT [DETAIL...]
pf_figure() {
	echo "PERF $*"
	echo "E2E-INFO PERF $*"
}

# pf_now: seconds since boot, 10 ms resolution (busybox date has no %N).
pf_now() {
	cut -d' ' -f1 /proc/uptime
}

# pf_field LINE KEY: the value of KEY=value in one of vcpustats-bench's
# figure lines.
pf_field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# pf_div A B [FORMAT]: A / B, or "none" when B is 0 or missing.
pf_div() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" \
		'BEGIN { if (b + 0 == 0) print "none"; else printf f "\n", a / b }'
}

# pf_strace_count BACKEND CYCLES: privcmd hypercall ioctls per cycle of
# `vcpustats-bench cycles`, counted from outside by strace between the
# bench's measure-begin/measure-end marker writes.
pf_strace_count() {
	strace -f -qq -s 64 -e trace=ioctl,write -o "$PF_WORK/strace-$1" \
		vcpustats-bench cycles "$1" "$2" >/dev/null 2>"$PF_WORK/strace-$1.err" ||
		{ echo none; return; }
	awk -v n="$2" '
		/write\(2, .*measure-begin/ { on = 1; next }
		/write\(2, .*measure-end/ { on = 0; done = 1; next }
		on && /ioctl\(.*(PRIVCMD_HYPERCALL|_IOC_NONE, 0x50, 0, )/ { h++ }
		END { if (done) printf "%.2f\n", h / n; else print "none" }' \
		"$PF_WORK/strace-$1"
}

# pf_cycles BACKEND N: `vcpustats-bench cycles`, figures printed; sets
# PF_CPU (us/cycle), PF_SMP (us/sample, the backend's part alone),
# PF_HC (in-process count/cycle), PF_ST (strace's).
pf_cycles() {
	pc_line=$(vcpustats-bench cycles "$1" "$2" 2>"$PF_WORK/cycles-$1.err")
	echo "INFO perf-cycles-$1: $pc_line"
	[ -n "$pc_line" ] || sed 's/^/INFO   /' "$PF_WORK/cycles-$1.err"
	PF_CPU=$(pf_field "$pc_line" cpu_us_per_cycle)
	PF_SMP=$(pf_field "$pc_line" sample_cpu_us)
	PF_HC=$(pf_field "$pc_line" hypercalls_per_cycle)
	PF_ST=$(pf_strace_count "$1" 50)
	pf_figure "cycle-cpu-$1" "${PF_CPU:-none}" us/cycle \
		"($(pf_field "$pc_line" domains) domains, $(pf_field "$pc_line" vcpus) vCPUs, $(pf_field "$pc_line" datasources) datasources, $2 cycles, emulated CPU)"
	pf_figure "sample-cpu-$1" "${PF_SMP:-none}" us/sample \
		"(the backend's sample alone, $2 samples)"
	pf_figure "cycle-hypercalls-$1" "${PF_HC:-none}" hypercalls/cycle \
		"(strace, 50 cycles: $PF_ST)"
}

pf_both_zero() {
	[ "$1" = 0.00 ] && [ "$2" = 0.00 ]
}

# pf_op NAME: one cheap domctl-based toolstack operation pair on the idle
# guest NAME: xl pause, then xl unpause (two xl runs, two domctls).
pf_op() {
	xl pause "$1" && xl unpause "$1"
}

# pf_ops_loop SECONDS MAX GUEST: pause/unpause pairs until SECONDS have
# passed or MAX pairs are done; prints "ops seconds" (ops = xl runs).
pf_ops_loop() {
	po_t0=$(pf_now)
	po_n=0 po_bad=0
	while [ "$po_n" -lt "$2" ]; do
		pf_op "$3" >/dev/null 2>&1 || po_bad=$((po_bad + 1))
		po_n=$((po_n + 1))
		awk -v a="$po_t0" -v b="$(pf_now)" -v s="$1" \
			'BEGIN { exit !(b - a >= s) }' && break
	done
	xl unpause "$3" >/dev/null 2>&1
	echo "$((po_n * 2)) $(awk -v a="$po_t0" -v b="$(pf_now)" 'BEGIN { printf "%.2f", b - a }') $po_bad"
}

# pf_interference TAG BACKEND|alone SECONDS: the ops loop alone or with
# vcpustats-bench sampling through BACKEND every PF_INTERVAL_MS.  Sets
# PF_RATE (ops/s) and PF_SAMPLER (the sampler's figure line).
pf_interference() {
	pi_tag=$1 pi_backend=$2 pi_secs=$3
	PF_SAMPLER=
	if [ "$pi_backend" != alone ]; then
		vcpustats-bench loop "$pi_backend" "$PF_INTERVAL_MS" \
			$((pi_secs + 30)) >"$PF_WORK/loop-$pi_tag.out" \
			2>"$PF_WORK/loop-$pi_tag.err" &
		pi_pid=$!
		sleep 1	# past its setup: map tables, open the payload
	fi
	pi_res=$(pf_ops_loop "$pi_secs" "$PF_MAX_OPS" guest-b)
	if [ "$pi_backend" != alone ]; then
		kill -TERM "$pi_pid" 2>/dev/null
		wait "$pi_pid"
		PF_SAMPLER=$(cat "$PF_WORK/loop-$pi_tag.out")
	fi
	# shellcheck disable=SC2086 # split "ops seconds failed" on purpose
	set -- $pi_res
	PF_OPS=$1 PF_SECS=$2
	PF_RATE=$(pf_div "$1" "$2" %.2f)
	PF_OPS_DETAIL="$1 xl runs in $2 s, $3 failed pairs"
}

# pf_tally KIND: add the last pf_interference's ops and seconds to KIND's
# totals; pf_total KIND: the totals' ops/s.
pf_tally() {
	echo "$PF_OPS $PF_SECS" >>"$PF_WORK/tally-$1"
}

pf_total() {
	awk '{ o += $1; s += $2 } END { if (s > 0) printf "%.2f\n", o / s; else print "none" }' \
		"$PF_WORK/tally-$1" 2>/dev/null || echo none
}
