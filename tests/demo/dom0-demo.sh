# The dom0 side of `make demo` (tests/demo/run installs it as the only
# /opt/e2e/dom0.d step of the demo's image; `make e2e` never runs it).
#
# guest-a (vCPU0 100%, vCPU1 30%) and guest-b (60%) are running when this
# starts (tests/e2e/dom0-init creates them).  rrdd-mock stands in for
# xcp-rrdd with a short period; xcp-rrdd-vcpustats --backend table
# follows it.  guest-c (idle) is created after a few cycles, so a VM is
# seen arriving.  Console lines for the host (tests/demo/run):
#   DEMO-VM DOMID NAME UUID VCPUS          a domain (again when one appears)
#   DEMO-DS CYCLE T OWNER NAME RATE        one rrdd-mock reading: OWNER is
#                                          "host" or the VM's UUID, RATE a
#                                          fraction of one CPU or null
#   DEMO-DONE CYCLES | DEMO-FAIL TEXT       the end
. /opt/e2e/lib.sh

W=/tmp/demo
SOCK=$W/xcp-rrdd
METRICS=$W/metrics
UID_=xcp-rrdd-vcpustats
PERIOD=${DEMO_PERIOD:-2}
CYCLES=${DEMO_CYCLES:-12}
mkdir -p "$METRICS"

vms() {
	xl list -v 2>/dev/null |
		awk 'NR > 1 && $7 ~ /-/ { print "DEMO-VM", $2, $1, $7, $4 }'
}

# emit_new: rrdd-mock's complete lines since the last call, rate lines of
# our plugin's cpu datasources only, in the compact form.  (Polling, not
# `tail -f`: nothing may outlive this script and hold the console pipe.)
seen=0
emit_new() {
	total=$(wc -l <"$W/mock.out")
	[ "$total" -gt "$seen" ] || return 0
	sed -n "$((seen + 1)),${total}p" "$W/mock.out" | awk -v uid="$UID_" '
	function field(k,   s) {
		if (!match($0, "\"" k "\":(\"[^\"]*\"|[^,}]*)"))
			return ""
		s = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/"/, "", s)
		return s
	}
	index($0, "\"rate\"") && field("uid") == uid {
		name = field("name")
		if (name !~ /^cpu([0-9]+|_usage|_avg)$/)
			next
		owner = field("owner")
		sub(/^vm /, "", owner)
		printf "DEMO-DS %s %s %s %s %s\n", field("cycle"), field("t"),
			owner, name, field("rate")
	}'
	seen=$total
}

# cycles: how many mock cycles carried our rates so far.
cycles() {
	grep '"rate"' "$W/mock.out" 2>/dev/null | grep "\"uid\":\"$UID_\"" |
		sed -n 's/.*"cycle":\([0-9]*\).*/\1/p' | sort -u | wc -l
}

vms
rrdd-mock --socket "$SOCK" --metrics-dir "$METRICS" --period "$PERIOD" \
	>"$W/mock.out" 2>"$W/mock.err" &
mock=$!
e2e_wait 10 test -S "$SOCK"
xcp-rrdd-vcpustats --backend table --uid "$UID_" --rrdd-socket "$SOCK" \
	--metrics-dir "$METRICS" --foreground 2>"$W/plugin.log" &
plugin=$!

created=
deadline=$(($(cut -d. -f1 /proc/uptime) + 150))
while [ "$(cycles)" -lt "$CYCLES" ]; do
	if [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] ||
	   ! kill -0 "$plugin" 2>/dev/null; then
		echo "DEMO-FAIL $(cycles) cycles; plugin log:"
		tail -n 8 "$W/plugin.log"
		break
	fi
	if [ -z "$created" ] && [ "$(cycles)" -ge 3 ]; then
		created=yes
		# In the background: xl create takes seconds under TCG.
		(e2e_guest_start guest-c >/dev/null 2>&1 &&
			vms | grep " guest-c ") &
	fi
	emit_new
	sleep 0.5
done
kill -TERM "$plugin" 2>/dev/null
wait "$plugin" 2>/dev/null
sleep 0.5
kill "$mock" 2>/dev/null
wait "$mock" 2>/dev/null
emit_new
wait
echo "DEMO-DONE $(cycles)"
exit 0
