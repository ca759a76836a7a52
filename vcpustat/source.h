/*
 * source.h: where vcpustat's snapshots come from on a real host.  The
 * stats tables when the hypervisor publishes them: the host table and
 * each domain's table are mapped once (one hypercall each), and a
 * snapshot is then memory loads plus one xenstore listing of the domains.
 * On a Xen without tables, hypercalls (libxenctrl), which know running
 * time only; vs_source_open says which one it got.
 */
#ifndef VCPUSTAT_SOURCE_H
#define VCPUSTAT_SOURCE_H

#include "snapshot.h"

struct vs_source;

/*
 * Open the tables, or the hypercalls when the hypervisor has no tables
 * (or force_hypercalls).  why (why_len bytes) gets one line about the
 * fallback, "" when there is none.  NULL with why set on failure.
 */
struct vs_source *vs_source_open(bool force_hypercalls, char *why,
				 size_t why_len);

/* "stats tables" or "hypercalls". */
const char *vs_source_name(const struct vs_source *src);

/* Fill s (initialised, empty).  0, or -1 with why set. */
int vs_source_read(struct vs_source *src, struct vs_snap *s, char *why,
		   size_t why_len);

void vs_source_close(struct vs_source *src);

#endif
