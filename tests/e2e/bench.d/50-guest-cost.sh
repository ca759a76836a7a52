# What the tables cost the guests (a benchmark: PERF lines, no assertion).
# guest-p and guest-q run the same context-switch-heavy workload (their two
# vCPUs ping-pong a token through FIFOs, both hard-pinned to pCPU1); only
# guest-p's statistics table is acquired, so its every runstate change
# also writes its slot and domain section.  They run one at a time, in
# alternating 3 s windows (guest-a paused, so pCPU1 is theirs), and each
# window's round trips per second come from the guest's console
# ("e2e-pingpong: <count> <uptime>").  The host table, acquired by the
# earlier steps, is present in both.
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO guest-cost: no tables on this hypervisor"
	exit 0
fi

ROUNDS=${GUEST_COST_ROUNDS:-5}
WINDOW=${GUEST_COST_WINDOW:-3}

cleanup() {
	xl destroy guest-p 2>/dev/null
	xl destroy guest-q 2>/dev/null
	xl unpause guest-a 2>/dev/null
}
trap 'cleanup; exit 0' TERM INT

# console NAME: the console log of guest-NAME (xenconsoled names it after
# the domain, guest-<domain name>).
console() {
	echo "$E2E_CONSOLE_LOGS/guest-guest-$1.log"
}

# rate NAME FROM: round trips per second in guest-NAME's console lines
# after line FROM (uptime is the guest's clock).
rate() {
	tail -n +"$(($2 + 1))" "$(console "$1")" |
		awk '$1 == "e2e-pingpong:" {
			if (!n++) { c0 = $2; t0 = $3 }
			c1 = $2; t1 = $3
		}
		END { if (t1 > t0) printf "%.1f", (c1 - c0) / (t1 - t0); else print 0 }'
}

lines() {
	wc -l <"$(console "$1")"
}

# window NAME: run guest NAME alone for WINDOW seconds, print its rate.
window() {
	xl unpause "guest-$1"
	sleep 1
	from=$(lines "$1")
	sleep "$WINDOW"
	r=$(rate "$1" "$from")
	xl pause "guest-$1"
	echo "$r"
}

xl pause guest-a
e2e_guest_start guest-p
e2e_guest_start guest-q
if ! e2e_guest_wait guest-p || ! e2e_guest_wait guest-q; then
	echo "INFO guest-cost: guest-p/guest-q did not boot"
	cleanup
	exit 0
fi
stats-scenario acquire "$(e2e_domid guest-p)"
xl pause guest-p
xl pause guest-q

ratios=
i=1
while [ "$i" -le "$ROUNDS" ]; do
	# Alternate which one goes first, so drift favours neither.
	if [ $((i % 2)) -eq 1 ]; then
		p=$(window p); q=$(window q)
	else
		q=$(window q); p=$(window p)
	fi
	ratio=$(awk -v p="$p" -v q="$q" 'BEGIN { if (q > 0) printf "%.4f", p / q; else print 0 }')
	echo "PERF guest-cost round $i: table $p round trips/s, no table $q, ratio $ratio"
	ratios="$ratios $ratio"
	i=$((i + 1))
done
median=$(echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n |
	awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "PERF guest-cost: median throughput ratio table/no table $median over $ROUNDS rounds of ${WINDOW} s (goal >= 0.99)"
cleanup
exit 0
