# The marginal cost of a vCPU, table against hypercall backend, in one
# process on the patched hypervisor under QEMU (a benchmark: `make bench`
# runs it; `make e2e` leaves it out unless E2E_STEPS names it).
#
# Extra domains with 1 to 128 vCPUs are created paused (`xl create -p`:
# built, never run, so they cost the emulated CPUs nothing).  Each point
# samples the running domains (dom0, guest-a, guest-b) plus one extra
# domain, so every point has as many domains and the points differ only in
# vCPUs.  `vcpustats-bench scale` interleaves the points and the backends
# round by round (a table block runs 10 times the cycles of a hypercall
# block: they cost tens of times less), and fits CPU time per cycle
# against vCPUs: the slope is
# what one more vCPU costs each backend (the per-cycle system calls and the
# per-domain work stay in the intercept), and the slopes' ratio is the
# figure.  Assertions only where the outcome is certain: no hypercall for
# the table backend at any point, and one more hypercall per cycle for
# each vCPU more with the hypercall backend (getvcpuinfo per vCPU).
# e2e-timeout: 300
# shellcheck disable=SC2154 # set by perf-lib.sh
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh
. /opt/e2e/perf-lib.sh

PS_VCPUS=${PERF_E2E_SCALE_VCPUS:-1 16 32 64 128}
PS_MEM=${PERF_E2E_SCALE_MEM:-96}
PS_BLOCK=${PERF_E2E_SCALE_BLOCK:-20}
PS_ROUNDS=${PERF_E2E_SCALE_ROUNDS:-21}

[ "$E2E_MODE" = patched ] || exit 0
pe_guests || exit 0

# ps_create N: the paused domain perf-vN with N vCPUs; prints its domid.
ps_create() {
	pc_cfg=$PF_WORK/perf-v$1.cfg
	cat >"$pc_cfg" <<-EOF
	name = "perf-v$1"
	type = "pv"
	kernel = "$E2E_GUESTS/vmlinuz"
	extra = "console=hvc0 quiet"
	memory = $PS_MEM
	vcpus = $1
	on_crash = "destroy"
	EOF
	xl create -p "$pc_cfg" >"$PF_WORK/create-v$1.out" 2>&1 || {
		sed 's/^/INFO perf-scale: create: /' "$PF_WORK/create-v$1.out" >&2
		return 1
	}
	e2e_domid "perf-v$1"
}

ids=
created=
for n in $PS_VCPUS; do
	t0=$(pf_now)
	if id=$(ps_create "$n") && [ -n "$id" ]; then
		ids="$ids $id"
		created="$created perf-v$n"
		echo "INFO perf-scale: perf-v$n (domid $id, $n vCPUs, paused," \
			"$PS_MEM MiB) created in $(awk -v a="$t0" -v b="$(pf_now)" \
			'BEGIN { printf "%.1f", b - a }') s"
	else
		echo "INFO perf-scale: perf-v$n could not be created"
	fi
done

# shellcheck disable=SC2086 # the domids, one word each
out=$(vcpustats-bench scale "$PS_BLOCK" "$PS_ROUNDS" $ids 2>"$PF_WORK/scale.err")
echo "$out" | sed 's/^/INFO perf-scale: /'
[ -n "$out" ] || sed 's/^/INFO perf-scale: /' "$PF_WORK/scale.err"
for d in $created; do
	xl destroy "$d" >/dev/null 2>&1
done

points=$(echo "$out" | grep '^point ')
[ -n "$points" ] || { fail perf-scale "no figures (domains:$ids)"; exit 0; }
echo "$points" | while IFS= read -r line; do
	v=$(pf_field "$line" vcpus)
	pf_figure "scale-cycle-cpu-table-v$v" "$(pf_field "$line" table_cycle_us)" \
		us/cycle "($(pf_field "$line" domains) domains, $v vCPUs, $(pf_field "$line" datasources) datasources; sample alone $(pf_field "$line" table_sample_us) us; median of $PS_ROUNDS blocks of $(pf_field "$line" table_cycles_per_block))"
	pf_figure "scale-cycle-cpu-hypercall-v$v" "$(pf_field "$line" hypercall_cycle_us)" \
		us/cycle "(sample alone $(pf_field "$line" hypercall_sample_us) us; $(pf_field "$line" hypercall_hypercalls_per_cycle) hypercalls/cycle; median of $PS_ROUNDS blocks of $(pf_field "$line" hypercall_cycles_per_block))"
done
for what in cycle sample; do
	line=$(echo "$out" | grep "^slope what=$what ")
	for b in table hypercall; do
		pf_figure "scale-$what-slope-$b" "$(pf_field "$line" "${b}_ns_per_vcpu")" \
			ns/vCPU "(least squares over the points' medians; per round median/min/max $(pf_field "$line" "round_${b}_ns") ns; fixed part $(pf_field "$line" "${b}_fixed_us") us)"
	done
	pf_figure "scale-$what-slope-ratio" "$(pf_field "$line" ratio)" x \
		"(hypercall / table CPU per added vCPU, $what; per round median/min/max $(pf_field "$line" round_ratio); goal >= 100)"
	# The same fit over each point's least disturbed block: the host's
	# load only ever adds CPU time.
	pf_figure "scale-$what-slope-min-ratio" "$(pf_field "$line" min_ratio)" x \
		"(over the points' minima: table $(pf_field "$line" min_table_ns_per_vcpu) ns/vCPU, hypercall $(pf_field "$line" min_hypercall_ns_per_vcpu) ns/vCPU)"
done

tz=$(echo "$points" | awk '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "%s:%s ", f["vcpus"], f["table_hypercalls_per_cycle"] }')
pe_check perf-scale-table-zero-hypercalls \
	"table backend, vCPUs:hypercalls per cycle at each point: $tz(want 0)" \
	awk -v t="$tz" 'BEGIN { n = split(t, p, " "); if (n < 1) exit 1
		for (i = 1; i <= n; i++) { split(p[i], kv, ":")
			if (kv[2] != "0.00") exit 1 }
		exit 0 }'
# Hypercalls per cycle minus vCPUs: the same at every point (one
# getvcpuinfo per vCPU, the rest per cycle or per domain), and at least
# two points.
extra=$(echo "$points" | awk '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "%s:%.2f ", f["vcpus"], f["hypercall_hypercalls_per_cycle"] - f["vcpus"] }')
pe_check perf-scale-hypercall-per-vcpu \
	"hypercall backend, vCPUs:(hypercalls per cycle - vCPUs) at each point: $extra(want one value, >= 2 points)" \
	awk -v e="$extra" 'BEGIN { n = split(e, p, " "); if (n < 2) exit 1
		for (i = 1; i <= n; i++) { split(p[i], kv, ":"); v[i] = kv[2] }
		for (i = 2; i <= n; i++) if (v[i] != v[1]) exit 1
		exit 0 }'
exit 0
