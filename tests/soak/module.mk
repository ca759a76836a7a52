# Soak runs: long, not timed, not part of `make check`.  `make soak` builds
# them optimised without sanitizers (in build/soak) and runs each once.
# soak-torn: >= 1e8 reads of stats slots through the table reader library
# while a thread rewrites them with Xen's sequence protocol; SOAK_READS
# overrides the count.
SOAK_SRCS := $(wildcard tests/soak/soak-*.c)
SOAKS := $(patsubst tests/soak/%.c,$(BUILD)/soak/%,$(SOAK_SRCS))
SOAK_READS ?= 100000000
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(SOAK_SRCS))

$(BUILD)/soak/soak-%: $(OBJ)/tests/soak/soak-%.o $(STATS_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(STATS_LIBS) -pthread

.PHONY: soak soak-run
soak:
	@$(MAKE) --no-print-directory BUILD=build/soak SAN= CFLAGS="-O2 -g" \
	  soak-run

# The plain-copy run first: the invariant must catch a torn copy at all.
soak-run: $(SOAKS)
	@echo "== $(BUILD)/soak/soak-torn --plain (must find torn copies)"
	@$(BUILD)/soak/soak-torn --plain 1000000
	@for s in $(SOAKS); do echo "== $$s"; "$$s" $(SOAK_READS) || exit 1; done
