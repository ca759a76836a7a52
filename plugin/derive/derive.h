/*
 * derive.h: turn one cycle's sample into the datasources and values that
 * go into the payload, as the table in datasources.h declares them (which
 * rows, when, their values and bounds), following rrdp-cpu's arithmetic.
 * Pure: no I/O, no logging.
 *
 * The descriptions change only when domains, vCPUs or pCPUs come and go,
 * so a set remembers the layout it was built for: a cycle with the same
 * layout rewrites the values only, and a changed layout re-creates only
 * the descriptions of the runs (the pCPUs, one domain, the host) that
 * changed, moving the others within the same arrays.
 *
 * Counters of time (the rows with a DS_BOUND_WALL* bound: vCPU and
 * domain running time, domain runstate aggregates, pCPU idle time) never
 * advance faster than the payload's
 * timestamps: a counter that, through clock jitter between the readings
 * and the timestamp, would advance more than max x (timestamp - last
 * timestamp) is published at that bound instead (rrdd would store the
 * rate above max as NaN), and catches up in a later cycle when it runs
 * slower.  A counter new to the set (a new domain, vCPU or pCPU, or after
 * a failed build) is published as read.
 */
#ifndef PLUGIN_DERIVE_H
#define PLUGIN_DERIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "derive/datasources.h"
#include "input/sample.h"

/*
 * One run of consecutive datasources: the pCPUs, one domain, the host.
 * Its datasources are the table's rows of its kind that are present (in
 * table order), "<N>" rows nr times each.
 */
struct ds_block {
	enum ds_block_kind kind;
	unsigned nr;			/* vCPUs or pCPUs */
	uint32_t rows;			/* present rows: bit (1 << ds_id) */
	char uuid[RRDD_UUID_LEN + 1];	/* domain; "" otherwise */
	size_t start, count;		/* where its datasources are */
	const struct dom_sample *dom;	/* this cycle's, never compared */
	size_t from;			/* a re-layout's scratch */
};

/*
 * A bounded counter's last published value, and the scale it was
 * published in (cpu_usage: online vCPUs; 1 otherwise); 0: none yet.
 */
struct ds_bound {
	double value;
	unsigned scale;
};

/* A description shared by every datasource of one template and index. */
struct ds_proto;

/*
 * The cycle's datasources: n descriptions and their values, in payload
 * order.  The descriptions' strings point into storage the set owns and
 * keeps until ds_set_free, so copying a description is safe.  The arrays
 * are re-used (and may move) when the layout changes: ds is valid until
 * the next derive_build that changes the generation.  Everything
 * else is the set's own bookkeeping.
 */
struct ds_set {
	size_t n;
	struct rrdd_ds *ds;
	union rrdd_value *values;
	size_t cap_ds;			/* room in ds, values, bounds */
	/* Changes whenever the descriptions do (not when only values do). */
	unsigned long generation;

	struct ds_block *blocks;	/* the layout ds was built for */
	struct ds_block *plan;		/* scratch: this cycle's layout */
	size_t n_blocks, n_plan, cap_blocks;
	struct ds_proto **protos[DS_COUNT];	/* [id][index], lazily */
	unsigned n_protos[DS_COUNT];
	/* Per datasource (unused for unbounded rows), and the timestamp
	 * they were published with. */
	struct ds_bound *bounds;
	double last_timestamp;
};

void ds_set_init(struct ds_set *set);
void ds_set_free(struct ds_set *set);

/*
 * Bring *set up to date with *sample, whose payload will carry timestamp
 * (seconds, as written; rrdd divides by its differences).  Returns 0, or
 * -1 when out of memory (the set is then empty, and the next call
 * rebuilds it whole).
 */
int derive_build(const struct host_sample *sample, double timestamp,
		 struct ds_set *set);

/*
 * rrdp-cpu hides domains whose handle starts with these (dom0 before xapi
 * names it, and the placeholder handles used while building).
 */
bool derive_domain_hidden(const char *uuid);

/* The value helpers, exposed for the unit tests.  A vCPU's seconds are
 * computed once per vCPU and cycle, so inline. */
static inline double derive_vcpu_seconds(uint64_t cpu_time_ns)
{
	return (double)(cpu_time_ns & SAMPLE_TIME_MASK) / 1e9;
}
double derive_cpu_usage(uint64_t dom_cpu_time_ns, unsigned nr_online_vcpus);
unsigned derive_running_domains(const struct host_sample *sample);

#endif
