/*
 * datasources.c: THE datasource table.  Values follow xen-api's rrdp-cpu
 * (ocaml/xcp-rrdd/bin/rrdp-cpu) so that XAPI's RRDs and Xen Orchestra's
 * graphs see exactly what they see today.  Change a row here and in
 * docs/datasources.md together: test-datasources compares the two.
 */
#include "derive/datasources.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FRACTION "(fraction)"

/* A VM runstate aggregate: derive over ns/1e9, off by default. */
#define RUNSTATE(ident, nm, desc)                                          \
	[ident] = { ident, nm, RRDD_OWNER_VM, desc, RRDD_VALUE_FLOAT,      \
		    RRDD_DERIVE, false, FRACTION, 0.0, 1.0, RRDD_IDENTITY, \
		    "domain runstates available" }

static const struct ds_template table[DS_COUNT] = {
	[DS_VM_CPU_N] = { DS_VM_CPU_N, "cpu<N>", RRDD_OWNER_VM,
		"CPU<N> usage", RRDD_VALUE_FLOAT, RRDD_DERIVE, true, FRACTION,
		0.0, 1.0, RRDD_IDENTITY, "every vCPU 0..max_vcpu_id" },
	[DS_VM_CPU_USAGE] = { DS_VM_CPU_USAGE, "cpu_usage", RRDD_OWNER_VM,
		"Domain CPU usage", RRDD_VALUE_FLOAT, RRDD_DERIVE, true,
		FRACTION, 0.0, 1.0, RRDD_IDENTITY, "always" },
	RUNSTATE(DS_VM_RUNSTATE_FULLRUN, "runstate_fullrun",
		 "Fraction of time that all vCPUs are running"),
	RUNSTATE(DS_VM_RUNSTATE_FULL_CONTENTION, "runstate_full_contention",
		 "Fraction of time that all vCPUs are runnable (i.e., "
		 "waiting for CPU)"),
	RUNSTATE(DS_VM_RUNSTATE_CONCURRENCY_HAZARD,
		 "runstate_concurrency_hazard",
		 "Fraction of time that some vCPUs are running and some are "
		 "runnable"),
	RUNSTATE(DS_VM_RUNSTATE_BLOCKED, "runstate_blocked",
		 "Fraction of time that all vCPUs are blocked or offline"),
	RUNSTATE(DS_VM_RUNSTATE_PARTIAL_RUN, "runstate_partial_run",
		 "Fraction of time that some vCPUs are running and some are "
		 "blocked"),
	RUNSTATE(DS_VM_RUNSTATE_PARTIAL_CONTENTION,
		 "runstate_partial_contention",
		 "Fraction of time that some vCPUs are runnable and some are "
		 "blocked"),
	RUNSTATE(DS_VM_RUNNABLE_ANY, "runnable_any",
		 "Fraction of time that at least one vCPU is runnable in the "
		 "domain"),
	[DS_VM_RUNNABLE_VCPUS] = { DS_VM_RUNNABLE_VCPUS, "runnable_vcpus",
		RRDD_OWNER_VM,
		"Fraction of time that vCPUs of the domain are runnable",
		RRDD_VALUE_FLOAT, RRDD_DERIVE, false, FRACTION, 0.0, 1.0,
		RRDD_IDENTITY, "domain runstates available, runnable time > 0" },
	[DS_HOST_CPU_N] = { DS_HOST_CPU_N, "cpu<N>", RRDD_OWNER_HOST,
		"Physical cpu usage for cpu <N>", RRDD_VALUE_FLOAT, RRDD_DERIVE,
		true, FRACTION, 0.0, 1.0, RRDD_INVERSE, "every pCPU" },
	[DS_HOST_CPU_AVG] = { DS_HOST_CPU_AVG, "cpu_avg", RRDD_OWNER_HOST,
		"Average physical cpu usage", RRDD_VALUE_FLOAT, RRDD_DERIVE,
		true, FRACTION, 0.0, 1.0, RRDD_INVERSE, "always" },
	[DS_HOST_LOADAVG] = { DS_HOST_LOADAVG, "loadavg", RRDD_OWNER_HOST,
		"Domain0 loadavg", RRDD_VALUE_FLOAT, RRDD_GAUGE, true,
		FRACTION, -INFINITY, INFINITY, RRDD_IDENTITY, "always" },
	[DS_HOST_HOSTLOAD] = { DS_HOST_HOSTLOAD, "hostload", RRDD_OWNER_HOST,
		"Host load per physical cpu, where load refers to the number "
		"of vCPU(s) in running or runnable status.", RRDD_VALUE_FLOAT,
		RRDD_GAUGE, true, FRACTION, 0.0, INFINITY, RRDD_IDENTITY,
		"always" },
	[DS_HOST_RUNNING_VCPUS] = { DS_HOST_RUNNING_VCPUS, "running_vcpus",
		RRDD_OWNER_HOST, "The total number of running vCPUs per host",
		RRDD_VALUE_INT64, RRDD_GAUGE, true, "count", 0.0, INFINITY,
		RRDD_IDENTITY, "always" },
	[DS_HOST_RUNNING_DOMAINS] = { DS_HOST_RUNNING_DOMAINS,
		"running_domains", RRDD_OWNER_HOST,
		"The total number of running domains per host",
		RRDD_VALUE_INT64, RRDD_GAUGE, true, "count", 0.0, INFINITY,
		RRDD_IDENTITY, "always" },
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
