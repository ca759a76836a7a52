# What the tables cost the guests: a benchmark (`make bench`, see
# docs/performance.md), not a timed test.  It prints PERF lines; its only
# checks are that the workload ran and its counts came out.
# e2e-timeout: 900
#
# guest-p and guest-q are identical: 2 vCPUs, both hard-pinned to pCPU1,
# running e2e-pingpong (tests/e2e/guest-pingpong.c: a process on each vCPU
# passes a token to the other through a futex, so every round trip is two
# blocks, two wake-ups and two guest-to-guest context switches in Xen).
# They run one at a time (guest-a and guest-b paused, dom0 on pCPU0), in
# alternating windows, p q q p p q ..., and each window's round trips per
# second come from the guest's console ("e2e-pingpong: <count> <seconds>",
# the guest's clock).  A round is one p window and one q window; its ratio
# is p/q.
#
# A table, once acquired, stays until its domain is destroyed, so one guest
# cannot alternate between having a table and not.  Instead, three phases
# of rounds, the host's noise (other work on its cores) cancelling in each
# round's ratio:
#   1. no table at all (unless an earlier step acquired the host table);
#   2. the host table acquired: it costs both guests alike, so only the
#      absolute rates, phase 2 against phase 1, show it (not interleaved:
#      meaningful only when guest time does not depend on the host's other
#      load, as under `make bench`'s QEMU -icount, where the guest's clock
#      counts the instructions it executed);
#   3. guest-p's table acquired as well: the ratio of phase 3's median p/q
#      to phase 2's is what guest-p's table costs it.  Phase 2 is the
#      calibration: whatever tells p from q apart besides the table
#      (placement in memory, boot history) is in both medians and cancels.
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO guest-cost: no tables on this hypervisor"
	exit 0
fi

# Rounds per phase, seconds per window, seconds after unpausing before the
# window starts.
ROUNDS1=${GUEST_COST_ROUNDS1:-6}
ROUNDS2=${GUEST_COST_ROUNDS2:-10}
ROUNDS3=${GUEST_COST_ROUNDS3:-10}
WINDOW=${GUEST_COST_WINDOW:-2}
SETTLE=${GUEST_COST_SETTLE:-0.5}

cleanup() {
	xl destroy guest-p 2>/dev/null
	xl destroy guest-q 2>/dev/null
	xl unpause guest-a 2>/dev/null
	xl unpause guest-b 2>/dev/null
}
trap 'cleanup; exit 0' TERM INT

# console NAME: the console log of guest-NAME (xenconsoled names it after
# the domain, guest-<domain name>).
console() {
	echo "$E2E_CONSOLE_LOGS/guest-guest-$1.log"
}

lines() {
	wc -l <"$(console "$1")"
}

# rate NAME FROM: round trips per second in guest-NAME's console lines
# after line FROM, between the first and the last (the guest's clock);
# 0 when there are fewer than two.
rate() {
	tail -n +"$(($2 + 1))" "$(console "$1")" | tr -d '\r' |
		awk '$1 == "e2e-pingpong:" {
			if (!n++) { c0 = $2; t0 = $3 }
			c1 = $2; t1 = $3
		}
		END { if (n > 1 && t1 > t0) printf "%.1f", (c1 - c0) / (t1 - t0); else print 0 }'
}

# window NAME: run guest NAME alone for SETTLE + WINDOW seconds, print its
# rate over the last WINDOW seconds.
window() {
	xl unpause "guest-$1"
	sleep "$SETTLE"
	from=$(lines "$1")
	sleep "$WINDOW"
	r=$(rate "$1" "$from")
	xl pause "guest-$1"
	echo "$r"
}

# stats FORMAT: "median q1 q3 min max n" of the numbers on stdin, each
# with printf's FORMAT.
stats() {
	sort -n | awk -v f="$1" '{ v[++n] = $1 }
	function q(f,   h, i) {
		h = 1 + (n - 1) * f; i = int(h)
		return (i >= n) ? v[n] : v[i] + (h - i) * (v[i + 1] - v[i])
	}
	END { if (n) printf f " " f " " f " " f " " f " %d\n", q(0.5), q(0.25), q(0.75), v[1], v[n], n }'
}

