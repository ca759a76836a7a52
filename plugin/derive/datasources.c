/*
 * datasources.c: THE datasource table.  Names, descriptions and metadata
 * follow xen-api's rrdp-cpu (ocaml/xcp-rrdd/bin/rrdp-cpu) byte for byte so
 * that XAPI's RRDs and Xen Orchestra's graphs see exactly what they see
 * today.  Change a row here and in docs/datasources.md together:
 * test-datasources compares the two.
 */
#include "derive/datasources.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "derive/derive.h"

#define FRACTION "(fraction)"

/* ---- presence ------------------------------------------------------------ */

static bool has_runstates(const struct ds_input *in)
{
	return in->dom->runstate.valid;
}

/* rrdp-cpu leaves runnable_vcpus out while it is zero. */
static bool has_runnable(const struct ds_input *in)
{
	return in->dom->runstate.valid && in->dom->runstate.runnable_ns != 0;
}

/* ... and numa_node_nonaffine_vcpus while the running time is zero. */
static bool has_nonaffine(const struct ds_input *in)
{
	const struct dom_runstate *r = &in->dom->runstate;

	return r->valid && r->has_nonaffine && r->running_ns != 0;
}

/* ---- values (ns / 1e9, as rrdp-cpu) -------------------------------------- */

static double ns(uint64_t t)
{
	return (double)t / 1e9;
}

static void vm_cpu_n(const struct ds_input *in, unsigned nr,
		     union rrdd_value *out)
{
	const struct vcpu_sample *v = in->dom->vcpus;

	for (unsigned n = 0; n < nr; n++)
		out[n].f = derive_vcpu_seconds(v[n].cpu_time_ns);
}

static double vm_cpu_usage(const struct ds_input *in)
{
	return derive_cpu_usage(in->dom->cpu_time_ns, in->dom->nr_online_vcpus);
}

#define RUNSTATE_VALUE(fn, k)                                      \
	static double fn(const struct ds_input *in)                \
	{                                                          \
		return ns(in->dom->runstate.time_ns[k]);           \
	}
RUNSTATE_VALUE(vm_fullrun, 0)
RUNSTATE_VALUE(vm_full_contention, 1)
RUNSTATE_VALUE(vm_concurrency_hazard, 2)
RUNSTATE_VALUE(vm_blocked, 3)
RUNSTATE_VALUE(vm_partial_run, 4)
RUNSTATE_VALUE(vm_partial_contention, 5)

/* The states with a runnable vCPU: full_contention, concurrency_hazard,
 * partial_contention, summed in integers first as rrdp-cpu does. */
static double vm_runnable_any(const struct ds_input *in)
{
	const uint64_t *t = in->dom->runstate.time_ns;

	return ns(t[1] + t[2] + t[5]);
}

static double vm_runnable_vcpus(const struct ds_input *in)
{
	return ns(in->dom->runstate.runnable_ns);
}

static double vm_nonaffine(const struct ds_input *in)
{
	return ns(in->dom->runstate.nonaffine_ns);
}

static void host_cpu_n(const struct ds_input *in, unsigned nr,
		       union rrdd_value *out)
{
	for (unsigned n = 0; n < nr; n++)
		out[n].f = ns(in->host->pcpu_idle_ns[n]);
}

static double host_cpu_avg(const struct ds_input *in)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < in->host->nr_pcpus; i++)
		sum += in->host->pcpu_idle_ns[i];
	return (double)sum / in->host->nr_pcpus / 1e9;
}

static double host_loadavg(const struct ds_input *in)
{
	return in->host->loadavg;
}

static double host_hostload(const struct ds_input *in)
{
	return in->host->nr_pcpus
		       ? (double)in->running_vcpus / in->host->nr_pcpus : 0.0;
}

static double host_running_vcpus(const struct ds_input *in)
{
	return in->running_vcpus;
}

static double host_running_domains(const struct ds_input *in)
{
	return derive_running_domains(in->host);
}

/* ---- the table ----------------------------------------------------------- */

/* A VM fraction of time: derive over ns/1e9, off by default, at most one
 * second per second. */
#define VM_FRACTION(ident, nm, desc, when_, present_, value_)              \
	[ident] = { ident, nm, RRDD_OWNER_VM, desc, RRDD_VALUE_FLOAT,      \
		    RRDD_DERIVE, false, FRACTION, 0.0, 1.0, RRDD_IDENTITY, \
		    when_, DS_BLOCK_DOMAIN, false, DS_BOUND_WALL, present_, \
		    value_, NULL }
#define RUNSTATE(ident, nm, desc, value_)                      \
	VM_FRACTION(ident, nm, desc, "domain runstates available", \
		    has_runstates, value_)

/* A host gauge, as read. */
#define HOST_GAUGE(ident, nm, desc, vtype, units_, min_, max_, value_)     \
	[ident] = { ident, nm, RRDD_OWNER_HOST, desc, vtype, RRDD_GAUGE,   \
		    true, units_, min_, max_, RRDD_IDENTITY, "always",     \
		    DS_BLOCK_HOST, false, DS_BOUND_NONE, NULL, value_, NULL }

