/*
 * stats_reader.c: header validation and seqlock reads of stats tables.
 * Xen writes the tables concurrently; the seq protocol makes a copy
 * consistent: seq even and unchanged across the copy.
 */
#include "stats_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FIELD_END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))

/* All the header fields this reader uses. */
#define HEADER_NEEDED FIELD_END(struct xen_stats_table_header, nr_slots)

const char *stats_strerror(int status)
{
	switch (status) {
	case STATS_OK: return "ok";
	case STATS_ETRUNC: return "mapping smaller than the header";
	case STATS_EMAGIC: return "bad magic";
	case STATS_EHEADER: return "inconsistent header";
	case STATS_ESLOTS: return "more slots than vCPUs";
	case STATS_EID: return "unexpected table id";
	case STATS_EBUSY: return "sequence counter never settled";
	case STATS_EEMPTY: return "slot never written";
	case STATS_ERANGE: return "slot index out of range";
	case STATS_ENOTABLE: return "this hypervisor publishes no stats tables";
	case STATS_EGONE: return "no such domain";
	case STATS_ESYS: return "system error";
	default: return "unknown error";
	}
}

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

__attribute__((format(printf, 4, 5)))
static int fail(int status, char *why, size_t why_len, const char *fmt, ...)
{
	if (why && why_len) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return status;
}

/* Section and slot array inside [header_size, total_size), not overlapping. */
static int check_layout(const struct stats_view *v, uint32_t header_size,
			uint32_t total_size, char *why, size_t why_len)
{
	uint64_t sec_end = (uint64_t)v->section_offset + v->section_size;
	uint64_t slots_end = (uint64_t)v->slot_offset +
			     (uint64_t)v->nr_slots * v->slot_stride;

	if (v->section_offset < header_size || sec_end > total_size)
		return fail(STATS_EHEADER, why, why_len, "section at %u+%u "
			    "outside the table", v->section_offset,
			    v->section_size);
	if (v->slot_stride < v->slot_size || v->slot_stride % 8 ||
	    v->slot_offset % 8 || v->section_offset % 8)
		return fail(STATS_EHEADER, why, why_len, "misaligned stride "
			    "%u or offsets (slot size %u)", v->slot_stride,
			    v->slot_size);
	if (v->nr_slots && (v->slot_offset < header_size ||
			    slots_end > total_size))
		return fail(STATS_EHEADER, why, why_len, "slots at %u "
			    "(x%u) outside the table", v->slot_offset,
			    v->nr_slots);
	if (v->nr_slots && !(sec_end <= v->slot_offset ||
			     slots_end <= v->section_offset))
		return fail(STATS_EHEADER, why, why_len, "section at %u "
			    "overlaps slots at %u", v->section_offset,
			    v->slot_offset);
	return STATS_OK;
}

static void parse_header(const uint8_t *b, struct stats_view *v)
{
#define H(f) load32(b + offsetof(struct xen_stats_table_header, f))
	v->table_id = H(table_id);
	v->section_offset = H(section_offset);
	v->section_size = H(section_size);
	v->slot_offset = H(slot_offset);
	v->slot_size = H(slot_size);
	v->slot_stride = H(slot_stride);
	v->nr_slots = H(nr_slots);
#undef H
}

int stats_view_open(const void *base, size_t len, uint32_t table_id,
		    size_t min_section, size_t min_slot, uint32_t max_slots,
		    struct stats_view *view, char *why, size_t why_len)
{
	const uint8_t *b = base;
	struct stats_view v = { .base = b, .len = len };
	uint32_t header_size, total_size;
	int rc;

	if (!b || len < HEADER_NEEDED)
		return fail(STATS_ETRUNC, why, why_len, "mapping of %zu bytes "
			    "cannot hold the %zu-byte header", len,
			    (size_t)HEADER_NEEDED);
	if (load32(b) != XEN_STATS_TABLE_MAGIC)
		return fail(STATS_EMAGIC, why, why_len, "bad magic 0x%08x "
			    "(want 0x%08x)", load32(b), XEN_STATS_TABLE_MAGIC);
	header_size = load32(b + offsetof(struct xen_stats_table_header,
					  header_size));
	total_size = load32(b + offsetof(struct xen_stats_table_header,
					 total_size));
	if (header_size < HEADER_NEEDED || header_size > total_size ||
	    total_size > len)
		return fail(STATS_EHEADER, why, why_len, "header size %u or "
			    "total size %u does not fit the mapping",
			    header_size, total_size);
	parse_header(b, &v);
	if (v.table_id != table_id)
		return fail(STATS_EID, why, why_len, "table id %u, want %u",
			    v.table_id, table_id);
	if (v.section_size < min_section || v.slot_size < min_slot)
		return fail(STATS_EHEADER, why, why_len, "section size %u or "
			    "slot size %u too small", v.section_size,
			    v.slot_size);
	if (v.nr_slots > max_slots)
		return fail(STATS_ESLOTS, why, why_len, "%u slots for at most "
			    "%u", v.nr_slots, max_slots);
	rc = check_layout(&v, header_size, total_size, why, why_len);
	if (rc == STATS_OK)
		*view = v;
	return rc;
}

