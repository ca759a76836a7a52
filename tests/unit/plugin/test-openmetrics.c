/*
 * test-openmetrics: the exposition text rendered from in-memory samples,
 * in both formats.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/openmetrics.h"
#include "check_main.h"

#define UUID_A "11111111-2222-3333-4444-555555555555"

/* Two domains: domid 3 (runstates and domain aggregates known, 2 vCPUs),
 * domid 7 (as the hypercall backend on upstream Xen fills it: cpu_time
 * only, 1 vCPU); 2 pCPUs. */
static void build(struct host_sample *s)
{
	struct dom_sample *d;

	sample_init(s);
	ck_assert_int_eq(sample_set_pcpus(s, 2), 0);
	s->pcpu_idle_ns[0] = 5000000000ull;
	s->pcpu_idle_ns[1] = 1234567890123ull;
	d = sample_add_dom(s, 3, 2);
	ck_assert_ptr_ne(d, NULL);
	snprintf(d->uuid, sizeof(d->uuid), "%s", UUID_A);
	d->nr_online_vcpus = 1;
	d->tot_pages = 262144;
	d->cpu_time_ns = 4000000001ull;
	d->vcpus[0] = (struct vcpu_sample){
		.cpu_time_ns = 4000000001ull, .online = true,
		.has_runstates = true,
		.runstate_ns = { 4000000001ull, 20, 2500000000ull, 0 },
	};
	d->vcpus[1] = (struct vcpu_sample){
		.has_runstates = true,
		.runstate_ns = { 0, 0, 0, 9000000000ull },
	};
	d->runstate = (struct dom_runstate){
		.valid = true,
		.time_ns = { 1, 2000000000ull, 3, 4, 5500000000ull, 6 },
		.runnable_ns = 1250000010ull,
		.has_nonaffine = true,
		.running_ns = 2000000000ull,
		.nonaffine_ns = 500000000ull,
	};
	d = sample_add_dom(s, 7, 1);
	ck_assert_ptr_ne(d, NULL);
	snprintf(d->uuid, sizeof(d->uuid), "a\"b\\c\nd");
	d->nr_online_vcpus = 1;
	d->tot_pages = 1;
	d->cpu_time_ns = 7;
	d->vcpus[0] = (struct vcpu_sample){ .cpu_time_ns = 7, .online = true };
}

static void health(struct om_health *h)
{
	memset(h, 0, sizeof(*h));
	h->backend = "table";
	h->cycles = 12;
	h->cycle_errors = 1;
	h->domains_skipped = 3;
	h->scrapes = 5;
	snprintf(h->last_error, sizeof(h->last_error), "bad \"table\" \\ x\ny");
	h->last_error_time = 1700000000.25;
}

static char *render(enum om_format fmt, bool with_health)
{
	struct host_sample s;
	struct om_health h;
	struct rrdd_buf b;
	char *text;

	build(&s);
	health(&h);
	rrdd_buf_init(&b);
	ck_assert_int_eq(om_render(&s, with_health ? &h : NULL, fmt, &b), 0);
	ck_assert_int_eq(b.failed, 0);
	text = rrdd_buf_steal(&b, NULL);
	ck_assert_ptr_ne(text, NULL);
	sample_free(&s);
	return text;
}

static void has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	ck_abort_msg("line not found: %s\n--- in:\n%s", line, text);
}

static void lacks(const char *text, const char *what)
{
	ck_assert_msg(strstr(text, what) == NULL, "unexpected: %s", what);
}

START_TEST(openmetrics_families_and_values)
{
	char *t = render(OM_FORMAT_OPENMETRICS, true);

	has_line(t, "# TYPE xen_vcpu_runstate_seconds counter");
	has_line(t, "# UNIT xen_vcpu_runstate_seconds seconds");
	has_line(t, "xen_vcpu_runstate_seconds_total{vm_uuid=\"" UUID_A
		    "\",domid=\"3\",vcpu=\"0\",state=\"running\"} "
		    "4.000000001");
	has_line(t, "xen_vcpu_runstate_seconds_total{vm_uuid=\"" UUID_A
		    "\",domid=\"3\",vcpu=\"0\",state=\"runnable\"} "
		    "0.000000020");
	has_line(t, "xen_vcpu_runstate_seconds_total{vm_uuid=\"" UUID_A
		    "\",domid=\"3\",vcpu=\"0\",state=\"blocked\"} "
		    "2.500000000");
	has_line(t, "xen_vcpu_runstate_seconds_total{vm_uuid=\"" UUID_A
		    "\",domid=\"3\",vcpu=\"1\",state=\"offline\"} "
		    "9.000000000");
	has_line(t, "xen_vcpu_online{vm_uuid=\"" UUID_A
		    "\",domid=\"3\",vcpu=\"1\"} 0");
	has_line(t, "xen_domain_memory_bytes{vm_uuid=\"" UUID_A
		    "\",domid=\"3\"} 1073741824");
	has_line(t, "# UNIT xen_domain_memory_bytes bytes");
	has_line(t, "xen_domain_online_vcpus{vm_uuid=\"" UUID_A
		    "\",domid=\"3\"} 1");
	has_line(t, "xen_domain_cpu_seconds_total{vm_uuid=\"" UUID_A
		    "\",domid=\"3\"} 4.000000001");
	has_line(t, "xen_pcpu_idle_seconds_total{cpu=\"1\"} 1234.567890123");
	has_line(t, "# TYPE xcp_vcpustats_backend info");
	has_line(t, "xcp_vcpustats_backend_info{backend=\"table\"} 1");
	has_line(t, "xcp_vcpustats_cycles_total 12");
	has_line(t, "xcp_vcpustats_cycle_errors_total 1");
	has_line(t, "xcp_vcpustats_domains_skipped_total 3");
	has_line(t, "xcp_vcpustats_scrapes_total 5");
	has_line(t, "xcp_vcpustats_last_error_timestamp_seconds "
		    "1700000000.250");
	free(t);
}
END_TEST

