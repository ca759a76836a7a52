/*
 * source.c: vcpustat's snapshots from the stats tables (xen-stats-table
 * library) or, on a Xen without them, from libxenctrl.
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

/* Enough for any x86 domain's vCPUs; the mapping bounds the slots too. */
#define MAX_VCPUS 8192u

struct table {
	uint32_t domid;
	struct stats_mapping map;
	struct stats_view view;
	bool seen;		/* listed by xenstore this round */
};

struct vs_source {
	bool tables;
	struct xs_handle *xs;
	xenforeignmemory_handle *fmem;
	xc_interface *xch;	/* hypercall source only */
	uint32_t self;
	struct table host;
	struct stats_clock clock;
	struct table *doms;
	size_t n_doms;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void domain_name(struct vs_source *src, uint32_t domid, char *name)
{
	char path[64];
	unsigned len = 0;
	char *v;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	v = src->xs ? xs_read(src->xs, XBT_NULL, path, &len) : NULL;
	snprintf(name, VS_NAME_LEN, "%s", v ? v : "");
	free(v);
}

/* Our own domid: our table must be asked for as DOMID_SELF. */
static uint32_t own_domid(struct xs_handle *xs)
{
	unsigned len = 0;
	char *v = xs ? xs_read(xs, XBT_NULL, "domid", &len) : NULL;
	uint32_t domid = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

	free(v);
	return domid;
}

static int open_tables(struct vs_source *src, char *why, size_t why_len)
{
	int err = 0;
	int rc = stats_map_table(src->fmem, DOMID_XEN,
				 XENMEM_resource_stats_table_id_host,
				 &src->host.map, &err);

	if (rc == STATS_OK)
		rc = stats_view_open(src->host.map.addr, src->host.map.len,
				     XENMEM_resource_stats_table_id_host,
				     offsetof(struct xen_stats_host, nr_online_cpus),
				     offsetof(struct xen_stats_pcpu, update_time) +
				     sizeof(uint64_t),
				     MAX_VCPUS, &src->host.view, why, why_len);
	else
		snprintf(why, why_len, "host table: %s (%s)",
			 stats_strerror(rc), strerror(err));
	return rc;
}

struct vs_source *vs_source_open(bool force_hypercalls, char *why,
				 size_t why_len)
{
	struct vs_source *src = calloc(1, sizeof(*src));
	int rc = STATS_ENOTABLE;

	why[0] = '\0';
	if (!src) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	src->xs = xs_open(XS_OPEN_READONLY);
	src->self = own_domid(src->xs);
	src->fmem = xenforeignmemory_open(NULL, 0);
	if (!src->xs || !src->fmem) {
		snprintf(why, why_len, "cannot open %s: %s",
			 src->xs ? "xenforeignmemory" : "xenstore",
			 strerror(errno));
		vs_source_close(src);
		return NULL;
	}
	if (force_hypercalls)
		snprintf(why, why_len, "hypercalls asked for (-H)");
	else
		rc = open_tables(src, why, why_len);
	if (rc == STATS_OK) {
		src->tables = true;
		why[0] = '\0';
		return src;
	}
	if (rc != STATS_ENOTABLE && !force_hypercalls) {
		vs_source_close(src);
		return NULL;
	}
	src->xch = xc_interface_open(NULL, NULL, 0);
	if (!src->xch) {
		snprintf(why, why_len, "cannot open libxenctrl: %s",
			 strerror(errno));
		vs_source_close(src);
		return NULL;
	}
	return src;
}

const char *vs_source_name(const struct vs_source *src)
{
	return src->tables ? "stats tables" : "hypercalls";
}

static struct table *find_table(struct vs_source *src, uint32_t domid)
{
	for (size_t i = 0; i < src->n_doms; i++)
		if (src->doms[i].domid == domid)
			return &src->doms[i];
	return NULL;
}

/* The section names the domain: a table mapped under a recycled id or
 * the wrong DOMID_SELF is not shown under this domid. */
static bool table_is_of(const struct stats_view *view, uint32_t domid)
{
	struct xen_stats_domain sec;

	return stats_read_section_wait(view, &sec, sizeof(sec),
				       STATS_DEFAULT_WAIT_NS) == STATS_OK &&
	       sec.domid == domid;
}

/* Map a domain's table the first time xenstore lists the domain. */
static struct table *add_table(struct vs_source *src, uint32_t domid)
{
	struct table t = { .domid = domid, .seen = true };
	struct table *grown;
	uint32_t target = domid == src->self ? DOMID_SELF : domid;

