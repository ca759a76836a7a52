# Interference with the toolstack (a benchmark: `make bench` runs it, in a
# boot of its own with dom0 on 2 vCPUs; `make e2e` leaves it out unless
# E2E_STEPS names it): the throughput of a loop of cheap domctl-based
# toolstack operations (xl pause/unpause of the idle guest-b) alone, with
# the hypercall backend sampling every PF_INTERVAL_MS, and with the table
# backend at the same rate (`vcpustats-bench loop`).  Rounds of short
# windows of the three, the order rotated each round, so the host's
# drifts hit all three alike; per round the sampled rates over that
# round's alone rate, their median, and an interval of the median that
# holds it with at least 95% probability whatever the distribution (order
# statistics).  Then the same with the operations through libxenctrl
# (xc-pause-loop: thousands of domctls per second, a finer rate).
#
# With two dom0 vCPUs (dom0_vcpus_pin: vCPU N on pCPU N), the toolstack
# (this step's shell, so xl, and xenstored) runs on vCPU0 and the sampler
# on vCPU1, and guest-a (whose busy vCPU shares pCPU1) is paused for the
# step: the sampler's CPU is not the toolstack's, and what is left is the
# interference through Xen (its domctl lock, the hypercalls) and dom0's
# kernel.  With one dom0 vCPU, the sampler and xl share it: a sampler taking a
# share s of the CPU leaves xl about 1 - s of its rate, whatever the
# sampler does with it (the earlier design; the figures say which).
#
# Figures (PERF lines).  Checks: with two vCPUs, that the separation holds
# (dom0's vCPUs pinned one per pCPU, guest-a paused); and that every
# window was measured and every sampler ran to its end and reported.
# e2e-timeout: 900
# shellcheck disable=SC2154,SC2034,SC2046,SC2086 # PF_*: shared with perf-lib.sh; word lists split on purpose
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh
. /opt/e2e/perf-lib.sh

PF_INTERVAL_MS=${PERF_E2E_INTERVAL_MS:-10}
PF_SECONDS=${PERF_E2E_SECONDS:-3}
PF_ROUNDS=${PERF_E2E_ROUNDS:-30}
PF_XC_SECONDS=${PERF_E2E_XC_SECONDS:-1}
PF_XC_ROUNDS=${PERF_E2E_XC_ROUNDS:-45}
# shellcheck disable=SC2034 # read by perf-lib.sh
PF_MAX_OPS=${PERF_E2E_MAX_OPS:-300}

[ "$E2E_MODE" = patched ] || exit 0
pe_guests || exit 0

vcpus=$(grep -c '^cpu[0-9]' /proc/stat)
xs_pids=
if [ "$vcpus" -ge 2 ]; then
	PF_LOAD_CPU=0 PF_SAMPLER_CPU=1
	taskset -p -c 0 $$ >/dev/null
	xs_pids=$(cat /run/xenstored.pid 2>/dev/null || pidof xenstored oxenstored)
	for p in $xs_pids; do
		taskset -p -c 0 "$p" >/dev/null
	done
	xl pause guest-a
	trap 'xl unpause guest-a; for p in $xs_pids; do
		taskset -p -c 0-$((vcpus - 1)) "$p" >/dev/null; done' EXIT
	# Each dom0 vCPU's hard affinity is its own pCPU; guest-a is paused.
	pins=$(xl vcpu-list Domain-0 | awk 'NR > 1 { printf "%s:%s ", $3, $7 }')
	bad_pins=$(echo "$pins" | tr ' ' '\n' | awk -F: 'NF == 2 && $1 != $2')
	a_state=$(xl list guest-a | awk 'NR == 2 { print $5 }')
	sep="dom0 vCPU:pCPU hard affinity $pins; xl and xenstored ($xs_pids) on vCPU0 ($(taskset -p -c $$ | sed 's/.*: //')), the sampler on vCPU1; guest-a state $a_state"
	if [ -z "$bad_pins" ] && [ -n "$pins" ] && [ -n "$xs_pids" ] &&
		case "$a_state" in *p*) true ;; *) false ;; esac; then
		pass perf-interference-separated "$sep"
	else
		fail perf-interference-separated "$sep"
	fi
	mode="dom0 on $vcpus vCPUs, xl on vCPU0, the sampler on vCPU1, guest-a paused"
else
	PF_LOAD_CPU='' PF_SAMPLER_CPU=''
	mode="dom0 on 1 vCPU, shared by xl and the sampler"
fi
pf_figure interference-setup "$vcpus" dom0-vCPUs "($mode; $PF_ROUNDS rounds of $PF_SECONDS s xl windows, then $PF_XC_ROUNDS rounds of $PF_XC_SECONDS s xc-pause-loop windows)"

# Both samplers start once (pinned, set up: tables mapped, payload open)
# and are stopped (SIGSTOP) but during the windows of their kind, so the
# windows can be short and closely interleaved: the host's load, which an
# emulated guest sees as its own slowness, drifts within seconds.  A
# stopped sampler takes no CPU and makes no hypercall.
for b in hypercall table; do
	pf_sampler_start "$b" "$b" 3000
	eval "pid_$b=\$PF_SAMPLER_PID"
	kill -STOP "$PF_SAMPLER_PID"
done

