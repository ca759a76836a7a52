# The runstate datasources end to end (rrdp-cpu parity): domain states,
# runnable and non-affine time, from XCP-ng's XEN_DOMCTL_get_runstate_info
# (hypercall backend) or the table's domain aggregates (table backend).
#
# guest-rs (2 vCPUs, both spinning, both pinned to pCPU1 beside guest-a's
# busy vCPU0) is the contention case; guest-b (idle) the blocked one.
#   XCP-ng's hypervisor: the hypercall backend (auto falls back to it on
#     the stock one) publishes every runstate datasource; guest-rs's
#     full_contention + concurrency_hazard >= 0.8, guest-b's blocked >= 0.9;
#     one log line names the domctl as the source.
#   Debian's hypervisor: the hypercall backend publishes none of them and
#     says so in one line.
#   Table backend (patched boots): the set is all of them or none (a
#     series without the aggregates), and with them the same checks.
# Every payload is decoded with rrdd-dump (the strict reader); the
# datasources' metadata go out as E2E-DS lines and the host compares them
# with docs/datasources.md (plugin/e2e/host-check.sh).  The daemon's
# /metrics, scraped twice over loopback, goes out as E2E-METRICS lines for
# promtool on the host; a busy vCPU's running counter must advance about
# 1 s per second between the scrapes.
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh

PR_PORT=9133
PR_NAMES="runstate_fullrun runstate_full_contention runstate_concurrency_hazard
runstate_blocked runstate_partial_run runstate_partial_contention
runnable_any runnable_vcpus numa_node_nonaffine_vcpus"

pe_guests || exit 0
# The scrapes go over loopback, which dom0-init leaves down.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
# guest-b idles on pCPU0 (beside dom0) while pCPU1 is contended: a wake-up
# there would wait behind three spinning vCPUs, which is not idleness.
xl vcpu-pin guest-b all 0

# guest-rs: the contention guest, made here and destroyed at the end (it
# would slow guest-a's busy vCPU for the steps after this one).
cat >/tmp/guest-rs.cfg <<EOF
name = "guest-rs"
type = "pv"
kernel = "$E2E_GUESTS/vmlinuz"
ramdisk = "$E2E_GUESTS/guest.cpio"
extra = "console=hvc0 quiet e2e_role=busy-all"
memory = 128
vcpus = 2
cpus = "1"
on_crash = "destroy"
EOF
rm -f "$E2E_CONSOLE_LOGS/guest-guest-rs.log"
if ! xl create /tmp/guest-rs.cfg >/dev/null 2>&1 ||
   ! e2e_guest_wait guest-rs; then
	fail plugin-runstates-guest-rs "contention guest would not start"
	xl destroy guest-rs 2>/dev/null
	xl vcpu-pin guest-b all all
	exit 0
fi
UUID_RS=$(pe_uuid guest-rs)

# pr_cycle TAG: the last cycle rrdd-mock has read so far.
pr_cycle() {
	sed -n 's/.*"cycle":\([0-9]*\),.*/\1/p' "$PE_WORK/mock-$1.out" |
		tail -n 1
}

# pr_mean TAG UUID NAME...: the rates of the NAMEs summed cycle by cycle,
# averaged over the cycles after PR_FROM that have all of them.
pr_mean() {
	pm_tag=$1 pm_uuid=$2
	shift 2
	for n in "$@"; do
		pe_rates "$pm_tag" "vm $pm_uuid" "$n"
	done | awk -v from="${PR_FROM:-0}" -v want=$# '
		$1 > from { s[$1] += $2; k[$1]++ }
		END { for (c in s) if (k[c] == want) { t += s[c]; m++ }
		      if (m >= 3) printf "%.3f", t / m }'
}

# pr_count TAG UUID: how many of the runstate datasources the last dump has.
pr_count() {
	tail -n 1 "$PE_WORK/dump-$1.jsonl" | tr '{' '\n' | grep "\"vm $2\"" |
		sed -n 's/.*"name": *"\([^"]*\)".*/\1/p' >"$PE_WORK/vm-names"
	pc_n=0
	for n in $PR_NAMES; do
		grep -qx "$n" "$PE_WORK/vm-names" && pc_n=$((pc_n + 1))
	done
	echo "$pc_n"
}

# pr_metadata TAG: every datasource's metadata of every dump, once, for
# the host to compare with the doc (values and uuids left out).
pr_metadata() {
	tr '{' '\n' <"$PE_WORK/dump-$1.jsonl" | grep '"name"' |
		sed -e 's/"value": *[^,]*, *//' \
		    -e 's/"owner": *"vm [^"]*"/"owner": "vm"/' \
		    -e 's/}.*//' | sort -u |
		sed "s/^/E2E-DS $E2E_BOOT $1 {/; s/\$/}/"
}

# pr_running FILE DOMID VCPU: the vCPU's running seconds in a scrape.
pr_running() {
	grep "^xen_vcpu_runstate_seconds_total{" "$1" |
		grep "domid=\"$2\",vcpu=\"$3\",state=\"running\"" |
		awk '{ print $2 }'
}

