/*
 * stats_reader.h: read a Xen stats table (xen-public/stats_table.h) from
 * a memory region: validate its header against the region, then copy the
 * section or one slot with the sequence-counter protocol.  Pure functions
 * over memory (no Xen calls), so tests run them on tables built in memory,
 * and the OpenMetrics scrapes (issue 5) can read mapped tables at will.
 *
 * Everything the header says is checked against the mapping before any
 * offset is followed: a hostile or corrupt table yields an error, never a
 * read outside the region.
 */
#ifndef PLUGIN_STATS_READER_H
#define PLUGIN_STATS_READER_H

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
};

/* How many times a read retries a moving seq before giving up. */
#define STATS_DEFAULT_TRIES 64

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

/* Whether a field at offset/size lies within a published size. */
static inline int stats_has_field(uint32_t published, size_t offset,
				  size_t size)
{
	return offset + size <= published;
}

/* A static string for a status, e.g. "bad magic". */
const char *stats_strerror(int status);

#endif
