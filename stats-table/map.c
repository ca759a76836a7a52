/*
 * map.c: map a stats table read-only with XENMEM_acquire_resource, and
 * tell a hypervisor without stats tables from a failure worth reporting.
 */
#include "stats_reader.h"

#include <errno.h>
#include <sys/mman.h>
#include <xenforeignmemory.h>

#ifndef DOMID_XEN
#define DOMID_XEN 0x7FF2U
#endif

/*
 * Xen answers a size query for a resource type it does not know with
 * (unsigned)-EOPNOTSUPP frames (about 16 TiB): any count this close to
 * 2^32 is a negated errno, not a size.
 */
#define NEGATED_ERRNO_FRAMES 0xFFFFF000UL

static int fail_errno(int *err, int e, int status)
{
	if (err)
		*err = e;
	return status;
}

static int errno_status(uint32_t domid, int e)
{
	switch (e) {
	case EOPNOTSUPP:
	case EINVAL:
		return STATS_ENOTABLE;
	case EPERM:
		return domid == DOMID_XEN ? STATS_ENOTABLE : STATS_ESYS;
	case ESRCH:
		/* An unpatched Xen has no domain DOMID_XEN to take a resource
		 * from; a patched one always has the host table. */
		return domid == DOMID_XEN ? STATS_ENOTABLE : STATS_EGONE;
	case ENOENT:
		return STATS_EGONE;
	default:
		return STATS_ESYS;
	}
}

int stats_map_table(struct xenforeignmemory_handle *fmem, uint32_t domid,
		    uint32_t id, struct stats_mapping *m, int *err)
{
	size_t size = 0;
	unsigned long frames;
	void *addr = NULL;

	m->res = NULL;
	m->addr = NULL;
	m->len = 0;
	if (xenforeignmemory_resource_size(fmem, (domid_t)domid,
					   XENMEM_resource_stats_table, id,
					   &size) != 0)
		return fail_errno(err, errno, errno_status(domid, errno));
	frames = (unsigned long)(size / STATS_PAGE_SIZE);
	if (frames >= NEGATED_ERRNO_FRAMES)
		return fail_errno(err, EOPNOTSUPP, STATS_ENOTABLE);
	if (frames == 0 || frames > STATS_MAX_FRAMES)
		return fail_errno(err, EINVAL, STATS_EHEADER);
	m->res = xenforeignmemory_map_resource(fmem, (domid_t)domid,
					       XENMEM_resource_stats_table, id,
					       0, frames, &addr, PROT_READ, 0);
	if (!m->res)
		return fail_errno(err, errno, errno_status(domid, errno));
	m->addr = addr;
	m->len = (size_t)frames * STATS_PAGE_SIZE;
	return fail_errno(err, 0, STATS_OK);
}

void stats_unmap_table(struct xenforeignmemory_handle *fmem,
		       struct stats_mapping *m)
{
	if (m->res)
		xenforeignmemory_unmap_resource(fmem, m->res);
	m->res = NULL;
	m->addr = NULL;
	m->len = 0;
}
