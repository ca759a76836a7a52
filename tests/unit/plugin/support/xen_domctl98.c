/*
 * xen_domctl98.c: the double of domctl 98 (xen_domctl98.h).  The answer
 * is laid out from its own copy of the public structures, not from the
 * plugin's offsets, so a plugin that reads the wrong bytes fails.
 */
#include "plugin/support/xen_domctl98.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* xen/include/public/domctl.h with the patch, x86-64. */
struct xd_runstate_info_ext {
	uint32_t state;
	uint32_t missed_changes;
	uint64_t state_entry_time;
	uint64_t time[6];
	uint64_t runnable;
	uint64_t running;
	uint64_t nonaffine;
};

struct xd_domctl {
	uint32_t cmd;
	uint32_t interface_version;
	uint16_t domain;
	uint16_t pad[3];
	union {
		struct xd_runstate_info_ext domain_runstate;
		// cppcheck-suppress unusedStructMember
		uint8_t pad[128];	/* the union's size */
	} u;
};

_Static_assert(sizeof(struct xd_domctl) == 144, "xen_domctl is 144 bytes");

#define XD_GET_RUNSTATE_INFO 98
#define XD_INTERFACE_VERSION 0x15

/* Domain states: full_run, full_contention, concurrency_hazard, blocked,
 * partial_run, partial_contention; indexed by the running (1), runnable
 * (2) and blocked (4) bits of the vCPUs' runstates. */
static const int mask_to_state[8] = { -1, 0, 1, 2, 3, 4, 5, 2 };

void xd_init(struct xen_domctl98 *x, bool has_domctl98)
{
	memset(x, 0, sizeof(*x));
	x->has_domctl98 = has_domctl98;
	x->interface_version = XD_INTERFACE_VERSION;
	x->now = 1000;
	xd_set_vcpu(x, xd_add_domain(x, 0, 1), 0, XD_RUNNING, false);
}

struct xd_domain *xd_add_domain(struct xen_domctl98 *x, uint16_t domid,
				unsigned max_vcpus)
{
	for (int i = 0; i < XD_MAX_DOMS; i++) {
		struct xd_domain *d = &x->dom[i];

		if (d->exists)
			continue;
		/* Xen zeroes the domain: state full_run since time 0 */
		memset(d, 0, sizeof(*d));
		d->exists = true;
		d->domid = domid;
		d->max_vcpus = max_vcpus;
		for (unsigned v = 0; v < max_vcpus; v++) {
			d->vcpu[v].state = XD_BLOCKED;
			d->vcpu[v].entry = x->now;
		}
		return d;
	}
	return NULL;
}

static void update_domain(struct xen_domctl98 *x, struct xd_domain *d)
{
	unsigned mask = 0;

	d->time[d->state] += x->now - d->entry;
	d->entry = x->now;
	for (unsigned v = 0; v < d->max_vcpus; v++)
		if (!(d->vcpu[v].state == XD_OFFLINE && d->vcpu[v].down))
			mask |= 1u << d->vcpu[v].state;
	if (!mask)
		mask = 1u << XD_OFFLINE;
	mask |= (mask & (1u << XD_OFFLINE)) >> 1;	/* offline = blocked */
	d->state = (uint32_t)mask_to_state[mask & 7];
}

void xd_set_vcpu(struct xen_domctl98 *x, struct xd_domain *d, unsigned v,
		 enum xd_vcpu_state state, bool nonaffine)
{
	struct xd_vcpu *c = &d->vcpu[v];
	uint64_t delta = x->now - c->entry;

	c->time[c->state] += delta;
	if (c->state == XD_RUNNING && c->nonaffine)
		c->nonaffine_time += delta;
	c->entry = x->now;
	c->state = state;
	c->down = state == XD_OFFLINE;
	c->nonaffine = nonaffine;
	update_domain(x, d);
}

void xd_advance(struct xen_domctl98 *x, uint64_t ns)
{
	x->now += ns;
}

static struct xd_domain *lookup(struct xen_domctl98 *x, uint16_t domid)
{
	for (int i = 0; i < XD_MAX_DOMS; i++)
		if (x->dom[i].exists && x->dom[i].domid == domid)
			return &x->dom[i];
	return NULL;
}

/* domain_runstate_get: a snapshot up to now; the domain is not changed. */
static void answer(const struct xen_domctl98 *x, const struct xd_domain *d,
		   struct xd_runstate_info_ext *info)
{
	memset(info, 0, sizeof(*info));
	info->missed_changes = 0;	/* no lock here to miss */
	info->state = d->state;
	info->state_entry_time = d->entry;
	memcpy(info->time, d->time, sizeof(info->time));
	info->time[d->state] += x->now - d->entry;
	for (unsigned v = 0; v < d->max_vcpus; v++) {
		const struct xd_vcpu *c = &d->vcpu[v];
		uint64_t t[4], nonaffine = c->nonaffine_time;

		memcpy(t, c->time, sizeof(t));
		t[c->state] += x->now - c->entry;
		if (c->state == XD_RUNNING && c->nonaffine)
			nonaffine += x->now - c->entry;
		info->runnable += t[XD_RUNNABLE] / d->max_vcpus;
		info->running += t[XD_RUNNING] / d->max_vcpus;
		info->nonaffine += nonaffine / d->max_vcpus;
	}
}

static int xd_fail(int err)
{
	errno = err;
	return -1;
}

int xd_domctl(void *ctx, uint8_t *buf)
{
	struct xen_domctl98 *x = ctx;
	struct xd_domctl op;
	const struct xd_domain *d;

	memcpy(&op, buf, sizeof(op));
	x->calls++;
	x->last_cmd = op.cmd;
	if (op.interface_version != x->interface_version)
		return xd_fail(EACCES);
	d = lookup(x, op.domain);
	if (!d)
		return xd_fail(ESRCH);
	if (op.cmd != XD_GET_RUNSTATE_INFO || !x->has_domctl98)
		return xd_fail(ENOSYS);
	answer(x, d, &op.u.domain_runstate);
	memcpy(buf, &op, sizeof(op));
	return 0;
}
