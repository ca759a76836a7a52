# Benchmarks: tests/bench/bench-*.c, one program each, linked with
# rrdd-protocol.  `make bench` builds every BENCHES entry optimised and
# without sanitizers (in build/bench) and runs them; they print figures.
BENCH_SRCS := $(wildcard tests/bench/bench-*.c)
BENCHES += $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(BENCH_SRCS))

$(BUILD)/bench/bench-%: $(OBJ)/tests/bench/bench-%.o $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(RRDD_LIBS)

.PHONY: bench-run
bench:
	@$(MAKE) --no-print-directory BUILD=build/bench SAN= CFLAGS="-O2 -g" \
	  bench-run

# Recipes expand late: BENCHES holds every module's entries by now.
bench-run:
	@$(MAKE) --no-print-directory $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; "$$b" || exit 1; done
