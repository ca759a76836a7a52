# vcpustat: a command for a person at a host's shell (vcpustat.1), built
# on the xen-stats-table library.  Everything but main.c goes into an
# internal library that the unit tests (tests/unit/vcpustat) link too.
VCPUSTAT_PKGS := xencontrol xenforeignmemory xenstore json-c
VCPUSTAT_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(VCPUSTAT_PKGS)) \
                   -Ivcpustat $(STATS_CFLAGS)
MODULE_CFLAGS_vcpustat := $(VCPUSTAT_CFLAGS)

VCPUSTAT_BIN := $(BIN)/vcpustat
VCPUSTAT_LIB := $(LIB)/libvcpustat-tool.a
VCPUSTAT_SRCS := $(wildcard vcpustat/*.c)
VCPUSTAT_LIB_OBJS := $(patsubst %.c,$(OBJ)/%.o,\
                       $(filter-out vcpustat/main.c,$(VCPUSTAT_SRCS)))
VCPUSTAT_LIBS := $(VCPUSTAT_LIB) $(STATS_LIBS) \
                 $(shell $(PKG_CONFIG) --libs $(VCPUSTAT_PKGS))

$(VCPUSTAT_LIB): $(VCPUSTAT_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(VCPUSTAT_BIN): $(OBJ)/vcpustat/main.o $(VCPUSTAT_LIB) $(STATS_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(VCPUSTAT_LIBS)

.PHONY: install-vcpustat
install-vcpustat: $(VCPUSTAT_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(VCPUSTAT_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 vcpustat/vcpustat.1 $(DESTDIR)$(MANDIR)/man1/

LIBRARIES += $(VCPUSTAT_LIB)
PROGRAMS += $(VCPUSTAT_BIN)
INSTALL_TARGETS += install-vcpustat
DEPFILES += $(patsubst %.c,$(OBJ)/%.d,$(VCPUSTAT_SRCS))
