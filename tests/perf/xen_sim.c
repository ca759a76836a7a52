/* xen_sim.c: in-memory stats tables written as Xen writes them. */
#include "xen_sim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats_reader.h"
#include "input/table_sample.h"

#define BUSY_VCPU 0
#define BUSY_PCPU 0
#define PRESENT_ONLINE (XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online)

uint64_t xen_sim_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The domain aggregates as Xen keeps them for the vCPUs above: one vCPU
 * running and the others blocked, so the domain is in partial_run (all
 * running with one vCPU), with some history in the other states.  Zeroed
 * aggregates would read as full_run since time 0.
 */
static void init_domain_runstate(struct xen_stats_domain *d, unsigned vcpus,
				 uint64_t now)
{
	unsigned running = vcpus > BUSY_VCPU ? 1 : 0;

	d->nr_running_vcpus = running;
	d->nr_blocked_vcpus = vcpus - running;
	d->runstate = !running ? XEN_STATS_DOMSTATE_blocked :
		      vcpus == running ? XEN_STATS_DOMSTATE_full_run :
		      XEN_STATS_DOMSTATE_partial_run;
	d->runstate_entry_time = now;
	d->runstate_update_time = now;
	d->runstate_time[XEN_STATS_DOMSTATE_full_run] = 500000000ull;
	d->runstate_time[XEN_STATS_DOMSTATE_partial_run] = 1000000000ull;
	d->runstate_time[XEN_STATS_DOMSTATE_blocked] = 2000000000ull;
}

static void init_domain(struct mem_table *t, uint32_t domid, unsigned vcpus,
			uint64_t now)
{
	struct xen_stats_domain *d = mem_table_dom_section(t);
	uint8_t handle[16] = { 0x5e, 0x7a, 0, 0, 0, 0, 0x40, 0, 0x80, 0 };

	for (int i = 0; i < 4; i++)
		handle[15 - i] = (uint8_t)(domid >> (8 * i));
	memcpy(d->handle, handle, sizeof(handle));
	d->nr_online_vcpus = vcpus;
	d->tot_pages = 262144ull * (1 + domid % 4);	/* 1..4 GiB */
	d->max_pages = d->tot_pages;
	d->update_time = now;
	for (unsigned i = 0; i < vcpus; i++) {
		struct xen_stats_vcpu *v = mem_table_vcpu(t, i);

		v->flags = PRESENT_ONLINE;
		v->processor = i % 2;
		v->state = i == BUSY_VCPU ? XEN_STATS_RUNSTATE_running
					  : XEN_STATS_RUNSTATE_blocked;
		v->state_entry_time = now;
		v->update_time = now;
		/* Some history, so the counters do not all start at 0. */
		v->time[XEN_STATS_RUNSTATE_running] = 1000000000ull * (i + 1);
		v->time[XEN_STATS_RUNSTATE_runnable] = 1000000ull * (i + 1);
		v->time[XEN_STATS_RUNSTATE_blocked] = 3000000000ull * (i + 1);
		d->running_time += v->time[XEN_STATS_RUNSTATE_running];
		d->runnable_time += v->time[XEN_STATS_RUNSTATE_runnable];
	}
	init_domain_runstate(d, vcpus, now);
}

static void init_host(struct mem_table *t, unsigned nr_pcpus, uint64_t now)
{
	struct xen_stats_host *h = mem_table_host_section(t);

	h->nr_online_cpus = nr_pcpus;
	h->total_pages = 4194304;	/* 16 GiB */
	h->update_time = now;
	for (unsigned i = 0; i < nr_pcpus; i++) {
		struct xen_stats_pcpu *p = mem_table_pcpu(t, i);

		p->flags = XEN_STATS_PCPUF_online |
			   (i == BUSY_PCPU ? 0 : XEN_STATS_PCPUF_idle);
		p->state_entry_time = now;
		p->update_time = now;
	}
}

int xen_sim_init(struct xen_sim *s, unsigned n_doms, unsigned vcpus,
		 unsigned nr_pcpus, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->doms = calloc(n_doms ? n_doms : 1, sizeof(*s->doms));
	if (!s->doms)
		return -1;
	s->n_doms = n_doms;
	s->vcpus = vcpus;
	s->nr_pcpus = nr_pcpus;
	s->start_ns = now;
	s->host = mem_table_host(nr_pcpus);
	init_host(&s->host, nr_pcpus, now);
	for (unsigned i = 0; i < n_doms; i++) {
		s->doms[i] = mem_table_domain(vcpus, i + 1);
		init_domain(&s->doms[i], i + 1, vcpus, now);
	}
	return 0;
}

