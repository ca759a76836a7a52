/*
 * test-negotiate: the listener's content negotiation, Accept header ->
 * format, as Prometheus and other clients send it.
 */
#include <check.h>
#include <stddef.h>

#include "check_main.h"

#include "outputs/metrics_http.h"

START_TEST(negotiation)
{
	static const struct {
		const char *accept;
		enum om_format want;
	} cases[] = {
		{ NULL, OM_FORMAT_PROMETHEUS },
		{ "", OM_FORMAT_PROMETHEUS },
		{ "*/*", OM_FORMAT_PROMETHEUS },
		{ "text/plain", OM_FORMAT_PROMETHEUS },
		{ "text/plain; version=0.0.4; charset=utf-8",
		  OM_FORMAT_PROMETHEUS },
		{ "application/openmetrics-text; version=1.0.0; "
		  "charset=utf-8", OM_FORMAT_OPENMETRICS },
		{ "application/openmetrics-text", OM_FORMAT_OPENMETRICS },
		/* What Prometheus 2.x sends. */
		{ "application/openmetrics-text;version=1.0.0,application/"
		  "openmetrics-text;version=0.0.1;q=0.75,text/plain;"
		  "version=0.0.4;q=0.5,*/*;q=0.1", OM_FORMAT_OPENMETRICS },
		{ "text/plain;version=0.0.4;q=0.9, application/openmetrics-"
		  "text;q=0.5", OM_FORMAT_PROMETHEUS },
		{ "text/plain;q=0.2, Application/OpenMetrics-Text ; q=0.3",
		  OM_FORMAT_OPENMETRICS },
		/* A version we do not produce. */
		{ "application/openmetrics-text; version=2.0.0",
		  OM_FORMAT_PROMETHEUS },
		{ "application/openmetrics-text; q=0", OM_FORMAT_PROMETHEUS },
		{ "application/json", OM_FORMAT_PROMETHEUS },
		{ ";;;,,=,q=", OM_FORMAT_PROMETHEUS },
		{ "application/openmetrics-text, text/plain",
		  OM_FORMAT_OPENMETRICS },
		{ "text/plain, application/openmetrics-text",
		  OM_FORMAT_PROMETHEUS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(metrics_http_negotiate(cases[i].accept) == cases[i].want,
			      "Accept: %s", cases[i].accept ? cases[i].accept
							    : "(none)");
	ck_assert_str_eq(metrics_http_content_type(OM_FORMAT_OPENMETRICS),
			 "application/openmetrics-text; version=1.0.0; "
			 "charset=utf-8");
	ck_assert_str_eq(metrics_http_content_type(OM_FORMAT_PROMETHEUS),
			 "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

static Suite *negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, negotiation);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(negotiate_suite)
