/*
 * derive.h: turn one cycle's sample into the datasources and values that
 * go into the payload, following rrdp-cpu's arithmetic:
 *   VM cpu<N>        vCPU running time, ns / 1e9 (a derive: rrdd turns the
 *                    cumulative seconds into a fraction of one CPU)
 *   VM cpu_usage     domain cpu time / (1e9 x online vCPUs)
 *   VM runstate_*    domain runstate aggregate times / 1e9
 *   host cpu<N>      pCPU idle time / 1e9 (transform inverse: 1 - rate)
 *   host cpu_avg     mean pCPU idle time / 1e9
 *   host hostload    vCPUs online and not blocked / pCPUs
 * Pure: no I/O, no logging.
 */
#ifndef PLUGIN_DERIVE_H
#define PLUGIN_DERIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "datasources.h"
#include "sample.h"

/* The cycle's datasources, parallel arrays of n entries, reused per cycle. */
struct ds_set {
	size_t n;
	size_t cap;
	struct rrdd_ds *ds;
	union rrdd_value *values;
	struct ds_strings *strs;	/* ds[i] strings point here */
	enum ds_id *ids;		/* which template each entry is */
};

void ds_set_init(struct ds_set *set);
void ds_set_free(struct ds_set *set);

/*
 * Rebuild *set from *sample.  Returns 0, or -1 when out of memory (the set
 * is then empty).
 */
int derive_build(const struct host_sample *sample, struct ds_set *set);

/*
 * rrdp-cpu hides domains whose handle starts with these (dom0 before xapi
 * names it, and the placeholder handles used while building).
 */
bool derive_domain_hidden(const char *uuid);

/* The value helpers, exposed for the unit tests. */
double derive_vcpu_seconds(uint64_t cpu_time_ns);
double derive_cpu_usage(uint64_t dom_cpu_time_ns, unsigned nr_online_vcpus);
unsigned derive_running_vcpus(const struct host_sample *sample);
unsigned derive_running_domains(const struct host_sample *sample);

#endif
