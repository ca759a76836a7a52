/*
 * table_sample.h: turn validated stats tables (stats_reader.h) into the
 * cycle's sample (sample.h), computing what the hypercalls would have
 * answered: a vCPU's running time including the period in progress, a
 * pCPU's idle time up to Xen's current time.  Pure (memory in, sample
 * out), so tests run it on in-memory tables and the table backend only
 * does the mapping.
 */
#ifndef PLUGIN_TABLE_SAMPLE_H
#define PLUGIN_TABLE_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "input/sample.h"
#include "stats_reader.h"

#define TABLE_FIELD_END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))

/* The bytes of each structure this plugin cannot do without. */
#define TABLE_MIN_DOMAIN_SECTION \
	TABLE_FIELD_END(struct xen_stats_domain, nr_online_vcpus)
#define TABLE_MIN_VCPU_SLOT TABLE_FIELD_END(struct xen_stats_vcpu, flags)
#define TABLE_MIN_HOST_SECTION TABLE_FIELD_END(struct xen_stats_host, seq)
#define TABLE_MIN_PCPU_SLOT TABLE_FIELD_END(struct xen_stats_pcpu, update_time)

/* table_sample_domain's results besides the STATS_E* codes. */
#define TABLE_DYING 1		/* domain being destroyed: left out */
#define TABLE_ENOMEM (-100)

/*
 * Fill out->pcpu_idle_ns for the first nr_pcpus pCPUs of the host table.
 * last_idle (nr_pcpus entries, zero at first) keeps each pCPU's previous
 * value: a slot whose seq never settles repeats it, and idle time never
 * runs backwards.  Returns the estimate of Xen's current time (largest
 * update_time), or 0 when out of memory.
 */
uint64_t table_sample_pcpus(const struct stats_view *host, unsigned nr_pcpus,
			    uint64_t *last_idle, struct host_sample *out);

/*
 * The same, extrapolating idle periods to stats_clock_now(now_hint, newest
 * write): now_hint is the caller's estimate of Xen's current time (0: none).
 * Returns the newest update_time seen (not the hint), 0 if none.
 */
uint64_t table_sample_pcpus_at(const struct stats_view *host,
			       unsigned nr_pcpus, uint64_t *last_idle,
			       uint64_t now_hint, struct host_sample *out);

/*
 * Append domain domid, read from its table, to out.  now: Xen's current
 * time as table_sample_pcpus estimated it (0 if unknown).  Returns
 * STATS_OK (added), TABLE_DYING, TABLE_ENOMEM, or a STATS_E* code when
 * the section or a vCPU slot could not be read consistently (nothing
 * added: the domain is skipped for this cycle).
 */
int table_sample_domain(const struct stats_view *view, uint32_t domid,
			uint64_t now, struct host_sample *out);

/* A vCPU's running time at Xen time now, as getvcpuinfo's cpu_time. */
uint64_t table_running_time(const struct xen_stats_vcpu *v, uint64_t now);

#endif
