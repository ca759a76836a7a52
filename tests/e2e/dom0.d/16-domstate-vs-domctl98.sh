# XCP-ng's hypervisor with the series has two sources of a domain's
# runstate times: the table's domain section and XenServer's
# XEN_DOMCTL_get_runstate_info (98).  runstate-compare reads both on the
# same domains over the same interval: each of the six states must agree
# within 2% of the interval (or the domctl must have missed changes).
# Domains: guest-a (one busy vCPU, one idle: partial_run), guest-b (idle:
# blocked) and dom0.  Other boots have at most one of the sources.
. /opt/e2e/lib.sh

[ "$E2E_XEN" = xcpng ] && [ "$E2E_MODE" = patched ] || exit 0
if ! e2e_guest_ensure guest-b; then
	fail domstate-guests "guest-b would not start"
	exit 0
fi
a=$(e2e_domid guest-a)
b=$(e2e_domid guest-b)
exec runstate-compare --interval 5 "guest-a:$a" "guest-b:$b" "dom0:0"
