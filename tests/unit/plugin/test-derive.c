/*
 * test-derive: the values rrdp-cpu would publish for a given sample, and
 * the datasource set around them.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "derive/derive.h"
#include "input/table_sample.h"
#include "check_main.h"
#include "plugin/support/mem_table.h"
#include "plugin/support/table_views.h"

#define UUID_A "11111111-2222-3333-4444-555555555555"
#define UUID_B "66666666-7777-8888-9999-aaaaaaaaaaaa"
#define UUID_DOM0_UNNAMED "00000000-0000-0000-0000-000000000000"

/* Timestamps for tests that do not look at the bound: always later. */
static unsigned cycle_ts;

static double next_ts(void)
{
	return (double)++cycle_ts;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static struct dom_sample *add_dom(struct host_sample *s, uint32_t domid,
				  const char *uuid, unsigned nr_vcpus)
{
	struct dom_sample *d = sample_add_dom(s, domid, nr_vcpus);

	ck_assert_ptr_ne(d, NULL);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	d->nr_online_vcpus = nr_vcpus;
	for (unsigned v = 0; v < nr_vcpus; v++)
		d->vcpus[v].online = true;
	return d;
}

/* Index of the datasource (name, owner uuid or NULL for host), or -1. */
static long find(const struct ds_set *set, const char *name, const char *uuid)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->ds[i].name, name) == 0 &&
		    (uuid ? set->ds[i].owner == RRDD_OWNER_VM &&
			    strcmp(set->ds[i].owner_uuid, uuid) == 0
			  : set->ds[i].owner == RRDD_OWNER_HOST))
			return (long)i;
	return -1;
}

START_TEST(vcpu_seconds_masks_update_flag)
{
	ck_assert(near(derive_vcpu_seconds(2500000000ull), 2.5));
	ck_assert(near(derive_vcpu_seconds((1ull << 63) | 1000000000ull), 1.0));
	ck_assert(near(derive_vcpu_seconds(0), 0.0));
}
END_TEST

START_TEST(cpu_usage_divides_by_online_vcpus)
{
	ck_assert(near(derive_cpu_usage(8000000000ull, 4), 2.0));
	ck_assert(near(derive_cpu_usage(3000000000ull, 1), 3.0));
	/* none online: no division by zero */
	ck_assert(near(derive_cpu_usage(3000000000ull, 0), 3.0));
	ck_assert(near(derive_cpu_usage((1ull << 63) | 2000000000ull, 2), 1.0));
}
END_TEST

START_TEST(hidden_domains)
{
	ck_assert(derive_domain_hidden(UUID_DOM0_UNNAMED));
	ck_assert(derive_domain_hidden("deadbeef-dead-beef-0000-000000000001"));
	ck_assert(!derive_domain_hidden(UUID_A));
}
END_TEST

