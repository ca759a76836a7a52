# A reader built against the first version of the ABI header (the checker
# compiled with tests/e2e/v1/stats_table.h: 56-byte domain section, 64-byte
# vCPU slot) on this hypervisor, which publishes larger structures: every
# check of the main checker but guest-b's, named v1-*.
. /opt/e2e/lib.sh

if [ "$E2E_MODE" != patched ]; then
	echo "INFO stats-v1-reader: no tables on this hypervisor"
	exit 0
fi
a=$(e2e_domid guest-a)
if [ -z "$a" ]; then
	fail v1-stats-check "guest-a missing"
	exit 0
fi
exec stats-check-v1 --mode patched --guest-a "$a" --prefix v1-
