/*
 * mem_table.h: stats tables built in memory, laid out as the hypervisor
 * lays them out (xen-public/stats_table.h): header at 0, section at the
 * next 64-byte boundary, slots 64-byte strided after it, whole pages.
 * Tests then corrupt them on purpose.
 */
#ifndef PLUGIN_TEST_MEM_TABLE_H
#define PLUGIN_TEST_MEM_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "stats_table.h"

struct mem_table {
	uint8_t *buf;		/* page-aligned, len bytes, zeroed */
	size_t len;
	struct xen_stats_table_header *hdr;
};

/* A domain table with nr_slots vCPU slots, seq 2 everywhere. */
struct mem_table mem_table_domain(uint32_t nr_slots, uint32_t domid);

/* A host table with nr_slots pCPU slots. */
struct mem_table mem_table_host(uint32_t nr_slots);

void mem_table_free(struct mem_table *t);

struct xen_stats_domain *mem_table_dom_section(const struct mem_table *t);
struct xen_stats_host *mem_table_host_section(const struct mem_table *t);
struct xen_stats_vcpu *mem_table_vcpu(const struct mem_table *t, uint32_t i);
struct xen_stats_pcpu *mem_table_pcpu(const struct mem_table *t, uint32_t i);

/*
 * Xen's side of the sequence protocol around one update of a section or
 * slot (write_atomic and smp_wmb): for doubles that rewrite tables while
 * readers read them.
 */
static inline void mem_table_seq_begin(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void mem_table_seq_end(uint32_t *seq)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
}

#endif
