# plugin: the xcp-rrdd-vcpustats daemon, one folder per stage of a cycle:
#   input/    Xen: discovery of domains, backends (table, hypercall, auto)
#   derive/   the RRD view: datasource descriptions and values
#   outputs/  OpenMetrics text, its HTTP listener, scrapes of the tables
#   daemon/   options, the cycle that writes for xcp-rrdd, main
#   common/   what every stage uses: logging, the domain-id set, fail_with
# A stage includes only its own folder, common/ and the stages before it
# (tests/lint/check-layers says so).  Everything except daemon/main.c goes
# into an internal static library, so the unit tests link the same objects
# the daemon runs.
#
# OPENMETRICS=0 builds without the OpenMetrics listener and libmicrohttpd
# (outputs/metrics_http_none.c instead of metrics_http.c), for hosts whose
# repositories lack the library; --openmetrics then says so and exits.
OPENMETRICS ?= 1
PLUGIN_PKGS := xenforeignmemory xencontrol xenstore \
               $(if $(filter 0,$(OPENMETRICS)),,libmicrohttpd)
# libxencall issues XenServer's domctl 98 (input/domctl_runstate.c), which
# Debian's libxenctrl has no wrapper for; built without it, the hypercall
# backend leaves the domain runstates out.
PLUGIN_XENCALL := $(shell $(PKG_CONFIG) --exists xencall && echo 1)
PLUGIN_PKGS += $(if $(PLUGIN_XENCALL),xencall)
PLUGIN_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PLUGIN_PKGS)) \
                 $(if $(PLUGIN_XENCALL),-DHAVE_XENCALL) \
                 -Iplugin $(STATS_CFLAGS) $(RRDD_CFLAGS) \
                 -DPLUGIN_OPENMETRICS=$(if $(filter 0,$(OPENMETRICS)),0,1)
MODULE_CFLAGS_plugin := $(PLUGIN_CFLAGS)

PLUGIN_LIB := $(LIB)/libvcpustats.a
PLUGIN_BIN := $(BIN)/xcp-rrdd-vcpustats
PLUGIN_SRCS := $(filter-out plugin/outputs/metrics_http$(if $(filter 0,$(OPENMETRICS)),,_none).c,\
                 $(wildcard plugin/*/*.c))
PLUGIN_LIB_OBJS := $(patsubst %.c,$(OBJ)/%.o,\
                     $(filter-out plugin/daemon/main.c,$(PLUGIN_SRCS)))
# What a program linked with $(PLUGIN_LIBS) depends on: name it as a
# prerequisite, so that a clean `make` builds the libraries first.
PLUGIN_DEPS := $(PLUGIN_LIB) $(STATS_LIB) $(RRDD_LIB)
PLUGIN_LIBS := $(PLUGIN_LIB) $(STATS_LIBS) $(RRDD_LIBS) \
               $(shell $(PKG_CONFIG) --libs $(PLUGIN_PKGS)) -lpthread

$(PLUGIN_LIB): $(PLUGIN_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(PLUGIN_BIN): $(OBJ)/plugin/daemon/main.o $(PLUGIN_DEPS)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(PLUGIN_LIBS)

LIBRARIES += $(PLUGIN_LIB)
PROGRAMS += $(PLUGIN_BIN)
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(PLUGIN_SRCS))