# pr_scrapes TAG: two scrapes of the daemon's /metrics 5 s apart; the busy
# vCPU's counter; the second scrape to the console for promtool.
pr_scrapes() {
	ps_tag=$1
	ps_dom=$(e2e_domid guest-a)
	wget -q -O "$PE_WORK/om1-$ps_tag" "http://127.0.0.1:$PR_PORT/metrics"
	ps_t1=$(cut -d' ' -f1 /proc/uptime)
	sleep 5
	wget -q -O "$PE_WORK/om2-$ps_tag" "http://127.0.0.1:$PR_PORT/metrics"
	ps_t2=$(cut -d' ' -f1 /proc/uptime)
	ps_r1=$(pr_running "$PE_WORK/om1-$ps_tag" "$ps_dom" 0)
	ps_r2=$(pr_running "$PE_WORK/om2-$ps_tag" "$ps_dom" 0)
	ps_rate=$(awk -v a="$ps_r1" -v b="$ps_r2" -v t1="$ps_t1" -v t2="$ps_t2" \
		'BEGIN { if (a != "" && b != "" && t2 > t1)
			printf "%.3f", (b - a) / (t2 - t1) }')
	# guest-a's vCPU0 shares pCPU1 with guest-rs's two: about a third
	pe_check "plugin-$ps_tag-metrics-running-advances" \
		"guest-a vcpu0 running: $ps_r1 -> $ps_r2 over $ps_t1..$ps_t2 s: $ps_rate s/s" \
		awk -v r="$ps_rate" 'BEGIN { exit !(r != "" && r >= 0.2 && r <= 1.05) }'
	pe_check "plugin-$ps_tag-metrics-scraped" "$(wc -l <"$PE_WORK/om2-$ps_tag") lines" \
		test -s "$PE_WORK/om2-$ps_tag"
	sed "s/^/E2E-METRICS $E2E_BOOT $ps_tag /" "$PE_WORK/om2-$ps_tag"
}

# pr_busy_scrape TAG: guest-rs paused, guest-a's busy vCPU alone on pCPU1:
# its running counter advances about 1 s per second between two scrapes.
pr_busy_scrape() {
	xl pause guest-rs
	sleep 1
	pb_dom=$(e2e_domid guest-a)
	wget -q -O "$PE_WORK/om3-$1" "http://127.0.0.1:$PR_PORT/metrics"
	pb_t1=$(cut -d' ' -f1 /proc/uptime)
	sleep 5
	wget -q -O "$PE_WORK/om4-$1" "http://127.0.0.1:$PR_PORT/metrics"
	pb_t2=$(cut -d' ' -f1 /proc/uptime)
	xl unpause guest-rs
	pb_r1=$(pr_running "$PE_WORK/om3-$1" "$pb_dom" 0)
	pb_r2=$(pr_running "$PE_WORK/om4-$1" "$pb_dom" 0)
	pb_rate=$(awk -v a="$pb_r1" -v b="$pb_r2" -v t1="$pb_t1" -v t2="$pb_t2" \
		'BEGIN { if (a != "" && b != "" && t2 > t1)
			printf "%.3f", (b - a) / (t2 - t1) }')
	pe_check "plugin-$1-metrics-busy-1s-per-s" \
		"guest-a vcpu0 running: $pb_r1 -> $pb_r2 over $pb_t1..$pb_t2 s: $pb_rate s/s" \
		awk -v r="$pb_rate" 'BEGIN { exit !(r != "" && r >= 0.9 && r <= 1.1) }'
}

