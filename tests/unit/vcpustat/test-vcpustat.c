/*
 * test-vcpustat: vcpustat's snapshots from in-memory stats tables, the
 * percentages between two of them, their order, and both renderings.
 */
#include <check.h>
#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "plugin/support/mem_table.h"
#include "report.h"
#include "snapshot.h"

#define MS 1000000ull

static struct stats_view open_view(const struct mem_table *t, uint32_t id)
{
	struct stats_view v;

	ck_assert_int_eq(stats_view_open(t->buf, t->len, id, 8, 8, 64, &v,
					 NULL, 0), STATS_OK);
	return v;
}

/* vCPU i: in state since entry, with times[] accumulated before it. */
static void set_vcpu(const struct mem_table *t, uint32_t i, uint32_t state,
		     uint64_t entry, const uint64_t times[4])
{
	struct xen_stats_vcpu *v = mem_table_vcpu(t, i);

	v->flags = XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online;
	v->state = state;
	v->state_entry_time = entry;
	v->update_time = entry;
	memcpy(v->time, times, sizeof(v->time));
}

/* Host of two pCPUs: pCPU0 busy (wrote at now), pCPU1 idle since 0. */
static void host_at(const struct mem_table *h, uint64_t now, uint64_t idle0)
{
	struct xen_stats_pcpu *p0 = mem_table_pcpu(h, 0);
	struct xen_stats_pcpu *p1 = mem_table_pcpu(h, 1);

	p0->flags = XEN_STATS_PCPUF_online;
	p0->idle_time = idle0;
	p0->state_entry_time = now;
	p0->update_time = now;
	p1->flags = XEN_STATS_PCPUF_online | XEN_STATS_PCPUF_idle;
	p1->idle_time = 0;
	p1->state_entry_time = 0;
	p1->update_time = 0;
}

struct world {
	struct mem_table host, a, b;
	struct stats_view hv, av, bv;
};

static void world_new(struct world *w)
{
	w->host = mem_table_host(2);
	w->a = mem_table_domain(3, 1);
	w->b = mem_table_domain(1, 2);
	w->hv = open_view(&w->host, XENMEM_resource_stats_table_id_host);
	w->av = open_view(&w->a, XENMEM_resource_stats_table_id_domain);
	w->bv = open_view(&w->b, XENMEM_resource_stats_table_id_domain);
}

static void world_free(struct world *w)
{
	mem_table_free(&w->host);
	mem_table_free(&w->a);
	mem_table_free(&w->b);
}

static void snap(struct world *w, struct vs_snap *s)
{
	vs_snap_init(s);
	ck_assert_msg(vs_snap_host(s, &w->hv, 0) >= 0, "host");
	s->runstates = true;
	ck_assert_int_eq(vs_snap_domain(s, &w->av, 1, "busy-one"), 0);
	ck_assert_int_eq(vs_snap_domain(s, &w->bv, 2, "idle-one"), 0);
}

/*
 * Over 1000 ms: a.vCPU0 runs all along, a.vCPU1 waits for a pCPU 250 ms
 * then runs 750 ms, a.vCPU2 is absent (never present); b.vCPU0 blocks.
 */
static void two_snapshots(struct world *w, struct vs_snap *s0,
			  struct vs_snap *s1)
{
	const uint64_t zero[4] = { 0 };
	const uint64_t v1_then[4] = { 0, 250 * MS, 0, 0 };

	host_at(&w->host, 1000 * MS, 0);
	set_vcpu(&w->a, 0, XEN_STATS_RUNSTATE_running, 1000 * MS, zero);
	set_vcpu(&w->a, 1, XEN_STATS_RUNSTATE_runnable, 1000 * MS, zero);
	set_vcpu(&w->b, 0, XEN_STATS_RUNSTATE_blocked, 1000 * MS, zero);
	snap(w, s0);
	host_at(&w->host, 2000 * MS, 0);
	set_vcpu(&w->a, 1, XEN_STATS_RUNSTATE_running, 1250 * MS, v1_then);
	snap(w, s1);
}

