# The plugin end to end, part 4: faults that used to lose data.  With
# rrdd-mock (which follows xcp-rrdd: the file is read from the inode
# opened at registration, discovery drops a plugin whose file is
# deleted):
# - the plugin SIGKILLed and started again, as systemd does: rrdd-mock
#   reads the new process's payloads within 2 cycles;
# - the payload file deleted while the plugin runs: made again and read
#   within 2 cycles, the same process going on;
# - a second instance on the same uid: refused with one line on stderr,
#   the first keeps publishing.
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh

FX=faults
case "$E2E_MODE" in
patched) FX_BACKEND=table ;;
*) FX_BACKEND=auto ;;
esac
FX_OUT=$PE_WORK/mock-$FX.out


# fx_fresh_after T: seconds from wall time T to rrdd-mock's first read of
# a payload stamped at T or later ("none" if there is none).
fx_fresh_after() {
	grep "\"uid\":\"$PE_UID\",\"ts\":" "$FX_OUT" |
	sed -n 's/^{"t":\([0-9.eE+]*\),.*"ts":\([0-9.eE+]*\),.*/\1 \2/p' |
	awk -v t="$1" '$2 >= t { printf "%.1f", $1 - t; found = 1; exit }
		       END { if (!found) print "none" }'
}

# fx_within2 DELAY: the delay is at most 2 cycles (plus 1 s of slack).
fx_within2() {
	awk -v d="$1" -v p="$PE_PERIOD" 'BEGIN { exit !(d != "none" && d <= 2 * p + 1) }'
}

# fx_events_after T EVENT: rrdd-mock's EVENT lines for the uid after T.
fx_events_after() {
	grep "\"uid\":\"$PE_UID\",\"event\":\"$2\"" "$FX_OUT" |
	sed -n 's/^{"t":\([0-9.eE+]*\),.*/\1/p' |
	awk -v t="$1" '$1 >= t { n++ } END { print n + 0 }'
}

# fx_plugin [EXTRA...]: the plugin in the foreground of the caller (a
# function started with & would put a subshell between $! and the plugin:
# use fx_plugin_bg for that).
fx_plugin() {
	xcp-rrdd-vcpustats --backend "$FX_BACKEND" --uid "$PE_UID" \
		--rrdd-socket "$PE_SOCK" --metrics-dir "$PE_METRICS" "$@"
}

# fx_plugin_bg: the plugin in the background, as systemd would restart
# it; PE_PLUGIN is its pid.
fx_plugin_bg() {
	xcp-rrdd-vcpustats --backend "$FX_BACKEND" --uid "$PE_UID" \
		--rrdd-socket "$PE_SOCK" --metrics-dir "$PE_METRICS" \
		--foreground --verbose 2>>"$PE_WORK/plugin-$FX.log" &
	PE_PLUGIN=$!
}

PE_FAILED=
rm -f "$PE_WORK"/*-"$FX".*
pe_start "$FX" "$FX_BACKEND"
sleep $((PE_PERIOD * 2))
pe_check "plugin-faults-started" "read before the faults" \
	test "$(fx_fresh_after 0)" != none

# ---- SIGKILL, then a restart as systemd's Restart=on-failure does --------
kill -KILL "$PE_PLUGIN"
wait "$PE_PLUGIN" 2>/dev/null
pe_check "plugin-faults-kill-leaves-file" "a killed plugin leaves its file" \
	test -e "$PE_METRICS/$PE_UID"
sleep "$PE_PERIOD"	# down for a cycle: rrdd-mock sees "no update"
t=$(date +%s)
fx_plugin_bg
sleep $((PE_PERIOD * 2 + 2))
d=$(fx_fresh_after "$t")
pe_check "plugin-faults-restart-read" \
	"restarted at $t: rrdd-mock read its payload after ${d} s (period $PE_PERIOD s)" \
	fx_within2 "$d"

# ---- the payload file deleted while the plugin runs -----------------------
pid=$PE_PLUGIN
rm -f "$PE_METRICS/$PE_UID"
t=$(date +%s)
sleep $((PE_PERIOD * 2 + 2))
d=$(fx_fresh_after "$t")
pe_check "plugin-faults-deleted-made-again" "file back" \
	test -e "$PE_METRICS/$PE_UID"
pe_check "plugin-faults-deleted-read" \
	"deleted at $t: rrdd-mock read the new file after ${d} s" fx_within2 "$d"
pe_check "plugin-faults-deleted-same-process" "pid $pid still running" \
	sh -c "kill -0 $pid && grep -q xcp-rrdd-vcpustats /proc/$pid/cmdline"
pe_check "plugin-faults-deleted-no-errors" "no read errors at rrdd-mock" \
	test "$(fx_events_after "$t" error)" = 0

# ---- a second instance on the same uid -----------------------------------
inode=$(stat -c %i "$PE_METRICS/$PE_UID")
t=$(date +%s)
fx_plugin >"$PE_WORK/second-$FX.out" 2>"$PE_WORK/second-$FX.err"
rc=$?
pe_check "plugin-faults-second-refused" "exit status $rc" test "$rc" -ne 0
pe_check "plugin-faults-second-one-line" \
	"$(head -n 1 "$PE_WORK/second-$FX.err")" \
	sh -c "test \$(wc -l <'$PE_WORK/second-$FX.err') -eq 1 &&
	       grep -q 'another instance publishes as uid $PE_UID' '$PE_WORK/second-$FX.err'"
sleep $((PE_PERIOD * 2 + 1))
pe_check "plugin-faults-first-goes-on" "the first's file untouched, read since" \
	sh -c "test \"\$(stat -c %i '$PE_METRICS/$PE_UID')\" = '$inode' &&
	       kill -0 $PE_PLUGIN"
d=$(fx_fresh_after "$t")
pe_check "plugin-faults-first-still-read" "fresh payload read after ${d} s" \
	fx_within2 "$d"
pe_check "plugin-faults-first-no-stale" "no 'no update' or error since" \
	test "$(($(fx_events_after "$t" "no update") + $(fx_events_after "$t" error)))" = 0

pe_stop "$FX"
[ -n "$PE_FAILED" ] && pe_diag "$FX"
exit 0
