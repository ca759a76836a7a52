/*
 * check_compat.h: the Check API the unit tests may use, the same on
 * Check 0.9.9 (EL7: XCP-ng 8.3's build environment) and on later releases.
 * Tests include this instead of <check.h>.
 *
 * 0.9.9 has ck_assert, ck_assert_msg, ck_abort(_msg), ck_assert_int_* and
 * ck_assert_str_* (eq ne lt le gt ge), but no ck_assert_ptr_eq/ne and no
 * ck_assert_uint_*: the pointer pair is supplied here when missing.  Its
 * ck_assert_int_* convert both sides to int, so values that may not fit
 * 32 bits (nanosecond counters, sizes, 64-bit ids) go through
 * ck_assert_u64_* or ck_assert_i64_* below, which compare 64-bit values on
 * every version.  tests/lint/check-old-apis holds the tests to this API;
 * tests/unit/check-0.9.9/ runs them as 0.9.9 would.
 */
#ifndef TESTS_CHECK_COMPAT_H
#define TESTS_CHECK_COMPAT_H

#include <check.h>
#include <inttypes.h>
#include <stdint.h>

#ifndef ck_assert_ptr_eq
#define CK_COMPAT_PTR(X, OP, Y)                                              \
	do {                                                                 \
		const void *ck_compat_x = (X);                               \
		const void *ck_compat_y = (Y);                               \
		ck_assert_msg(ck_compat_x OP ck_compat_y,                    \
			      "Assertion '%s' failed: %s==%p, %s==%p",       \
			      #X " " #OP " " #Y, #X, ck_compat_x, #Y,        \
			      ck_compat_y);                                  \
	} while (0)
#define ck_assert_ptr_eq(X, Y) CK_COMPAT_PTR(X, ==, Y)
#define ck_assert_ptr_ne(X, Y) CK_COMPAT_PTR(X, !=, Y)
#endif

#define CK_COMPAT_WIDE(T, FMT, X, OP, Y)                                     \
	do {                                                                 \
		T ck_compat_x = (T)(X);                                      \
		T ck_compat_y = (T)(Y);                                      \
		ck_assert_msg(ck_compat_x OP ck_compat_y,                    \
			      "Assertion '%s' failed: %s==%" FMT ", %s==%" FMT, \
			      #X " " #OP " " #Y, #X, ck_compat_x, #Y,        \
			      ck_compat_y);                                  \
	} while (0)
#define ck_assert_u64_eq(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, ==, Y)
#define ck_assert_u64_ne(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, !=, Y)
#define ck_assert_u64_lt(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, <, Y)
#define ck_assert_u64_le(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, <=, Y)
#define ck_assert_u64_gt(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, >, Y)
#define ck_assert_u64_ge(X, Y) CK_COMPAT_WIDE(uint64_t, PRIu64, X, >=, Y)
#define ck_assert_i64_eq(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, ==, Y)
#define ck_assert_i64_ne(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, !=, Y)
#define ck_assert_i64_lt(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, <, Y)
#define ck_assert_i64_le(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, <=, Y)
#define ck_assert_i64_gt(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, >, Y)
#define ck_assert_i64_ge(X, Y) CK_COMPAT_WIDE(int64_t, PRId64, X, >=, Y)

#endif
