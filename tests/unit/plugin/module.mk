# plugin unit tests: tests/unit/plugin/test-*.c, one Check binary each,
# linked with the plugin's internal library; support/*.c are shared doubles.
# Without the listener (OPENMETRICS=0) its test has nothing to test.
PLUGIN_TEST_SRCS := $(filter-out $(if $(filter 0,$(OPENMETRICS)),tests/unit/plugin/test-metrics-http.c),\
                      $(wildcard tests/unit/plugin/test-*.c))
PLUGIN_TEST_SUPPORT := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/unit/plugin/support/*.c))
PLUGIN_TESTS := $(patsubst tests/unit/plugin/%.c,$(TBIN)/plugin/%,$(PLUGIN_TEST_SRCS))

# Tests read docs/ and write scratch files: give them absolute paths.
$(OBJ)/tests/unit/plugin/%.o: CPPFLAGS += -DPLUGIN_SRCDIR='"$(CURDIR)"'

# The xcp-rrdd double's library (tests/doubles/module.mk, read after this
# file, hence its path spelt out here).
PLUGIN_TEST_XRD := $(LIB)/libxcp-rrdd-double.a

$(TBIN)/plugin/%: $(OBJ)/tests/unit/plugin/%.o $(PLUGIN_TEST_SUPPORT) \
                  $(PLUGIN_DEPS) $(PLUGIN_TEST_XRD)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(PLUGIN_TEST_SUPPORT) $(PLUGIN_TEST_XRD) \
	  $(PLUGIN_LIBS) $(CHECK_LIBS) \
	  $(shell $(PKG_CONFIG) --libs libmicrohttpd) -pthread

UNIT_TESTS += $(PLUGIN_TESTS)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(PLUGIN_TEST_SRCS) \
              $(wildcard tests/unit/plugin/support/*.c))
