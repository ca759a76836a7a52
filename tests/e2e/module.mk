# End-to-end run on a patched Xen under QEMU (tests/e2e, docs/e2e.md).
# `make e2e` builds the checker and the project's programs, then
# tests/e2e/run builds the hypervisor and the images (both cached under
# $(BUILD)/e2e) and boots the patched and the stock hypervisor.
# tests/run-suite runs `make e2e` when E2E is non-empty.
E2E := yes

E2E_DIR := $(BUILD)/e2e
E2E_BIN := $(E2E_DIR)/bin
E2E_XEN_PKGS := xencontrol xenforeignmemory xencall
E2E_CHECKER := $(E2E_BIN)/stats-check
E2E_CHECKER_OBJS := $(OBJ)/tests/e2e/stats-check.o $(OBJ)/tests/e2e/stats-read.o
# The scenarios of the domain runstates, non-affine time, host-table
# freshness and online count (dom0.d/10-stats-runstates.sh).
E2E_SCENARIO := $(E2E_BIN)/stats-scenario
E2E_SCENARIO_OBJS := $(OBJ)/tests/e2e/stats-scenario.o \
                     $(OBJ)/tests/e2e/stats-read.o
# The checker again, built against the first version of the ABI header
# (tests/e2e/v1): a v1 reader must keep working on this Xen.
E2E_CHECKER_V1 := $(E2E_BIN)/stats-check-v1
E2E_CHECKER_V1_OBJS := $(OBJ)/tests/e2e/v1/stats-check.o \
                       $(OBJ)/tests/e2e/v1/stats-read.o
# The table's domain runstates against XCP-ng's XEN_DOMCTL_get_runstate_info
# (dom0.d/16-domstate-vs-domctl98.sh; XCP-ng's hypervisor with the series).
E2E_COMPARE := $(E2E_BIN)/runstate-compare
E2E_COMPARE_OBJS := $(OBJ)/tests/e2e/runstate-compare.o
# Preloaded into dom0's xenconsoled on XCP-ng's hypervisor (see the source).
E2E_COMPAT := $(E2E_BIN)/xc-getinfo-compat.so
E2E_TOOLS := $(E2E_CHECKER) $(E2E_SCENARIO) $(E2E_CHECKER_V1) $(E2E_COMPARE)

# The checker reads the tables through the project's copy of the ABI.
$(OBJ)/tests/e2e/%.o: CPPFLAGS += $(STATS_CFLAGS) \
    $(shell $(PKG_CONFIG) --cflags $(E2E_XEN_PKGS))

# -Itests/e2e/v1 first: its stats_table.h wins over the current copy.
$(OBJ)/tests/e2e/v1/%.o: tests/e2e/%.c
	@mkdir -p $(@D)
	$(COMPILE:$(CC)=$(CC) -Itests/e2e/v1) -c -o $@ $<

$(E2E_CHECKER) $(E2E_SCENARIO) $(E2E_CHECKER_V1) $(E2E_COMPARE): %: | e2e-deps
$(E2E_COMPARE): $(E2E_COMPARE_OBJS) $(STATS_LIB)
$(E2E_CHECKER): $(E2E_CHECKER_OBJS)
$(E2E_SCENARIO): $(E2E_SCENARIO_OBJS)
$(E2E_CHECKER_V1): $(E2E_CHECKER_V1_OBJS)
$(E2E_TOOLS):
	@mkdir -p $(@D)
	$(LINK) -o $@ $^ $(shell $(PKG_CONFIG) --libs $(E2E_XEN_PKGS))

# A library, not a program: no sanitizers (xenconsoled is not built with
# them), position-independent.
$(E2E_COMPAT): tests/e2e/xc-getinfo-compat.c | e2e-deps
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(WARNINGS) $(CFLAGS) $(CPPFLAGS) -fPIC -shared \
	    $(shell $(PKG_CONFIG) --cflags xencontrol) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs xencontrol)

# The guests' compiled workload (the guest-cost benchmark's ping-pong):
# static, as the guest image carries no libraries; no sanitizers.
E2E_PINGPONG := $(E2E_BIN)/e2e-pingpong
$(E2E_PINGPONG): tests/e2e/guest-pingpong.c
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(WARNINGS) $(CFLAGS) -static -s -o $@ $<

# Everything the images carry must be built first; the packages the run
# needs are installed by the run's own prerequisite.
e2e: e2e-deps $(E2E_TOOLS) $(E2E_COMPAT) $(E2E_PINGPONG) programs
	E2E_DIR=$(E2E_DIR) E2E_GUEST_PROGRAMS=$(E2E_PINGPONG) \
	  tests/e2e/run $(E2E_TOOLS) $(E2E_COMPAT) $(PROGRAMS)

# `make bench`: the benchmarks that need a real hypervisor (tests/e2e/
# bench.d, steps that run only when E2E_STEPS names them), on the patched
# Debian boot alone, in a directory of their own (its hypervisor build is
# cached there like the e2e's).  E2E_BENCH_STEPS selects.  QEMU counts
# guest time in instructions (-icount; one vCPU thread): the host's other
# load then changes how long the run takes, not what it measures.
E2E_BENCH_DIR := $(BUILD)/bench-e2e
E2E_BENCH_STEPS ?= 50-guest-cost
E2E_BENCH_QEMU_ARGS ?= -icount shift=3
.PHONY: bench-e2e
bench: bench-e2e
bench-e2e: e2e-deps $(E2E_SCENARIO) $(E2E_PINGPONG)
	E2E_DIR=$(E2E_BENCH_DIR) E2E_BOOTS=debian-patched \
	  E2E_STEPS="$(E2E_BENCH_STEPS)" E2E_GUEST_PROGRAMS=$(E2E_PINGPONG) \
	  E2E_QEMU_ARGS="$(E2E_BENCH_QEMU_ARGS)" E2E_BOOT_TIMEOUT=1800 \
	  tests/e2e/run $(E2E_SCENARIO); status=$$?; \
	  tr -d '\r' <$(E2E_BENCH_DIR)/logs/debian-patched.log | grep '^PERF '; \
	  exit $$status

.PHONY: e2e-deps
e2e-deps:
	scripts/install-deps build e2e

$(E2E_CHECKER_OBJS) $(E2E_SCENARIO_OBJS) $(E2E_CHECKER_V1_OBJS) \
    $(E2E_COMPARE_OBJS): | e2e-deps

DEPFILES += $(E2E_CHECKER_OBJS:.o=.d) $(OBJ)/tests/e2e/stats-scenario.d \
            $(E2E_CHECKER_V1_OBJS:.o=.d) $(E2E_COMPARE_OBJS:.o=.d)
