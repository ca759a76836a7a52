# tests/qemu-perf: vcpustats-bench, the daemon's whole cycle on a real Xen
# for the QEMU e2e's performance step (plugin/e2e/40-perf.sh).
# A program (in $(PROGRAMS)) so `make e2e` puts it into dom0's image.
# It defines ioctl() to count privcmd hypercalls; the Xen libraries must
# see that definition, hence the exported symbol.
QPERF_BENCH := $(BIN)/vcpustats-bench
QPERF_OBJS := $(OBJ)/tests/qemu-perf/vcpustats-bench.o

$(QPERF_BENCH): $(QPERF_OBJS) $(PLUGIN_DEPS)
	@mkdir -p $(@D)
	$(LINK) -Wl,--export-dynamic-symbol=ioctl -o $@ $(QPERF_OBJS) \
	  $(PLUGIN_LIBS) -ldl

# xc-pause-loop: the interference step's finer toolstack rate (pause and
# unpause through libxenctrl, thousands per second).
QPERF_XCLOOP := $(BIN)/xc-pause-loop
QPERF_XCLOOP_OBJS := $(OBJ)/tests/qemu-perf/xc-pause-loop.o

$(QPERF_XCLOOP): $(QPERF_XCLOOP_OBJS)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(QPERF_XCLOOP_OBJS) $(shell $(PKG_CONFIG) --libs xencontrol)

PROGRAMS += $(QPERF_BENCH) $(QPERF_XCLOOP)
DEPFILES += $(QPERF_OBJS:.o=.d) $(QPERF_XCLOOP_OBJS:.o=.d)

# `make bench` also runs the plugin's benchmarks on the patched hypervisor
# under QEMU, in a boot of their own (docs/performance.md): the whole
# cycle, table against hypercall (plugin/e2e/40-perf.sh), the marginal
# cost of a vCPU (tests/e2e/bench.d/41-perf-scale.sh) and the
# interference with the toolstack (42-perf-interference.sh).  The bench.d
# steps run only when E2E_STEPS names them, so `make e2e` leaves them out.
# With the other hypervisor benchmarks (bench-e2e) in the same `make
# bench`, after them: one QEMU at a time on the cores, and the same cached
# hypervisor build.  Unlike bench-e2e, QEMU keeps wall-clock time
# (QPERF_QEMU_ARGS, e.g. "-icount shift=3" to count instructions): with
# -icount QEMU runs both pCPUs in one thread, and with guest-a's vCPU
# busy on pCPU1 dom0's CPU clock absorbed pCPU1's slices (a tried run:
# every time 2-4.5x, the per-vCPU slopes lost in the noise).  So the host's
# other load is in these figures: run them on idle cores.
#
# The interference step gets a boot of its own, after the others', with
# dom0 on QPERF_INTERF_DOM0_VCPUS (2) vCPUs, one per pCPU: the toolstack on
# vCPU0, the sampler on vCPU1, so the sampler's CPU is not the toolstack's
# and what it measures is the interference through Xen and dom0's kernel
# (docs/performance.md).  The other steps keep dom0's one vCPU.  Each
# boot's serial log is kept as logs/debian-patched-<first step>.log.
QPERF_STEPS ?= 40-perf 41-perf-scale 42-perf-interference
QPERF_QEMU_ARGS ?=
QPERF_INTERF_DOM0_VCPUS ?= 2
# Longer runs: e.g. QPERF_DOM0_ENV="PERF_E2E_ROUNDS=120 E2E_STEP_TIMEOUT=3600"
# (the steps' sizes, read from dom0's environment) with QPERF_BOOT_TIMEOUT
# above the step's time.
QPERF_DOM0_ENV ?=
QPERF_BOOT_TIMEOUT ?= 1800
QPERF_E2E_DIR := $(or $(E2E_BENCH_DIR),$(BUILD)/bench-e2e)
QPERF_INTERF := $(filter 42-perf-interference,$(QPERF_STEPS))
QPERF_OTHERS := $(filter-out 42-perf-interference,$(QPERF_STEPS))
# qperf_boot STEPS DOM0_VCPUS: one boot, its figures and checks printed;
# a shell fragment that sets status when the boot fails.
define qperf_boot
E2E_DIR=$(QPERF_E2E_DIR) E2E_BOOTS=debian-patched \
  E2E_STEPS="$(1)" E2E_QEMU_ARGS="$(QPERF_QEMU_ARGS)" \
  E2E_DOM0_VCPUS=$(2) E2E_BOOT_TIMEOUT=$(QPERF_BOOT_TIMEOUT) \
  E2E_DOM0_ENV="$(QPERF_DOM0_ENV)" \
  tests/e2e/run $(PROGRAMS) || status=1; \
  cp $(QPERF_E2E_DIR)/logs/debian-patched.log \
    $(QPERF_E2E_DIR)/logs/debian-patched-$(firstword $(1)).log; \
  tr -d '\r' <$(QPERF_E2E_DIR)/logs/debian-patched.log | \
  grep '^PERF \|^PASS perf\|^FAIL perf';
endef
.PHONY: bench-qemu-perf
bench: bench-qemu-perf
bench-qemu-perf: e2e-deps programs | \
    $(if $(and $(filter bench,$(MAKECMDGOALS)),$(E2E_BENCH_DIR)),bench-e2e)
	status=0; \
	$(if $(QPERF_OTHERS),$(call qperf_boot,$(QPERF_OTHERS),1)) \
	$(if $(QPERF_INTERF),$(call qperf_boot,$(QPERF_INTERF),$(QPERF_INTERF_DOM0_VCPUS))) \
	exit $$status
