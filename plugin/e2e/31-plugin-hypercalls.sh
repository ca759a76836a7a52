# The plugin end to end, part 2: privcmd hypercall ioctls per
# steady-state cycle, counted from outside with strace.  Patched Xen: 0
# with the table backend; the hypercall backend's count is printed (and
# must be > 0, or the counting itself would be broken).
. /opt/e2e/lib.sh
. /opt/e2e/plugin-lib.sh

pe_guests || exit 0
[ "$E2E_MODE" = patched ] && pe_hypercalls table zero
pe_hypercalls hypercall some
exit 0
