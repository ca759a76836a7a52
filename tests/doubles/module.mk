# tests/doubles: the project's stand-ins for real things it cannot run in
# every test.  xcp-rrdd/: rrdd-mock, the fake xcp-rrdd (registration RPC on
# a Unix socket and the v2 payload reads), used by the tool tests, the e2e
# and the demo.  It serves HTTP with libmicrohttpd.
RRDD_MOCK := $(BIN)/rrdd-mock
RRDD_MOCK_SRCS := tests/doubles/xcp-rrdd/rrdd-mock.c \
                  $(wildcard tests/doubles/xcp-rrdd/mock/*.c)
RRDD_MOCK_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(RRDD_MOCK_SRCS))
MODULE_CFLAGS_tests += -Itests/doubles/xcp-rrdd

$(RRDD_MOCK): $(RRDD_MOCK_OBJS) $(RRDD_LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(RRDD_MOCK_OBJS) $(RRDD_LIBS) \
	  $(shell $(PKG_CONFIG) --libs libmicrohttpd)

PROGRAMS += $(RRDD_MOCK)
DEPFILES += $(RRDD_MOCK_OBJS:.o=.d)