static uint32_t load_seq(const uint8_t *p)
{
	return __atomic_load_n((const uint32_t *)(const void *)p,
			       __ATOMIC_ACQUIRE);
}

/*
 * Copy n bytes from a region Xen may be writing.  Between the two seq
 * loads the compiler must not move or merge loads: the fences order them.
 * Inlined into its two callers: a slot is read once per vCPU and cycle.
 */
static inline __attribute__((always_inline)) int
seq_copy(const uint8_t *src, size_t published, void *dst, size_t dst_size,
	 unsigned tries)
{
	size_t n = published < dst_size ? published : dst_size;

	/* What the table does not publish reads as zero; the rest is
	 * overwritten by the copy (usually all of it: nothing to clear). */
	if (n < dst_size)
		memset((uint8_t *)dst + n, 0, dst_size - n);
	for (unsigned i = 0; i < tries; i++) {
		uint32_t s1 = load_seq(src), s2;

		if (s1 & 1)
			continue;
		memcpy(dst, src, n);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = load_seq(src);
		if (s1 == s2)
			return s1 == 0 ? STATS_EEMPTY : STATS_OK;
	}
	memset(dst, 0, n);	/* no torn or stale bytes on failure */
	return STATS_EBUSY;
}

int stats_read_section(const struct stats_view *view, void *dst,
		       size_t dst_size, unsigned tries)
{
	return seq_copy(view->base + view->section_offset, view->section_size,
			dst, dst_size, tries);
}

/* Where slot index starts (index < nr_slots, checked by the callers). */
static const uint8_t *slot_at(const struct stats_view *view, uint32_t index)
{
	return view->base + view->slot_offset +
	       (size_t)index * view->slot_stride;
}

int stats_read_slot(const struct stats_view *view, uint32_t index, void *dst,
		    size_t dst_size, unsigned tries)
{
	if (index >= view->nr_slots)
		return STATS_ERANGE;
	return seq_copy(slot_at(view, index), view->slot_size, dst, dst_size,
			tries);
}

/* The first pause after the tries: a few times what a write takes. */
#define FIRST_PAUSE_NS 10000u

/*
 * Sleep rather than spin: the writer may need the very CPU this thread
 * runs on (a nested Xen's pCPUs are threads of the host), and a reader
 * that spins milliseconds would cost more than the hypercall it replaces.
 */
static void pause_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (nanosleep(&ts, &ts) != 0)
		;	/* EINTR: the rest of the pause */
}

static int copy_waiting(const uint8_t *src, size_t published, void *dst,
			size_t dst_size, uint64_t wait_ns)
{
	int rc = seq_copy(src, published, dst, dst_size, STATS_DEFAULT_TRIES);
	uint64_t pause = FIRST_PAUSE_NS, waited = 0;

	while (rc == STATS_EBUSY && waited < wait_ns) {
		if (pause > wait_ns - waited)
			pause = wait_ns - waited;
		pause_ns(pause);
		waited += pause;
		pause *= 2;
		rc = seq_copy(src, published, dst, dst_size,
			      STATS_DEFAULT_TRIES);
	}
	return rc;
}

int stats_read_section_wait(const struct stats_view *view, void *dst,
			    size_t dst_size, uint64_t wait_ns)
{
	return copy_waiting(view->base + view->section_offset,
			    view->section_size, dst, dst_size, wait_ns);
}

int stats_read_slot_wait(const struct stats_view *view, uint32_t index,
			 void *dst, size_t dst_size, uint64_t wait_ns)
{
	if (index >= view->nr_slots)
		return STATS_ERANGE;
	return copy_waiting(slot_at(view, index), view->slot_size, dst,
			    dst_size, wait_ns);
}