START_TEST(snapshot_extrapolates_to_now_and_skips_absent_vcpus)
{
	struct world w;
	struct vs_snap s0, s1;

	world_new(&w);
	two_snapshots(&w, &s0, &s1);
	ck_assert_msg(s1.now == 2000 * MS, "now %llu",
		      (unsigned long long)s1.now);
	ck_assert_int_eq(s1.n_doms, 2);
	ck_assert_int_eq(s1.doms[0].n_vcpus, 2);	/* vCPU2 absent */
	ck_assert_msg(s1.doms[0].vcpus[0].ns[0] == 1000 * MS, "running");
	ck_assert_msg(s1.doms[0].vcpus[1].ns[0] == 750 * MS, "v1 running");
	ck_assert_msg(s1.doms[0].vcpus[1].ns[1] == 250 * MS, "v1 runnable");
	ck_assert_msg(s1.pcpu_idle[1] == 2000 * MS, "idle pCPU");
	ck_assert_str_eq(s1.doms[1].name, "idle-one");
	vs_snap_free(&s0);
	vs_snap_free(&s1);
	world_free(&w);
}
END_TEST

START_TEST(dying_domain_is_left_out)
{
	struct world w;
	struct vs_snap s;

	world_new(&w);
	mem_table_dom_section(&w.b)->flags = XEN_STATS_DOMF_dying;
	vs_snap_init(&s);
	ck_assert_int_eq(vs_snap_domain(&s, &w.bv, 2, "x"), 1);
	ck_assert_int_eq(s.n_doms, 0);
	/* A slot that never settles: the domain is skipped, not half read. */
	mem_table_vcpu(&w.a, 0)->flags = XEN_STATS_VCPUF_present;
	mem_table_vcpu(&w.a, 0)->seq = 3;
	ck_assert_int_eq(vs_snap_domain(&s, &w.av, 1, "y"), STATS_EBUSY);
	ck_assert_int_eq(s.n_doms, 0);
	vs_snap_free(&s);
	world_free(&w);
}
END_TEST

static int near(double a, double b)
{
	return fabs(a - b) < 0.01;
}

START_TEST(report_percentages_and_order)
{
	struct world w;
	struct vs_snap s0, s1;
	struct vs_report r;

	world_new(&w);
	two_snapshots(&w, &s0, &s1);
	ck_assert_int_eq(vs_report_build(&s0, &s1, &r), 0);
	ck_assert_msg(near(r.interval_s, 1.0), "interval %f", r.interval_s);
	ck_assert_int_eq(r.n_rows, 5);	/* a, a.0, a.1, b, b.0 */
	ck_assert_int_eq(r.rows[0].domid, 1);	/* busiest first */
	ck_assert_int_eq(r.rows[0].vcpu, -1);
	ck_assert_msg(near(r.rows[0].pct[0], 175.0), "VM running %f",
		      r.rows[0].pct[0]);
	ck_assert_msg(near(r.rows[2].pct[0], 75.0) &&
		      near(r.rows[2].pct[1], 25.0), "vCPU1 %f %f",
		      r.rows[2].pct[0], r.rows[2].pct[1]);
	ck_assert_int_eq(r.rows[3].domid, 2);
	ck_assert_msg(near(r.rows[4].pct[XEN_STATS_RUNSTATE_blocked], 100.0),
		      "blocked %f", r.rows[4].pct[2]);
	ck_assert_int_eq(r.nr_pcpus, 2);
	ck_assert_msg(near(r.pcpu_busy[0], 100.0) && near(r.pcpu_busy[1], 0.0),
		      "pCPUs %f %f", r.pcpu_busy[0], r.pcpu_busy[1]);
	ck_assert_msg(near(r.host_busy, 50.0), "host %f", r.host_busy);
	vs_report_free(&r);
	/* a blocks and b runs from 1000 ms on: b comes first from 3000 ms. */
	mem_table_vcpu(&w.b, 0)->state = XEN_STATS_RUNSTATE_running;
	mem_table_vcpu(&w.a, 0)->state = XEN_STATS_RUNSTATE_blocked;
	mem_table_vcpu(&w.a, 1)->state = XEN_STATS_RUNSTATE_blocked;
	vs_snap_free(&s0);
	vs_snap_free(&s1);
	host_at(&w.host, 3000 * MS, 0);
	snap(&w, &s0);
	host_at(&w.host, 4000 * MS, 0);
	snap(&w, &s1);
	ck_assert_int_eq(vs_report_build(&s0, &s1, &r), 0);
	ck_assert_int_eq(r.rows[0].domid, 2);
	vs_report_free(&r);
	vs_snap_free(&s0);
	vs_snap_free(&s1);
	world_free(&w);
}
END_TEST

