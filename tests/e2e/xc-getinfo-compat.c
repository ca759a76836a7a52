/*
 * xc-getinfo-compat.so: xc_domain_getinfo() for Debian's Xen 4.17 tools on
 * XCP-ng 8.3's hypervisor, preloaded into dom0's xenconsoled on the XCP-ng
 * boots of the e2e run.
 *
 * Debian's libxenctrl 4.17 enumerates domains with XEN_DOMCTL_getdomaininfo
 * and relies on its old answer for a missing domid: the next domain that
 * exists.  XCP-ng's queue carries the upstream change (Xen 4.18) that makes
 * the domctl fail with ESRCH instead, and its own tools were changed with
 * it.  Debian's xenconsoled walks the domains from 1 that way, so once a
 * guest is destroyed it stops at the hole and never sees the domains
 * created after it: `xl create` times out waiting for the console.  This
 * library answers the same question through the getdomaininfolist sysctl,
 * which still returns the domains at or after a domid on every Xen.
 */
#include <string.h>

#include <xenctrl.h>

#define KIB_PER_PAGE_SHIFT 2	/* 4 KiB pages */

static void convert(const xc_domaininfo_t *in, xc_dominfo_t *out)
{
	uint32_t f = in->flags;

	memset(out, 0, sizeof(*out));
	out->domid = in->domain;
	out->ssidref = in->ssidref;
	out->dying = !!(f & XEN_DOMINF_dying);
	out->shutdown = !!(f & XEN_DOMINF_shutdown);
	out->paused = !!(f & XEN_DOMINF_paused);
	out->blocked = !!(f & XEN_DOMINF_blocked);
	out->running = !!(f & XEN_DOMINF_running);
	out->hvm = !!(f & XEN_DOMINF_hvm_guest);
	out->debugged = !!(f & XEN_DOMINF_debugged);
	out->xenstore = !!(f & XEN_DOMINF_xs_domain);
	out->hap = !!(f & XEN_DOMINF_hap);
	out->shutdown_reason =
		(f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	out->crashed = out->shutdown && out->shutdown_reason == SHUTDOWN_crash;
	out->nr_pages = in->tot_pages;
	out->nr_outstanding_pages = in->outstanding_pages;
	out->nr_shared_pages = in->shr_pages;
	out->nr_paged_pages = in->paged_pages;
	out->shared_info_frame = in->shared_info_frame;
	out->cpu_time = in->cpu_time;
	out->max_memkb = in->max_pages << KIB_PER_PAGE_SHIFT;
	out->nr_online_vcpus = in->nr_online_vcpus;
	out->max_vcpu_id = in->max_vcpu_id;
	memcpy(out->handle, in->handle, sizeof(out->handle));
	out->cpupool = in->cpupool;
	out->gpaddr_bits = in->gpaddr_bits;
	out->arch_config = in->arch_config;
}

/* Same contract as libxenctrl 4.17's: up to max_doms domains with ids >=
 * first_domid, in id order; the count, or -1 with errno set. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	xc_domaininfo_t one;
	uint32_t next = first_domid;
	unsigned int n;

	for (n = 0; n < max_doms; n++) {
		int got = xc_domain_getinfolist(xch, next, 1, &one);

		if (got < 0)
			return n ? (int)n : -1;
		if (got == 0)
			break;
		convert(&one, &info[n]);
		next = (uint32_t)one.domain + 1;
	}
	return (int)n;
}
