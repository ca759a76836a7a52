/* mem_table.c: in-memory stats tables for the plugin's tests. */
#include "plugin/support/mem_table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN64(x) (((x) + 63u) & ~63u)
#define PAGE 4096u

static struct mem_table build(uint32_t table_id, uint32_t section_size,
			      uint32_t slot_size, uint32_t nr_slots)
{
	struct mem_table t = { 0 };
	uint32_t hdr_size = sizeof(struct xen_stats_table_header);
	uint32_t sec_off = ALIGN64(hdr_size);
	uint32_t slot_off = ALIGN64(sec_off + section_size);
	uint32_t stride = ALIGN64(slot_size);
	uint32_t total = slot_off + nr_slots * stride;
	void *p = NULL;

	t.len = ((size_t)total + PAGE - 1) / PAGE * PAGE;
	/*
	 * A mapping of its own, as privcmd gives for each table: page
	 * aligned posix_memalign would leave a touched fragment in front of
	 * every table and count about twice its size in a benchmark's RSS.
	 * Anonymous pages come zeroed.
	 */
	p = mmap(NULL, t.len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	t.buf = p;
	t.hdr = p;
	t.hdr->magic = XEN_STATS_TABLE_MAGIC;
	t.hdr->header_size = hdr_size;
	t.hdr->total_size = total;
	t.hdr->table_id = table_id;
	t.hdr->section_offset = sec_off;
	t.hdr->section_size = section_size;
	t.hdr->slot_offset = slot_off;
	t.hdr->slot_size = slot_size;
	t.hdr->slot_stride = stride;
	t.hdr->nr_slots = nr_slots;
	return t;
}

struct mem_table mem_table_domain(uint32_t nr_slots, uint32_t domid)
{
	struct mem_table t = build(XENMEM_resource_stats_table_id_domain,
				   sizeof(struct xen_stats_domain),
				   sizeof(struct xen_stats_vcpu), nr_slots);
	struct xen_stats_domain *d = mem_table_dom_section(&t);

	d->seq = 2;
	d->domid = domid;
	for (uint32_t i = 0; i < nr_slots; i++)
		mem_table_vcpu(&t, i)->seq = 2;
	return t;
}

struct mem_table mem_table_host(uint32_t nr_slots)
{
	struct mem_table t = build(XENMEM_resource_stats_table_id_host,
				   sizeof(struct xen_stats_host),
				   sizeof(struct xen_stats_pcpu), nr_slots);

	mem_table_host_section(&t)->seq = 2;
	for (uint32_t i = 0; i < nr_slots; i++)
		mem_table_pcpu(&t, i)->seq = 2;
	return t;
}

void mem_table_free(struct mem_table *t)
{
	if (t->buf)
		munmap(t->buf, t->len);
	memset(t, 0, sizeof(*t));
}

struct xen_stats_domain *mem_table_dom_section(const struct mem_table *t)
{
	return (void *)(t->buf + t->hdr->section_offset);
}

struct xen_stats_host *mem_table_host_section(const struct mem_table *t)
{
	return (void *)(t->buf + t->hdr->section_offset);
}

struct xen_stats_vcpu *mem_table_vcpu(const struct mem_table *t, uint32_t i)
{
	return (void *)(t->buf + t->hdr->slot_offset +
			(size_t)i * t->hdr->slot_stride);
}

struct xen_stats_pcpu *mem_table_pcpu(const struct mem_table *t, uint32_t i)
{
	return (void *)(t->buf + t->hdr->slot_offset +
			(size_t)i * t->hdr->slot_stride);
}
