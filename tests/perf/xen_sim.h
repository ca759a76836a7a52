/*
 * xen_sim.h: a host's stats tables in memory, written the way Xen writes
 * them, and a backend (backend.h) that samples them exactly as the table
 * backend samples its mappings (table_sample.h), minus the mapping.  For
 * the benchmarks, the Prometheus test server and the listener's tests.
 *
 * Layout: one page-aligned table per domain and one host table, laid out
 * as xen-public/stats_table.h says (tests/unit/plugin/support/mem_table).
 * Domains have domids 1..n_doms and handle 5e7a0000-0000-4000-8000-<domid
 * in 12 hex digits>.  In every domain vCPU 0 is "busy" (running since the
 * start, never descheduled, so only update_time moves, as Xen refreshes
 * it every time slice) and the other vCPUs are blocked (idle) since the
 * start.  pCPU 0 is busy; the others idle since the start.
 */
#ifndef TESTS_PERF_XEN_SIM_H
#define TESTS_PERF_XEN_SIM_H

#include <stdint.h>

#include "input/backend.h"
#include "plugin/support/mem_table.h"

struct xen_sim {
	unsigned n_doms, vcpus, nr_pcpus;
	uint64_t start_ns;		/* Xen time of the start */
	struct mem_table host;
	struct mem_table *doms;		/* n_doms tables, domid i + 1 */
};

/* Xen's clock for the simulation: CLOCK_MONOTONIC in ns. */
uint64_t xen_sim_clock(void);

/* Build the tables at Xen time now.  0, or -1 when out of memory. */
int xen_sim_init(struct xen_sim *s, unsigned n_doms, unsigned vcpus,
		 unsigned nr_pcpus, uint64_t now);

/* What Xen writes at a time slice at time now (seq odd, write, seq even). */
void xen_sim_tick(struct xen_sim *s, uint64_t now);

void xen_sim_free(struct xen_sim *s);

/* The domain table of domid (NULL if none), for tests that change it. */
struct mem_table *xen_sim_table(struct xen_sim *s, uint32_t domid);

/* A backend over the simulation (borrowed: free it after the backend). */
int xen_sim_backend_new(struct xen_sim *s, struct backend **out);

#endif
