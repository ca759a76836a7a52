# The stats table: stats-check maps the tables of dom0, the
# host and both guests and compares them with the hypercalls; on the stock
# hypervisor it checks the map fails the way the plugin's fallback expects.
# It destroys guest-b itself (while its table is mapped).
. /opt/e2e/lib.sh

a=$(e2e_domid guest-a)
b=$(e2e_domid guest-b)
if [ -z "$a" ] || [ -z "$b" ]; then
	fail stats-check "guests missing (guest-a=$a guest-b=$b)"
	exit 0
fi
exec stats-check --mode "$E2E_MODE" --guest-a "$a" --guest-b "$b" \
	--destroy-cmd "xl destroy $b"