# phase NUMBER ROUNDS LABEL: run the rounds, print one PERF line each, keep
# the ratios in /tmp/guest-cost.ratio.N and the rates in .rate.N.
phase() {
	: >"/tmp/guest-cost.ratio.$1"
	: >"/tmp/guest-cost.rate.$1"
	i=1
	while [ "$i" -le "$2" ]; do
		# p q, then q p: drift within a round favours neither.
		if [ $((i % 2)) -eq 1 ]; then
			p=$(window p); q=$(window q)
		else
			q=$(window q); p=$(window p)
		fi
		ratio=$(awk -v p="$p" -v q="$q" 'BEGIN { if (p > 0 && q > 0) printf "%.4f", p / q; else print 0 }')
		echo "PERF guest-cost phase $1 ($3) round $i: guest-p $p round trips/s, guest-q $q, ratio $ratio"
		if [ "$ratio" != 0 ]; then
			echo "$ratio" >>"/tmp/guest-cost.ratio.$1"
			echo "$p" >>"/tmp/guest-cost.rate.$1"
			echo "$q" >>"/tmp/guest-cost.rate.$1"
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2046
	set -- "$1" "$3" $(stats %.4f <"/tmp/guest-cost.ratio.$1") \
		$(stats %.1f <"/tmp/guest-cost.rate.$1")
	if [ $# -lt 14 ]; then
		fail "guest-cost-phase$1 no round produced counts"
		return 1
	fi
	echo "PERF guest-cost phase $1 ($2): ratio p/q median $3 (IQR $4-$5, min-max $6-$7, $8 rounds); round trips/s median $9 (IQR ${10}-${11}, min-max ${12}-${13}, $((${14})) windows)"
	pass "guest-cost-phase$1 $8 rounds of ${WINDOW} s windows produced counts"
}

# median FILE
median() {
	stats %.1f <"$1" | cut -d' ' -f1
}

xl pause guest-a
xl pause guest-b
e2e_guest_start guest-p
e2e_guest_start guest-q
if ! e2e_guest_wait guest-p || ! e2e_guest_wait guest-q; then
	fail "guest-cost guest-p/guest-q did not boot"
	cleanup
	exit 0
fi
sleep 2
if grep -q "missing from the guest image" "$(console p)"; then
	fail "guest-cost e2e-pingpong is not in the guest image"
	cleanup
	exit 0
fi
xl pause guest-p
xl pause guest-q
echo "INFO guest-cost: $ROUNDS1/$ROUNDS2/$ROUNDS3 rounds, windows of ${WINDOW} s after ${SETTLE} s"

phase 1 "$ROUNDS1" "no table" || { cleanup; exit 0; }
stats-scenario acquire host
phase 2 "$ROUNDS2" "host table" || { cleanup; exit 0; }
stats-scenario acquire "$(e2e_domid guest-p)"
phase 3 "$ROUNDS3" "host table, guest-p's table" || { cleanup; exit 0; }

# What guest-p's table costs it: phase 3's median ratio over phase 2's;
# the interval: 1000 bootstrap resamples of both phases' rounds.
awk -v r2="$(tr '\n' ' ' </tmp/guest-cost.ratio.2)" \
    -v r3="$(tr '\n' ' ' </tmp/guest-cost.ratio.3)" '
function med(a, n,   i, j, t, w) {
	for (i = 1; i <= n; i++) w[i] = a[i]
	for (i = 2; i <= n; i++) {
		t = w[i]
		for (j = i - 1; j >= 1 && w[j] > t; j--) w[j + 1] = w[j]
		w[j + 1] = t
	}
	return (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
}
function resample(a, n, b,   i) {
	for (i = 1; i <= n; i++) b[i] = a[1 + int(rand() * n)]
}
BEGIN {
	n2 = split(r2, a2, " "); n3 = split(r3, a3, " ")
	est = med(a3, n3) / med(a2, n2)
	srand(1)
	for (k = 1; k <= 1000; k++) {
		resample(a2, n2, b2); resample(a3, n3, b3)
		e[k] = med(b3, n3) / med(b2, n2)
	}
	n = 1000
	for (i = 2; i <= n; i++) {
		t = e[i]
		for (j = i - 1; j >= 1 && e[j] > t; j--) e[j + 1] = e[j]
		e[j + 1] = t
	}
	printf "PERF guest-cost: guest-p with its table / without: %.4f (95%% bootstrap interval %.4f-%.4f; phase 3 median ratio %.4f over phase 2 %.4f; goal >= 0.99)\n",
		est, e[int(n * 0.025)], e[int(n * 0.975)], med(a3, n3), med(a2, n2)
}'
awk -v a="$(median /tmp/guest-cost.rate.1)" -v b="$(median /tmp/guest-cost.rate.2)" \
	'BEGIN { if (a > 0) printf "PERF guest-cost: host table acquired / not, median round trips/s of both guests: %.4f (%s / %s; phases run one after the other, not interleaved)\n", b / a, b, a }'
cleanup
exit 0
