/*
 * datasources.h: the one table of every datasource this plugin publishes,
 * with the names, owners, types, units, ranges, defaults, transforms and
 * descriptions of xcp-rrdd's CPU plugin (rrdp-cpu), which it replaces.
 * docs/datasources.md lists the same table; a unit test compares them.
 */
#ifndef PLUGIN_DATASOURCES_H
#define PLUGIN_DATASOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "rrdd_protocol.h"

enum ds_id {
	DS_VM_CPU_N,
	DS_VM_CPU_USAGE,
	DS_VM_RUNSTATE_FULLRUN,
	DS_VM_RUNSTATE_FULL_CONTENTION,
	DS_VM_RUNSTATE_CONCURRENCY_HAZARD,
	DS_VM_RUNSTATE_BLOCKED,
	DS_VM_RUNSTATE_PARTIAL_RUN,
	DS_VM_RUNSTATE_PARTIAL_CONTENTION,
	DS_VM_RUNNABLE_ANY,
	DS_VM_RUNNABLE_VCPUS,
	DS_HOST_CPU_N,
	DS_HOST_CPU_AVG,
	DS_HOST_LOADAVG,
	DS_HOST_HOSTLOAD,
	DS_HOST_RUNNING_VCPUS,
	DS_HOST_RUNNING_DOMAINS,
	DS_COUNT
};

/*
 * One datasource, or one family (cpu<N>): in name and description, "<N>"
 * stands for the vCPU or pCPU number.
 */
struct ds_template {
	enum ds_id id;
	const char *name;
	enum rrdd_owner_kind owner;	/* HOST, or VM (uuid per domain) */
	const char *description;
	enum rrdd_value_type value_type;
	enum rrdd_ds_type type;
	bool is_default;
	const char *units;
	double min;			/* -INFINITY: unbounded */
	double max;			/* INFINITY: unbounded */
	enum rrdd_transform transform;
	const char *when;		/* when it is published (for the doc) */
};

/* The whole table, indexed by enum ds_id. */
const struct ds_template *ds_table(void);

#define DS_NAME_MAX 48
#define DS_DESC_MAX 96

/* Storage for one instantiated datasource's strings. */
struct ds_strings {
	char name[DS_NAME_MAX];
	char description[DS_DESC_MAX];
};

/*
 * Fill *ds and *strs from template id for index n (used by "<N>"
 * families) and owner uuid (VM templates; NULL for the host).  ds->name
 * and ds->description point into *strs.
 */
void ds_instantiate(enum ds_id id, unsigned n, const char *owner_uuid,
		    struct rrdd_ds *ds, struct ds_strings *strs);

#endif
