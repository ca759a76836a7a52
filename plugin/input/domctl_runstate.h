/*
 * domctl_runstate.h: XenServer's XEN_DOMCTL_get_runstate_info (domctl 98),
 * which XCP-ng's and XenServer's hypervisors have and upstream Xen (so
 * Debian's) has not: a whole domain's runstate aggregates (time with all
 * vCPUs running, all runnable, ...) and its vCPUs' runnable, running and
 * non-affine times, each summed over the vCPUs and divided by max_vcpus.
 *
 * Debian's libxenctrl has no wrapper for it (XCP-ng's has
 * xc_get_runstate_info_ext), so it is issued through libxencall, which both
 * userlands ship: one struct xen_domctl in a hypercall-safe buffer, cmd 98,
 * the domctl interface version the plugin was built with, the domid; the
 * answer in the domctl's union.
 *
 * The hypercall goes through a transport so that tests can stand a double
 * of the hypervisor in for Xen.  Not thread-safe: one caller at a time.
 */
#ifndef PLUGIN_DOMCTL_RUNSTATE_H
#define PLUGIN_DOMCTL_RUNSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "input/sample.h"

#define DOMCTL_GET_RUNSTATE_INFO 98

/* Bytes of a struct xen_domctl (what the hypervisor copies in and out). */
#define DOMCTL_SIZE 144
/* Where the domctl's union (the command's arguments) starts. */
#define DOMCTL_UNION_OFFSET 16

/*
 * Issue the domctl in buf (DOMCTL_SIZE bytes, answered in place), as
 * xencall1(__HYPERVISOR_domctl) does: 0, or -1 with errno set to what the
 * hypervisor returned.
 */
struct domctl_transport {
	int (*domctl)(void *ctx, uint8_t *buf);
	void *ctx;
	void (*close)(void *ctx);	/* NULL: nothing to release */
};

struct domctl_runstate;

/*
 * Open libxencall (returns -errno when it cannot, -ENOSYS when the plugin
 * was built without it).  *out is the caller's, freed with
 * domctl_runstate_close.
 */
int domctl_runstate_open(struct domctl_runstate **out);

/* The same over another transport (tests); the handle owns it. */
int domctl_runstate_open_with(const struct domctl_transport *transport,
			      struct domctl_runstate **out);

void domctl_runstate_close(struct domctl_runstate *h);

/*
 * Read domain domid's aggregates into *out (valid and has_nonaffine set).
 * Returns 0 or -errno: -ENOSYS (x86's answer to a domctl it does not
 * know) or -EOPNOTSUPP when the hypervisor lacks domctl 98, -ESRCH when
 * the domain does not exist, -EACCES when the interface version differs.
 */
int domctl_runstate_read(struct domctl_runstate *h, uint32_t domid,
			 struct dom_runstate *out);

/*
 * Does the hypervisor have domctl 98?  Asks about dom0, which always
 * exists: 0 when it answers, else the -errno of domctl_runstate_read.
 * After a failed probe, every read (and probe) returns that error without
 * issuing the domctl again: a hypervisor does not gain a command.
 */
int domctl_runstate_probe(struct domctl_runstate *h);

#endif
