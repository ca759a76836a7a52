# The plugin end to end, part 1: rrdd-mock stands in for
# xcp-rrdd; xcp-rrdd-vcpustats runs against it with two backends in turn
# while guest-a (vCPU0 busy) and guest-b (idle) run.  Patched Xen: table
# and hypercall.  Stock Xen: auto (must fall back) and hypercall.  Rates,
# cpu_usage, payloads, timestamps, clean stop, same datasource sets.
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh

pe_guests || exit 0
case "$E2E_MODE" in
patched) first=table ;;
stock) first=auto ;;
*) fail plugin-mode "unknown E2E_MODE '$E2E_MODE'"; exit 0 ;;
esac
pe_run "$first" "$first" && pe_check_run "$first"
[ "$first" = auto ] && pe_check_fallback auto
pe_run hypercall hypercall && pe_check_run hypercall
pe_compare "$first" hypercall
exit 0
