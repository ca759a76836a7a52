# Helpers of the plugin's e2e steps (plugin/e2e/3*-plugin-*.sh), busybox
# sh; installed as /opt/e2e/plugin-lib.sh.
#
# tests/e2e/build-initramfs puts the steps into dom0.d and this file into
# /opt/e2e, with strace (scripts/deps/e2e.list) and the programs they run
# (xcp-rrdd-vcpustats, rrdd-mock, rrdd-dump: all in $(PROGRAMS)).
# Every check prints `PASS name detail` or `FAIL name detail`.

PE_WORK=/tmp/vcpustats-e2e
PE_SOCK=$PE_WORK/xcp-rrdd
PE_METRICS=$PE_WORK/metrics
PE_UID=vcpustats
PE_PERIOD=${PLUGIN_E2E_PERIOD:-3}
PE_CYCLES=${PLUGIN_E2E_CYCLES:-5}
mkdir -p "$PE_METRICS"

# pe_uuid NAME: the guest's UUID (xl list -v, 7th column).
pe_uuid() {
	xl list -v 2>/dev/null | awk -v n="$1" '$1 == n { print $7 }'
}

# pe_guests: both guests up; sets UUID_A and UUID_B.  False (and FAIL)
# when they cannot be had.
pe_guests() {
	e2e_guest_ensure guest-a || fail plugin-guests "guest-a would not start"
	e2e_guest_ensure guest-b || fail plugin-guests "guest-b would not start"
	UUID_A=$(pe_uuid guest-a)
	UUID_B=$(pe_uuid guest-b)
	if [ -z "$UUID_A" ] || [ -z "$UUID_B" ]; then
		fail plugin-guests "no uuid: guest-a '$UUID_A', guest-b '$UUID_B'"
		return 1
	fi
}

pe_check() {	# pe_check NAME DETAIL CMD...: PASS when CMD succeeds
	pc_name=$1 pc_detail=$2
	shift 2
	if "$@"; then
		pass "$pc_name" "$pc_detail"
	else
		fail "$pc_name" "$pc_detail"
		PE_FAILED=yes
	fi
}

# pe_start TAG BACKEND [EXTRA...]: start rrdd-mock, then the plugin.
pe_start() {
	ps_tag=$1 ps_backend=$2
	shift 2
	rm -f "$PE_SOCK" "$PE_METRICS/$PE_UID"
	rrdd-mock --socket "$PE_SOCK" --metrics-dir "$PE_METRICS" \
		--period "$PE_PERIOD" >"$PE_WORK/mock-$ps_tag.out" \
		2>"$PE_WORK/mock-$ps_tag.err" &
	PE_MOCK=$!
	e2e_wait 10 test -S "$PE_SOCK"
	xcp-rrdd-vcpustats --backend "$ps_backend" --uid "$PE_UID" \
		--rrdd-socket "$PE_SOCK" --metrics-dir "$PE_METRICS" \
		--foreground --verbose "$@" 2>"$PE_WORK/plugin-$ps_tag.log" &
	PE_PLUGIN=$!
}

# pe_diag TAG: what the serial log needs after a failure.
pe_diag() {
	echo "INFO plugin-$1 rrdd-mock events:"
	grep '"event"' "$PE_WORK/mock-$1.out" 2>/dev/null | tail -n 8 |
		sed 's/^/INFO   /'
	echo "INFO plugin-$1 log:"
	grep -v ': debug: ' "$PE_WORK/plugin-$1.log" 2>/dev/null |
		tail -n 8 | sed 's/^/INFO   /'
}

# pe_dump TAG: decode the payload file now; one line per dump.
pe_dump() {
	rrdd-dump "$PE_METRICS/$PE_UID" >>"$PE_WORK/dump-$1.jsonl" \
		2>>"$PE_WORK/dump-$1.err" ||
		echo "dump failed at $(date +%s)" >>"$PE_WORK/dump-$1.fail"
}

