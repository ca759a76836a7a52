# Packaging: build the RPM with `make rpm` and check what it holds.
SCRIPT_TESTS += tests/packaging/check-rpm
