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

# pf_strace BACKEND CYCLES: `vcpustats-bench cycles` under strace (every
# system call), counted between the bench's measure-begin/measure-end
# marker writes.  Sets PF_ST (privcmd hypercall ioctls per cycle, counted
# from outside), PF_SYS (system calls per cycle) and PF_SYS_DETAIL (per
# name, per cycle).
pf_strace() {
	PF_ST=none PF_SYS=none PF_SYS_DETAIL=
	strace -f -qq -s 64 -o "$PF_WORK/strace-$1" \
		vcpustats-bench cycles "$1" "$2" >"$PF_WORK/strace-$1.out" \
		2>"$PF_WORK/strace-$1.err" || return 0
	# shellcheck disable=SC2046 # three words on purpose
	set -- $(awk -v n="$2" '
		/write\(2, .*measure-begin/ { on = 1; next }
		/write\(2, .*measure-end/ { on = 0; done = 1; next }
		on && /ioctl\(.*(PRIVCMD_HYPERCALL|_IOC_NONE, 0x50, 0, )/ { h++ }
		on && match($0, /^[0-9]+ +[a-z_0-9]+\(/) {
			split(substr($0, RSTART, RLENGTH - 1), f, / +/)
			c[f[2]]++; t++ }
		END {
			if (!done) { print "none none"; exit }
			printf "%.2f %.2f ", h / n, t / n
			for (k in c) printf "%s:%.2f,", k, c[k] / n
			print "" }' "$PF_WORK/strace-$1")
	PF_ST=$1 PF_SYS=$2 PF_SYS_DETAIL=${3:-}
}

# pf_compare N BLOCKS: `vcpustats-bench compare`, both backends
# interleaved in one process; prints the figures; sets PF_HC_<backend>
# (in-process hypercall ioctls per cycle).
pf_compare() {
	pc_out=$(vcpustats-bench compare "$1" "$2" 2>"$PF_WORK/compare.err")
	echo "$pc_out" | sed 's/^/INFO perf-compare: /'
	[ -n "$pc_out" ] || sed 's/^/INFO   /' "$PF_WORK/compare.err"
	pc_ratio=$(echo "$pc_out" | grep '^ratio ')
	for pc_b in table hypercall; do
		pc_line=$(echo "$pc_out" | grep "^backend=$pc_b ")
		pf_figure "cycle-cpu-$pc_b" "$(pf_field "$pc_line" cycle_cpu_us)" us/cycle \
			"(median of $2 blocks of $1; $(pf_field "$pc_line" domains) domains, $(pf_field "$pc_line" vcpus) vCPUs, $(pf_field "$pc_line" datasources) datasources; emulated CPU)"
		pf_figure "sample-cpu-$pc_b" "$(pf_field "$pc_line" sample_cpu_us)" us/sample \
			"(the backend's sample alone, median of $2 blocks of $1)"
	done
	PF_HC_table=$(pf_field "$(echo "$pc_out" | grep '^backend=table ')" \
		hypercalls_per_cycle)
	PF_HC_hypercall=$(pf_field "$(echo "$pc_out" | grep '^backend=hypercall ')" \
		hypercalls_per_cycle)
	pf_figure cycle-cpu-ratio "$(pf_field "$pc_ratio" cycle_ratio)" x \
		"(hypercall / table CPU per whole cycle, median of the $2 rounds' ratios; goal >= 20)"
	pf_figure sample-cpu-ratio "$(pf_field "$pc_ratio" sample_ratio)" x \
		"(hypercall / table CPU per sample, the backend's part alone)"
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

# pf_cpustat [N]: dom0's CPU time so far, in ticks, "busy total steal"
# (busy is all but idle, iowait, steal): all its vCPUs (/proc/stat's cpu
# line), or vCPU N's (its cpuN line).
pf_cpustat() {
	awk -v c="cpu${1:-}" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6 - $9, t, $9; exit }' /proc/stat
}

# pf_cpushare BEFORE AFTER: two pf_cpustat lines' difference as "busy
# steal", shares of the time between them ("none none" without any).
pf_cpushare() {
	# shellcheck disable=SC2086 # two lines of three numbers
	set -- $1 $2
	awk -v b0="${1:-0}" -v t0="${2:-0}" -v s0="${3:-0}" -v b1="${4:-0}" \
		-v t1="${5:-0}" -v s1="${6:-0}" 'BEGIN { t = t1 - t0
		if (t <= 0) { print "none none"; exit }
		printf "%.3f %.3f\n", (b1 - b0) / t, (s1 - s0) / t }'
}

# pf_sampler_start TAG BACKEND SECONDS: `vcpustats-bench loop BACKEND
# PF_INTERVAL_MS` in the background for at most SECONDS + 30 (on dom0's
# vCPU PF_SAMPLER_CPU when that is set), then a second for its setup (map
# tables, open the payload).
pf_sampler_start() {
	ps_pin=
	[ -n "${PF_SAMPLER_CPU:-}" ] && ps_pin="taskset -c $PF_SAMPLER_CPU"
	# shellcheck disable=SC2086 # empty or three words
	$ps_pin vcpustats-bench loop "$2" "$PF_INTERVAL_MS" $(($3 + 30)) \
		>"$PF_WORK/loop-$1.out" 2>"$PF_WORK/loop-$1.err" &
	PF_SAMPLER_PID=$!
	sleep 1
}

# pf_sampler_stop TAG: stop the sampler; PF_SAMPLER is its figure line
# (empty when it left none).
pf_sampler_stop() {
	kill -TERM "$PF_SAMPLER_PID" 2>/dev/null
	wait "$PF_SAMPLER_PID"
	PF_SAMPLER=$(cat "$PF_WORK/loop-$1.out")
}

# pf_load_stat: pf_cpustat of the CPU the toolstack load runs on
# (PF_LOAD_CPU, or all of dom0's), then of the sampler's (PF_SAMPLER_CPU),
# on one line.
pf_load_stat() {
	echo "$(pf_cpustat "${PF_LOAD_CPU:-}")" \
		"$(if [ -n "${PF_SAMPLER_CPU:-}" ]; then pf_cpustat "$PF_SAMPLER_CPU"; else echo 0 0 0; fi)"
}

# pf_load_shares BEFORE AFTER: from two pf_load_stat lines, PF_BUSY ("busy
# steal" of the load's CPU) and PF_BUSY_SAMPLER (the sampler's CPU's).
pf_load_shares() {
	# shellcheck disable=SC2086 # six numbers each
	set -- $1 $2
	PF_BUSY=$(pf_cpushare "$1 $2 $3" "$7 $8 $9")
	shift 3
	PF_BUSY_SAMPLER=$(pf_cpushare "$1 $2 $3" "$7 $8 $9")
}

# pf_xl_window SECONDS GUEST: the xl loop (pf_ops_loop) on GUEST for
# SECONDS; sets PF_OPS, PF_SECS, PF_RATE (xl runs per second),
# PF_OPS_DETAIL, PF_BUSY and PF_BUSY_SAMPLER.
pf_xl_window() {
	px_stat0=$(pf_load_stat)
	px_res=$(pf_ops_loop "$1" "$PF_MAX_OPS" "$2")
	px_stat1=$(pf_load_stat)
	pf_load_shares "$px_stat0" "$px_stat1"
	# shellcheck disable=SC2086 # split "ops seconds failed" on purpose
	set -- $px_res
	PF_OPS=$1 PF_SECS=$2
	PF_RATE=$(pf_div "$1" "$2" %.2f)
	PF_OPS_DETAIL="$1 xl runs in $2 s, $3 failed pairs"
}

# pf_xc_window SECONDS GUEST: xc-pause-loop on GUEST for SECONDS; sets
# PF_XC_RATE (domctls per second, "none" without a figure), PF_XC_LINE
# (its figure line), PF_BUSY and PF_BUSY_SAMPLER.
pf_xc_window() {
	px_stat0=$(pf_load_stat)
	PF_XC_LINE=$(xc-pause-loop "$(xl domid "$2")" "$1" 2>&1)
	px_stat1=$(pf_load_stat)
	pf_load_shares "$px_stat0" "$px_stat1"
	PF_XC_RATE=$(pf_field "$PF_XC_LINE" ops_per_s)
	[ -n "$PF_XC_RATE" ] && [ "$(pf_field "$PF_XC_LINE" failed)" = 0 ] ||
		PF_XC_RATE=none
}

# pf_sorted VALUE...: the values but "none", one a line, in numeric order.
pf_sorted() {
	echo "$@" | tr ' ' '\n' | grep -v '^none$' | grep . | sort -n
}

# pf_median_ci FORMAT VALUE...: "median low high" with the order
# statistics k and n + 1 - k around the median: the largest k whose
# binomial tail P(Bin(n, 1/2) < k) is at most 2.5%, so the interval holds
# the true median with at least 95% probability, whatever the values'
# distribution ("none" for the interval below 6 values).
pf_median_ci() {
	pm_fmt=$1
	shift
	pf_sorted "$@" | awk -v f="$pm_fmt" '{ v[NR] = $1 } END {
			n = NR
			if (n == 0) { print "none none none"; exit }
			m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			# no ^ (busybox awk without its maths): 2 to the n
			two_n = 1
			for (i = 0; i < n; i++) two_n *= 2
			c = 1; p = 0; k = 0
			for (i = 0; i < n; i++) {
				p += c / two_n
				if (p > 0.025) break
				k = i + 1
				c = c * (n - i) / (i + 1)
			}
			if (k < 1) printf f " none none\n", m
			else printf f " " f " " f "\n", m, v[k], v[n + 1 - k] }'
}

# pf_stats FORMAT VALUE...: "median min max" of the values, each printed
# with FORMAT (e.g. %.2f); "none none none" when there are none.
pf_stats() {
	ps_fmt=$1
	shift
	pf_sorted "$@" | awk -v f="$ps_fmt" '{ v[NR] = $1 } END {
			if (NR == 0) { print "none none none"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf f " " f " " f "\n", m, v[1], v[NR] }'
}

# pf_tally KIND: add the last pf_xl_window's ops and seconds to KIND's
# totals; pf_total KIND: the totals' ops/s.
pf_tally() {
	echo "$PF_OPS $PF_SECS" >>"$PF_WORK/tally-$1"
}

pf_total() {
	awk '{ o += $1; s += $2 } END { if (s > 0) printf "%.2f\n", o / s; else print "none" }' \
		"$PF_WORK/tally-$1" 2>/dev/null || echo none
}
