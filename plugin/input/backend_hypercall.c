/*
 * backend_hypercall.c: sample with libxenctrl as rrdp-cpu does.  Per
 * cycle: one XEN_DOMCTL_getdomaininfo list, one XEN_DOMCTL_getvcpuinfo
 * per vCPU, one XEN_SYSCTL_getcpuinfo, and on XCP-ng's and XenServer's
 * hypervisors one XEN_DOMCTL_get_runstate_info per domain (the runstate
 * datasources; asked once at start whether the hypervisor has it).  This
 * is the cost the table backend removes; it stays as the fallback for
 * hypervisors without stats tables.
 */
#include "input/backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "common/log.h"
#include "input/domctl_runstate.h"

struct hc_backend {
	struct backend base;
	xc_interface *xch;
	unsigned nr_pcpus;
	xc_cpuinfo_t *cpuinfo;		/* nr_pcpus entries */
	xc_domaininfo_t *infos;		/* the cycle's domain list */
	unsigned infos_cap;
	/* domctl 98; NULL when the hypervisor (or the build) lacks it */
	struct domctl_runstate *runstates;
};

static struct hc_backend *hc(struct backend *b)
{
	return (struct hc_backend *)b;
}

/* Nothing to set up per domain: every cycle asks Xen afresh. */
static int hc_add_domain(struct backend *b, uint32_t domid)
{
	(void)b;
	(void)domid;
	return BACKEND_OK;
}

static void hc_remove_domain(struct backend *b, uint32_t domid)
{
	(void)b;
	(void)domid;
}

/* One list call for every domain, grown until it holds them all. */
static int list_domains(struct hc_backend *h, unsigned *count)
{
	for (;;) {
		int got = xc_domain_getinfolist(h->xch, 0, h->infos_cap,
						h->infos);

		if (got < 0)
			return BACKEND_ESYS;
		if ((unsigned)got < h->infos_cap) {
			*count = (unsigned)got;
			return BACKEND_OK;
		}
		xc_domaininfo_t *grown = realloc(h->infos, (size_t)h->infos_cap *
						 2 * sizeof(*grown));
		if (!grown)
			return BACKEND_ENOMEM;
		h->infos = grown;
		h->infos_cap *= 2;
	}
}

static const xc_domaininfo_t *find_info(const struct hc_backend *h,
					unsigned count, uint32_t domid)
{
	for (unsigned i = 0; i < count; i++)
		if (h->infos[i].domain == domid)
			return &h->infos[i];
	return NULL;
}

static int sample_vcpus(struct hc_backend *h, struct dom_sample *d)
{
	for (unsigned v = 0; v < d->nr_vcpus; v++) {
		xc_vcpuinfo_t vi;

		if (xc_vcpu_getinfo(h->xch, d->domid, v, &vi) != 0)
			return -1;
		d->vcpus[v].cpu_time_ns = vi.cpu_time;
		d->vcpus[v].online = vi.online;
		d->vcpus[v].blocked = vi.blocked;
	}
	return 0;
}

static int sample_domain(struct hc_backend *h, const xc_domaininfo_t *info,
			 struct host_sample *out)
{
	unsigned nr_vcpus = info->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID
				    ? 0 : info->max_vcpu_id + 1;
	struct dom_sample *d = sample_add_dom(out, info->domain, nr_vcpus);

	if (!d)
		return BACKEND_ENOMEM;
	sample_format_uuid(info->handle, d->uuid);
	d->paused = (info->flags & XEN_DOMINF_paused) != 0;
	d->nr_online_vcpus = info->nr_online_vcpus;
	d->cpu_time_ns = info->cpu_time;
	d->tot_pages = info->tot_pages;
	d->runstate.valid = false;
	if (h->runstates) {
		int err = domctl_runstate_read(h->runstates, info->domain,
					       &d->runstate);

		/* gone since the list: the vCPU calls below skip it */
		if (err)
			log_debug("domain %u: runstates not read (%s)",
				  info->domain, strerror(-err));
	}
	if (sample_vcpus(h, d) != 0) {
		/* Gone between the list and this call: leave it out. */
		log_debug("domain %u: getvcpuinfo failed (%s), skipped this "
			  "cycle", info->domain, strerror(errno));
		free(d->vcpus);
		d->vcpus = NULL;
		out->n_doms--;
	}
	return BACKEND_OK;
}

