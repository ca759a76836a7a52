/* table_sample.c: stats tables -> sample, as the hypercalls would say. */
#include "input/table_sample.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(SAMPLE_VCPU_RUNSTATES == XEN_STATS_NR_RUNSTATES,
	       "a sample keeps every runstate the table publishes");

uint64_t table_sample_pcpus(const struct stats_view *host, unsigned nr_pcpus,
			    uint64_t *last_idle, struct host_sample *out)
{
	return table_sample_pcpus_at(host, nr_pcpus, last_idle, 0, out);
}

uint64_t table_sample_pcpus_at(const struct stats_view *host,
			       unsigned nr_pcpus, uint64_t *last_idle,
			       uint64_t now_hint, struct host_sample *out)
{
	unsigned n = nr_pcpus < host->nr_slots ? nr_pcpus : host->nr_slots;
	struct xen_stats_pcpu *slots = calloc(n ? n : 1, sizeof(*slots));
	bool *fresh = calloc(n ? n : 1, sizeof(*fresh));
	uint64_t now = 0, newest;

	if (!slots || !fresh || sample_set_pcpus(out, n) != 0) {
		free(slots);
		free(fresh);
		return 0;
	}
	/* First pass: Xen's time is the newest write of any busy pCPU. */
	for (unsigned i = 0; i < n; i++) {
		fresh[i] = stats_read_slot(host, i, &slots[i], sizeof(slots[i]),
					   STATS_DEFAULT_TRIES) == STATS_OK;
		if (fresh[i] && slots[i].update_time > now)
			now = slots[i].update_time;
	}
	newest = now;
	now = stats_clock_now(now_hint, newest);
	for (unsigned i = 0; i < n; i++) {
		uint64_t idle = fresh[i] ? stats_pcpu_idle(&slots[i], now) : 0;

		if (!fresh[i] || idle < last_idle[i])
			idle = last_idle[i];
		out->pcpu_idle_ns[i] = last_idle[i] = idle;
	}
	free(slots);
	free(fresh);
	return newest;
}

uint64_t table_running_time(const struct xen_stats_vcpu *v, uint64_t now)
{
	uint64_t times[XEN_STATS_NR_RUNSTATES];

	stats_vcpu_runstates(v, now, times);
	return times[XEN_STATS_RUNSTATE_running];
}

static int read_vcpus(const struct stats_view *view, struct dom_sample *d,
		      uint64_t now)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct xen_stats_vcpu v;
		int rc = stats_read_slot(view, i, &v, sizeof(v),
					 STATS_DEFAULT_TRIES);

		if (rc == STATS_EEMPTY ||
		    (rc == STATS_OK && !(v.flags & XEN_STATS_VCPUF_present)))
			continue;	/* no such vCPU: zero, offline */
		if (rc != STATS_OK)
			return rc;
		stats_vcpu_runstates(&v, now, d->vcpus[i].runstate_ns);
		d->vcpus[i].cpu_time_ns =
			d->vcpus[i].runstate_ns[XEN_STATS_RUNSTATE_running];
		d->vcpus[i].online = (v.flags & XEN_STATS_VCPUF_online) != 0;
		d->vcpus[i].blocked = v.state == XEN_STATS_RUNSTATE_blocked;
		d->vcpus[i].has_runstates = true;
		d->cpu_time_ns += d->vcpus[i].cpu_time_ns;
	}
	return STATS_OK;
}

static void drop_last(struct host_sample *out)
{
	out->n_doms--;
	free(out->doms[out->n_doms].vcpus);
	out->doms[out->n_doms].vcpus = NULL;
}

int table_sample_domain(const struct stats_view *view, uint32_t domid,
			uint64_t now, struct host_sample *out)
{
	struct xen_stats_domain sec;
	struct dom_sample *d;
	int rc = stats_read_section(view, &sec, sizeof(sec),
				    STATS_DEFAULT_TRIES);

	if (rc != STATS_OK)
		return rc;
	if (sec.flags & XEN_STATS_DOMF_dying)
		return TABLE_DYING;
	d = sample_add_dom(out, domid, view->nr_slots);
	if (!d)
		return TABLE_ENOMEM;
	sample_format_uuid(sec.handle, d->uuid);
	d->paused = (sec.flags & XEN_STATS_DOMF_paused) != 0;
	d->nr_online_vcpus = sec.nr_online_vcpus;
	if (stats_has_field(view->section_size,
			    offsetof(struct xen_stats_domain, tot_pages),
			    sizeof(sec.tot_pages)))
		d->tot_pages = sec.tot_pages;
	/* The table has no domain runstate aggregates (XenServer-only
	 * hypercall): runstate_* stay unpublished, as with upstream Xen's
	 * hypercalls. */
	d->runstate.valid = false;
	rc = read_vcpus(view, d, now);
	if (rc != STATS_OK)
		drop_last(out);
	return rc;
}