# pe_stop TAG: SIGTERM the plugin, check a clean exit, stop the mock.
pe_stop() {
	pp_tag=$1
	kill -TERM "$PE_PLUGIN" 2>/dev/null
	wait "$PE_PLUGIN"
	rc=$?
	pe_check "plugin-$pp_tag-sigterm" "exit status $rc" test "$rc" -eq 0
	pe_check "plugin-$pp_tag-file-removed" "$PE_METRICS/$PE_UID" \
		test ! -e "$PE_METRICS/$PE_UID"
	sleep 1
	kill -TERM "$PE_MOCK" 2>/dev/null
	wait "$PE_MOCK" 2>/dev/null
	pe_check "plugin-$pp_tag-deregistered" "rrdd-mock saw deregister" \
		grep -q '"event":"deregister"' "$PE_WORK/mock-$pp_tag.out"
}

# pe_run TAG BACKEND: PE_CYCLES+2 mock cycles with a dump each period.
pe_run() {
	tag=$1
	rm -f "$PE_WORK"/*-"$tag".*
	pe_start "$@"
	i=0
	while [ $i -lt $((PE_CYCLES + 2)) ]; do
		sleep "$PE_PERIOD"
		pe_dump "$tag"
		i=$((i + 1))
	done
	pe_check "plugin-$tag-alive" "still running after $i periods" \
		kill -0 "$PE_PLUGIN"
	pe_stop "$tag"
}

# pe_rates TAG OWNER NAME: "cycle rate" lines of rrdd-mock's output.
pe_rates() {
	grep "\"uid\":\"$PE_UID\"" "$PE_WORK/mock-$1.out" |
	grep "\"owner\":\"$2\",\"name\":\"$3\"," |
	sed -n 's/.*"cycle":\([0-9]*\),.*"rate":\([-0-9.eE+][-0-9.eE+]*\).*/\1 \2/p'
}

# pe_nulls TAG OWNER NAME: cycles whose rate was NaN (outside min..max,
# or no previous sample), as xcp-rrdd would store them.
pe_nulls() {
	grep "\"uid\":\"$PE_UID\"" "$PE_WORK/mock-$1.out" |
	grep "\"owner\":\"$2\",\"name\":\"$3\"," | grep -c '"rate":null'
}

# pe_last TAG OWNER NAME: the last PE_CYCLES-1 rates, space-separated.
pe_last() {
	pe_rates "$@" | tail -n $((PE_CYCLES - 1)) | awk '{ printf "%s ", $2 }'
}

# pe_all_within RATES LO HI: every rate in [LO, HI], and at least 3.
pe_all_within() {
	echo "$1" | awk -v lo="$2" -v hi="$3" '
		{ for (i = 1; i <= NF; i++) { n++; if ($i < lo || $i > hi) bad++ } }
		END { exit !(n >= 3 && bad == 0) }'
}

