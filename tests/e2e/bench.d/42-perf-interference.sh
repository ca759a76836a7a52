# Interference with the toolstack (a benchmark: `make bench` runs it;
# `make e2e` leaves it out unless E2E_STEPS names it): the throughput of a
# loop of cheap domctl-based toolstack operations (xl pause/unpause of the
# idle guest-b) alone, with the hypercall backend sampling every
# PF_INTERVAL_MS, and with the table backend at the same rate
# (`vcpustats-bench loop`).  Rounds of the three, the order rotated each
# round, so the host's drifts hit all three alike; per round the sampled
# rates over that round's alone rate, and their median and spread.
#
# dom0 has one vCPU: the sampler and xl share it.  So each measurement
# also says how busy dom0's CPU was and how much CPU the sampler took; if
# dom0 is busy all the time with xl alone, a sampler taking a share s of
# the CPU leaves xl about 1 - s of its rate, whatever the sampler does
# with it (hypercalls or memory reads).
# Figures (PERF lines); the one check is that every window was measured
# and every sampler ran to its end and reported.
# e2e-timeout: 480
# shellcheck disable=SC2154 # PF_*: set by perf-lib.sh
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh
. /opt/e2e/perf-lib.sh

PF_INTERVAL_MS=${PERF_E2E_INTERVAL_MS:-10}
PF_SECONDS=${PERF_E2E_SECONDS:-8}
PF_ROUNDS=${PERF_E2E_ROUNDS:-9}
# shellcheck disable=SC2034 # read by perf-lib.sh
PF_MAX_OPS=${PERF_E2E_MAX_OPS:-300}

[ "$E2E_MODE" = patched ] || exit 0
pe_guests || exit 0

kinds="alone hypercall table"
missing=
r=1
while [ "$r" -le "$PF_ROUNDS" ]; do
	# rotate: round 1 alone first, round 2 hypercall first, ...
	order=$(echo $kinds $kinds | awk -v k=$(((r - 1) % 3)) \
		'{ print $(k + 1), $(k + 2), $(k + 3) }')
	for b in $order; do
		pf_interference "$b-$r" "$b" "$PF_SECONDS"
		# shellcheck disable=SC2086 # "busy steal"
		set -- $PF_BUSY
		busy=$1 steal=$2
		share=none
		if [ -n "$PF_SAMPLER" ]; then
			share=$(pf_div "$(pf_field "$PF_SAMPLER" cpu_s)" \
				"$(pf_field "$PF_SAMPLER" seconds)" %.3f)
		fi
		pf_figure "interference-$b-round$r" "$PF_RATE" xl-ops/s \
			"($PF_OPS_DETAIL; dom0 CPU busy $busy, waiting for its pCPU $steal${PF_SAMPLER:+; sampler every $PF_INTERVAL_MS ms: $PF_SAMPLER; its CPU share $share})"
		echo "$r $b $PF_RATE $busy $share" >>"$PF_WORK/interference"
		if [ "$b" != alone ] && [ -z "$PF_SAMPLER" ]; then
			missing="$missing $b-$r"
			sed "s/^/INFO perf-interference: sampler $b-$r: /" \
				"$PF_WORK/loop-$b-$r.err"
		fi
		[ "$PF_RATE" = none ] && missing="$missing $b-$r(no ops)"
		pf_tally "$b"
	done
	r=$((r + 1))
done

# column K of KIND's rows
col() {
	awk -v b="$1" -v k="$2" '$2 == b { print $k }' "$PF_WORK/interference"
}
# per round: KIND's rate over the same round's alone rate
ratios() {
	awk -v b="$1" '{ rate[$1 " " $2] = $3 }
		$2 == b { rounds[$1] = 1 }
		END { for (r in rounds) {
			a = rate[r " alone"]; x = rate[r " " b]
			if (a + 0 > 0 && x != "none") printf "%.3f\n", x / a } }' \
		"$PF_WORK/interference"
}

# shellcheck disable=SC2046 # the values, one word each
set -- $(pf_stats %.2f $(col alone 3))
pf_figure interference-alone "$1" xl-ops/s \
	"(median of $PF_ROUNDS rounds, min $2, max $3; all rounds pooled $(pf_total alone); dom0 busy median $(pf_stats %.3f $(col alone 4) | cut -d' ' -f1))"
for b in hypercall table; do
	# shellcheck disable=SC2046
	set -- $(pf_stats %.2f $(col "$b" 3))
	rate="$1 (min $2, max $3)"
	# shellcheck disable=SC2046
	set -- $(pf_stats %.3f $(ratios "$b"))
	ratio="$1" spread="min $2, max $3"
	# shellcheck disable=SC2046
	set -- $(pf_stats %.3f $(col "$b" 5))
	pf_figure "interference-$b-sampler" "$ratio" "of alone" \
		"(median of the $PF_ROUNDS rounds' ratios, $spread; rate $rate xl-ops/s; pooled $(pf_div "$(pf_total "$b")" "$(pf_total alone)" %.3f); sampler CPU share median $1 (min $2, max $3), 1 - share $(awk -v s="$1" 'BEGIN { printf "%.3f", 1 - s }'); goal for table >= 0.98)"
done
if [ -z "$missing" ]; then
	pass perf-interference-measured "$PF_ROUNDS rounds of alone, hypercall and table windows, every sampler reported"
else
	fail perf-interference-measured "no figure from:$missing"
fi
exit 0
