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
#include <sys/mman.h>
#include <time.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

#include "common/log.h"
#include "stats_reader.h"
#include "input/table_sample.h"

#define PAGE 4096u
/* Enough for 4096 vCPUs at a 64-byte stride; 4.17 answers a size query
 * for an unknown type with a huge count, so never trust it blindly. */
#define MAX_FRAMES 128u

struct mapping {
	uint32_t domid;
	xenforeignmemory_resource_handle *res;
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
	bool have_offset;
	int64_t xen_offset;		/* Xen time - CLOCK_MONOTONIC_RAW */
	struct mapping *doms;		/* sorted by domid */
	size_t n_doms, cap_doms;
};

static struct table_backend *tb(struct backend *b)
{
	return (struct table_backend *)b;
}

/* errno after a failed size query or map -> backend status. */
static int map_errno_status(int err)
{
	switch (err) {
	case EOPNOTSUPP:
	case EINVAL:
		return BACKEND_EUNSUPPORTED;
	case ESRCH:
	case ENOENT:
		return BACKEND_EGONE;
	case ENOMEM:
		return BACKEND_ENOMEM;
	default:
		return BACKEND_ESYS;
	}
}

static unsigned frames_for(struct table_backend *t, uint32_t domid,
			   unsigned id)
{
	size_t size = 0;

	if (xenforeignmemory_resource_size(t->fmem, (domid_t)domid,
					   XENMEM_resource_stats_table, id,
					   &size) != 0 || size == 0)
		return 1;	/* let the map say what is wrong */
	size = (size + PAGE - 1) / PAGE;
	return size > MAX_FRAMES ? MAX_FRAMES : (unsigned)size;
}

/* Map one table read-only and validate its header. */
static int map_table(struct table_backend *t, uint32_t domid, unsigned id,
		     size_t min_section, size_t min_slot, uint32_t max_slots,
		     struct mapping *m)
{
	uint32_t target = domid == t->self_domid ? DOMID_SELF : domid;
	unsigned frames = frames_for(t, target, id);
	char why[160];
	void *addr = NULL;
	int rc;

	m->domid = domid;
	m->res = xenforeignmemory_map_resource(t->fmem, (domid_t)target,
					       XENMEM_resource_stats_table, id,
					       0, frames, &addr, PROT_READ, 0);
	if (!m->res) {
		m->map_errno = errno;
		return map_errno_status(m->map_errno);
	}
	rc = stats_view_open(addr, (size_t)frames * PAGE, id, min_section,
			     min_slot, max_slots, &m->view, why, sizeof(why));
	if (rc != STATS_OK) {
		log_warn("%s table of domain %u rejected (%s): skipped",
			 id == XENMEM_resource_stats_table_id_host ? "host"
								  : "stats",
			 domid, why);
		xenforeignmemory_unmap_resource(t->fmem, m->res);
		m->res = NULL;
		return BACKEND_EBADTABLE;
	}
	return BACKEND_OK;
}

static void unmap(struct table_backend *t, struct mapping *m)
{
	if (m->res)
		xenforeignmemory_unmap_resource(t->fmem, m->res);
	m->res = NULL;
}

static size_t find_pos(const struct table_backend *t, uint32_t domid)
{
	size_t lo = 0, hi = t->n_doms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->doms[mid].domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mapping *find(struct table_backend *t, uint32_t domid)
{
	size_t pos = find_pos(t, domid);

	return pos < t->n_doms && t->doms[pos].domid == domid ? &t->doms[pos]
							      : NULL;
}

static int insert(struct table_backend *t, const struct mapping *m)
{
	size_t pos = find_pos(t, m->domid);

	if (t->n_doms == t->cap_doms) {
		size_t cap = t->cap_doms ? t->cap_doms * 2 : 16;
		struct mapping *grown = realloc(t->doms, cap * sizeof(*grown));

		if (!grown)
			return BACKEND_ENOMEM;
		t->doms = grown;
		t->cap_doms = cap;
	}
	memmove(&t->doms[pos + 1], &t->doms[pos],
		(t->n_doms - pos) * sizeof(*t->doms));
	t->doms[pos] = *m;
	t->n_doms++;
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
	struct mapping *m = find(t, domid);
	size_t pos;

	if (!m)
		return;
	unmap(t, m);
	pos = (size_t)(m - t->doms);
	memmove(&t->doms[pos], &t->doms[pos + 1],
		(t->n_doms - pos - 1) * sizeof(*t->doms));
	t->n_doms--;
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Xen's current time, without a hypercall.  The newest write in the host
 * table lags it by up to a scheduler time slice, and that lag changes
 * from cycle to cycle: extrapolating running vCPUs only to the newest
 * write would make a busy vCPU's rate jitter around 1.0 by a few 0.1 %,
 * and xcp-rrdd stores a derive above its max (1.0) as NaN.  So track the
 * offset between Xen time and dom0's raw monotonic clock (both count
 * from the same hardware clock): every observation is a lower bound, the
 * largest is best; a slow decay (10 ppm of a 5 s cycle) follows drift.
 */
#define OFFSET_DECAY_NS 50000

static uint64_t sample_pcpus(struct table_backend *t, struct host_sample *out)
{
	uint64_t raw = mono_raw_ns();
	uint64_t hint = t->have_offset ? (uint64_t)((int64_t)raw + t->xen_offset)
				       : 0;
	uint64_t newest = table_sample_pcpus_at(&t->host.view, t->nr_pcpus,
						t->last_idle, hint, out);
	/* Clock read after the table: the observation stays a lower bound
	 * even if dom0 was descheduled in between. */
	int64_t seen = (int64_t)newest - (int64_t)mono_raw_ns();

	if (newest == 0)
		return hint;
	if (!t->have_offset || seen > t->xen_offset) {
		t->xen_offset = seen;
		t->have_offset = true;
	} else {
		t->xen_offset -= OFFSET_DECAY_NS;
	}
	/* A hint far ahead of every write is not to be trusted. */
	if (hint > newest && hint - newest <= TABLE_HINT_MAX_AHEAD_NS)
		return hint;
	return newest;
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
	out->loadavg = sample_read_loadavg(BACKEND_LOADAVG_PATH);
	return rc == TABLE_ENOMEM ? BACKEND_ENOMEM : BACKEND_OK;
}

static void tb_destroy(struct backend *b)
{
	struct table_backend *t = tb(b);

	for (size_t i = 0; i < t->n_doms; i++)
		unmap(t, &t->doms[i]);
	unmap(t, &t->host);
	if (t->fmem)
		xenforeignmemory_close(t->fmem);
	if (t->xch)
		xc_interface_close(t->xch);
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

/*
 * The host table could not be mapped.  Xen 4.17 looks the domain up
 * before the resource type, so an unpatched one refuses DOMID_XEN with
 * ESRCH (a guest's table gets EOPNOTSUPP, newer Xen EINVAL): a patched
 * hypervisor always knows DOMID_XEN's host table.  EPERM (an XSM policy
 * that forbids the map) leaves hypercalls as the only way too.
 */
static int host_map_status(int rc, int err)
{
	if (rc == BACKEND_EGONE || err == EPERM) {
		log_debug("host table map: %s", strerror(err));
		return BACKEND_EUNSUPPORTED;
	}
	return rc;
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
	if (rc != BACKEND_OK && rc != BACKEND_EBADTABLE)
		rc = host_map_status(rc, t->host.map_errno);
	return rc;
}

int backend_table_new(struct backend **out)
{
	struct table_backend *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return BACKEND_ENOMEM;
	t->base.ops = &tb_ops;
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