	if (stats_map_table(src->fmem, target,
			    XENMEM_resource_stats_table_id_domain, &t.map,
			    NULL) != STATS_OK)
		return NULL;
	if (stats_view_open(t.map.addr, t.map.len,
			    XENMEM_resource_stats_table_id_domain,
			    offsetof(struct xen_stats_domain, nr_online_vcpus),
			    offsetof(struct xen_stats_vcpu, processor),
			    MAX_VCPUS, &t.view, NULL, 0) != STATS_OK ||
	    !table_is_of(&t.view, domid)) {
		stats_unmap_table(src->fmem, &t.map);
		return NULL;
	}
	grown = realloc(src->doms, (src->n_doms + 1) * sizeof(*grown));
	if (!grown) {
		stats_unmap_table(src->fmem, &t.map);
		return NULL;
	}
	src->doms = grown;
	src->doms[src->n_doms] = t;
	return &src->doms[src->n_doms++];
}

/* Unmap the tables of domains xenstore no longer lists (or dying ones). */
static void drop_unseen(struct vs_source *src)
{
	size_t kept = 0;

	for (size_t i = 0; i < src->n_doms; i++) {
		if (src->doms[i].seen)
			src->doms[kept++] = src->doms[i];
		else
			stats_unmap_table(src->fmem, &src->doms[i].map);
	}
	src->n_doms = kept;
}

static void read_domain(struct vs_source *src, uint32_t domid,
			struct vs_snap *s)
{
	struct table *t = find_table(src, domid);
	char name[VS_NAME_LEN];

	if (t)
		t->seen = true;
	else if (!(t = add_table(src, domid)))
		return;		/* no table (yet): not shown */
	domain_name(src, domid, name);
	if (vs_snap_domain(s, &t->view, domid, name) == 1)
		t->seen = false;	/* dying: unmap now */
}

static int read_tables(struct vs_source *src, struct vs_snap *s, char *why,
		       size_t why_len)
{
	uint64_t hint = stats_clock_hint(&src->clock, clock_ns(CLOCK_MONOTONIC_RAW));
	int64_t newest = vs_snap_host(s, &src->host.view, hint);
	unsigned n = 0;
	char **ids;

	if (newest < 0) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	stats_clock_observe(&src->clock, (uint64_t)newest,
			    clock_ns(CLOCK_MONOTONIC_RAW));
	s->runstates = true;
	ids = xs_directory(src->xs, XBT_NULL, "/local/domain", &n);
	if (!ids) {
		snprintf(why, why_len, "xenstore: cannot list /local/domain");
		return -1;
	}
	for (size_t i = 0; i < src->n_doms; i++)
		src->doms[i].seen = false;
	for (unsigned i = 0; i < n; i++)
		read_domain(src, (uint32_t)strtoul(ids[i], NULL, 10), s);
	free(ids);
	drop_unseen(src);
	return 0;
}

static int read_hypercall_vcpus(struct vs_source *src,
				const xc_domaininfo_t *info, struct vs_snap *s)
{
	unsigned n = info->max_vcpu_id + 1;
	char name[VS_NAME_LEN];
	struct vs_dom *d;

	domain_name(src, info->domain, name);
	d = vs_snap_add(s, info->domain, name, n);
	if (!d)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		xc_vcpuinfo_t vi;

		if (xc_vcpu_getinfo(src->xch, info->domain, i, &vi) != 0)
			continue;
		d->vcpus[d->n_vcpus].id = i;
		d->vcpus[d->n_vcpus].online = vi.online;
		d->vcpus[d->n_vcpus].ns[XEN_STATS_RUNSTATE_running] =
			vi.cpu_time;
		d->n_vcpus++;
	}
	return 0;
}

static int read_hypercall_host(struct vs_source *src, struct vs_snap *s)
{
	xc_physinfo_t phys;
	xc_cpuinfo_t *info;
	int got = 0;

	if (xc_physinfo(src->xch, &phys) != 0)
		return -1;
	info = calloc(phys.max_cpu_id + 1, sizeof(*info));
	s->pcpu_idle = calloc(phys.max_cpu_id + 1, sizeof(*s->pcpu_idle));
	if (!info || !s->pcpu_idle ||
	    xc_getcpuinfo(src->xch, (int)phys.max_cpu_id + 1, info, &got) != 0) {
		free(info);
		return -1;
	}
	s->nr_pcpus = (unsigned)got;
	for (int i = 0; i < got; i++)
		s->pcpu_idle[i] = info[i].idletime;
	free(info);
	return 0;
}

static int read_hypercalls(struct vs_source *src, struct vs_snap *s,
			   char *why, size_t why_len)
{
	xc_domaininfo_t infos[256];
	uint32_t next = 0;
	int got;

	s->now = clock_ns(CLOCK_MONOTONIC);
	s->runstates = false;
	if (read_hypercall_host(src, s) != 0) {
		snprintf(why, why_len, "pCPU info: %s", strerror(errno));
		return -1;
	}
	do {
		got = xc_domain_getinfolist(src->xch, next, 256, infos);
		for (int i = 0; i < got; i++) {
			next = infos[i].domain + 1;
			if (!(infos[i].flags & XEN_DOMINF_dying) &&
			    read_hypercall_vcpus(src, &infos[i], s) != 0)
				return -1;
		}
	} while (got == 256);
	if (got < 0) {
		snprintf(why, why_len, "domain list: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vs_source_read(struct vs_source *src, struct vs_snap *s, char *why,
		   size_t why_len)
{
	return src->tables ? read_tables(src, s, why, why_len)
			   : read_hypercalls(src, s, why, why_len);
}

void vs_source_close(struct vs_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n_doms; i++)
		stats_unmap_table(src->fmem, &src->doms[i].map);
	stats_unmap_table(src->fmem, &src->host.map);
	free(src->doms);
	if (src->fmem)
		xenforeignmemory_close(src->fmem);
	if (src->xch)
		xc_interface_close(src->xch);
	if (src->xs)
		xs_close(src->xs);
	free(src);
}
