# Shared helpers of the dom0 side of the e2e run: sourced by dom0-init and
# by every tests/e2e/dom0.d/*.sh.  A check script prints one line per check,
# `PASS name detail` or `FAIL name detail`, and exits 0 (a non-zero exit
# without any FAIL line is itself counted as a failure by the init).
#
# Environment the init exports to the scripts:
#   E2E_MODE      patched | stock (whether this boot's hypervisor has the
#                 stats tables)
#   E2E_BOOT      debian-patched | debian-stock | xcpng-stock | xcpng-patched
#                 (which hypervisor: also in /opt/e2e/boot-name)
#   E2E_XEN       debian | xcpng (its base: Debian's 4.17.5 or XCP-ng 8.3's
#                 4.17.6 + XenServer/XCP-ng queue, which has domctl 98)
#   E2E_GUESTS    /opt/e2e/guests: vmlinuz, guest.cpio, <name>.cfg
# Guests: guest-a (2 vCPUs, vCPU0 busy) and guest-b (1 vCPU, idle) are
# running when the first script starts; a script that destroys one and a
# later script that needs it calls e2e_guest_ensure.

PATH=/opt/e2e/bin:/usr/lib/xen-4.17/bin:/usr/bin:/usr/sbin:/bin:/sbin
export PATH
E2E_GUESTS=/opt/e2e/guests
E2E_CONSOLE_LOGS=/var/log/xen/console

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }

# e2e_domid NAME: the domain id of a running guest, or nothing.
e2e_domid() {
	xl domid "$1" 2>/dev/null
}

# e2e_wait SECONDS CMD...: retry CMD every half second until it succeeds.
e2e_wait() {
	tries=$(($1 * 2))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
		tries=$((tries - 1))
	done
	return 1
}

e2e_guest_is_ready() {
	grep -q "e2e-guest: ready" "$E2E_CONSOLE_LOGS/guest-$1.log" 2>/dev/null
}

# e2e_guest_start NAME: create a guest from $E2E_GUESTS/NAME.cfg (xl
# returns once the domain is built; its kernel boots on).
e2e_guest_start() {
	rm -f "$E2E_CONSOLE_LOGS/guest-$1.log"
	xl create "$E2E_GUESTS/$1.cfg"
}

# e2e_guest_cpu NAME: the guest's CPU time in seconds, or nothing.
e2e_guest_cpu() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { print $6 }'
}

# e2e_guest_wait NAME: wait until the guest's init reports ready on its
# console (xenconsoled logs it).  A guest kernel takes 15-30 s under TCG,
# but when the machine running QEMU starves it (guests have logged 33 s
# soft lockups) it takes longer: past 90 s the wait goes on, 30 s at a
# time up to 270 s, while the guest is still using CPU.  A guest that
# stopped using CPU will not get there; then the reason goes to stderr.
e2e_guest_wait() {
	e2e_wait 90 e2e_guest_is_ready "$1" && return 0
	waited=90
	cpu=$(e2e_guest_cpu "$1")
	while [ "$waited" -lt 270 ] && [ -n "$cpu" ]; do
		e2e_wait 30 e2e_guest_is_ready "$1" && {
			echo "INFO $1 ready only after $waited-$((waited + 30)) s" >&2
			return 0
		}
		waited=$((waited + 30))
		now=$(e2e_guest_cpu "$1")
		awk -v a="$cpu" -v b="$now" 'BEGIN { exit !(b > a) }' || break
		cpu=$now
	done
	log=$E2E_CONSOLE_LOGS/guest-$1.log
	echo "INFO $1 not ready after $waited s: $(xl list "$1" 2>&1 | tail -n 1);" \
	    "console: $(tail -n 1 "$log" 2>/dev/null || echo no log)" >&2
	return 1
}

# e2e_guest_create NAME: both.
e2e_guest_create() {
	e2e_guest_start "$1" && e2e_guest_wait "$1"
}

# e2e_guest_ensure NAME: create the guest unless it is running.
e2e_guest_ensure() {
	[ -n "$(e2e_domid "$1")" ] && return 0
	e2e_guest_create "$1"
}
