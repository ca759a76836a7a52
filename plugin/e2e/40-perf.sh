# The plugin's performance on the patched hypervisor under QEMU: the
# whole cycle (sample via the backend, derive, encode, write the payload)
# with the table and the hypercall backend: process CPU time per cycle,
# their ratio, privcmd hypercall ioctls per cycle (counted inside
# vcpustats-bench, cross-checked with strace), and the same for the
# backend's sample alone (what differs).  The CPU is emulated (TCG): the
# ratio is the figure, not the absolute times.  The longer benchmarks (the
# marginal cost of a vCPU, the interference with the toolstack) are
# tests/e2e/bench.d/41-perf-scale.sh and 42-perf-interference.sh, which
# `make bench` runs.
# Figures are PERF lines; the assertions are 0 hypercalls and at most one
# system call per cycle for the table backend (plus the counter's own
# sanity: > 0 for hypercall).
# shellcheck disable=SC2154 # PF_HC_*: set by perf-lib.sh's pf_compare
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh
. /opt/e2e/perf-lib.sh

PF_BLOCK=${PERF_E2E_BLOCK:-20}
PF_BLOCKS=${PERF_E2E_BLOCKS:-25}

# The stock hypervisor has no tables to compare with.
[ "$E2E_MODE" = patched ] || exit 0
pe_guests || exit 0

# ---- 1. whole cycle, both backends --------------------------------------
pf_compare "$PF_BLOCK" "$PF_BLOCKS"
pf_strace_figures() {	# pf_strace_figures BACKEND IN-PROCESS-COUNT
	pf_strace "$1" 50
	pf_figure "cycle-hypercalls-$1" "${2:-none}" hypercalls/cycle \
		"(in-process; strace over 50 cycles: $PF_ST)"
	pf_figure "cycle-syscalls-$1" "$PF_SYS" syscalls/cycle \
		"(strace over 50 cycles: $PF_SYS_DETAIL)"
}
pf_strace_figures table "$PF_HC_table"
st_table=$PF_ST
sys_table=$PF_SYS
sys_table_detail=$PF_SYS_DETAIL
pf_strace_figures hypercall "$PF_HC_hypercall"
st_hypercall=$PF_ST
pe_check perf-table-zero-hypercalls \
	"$PF_HC_table per cycle in-process, $st_table by strace (want 0)" \
	pf_both_zero "$PF_HC_table" "$st_table"
# The table backend reads memory, and /proc/loadavg through a descriptor
# kept open: one pread a cycle, no open/read/close.  The writer watches
# its file's directory (inotify, polled in the daemon's wait between
# cycles) instead of looking the path up at every update, so that pread
# is the steady cycle's one system call.
pe_check perf-table-loadavg-one-pread \
	"table cycle: $sys_table/cycle: $sys_table_detail (want pread64 <= 1, no open/read/close)" \
	awk -v d="$sys_table_detail" 'BEGIN {
		n = split(d, kv, ","); bad = 0; pr = 0
		for (i = 1; i <= n; i++) {
			if (split(kv[i], p, ":") != 2) continue
			if (p[1] ~ /^(open|openat|close|read)$/) bad = 1
			if (p[1] == "pread64" || p[1] == "pread") pr += p[2]
		}
		exit !(bad == 0 && pr > 0 && pr <= 1) }'
# The cycle's clock reads (the bracket of the host table read, the
# payload's timestamp) are vDSO calls wherever dom0's clocksource has a
# vDSO path, as on a host with a stable TSC.  Under TCG the same image
# gave 0 clock_gettime per cycle in boots where dom0 ran on the tsc
# clocksource and 3 in another boot, so they are shown, with the
# clocksource, and left out of the count.
clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
pe_check perf-table-one-syscall \
	"table cycle: $sys_table system calls/cycle: $sys_table_detail (want <= 1 besides clock_gettime, which is a vDSO call where the clocksource allows; clocksource ${clocksource:-unknown})" \
	awk -v s="$sys_table" -v d="$sys_table_detail" 'BEGIN {
		n = split(d, kv, ","); clk = 0
		for (i = 1; i <= n; i++)
			if (split(kv[i], p, ":") == 2 && p[1] == "clock_gettime")
				clk += p[2]
		exit !(s != "none" && s - clk <= 1) }'
pe_check perf-hypercall-counted \
	"$PF_HC_hypercall per cycle in-process, $st_hypercall by strace (want > 0, equal)" \
	awk -v a="$PF_HC_hypercall" -v b="$st_hypercall" \
		'BEGIN { exit !(a + 0 > 0 && a == b) }'

exit 0
