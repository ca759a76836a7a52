# tests/perf: benchmarks of the table method, one program per
# tests/perf/bench-*.c, and the in-memory Xen (xen_sim) they share with the
# Prometheus test server and the listener's unit test.  `make bench`
# (tests/bench/module.mk) builds and runs every BENCHES entry.
PERF_MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd) -lpthread
XEN_SIM_OBJS := $(OBJ)/tests/perf/xen_sim.o \
                $(OBJ)/tests/unit/plugin/support/mem_table.o
PERF_SRCS := $(wildcard tests/perf/bench-*.c)
PERF_BENCHES := $(patsubst tests/perf/%.c,$(BUILD)/perf/%,$(PERF_SRCS))

$(BUILD)/perf/bench-%: $(OBJ)/tests/perf/bench-%.o $(XEN_SIM_OBJS) \
                       $(PLUGIN_DEPS)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(XEN_SIM_OBJS) $(PLUGIN_LIBS) $(PERF_MHD_LIBS)

BENCHES += $(PERF_BENCHES)
bench: $(PERF_BENCHES)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(PERF_SRCS) tests/perf/xen_sim.c)

# The listener's unit test scrapes the simulation through libmicrohttpd.
$(TBIN)/plugin/test-metrics-http: $(OBJ)/tests/perf/xen_sim.o
$(TBIN)/plugin/test-metrics-http: PLUGIN_TEST_SUPPORT += $(OBJ)/tests/perf/xen_sim.o
$(TBIN)/plugin/test-metrics-http: PLUGIN_LIBS += $(PERF_MHD_LIBS)
