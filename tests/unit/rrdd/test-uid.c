/*
 * test-uid: the one uid rule, as the writer, the RPCs and the daemon's
 * command line apply it.
 */
#include <check.h>
#include <string.h>

#include "check_main.h"

#include "rrdd_protocol.h"

static const char *const good[] = { "xcp-rrdd-vcpustats", "a", "v1.2_x",
				    ".hidden", "a<b>&\"c'", "with space" };
static const char *const bad[] = { "", ".", "..", "a/b", "/abs", "../etc",
				   "tab\there", "new\nline", "del\x7f" };

START_TEST(good_uids_pass)
{
	struct rrdd_error err;

	ck_assert_msg(rrdd_check_uid(good[_i], &err) == RRDD_OK, "%s: %s",
		      good[_i], err.msg);
}
END_TEST

START_TEST(bad_uids_say_why)
{
	struct rrdd_error err;

	ck_assert_int_eq(rrdd_check_uid(bad[_i], &err), RRDD_EINVAL);
	ck_assert_int_eq(err.code, RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "uid") != NULL, "%s", err.msg);
	ck_assert_int_eq(rrdd_check_uid(NULL, NULL), RRDD_EINVAL);
}
END_TEST

START_TEST(length_bound)
{
	char uid[RRDD_UID_MAX + 2];
	struct rrdd_error err;

	memset(uid, 'u', sizeof(uid) - 1);
	uid[RRDD_UID_MAX + 1] = '\0';
	ck_assert_int_eq(rrdd_check_uid(uid, &err), RRDD_EINVAL);
	uid[RRDD_UID_MAX] = '\0';
	ck_assert_int_eq(rrdd_check_uid(uid, &err), RRDD_OK);
}
END_TEST

static Suite *uid_suite(void)
{
	Suite *s = suite_create("uid");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, good_uids_pass, 0,
			    sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, bad_uids_say_why, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, length_bound);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(uid_suite)
