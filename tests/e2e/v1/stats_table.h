/* SPDX-License-Identifier: MIT */
/******************************************************************************
 * stats_table.h
 *
 * tests/e2e/v1/stats_table.h: the first version of the ABI header, kept as
 * it was (this paragraph aside) so that the e2e can build its checker as a
 * v1 reader and run it against the current hypervisor (readers built
 * against an older header must keep working).  Never edit: it is the old
 * ABI.
 *
 * Read-only statistics tables which a tools domain maps through
 * XENMEM_acquire_resource (type XENMEM_resource_stats_table), so that
 * sampling per-vCPU runstate times, domain memory counters and physical CPU
 * idle time needs no hypercall once the table is mapped.
 *
 * Layout of a table (all offsets in bytes from the start of frame 0):
 *
 *   0                     struct xen_stats_table_header
 *   hdr.section_offset    one section (struct xen_stats_domain for the
 *                         domain table, struct xen_stats_host for the host
 *                         table), hdr.section_size bytes long
 *   hdr.slot_offset       hdr.nr_slots slots, hdr.slot_stride bytes apart,
 *                         each hdr.slot_size bytes long (struct
 *                         xen_stats_vcpu for the domain table, one per vCPU
 *                         id; struct xen_stats_pcpu for the host table, one
 *                         per physical CPU id)
 *
 * Compatibility: structures in this file only ever grow by appending fields
 * at their end.  Xen publishes the size it knows of every structure in the
 * header, so a consumer built against an older or a newer version of this
 * file works unchanged: it reads a field only when
 * offsetof(field) + sizeof(field) <= the published size, and it always
 * locates sections and slots through the published offsets and stride,
 * never through sizeof().  The header itself is written once, before the
 * first mapping is handed out, and never changes afterwards.
 *
 * Consistency: the section and every slot begin with a sequence counter.
 * Xen makes it odd before updating the structure and even again afterwards
 * (with write barriers in between), so a reader copies a structure as
 * follows and retries until the copy is consistent:
 *
 *     do {
 *         s1 = ACCESS_ONCE(p->seq);  read barrier;
 *         copy the fields needed;
 *         read barrier;  s2 = ACCESS_ONCE(p->seq);
 *     } while ( (s1 & 1) || s1 != s2 );
 *
 * A slot whose seq is 0 has never been written.
 *
 * Times are in nanoseconds of Xen system time (the NOW() clock, the same
 * clock as struct vcpu_runstate_info uses).  Runstate times are accumulated
 * up to state_entry_time; see the per-structure comments for how to add the
 * period in progress.
 *
 * The tables are read-only to every domain: mappings must be requested
 * without write permission (e.g. PROT_READ).
 *
 * This file needs uint32_t, uint64_t and uint8_t to be defined by the
 * includer (e.g. <stdint.h> in a tools domain); it is self-contained apart
 * from that, so that tools can carry a copy of it.
 */

#ifndef __XEN_PUBLIC_STATS_TABLE_H__
#define __XEN_PUBLIC_STATS_TABLE_H__

/*
 * Resource type and ids, as in public/memory.h.  They are repeated here (an
 * identical macro redefinition is valid C) so that a consumer of this file
 * alone can ask for the table.
 *
 * Domain table: XENMEM_acquire_resource with domid = the domain (or
 * DOMID_SELF for the caller's own table, which is what a PV caller must use
 * to map its own table, as a PV domain cannot name itself as foreign page
 * owner), type = XENMEM_resource_stats_table,
 * id = XENMEM_resource_stats_table_id_domain.
 *
 * Host table: domid = DOMID_XEN, type = XENMEM_resource_stats_table,
 * id = XENMEM_resource_stats_table_id_host.  Its pages belong to Xen and are
 * mapped as DOMID_XEN pages, like the trace buffers.  Only domains that may
 * map resources of any domain (the control domain, under the default XSM
 * policy) may map it.
 */
#define XENMEM_resource_stats_table 3
#define XENMEM_resource_stats_table_id_domain 0
#define XENMEM_resource_stats_table_id_host   1

/* "XSTB", little endian. */
#define XEN_STATS_TABLE_MAGIC 0x42545358U

/* Slots are at least this far apart, so that no two share a cache line. */
#define XEN_STATS_TABLE_SLOT_ALIGN 64

/*
 * At offset 0 of every table.  Written before the table is first handed out
 * and constant afterwards, so it has no sequence counter.
 */
struct xen_stats_table_header {
    uint32_t magic;          /* XEN_STATS_TABLE_MAGIC */
    uint32_t header_size;    /* Bytes of this header that Xen filled in. */
    uint32_t total_size;     /* Bytes of the table in use (header, section,
                                slots); the resource is this many bytes
                                rounded up to whole frames. */
    uint32_t table_id;       /* XENMEM_resource_stats_table_id_* */
    uint32_t section_offset; /* Offset of the section. */
    uint32_t section_size;   /* Bytes of the section that Xen fills in. */
    uint32_t slot_offset;    /* Offset of slot 0. */
    uint32_t slot_size;      /* Bytes of each slot that Xen fills in. */
    uint32_t slot_stride;    /* Distance between two slots: a multiple of
                                XEN_STATS_TABLE_SLOT_ALIGN, >= slot_size. */
    uint32_t nr_slots;       /* Domain table: the domain's maximum number of
                                vCPUs; host table: the number of physical
                                CPU ids. */
};
typedef struct xen_stats_table_header xen_stats_table_header_t;