static const struct ds_template table[DS_COUNT] = {
	[DS_VM_CPU_N] = { DS_VM_CPU_N, "cpu<N>", RRDD_OWNER_VM,
		"CPU<N> usage", RRDD_VALUE_FLOAT, RRDD_DERIVE, true, FRACTION,
		0.0, 1.0, RRDD_IDENTITY, "every vCPU 0..max_vcpu_id",
		DS_BLOCK_DOMAIN, true, DS_BOUND_WALL, NULL, NULL, vm_cpu_n },
	[DS_VM_CPU_USAGE] = { DS_VM_CPU_USAGE, "cpu_usage", RRDD_OWNER_VM,
		"Domain CPU usage", RRDD_VALUE_FLOAT, RRDD_DERIVE, true,
		FRACTION, 0.0, 1.0, RRDD_IDENTITY, "always",
		DS_BLOCK_DOMAIN, false, DS_BOUND_WALL_ONLINE, NULL,
		vm_cpu_usage, NULL },
	RUNSTATE(DS_VM_RUNSTATE_FULLRUN, "runstate_fullrun",
		 "Fraction of time that all vCPUs are running", vm_fullrun),
	RUNSTATE(DS_VM_RUNSTATE_FULL_CONTENTION, "runstate_full_contention",
		 "Fraction of time that all vCPUs are runnable (i.e., "
		 "waiting for CPU)", vm_full_contention),
	RUNSTATE(DS_VM_RUNSTATE_CONCURRENCY_HAZARD,
		 "runstate_concurrency_hazard",
		 "Fraction of time that some vCPUs are running and some are "
		 "runnable", vm_concurrency_hazard),
	RUNSTATE(DS_VM_RUNSTATE_BLOCKED, "runstate_blocked",
		 "Fraction of time that all vCPUs are blocked or offline",
		 vm_blocked),
	RUNSTATE(DS_VM_RUNSTATE_PARTIAL_RUN, "runstate_partial_run",
		 "Fraction of time that some vCPUs are running and some are "
		 "blocked", vm_partial_run),
	RUNSTATE(DS_VM_RUNSTATE_PARTIAL_CONTENTION,
		 "runstate_partial_contention",
		 "Fraction of time that some vCPUs are runnable and some are "
		 "blocked", vm_partial_contention),
	RUNSTATE(DS_VM_RUNNABLE_ANY, "runnable_any",
		 "Fraction of time that at least one vCPU is runnable in the "
		 "domain", vm_runnable_any),
	VM_FRACTION(DS_VM_RUNNABLE_VCPUS, "runnable_vcpus",
		    "Fraction of time that vCPUs of the domain are runnable",
		    "domain runstates available, runnable time > 0",
		    has_runnable, vm_runnable_vcpus),
	VM_FRACTION(DS_VM_NUMA_NODE_NONAFFINE_VCPUS,
		    "numa_node_nonaffine_vcpus",
		    "Fraction of vCPU time running outside of vCPU "
		    "soft-affinity",
		    "domain runstates available, running time > 0",
		    has_nonaffine, vm_nonaffine),
	[DS_HOST_CPU_N] = { DS_HOST_CPU_N, "cpu<N>", RRDD_OWNER_HOST,
		"Physical cpu usage for cpu <N>", RRDD_VALUE_FLOAT, RRDD_DERIVE,
		true, FRACTION, 0.0, 1.0, RRDD_INVERSE, "every pCPU",
		DS_BLOCK_PCPUS, true, DS_BOUND_WALL, NULL, NULL, host_cpu_n },
	[DS_HOST_CPU_AVG] = { DS_HOST_CPU_AVG, "cpu_avg", RRDD_OWNER_HOST,
		"Average physical cpu usage", RRDD_VALUE_FLOAT, RRDD_DERIVE,
		true, FRACTION, 0.0, 1.0, RRDD_INVERSE, "always",
		DS_BLOCK_PCPUS, false, DS_BOUND_WALL_MEAN, NULL,
		host_cpu_avg, NULL },
	HOST_GAUGE(DS_HOST_LOADAVG, "loadavg", "Domain0 loadavg",
		   RRDD_VALUE_FLOAT, FRACTION, -INFINITY, INFINITY,
		   host_loadavg),
	HOST_GAUGE(DS_HOST_HOSTLOAD, "hostload",
		   "Host load per physical cpu, where load refers to the "
		   "number of vCPU(s) in running or runnable status.",
		   RRDD_VALUE_FLOAT, FRACTION, 0.0, INFINITY, host_hostload),
	HOST_GAUGE(DS_HOST_RUNNING_VCPUS, "running_vcpus",
		   "The total number of running vCPUs per host",
		   RRDD_VALUE_INT64, "count", 0.0, INFINITY,
		   host_running_vcpus),
	HOST_GAUGE(DS_HOST_RUNNING_DOMAINS, "running_domains",
		   "The total number of running domains per host",
		   RRDD_VALUE_INT64, "count", 0.0, INFINITY,
		   host_running_domains),
};

const struct ds_template *ds_table(void)
{
	return table;
}

/* Copy pattern into out, replacing "<N>" by n. */
static void expand(const char *pattern, unsigned n, char *out, size_t len)
{
	const char *at = strstr(pattern, "<N>");

	if (!at) {
		snprintf(out, len, "%s", pattern);
		return;
	}
	snprintf(out, len, "%.*s%u%s", (int)(at - pattern), pattern, n, at + 3);
}

void ds_instantiate(enum ds_id id, unsigned n, const char *owner_uuid,
		    struct rrdd_ds *ds, struct ds_strings *strs)
{
	const struct ds_template *t = &table[id];

	expand(t->name, n, strs->name, sizeof(strs->name));
	expand(t->description, n, strs->description,
	       sizeof(strs->description));
	memset(ds, 0, sizeof(*ds));
	ds->name = strs->name;
	ds->description = strs->description;
	ds->owner = t->owner;
	if (t->owner != RRDD_OWNER_HOST && owner_uuid)
		snprintf(ds->owner_uuid, sizeof(ds->owner_uuid), "%s",
			 owner_uuid);
	ds->value_type = t->value_type;
	ds->type = t->type;
	ds->is_default = t->is_default;
	ds->units = t->units;
	ds->min = t->min;
	ds->max = t->max;
	ds->transform = t->transform;
}
