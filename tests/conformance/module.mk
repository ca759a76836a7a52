# Conformance: the shared protocol vectors (../shared/vectors, beside the
# repository) decoded by rrdd-dump and re-encoded by rrdd-write.
SCRIPT_TESTS += tests/conformance/test-vectors