START_TEST(full_set_values)
{
	struct host_sample s;
	struct ds_set set;
	struct dom_sample *a, *b, *h;
	long i;

	sample_init(&s);
	ds_set_init(&set);
	ck_assert_int_eq(sample_set_pcpus(&s, 2), 0);
	s.pcpu_idle_ns[0] = 1000000000ull;
	s.pcpu_idle_ns[1] = 3000000000ull;
	s.loadavg = 0.75;
	a = add_dom(&s, 1, UUID_A, 2);
	a->vcpus[0].cpu_time_ns = 4000000000ull;
	a->vcpus[1].cpu_time_ns = 2000000000ull;
	a->vcpus[1].blocked = true;
	a->cpu_time_ns = 6000000000ull;
	b = add_dom(&s, 2, UUID_B, 1);
	b->paused = true;
	b->cpu_time_ns = 500000000ull;
	b->vcpus[0].cpu_time_ns = 500000000ull;
	h = add_dom(&s, 0, UUID_DOM0_UNNAMED, 1);
	h->vcpus[0].cpu_time_ns = 1;

	ck_assert_int_eq(derive_build(&s, next_ts(), &set), 0);
	/* host cpu0, cpu1, cpu_avg; A: cpu0, cpu1, cpu_usage; B: cpu0,
	 * cpu_usage; loadavg, hostload, running_vcpus, running_domains */
	ck_assert_int_eq(set.n, 3 + 3 + 2 + 4);
	i = find(&set, "cpu1", NULL);
	ck_assert(i >= 0 && near(set.values[i].f, 3.0));
	ck_assert_int_eq(set.ds[i].transform, RRDD_INVERSE);
	i = find(&set, "cpu_avg", NULL);
	ck_assert(i >= 0 && near(set.values[i].f, 2.0));
	i = find(&set, "cpu0", UUID_A);
	ck_assert(i >= 0 && near(set.values[i].f, 4.0));
	ck_assert_str_eq(set.ds[i].description, "CPU0 usage");
	i = find(&set, "cpu_usage", UUID_A);
	ck_assert(i >= 0 && near(set.values[i].f, 3.0));
	i = find(&set, "cpu_usage", UUID_B);
	ck_assert(i >= 0 && near(set.values[i].f, 0.5));
	ck_assert_int_eq(find(&set, "cpu0", UUID_DOM0_UNNAMED), -1);
	i = find(&set, "loadavg", NULL);
	ck_assert(i >= 0 && near(set.values[i].f, 0.75));
	/* running: A vcpu0, B vcpu0 (paused domains' vCPUs still count,
	 * as rrdp-cpu counts online && !blocked); hidden dom0 not */
	i = find(&set, "running_vcpus", NULL);
	ck_assert(i >= 0 && set.values[i].i == 2);
	i = find(&set, "hostload", NULL);
	ck_assert(i >= 0 && near(set.values[i].f, 1.0));
	i = find(&set, "running_domains", NULL);
	ck_assert(i >= 0 && set.values[i].i == 1);
	ck_assert_int_eq(find(&set, "runstate_fullrun", UUID_A), -1);
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

START_TEST(runstates_when_valid)
{
	struct host_sample s;
	struct ds_set set;
	struct dom_sample *a;
	long i;

	sample_init(&s);
	ds_set_init(&set);
	a = add_dom(&s, 1, UUID_A, 1);
	a->runstate.valid = true;
	for (int k = 0; k < SAMPLE_RUNSTATES; k++)
		a->runstate.time_ns[k] = (uint64_t)(k + 1) * 1000000000ull;
	ck_assert_int_eq(derive_build(&s, next_ts(), &set), 0);
	i = find(&set, "runstate_blocked", UUID_A);
	ck_assert(i >= 0 && near(set.values[i].f, 4.0));
	ck_assert(!set.ds[i].is_default);
	i = find(&set, "runnable_any", UUID_A);
	ck_assert(i >= 0 && near(set.values[i].f, 2.0 + 3.0 + 6.0));
	ck_assert_int_eq(find(&set, "runnable_vcpus", UUID_A), -1);
	a->runstate.runnable_ns = 1500000000ull;
	ck_assert_int_eq(derive_build(&s, next_ts(), &set), 0);
	i = find(&set, "runnable_vcpus", UUID_A);
	ck_assert(i >= 0 && near(set.values[i].f, 1.5));
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

START_TEST(unknown_pcpus_publish_no_average)
{
	struct host_sample s;
	struct ds_set set;

	sample_init(&s);
	ds_set_init(&set);
	ck_assert_int_eq(derive_build(&s, next_ts(), &set), 0);
	ck_assert_int_eq(find(&set, "cpu_avg", NULL), -1);
	ck_assert(find(&set, "hostload", NULL) >= 0);
	ck_assert(near(set.values[find(&set, "hostload", NULL)].f, 0.0));
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

START_TEST(many_domains_keep_pointers_valid)
{
	struct host_sample s;
	struct ds_set set;
	char uuid[RRDD_UUID_LEN + 1];

	sample_init(&s);
	ds_set_init(&set);
	for (uint32_t d = 1; d <= 200; d++) {
		snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-00000000abcd", d);
		add_dom(&s, d, uuid, 4);
	}
	ck_assert_int_eq(derive_build(&s, next_ts(), &set), 0);
	ck_assert_int_eq(set.n, 200 * 5 + 4);
	for (size_t i = 0; i < set.n; i++)
		ck_assert(set.ds[i].name && set.ds[i].description);
	ck_assert_str_eq(set.ds[set.n - 5].name, "cpu_usage");
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* Every field of every description, and (with_values) every value, bit
 * for bit. */
static void assert_same(const struct ds_set *a, const struct ds_set *b,
			bool with_values)
{
	ck_assert_int_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct rrdd_ds *x = &a->ds[i], *y = &b->ds[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_str_eq(x->description, y->description);
		ck_assert_str_eq(x->units, y->units);
		ck_assert_str_eq(x->owner_uuid, y->owner_uuid);
		ck_assert_int_eq(x->owner, y->owner);
		ck_assert_int_eq(x->value_type, y->value_type);
		ck_assert_int_eq(x->type, y->type);
		ck_assert_int_eq(x->is_default, y->is_default);
		ck_assert_int_eq(x->transform, y->transform);
		ck_assert_msg(bits(x->min) == bits(y->min) &&
			      bits(x->max) == bits(y->max),
			      "datasource %zu (%s): min/max differ", i, x->name);
		ck_assert_msg(!with_values || a->values[i].i == b->values[i].i,
			      "datasource %zu (%s): values differ", i, x->name);
	}
}

static void assert_same_set(const struct ds_set *a, const struct ds_set *b)
{
	assert_same(a, b, true);
}

static void assert_same_set_descriptions(const struct ds_set *a,
					 const struct ds_set *b)
{
	assert_same(a, b, false);
}

/* Derive s into a set that never saw another layout, compare with *kept. */
static void assert_same_as_fresh(const struct host_sample *s,
				 const struct ds_set *kept)
{
	struct ds_set fresh;

	ds_set_init(&fresh);
	ck_assert_int_eq(derive_build(s, 0.0, &fresh), 0);
	assert_same_set(kept, &fresh);
	ds_set_free(&fresh);
}

static void set_times(struct host_sample *s, uint64_t base)
{
	for (size_t d = 0; d < s->n_doms; d++) {
		struct dom_sample *dom = &s->doms[d];

		dom->cpu_time_ns = base * (d + 1);
		for (unsigned v = 0; v < dom->nr_vcpus; v++)
			dom->vcpus[v].cpu_time_ns = base + d * 100 + v;
		for (int k = 0; k < SAMPLE_RUNSTATES; k++)
			dom->runstate.time_ns[k] = base + (uint64_t)k;
	}
	for (unsigned p = 0; p < s->nr_pcpus; p++)
		s->pcpu_idle_ns[p] = base + p;
}

/* The domains of one layout; the same sample is rebuilt for each step. */
struct layout {
	uint64_t runnable_ns[4];
	const char *uuid[4];
	size_t n;
	unsigned nr_pcpus;
	unsigned vcpus[4];
	bool runstates[4];
};

static void load_layout(struct host_sample *s, const struct layout *l,
			uint64_t base)
{
	sample_reset(s);
	ck_assert_int_eq(sample_set_pcpus(s, l->nr_pcpus), 0);
	s->loadavg = 0.5;
	for (size_t i = 0; i < l->n; i++) {
		struct dom_sample *d = add_dom(s, (uint32_t)i + 1, l->uuid[i],
					       l->vcpus[i]);

		d->runstate.valid = l->runstates[i];
		d->runstate.runnable_ns = l->runnable_ns[i];
	}
	set_times(s, base);
}

#define UUID_C "cccccccc-0000-4000-8000-000000000003"
#define UUID_D "dddddddd-0000-4000-8000-000000000004"

/*
 * A set kept from cycle to cycle (descriptions re-used, only what changed
 * re-created) equals one built from nothing after each layout change:
 * domains added and removed, vCPU counts up and down, runstates and
 * runnable_vcpus appearing and going, pCPUs changing.
 */
START_TEST(reused_set_equals_fresh_after_layout_changes)
{
	/* { runnable_ns, uuid, n, nr_pcpus, vcpus, runstates } */
	static const struct layout steps[] = {
		{ { 0, 0, 0 }, { UUID_A, UUID_B, UUID_C }, 3, 2, { 2, 3, 1 },
		  { false, false, true } },
		/* B removed, D added at the end */
		{ { 0, 0, 0 }, { UUID_A, UUID_C, UUID_D }, 3, 2, { 2, 1, 4 },
		  { false, true, false } },
		/* A: 2 -> 5 vCPUs; C: runnable_vcpus appears */
		{ { 0, 7, 0 }, { UUID_A, UUID_C, UUID_D }, 3, 2, { 5, 1, 4 },
		  { false, true, false } },
		/* D: 4 -> 1 vCPU; B back in the middle; C loses runstates */
		{ { 0, 0, 0, 0 }, { UUID_A, UUID_B, UUID_C, UUID_D }, 4, 2,
		  { 5, 3, 1, 1 }, { false, false, false, false } },
		/* A gone, C 1 -> 12 vCPUs: B moves down, D and the host up */
		{ { 0, 0, 0 }, { UUID_B, UUID_C, UUID_D }, 3, 2, { 3, 12, 1 },
		  { false, false, false } },
		/* pCPUs 2 -> 3, dom0 (hidden) first */
		{ { 5, 0, 0, 0 }, { UUID_DOM0_UNNAMED, UUID_A, UUID_C, UUID_D },
		  4, 3, { 4, 5, 1, 1 }, { true, false, true, false } },
		/* everything gone but the host */
		{ { 0 }, { NULL }, 0, 0, { 0 }, { false } },
		{ { 1, 0 }, { UUID_B, UUID_A }, 2, 2, { 1, 2 },
		  { true, false } },
	};
	struct host_sample s;
	struct ds_set kept;

	sample_init(&s);
	ds_set_init(&kept);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		unsigned long gen = kept.generation;

		/* counters advance 1 s a step, timestamps 10 s: unbounded */
		load_layout(&s, &steps[i], 1000000000ull * (i + 1));
		ck_assert_int_eq(derive_build(&s, 10.0 * (double)(i + 1), &kept),
				 0);
		ck_assert_msg(kept.generation != gen,
			      "step %zu: a new layout must change generation",
			      i);
		assert_same_as_fresh(&s, &kept);
	}
	ds_set_free(&kept);
	sample_free(&s);
}
END_TEST

/*
 * A layout change lays the set out again in place: blocks moving down
 * (B, after A went), a block re-shaped (C, 1 -> 12 vCPUs) and blocks
 * moving up (D, the host) each keep the bounds of their own datasources.
 * Every counter advances 100 s while the timestamp advances 5 s: one whose
 * bound came along is published at most 5 s past its last value, one
 * without (new vCPU, a scale that changed) as read.
 */
START_TEST(relayout_in_place_keeps_each_blocks_bounds)
{
	static const struct layout before = {
		{ 0, 0, 0, 0 }, { UUID_A, UUID_B, UUID_C, UUID_D }, 4, 2,
		{ 4, 2, 1, 1 }, { false, false, false, false },
	};
	static const struct layout after = {
		{ 0, 0, 0 }, { UUID_B, UUID_C, UUID_D }, 3, 2, { 2, 12, 1 },
		{ false, false, false },
	};
	static const char *const carried[][2] = {
		{ "cpu0", UUID_B }, { "cpu1", UUID_B }, { "cpu0", UUID_C },
		{ "cpu0", UUID_D }, { "cpu0", NULL }, { "cpu1", NULL },
	};
	struct host_sample s;
	struct ds_set kept, fresh, old;
	size_t capped = 0;

	sample_init(&s);
	ds_set_init(&kept);
	ds_set_init(&fresh);
	load_layout(&s, &before, 1000000000000ull);
	ck_assert_int_eq(derive_build(&s, 5000.0, &kept), 0);
	/* what each datasource was published at */
	old = kept;
	old.ds = malloc(kept.n * sizeof(*old.ds));
	old.values = malloc(kept.n * sizeof(*old.values));
	ck_assert(old.ds && old.values);
	memcpy(old.ds, kept.ds, kept.n * sizeof(*old.ds));
	memcpy(old.values, kept.values, kept.n * sizeof(*old.values));

	load_layout(&s, &after, 1100000000000ull);
	ck_assert_int_eq(derive_build(&s, 5005.0, &kept), 0);
	ck_assert_int_eq(derive_build(&s, 0.0, &fresh), 0);
	ck_assert_msg(kept.n == fresh.n, "%zu datasources, from scratch %zu",
		      kept.n, fresh.n);
	for (size_t i = 0; i < kept.n; i++) {
		const struct rrdd_ds *d = &kept.ds[i];
		long j = find(&old, d->name,
			      d->owner == RRDD_OWNER_VM ? d->owner_uuid : NULL);
		double v = kept.values[i].f, read = fresh.values[i].f;

		ck_assert_str_eq(d->name, fresh.ds[i].name);
		if (d->value_type != RRDD_VALUE_FLOAT || v == read)
			continue;
		/* not as read: only by a bound this datasource had */
		ck_assert_msg(j >= 0, "%s %s: new, yet bounded", d->name,
			      d->owner_uuid);
		ck_assert_msg(v > old.values[j].f && v <= old.values[j].f + 5.0,
			      "%s %s: %.9f, last %.9f", d->name, d->owner_uuid,
			      v, old.values[j].f);
		capped++;
	}
	for (size_t k = 0; k < sizeof(carried) / sizeof(carried[0]); k++) {
		long i = find(&kept, carried[k][0], carried[k][1]);

		ck_assert(i >= 0);
		ck_assert_msg(kept.values[i].f < fresh.values[i].f,
			      "%s %s: bound lost", carried[k][0],
			      carried[k][1] ? carried[k][1] : "host");
	}
	ck_assert_msg(capped >= sizeof(carried) / sizeof(carried[0]),
		      "%zu bounded, want at least %zu", capped,
		      sizeof(carried) / sizeof(carried[0]));
	/* C's new vCPU, and its cpu_usage over 12 vCPUs instead of 1 */
	ck_assert(kept.values[find(&kept, "cpu5", UUID_C)].f ==
		  fresh.values[find(&fresh, "cpu5", UUID_C)].f);
	ck_assert(kept.values[find(&kept, "cpu_usage", UUID_C)].f ==
		  fresh.values[find(&fresh, "cpu_usage", UUID_C)].f);
	assert_same_set_descriptions(&kept, &fresh);
	free(old.ds);
	free(old.values);
	ds_set_free(&fresh);
	ds_set_free(&kept);
	sample_free(&s);
}
END_TEST

/* Same layout: the descriptions stay where they are, the values move on. */
START_TEST(same_layout_keeps_descriptions_updates_values)
{
	static const struct layout l = {
		{ 0, 3 }, { UUID_A, UUID_C }, 2, 2, { 2, 1 }, { false, true },
	};
	struct host_sample s;
	struct ds_set kept;
	const struct rrdd_ds *ds;
	unsigned long gen;
	long i;

	sample_init(&s);
	ds_set_init(&kept);
	load_layout(&s, &l, 1000000000ull);
	ck_assert_int_eq(derive_build(&s, 100.0, &kept), 0);
	ds = kept.ds;
	gen = kept.generation;
	load_layout(&s, &l, 9000000000ull);
	ck_assert_int_eq(derive_build(&s, 200.0, &kept), 0);
	ck_assert_ptr_eq(kept.ds, ds);
	ck_assert_int_eq(kept.generation, gen);
	i = find(&kept, "cpu1", UUID_A);
	ck_assert(i >= 0 && near(kept.values[i].f, 9.000000001));
	assert_same_as_fresh(&s, &kept);
	ds_set_free(&kept);
	sample_free(&s);
}
END_TEST

/* ---- counters bounded by the timestamps ------------------------------ */

#define T0 1.7e9	/* payload timestamps start here, 5 s apart */

/* A deterministic jitter in [-3, +3] ms. */
static double jitter(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return ((double)((*seed >> 16) & 0x7fff) / 32767.0 - 0.5) * 0.006;
}

static uint64_t ns(double seconds)
{
	return (uint64_t)llround(seconds * 1e9);
}

/* What rrdd computes for datasource i between two payloads. */
static double rrdd_rate(double v, double v_prev, double ts, double ts_prev)
{
	return (v - v_prev) / (ts - ts_prev);
}

/*
 * Two busy vCPUs (and so a busy domain) and a fully idle pCPU whose
 * counters jitter by +/- 3 ms around wall time: read as is, some cycles
 * give rates above 1 (checked, so the test exercises the bound); as
 * published, none does, the rate stays close to 1, and the published
 * value lags the reading by no more than the jitter.
 */
START_TEST(busy_counters_never_exceed_one)
{
	static const char *const names[] = { "cpu0", "cpu1", "cpu_usage" };
	struct host_sample s;
	struct ds_set set;
	struct dom_sample *a;
	double prev[5] = { 0 }, raw_prev[5] = { 0 }, ts_prev = 0;
	unsigned seed = 7, raw_over = 0;
	long idx[5];

	sample_init(&s);
	ds_set_init(&set);
	for (int c = 0; c < 400; c++) {
		double wall = 100.0 + 5.0 * c, ts = T0 + 5.0 * c;
		double raw[5];

		sample_reset(&s);
		ck_assert_int_eq(sample_set_pcpus(&s, 2), 0);
		s.pcpu_idle_ns[0] = ns(wall + jitter(&seed));
		s.pcpu_idle_ns[1] = ns(1.0);
		a = add_dom(&s, 1, UUID_A, 2);
		a->vcpus[0].cpu_time_ns = ns(wall + jitter(&seed));
		a->vcpus[1].cpu_time_ns = ns(wall + jitter(&seed));
		a->cpu_time_ns = a->vcpus[0].cpu_time_ns +
				 a->vcpus[1].cpu_time_ns;
		ck_assert_int_eq(derive_build(&s, ts, &set), 0);
		for (int k = 0; k < 3; k++)
			idx[k] = find(&set, names[k], UUID_A);
		idx[3] = find(&set, "cpu0", NULL);
		idx[4] = find(&set, "cpu_avg", NULL);
		raw[0] = derive_vcpu_seconds(a->vcpus[0].cpu_time_ns);
		raw[1] = derive_vcpu_seconds(a->vcpus[1].cpu_time_ns);
		raw[2] = derive_cpu_usage(a->cpu_time_ns, 2);
		raw[3] = (double)s.pcpu_idle_ns[0] / 1e9;
		raw[4] = ((double)s.pcpu_idle_ns[0] + 1e9) / 2 / 1e9;
		for (int k = 0; k < 5; k++) {
			double v;

			ck_assert(idx[k] >= 0);
			v = set.values[idx[k]].f;
			ck_assert_msg(v <= raw[k] && raw[k] - v < 0.0061,
				      "cycle %d ds %d: published %.9f, read "
				      "%.9f", c, k, v, raw[k]);
			if (c > 0) {
				double r = rrdd_rate(v, prev[k], ts, ts_prev);
				/* the idle pCPU's average runs at 1/2 */
				double floor = k == 4 ? 0.49 : 0.99;

				ck_assert_msg(r <= 1.0 && r > floor,
					      "cycle %d ds %d: rate %.17g",
					      c, k, r);
				if (rrdd_rate(raw[k], raw_prev[k], ts,
					      ts_prev) > 1.0)
					raw_over++;
			}
			prev[k] = v;
			raw_prev[k] = raw[k];
		}
		ts_prev = ts;
	}
	ck_assert_msg(raw_over > 100, "only %u raw rates above 1", raw_over);
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

/* One domain, one vCPU, cpu_time as given; returns its cpu0 value. */
static double vcpu0_at(struct host_sample *s, struct ds_set *set,
		       const char *uuid, double secs, double ts)
{
	struct dom_sample *d;
	long i;

	sample_reset(s);
	d = add_dom(s, 1, uuid, 1);
	d->vcpus[0].cpu_time_ns = ns(secs);
	d->cpu_time_ns = ns(secs);
	ck_assert_int_eq(derive_build(s, ts, set), 0);
	i = find(set, "cpu0", uuid);
	ck_assert(i >= 0);
	return set->values[i].f;
}

/* Held at the bound while busy, back on the reading after a half-idle
 * cycle: the long-run total is the vCPU's own. */
START_TEST(bounded_counter_catches_up)
{
	struct host_sample s;
	struct ds_set set;
	double v;

	sample_init(&s);
	ds_set_init(&set);
	ck_assert(vcpu0_at(&s, &set, UUID_A, 10.0, T0) == 10.0);
	v = vcpu0_at(&s, &set, UUID_A, 15.004, T0 + 5);
	ck_assert_msg(v == 15.0, "busy cycle published %.9f", v);
	v = vcpu0_at(&s, &set, UUID_A, 17.504, T0 + 10);
	ck_assert_msg(v == derive_vcpu_seconds(ns(17.504)),
		      "half-idle cycle published %.9f", v);
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

/* A domain gone and back starts unbounded, and so does a new vCPU; a
 * vCPU that stays keeps its bound across a vCPU count change. */
START_TEST(bound_follows_domains_and_vcpus)
{
	struct host_sample s;
	struct ds_set set;
	struct dom_sample *d;
	double v;

	sample_init(&s);
	ds_set_init(&set);
	(void)vcpu0_at(&s, &set, UUID_A, 10.0, T0);
	ck_assert(vcpu0_at(&s, &set, UUID_A, 15.004, T0 + 5) == 15.0);
	/* A gone for a cycle, then back far ahead: published as read */
	(void)vcpu0_at(&s, &set, UUID_B, 1.0, T0 + 10);
	v = vcpu0_at(&s, &set, UUID_A, 40.0, T0 + 15);
	ck_assert_msg(v == 40.0, "re-added domain published %.9f", v);
	/* A grows a second vCPU: vcpu1 as read, vcpu0 still bounded */
	sample_reset(&s);
	d = add_dom(&s, 1, UUID_A, 2);
	d->vcpus[0].cpu_time_ns = ns(45.004);
	d->vcpus[1].cpu_time_ns = ns(30.0);
	d->cpu_time_ns = ns(75.004);
	ck_assert_int_eq(derive_build(&s, T0 + 20, &set), 0);
	ck_assert(set.values[find(&set, "cpu0", UUID_A)].f == 45.0);
	ck_assert(set.values[find(&set, "cpu1", UUID_A)].f == 30.0);
	/* cpu_usage's scale went from 1 to 2 vCPUs: as read */
	ck_assert(set.values[find(&set, "cpu_usage", UUID_A)].f ==
		  derive_cpu_usage(ns(75.004), 2));
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

/* A vCPU and a pCPU below 100% publish exactly what they read. */
START_TEST(partly_busy_counters_unchanged)
{
	struct host_sample s;
	struct ds_set set;
	unsigned seed = 3;

	sample_init(&s);
	ds_set_init(&set);
	for (int c = 0; c < 200; c++) {
		double wall = 5.0 * c, ts = T0 + 5.0 * c;
		struct dom_sample *d;

		sample_reset(&s);
		ck_assert_int_eq(sample_set_pcpus(&s, 1), 0);
		s.pcpu_idle_ns[0] = ns(0.6 * wall + jitter(&seed));
		d = add_dom(&s, 1, UUID_A, 1);
		d->vcpus[0].cpu_time_ns = ns(0.3 * wall + 0.01 +
					     jitter(&seed));
		d->cpu_time_ns = d->vcpus[0].cpu_time_ns;
		ck_assert_int_eq(derive_build(&s, ts, &set), 0);
		ck_assert(set.values[find(&set, "cpu0", UUID_A)].f ==
			  derive_vcpu_seconds(d->vcpus[0].cpu_time_ns));
		ck_assert(set.values[find(&set, "cpu_usage", UUID_A)].f ==
			  derive_cpu_usage(d->cpu_time_ns, 1));
		ck_assert(set.values[find(&set, "cpu0", NULL)].f ==
			  (double)s.pcpu_idle_ns[0] / 1e9);
	}
	ds_set_free(&set);
	sample_free(&s);
}
END_TEST

/* ---- domain aggregates from in-memory stats tables ----------------------- */

#define SEC 1000000000ull
#define RUNSTATE_ROWS 9	/* six runstate_*, runnable_any, runnable_vcpus,
			 * numa_node_nonaffine_vcpus */

static const char *const runstate_names[RUNSTATE_ROWS] = {
	"runstate_fullrun", "runstate_full_contention",
	"runstate_concurrency_hazard", "runstate_blocked",
	"runstate_partial_run", "runstate_partial_contention",
	"runnable_any", "runnable_vcpus", "numa_node_nonaffine_vcpus",
};

/*
 * Domain 7 (UUID_A's handle bytes do not matter: the uuid comes from the
 * handle, 0x11 repeated), 2 vCPUs: vCPU 0 running since 900 s (of which
 * 30 s + the period in progress outside its soft affinity), vCPU 1
 * blocked.  Domain state partial_run since the update at 900 s.
 */
static struct mem_table busy_idle_table(void)
{
	struct mem_table t = mem_table_domain(2, 7);
	struct xen_stats_domain *d = mem_table_dom_section(&t);
	struct xen_stats_vcpu *v0 = mem_table_vcpu(&t, 0);
	struct xen_stats_vcpu *v1 = mem_table_vcpu(&t, 1);

	memset(d->handle, 0x11, sizeof(d->handle));
	d->nr_online_vcpus = 2;
	d->update_time = 900 * SEC;
	d->runstate = XEN_STATS_DOMSTATE_partial_run;
	d->nr_running_vcpus = 1;
	d->nr_blocked_vcpus = 1;
	d->runstate_entry_time = 800 * SEC;
	for (int k = 0; k < XEN_STATS_NR_DOMSTATES; k++)
		d->runstate_time[k] = (uint64_t)(k + 1) * 10 * SEC;
	d->runstate_update_time = 900 * SEC;
	d->runnable_time = 40 * SEC;
	d->running_time = 300 * SEC;
	v0->state = XEN_STATS_RUNSTATE_running;
	v0->state_entry_time = 900 * SEC;
	v0->time[XEN_STATS_RUNSTATE_running] = 200 * SEC;
	v0->update_time = 900 * SEC;
	v0->flags = XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online |
		    XEN_STATS_VCPUF_nonaffine;
	v0->nonaffine_time = 30 * SEC;
	v1->state = XEN_STATS_RUNSTATE_blocked;
	v1->state_entry_time = 850 * SEC;
	v1->time[XEN_STATS_RUNSTATE_running] = 100 * SEC;
	v1->update_time = 850 * SEC;
	v1->flags = XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online;
	return t;
}

#define UUID_11 "11111111-1111-1111-1111-111111111111"

static void derive_table(const struct mem_table *t, uint64_t now,
			 struct host_sample *s, struct ds_set *set)
{
	struct stats_view v = domain_view(t);

	sample_reset(s);
	ck_assert_int_eq(table_sample_domain(&v, 7, now, s), STATS_OK);
	ck_assert_int_eq(derive_build(s, next_ts(), set), 0);
}

static double value_of(const struct ds_set *set, const char *name)
{
	long i = find(set, name, UUID_11);

	ck_assert_msg(i >= 0, "%s not published", name);
	return set->values[i].f;
}

/* At Xen time 910 s: every aggregate at 900 s plus 10 s of partial_run
 * with one vCPU running (non-affine) and one blocked. */
START_TEST(table_aggregates_give_every_runstate_datasource)
{
	struct mem_table t = busy_idle_table();
	struct host_sample s;
	struct ds_set set;

	sample_init(&s);
	ds_set_init(&set);
	derive_table(&t, 910 * SEC, &s, &set);
	ck_assert(near(value_of(&set, "runstate_fullrun"), 10.0));
	ck_assert(near(value_of(&set, "runstate_full_contention"), 20.0));
	ck_assert(near(value_of(&set, "runstate_concurrency_hazard"), 30.0));
	ck_assert(near(value_of(&set, "runstate_blocked"), 40.0));
	ck_assert(near(value_of(&set, "runstate_partial_run"), 50.0 + 10.0));
	ck_assert(near(value_of(&set, "runstate_partial_contention"), 60.0));
	ck_assert(near(value_of(&set, "runnable_any"), 20.0 + 30.0 + 60.0));
	/* sums over the vCPUs, averaged over them as domctl 98 does */
	ck_assert(near(value_of(&set, "runnable_vcpus"), 40.0 / 2));
	ck_assert(near(value_of(&set, "numa_node_nonaffine_vcpus"),
		       (30.0 + 10.0) / 2));
	ck_assert(!set.ds[find(&set, "runstate_fullrun", UUID_11)].is_default);
	ck_assert(near(value_of(&set, "cpu0"), 210.0));
	ds_set_free(&set);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

/* rrdp-cpu leaves runnable_vcpus out while the runnable time is zero, and
 * numa_node_nonaffine_vcpus while the running time is. */
START_TEST(table_zero_runnable_or_running_left_out)
{
	struct mem_table t = busy_idle_table();
	struct xen_stats_domain *d = mem_table_dom_section(&t);
	struct host_sample s;
	struct ds_set set;

	sample_init(&s);
	ds_set_init(&set);
	d->runnable_time = 0;
	derive_table(&t, 910 * SEC, &s, &set);
	ck_assert_int_eq(find(&set, "runnable_vcpus", UUID_11), -1);
	ck_assert(find(&set, "numa_node_nonaffine_vcpus", UUID_11) >= 0);
	/* never ran: nothing running now either */
	d->running_time = 0;
	d->nr_running_vcpus = 0;
	derive_table(&t, 910 * SEC, &s, &set);
	ck_assert_int_eq(find(&set, "numa_node_nonaffine_vcpus", UUID_11), -1);
	ck_assert(find(&set, "runstate_fullrun", UUID_11) >= 0);
	ds_set_free(&set);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

/* A series without the aggregates publishes the first section and slot
 * sizes: none of the runstate datasources, the others as before.  Without
 * the non-affine slot field only numa_node_nonaffine_vcpus goes. */
START_TEST(older_table_leaves_runstates_out)
{
	struct mem_table t = busy_idle_table();
	struct host_sample s;
	struct ds_set set;

	sample_init(&s);
	ds_set_init(&set);
	t.hdr->slot_size = offsetof(struct xen_stats_vcpu, nonaffine_time);
	derive_table(&t, 910 * SEC, &s, &set);
	ck_assert(find(&set, "runstate_blocked", UUID_11) >= 0);
	ck_assert(find(&set, "runnable_vcpus", UUID_11) >= 0);
	ck_assert_int_eq(find(&set, "numa_node_nonaffine_vcpus", UUID_11), -1);
	t.hdr->section_size = offsetof(struct xen_stats_domain, runstate);
	derive_table(&t, 910 * SEC, &s, &set);
	for (int k = 0; k < RUNSTATE_ROWS; k++)
		ck_assert_msg(find(&set, runstate_names[k], UUID_11) == -1,
			      "%s published", runstate_names[k]);
	ck_assert(find(&set, "cpu_usage", UUID_11) >= 0);
	ck_assert(find(&set, "cpu1", UUID_11) >= 0);
	ck_assert_int_eq(set.n, 2 + 1 + 4);
	ds_set_free(&set);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

/*
 * A fully busy 2-vCPU domain read from its table every 5 s, with Xen's
 * time jittering by +/- 3 ms against the payload timestamps: full_run,
 * running and non-affine time advance faster than the timestamps in some
 * cycles (checked), yet no runstate datasource's rate is above 1.0.
 */
START_TEST(table_runstate_counters_bounded_by_wall_time)
{
	struct mem_table t = mem_table_domain(2, 7);
	struct xen_stats_domain *d = mem_table_dom_section(&t);
	struct host_sample s;
	struct ds_set set;
	double prev[RUNSTATE_ROWS], ts_prev = 0;
	unsigned seed = 11, raw_over = 0;
	uint64_t raw_prev = 0;

	memset(d->handle, 0x11, sizeof(d->handle));
	d->nr_online_vcpus = 2;
	d->runstate = XEN_STATS_DOMSTATE_full_run;
	d->nr_running_vcpus = 2;
	d->runnable_time = 1 * SEC;	/* some, long ago */
	d->runstate_time[XEN_STATS_DOMSTATE_concurrency_hazard] = 1 * SEC;
	for (uint32_t v = 0; v < 2; v++) {
		struct xen_stats_vcpu *slot = mem_table_vcpu(&t, v);

		slot->state = XEN_STATS_RUNSTATE_running;
		slot->flags = XEN_STATS_VCPUF_present |
			      XEN_STATS_VCPUF_online |
			      XEN_STATS_VCPUF_nonaffine;
	}
	sample_init(&s);
	ds_set_init(&set);
	for (int c = 0; c < 200; c++) {
		double ts = T0 + 5.0 * c;
		uint64_t now = ns(100.0 + 5.0 * c + jitter(&seed));
		struct stats_view v = domain_view(&t);

		sample_reset(&s);
		ck_assert_int_eq(table_sample_domain(&v, 7, now, &s),
				 STATS_OK);
		if (c > 0 && rrdd_rate((double)s.doms[0].runstate.time_ns[0] /
					       1e9, (double)raw_prev / 1e9, ts,
				       ts_prev) > 1.0)
			raw_over++;
		raw_prev = s.doms[0].runstate.time_ns[0];
		ck_assert_int_eq(derive_build(&s, ts, &set), 0);
		for (int k = 0; k < RUNSTATE_ROWS; k++) {
			double val = value_of(&set, runstate_names[k]);

			if (c > 0) {
				double r = rrdd_rate(val, prev[k], ts,
						     ts_prev);

				ck_assert_msg(r <= 1.0, "cycle %d %s: rate "
					      "%.17g", c, runstate_names[k], r);
			}
			prev[k] = val;
		}
		ts_prev = ts;
	}
	ck_assert_msg(raw_over > 50, "only %u raw rates above 1", raw_over);
	/* busy throughout: full_run near 1, running (nonaffine) too */
	ck_assert(prev[0] > 990.0 && prev[8] > 990.0);
	ds_set_free(&set);
	sample_free(&s);
	mem_table_free(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("derive");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, vcpu_seconds_masks_update_flag);
	tcase_add_test(tc, cpu_usage_divides_by_online_vcpus);
	tcase_add_test(tc, hidden_domains);
	tcase_add_test(tc, full_set_values);
	tcase_add_test(tc, runstates_when_valid);
	tcase_add_test(tc, unknown_pcpus_publish_no_average);
	tcase_add_test(tc, many_domains_keep_pointers_valid);
	tcase_add_test(tc, reused_set_equals_fresh_after_layout_changes);
	tcase_add_test(tc, relayout_in_place_keeps_each_blocks_bounds);
	tcase_add_test(tc, same_layout_keeps_descriptions_updates_values);
	tcase_add_test(tc, busy_counters_never_exceed_one);
	tcase_add_test(tc, bounded_counter_catches_up);
	tcase_add_test(tc, bound_follows_domains_and_vcpus);
	tcase_add_test(tc, partly_busy_counters_unchanged);
	tcase_add_test(tc, table_aggregates_give_every_runstate_datasource);
	tcase_add_test(tc, table_zero_runnable_or_running_left_out);
	tcase_add_test(tc, older_table_leaves_runstates_out);
	tcase_add_test(tc, table_runstate_counters_bounded_by_wall_time);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
