/*
 * derive.c: sample -> datasource descriptions and values.
 *
 * A cycle first plans its layout (one block per run of datasources), then
 * either keeps the descriptions as they are (same layout as last cycle:
 * the usual case) or lays them out again, copying every block whose
 * layout did not change and describing only the others.  The values are
 * then written block by block.  No allocation happens while the layout
 * stays the same.
 */
#include "derive/derive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum block_kind { BLOCK_PCPUS, BLOCK_DOMAIN, BLOCK_HOST };

/* A template instantiated once for one index, with its own strings. */
struct ds_proto {
	struct rrdd_ds ds;
	struct ds_strings strs;
};

void ds_set_init(struct ds_set *set)
{
	memset(set, 0, sizeof(*set));
}

void ds_set_free(struct ds_set *set)
{
	for (int id = 0; id < DS_COUNT; id++) {
		for (unsigned i = 0; i < set->n_protos[id]; i++)
			free(set->protos[id][i]);
		free(set->protos[id]);
	}
	free(set->ds);
	free(set->values);
	free(set->blocks);
	free(set->plan);
	free(set->bounds);
	ds_set_init(set);
}

/* ---- values -------------------------------------------------------------- */

bool derive_domain_hidden(const char *uuid)
{
	return strncmp(uuid, "00000000-0000-0000", 18) == 0 ||
	       strncmp(uuid, "deadbeef-dead-beef", 18) == 0;
}

double derive_vcpu_seconds(uint64_t cpu_time_ns)
{
	return (double)(cpu_time_ns & SAMPLE_TIME_MASK) / 1e9;
}

/*
 * rrdp-cpu divides by the online count as is; a domain with none online
 * (mid-boot, all hot-unplugged) would give inf/NaN, which rrdd cannot
 * store, so treat it as one.
 */
double derive_cpu_usage(uint64_t dom_cpu_time_ns, unsigned nr_online_vcpus)
{
	unsigned n = nr_online_vcpus ? nr_online_vcpus : 1;

	return (double)(dom_cpu_time_ns & SAMPLE_TIME_MASK) / (1e9 * n);
}

unsigned derive_running_vcpus(const struct host_sample *sample)
{
	unsigned load = 0;

	for (size_t i = 0; i < sample->n_doms; i++) {
		const struct dom_sample *d = &sample->doms[i];

		if (derive_domain_hidden(d->uuid))
			continue;
		for (unsigned v = 0; v < d->nr_vcpus; v++)
			if (d->vcpus[v].online && !d->vcpus[v].blocked)
				load++;
	}
	return load;
}

unsigned derive_running_domains(const struct host_sample *sample)
{
	unsigned running = 0;

	for (size_t i = 0; i < sample->n_doms; i++)
		if (!derive_domain_hidden(sample->doms[i].uuid) &&
		    !sample->doms[i].paused)
			running++;
	return running;
}

static union rrdd_value fv(double f)
{
	union rrdd_value v = { .f = f };

	return v;
}

static union rrdd_value iv(int64_t i)
{
	union rrdd_value v = { .i = i };

	return v;
}

/*
 * The time counters published this cycle: the readings (Xen's running
 * time, extrapolated to "now" or taken at the hypercall) and the payload
 * timestamp (the wall clock mid-sampling) come from different clocks and
 * instants, so a fully busy vCPU's counter can advance a few ms more than
 * the timestamps do, and rrdd stores that rate above max as NaN.  No vCPU
 * runs (and no pCPU idles) longer than wall time, so each counter (max
 * 1 per second) is published at most dt past its last published value;
 * the lag this leaves is caught up as soon as the counter runs slower,
 * and stays bounded by the jitter.
 */
struct bound {
	struct ds_bound *last;	/* the block's entries in set->bounds */
	double dt;		/* timestamp advance since the last cycle */
};

