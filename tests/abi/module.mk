# ABI: the plugin's copy of the Xen public header (plugin/xen-public) must be
# the header the patch series in xen-patches/ adds, byte for byte.
SCRIPT_TESTS += tests/abi/check-header-copy
