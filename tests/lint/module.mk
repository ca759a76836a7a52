SCRIPT_TESTS += tests/lint/run
