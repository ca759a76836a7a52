/* snapshot.c: stats tables -> a vcpustat snapshot, via the library. */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vs_snap_init(struct vs_snap *s)
{
	memset(s, 0, sizeof(*s));
}

void vs_snap_free(struct vs_snap *s)
{
	for (size_t i = 0; i < s->n_doms; i++)
		free(s->doms[i].vcpus);
	free(s->doms);
	free(s->pcpu_idle);
	vs_snap_init(s);
}

int64_t vs_snap_host(struct vs_snap *s, const struct stats_view *host,
		     uint64_t hint)
{
	unsigned n = host->nr_slots;
	struct xen_stats_pcpu *p = calloc(n ? n : 1, sizeof(*p));
	uint64_t newest = 0;

	free(s->pcpu_idle);
	s->pcpu_idle = calloc(n ? n : 1, sizeof(*s->pcpu_idle));
	if (!p || !s->pcpu_idle) {
		free(p);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (stats_read_slot_wait(host, i, &p[i], sizeof(p[i]),
					 STATS_DEFAULT_WAIT_NS) != STATS_OK)
			memset(&p[i], 0, sizeof(p[i]));
		else if (p[i].update_time > newest)
			newest = p[i].update_time;
	}
	s->now = stats_clock_now(hint, newest);
	s->nr_pcpus = n;
	for (unsigned i = 0; i < n; i++)
		s->pcpu_idle[i] = stats_pcpu_idle(&p[i], s->now);
	free(p);
	return (int64_t)newest;
}

struct vs_dom *vs_snap_add(struct vs_snap *s, uint32_t domid,
			   const char *name, size_t n_vcpus)
{
	struct vs_dom *grown = realloc(s->doms, (s->n_doms + 1) * sizeof(*grown));
	struct vs_dom *d;

	if (!grown)
		return NULL;
	s->doms = grown;
	d = &s->doms[s->n_doms];
	memset(d, 0, sizeof(*d));
	d->vcpus = calloc(n_vcpus ? n_vcpus : 1, sizeof(*d->vcpus));
	if (!d->vcpus)
		return NULL;
	d->domid = domid;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
	s->n_doms++;
	return d;
}

static void drop_last(struct vs_snap *s)
{
	s->n_doms--;
	free(s->doms[s->n_doms].vcpus);
}

int vs_snap_domain(struct vs_snap *s, const struct stats_view *view,
		   uint32_t domid, const char *name)
{
	struct xen_stats_domain sec;
	struct vs_dom *d;
	int rc = stats_read_section_wait(view, &sec, sizeof(sec),
					 STATS_DEFAULT_WAIT_NS);

	if (rc != STATS_OK)
		return rc;
	if (sec.flags & XEN_STATS_DOMF_dying)
		return 1;
	d = vs_snap_add(s, domid, name, view->nr_slots);
	if (!d)
		return -1;
	for (uint32_t i = 0; i < view->nr_slots; i++) {
		struct xen_stats_vcpu v;

		rc = stats_read_slot_wait(view, i, &v, sizeof(v),
					  STATS_DEFAULT_WAIT_NS);
		if (rc == STATS_EEMPTY ||
		    (rc == STATS_OK && !(v.flags & XEN_STATS_VCPUF_present)))
			continue;
		if (rc != STATS_OK) {
			drop_last(s);
			return rc;
		}
		d->vcpus[d->n_vcpus].id = i;
		d->vcpus[d->n_vcpus].online =
			(v.flags & XEN_STATS_VCPUF_online) != 0;
		stats_vcpu_runstates(&v, s->now, d->vcpus[d->n_vcpus].ns);
		d->n_vcpus++;
	}
	return 0;
}
