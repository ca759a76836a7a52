# Unit tests (Check): tests/unit/<part>/test-*.c, one binary each, linked
# with that part's library.  tests/unit/<part>/support/*.c are test doubles
# shared by that part's tests.
CHECK_PKGS := check
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CHECK_PKGS))
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs $(CHECK_PKGS))
MODULE_CFLAGS_tests := $(CHECK_CFLAGS) $(RRDD_CFLAGS) $(PLUGIN_CFLAGS) \
                       -Itests/unit