kinds="alone hypercall table"
missing=
# run_rounds LOAD ROUNDS: ROUNDS rounds of one window of LOAD (xl or xc)
# per kind, the order rotated each round (round 1 alone first, round 2
# hypercall first, ...); one line per window in $PF_WORK/LOAD: round,
# kind, rate, the toolstack's CPU busy, the sampler vCPU busy.
run_rounds() {
	rr=1
	while [ "$rr" -le "$2" ]; do
		order=$(echo $kinds $kinds | awk -v k=$(((rr - 1) % 3)) \
			'{ print $(k + 1), $(k + 2), $(k + 3) }')
		for b in $order; do
			pid=
			if [ "$b" != alone ]; then
				eval "pid=\$pid_$b"
				kill -CONT "$pid" 2>/dev/null ||
					missing="$missing $b-$1-$rr(sampler gone)"
			fi
			if [ "$1" = xl ]; then
				pf_xl_window "$PF_SECONDS" guest-b
				rate=$PF_RATE unit=xl-ops/s detail=$PF_OPS_DETAIL
			else
				pf_xc_window "$PF_XC_SECONDS" guest-b
				rate=$PF_XC_RATE unit=domctls/s detail=$PF_XC_LINE
			fi
			[ -n "$pid" ] && kill -STOP "$pid" 2>/dev/null
			pf_figure "interference-$1-$b-round$rr" "$rate" "$unit" \
				"($detail; toolstack's CPU busy ${PF_BUSY%% *}, waiting for its pCPU ${PF_BUSY#* }${PF_SAMPLER_CPU:+; the sampler vCPU busy ${PF_BUSY_SAMPLER%% *}})"
			echo "$rr $b $rate ${PF_BUSY%% *} ${PF_BUSY_SAMPLER%% *}" \
				>>"$PF_WORK/$1"
			[ "$rate" = none ] && missing="$missing $b-$1-$rr(no figure)"
			[ "$1" = xl ] && pf_tally "$b"
		done
		rr=$((rr + 1))
	done
}
run_rounds xl "$PF_ROUNDS"
run_rounds xc "$PF_XC_ROUNDS"

for b in hypercall table; do
	eval "PF_SAMPLER_PID=\$pid_$b"
	kill -CONT "$PF_SAMPLER_PID" 2>/dev/null
	pf_sampler_stop "$b"
	pf_figure "interference-$b-sampler-run" "$(pf_field "$PF_SAMPLER" cycles)" cycles \
		"(the $b sampler over the whole step, stopped but in its windows: ${PF_SAMPLER:-no figure})"
	if [ -z "$PF_SAMPLER" ]; then
		missing="$missing $b(sampler)"
		sed "s/^/INFO perf-interference: sampler $b: /" "$PF_WORK/loop-$b.err"
	fi
done

# col LOAD KIND K: column K of KIND's windows of LOAD
col() {
	awk -v b="$2" -v k="$3" '$2 == b { print $k }' "$PF_WORK/$1"
}
# ratios LOAD KIND: per round, KIND's rate over the same round's alone
ratios() {
	awk -v b="$2" '{ v[$1 " " $2] = $3 }
		$2 == b { rounds[$1] = 1 }
		END { for (r in rounds) {
			a = v[r " alone"]; x = v[r " " b]
			if (a != "none" && a + 0 > 0 && x != "none")
				printf "%.4f\n", x / a } }' "$PF_WORK/$1"
}

set -- $(pf_stats %.2f $(col xl alone 3))
pf_figure interference-alone "$1" xl-ops/s \
	"(median of $PF_ROUNDS windows of $PF_SECONDS s, min $2, max $3; all pooled $(pf_total alone); toolstack's CPU busy median $(pf_stats %.3f $(col xl alone 4) | cut -d' ' -f1))"
set -- $(pf_stats %.0f $(col xc alone 3))
pf_figure interference-xc-alone "$1" domctls/s \
	"(xc-pause-loop, median of $PF_XC_ROUNDS windows of $PF_XC_SECONDS s, min $2, max $3)"
for b in hypercall table; do
	set -- $(pf_stats %.2f $(col xl "$b" 3))
	rate="$1 (min $2, max $3)"
	set -- $(pf_stats %.3f $(ratios xl "$b"))
	spread="min $2, max $3"
	set -- $(pf_median_ci %.3f $(ratios xl "$b"))
	ratio=$1 lo=$2 hi=$3
	verdict=$(awk -v lo="$lo" -v hi="$hi" 'BEGIN {
		if (lo == "none") print "not judged (too few rounds)"
		else if (lo + 0 >= 0.98) print "met (the interval is above 0.98)"
		else if (hi + 0 < 0.98) print "not met (the interval is below 0.98)"
		else print "not decided (the interval spans 0.98)" }')
	sbusy=$(pf_stats %.3f $(col xl "$b" 5))
	pf_figure "interference-$b-sampler" "$ratio" "of alone" \
		"(xl ops/s, median of the $PF_ROUNDS rounds' ratios, 95% interval $lo-$hi, $spread; rate $rate xl-ops/s; pooled $(pf_div "$(pf_total "$b")" "$(pf_total alone)" %.3f); the sampler vCPU busy median, min, max $sbusy (alone $(pf_stats %.3f $(col xl alone 5))); goal >= 0.98: $verdict)"
	set -- $(pf_stats %.3f $(ratios xc "$b"))
	spread="min $2, max $3"
	set -- $(pf_median_ci %.3f $(ratios xc "$b"))
	pf_figure "interference-xc-$b-sampler" "$1" "of alone" \
		"(xc-pause-loop domctls/s, median of the $PF_XC_ROUNDS rounds' ratios, 95% interval $2-$3, $spread; rate $(pf_stats %.0f $(col xc "$b" 3) | cut -d' ' -f1) domctls/s)"
done
if [ -z "$missing" ]; then
	pass perf-interference-measured "$PF_ROUNDS rounds of xl windows and $PF_XC_ROUNDS of xc-pause-loop windows, alone, hypercall and table, every one measured, both samplers alive to the end and reported"
else
	fail perf-interference-measured "no figure from:$missing"
fi
exit 0
