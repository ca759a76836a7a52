/* table_sample.c: stats tables -> sample, as the hypercalls would say. */
#include "input/table_sample.h"

#include <stdlib.h>
#include <string.h>

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
	if (now_hint > now && now_hint - now <= TABLE_HINT_MAX_AHEAD_NS)
		now = now_hint;
	for (unsigned i = 0; i < n; i++) {
		const struct xen_stats_pcpu *p = &slots[i];
		uint64_t idle = p->idle_time;

		if (fresh[i] && (p->flags & XEN_STATS_PCPUF_idle) &&
		    now > p->state_entry_time)
			idle += now - p->state_entry_time;
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
	uint64_t t = v->time[XEN_STATS_RUNSTATE_running];

	if (v->update_time > now)
		now = v->update_time;
	if (v->state == XEN_STATS_RUNSTATE_running && now > v->state_entry_time)
		t += now - v->state_entry_time;
	return t;
}

/* All four runstate times at Xen time now, the same way. */
static void runstate_times(const struct xen_stats_vcpu *v, uint64_t now,
			   uint64_t out[SAMPLE_VCPU_RUNSTATES])
{
	if (v->update_time > now)
		now = v->update_time;
	for (uint32_t s = 0; s < SAMPLE_VCPU_RUNSTATES; s++)
		out[s] = v->time[s] + (v->state == s && now > v->state_entry_time
				       ? now - v->state_entry_time : 0);
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
		d->vcpus[i].cpu_time_ns = table_running_time(&v, now);
		d->vcpus[i].online = (v.flags & XEN_STATS_VCPUF_online) != 0;
		d->vcpus[i].blocked = v.state == XEN_STATS_RUNSTATE_blocked;
		runstate_times(&v, now, d->vcpus[i].runstate_ns);
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