pe_check_run() {
	tag=$1
	PE_FAILED=
	a0=$(pe_last "$tag" "vm $UUID_A" cpu0)
	a1=$(pe_last "$tag" "vm $UUID_A" cpu1)
	b0=$(pe_last "$tag" "vm $UUID_B" cpu0)
	pe_check "plugin-$tag-busy-vcpu" "guest-a cpu0 rates: $a0($(pe_nulls "$tag" "vm $UUID_A" cpu0) NaN)" \
		pe_all_within "$a0" 0.95 1.05
	pe_check "plugin-$tag-idle-vcpus" "guest-a cpu1: $a1; guest-b cpu0: $b0" \
		pe_all_within "$a1 $b0" 0 0.1
	# cpu_usage is the mean over online vCPUs, cycle by cycle.
	bad=$(pe_rates "$tag" "vm $UUID_A" cpu0 >"$PE_WORK/c0"
	      pe_rates "$tag" "vm $UUID_A" cpu1 >"$PE_WORK/c1"
	      pe_rates "$tag" "vm $UUID_A" cpu_usage >"$PE_WORK/cu"
	      awk 'FILENAME ~ /c0$/ { c0[$1] = $2 } FILENAME ~ /c1$/ { c1[$1] = $2 }
		   FILENAME ~ /cu$/ { if (($1 in c0) && ($1 in c1)) { n++
			d = $2 - (c0[$1] + c1[$1]) / 2; if (d < -0.05 || d > 0.05) b++ } }
		   END { print (n >= 3 ? b + 0 : "none") }' \
		  "$PE_WORK/c0" "$PE_WORK/c1" "$PE_WORK/cu")
	pe_check "plugin-$tag-cpu-usage" "cycles off by > 0.05: $bad" \
		test "$bad" = 0
	pe_check "plugin-$tag-payloads-decode" \
		"$(wc -l <"$PE_WORK/dump-$tag.jsonl") dumps" \
		test ! -e "$PE_WORK/dump-$tag.fail"
	pe_check "plugin-$tag-no-stale-payload" "rrdd-mock: no 'no update'/'error'" \
		sh -c "! grep '\"uid\":\"$PE_UID\"' '$PE_WORK/mock-$tag.out' |
		       grep -q '\"event\":\"\(no update\|error\)\"'"
	# The payload timestamp moves on every cycle.
	pe_check "plugin-$tag-fresh-timestamps" "one new timestamp per cycle" sh -c "
		grep '\"uid\":\"$PE_UID\"' '$PE_WORK/mock-$tag.out' |
		grep '\"name\":\"cpu_usage\"' | grep '\"owner\":\"vm $UUID_A\"' |
		sed -n 's/.*\"ts\":\([0-9.eE+]*\).*/\1/p' |
		awk 'NR > 1 && \$1 <= last { bad = 1 } { last = \$1; n++ }
		     END { exit !(n >= $PE_CYCLES && !bad) }'"
	[ -n "$PE_FAILED" ] && pe_diag "$tag"
	return 0
}

# pe_names TAG: the datasource set of the last dump: "owner-kind name".
pe_names() {
	tail -n 1 "$PE_WORK/dump-$1.jsonl" | tr '{' '\n' |
	sed -n 's/.*"name": *"\([^"]*\)".*"owner": *"\([a-z]*\)[^"]*".*/\2 \1/p' |
	sort -u
}

# pe_compare TAG1 TAG2: the two runs published the same datasources at
# about the same rates.  Only XCP-ng's hypervisor answers the domain
# runstate domctl, so elsewhere the hypercall backend has no runstate
# datasources while the tables do (34-plugin-runstates checks both
# sides): they are left out of the comparison there.
pe_compare() {
	pe_names "$1" >"$PE_WORK/names-$1"
	pe_names "$2" >"$PE_WORK/names-$2"
	if [ "${E2E_XEN:-}" != xcpng ]; then
		for t in "$1" "$2"; do
			grep -vE ' (runstate_|runnable_|numa_node_nonaffine_vcpus$)' \
				"$PE_WORK/names-$t" >"$PE_WORK/names-$t.cmp"
			mv "$PE_WORK/names-$t.cmp" "$PE_WORK/names-$t"
		done
	fi
	pe_check "plugin-$1-vs-$2-datasources" \
		"$(wc -l <"$PE_WORK/names-$1") kinds of datasource" \
		cmp -s "$PE_WORK/names-$1" "$PE_WORK/names-$2"
	for n in "vm cpu0" "vm cpu1" "vm cpu_usage" "host cpu0" "host cpu_avg" \
		 "host loadavg" "host hostload" "host running_vcpus" \
		 "host running_domains"; do
		pe_check "plugin-$1-has-$(echo "$n" | tr ' ' '-')" "$n" \
			grep -qx "$n" "$PE_WORK/names-$1"
	done
	r1=$(pe_last "$1" "vm $UUID_A" cpu0 | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s / NF }')
	r2=$(pe_last "$2" "vm $UUID_A" cpu0 | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s / NF }')
	pe_check "plugin-$1-vs-$2-rates" "guest-a cpu0: $r1 vs $r2" \
		awk -v a="$r1" -v b="$r2" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d >= -0.05 && d <= 0.05) }'
}

