/*
 * xen_domctl98.h: a double of the hypervisor's side of XenServer's
 * XEN_DOMCTL_get_runstate_info (domctl 98), following XCP-ng 8.3's Xen
 * (patches mixed-domain-runstates and track-nonaffine-time):
 *
 * - every vCPU runstate change adds the time since the domain's last
 *   change to its current domain state, then recomputes the state from
 *   the set of its vCPUs' runstates (offline vCPUs the guest took down do
 *   not count; offline counts as blocked; running + runnable is
 *   concurrency_hazard whatever else);
 * - the domctl checks the interface version (EACCES), looks the domain up
 *   (ESRCH), then answers the state times up to now, and each vCPU's
 *   runnable, running and non-affine time (period in progress included)
 *   divided by max_vcpus, summed, in integers;
 * - a hypervisor without the patch answers ENOSYS, as x86's
 *   arch_do_domctl does for a command it does not know.
 *
 * Time is the double's own (now), advanced by the test.
 */
#ifndef PLUGIN_TEST_XEN_DOMCTL98_H
#define PLUGIN_TEST_XEN_DOMCTL98_H

#include <stdbool.h>
#include <stdint.h>

#define XD_MAX_DOMS 4
#define XD_MAX_VCPUS 8

/* Xen's vCPU runstates (RUNSTATE_*). */
enum xd_vcpu_state { XD_RUNNING, XD_RUNNABLE, XD_BLOCKED, XD_OFFLINE };

struct xd_vcpu {
	enum xd_vcpu_state state;
	bool down;			/* taken offline by the guest */
	bool nonaffine;			/* running outside soft affinity */
	uint64_t entry;
	uint64_t time[4];
	uint64_t nonaffine_time;
};

struct xd_domain {
	bool exists;
	uint16_t domid;
	unsigned max_vcpus;
	struct xd_vcpu vcpu[XD_MAX_VCPUS];
	uint32_t state;			/* domain state 0..5 */
	uint64_t entry;
	uint64_t time[6];
};

struct xen_domctl98 {
	bool has_domctl98;		/* XCP-ng's hypervisor, not upstream */
	uint32_t interface_version;	/* what the hypervisor accepts */
	uint64_t now;
	struct xd_domain dom[XD_MAX_DOMS];
	unsigned calls;			/* domctls issued */
	uint32_t last_cmd;
};

/* A hypervisor with (or without) domctl 98 and dom0 (1 vCPU, running). */
void xd_init(struct xen_domctl98 *x, bool has_domctl98);

/* A domain whose vCPUs are all blocked from now on. */
struct xd_domain *xd_add_domain(struct xen_domctl98 *x, uint16_t domid,
				unsigned max_vcpus);

/* vCPU v of d changes runstate now (Xen's vcpu_runstate_change). */
void xd_set_vcpu(struct xen_domctl98 *x, struct xd_domain *d, unsigned v,
		 enum xd_vcpu_state state, bool nonaffine);

void xd_advance(struct xen_domctl98 *x, uint64_t ns);

/* The transport: domctl in buf (144 bytes), as xencall1 answers it. */
int xd_domctl(void *ctx, uint8_t *buf);

#endif
