/*
 * test-table-sample: from in-memory stats tables to the cycle's sample,
 * with the arithmetic the hypercalls would do (period in progress).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "plugin/support/mem_table.h"
#include "plugin/support/table_views.h"
#include "input/sample.h"
#include "input/table_sample.h"

static void set_vcpu(struct xen_stats_vcpu *s, uint32_t state, uint64_t entry,
		     uint64_t running, uint64_t update, uint32_t flags)
{
	s->state = state;
	s->state_entry_time = entry;
	s->time[XEN_STATS_RUNSTATE_running] = running;
	s->update_time = update;
	s->flags = flags;
}

#define PRESENT_ONLINE (XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online)

START_TEST(running_time_adds_period_in_progress)
{
	struct xen_stats_vcpu v = { 0 };

	set_vcpu(&v, XEN_STATS_RUNSTATE_running, 1000, 500, 1500, 0);
	/* At Xen time 2000: 500 accumulated + 1000 running since 1000. */
	ck_assert_msg(table_running_time(&v, 2000) == 1500, "got %llu",
		      (unsigned long long)table_running_time(&v, 2000));
	/* No better estimate than the slot's own update time. */
	ck_assert_msg(table_running_time(&v, 0) == 1000, "got %llu",
		      (unsigned long long)table_running_time(&v, 0));
	v.state = XEN_STATS_RUNSTATE_blocked;
	ck_assert_msg(table_running_time(&v, 2000) == 500, "blocked vCPU "
		      "time must not advance");
}
END_TEST

