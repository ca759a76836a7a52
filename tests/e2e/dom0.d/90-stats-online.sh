# The online vCPU count and flags: `xl vcpu-set` takes guest-o's vCPU1
# down and up again, and the table's section count and slot flags follow
# getdomaininfo.  guest-o is a guest of its own (role hotplug: it brings
# re-added CPUs online once a second, work the other guests' idle vCPUs
# must not see), and this is a boot's last step.
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO stats-online: no tables on this hypervisor"
	exit 0
fi

trap 'xl destroy guest-o 2>/dev/null; exit 0' TERM INT
if ! e2e_guest_create guest-o; then
	fail stats-online "guest-o did not boot"
	xl destroy guest-o 2>/dev/null
	exit 0
fi
o=$(e2e_domid guest-o)

# vcpus_online NAME: the online vCPU count getdomaininfo reports.
vcpus_online() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# vcpu_set NAME N: ask the guest for N vCPUs and wait until it has them.
vcpu_set() {
	xl vcpu-set "$1" "$2" &&
		e2e_wait 30 sh -c "[ \"\$(xl list $1 | awk 'NR == 2 { print \$4 }')\" = $2 ]"
}

if vcpu_set guest-o 1; then
	stats-scenario online guest-o-down "$o"
else
	fail online-guest-o-down "guest-o did not take vCPU1 down ($(vcpus_online guest-o) online)"
fi
if vcpu_set guest-o 2; then
	stats-scenario online guest-o-up "$o"
else
	fail online-guest-o-up "guest-o did not bring vCPU1 up ($(vcpus_online guest-o) online)"
fi
xl destroy guest-o
exit 0
