# rrdd-protocol: the library (every .c here) and its tools (tools/*.c, one
# program per file).
RRDD_LIB := $(LIB)/librrdd-protocol.a
RRDD_PKGS := json-c zlib libcurl libxml-2.0
RRDD_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(RRDD_PKGS)) -Irrdd-protocol
RRDD_LIBS := $(RRDD_LIB) $(shell $(PKG_CONFIG) --libs $(RRDD_PKGS)) -lm -pthread
MODULE_CFLAGS_rrdd-protocol := $(RRDD_CFLAGS)

RRDD_SRCS := $(wildcard rrdd-protocol/*.c)
RRDD_OBJS := $(RRDD_SRCS:%.c=$(OBJ)/%.o)
RRDD_TOOLS := $(patsubst rrdd-protocol/tools/%.c,$(BIN)/%,\
                $(wildcard rrdd-protocol/tools/*.c))

$(RRDD_LIB): $(RRDD_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(OBJ)/rrdd-protocol/tools/%.o $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(RRDD_LIBS)

LIBRARIES += $(RRDD_LIB)
PROGRAMS += $(RRDD_TOOLS)
DEPFILES += $(RRDD_OBJS:.o=.d) \
            $(patsubst rrdd-protocol/tools/%.c,$(OBJ)/rrdd-protocol/tools/%.d,\
              $(wildcard rrdd-protocol/tools/*.c))

# `make install`: the library, its header and its pkg-config file.
.PHONY: install-rrdd-protocol
install-rrdd-protocol: $(RRDD_LIB)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 0644 $(RRDD_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 rrdd-protocol/rrdd_protocol.h $(DESTDIR)$(INCLUDEDIR)/
	$(call install-pc,rrdd-protocol/rrdd-protocol.pc.in)

INSTALL_TARGETS += install-rrdd-protocol
