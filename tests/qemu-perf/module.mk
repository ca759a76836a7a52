# tests/qemu-perf: vcpustats-bench, the daemon's whole cycle on a real Xen
# for the QEMU e2e's performance step (plugin/e2e/40-perf.sh).
# A program (in $(PROGRAMS)) so `make e2e` puts it into dom0's image.
# It defines ioctl() to count privcmd hypercalls; the Xen libraries must
# see that definition, hence the exported symbol.
QPERF_BENCH := $(BIN)/vcpustats-bench
QPERF_OBJS := $(OBJ)/tests/qemu-perf/vcpustats-bench.o

$(QPERF_BENCH): $(QPERF_OBJS) $(PLUGIN_LIB) $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -Wl,--export-dynamic-symbol=ioctl -o $@ $(QPERF_OBJS) \
	  $(PLUGIN_LIBS) -ldl

PROGRAMS += $(QPERF_BENCH)
DEPFILES += $(QPERF_OBJS:.o=.d)
