# stats-table: the reader library's own tests, linked with it alone, so
# they show the library needs nothing of the plugin.
STATS_TEST_SRCS := $(wildcard tests/unit/stats-table/test-*.c)
STATS_TESTS := $(patsubst tests/unit/stats-table/%.c,$(TBIN)/stats-table/%,\
                 $(STATS_TEST_SRCS))

$(TBIN)/stats-table/%: $(OBJ)/tests/unit/stats-table/%.o $(STATS_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(STATS_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(STATS_TESTS)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(STATS_TEST_SRCS))
