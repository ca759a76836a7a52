# stats-table: the xen-stats-table library, for any program that reads
# Xen's statistics tables: the public ABI header (a byte-identical copy of
# the one the patch series adds, in xen-public/), one header for the whole
# API (stats_reader.h), the map helper, header validation, the
# sequence-counter reads and Xen's clock.  A static library, installed
# with its headers and a pkg-config file by `make install`.
STATS_LIB := $(LIB)/libxen-stats-table.a
STATS_PKGS := xenforeignmemory
STATS_CFLAGS := -Istats-table -Istats-table/xen-public
STATS_LIBS := $(STATS_LIB) $(shell $(PKG_CONFIG) --libs $(STATS_PKGS))
MODULE_CFLAGS_stats-table := $(STATS_CFLAGS) \
                             $(shell $(PKG_CONFIG) --cflags $(STATS_PKGS))

STATS_SRCS := $(wildcard stats-table/*.c)
STATS_OBJS := $(STATS_SRCS:%.c=$(OBJ)/%.o)

$(STATS_LIB): $(STATS_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# Headers go to their own folder: stats_table.h is Xen's name, and a Xen
# that ships the series installs its own copy under xen/.
.PHONY: install-stats-table
install-stats-table: $(STATS_LIB)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig \
	           $(DESTDIR)$(INCLUDEDIR)/xen-stats-table
	install -m 0644 $(STATS_LIB) $(DESTDIR)$(LIBDIR)/
	$(call install-pc,stats-table/xen-stats-table.pc.in)
	install -m 0644 stats-table/stats_reader.h \
	                stats-table/xen-public/stats_table.h \
	                $(DESTDIR)$(INCLUDEDIR)/xen-stats-table/

LIBRARIES += $(STATS_LIB)
INSTALL_TARGETS += install-stats-table
DEPFILES += $(STATS_OBJS:.o=.d)
