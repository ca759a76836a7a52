/* stats-read: map a stats table and read it consistently (stats-read.h). */
#include "stats-read.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_SHIFT 12
/* A table is a few pages; anything bigger is a broken size query. */
#define MAX_FRAMES 256
/* Enough retries for a writer preempted mid-update; then give up. */
#define SEQ_RETRIES 100000

int stats_map(xenforeignmemory_handle *fh, uint32_t domid, unsigned int id,
              unsigned int nr_frames, struct stats_table *t)
{
    void *addr = NULL;

    memset(t, 0, sizeof(*t));
    if (nr_frames == 0) {
        size_t bytes = 0;

        if (xenforeignmemory_resource_size(fh, domid,
                                           XENMEM_resource_stats_table, id,
                                           &bytes))
            return -1;
        nr_frames = (unsigned int)(bytes >> PAGE_SHIFT);
    }
    if (nr_frames == 0 || nr_frames > MAX_FRAMES) {
        errno = E2BIG;
        return -1;
    }
    t->res = xenforeignmemory_map_resource(fh, domid,
                                           XENMEM_resource_stats_table, id,
                                           0, nr_frames, &addr, PROT_READ, 0);
    if (!t->res)
        return -1;
    t->base = addr;
    t->size = (size_t)nr_frames << PAGE_SHIFT;
    /* The header is constant once the table is handed out. */
    memcpy(&t->hdr, addr, sizeof(t->hdr));
    return 0;
}

void stats_unmap(xenforeignmemory_handle *fh, struct stats_table *t)
{
    if (t->res)
        xenforeignmemory_unmap_resource(fh, t->res);
    memset(t, 0, sizeof(*t));
}

/* Does [off, off + len) lie inside the published table and the mapping? */
static int inside(const struct stats_table *t, uint64_t off, uint64_t len)
{
    return off + len <= t->hdr.total_size && t->hdr.total_size <= t->size;
}

const char *stats_header_problem(const struct stats_table *t,
                                 unsigned int id)
{
    const xen_stats_table_header_t *h = &t->hdr;
    uint32_t need_section = id == XENMEM_resource_stats_table_id_domain ?
        (uint32_t)sizeof(xen_stats_domain_t) : (uint32_t)sizeof(xen_stats_host_t);
    uint32_t need_slot = id == XENMEM_resource_stats_table_id_domain ?
        (uint32_t)sizeof(xen_stats_vcpu_t) : (uint32_t)sizeof(xen_stats_pcpu_t);

    if (h->magic != XEN_STATS_TABLE_MAGIC)
        return "bad magic";
    if (h->header_size < sizeof(*h))
        return "header_size smaller than this reader's header";
    if (h->table_id != id)
        return "table_id is not the id asked for";
    if (h->total_size > t->size)
        return "total_size beyond the mapped frames";
    if (h->section_offset < h->header_size)
        return "section overlaps the header";
    /* This Xen is the one the header was written with: all fields exist. */
    if (h->section_size < need_section)
        return "section_size smaller than the header's structure";
    if (!inside(t, h->section_offset, h->section_size))
        return "section outside the table";
    if (h->slot_size < need_slot)
        return "slot_size smaller than the header's structure";
    if (h->slot_stride < h->slot_size)
        return "slot_stride below slot_size";
    if (h->slot_stride % XEN_STATS_TABLE_SLOT_ALIGN)
        return "slot_stride not a multiple of the cache-line alignment";
    if (h->slot_offset % XEN_STATS_TABLE_SLOT_ALIGN)
        return "slot_offset not cache-line aligned";
    if (h->nr_slots &&
        h->slot_offset < (uint64_t)h->section_offset + h->section_size &&
        h->section_offset < (uint64_t)h->slot_offset +
                            (uint64_t)h->nr_slots * h->slot_stride)
        return "slots overlap the section";
    if (!inside(t, h->slot_offset, (uint64_t)h->nr_slots * h->slot_stride))
        return "slots outside the table";
    return NULL;
}

/*
 * Copy `len` bytes (at most `out_size`, the rest zeroed) from a structure
 * at `off` that starts with a sequence counter, until the counter is even
 * and unchanged across the copy.
 */
static int seq_copy(const struct stats_table *t, uint32_t off, uint32_t len,
                    void *out, size_t out_size)
{
    const volatile uint8_t *src = t->base + off;
    const volatile uint32_t *seq = (const volatile uint32_t *)src;
    size_t n = len < out_size ? len : out_size;
    uint8_t *dst = out;

    memset(out, 0, out_size);
    for (unsigned int i = 0; i < SEQ_RETRIES; i++) {
        uint32_t s1 = *seq, s2;

        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        for (size_t b = 0; b < n; b++)
            dst[b] = src[b];
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = *seq;
        if (!(s1 & 1) && s1 == s2)
            return 0;
    }
    errno = EAGAIN;
    return -1;
}

static int read_slot(const struct stats_table *t, unsigned int i, void *out,
                     size_t out_size)
{
    const xen_stats_table_header_t *h = &t->hdr;

    if (i >= h->nr_slots) {
        errno = ERANGE;
        return -1;
    }
    return seq_copy(t, h->slot_offset + i * h->slot_stride, h->slot_size,
                    out, out_size);
}

int stats_read_domain(const struct stats_table *t, xen_stats_domain_t *out)
{
    return seq_copy(t, t->hdr.section_offset, t->hdr.section_size,
                    out, sizeof(*out));
}

int stats_read_host(const struct stats_table *t, xen_stats_host_t *out)
{
    return seq_copy(t, t->hdr.section_offset, t->hdr.section_size,
                    out, sizeof(*out));
}

int stats_read_vcpu(const struct stats_table *t, unsigned int i,
                    xen_stats_vcpu_t *out)
{
    return read_slot(t, i, out, sizeof(*out));
}

int stats_read_pcpu(const struct stats_table *t, unsigned int i,
                    xen_stats_pcpu_t *out)
{
    return read_slot(t, i, out, sizeof(*out));
}

uint64_t stats_vcpu_running(const xen_stats_vcpu_t *v)
{
    uint64_t run = v->time[XEN_STATS_RUNSTATE_running];

    if (v->state == XEN_STATS_RUNSTATE_running &&
        v->update_time > v->state_entry_time)
        run += v->update_time - v->state_entry_time;
    return run;
}

uint64_t stats_pcpu_idle(const xen_stats_pcpu_t *p, uint64_t now)
{
    uint64_t idle = p->idle_time;

    if ((p->flags & XEN_STATS_PCPUF_idle) && now > p->state_entry_time)
        idle += now - p->state_entry_time;
    return idle;
}
