# vcpustat on the booted hypervisor, busybox sh: guest-a (vCPU0 busy on
# pCPU1 alone) and guest-b (idle) run.  Patched Xen: read from the stats
# tables, no system call into Xen per sample.  Stock Xen: says it falls
# back to hypercalls and still reports running time.
. /opt/e2e/lib.sh

VS_WORK=/tmp/vcpustat-e2e
mkdir -p "$VS_WORK"

check() {	# check NAME DETAIL CMD...
	vs_name=$1 vs_detail=$2
	shift 2
	if "$@"; then pass "$vs_name" "$vs_detail"; else fail "$vs_name" "$vs_detail"; fi
}

# vm_field NAME FIELD: FIELD of the VM line of guest NAME in the JSON report.
vm_field() {
	sed -n "s/.*{\"running\":\([^,]*\),\"runnable\":\([^,]*\),\"blocked\":\([^,]*\),\"offline\":\([^,]*\),\"domid\":[0-9]*,\"name\":\"$1\".*/\\$2/p" \
		"$VS_WORK/report.json"
}

at_least() { awk -v v="$1" -v min="$2" 'BEGIN { exit !(v + 0 >= min) }'; }
at_most() { awk -v v="$1" -v max="$2" 'BEGIN { exit !(v != "" && v + 0 <= max) }'; }

e2e_guest_ensure guest-a || fail vcpustat-guests "guest-a would not start"
e2e_guest_ensure guest-b || fail vcpustat-guests "guest-b would not start"

vcpustat -1 -j 2 >"$VS_WORK/report.json" 2>"$VS_WORK/report.err"
rc=$?
lines=$(grep -c '' "$VS_WORK/report.json")
check vcpustat-json "exit $rc, $lines line(s)" [ "$rc" -eq 0 -a "$lines" -eq 1 ]
run_a=$(vm_field guest-a 1)
blocked_b=$(vm_field guest-b 3)
check vcpustat-busy-guest "guest-a RUN% '$run_a' (vCPU0 busy)" \
	at_least "$run_a" 80
check vcpustat-pcpus "pCPU busy list present" \
	grep -q '"pcpu_busy":\[[0-9]' "$VS_WORK/report.json"
vcpustat -1 1 >"$VS_WORK/report.txt" 2>&1
check vcpustat-text "a screen with guest-a and the header" \
	grep -q 'guest-a' "$VS_WORK/report.txt"

case "$E2E_MODE" in
patched)
	check vcpustat-source "source: stats tables, no fallback line" \
		grep -q '"source":"stats tables"' "$VS_WORK/report.json"
	check vcpustat-fallback-quiet "stderr empty" \
		[ ! -s "$VS_WORK/report.err" ]
	check vcpustat-idle-guest "guest-b BLOCK% '$blocked_b'" \
		at_least "$blocked_b" 80
	# System calls into Xen (privcmd ioctls) happen only when a table is
	# mapped: 4 reports make exactly as many as 1.
	if command -v strace >/dev/null 2>&1; then
		strace -f -qq -e trace=ioctl -o "$VS_WORK/s1" vcpustat -j -n 1 0.2 >/dev/null 2>&1
		strace -f -qq -e trace=ioctl -o "$VS_WORK/s4" vcpustat -j -n 4 0.2 >/dev/null 2>&1
		n1=$(grep ioctl "$VS_WORK/s1" | grep -vc -e TCGETS -e TIOCGWINSZ)
		n4=$(grep ioctl "$VS_WORK/s4" | grep -vc -e TCGETS -e TIOCGWINSZ)
		check vcpustat-no-hypercalls "ioctls: 1 report $n1, 4 reports $n4" \
			[ "$n1" -gt 0 -a "$n1" -eq "$n4" ]
	else
		fail vcpustat-no-hypercalls "strace not in the image"
	fi
	;;
stock)
	check vcpustat-source "source: hypercalls" \
		grep -q '"source":"hypercalls"' "$VS_WORK/report.json"
	check vcpustat-fallback-said "stderr: $(head -n 1 "$VS_WORK/report.err")" \
		grep -q 'reading with hypercalls' "$VS_WORK/report.err"
	check vcpustat-unknown-null "runnable unknown: null" \
		[ "$(vm_field guest-a 2)" = null ]
	;;
esac
exit 0