/* Runstates, with the values of RUNSTATE_* in public/vcpu.h. */
#define XEN_STATS_RUNSTATE_running  0
#define XEN_STATS_RUNSTATE_runnable 1
#define XEN_STATS_RUNSTATE_blocked  2
#define XEN_STATS_RUNSTATE_offline  3
#define XEN_STATS_NR_RUNSTATES      4

/* xen_stats_domain.flags */
#define XEN_STATS_DOMF_dying    (1U << 0) /* Being destroyed. */
#define XEN_STATS_DOMF_shutdown (1U << 1) /* Shut down (d->is_shut_down). */
#define XEN_STATS_DOMF_paused   (1U << 2) /* Paused by the toolstack. */

/*
 * Section of the domain table.  Updated when one of its fields changes;
 * update_time says when it was last written.
 */
struct xen_stats_domain {
    uint32_t seq;
    uint32_t flags;           /* XEN_STATS_DOMF_* */
    uint8_t  handle[16];      /* Domain handle (xen_domain_handle_t): the
                                 toolstack's UUID of the domain. */
    uint32_t domid;
    uint32_t nr_online_vcpus; /* vCPUs that exist and are not down. */
    uint64_t tot_pages;       /* Pages in use, as tot_pages of
                                 XEN_DOMCTL_getdomaininfo. */
    uint64_t max_pages;       /* Page limit, as max_pages of
                                 XEN_DOMCTL_getdomaininfo. */
    uint64_t update_time;     /* Xen system time of the last update. */
};
typedef struct xen_stats_domain xen_stats_domain_t;

/* xen_stats_vcpu.flags */
#define XEN_STATS_VCPUF_present (1U << 0) /* The vCPU exists. */
#define XEN_STATS_VCPUF_online  (1U << 1) /* The vCPU is up (not down). */

/*
 * One slot per vCPU id of the domain table.
 *
 * time[] and state/state_entry_time are a copy of the vCPU's
 * struct vcpu_runstate_info: time[s] is the time spent in runstate s up to
 * state_entry_time, when the vCPU entered its current runstate.  Xen
 * rewrites the slot on every runstate change and, while the vCPU keeps
 * running, whenever the scheduler decides to keep it running (at least once
 * per scheduler time slice with the credit and credit2 schedulers), setting
 * update_time to the Xen system time of the write.
 *
 * The running time at update_time, which is what XEN_DOMCTL_getvcpuinfo
 * would have returned as cpu_time at that instant, is:
 *
 *     time[XEN_STATS_RUNSTATE_running] +
 *         (state == XEN_STATS_RUNSTATE_running ?
 *          update_time - state_entry_time : 0)
 *
 * and the same formula applies to the other runstates.  A reader with a
 * more recent estimate of Xen system time (e.g. the largest update_time
 * among the host table's slots) may use it in place of update_time.
 */
struct xen_stats_vcpu {
    uint32_t seq;
    uint32_t state;            /* XEN_STATS_RUNSTATE_* */
    uint64_t state_entry_time;
    uint64_t time[XEN_STATS_NR_RUNSTATES];
    uint64_t update_time;
    uint32_t flags;            /* XEN_STATS_VCPUF_* */
    uint32_t processor;        /* Physical CPU the vCPU last ran on. */
};
typedef struct xen_stats_vcpu xen_stats_vcpu_t;

/* Section of the host table. */
struct xen_stats_host {
    uint32_t seq;
    uint32_t nr_online_cpus;   /* Physical CPUs online. */
    uint64_t total_pages;      /* Pages of RAM Xen manages. */
    uint64_t update_time;      /* Xen system time of the last update. */
};
typedef struct xen_stats_host xen_stats_host_t;

/* xen_stats_pcpu.flags */
#define XEN_STATS_PCPUF_online (1U << 0) /* The CPU is online. */
#define XEN_STATS_PCPUF_idle   (1U << 1) /* The CPU has been idle since
                                            state_entry_time. */

/*
 * One slot per physical CPU id of the host table.
 *
 * idle_time is the time the CPU spent idle (running its idle vCPU) up to
 * state_entry_time, when it last became idle (XEN_STATS_PCPUF_idle set) or
 * busy (clear).  Xen rewrites the slot when the CPU becomes idle or busy
 * and, while it stays busy, whenever its scheduler runs; update_time is the
 * Xen system time of the last write.  An idle CPU may sleep for a long time
 * without any write, so a reader estimates the current Xen system time as
 * the largest update_time of all slots (the CPU running the reader is busy,
 * so its slot is at most one scheduler time slice old) and computes
 *
 *     now  = max over slots of update_time
 *     idle = idle_time +
 *            ((flags & XEN_STATS_PCPUF_idle) && now > state_entry_time ?
 *             now - state_entry_time : 0)
 *
 * which is what XEN_SYSCTL_getcpuinfo reports as idletime at time now.
 */
struct xen_stats_pcpu {
    uint32_t seq;
    uint32_t flags;            /* XEN_STATS_PCPUF_* */
    uint64_t idle_time;
    uint64_t state_entry_time;
    uint64_t update_time;
};
typedef struct xen_stats_pcpu xen_stats_pcpu_t;

#endif /* __XEN_PUBLIC_STATS_TABLE_H__ */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * tab-width: 4
 * indent-tabs-mode: nil
 * End:
 */
