# Each stats-table series still applies to its base: Debian's Xen 4.17.5 and
# XCP-ng 8.3's 4.17.6 + queue (docs/e2e.md, Boots).
SCRIPT_TESTS += tests/xen-series/check-apply