void xen_sim_tick(struct xen_sim *s, uint64_t now)
{
	struct xen_stats_pcpu *p = mem_table_pcpu(&s->host, BUSY_PCPU);

	for (unsigned i = 0; i < s->n_doms && s->vcpus > BUSY_VCPU; i++) {
		struct xen_stats_vcpu *v = mem_table_vcpu(&s->doms[i],
							  BUSY_VCPU);

		mem_table_seq_begin(&v->seq);
		__atomic_store_n(&v->update_time, now, __ATOMIC_RELAXED);
		mem_table_seq_end(&v->seq);
	}
	if (s->nr_pcpus > BUSY_PCPU) {
		mem_table_seq_begin(&p->seq);
		__atomic_store_n(&p->update_time, now, __ATOMIC_RELAXED);
		mem_table_seq_end(&p->seq);
	}
}

void xen_sim_free(struct xen_sim *s)
{
	for (unsigned i = 0; i < s->n_doms; i++)
		mem_table_free(&s->doms[i]);
	if (s->host.buf)
		mem_table_free(&s->host);
	free(s->doms);
	memset(s, 0, sizeof(*s));
}

struct mem_table *xen_sim_table(struct xen_sim *s, uint32_t domid)
{
	return domid >= 1 && domid <= s->n_doms ? &s->doms[domid - 1] : NULL;
}

/* ---- the backend ---------------------------------------------------------- */

struct sim_backend {
	struct backend base;
	struct xen_sim *sim;
	struct stats_view host;
	uint64_t *last_idle;
	struct stats_view *views;	/* per domid - 1 */
	bool *added;
};

static struct sim_backend *simb(struct backend *b)
{
	return (struct sim_backend *)b;
}

static int sim_add_domain(struct backend *b, uint32_t domid)
{
	struct sim_backend *sb = simb(b);
	struct mem_table *t = xen_sim_table(sb->sim, domid);

	if (!t)
		return BACKEND_EGONE;
	if (stats_view_open(t->buf, t->len,
			    XENMEM_resource_stats_table_id_domain,
			    TABLE_MIN_DOMAIN_SECTION, TABLE_MIN_VCPU_SLOT,
			    sb->sim->vcpus, &sb->views[domid - 1], NULL,
			    0) != STATS_OK)
		return BACKEND_EBADTABLE;
	sb->added[domid - 1] = true;
	return BACKEND_OK;
}

static void sim_remove_domain(struct backend *b, uint32_t domid)
{
	struct sim_backend *sb = simb(b);

	if (xen_sim_table(sb->sim, domid))
		sb->added[domid - 1] = false;
}

/* As the table backend's sample: pCPUs first (Xen's time), then domains. */
static int sim_sample(struct backend *b, const uint32_t *domids, size_t n,
		      struct host_sample *out)
{
	struct sim_backend *sb = simb(b);
	uint64_t now = table_sample_pcpus(&sb->host, sb->sim->nr_pcpus,
					  sb->last_idle, out);
	int rc = STATS_OK;

	for (size_t i = 0; rc != TABLE_ENOMEM && i < n; i++) {
		uint32_t domid = domids[i];

		if (!xen_sim_table(sb->sim, domid) || !sb->added[domid - 1])
			continue;
		rc = table_sample_domain(&sb->views[domid - 1], domid, now,
					 out);
	}
	out->loadavg = sample_read_loadavg(BACKEND_LOADAVG_PATH);
	return rc == TABLE_ENOMEM ? BACKEND_ENOMEM : BACKEND_OK;
}

static void sim_destroy(struct backend *b)
{
	struct sim_backend *sb = simb(b);

	free(sb->last_idle);
	free(sb->views);
	free(sb->added);
	free(sb);
}

static const struct backend_ops sim_ops = {
	.name = "table",	/* it is the table method, on memory */
	.add_domain = sim_add_domain,
	.remove_domain = sim_remove_domain,
	.sample = sim_sample,
	.destroy = sim_destroy,
};

int xen_sim_backend_new(struct xen_sim *s, struct backend **out)
{
	struct sim_backend *sb = calloc(1, sizeof(*sb));
	unsigned n = s->n_doms ? s->n_doms : 1;

	if (!sb)
		return BACKEND_ENOMEM;
	sb->base.ops = &sim_ops;
	sb->sim = s;
	sb->last_idle = calloc(s->nr_pcpus ? s->nr_pcpus : 1,
			       sizeof(*sb->last_idle));
	sb->views = calloc(n, sizeof(*sb->views));
	sb->added = calloc(n, sizeof(*sb->added));
	if (!sb->last_idle || !sb->views || !sb->added ||
	    stats_view_open(s->host.buf, s->host.len,
			    XENMEM_resource_stats_table_id_host,
			    TABLE_MIN_HOST_SECTION, TABLE_MIN_PCPU_SLOT,
			    s->nr_pcpus, &sb->host, NULL, 0) != STATS_OK) {
		sim_destroy(&sb->base);
		return BACKEND_ENOMEM;
	}
	*out = &sb->base;
	return BACKEND_OK;
}