/*
 * last + dt, lowered an ulp at a time until rrdd's own arithmetic,
 * (value - last) / dt, gives no more than 1: rounding the sum up would
 * otherwise leave the rate an ulp above max.
 */
static double rrdd_cap(double last, double dt)
{
	double cap = last + dt;

	while (cap > last && (cap - last) / dt > 1.0)
		cap = nextafter(cap, last);
	return cap;
}

/*
 * min(actual, last + dt) (every bounded datasource has max 1).  A value
 * below the rounded sum is less than dt past last, exactly, so only one
 * at or above it needs rrdd_cap.  A counter with no last value, or one
 * whose scale changed (cpu_usage's online vCPUs), is published as read.
 */
static inline double bounded(const struct bound *b, size_t k, double actual,
			     unsigned scale)
{
	struct ds_bound *last = &b->last[k];

	if (last->scale == scale && actual >= last->value + b->dt)
		actual = rrdd_cap(last->value, b->dt);
	last->value = actual;
	last->scale = scale;
	return actual;
}

/* The domain runstate aggregates, in Runstateinfo V2's order. */
static const enum ds_id runstate_ids[SAMPLE_RUNSTATES] = {
	DS_VM_RUNSTATE_FULLRUN, DS_VM_RUNSTATE_FULL_CONTENTION,
	DS_VM_RUNSTATE_CONCURRENCY_HAZARD, DS_VM_RUNSTATE_BLOCKED,
	DS_VM_RUNSTATE_PARTIAL_RUN, DS_VM_RUNSTATE_PARTIAL_CONTENTION,
};

/* Idle seconds: no pCPU idles longer than wall time. */
static void pcpu_values(const struct host_sample *s, union rrdd_value *v,
			const struct bound *bd)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < s->nr_pcpus; i++) {
		sum += s->pcpu_idle_ns[i];
		v[i] = fv(bounded(bd, i, (double)s->pcpu_idle_ns[i] / 1e9, 1));
	}
	v[s->nr_pcpus] = fv(bounded(bd, s->nr_pcpus,
				    (double)sum / s->nr_pcpus / 1e9, 1));
}

/*
 * cpu_usage is the domain's running seconds over its n online vCPUs,
 * which run at most n x dt: the value advances at most dt.  When n
 * changes the value's scale does (rrdd sees a jump whatever we do), so
 * the bound starts afresh.
 */
static double cpu_usage_value(const struct dom_sample *d,
			      const struct bound *bd, size_t k)
{
	unsigned n = d->nr_online_vcpus ? d->nr_online_vcpus : 1;

	return bounded(bd, k, derive_cpu_usage(d->cpu_time_ns, n), n);
}

static void domain_values(const struct ds_block *b, union rrdd_value *v,
			  const struct bound *bd)
{
	const struct dom_sample *d = b->dom;
	const uint64_t *t = d->runstate.time_ns;
	size_t k = 0;

	for (unsigned i = 0; i < d->nr_vcpus; i++, k++)
		v[k] = fv(bounded(bd, k,
				  derive_vcpu_seconds(d->vcpus[i].cpu_time_ns),
				  1));
	v[k] = fv(cpu_usage_value(d, bd, k));
	k++;
	if (!b->runstates)
		return;
	/* Times in disjoint domain states: each at most wall time. */
	for (int i = 0; i < SAMPLE_RUNSTATES; i++, k++)
		v[k] = fv(bounded(bd, k, (double)t[i] / 1e9, 1));
	v[k] = fv(bounded(bd, k, (double)(t[1] + t[2] + t[5]) / 1e9, 1));
	k++;
	/* Summed over vCPUs, so not bounded by wall time: as read. */
	if (b->runnable)
		v[k] = fv((double)d->runstate.runnable_ns / 1e9);
}

static void host_values(const struct host_sample *s, union rrdd_value *v)
{
	unsigned load = derive_running_vcpus(s);

	v[0] = fv(s->loadavg);
	v[1] = fv(s->nr_pcpus ? (double)load / s->nr_pcpus : 0.0);
	v[2] = iv(load);
	v[3] = iv(derive_running_domains(s));
}

