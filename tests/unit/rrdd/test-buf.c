/*
 * test-buf: the library's growable text buffer: appends across growth,
 * formatted text longer than the small stack copy, hand-over, and a
 * failure that stays (one check at the end is enough for a caller).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "rrdd_protocol.h"

START_TEST(appends_grow_and_stay_terminated)
{
	struct rrdd_buf b;
	char *text;
	size_t len = 0;

	rrdd_buf_init(&b);
	for (int i = 0; i < 1000; i++)
		rrdd_buf_str(&b, "abc");
	rrdd_buf_add(&b, "xyz", 1);
	ck_assert_int_eq(b.len, 3001);
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert_int_eq(b.data[3000], 'x');
	ck_assert_msg(b.cap >= b.len + 1, "cap %zu", b.cap);
	text = rrdd_buf_steal(&b, &len);
	ck_assert_int_eq(len, 3001);
	ck_assert_msg(b.data == NULL && b.len == 0 && b.cap == 0,
		      "empty after the hand-over");
	free(text);
}
END_TEST

START_TEST(printf_short_and_long)
{
	struct rrdd_buf b;
	char longer[300];

	memset(longer, 'q', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	rrdd_buf_init(&b);
	rrdd_buf_printf(&b, "%d-%s|", 42, "x");
	rrdd_buf_printf(&b, "%s", longer);
	ck_assert_int_eq(b.len, 5 + 299);
	ck_assert_msg(strncmp(b.data, "42-x|qqq", 8) == 0, "%.10s", b.data);
	ck_assert_int_eq(b.data[b.len - 1], 'q');
	ck_assert_int_eq(b.data[b.len], '\0');
	rrdd_buf_free(&b);
	ck_assert_msg(b.data == NULL && b.len == 0, "freed");
}
END_TEST

START_TEST(failure_is_sticky)
{
	struct rrdd_buf b;

	rrdd_buf_init(&b);
	rrdd_buf_str(&b, "kept");
	b.failed = true;	/* as after a failed realloc */
	rrdd_buf_str(&b, " dropped");
	rrdd_buf_printf(&b, "%d", 1);
	ck_assert_int_eq(rrdd_buf_reserve(&b, 1), 0);
	ck_assert_int_eq(b.len, 4);
	ck_assert_str_eq(b.data, "kept");
	rrdd_buf_free(&b);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, appends_grow_and_stay_terminated);
	tcase_add_test(tc, printf_short_and_long);
	tcase_add_test(tc, failure_is_sticky);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(buf_suite)
