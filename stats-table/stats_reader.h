/*
 * stats_reader.h: the xen-stats-table library, the whole API.  It reads
 * the statistics tables Xen publishes through XENMEM_acquire_resource
 * (stats_table.h, the ABI, installed beside this header):
 *
 *   map        stats_map_table(): size query, unpatched-Xen detection,
 *              a read-only mapping of the table's frames (libxenforeignmemory)
 *   validate   stats_view_open(): the header checked against the mapping
 *   read       stats_read_section(), stats_read_slot(): consistent copies
 *              with the sequence-counter protocol; their _wait forms
 *              also sleep a bounded time for a writer stopped mid-write
 *   time       stats_vcpu_runstates(), stats_pcpu_idle(): times at "now";
 *              struct stats_clock: Xen's current time without a hypercall
 *
 * Everything but the map is pure C over memory (no Xen call), so programs
 * and tests can run it on tables built in memory.  Everything the header
 * of a table says is checked against the mapping before any offset is
 * followed: a hostile or corrupt table yields an error, never a read
 * outside the region.  Functions return a stats_status and never print.
 *
 * Ownership: the caller owns every structure passed in.  A struct
 * stats_view borrows the memory it was opened on: it is valid while that
 * mapping is (stats_unmap_table() ends it).  The library keeps no global
 * state and allocates nothing; distinct views may be used from distinct
 * threads, one view from several threads too (reads only load from it).
 *
 * Link: pkg-config --cflags --libs xen-stats-table (a static library that
 * needs libxenforeignmemory only for stats_map_table()).
 */
#ifndef XEN_STATS_READER_H
#define XEN_STATS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "stats_table.h"

enum stats_status {
	STATS_OK = 0,
	STATS_ETRUNC = -1,	/* region smaller than the header */
	STATS_EMAGIC = -2,	/* not a stats table */
	STATS_EHEADER = -3,	/* sizes, offsets or stride inconsistent */
	STATS_ESLOTS = -4,	/* more slots than the domain has vCPUs */
	STATS_EID = -5,		/* another kind of table than asked for */
	STATS_EBUSY = -6,	/* seq did not settle within the tries */
	STATS_EEMPTY = -7,	/* slot never written (seq 0) */
	STATS_ERANGE = -8,	/* slot index >= nr_slots */
	STATS_ENOTABLE = -9,	/* this Xen publishes no stats tables */
	STATS_EGONE = -10,	/* no such domain (any more) */
	STATS_ESYS = -11,	/* another failure: see the errno returned */
};

/* How many times a read retries a moving seq before giving up. */
#define STATS_DEFAULT_TRIES 64

/*
 * How long, in all, the _wait reads sleep for a writer stopped mid-write.
 * On bare metal Xen holds a counter odd for a few dozen instructions; when
 * Xen itself runs in a VM (nested, or a cloud instance), the pCPU that
 * writes can be descheduled for milliseconds with the counter odd, and 64
 * tries pass in microseconds.
 */
#define STATS_DEFAULT_WAIT_NS 10000000u

/* A validated table: where things are, as the header published them. */
struct stats_view {
	const uint8_t *base;
	size_t len;
	uint32_t table_id;
	uint32_t section_offset, section_size;
	uint32_t slot_offset, slot_size, slot_stride, nr_slots;
};

/*
 * Validate the header of the table at base (len bytes mapped).  table_id:
 * the XENMEM_resource_stats_table_id_* expected; min_section and min_slot:
 * the bytes of section and slot the caller cannot do without; max_slots:
 * the most slots that make sense (the domain's vCPUs, the host's CPU ids).
 * On error, why (if not NULL) gets one line.
 */
int stats_view_open(const void *base, size_t len, uint32_t table_id,
		    size_t min_section, size_t min_slot, uint32_t max_slots,
		    struct stats_view *view, char *why, size_t why_len);

/*
 * Copy the section into dst (dst_size bytes) with the seq protocol.  Bytes
 * Xen did not publish (beyond section_size) are zeroed: check
 * stats_has_field before trusting a field added after min_section.
 */
int stats_read_section(const struct stats_view *view, void *dst,
		       size_t dst_size, unsigned tries);

/* The same for slot index (0 .. nr_slots-1). */
int stats_read_slot(const struct stats_view *view, uint32_t index, void *dst,
		    size_t dst_size, unsigned tries);

/*
 * The same reads for a program that would rather wait than lose a sample:
 * STATS_DEFAULT_TRIES tries; then, while the counter has not settled,
 * sleep (a pause that doubles from 10 us) and try again, until the pauses
 * add up to wait_ns.  STATS_EBUSY after that means a writer stopped for
 * longer than wait_ns, or a broken one (an odd counter that stays odd).
 * Blocks the calling thread for up to about wait_ns.
 */
int stats_read_section_wait(const struct stats_view *view, void *dst,
			    size_t dst_size, uint64_t wait_ns);
