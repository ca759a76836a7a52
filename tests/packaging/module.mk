# Packaging: tests/packaging/check-rpm builds the SRPM and the RPMs from it
# (with and without openmetrics), checks their contents, the systemd files
# and the scriptlets (rpm install/upgrade/erase in a chroot).
SCRIPT_TESTS += tests/packaging/check-rpm
