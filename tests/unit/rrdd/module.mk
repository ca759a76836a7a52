# rrdd-protocol
RRDD_TEST_SRCS := $(wildcard tests/unit/rrdd/test-*.c)
RRDD_TEST_SUPPORT := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/unit/rrdd/support/*.c))
RRDD_TESTS := $(patsubst tests/unit/rrdd/%.c,$(TBIN)/rrdd/%,$(RRDD_TEST_SRCS))

$(TBIN)/rrdd/%: $(OBJ)/tests/unit/rrdd/%.o $(RRDD_TEST_SUPPORT) $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(RRDD_TEST_SUPPORT) $(RRDD_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(RRDD_TESTS)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(RRDD_TEST_SRCS) \
              $(wildcard tests/unit/rrdd/support/*.c))
