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
#include "derive.h"

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

/* The domain runstate aggregates, in Runstateinfo V2's order. */
static const enum ds_id runstate_ids[SAMPLE_RUNSTATES] = {
	DS_VM_RUNSTATE_FULLRUN, DS_VM_RUNSTATE_FULL_CONTENTION,
	DS_VM_RUNSTATE_CONCURRENCY_HAZARD, DS_VM_RUNSTATE_BLOCKED,
	DS_VM_RUNSTATE_PARTIAL_RUN, DS_VM_RUNSTATE_PARTIAL_CONTENTION,
};

static void pcpu_values(const struct host_sample *s, union rrdd_value *v)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < s->nr_pcpus; i++) {
		sum += s->pcpu_idle_ns[i];
		v[i] = fv((double)s->pcpu_idle_ns[i] / 1e9);
	}
	v[s->nr_pcpus] = fv((double)sum / s->nr_pcpus / 1e9);
}

static void domain_values(const struct ds_block *b, union rrdd_value *v)
{
	const struct dom_sample *d = b->dom;
	const uint64_t *t = d->runstate.time_ns;
	size_t k = 0;

	for (unsigned i = 0; i < d->nr_vcpus; i++)
		v[k++] = fv(derive_vcpu_seconds(d->vcpus[i].cpu_time_ns));
	v[k++] = fv(derive_cpu_usage(d->cpu_time_ns, d->nr_online_vcpus));
	if (!b->runstates)
		return;
	for (int i = 0; i < SAMPLE_RUNSTATES; i++)
		v[k++] = fv((double)t[i] / 1e9);
	v[k++] = fv((double)(t[1] + t[2] + t[5]) / 1e9);
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

static void fill_values(const struct host_sample *s, struct ds_set *set)
{
	for (size_t i = 0; i < set->n_blocks; i++) {
		const struct ds_block *b = &set->blocks[i];
		union rrdd_value *v = set->values + b->start;

		if (b->kind == BLOCK_PCPUS)
			pcpu_values(s, v);
		else if (b->kind == BLOCK_DOMAIN)
			domain_values(b, v);
		else
			host_values(s, v);
	}
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
 * The last layout's block for the same pCPUs / domain / host as b, if it
 * has the same shape.  Blocks keep their order from cycle to cycle
 * (domains are listed by domid), so the search goes on from where the
 * previous one stopped and is linear over a whole layout.
 */
static const struct ds_block *reusable(const struct ds_set *set,
				       const struct ds_block *b,
				       size_t *cursor)
{
	for (size_t i = *cursor; i < set->n_blocks; i++) {
		const struct ds_block *old = &set->blocks[i];

		if (old->kind != b->kind || strcmp(old->uuid, b->uuid) != 0)
			continue;
		*cursor = i + 1;
		return same_shape(old, b) ? old : NULL;
	}
	return NULL;
}

/* New arrays for the planned layout; unchanged blocks are copied. */
static int relayout(struct ds_set *set, size_t n)
{
	struct rrdd_ds *ds = malloc((n ? n : 1) * sizeof(*ds));
	union rrdd_value *values = malloc((n ? n : 1) * sizeof(*values));
	size_t cursor = 0;

	if (!ds || !values)
		goto fail;
	for (size_t i = 0; i < set->n_plan; i++) {
		const struct ds_block *b = &set->plan[i];
		const struct ds_block *old = reusable(set, b, &cursor);

		if (old)
			memcpy(ds + b->start, set->ds + old->start,
			       b->count * sizeof(*ds));
		else if (describe_block(set, b, ds + b->start) != 0)
			goto fail;
	}
	free(set->ds);
	free(set->values);
	set->ds = ds;
	set->values = values;
	set->n = n;
	set->generation++;
	return 0;
fail:
	free(ds);
	free(values);
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

int derive_build(const struct host_sample *sample, struct ds_set *set)
{
	size_t n;

	if (plan(sample, set, &n) != 0)
		goto fail;
	if (!same_layout(set) && relayout(set, n) != 0)
		goto fail;
	adopt_plan(set);
	fill_values(sample, set);
	return 0;
fail:
	/* Empty, and no layout to compare with: the next call starts over. */
	set->n = 0;
	set->n_blocks = 0;
	set->generation++;
	return -1;
}