# pe_hypercalls TAG zero|some: privcmd hypercall ioctls per steady cycle,
# counted by strace from outside, between two of the plugin's cycle lines.
# IOCTL_PRIVCMD_HYPERCALL is _IOC(_IOC_NONE, 'P', 0, 48): strace prints
# it as "_IOC(_IOC_NONE, 0x50, 0, 0x30)" (or by name, if it knows it).
pe_hypercalls() {
	ph_backend=$1 ph_want=$2
	ph_tag=$ph_backend-strace
	if ! command -v strace >/dev/null; then
		fail "plugin-$ph_backend-hypercalls" "strace is not in the dom0 image"
		return
	fi
	pe_start "$ph_tag" "$ph_backend"
	sleep $((PE_PERIOD * 2))	# past discovery and mapping
	strace -f -qq -s 256 -e trace=ioctl,write -p "$PE_PLUGIN" \
		-o "$PE_WORK/strace-$ph_backend" &
	ph_strace=$!
	sleep $((PE_PERIOD * 3 + 1))
	kill -INT "$ph_strace" 2>/dev/null
	wait "$ph_strace" 2>/dev/null
	ph_per=$(awk '
		/write\(2, .*debug: cycle: / {
			if (seen) { cycles++; total += n } seen = 1; n = 0; next }
		/ioctl\(.*(PRIVCMD_HYPERCALL|_IOC_NONE, 0x50, 0, )/ { n++ }
		END { if (cycles) printf "%.1f", total / cycles; else print "none" }' \
		"$PE_WORK/strace-$ph_backend")
	echo "INFO plugin-$ph_backend: privcmd hypercall ioctls per steady-state cycle: $ph_per"
	pe_stop "$ph_tag"
	case "$ph_want" in
	zero) pe_check "plugin-$ph_backend-hypercalls" "$ph_per per cycle (want 0)" \
		test "$ph_per" = 0.0 ;;
	*) pe_check "plugin-$ph_backend-hypercalls" "$ph_per per cycle (want > 0)" \
		awk -v p="$ph_per" 'BEGIN { exit !(p != "none" && p > 0) }' ;;
	esac
	if [ -n "${PE_FAILED:-}" ]; then
		echo "INFO strace (first lines):"
		head -n 12 "$PE_WORK/strace-$ph_backend" | sed 's/^/INFO   /'
	fi
	PE_FAILED=
}

# pe_has TAG UUID: the payload file names the VM now.
pe_has() {
	rrdd-dump "$PE_METRICS/$PE_UID" 2>/dev/null |
		grep -q "\"owner\": *\"vm $2\""
}

# xl destroy mid-run, then a new guest: leaves / appears within 2 cycles.
pe_destroy_create() {
	PE_FAILED=
	tag=$1-churn
	pe_start "$tag" "$1"
	sleep $((PE_PERIOD * 2))
	pe_check "plugin-$tag-guest-b-present" "before destroy" pe_has "$tag" "$UUID_B"
	xl destroy guest-b
	sleep $((PE_PERIOD * 2))
	pe_check "plugin-$tag-guest-b-gone" "absent from the payload" \
		sh -c "! rrdd-dump '$PE_METRICS/$PE_UID' |
		       grep -q '\"owner\": *\"vm $UUID_B\"'"
	pe_check "plugin-$tag-alive-after-destroy" "plugin still running" \
		kill -0 "$PE_PLUGIN"
	pe_check "plugin-$tag-no-zombie" "no dying domain left (xl list)" \
		sh -c "! xl list | awk 'NR > 1' | grep -q -e '(null)' -e 'guest-b'"
	rm -f "$E2E_CONSOLE_LOGS/guest-guest-b.log"
	xl create "$E2E_GUESTS/guest-b.cfg" >/dev/null 2>&1
	created=$(date +%s)
	new=$(pe_uuid guest-b)
	appeared=no
	while [ $(($(date +%s) - created)) -le $((PE_PERIOD * 2 + 1)) ]; do
		if [ -n "$new" ] && pe_has "$tag" "$new"; then
			appeared="after $(($(date +%s) - created)) s"
			break
		fi
		sleep 1
	done
	pe_check "plugin-$tag-guest-b-appears" "new guest-b $new: $appeared" \
		test "$appeared" != no
	e2e_wait 90 e2e_guest_is_ready guest-b
	pe_stop "$tag"
	[ -n "$PE_FAILED" ] && pe_diag "$tag"
	return 0
}

# On the stock hypervisor: auto fell back, said so once.
pe_check_fallback() {
	PE_FAILED=
	n=$(grep -c 'no stats tables' "$PE_WORK/plugin-$1.log")
	pe_check "plugin-$1-fallback-logged" "$n line(s)" test "$n" -eq 1
	[ -n "$PE_FAILED" ] && pe_diag "$1"
	return 0
}