static void fill_values(const struct host_sample *s, double timestamp,
			struct ds_set *set)
{
	/* A timestamp that went back bounds the counters to no advance. */
	double dt = timestamp > set->last_timestamp
			    ? timestamp - set->last_timestamp : 0.0;

	for (size_t i = 0; i < set->n_blocks; i++) {
		const struct ds_block *b = &set->blocks[i];
		union rrdd_value *v = set->values + b->start;
		struct bound bd = { set->bounds + b->start, dt };

		if (b->kind == BLOCK_PCPUS)
			pcpu_values(s, v, &bd);
		else if (b->kind == BLOCK_DOMAIN)
			domain_values(b, v, &bd);
		else
			host_values(s, v);
	}
	set->last_timestamp = timestamp;
}

/* ---- layout -------------------------------------------------------------- */

static int reserve_blocks(struct ds_set *set, size_t want)
{
	size_t cap = set->cap_blocks ? set->cap_blocks : 16;
	struct ds_block *p;

	if (want <= set->cap_blocks)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(set->blocks, cap * sizeof(*p));
	if (!p)
		return -1;
	set->blocks = p;
	p = realloc(set->plan, cap * sizeof(*p));
	if (!p)
		return -1;
	set->plan = p;
	set->cap_blocks = cap;
	return 0;
}

/* Append a block to the plan; its start follows the previous one's. */
static struct ds_block *plan_block(struct ds_set *set, enum block_kind kind,
				   unsigned nr, size_t count)
{
	struct ds_block *b = &set->plan[set->n_plan];
	size_t start = set->n_plan ? b[-1].start + b[-1].count : 0;

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->nr = nr;
	b->start = start;
	b->count = count;
	set->n_plan++;
	return b;
}

static void plan_domain(struct ds_set *set, const struct dom_sample *d)
{
	bool runstates = d->runstate.valid;
	/* rrdp-cpu omits runnable_vcpus while it is zero */
	bool runnable = runstates && d->runstate.runnable_ns != 0;
	size_t count = d->nr_vcpus + 1u +
		       (runstates ? SAMPLE_RUNSTATES + 1u + runnable : 0);
	struct ds_block *b = plan_block(set, BLOCK_DOMAIN, d->nr_vcpus, count);

	b->runstates = runstates;
	b->runnable = runnable;
	memcpy(b->uuid, d->uuid, sizeof(b->uuid));
	b->uuid[RRDD_UUID_LEN] = '\0';
	b->dom = d;
}

/* This cycle's layout into set->plan; returns its datasource count. */
static int plan(const struct host_sample *s, struct ds_set *set,
		size_t *n_ds)
{
	const struct ds_block *last;

	if (reserve_blocks(set, s->n_doms + 2) != 0)
		return -1;
	set->n_plan = 0;
	/* unknown pCPUs: nothing rather than a NaN average */
	if (s->nr_pcpus)
		plan_block(set, BLOCK_PCPUS, s->nr_pcpus, s->nr_pcpus + 1u);
	for (size_t i = 0; i < s->n_doms; i++)
		if (!derive_domain_hidden(s->doms[i].uuid))
			plan_domain(set, &s->doms[i]);
	last = plan_block(set, BLOCK_HOST, 0, 4);
	*n_ds = last->start + last->count;
	return 0;
}

/* Same datasources, in the same order (where they sit aside). */
static bool same_shape(const struct ds_block *a, const struct ds_block *b)
{
	return a->kind == b->kind && a->nr == b->nr &&
	       a->runstates == b->runstates && a->runnable == b->runnable &&
	       a->count == b->count && strcmp(a->uuid, b->uuid) == 0;
}

