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
#     pCPU1, idle vCPU1): partial_run.
# The online count is 90-stats-online's: a vCPU the guest brought back up
# keeps ticking (5-16% of an idle vCPU under emulation), which the later
# steps' idle checks on guest-a would see.
# Leaves guest-a running (unpaused) and guest-b running, also when the
# init's time limit ends it (trap).
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
}
trap 'cleanup; exit 0' TERM INT

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

cleanup
exit 0
