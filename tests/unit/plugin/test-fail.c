/* test-fail: the plugin's "say why and return" helper. */
#include <check.h>
#include <string.h>

#include "check_main.h"

#include "common/fail.h"

START_TEST(writes_the_line_and_returns_the_status)
{
	char why[32] = "untouched";

	ck_assert_int_eq(fail_with(why, sizeof(why), -7, "port %d: %s", 80,
				   "in use"), -7);
	ck_assert_str_eq(why, "port 80: in use");
	ck_assert_int_eq(fail_with(why, 5, 3, "%s", "truncated here"), 3);
	ck_assert_str_eq(why, "trun");
}
END_TEST

START_TEST(no_buffer_is_fine)
{
	char why[8] = "keep";

	ck_assert_int_eq(fail_with(NULL, 64, -1, "%s", "dropped"), -1);
	ck_assert_int_eq(fail_with(why, 0, -2, "%s", "dropped"), -2);
	ck_assert_str_eq(why, "keep");
}
END_TEST

static Suite *fail_suite(void)
{
	Suite *s = suite_create("fail");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, writes_the_line_and_returns_the_status);
	tcase_add_test(tc, no_buffer_is_fine);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fail_suite)