static bool same_layout(const struct ds_set *set)
{
	if (set->n_plan != set->n_blocks)
		return false;
	for (size_t i = 0; i < set->n_plan; i++)
		if (set->plan[i].start != set->blocks[i].start ||
		    !same_shape(&set->plan[i], &set->blocks[i]))
			return false;
	return true;
}

/* The description of template id for index n, made on first use. */
static const struct rrdd_ds *proto(struct ds_set *set, enum ds_id id,
				   unsigned n)
{
	if (n >= set->n_protos[id]) {
		unsigned want = n + 1 > 2 * set->n_protos[id]
					? n + 1 : 2 * set->n_protos[id];
		struct ds_proto **p = realloc(set->protos[id],
					      want * sizeof(struct ds_proto *));

		if (!p)
			return NULL;
		memset(p + set->n_protos[id], 0,
		       (want - set->n_protos[id]) * sizeof(struct ds_proto *));
		set->protos[id] = p;
		set->n_protos[id] = want;
	}
	if (!set->protos[id][n]) {
		/* Each on its own, so that descriptions may point into it
		 * while the table of them grows. */
		struct ds_proto *p = malloc(sizeof(*p));

		if (!p)
			return NULL;
		ds_instantiate(id, n, NULL, &p->ds, &p->strs);
		set->protos[id][n] = p;
	}
	return &set->protos[id][n]->ds;
}

/* What ds_instantiate(id, n, uuid) gives, without formatting anything. */
static int describe(struct ds_set *set, enum ds_id id, unsigned n,
		    const char *uuid, struct rrdd_ds *out)
{
	const struct rrdd_ds *p = proto(set, id, n);

	if (!p)
		return -1;
	*out = *p;
	if (uuid)
		strncpy(out->owner_uuid, uuid, RRDD_UUID_LEN);
	return 0;
}

static int describe_pcpus(struct ds_set *set, const struct ds_block *b,
			  struct rrdd_ds *out)
{
	for (unsigned i = 0; i < b->nr; i++)
		if (describe(set, DS_HOST_CPU_N, i, NULL, &out[i]) != 0)
			return -1;
	return describe(set, DS_HOST_CPU_AVG, 0, NULL, &out[b->nr]);
}

static int describe_domain(struct ds_set *set, const struct ds_block *b,
			   struct rrdd_ds *out)
{
	size_t k = 0;
	int rc = 0;

	for (unsigned i = 0; i < b->nr; i++)
		rc |= describe(set, DS_VM_CPU_N, i, b->uuid, &out[k++]);
	rc |= describe(set, DS_VM_CPU_USAGE, 0, b->uuid, &out[k++]);
	if (!b->runstates)
		return rc;
	for (int i = 0; i < SAMPLE_RUNSTATES; i++)
		rc |= describe(set, runstate_ids[i], 0, b->uuid, &out[k++]);
	rc |= describe(set, DS_VM_RUNNABLE_ANY, 0, b->uuid, &out[k++]);
	if (b->runnable)
		rc |= describe(set, DS_VM_RUNNABLE_VCPUS, 0, b->uuid, &out[k]);
	return rc;
}

