/*
 * backend_table.c: sample from the stats tables Xen publishes through
 * XENMEM_acquire_resource.  Each domain's table is mapped once, read-only,
 * when the domain appears, and unmapped when it is released; the host
 * table (pCPU idle times) is mapped once at start.  A steady-state cycle
 * is then memory loads only: no hypercall, no domctl lock.
 */
#include "input/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

#include "common/domset.h"
#include "common/log.h"
#include "stats_reader.h"
#include "input/loadavg.h"
#include "input/table_sample.h"

struct mapping {
	uint32_t domid;
	struct stats_mapping map;
	struct stats_view view;
	int map_errno;		/* why the map failed (0: it did not) */
};

struct table_backend {
	struct backend base;
	xenforeignmemory_handle *fmem;
	xc_interface *xch;		/* discovery-time checks only */
	uint32_t self_domid;
	unsigned nr_pcpus;		/* as the hypercall backend counts */
	struct mapping host;
	uint64_t *last_idle;		/* per pCPU: kept if a slot is busy */
	struct stats_clock clock;	/* Xen time from CLOCK_MONOTONIC_RAW */
	struct loadavg loadavg;		/* kept open: one pread a cycle */
	struct domset ids;		/* the domains mapped */
	struct mapping *doms;		/* doms[i] is the table of ids.ids[i] */
	size_t cap_doms;
};

static struct table_backend *tb(struct backend *b)
{
	return (struct table_backend *)b;
}

/* stats_map_table's status -> backend status. */
static int map_status(int rc, int err)
{
	switch (rc) {
	case STATS_OK:
		return BACKEND_OK;
	case STATS_ENOTABLE:
		return BACKEND_EUNSUPPORTED;
	case STATS_EGONE:
		return BACKEND_EGONE;
	case STATS_EHEADER:
		return BACKEND_EBADTABLE;
	default:
		return err == ENOMEM ? BACKEND_ENOMEM : BACKEND_ESYS;
	}
}

/* Map one table read-only and validate its header. */
static int map_table(struct table_backend *t, uint32_t domid, unsigned id,
		     size_t min_section, size_t min_slot, uint32_t max_slots,
		     struct mapping *m)
{
	uint32_t target = domid == t->self_domid ? DOMID_SELF : domid;
	char why[160];
	int rc;

	m->domid = domid;
	rc = stats_map_table(t->fmem, target, id, &m->map, &m->map_errno);
	if (rc != STATS_OK)
		return map_status(rc, m->map_errno);
	rc = stats_view_open(m->map.addr, m->map.len, id, min_section,
			     min_slot, max_slots, &m->view, why, sizeof(why));
	if (rc != STATS_OK) {
		log_warn("%s table of domain %u rejected (%s): skipped",
			 id == XENMEM_resource_stats_table_id_host ? "host"
								  : "stats",
			 domid, why);
		stats_unmap_table(t->fmem, &m->map);
		return BACKEND_EBADTABLE;
	}
	return BACKEND_OK;
}

static void unmap(struct table_backend *t, struct mapping *m)
{
	stats_unmap_table(t->fmem, &m->map);
}

static struct mapping *find(struct table_backend *t, uint32_t domid)
{
	size_t pos = domset_find(&t->ids, domid);

	return pos < t->ids.n ? &t->doms[pos] : NULL;
}

static int insert(struct table_backend *t, const struct mapping *m)
{
	size_t pos;

	if (t->ids.n == t->cap_doms) {
		size_t cap = t->cap_doms ? t->cap_doms * 2 : 16;
		struct mapping *grown = realloc(t->doms, cap * sizeof(*grown));

		if (!grown)
			return BACKEND_ENOMEM;
		t->doms = grown;
		t->cap_doms = cap;
	}
	if (domset_insert(&t->ids, m->domid, &pos) != 0)
		return BACKEND_ENOMEM;	/* never 1: callers look first */
	memmove(&t->doms[pos + 1], &t->doms[pos],
		(t->ids.n - 1 - pos) * sizeof(*t->doms));
	t->doms[pos] = *m;
	return BACKEND_OK;
}

/* The domain's vCPU count, to bound its slot count (discovery time only). */
static int domain_vcpus(struct table_backend *t, uint32_t domid,
			uint32_t *max_vcpus)
{
	xc_domaininfo_t info;

	if (xc_domain_getinfolist(t->xch, domid, 1, &info) != 1 ||
	    info.domain != domid || (info.flags & XEN_DOMINF_dying))
		return BACKEND_EGONE;
	*max_vcpus = info.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID
			     ? 0 : info.max_vcpu_id + 1;
	return BACKEND_OK;
}

static int tb_add_domain(struct backend *b, uint32_t domid)
{
	struct table_backend *t = tb(b);
	struct mapping m = { 0 };
	uint32_t max_vcpus = 0;
	int rc;

	if (find(t, domid))
		return BACKEND_OK;
	rc = domain_vcpus(t, domid, &max_vcpus);
	if (rc == BACKEND_OK)
		rc = map_table(t, domid, XENMEM_resource_stats_table_id_domain,
			       TABLE_MIN_DOMAIN_SECTION, TABLE_MIN_VCPU_SLOT,
			       max_vcpus, &m);
	if (rc != BACKEND_OK)
		return rc;
	rc = insert(t, &m);
	if (rc != BACKEND_OK)
		unmap(t, &m);
	return rc;
}

