# Xen's own XENMEM_acquire_resource test (tools/tests/resource), built from
# the patched tree, which extends it for the stats table.  Patched Xen only:
# its new cases expect the resource to exist.
. /opt/e2e/lib.sh

[ "$E2E_MODE" = patched ] || exit 0
out=/tmp/test-resource.out
test-resource >"$out" 2>&1
rc=$?
sed 's/^/  test-resource: /' "$out"
fails=$(grep -c 'Fail' "$out")
tests=$(grep -c '^Test ' "$out")
if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$tests" -gt 0 ]; then
	pass xen-test-resource "$tests configurations, exit 0"
else
	fail xen-test-resource "exit $rc, $fails failure lines, $tests configurations"
fi