static int describe_host(struct ds_set *set, struct rrdd_ds *out)
{
	static const enum ds_id ids[] = {
		DS_HOST_LOADAVG, DS_HOST_HOSTLOAD, DS_HOST_RUNNING_VCPUS,
		DS_HOST_RUNNING_DOMAINS,
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		rc |= describe(set, ids[i], 0, NULL, &out[i]);
	return rc;
}

static int describe_block(struct ds_set *set, const struct ds_block *b,
			  struct rrdd_ds *out)
{
	if (b->kind == BLOCK_PCPUS)
		return describe_pcpus(set, b, out);
	if (b->kind == BLOCK_DOMAIN)
		return describe_domain(set, b, out);
	return describe_host(set, out);
}

/*
 * The last layout's block for the same pCPUs / domain / host as b, if
 * any.  Blocks keep their order from cycle to cycle (domains are listed
 * by domid), so the search goes on from where the previous one stopped
 * and is linear over a whole layout.
 */
static const struct ds_block *previous(const struct ds_set *set,
				       const struct ds_block *b,
				       size_t *cursor)
{
	for (size_t i = *cursor; i < set->n_blocks; i++) {
		const struct ds_block *old = &set->blocks[i];

		if (old->kind != b->kind || strcmp(old->uuid, b->uuid) != 0)
			continue;
		*cursor = i + 1;
		return old;
	}
	return NULL;
}

/*
 * The bounds a re-shaped block keeps: the vCPUs or pCPUs both layouts
 * have and a domain's cpu_usage and runstates.  cpu_avg is a mean over
 * other pCPUs now, so it starts unbounded.
 */
static void carry_bounds(const struct ds_bound *from,
			 const struct ds_block *old, const struct ds_block *b,
			 struct ds_bound *to)
{
	unsigned nr = old->nr < b->nr ? old->nr : b->nr;

	memcpy(to, from, nr * sizeof(*to));
	if (b->kind != BLOCK_DOMAIN)
		return;
	to[b->nr] = from[old->nr];
	if (old->runstates && b->runstates)
		memcpy(to + b->nr + 1, from + old->nr + 1,
		       (SAMPLE_RUNSTATES + 1) * sizeof(*to));
}

/* Descriptions and bounds of block b in the new arrays. */
static int lay_block(struct ds_set *set, const struct ds_block *b,
		     const struct ds_block *old, struct rrdd_ds *ds,
		     struct ds_bound *bounds)
{
	memset(bounds + b->start, 0, b->count * sizeof(*bounds));
	if (old && same_shape(old, b)) {
		memcpy(ds + b->start, set->ds + old->start,
		       b->count * sizeof(*ds));
		memcpy(bounds + b->start, set->bounds + old->start,
		       b->count * sizeof(*bounds));
		return 0;
	}
	if (old)
		carry_bounds(set->bounds + old->start, old, b,
			     bounds + b->start);
	return describe_block(set, b, ds + b->start);
}

/* New arrays for the planned layout; unchanged blocks are copied. */
static int relayout(struct ds_set *set, size_t n)
{
	struct rrdd_ds *ds = malloc((n ? n : 1) * sizeof(*ds));
	union rrdd_value *values = malloc((n ? n : 1) * sizeof(*values));
	struct ds_bound *bounds = malloc((n ? n : 1) * sizeof(*bounds));
	size_t cursor = 0;

	if (!ds || !values || !bounds)
		goto fail;
	for (size_t i = 0; i < set->n_plan; i++) {
		const struct ds_block *b = &set->plan[i];

		if (lay_block(set, b, previous(set, b, &cursor), ds,
			      bounds) != 0)
			goto fail;
	}
	free(set->ds);
	free(set->values);
	free(set->bounds);
	set->ds = ds;
	set->values = values;
	set->bounds = bounds;
	set->n = n;
	set->generation++;
	return 0;
fail:
	free(ds);
	free(values);
	free(bounds);
	return -1;
}

/* The plan becomes the layout (the old one is scratch for next time). */
static void adopt_plan(struct ds_set *set)
{
	struct ds_block *old = set->blocks;

	set->blocks = set->plan;
	set->n_blocks = set->n_plan;
	set->plan = old;
	set->n_plan = 0;
}

int derive_build(const struct host_sample *sample, double timestamp,
		 struct ds_set *set)
{
	size_t n;

	if (plan(sample, set, &n) != 0)
		goto fail;
	if (!same_layout(set) && relayout(set, n) != 0)
		goto fail;
	adopt_plan(set);
	fill_values(sample, timestamp, set);
	return 0;
fail:
	/* Empty, and no layout to compare with: the next call starts over. */
	set->n = 0;
	set->n_blocks = 0;
	set->generation++;
	return -1;
}
