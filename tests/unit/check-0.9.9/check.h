/*
 * check.h as Check 0.9.9 offers it (EL7, XCP-ng 8.3's build environment),
 * for building the unit tests with `make CHECK_API=0.9.9`: the installed
 * Check, without the assertion macros added after 0.9.9, and with 0.9.9's
 * ck_assert_int_*, which convert both sides to int.  0.9.9 truncates
 * silently; here a value outside int's range fails the assertion, so a
 * test that needs a 64-bit comparison shows up on this machine too.
 * Functions added after 0.9.9 stay declared: tests/lint/check-old-apis
 * catches those.
 */
#ifndef TESTS_CHECK_099_H
#define TESTS_CHECK_099_H

#include_next <check.h>
#include <limits.h>
#include <stdint.h>

#undef CHECK_MAJOR_VERSION
#undef CHECK_MINOR_VERSION
#undef CHECK_MICRO_VERSION
#define CHECK_MAJOR_VERSION (0)
#define CHECK_MINOR_VERSION (9)
#define CHECK_MICRO_VERSION (9)

/* Added in 0.9.10 and later. */
#undef ck_assert_ptr_eq
#undef ck_assert_ptr_ne
#undef ck_assert_ptr_null
#undef ck_assert_ptr_nonnull
#undef ck_assert_uint_eq
#undef ck_assert_uint_ne
#undef ck_assert_uint_lt
#undef ck_assert_uint_le
#undef ck_assert_uint_gt
#undef ck_assert_uint_ge
#undef ck_assert_pstr_eq
#undef ck_assert_pstr_ne
#undef ck_assert_mem_eq
#undef ck_assert_mem_ne
#undef ck_assert_mem_lt
#undef ck_assert_mem_le
#undef ck_assert_mem_gt
#undef ck_assert_mem_ge
#undef ck_assert_float_eq
#undef ck_assert_float_ne
#undef ck_assert_double_eq
#undef ck_assert_double_ne
#undef ck_assert_double_eq_tol
#undef ck_assert_ldouble_eq

/* 0.9.9's int comparison: both sides become int. */
#define CK_099_INT(X, OP, Y)                                                 \
	do {                                                                 \
		intmax_t ck099_x = (intmax_t)(X);                            \
		intmax_t ck099_y = (intmax_t)(Y);                            \
		ck_assert_msg(ck099_x >= INT_MIN && ck099_x <= INT_MAX &&    \
				      ck099_y >= INT_MIN && ck099_y <= INT_MAX, \
			      "'%s': %jd or %jd does not fit the int that "  \
			      "Check 0.9.9's ck_assert_int_* compares",      \
			      #X " " #OP " " #Y, ck099_x, ck099_y);          \
		ck_assert_msg((int)ck099_x OP (int)ck099_y,                  \
			      "Assertion '%s' failed: %s==%d, %s==%d",       \
			      #X " " #OP " " #Y, #X, (int)ck099_x, #Y,       \
			      (int)ck099_y);                                 \
	} while (0)
#undef ck_assert_int_eq
#undef ck_assert_int_ne
#undef ck_assert_int_lt
#undef ck_assert_int_le
#undef ck_assert_int_gt
#undef ck_assert_int_ge
#define ck_assert_int_eq(X, Y) CK_099_INT(X, ==, Y)
#define ck_assert_int_ne(X, Y) CK_099_INT(X, !=, Y)
#define ck_assert_int_lt(X, Y) CK_099_INT(X, <, Y)
#define ck_assert_int_le(X, Y) CK_099_INT(X, <=, Y)
#define ck_assert_int_gt(X, Y) CK_099_INT(X, >, Y)
#define ck_assert_int_ge(X, Y) CK_099_INT(X, >=, Y)

#endif
