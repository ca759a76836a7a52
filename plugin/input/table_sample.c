/* table_sample.c: stats tables -> sample, as the hypercalls would say. */
#include "input/table_sample.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(SAMPLE_VCPU_RUNSTATES == XEN_STATS_NR_RUNSTATES,
	       "a sample keeps every runstate the table publishes");
_Static_assert(SAMPLE_RUNSTATES == XEN_STATS_NR_DOMSTATES &&
	       XEN_STATS_DOMSTATE_full_run == 0 &&
	       XEN_STATS_DOMSTATE_full_contention == 1 &&
	       XEN_STATS_DOMSTATE_concurrency_hazard == 2 &&
	       XEN_STATS_DOMSTATE_blocked == 3 &&
	       XEN_STATS_DOMSTATE_partial_run == 4 &&
	       XEN_STATS_DOMSTATE_partial_contention == 5,
	       "domain states in domctl 98's order");

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
		int rc = stats_read_slot_wait(host, i, &slots[i],
					      sizeof(slots[i]),
					      STATS_DEFAULT_WAIT_NS);

		fresh[i] = rc == STATS_OK;
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

/* Time after since, up to now (0 when now is unknown or earlier). */
static uint64_t since(uint64_t from, uint64_t now)
{
	return now > from ? now - from : 0;
}

/*
 * A vCPU's running time outside its soft affinity up to now: the period
 * in progress counts while the flag says it runs non-affine.
 */
static uint64_t nonaffine_time(const struct xen_stats_vcpu *v, uint64_t now)
{
	uint64_t t = v->nonaffine_time;

	if ((v->flags & XEN_STATS_VCPUF_nonaffine) &&
	    v->state == XEN_STATS_RUNSTATE_running)
		t += since(v->state_entry_time, now);
	return t;
}

static int read_vcpus(const struct stats_view *view, struct dom_sample *d,
		      uint64_t now)
{
	bool nonaffine = stats_has_field(view->slot_size,
			offsetof(struct xen_stats_vcpu, nonaffine_time),
			sizeof(((struct xen_stats_vcpu *)0)->nonaffine_time));
	uint64_t nonaffine_sum = 0;

	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu_sample *out = &d->vcpus[i];
		struct xen_stats_vcpu v;
		int rc = stats_read_slot_wait(view, i, &v, sizeof(v),
					      STATS_DEFAULT_WAIT_NS);

		/* The slots come uncleared (sample_add_dom_unset): each is
		 * written whole, here, rather than the array cleared first. */
		memset(out, 0, sizeof(*out));
		if (rc == STATS_EEMPTY ||
		    (rc == STATS_OK && !(v.flags & XEN_STATS_VCPUF_present)))
			continue;	/* no such vCPU: zero, offline */
		if (rc != STATS_OK)
			return rc;
		stats_vcpu_runstates(&v, now, out->runstate_ns);
		out->cpu_time_ns = out->runstate_ns[XEN_STATS_RUNSTATE_running];
		out->online = (v.flags & XEN_STATS_VCPUF_online) != 0;
		out->blocked = v.state == XEN_STATS_RUNSTATE_blocked;
		out->has_runstates = true;
		d->cpu_time_ns += out->cpu_time_ns;
		if (nonaffine)
			nonaffine_sum += nonaffine_time(&v, now);
	}
	/* averaged over the vCPUs, as domctl 98 does */
	d->runstate.has_nonaffine = nonaffine;
	d->runstate.nonaffine_ns = d->nr_vcpus ? nonaffine_sum / d->nr_vcpus : 0;
	return STATS_OK;
}

/*
 * The domain runstate aggregates, when the section has them (a series
 * that publishes them writes a section covering running_time): each
 * accumulated up to runstate_update_time, extrapolated to now with the
 * state and vCPU counts that have held since.  runnable and running are
 * sums over the vCPUs; domctl 98 gives them averaged over max_vcpus.
 */
static void read_domain_runstates(const struct stats_view *view,
				  const struct xen_stats_domain *sec,
				  uint64_t now, struct dom_sample *d)
{
	uint64_t dt = since(sec->runstate_update_time, now);
	unsigned nr = d->nr_vcpus ? d->nr_vcpus : 1;

	if (!stats_has_field(view->section_size,
			     offsetof(struct xen_stats_domain, running_time),
			     sizeof(sec->running_time)))
		return;
	for (int k = 0; k < SAMPLE_RUNSTATES; k++)
		d->runstate.time_ns[k] = sec->runstate_time[k];
	if (sec->runstate < SAMPLE_RUNSTATES)
		d->runstate.time_ns[sec->runstate] += dt;
	d->runstate.runnable_ns =
		(sec->runnable_time + (uint64_t)sec->nr_runnable_vcpus * dt) /
		nr;
	d->runstate.running_ns =
		(sec->running_time + (uint64_t)sec->nr_running_vcpus * dt) / nr;
	d->runstate.valid = true;
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
	int rc = stats_read_section_wait(view, &sec, sizeof(sec),
					 STATS_DEFAULT_WAIT_NS);

	if (rc != STATS_OK)
		return rc;
	if (sec.flags & XEN_STATS_DOMF_dying)
		return TABLE_DYING;
	d = sample_add_dom_unset(out, domid, view->nr_slots);
	if (!d)
		return TABLE_ENOMEM;
	sample_format_uuid(sec.handle, d->uuid);
	d->paused = (sec.flags & XEN_STATS_DOMF_paused) != 0;
	d->nr_online_vcpus = sec.nr_online_vcpus;
	if (stats_has_field(view->section_size,
			    offsetof(struct xen_stats_domain, tot_pages),
			    sizeof(sec.tot_pages)))
		d->tot_pages = sec.tot_pages;
	rc = read_vcpus(view, d, now);
	read_domain_runstates(view, &sec, now, d);
	/* non-affine time is published with the aggregates only */
	d->runstate.has_nonaffine &= d->runstate.valid;
	if (rc != STATS_OK)
		drop_last(out);
	return rc;
}
