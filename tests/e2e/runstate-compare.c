/*
 * runstate-compare: the stats table's domain runstate times against
 * XenServer's XEN_DOMCTL_get_runstate_info (98) on the same domains over
 * the same interval.  Only a hypervisor with both (XCP-ng's with the
 * series) can run it.
 *
 *   runstate-compare [--interval SECONDS] NAME:DOMID...
 *
 * Runs in dom0 (domid 0 is mapped as DOMID_SELF).
 * Each source is read twice, SECONDS apart (3 by default).  The domctl
 * answers with each state's time up to the moment it ran (Xen's NOW());
 * the table keeps them up to its last update plus the state since then, so
 * it can be taken to any later instant.  The domctl's moment is estimated
 * from the host table's clock (the newest update_time of the CPU slots,
 * refreshed on every context switch) read just before and after it, and
 * the table is taken to that moment.  Per domain and state: PASS when the
 * two advanced by the same amount within 2% of the interval, or when they
 * differ but the domctl counted missed changes in the interval (it skips an
 * update when its trylock fails; the table never does); FAIL otherwise.
 * One line per check, `PASS name detail` / `FAIL name detail`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xencall.h>
#include <xenforeignmemory.h>

#include "stats_reader.h"
#include "stats_table.h"

#define DOMCTL_RUNSTATE_INFO 98u
#define DOMCTL_BYTES 144u	/* struct xen_domctl: 16 + a 128-byte union */
#define DOMCTL_UNION 16u
#define NSTATES XEN_STATS_NR_DOMSTATES
#define MAX_DOMS 8
#define MAX_VCPUS 4096u
#define TOLERANCE 0.02

static const char *const state_names[NSTATES] = {
	"full_run", "full_contention", "concurrency_hazard",
	"blocked", "partial_run", "partial_contention",
};

/* One source's view: the times up to entry, and the state since then. */
struct reading {
	uint32_t state;
	uint32_t missed;	/* domctl only */
	uint64_t entry;
	uint64_t time[NSTATES];
	uint64_t when;		/* domctl: its estimated NOW() */
};

struct domain {
	const char *name;
	uint32_t domid;
	struct stats_mapping map;
	struct stats_view view;
	struct reading table[2], domctl[2];
};

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The domctl as libxencall issues any other: a struct xen_domctl in a
 * hypercall-safe buffer, answered in place.  0 or -errno. */
static int read_domctl(xencall_handle *xc, uint8_t *buf, uint32_t domid,
		       struct reading *r)
{
	uint32_t cmd = DOMCTL_RUNSTATE_INFO;
	uint32_t version = XEN_DOMCTL_INTERFACE_VERSION;
	uint16_t dom = (uint16_t)domid;
	const uint8_t *u = buf + DOMCTL_UNION;
	unsigned k;

	memset(buf, 0, DOMCTL_BYTES);
	memcpy(buf, &cmd, sizeof(cmd));
	memcpy(buf + 4, &version, sizeof(version));
	memcpy(buf + 8, &dom, sizeof(dom));
	if (xencall1(xc, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)buf) < 0)
		return -errno;
	r->state = u32_at(u);
	r->missed = u32_at(u + 4);
	r->entry = u64_at(u + 8);
	for (k = 0; k < NSTATES; k++)
		r->time[k] = u64_at(u + 16 + 8 * (size_t)k);
	return 0;
}

/* The host table's estimate of Xen's NOW(): its newest CPU slot. */
static int host_now(const struct stats_view *host, uint64_t *now)
{
	struct xen_stats_pcpu p;
	uint32_t i;

	*now = 0;
	for (i = 0; i < host->nr_slots; i++) {
		int rc = stats_read_slot(host, i, &p, sizeof(p),
					 STATS_DEFAULT_TRIES);

		if (rc == STATS_EEMPTY)
			continue;
		if (rc != STATS_OK)
			return rc;
		if (p.update_time > *now)
			*now = p.update_time;
	}
	return *now ? STATS_OK : STATS_EEMPTY;
}

static int read_table(const struct stats_view *view, struct reading *r)
{
	struct xen_stats_domain sec;
	int rc = stats_read_section(view, &sec, sizeof(sec),
				    STATS_DEFAULT_TRIES);

	if (rc != STATS_OK)
		return rc;
	if (!stats_has_field(view->section_size,
			     offsetof(struct xen_stats_domain, running_time),
			     sizeof(sec.running_time)))
		return STATS_EHEADER;
	r->state = sec.runstate;
	r->missed = 0;
	r->entry = sec.runstate_update_time;
	memcpy(r->time, sec.runstate_time, sizeof(r->time));
	return STATS_OK;
}

/* r's state times at Xen time t (t >= r->entry; earlier adds nothing). */
static void at(const struct reading *r, uint64_t t, uint64_t out[NSTATES])
{
	memcpy(out, r->time, sizeof(r->time));
	if (r->state < NSTATES && t > r->entry)
		out[r->state] += t - r->entry;
}

static uint64_t later(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Both sources of every domain, back to back; 0 or a message printed. */
static int sample(xencall_handle *xc, uint8_t *buf,
		  const struct stats_view *host, struct domain *d, size_t n,
		  int which)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct reading *dr = &d[i].domctl[which];
		uint64_t before, after;
		int rc = host_now(host, &before);

		if (rc == STATS_OK) {
			rc = read_domctl(xc, buf, d[i].domid, dr);
			if (rc < 0) {
				printf("FAIL domstate-%s domctl 98: %s\n",
				       d[i].name, strerror(-rc));
				return -1;
			}
			rc = host_now(host, &after);
		}
		if (rc == STATS_OK)
			rc = read_table(&d[i].view, &d[i].table[which]);
		if (rc != STATS_OK) {
			printf("FAIL domstate-%s table read: %s\n", d[i].name,
			       stats_strerror(rc));
			return -1;
		}
		dr->when = before + (after - before) / 2;
	}
	return 0;
}

