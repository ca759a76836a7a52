# rrdd-protocol
RRDD_TEST_SRCS := $(wildcard tests/unit/rrdd/test-*.c)
RRDD_TEST_SUPPORT := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/unit/rrdd/support/*.c))
RRDD_TESTS := $(patsubst tests/unit/rrdd/%.c,$(TBIN)/rrdd/%,$(RRDD_TEST_SRCS))

# The xcp-rrdd double's library (tests/doubles/module.mk, read after this
# file, hence its path spelt out here).
RRDD_TEST_XRD := $(LIB)/libxcp-rrdd-double.a

$(TBIN)/rrdd/%: $(OBJ)/tests/unit/rrdd/%.o $(RRDD_TEST_SUPPORT) $(RRDD_LIB) \
                $(RRDD_TEST_XRD)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(RRDD_TEST_SUPPORT) $(RRDD_TEST_XRD) $(RRDD_LIBS) \
	  $(CHECK_LIBS) $(shell $(PKG_CONFIG) --libs libmicrohttpd) -pthread

UNIT_TESTS += $(RRDD_TESTS)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(RRDD_TEST_SRCS) \
              $(wildcard tests/unit/rrdd/support/*.c))