static void tb_remove_domain(struct backend *b, uint32_t domid)
{
	struct table_backend *t = tb(b);
	size_t pos = domset_find(&t->ids, domid);

	if (pos == t->ids.n)
		return;
	unmap(t, &t->doms[pos]);
	memmove(&t->doms[pos], &t->doms[pos + 1],
		(t->ids.n - pos - 1) * sizeof(*t->doms));
	domset_remove_at(&t->ids, pos);
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Xen's current time, without a hypercall (stats_reader.h: struct
 * stats_clock): extrapolating running vCPUs only to the newest write
 * would make a busy vCPU's rate jitter around 1.0 by a few 0.1 %, and
 * xcp-rrdd stores a derive above its max (1.0) as NaN.
 */
static uint64_t sample_pcpus(struct table_backend *t, struct host_sample *out)
{
	uint64_t hint = stats_clock_hint(&t->clock, mono_raw_ns());
	uint64_t newest = table_sample_pcpus_at(&t->host.view, t->nr_pcpus,
						t->last_idle, hint, out);

	stats_clock_observe(&t->clock, newest, mono_raw_ns());
	return stats_clock_now(hint, newest);
}

static int tb_sample(struct backend *b, const uint32_t *domids, size_t n,
		     struct host_sample *out)
{
	struct table_backend *t = tb(b);
	uint64_t now = sample_pcpus(t, out);
	int rc = STATS_OK;

	for (size_t i = 0; rc != TABLE_ENOMEM && i < n; i++) {
		const struct mapping *m = find(t, domids[i]);

		if (!m)
			continue;	/* its table was rejected or vanished */
		rc = table_sample_domain(&m->view, m->domid, now, out);
		if (rc < 0 && rc != TABLE_ENOMEM)
			log_warn("domain %u: %s: skipped this cycle",
				 m->domid, stats_strerror(rc));
	}
	out->loadavg = loadavg_read(&t->loadavg);
	return rc == TABLE_ENOMEM ? BACKEND_ENOMEM : BACKEND_OK;
}

static void tb_destroy(struct backend *b)
{
	struct table_backend *t = tb(b);

	for (size_t i = 0; i < t->ids.n; i++)
		unmap(t, &t->doms[i]);
	unmap(t, &t->host);
	if (t->fmem)
		xenforeignmemory_close(t->fmem);
	if (t->xch)
		xc_interface_close(t->xch);
	loadavg_close(&t->loadavg);
	domset_free(&t->ids);
	free(t->doms);
	free(t->last_idle);
	free(t);
}

static const struct backend_ops tb_ops = {
	.name = "table",
	.add_domain = tb_add_domain,
	.remove_domain = tb_remove_domain,
	.sample = tb_sample,
	.destroy = tb_destroy,
};

/* Our own domid: the domain table of the caller must be asked as DOMID_SELF. */
static uint32_t own_domid(void)
{
	struct xs_handle *xs = xs_open(0);
	unsigned len = 0;
	char *value = xs ? xs_read(xs, XBT_NULL, "domid", &len) : NULL;
	uint32_t domid = value ? (uint32_t)strtoul(value, NULL, 10) : 0;

	free(value);
	if (xs)
		xs_close(xs);
	return domid;
}

static int open_host(struct table_backend *t)
{
	xc_physinfo_t phys;
	int rc;

	if (xc_physinfo(t->xch, &phys) != 0)
		return BACKEND_ESYS;
	t->nr_pcpus = phys.nr_cpus;
	t->last_idle = calloc(phys.max_cpu_id + 1, sizeof(*t->last_idle));
	if (!t->last_idle)
		return BACKEND_ENOMEM;
	rc = map_table(t, DOMID_XEN, XENMEM_resource_stats_table_id_host,
		       TABLE_MIN_HOST_SECTION, TABLE_MIN_PCPU_SLOT,
		       phys.max_cpu_id + 1, &t->host);
	t->host.domid = DOMID_XEN;
	if (rc == BACKEND_EUNSUPPORTED)
		log_debug("host table map: %s", strerror(t->host.map_errno));
	return rc;
}

int backend_table_new(struct backend **out)
{
	struct table_backend *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return BACKEND_ENOMEM;
	t->base.ops = &tb_ops;
	loadavg_open(&t->loadavg, BACKEND_LOADAVG_PATH);
	t->self_domid = own_domid();
	t->fmem = xenforeignmemory_open(NULL, 0);
	t->xch = xc_interface_open(NULL, NULL, 0);
	rc = t->fmem && t->xch ? open_host(t) : BACKEND_ESYS;
	if (rc != BACKEND_OK) {
		tb_destroy(&t->base);
		return rc;
	}
	*out = &t->base;
	return BACKEND_OK;
}
