# Script tests of the command-line tools (each prints "N passed, N failed").
# test-rrdd-mock: rrdd-mock against shell plugins built from rrdd-write
# and rrdd-register.
SCRIPT_TESTS += tests/tools/test-rrdd-mock
SCRIPT_TESTS += tests/tools/test-rrdd-write
# test-second-instance: the daemon refuses a uid another process holds.
SCRIPT_TESTS += tests/tools/test-second-instance
