# The dom0 side of `make demo` (tests/demo/run installs it as the only
# /opt/e2e/dom0.d step of the demo's image; `make e2e` never runs it).
#
# guest-a (vCPU0 100%, vCPU1 30%) and guest-b (60%) are running when this
# starts (tests/e2e/dom0-init creates them); this creates guest-c (idle).
# rrdd-mock stands in for xcp-rrdd with a short period;
# xcp-rrdd-vcpustats --backend table follows it.  Console lines for the
# host (tests/demo/run):
#   DEMO-VM DOMID NAME UUID VCPUS          a domain (again when one appears)
#   DEMO-DS CYCLE T OWNER NAME RATE        one rrdd-mock reading: OWNER is
#                                          "host" or the VM's UUID, RATE a
#                                          fraction of one CPU or null
#   DEMO-CYCLE CYCLE                       all of that cycle's readings are out
#   DEMO-LOG TEXT                          the plugin's log (warnings), at the end
#   DEMO-DONE CYCLES MISSES | DEMO-FAIL TEXT
#                                          the end (MISSES: mock cycles
#                                          without a fresh payload)
# shellcheck source=/dev/null # the image's copy of tests/e2e/lib.sh
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
# our plugin's cpu datasources only, in the compact form; counts in
# $cycles the mock cycles that carried our rates, in $misses those that
# did not ("no update").  Polling, not `tail -f`: nothing may outlive
# this script and hold the console pipe.  Few forks: under TCG a PV fork
# costs dom0 milliseconds.
seen=0 cycles=0 last=-1 misses=0
emit_new() {
	total=$(wc -l <"$W/mock.out")
	[ "$total" -gt "$seen" ] || return 0
	# The mock writes a cycle line by line: wait until it has finished,
	# so every cycle handed on is whole.
	while sleep 0.2; n=$(wc -l <"$W/mock.out"); [ "$n" -ne "$total" ]; do
		total=$n
	done
	out=$(sed -n "$((seen + 1)),${total}p" "$W/mock.out" |
	awk -v uid="$UID_" -v cycles="$cycles" -v last="$last" -v misses="$misses" '
	function field(k,   s) {
		if (!match($0, "\"" k "\":(\"[^\"]*\"|[^,}]*)"))
			return ""
		s = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/"/, "", s)
		return s
	}
	field("uid") != uid { next }
	index($0, "\"event\":\"no update\"") { misses++ }
	index($0, "\"rate\"") {
		c = field("cycle")
		if (c != last) {
			if (open) print "DEMO-CYCLE", last
			cycles++; last = c; open = 1
		}
		name = field("name")
		if (name !~ /^cpu([0-9]+|_usage|_avg)$/)
			next
		owner = field("owner")
		sub(/^vm /, "", owner)
		printf "DEMO-DS %s %s %s %s %s\n", c, field("t"), owner, name,
			field("rate")
	}
	END {
		if (open) print "DEMO-CYCLE", last
		print "STATE", cycles, last, misses
	}')
	seen=$total
	state=${out##*STATE }
	out=${out%STATE *}
	[ -n "$out" ] && printf %s "$out"
	# shellcheck disable=SC2086 # word splitting wanted
	set -- $state
	cycles=$1 last=$2 misses=$3
}

# uptime_s: whole seconds since boot, in $up (no fork).
uptime_s() {
	read -r up _ </proc/uptime
	up=${up%.*}
}

# guest-c first, while nothing is measured yet: its kernel's boot would
# otherwise compete with the loaded guests for the pCPUs.
e2e_guest_create guest-c >/dev/null 2>&1 || echo "DEMO-FAIL guest-c would not start"
echo "E2E-INFO guest-c ready"
vms
rrdd-mock --socket "$SOCK" --metrics-dir "$METRICS" --period "$PERIOD" \
	>"$W/mock.out" 2>"$W/mock.err" &
mock=$!
e2e_wait 10 test -S "$SOCK"
xcp-rrdd-vcpustats --backend table --uid "$UID_" --rrdd-socket "$SOCK" \
	--metrics-dir "$METRICS" --foreground 2>"$W/plugin.log" &
plugin=$!

uptime_s
deadline=$((up + 150))
while [ "$cycles" -lt "$CYCLES" ]; do
	uptime_s
	if [ "$up" -ge "$deadline" ] || ! kill -0 "$plugin" 2>/dev/null; then
		echo "DEMO-FAIL $cycles cycles; plugin log:"
		tail -n 8 "$W/plugin.log"
		break
	fi
	sleep 1
	emit_new
done
kill -TERM "$plugin" 2>/dev/null
wait "$plugin" 2>/dev/null
sleep 0.5
kill "$mock" 2>/dev/null
wait "$mock" 2>/dev/null
emit_new
grep -v ': debug: ' "$W/plugin.log" | tail -n 5 | sed 's/^/DEMO-LOG /'
echo "DEMO-DONE $cycles $misses"
exit 0
