# tests/prometheus: promtool and a real Prometheus server against the
# OpenMetrics listener.  om-server serves /metrics from in-memory stats
# tables (tests/perf/xen_sim); test-prometheus drives promtool and
# prometheus (Debian package prometheus, scripts/deps/prometheus.list).
OM_SERVER := $(TBIN)/prometheus/om-server

$(OM_SERVER): $(OBJ)/tests/prometheus/om-server.o $(XEN_SIM_OBJS) \
              $(PLUGIN_DEPS)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(XEN_SIM_OBJS) $(PLUGIN_LIBS) $(PERF_MHD_LIBS)

# A build without the listener (OPENMETRICS=0) has nothing to serve.
ifneq ($(OPENMETRICS),0)
all: $(OM_SERVER)
SCRIPT_TESTS += tests/prometheus/test-prometheus
endif
DEPFILES += $(OBJ)/tests/prometheus/om-server.d
