# The online vCPU count and flags: `xl vcpu-set` takes guest-a's vCPU1
# down and up again, and the table's section count and slot flags follow
# getdomaininfo.  The last step of a boot: a vCPU brought back up keeps
# ticking in the guest, which the idle checks of earlier steps would see.
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO stats-online: no tables on this hypervisor"
	exit 0
fi

a=$(e2e_domid guest-a)
if [ -z "$a" ]; then
	fail stats-online "guest-a missing"
	exit 0
fi
trap 'xl vcpu-set guest-a 2 2>/dev/null; exit 0' TERM INT

# vcpus_online NAME: the online vCPU count getdomaininfo reports.
vcpus_online() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# vcpu_set NAME N: ask the guest for N vCPUs and wait until it has them.
vcpu_set() {
	xl vcpu-set "$1" "$2" &&
		e2e_wait 30 sh -c "[ \"\$(xl list $1 | awk 'NR == 2 { print \$4 }')\" = $2 ]"
}

if vcpu_set guest-a 1; then
	stats-scenario online guest-a-down "$a"
else
	fail online-guest-a-down "guest-a did not take vCPU1 down ($(vcpus_online guest-a) online)"
fi
if vcpu_set guest-a 2; then
	stats-scenario online guest-a-up "$a"
else
	fail online-guest-a-up "guest-a did not bring vCPU1 up ($(vcpus_online guest-a) online)"
fi
exit 0
