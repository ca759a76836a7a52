# stats-table: the reader library for Xen's statistics tables: the public
# ABI header (a byte-identical copy of the one the patch series adds, in
# xen-public/) and the reader that validates a mapped table and copies
# sections and slots with the sequence-counter protocol.  Pure C over
# memory: the plugin, the tools and the tests all read tables through it.
STATS_LIB := $(LIB)/libstats-table.a
STATS_CFLAGS := -Istats-table -Istats-table/xen-public
STATS_LIBS := $(STATS_LIB)
MODULE_CFLAGS_stats-table := $(STATS_CFLAGS)

STATS_SRCS := $(wildcard stats-table/*.c)
STATS_OBJS := $(STATS_SRCS:%.c=$(OBJ)/%.o)

$(STATS_LIB): $(STATS_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

LIBRARIES += $(STATS_LIB)
DEPFILES += $(STATS_OBJS:.o=.d)
