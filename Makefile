# xcp-rrdd-vcpustats: top-level build.
#
# Every part keeps its rules in its own module.mk, included below, so the
# parts can grow without touching this file.  Everything is built into
# $(BUILD): libraries in $(BUILD)/lib, programs in $(BUILD)/bin, unit test
# binaries in $(BUILD)/tests.  `make SAN=1 BUILD=build/asan` gives the
# ASan+UBSan build the test suite runs as its second pass.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
STDFLAGS := -std=gnu11 -D_GNU_SOURCE
# -Werror for development builds; distribution builds (the RPM's spec) pass
# WERROR=0, as a newer or older compiler may warn where this one does not.
WERROR   ?= 1
WARNINGS := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
PKG_CONFIG ?= pkg-config

# `make install`: the libraries with their headers and pkg-config files,
# and vcpustat, under $(DESTDIR)$(PREFIX).
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
VERSION    := $(shell sed -n 's/^Version:[[:space:]]*//p' xcp-rrdd-vcpustats.spec 2>/dev/null)

ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
endif

BIN  := $(BUILD)/bin
LIB  := $(BUILD)/lib
OBJ  := $(BUILD)/obj
TBIN := $(BUILD)/tests

# Filled in by the modules.
PROGRAMS     :=
LIBRARIES    :=
UNIT_TESTS   :=
SCRIPT_TESTS :=
BENCHES      :=
DEPFILES     :=
INSTALL_TARGETS :=

COMPILE = $(CC) $(STDFLAGS) $(WARNINGS) $(CFLAGS) $(SANFLAGS) $(CPPFLAGS) \
          -MMD -MP
LINK    = $(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS)

# $(call install-pc,FILE.pc.in): FILE.pc into $(DESTDIR)$(LIBDIR)/pkgconfig,
# with the install paths of this run.
define install-pc
sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
    $(1) >$(DESTDIR)$(LIBDIR)/pkgconfig/$(notdir $(1:.in=))
endef

# Objects are intermediate files of chained rules; keep them for rebuilds.
.SECONDARY:

.PHONY: all programs check unit deps clean lint bench fuzz e2e demo rpm valgrind \
        install print-%
all:

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(COMPILE) $(MODULE_CFLAGS_$(firstword $(subst /, ,$<))) -c -o $@ $<

# Libraries before their users: prerequisites expand as they are read.
include $(wildcard rrdd-protocol/module.mk)
include $(wildcard stats-table/module.mk)
include $(wildcard plugin/module.mk)
include $(sort $(filter-out rrdd-protocol/module.mk stats-table/module.mk \
                 plugin/module.mk,$(wildcard */module.mk)))
include $(wildcard tests/unit/module.mk)
include $(sort $(wildcard tests/unit/*/module.mk))
include $(sort $(filter-out tests/unit/module.mk,$(wildcard tests/*/module.mk)))

all: $(LIBRARIES) $(PROGRAMS) $(UNIT_TESTS)

# Every program, for targets (e2e, demo) whose modules are read before all
# programs are known: a prerequisite expands as it is read, so they name
# this target instead of $(PROGRAMS).
programs: $(PROGRAMS)

# The whole suite: unit tests plain and under ASan+UBSan, valgrind, the
# script tests (conformance, tools, packaging) and the end-to-end run on a
# patched Xen under QEMU.  It installs its own build dependencies.
check: deps
	tests/run-suite

unit: deps
	tests/run-suite --unit-only

deps:
	scripts/install-deps

valgrind: all
	tests/run-valgrind $(UNIT_TESTS)

lint:
	tests/lint/run

install: $(INSTALL_TARGETS)

clean:
	rm -rf build

print-%:
	@echo $($*)

-include $(DEPFILES)