static void compare(const struct domain *d)
{
	uint64_t t0 = d->domctl[0].when, t1 = d->domctl[1].when;
	uint64_t ta[2][NSTATES];
	uint32_t missed = d->domctl[1].missed - d->domctl[0].missed;
	double wall = t1 > t0 ? (double)(t1 - t0) : 0;
	unsigned k;

	/* The table cannot be taken back before its own last update. */
	at(&d->table[0], later(t0, d->table[0].entry), ta[0]);
	at(&d->table[1], later(t1, d->table[1].entry), ta[1]);
	for (k = 0; k < NSTATES; k++) {
		double tv = (double)(ta[1][k] - ta[0][k]);
		double dv = (double)(d->domctl[1].time[k] - d->domctl[0].time[k]);
		double diff = (tv > dv ? tv - dv : dv - tv) / wall;
		int ok = wall > 0 && (diff <= TOLERANCE || missed > 0);

		printf("%s domstate-%s.%s table %.4f domctl98 %.4f of %.3f s"
		       " (|diff| %.4f, want <= %.2f%s; missed_changes +%" PRIu32
		       ")\n", ok ? "PASS" : "FAIL", d->name, state_names[k],
		       tv / wall, dv / wall, wall / 1e9, diff, TOLERANCE,
		       diff > TOLERANCE && missed ? ", explained by missed"
		       " changes" : "", missed);
	}
}

static int parse_args(int argc, char **argv, unsigned *interval,
		      struct domain *d, size_t *n)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *colon, *end;

		if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
			*interval = (unsigned)strtoul(argv[++i], &end, 10);
			if (*end || *interval == 0)
				return -1;
			continue;
		}
		colon = strchr(argv[i], ':');
		if (!colon || *n == MAX_DOMS)
			return -1;
		*colon = '\0';
		d[*n].name = argv[i];
		d[*n].domid = (uint32_t)strtoul(colon + 1, &end, 10);
		if (*end || colon[1] == '\0')
			return -1;
		(*n)++;
	}
	return *n ? 0 : -1;
}

static int map_host(xenforeignmemory_handle *fmem, struct stats_mapping *m,
		    struct stats_view *view)
{
	char why[128] = "";
	int err = 0;
	int rc = stats_map_table(fmem, DOMID_XEN,
				 XENMEM_resource_stats_table_id_host, m, &err);

	if (rc == STATS_OK)
		rc = stats_view_open(m->addr, m->len,
				     XENMEM_resource_stats_table_id_host,
				     sizeof(struct xen_stats_host),
				     sizeof(struct xen_stats_pcpu), MAX_VCPUS,
				     view, why, sizeof(why));
	if (rc != STATS_OK)
		printf("FAIL domstate-host-map %s (errno %d) %s\n",
		       stats_strerror(rc), err, why);
	return rc == STATS_OK ? 0 : -1;
}

static int map_all(xenforeignmemory_handle *fmem, struct domain *d, size_t n,
		   uint32_t self)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char why[128] = "";
		int err = 0;
		/* A PV caller cannot name itself. */
		int rc = stats_map_table(fmem, d[i].domid == self ? DOMID_SELF
							      : d[i].domid,
				     XENMEM_resource_stats_table_id_domain,
				     &d[i].map, &err);
		if (rc == STATS_OK)
			rc = stats_view_open(d[i].map.addr, d[i].map.len,
					     XENMEM_resource_stats_table_id_domain,
					     sizeof(struct xen_stats_domain),
					     sizeof(struct xen_stats_vcpu),
					     MAX_VCPUS, &d[i].view,
					     why, sizeof(why));
		if (rc != STATS_OK) {
			printf("FAIL domstate-%s map: %s (errno %d) %s\n",
			       d[i].name, stats_strerror(rc), err, why);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct domain doms[MAX_DOMS];
	struct stats_mapping host_map;
	struct stats_view host;
	unsigned interval = 3;
	size_t n = 0, i;
	xenforeignmemory_handle *fmem;
	xencall_handle *xc;
	uint8_t *buf;
	int status = 1;

	memset(doms, 0, sizeof(doms));
	memset(&host_map, 0, sizeof(host_map));
	if (parse_args(argc, argv, &interval, doms, &n) < 0) {
		fprintf(stderr, "usage: %s [--interval SECONDS] NAME:DOMID...\n",
			argv[0]);
		return 2;
	}
	fmem = xenforeignmemory_open(NULL, 0);
	xc = xencall_open(NULL, 0);
	buf = xc ? xencall_alloc_buffer(xc, DOMCTL_BYTES) : NULL;
	if (!fmem || !buf) {
		printf("FAIL domstate-open libxenforeignmemory/libxencall: %s\n",
		       strerror(errno));
		goto out;
	}
	if (map_host(fmem, &host_map, &host) < 0 ||
	    map_all(fmem, doms, n, 0) < 0 ||
	    sample(xc, buf, &host, doms, n, 0) < 0)
		goto out;
	sleep(interval);
	if (sample(xc, buf, &host, doms, n, 1) < 0)
		goto out;
	for (i = 0; i < n; i++)
		compare(&doms[i]);
	status = 0;
out:
	for (i = 0; i < n; i++)
		stats_unmap_table(fmem, &doms[i].map);
	if (fmem)
		stats_unmap_table(fmem, &host_map);
	if (buf)
		xencall_free_buffer(xc, buf);
	if (xc)
		xencall_close(xc);
	if (fmem)
		xenforeignmemory_close(fmem);
	return status;
}
