/* derive.c: sample -> datasource descriptions and values. */
#include "derive.h"

#include <stdlib.h>
#include <string.h>

void ds_set_init(struct ds_set *set)
{
	memset(set, 0, sizeof(*set));
}

void ds_set_free(struct ds_set *set)
{
	free(set->ds);
	free(set->values);
	free(set->strs);
	free(set->ids);
	ds_set_init(set);
}

/* Grow every array to hold at least want entries. */
static int reserve(struct ds_set *set, size_t want)
{
	size_t cap = set->cap ? set->cap : 64;
	void *p;

	if (want <= set->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(set->ds, cap * sizeof(*set->ds));
	if (!p)
		return -1;
	set->ds = p;
	p = realloc(set->values, cap * sizeof(*set->values));
	if (!p)
		return -1;
	set->values = p;
	p = realloc(set->strs, cap * sizeof(*set->strs));
	if (!p)
		return -1;
	set->strs = p;
	p = realloc(set->ids, cap * sizeof(*set->ids));
	if (!p)
		return -1;
	set->ids = p;
	set->cap = cap;
	return 0;
}

static int add(struct ds_set *set, enum ds_id id, unsigned n,
	       const char *uuid, union rrdd_value value)
{
	if (reserve(set, set->n + 1) != 0)
		return -1;
	ds_instantiate(id, n, uuid, &set->ds[set->n], &set->strs[set->n]);
	set->values[set->n] = value;
	set->ids[set->n] = id;
	set->n++;
	return 0;
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

static int add_pcpus(const struct host_sample *s, struct ds_set *set)
{
	uint64_t sum = 0;

	if (s->nr_pcpus == 0)
		return 0;	/* unknown: nothing rather than a NaN average */
	for (unsigned i = 0; i < s->nr_pcpus; i++) {
		sum += s->pcpu_idle_ns[i];
		if (add(set, DS_HOST_CPU_N, i, NULL,
			fv((double)s->pcpu_idle_ns[i] / 1e9)) != 0)
			return -1;
	}
	return add(set, DS_HOST_CPU_AVG, 0, NULL,
		   fv((double)sum / s->nr_pcpus / 1e9));
}

static int add_runstates(const struct dom_sample *d, struct ds_set *set)
{
	static const enum ds_id ids[SAMPLE_RUNSTATES] = {
		DS_VM_RUNSTATE_FULLRUN, DS_VM_RUNSTATE_FULL_CONTENTION,
		DS_VM_RUNSTATE_CONCURRENCY_HAZARD, DS_VM_RUNSTATE_BLOCKED,
		DS_VM_RUNSTATE_PARTIAL_RUN, DS_VM_RUNSTATE_PARTIAL_CONTENTION,
	};
	const uint64_t *t = d->runstate.time_ns;

	if (!d->runstate.valid)
		return 0;
	for (int i = 0; i < SAMPLE_RUNSTATES; i++)
		if (add(set, ids[i], 0, d->uuid, fv((double)t[i] / 1e9)) != 0)
			return -1;
	if (add(set, DS_VM_RUNNABLE_ANY, 0, d->uuid,
		fv((double)(t[1] + t[2] + t[5]) / 1e9)) != 0)
		return -1;
	if (d->runstate.runnable_ns == 0)
		return 0;	/* rrdp-cpu omits it while zero */
	return add(set, DS_VM_RUNNABLE_VCPUS, 0, d->uuid,
		   fv((double)d->runstate.runnable_ns / 1e9));
}

static int add_domain(const struct dom_sample *d, struct ds_set *set)
{
	for (unsigned v = 0; v < d->nr_vcpus; v++)
		if (add(set, DS_VM_CPU_N, v, d->uuid,
			fv(derive_vcpu_seconds(d->vcpus[v].cpu_time_ns))) != 0)
			return -1;
	if (add(set, DS_VM_CPU_USAGE, 0, d->uuid,
		fv(derive_cpu_usage(d->cpu_time_ns, d->nr_online_vcpus))) != 0)
		return -1;
	return add_runstates(d, set);
}

static int add_host(const struct host_sample *s, struct ds_set *set)
{
	unsigned load = derive_running_vcpus(s);
	double per_cpu = s->nr_pcpus ? (double)load / s->nr_pcpus : 0.0;

	if (add(set, DS_HOST_LOADAVG, 0, NULL, fv(s->loadavg)) != 0 ||
	    add(set, DS_HOST_HOSTLOAD, 0, NULL, fv(per_cpu)) != 0 ||
	    add(set, DS_HOST_RUNNING_VCPUS, 0, NULL, iv(load)) != 0)
		return -1;
	return add(set, DS_HOST_RUNNING_DOMAINS, 0, NULL,
		   iv(derive_running_domains(s)));
}

/* Point every description's strings at their (possibly moved) storage. */
static void fix_pointers(struct ds_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		set->ds[i].name = set->strs[i].name;
		set->ds[i].description = set->strs[i].description;
	}
}

int derive_build(const struct host_sample *sample, struct ds_set *set)
{
	set->n = 0;
	if (add_pcpus(sample, set) != 0)
		goto fail;
	for (size_t i = 0; i < sample->n_doms; i++)
		if (!derive_domain_hidden(sample->doms[i].uuid) &&
		    add_domain(&sample->doms[i], set) != 0)
			goto fail;
	if (add_host(sample, set) != 0)
		goto fail;
	fix_pointers(set);
	return 0;
fail:
	set->n = 0;
	return -1;
}
