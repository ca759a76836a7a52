# `make demo` (the README's main command; tests/demo/run, docs/e2e.md):
# installs what it needs, builds the plugin, rrdd-mock, the patched Xen
# and the images (cached under $(BUILD)/e2e), boots them under QEMU with
# three guests doing different amounts of work, prints a live per-VM,
# per-vCPU usage table and plots it to $(BUILD)/demo/vcpu-usage.png.
DEMO_PROGRAMS := $(BIN)/xcp-rrdd-vcpustats $(BIN)/rrdd-mock $(BIN)/rrdd-dump

demo: demo-deps $(DEMO_PROGRAMS)
	E2E_DIR=$(BUILD)/e2e DEMO_DIR=$(BUILD)/demo tests/demo/run $(DEMO_PROGRAMS)

.PHONY: demo-deps
demo-deps:
	scripts/install-deps build plugin e2e demo

# Nothing is compiled before the packages are there.
$(DEMO_PROGRAMS): | demo-deps