START_TEST(openmetrics_ends_with_one_eof)
{
	char *t = render(OM_FORMAT_OPENMETRICS, true);
	size_t n = strlen(t);
	const char *eof = strstr(t, "# EOF\n");

	ck_assert_ptr_ne(eof, NULL);
	ck_assert_msg(eof == t + n - 6, "# EOF is not the last line");
	ck_assert_msg(strstr(eof + 1, "# EOF") == NULL, "two # EOF");
	free(t);
}
END_TEST

START_TEST(prometheus_text_names_families_after_samples)
{
	char *t = render(OM_FORMAT_PROMETHEUS, true);

	has_line(t, "# TYPE xen_vcpu_runstate_seconds_total counter");
	has_line(t, "# TYPE xcp_vcpustats_backend_info gauge");
	has_line(t, "xcp_vcpustats_backend_info{backend=\"table\"} 1");
	has_line(t, "# TYPE xen_domain_memory_bytes gauge");
	lacks(t, "# EOF");
	lacks(t, "# UNIT");
	lacks(t, " info\n");
	free(t);
}
END_TEST

START_TEST(hypercall_vcpu_has_running_only)
{
	char *t = render(OM_FORMAT_OPENMETRICS, false);

	has_line(t, "xen_vcpu_runstate_seconds_total{vm_uuid=\"a\\\"b\\\\c\\nd"
		    "\",domid=\"7\",vcpu=\"0\",state=\"running\"} 0.000000007");
	lacks(t, "domid=\"7\",vcpu=\"0\",state=\"blocked\"");
	lacks(t, "xcp_vcpustats_");	/* no health given */
	free(t);
}
END_TEST

START_TEST(label_values_escaped)
{
	char *t = render(OM_FORMAT_PROMETHEUS, true);

	has_line(t, "xen_domain_online_vcpus{vm_uuid=\"a\\\"b\\\\c\\nd\","
		    "domid=\"7\"} 1");
	has_line(t, "xcp_vcpustats_last_error_info{message=\"bad \\\"table\\\""
		    " \\\\ x\\ny\"} 1");
	free(t);
}
END_TEST

/* Family of a sample name: the TYPE line's name with its suffix. */
static int same_family(const char *sample, size_t n, const char *family,
		       const char *type)
{
	size_t f = strlen(family);
	const char *sfx = strcmp(type, "counter") == 0 ? "_total"
			  : strcmp(type, "info") == 0 ? "_info" : "";

	return n == f + strlen(sfx) && strncmp(sample, family, f) == 0 &&
	       strncmp(sample + f, sfx, strlen(sfx)) == 0;
}

/* Every sample follows the TYPE of its own family; families never
 * interleave or repeat (OpenMetrics requires it). */
START_TEST(samples_grouped_under_their_family)
{
	char *t = render(OM_FORMAT_OPENMETRICS, true);
	char family[128] = "", type[16] = "", seen[4096] = " ";
	unsigned samples = 0;

	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "# TYPE %127s %15s", family, type) == 2) {
			char key[140];

			snprintf(key, sizeof(key), " %s ", family);
			ck_assert_msg(!strstr(seen, key), "family %s twice",
				      family);
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			continue;
		}
		if (line[0] == '#')
			continue;
		ck_assert_msg(same_family(line, strcspn(line, "{ "), family,
					  type), "sample outside its family "
			      "(%s %s): %s", family, type, line);
		samples++;
	}
	/* 2x4 + 1 runstates, 3 online, 2x3 domain, 6 + 3 domain
	 * aggregates, 2 pCPU, 7 health */
	ck_assert_int_eq(samples, 9 + 3 + 6 + 9 + 2 + 7);
	free(t);
}
END_TEST

