# The plugin end to end, part 3: `xl destroy` of guest-b while
# the plugin runs (its datasources leave the payload, the plugin goes on,
# no zombie domain is left), then a new guest-b appears within two cycles.
# Patched Xen: table backend (the mapping must not keep the domain);
# stock Xen: auto, i.e. the fallback.
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh

pe_guests || exit 0
if [ "$E2E_MODE" = patched ]; then
	pe_destroy_create table
else
	pe_destroy_create auto
fi
exit 0