START_TEST(no_time_elapsed_is_an_error)
{
	struct world w;
	struct vs_snap s0;
	struct vs_report r;

	world_new(&w);
	host_at(&w.host, 1000 * MS, 0);
	snap(&w, &s0);
	ck_assert_int_eq(vs_report_build(&s0, &s0, &r), -1);
	vs_snap_free(&s0);
	world_free(&w);
}
END_TEST

static char *render(const struct vs_report *r, bool json, unsigned lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_msg(f != NULL, "memstream");
	if (json)
		ck_assert_int_eq(vs_report_json(r, "stats tables", 1.5, f), 0);
	else
		vs_report_text(r, "stats tables", lines, f);
	fclose(f);
	return text;
}

START_TEST(text_fits_one_screen)
{
	struct world w;
	struct vs_snap s0, s1;
	struct vs_report r;
	char *all, *cut;
	int n = 0;

	world_new(&w);
	two_snapshots(&w, &s0, &s1);
	ck_assert_int_eq(vs_report_build(&s0, &s1, &r), 0);
	all = render(&r, false, 0);
	ck_assert_msg(strstr(all, "busy-one") && strstr(all, " 75.0"), "%s",
		      all);
	cut = render(&r, false, 6);
	for (const char *p = cut; *p; p++)
		n += *p == '\n';
	ck_assert_msg(n <= 6, "%d lines:\n%s", n, cut);
	ck_assert_msg(strstr(cut, "more rows") != NULL, "%s", cut);
	free(all);
	free(cut);
	vs_report_free(&r);
	vs_snap_free(&s0);
	vs_snap_free(&s1);
	world_free(&w);
}
END_TEST

START_TEST(json_has_every_domain_and_nulls_for_unknowns)
{
	struct world w;
	struct vs_snap s0, s1;
	struct vs_report r;
	json_object *o, *doms, *dom, *v;
	char *text;

	world_new(&w);
	two_snapshots(&w, &s0, &s1);
	s1.runstates = false;	/* as the hypercall source reads */
	ck_assert_int_eq(vs_report_build(&s0, &s1, &r), 0);
	text = render(&r, true, 0);
	o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "not JSON: %s", text);
	ck_assert_msg(json_object_object_get_ex(o, "domains", &doms), "%s",
		      text);
	ck_assert_int_eq(json_object_array_length(doms), 2);
	dom = json_object_array_get_idx(doms, 0);
	ck_assert_msg(json_object_object_get_ex(dom, "running", &v) &&
		      near(json_object_get_double(v), 175.0), "%s", text);
	ck_assert_msg(json_object_object_get_ex(dom, "runnable", &v) &&
		      v == NULL, "runnable unknown: %s", text);
	ck_assert_msg(json_object_object_get_ex(dom, "vcpus", &v) &&
		      json_object_array_length(v) == 2, "%s", text);
	json_object_put(o);
	free(text);
	vs_report_free(&r);
	vs_snap_free(&s0);
	vs_snap_free(&s1);
	world_free(&w);
}
END_TEST

static Suite *vcpustat_suite(void)
{
	Suite *s = suite_create("vcpustat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, snapshot_extrapolates_to_now_and_skips_absent_vcpus);
	tcase_add_test(tc, dying_domain_is_left_out);
	tcase_add_test(tc, report_percentages_and_order);
	tcase_add_test(tc, no_time_elapsed_is_an_error);
	tcase_add_test(tc, text_fits_one_screen);
	tcase_add_test(tc, json_has_every_domain_and_nulls_for_unknowns);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(vcpustat_suite)