int stats_read_slot_wait(const struct stats_view *view, uint32_t index,
			 void *dst, size_t dst_size, uint64_t wait_ns);

/* Whether a field at offset/size lies within a published size. */
static inline int stats_has_field(uint32_t published, size_t offset,
				  size_t size)
{
	return offset + size <= published;
}

/* A static string for a status, e.g. "bad magic". */
const char *stats_strerror(int status);

/* ---- Mapping a table (libxenforeignmemory) ---------------------------- */

struct xenforeignmemory_handle;
struct xenforeignmemory_resource_handle;

/* The most frames a table may have: 4096 vCPUs at a 256-byte stride. */
#define STATS_MAX_FRAMES 260u
#define STATS_PAGE_SIZE 4096u

/* A mapped table, owned by the caller: release with stats_unmap_table(). */
struct stats_mapping {
	struct xenforeignmemory_resource_handle *res;
	const void *addr;	/* read-only */
	size_t len;		/* bytes mapped: whole frames */
};

/*
 * Map table id (XENMEM_resource_stats_table_id_*) of domid read-only:
 * domid is a guest, DOMID_SELF for the caller's own domain (a PV caller
 * cannot name itself) or DOMID_XEN for the host table.  The size query
 * says how many frames the table has and all of them are mapped.
 * Returns STATS_OK; STATS_ENOTABLE when the hypervisor has no stats
 * tables (an unpatched Xen answers the size query with a negated errno
 * taken as a frame count, or refuses DOMID_XEN with ESRCH, or the map
 * with EOPNOTSUPP/EINVAL; EPERM on the host table too: the policy leaves
 * hypercalls as the only way); STATS_EGONE (ESRCH, ENOENT: no such
 * domain); STATS_EHEADER (an implausible size); STATS_ESYS.  *err (may
 * be NULL) gets the errno behind a failure, 0 otherwise.  Then open a
 * view on m->addr, m->len with stats_view_open().
 */
int stats_map_table(struct xenforeignmemory_handle *fmem, uint32_t domid,
		    uint32_t id, struct stats_mapping *m, int *err);

/* Unmap (nothing if m was never mapped); views on it end here. */
void stats_unmap_table(struct xenforeignmemory_handle *fmem,
		       struct stats_mapping *m);

/* ---- Times at "now" ----------------------------------------------------- */

/*
 * A vCPU slot's time in each runstate at Xen time now (ns): time[] plus
 * the period in progress, up to max(now, update_time).  out[XEN_STATS_
 * RUNSTATE_running] is what XEN_DOMCTL_getvcpuinfo answers as cpu_time.
 * A state above XEN_STATS_NR_RUNSTATES - 1 adds nothing.
 */
void stats_vcpu_runstates(const struct xen_stats_vcpu *v, uint64_t now,
			  uint64_t out[XEN_STATS_NR_RUNSTATES]);

/* A pCPU slot's idle time at Xen time now (ns), as XEN_SYSCTL_getcpuinfo. */
uint64_t stats_pcpu_idle(const struct xen_stats_pcpu *p, uint64_t now);

/*
 * Xen's current time without a hypercall.  The newest update_time of the
 * host table lags it by up to a scheduler time slice, and that lag changes
 * from read to read.  A stats_clock tracks the offset between Xen time and
 * the reader's CLOCK_MONOTONIC_RAW (both count from the same hardware
 * clock when dom0's clocksource is xen or tsc): each read gives a lower
 * bound, the largest is best, a slow decay follows drift.  Use:
 *
 *     hint   = stats_clock_hint(&c, raw_before);   (raw clock, then)
 *     newest = largest update_time of the host table's pCPU slots;
 *     stats_clock_observe(&c, newest, raw_after);  (raw clock read after
 *                                                   the table)
 *     now    = stats_clock_now(hint, newest);
 *
 * A zeroed struct is a clock with no observation yet.
 */
struct stats_clock {
	int valid;		/* an observation was made */
	int64_t offset;		/* Xen time - CLOCK_MONOTONIC_RAW (ns) */
};

/* A hint further ahead of the newest write than this is not trusted: the
 * pCPU running the reader writes its slot at least once a time slice. */
#define STATS_CLOCK_MAX_AHEAD_NS 50000000u
/* Decay of the offset per observation that does not raise it (ns). */
#define STATS_CLOCK_DECAY_NS 50000

/* Xen time estimated at raw (ns of CLOCK_MONOTONIC_RAW); 0: no estimate. */
uint64_t stats_clock_hint(const struct stats_clock *c, uint64_t raw);

/* Record newest (0: none seen) against raw, read after the table. */
void stats_clock_observe(struct stats_clock *c, uint64_t newest, uint64_t raw);

/* "now": the hint when it is ahead of newest by at most
 * STATS_CLOCK_MAX_AHEAD_NS, newest otherwise (the hint if newest is 0). */
uint64_t stats_clock_now(uint64_t hint, uint64_t newest);

#endif