# pr_run TAG BACKEND [scrape]: with scrape, the scrapes first (guest-rs
# paused a while); then cycles with a dump each period; PR_FROM is the
# last cycle before those.  (A boot's step has 180 s: one run scrapes.)
pr_run() {
	pr_tag=$1
	rm -f "$PE_WORK"/*-"$pr_tag".* "$PE_WORK"/om?-"$pr_tag"
	pe_start "$pr_tag" "$2" --openmetrics "127.0.0.1:$PR_PORT"
	sleep $((PE_PERIOD * 2))
	if [ "${3:-}" = scrape ]; then
		pr_scrapes "$pr_tag"
		pr_busy_scrape "$pr_tag"
		sleep "$PE_PERIOD"
	fi
	PR_FROM=$(pr_cycle "$pr_tag")
	i=0
	while [ $i -lt $((PE_CYCLES + 2)) ]; do
		sleep "$PE_PERIOD"
		pe_dump "$pr_tag"
		i=$((i + 1))
	done
	pe_check "plugin-$pr_tag-alive" "still running" kill -0 "$PE_PLUGIN"
	pe_stop "$pr_tag"
	pe_check "plugin-$pr_tag-payloads-decode" \
		"$(wc -l <"$PE_WORK/dump-$pr_tag.jsonl") dumps (rrdd-dump)" \
		test ! -e "$PE_WORK/dump-$pr_tag.fail"
	pr_metadata "$pr_tag"
	eval "PR_FROM_$(echo "$pr_tag" | tr - _)=\${PR_FROM:-0}"
}

# pr_check_rates TAG: contention, blocked, no rate rrdd would drop (the
# cycles after PR_FROM of that run).
pr_check_rates() {
	eval "PR_FROM=\${PR_FROM_$(echo "$1" | tr - _):-0}"
	ct=$(pr_mean "$1" "$UUID_RS" runstate_full_contention \
		     runstate_concurrency_hazard)
	pe_check "plugin-$1-contention" \
		"guest-rs full_contention + concurrency_hazard: $ct (>= 0.8)" \
		awk -v r="$ct" 'BEGIN { exit !(r != "" && r >= 0.8 && r <= 1.01) }'
	bl=$(pr_mean "$1" "$UUID_B" runstate_blocked)
	pe_check "plugin-$1-idle-blocked" "guest-b runstate_blocked: $bl (>= 0.9)" \
		awk -v r="$bl" 'BEGIN { exit !(r != "" && r >= 0.9 && r <= 1.01) }'
	pr=$(pr_mean "$1" "$UUID_A" runstate_partial_run \
		     runstate_partial_contention)
	echo "INFO plugin-$1: guest-a partial_run + partial_contention $pr," \
		"runnable_vcpus $(pr_mean "$1" "$UUID_RS" runnable_vcpus)," \
		"nonaffine $(pr_mean "$1" "$UUID_A" numa_node_nonaffine_vcpus)"
	nulls=0
	for u in "$UUID_A" "$UUID_B" "$UUID_RS"; do
		for n in $PR_NAMES; do
			# the first rate of a datasource is always null
			k=$(pe_nulls "$1" "vm $u" "$n")
			[ "$k" -gt 1 ] && nulls=$((nulls + k - 1))
		done
	done
	pe_check "plugin-$1-runstate-rates-stored" \
		"rates rrdd would store as NaN after the first: $nulls" \
		test "$nulls" -eq 0
}

# pr_agree TAG1 TAG2: both runs (steady workloads, one after the other)
# give each guest the same runstate rates within 0.05.
pr_agree() {
	for g in A B RS; do
		eval "u=\$UUID_$g"
		for n in $PR_NAMES; do
			eval "PR_FROM=\${PR_FROM_$(echo "$1" | tr - _):-0}"
			r1=$(pr_mean "$1" "$u" "$n")
			eval "PR_FROM=\${PR_FROM_$(echo "$2" | tr - _):-0}"
			r2=$(pr_mean "$2" "$u" "$n")
			pe_check "plugin-$1-vs-$2-guest-$g-$n" "$r1 vs $r2" \
				awk -v a="$r1" -v b="$r2" 'BEGIN { d = a - b
					exit !(a != "" && b != "" && d >= -0.05 && d <= 0.05) }'
		done
	done
}

# pr_expect TAG all|none: the runstate datasources of the three guests.
pr_expect() {
	for g in A B RS; do
		eval "u=\$UUID_$g"
		n=$(pr_count "$1" "$u")
		case $2 in
		all) pe_check "plugin-$1-guest-$g-runstates" "$n of 9" test "$n" -eq 9 ;;
		none) pe_check "plugin-$1-guest-$g-no-runstates" "$n of 9" test "$n" -eq 0 ;;
		esac
	done
}

# pr_source_logged TAG from|not: the hypercall backend's one line.
pr_source_logged() {
	case $2 in
	from) pat='domain runstates from XEN_DOMCTL_get_runstate_info' ;;
	*) pat='domain runstates not published (the hypervisor has no XEN_DOMCTL_get_runstate_info' ;;
	esac
	n=$(grep -cF "$pat" "$PE_WORK/plugin-$1.log")
	pe_check "plugin-$1-runstate-source-logged" "'$pat': $n line(s)" \
		test "$n" -eq 1
}

PE_FAILED=
case "$E2E_XEN" in
xcpng) hc=from ;;
*) hc=not ;;
esac
# The hypercall backend: auto's fallback on the stock hypervisors.
if [ "$E2E_MODE" = stock ]; then
	pr_run rs-auto auto scrape
	pe_check_fallback rs-auto
	tags=rs-auto
else
	pr_run rs-table table scrape
	pr_run rs-hypercall hypercall
	tags=rs-hypercall
fi
pr_source_logged "$tags" "$hc"
if [ "$hc" = from ]; then
	pr_expect "$tags" all
	pr_check_rates "$tags"
else
	pr_expect "$tags" none
fi
if [ "$E2E_MODE" = patched ]; then
	n=$(pr_count rs-table "$UUID_RS")
	echo "INFO plugin-rs-table: $n of 9 runstate datasources (the table's aggregates)"
	pe_check "plugin-rs-table-runstates-all-or-none" "$n of 9" \
		sh -c "test $n -eq 0 || test $n -eq 9"
	if [ "$n" -eq 9 ]; then
		pr_check_rates rs-table
		[ "$hc" = from ] && pr_agree rs-table rs-hypercall
	fi
fi
[ -n "$PE_FAILED" ] && pe_diag "$tags"
xl destroy guest-rs 2>/dev/null
xl vcpu-pin guest-b all all
exit 0
