# Conformance: the shared protocol vectors (../shared/vectors, beside the
# repository) decoded by rrdd-dump and re-encoded by rrdd-write.
SCRIPT_TESTS += tests/conformance/test-vectors

# The writer's files read by xcp-rrdd's own reader (../shared/xcp-rrdd-reader)
# over a walk of layout changes that writer-walk drives.
SCRIPT_TESTS += tests/conformance/test-xcp-rrdd-reader
WRITER_WALK := $(TBIN)/conformance/writer-walk

$(WRITER_WALK): $(OBJ)/tests/conformance/writer-walk.o $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(RRDD_LIBS)

all: $(WRITER_WALK)
DEPFILES += $(OBJ)/tests/conformance/writer-walk.d
