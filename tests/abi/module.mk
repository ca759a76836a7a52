# ABI: the reader library's copy of the Xen public header (stats-table/xen-public) must be
# the header the patch series in xen-patches/ adds, byte for byte.
SCRIPT_TESTS += tests/abi/check-header-copy
