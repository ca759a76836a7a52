/* test-domset: sorted domid sets and their differences. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/domset.h"
#include "check_main.h"

struct log {
	char text[256];
};

static void on_removed(void *ctx, uint32_t id)
{
	struct log *l = ctx;
	size_t len = strlen(l->text);

	snprintf(l->text + len, sizeof(l->text) - len, "-%u ", id);
}

static void on_added(void *ctx, uint32_t id)
{
	struct log *l = ctx;
	size_t len = strlen(l->text);

	snprintf(l->text + len, sizeof(l->text) - len, "+%u ", id);
}

static void fill(struct domset *s, const uint32_t *ids, size_t n)
{
	domset_clear(s);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(domset_add(s, ids[i]), 0);
}

START_TEST(add_keeps_sorted_unique)
{
	static const uint32_t ids[] = { 5, 1, 9, 5, 3, 1 };
	struct domset s;

	domset_init(&s);
	fill(&s, ids, 6);
	ck_assert_int_eq(s.n, 4);
	ck_assert_int_eq(s.ids[0], 1);
	ck_assert_int_eq(s.ids[1], 3);
	ck_assert_int_eq(s.ids[2], 5);
	ck_assert_int_eq(s.ids[3], 9);
	domset_free(&s);
}
END_TEST

START_TEST(insert_find_remove_keep_positions)
{
	struct domset s;
	size_t pos = 99;

	domset_init(&s);
	ck_assert_int_eq(domset_insert(&s, 20, &pos), 0);
	ck_assert_int_eq(pos, 0);
	ck_assert_int_eq(domset_insert(&s, 10, &pos), 0);
	ck_assert_int_eq(pos, 0);
	ck_assert_int_eq(domset_insert(&s, 30, &pos), 0);
	ck_assert_int_eq(pos, 2);
	ck_assert_int_eq(domset_insert(&s, 20, &pos), 1);	/* already in */
	ck_assert_int_eq(pos, 1);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(domset_find(&s, 30), 2);
	ck_assert_int_eq(domset_find(&s, 25), 3);		/* absent: n */
	domset_remove(&s, 20);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.ids[0], 10);
	ck_assert_int_eq(s.ids[1], 30);
	domset_remove(&s, 20);				/* absent: no-op */
	ck_assert_int_eq(s.n, 2);
	domset_remove_at(&s, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.ids[0], 30);
	domset_free(&s);
}
END_TEST

START_TEST(diff_reports_changes)
{
	static const uint32_t a[] = { 0, 1, 4, 7 };
	static const uint32_t b[] = { 0, 2, 4, 8, 9 };
	struct domset prev, next;
	struct log l = { "" };

	domset_init(&prev);
	domset_init(&next);
	fill(&prev, a, 4);
	fill(&next, b, 5);
	domset_diff(&prev, &next, on_removed, on_added, &l);
	ck_assert_str_eq(l.text, "-1 -7 +2 +8 +9 ");
	l.text[0] = '\0';
	domset_diff(&next, &next, on_removed, on_added, &l);
	ck_assert_str_eq(l.text, "");
	domset_clear(&prev);
	domset_diff(&prev, &next, on_removed, on_added, &l);
	ck_assert_str_eq(l.text, "+0 +2 +4 +8 +9 ");
	l.text[0] = '\0';
	domset_diff(&next, &prev, on_removed, on_added, &l);
	ck_assert_str_eq(l.text, "-0 -2 -4 -8 -9 ");
	ck_assert_int_eq(domset_copy(&prev, &next), 0);
	ck_assert_int_eq(prev.n, 5);
	ck_assert_int_eq(prev.ids[4], 9);
	domset_free(&prev);
	domset_free(&next);
}
END_TEST

START_TEST(many_ids_grow)
{
	struct domset s;

	domset_init(&s);
	for (uint32_t i = 1000; i > 0; i--)
		ck_assert_int_eq(domset_add(&s, i), 0);
	ck_assert_int_eq(s.n, 1000);
	for (size_t i = 0; i < s.n; i++)
		ck_assert_int_eq(s.ids[i], i + 1);
	domset_free(&s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("domset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, add_keeps_sorted_unique);
	tcase_add_test(tc, insert_find_remove_keep_positions);
	tcase_add_test(tc, diff_reports_changes);
	tcase_add_test(tc, many_ids_grow);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
