/*
 * runstates.c: a slot's accumulated times brought up to "now", the way
 * the hypercalls compute them: the period in progress is added to the
 * current state's total.
 */
#include "stats_reader.h"

void stats_vcpu_runstates(const struct xen_stats_vcpu *v, uint64_t now,
			  uint64_t out[XEN_STATS_NR_RUNSTATES])
{
	if (v->update_time > now)
		now = v->update_time;
	/* Copied, then the one state in progress topped up: per vCPU and
	 * cycle, fewer steps than a test for every state. */
	for (uint32_t s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
		out[s] = v->time[s];
	if (v->state < XEN_STATS_NR_RUNSTATES && now > v->state_entry_time)
		out[v->state] += now - v->state_entry_time;
}

uint64_t stats_pcpu_idle(const struct xen_stats_pcpu *p, uint64_t now)
{
	if ((p->flags & XEN_STATS_PCPUF_idle) && now > p->state_entry_time)
		return p->idle_time + (now - p->state_entry_time);
	return p->idle_time;
}
