# plugin: the xcp-rrdd-vcpustats daemon, one folder per stage of a cycle:
#   input/    Xen: discovery of domains, backends (table, hypercall, auto)
#   derive/   the RRD view: datasource descriptions and values
#   outputs/  OpenMetrics text, its HTTP listener, scrapes of the tables
#   daemon/   options, the cycle that writes for xcp-rrdd, main
#   common/   what every stage uses: logging, the domain-id set
# A stage includes only its own folder, common/ and the stages before it
# (tests/lint/check-layers says so).  Everything except daemon/main.c goes
# into an internal static library, so the unit tests link the same objects
# the daemon runs.
PLUGIN_PKGS := xenforeignmemory xencontrol xenstore libmicrohttpd
PLUGIN_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PLUGIN_PKGS)) \
                 -Iplugin $(STATS_CFLAGS) $(RRDD_CFLAGS)
MODULE_CFLAGS_plugin := $(PLUGIN_CFLAGS)

PLUGIN_LIB := $(LIB)/libvcpustats.a
PLUGIN_BIN := $(BIN)/xcp-rrdd-vcpustats
PLUGIN_SRCS := $(wildcard plugin/*/*.c)
PLUGIN_LIB_OBJS := $(patsubst %.c,$(OBJ)/%.o,\
                     $(filter-out plugin/daemon/main.c,$(PLUGIN_SRCS)))
PLUGIN_LIBS := $(PLUGIN_LIB) $(STATS_LIBS) $(RRDD_LIBS) \
               $(shell $(PKG_CONFIG) --libs $(PLUGIN_PKGS)) -lpthread

$(PLUGIN_LIB): $(PLUGIN_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(PLUGIN_BIN): $(OBJ)/plugin/daemon/main.o $(PLUGIN_LIB) $(STATS_LIB) $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(PLUGIN_LIBS)

LIBRARIES += $(PLUGIN_LIB)
PROGRAMS += $(PLUGIN_BIN)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(PLUGIN_SRCS))

# ---- packaging: `make rpm` --------------------------------------------
# A source tarball of the tree as committed plus the working copy of the
# files the spec needs, then rpmbuild.  BuildRequires name XCP-ng 8.3
# packages, so on Debian the build runs with --nodeps.
RPM_VERSION := $(shell sed -n 's/^Version:[[:space:]]*//p' xcp-rrdd-vcpustats.spec 2>/dev/null)
RPM_TOP := $(abspath $(BUILD)/rpm)
RPM_TARBALL := $(RPM_TOP)/SOURCES/xcp-rrdd-vcpustats-$(RPM_VERSION).tar.gz
RPMBUILD ?= rpmbuild
RPM_CHECK ?= 1

rpm:
	@mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/SPECS
	scripts/make-tarball $(RPM_VERSION) $(RPM_TARBALL)
	cp xcp-rrdd-vcpustats.spec $(RPM_TOP)/SPECS/
	$(RPMBUILD) --nodeps --define "_topdir $(RPM_TOP)" \
	  $(if $(filter 0,$(RPM_CHECK)),--nocheck) \
	  -bb $(RPM_TOP)/SPECS/xcp-rrdd-vcpustats.spec
	@ls $(RPM_TOP)/RPMS/*/xcp-rrdd-vcpustats-*.rpm
