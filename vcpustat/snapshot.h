/*
 * snapshot.h: one reading of the host for vcpustat: every vCPU's time in
 * each runstate and every pCPU's idle time, at one Xen time.  Filled from
 * validated stats tables (pure: tests use in-memory tables) or, on a Xen
 * without tables, from hypercalls (xen.c), which know running time only.
 */
#ifndef VCPUSTAT_SNAPSHOT_H
#define VCPUSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_reader.h"

#define VS_NAME_LEN 64

struct vs_vcpu {
	uint32_t id;
	bool online;
	uint64_t ns[XEN_STATS_NR_RUNSTATES];	/* time per runstate */
};

struct vs_dom {
	uint32_t domid;
	char name[VS_NAME_LEN];
	size_t n_vcpus;
	struct vs_vcpu *vcpus;			/* present vCPUs, by id */
};

struct vs_snap {
	uint64_t now;		/* ns: Xen time (tables) or CLOCK_MONOTONIC */
	bool runstates;		/* all four runstates known (else running) */
	unsigned nr_pcpus;
	uint64_t *pcpu_idle;	/* nr_pcpus entries */
	size_t n_doms;
	struct vs_dom *doms;	/* in the order added */
};

void vs_snap_init(struct vs_snap *s);
void vs_snap_free(struct vs_snap *s);

/*
 * Host table -> s->nr_pcpus, s->pcpu_idle, with idle periods extrapolated
 * to stats_clock_now(hint, newest write).  Returns the newest update_time
 * seen (0: none); s->now is set to the "now" used.  -1 out of memory.
 */
int64_t vs_snap_host(struct vs_snap *s, const struct stats_view *host,
		     uint64_t hint);

/*
 * Domain table -> one more domain, its vCPU times at s->now.  0 (added),
 * 1 (dying: left out), -1 (out of memory) or a STATS_E* status.
 */
int vs_snap_domain(struct vs_snap *s, const struct stats_view *view,
		   uint32_t domid, const char *name);

/* An empty domain appended (for the hypercall source); NULL: no memory. */
struct vs_dom *vs_snap_add(struct vs_snap *s, uint32_t domid,
			   const char *name, size_t n_vcpus);

#endif