START_TEST(domain_sample_matches_slots)
{
	struct mem_table t = mem_table_domain(3, 5);
	struct xen_stats_domain *d = mem_table_dom_section(&t);
	struct host_sample s;
	struct stats_view v = domain_view(&t);

	for (int i = 0; i < 16; i++)
		d->handle[i] = (uint8_t)(0xa0 + i);
	d->flags = XEN_STATS_DOMF_paused;
	d->nr_online_vcpus = 2;
	d->tot_pages = 262144;
	set_vcpu(mem_table_vcpu(&t, 0), XEN_STATS_RUNSTATE_running, 100,
		 3000000000ull, 200, PRESENT_ONLINE);
	set_vcpu(mem_table_vcpu(&t, 1), XEN_STATS_RUNSTATE_blocked, 100,
		 1000000000ull, 200, PRESENT_ONLINE);
	mem_table_vcpu(&t, 2)->flags = 0;	/* vCPU 2 does not exist */
	sample_init(&s);
	ck_assert_int_eq(table_sample_domain(&v, 5, 1100, &s), STATS_OK);
	ck_assert_int_eq(s.n_doms, 1);
	ck_assert_str_eq(s.doms[0].uuid, "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
	ck_assert(s.doms[0].paused);
	ck_assert_int_eq(s.doms[0].nr_online_vcpus, 2);
	ck_assert_int_eq(s.doms[0].nr_vcpus, 3);
	ck_assert_msg(s.doms[0].tot_pages == 262144, "tot_pages");
	ck_assert_msg(s.doms[0].vcpus[0].cpu_time_ns == 3000001000ull,
		      "vcpu0 %llu", (unsigned long long)s.doms[0].vcpus[0].cpu_time_ns);
	ck_assert_msg(s.doms[0].vcpus[1].cpu_time_ns == 1000000000ull, "vcpu1");
	ck_assert(s.doms[0].vcpus[1].blocked);
	ck_assert(!s.doms[0].vcpus[0].blocked);
	ck_assert(!s.doms[0].vcpus[2].online);
	ck_assert_msg(s.doms[0].cpu_time_ns == 4000001000ull, "sum %llu",
		      (unsigned long long)s.doms[0].cpu_time_ns);
	/* the section covers the domain aggregates: all zero, so the state
	 * in force (0, full_run) since time 0, up to now */
	ck_assert(s.doms[0].runstate.valid);
	ck_assert_msg(s.doms[0].runstate.time_ns[0] == 1100, "full_run");
	ck_assert_msg(s.doms[0].runstate.time_ns[3] == 0, "blocked");
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

/*
 * The vCPU array is kept from cycle to cycle and not cleared first: a
 * vCPU that went reads as zero, not as last cycle's figures.
 */
START_TEST(reused_sample_zeroes_a_vcpu_that_went)
{
	struct mem_table t = mem_table_domain(2, 4);
	struct host_sample s;
	struct stats_view v = domain_view(&t);
	const struct vcpu_sample *gone;

	set_vcpu(mem_table_vcpu(&t, 0), XEN_STATS_RUNSTATE_running, 100,
		 3000000000ull, 200, PRESENT_ONLINE);
	set_vcpu(mem_table_vcpu(&t, 1), XEN_STATS_RUNSTATE_blocked, 100,
		 1000000000ull, 200, PRESENT_ONLINE);
	sample_init(&s);
	ck_assert_int_eq(table_sample_domain(&v, 4, 1100, &s), STATS_OK);
	ck_assert(s.doms[0].vcpus[1].online);
	ck_assert(s.doms[0].vcpus[1].has_runstates);
	sample_reset(&s);
	mem_table_vcpu(&t, 1)->flags = 0;	/* vCPU 1 went */
	ck_assert_int_eq(table_sample_domain(&v, 4, 1100, &s), STATS_OK);
	gone = &s.doms[0].vcpus[1];
	ck_assert(!gone->online && !gone->blocked && !gone->has_runstates);
	ck_assert_msg(gone->cpu_time_ns == 0, "cpu_time %llu",
		      (unsigned long long)gone->cpu_time_ns);
	for (int k = 0; k < SAMPLE_VCPU_RUNSTATES; k++)
		ck_assert_msg(gone->runstate_ns[k] == 0, "runstate %d", k);
	ck_assert_msg(s.doms[0].cpu_time_ns == 3000001000ull, "sum %llu",
		      (unsigned long long)s.doms[0].cpu_time_ns);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

START_TEST(busy_vcpu_slot_skips_domain_for_the_cycle)
{
	struct mem_table t = mem_table_domain(2, 9);
	struct host_sample s;
	struct stats_view v = domain_view(&t);

	mem_table_vcpu(&t, 1)->seq = 5;	/* never settles */
	sample_init(&s);
	ck_assert_int_eq(table_sample_domain(&v, 9, 0, &s), STATS_EBUSY);
	ck_assert_int_eq(s.n_doms, 0);
	/* Settled next cycle: the domain is back. */
	mem_table_vcpu(&t, 1)->seq = 6;
	ck_assert_int_eq(table_sample_domain(&v, 9, 0, &s), STATS_OK);
	ck_assert_int_eq(s.n_doms, 1);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

START_TEST(busy_section_and_dying_domain_left_out)
{
	struct mem_table t = mem_table_domain(1, 9);
	struct host_sample s;
	struct stats_view v = domain_view(&t);

	struct xen_stats_domain *sec = mem_table_dom_section(&t);

	sample_init(&s);
	sec->seq = 1;
	ck_assert_int_eq(table_sample_domain(&v, 9, 0, &s), STATS_EBUSY);
	ck_assert_int_eq(sec->seq, 1);
	sec->seq = 4;
	sec->flags = XEN_STATS_DOMF_dying;
	ck_assert_int_eq(table_sample_domain(&v, 9, 0, &s), TABLE_DYING);
	ck_assert_int_eq(s.n_doms, 0);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

START_TEST(pcpu_idle_includes_idle_period_to_now)
{
	struct mem_table t = mem_table_host(2);
	struct stats_view v = host_view(&t);
	struct xen_stats_pcpu *p0 = mem_table_pcpu(&t, 0);
	struct xen_stats_pcpu *p1 = mem_table_pcpu(&t, 1);
	uint64_t last[2] = { 0, 0 };
	struct host_sample s;
	uint64_t now;

	/* pCPU 0 idle since 1000 (no write since); pCPU 1 busy, wrote at 5000. */
	p0->flags = XEN_STATS_PCPUF_online | XEN_STATS_PCPUF_idle;
	p0->idle_time = 700;
	p0->state_entry_time = 1000;
	p0->update_time = 1000;
	p1->flags = XEN_STATS_PCPUF_online;
	p1->idle_time = 300;
	p1->state_entry_time = 4000;
	p1->update_time = 5000;
	sample_init(&s);
	now = table_sample_pcpus(&v, 2, last, &s);
	ck_assert_msg(now == 5000, "now %llu", (unsigned long long)now);
	ck_assert_int_eq(s.nr_pcpus, 2);
	ck_assert_msg(s.pcpu_idle_ns[0] == 700 + 4000, "idle0 %llu",
		      (unsigned long long)s.pcpu_idle_ns[0]);
	ck_assert_msg(s.pcpu_idle_ns[1] == 300, "idle1");
	/* A busy slot next cycle repeats the last value. */
	p0->seq = 3;
	ck_assert_msg(table_sample_pcpus(&v, 2, last, &s) == 5000, "now");
	ck_assert_msg(s.pcpu_idle_ns[0] == 4700, "idle0 repeated %llu",
		      (unsigned long long)s.pcpu_idle_ns[0]);
	/* Fewer CPUs than slots asked for: only those. */
	p0->seq = 4;
	now = table_sample_pcpus(&v, 1, last, &s);
	ck_assert_int_eq(s.nr_pcpus, 1);
	ck_assert_msg(now == 1000, "now from pCPU 0 alone");
	ck_assert_msg(s.pcpu_idle_ns[0] == 4700, "idle never runs backwards");
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

START_TEST(pcpu_idle_extrapolates_to_a_near_hint_only)
{
	struct mem_table t = mem_table_host(1);
	struct stats_view v = host_view(&t);
	struct xen_stats_pcpu *p = mem_table_pcpu(&t, 0);
	uint64_t last[1] = { 0 };
	struct host_sample s;

	p->flags = XEN_STATS_PCPUF_online | XEN_STATS_PCPUF_idle;
	p->idle_time = 100;
	p->state_entry_time = 1000;
	p->update_time = 2000;
	sample_init(&s);
	/* 1 ms past the newest write: believed; the newest write returned */
	ck_assert_msg(table_sample_pcpus_at(&v, 1, last, 1002000, &s) == 2000,
		      "returns the newest write");
	ck_assert_msg(s.pcpu_idle_ns[0] == 100 + 1001000, "idle %llu",
		      (unsigned long long)s.pcpu_idle_ns[0]);
	/* far ahead (a clock gone wrong): ignored, idle stays where it was */
	ck_assert_msg(table_sample_pcpus_at(&v, 1, last,
					    2000 + 10 * STATS_CLOCK_MAX_AHEAD_NS,
					    &s) == 2000, "newest");
	ck_assert_msg(s.pcpu_idle_ns[0] == 100 + 1001000, "idle %llu",
		      (unsigned long long)s.pcpu_idle_ns[0]);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("table-sample");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, running_time_adds_period_in_progress);
	tcase_add_test(tc, domain_sample_matches_slots);
	tcase_add_test(tc, reused_sample_zeroes_a_vcpu_that_went);
	tcase_add_test(tc, busy_vcpu_slot_skips_domain_for_the_cycle);
	tcase_add_test(tc, busy_section_and_dying_domain_left_out);
	tcase_add_test(tc, pcpu_idle_includes_idle_period_to_now);
	tcase_add_test(tc, pcpu_idle_extrapolates_to_a_near_hint_only);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
