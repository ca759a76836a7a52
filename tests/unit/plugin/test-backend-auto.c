/* test-backend-auto: table first, hypercall for the whole host after. */
#include <check.h>
#include <string.h>

#include "input/backend.h"
#include "common/log.h"
#include "check_main.h"
#include "plugin/support/fakes.h"

static struct fake_backend *fallback_made;
static bool fallback_destroyed;

static int make_fallback(struct backend **out)
{
	fallback_made = fake_backend_new("hypercall", BACKEND_OK);
	fallback_made->destroyed = &fallback_destroyed;
	*out = &fallback_made->base;
	return BACKEND_OK;
}

static int make_failing_fallback(struct backend **out)
{
	(void)out;
	return BACKEND_ESYS;
}

static void setup(void)
{
	log_setup("test", true, false);
	fallback_made = NULL;
	fallback_destroyed = false;
}

START_TEST(stays_on_table_when_supported)
{
	struct fake_backend *table = fake_backend_new("table", BACKEND_OK);
	struct backend *b;
	struct host_sample s;
	uint32_t ids[] = { 1, 2 };

	ck_assert_int_eq(backend_auto_new(&table->base, make_fallback, &b), 0);
	ck_assert_int_eq(backend_add_domain(b, 1), BACKEND_OK);
	ck_assert_int_eq(backend_add_domain(b, 2), BACKEND_OK);
	backend_remove_domain(b, 1);
	sample_init(&s);
	ck_assert_int_eq(backend_sample(b, ids, 2, &s), BACKEND_OK);
	ck_assert_int_eq(s.n_doms, 2);
	ck_assert_ptr_eq(backend_in_use(b), &table->base);
	ck_assert_str_eq(backend_name(b), "auto");
	ck_assert_int_eq(table->n_events, 3);
	ck_assert_str_eq(table->events[2], "-1");
	ck_assert_ptr_eq(fallback_made, NULL);
	sample_free(&s);
	backend_destroy(b);
}
END_TEST

START_TEST(falls_back_once_and_replays_domains)
{
	struct fake_backend *table = fake_backend_new("table", BACKEND_OK);
	bool table_destroyed = false;
	struct backend *b;

	table->destroyed = &table_destroyed;
	ck_assert_int_eq(backend_auto_new(&table->base, make_fallback, &b), 0);
	ck_assert_int_eq(backend_add_domain(b, 0), BACKEND_OK);
	ck_assert_int_eq(backend_add_domain(b, 3), BACKEND_OK);
	backend_remove_domain(b, 3);
	/* The hypervisor turns out to lack tables (e.g. first guest). */
	table->add_status = BACKEND_EUNSUPPORTED;
	ck_assert_int_eq(backend_add_domain(b, 5), BACKEND_OK);
	ck_assert(table_destroyed);
	ck_assert_ptr_ne(fallback_made, NULL);
	ck_assert_ptr_eq(backend_in_use(b), &fallback_made->base);
	/* replayed: 0 (still known), 5 (the new one); not 3 (removed) */
	ck_assert_int_eq(fallback_made->n_events, 2);
	ck_assert_str_eq(fallback_made->events[0], "+0");
	ck_assert_str_eq(fallback_made->events[1], "+5");
	/* later domains go straight to the fallback */
	ck_assert_int_eq(backend_add_domain(b, 6), BACKEND_OK);
	ck_assert_str_eq(fallback_made->events[2], "+6");
	backend_destroy(b);
	ck_assert(fallback_destroyed);
}
END_TEST

START_TEST(fallback_failure_reported)
{
	struct fake_backend *table = fake_backend_new("table",
						      BACKEND_EUNSUPPORTED);
	struct backend *b;

	ck_assert_int_eq(backend_auto_new(&table->base, make_failing_fallback,
					  &b), 0);
	ck_assert_int_eq(backend_add_domain(b, 1), BACKEND_ESYS);
	ck_assert_ptr_eq(backend_in_use(b), &table->base);
	backend_destroy(b);
}
END_TEST

START_TEST(other_errors_do_not_fall_back)
{
	struct fake_backend *table = fake_backend_new("table",
						      BACKEND_EBADTABLE);
	struct backend *b;

	ck_assert_int_eq(backend_auto_new(&table->base, make_fallback, &b), 0);
	ck_assert_int_eq(backend_add_domain(b, 1), BACKEND_EBADTABLE);
	table->add_status = BACKEND_EGONE;
	ck_assert_int_eq(backend_add_domain(b, 2), BACKEND_EGONE);
	ck_assert_ptr_eq(fallback_made, NULL);
	backend_destroy(b);
}
END_TEST

static int make_unsupported_table(struct backend **out)
{
	(void)out;
	return BACKEND_EUNSUPPORTED;
}

static int make_table(struct backend **out)
{
	*out = &fake_backend_new("table", BACKEND_OK)->base;
	return BACKEND_OK;
}

START_TEST(start_falls_back_at_once_when_tables_cannot_be_mapped)
{
	struct backend *b = NULL;

	ck_assert_int_eq(backend_auto_start(make_unsupported_table,
					    make_fallback, &b), BACKEND_OK);
	ck_assert_ptr_ne(fallback_made, NULL);
	ck_assert_ptr_eq(b, &fallback_made->base);	/* no auto around it */
	ck_assert_str_eq(backend_name(backend_in_use(b)), "hypercall");
	backend_destroy(b);
	ck_assert_int_eq(backend_auto_start(make_unsupported_table,
					    make_failing_fallback, &b),
			 BACKEND_ESYS);
}
END_TEST

START_TEST(start_wraps_a_working_table_backend)
{
	struct backend *b = NULL;

	ck_assert_int_eq(backend_auto_start(make_table, make_fallback, &b),
			 BACKEND_OK);
	ck_assert_str_eq(backend_name(b), "auto");
	ck_assert_str_eq(backend_name(backend_in_use(b)), "table");
	ck_assert_ptr_eq(fallback_made, NULL);
	backend_destroy(b);
}
END_TEST

START_TEST(kind_names_round_trip)
{
	enum backend_kind k = BACKEND_AUTO;
	const enum backend_kind all[] = { BACKEND_AUTO, BACKEND_TABLE,
					  BACKEND_HYPERCALL };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ck_assert_int_eq(backend_kind_parse(backend_kind_name(all[i]),
						    &k), 0);
		ck_assert_int_eq(k, all[i]);
	}
	ck_assert_str_eq(backend_kind_name(BACKEND_HYPERCALL), "hypercall");
	ck_assert_int_eq(backend_kind_parse("tables", &k), -1);
	ck_assert_int_eq(k, BACKEND_HYPERCALL);	/* untouched on error */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("backend-auto");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, stays_on_table_when_supported);
	tcase_add_test(tc, falls_back_once_and_replays_domains);
	tcase_add_test(tc, fallback_failure_reported);
	tcase_add_test(tc, other_errors_do_not_fall_back);
	tcase_add_test(tc, start_falls_back_at_once_when_tables_cannot_be_mapped);
	tcase_add_test(tc, start_wraps_a_working_table_backend);
	tcase_add_test(tc, kind_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
