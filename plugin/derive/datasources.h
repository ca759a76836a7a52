/*
 * datasources.h: the one table of every datasource this plugin publishes,
 * with the names, owners, types, units, ranges, defaults, transforms and
 * descriptions of xcp-rrdd's CPU plugin (rrdp-cpu), which it replaces.
 *
 * Each row also says which block of the payload it belongs to (the pCPUs,
 * one domain, the host), when it is present, how its value is computed
 * from the cycle's sample and whether it is bounded by wall time.  A
 * block's datasources are its rows in table order ("<N>" rows once per
 * vCPU or pCPU), so adding a datasource is adding a row here and in
 * docs/datasources.md (a unit test compares the two), nothing else.
 */
#ifndef PLUGIN_DATASOURCES_H
#define PLUGIN_DATASOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "input/sample.h"
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
	DS_VM_NUMA_NODE_NONAFFINE_VCPUS,
	DS_HOST_CPU_N,
	DS_HOST_CPU_AVG,
	DS_HOST_LOADAVG,
	DS_HOST_HOSTLOAD,
	DS_HOST_RUNNING_VCPUS,
	DS_HOST_RUNNING_DOMAINS,
	DS_COUNT
};

/* The runs of consecutive datasources in a payload. */
enum ds_block_kind { DS_BLOCK_PCPUS, DS_BLOCK_DOMAIN, DS_BLOCK_HOST };

/*
 * How a time counter is kept from running ahead of wall time (derive.h):
 * not at all (gauges), at most one second per second, the same for a mean
 * over the block's "<N>" rows (starts afresh when their number changes),
 * or in units of the domain's online vCPUs (cpu_usage: starts afresh when
 * that count changes).
 */
enum ds_bound_kind {
	DS_BOUND_NONE,
	DS_BOUND_WALL,
	DS_BOUND_WALL_MEAN,
	DS_BOUND_WALL_ONLINE,
};

/* What a row's value and presence are computed from. */
struct ds_input {
	const struct host_sample *host;
	const struct dom_sample *dom;	/* domain rows; NULL otherwise */
	unsigned running_vcpus;		/* derive_running_vcpus(host) */
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

	enum ds_block_kind block;
	bool per_index;			/* "<N>": one per vCPU / pCPU */
	enum ds_bound_kind bound;
	/* Published this cycle?  NULL: always. */
	bool (*present)(const struct ds_input *in);
	/* The value, before any bound (rows that are not per_index); an
	 * int64 row's value is converted from it. */
	double (*value)(const struct ds_input *in);
	/* A per_index row's values for indexes 0..nr-1 at once, into
	 * out[n].f, before any bound: one call per block rather than one
	 * per vCPU or pCPU. */
	void (*values)(const struct ds_input *in, unsigned nr,
		       union rrdd_value *out);
};

/* The whole table, indexed by enum ds_id. */
const struct ds_template *ds_table(void);

#define DS_NAME_MAX 48
/* Room for the longest description with "<N>" expanded (a unit test
 * checks every row fits). */
#define DS_DESC_MAX 160

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
