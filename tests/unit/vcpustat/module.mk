# vcpustat: its snapshots and reports on in-memory tables (the plugin's
# table double, tests/unit/plugin/support/mem_table.c), linked with the
# tool's internal library and the stats-table library.
VCPUSTAT_TEST_SRCS := $(wildcard tests/unit/vcpustat/test-*.c)
VCPUSTAT_TESTS := $(patsubst tests/unit/vcpustat/%.c,$(TBIN)/vcpustat/%,\
                    $(VCPUSTAT_TEST_SRCS))
VCPUSTAT_TEST_SUPPORT := $(OBJ)/tests/unit/plugin/support/mem_table.o

$(OBJ)/tests/unit/vcpustat/%.o: CPPFLAGS += -Ivcpustat

$(TBIN)/vcpustat/%: $(OBJ)/tests/unit/vcpustat/%.o $(VCPUSTAT_TEST_SUPPORT) \
                    $(VCPUSTAT_LIB) $(STATS_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(VCPUSTAT_TEST_SUPPORT) $(VCPUSTAT_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(VCPUSTAT_TESTS)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(VCPUSTAT_TEST_SRCS))
