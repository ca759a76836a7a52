/*
 * test-stats-clock: Xen's clock estimate and the times at "now" of the
 * stats-table library: pure arithmetic, every branch.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "stats_reader.h"

#define ULL(x) ((unsigned long long)(x))

START_TEST(no_estimate_before_an_observation)
{
	struct stats_clock c;

	memset(&c, 0, sizeof(c));
	ck_assert_msg(stats_clock_hint(&c, 123456) == 0, "hint without data");
	stats_clock_observe(&c, 0, 1000);	/* nothing seen: no offset */
	ck_assert_int_eq(c.valid, 0);
}
END_TEST

START_TEST(offset_is_the_largest_lower_bound)
{
	struct stats_clock c;

	memset(&c, 0, sizeof(c));
	/* Xen at 5000 seen when the raw clock says 1000: offset 4000. */
	stats_clock_observe(&c, 5000, 1000);
	ck_assert_msg(stats_clock_hint(&c, 2000) == 6000, "hint %llu",
		      ULL(stats_clock_hint(&c, 2000)));
	/* A staler write (offset 3000) only decays it. */
	stats_clock_observe(&c, 6000, 3000);
	ck_assert_msg(c.offset == 4000 - STATS_CLOCK_DECAY_NS, "offset %lld",
		      (long long)c.offset);
	/* A fresher one (offset 9000) raises it at once. */
	stats_clock_observe(&c, 12000, 3000);
	ck_assert_msg(c.offset == 9000, "offset %lld", (long long)c.offset);
}
END_TEST

START_TEST(offset_may_be_negative)
{
	struct stats_clock c;

	memset(&c, 0, sizeof(c));
	stats_clock_observe(&c, 1000, 5000);
	ck_assert_msg(stats_clock_hint(&c, 6000) == 2000, "hint %llu",
		      ULL(stats_clock_hint(&c, 6000)));
}
END_TEST

START_TEST(now_takes_a_near_hint_only)
{
	uint64_t newest = 1000000;

	ck_assert_msg(stats_clock_now(newest + 5, newest) == newest + 5,
		      "near hint ahead");
	ck_assert_msg(stats_clock_now(newest + STATS_CLOCK_MAX_AHEAD_NS,
				      newest) ==
		      newest + STATS_CLOCK_MAX_AHEAD_NS, "bound included");
	ck_assert_msg(stats_clock_now(newest + STATS_CLOCK_MAX_AHEAD_NS + 1,
				      newest) == newest, "far hint");
	ck_assert_msg(stats_clock_now(newest - 1, newest) == newest,
		      "hint behind the newest write");
	ck_assert_msg(stats_clock_now(0, newest) == newest, "no hint");
	ck_assert_msg(stats_clock_now(777, 0) == 777, "no write seen");
}
END_TEST

START_TEST(vcpu_runstates_add_the_period_in_progress)
{
	struct xen_stats_vcpu v;
	uint64_t t[XEN_STATS_NR_RUNSTATES];

	memset(&v, 0, sizeof(v));
	v.time[0] = 100;
	v.time[1] = 200;
	v.time[2] = 300;
	v.time[3] = 400;
	v.state = XEN_STATS_RUNSTATE_runnable;
	v.state_entry_time = 1000;
	v.update_time = 1500;
	stats_vcpu_runstates(&v, 2000, t);
	ck_assert_msg(t[0] == 100 && t[1] == 1200 && t[2] == 300 &&
		      t[3] == 400, "%llu %llu %llu %llu", ULL(t[0]), ULL(t[1]),
		      ULL(t[2]), ULL(t[3]));
	/* now before update_time: the slot's own time is the floor. */
	stats_vcpu_runstates(&v, 0, t);
	ck_assert_msg(t[1] == 700, "runnable %llu", ULL(t[1]));
	/* A state this reader does not know adds to none. */
	v.state = 7;
	stats_vcpu_runstates(&v, 2000, t);
	ck_assert_msg(t[0] + t[1] + t[2] + t[3] == 1000, "sum %llu",
		      ULL(t[0] + t[1] + t[2] + t[3]));
}
END_TEST

START_TEST(pcpu_idle_grows_only_while_idle)
{
	struct xen_stats_pcpu p;

	memset(&p, 0, sizeof(p));
	p.idle_time = 50;
	p.state_entry_time = 1000;
	p.flags = XEN_STATS_PCPUF_online | XEN_STATS_PCPUF_idle;
	ck_assert_msg(stats_pcpu_idle(&p, 1600) == 650, "idle");
	ck_assert_msg(stats_pcpu_idle(&p, 900) == 50, "now before entry");
	p.flags = XEN_STATS_PCPUF_online;
	ck_assert_msg(stats_pcpu_idle(&p, 1600) == 50, "busy");
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("stats-clock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, no_estimate_before_an_observation);
	tcase_add_test(tc, offset_is_the_largest_lower_bound);
	tcase_add_test(tc, offset_may_be_negative);
	tcase_add_test(tc, now_takes_a_near_hint_only);
	tcase_add_test(tc, vcpu_runstates_add_the_period_in_progress);
	tcase_add_test(tc, pcpu_idle_grows_only_while_idle);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(clock_suite)