static int sample_pcpus(struct hc_backend *h, struct host_sample *out)
{
	int nr = 0;

	if (xc_getcpuinfo(h->xch, (int)h->nr_pcpus, h->cpuinfo, &nr) != 0)
		return BACKEND_ESYS;
	if (nr < 0 || (unsigned)nr > h->nr_pcpus)
		nr = (int)h->nr_pcpus;
	if (sample_set_pcpus(out, (unsigned)nr) != 0)
		return BACKEND_ENOMEM;
	for (int i = 0; i < nr; i++)
		out->pcpu_idle_ns[i] = h->cpuinfo[i].idletime;
	return BACKEND_OK;
}

static int hc_sample(struct backend *b, const uint32_t *domids, size_t n,
		     struct host_sample *out)
{
	struct hc_backend *h = hc(b);
	unsigned count = 0;
	int rc;

	rc = sample_pcpus(h, out);
	if (rc == BACKEND_OK)
		rc = list_domains(h, &count);
	for (size_t i = 0; rc == BACKEND_OK && i < n; i++) {
		const xc_domaininfo_t *info = find_info(h, count, domids[i]);

		/* Dying: released any moment now (as the table backend). */
		if (info && !(info->flags & XEN_DOMINF_dying))
			rc = sample_domain(h, info, out);
	}
	out->loadavg = sample_read_loadavg(BACKEND_LOADAVG_PATH);
	return rc;
}

static void hc_destroy(struct backend *b)
{
	struct hc_backend *h = hc(b);

	if (h->xch)
		xc_interface_close(h->xch);
	domctl_runstate_close(h->runstates);
	free(h->cpuinfo);
	free(h->infos);
	free(h);
}

static const struct backend_ops hc_ops = {
	.name = "hypercall",
	.add_domain = hc_add_domain,
	.remove_domain = hc_remove_domain,
	.sample = hc_sample,
	.destroy = hc_destroy,
};

/*
 * Open domctl 98 and ask the hypervisor once whether it has it; one log
 * line says where the runstate datasources come from.
 */
static void open_runstates(struct hc_backend *h)
{
	int err = domctl_runstate_open(&h->runstates);

	if (err) {
		log_info("hypercall backend: domain runstates not published "
			 "(libxencall: %s)", err == -ENOSYS
			 ? "not built in" : strerror(-err));
		h->runstates = NULL;
		return;
	}
	err = domctl_runstate_probe(h->runstates);
	if (err) {
		log_info("hypercall backend: domain runstates not published "
			 "(the hypervisor has no XEN_DOMCTL_get_runstate_info: "
			 "%s)", strerror(-err));
		domctl_runstate_close(h->runstates);
		h->runstates = NULL;
		return;
	}
	log_info("hypercall backend: domain runstates from "
		 "XEN_DOMCTL_get_runstate_info");
}

int backend_hypercall_new(struct backend **out)
{
	struct hc_backend *h = calloc(1, sizeof(*h));
	xc_physinfo_t phys;

	if (!h)
		return BACKEND_ENOMEM;
	h->base.ops = &hc_ops;
	h->xch = xc_interface_open(NULL, NULL, 0);
	if (!h->xch || xc_physinfo(h->xch, &phys) != 0) {
		hc_destroy(&h->base);
		return BACKEND_ESYS;
	}
	h->nr_pcpus = phys.nr_cpus;
	h->infos_cap = 64;
	h->cpuinfo = calloc(h->nr_pcpus ? h->nr_pcpus : 1,
			    sizeof(*h->cpuinfo));
	h->infos = calloc(h->infos_cap, sizeof(*h->infos));
	if (!h->cpuinfo || !h->infos) {
		hc_destroy(&h->base);
		return BACKEND_ENOMEM;
	}
	open_runstates(h);
	*out = &h->base;
	return BACKEND_OK;
}
