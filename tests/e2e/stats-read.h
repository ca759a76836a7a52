/*
 * stats-read: the e2e checker's access to Xen's stats tables.
 *
 * Maps one table (XENMEM_resource_stats_table) read-only, validates its
 * header against the mapping, and copies the section and slots out with
 * the sequence-counter protocol of stats_table.h.  Written for the checker
 * only: the plugin has its own reader, and the point of the e2e is that
 * both agree with the hypercalls.
 *
 * Every function returns 0 on success and -1 with errno set on failure;
 * none prints.
 */
#ifndef E2E_STATS_READ_H
#define E2E_STATS_READ_H

#include <stddef.h>
#include <stdint.h>
#include <xenforeignmemory.h>

#include "stats_table.h"     /* plugin/xen-public: the ABI copy */

/* One mapped table.  Owned by the caller; release with stats_unmap(). */
struct stats_table {
    xenforeignmemory_resource_handle *res;
    const volatile uint8_t *base;   /* The mapping, read-only. */
    size_t size;                    /* Bytes mapped. */
    xen_stats_table_header_t hdr;   /* Copy of the (constant) header. */
};

/*
 * Map table `id` of `domid` (DOMID_SELF for the caller's own domain table,
 * DOMID_XEN for the host table).  With nr_frames 0 the size comes from the
 * resource size query (trusted only on a hypervisor known to have the
 * table); otherwise exactly nr_frames are mapped.  The header is copied
 * but not validated: see stats_header_problem().
 */
int stats_map(xenforeignmemory_handle *fh, uint32_t domid, unsigned int id,
              unsigned int nr_frames, struct stats_table *t);
void stats_unmap(xenforeignmemory_handle *fh, struct stats_table *t);

/*
 * NULL when the header is consistent with the mapping and with the
 * structures this reader uses (magic, id, sizes, offsets, stride, slot
 * count within the table); otherwise a static string naming the problem.
 */
const char *stats_header_problem(const struct stats_table *t,
                                 unsigned int id);

/*
 * Consistent copies of the section and of slot `i`.  Fields Xen does not
 * publish (an older, smaller structure) read as 0.  Fails with EAGAIN when
 * the sequence counter does not settle, ERANGE for a slot out of range.
 */
int stats_read_domain(const struct stats_table *t, xen_stats_domain_t *out);
int stats_read_host(const struct stats_table *t, xen_stats_host_t *out);
int stats_read_vcpu(const struct stats_table *t, unsigned int i,
                    xen_stats_vcpu_t *out);
int stats_read_pcpu(const struct stats_table *t, unsigned int i,
                    xen_stats_pcpu_t *out);

/* Running time of a vCPU slot as of its update_time (ns). */
uint64_t stats_vcpu_running(const xen_stats_vcpu_t *v);

/*
 * Idle time of a pCPU slot as of `now`, an estimate of Xen system time
 * (the largest update_time of all pCPU slots; see stats_table.h).
 */
uint64_t stats_pcpu_idle(const xen_stats_pcpu_t *p, uint64_t now);

#endif
