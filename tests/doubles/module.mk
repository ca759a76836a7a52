# tests/doubles: the project's stand-ins for real things it cannot run in
# every test, one per real thing.  xcp-rrdd/: the fake xcp-rrdd
# (registration calls on a Unix socket, discovery of the metrics
# directory, the v2 payload reads, rrd.ml's rates), built once as a
# library (mock/*.c and double.c) that unit tests run in-process
# (xcp_rrdd_double.h), and rrdd-mock, the command line over it that the
# tool tests, the e2e and the demo use.  It serves HTTP with
# libmicrohttpd.
XRD_LIB := $(LIB)/libxcp-rrdd-double.a
XRD_SRCS := tests/doubles/xcp-rrdd/double.c \
            $(wildcard tests/doubles/xcp-rrdd/mock/*.c)
XRD_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(XRD_SRCS))
XRD_LIBS := $(XRD_LIB) $(RRDD_LIBS) \
            $(shell $(PKG_CONFIG) --libs libmicrohttpd) -pthread
RRDD_MOCK := $(BIN)/rrdd-mock
RRDD_MOCK_OBJS := $(OBJ)/tests/doubles/xcp-rrdd/rrdd-mock.o
MODULE_CFLAGS_tests += -Itests/doubles/xcp-rrdd

$(XRD_LIB): $(XRD_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(RRDD_MOCK): $(RRDD_MOCK_OBJS) $(XRD_LIB) $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(RRDD_MOCK_OBJS) $(XRD_LIBS)

LIBRARIES += $(XRD_LIB)
PROGRAMS += $(RRDD_MOCK)
DEPFILES += $(XRD_OBJS:.o=.d) $(RRDD_MOCK_OBJS:.o=.d)
