/* test-options: the command line. */
#include <check.h>
#include <string.h>

#include "daemon/options.h"
#include "check_main.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static enum options_result parse(char **argv, int argc, struct options *o,
				 char *err)
{
	return options_parse(argc, argv, o, err, 256);
}

START_TEST(defaults)
{
	char *argv[] = { "x", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_RUN);
	ck_assert_int_eq(o.backend, BACKEND_AUTO);
	ck_assert_str_eq(o.uid, OPTIONS_DEFAULT_UID);
	ck_assert_ptr_eq(o.metrics_dir, NULL);
	ck_assert_ptr_eq(o.rrdd_socket, NULL);
	ck_assert_int_eq(o.ts_format, RRDD_TS_FLOAT);
	ck_assert(!o.openmetrics.enabled);
	ck_assert(!o.foreground && !o.verbose);
	ck_assert(o.interval == 5.0);
	ck_assert_int_eq(o.cycles, 0);
}
END_TEST

START_TEST(all_options)
{
	char *argv[] = { "x", "--backend", "hypercall", "--uid", "my-plugin",
			 "--metrics-dir", "/tmp/m", "--rrdd-socket", "/tmp/s",
			 "--timestamp", "int", "--foreground", "--verbose", "--interval", "0.25",
			 "--cycles", "3", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_RUN);
	ck_assert_int_eq(o.backend, BACKEND_HYPERCALL);
	ck_assert_str_eq(o.uid, "my-plugin");
	ck_assert_str_eq(o.metrics_dir, "/tmp/m");
	ck_assert_str_eq(o.rrdd_socket, "/tmp/s");
	ck_assert_int_eq(o.ts_format, RRDD_TS_INT64);
	ck_assert(o.foreground && o.verbose);
	ck_assert(o.interval == 0.25);
	ck_assert_int_eq(o.cycles, 3);
}
END_TEST

#if PLUGIN_OPENMETRICS
START_TEST(openmetrics_option)
{
	char *argv[] = { "x", "--openmetrics", "0.0.0.0:9100", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_RUN);
	ck_assert(o.openmetrics.enabled);
	ck_assert_str_eq(o.openmetrics.host, "0.0.0.0");
	ck_assert_int_eq(o.openmetrics.port, 9100);
	ck_assert(strstr(options_usage(), "not in this build") == NULL);
}
END_TEST
#else
/* Built with OPENMETRICS=0: the option is refused, saying why. */
START_TEST(openmetrics_option)
{
	char *argv[] = { "x", "--openmetrics", "0.0.0.0:9100", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_ERROR);
	ck_assert_str_eq(err, OPTIONS_NO_OPENMETRICS);
	ck_assert(strstr(err, "built without the OpenMetrics listener") != NULL);
	ck_assert(!o.openmetrics.enabled);
	ck_assert(strstr(options_usage(), "not in this build") != NULL);
}
END_TEST
#endif

START_TEST(short_options_and_table)
{
	char *argv[] = { "x", "-b", "table", "-f", "-v", "-n", "1", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_RUN);
	ck_assert_int_eq(o.backend, BACKEND_TABLE);
	ck_assert(o.foreground && o.verbose);
	ck_assert_int_eq(o.cycles, 1);
}
END_TEST

START_TEST(help)
{
	char *argv[] = { "x", "--help", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv, ARGC(argv), &o, err), OPTIONS_HELP);
	ck_assert(strstr(options_usage(), "--backend") != NULL);
	ck_assert(strstr(options_usage(), "--openmetrics") != NULL);
}
END_TEST

/* Each bad command line is an error whose message names the problem. */
START_TEST(bad_values)
{
	static const struct { const char *opt, *val, *needle; } cases[] = {
		{ "--backend", "xen", "--backend" },
		{ "--timestamp", "double", "--timestamp" },
		{ "--uid", "../etc", "--uid" },
		{ "--uid", "a/b", "--uid" },
		{ "--uid", "", "--uid" },
		{ "--interval", "0", "--interval" },
		{ "--interval", "fast", "--interval" },
		{ "--cycles", "-1", "--cycles" },
#if PLUGIN_OPENMETRICS
		{ "--openmetrics", "localhost:9100", "numeric" },
		{ "--openmetrics", "127.0.0.1:0", "port" },
		{ "--openmetrics", "127.0.0.1:70000", "port" },
		{ "--openmetrics", "::1:9100", "[ADDR:]PORT" },
		{ "--openmetrics", "[::1]9100", "[ADDR:]PORT" },
#endif
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "x", (char *)cases[i].opt,
				 (char *)cases[i].val, NULL };
		struct options o;
		char err[256];

		ck_assert_msg(parse(argv, 3, &o, err) == OPTIONS_ERROR,
			      "%s %s accepted", cases[i].opt, cases[i].val);
		ck_assert_msg(strstr(err, cases[i].needle) != NULL,
			      "%s %s: message '%s'", cases[i].opt,
			      cases[i].val, err);
		ck_assert_msg(strchr(err, '\n') == NULL, "one line only");
	}
}
END_TEST

START_TEST(unknown_and_stray)
{
	char *argv1[] = { "x", "--bogus", NULL };
	char *argv2[] = { "x", "stray", NULL };
	char *argv3[] = { "x", "--backend", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv1, ARGC(argv1), &o, err), OPTIONS_ERROR);
	ck_assert_int_eq(parse(argv2, ARGC(argv2), &o, err), OPTIONS_ERROR);
	ck_assert(strstr(err, "stray") != NULL);
	ck_assert_int_eq(parse(argv3, ARGC(argv3), &o, err), OPTIONS_ERROR);
}
END_TEST

START_TEST(listen_forms)
{
	struct openmetrics_addr a;
	char err[256];

	ck_assert_int_eq(options_parse_listen("9100", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_int_eq(a.port, 9100);
	ck_assert_int_eq(options_parse_listen(":9101", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_int_eq(a.port, 9101);
	ck_assert_int_eq(options_parse_listen("[::1]:9102", &a, err,
					      sizeof(err)), 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_int_eq(a.port, 9102);
	ck_assert(a.enabled);
}
END_TEST

START_TEST(parse_twice)
{
	char *argv1[] = { "x", "--backend", "table", NULL };
	char *argv2[] = { "x", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(argv1, ARGC(argv1), &o, err), OPTIONS_RUN);
	ck_assert_int_eq(parse(argv2, ARGC(argv2), &o, err), OPTIONS_RUN);
	ck_assert_int_eq(o.backend, BACKEND_AUTO);
	ck_assert_str_eq(backend_kind_name(BACKEND_TABLE), "table");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, all_options);
	tcase_add_test(tc, openmetrics_option);
	tcase_add_test(tc, short_options_and_table);
	tcase_add_test(tc, help);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, unknown_and_stray);
	tcase_add_test(tc, listen_forms);
	tcase_add_test(tc, parse_twice);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
