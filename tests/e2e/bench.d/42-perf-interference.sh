# Interference with the toolstack (a benchmark: `make bench` runs it, in a
# boot of its own with dom0 on 2 vCPUs; `make e2e` leaves it out unless
# E2E_STEPS names it): the throughput of a loop of cheap domctl-based
# toolstack operations (xl pause/unpause of the idle guest-b) alone, with
# the hypercall backend sampling every PF_INTERVAL_MS, and with the table
# backend at the same rate (`vcpustats-bench loop`).  Rounds of the three,
# the order rotated each round, so the host's drifts hit all three alike;
# per round the sampled rates over that round's alone rate, their median,
# and an interval of the median that holds it with at least 95%
# probability whatever the distribution (order statistics).
#
# With two dom0 vCPUs (dom0_vcpus_pin: vCPU N on pCPU N), the toolstack
# (this step's shell, so xl, and xenstored) runs on vCPU0 and the sampler
# on vCPU1, and guest-a (whose busy vCPU shares pCPU1) is paused for the
# step: the sampler's CPU is not the toolstack's, and what is left is the
# interference through Xen (its domctl lock, the hypercalls) and dom0's
# kernel.  Beside each xl window, a finer rate of the same operations
# through libxenctrl (xc-pause-loop: thousands of domctls per second).
# With one dom0 vCPU, the sampler and xl share it: a sampler taking a
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
PF_SECONDS=${PERF_E2E_SECONDS:-6}
PF_XC_SECONDS=${PERF_E2E_XC_SECONDS:-2}
PF_ROUNDS=${PERF_E2E_ROUNDS:-15}
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
pf_figure interference-setup "$vcpus" dom0-vCPUs "($mode; windows of $PF_SECONDS s of xl, then $PF_XC_SECONDS s of xc-pause-loop; $PF_ROUNDS rounds)"

kinds="alone hypercall table"
missing=
r=1
while [ "$r" -le "$PF_ROUNDS" ]; do
	# rotate: round 1 alone first, round 2 hypercall first, ...
	order=$(echo $kinds $kinds | awk -v k=$(((r - 1) % 3)) \
		'{ print $(k + 1), $(k + 2), $(k + 3) }')
	for b in $order; do
		tag=$b-$r
		PF_SAMPLER=
		[ "$b" = alone ] ||
			pf_sampler_start "$tag" "$b" $((PF_SECONDS + PF_XC_SECONDS + 5))
		pf_xl_window "$PF_SECONDS" guest-b
		xl_busy=${PF_BUSY%% *} xl_steal=${PF_BUSY#* }
		s_busy=${PF_BUSY_SAMPLER%% *}
		pf_xc_window "$PF_XC_SECONDS" guest-b
		[ "$b" = alone ] || pf_sampler_stop "$tag"
		share=none
		if [ -n "$PF_SAMPLER" ]; then
			share=$(pf_div "$(pf_field "$PF_SAMPLER" cpu_s)" \
				"$(pf_field "$PF_SAMPLER" seconds)" %.3f)
		fi
		pf_figure "interference-$b-round$r" "$PF_RATE" xl-ops/s \
			"($PF_OPS_DETAIL; xc-pause-loop $PF_XC_RATE domctls/s; toolstack's CPU busy $xl_busy, waiting for its pCPU $xl_steal${PF_SAMPLER_CPU:+; the sampler vCPU busy $s_busy}${PF_SAMPLER:+; sampler every $PF_INTERVAL_MS ms: $PF_SAMPLER; its CPU share $share})"
		echo "$r $b $PF_RATE $xl_busy $share $PF_XC_RATE $s_busy" \
			>>"$PF_WORK/interference"
		if [ "$b" != alone ] && [ -z "$PF_SAMPLER" ]; then
			missing="$missing $tag"
			sed "s/^/INFO perf-interference: sampler $tag: /" \
				"$PF_WORK/loop-$tag.err"
		fi
		[ "$PF_RATE" = none ] && missing="$missing $tag(no xl ops)"
		if [ "$PF_XC_RATE" = none ]; then
			missing="$missing $tag(no xc figure)"
			echo "INFO perf-interference: xc-pause-loop $tag: $PF_XC_LINE"
		fi
		pf_tally "$b"
	done
	r=$((r + 1))
done

# column K of KIND's rows
col() {
	awk -v b="$1" -v k="$2" '$2 == b { print $k }' "$PF_WORK/interference"
}
# per round: KIND's column K over the same round's alone
ratios() {
	awk -v b="$1" -v k="$2" '{ v[$1 " " $2] = $k }
		$2 == b { rounds[$1] = 1 }
		END { for (r in rounds) {
			a = v[r " alone"]; x = v[r " " b]
			if (a != "none" && a + 0 > 0 && x != "none")
				printf "%.4f\n", x / a } }' \
		"$PF_WORK/interference"
}

# shellcheck disable=SC2046 # the values, one word each
set -- $(pf_stats %.2f $(col alone 3))
pf_figure interference-alone "$1" xl-ops/s \
	"(median of $PF_ROUNDS rounds, min $2, max $3; all rounds pooled $(pf_total alone); toolstack's CPU busy median $(pf_stats %.3f $(col alone 4) | cut -d' ' -f1))"
# shellcheck disable=SC2046
set -- $(pf_stats %.0f $(col alone 6))
pf_figure interference-xc-alone "$1" domctls/s \
	"(xc-pause-loop, median of $PF_ROUNDS rounds, min $2, max $3)"
for b in hypercall table; do
	# shellcheck disable=SC2046
	set -- $(pf_stats %.2f $(col "$b" 3))
	rate="$1 (min $2, max $3)"
	# shellcheck disable=SC2046
	set -- $(pf_stats %.3f $(ratios "$b" 3))
	spread="min $2, max $3"
	# shellcheck disable=SC2046
	set -- $(pf_median_ci %.3f $(ratios "$b" 3))
	ratio=$1 lo=$2 hi=$3
	verdict=$(awk -v lo="$lo" -v hi="$hi" 'BEGIN {
		if (lo == "none") print "not judged (too few rounds)"
		else if (lo + 0 >= 0.98) print "met (the interval is above 0.98)"
		else if (hi + 0 < 0.98) print "not met (the interval is below 0.98)"
		else print "not decided (the interval spans 0.98)" }')
	# shellcheck disable=SC2046
	set -- $(pf_stats %.3f $(col "$b" 5))
	pf_figure "interference-$b-sampler" "$ratio" "of alone" \
		"(median of the $PF_ROUNDS rounds' ratios, 95% interval $lo-$hi, $spread; rate $rate xl-ops/s; pooled $(pf_div "$(pf_total "$b")" "$(pf_total alone)" %.3f); sampler CPU share median $1 (min $2, max $3); goal >= 0.98: $verdict)"
	# shellcheck disable=SC2046
	set -- $(pf_stats %.3f $(ratios "$b" 6))
	spread="min $2, max $3"
	# shellcheck disable=SC2046
	set -- $(pf_median_ci %.3f $(ratios "$b" 6))
	pf_figure "interference-xc-$b-sampler" "$1" "of alone" \
		"(xc-pause-loop domctls/s, median of the rounds' ratios, 95% interval $2-$3, $spread; rate $(pf_stats %.0f $(col "$b" 6) | cut -d' ' -f1) domctls/s)"
done
if [ -z "$missing" ]; then
	pass perf-interference-measured "$PF_ROUNDS rounds of alone, hypercall and table windows (xl and xc-pause-loop), every sampler reported"
else
	fail perf-interference-measured "no figure from:$missing"
fi
exit 0