/* The domain aggregates as counters with a state label, only for the
 * domain whose backend read them. */
START_TEST(domain_states_and_nonaffine_time)
{
	static const char *const states[] = {
		"full_run\"} 0.000000001", "full_contention\"} 2.000000000",
		"concurrency_hazard\"} 0.000000003", "blocked\"} 0.000000004",
		"partial_run\"} 5.500000000",
		"partial_contention\"} 0.000000006",
	};
	char *t = render(OM_FORMAT_OPENMETRICS, false);
	char line[256];

	has_line(t, "# TYPE xen_domain_runstate_seconds counter");
	has_line(t, "# UNIT xen_domain_runstate_seconds seconds");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		snprintf(line, sizeof(line), "xen_domain_runstate_seconds_total"
			 "{vm_uuid=\"" UUID_A "\",domid=\"3\",state=\"%s",
			 states[i]);
		has_line(t, line);
	}
	has_line(t, "# TYPE xen_domain_vcpu_mean_seconds counter");
	has_line(t, "xen_domain_vcpu_mean_seconds_total{vm_uuid=\"" UUID_A
		 "\",domid=\"3\",state=\"running\"} 2.000000000");
	has_line(t, "xen_domain_vcpu_mean_seconds_total{vm_uuid=\"" UUID_A
		 "\",domid=\"3\",state=\"runnable\"} 1.250000010");
	has_line(t, "xen_domain_vcpu_mean_seconds_total{vm_uuid=\"" UUID_A
		 "\",domid=\"3\",state=\"running_nonaffine\"} 0.500000000");
	lacks(t, "xen_domain_runstate_seconds_total{vm_uuid=\"a");
	lacks(t, "xen_domain_vcpu_mean_seconds_total{vm_uuid=\"a");
	free(t);
	t = render(OM_FORMAT_PROMETHEUS, false);
	has_line(t, "# TYPE xen_domain_runstate_seconds_total counter");
	free(t);
}
END_TEST

START_TEST(empty_sample_renders_headers_only)
{
	struct host_sample s;
	struct rrdd_buf b;

	sample_init(&s);
	rrdd_buf_init(&b);
	ck_assert_int_eq(om_render(&s, NULL, OM_FORMAT_OPENMETRICS, &b), 0);
	has_line(b.data, "# TYPE xen_pcpu_idle_seconds counter");
	lacks(b.data, "xen_pcpu_idle_seconds_total{");
	ck_assert_str_eq(b.data + b.len - 6, "# EOF\n");
	rrdd_buf_free(&b);
	sample_free(&s);
}
END_TEST

START_TEST(render_appends_and_grows)
{
	struct host_sample s;
	struct rrdd_buf b;
	size_t one;

	sample_init(&s);
	ck_assert_ptr_ne(sample_add_dom(&s, 1, 512), NULL);
	rrdd_buf_init(&b);
	ck_assert_int_eq(om_render(&s, NULL, OM_FORMAT_PROMETHEUS, &b), 0);
	one = b.len;
	ck_assert_msg(one > (size_t)512 * 60, "only %zu bytes", one);
	ck_assert_int_eq(om_render(&s, NULL, OM_FORMAT_PROMETHEUS, &b), 0);
	ck_assert_int_eq(b.len, 2 * one);
	ck_assert_int_eq(strlen(b.data), b.len);
	rrdd_buf_free(&b);
	sample_free(&s);
}
END_TEST

START_TEST(escape_label_helper)
{
	struct rrdd_buf b;

	rrdd_buf_init(&b);
	om_escape_label(&b, "plain");
	om_escape_label(&b, "\\\"\n");
	om_escape_label(&b, NULL);
	ck_assert_str_eq(b.data, "plain\\\\\\\"\\n");
	rrdd_buf_free(&b);
}
END_TEST

static Suite *openmetrics_suite(void)
{
	Suite *s = suite_create("openmetrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, openmetrics_families_and_values);
	tcase_add_test(tc, openmetrics_ends_with_one_eof);
	tcase_add_test(tc, prometheus_text_names_families_after_samples);
	tcase_add_test(tc, hypercall_vcpu_has_running_only);
	tcase_add_test(tc, label_values_escaped);
	tcase_add_test(tc, samples_grouped_under_their_family);
	tcase_add_test(tc, domain_states_and_nonaffine_time);
	tcase_add_test(tc, empty_sample_renders_headers_only);
	tcase_add_test(tc, render_appends_and_grows);
	tcase_add_test(tc, escape_label_helper);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(openmetrics_suite)
