# Domain runstates, non-affine time, the host table's freshness and the
# online vCPU count, measured by stats-scenario in three scenes (2 pCPUs,
# dom0 on pCPU0).  Runs before 10-stats-table, which destroys guest-b.
#  1. guest-a and guest-d paused; guest-c's two busy vCPUs share pCPU0
#     with dom0, so pCPU0 only switches between guest vCPUs; pCPU1 idles;
#     guest-b idles.  guest-c: concurrency_hazard, guest-b: blocked,
#     pCPU1's idle rate from the table follows getcpuinfo's;
#  2. guest-d unpaused: busy, soft affinity pCPU0, which guest-c keeps
#     busy: it runs on pCPU1, non-affine;
#  3. guest-c and guest-d destroyed, guest-a unpaused (busy vCPU0 alone on
#     pCPU1, idle vCPU1): partial_run; then `xl vcpu-set` takes vCPU1 down
#     and up again: the table's online count and flags follow.
# Leaves guest-a running (unpaused, 2 vCPUs up) and guest-b running, also
# when the init's time limit ends it (trap).
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO stats-runstates: no tables on this hypervisor"
	exit 0
fi

# XEN_STATS_DOMSTATE_*
CONCURRENCY_HAZARD=2
BLOCKED=3
PARTIAL_RUN=4

a=$(e2e_domid guest-a)
if [ -z "$a" ]; then
	fail stats-runstates "guest-a missing"
	exit 0
fi

cleanup() {
	xl destroy guest-c 2>/dev/null
	xl destroy guest-d 2>/dev/null
	xl unpause guest-a 2>/dev/null
	xl vcpu-set guest-a 2 2>/dev/null
}
trap 'cleanup; exit 0' TERM INT

# vcpus_online NAME: the online vCPU count getdomaininfo reports.
vcpus_online() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# vcpu_set NAME N: ask the guest for N vCPUs and wait until it has them.
vcpu_set() {
	xl vcpu-set "$1" "$2" &&
		e2e_wait 30 sh -c "[ \"\$(xl list $1 | awk 'NR == 2 { print \$4 }')\" = $2 ]"
}

# guest-d boots first, guest-c (pinned to dom0's pCPU) right after: both
# boots overlap, and guest-d is paused before the first scene.
xl pause guest-a
[ -n "$(e2e_domid guest-b)" ] || e2e_guest_start guest-b
e2e_guest_start guest-d
sleep 2
e2e_guest_start guest-c
if ! e2e_guest_wait guest-d; then
	fail stats-runstates "guest-d did not boot"
	cleanup
	exit 0
fi
xl pause guest-d
if ! e2e_guest_wait guest-b || ! e2e_guest_wait guest-c; then
	fail stats-runstates "guest-b/guest-c did not boot"
	cleanup
	exit 0
fi
b=$(e2e_domid guest-b)
c=$(e2e_domid guest-c)
d=$(e2e_domid guest-d)
xl vcpu-list
sleep 1

stats-scenario measure --tries 3 3 "dom:guest-c:$c:$CONCURRENCY_HAZARD" \
	"dom:guest-b:$b:$BLOCKED" idle:1

xl unpause guest-d
sleep 1
xl vcpu-list guest-d
stats-scenario measure --tries 3 3 "nonaffine:guest-d:$d:0"

xl destroy guest-c
xl destroy guest-d
xl unpause guest-a
# Let guest-a's kernel catch up on the time it spent paused.
sleep 3
stats-scenario measure --tries 3 3 "dom:guest-a:$a:$PARTIAL_RUN"

if vcpu_set guest-a 1; then
	stats-scenario online guest-a-down "$a"
else
	fail online-guest-a-down "guest-a did not take vCPU1 down ($(vcpus_online guest-a) online)"
fi
if vcpu_set guest-a 2; then
	stats-scenario online guest-a-up "$a"
else
	fail online-guest-a-up "guest-a did not bring vCPU1 up ($(vcpus_online guest-a) online)"
fi
cleanup
exit 0
