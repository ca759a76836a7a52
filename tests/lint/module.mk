SCRIPT_TESTS += tests/lint/run
SCRIPT_TESTS += tests/lint/check-layers
SCRIPT_TESTS += tests/lint/check-old-apis
SCRIPT_TESTS += tests/lint/check-build-order
