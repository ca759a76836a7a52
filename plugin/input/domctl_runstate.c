/*
 * domctl_runstate.c: domctl 98 through libxencall (or a test transport).
 * The request and answer are laid out by hand: no public header of
 * upstream Xen declares the command's union member.
 */
#include "input/domctl_runstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#ifdef HAVE_XENCALL
#include <xencall.h>
#endif

/* The domctl header this file writes by hand is the public one. */
_Static_assert(sizeof(struct xen_domctl) == DOMCTL_SIZE,
	       "struct xen_domctl size");
_Static_assert(offsetof(struct xen_domctl, u) == DOMCTL_UNION_OFFSET,
	       "struct xen_domctl union offset");

/*
 * struct xen_domctl_runstate_info_ext, in the union: uint32 state,
 * uint32 missed_changes, uint64 state_entry_time, uint64 time[6], then
 * uint64 runnable, running, nonaffine.  Offsets within the union.
 */
#define EXT_TIME 16
#define EXT_RUNNABLE (EXT_TIME + 6 * 8)
#define EXT_RUNNING (EXT_RUNNABLE + 8)
#define EXT_NONAFFINE (EXT_RUNNING + 8)

struct domctl_runstate {
	struct domctl_transport transport;
	uint8_t *buf;		/* DOMCTL_SIZE bytes the transport accepts */
	uint8_t own_buf[DOMCTL_SIZE];
	int absent;		/* the probe's error: never asked again */
};

int domctl_runstate_open_with(const struct domctl_transport *transport,
			      struct domctl_runstate **out)
{
	struct domctl_runstate *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->transport = *transport;
	h->buf = h->own_buf;
	*out = h;
	return 0;
}

#ifdef HAVE_XENCALL
/* The buffer must be hypercall-safe (locked, from libxencall). */
struct xencall_ctx {
	xencall_handle *xcall;
	uint8_t *buf;
};

static int xencall_domctl(void *ctx, uint8_t *buf)
{
	struct xencall_ctx *c = ctx;
	int rc;

	memcpy(c->buf, buf, DOMCTL_SIZE);
	rc = xencall1(c->xcall, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)c->buf);
	memcpy(buf, c->buf, DOMCTL_SIZE);
	return rc < 0 ? -1 : 0;
}

static void xencall_release(void *ctx)
{
	struct xencall_ctx *c = ctx;

	if (c->buf)
		xencall_free_buffer(c->xcall, c->buf);
	xencall_close(c->xcall);
	free(c);
}

int domctl_runstate_open(struct domctl_runstate **out)
{
	struct xencall_ctx *c = calloc(1, sizeof(*c));
	struct domctl_transport t = { xencall_domctl, c, xencall_release };
	int err;

	if (!c)
		return -ENOMEM;
	c->xcall = xencall_open(NULL, 0);
	if (!c->xcall) {
		err = errno ? errno : EIO;
		free(c);
		return -err;
	}
	c->buf = xencall_alloc_buffer(c->xcall, DOMCTL_SIZE);
	if (!c->buf) {
		xencall_release(c);
		return -ENOMEM;
	}
	err = domctl_runstate_open_with(&t, out);
	if (err)
		xencall_release(c);
	return err;
}
#else
int domctl_runstate_open(struct domctl_runstate **out)
{
	*out = NULL;
	return -ENOSYS;
}
#endif

void domctl_runstate_close(struct domctl_runstate *h)
{
	if (!h)
		return;
	if (h->transport.close)
		h->transport.close(h->transport.ctx);
	free(h);
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int domctl_runstate_read(struct domctl_runstate *h, uint32_t domid,
			 struct dom_runstate *out)
{
	uint8_t *u = h->buf + DOMCTL_UNION_OFFSET;
	uint32_t word;
	uint16_t dom = (uint16_t)domid;

	if (h->absent)
		return h->absent;
	memset(h->buf, 0, DOMCTL_SIZE);
	word = DOMCTL_GET_RUNSTATE_INFO;
	memcpy(h->buf, &word, 4);
	word = XEN_DOMCTL_INTERFACE_VERSION;
	memcpy(h->buf + 4, &word, 4);
	memcpy(h->buf + 8, &dom, 2);
	if (h->transport.domctl(h->transport.ctx, h->buf) != 0)
		return -(errno ? errno : EIO);
	for (int k = 0; k < SAMPLE_RUNSTATES; k++)
		out->time_ns[k] = u64_at(u + EXT_TIME + 8 * (size_t)k);
	out->runnable_ns = u64_at(u + EXT_RUNNABLE);
	out->running_ns = u64_at(u + EXT_RUNNING);
	out->nonaffine_ns = u64_at(u + EXT_NONAFFINE);
	out->has_nonaffine = true;
	out->valid = true;
	return 0;
}

int domctl_runstate_probe(struct domctl_runstate *h)
{
	struct dom_runstate scratch;

	if (!h->absent)
		h->absent = domctl_runstate_read(h, 0, &scratch);
	return h->absent;
}
