# Unit tests (Check): tests/unit/<part>/test-*.c, one binary each, linked
# with that part's library.  tests/unit/<part>/support/*.c are test doubles
# shared by that part's tests.
CHECK_PKGS := check
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CHECK_PKGS))
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs $(CHECK_PKGS))
MODULE_CFLAGS_tests := $(CHECK_CFLAGS) $(RRDD_CFLAGS) $(PLUGIN_CFLAGS) \
                       -Itests/unit

# Every unit test builds against the Check API of check_compat.h, the same
# on Check 0.9.9 (XCP-ng 8.3's build environment) as here.
# `make CHECK_API=0.9.9` builds them against tests/unit/check-0.9.9/check.h,
# which behaves as 0.9.9 (no later macros, int-only ck_assert_int_*).
$(OBJ)/tests/unit/%.o: CPPFLAGS += -include tests/unit/check_compat.h \
    $(if $(filter 0.9.9,$(CHECK_API)),-Itests/unit/check-0.9.9)
SCRIPT_TESTS += tests/unit/check-0.9.9/run
